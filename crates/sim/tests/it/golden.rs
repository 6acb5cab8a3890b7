//! Golden traces: every `assets/scenarios/NAME.scenario.json` runs through
//! `assets/journeys/NAME.journey.json`; each contact's steps (with details) and messages are an
//! insta snapshot (`tests/snapshots/golden__NAME.snap`), reviewed by hand when they change.
//! On top of the snapshots, the expectations written in each scenario's comments are asserted
//! here explicitly, so a wrong-but-stable trace cannot be accepted by re-snapshotting.
//! `tests/golden/` holds journeys that are not templates: `clinic` (one flow per appointment,
//! a trigger `key`).

use std::path::{Path, PathBuf};

use itinera_model::Journey;
use itinera_sim::{ContactReport, RunOptions, Scenario, SimReport};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn simulate(name: &str) -> SimReport {
    let journey_path = root().join(format!("assets/journeys/{name}.journey.json"));
    let scenario_path = root().join(format!("assets/scenarios/{name}.scenario.json"));
    simulate_files(&journey_path, &scenario_path)
}

fn simulate_files(journey_path: &Path, scenario_path: &Path) -> SimReport {
    let journey = Journey::parse(&std::fs::read_to_string(journey_path).expect("journey readable")).expect("journey parses");
    let scenario = Scenario::parse(&std::fs::read_to_string(scenario_path).expect("scenario readable")).expect("scenario parses");
    itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), &scenario, &RunOptions::default(), None).expect("simulates")
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
    let got: Vec<(String, String)> = c.messages.iter().flatten().map(|m| (m.node.clone(), m.at.to_string())).collect();
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
    expect(
        &r,
        "ana",
        "exited",
        Some("done"),
        &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d3("15:00")), ("thank_you", &d3("15:30"))],
        &[("await_reply", "matched", None)],
    );
    // Reply Reschedule (by keyword) → link and webhook.
    expect(
        &r,
        "ben",
        "exited",
        Some("done"),
        &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d2("09:00")), ("reschedule_link", &d2("09:10"))],
        &[("notify_scheduler", "called", None), ("notify_scheduler", "succeeded", None)],
    );
    // No reply → SMS follow-up 4 h later.
    expect(
        &r,
        "caz",
        "exited",
        Some("done"),
        &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d2("09:00")), ("sms_followup", &d2("13:00"))],
        &[("await_reply", "timeout", None)],
    );
    // WhatsApp undeliverable → SMS.
    expect(
        &r,
        "dee",
        "exited",
        Some("done"),
        &[("confirm_sms", &d2("09:00")), ("sms_reminder", &d2("09:00"))],
        &[("wa_reminder", "failed", Some("undeliverable"))],
    );
    // No WhatsApp consent → SMS.
    expect(
        &r,
        "eli",
        "exited",
        Some("done"),
        &[("confirm_sms", &d2("09:00")), ("sms_reminder", &d2("09:00"))],
        &[("wa_reminder", "failed", Some("no_consent"))],
    );
    // Booked at 21:00 in New York: the booking confirmation is transactional, so it goes at once
    // (a promotion would wait until 08:00 New York = 13:00 UTC) and says why.
    expect(
        &r,
        "fay",
        "exited",
        Some("done"),
        &[("confirm_sms", &d3("02:00")), ("wa_reminder", &d3("13:00")), ("thank_you", &d3("14:00"))],
        &[],
    );
    let sent = contact(&r, "fay").steps.iter().flatten().find(|s| s.node == "confirm_sms" && s.result == "sent").map(|s| s.detail.clone());
    assert!(sent.as_deref().is_some_and(|d| d.ends_with("(transactional: quiet hours do not apply)")), "{sent:?}");
    // The WhatsApp reminder is not transactional: it waits for the morning.
    let deferred = contact(&r, "fay").steps.iter().flatten().find(|s| s.result == "deferred").map(|s| (s.node.clone(), s.detail.clone()));
    assert_eq!(deferred, Some(("wa_reminder".to_string(), "deferred to 08:00 America/New_York: quiet hours".to_string())));
    // Five messages on the 2nd; the confirmations are transactional and do not count, the
    // other three reach the cap of 3 a day, so the follow-up is capped.
    expect(
        &r,
        "gus",
        "exited",
        Some("done"),
        &[
            ("confirm_sms", &d2("09:00")),
            ("wa_reminder", &d2("09:00")),
            ("thank_you", &d2("09:05")),
            ("confirm_sms", &d2("10:00")),
            ("wa_reminder", &d2("10:00")),
        ],
        &[("sms_followup", "failed", Some("frequency_capped")), ("booked", "entered", None)],
    );
    // STOP revokes SMS: the follow-up is not sent.
    expect(
        &r,
        "hal",
        "exited",
        Some("done"),
        &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d3("12:00"))],
        &[("wait_day_before", "opted_out", None), ("sms_followup", "failed", Some("no_consent"))],
    );
    // Cancelled while waiting → left.
    expect(&r, "ivy", "left", Some("wait_day_before"), &[("confirm_sms", &d2("09:00"))], &[("wait_day_before", "left", None)]);
    // Attended after confirming → goal.
    expect(
        &r,
        "joe",
        "goal",
        Some("done"),
        &[("confirm_sms", &d2("09:00")), ("wa_reminder", &d2("09:00")), ("thank_you", &d2("09:20"))],
        &[("done", "goal", None)],
    );
    // Re-entry: ignored while inside, entered again after exiting.
    expect(
        &r,
        "kim",
        "exited",
        Some("done"),
        &[
            ("confirm_sms", &d2("09:00")),
            ("wa_reminder", &d2("09:00")),
            ("reschedule_link", &d2("10:00")),
            ("confirm_sms", &t("07T09:00")),
            ("wa_reminder", &t("07T10:00")),
            ("sms_followup", &t("07T14:00")),
        ],
        &[("booked", "ignored", None)],
    );
    assert_eq!(contact(&r, "kim").steps.iter().flatten().filter(|s| s.result == "entered").count(), 2);
    expect(&r, "lea", "waiting", Some("wait_day_before"), &[("confirm_sms", &d2("11:00"))], &[]);
    expect(&r, "max", "not_entered", None, &[], &[]);
    // Summary: 13 contacts, 12 entered, one goal.
    assert_eq!((r.summary.contacts, r.summary.entered), (13, 12));
    assert_eq!(r.summary.outcomes["goal"], 1);
    assert!((r.summary.goal_rate - 1.0 / 12.0).abs() < 1e-12);
    snapshot("appointment-reminder", &r);
}

