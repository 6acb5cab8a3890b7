//! Validation and simulation through the service, compared with the libraries called directly:
//! the service must add nothing and lose nothing on the way.

use std::fs;
use std::path::Path;

use std::sync::{Arc, Mutex};

use itinera_service::{ContactSelection, Error, ErrorKind, ProgressSink, SimProgress, SimulateOptions, simulate_journey, validate_journey};
use serde_json::{Value, json};

fn asset(relative: &str) -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets").join(relative)).expect("asset exists")
}

fn appointment() -> (String, Value) {
    let text = asset("journeys/appointment-reminder.journey.json");
    let value = serde_json::from_str(&text).expect("JSON");
    (text, value)
}

fn sample_scenario() -> (String, Value) {
    let text = asset("scenarios/appointment-reminder.scenario.json");
    let value = serde_json::from_str(&text).expect("JSON");
    (text, value)
}

#[test]
fn validation_answers_the_models_report_for_the_same_journey() {
    let (text, mut journey) = appointment();
    assert_eq!(validate_journey(&journey), itinera_model::check_source(&text).1);
    journey["edges"] = json!([]);
    let report = validate_journey(&journey);
    assert!(!report.valid);
    assert_eq!(report, itinera_model::check_source(&journey.to_string()).1);
}

#[test]
fn simulation_answers_the_simulators_report_for_the_sample_scenario() {
    let (journey_text, journey) = appointment();
    let (scenario_text, scenario) = sample_scenario();
    let answer = simulate_journey(&journey, &scenario, None, &SimulateOptions::default()).expect("simulates");

    let parsed_journey = itinera_model::Journey::parse(&journey_text).expect("parses");
    let parsed_scenario = itinera_sim::Scenario::parse(&scenario_text).expect("parses");
    let direct =
        itinera_sim::run(&itinera_sim::Validated::new(parsed_journey.clone()), &parsed_scenario, &itinera_sim::RunOptions::default(), None)
            .expect("runs");
    assert_eq!(answer, serde_json::to_value(&direct).expect("serializes"));

    let contacts = answer["contacts"].as_array().expect("contacts");
    let ids: Vec<&str> = contacts.iter().filter_map(|c| c["id"].as_str()).collect();
    let expected: Vec<&str> = scenario["contacts"].as_array().expect("list").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, expected, "every hand-written contact, in file order");
    let entered = contacts.iter().filter(|c| c["outcome"] != "not_entered");
    assert!(entered.clone().count() > 0);
    assert!(entered.into_iter().all(|c| c["steps"].as_array().is_some_and(|s| !s.is_empty())), "hand-written contacts keep their steps");
}

#[test]
fn an_invalid_journey_is_refused_with_its_diagnostics() {
    let (_, mut journey) = appointment();
    let (_, scenario) = sample_scenario();
    journey["edges"] = json!([]);
    let error = simulate_journey(&journey, &scenario, None, &SimulateOptions::default()).expect_err("invalid");
    assert_eq!(error.kind(), ErrorKind::BadInput);
    let Error::Invalid { diagnostics, .. } = &error else { panic!("expected Invalid, got {error:?}") };
    assert!(diagnostics.iter().any(|d| d.code.to_string() == "dead_end"), "{diagnostics:?}");
    let wire = serde_json::to_value(&error).expect("serializes");
    assert!(wire["error"].is_string() && wire["diagnostics"].is_array(), "{wire}");

    let error = simulate_journey(&json!({"format": "itinera/journey@1", "nodes": 1}), &scenario, None, &SimulateOptions::default())
        .expect_err("unreadable");
    let Error::Invalid { diagnostics, .. } = &error else { panic!("expected Invalid, got {error:?}") };
    assert_eq!(diagnostics[0].code.to_string(), "parse_error");
}

