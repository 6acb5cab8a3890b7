//! Simulating one contact on its own virtual timeline.
//!
//! Each contact has its own small queue of inputs: its scripted events, replies scheduled
//! `after` the message they answer was delivered, and timer wake-ups. Deliveries and webhook
//! results are answered at once, at the same instant, from the scenario's `delivery` map
//! (node id first, then channel; default `delivered`; webhooks succeed unless their node id
//! maps to a failure). Nothing is shared between contacts but the compiled journey, so running
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

use itinera_engine::{
    Channel, Clock, Contact, ContactState, DeliveryResult, Effects, Input, ManualClock, OutgoingMessage, Program, Status, Step, StepResult,
    WebhookCall, WebhookOutcome, handle,
};
use jiff::{SignedDuration, Timestamp};

use crate::report::{ContactOutcome, ContactReport, MessageRecord, StepRecord, TemplateRecord};
use crate::scenario::{ContactSpec, Delivery};

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
}

enum Pending {
    Send { node: usize, channel: Channel, message: Option<MessageRecord> },
    Webhook { node: usize },
}

struct Recorder<'c> {
    program: &'c Program,
    layout: &'c Layout,
    counts: &'c mut Counts,
    detail: bool,
    now: Timestamp,
    steps: Vec<StepRecord>,
    messages: Vec<MessageRecord>,
    pending: Option<Pending>,
    wakes: Vec<Timestamp>,
}

impl Effects for Recorder<'_> {
    fn send(&mut self, message: OutgoingMessage<'_>) {
        let record = self.detail.then(|| MessageRecord {
            node: message.node_id.to_string(),
            channel: message.channel.as_str().to_string(),
            at: self.now,
            text: message.text,
            template: message.template.map(|(name, language, params)| TemplateRecord {
                name: name.to_string(),
                language: language.to_string(),
                params,
            }),
            subject: message.subject,
        });
        self.pending = Some(Pending::Send { node: message.node, channel: message.channel, message: record });
    }

    fn call_webhook(&mut self, call: WebhookCall<'_>) {
        self.pending = Some(Pending::Webhook { node: call.node });
    }

    fn wake_at(&mut self, at: Timestamp) {
        self.wakes.push(at);
    }

    fn step(&mut self, step: Step<'_>) {
        let node = step.node;
        self.counts.results[node * RESULTS + step.result as usize] += 1;
        if step.result == StepResult::Entered && node == self.program.trigger {
            self.counts.arrivals[node] += 1;
        }
        if let Some((port, _)) = step.port {
            self.counts.edges[self.layout.port_offset[node] + port] += 1;
            if let Some(target) = self.program.nodes[node].ports[port].target {
                self.counts.arrivals[target] += 1;
            }
        }
        if self.detail {
            self.steps.push(StepRecord {
                at: step.at,
                node: step.node_id.to_string(),
                node_type: step.node_type.to_string(),
                result: step.result.as_str().to_string(),
                reason: step.reason.map(|r| r.code().to_string()),
                port: step.port.map(|(_, name)| name.to_string()),
                detail: step.detail,
                missing: step.missing,
            });
        }
    }

    fn wants_detail(&self) -> bool {
        self.detail
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Event(usize),
    Reply(usize),
    Timer,
}

/// A queued input; ordered by (at, class, seq) — see the module docs.
#[derive(Clone, Copy)]
struct Item {
    at: Timestamp,
    class: u8,
    seq: u32,
    kind: Kind,
}

impl Item {
    fn key(&self) -> (Timestamp, u8, u32) {
        (self.at, self.class, self.seq)
    }
}

fn delivery_for<'s>(spec_delivery: &'s std::collections::BTreeMap<String, Delivery>, node_id: &str, channel: &str) -> Option<&'s Delivery> {
    spec_delivery.get(node_id).or_else(|| spec_delivery.get(channel))
}

