//! Simulating one contact on its own virtual timeline.
//!
//! Each contact has its own small queue of inputs: its scripted events, replies scheduled
//! `after` the message they answer was delivered, and timer wake-ups. Deliveries and webhook
//! results are answered at once, at the same instant, from the scenario's `delivery` map
//! (node id first, then channel; default `delivered`; webhooks succeed unless their node id
//! maps to a failure), each with the idempotency key of the effect it answers. A `lost`
//! delivery is not answered: the interpreter's deadline timer counts the message as delivered.
//! Everything comes out of the engine's [`Collector`]: contact changes are applied to the
//! contact record before the next input, and steps are counted through a [`StepObserver`]. Nothing is shared between contacts but the compiled journey, so running
//! a subset, or in another order, gives each contact the same trace.
//!
//! **Tie-break.** Inputs at the same instant are applied in this order: scripted events (file
//! order), then replies (in the order they were scheduled), then timers (in the order they were
//! asked for). So a reply or event arriving exactly at a `wait_for` timeout counts as in time,
//! and an `exit_on` event at the instant a wait ends wins over the wait.
//!
//! **End.** Inputs at or before `start + run_for` are applied; the clock stops there and
//! contacts still inside are `waiting`.
//!
//! **Replies.** A scripted reply is sent once, `after` the first delivered message of its node
//! `to`; if that node never delivers a message, the reply never happens.
//!
//! **Flows (trigger `key`).** A contact holds one enrollment (a `ContactState`) per key value,
//! in the order they were created; without `key`, just one. Events are routed with the engine's
//! `Program::route_event`: to the enrollment with the event's key, or to every enrollment when
//! the event has no key field; a trigger event creates the enrollment it is for when there is
//! none (dropped again when its filter did not let it in); finished enrollments only hear the
//! trigger and goal events (`Program::moves_outside`). A reply goes to every enrollment inside
//! the journey, in order, or, when none is, to the one entered last; a timer, delivery or
//! webhook result to the enrollment that asked for it. Contact
//! changes apply to the one contact record before the next enrollment sees the input. The
//! contact's outcome and exit node are those of its latest entry (the enrollment entered last;
//! of two entered at the same instant, the one created later); in a keyed journey the report
//! also lists every flow (`entries`), and steps and messages carry their flow's key.

use itinera_engine::{
    Collector, Contact, ContactOutcome, ContactState, DeliveryResult, Effect, Input, Program, Route, Step, StepObserver, StepResult,
    WebhookOutcome, handle,
};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::report::{ContactReport, EntryReport, MessageRecord, TemplateRecord};
use crate::scenario::{ContactSpec, Delivery, ScriptedReply, add_secs, delivery_for};

/// Summary counters for a share of the contacts; merged by addition, so the order contacts
/// run in cannot change them.
#[derive(Debug, Clone)]
pub(crate) struct Counts {
    results: Vec<u64>,
    pub(crate) arrivals: Vec<u64>,
    pub(crate) edges: Vec<u64>,
    pub(crate) messages: [u64; 3],
    pub(crate) outcomes: [usize; 5],
    pub(crate) entered: usize,
}

pub(crate) const RESULTS: usize = StepResult::ALL.len();

impl Counts {
    pub(crate) fn new(layout: &Layout) -> Self {
        Counts {
            results: vec![0; layout.nodes * RESULTS],
            arrivals: vec![0; layout.nodes],
            edges: vec![0; layout.edges],
            messages: [0; 3],
            outcomes: [0; 5],
            entered: 0,
        }
    }

    pub(crate) fn merge(&mut self, other: &Counts) {
        let add = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.results, &other.results);
        add(&mut self.arrivals, &other.arrivals);
        add(&mut self.edges, &other.edges);
        add(&mut self.messages, &other.messages);
        self.outcomes.iter_mut().zip(other.outcomes).for_each(|(x, y)| *x += y);
        self.entered += other.entered;
    }

    pub(crate) fn result_count(&self, node: usize, result: StepResult) -> u64 {
        self.results[node * RESULTS + result as usize]
    }
}

