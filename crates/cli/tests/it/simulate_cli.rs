//! `itinera simulate` as a user runs it: exit codes, which contacts carry details, the
//! timeline, and byte-identical output for the same inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn itinera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itinera")).args(args).output().expect("run itinera")
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path).display().to_string()
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("itinera-simulate-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

const JOURNEY: &str = "assets/journeys/appointment-reminder.journey.json";
const SCENARIO: &str = "assets/scenarios/appointment-reminder.scenario.json";

/// The hand-written scenario plus a generated population of `count`.
fn with_population(count: usize) -> PathBuf {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(repo(SCENARIO)).expect("readable")).expect("json");
    doc["population"] = serde_json::json!({
        "count": count, "id_prefix": "p",
        "channels": {"sms": {"address": 1.0, "consent": 0.9}, "whatsapp": {"address": 0.8, "consent": 0.7}},
        "events": [{"name": "appointment_booked", "at": {"from": "+0m", "to": "+2d"}, "probability": 0.9,
                    "data": {"starts_at": {"from_event": "+2h", "to_event": "+4d"}}}]
    });
    temp_file(&format!("pop{count}.scenario.json"), &doc.to_string())
}

#[test]
fn json_report_for_hand_written_contacts_is_complete_and_byte_identical() {
    let first = itinera(&["simulate", "--json", &repo(JOURNEY), &repo(SCENARIO)]);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let second = itinera(&["simulate", "--json", &repo(JOURNEY), &repo(SCENARIO)]);
    assert!(first.stdout == second.stdout, "same inputs must give byte-identical output");
    let report: Value = serde_json::from_slice(&first.stdout).expect("JSON on stdout");
    let contacts = report["contacts"].as_array().expect("contacts");
    assert_eq!(contacts.len(), 13);
    assert!(contacts.iter().all(|c| c["steps"].is_array() && c["messages"].is_array()));
    let max = contacts.iter().find(|c| c["id"] == "max").expect("max");
    assert_eq!((&max["outcome"], &max["exit_node"]), (&Value::from("not_entered"), &Value::Null));
    assert_eq!(report["summary"]["outcomes"]["waiting"], 1);
}

