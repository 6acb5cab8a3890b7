//! Golden traces: every `assets/scenarios/NAME.scenario.json` runs through
//! `assets/journeys/NAME.journey.json`; each contact's steps (with details) and messages are an
//! insta snapshot (`tests/snapshots/golden__NAME.snap`), reviewed by hand when they change.
//! On top of the snapshots, the expectations written in each scenario's comments are asserted
//! here explicitly, so a wrong-but-stable trace cannot be accepted by re-snapshotting.

use std::path::{Path, PathBuf};

use itinera_model::Journey;
use itinera_sim::{ContactReport, RunOptions, Scenario, SimReport};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn simulate(name: &str) -> SimReport {
    let journey_path = root().join(format!("assets/journeys/{name}.journey.json"));
    let scenario_path = root().join(format!("assets/scenarios/{name}.scenario.json"));
    let journey = Journey::parse(&std::fs::read_to_string(&journey_path).expect("journey readable")).expect("journey parses");
    let scenario = Scenario::parse(&std::fs::read_to_string(&scenario_path).expect("scenario readable")).expect("scenario parses");
    itinera_sim::run(&journey, &scenario, &RunOptions::default(), None).expect("simulates")
}

fn contact<'r>(report: &'r SimReport, id: &str) -> &'r ContactReport {
    report.contacts.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no contact {id}"))
}

/// Asserts outcome, exit node, the messages `(node, at)` and that a step `(node, result,
/// reason)` exists for each entry of `has`.
fn expect(report: &SimReport, id: &str, outcome: &str, exit: Option<&str>, messages: &[(&str, &str)], has: &[(&str, &str, Option<&str>)]) {
    let c = contact(report, id);
    assert_eq!(c.outcome.as_str(), outcome, "{id} outcome");
    assert_eq!(c.exit_node.as_deref(), exit, "{id} exit node");
    let got: Vec<(String, String)> =
        c.messages.iter().flatten().map(|m| (m.node.clone(), m.at.to_string())).collect();
    let want: Vec<(String, String)> = messages.iter().map(|(n, a)| (n.to_string(), a.to_string())).collect();
    assert_eq!(got, want, "{id} messages");
    for (node, result, reason) in has {
        let found = c.steps.iter().flatten().any(|s| s.node == *node && s.result == *result && s.reason.as_deref() == *reason);
        assert!(found, "{id}: no step {node} {result} {reason:?} in {:#?}", c.steps);
    }
}

fn snapshot(name: &str, report: &SimReport) {
    insta::assert_json_snapshot!(name, report);
}

#[test]
fn appointment_reminder() {
    let r = simulate("appointment-reminder");
    let t = |s: &str| format!("2026-03-{s}:00Z");
    let d2 = |h: &str| t(&format!("02T{h}"));
    let d3 = |h: &str| t(&format!("03T{h}"));
    // Reply Confirm the day before.
    expect(&r, "ana", "exited", Some("done"), &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d3("15:00")), ("thank_you", &d3("15:30"))],
        &[("await_reply", "matched", None)]);
    // Reply Reschedule (by keyword) → link and webhook.
    expect(&r, "ben", "exited", Some("done"), &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d2("09:00")), ("reschedule_link", &d2("09:10"))],
        &[("notify_scheduler", "called", None), ("notify_scheduler", "succeeded", None)]);
    // No reply → SMS follow-up 4 h later.
    expect(&r, "caz", "exited", Some("done"), &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d2("09:00")), ("sms_followup", &d2("13:00"))],
        &[("await_reply", "timeout", None)]);
    // WhatsApp undeliverable → SMS.
    expect(&r, "dee", "exited", Some("done"), &[("confirm_sms", &d2("09:00")), ("sms_reminder", &d2("09:00"))],
        &[("wa_reminder", "failed", Some("undeliverable"))]);
    // No WhatsApp consent → SMS.
    expect(&r, "eli", "exited", Some("done"), &[("confirm_sms", &d2("09:00")), ("sms_reminder", &d2("09:00"))],
        &[("wa_reminder", "failed", Some("no_consent"))]);
    // 21:00 in New York: deferred to 08:00 New York = 13:00 UTC, and the rest follows later.
    expect(&r, "fay", "exited", Some("done"), &[("confirm_sms", &d3("13:00")), ("wa_reminder", &d3("13:00")), ("thank_you", &d3("14:00"))],
        &[("confirm_sms", "deferred", Some("quiet_hours"))]);
    let deferred = contact(&r, "fay").steps.iter().flatten().find(|s| s.result == "deferred").map(|s| s.detail.clone());
    assert_eq!(deferred.as_deref(), Some("deferred to 08:00 America/New_York: quiet hours"));
    // Five messages on the 2nd, then the follow-up is capped.
    expect(&r, "gus", "exited", Some("done"),
        &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d2("09:00")), ("thank_you", &d2("09:05")), ("confirm_sms", &d2("10:00")), ("wa_reminder", &d2("10:00"))],
        &[("sms_followup", "failed", Some("frequency_capped")), ("booked", "entered", None)]);
    // STOP revokes SMS: the follow-up is not sent.
    expect(&r, "hal", "exited", Some("done"), &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d3("12:00"))],
        &[("wait_day_before", "opted_out", None), ("sms_followup", "failed", Some("no_consent"))]);
    // Cancelled while waiting → left.
    expect(&r, "ivy", "left", Some("wait_day_before"), &[("confirm_sms", &d2("09:00"))], &[("wait_day_before", "left", None)]);
    // Attended after confirming → goal.
    expect(&r, "joe", "goal", Some("done"), &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d2("09:00")), ("thank_you", &d2("09:20"))],
        &[("done", "goal", None)]);
    // Re-entry: ignored while inside, entered again after exiting.
    expect(&r, "kim", "exited", Some("done"),
        &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d2("09:00")), ("reschedule_link", &d2("10:00")),
          ("confirm_sms", &t("07T09:00")), ("wa_reminder", &t("07T10:00")), ("sms_followup", &t("07T14:00"))],
        &[("booked", "ignored", None)]);
    assert_eq!(contact(&r, "kim").steps.iter().flatten().filter(|s| s.result == "entered").count(), 2);
    expect(&r, "lea", "waiting", Some("wait_day_before"), &[("confirm_sms", &d2("11:00"))], &[]);
    expect(&r, "max", "not_entered", None, &[], &[]);
    // Summary: 13 contacts, 12 entered, one goal.
    assert_eq!((r.summary.contacts, r.summary.entered), (13, 12));
    assert_eq!(r.summary.outcomes["goal"], 1);
    assert!((r.summary.goal_rate - 1.0 / 12.0).abs() < 1e-12);
    snapshot("appointment-reminder", &r);
}
