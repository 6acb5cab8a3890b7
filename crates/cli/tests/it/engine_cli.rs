//! The durable engine's commands as outside tools use them (docs/engine.md): `replay --engine
//! sqlite` prints exactly what `simulate` prints; publish/contacts/events/run/status over one
//! database file with the record sink.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn itinera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itinera")).args(args).output().expect("run itinera")
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path).display().to_string()
}

fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn replay_prints_exactly_what_simulate_prints() {
    let mut pairs: Vec<(String, String)> = ["appointment-reminder", "lead-qualification", "onboarding", "post-purchase", "re-engagement"]
        .iter()
        .map(|n| (repo(&format!("assets/journeys/{n}.journey.json")), repo(&format!("assets/scenarios/{n}.scenario.json"))))
        .collect();
    pairs.push((
        repo("assets/journeys/appointment-reminder.journey.json"),
        repo("assets/scenarios/population-appointment-reminder.scenario.json"),
    ));
    pairs.push((repo("crates/sim/tests/golden/clinic.journey.json"), repo("crates/sim/tests/golden/clinic.scenario.json")));
    // The public conformance example, when this checkout has it beside it.
    let conformance = repo("../shared/conformance/simulate");
    if Path::new(&conformance).join("onboarding.journey.json").is_file() {
        pairs.push((format!("{conformance}/onboarding.journey.json"), format!("{conformance}/onboarding.scenario.json")));
    }
    for (journey, scenario) in &pairs {
        for extra in [&["--contacts", "all"][..], &[][..]] {
            let mut sim = vec!["simulate", "--json", journey.as_str(), scenario.as_str()];
            sim.extend_from_slice(extra);
            let mut rep = vec!["replay", "--engine", "sqlite", "--json", journey.as_str(), scenario.as_str()];
            rep.extend_from_slice(extra);
            let (a, b) = (itinera(&sim), itinera(&rep));
            assert_eq!(b.status.code(), Some(0), "{rep:?}: {}", String::from_utf8_lossy(&b.stderr));
            assert!(a.stdout == b.stdout, "{rep:?} differs from {sim:?}");
        }
    }
    // Some contacts only, and the people's summary.
    let (j, s) = &pairs[0];
    let a = itinera(&["simulate", "--json", "--contact", "ana", j, s]);
    let b = itinera(&["replay", "--engine", "sqlite", "--json", "--contacts", "ana", j, s]);
    assert!(a.stdout == b.stdout);
    assert_eq!(ok(&itinera(&["simulate", j, s])), ok(&itinera(&["replay", "--engine", "sqlite", j, s])));
}

