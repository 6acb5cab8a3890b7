//! The durable engine behaves exactly like the simulator: the same journey and scenario give
//! the same report, byte for byte — for every template with its sample scenario, and for random
//! contacts (events in any order, replies, STOP/START, lost, failed and undeliverable results,
//! webhooks that fail) through every template.

use std::path::Path;

use itinera_model::Journey;
use itinera_sim::{Detail, RunOptions, Scenario, SimReport};
use itinera_store::Store;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{Value, json};

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)).expect("readable")
}

fn simulated(journey: &Journey, scenario: &Scenario) -> String {
    let report =
        itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), scenario, &RunOptions::default(), None).expect("simulates");
    serde_json::to_string_pretty(&report).expect("json")
}

fn replayed(text: &str, journey: &Journey, scenario: &Scenario) -> String {
    let mut contacts = Vec::new();
    let (summary, _) = itinera_runtime::replay::replay(text, journey, scenario, Store::open_in_memory().unwrap(), &Detail::All, &mut |c| {
        contacts.push(c);
        Ok(())
    })
    .expect("replays");
    serde_json::to_string_pretty(&SimReport { journey: journey.id.clone(), contacts, summary }).expect("json")
}

fn assert_same(name: &str, text: &str, scenario_text: &str) {
    let journey = Journey::parse(text).expect("journey");
    let scenario = Scenario::parse(scenario_text).expect("scenario");
    let (sim, rep) = (simulated(&journey, &scenario), replayed(text, &journey, &scenario));
    if sim != rep {
        let at = sim.bytes().zip(rep.bytes()).position(|(a, b)| a != b).unwrap_or(sim.len().min(rep.len()));
        let from = at.saturating_sub(300);
        panic!(
            "{name}: replay differs from simulate at byte {at}\n--- simulate ---\n{}\n--- replay ---\n{}",
            &sim[from..(at + 200).min(sim.len())],
            &rep[from..(at + 200).min(rep.len())]
        );
    }
}

const TEMPLATES: [&str; 5] = ["appointment-reminder", "lead-qualification", "onboarding", "post-purchase", "re-engagement"];

#[test]
fn every_template_with_its_sample_scenario() {
    for name in TEMPLATES {
        assert_same(name, &read(&format!("assets/journeys/{name}.journey.json")), &read(&format!("assets/scenarios/{name}.scenario.json")));
    }
    assert_same("clinic", &read("crates/sim/tests/golden/clinic.journey.json"), &read("crates/sim/tests/golden/clinic.scenario.json"));
    assert_same(
        "population",
        &read("assets/journeys/appointment-reminder.journey.json"),
        &read("assets/scenarios/population-appointment-reminder.scenario.json"),
    );
}

#[test]
fn the_summary_is_the_same_whether_contacts_are_reported_in_detail_or_not() {
    // Without detail, the replay counts messages from the outbox rows' channel column instead of
    // reading each message: the counts must not change.
    let summary = |text: &str, scenario: &Scenario, detail: &Detail| {
        let journey = Journey::parse(text).expect("journey");
        let (summary, _) =
            itinera_runtime::replay::replay(text, &journey, scenario, Store::open_in_memory().unwrap(), detail, &mut |_| Ok(()))
                .expect("replays");
        serde_json::to_string_pretty(&summary).expect("json")
    };
    for name in TEMPLATES {
        let text = read(&format!("assets/journeys/{name}.journey.json"));
        let scenario = Scenario::parse(&read(&format!("assets/scenarios/{name}.scenario.json"))).expect("scenario");
        let detailed = summary(&text, &scenario, &Detail::All);
        assert!(detailed.contains("\"messages\""), "{name}: {detailed}");
        assert_eq!(summary(&text, &scenario, &Detail::None), detailed, "{name}");
    }
}

/// Every event name, reply target and node id a template uses, for random contacts.
fn vocabulary(journey: &Journey) -> (Vec<String>, Vec<String>) {
    let doc: Value = serde_json::to_value(journey).expect("json");
    let mut events = vec!["unrelated".to_string()];
    let mut nodes = Vec::new();
    for node in doc["nodes"].as_array().into_iter().flatten() {
        nodes.push(node["id"].as_str().unwrap_or_default().to_string());
        if let Some(e) = node["event"].as_str() {
            events.push(e.to_string());
        }
        if let Some(e) = node["listen"]["event"].as_str() {
            events.push(e.to_string());
        }
    }
    for e in doc["settings"]["exit_on"].as_array().into_iter().flatten() {
        events.push(e.as_str().unwrap_or_default().to_string());
    }
    if let Some(goal) = doc["settings"]["goal"]["event"].as_str() {
        events.push(goal.to_string());
    }
    (events, nodes)
}

#[derive(Debug, Clone)]
struct Pick {
    events: Vec<(usize, i64, i64)>,
    replies: Vec<(usize, i64, usize, bool)>,
    delivery: Vec<(usize, usize)>,
    consent: [bool; 3],
    zone: usize,
}

