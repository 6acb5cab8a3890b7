//! Properties of the simulator over random populations through the appointment journey:
//! every contact ends in exactly one outcome; the summary's per-node and per-edge counts agree
//! with the paths read from each contact's own steps; traces do not depend on the order of
//! contacts, on which other contacts run, on the detail level or on the number of threads.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use itinera_model::{Duration, Journey};
use itinera_sim::scenario::{ContactSpec, Delivery, ScriptedEvent, ScriptedReply};
use itinera_sim::{Detail, RunOptions, Scenario, SimReport};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn template(name: &str) -> Journey {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../assets/journeys/{name}.journey.json"));
    Journey::parse(&std::fs::read_to_string(path).expect("readable")).expect("parses")
}

fn journey() -> Journey {
    template("appointment-reminder")
}

fn start() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().expect("timestamp")
}

fn hours(h: i64) -> Timestamp {
    start().saturating_add(SignedDuration::from_mins(h)).expect("in range")
}

const ZONES: &[&str] = &["UTC", "Europe/Lisbon", "America/New_York", "Asia/Tokyo", "Australia/Sydney"];
const EVENTS: &[&str] = &["appointment_booked", "appointment_booked", "appointment_cancelled", "appointment_attended", "unrelated"];
const REPLY_TO: &[&str] = &["wa_reminder", "confirm_sms", "sms_followup", "thank_you"];
const TEXTS: &[&str] = &["yes", "STOP", "start", "can we change it", "maybe", "OK"];

prop_compose! {
    fn event()(kind in 0..EVENTS.len(), at_min in 0i64..(4 * 24 * 60), starts_in_min in -600i64..(5 * 24 * 60)) -> ScriptedEvent {
        let mut data = Map::new();
        if EVENTS[kind] == "appointment_booked" {
            data.insert("starts_at".into(), Value::String(hours(at_min + starts_in_min).to_string()));
            data.insert("location".into(), json!("Clinic"));
        }
        ScriptedEvent { at: hours(at_min), name: EVENTS[kind].to_string(), data }
    }
}

prop_compose! {
    fn reply()(to in 0..REPLY_TO.len(), after in 0i64..360, whatsapp in any::<bool>(), button in prop::option::of(0usize..2), text in 0..TEXTS.len()) -> ScriptedReply {
        ScriptedReply {
            to: REPLY_TO[to].to_string(),
            after: Duration::from_secs(after * 60),
            channel: if whatsapp { "whatsapp" } else { "sms" }.to_string(),
            button: button.map(|b| ["confirm", "reschedule"][b].to_string()),
            text: if button.is_some() { None } else { Some(TEXTS[text].to_string()) },
        }
    }
}

prop_compose! {
    fn contact_spec()(zone in prop::option::of(0..ZONES.len()), has in prop::array::uniform3(any::<bool>()), consent in prop::array::uniform3(any::<bool>()),
                     events in prop::collection::vec(event(), 0..4), replies in prop::collection::vec(reply(), 0..3),
                     undeliverable in prop::option::of(0usize..3)) -> ContactSpec {
        let channels = ["sms", "whatsapp", "email"];
        let mut events = events;
        events.sort_by_key(|e| e.at);
        ContactSpec {
            id: String::new(),
            timezone: zone.map(|z| ZONES[z].to_string()),
            attributes: json!({"first_name": "Pat"}).as_object().cloned().unwrap_or_default(),
            addresses: channels.iter().zip(has).filter(|(_, h)| *h).map(|(c, _)| (c.to_string(), "addr".to_string())).collect(),
            consent: channels.iter().zip(consent).map(|(c, ok)| (c.to_string(), ok)).collect(),
            events,
            replies,
            delivery: undeliverable.map(|i| (["sms", "whatsapp", "wa_reminder"][i].to_string(), Delivery::Undeliverable)).into_iter().collect(),
        }
    }
}

fn scenario(mut contacts: Vec<ContactSpec>, seed: u64) -> Scenario {
    for (i, c) in contacts.iter_mut().enumerate() {
        c.id = format!("c{i}");
    }
    Scenario { start: start(), run_for: Duration::from_secs(7 * 86_400), seed, contacts: contacts.into(), population: None }
}

fn run(s: &Scenario, detail: Detail) -> SimReport {
    itinera_sim::run(&itinera_sim::Validated::new(journey()), s, &RunOptions { detail, ..RunOptions::default() }, None).expect("simulates")
}

/// Results that do not move the contact to another node.
const IN_PLACE: &[&str] = &["ignored", "opted_out", "opted_in", "left", "goal", "no_match_trigger"];