#[test]
fn replay_refuses_bad_input_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let j = repo("assets/journeys/appointment-reminder.journey.json");
    let s = repo("assets/scenarios/appointment-reminder.scenario.json");
    let db = dir.path().join("kept.db");
    let db = db.to_str().unwrap();
    ok(&itinera(&["replay", "--engine", "sqlite", "--db", db, &j, &s]));
    let again = itinera(&["replay", "--engine", "sqlite", "--db", db, &j, &s]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("the file exists"));
    // The kept database answers status.
    let status: Value = serde_json::from_str(&ok(&itinera(&["status", "--db", db, "--json"]))).unwrap();
    assert_eq!(status[0]["journey"], "appointment-reminder");
    let unknown = itinera(&["replay", "--engine", "sqlite", "--contacts", "nobody", &j, &s]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no contact with id `nobody`"));
    let no_engine = itinera(&["replay", &j, &s]);
    assert_eq!(no_engine.status.code(), Some(2), "--engine is required");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn publish_import_push_run_status_over_one_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let db = db.to_str().unwrap();
    let journey = json!({
        "format": "itinera/journey@1", "id": "hello", "name": "Hello",
        "nodes": [
            {"id": "start", "type": "trigger", "event": "signed_up"},
            {"id": "hi", "type": "send", "channel": "sms", "text": "Hi {{ contact.first_name }}"},
            {"id": "hook", "type": "webhook", "method": "POST", "url": "https://example.invalid/hook", "body": "{\"id\": \"{{ contact.id }}\"}"},
            {"id": "done", "type": "exit"}
        ],
        "edges": [{"from": "start", "to": "hi"}, {"from": "hi", "to": "hook"}, {"from": "hook", "to": "done"}]
    });
    let file = write(dir.path(), "hello.journey.json", &journey.to_string());
    let file = file.to_str().unwrap();
    assert_eq!(ok(&itinera(&["publish", file, "--db", db])), "published hello v1\n");
    assert_eq!(ok(&itinera(&["publish", file, "--db", db])), "unchanged hello v1\n");
    let json: Value = serde_json::from_str(&ok(&itinera(&["publish", file, "--db", db, "--json"]))).unwrap();
    assert_eq!(json, json!({"journey": "hello", "version": 1, "changed": false, "impact": [], "migrated": 0}));
    // A journey with errors: exit 1, diagnostics on stderr, nothing stored.
    let mut bad = journey.clone();
    bad["edges"] = json!([]);
    let bad = write(dir.path(), "bad.journey.json", &bad.to_string());
    let out = itinera(&["publish", bad.to_str().unwrap(), "--db", db]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was published"));

    let contacts = write(
        dir.path(),
        "c.jsonl",
        "{\"id\": \"ana\", \"attributes\": {\"first_name\": \"Ana\"}, \"addresses\": {\"sms\": \"+1555\"}, \"consent\": {\"sms\": true}}\n",
    );
    assert_eq!(ok(&itinera(&["contacts", "import", "--db", db, contacts.to_str().unwrap()])), "imported 1 contact(s), 0 unchanged\n");
    let events = write(dir.path(), "e.jsonl", "{\"id\": \"e1\", \"contact\": \"ana\", \"name\": \"signed_up\", \"data\": {}}\n");
    assert_eq!(ok(&itinera(&["events", "push", "--db", db, events.to_str().unwrap()])), "pushed 1 input(s), 0 already known\n");
    assert_eq!(ok(&itinera(&["events", "push", "--db", db, events.to_str().unwrap()])), "pushed 0 input(s), 1 already known\n");
    let bad_line = write(dir.path(), "bad.jsonl", "{\"id\": \"e2\", \"contact\": \"ana\"}\n");
    let out = itinera(&["events", "push", "--db", db, bad_line.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.jsonl:1:"), "{}", String::from_utf8_lossy(&out.stderr));

    let records = dir.path().join("out.jsonl");
    let sink = format!("record:{}", records.display());
    ok(&itinera(&["run", "--db", db, "--sink", &sink, "--until-done"]));
    let lines: Vec<Value> = std::fs::read_to_string(&records).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let at = lines[0]["at"].clone();
    assert_eq!(
        lines[0],
        json!({"key": "hello:v1:ana:1:hi:1", "journey": "hello", "version": 1, "contact": "ana", "node": "hi", "channel": "sms", "to": "+1555", "text": "Hi Ana", "at": at})
    );
    assert_eq!((lines[1]["channel"].as_str(), lines[1]["method"].as_str()), (Some("webhook"), Some("POST")));
    assert_eq!((lines[1]["url"].as_str(), lines[1]["body"].as_str()), (Some("https://example.invalid/hook"), Some("{\"id\": \"ana\"}")));
    let status: Value = serde_json::from_str(&ok(&itinera(&["status", "--db", db, "--json"]))).unwrap();
    assert_eq!(status[0]["outcomes"]["exited"], 1);
    assert_eq!(status[0]["messages"]["sms"]["delivered"], 1);
    assert_eq!(status[0]["messages"]["webhook"]["sent"], 1);
    let text = ok(&itinera(&["status", "--db", db]));
    assert!(text.starts_with("hello v1: active, latest, 1 entered\n"), "{text}");
    // Running again with nothing to do ends at once, and sends nothing twice.
    ok(&itinera(&["run", "--db", db, "--sink", &sink, "--until-done"]));
    assert_eq!(std::fs::read_to_string(&records).unwrap().lines().count(), 2);
    assert_eq!(ok(&itinera(&["pause", "hello", "--db", db])), "hello v1: paused\n");
}
