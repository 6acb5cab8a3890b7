//! [`handle`]: apply one input to one contact and run it forward until it must wait.

use std::borrow::Cow;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

use crate::effects::{DeliveryResult, Effects, Input, OutgoingMessage, Reason, Step, StepResult, WebhookCall, WebhookOutcome};
use crate::program::{Channel, Listen, NodeOp, Program, Reentry, SendOp, WaitForOp, WaitOp, WebhookOp, reply_words};
use crate::state::{Contact, ContactChange, ContactState, Outcome, StateError, Status, Waiting};
use crate::template::{RenderContext, RenderError, Template, dates, limits};

mod calendar;
mod explain;
mod send;

use calendar::add_secs;
pub use calendar::{next_local_time, quiet_hours_end};
pub use explain::human_time;
use explain::{channel_label, describe_reply, human_duration, quote};
use send::{Notes, Unit, render_part};

/// Replies (one word, any case) that revoke consent on the channel they arrive on.
pub const STOP_WORDS: &[&str] = &["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
/// Replies (one word, any case) that restore it.
pub const START_WORDS: &[&str] = &["START", "UNSTOP"];

/// The WhatsApp customer-service window (the model's, which validation warns about).
use itinera_model::journey::WHATSAPP_WINDOW_SECS;

/// Applies `input` to `contact`'s `state` at virtual or real time `now` and runs it forward
/// until it waits (for a timer, reply, event, delivery result or webhook result) or finishes,
/// emitting effects and steps. `seed` seeds splits (see [`split_roll`]).
///
/// The profile is read from `contact` and never written: a change (an `update` node, a
/// STOP/START reply, an inbound WhatsApp message) is seen by the rest of this input and comes
/// out as [`Effects::contact`], for the driver to apply to the contact record.
///
/// A state that does not belong to `program` (another schema, journey, version, or a node that
/// is not the same) is refused with [`StateError`] and not interpreted. Otherwise never fails
/// and never panics on journey or contact data; inputs that do not apply (a stale timer, a
/// result whose key is not the one the contact waits for, an unrelated event) change nothing.
pub fn handle<E: Effects + ?Sized>(
    program: &Program,
    contact: &Contact,
    state: &mut ContactState,
    input: Input,
    now: Timestamp,
    seed: u64,
    effects: &mut E,
) -> Result<(), StateError> {
    state.check(program)?;
    let detail = effects.wants_detail();
    let mut run =
        Run { program, contact: Cow::Borrowed(contact), consent: [None; 3], whatsapp_inbound: None, state, now, seed, fx: effects, detail };
    match input {
        Input::Event { name, data } => run.on_event(name, data),
        Input::Reply { channel, text, button } => run.on_reply(&channel, text, button),
        Input::Timer => run.on_timer(),
        Input::Delivery { key, result } => run.on_delivery(&key, result),
        Input::WebhookResult { key, result } => run.on_webhook_result(&key, result),
        Input::Leave { reason } => run.on_leave(reason),
    }
    let state = run.state;
    state.sync_node_id(program);
    Ok(())
}

/// The split roll in `[0, 100)` for one contact's pass through one split node.
///
/// Stable by construction: FNV-1a (64-bit) over `seed` (8 bytes little-endian), then the journey
/// id, contact id and node id (each as its byte length, 8 bytes little-endian, then its UTF-8
/// bytes), then the entry number (4 bytes little-endian), seeds a ChaCha8 generator whose first
/// `f64` in `[0, 1)` is scaled by 100. The variant chosen is the first whose cumulative percent
/// exceeds the roll. So a contact's split never depends on which other contacts run, or in what
/// order, and it changes on re-entry.
pub fn split_roll(seed: u64, journey_id: &str, contact_id: &str, node_id: &str, entry: u32) -> f64 {
    split_roll_keyed(seed, journey_id, contact_id, None, node_id, entry)
}

/// [`split_roll`] for the enrollment with `entry_key` (see [`crate::Route`]): with a key, its
/// byte length (8 bytes little-endian) and UTF-8 bytes are hashed after the entry number, so two
/// flows of one contact roll apart; `None` is exactly [`split_roll`].
pub fn split_roll_keyed(seed: u64, journey_id: &str, contact_id: &str, entry_key: Option<&str>, node_id: &str, entry: u32) -> f64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    feed(&seed.to_le_bytes());
    for part in [journey_id, contact_id, node_id] {
        feed(&(part.len() as u64).to_le_bytes());
        feed(part.as_bytes());
    }
    feed(&entry.to_le_bytes());
    if let Some(key) = entry_key {
        feed(&(key.len() as u64).to_le_bytes());
        feed(key.as_bytes());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(hash);
    rng.random::<f64>() * 100.0
}

enum Flow {
    /// Leave the node on this port.
    Go(usize),
    /// The contact waits or finished.
    Stop,
}

struct Run<'a, E: Effects + ?Sized> {
    program: &'a Program,
    /// The profile as passed in; copied only when this input changes its attributes.
    contact: Cow<'a, Contact>,
    /// Consent changed by this input, per channel (in [`Channel`] order): read before the
    /// profile's, so that a STOP does not copy the profile.
    consent: [Option<bool>; 3],
    /// An inbound WhatsApp message during this input.
    whatsapp_inbound: Option<Timestamp>,
    state: &'a mut ContactState,
    now: Timestamp,
    seed: u64,
    fx: &'a mut E,
    detail: bool,
}

