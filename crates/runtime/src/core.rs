//! The engine's synchronous core: applies due inputs and timers to enrollments in one
//! transaction per batch, by calling the interpreter, and records what it produced.
//!
//! Both drivers of the durable engine use it: the tokio [`crate::Service`] (real clock, real
//! channels) and [`crate::replay`] (a manual clock, the scenario's answers). It never sends
//! anything: effects become outbox rows, committed with the state that produced them, and a
//! dispatcher performs them afterwards ([`Engine::due_outbox`], [`Engine::record_attempts`]).
//!
//! **Order.** Inputs and timers due at or before "now" are applied in (time, class, arrival)
//! order; at the same instant: delivery and webhook results first, then events (and leave
//! orders), then replies, then timers — the simulator's tie-break, with results first because
//! the simulator answers a send at once. A contact whose input produced a send or a webhook call
//! gets no further input in the same batch, so that its result (which needs the dispatcher)
//! is applied before anything later that happens to it; likewise a contact whose new timer is
//! already due (it was not among the batch's items).
//!
//! **Routing.** An input with an enrollment (a result, a leave order) goes to that enrollment.
//! An event goes to every journey that listens to it, in journey-id order: to the contact's
//! enrollment there when it is inside (the version it entered, whatever was published since);
//! when it is not inside, the trigger event of an active latest version enters it there
//! (carrying its entry count and recent sends across versions, so re-entry rules and the
//! frequency cap hold), and any other event goes to the version it finished on (a goal after
//! exiting). A reply goes to every enrollment of the contact. Profile changes (`update` nodes,
//! STOP/START, the WhatsApp window) apply to the contact record, seen by every journey.
//!
//! **Time.** An input is applied at its own time (`at`), never before the enrollment's last
//! applied input (a late arrival is applied at that later instant instead), so a restart after
//! downtime catches up deterministically.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use itinera_engine::{
    Collector, Contact, ContactChange, ContactState, DeliveryResult, Effect, Input, Program, StateError, Status, Waiting, WebhookOutcome,
    handle,
};
use itinera_store::{ConsentEvidence, Enrollment, EnrollmentSummary, NewOutbox, NewStep, OutboxItem, Store, Tx, VersionStatus};
use jiff::Timestamp;

use crate::Error;

/// Tie-break class of a delivery or webhook result.
pub const CLASS_RESULT: i64 = 0;
/// Tie-break class of an event (and of a leave order).
pub const CLASS_EVENT: i64 = 1;
/// Tie-break class of a reply.
pub const CLASS_REPLY: i64 = 2;

/// What one batch did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Applied {
    /// Inputs and timers applied.
    pub inputs: usize,
    /// Step records written.
    pub steps: usize,
    /// Outbox rows written (messages and webhook calls).
    pub effects: usize,
    /// Inputs left for a later batch (their contact was waiting for a send's dispatch).
    pub deferred: usize,
    /// Messages the interpreter counted as delivered in this batch: `(contact, journey, node,
    /// when)`.
    pub delivered: Vec<(String, String, String, Timestamp)>,
}

/// How a channel answered an attempt ([`Engine::record_attempts`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// Performed, and the result is known: delivered/ok, or failed with a reason.
    Done(Result<(), String>),
    /// Taken by the provider; its result comes later (a receipt) or never (then the delivery
    /// deadline counts the message as delivered).
    Accepted {
        /// The provider's id for the message (stored on the outbox row, so that a receipt finds
        /// it: [`itinera_store::Tx::outbox_by_provider_id`]).
        provider_id: Option<String>,
    },
    /// Failed for now (timeout, 5xx, 429): try again at the given time, unless attempts are
    /// exhausted.
    Retry {
        /// What went wrong.
        error: String,
        /// When to try again.
        at: Timestamp,
    },
    /// Not now, and this was not an attempt (the channel's rate limit is used up, its circuit
    /// is open, the provider asked to slow down): due again at `at`, with the attempt count
    /// unchanged, so that waiting out an outage never exhausts [`Engine::max_attempts`].
    Later {
        /// When to try again.
        at: Timestamp,
        /// Why (kept as the row's last error).
        why: String,
    },
    /// The provider says the contact opted out of the channel (WhatsApp 131050, Twilio 21610):
    /// the contact's consent on the message's channel is revoked, with `source` as the consent
    /// evidence, and the message fails with reason `opt_out`.
    OptOut {
        /// The evidence's source (`whatsapp error 131050`).
        source: String,
    },
}

/// The reason of a message failed because the contact opted out at the provider.
pub const OPT_OUT: &str = "opt_out";

struct JourneyInfo {
    id: String,
    latest: u32,
    latest_status: VersionStatus,
}

struct ContactEntry {
    contact: Contact,
    dirty: bool,
    exists: bool,
}