/// Where each node's ports start in the flat edge-counter array.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) nodes: usize,
    pub(crate) port_offset: Vec<usize>,
    pub(crate) edges: usize,
}

impl Layout {
    pub(crate) fn new(program: &Program) -> Self {
        let mut port_offset = Vec::with_capacity(program.nodes.len());
        let mut edges = 0;
        for node in &program.nodes {
            port_offset.push(edges);
            edges += node.ports.len();
        }
        Layout { nodes: program.nodes.len(), port_offset, edges }
    }
}

/// What every contact of one run shares.
pub(crate) struct RunContext<'a> {
    pub(crate) program: &'a Program,
    pub(crate) layout: &'a Layout,
    pub(crate) end: Timestamp,
    pub(crate) seed: u64,
    /// True once the run must stop (checked before every input a contact receives).
    pub(crate) stop: &'a (dyn Fn() -> bool + Sync),
}

/// The most step records (and, separately, messages) kept for one contact. A contact that
/// re-enters a 10,000-node journey a thousand times takes ten million steps: counting them is
/// cheap, keeping their sentences would take gigabytes. Past this, the contact's trace stops
/// and its report says `truncated`; the summary still counts everything.
pub const MAX_KEPT_STEPS: usize = 100_000;

/// Counts every step into the run's [`Counts`] and notes the send nodes whose message was
/// delivered (answered, or counted as delivered at its deadline).
struct Tally<'c> {
    program: &'c Program,
    layout: &'c Layout,
    counts: &'c mut Counts,
    delivered: Vec<usize>,
}

impl Counts {
    /// Counts one step: its result at its node, an arrival at the trigger when it entered, the
    /// port taken and an arrival at the port's target.
    pub(crate) fn step(&mut self, program: &Program, layout: &Layout, node: usize, result: StepResult, port: Option<usize>) {
        self.results[node * RESULTS + result as usize] += 1;
        if result == StepResult::Entered && node == program.trigger {
            self.arrivals[node] += 1;
        }
        if let Some(port) = port {
            self.edges[layout.port_offset[node] + port] += 1;
            if let Some(target) = program.nodes[node].ports[port].target {
                self.arrivals[target] += 1;
            }
        }
    }

    /// Counts one contact's end: its outcome, and whether it ever entered.
    pub(crate) fn contact(&mut self, outcome: itinera_engine::ContactOutcome, entered: bool) {
        self.outcomes[outcome as usize] += 1;
        if entered {
            self.entered += 1;
        }
    }
}

impl StepObserver for Tally<'_> {
    fn observe(&mut self, step: &Step<'_>) {
        let node = step.node;
        self.counts.step(self.program, self.layout, node, step.result, step.port.map(|(p, _)| p));
        if step.result == StepResult::Delivered {
            self.delivered.push(node);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Event(usize),
    Reply(usize),
    /// A wake-up asked for by the enrollment at this index.
    Timer(usize),
}

/// A queued input; ordered by (at, class, seq) — see the module docs.
#[derive(Clone, Copy)]
struct Item {
    at: Timestamp,
    class: u8,
    seq: u64,
    kind: Kind,
}

impl Item {
    fn key(&self) -> (Timestamp, u8, u64) {
        (self.at, self.class, self.seq)
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Item) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Item {}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Item) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Item) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// One enrollment of the contact in the journey (one per trigger `key` value; just one, keyless,
/// in a journey without `key`): its state and the message it has in flight.
struct Enrollment {
    state: ContactState,
    /// The message sent and not yet delivered (with detail: its record).
    in_flight: Option<(usize, Option<MessageRecord>)>,
}