#[test]
fn the_refusal_is_the_journeys_validation_report_after_the_scenarios_own_checks() {
    let (_, mut journey) = appointment();
    let (_, mut scenario) = sample_scenario();
    journey["edges"] = json!([]);
    let report = validate_journey(&journey);
    let error = simulate_journey(&journey, &scenario, None, &SimulateOptions::default()).expect_err("invalid");
    let Error::Invalid { message, diagnostics } = &error else { panic!("expected Invalid, got {error:?}") };
    assert_eq!(diagnostics, &report.diagnostics, "every diagnostic of the one validation, warnings included");
    let errors = report.diagnostics.iter().filter(|d| d.is_error()).count();
    assert_eq!(message, &format!("the journey has {errors} error(s); fix them before simulating"));
    // A scenario that cannot be read is reported before the journey's errors.
    scenario["run_for"] = json!("soon");
    let error = simulate_journey(&journey, &scenario, None, &SimulateOptions::default()).expect_err("bad scenario");
    assert!(error.to_string().starts_with("scenario: "), "{error}");
}

#[test]
fn a_bad_scenario_or_contacts_option_is_bad_input_naming_the_field() {
    let (_, journey) = appointment();
    let (_, mut scenario) = sample_scenario();
    let error = simulate_journey(&journey, &scenario, Some(&ContactSelection::Keyword("some".into())), &SimulateOptions::default())
        .expect_err("bad option");
    assert!(error.to_string().contains("contacts"), "{error}");
    scenario["run_for"] = json!("soon");
    let error = simulate_journey(&journey, &scenario, None, &SimulateOptions::default()).expect_err("bad scenario");
    assert_eq!(error.kind(), ErrorKind::BadInput);
    let message = error.to_string();
    assert!(message.starts_with("scenario: ") && message.contains("run_for"), "{message}");
}

#[test]
fn previews_render_with_the_engines_liquid_and_name_what_is_missing() {
    use itinera_service::preview_template;
    // (template, contact, event, expected text, expected missing)
    let cases = [
        ("Hi {{ contact.first_name }}!", json!({"id": "ana", "first_name": "Ana"}), json!({}), "Hi Ana!", vec![]),
        ("You are {{ contact.id }}", json!({"id": "c-7"}), json!(null), "You are c-7", vec![]),
        (
            "See you at {{ event.starts_at }}, {{ contact.first_name }} {{ contact.last_name }}",
            json!({"first_name": "Ben"}),
            json!({"starts_at": "15:00"}),
            "See you at 15:00, Ben ",
            vec!["contact.last_name"],
        ),
        ("{{ contact.first_name | upcase }}", json!({"first_name": "Caz"}), json!({}), "CAZ", vec![]),
        ("Hi {{ contact.nick }}", json!(null), json!(null), "Hi ", vec!["contact.nick"]),
    ];
    for (template, contact, event, text, missing) in cases {
        let preview = preview_template(template, &contact, &event).unwrap_or_else(|e| panic!("{template}: {e}"));
        assert_eq!(preview.text, text, "{template}");
        assert_eq!(preview.missing, missing, "{template}");
    }
    let error = preview_template("Hi {{ contact.first_name", &json!({}), &json!({})).expect_err("unclosed tag");
    assert_eq!(error.kind(), ErrorKind::BadInput);
    assert!(error.to_string().starts_with("template: "), "{error}");
    assert_eq!(preview_template("x", &json!([1]), &json!({})).expect_err("not an object").kind(), ErrorKind::BadInput);
}

#[test]
fn previews_write_dates_as_the_contact_would_receive_them() {
    use itinera_service::preview_template_in;
    let template = "{{ event.starts_at | date: '%A %-d %B at %H:%M' }}";
    let event = json!({"starts_at": "2026-03-04T15:00:00Z"});
    let preview = |contact: Value, default: Option<&str>| preview_template_in(template, &contact, &event, default).expect("renders").text;
    assert_eq!(preview(json!({"timezone": "Europe/Lisbon"}), None), "Wednesday 4 March at 15:00");
    assert_eq!(preview(json!({"timezone": "America/New_York"}), Some("Asia/Tokyo")), "Wednesday 4 March at 10:00");
    assert_eq!(preview(json!({"locale": "pt-PT"}), Some("Asia/Tokyo")), "quinta-feira 5 março at 00:00", "the journey's default zone");
    assert_eq!(preview(json!({}), None), "Wednesday 4 March at 15:00", "UTC");
    // `timezone` is the contact's zone, not an attribute (as in a scenario).
    let p = preview_template_in("{{ contact.timezone }}", &json!({"timezone": "Europe/Lisbon"}), &json!({}), None).expect("renders");
    assert_eq!(p.missing, vec!["contact.timezone"]);
    // A value that is not a timestamp is shown as written and said so.
    let p = preview_template_in(template, &json!({}), &json!({"starts_at": "soon"}), None).expect("renders");
    assert_eq!((p.text.as_str(), p.problems.len()), ("soon", 1));
    assert!(p.problems[0].contains("is not a timestamp"), "{:?}", p.problems);
    let bad = preview_template_in(template, &json!({}), &event, Some("Mars/Base")).expect_err("unknown default zone");
    assert_eq!(bad.kind(), ErrorKind::BadInput);
}