impl<E: Effects + ?Sized> Run<'_, E> {
    fn step(&mut self, node: usize, result: StepResult, reason: Option<Reason>, port: Option<usize>, detail: impl FnOnce() -> String) {
        let compiled = &self.program.nodes[node];
        self.fx.step(Step {
            at: self.now,
            node,
            node_id: &compiled.id,
            node_type: compiled.type_name,
            result,
            reason,
            port: port.and_then(|p| compiled.ports.get(p).map(|port| (p, port.name.as_str()))),
            detail: if self.detail { detail() } else { String::new() },
            missing: Vec::new(),
            key: self.state.key.as_deref(),
        });
    }

    /// Changes the profile for the rest of this input and tells the driver.
    fn change_contact(&mut self, change: ContactChange) {
        match &change {
            ContactChange::Consent { channel, granted } => match Channel::parse(channel) {
                Some(ch) => self.consent[ch as usize] = Some(*granted),
                None => self.contact.to_mut().apply(&change),
            },
            ContactChange::WhatsappInbound { at } => self.whatsapp_inbound = Some(*at),
            ContactChange::Attributes { .. } => self.contact.to_mut().apply(&change),
        }
        self.fx.contact(change);
    }

    /// Whether the contact consents to `channel`, with this input's changes.
    fn consents(&self, channel: Channel) -> bool {
        self.consent[channel as usize].unwrap_or_else(|| self.contact.consent.get(channel.as_str()) == Some(&true))
    }

    /// ` for appointment_id A` for a keyed enrollment (its key field without `event.`), else
    /// nothing; only with detail.
    fn for_key(&self) -> String {
        match (&self.state.key, &self.program.key_field) {
            (Some(key), Some(field)) if self.detail => format!(" for {} {key}", field.segments.join(".")),
            _ => String::new(),
        }
    }

    fn wait(&mut self, node: usize, waiting: Waiting) {
        self.state.status = Status::Waiting { node, since: self.now, waiting };
    }

    /// The contact's zone (its own if it names a known one, else the journey's default), and
    /// that zone's name.
    fn zone(&mut self) -> TimeZone {
        let name = self.contact.timezone.as_deref();
        let cached = self.state.zone_cache.0.as_ref().map(|(n, _)| n.as_str());
        if let Some(name) = name
            && cached != Some(name)
        {
            self.state.zone_cache.0 = Some((name.to_string(), TimeZone::get(name).ok()));
        }
        match (&self.state.zone_cache.0, name) {
            (Some((_, Some(zone))), Some(_)) => zone.clone(),
            _ => self.program.settings.default_timezone.clone(),
        }
    }

    /// How this contact's messages write dates: in its zone, its locale, at this step's time.
    /// The default (never read) when none of `templates` writes a date, so that a journey
    /// without dates resolves no zone.
    fn render_context<'t>(&mut self, mut templates: impl Iterator<Item = &'t Template>) -> RenderContext {
        if !templates.any(Template::uses_dates) {
            return RenderContext::default();
        }
        RenderContext { zone: self.zone(), locale: dates::contact_locale(&self.contact), now: Some(self.now) }
    }

    /// The name of the zone [`Run::zone`] returns.
    fn zone_name(&self) -> &str {
        match (&self.state.zone_cache.0, self.contact.timezone.as_deref()) {
            (Some((_, Some(_))), Some(name)) => name,
            _ => &self.program.settings.default_timezone_name,
        }
    }

    // ---- inputs ----

    fn on_event(&mut self, name: String, data: Map<String, Value>) {
        // Routing (see `Route`): an event carrying the journey's key field is only for the
        // enrollment with that key; a trigger event without it is only a trigger for the
        // keyless enrollment.
        let mut as_trigger = name == self.program.trigger_event();
        if self.program.key_field.is_some() {
            let key = self.program.entry_key(&data);
            if key.is_some() && key != self.state.key {
                return;
            }
            as_trigger &= key == self.state.key;
        }
        let settings = &self.program.settings;
        let trigger = self.program.trigger;
        let goal_window_open = |state: &ContactState, now: Timestamp| match (&settings.goal, state.last_entry) {
            (Some((_, None)), Some(_)) => true,
            (Some((_, Some(within))), Some(entry)) => now <= add_secs(entry, *within),
            _ => false,
        };
        let is_goal = settings.goal.as_ref().is_some_and(|(event, _)| *event == name);
        match self.state.status {
            Status::Waiting { node, waiting, .. } => {
                if settings.exit_on.contains(&name) {
                    self.state.status = Status::Done { outcome: Outcome::Left, node };
                    self.step(node, StepResult::Left, None, None, || format!("left the journey: {name}"));
                    return;
                }
                if is_goal && goal_window_open(self.state, self.now) {
                    self.state.status = Status::Done { outcome: Outcome::Goal, node };
                    self.step(node, StepResult::Goal, None, None, || format!("goal reached: {name}"));
                    return;
                }
                if let Waiting::Event { .. } = waiting
                    && let NodeOp::WaitFor(op) = &self.program.nodes[node].op
                    && matches!(&op.listen, Listen::Event(e) if *e == name)
                {
                    self.event_at_wait_for(node, op, name, data);
                    return;
                }
                if as_trigger {
                    let for_key = self.for_key();
                    self.step(trigger, StepResult::Ignored, None, None, || format!("{name} ignored: already in the journey{for_key}"));
                }
            }
            Status::NotEntered if as_trigger => self.try_enter(name, data),
            Status::NotEntered => {}
            Status::Done { outcome, node } => {
                if is_goal && outcome == Outcome::Exited && goal_window_open(self.state, self.now) {
                    self.state.status = Status::Done { outcome: Outcome::Goal, node };
                    self.step(node, StepResult::Goal, None, None, || format!("goal reached after exiting: {name}"));
                    return;
                }
                if !as_trigger {
                    return;
                }
                let allowed = match settings.reentry {
                    Reentry::Never => Err("re-entry is never allowed".to_string()),
                    Reentry::Always => Ok(()),
                    Reentry::After(secs) => match self.state.last_entry {
                        Some(last) if self.now < add_secs(last, secs) => {
                            Err(format!("re-entry only {} after the last entry ({})", human_duration(secs), human_time(last)))
                        }
                        _ => Ok(()),
                    },
                };
                match allowed {
                    Ok(()) => self.try_enter(name, data),
                    Err(why) => {
                        let for_key = self.for_key();
                        self.step(trigger, StepResult::Ignored, None, None, || format!("{name} ignored{for_key}: {why}"))
                    }
                }
            }
        }
    }

    fn try_enter(&mut self, name: String, data: Map<String, Value>) {
        let trigger = self.program.trigger;
        let NodeOp::Trigger { event, filter } = &self.program.nodes[trigger].op else {
            return;
        };
        if *event != name {
            return;
        }
        if let Some(filter) = filter
            && !filter.holds(&self.contact, &data, self.now)
        {
            self.step(trigger, StepResult::NoMatch, None, None, || format!("{name} did not pass the filter: {}", filter.describe()));
            return;
        }
        self.state.entries += 1;
        self.state.last_entry = Some(self.now);
        self.state.event = data;
        self.state.event_name = Some(name);
        let entry = self.state.entries;
        let for_key = self.for_key();
        self.step(trigger, StepResult::Entered, None, Some(0), || {
            if entry == 1 { format!("entered on {event}{for_key}") } else { format!("entered again on {event}{for_key} (entry {entry})") }
        });
        self.follow(trigger, 0);
    }

    fn on_reply(&mut self, channel: &str, text: Option<String>, button: Option<String>) {
        if channel == "whatsapp" {
            self.change_contact(ContactChange::WhatsappInbound { at: self.now });
        }
        let current = self.state.node();
        // Opt-out / opt-in keywords on SMS and WhatsApp.
        if let (Some(word), None, Some(ch @ (Channel::Sms | Channel::Whatsapp))) = (text.as_deref(), &button, Channel::parse(channel)) {
            let word = word.trim();
            let is = |list: &[&str]| !word.contains(char::is_whitespace) && list.iter().any(|w| w.eq_ignore_ascii_case(word));
            let change = if is(STOP_WORDS) {
                Some((false, StepResult::OptedOut))
            } else if is(START_WORDS) {
                Some((true, StepResult::OptedIn))
            } else {
                None
            };
            if let Some((granted, result)) = change {
                self.change_contact(ContactChange::Consent { channel: ch.as_str().to_string(), granted });
                if let Some(node) = current {
                    let word = word.to_string();
                    self.step(node, result, None, None, || {
                        let verb = if granted { "restored" } else { "revoked" };
                        format!("{word} received on {}: {} consent {verb}", ch.label(), ch.label())
                    });
                }
                return;
            }
        }
        let Status::Waiting { node, waiting: Waiting::Reply { .. }, .. } = self.state.status else {
            if let Status::Waiting { node, .. } = self.state.status {
                self.step(node, StepResult::Ignored, None, None, || {
                    format!("{} reply ignored: not waiting for one", channel_label(channel))
                });
            }
            return;
        };
        let NodeOp::WaitFor(op) = &self.program.nodes[node].op else {
            return;
        };
        if op.listen != Listen::Reply(Channel::parse(channel).unwrap_or(Channel::Email)) || Channel::parse(channel).is_none() {
            self.step(node, StepResult::Ignored, None, None, || {
                format!("{} reply ignored: waiting for another channel", channel_label(channel))
            });
            return;
        }
        let overlay = |event: &mut Map<String, Value>| {
            event.insert("channel".into(), Value::String(channel.to_string()));
            for (key, value) in [("text", &text), ("button", &button)] {
                match value {
                    Some(v) => event.insert(key.into(), Value::String(v.clone())),
                    None => event.remove(key),
                };
            }
        };
        let needs_where = op.branches.iter().any(|b| b.where_.is_some());
        let mut event_with_reply = Map::new();
        if needs_where {
            event_with_reply = self.state.event.clone();
            overlay(&mut event_with_reply);
        }
        let reply_words = text.as_deref().map(reply_words).unwrap_or_default();
        let matched = if op.branches.is_empty() {
            Some(0)
        } else {
            op.branches.iter().position(|b| {
                (b.button.is_some() && b.button == button)
                    || b.keywords.iter().any(|k| reply_words.windows(k.len()).any(|w| w == k.as_slice()))
                    || b.where_.as_ref().is_some_and(|c| c.holds(&self.contact, &event_with_reply, self.now))
                    || b.any
            })
        };
        let said = || describe_reply(text.as_deref(), button.as_deref());
        match matched {
            Some(port) => {
                overlay(&mut self.state.event);
                let program = self.program;
                self.step(node, StepResult::Matched, None, Some(port), || {
                    format!("reply {} → {}", said(), program.nodes[node].ports[port].name)
                });
                self.follow(node, port);
            }
            None => self.step(node, StepResult::NoMatch, None, None, || format!("reply {} matched no branch: still waiting", said())),
        }
    }

    fn event_at_wait_for(&mut self, node: usize, op: &WaitForOp, name: String, data: Map<String, Value>) {
        let matched = if op.branches.is_empty() {
            Some(0)
        } else {
            op.branches.iter().position(|b| b.any || b.where_.as_ref().is_some_and(|c| c.holds(&self.contact, &data, self.now)))
        };
        match matched {
            Some(port) => {
                self.state.event = data;
                let program = self.program;
                self.step(node, StepResult::Matched, None, Some(port), || {
                    format!("{name} arrived → {}", program.nodes[node].ports[port].name)
                });
                self.state.event_name = Some(name);
                self.follow(node, port);
            }
            None => self.step(node, StepResult::NoMatch, None, None, || format!("{name} arrived but matched no branch: still waiting")),
        }
    }

    fn on_leave(&mut self, reason: String) {
        let Status::Waiting { node, .. } = self.state.status else {
            return;
        };
        self.state.status = Status::Done { outcome: Outcome::Left, node };
        let why = if reason == "archived" { "the journey version was archived".to_string() } else { reason.clone() };
        self.step(node, StepResult::Left, Some(Reason::from_leave(reason)), None, || format!("left the journey: {why}"));
    }

    fn on_timer(&mut self) {
        let Status::Waiting { node, waiting, .. } = self.state.status else {
            return;
        };
        match waiting {
            Waiting::Timer { at } if self.now >= at => {
                self.step(node, StepResult::Continued, None, Some(0), || format!("waited until {}", human_time(at)));
                self.follow(node, 0);
            }
            Waiting::QuietHours { until } if self.now >= until => self.run_from(node),
            Waiting::Delivery { deadline, .. } if self.now >= deadline => {
                // No result by the deadline: the message counts as delivered, so a lost
                // receipt never strands the contact.
                if let NodeOp::Send(op) = &self.program.nodes[node].op {
                    let label = op.channel.label();
                    self.delivered(node, || format!("{label}: no delivery result by {} → counted as delivered", human_time(deadline)));
                }
            }
            Waiting::Reply { timeout_at: Some(at) } | Waiting::Event { timeout_at: Some(at) } if self.now >= at => {
                let port = self.program.nodes[node].ports.len().saturating_sub(1);
                self.step(node, StepResult::Timeout, None, Some(port), || {
                    let what = if matches!(waiting, Waiting::Reply { .. }) { "no reply" } else { "no event" };
                    format!("{what} by {} → timeout", human_time(at))
                });
                self.follow(node, port);
            }
            _ => {}
        }
    }

    /// Whether `key` is the key of what the contact waits for at `node` (attempt `attempt`).
    fn expects(&self, node: usize, attempt: u32, key: &str) -> bool {
        self.program.is_key(key, &self.contact.id, self.state.key.as_deref(), self.state.entries, node, attempt)
    }

    /// A result whose key is not the one the contact waits for: ignored (a step when the contact
    /// is waiting somewhere, so that the durable engine's log shows it).
    fn ignore_result(&mut self, what: &'static str, key: &str) {
        if let Status::Waiting { node, .. } = self.state.status {
            self.step(node, StepResult::Ignored, None, None, || format!("{what} for {key} ignored: not what the contact waits for"));
        }
    }

    fn delivered(&mut self, node: usize, detail: impl FnOnce() -> String) {
        // Only messages that reached the contact count towards the frequency cap, and
        // transactional ones not at all.
        if let Some((_, per)) = self.program.settings.frequency_cap {
            let since = self.now.as_second() - per;
            self.state.sent_at.retain(|t| t.as_second() > since);
        }
        if !matches!(&self.program.nodes[node].op, NodeOp::Send(op) if op.transactional) {
            self.state.sent_at.push(self.now);
        }
        self.step(node, StepResult::Delivered, None, Some(0), detail);
        self.follow(node, 0);
    }

    fn on_delivery(&mut self, key: &str, result: DeliveryResult) {
        let Status::Waiting { node, waiting: Waiting::Delivery { attempt, .. }, .. } = self.state.status else {
            self.ignore_result("delivery result", key);
            return;
        };
        if !self.expects(node, attempt, key) {
            self.ignore_result("delivery result", key);
            return;
        }
        let NodeOp::Send(op) = &self.program.nodes[node].op else {
            return;
        };
        match result {
            DeliveryResult::Delivered => {
                let label = op.channel.label();
                self.delivered(node, || format!("{label} delivered"));
            }
            DeliveryResult::Failed(reason) => {
                let port = self.failure_port(node);
                let reason = Reason::from_failure(reason);
                self.failed(node, op.channel.label(), reason, port);
                self.follow(node, port);
            }
        }
    }

    fn on_webhook_result(&mut self, key: &str, result: WebhookOutcome) {
        let Status::Waiting { node, waiting: Waiting::WebhookResult { attempt }, .. } = self.state.status else {
            self.ignore_result("webhook result", key);
            return;
        };
        if !self.expects(node, attempt, key) {
            self.ignore_result("webhook result", key);
            return;
        }
        match result {
            WebhookOutcome::Ok => {
                self.step(node, StepResult::Succeeded, None, Some(0), || "webhook succeeded".to_string());
                self.follow(node, 0);
            }
            WebhookOutcome::Failed(reason) => {
                let port = self.failure_port(node);
                self.failed(node, "Webhook", Reason::Provider(reason), port);
                self.follow(node, port);
            }
        }
    }

    // ---- moving through the graph ----

    fn failure_port(&self, node: usize) -> usize {
        let ports = &self.program.nodes[node].ports;
        usize::from(ports.get(1).is_some_and(|p| p.target.is_some()))
    }

    fn failed(&mut self, node: usize, what: &str, reason: Reason, port: usize) {
        let cap = self.program.settings.frequency_cap;
        let words = |reason: &Reason| match reason {
            Reason::NoAddress => "no address".to_string(),
            Reason::NoConsent => "no opt-in".to_string(),
            Reason::Outside24hWindow => "outside the 24-hour WhatsApp window".to_string(),
            Reason::FrequencyCapped => match cap {
                Some((max, per)) => {
                    format!("frequency cap reached ({max} per {})", human_duration(per))
                }
                None => "frequency cap reached".to_string(),
            },
            other => other.code().replace('_', " "),
        };
        let why = words(&reason);
        self.failed_because(node, what, reason, port, || why);
    }

    /// A failed step whose explanation is `why()` (called only for detail).
    fn failed_because(&mut self, node: usize, what: &str, reason: Reason, port: usize, why: impl FnOnce() -> String) {
        let then = if port == 1 { "took the failed branch" } else { "continued on next" };
        let detail = if self.detail { format!("{what} failed: {} → {then}", why()) } else { String::new() };
        self.step(node, StepResult::Failed, Some(reason), Some(port), || detail);
    }

    /// Leaves `node` on `port` and runs on from its target.
    fn follow(&mut self, node: usize, port: usize) {
        match self.program.nodes[node].ports.get(port).and_then(|p| p.target) {
            Some(target) => self.run_from(target),
            None => {
                // Only an invalid journey gets here (validation reports the dead end).
                self.state.status = Status::Done { outcome: Outcome::Exited, node };
                self.step(node, StepResult::Exited, None, None, || "port not wired: the contact stops here".to_string());
            }
        }
    }

    /// Runs the contact from `start` until it waits or finishes.
    fn run_from(&mut self, start: usize) {
        let mut node = start;
        // A valid journey is acyclic, so a pass visits each node at most once; the bound only
        // protects against an unvalidated cycle.
        for _ in 0..=self.program.nodes.len() {
            let flow = match &self.program.nodes[node].op {
                NodeOp::Trigger { .. } => Flow::Go(0),
                NodeOp::Send(op) => self.send(node, op),
                NodeOp::Wait(op) => self.wait_node(node, op),
                NodeOp::WaitFor(op) => {
                    let timeout_at = op.timeout.map(|secs| add_secs(self.now, secs));
                    let waiting = match op.listen {
                        Listen::Reply(_) => Waiting::Reply { timeout_at },
                        Listen::Event(_) => Waiting::Event { timeout_at },
                    };
                    self.wait(node, waiting);
                    if let Some(at) = timeout_at {
                        self.fx.wake_at(at);
                    }
                    self.step(node, StepResult::Waiting, None, None, || {
                        let what = match &op.listen {
                            Listen::Reply(Channel::Whatsapp) => "a WhatsApp reply".to_string(),
                            Listen::Reply(ch) => format!("an {} reply", ch.label()),
                            Listen::Event(e) => format!("event {e}"),
                        };
                        match timeout_at {
                            Some(at) => format!("waiting for {what} until {}", human_time(at)),
                            None => format!("waiting for {what}"),
                        }
                    });
                    Flow::Stop
                }
                NodeOp::Branch(cond) => {
                    let holds = cond.holds(&self.contact, &self.state.event, self.now);
                    let (result, port) = if holds { (StepResult::Matched, 0) } else { (StepResult::NoMatch, 1) };
                    self.step(node, result, None, Some(port), || format!("{} → {}", cond.describe(), if holds { "yes" } else { "no" }));
                    Flow::Go(port)
                }
                NodeOp::Split(cumulative) => {
                    let compiled = &self.program.nodes[node];
                    let roll = split_roll_keyed(
                        self.seed,
                        &self.program.journey_id,
                        &self.contact.id,
                        self.state.key.as_deref(),
                        &compiled.id,
                        self.state.entries,
                    );
                    let port = cumulative.iter().position(|c| roll < *c).unwrap_or(cumulative.len().saturating_sub(1));
                    self.step(node, StepResult::Continued, None, Some(port), || {
                        let share = cumulative[port] - if port == 0 { 0.0 } else { cumulative[port - 1] };
                        format!("split: variant {} ({share}%)", compiled.ports[port].name)
                    });
                    Flow::Go(port)
                }
                NodeOp::Update { set, consent } => {
                    if !set.is_empty() {
                        let set = set.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                        self.change_contact(ContactChange::Attributes { set });
                    }
                    for (channel, granted) in consent {
                        self.change_contact(ContactChange::Consent { channel: channel.as_str().to_string(), granted: *granted });
                    }
                    self.step(node, StepResult::Set, None, Some(0), || {
                        let mut parts: Vec<String> = set.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                        parts.extend(
                            consent.iter().map(|(c, g)| format!("{} consent {}", c.label(), if *g { "granted" } else { "revoked" })),
                        );
                        format!("set {}", parts.join(", "))
                    });
                    Flow::Go(0)
                }
                NodeOp::Webhook(op) => self.webhook(node, op),
                NodeOp::Exit => {
                    self.state.status = Status::Done { outcome: Outcome::Exited, node };
                    self.step(node, StepResult::Exited, None, None, || "exited the journey".to_string());
                    Flow::Stop
                }
            };
            match flow {
                Flow::Stop => return,
                Flow::Go(port) => match self.program.nodes[node].ports.get(port).and_then(|p| p.target) {
                    Some(target) => node = target,
                    None => {
                        self.state.status = Status::Done { outcome: Outcome::Exited, node };
                        self.step(node, StepResult::Exited, None, None, || "port not wired: the contact stops here".to_string());
                        return;
                    }
                },
            }
        }
        self.state.status = Status::Done { outcome: Outcome::Exited, node };
        self.step(node, StepResult::Exited, None, None, || "stopped: the journey loops".to_string());
    }

    fn wait_node(&mut self, node: usize, op: &WaitOp) -> Flow {
        let target = match op {
            WaitOp::For(secs) => add_secs(self.now, *secs),
            WaitOp::Until(field, offset) => match field.timestamp(&self.contact, &self.state.event) {
                Some(at) => add_secs(at, *offset),
                None => {
                    self.step(node, StepResult::Continued, None, Some(0), || {
                        format!("{} is missing or not a timestamp → continued at once", field.text)
                    });
                    return Flow::Go(0);
                }
            },
            WaitOp::LocalTime(hour, minute) => {
                let zone = self.zone();
                match next_local_time(*hour, *minute, self.now, &zone) {
                    Some(at) => at,
                    None => self.now,
                }
            }
        };
        if target <= self.now {
            self.step(node, StepResult::Continued, None, Some(0), || {
                format!("wait target {} already passed → continued at once", human_time(target))
            });
            return Flow::Go(0);
        }
        self.wait(node, Waiting::Timer { at: target });
        self.fx.wake_at(target);
        self.step(node, StepResult::Waiting, None, None, || format!("waiting until {}", human_time(target)));
        Flow::Stop
    }

    fn webhook(&mut self, node: usize, op: &WebhookOp) -> Flow {
        let context = self.render_context(std::iter::once(&op.url).chain(op.body.as_ref()));
        let compiled = &self.program.nodes[node];
        let mut notes = Notes::default();
        let (contact, event) = (&*self.contact, &self.state.event);
        let max = limits::MAX_OUTPUT_BYTES;
        let rendered =
            render_part(&op.url, contact, event, &context, self.detail, &mut notes, "webhook url", max, Unit::Bytes).and_then(|url| {
                let body = match &op.body {
                    Some(b) => render_part(b, contact, event, &context, self.detail, &mut notes, "webhook body", max, Unit::Bytes)?,
                    None => None,
                };
                Ok((url, body))
            });
        let (url, body) = match rendered {
            Ok(parts) => parts,
            Err(err) => {
                let port = self.failure_port(node);
                self.failed_because(node, "Webhook", Reason::TemplateError, port, || format!("template error: {err}"));
                return Flow::Go(port);
            }
        };
        let detail = url
            .as_ref()
            .map(|u| {
                format!(
                    "{} {u}{}",
                    op.method,
                    if notes.problems.is_empty() { String::new() } else { format!(" ({})", notes.problems.join("; ")) }
                )
            })
            .unwrap_or_default();
        let missing = notes.missing;
        let key = self.program.idempotency_key(&self.contact.id, self.state.key.as_deref(), self.state.entries, node, 1);
        self.fx.call_webhook(WebhookCall { key, node, node_id: &compiled.id, method: &op.method, url, headers: &op.headers, body });
        self.wait(node, Waiting::WebhookResult { attempt: 1 });
        self.fx.step(Step {
            at: self.now,
            node,
            node_id: &compiled.id,
            node_type: compiled.type_name,
            result: StepResult::Called,
            reason: None,
            port: None,
            detail,
            missing,
            key: self.state.key.as_deref(),
        });
        Flow::Stop
    }
}
