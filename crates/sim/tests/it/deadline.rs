//! A lost delivery receipt in the simulator: a scenario delivery result `lost` sends no result
//! back, and the message counts as delivered at its channel's `delivery_deadline` (replies to it
//! are scheduled from then), exactly as the durable engine will treat a receipt that never comes.

use itinera_model::Journey;
use itinera_sim::{ContactOutcome, RunOptions, Scenario};
use serde_json::json;

fn journey(settings: serde_json::Value) -> Journey {
    let text = json!({
        "format": "itinera/journey@1", "id": "ask", "name": "Ask", "settings": settings,
        "nodes": [
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "msg", "type": "send", "channel": "sms", "text": "Coming?"},
            {"id": "wait", "type": "wait_for", "reply": {"channel": "sms"}, "timeout": "1d"},
            {"id": "yes", "type": "exit"},
            {"id": "no", "type": "exit"}
        ],
        "edges": [{"from": "start", "to": "msg"}, {"from": "msg", "to": "wait"},
                  {"from": "wait", "to": "yes"}, {"from": "wait", "port": "timeout", "to": "no"}]
    });
    Journey::parse(&text.to_string()).expect("journey parses")
}

fn scenario(delivery: &str) -> Scenario {
    let text = json!({
        "format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "2d",
        "contacts": [{"id": "ana", "addresses": {"sms": "+1555"}, "consent": {"sms": true},
                      "events": [{"name": "go", "at": "+0m"}],
                      "replies": [{"to": "msg", "after": "10m", "channel": "sms", "text": "yes"}],
                      "delivery": {"msg": delivery}}]
    });
    Scenario::parse(&text.to_string()).expect("scenario parses")
}

fn trace(journey: &Journey, scenario: &Scenario) -> (itinera_sim::ContactReport, itinera_sim::Summary) {
    let report = itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), scenario, &RunOptions::default(), None).expect("runs");
    (report.contacts.into_iter().next().expect("one contact"), report.summary)
}

#[test]
fn a_lost_receipt_counts_as_delivered_at_the_deadline() {
    let j = journey(json!({"channels": {"sms": {"delivery_deadline": "2m"}}}));
    let (ana, summary) = trace(&j, &scenario("lost"));
    let steps: Vec<_> =
        ana.steps.as_deref().unwrap_or_default().iter().map(|s| (s.at.to_string(), s.node.as_str(), s.result.as_str())).collect();
    assert_eq!(
        steps,
        vec![
            ("2026-03-02T09:00:00Z".to_string(), "start", "entered"),
            ("2026-03-02T09:00:00Z".to_string(), "msg", "sent"),
            ("2026-03-02T09:02:00Z".to_string(), "msg", "delivered"),
            ("2026-03-02T09:02:00Z".to_string(), "wait", "waiting"),
            // The reply comes 10 minutes after the (deemed) delivery.
            ("2026-03-02T09:12:00Z".to_string(), "wait", "matched"),
            ("2026-03-02T09:12:00Z".to_string(), "yes", "exited"),
        ]
    );
    assert_eq!(ana.outcome, ContactOutcome::Exited);
    let messages = ana.messages.as_deref().unwrap_or_default();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].at.to_string(), "2026-03-02T09:00:00Z", "the message's time is when it was sent");
    assert_eq!(summary.messages.get("sms"), Some(&1));
}

#[test]
fn the_default_deadline_is_one_minute_and_an_answered_send_moves_at_once() {
    let j = journey(json!({}));
    let (lost, _) = trace(&j, &scenario("lost"));
    let delivered_at = |c: &itinera_sim::ContactReport| {
        c.steps.as_deref().unwrap_or_default().iter().find(|s| s.result == "delivered").map(|s| s.at.to_string())
    };
    assert_eq!(delivered_at(&lost).as_deref(), Some("2026-03-02T09:01:00Z"));
    let (answered, _) = trace(&j, &scenario("delivered"));
    assert_eq!(delivered_at(&answered).as_deref(), Some("2026-03-02T09:00:00Z"));
    let (failed, summary) = trace(&j, &scenario("undeliverable"));
    assert!(delivered_at(&failed).is_none());
    assert_eq!(summary.messages.get("sms"), Some(&0));
}
