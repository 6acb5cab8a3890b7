//! `itinera token` and `itinera publish --server` against a real `itinera serve --db` process.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

fn itinera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itinera")).args(args).env_remove("ITINERA_TOKEN").output().expect("run itinera")
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path).display().to_string()
}

fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn tokens_are_made_listed_revoked_and_publish_goes_to_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db").display().to_string();
    let token = ok(&itinera(&["token", "create", "--db", &db, "--scope", "publish", "--name", "laptop"])).trim().to_string();
    assert!(token.starts_with("itn_") && token.len() == 68 && !token.contains(' '), "{token}");
    let made: Value = serde_json::from_str(&ok(&itinera(&["token", "create", "--db", &db, "--scope", "read", "--json"]))).unwrap();
    assert_eq!(made["scope"], "read");
    let reader_id = made["id"].as_str().unwrap().to_string();
    let listed = ok(&itinera(&["token", "list", "--db", &db, "--json"]));
    assert!(!listed.contains(&token[4..]) && !listed.contains(made["token"].as_str().unwrap()), "list never shows a token");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["name"], "laptop");

    let mut child = Command::new(env!("CARGO_BIN_EXE_itinera"))
        .args(["serve", "--db", &db, "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _serving = Serving(child);
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line}")).to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let journey = repo("assets/journeys/appointment-reminder.journey.json");
    let out = ok(&itinera(&["publish", &journey, "--server", &url, "--token", &token, "--dry-run"]));
    assert_eq!(out.trim(), "would publish appointment-reminder v1");
    let out = ok(&itinera(&["publish", &journey, "--server", &url, "--token", &token]));
    assert_eq!(out.trim(), "published appointment-reminder v1");
    let out: Value = serde_json::from_str(&ok(&itinera(&["publish", &journey, "--server", &url, "--token", &token, "--json"]))).unwrap();
    assert_eq!((out["version"].as_u64(), out["changed"].as_bool()), (Some(1), Some(false)));

    // A journey with errors: its diagnostics, exit 1, as the local publish.
    let broken = dir.path().join("broken.journey.json");
    std::fs::write(&broken, r#"{"format": "itinera/journey@1", "id": "b", "name": "B", "nodes": [], "edges": []}"#).unwrap();
    let out = itinera(&["publish", broken.to_str().unwrap(), "--server", &url, "--token", &token]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was published"), "{}", String::from_utf8_lossy(&out.stderr));
    // Refusals say why: the wrong scope, then a revoked token.
    let out = itinera(&["publish", &journey, "--server", &url, "--token", made["token"].as_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("403") && stderr.contains("needs `publish`"), "{stderr}");
    assert_eq!(ok(&itinera(&["token", "revoke", "--db", &db, &reader_id])).trim(), format!("revoked {reader_id}"));
    assert_eq!(itinera(&["token", "revoke", "--db", &db, &reader_id]).status.code(), Some(1));
    let out = itinera(&["publish", &journey, "--server", &url, "--token", made["token"].as_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("401"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = itinera(&["publish", &journey, "--server", &url]);
    assert_eq!(out.status.code(), Some(2), "--server needs --token");
}