/// Everything one contact's run changes, so that an input can be fed to one enrollment.
struct ContactRun<'c, 'x, 'd> {
    ctx: &'c RunContext<'x>,
    detail: bool,
    contact: Contact,
    /// In creation order; a keyed journey looks them up through `index`.
    enrollments: Vec<Enrollment>,
    index: HashMap<Option<String>, usize>,
    queue: BinaryHeap<Reverse<Item>>,
    seq: u64,
    replies: &'d [ScriptedReply],
    /// Replies not yet scheduled, by the node they answer (so a delivery costs O(its replies)).
    replies_to: HashMap<&'d str, Vec<usize>>,
    delivery: &'d BTreeMap<String, Delivery>,
    fx: Collector<Tally<'c>>,
    messages: Vec<MessageRecord>,
    messages_truncated: bool,
}

impl ContactRun<'_, '_, '_> {
    fn push(&mut self, at: Timestamp, class: u8, kind: Kind) {
        self.queue.push(Reverse(Item { at, class, seq: self.seq, kind }));
        self.seq += 1;
    }

    fn find(&self, key: Option<&str>) -> Option<usize> {
        if self.ctx.program.key_field.is_none() {
            return self.enrollments.iter().position(|e| e.state.key.as_deref() == key);
        }
        self.index.get(&key.map(str::to_string)).copied()
    }

    /// Routes an event (see the engine's `Route`): to the enrollment with its key, or to every
    /// enrollment; a trigger event creates the enrollment it is for when there is none, and that
    /// enrollment is dropped again when it did not enter (its filter did not hold).
    fn event(&mut self, name: String, data: Map<String, Value>, now: Timestamp) -> Option<()> {
        let program = self.ctx.program;
        let route = program.route_event(&name, &data);
        let mut targets: Vec<usize> = match &route {
            Route::Key { key, .. } => self.find(Some(key)).into_iter().collect(),
            // Finished enrollments only hear the trigger and goal events: the others would
            // change nothing, and a contact may have finished many flows.
            Route::All { .. } if program.moves_outside(&name) => (0..self.enrollments.len()).collect(),
            Route::All { .. } => (0..self.enrollments.len()).filter(|&e| self.enrollments[e].state.is_inside()).collect(),
        };
        let mut created = false;
        if route.enters() && self.find(route.key()).is_none() {
            let key = route.key().map(str::to_string);
            if program.key_field.is_some() {
                self.index.insert(key.clone(), self.enrollments.len());
            }
            targets.push(self.enrollments.len());
            self.enrollments.push(Enrollment { state: ContactState::new_keyed(program, key), in_flight: None });
            created = true;
        }
        let mut input = Some((name, data));
        for (i, &target) in targets.iter().enumerate() {
            let (name, data) = if i + 1 == targets.len() { input.take()? } else { input.clone()? };
            self.feed(target, Input::Event { name, data }, now)?;
        }
        if created
            && self.enrollments.last().is_some_and(|e| e.state.entries == 0)
            && let Some(dropped) = self.enrollments.pop()
        {
            self.index.remove(&dropped.state.key);
        }
        Some(())
    }

    /// A reply: to every enrollment inside the journey (each takes only what it waits for), or,
    /// when none is, to the one entered last, so that its contact changes (STOP/START, the
    /// WhatsApp window) apply.
    fn reply(&mut self, reply: &ScriptedReply, now: Timestamp) -> Option<()> {
        let mut targets: Vec<usize> = (0..self.enrollments.len()).filter(|&e| self.enrollments[e].state.is_inside()).collect();
        if targets.is_empty() {
            targets.extend(self.latest());
        }
        for e in targets {
            let input = Input::Reply { channel: reply.channel.clone(), text: reply.text.clone(), button: reply.button.clone() };
            self.feed(e, input, now)?;
        }
        Some(())
    }

    /// The enrollment entered last (of two entered at the same instant, the one created later).
    fn latest(&self) -> Option<usize> {
        self.enrollments
            .iter()
            .enumerate()
            .filter(|(_, e)| e.state.entries > 0)
            .max_by_key(|(i, e)| (e.state.last_entry, *i))
            .map(|(i, _)| i)
    }

    /// Applies one input to one enrollment, then the deliveries and webhook results it asks for
    /// (answered at once, at the same instant, unless the scenario says the result is `lost`:
    /// the message then counts as delivered at its deadline, when the interpreter's timer fires).
    fn feed(&mut self, e: usize, input: Input, now: Timestamp) -> Option<()> {
        // An input may reach every enrollment of a contact: the run may stop between them.
        if (self.ctx.stop)() {
            return None;
        }
        let program = self.ctx.program;
        let mut next = Some(input);
        while let Some(input) = next.take() {
            self.fx.at(now);
            let enrollment = &mut self.enrollments[e];
            // The state was made for this program: it always checks.
            handle(program, &self.contact, &mut enrollment.state, input, now, self.ctx.seed, &mut self.fx).ok()?;
            // Taken and given back, so that its buffer is reused.
            let mut delivered = std::mem::take(&mut self.fx.observer.delivered);
            for node in delivered.drain(..) {
                let node_id = program.nodes[node].id.as_str();
                let Some((sent_at, record)) = enrollment.in_flight.take() else { continue };
                if sent_at != node {
                    continue;
                }
                if let itinera_engine::program::NodeOp::Send(op) = &program.nodes[node].op {
                    self.fx.observer.counts.messages[op.channel as usize] += 1;
                }
                if let Some(record) = record {
                    if self.messages.len() < MAX_KEPT_STEPS {
                        self.messages.push(record);
                    } else {
                        self.messages_truncated = true;
                    }
                }
                // Every reply to this node, in file order, the first time it delivers.
                for i in self.replies_to.remove(node_id).unwrap_or_default() {
                    let at = add_secs(now, self.replies[i].after.as_secs()).unwrap_or(Timestamp::MAX);
                    self.queue.push(Reverse(Item { at, class: 1, seq: self.seq, kind: Kind::Reply(i) }));
                    self.seq += 1;
                }
            }
            self.fx.observer.delivered = delivered;
            let mut answered_deadline = None;
            let mut effects = std::mem::take(&mut self.fx.effects);
            for effect in effects.drain(..) {
                match effect {
                    Effect::Send(message) => {
                        let key = self.enrollments[e].state.key.clone();
                        let record = self.detail.then(|| MessageRecord {
                            node: message.node.clone(),
                            channel: message.channel.as_str().to_string(),
                            key,
                            at: now,
                            text: message.text,
                            template: message.template.map(|t| TemplateRecord { name: t.name, language: t.language, params: t.params }),
                            subject: message.subject,
                        });
                        self.enrollments[e].in_flight = Some((message.node_index, record));
                        let result = match delivery_for(self.delivery, &message.node, message.channel.as_str()) {
                            None | Some(Delivery::Delivered) => Some(DeliveryResult::Delivered),
                            Some(Delivery::Lost) => None,
                            Some(Delivery::Undeliverable) => Some(DeliveryResult::Failed("undeliverable".to_string())),
                            Some(Delivery::Failed(reason)) => Some(DeliveryResult::Failed(reason.clone())),
                        };
                        // An answered message needs no deadline timer (it would find nothing to do).
                        if result.is_some() {
                            answered_deadline = Some(message.deadline);
                        }
                        next = result.map(|result| Input::Delivery { key: message.key, result });
                    }
                    Effect::CallWebhook(call) => {
                        let result = match self.delivery.get(&call.node) {
                            None | Some(Delivery::Delivered) => WebhookOutcome::Ok,
                            Some(failure) => WebhookOutcome::Failed(failure.as_str().to_string()),
                        };
                        next = Some(Input::WebhookResult { key: call.key, result });
                    }
                    Effect::WakeAt { at } if answered_deadline == Some(at) => answered_deadline = None,
                    Effect::WakeAt { at } => {
                        if at <= self.ctx.end {
                            self.push(at, 2, Kind::Timer(e));
                        }
                    }
                    Effect::Contact(change) => self.contact.apply(&change),
                }
            }
            self.fx.effects = effects;
        }
        Some(())
    }
}