#[test]
fn one_generated_contact_can_be_followed_and_its_trace_is_the_full_runs() {
    let (_, journey) = appointment();
    let text = include_str!("../../../../assets/scenarios/population-appointment-reminder.scenario.json");
    let mut scenario: Value = serde_json::from_str(text).expect("sample parses");
    scenario["population"]["count"] = json!(300);
    let all = simulate_journey(&journey, &scenario, Some(&ContactSelection::Keyword("all".into())), &SimulateOptions::default())
        .expect("simulates");
    let summary_only = simulate_journey(&journey, &scenario, None, &SimulateOptions::default()).expect("simulates");
    let picked = ["patient7".to_owned(), "patient250".to_owned()];
    let some = simulate_journey(&journey, &scenario, Some(&ContactSelection::Ids(picked.to_vec())), &SimulateOptions::default())
        .expect("simulates");

    // Asked in another order, answered in scenario order; only they were simulated.
    let picked_reversed: Vec<String> = picked.iter().rev().cloned().collect();
    let reversed = simulate_journey(&journey, &scenario, Some(&ContactSelection::Ids(picked_reversed)), &SimulateOptions::default())
        .expect("simulates");
    assert_eq!(reversed, some);
    assert_eq!(some["simulated"], json!(2), "only the followed contacts are simulated");
    assert_eq!(some["summary"]["contacts"], json!(2), "the summary counts the followed contacts");
    assert_eq!(all["summary"]["contacts"], json!(300));
    assert!(all.get("simulated").is_none(), "a full run's report keeps its shape");
    let ids: Vec<&str> = some["contacts"].as_array().expect("contacts").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["patient7", "patient250"]);
    let contact = |report: &Value, id: &str| report["contacts"].as_array().expect("contacts").iter().find(|c| c["id"] == id).cloned();
    for id in &picked {
        let full = contact(&all, id).expect("in the full run");
        assert!(full["steps"].as_array().is_some_and(|s| !s.is_empty()), "{id} has steps");
        assert_eq!(contact(&some, id), Some(full), "{id}: same trace as in the full run");
        let bare = contact(&summary_only, id).expect("listed");
        assert!(bare["steps"].as_array().is_none_or(std::vec::Vec::is_empty), "{id}: summarised without a selection");
    }
    let others_with_steps = some["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .filter(|c| !picked.iter().any(|p| c["id"] == p.as_str()))
        .filter(|c| c["steps"].as_array().is_some_and(|s| !s.is_empty()))
        .count();
    assert_eq!(others_with_steps, 0, "only the selected contacts keep their steps");

    let error = simulate_journey(&journey, &scenario, Some(&ContactSelection::Ids(vec!["nobody".into()])), &SimulateOptions::default())
        .expect_err("unknown id");
    assert_eq!(error.kind(), ErrorKind::BadInput);
    assert!(error.to_string().contains("nobody"), "{error}");
}

