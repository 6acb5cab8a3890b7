//! Streaming, cancelling and bounded detail:
//! * `run_streaming` hands the sink exactly `run`'s contacts, in order, and returns its summary,
//!   on one thread and on two, whatever is kept in detail;
//! * a sink that stops, and a cancelled `RunOptions::cancel`, end the run with `Cancelled` —
//!   the latter well under a second after `cancel()` even inside one long contact;
//! * a contact re-entering a long journey keeps at most `MAX_KEPT_STEPS` steps (marked
//!   `truncated`) while the summary still counts every one.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use itinera_model::Journey;
use itinera_sim::{Cancel, ContactReport, Detail, Error, Flow, MAX_KEPT_STEPS, RunOptions, Scenario};
use proptest::prelude::*;
use serde_json::json;

fn appointment_journey() -> Journey {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/journeys/appointment-reminder.journey.json");
    Journey::parse(&std::fs::read_to_string(path).expect("readable")).expect("parses")
}

/// The sample hand-written contacts plus a population of `count` (several chunks of 1,024).
fn population(count: usize, seed: u64) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/scenarios/appointment-reminder.scenario.json");
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("json");
    doc["seed"] = json!(seed);
    doc["population"] = json!({
        "count": count, "id_prefix": "p",
        "channels": {"sms": {"address": 0.9, "consent": 0.9}, "whatsapp": {"address": 0.8, "consent": 0.7}},
        "events": [{"name": "appointment_booked", "at": {"from": "+0m", "to": "+2d"}, "probability": 0.9,
                    "data": {"starts_at": {"from_event": "+2h", "to_event": "+4d"}}},
                   {"name": "appointment_attended", "at": {"from": "+1d", "to": "+6d"}, "probability": 0.4}],
        "replies": [{"to": "wa_reminder", "probability": 0.6, "after": {"min": "5m", "max": "6h"}, "channel": "whatsapp",
                     "buttons": {"confirm": 0.7, "reschedule": 0.3}}]
    });
    Scenario::parse(&doc.to_string()).expect("scenario parses")
}

fn stream(journey: &Journey, scenario: &Scenario, options: &RunOptions, threads: usize) -> (Vec<ContactReport>, itinera_sim::Summary) {
    let mut seen = Vec::new();
    let summary = itinera_sim::run_streaming_with_threads(
        &itinera_sim::Validated::new(journey.clone()),
        scenario,
        options,
        threads,
        None,
        &mut |c| {
            seen.push(c);
            Flow::Continue(())
        },
    )
    .expect("streams");
    (seen, summary)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    #[test]
    fn streaming_gives_exactly_what_run_collects(count in 0usize..5_000, seed in any::<u64>(), detail in 0u8..3, threads in 1usize..=2) {
        let journey = appointment_journey();
        let scenario = population(count, seed);
        let detail = match detail {
            0 => Detail::All,
            1 => Detail::None,
            _ => Detail::Only(vec!["ana".to_string(), format!("p{}", count / 2), "p1".to_string()]),
        };
        let options = RunOptions { detail, ..RunOptions::default() };
        let report = itinera_sim::run_with_threads(&itinera_sim::Validated::new(journey.clone()), &scenario, &options, 1, None).expect("runs");
        let (contacts, summary) = stream(&journey, &scenario, &options, threads);
        prop_assert_eq!(contacts.len(), scenario.contact_count());
        prop_assert!(contacts == report.contacts, "same contacts, same order");
        prop_assert_eq!(summary, report.summary);
    }
}

#[test]
fn two_threads_stream_in_contact_order_and_report_progress_in_order() {
    let journey = appointment_journey();
    let scenario = population(20_000, 3);
    let options = RunOptions { detail: Detail::None, ..RunOptions::default() };
    let progress_seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: usize, total: usize| progress_seen.lock().expect("lock").push((done, total));
    let mut ids = Vec::new();
    let summary = itinera_sim::run_streaming_with_threads(
        &itinera_sim::Validated::new(journey.clone()),
        &scenario,
        &options,
        2,
        Some(&progress),
        &mut |c| {
            ids.push(c.id);
            Flow::Continue(())
        },
    )
    .expect("streams");
    let expected: Vec<String> = (0..scenario.contact_count()).filter_map(|i| scenario.contact_id(i)).collect();
    assert!(ids == expected, "contacts come in scenario order");
    assert_eq!(summary.contacts, scenario.contact_count());
    let progress_seen = progress_seen.into_inner().expect("lock");
    assert!(progress_seen.windows(2).all(|w| w[0].0 < w[1].0), "progress only grows");
    assert_eq!(progress_seen.last(), Some(&(scenario.contact_count(), scenario.contact_count())));
}