/// Contacts kept in memory across batches, at most: past it the cache starts again empty.
const CONTACT_CACHE: usize = 50_000;
/// Parsed enrollment states kept in memory, at most (likewise).
const STATE_CACHE: usize = 50_000;

/// Parsed enrollment states by enrollment id, each with the exact JSON it was parsed from or
/// written as: a stored state equal to that text byte for byte is not parsed again. It needs no
/// invalidation: whoever changed the row (another process, a rolled-back batch), the text read
/// from the store decides.
#[derive(Default)]
struct StateCache {
    map: HashMap<i64, (String, ContactState)>,
}

impl StateCache {
    fn load(&mut self, id: i64, json: &str, program: &Program) -> Result<ContactState, Error> {
        if let Some((text, state)) = self.map.get(&id)
            && text == json
        {
            return Ok(state.clone());
        }
        let state = load_state(json, program)?;
        self.keep(id, json.to_string(), state.clone());
        Ok(state)
    }

    fn keep(&mut self, id: i64, json: String, state: ContactState) {
        if self.map.len() >= STATE_CACHE && !self.map.contains_key(&id) {
            self.map.clear();
        }
        self.map.insert(id, (json, state));
    }
}

/// The durable engine's core over one store.
pub struct Engine {
    store: Store,
    programs: HashMap<(String, u32), Arc<Program>>,
    seeds: HashMap<(String, u32), u64>,
    journeys: Vec<JourneyInfo>,
    generation: Option<i64>,
    collector: Collector,
    /// Contact profiles as the last committed batch left them, true while the store's
    /// [`itinera_store::ContactsMark`] is the one taken after that commit (no other writer
    /// changed a contact since): a batch then reads and parses only contacts it has not seen.
    contacts: HashMap<String, ContactEntry>,
    contacts_mark: Option<itinera_store::ContactsMark>,
    states: StateCache,
    /// Attempts per outbox row before it counts as failed.
    pub max_attempts: u32,
}

impl Engine {
    /// An engine over this store.
    pub fn new(store: Store) -> Engine {
        Engine {
            store,
            programs: HashMap::new(),
            seeds: HashMap::new(),
            journeys: Vec::new(),
            generation: None,
            collector: Collector::new(true),
            contacts: HashMap::new(),
            contacts_mark: None,
            states: StateCache::default(),
            max_attempts: 5,
        }
    }

    /// The store (for the commands that read or write it directly).
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The compiled program of a version (compiled once, cached).
    pub fn program(&mut self, journey: &str, version: u32) -> Result<Arc<Program>, Error> {
        if let Some(p) = self.programs.get(&(journey.to_string(), version)) {
            return Ok(p.clone());
        }
        let tx = self.store.read()?;
        let row = tx
            .version(journey, version)?
            .ok_or_else(|| Error::Store(itinera_store::Error::NoSuchJourney { journey: journey.to_string(), version: Some(version) }))?;
        drop(tx);
        let program = Arc::new(compile_version(journey, version, &row.definition)?);
        self.programs.insert((journey.to_string(), version), program.clone());
        self.seeds.insert((journey.to_string(), version), row.seed);
        Ok(program)
    }

    fn refresh(&mut self) -> Result<(), Error> {
        let tx = self.store.read()?;
        let generation = tx.catalog_generation()?;
        if self.generation == Some(generation) {
            return Ok(());
        }
        let versions = tx.versions()?;
        drop(tx);
        let mut journeys: Vec<JourneyInfo> = Vec::new();
        for v in &versions {
            match journeys.last_mut() {
                Some(j) if j.id == v.journey => {
                    j.latest = v.version;
                    j.latest_status = v.status;
                }
                _ => journeys.push(JourneyInfo { id: v.journey.clone(), latest: v.version, latest_status: v.status }),
            }
        }
        self.journeys = journeys;
        self.generation = Some(generation);
        Ok(())
    }

    /// The earliest instant at which an input, a timer or an outbox attempt is due.
    pub fn next_due(&mut self) -> Result<Option<Timestamp>, Error> {
        Ok(self.store.read()?.next_due()?)
    }

    /// `(inputs not applied, timers set, outbox rows pending)`: all zero when nothing is left
    /// to do but wait for new inputs.
    pub fn pending(&mut self) -> Result<(u64, u64, u64), Error> {
        Ok(self.store.read()?.pending()?)
    }

    /// Applies up to `limit` inputs and timers due at or before `now`, in one transaction.
    pub fn apply_due(&mut self, now: Timestamp, limit: usize) -> Result<Applied, Error> {
        self.apply_due_holding(now, limit, &|_, _| false)
    }