#[test]
fn progress_is_reported_from_zero_to_every_contact_without_changing_the_report() {
    let (_, journey) = appointment();
    let text = include_str!("../../../../assets/scenarios/population-appointment-reminder.scenario.json");
    let mut scenario: Value = serde_json::from_str(text).expect("sample parses");
    scenario["population"]["count"] = json!(20_000);
    let heard: Arc<Mutex<Vec<SimProgress>>> = Arc::default();
    let sink = heard.clone();
    let options = SimulateOptions { progress: Some(ProgressSink::new(move |p| sink.lock().expect("lock").push(p))), ..Default::default() };
    let with = simulate_journey(&journey, &scenario, None, &options).expect("simulates");
    let without = simulate_journey(&journey, &scenario, None, &SimulateOptions::default()).expect("simulates");
    assert_eq!(with, without, "progress only listens");
    let heard = heard.lock().expect("lock").clone();
    assert!(heard.len() >= 2, "{heard:?}");
    assert_eq!((heard[0].done, heard[0].total), (0, 20_000));
    let last = heard.last().expect("reports");
    assert_eq!((last.done, last.total), (20_000, 20_000));
    assert!(heard.windows(2).all(|w| w[0].done < w[1].done && w[0].elapsed_ms <= w[1].elapsed_ms), "{heard:?}");
    // At most one report per 100 ms of work, plus the first and the last.
    assert!(heard.len() as u64 <= 2 + last.elapsed_ms / 100 + 1, "{} reports in {} ms", heard.len(), last.elapsed_ms);

    // A followed contact reports 0 of 1, then 1 of 1.
    let heard: Arc<Mutex<Vec<SimProgress>>> = Arc::default();
    let sink = heard.clone();
    let options = SimulateOptions { progress: Some(ProgressSink::new(move |p| sink.lock().expect("lock").push(p))), ..Default::default() };
    simulate_journey(&journey, &scenario, Some(&ContactSelection::Ids(vec!["patient19999".into()])), &options).expect("simulates");
    let pairs: Vec<(usize, usize)> = heard.lock().expect("lock").iter().map(|p| (p.done, p.total)).collect();
    assert_eq!(pairs, [(0, 1), (1, 1)]);
}

#[test]
fn local_times_resolve_for_the_contact_with_the_simulators_reading() {
    use itinera_service::resolve_local_times;
    let data = json!({"starts_at": "in 2 days at 09:00 local", "n": 1, "at": "2026-03-04T15:00:00Z", "bad": "in 2 dayz at 09:00 local"});
    // 2 March 09:00 UTC is 18:00 in Tokyo: two days later at 09:00 Tokyo time.
    let answer = resolve_local_times("2026-03-02T09:00:00Z", "+0m", &data, Some("Asia/Tokyo"), Some("Europe/Lisbon")).expect("answers");
    let fields = serde_json::to_value(&answer.fields).expect("JSON");
    assert_eq!(
        fields,
        json!([
            {"field": "bad", "ok": false, "text": answer.fields[0].text},
            {"field": "starts_at", "ok": true, "value": "2026-03-04T00:00:00Z", "text": "2026-03-04T00:00:00Z (Wed 4 Mar 09:00 Asia/Tokyo)"},
        ])
    );
    assert!(answer.fields[0].text.contains("is not a local time"), "{}", answer.fields[0].text);
    assert_eq!((answer.at.as_deref(), answer.zone.as_str()), (Some("2026-03-02T09:00:00Z"), "Asia/Tokyo"));
    // The data as the simulator reads it: resolved where it resolves, the rest as written.
    assert_eq!(
        Value::Object(answer.data),
        json!({"starts_at": "2026-03-04T00:00:00Z", "n": 1, "at": "2026-03-04T15:00:00Z", "bad": "in 2 dayz at 09:00 local"})
    );

    // No zone of its own: the journey's; neither: UTC. A spring-forward gap reads with the offset before it.
    let lisbon = resolve_local_times("2026-03-27T12:00:00Z", "+0m", &json!({"t": "in 2 days at 01:30 local"}), None, Some("Europe/Lisbon"));
    assert_eq!(lisbon.expect("answers").fields[0].value.as_deref(), Some("2026-03-29T01:30:00Z"));
    let utc = resolve_local_times("2026-03-02T09:00:00Z", "+1d", &json!({"t": "in 1 week at 18:00 local"}), None, None).expect("answers");
    assert_eq!((utc.zone.as_str(), utc.fields[0].text.as_str()), ("UTC", "2026-03-10T18:00:00Z (Tue 10 Mar 18:00 UTC)"));

    // What keeps a field from resolving is said on the field, never an error of the call.
    let why = |start: &str, at: &str, zone: Option<&str>| {
        let answer = resolve_local_times(start, at, &json!({"t": "in 1 day at 09:00 local"}), zone, None).expect("answers");
        assert!(!answer.fields[0].ok);
        assert_eq!(answer.data["t"], "in 1 day at 09:00 local", "kept as written");
        answer.fields[0].text.clone()
    };
    assert!(why("2026-03-02T09:00:00Z", "soon", None).starts_with("resolves once the event has a valid time (at: "));
    assert!(why("yesterday", "+0m", None).contains("start: "));
    assert_eq!(why("2026-03-02T09:00:00Z", "+0m", Some("Mars/Base")), "unknown time zone \"Mars/Base\"");
    let error = resolve_local_times("2026-03-02T09:00:00Z", "+0m", &json!([1]), None, None).expect_err("data not an object");
    assert_eq!(error.kind(), ErrorKind::BadInput);
}