#[test]
fn a_sink_that_stops_ends_the_run() {
    let journey = appointment_journey();
    let scenario = population(50_000, 1);
    for threads in [1, 2] {
        let mut calls = 0;
        let result = itinera_sim::run_streaming_with_threads(
            &itinera_sim::Validated::new(journey.clone()),
            &scenario,
            &RunOptions::default(),
            threads,
            None,
            &mut |_| {
                calls += 1;
                if calls == 10 { Flow::Break(()) } else { Flow::Continue(()) }
            },
        );
        assert_eq!(result, Err(Error::Cancelled));
        assert_eq!(calls, 10, "the sink is not called again after it stops ({threads} thread(s))");
    }
}

#[test]
fn a_cancelled_flag_stops_before_the_first_contact() {
    let journey = appointment_journey();
    let scenario = population(5_000, 1);
    let cancel = Cancel::new();
    let options = RunOptions { cancel: Some(cancel.clone()), ..RunOptions::default() };
    assert!(!cancel.is_cancelled());
    cancel.cancel();
    assert!(options.cancel.as_ref().is_some_and(Cancel::is_cancelled), "clones share the flag");
    for threads in [1, 2] {
        let mut calls = 0;
        let result = itinera_sim::run_streaming_with_threads(
            &itinera_sim::Validated::new(journey.clone()),
            &scenario,
            &options,
            threads,
            None,
            &mut |_| {
                calls += 1;
                Flow::Continue(())
            },
        );
        assert_eq!((result, calls), (Err(Error::Cancelled), 0));
    }
    assert_eq!(
        itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), &scenario, &options, None).map(|_| ()),
        Err(Error::Cancelled)
    );
}

/// trigger → `n - 2` one-minute waits → exit, entered again on every `go` event.
fn long_chain(n: usize) -> Journey {
    let mut nodes = vec![json!({"id": "n0", "type": "trigger", "event": "go"})];
    let mut edges = Vec::new();
    for i in 1..n - 1 {
        nodes.push(json!({"id": format!("n{i}"), "type": "wait", "for": "1m"}));
    }
    nodes.push(json!({"id": format!("n{}", n - 1), "type": "exit"}));
    for i in 0..n - 1 {
        edges.push(json!({"from": format!("n{i}"), "to": format!("n{}", i + 1)}));
    }
    let doc = json!({"format": "itinera/journey@1", "id": "long", "name": "Long", "settings": {"reentry": "always"},
        "nodes": nodes, "edges": edges});
    Journey::parse(&doc.to_string()).expect("journey parses")
}

/// One contact entering `entries` times, a week apart.
fn reentering(entries: usize) -> Scenario {
    let events: Vec<_> = (0..entries).map(|k| json!({"at": format!("+{}d", 7 * k), "name": "go"})).collect();
    let doc = json!({"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": format!("{}d", 7 * entries + 7),
        "contacts": [{"id": "walker", "events": events}]});
    Scenario::parse(&doc.to_string()).expect("scenario parses")
}

#[test]
fn cancel_stops_one_long_contact_well_under_a_second() {
    // 10,000 nodes entered 1,000 times: ten million steps for one contact, all kept in detail.
    let journey = long_chain(10_000);
    let scenario = reentering(1_000);
    let cancel = Cancel::new();
    let options = RunOptions { detail: Detail::All, cancel: Some(cancel.clone()) };
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let result = itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), &scenario, &options, None).map(|_| ());
        let _ = tx.send(Instant::now());
        result
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "the run is still going after 300 ms");
    let cancelled_at = Instant::now();
    cancel.cancel();
    let ended_at = rx.recv_timeout(Duration::from_secs(5)).expect("the run ends after cancel()");
    assert_eq!(worker.join().expect("no panic"), Err(Error::Cancelled));
    let latency = ended_at.duration_since(cancelled_at);
    assert!(latency < Duration::from_millis(500), "stopped {latency:?} after cancel()");
}

#[test]
fn a_contact_keeps_at_most_max_kept_steps_but_every_step_is_counted() {
    // 2,000 nodes entered 100 times: 1,998 waits x 2 steps + trigger + exit, per entry.
    let journey = long_chain(2_000);
    let scenario = reentering(100);
    let report = itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), &scenario, &RunOptions::default(), None).expect("runs");
    let walker = &report.contacts[0];
    assert_eq!(walker.steps.as_ref().map(Vec::len), Some(MAX_KEPT_STEPS));
    assert!(walker.truncated);
    assert_eq!(report.summary.nodes["n0"]["entered"], 100);
    assert_eq!(report.summary.nodes["n1999"]["entered"], 100);
    let counted: u64 = report.summary.nodes.values().flat_map(|row| row.iter().filter(|(k, _)| *k != "entered").map(|(_, n)| *n)).sum();
    assert!(counted > 2 * MAX_KEPT_STEPS as u64, "{counted} steps counted");
    let json = serde_json::to_value(walker).expect("serializes");
    assert_eq!(json["truncated"], true);

    // A short run keeps everything and says nothing about truncation.
    let report =
        itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), &reentering(2), &RunOptions::default(), None).expect("runs");
    assert!(!report.contacts[0].truncated);
    assert!(serde_json::to_value(&report.contacts[0]).expect("serializes").get("truncated").is_none());
}