/// Simulates one contact from the start of the run to its end; `None` when the run was stopped
/// meanwhile (what it counted so far is then meaningless, and the run reports no summary).
pub(crate) fn simulate_contact(ctx: &RunContext<'_>, spec: ContactSpec, detail: bool, counts: &mut Counts) -> Option<ContactReport> {
    let program = ctx.program;
    let mut spec = spec;
    spec.resolve_local_times(&program.settings.default_timezone);
    let ContactSpec { id, timezone, attributes, addresses, consent, events, replies, delivery } = spec;
    let contact = Contact { id, timezone, attributes, addresses, consent, last_whatsapp_inbound: None };
    // A heap, not a list scanned for its minimum: a contact may script a hundred thousand
    // events. `seq` makes every key distinct, so the order is the documented one exactly.
    let mut queue: BinaryHeap<Reverse<Item>> = BinaryHeap::with_capacity(events.len() + 4);
    let mut seq: u64 = 0;
    for (i, event) in events.iter().enumerate() {
        queue.push(Reverse(Item { at: event.at, class: 0, seq, kind: Kind::Event(i) }));
        seq += 1;
    }
    let mut events = events;
    let mut replies_to: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, reply) in replies.iter().enumerate() {
        replies_to.entry(reply.to.as_str()).or_default().push(i);
    }
    let mut fx = Collector::with_observer(detail, Tally { program, layout: ctx.layout, counts, delivered: Vec::new() });
    fx.step_limit = MAX_KEPT_STEPS;
    let mut run = ContactRun {
        ctx,
        detail,
        contact,
        enrollments: Vec::with_capacity(1),
        index: HashMap::new(),
        queue,
        seq,
        replies: &replies,
        replies_to,
        delivery: &delivery,
        fx,
        messages: Vec::new(),
        messages_truncated: false,
    };
    while let Some(Reverse(item)) = run.queue.pop() {
        if item.at > ctx.end {
            break;
        }
        if (ctx.stop)() {
            return None;
        }
        // The virtual clock: the time of the next item in the contact's queue.
        let now = item.at;
        match item.kind {
            Kind::Event(i) => {
                let event = &mut events[i];
                let (name, data) = (std::mem::take(&mut event.name), std::mem::take(&mut event.data));
                run.event(name, data, now)?;
            }
            Kind::Reply(i) => run.reply(&replies[i], now)?,
            Kind::Timer(e) => run.feed(e, Input::Timer, now)?,
        }
    }
    // The contact's outcome is its latest entry's.
    let latest = run.latest();
    let (outcome, node) = latest.map_or((ContactOutcome::NotEntered, None), |e| run.enrollments[e].state.status.outcome());
    let node_id = |node: Option<usize>| node.map(|n| program.nodes[n].id.clone());
    let entries = if program.key_field.is_some() {
        run.enrollments
            .iter()
            .map(|e| {
                let (outcome, node) = e.state.status.outcome();
                EntryReport { key: e.state.key.clone(), outcome, exit_node: node_id(node) }
            })
            .collect()
    } else {
        Vec::new()
    };
    let truncated = run.fx.truncated || run.messages_truncated;
    let steps = std::mem::take(&mut run.fx.steps);
    let counts = run.fx.observer.counts;
    counts.contact(outcome, latest.is_some());
    Some(ContactReport {
        id: run.contact.id,
        outcome,
        exit_node: node_id(node),
        entries,
        steps: detail.then_some(steps),
        messages: detail.then_some(run.messages),
        truncated,
    })
}