#[test]
fn population_details_only_with_contacts_all() {
    let scenario = with_population(300);
    let scenario = scenario.to_str().expect("utf-8 path");
    let out = itinera(&["simulate", "--json", &repo(JOURNEY), scenario]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let contacts = report["contacts"].as_array().expect("contacts");
    assert_eq!(contacts.len(), 313);
    let detailed: Vec<&str> = contacts.iter().filter(|c| c.get("steps").is_some()).filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(detailed.len(), 13, "only the hand-written contacts: {detailed:?}");
    assert!(contacts.iter().all(|c| c.get("outcome").is_some()), "every contact has an outcome");

    let all = itinera(&["simulate", "--json", "--contacts", "all", &repo(JOURNEY), scenario]);
    let report_all: Value = serde_json::from_slice(&all.stdout).expect("JSON");
    assert!(report_all["contacts"].as_array().expect("contacts").iter().all(|c| c.get("steps").is_some()));
    assert_eq!(report_all["summary"], report["summary"], "details never change the counts");
}

#[test]
fn contact_timeline_for_people() {
    let out = itinera(&["simulate", &repo(JOURNEY), &repo(SCENARIO), "--contact", "fay"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("13 contacts, 12 entered"), "{text}");
    assert!(text.contains("contact fay: exited at done"), "{text}");
    // Booked at 21:00 in New York: the booking confirmation is transactional and goes at once;
    // the WhatsApp reminder is not, and waits for the morning.
    assert!(text.contains("2026-03-03 02:00 UTC  confirm_sms  SMS sent: 'Hi Fay, your appointment at Rua Augusta…' (transactional: quiet hours do not apply)"), "{text}");
    assert!(text.contains("2026-03-03 02:00 UTC  wa_reminder  deferred to 08:00 America/New_York: quiet hours"), "{text}");
    // The per-node summary reads a branch's results as the ports taken; a reply wait keeps "matched".
    let row = |node: &str| text.lines().find(|l| l.split_whitespace().next() == Some(node)).unwrap_or_default().to_string();
    assert!(row("starts_soon").ends_with("  yes 9, no 5"), "{text}");
    assert!(row("await_reply").contains("matched 6"), "{text}");
}

#[test]
fn exit_codes() {
    // Journey with errors → 1, diagnostics on stderr.
    let broken = temp_file(
        "broken.journey.json",
        r#"{"format": "itinera/journey@1", "id": "b", "nodes": [
        {"id": "start", "type": "trigger", "event": "go"}, {"id": "end", "type": "exit"}], "edges": []}"#,
    );
    let out = itinera(&["simulate", broken.to_str().expect("path"), &repo(SCENARIO)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dead_end"));
    // Bad scenario → 2, naming the file and the field.
    let bad = temp_file(
        "bad.scenario.json",
        r#"{"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "soon", "seed": 1}"#,
    );
    let out = itinera(&["simulate", &repo(JOURNEY), bad.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.scenario.json") && err.contains("run_for"), "{err}");
    // Unreadable file → 2.
    assert_eq!(itinera(&["simulate", &repo(JOURNEY), "/nonexistent/x.scenario.json"]).status.code(), Some(2));
    // Unknown --contact → 2.
    assert_eq!(itinera(&["simulate", &repo(JOURNEY), &repo(SCENARIO), "--contact", "nobody"]).status.code(), Some(2));
}

/// What `--json` printed before it streamed: the whole report, pretty-printed, and a newline.
fn collected_json(journey: &str, scenario: &str, detail: itinera_sim::Detail) -> Vec<u8> {
    let journey = itinera_model::Journey::parse(&std::fs::read_to_string(journey).expect("readable")).expect("journey");
    let scenario = itinera_sim::Scenario::parse(&std::fs::read_to_string(scenario).expect("readable")).expect("scenario");
    let options = itinera_sim::RunOptions { detail, ..itinera_sim::RunOptions::default() };
    let report = itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), &scenario, &options, None).expect("simulates");
    let mut bytes = serde_json::to_vec_pretty(&report).expect("serializes");
    bytes.push(b'\n');
    bytes
}

#[test]
fn streamed_json_is_byte_identical_to_the_pretty_printed_report() {
    use itinera_sim::Detail;
    let assert_same = |args: &[&str], expected: Vec<u8>| {
        let out = itinera(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        if out.stdout != expected {
            let at = out.stdout.iter().zip(&expected).position(|(a, b)| a != b).unwrap_or(out.stdout.len().min(expected.len()));
            let from = at.saturating_sub(80);
            panic!(
                "{args:?}: streamed output differs at byte {at}:\n{}\n--- expected ---\n{}",
                String::from_utf8_lossy(&out.stdout[from..(at + 80).min(out.stdout.len())]),
                String::from_utf8_lossy(&expected[from..(at + 80).min(expected.len())])
            );
        }
    };
    // Every golden scenario (hand-written: every contact in detail).
    for name in ["appointment-reminder", "lead-qualification", "onboarding", "post-purchase", "re-engagement"] {
        let (journey, scenario) =
            (repo(&format!("assets/journeys/{name}.journey.json")), repo(&format!("assets/scenarios/{name}.scenario.json")));
        assert_same(&["simulate", "--json", &journey, &scenario], collected_json(&journey, &scenario, Detail::All));
    }
    // A population over several chunks: hand-written contacts in detail, the rest summarised;
    // then everyone in detail; then one generated contact.
    let population = with_population(3_000);
    let population = population.to_str().expect("utf-8 path");
    let scenario = itinera_sim::Scenario::parse(&std::fs::read_to_string(population).expect("readable")).expect("scenario");
    let journey = repo(JOURNEY);
    assert_same(&["simulate", "--json", &journey, population], collected_json(&journey, population, Detail::hand_written(&scenario)));
    assert_same(&["simulate", "--json", "--contacts", "all", &journey, population], collected_json(&journey, population, Detail::All));
    assert_same(
        &["simulate", "--json", "--contact", "p2999", &journey, population],
        collected_json(&journey, population, Detail::Only(vec!["p2999".into()])),
    );
    // No contacts at all: `"contacts": []`.
    let empty = temp_file("empty.scenario.json", r#"{"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "1d"}"#);
    let empty = empty.to_str().expect("utf-8 path");
    let expected = collected_json(&journey, empty, Detail::All);
    assert!(String::from_utf8_lossy(&expected).contains("\"contacts\": [],"));
    assert_same(&["simulate", "--json", &journey, empty], expected);
}

#[test]
fn one_contact_walks_a_200000_node_chain() {
    // trigger → 199,998 one-minute waits → exit.
    const NODES: usize = 200_000;
    let mut nodes = vec![r#"{"id": "n0", "type": "trigger", "event": "go"}"#.to_string()];
    nodes.extend((1..NODES - 1).map(|i| format!(r#"{{"id": "n{i}", "type": "wait", "for": "1m"}}"#)));
    nodes.push(format!(r#"{{"id": "n{}", "type": "exit"}}"#, NODES - 1));
    let edges: Vec<String> = (0..NODES - 1).map(|i| format!(r#"{{"from": "n{i}", "to": "n{}"}}"#, i + 1)).collect();
    let journey = temp_file(
        "chain.journey.json",
        &format!(
            r#"{{"format": "itinera/journey@1", "id": "chain", "name": "Chain", "nodes": [{}], "edges": [{}]}}"#,
            nodes.join(","),
            edges.join(",")
        ),
    );
    let scenario = temp_file(
        "chain.scenario.json",
        r#"{"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "200d", "contacts": [{"id": "walker", "events": [{"at": "+0m", "name": "go"}]}]}"#,
    );
    let (journey, scenario) = (journey.to_str().expect("utf-8"), scenario.to_str().expect("utf-8"));
    let out = itinera(&["validate", journey]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = itinera(&["simulate", journey, scenario]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("chain: 1 contacts, 1 entered") && text.contains("outcomes: exited 1,"), "{}", &text[..text.len().min(400)]);
    let out = itinera(&["simulate", "--json", journey, scenario]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let walker = &report["contacts"][0];
    assert_eq!((&walker["outcome"], &walker["exit_node"]), (&Value::from("exited"), &Value::from(format!("n{}", NODES - 1))));
    assert_eq!(walker["steps"].as_array().map(Vec::len), Some(itinera_sim::MAX_KEPT_STEPS));
    assert_eq!(walker["truncated"], true);
    assert_eq!(report["summary"]["nodes"][format!("n{}", NODES - 1)]["entered"], 1);
}

#[test]
fn a_template_that_cannot_be_bounded_is_reported_like_validate_does() {
    let journey = serde_json::json!({
        "format": "itinera/journey@1", "id": "bad-template", "name": "Bad template",
        "nodes": [
            {"id": "t", "type": "trigger", "event": "go"},
            {"id": "s", "type": "send", "channel": "sms", "text": "{% for i in (1..100000000) %}x{% endfor %}"},
            {"id": "x", "type": "exit"}
        ],
        "edges": [{"from": "t", "to": "s"}, {"from": "s", "to": "x"}]
    });
    let journey = temp_file("bad-template.journey.json", &journey.to_string());
    let scenario =
        temp_file("one.scenario.json", r#"{"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "contacts": [{"id": "a"}]}"#);
    let out = itinera(&["simulate", journey.to_str().expect("UTF-8"), scenario.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("s: error invalid_config"), "{stderr}");
    assert!(stderr.contains("more than the 1000 allowed"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing was simulated");
    let out = itinera(&["validate", "--json", journey.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(1));
    let line: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let d = &line["diagnostics"][0];
    assert_eq!((d["code"].as_str(), d["node"].as_str(), d["field"].as_str()), (Some("invalid_config"), Some("s"), Some("text")));
}