/// `(node, result, reason, at)`: a step that must be in the contact's trace.
type Must<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);

/// Asserts the outcome, the exit node and that each listed step happened at the given time.
fn key(report: &SimReport, id: &str, outcome: &str, exit: Option<&str>, must: &[Must<'_>]) {
    let c = contact(report, id);
    assert_eq!((c.outcome.as_str(), c.exit_node.as_deref()), (outcome, exit), "{id}");
    for (node, result, reason, at) in must {
        let found = c
            .steps
            .iter()
            .flatten()
            .any(|s| s.node == *node && s.result == *result && s.reason.as_deref() == *reason && s.at.to_string() == *at);
        assert!(found, "{id}: no step {node} {result} {reason:?} at {at} in {:#?}", c.steps);
    }
}

#[test]
fn lead_qualification() {
    let r = simulate("lead-qualification");
    key(
        &r,
        "ava",
        "goal",
        Some("done"),
        &[
            ("await_team_size", "matched", None, "2026-03-02T14:15:00Z"),
            ("assign_account_exec", "succeeded", None, "2026-03-02T14:15:00Z"),
            ("ae_intro", "delivered", None, "2026-03-02T14:15:00Z"),
            ("done", "goal", None, "2026-03-04T14:00:00Z"),
        ],
    );
    key(&r, "bo", "exited", Some("done"), &[("self_serve_link", "delivered", None, "2026-03-02T14:15:00Z")]);
    key(&r, "cy", "exited", Some("done"), &[("nurture_email", "sent", None, "2026-03-02T15:00:00Z")]);
    key(
        &r,
        "dan",
        "exited",
        Some("done"),
        &[
            ("await_intent", "timeout", None, "2026-03-03T14:00:00Z"),
            ("await_sms_reply", "matched", None, "2026-03-03T15:00:00Z"),
            ("ae_intro", "sent", None, "2026-03-03T15:00:00Z"),
        ],
    );
    key(&r, "eve", "not_entered", None, &[("new_lead", "no_match", None, "2026-03-02T14:00:00Z")]);
    key(
        &r,
        "fin",
        "exited",
        Some("done"),
        &[("wa_intro", "failed", Some("undeliverable"), "2026-03-02T14:00:00Z"), ("nurture_email", "sent", None, "2026-03-04T14:00:00Z")],
    );
    key(
        &r,
        "gia",
        "exited",
        Some("done"),
        &[("await_team_size", "timeout", None, "2026-03-02T18:30:00Z"), ("check_score", "matched", None, "2026-03-02T18:30:00Z")],
    );
    key(&r, "hu", "left", Some("await_intent"), &[("await_intent", "left", None, "2026-03-02T17:00:00Z")]);
    key(&r, "ida", "exited", Some("done"), &[("new_lead", "ignored", None, "2026-03-12T14:00:00Z")]);
    // 20:00 in Chicago (CST, UTC-6): deferred to 08:00 Chicago = 14:00 UTC.
    key(
        &r,
        "jo",
        "exited",
        Some("done"),
        &[("wa_intro", "deferred", Some("quiet_hours"), "2026-03-03T02:00:00Z"), ("wa_intro", "sent", None, "2026-03-03T14:00:00Z")],
    );
    key(
        &r,
        "kay",
        "exited",
        Some("done"),
        &[("await_sms_reply", "opted_out", None, "2026-03-03T14:02:00Z"), ("nurture_email", "sent", None, "2026-03-05T14:00:00Z")],
    );
    snapshot("lead-qualification", &r);
}

#[test]
fn onboarding() {
    let r = simulate("onboarding");
    // Next 10:00 London after the day's wait (GMT in March: 10:00 UTC); published → goal.
    key(
        &r,
        "ana",
        "goal",
        Some("done"),
        &[("power_tips", "sent", None, "2026-03-03T10:00:00Z"), ("done", "goal", None, "2026-03-05T09:00:00Z")],
    );
    key(
        &r,
        "ben",
        "exited",
        Some("done"),
        &[("call_link", "sent", None, "2026-03-03T11:00:00Z"), ("notify_success_team", "called", None, "2026-03-03T11:00:00Z")],
    );
    key(
        &r,
        "cat",
        "exited",
        Some("done"),
        &[("await_first_project", "matched", None, "2026-03-05T09:00:00Z"), ("celebrate", "sent", None, "2026-03-05T09:00:00Z")],
    );
    key(
        &r,
        "dom",
        "exited",
        Some("done"),
        &[("await_help", "matched", None, "2026-03-03T10:00:00Z"), ("guide_followup", "sent", None, "2026-03-06T10:00:00Z")],
    );
    key(&r, "eva", "exited", Some("done"), &[("mark_self_serve", "set", None, "2026-03-03T12:00:00Z")]);
    key(
        &r,
        "fox",
        "exited",
        Some("done"),
        &[("await_help", "timeout", None, "2026-03-05T09:00:00Z"), ("help_email", "sent", None, "2026-03-05T09:00:00Z")],
    );
    key(
        &r,
        "gus",
        "exited",
        Some("done"),
        &[("wa_setup_help", "failed", Some("no_consent"), "2026-03-03T09:00:00Z"), ("sms_help", "sent", None, "2026-03-03T09:00:00Z")],
    );
    key(&r, "hex", "left", Some("wait_a_day"), &[("wait_a_day", "left", None, "2026-03-02T10:00:00Z")]);
    key(&r, "ian", "exited", Some("done"), &[("signed_up", "ignored", None, "2026-03-07T09:00:00Z")]);
    // 01:00 in Los Angeles (PST): welcome deferred to 08:00 = 16:00 UTC; tips at 10:00 PST = 18:00 UTC.
    key(
        &r,
        "kai",
        "exited",
        Some("done"),
        &[
            ("welcome_email", "deferred", Some("quiet_hours"), "2026-03-02T09:00:00Z"),
            ("welcome_email", "sent", None, "2026-03-02T16:00:00Z"),
            ("power_tips", "sent", None, "2026-03-03T18:00:00Z"),
        ],
    );
    // 10:00 in Tokyo is 01:00 UTC.
    key(&r, "jun", "exited", Some("done"), &[("power_tips", "sent", None, "2026-03-04T01:00:00Z")]);
    snapshot("onboarding", &r);
}

#[test]
fn post_purchase() {
    let r = simulate("post-purchase");
    key(
        &r,
        "amy",
        "goal",
        Some("done"),
        &[
            ("review_request", "sent", None, "2026-03-07T15:00:00Z"),
            ("review_link", "sent", None, "2026-03-07T16:00:00Z"),
            ("done", "goal", None, "2026-03-08T15:00:00Z"),
        ],
    );
    key(
        &r,
        "bea",
        "exited",
        Some("done"),
        &[("await_feedback", "matched", None, "2026-03-07T17:30:00Z"), ("log_feedback", "called", None, "2026-03-07T17:30:00Z")],
    );
    // The feedback webhook's body sees the reply as event.text and the order still as event.order_number.
    let body_ok =
        contact(&r, "bea").steps.iter().flatten().any(|s| s.node == "log_feedback" && s.missing.is_empty() && s.result == "called");
    assert!(body_ok, "log_feedback rendered without missing variables");
    key(
        &r,
        "cal",
        "exited",
        Some("done"),
        &[("open_ticket", "called", None, "2026-03-06T15:10:00Z"), ("support_reply", "sent", None, "2026-03-06T15:10:00Z")],
    );
    key(
        &r,
        "dot",
        "exited",
        Some("done"),
        &[("await_shipping", "timeout", None, "2026-03-07T15:00:00Z"), ("flag_late_order", "called", None, "2026-03-07T15:00:00Z")],
    );
    key(
        &r,
        "eli",
        "exited",
        Some("done"),
        &[
            ("shipping_update", "failed", Some("undeliverable"), "2026-03-03T15:00:00Z"),
            ("shipping_sms", "delivered", None, "2026-03-03T15:00:00Z"),
            ("delivery_check", "sent", None, "2026-03-13T15:00:00Z"),
        ],
    );
    key(&r, "fay", "left", Some("await_shipping"), &[("await_shipping", "left", None, "2026-03-02T17:00:00Z")]);
    key(
        &r,
        "hal",
        "exited",
        Some("done"),
        &[
            ("order_placed", "entered", None, "2026-03-02T16:00:00Z"),
            ("shipping_update", "failed", Some("frequency_capped"), "2026-03-02T17:00:00Z"),
            ("shipping_sms", "failed", Some("frequency_capped"), "2026-03-02T17:00:00Z"),
        ],
    );
    // 21:00 in Los Angeles: deferred to 08:30 PST = 16:30 UTC.
    key(
        &r,
        "ivy",
        "exited",
        Some("done"),
        &[
            ("order_confirmation", "deferred", Some("quiet_hours"), "2026-03-03T05:00:00Z"),
            ("order_confirmation", "sent", None, "2026-03-03T16:30:00Z"),
        ],
    );
    key(
        &r,
        "joy",
        "exited",
        Some("done"),
        &[("order_placed", "ignored", None, "2026-03-02T16:00:00Z"), ("review_email", "sent", None, "2026-03-09T15:00:00Z")],
    );
    snapshot("post-purchase", &r);
}

#[test]
fn re_engagement() {
    let r = simulate("re-engagement");
    key(
        &r,
        "ana",
        "goal",
        Some("give_it_time"),
        &[("send_code", "sent", None, "2026-03-02T10:00:00Z"), ("give_it_time", "goal", None, "2026-03-04T09:00:00Z")],
    );
    key(
        &r,
        "ben",
        "exited",
        Some("done"),
        &[("ordered_since", "no_match", None, "2026-03-05T11:00:00Z"), ("last_chance", "sent", None, "2026-03-05T11:00:00Z")],
    );
    key(&r, "cai", "exited", Some("done"), &[("new_arrivals", "sent", None, "2026-03-02T09:20:00Z")]);
    key(&r, "dia", "exited", Some("done"), &[("snooze", "set", None, "2026-03-02T09:20:00Z")]);
    key(
        &r,
        "eda",
        "exited",
        Some("done"),
        &[("confirm_stop", "sent", None, "2026-03-02T09:05:00Z"), ("revoke_consent", "set", None, "2026-03-02T09:05:00Z")],
    );
    key(
        &r,
        "fil",
        "exited",
        Some("done"),
        &[("await_answer", "timeout", None, "2026-03-05T09:00:00Z"), ("sms_last_try", "sent", None, "2026-03-05T09:00:00Z")],
    );
    key(&r, "gea", "not_entered", None, &[("went_quiet", "no_match", None, "2026-03-02T09:00:00Z")]);
    let hob = contact(&r, "hob");
    let email = hob.messages.iter().flatten().map(|m| m.channel.as_str()).collect::<Vec<_>>();
    assert_eq!(email, vec!["email"], "no WhatsApp consent: only the email arm of the split");
    assert!(hob.steps.iter().flatten().any(|s| s.result == "failed" && s.reason.as_deref() == Some("no_consent")));
    key(&r, "ivo", "left", Some("await_answer"), &[("await_answer", "left", None, "2026-03-03T09:00:00Z")]);
    // 21:30 in Berlin (CET, UTC+1): deferred to 09:00 Berlin = 08:00 UTC.
    let jan = contact(&r, "jan");
    let deferred = jan.steps.iter().flatten().find(|s| s.result == "deferred").map(|s| (s.reason.clone(), s.detail.clone()));
    assert_eq!(deferred, Some((Some("quiet_hours".to_string()), "deferred to 09:00 Europe/Berlin: quiet hours".to_string())));
    assert_eq!(jan.messages.iter().flatten().next().map(|m| m.at.to_string()).as_deref(), Some("2026-03-03T08:00:00Z"));
    key(&r, "kai", "exited", Some("done"), &[("went_quiet", "ignored", None, "2026-03-09T09:00:00Z")]);
    // The split is seeded: both arms are used by this scenario.
    let arms: std::collections::BTreeSet<String> =
        r.contacts.iter().flat_map(|c| c.steps.iter().flatten()).filter(|s| s.node == "ab_test").filter_map(|s| s.port.clone()).collect();
    assert_eq!(arms.len(), 2, "{arms:?}");
    snapshot("re-engagement", &r);
}

/// `(key, outcome, exit node)` of one flow.
type Flow = (Option<String>, String, Option<String>);

/// Each of a contact's flows, and `(node, key)` of each of its messages.
fn flows(report: &SimReport, id: &str) -> (Vec<Flow>, Vec<(String, Option<String>)>) {
    let c = contact(report, id);
    let entries = c.entries.iter().map(|e| (e.key.clone(), e.outcome.as_str().to_string(), e.exit_node.clone())).collect();
    let messages = c.messages.iter().flatten().map(|m| (m.node.clone(), m.key.clone())).collect();
    (entries, messages)
}

fn flow(key: Option<&str>, outcome: &str, exit: &str) -> Flow {
    (key.map(str::to_string), outcome.to_string(), Some(exit.to_string()))
}

fn sent(node: &str, key: Option<&str>) -> (String, Option<String>) {
    (node.to_string(), key.map(str::to_string))
}

#[test]
fn clinic_one_flow_per_appointment() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let r = simulate_files(&dir.join("clinic.journey.json"), &dir.join("clinic.scenario.json"));
    let t = |s: &str| format!("2026-03-{s}:00Z");
    // Pat books A, then B while A's reminder waits: two flows, two reminders, each keyed.
    expect(
        &r,
        "pat",
        "exited",
        Some("done"),
        &[
            ("confirm_sms", &t("02T09:00")),
            ("confirm_sms", &t("02T10:00")),
            ("reminder_sms", &t("04T10:00")),
            ("reminder_sms", &t("05T15:00")),
        ],
        &[],
    );
    assert_eq!(
        flows(&r, "pat"),
        (
            vec![flow(Some("A"), "exited", "done"), flow(Some("B"), "exited", "done")],
            vec![
                sent("confirm_sms", Some("A")),
                sent("confirm_sms", Some("B")),
                sent("reminder_sms", Some("A")),
                sent("reminder_sms", Some("B"))
            ]
        )
    );
    let pat = contact(&r, "pat");
    assert!(pat.steps.iter().flatten().all(|s| s.key.is_some()), "every step of a keyed flow names its key");
    assert!(!pat.steps.iter().flatten().any(|s| s.result == "ignored"), "B is not ignored while A runs");
    // Rui cancels A (the event names it): only A's flow leaves; B's reminder still goes.
    expect(
        &r,
        "rui",
        "exited",
        Some("done"),
        &[("confirm_sms", &t("02T09:00")), ("confirm_sms", &t("02T10:00")), ("reminder_sms", &t("05T15:00"))],
        &[],
    );
    assert_eq!(flows(&r, "rui").0, vec![flow(Some("A"), "left", "wait_day_before"), flow(Some("B"), "exited", "done")]);
    // Sam cancels without naming an appointment: both flows leave.
    expect(&r, "sam", "left", Some("wait_day_before"), &[("confirm_sms", &t("02T09:00")), ("confirm_sms", &t("02T10:00"))], &[]);
    assert_eq!(flows(&r, "sam").0, vec![flow(Some("A"), "left", "wait_day_before"), flow(Some("B"), "left", "wait_day_before")]);
    // Tes: A again while inside is ignored, A again after it ended is refused (re-entry
    // `never`, per key), a new appointment C enters.
    key(
        &r,
        "tes",
        "exited",
        Some("done"),
        &[
            ("booked", "ignored", None, "2026-03-02T10:00:00Z"),
            ("booked", "ignored", None, "2026-03-07T09:00:00Z"),
            ("booked", "entered", None, "2026-03-07T10:00:00Z"),
            ("reminder_sms", "sent", None, "2026-03-08T10:00:00Z"),
        ],
    );
    assert_eq!(flows(&r, "tes").0, vec![flow(Some("A"), "exited", "done"), flow(Some("C"), "exited", "done")]);
    let details: Vec<&str> =
        contact(&r, "tes").steps.iter().flatten().filter(|s| s.result == "ignored").map(|s| s.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "appointment_booked ignored: already in the journey for appointment_id A",
            "appointment_booked ignored for appointment_id A: re-entry is never allowed"
        ]
    );
    // Ugo: a numeric key is its JSON text; a booking without the key field starts the keyless flow.
    assert_eq!(flows(&r, "ugo").0, vec![flow(Some("41"), "exited", "done"), flow(None, "exited", "done")]);
    // Val's STOP reaches both flows (replies are the contact's): both reminders are stopped.
    key(
        &r,
        "val",
        "exited",
        Some("done"),
        &[
            ("wait_day_before", "opted_out", None, "2026-03-02T11:00:00Z"),
            ("reminder_sms", "failed", Some("no_consent"), "2026-03-04T10:00:00Z"),
            ("reminder_sms", "failed", Some("no_consent"), "2026-03-05T15:00:00Z"),
        ],
    );
    let stops: Vec<Option<&str>> =
        contact(&r, "val").steps.iter().flatten().filter(|s| s.result == "opted_out").map(|s| s.key.as_deref()).collect();
    assert_eq!(stops, [Some("A"), Some("B")]);
    // Wes's STOP comes when no flow is inside: the latest (A) hears it, and B's sends are stopped.
    key(
        &r,
        "wes",
        "exited",
        Some("done"),
        &[
            ("done", "opted_out", None, "2026-03-02T11:00:00Z"),
            ("confirm_sms", "failed", Some("no_consent"), "2026-03-03T09:00:00Z"),
            ("reminder_sms", "failed", Some("no_consent"), "2026-03-05T10:00:00Z"),
        ],
    );
    let stops: Vec<Option<&str>> =
        contact(&r, "wes").steps.iter().flatten().filter(|s| s.result == "opted_out").map(|s| s.key.as_deref()).collect();
    assert_eq!(stops, [Some("A")]);
    // The summary counts contacts; a contact's outcome is its latest entry's.
    assert_eq!((r.summary.contacts, r.summary.entered), (7, 7));
    assert_eq!((r.summary.outcomes["exited"], r.summary.outcomes["left"]), (6, 1));
    snapshot("clinic", &r);
}
