//! Following one contact: `run_only` simulates the chosen contacts alone (a generated one is
//! generated alone, from its index) and gives each the very report a run of the whole scenario
//! gives it — over every sample journey, its hand-written contacts plus a generated population,
//! and several seeds. Its summary counts only the contacts it simulated.

use std::collections::BTreeSet;
use std::path::Path;

use itinera_model::Journey;
use itinera_sim::{Cancel, Detail, Error, RunOptions, Scenario};
use serde_json::{Value, json};

const SAMPLES: [&str; 5] = ["appointment-reminder", "lead-qualification", "onboarding", "post-purchase", "re-engagement"];

fn asset(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets").join(path)).expect("readable")
}

/// The sample's hand-written contacts plus `count` generated ones sending the events the
/// hand-written contacts send (so that the generated ones enter the journey too).
fn scenario(name: &str, count: usize, seed: u64) -> Scenario {
    let mut doc: Value = serde_json::from_str(&asset(&format!("scenarios/{name}.scenario.json"))).expect("json");
    let names: BTreeSet<String> = doc["contacts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["events"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["name"].as_str().map(str::to_string))
        .collect();
    let events: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"name": n, "at": {"from": format!("+{}h", i), "to": "+3d"}, "probability": if i == 0 { 0.9 } else { 0.4 }}))
        .collect();
    doc["seed"] = json!(seed);
    doc["population"] = json!({
        "count": count, "id_prefix": "gen",
        "timezones": {"Europe/Lisbon": 0.5, "America/New_York": 0.5},
        "attributes": {"first_name": ["Ana", "Ben"], "tier": {"gold": 0.3, "silver": 0.7}},
        "channels": {"sms": {"address": 0.9, "consent": 0.8}, "whatsapp": {"address": 0.8, "consent": 0.7}, "email": {"address": 0.7, "consent": 0.6}},
        "events": events,
    });
    Scenario::parse(&doc.to_string()).expect("scenario parses")
}

#[test]
fn a_followed_contact_has_the_trace_the_full_run_gives_it() {
    let mut compared = 0;
    for name in SAMPLES {
        let journey = Journey::parse(&asset(&format!("journeys/{name}.journey.json"))).expect("journey parses");
        for seed in [0, 7, 123_456_789] {
            let s = scenario(name, 1_500, seed);
            let full = itinera_sim::run(
                &itinera_sim::Validated::new(journey.clone()),
                &s,
                &RunOptions { detail: Detail::All, cancel: None },
                None,
            )
            .expect("runs");
            assert_eq!(full.contacts.len(), s.contact_count());
            let hand = s.contacts.len();
            let total = s.contact_count();
            // The first and last hand-written, the first generated, one in the second chunk, the last.
            for i in [0, hand - 1, hand, hand + 1_100, total - 1] {
                let id = s.contact_id(i).expect("in range");
                let one = itinera_sim::run_only(
                    &itinera_sim::Validated::new(journey.clone()),
                    &s,
                    &[i],
                    &RunOptions { detail: Detail::Only(vec![id.clone()]), cancel: None },
                    None,
                )
                .expect("runs");
                assert_eq!(one.contacts.len(), 1, "{name} seed {seed}: {id}");
                assert_eq!(one.summary.contacts, 1, "{name} seed {seed}: only {id} was simulated");
                assert_eq!(one.contacts[0], full.contacts[i], "{name} seed {seed}: {id} followed alone differs from the full run");
                assert!(one.contacts[0].steps.is_some(), "{name} seed {seed}: {id} keeps its steps");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, SAMPLES.len() * 3 * 5);
}

#[test]
fn several_followed_contacts_come_back_in_the_order_asked_and_are_counted_alone() {
    let journey = Journey::parse(&asset("journeys/appointment-reminder.journey.json")).expect("parses");
    let s = scenario("appointment-reminder", 3_000, 7);
    let full = itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), &s, &RunOptions::default(), None).expect("runs");
    let picked = [2_900, 5, 40];
    let some = itinera_sim::run_only(
        &itinera_sim::Validated::new(journey.clone()),
        &s,
        &picked,
        &RunOptions { detail: Detail::None, cancel: None },
        None,
    )
    .expect("runs");
    let ids: Vec<&str> = some.contacts.iter().map(|c| c.id.as_str()).collect();
    let want: Vec<&str> = picked.iter().map(|&i| full.contacts[i].id.as_str()).collect();
    assert_eq!(ids, want);
    assert!(some.contacts.iter().all(|c| c.steps.is_none()), "Detail::None keeps no steps");
    assert_eq!(some.summary.contacts, 3);
    let entered = picked.iter().filter(|&&i| full.contacts[i].outcome != itinera_sim::ContactOutcome::NotEntered).count();
    assert_eq!(some.summary.entered, entered);
    // An index past the end is skipped, not a panic.
    let none = itinera_sim::run_only(&itinera_sim::Validated::new(journey.clone()), &s, &[s.contact_count()], &RunOptions::default(), None)
        .expect("runs");
    assert!(none.contacts.is_empty());
    assert_eq!(none.summary.contacts, 0);
}

#[test]
fn a_cancelled_follow_stops() {
    let journey = Journey::parse(&asset("journeys/appointment-reminder.journey.json")).expect("parses");
    let s = scenario("appointment-reminder", 10, 1);
    let cancel = Cancel::new();
    cancel.cancel();
    let result = itinera_sim::run_only(
        &itinera_sim::Validated::new(journey.clone()),
        &s,
        &[0, 1],
        &RunOptions { detail: Detail::All, cancel: Some(cancel) },
        None,
    );
    assert_eq!(result.unwrap_err(), Error::Cancelled);
}