/// Node arrivals and edge traversals read from one contact's own steps: a new visit starts at
/// each step whose node differs from the node of the previous step that moved the contact.
fn visits(report: &SimReport) -> (BTreeMap<String, u64>, BTreeMap<(String, String), u64>) {
    let mut nodes: BTreeMap<String, u64> = BTreeMap::new();
    let mut edges: BTreeMap<(String, String), u64> = BTreeMap::new();
    for c in &report.contacts {
        let mut at: Option<String> = None;
        for s in c.steps.iter().flatten() {
            let kind = if s.node == "booked" && s.result == "no_match" { "no_match_trigger" } else { s.result.as_str() };
            if IN_PLACE.contains(&kind) {
                continue;
            }
            if s.result == "entered" || at.as_deref() != Some(s.node.as_str()) {
                if let (true, Some(from)) = (s.result != "entered", &at) {
                    *edges.entry((from.clone(), s.node.clone())).or_default() += 1;
                }
                *nodes.entry(s.node.clone()).or_default() += 1;
                at = Some(s.node.clone());
            }
        }
    }
    (nodes, edges)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_contact_ends_in_exactly_one_outcome(specs in prop::collection::vec(contact_spec(), 1..40), seed in any::<u64>()) {
        let s = scenario(specs, seed);
        let r = run(&s, Detail::All);
        prop_assert_eq!(r.contacts.len(), s.contacts.len());
        prop_assert_eq!(r.summary.outcomes.values().sum::<usize>(), s.contacts.len());
        let mut by_outcome: HashMap<&str, usize> = HashMap::new();
        for c in &r.contacts {
            *by_outcome.entry(c.outcome.as_str()).or_default() += 1;
            let steps = c.steps.as_deref().unwrap_or_default();
            let entered = steps.iter().any(|s| s.result == "entered");
            prop_assert_eq!(c.outcome.as_str() == "not_entered", !entered, "{}", c.id);
            prop_assert_eq!(c.exit_node.is_none(), !entered, "{}", c.id);
            // The last step that changed the contact's status agrees with the outcome.
            let last = steps.iter().rev().find(|s| !["ignored", "opted_out", "opted_in", "no_match"].contains(&s.result.as_str())
                || (s.result == "no_match" && s.node != "booked"));
            if let Some(last) = last {
                let expected = match last.result.as_str() {
                    "exited" => "exited",
                    "goal" => "goal",
                    "left" => "left",
                    _ => "waiting",
                };
                prop_assert_eq!(c.outcome.as_str(), expected, "{}: last step {:?}", c.id, last);
                prop_assert_eq!(c.exit_node.as_deref(), Some(last.node.as_str()));
            }
        }
        for (outcome, n) in &r.summary.outcomes {
            prop_assert_eq!(by_outcome.get(outcome.as_str()).copied().unwrap_or(0), *n, "{}", outcome);
        }
    }

    #[test]
    fn summary_counts_agree_with_the_paths(specs in prop::collection::vec(contact_spec(), 1..40), seed in any::<u64>()) {
        let r = run(&scenario(specs, seed), Detail::All);
        let (nodes, edges) = visits(&r);
        for (node, counts) in &r.summary.nodes {
            prop_assert_eq!(counts["entered"], nodes.get(node).copied().unwrap_or(0), "node {}", node);
        }
        for e in &r.summary.edges {
            prop_assert_eq!(e.count, edges.get(&(e.from.clone(), e.to.clone())).copied().unwrap_or(0), "edge {} {} {}", e.from, e.port, e.to);
        }
        let mut messages: BTreeMap<String, u64> = BTreeMap::new();
        for m in r.contacts.iter().flat_map(|c| c.messages.iter().flatten()) {
            *messages.entry(m.channel.clone()).or_default() += 1;
        }
        for (channel, n) in &r.summary.messages {
            prop_assert_eq!(*n, messages.get(channel).copied().unwrap_or(0), "{}", channel);
        }
    }

    #[test]
    fn traces_do_not_depend_on_order_subset_or_detail(specs in prop::collection::vec(contact_spec(), 2..30), seed in any::<u64>(), rotate in any::<prop::sample::Index>()) {
        let s = scenario(specs, seed);
        let r = run(&s, Detail::All);
        // Reversed and rotated order.
        let mut shuffled = s.clone();
        shuffled.contacts.reverse();
        let k = rotate.index(shuffled.contacts.len());
        shuffled.contacts.rotate_left(k);
        let r2 = run(&shuffled, Detail::All);
        let by_id: HashMap<&str, &itinera_sim::ContactReport> = r2.contacts.iter().map(|c| (c.id.as_str(), c)).collect();
        for c in &r.contacts {
            prop_assert_eq!(Some(&c), by_id.get(c.id.as_str()), "{}", c.id);
        }
        prop_assert_eq!(&r.summary, &r2.summary);
        // A subset: the first contact alone.
        let mut alone = s.clone();
        alone.contacts.truncate(1);
        let r3 = run(&alone, Detail::All);
        prop_assert_eq!(&r3.contacts[0], &r.contacts[0]);
        // Without details the outcomes and summary are the same.
        let r4 = run(&s, Detail::None);
        prop_assert_eq!(&r4.summary, &r.summary);
        for (a, b) in r.contacts.iter().zip(&r4.contacts) {
            prop_assert_eq!((&a.id, a.outcome, &a.exit_node), (&b.id, b.outcome, &b.exit_node));
            prop_assert!(b.steps.is_none() && b.messages.is_none());
        }
    }
}

