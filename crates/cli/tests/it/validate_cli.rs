//! `itinera validate` and `itinera schema` as a user runs them: exit codes, output shapes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn itinera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itinera")).args(args).output().expect("run itinera")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

/// A file in a temporary directory of this test process (left for the OS to clean up).
fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("itinera-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

const VALID: &str = "assets/journeys/appointment-reminder.journey.json";
const BROKEN: &str = r#"{"format": "itinera/journey@1", "id": "broken", "nodes": [
  {"id": "start", "type": "trigger", "event": "signed_up"},
  {"id": "check", "type": "branch", "condition": {"field": "contact.tier", "op": "eq", "value": "gold"}},
  {"id": "end", "type": "exit"}],
 "edges": [{"from": "start", "to": "check"}, {"from": "check", "port": "yes", "to": "end"}]}"#;

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}")))
        .collect()
}

#[test]
fn exit_0_when_no_file_has_errors() {
    let valid = repo(VALID);
    let out = itinera(&["validate", valid.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("valid"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "no colour when stdout is not a terminal: {stdout:?}");
}

#[test]
fn exit_1_when_a_file_has_errors_with_one_line_per_diagnostic() {
    let broken = temp_file("broken.journey.json", BROKEN.as_bytes());
    let valid = repo(VALID);
    let out = itinera(&["validate", valid.to_str().expect("path"), broken.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let file = broken.display().to_string();
    assert!(stdout.contains(&format!("{file}: check: error dead_end: ")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with(&file) && l.contains("invalid (1 error")), "{stdout}");
}

#[test]
fn json_lines_have_the_contract_shape() {
    let broken = temp_file("shape.journey.json", BROKEN.as_bytes());
    let valid = repo(VALID);
    let out = itinera(&["validate", "--json", valid.to_str().expect("path"), broken.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "one object per file");
    let good = &lines[0];
    assert_eq!(good["file"], valid.display().to_string());
    assert_eq!(good["valid"], true);
    assert_eq!(good["diagnostics"], Value::Array(vec![]));
    assert_eq!(good["facts"]["nodes"], 12);
    assert_eq!(good["facts"]["longest_time"], "unbounded");
    assert!(good["facts"]["max_messages"]["sms"].is_u64());
    let bad = &lines[1];
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["facts"], Value::Null);
    let diagnostics = bad["diagnostics"].as_array().expect("diagnostics array");
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "dead_end");
    assert_eq!(d["node"], "check");
    assert_eq!(d["port"], "no");
    assert!(d["message"].as_str().is_some_and(|m| m.contains("`no`")));
}

#[test]
fn exit_2_when_a_file_cannot_be_read_and_the_others_are_still_reported() {
    let valid = repo(VALID);
    let out = itinera(&["validate", "--json", "/nonexistent/nowhere.journey.json", valid.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/nowhere.journey.json"));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["valid"], false);
    assert!(lines[0]["error"].is_string());
    assert_eq!(lines[1]["valid"], true);
}

#[test]
fn malformed_files_are_parse_errors_never_panics() {
    let deep = "[".repeat(100_000);
    let cases: [(&str, &[u8]); 5] = [
        ("empty", b""),
        ("garbage", b"\x00\x01 not json at all {{{"),
        ("not utf-8", b"{\"format\": \"\xff\xfe\"}"),
        ("truncated", b"{\"format\": \"itinera/journey@1\", \"nodes\": [{\"id\": \"a\""),
        ("deep nesting", deep.as_bytes()),
    ];
    for (name, bytes) in cases {
        let path = temp_file(&format!("{}.journey.json", name.replace(' ', "-")), bytes);
        let out = itinera(&["validate", "--json", path.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let lines = json_lines(&out);
        assert_eq!(lines[0]["diagnostics"][0]["code"], "parse_error", "{name}");
        assert!(lines[0]["diagnostics"][0]["line"].is_u64(), "{name}: {}", lines[0]);
    }
}

#[test]
fn the_committed_journey_schema_is_the_generated_one() {
    let out = itinera(&["schema", "journey"]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo("docs/journey.schema.json")).expect("docs/journey.schema.json");
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        committed == generated,
        "docs/journey.schema.json is stale: run `cargo run -p itinera -- schema journey > docs/journey.schema.json`"
    );
    let schema: Value = serde_json::from_str(&generated).expect("schema is JSON");
    assert_eq!(schema["title"], "Journey");
    assert!(schema["$defs"]["WaitFor"]["properties"]["timeout"].is_object());
}

#[test]
fn the_committed_scenario_schema_is_the_printed_one() {
    let out = itinera(&["schema", "scenario"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let committed = std::fs::read_to_string(repo("docs/scenario.schema.json")).expect("docs/scenario.schema.json");
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    assert!(committed == printed, "docs/scenario.schema.json differs from `itinera schema scenario`");
    let schema: Value = serde_json::from_str(&printed).expect("schema is JSON");
    assert!(schema["title"].as_str().is_some_and(|t| t.contains("scenario")));
}
