//! `itinera replay --engine sqlite`: a scenario driven through the durable engine — its store,
//! timers, inbox, outbox and dispatcher — on a manual clock, reported in exactly the shape (and,
//! for the same journey and scenario, exactly the bytes) of `itinera simulate`.
//!
//! The journey is published with the scenario's seed; the scenario's contacts are imported and
//! their events pushed into the inbox at their times. The clock then jumps from one due instant
//! to the next until the scenario's end, and at each instant the engine applies what is due and
//! the outbox is dispatched to a channel that answers from the scenario's `delivery` map (a
//! `lost` result is never answered: the delivery deadline counts it delivered). A scripted reply
//! is pushed `after` the first delivered message of its node, as the simulator does.
//!
//! The report is built from what the engine stored: each contact's outcome from its enrollment,
//! its steps from the step log, its messages from the delivered outbox rows, and the summary by
//! the simulator's own counter ([`itinera_sim::SummaryCounter`]) over the step log.

use std::collections::HashMap;

use itinera_engine::{Contact, ContactOutcome, ContactState, Effect, StepRecord};
use itinera_model::Journey;
use itinera_sim::report::EntryReport;
use itinera_sim::scenario::{Delivery, ScriptedReply, delivery_for};
use itinera_sim::{ContactReport, Detail, MAX_KEPT_STEPS, MessageRecord, Scenario, Summary, SummaryCounter, TemplateRecord};
use itinera_store::Store;
use jiff::Timestamp;

use crate::Error;
use crate::core::{Attempt, CLASS_EVENT, CLASS_REPLY, Engine};
use crate::intake::{PublishOptions, publish};

/// Inputs applied per transaction.
const BATCH: usize = 16384;
/// Contacts written per transaction while loading the scenario.
const LOAD_BATCH: usize = 10_000;

/// What a replay measured.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    /// Inputs and timers applied.
    pub inputs: u64,
    /// Steps written to the log.
    pub steps: u64,
    /// Outbox rows dispatched.
    pub effects: u64,
    /// Transactions that applied inputs.
    pub batches: u64,
    /// Seconds spent loading the scenario (contacts, events) into the store.
    pub load_secs: f64,
    /// Seconds spent running the engine (batches and dispatch).
    pub run_secs: f64,
    /// Seconds spent reading the report back from the store.
    pub report_secs: f64,
}

struct Script {
    replies: HashMap<String, Vec<ScriptedReply>>,
    delivery: std::collections::BTreeMap<String, Delivery>,
    index: usize,
}