#[test]
fn threads_change_nothing_and_output_is_byte_identical() {
    // Enough contacts for several chunks, so that two threads really share the work.
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let specs: Vec<ContactSpec> = (0..3000).map(|_| contact_spec().new_tree(&mut runner).expect("generates").current()).collect();
    let s = scenario(specs, 99);
    let options = RunOptions { detail: Detail::All, ..RunOptions::default() };
    let one = itinera_sim::run_with_threads(&itinera_sim::Validated::new(journey()), &s, &options, 1, None).expect("runs");
    let two = itinera_sim::run_with_threads(&itinera_sim::Validated::new(journey()), &s, &options, 2, None).expect("runs");
    let (a, b) = (serde_json::to_string(&one).expect("json"), serde_json::to_string(&two).expect("json"));
    assert!(a == b, "one thread and two threads differ");
    assert!(one.summary.entered > 1000, "the population exercises the journey");
}

prop_compose! {
    /// A contact for the re-engagement journey (which has a seeded A/B split).
    fn lapsed_contact()(opt_in in any::<bool>(), orders in 0i64..3, wa_consent in any::<bool>(),
                        quiet_at in prop::collection::vec(0i64..(10 * 24 * 60), 1..3), ordered_at in prop::option::of(0i64..(10 * 24 * 60)),
                        reply in prop::option::of((0i64..600, 0usize..4))) -> ContactSpec {
        let mut events: Vec<ScriptedEvent> = quiet_at.iter().map(|m| ScriptedEvent { at: hours(*m), name: "inactive_30_days".into(), data: Map::new() }).collect();
        if let Some(m) = ordered_at {
            events.push(ScriptedEvent { at: hours(m), name: "order_placed".into(), data: Map::new() });
        }
        events.sort_by_key(|e| e.at);
        let replies = reply.map(|(after, b)| ["wa_offer", "wa_whats_new"].iter().map(|to| ScriptedReply {
            to: to.to_string(), after: Duration::from_secs(after * 60), channel: "whatsapp".into(),
            button: Some(["claim", "show_me", "not_now", "stop"][b].to_string()), text: None,
        }).collect()).unwrap_or_default();
        ContactSpec {
            id: String::new(),
            timezone: Some("Europe/Berlin".into()),
            attributes: json!({"first_name": "Kim", "marketing_opt_in": opt_in, "lifetime_orders": orders}).as_object().cloned().unwrap_or_default(),
            addresses: [("sms", "+49"), ("whatsapp", "+49"), ("email", "k@example.com")].iter().map(|(c, a)| (c.to_string(), a.to_string())).collect(),
            consent: [("sms", true), ("whatsapp", wa_consent), ("email", true)].iter().map(|(c, ok)| (c.to_string(), *ok)).collect(),
            events,
            replies,
            delivery: Default::default(),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Splits are seeded per (seed, journey, contact, node, entry): reordering contacts keeps
    /// each contact's arm, and the summary agrees with the paths here too.
    #[test]
    fn split_journey_is_order_independent(specs in prop::collection::vec(lapsed_contact(), 2..40), seed in any::<u64>()) {
        let j = template("re-engagement");
        let s = scenario(specs, seed);
        let run = |s: &Scenario| itinera_sim::run(&itinera_sim::Validated::new(j.clone()), s, &RunOptions { detail: Detail::All, ..RunOptions::default() }, None).expect("simulates");
        let r = run(&s);
        let mut reversed = s.clone();
        reversed.contacts.reverse();
        let r2 = run(&reversed);
        let by_id: HashMap<&str, &itinera_sim::ContactReport> = r2.contacts.iter().map(|c| (c.id.as_str(), c)).collect();
        for c in &r.contacts {
            prop_assert_eq!(Some(&c), by_id.get(c.id.as_str()));
        }
        prop_assert_eq!(&r.summary, &r2.summary);
        let total: u64 = r.summary.edges.iter().filter(|e| e.from == "ab_test").map(|e| e.count).sum();
        prop_assert_eq!(total, r.summary.nodes["ab_test"]["entered"]);
    }
}