    /// [`Engine::apply_due`], also holding back a contact's later inputs (to the next batch) once
    /// the interpreter counted a message of node `node` delivered and `hold(contact, node)` says
    /// so: how a driver that answers a delivery with a new input (the replay's scripted replies)
    /// gets it in before the contact's later inputs.
    pub fn apply_due_holding(&mut self, now: Timestamp, limit: usize, hold: &dyn Fn(&str, &str) -> bool) -> Result<Applied, Error> {
        self.refresh()?;
        // Programs are compiled outside the transaction.
        let mut applied = Applied::default();
        let (inputs, timers) = {
            let tx = self.store.read()?;
            (tx.due_inputs(now, limit)?, tx.due_timers(now, limit)?)
        };
        if inputs.is_empty() && timers.is_empty() {
            return Ok(applied);
        }
        let mut needed: Vec<(String, u32)> = Vec::new();
        for j in &self.journeys {
            needed.push((j.id.clone(), j.latest));
        }
        for (j, v) in needed {
            self.program(&j, v)?;
        }
        // Merge by (time, class): inputs before timers at the same instant.
        enum Item {
            Input(itinera_store::InboxItem),
            Timer(i64, String, Timestamp),
        }
        let mut items: Vec<Item> = Vec::with_capacity(inputs.len() + timers.len());
        let (mut i, mut t) = (inputs.into_iter().peekable(), timers.into_iter().peekable());
        loop {
            let take_input = match (i.peek(), t.peek()) {
                (Some(a), Some(b)) => a.at <= b.2,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_input {
                items.push(Item::Input(i.next().expect("peeked")));
            } else {
                let (e, c, at) = t.next().expect("peeked");
                items.push(Item::Timer(e, c, at));
            }
            if items.len() >= limit {
                break;
            }
        }
        let mut blocked: HashSet<String> = HashSet::new();
        // The cache is taken out for the batch and put back only once it committed: a batch that
        // fails leaves no uncommitted profile behind.
        let mut contacts = std::mem::take(&mut self.contacts);
        let cached_at = self.contacts_mark.take();
        let mut work = Work {
            bound: now,
            programs: &mut self.programs,
            seeds: &self.seeds,
            journeys: &self.journeys,
            collector: &mut self.collector,
            hold,
            steps: Vec::new(),
            states: &mut self.states,
        };
        // Inputs applied, marked done together once the batch is through.
        let mut done: Vec<i64> = Vec::new();
        let tx = self.store.transaction()?;
        // Inside the write transaction: no other writer commits between this look and the batch.
        if cached_at != Some(tx.contacts_mark()?) || contacts.len() > CONTACT_CACHE {
            contacts.clear();
        }
        for item in items {
            match item {
                Item::Input(input) => {
                    if blocked.contains(&input.contact) {
                        applied.deferred += 1;
                        continue;
                    }
                    let sent = work.apply_input(&tx, &mut contacts, &input, now, &mut applied)?;
                    done.push(input.seq);
                    applied.inputs += 1;
                    if sent {
                        blocked.insert(input.contact);
                    }
                }
                Item::Timer(enrollment, contact, at) => {
                    if blocked.contains(&contact) {
                        applied.deferred += 1;
                        continue;
                    }
                    // The timer may have moved in this batch (an earlier input of the contact).
                    let Some(row) = tx.enrollment(enrollment)? else { continue };
                    let sent = work.apply(&tx, &mut contacts, &contact, Some(row), None, Input::Timer, at, None, &mut applied)?;
                    applied.inputs += 1;
                    if sent {
                        blocked.insert(contact);
                    }
                }
            }
        }
        tx.push_steps(&work.steps)?;
        tx.inputs_done(&done, now)?;
        for (id, entry) in &mut contacts {
            if entry.dirty || !entry.exists {
                let profile = serde_json::to_string(&entry.contact).map_err(|e| Error::Internal(e.to_string()))?;
                tx.put_contact(id, &profile, now)?;
                entry.dirty = false;
                entry.exists = true;
            }
        }
        // Taken before the commit, while no other writer can commit, with this batch's own
        // contact writes counted: only a later writer changes it.
        let mark = tx.contacts_mark()?;
        tx.commit()?;
        self.contacts_mark = Some(mark);
        self.contacts = contacts;
        Ok(applied)
    }

    /// Outbox rows due for an attempt at `now` (at most `limit`).
    pub fn due_outbox(&mut self, now: Timestamp, limit: usize) -> Result<Vec<OutboxItem>, Error> {
        Ok(self.store.read()?.due_outbox(now, limit)?)
    }

    /// Records how the channel answered each attempt, in one transaction: a known result becomes
    /// a result input for the enrollment (applied by the next batch); a retry is scheduled with
    /// the attempt counted, and after [`Engine::max_attempts`] the effect fails.
    pub fn record_attempts(&mut self, attempts: &[(OutboxItem, Attempt)], now: Timestamp) -> Result<(), Error> {
        let timed: Vec<(&OutboxItem, &Attempt, Timestamp)> = attempts.iter().map(|(row, a)| (row, a, now)).collect();
        self.record_attempts_at(&timed, now)
    }

    /// [`Engine::record_attempts`] with each result's own time (the replay answers every send at
    /// the instant it was made).
    pub fn record_attempts_at(&mut self, attempts: &[(&OutboxItem, &Attempt, Timestamp)], now: Timestamp) -> Result<(), Error> {
        let tx = self.store.transaction()?;
        for &(row, attempt, at) in attempts {
            // The row's channel column says what it is (a message on a channel, or a webhook call):
            // its effect's JSON is not parsed again here.
            let channel = match row.channel.as_str() {
                "webhook" => None,
                name => Some(
                    itinera_engine::Channel::parse(name)
                        .ok_or_else(|| Error::Internal(format!("outbox row {}: unknown channel `{name}`", row.seq)))?,
                ),
            };
            // A message still in the outbox (retried, waiting for a rate limit or a circuit) or
            // just accepted has its delivery deadline counted from then, not from the send: a
            // contact never moves on as "delivered" before the provider took the message.
            let from = match attempt {
                Attempt::Accepted { .. } => Some(at),
                Attempt::Later { at, .. } => Some(*at),
                Attempt::Retry { at, .. } if row.attempts + 1 < self.max_attempts => Some(*at),
                _ => None,
            };
            if let (Some(from), Some(channel)) = (from, channel) {
                hold_deadline(&tx, &mut self.programs, row, channel, from)?;
            }
            let result = match attempt {
                Attempt::Accepted { provider_id } => {
                    tx.outbox_accepted(row.seq, provider_id.as_deref(), now)?;
                    continue;
                }
                Attempt::Later { at, why } => {
                    tx.outbox_later(row.seq, *at, why)?;
                    continue;
                }
                Attempt::OptOut { source } => {
                    if let Some(channel) = channel {
                        revoke_consent(&tx, &row.contact, channel.as_str(), source, now)?;
                    }
                    tx.outbox_done(row.seq, false, Some("failed"), Some(OPT_OUT), now)?;
                    Err(OPT_OUT.to_string())
                }
                Attempt::Retry { error, at } if row.attempts + 1 < self.max_attempts => {
                    tx.outbox_retry(row.seq, *at, error)?;
                    continue;
                }
                Attempt::Retry { error, .. } => {
                    tx.outbox_done(row.seq, false, Some("failed"), Some(error), now)?;
                    Err(if channel.is_some() { "undeliverable".to_string() } else { error.clone() })
                }
                Attempt::Done(Ok(())) => {
                    tx.outbox_done(row.seq, true, Some("ok"), None, now)?;
                    Ok(())
                }
                Attempt::Done(Err(reason)) => {
                    tx.outbox_done(row.seq, false, Some("failed"), Some(reason), now)?;
                    Err(reason.clone())
                }
            };
            let input = match channel {
                Some(_) => Input::Delivery {
                    key: row.key.clone(),
                    result: match result {
                        Ok(()) => DeliveryResult::Delivered,
                        Err(reason) => DeliveryResult::Failed(reason),
                    },
                },
                None => Input::WebhookResult {
                    key: row.key.clone(),
                    result: match result {
                        Ok(()) => WebhookOutcome::Ok,
                        Err(reason) => WebhookOutcome::Failed(reason),
                    },
                },
            };
            let json = serde_json::to_string(&input).map_err(|e| Error::Internal(e.to_string()))?;
            tx.push_input(&format!("result:{}", row.key), &row.contact, CLASS_RESULT, at, &json, Some(row.enrollment), now)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Compiles a stored version (it was validated when it was published).
pub fn compile_version(journey: &str, version: u32, definition: &str) -> Result<Program, Error> {
    let (parsed, report) = itinera_engine::check_source(definition);
    let parsed = match parsed {
        Some(j) if report.valid => j,
        _ => {
            return Err(Error::Invalid { journey: journey.to_string(), diagnostics: report.diagnostics });
        }
    };
    Ok(Program::compile(&parsed).map_err(|e| Error::Compile(journey.to_string(), e))?.with_version(version))
}

/// The borrowed parts of the engine one batch works with.
struct Work<'e> {
    /// The batch's bound: a contact whose new timer is due by then waits for the next batch.
    bound: Timestamp,
    hold: &'e dyn Fn(&str, &str) -> bool,
    programs: &'e mut HashMap<(String, u32), Arc<Program>>,
    seeds: &'e HashMap<(String, u32), u64>,
    journeys: &'e [JourneyInfo],
    collector: &'e mut Collector,
    /// The batch's step records, written together at its end (in the order they were taken).
    steps: Vec<NewStep>,
    states: &'e mut StateCache,
}

fn status_word(status: &Status) -> (&'static str, Option<&'static str>) {
    match status {
        Status::NotEntered => ("not_entered", None),
        Status::Waiting { .. } => ("waiting", None),
        Status::Done { outcome, .. } => ("done", Some(outcome.as_str())),
    }
}

impl Work<'_> {
    fn program(&self, journey: &str, version: u32) -> Result<Arc<Program>, Error> {
        self.programs
            .get(&(journey.to_string(), version))
            .cloned()
            .ok_or_else(|| Error::Store(itinera_store::Error::NoSuchJourney { journey: journey.to_string(), version: Some(version) }))
    }

    fn program_loading(&mut self, tx: &Tx<'_>, journey: &str, version: u32) -> Result<Arc<Program>, Error> {
        if let Ok(p) = self.program(journey, version) {
            return Ok(p);
        }
        let row = tx
            .version(journey, version)?
            .ok_or_else(|| Error::Store(itinera_store::Error::NoSuchJourney { journey: journey.to_string(), version: Some(version) }))?;
        let program = Arc::new(compile_version(journey, version, &row.definition)?);
        self.programs.insert((journey.to_string(), version), program.clone());
        Ok(program)
    }

    /// Routes one inbox input; returns whether the contact must wait for the next batch (it
    /// produced a send or a webhook call, or a timer due within the batch).
    fn apply_input(
        &mut self,
        tx: &Tx<'_>,
        contacts: &mut HashMap<String, ContactEntry>,
        item: &itinera_store::InboxItem,
        _now: Timestamp,
        applied: &mut Applied,
    ) -> Result<bool, Error> {
        let input: Input = serde_json::from_str(&item.input).map_err(|e| Error::Internal(format!("inbox input {}: {e}", item.id)))?;
        if let Some(enrollment) = item.enrollment {
            let Some(row) = tx.enrollment(enrollment)? else { return Ok(false) };
            return self.apply(tx, contacts, &item.contact, Some(row), None, input, item.at, None, applied);
        }
        let mut sent = false;
        let rows = tx.enrollments_of(&item.contact)?;
        let journeys = self.journeys;
        match &input {
            Input::Event { name, data } => {
                for j in journeys {
                    let latest = self.program(&j.id, j.latest)?;
                    let open = j.latest_status == VersionStatus::Active;
                    // The engine's rule (`Program::route_event`): an event carrying the trigger's
                    // key field reaches the enrollment with that key; one without it reaches every
                    // enrollment (finished ones only for the trigger and goal events).
                    let route = latest.route_event(name, data);
                    let mut found_entering = false;
                    for r in rows.iter().filter(|r| r.journey == j.id) {
                        let program = self.program_loading(tx, &r.journey, r.version)?;
                        let state = self.states.load(r.id, &r.state, &program)?;
                        if !route.reaches(state.key.as_deref()) {
                            continue;
                        }
                        let entering = state.key.as_deref() == route.key();
                        found_entering |= entering;
                        let inside = state.is_inside();
                        if !(inside || program.moves_outside(name) || (entering && route.enters())) {
                            continue;
                        }
                        let target = if inside {
                            program.listens_to(name).then_some((r.version, state))
                        } else if entering && route.enters() && latest.trigger_event() == name {
                            // A new entry: on the latest version, and only if it is active.
                            open.then(|| (j.latest, move_state(state, &program, &latest)))
                        } else {
                            // A finished flow hears its version's goal, never its trigger.
                            (program.listens_to(name) && program.trigger_event() != name).then_some((r.version, state))
                        };
                        if let Some((version, state)) = target {
                            let row = Some(r.clone());
                            sent |= self.apply(
                                tx,
                                contacts,
                                &item.contact,
                                row,
                                Some((&j.id, version, Some(state))),
                                input.clone(),
                                item.at,
                                None,
                                applied,
                            )?;
                        }
                    }
                    if route.enters() && !found_entering && open {
                        let state = ContactState::new_keyed(&latest, route.key().map(str::to_string));
                        sent |= self.apply(
                            tx,
                            contacts,
                            &item.contact,
                            None,
                            Some((&j.id, j.latest, Some(state))),
                            input.clone(),
                            item.at,
                            None,
                            applied,
                        )?;
                    }
                }
            }
            Input::Reply { text, button, .. } => {
                let shown = text.clone().or_else(|| button.clone());
                let mut reached = false;
                for j in journeys {
                    // Every flow inside the journey, or when none is, the one entered last (so
                    // that STOP/START and the WhatsApp window apply).
                    let mut mine: Vec<(Enrollment, ContactState)> = Vec::new();
                    for r in rows.iter().filter(|r| r.journey == j.id) {
                        let program = self.program_loading(tx, &r.journey, r.version)?;
                        let state = self.states.load(r.id, &r.state, &program)?;
                        mine.push((r.clone(), state));
                    }
                    let mut targets: Vec<usize> = (0..mine.len()).filter(|&i| mine[i].1.is_inside()).collect();
                    if targets.is_empty() {
                        targets.extend(
                            mine.iter()
                                .enumerate()
                                .filter(|(_, (_, s))| s.entries > 0)
                                .max_by_key(|(i, (_, s))| (s.last_entry, *i))
                                .map(|(i, _)| i),
                        );
                    }
                    for i in targets {
                        let (row, state) = mine[i].clone();
                        let version = row.version;
                        reached = true;
                        sent |= self.apply(
                            tx,
                            contacts,
                            &item.contact,
                            Some(row),
                            Some((&j.id, version, Some(state))),
                            input.clone(),
                            item.at,
                            Some(shown.clone()),
                            applied,
                        )?;
                    }
                }
                if !reached {
                    // A contact in no journey: its STOP or START still counts. The interpreter
                    // reads the reply against a state that is not stored (no step, no enrollment).
                    self.profile_only(tx, contacts, &item.contact, input.clone(), item.at, shown)?;
                }
            }
            _ => {}
        }
        Ok(sent)
    }

    /// An input for a contact outside every journey: only its profile changes are kept.
    fn profile_only(
        &mut self,
        tx: &Tx<'_>,
        contacts: &mut HashMap<String, ContactEntry>,
        contact_id: &str,
        input: Input,
        at: Timestamp,
        shown: Option<String>,
    ) -> Result<(), Error> {
        let Some(j) = self.journeys.first() else { return Ok(()) };
        let program = self.program(&j.id, j.latest)?;
        if !contacts.contains_key(contact_id) {
            load_contact(tx, contacts, contact_id)?;
        }
        let entry = contacts.get_mut(contact_id).expect("loaded");
        let mut state = ContactState::new(&program);
        let fx = &mut *self.collector;
        fx.effects.clear();
        fx.steps.clear();
        fx.at(at);
        handle(&program, &entry.contact, &mut state, input, at, 0, fx).map_err(|e| Error::State(contact_id.to_string(), e))?;
        for effect in fx.effects.drain(..) {
            if let Effect::Contact(change) = effect {
                entry.contact.apply(&change);
                entry.dirty = true;
                if let ContactChange::Consent { channel, granted } = change {
                    if !entry.exists {
                        let profile = serde_json::to_string(&entry.contact).map_err(|e| Error::Internal(e.to_string()))?;
                        tx.put_contact(contact_id, &profile, at)?;
                        entry.exists = true;
                    }
                    let evidence = ConsentEvidence { channel, granted, source: "reply".into(), at, shown: shown.clone() };
                    tx.add_consent_evidence(contact_id, &evidence)?;
                }
            }
        }
        fx.steps.clear();
        Ok(())
    }

    /// Applies one input to one enrollment (existing `row`, or a new one in `fresh`'s journey
    /// and version, with a state carried over from another version when given). Returns whether
    /// it produced a send or a webhook call.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        tx: &Tx<'_>,
        contacts: &mut HashMap<String, ContactEntry>,
        contact_id: &str,
        row: Option<Enrollment>,
        fresh: Option<(&str, u32, Option<ContactState>)>,
        input: Input,
        at: Timestamp,
        reply: Option<Option<String>>,
        applied: &mut Applied,
    ) -> Result<bool, Error> {
        let (journey, version, mut state, id, last) = match (fresh, &row) {
            (Some((journey, version, moved)), _) => {
                let program = self.program_loading(tx, journey, version)?;
                let state = match (moved, &row) {
                    (Some(state), _) => state,
                    (None, Some(r)) if r.version == version => self.states.load(r.id, &r.state, &program)?,
                    (None, _) => ContactState::new(&program),
                };
                (journey.to_string(), version, state, row.as_ref().map(|r| r.id), row.as_ref().map(|r| r.updated_at))
            }
            (None, Some(r)) => {
                let program = self.program_loading(tx, &r.journey, r.version)?;
                let state = self.states.load(r.id, &r.state, &program)?;
                (r.journey.clone(), r.version, state, Some(r.id), Some(r.updated_at))
            }
            (None, None) => return Ok(false),
        };
        let program = self.program_loading(tx, &journey, version)?;
        let now = match last {
            Some(last) if last > at => last,
            _ => at,
        };
        let seed = self.seeds.get(&(journey.clone(), version)).copied().unwrap_or(0);
        if !contacts.contains_key(contact_id) {
            load_contact(tx, contacts, contact_id)?;
        }
        let entry = contacts.get_mut(contact_id).expect("loaded");
        let due_before = state.due();
        let in_flight = match state.status {
            Status::Waiting { node, waiting: Waiting::Delivery { attempt, .. }, .. } => {
                Some((node, program.idempotency_key(contact_id, state.key.as_deref(), state.entries, node, attempt)))
            }
            _ => None,
        };
        let fx = &mut *self.collector;
        fx.effects.clear();
        fx.steps.clear();
        fx.at(now);
        let timer = matches!(input, Input::Timer);
        handle(&program, &entry.contact, &mut state, input, now, seed, fx).map_err(|e| Error::State(contact_id.to_string(), e))?;
        let (status, outcome) = status_word(&state.status);
        let state_json = serde_json::to_string(&state).map_err(|e| Error::Internal(e.to_string()))?;
        let mut due = state.due();
        if timer && due == due_before && due.is_some_and(|d| d <= now) {
            // A due timer the interpreter did not act on would fire forever: drop it, loudly.
            tracing::warn!(contact = contact_id, journey = %journey, "a due timer changed nothing; it is dropped");
            due = None;
        }
        let summary = EnrollmentSummary { version, entries: state.entries, status, outcome, node: state.node_id.as_deref(), due };
        let enrollment = match id {
            Some(id) => {
                // The timer row is the state's: rewritten only when it moved (a stored row with a
                // state from another version never skips, since moving resets it).
                let previous = (row.as_ref().is_some_and(|r| r.version == version)).then_some(due_before);
                tx.update_enrollment_from(id, &state_json, &summary, now, previous)?;
                Some(id)
            }
            // A new flow that did not enter (its filter failed) is not kept: only its steps are.
            None if state.entries == 0 => None,
            None => {
                if !entry.exists {
                    // The enrollment's foreign key needs the contact row.
                    let profile = serde_json::to_string(&entry.contact).map_err(|e| Error::Internal(e.to_string()))?;
                    tx.put_contact(contact_id, &profile, now)?;
                    entry.exists = true;
                }
                Some(tx.insert_enrollment(&journey, contact_id, state.key.as_deref(), &state_json, &summary, now)?)
            }
        };
        // A timer due within this batch's bound was not among the batch's items: the contact's
        // later inputs wait for the next batch, which sees it in order.
        let mut sent = summary.due.is_some_and(|due| due <= self.bound);
        let outbox_enrollment =
            || enrollment.ok_or_else(|| Error::Internal(format!("contact {contact_id}: an effect from a flow that did not enter")));
        for step in fx.steps.drain(..) {
            let json = serde_json::to_string(&step).map_err(|e| Error::Internal(e.to_string()))?;
            self.steps.push(NewStep {
                enrollment,
                journey: journey.clone(),
                version,
                contact: contact_id.to_string(),
                at: step.at,
                record: json,
            });
            applied.steps += 1;
            if step.result == "delivered"
                && let Some((node, key)) = &in_flight
                && program.nodes[*node].id == step.node
            {
                tx.outbox_delivered(key, now)?;
                sent |= (self.hold)(contact_id, &step.node);
                applied.delivered.push((contact_id.to_string(), journey.clone(), step.node.clone(), step.at));
            }
        }
        for effect in fx.effects.drain(..) {
            match &effect {
                Effect::Send(m) => {
                    let json = serde_json::to_string(&effect).map_err(|e| Error::Internal(e.to_string()))?;
                    let row = NewOutbox {
                        key: &m.key,
                        enrollment: outbox_enrollment()?,
                        journey: &journey,
                        version,
                        contact: contact_id,
                        node: &m.node,
                        channel: m.channel.as_str(),
                        effect: &json,
                        at: now,
                    };
                    tx.push_outbox(&row)?;
                    applied.effects += 1;
                    sent = true;
                }
                Effect::CallWebhook(w) => {
                    let json = serde_json::to_string(&effect).map_err(|e| Error::Internal(e.to_string()))?;
                    let row = NewOutbox {
                        key: &w.key,
                        enrollment: outbox_enrollment()?,
                        journey: &journey,
                        version,
                        contact: contact_id,
                        node: &w.node,
                        channel: "webhook",
                        effect: &json,
                        at: now,
                    };
                    tx.push_outbox(&row)?;
                    applied.effects += 1;
                    sent = true;
                }
                // The timer is the state's own (`ContactState::due`), written with it.
                Effect::WakeAt { .. } => {}
                Effect::Contact(change) => {
                    entry.contact.apply(change);
                    entry.dirty = true;
                    if let ContactChange::Consent { channel, granted } = change {
                        let (source, shown) = match &reply {
                            Some(shown) => ("reply".to_string(), shown.clone()),
                            None => (format!("journey {journey} v{version}"), None),
                        };
                        tx.add_consent_evidence(
                            contact_id,
                            &ConsentEvidence { channel: channel.clone(), granted: *granted, source, at: now, shown },
                        )?;
                    }
                }
            }
        }
        // The next input of this enrollment starts from this state without parsing it again.
        if let Some(id) = enrollment {
            self.states.keep(id, state_json, state);
        }
        Ok(sent)
    }
}

/// Moves the delivery deadline of the enrollment waiting for this outbox row's message to
/// `from` plus the channel's deadline, when that is later than the one it has.
fn hold_deadline(
    tx: &Tx<'_>,
    programs: &mut HashMap<(String, u32), Arc<Program>>,
    row: &OutboxItem,
    channel: itinera_engine::Channel,
    from: Timestamp,
) -> Result<(), Error> {
    let Some(enrollment) = tx.enrollment(row.enrollment)? else { return Ok(()) };
    let id = (enrollment.journey.clone(), enrollment.version);
    let program = if let Some(p) = programs.get(&id) {
        p.clone()
    } else {
        let Some(version) = tx.version(&enrollment.journey, enrollment.version)? else { return Ok(()) };
        let p = Arc::new(compile_version(&enrollment.journey, enrollment.version, &version.definition)?);
        programs.insert(id, p.clone());
        p
    };
    let mut state = load_state(&enrollment.state, &program)?;
    let Status::Waiting { node, since, waiting: Waiting::Delivery { attempt, deadline } } = state.status else { return Ok(()) };
    if program.idempotency_key(&row.contact, state.key.as_deref(), state.entries, node, attempt) != row.key {
        return Ok(());
    }
    let Some(held) = from.checked_add(jiff::SignedDuration::from_secs(program.settings.delivery_deadline[channel as usize])).ok() else {
        return Ok(());
    };
    if held <= deadline {
        return Ok(());
    }
    let before = state.due();
    state.status = Status::Waiting { node, since, waiting: Waiting::Delivery { attempt, deadline: held } };
    let (status, outcome) = status_word(&state.status);
    let json = serde_json::to_string(&state).map_err(|e| Error::Internal(e.to_string()))?;
    let summary = EnrollmentSummary {
        version: enrollment.version,
        entries: state.entries,
        status,
        outcome,
        node: state.node_id.as_deref(),
        due: state.due(),
    };
    tx.update_enrollment_from(enrollment.id, &json, &summary, enrollment.updated_at, Some(before))?;
    Ok(())
}

/// Revokes a contact's consent on a channel (its profile and the evidence, with `source` such as
/// `whatsapp error 131050`), as a provider reported it: what [`Attempt::OptOut`] does, for the
/// inbound side (a `failed` status webhook whose error is an opt-out) to call in its own
/// transaction. Unknown contacts and consent already revoked change nothing.
pub fn revoke_consent(tx: &Tx<'_>, contact: &str, channel: &str, source: &str, now: Timestamp) -> Result<(), Error> {
    crate::inbound::set_consent(tx, contact, channel, false, source, None, now).map(|_| ())
}

fn load_state(json: &str, program: &Program) -> Result<ContactState, Error> {
    ContactState::load(json, program).map_err(|e: StateError| Error::State(String::new(), e))
}

fn load_contact(tx: &Tx<'_>, contacts: &mut HashMap<String, ContactEntry>, id: &str) -> Result<(), Error> {
    let entry = match tx.contact(id)? {
        Some(profile) => ContactEntry {
            contact: serde_json::from_str(&profile).map_err(|e| Error::Internal(format!("contact {id}: {e}")))?,
            dirty: false,
            exists: true,
        },
        None => ContactEntry { contact: Contact { id: id.to_string(), ..Contact::default() }, dirty: true, exists: false },
    };
    contacts.insert(id.to_string(), entry);
    Ok(())
}

/// A finished (or never-entered) state carried to another version of the journey for a new
/// entry: the entry count, last entry and recent sends stay (re-entry rules and the frequency
/// cap span versions); the node it finished at is looked up by id, else the trigger.
fn move_state(state: ContactState, from: &Program, to: &Program) -> ContactState {
    if from.version == to.version {
        return state;
    }
    let mut moved = ContactState::new_keyed(to, state.key.clone());
    moved.entries = state.entries;
    moved.last_entry = state.last_entry;
    moved.sent_at = state.sent_at;
    moved.event = state.event;
    moved.event_name = state.event_name;
    if let Status::Done { outcome, node } = state.status {
        let id = from.nodes.get(node).map_or("", |n| n.id.as_str());
        let node = to.node_index(id).unwrap_or(to.trigger);
        moved.status = Status::Done { outcome, node };
        moved.node_id = Some(to.nodes[node].id.clone());
    }
    moved
}