/// Replays `scenario` through the durable engine over `store` (which must hold no journey of
/// this id yet) and returns the report's contacts (through `sink`, in scenario order) and summary.
pub fn replay(
    journey_text: &str,
    journey: &Journey,
    scenario: &Scenario,
    store: Store,
    detail: &Detail,
    sink: &mut dyn FnMut(ContactReport) -> Result<(), Error>,
) -> Result<(Summary, Figures), Error> {
    let mut store = store;
    store.checkpoint_in_background()?;
    let mut engine = Engine::new(store);
    let start = scenario.start;
    {
        let tx = engine.store().read()?;
        if tx.latest_version(&journey.id)?.is_some() {
            return Err(Error::Internal(format!(
                "database {} already holds journey `{}`: replay needs a database of its own",
                tx.path(),
                journey.id
            )));
        }
    }
    let published = publish(engine.store(), journey_text, &PublishOptions { seed: scenario.seed, ..PublishOptions::default() }, start)?;
    let program = engine.program(&journey.id, published.version)?;

    let clock = std::time::Instant::now();
    // Load the contacts and their scripted events.
    let total = scenario.contact_count();
    let mut scripts: HashMap<String, Script> = HashMap::with_capacity(total);
    let mut order: Vec<String> = Vec::with_capacity(total);
    let mut i = 0;
    while i < total {
        let tx = engine.store().transaction()?;
        for index in i..(i + LOAD_BATCH).min(total) {
            let mut spec = scenario.contact(index);
            // Local event times ("in 2 days at 09:00 local") read as the simulator reads them.
            spec.resolve_local_times(&program.settings.default_timezone);
            let contact = Contact {
                id: spec.id.clone(),
                timezone: spec.timezone.clone(),
                attributes: spec.attributes.clone(),
                addresses: spec.addresses.clone(),
                consent: spec.consent.clone(),
                last_whatsapp_inbound: None,
            };
            let profile = serde_json::to_string(&contact).map_err(|e| Error::Internal(e.to_string()))?;
            tx.put_contact(&spec.id, &profile, start)?;
            for (n, event) in spec.events.iter().enumerate() {
                let input = itinera_engine::Input::Event { name: event.name.clone(), data: event.data.clone() };
                let json = serde_json::to_string(&input).map_err(|e| Error::Internal(e.to_string()))?;
                tx.push_input(&format!("event:{index}:{n}"), &spec.id, CLASS_EVENT, event.at, &json, None, start)?;
            }
            let mut replies: HashMap<String, Vec<ScriptedReply>> = HashMap::new();
            for reply in spec.replies {
                replies.entry(reply.to.clone()).or_default().push(reply);
            }
            order.push(spec.id.clone());
            scripts.insert(spec.id, Script { replies, delivery: spec.delivery, index });
        }
        tx.commit()?;
        i = (i + LOAD_BATCH).min(total);
    }

    // Run the clock. Every instant up to the end at once: a batch applies each contact's due
    // inputs in order until one produces a send (or a delivery a scripted reply answers); the
    // outbox is then answered at the instant of each send and the next batch goes on from there.
    // Contacts are independent, so this gives each the order the simulator gives it.
    let end = scenario.end();
    let mut figures = Figures { load_secs: clock.elapsed().as_secs_f64(), ..Figures::default() };
    let clock = std::time::Instant::now();
    let mut reply_seq: u64 = 0;
    loop {
        let hold = |contact: &str, node: &str| scripts.get(contact).is_some_and(|s| s.replies.contains_key(node));
        let applied = engine.apply_due_holding(end, BATCH, &hold)?;
        if applied.inputs > 0 {
            figures.batches += 1;
        }
        figures.inputs += applied.inputs as u64;
        figures.steps += applied.steps as u64;
        if !applied.delivered.is_empty() {
            let tx = engine.store().transaction()?;
            for (contact, _journey, node, at) in &applied.delivered {
                let Some(script) = scripts.get_mut(contact) else { continue };
                for reply in script.replies.remove(node).unwrap_or_default() {
                    let when = at.saturating_add(jiff::SignedDuration::from_secs(reply.after.as_secs())).unwrap_or(Timestamp::MAX);
                    let input = itinera_engine::Input::Reply { channel: reply.channel, text: reply.text, button: reply.button };
                    let json = serde_json::to_string(&input).map_err(|e| Error::Internal(e.to_string()))?;
                    tx.push_input(&format!("reply:{}:{reply_seq}", script.index), contact, CLASS_REPLY, when, &json, None, *at)?;
                    reply_seq += 1;
                }
            }
            tx.commit()?;
        }
        let due = engine.due_outbox(end, usize::MAX >> 1)?;
        let dispatched = due.len();
        if !due.is_empty() {
            let mut answers = Vec::with_capacity(due.len());
            for row in due {
                // The scenario answers by node and channel, at the instant of the send: all on
                // the row, so the effect itself is not parsed (as a real channel would).
                let script = scripts.get(&row.contact);
                let answer = if row.channel == "webhook" {
                    match script.and_then(|s| s.delivery.get(&row.node)) {
                        None | Some(Delivery::Delivered) => Attempt::Done(Ok(())),
                        Some(failure) => Attempt::Done(Err(failure.as_str().to_string())),
                    }
                } else {
                    match script.and_then(|s| delivery_for(&s.delivery, &row.node, &row.channel)) {
                        None | Some(Delivery::Delivered) => Attempt::Done(Ok(())),
                        Some(Delivery::Lost) => Attempt::Accepted { provider_id: None },
                        Some(Delivery::Undeliverable) => Attempt::Done(Err("undeliverable".into())),
                        Some(Delivery::Failed(reason)) => Attempt::Done(Err(reason.clone())),
                    }
                };
                let at = row.created_at;
                answers.push((row, answer, at));
            }
            let refs: Vec<(&itinera_store::OutboxItem, &Attempt, Timestamp)> = answers.iter().map(|(r, a, t)| (r, a, *t)).collect();
            engine.record_attempts_at(&refs, end)?;
            figures.effects += dispatched as u64;
        }
        if applied.inputs == 0 && dispatched == 0 && applied.deferred == 0 {
            break;
        }
    }

    figures.run_secs = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    // Report from what was stored.
    let wants = |id: &str| match detail {
        Detail::All => true,
        Detail::None => false,
        Detail::Only(ids) => ids.iter().any(|x| x == id),
    };
    let mut counter = SummaryCounter::new(journey, &program);
    let journey_id = journey.id.clone();
    // One read transaction for the whole report (nothing writes any more).
    let tx = engine.store().read()?;
    for id in order {
        let mut flows = Vec::new();
        for row in tx.enrollments_of(&id)?.into_iter().filter(|r| r.journey == journey_id) {
            let state: ContactState = serde_json::from_str(&row.state).map_err(|e| Error::Internal(e.to_string()))?;
            flows.push(state);
        }
        // The contact's outcome is its latest entry's (the simulator's rule).
        let latest = flows.iter().enumerate().filter(|(_, s)| s.entries > 0).max_by_key(|(i, s)| (s.last_entry, *i)).map(|(i, _)| i);
        let node_id = |node: Option<usize>| node.map(|n| program.nodes[n].id.clone());
        let (outcome, exit_node, entered) = match latest {
            Some(i) => {
                let (outcome, node) = flows[i].status.outcome();
                (outcome, node_id(node), true)
            }
            None => (ContactOutcome::NotEntered, None, false),
        };
        let entries: Vec<EntryReport> = if program.key_field.is_some() {
            flows
                .iter()
                .map(|s| {
                    let (outcome, node) = s.status.outcome();
                    EntryReport { key: s.key.clone(), outcome, exit_node: node_id(node) }
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut steps = Vec::new();
        for json in tx.steps_of(&id, &journey_id)? {
            let record: StepRecord = serde_json::from_str(&json).map_err(|e| Error::Internal(e.to_string()))?;
            counter.step(&record).map_err(Error::Internal)?;
            steps.push(record);
        }
        // Messages in the order they counted as delivered (send order among those delivered at
        // one instant), as the simulator lists them.
        let keep = wants(&id);
        let mut delivered: Vec<(Timestamp, usize, Option<String>, String, String)> = Vec::new();
        for (i, (key, effect, channel, at)) in tx.outbox_of(&id, &journey_id)?.into_iter().enumerate() {
            if let Some(at) = at {
                delivered.push((at, i, key, effect, channel));
            }
        }
        delivered.sort_by_key(|(at, i, _, _, _)| (*at, *i));
        let mut messages = Vec::new();
        for (_, _, key, effect, channel) in delivered {
            if !keep {
                // Only counted: the row's channel says which, without parsing the message.
                if let Some(channel) = itinera_engine::Channel::parse(&channel) {
                    counter.message(channel);
                }
                continue;
            }
            let Effect::Send(m) = serde_json::from_str(&effect).map_err(|e| Error::Internal(e.to_string()))? else { continue };
            counter.message(m.channel);
            messages.push(MessageRecord {
                node: m.node,
                channel: m.channel.as_str().to_string(),
                key,
                at: m.at,
                text: m.text,
                template: m.template.map(|t| TemplateRecord { name: t.name, language: t.language, params: t.params }),
                subject: m.subject,
            });
        }
        counter.contact(outcome, entered);
        let truncated = keep && (steps.len() > MAX_KEPT_STEPS || messages.len() > MAX_KEPT_STEPS);
        steps.truncate(MAX_KEPT_STEPS);
        messages.truncate(MAX_KEPT_STEPS);
        sink(ContactReport {
            id,
            outcome,
            exit_node,
            entries,
            steps: keep.then_some(steps),
            messages: keep.then_some(messages),
            truncated,
        })?;
    }
    drop(tx);
    figures.report_secs = clock.elapsed().as_secs_f64();
    Ok((counter.finish(), figures))
}