fn pick() -> impl Strategy<Value = Pick> {
    (
        prop::collection::vec((0usize..64, 0i64..(3 * 24 * 60), -600i64..(4 * 24 * 60)), 0..5),
        prop::collection::vec((0usize..64, 0i64..600, 0usize..8, any::<bool>()), 0..4),
        prop::collection::vec((0usize..64, 0usize..5), 0..3),
        prop::array::uniform3(prop::bool::weighted(0.85)),
        0usize..4,
    )
        .prop_map(|(events, replies, delivery, consent, zone)| Pick { events, replies, delivery, consent, zone })
}

const FORMS: [&str; 3] = ["demo_request", "pricing_page", "newsletter"];
const TEXTS: [&str; 8] = ["yes", "STOP", "start", "1", "2", "no thanks", "OK", "maybe later"];
const ZONES: [&str; 4] = ["UTC", "Europe/Lisbon", "America/New_York", "Asia/Tokyo"];
const RESULTS: [&str; 5] = ["lost", "undeliverable", "bounced", "delivered", "lost"];

fn scenario(journey: &Journey, picks: &[Pick]) -> String {
    let (events, nodes) = vocabulary(journey);
    let start: jiff::Timestamp = "2026-03-02T08:30:00Z".parse().unwrap();
    let minutes = |m: i64| start.saturating_add(jiff::SignedDuration::from_mins(m)).unwrap().to_string();
    let contacts: Vec<Value> = picks
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut evs: Vec<(i64, Value)> = p
                .events
                .iter()
                .map(|(e, at, rel)| {
                    let at_min = *at;
                    (at_min, json!({"name": events[e % events.len()], "at": minutes(at_min), "data": {
                        "starts_at": minutes(at_min + rel), "plan": "pro", "amount": rel % 300, "score": rel % 100, "order_id": format!("o{e}"),
                        "form": FORMS[e % 3], "team_size": rel % 50,
                        "appointment_id": format!("a{}", e % 3)
                    }}))
                })
                .collect();
            evs.sort_by_key(|(at, _)| *at);
            let replies: Vec<Value> = p
                .replies
                .iter()
                .map(|(to, after, text, whatsapp)| {
                    json!({"to": nodes[to % nodes.len()], "after": format!("{after}m"), "channel": if *whatsapp { "whatsapp" } else { "sms" },
                           "text": TEXTS[*text]})
                })
                .collect();
            // By channel half the time (every send on it), else by node (sends and webhooks).
            let target = |n: usize| if n.is_multiple_of(2) { ["sms", "whatsapp", "email"][n / 2 % 3].to_string() } else { nodes[n / 2 % nodes.len()].clone() };
            let delivery: serde_json::Map<String, Value> = p.delivery.iter().map(|(n, r)| (target(*n), json!(RESULTS[*r]))).collect();
            json!({
                "id": format!("c{i}"), "timezone": ZONES[p.zone],
                "attributes": {"first_name": "Pat", "plan": "pro", "projects_created": i % 3, "lifetime_value": i * 40,
                               "marketing_opt_in": i % 4 != 0, "lifetime_orders": i % 3},
                "addresses": {"sms": "+15550000000", "whatsapp": "+15550000000", "email": "pat@example.com"},
                "consent": {"sms": p.consent[0], "whatsapp": p.consent[1], "email": p.consent[2]},
                "events": evs.into_iter().map(|(_, e)| e).collect::<Vec<_>>(), "replies": replies, "delivery": delivery
            })
        })
        .collect();
    json!({"format": "itinera/scenario@1", "start": "2026-03-02T08:30:00Z", "run_for": "5d", "seed": 7, "contacts": contacts}).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn random_contacts_through_every_template(picks in prop::collection::vec(pick(), 1..12)) {
        for name in TEMPLATES {
            let text = read(&format!("assets/journeys/{name}.journey.json"));
            let journey = Journey::parse(&text).expect("journey");
            assert_same(name, &text, &scenario(&journey, &picks));
        }
        // Keyed entries: one flow per appointment id (some events without the key field).
        let text = read("crates/sim/tests/golden/clinic.journey.json").replace("\"reentry\": \"never\"", "\"reentry\": \"always\"");
        let journey = Journey::parse(&text).expect("journey");
        assert_same("clinic", &text, &scenario(&journey, &picks));
    }
}

/// The generator above reaches the interesting paths (else the property would prove little).
#[test]
fn the_random_scenarios_enter_send_fail_and_reply() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = prop::collection::vec(pick(), 30..31);
    let picks = strategy.new_tree(&mut runner).expect("tree").current();
    let mut seen = std::collections::BTreeSet::new();
    for name in TEMPLATES {
        let text = read(&format!("assets/journeys/{name}.journey.json"));
        let journey = Journey::parse(&text).expect("journey");
        let scenario = Scenario::parse(&scenario(&journey, &picks)).expect("scenario");
        let report =
            itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), &scenario, &RunOptions::default(), None).expect("simulates");
        assert!(report.summary.entered > 0, "{name}: nobody entered");
        for step in report.contacts.iter().flat_map(|c| c.steps.iter().flatten()) {
            seen.insert(step.result.clone());
            if let Some(reason) = &step.reason {
                seen.insert(reason.clone());
            }
        }
    }
    for word in
        ["entered", "sent", "delivered", "failed", "undeliverable", "no_consent", "timeout", "matched", "opted_out", "exited", "left"]
    {
        assert!(seen.contains(word), "no `{word}` step in {seen:?}");
    }
}