/// Simulates one contact from the start of the run to its end.
pub(crate) fn simulate_contact(ctx: &RunContext<'_>, spec: ContactSpec, detail: bool, counts: &mut Counts) -> ContactReport {
    let program = ctx.program;
    let ContactSpec { id, timezone, attributes, addresses, consent, events, replies, delivery } = spec;
    let mut state = ContactState::new(Contact { id, timezone, attributes, addresses, consent });
    let mut queue: Vec<Item> = Vec::with_capacity(events.len() + 4);
    let mut seq: u32 = 0;
    for (i, event) in events.iter().enumerate() {
        queue.push(Item { at: event.at, class: 0, seq, kind: Kind::Event(i) });
        seq += 1;
    }
    let mut events = events;
    let mut reply_scheduled = vec![false; replies.len()];
    let clock = ManualClock::new(ctx.end);
    let mut rec = Recorder {
        program,
        layout: ctx.layout,
        counts,
        detail,
        now: ctx.end,
        steps: Vec::new(),
        messages: Vec::new(),
        pending: None,
        wakes: Vec::new(),
    };
    while let Some(next) = queue.iter().enumerate().min_by_key(|(_, item)| item.key()).map(|(i, _)| i) {
        let item = queue.swap_remove(next);
        if item.at > ctx.end {
            break;
        }
        clock.set(item.at);
        let input = match item.kind {
            Kind::Event(i) => {
                let event = &mut events[i];
                Input::Event { name: std::mem::take(&mut event.name), data: std::mem::take(&mut event.data) }
            }
            Kind::Reply(i) => {
                let reply = &replies[i];
                Input::Reply { channel: reply.channel.clone(), text: reply.text.clone(), button: reply.button.clone() }
            }
            Kind::Timer => Input::Timer,
        };
        let now = clock.now();
        rec.now = now;
        handle(program, &mut state, input, now, ctx.seed, &mut rec);
        // Deliveries and webhook results come back at once, at the same instant.
        while let Some(pending) = rec.pending.take() {
            match pending {
                Pending::Send { node, channel, message } => {
                    let node_id = program.nodes[node].id.as_str();
                    let result = match delivery_for(&delivery, node_id, channel.as_str()) {
                        None | Some(Delivery::Delivered) => DeliveryResult::Delivered,
                        Some(Delivery::Undeliverable) => DeliveryResult::Failed("undeliverable".to_string()),
                        Some(Delivery::Failed(reason)) => DeliveryResult::Failed(reason.clone()),
                    };
                    if result == DeliveryResult::Delivered {
                        rec.counts.messages[channel as usize] += 1;
                        if let Some(message) = message {
                            rec.messages.push(message);
                        }
                        for (i, reply) in replies.iter().enumerate() {
                            if !reply_scheduled[i] && reply.to == node_id {
                                reply_scheduled[i] = true;
                                let at = now.saturating_add(SignedDuration::from_secs(reply.after.as_secs())).unwrap_or(Timestamp::MAX);
                                queue.push(Item { at, class: 1, seq, kind: Kind::Reply(i) });
                                seq += 1;
                            }
                        }
                    }
                    handle(program, &mut state, Input::Delivery { node, result }, now, ctx.seed, &mut rec);
                }
                Pending::Webhook { node } => {
                    let node_id = program.nodes[node].id.as_str();
                    let result = match delivery.get(node_id) {
                        None | Some(Delivery::Delivered) => WebhookOutcome::Ok,
                        Some(failure) => WebhookOutcome::Failed(failure.as_str().to_string()),
                    };
                    handle(program, &mut state, Input::WebhookResult { node, result }, now, ctx.seed, &mut rec);
                }
            }
        }
        for at in rec.wakes.drain(..) {
            if at <= ctx.end {
                queue.push(Item { at, class: 2, seq, kind: Kind::Timer });
                seq += 1;
            }
        }
    }
    let (outcome, node) = match state.status {
        Status::NotEntered => (ContactOutcome::NotEntered, None),
        Status::Waiting { node, .. } => (ContactOutcome::Waiting, Some(node)),
        Status::Done { outcome, node } => (
            match outcome {
                itinera_engine::Outcome::Exited => ContactOutcome::Exited,
                itinera_engine::Outcome::Goal => ContactOutcome::Goal,
                itinera_engine::Outcome::Left => ContactOutcome::Left,
            },
            Some(node),
        ),
    };
    let Recorder { steps, messages, counts, .. } = rec;
    counts.outcomes[outcome as usize] += 1;
    if state.entries > 0 {
        counts.entered += 1;
    }
    ContactReport {
        id: state.contact.id,
        outcome,
        exit_node: node.map(|n| program.nodes[n].id.clone()),
        steps: detail.then_some(steps),
        messages: detail.then_some(messages),
    }
}