/// The preview of a scenario contact's message and the simulation of that contact give the same
/// text, local times in its event data included: both read them with crates/sim's code.
#[test]
fn a_preview_as_a_scenario_contact_renders_what_the_simulation_sends() {
    use itinera_service::{EventTime, preview_template_for};
    let (_, journey) = appointment();
    let mut scenario: Value = serde_json::from_str(&asset("scenarios/appointment-reminder.scenario.json")).expect("JSON");
    let contact = scenario["contacts"].as_array().expect("contacts").iter().find(|c| c["id"] == "ben").expect("ben").clone();
    let mut contact = contact;
    contact["timezone"] = json!("America/New_York");
    contact["events"][0]["at"] = json!("+3h");
    contact["events"][0]["data"]["starts_at"] = json!("in 2 days at 08:30 local");
    scenario["contacts"] = json!([contact.clone()]);
    let report = simulate_journey(&journey, &scenario, Some(&ContactSelection::Keyword("all".into())), &SimulateOptions::default())
        .expect("simulates");
    let report = serde_json::to_value(&report).expect("JSON");
    let sent = report["contacts"][0]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["node"] == "confirm_sms")
        .expect("confirmation sent");
    let node = journey["nodes"].as_array().expect("nodes").iter().find(|n| n["id"] == "confirm_sms").expect("node");
    let mut sample = contact["attributes"].clone();
    sample["id"] = contact["id"].clone();
    sample["timezone"] = contact["timezone"].clone();
    let event_time = EventTime { start: scenario["start"].as_str().expect("start"), at: "+3h" };
    let preview =
        preview_template_for(node["text"].as_str().expect("text"), &sample, &contact["events"][0]["data"], None, Some(event_time))
            .expect("renders");
    assert_eq!(Some(preview.text.as_str()), sent["text"].as_str());
    assert!(preview.text.contains("08:30") || preview.text.contains("8:30"), "{}", preview.text);
    // Without its place in the scenario the local time is only text, and the preview says so.
    let unplaced =
        preview_template_for(node["text"].as_str().expect("text"), &sample, &contact["events"][0]["data"], None, None).expect("renders");
    assert_ne!(unplaced.text, preview.text);
}

/// The sample journey's simulation report, as a fixture the editor's tests read too
/// (tests/fixtures/reports/appointment-reminder.report.json; ui/src/simulate/reportFixture.test.ts):
/// the results panel and the canvas overlay are tested against what the backend really answers.
/// Fails when the file is stale; `ITINERA_UPDATE_FIXTURES=1 cargo test -p itinera-service
/// --test it analysis::` rewrites it.
#[test]
fn the_shared_report_fixture_is_the_simulators() {
    let (_, journey) = appointment();
    let scenario: Value = serde_json::from_str(&asset("scenarios/appointment-reminder.scenario.json")).expect("JSON");
    let report = simulate_journey(&journey, &scenario, Some(&ContactSelection::Keyword("all".into())), &SimulateOptions::default())
        .expect("simulates");
    let text = serde_json::to_string_pretty(&report).expect("JSON") + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/reports/appointment-reminder.report.json");
    if std::env::var_os("ITINERA_UPDATE_FIXTURES").is_some() {
        fs::create_dir_all(path.parent().expect("a folder")).expect("creates the folder");
        fs::write(&path, &text).expect("writes the fixture");
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "tests/fixtures/reports/appointment-reminder.report.json is stale: rerun with ITINERA_UPDATE_FIXTURES=1 and check the editor's tests still pass"
    );
}
