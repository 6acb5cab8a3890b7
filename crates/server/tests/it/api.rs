//! The HTTP transport end to end: a real server on a free port, real requests over TCP.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use itinera_server::{ServeOptions, Server};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

struct TempFolder(PathBuf);

impl TempFolder {
    fn new(label: &str) -> TempFolder {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("itinera-server-test-{label}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir is writable");
        TempFolder(dir)
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A running server and the means to stop it.
struct Running {
    port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn start(options: ServeOptions) -> Running {
        let server = Server::bind(options).await.expect("binds");
        let port = server.local_addr().port();
        assert_ne!(port, 0, "the real port is known");
        assert_eq!(server.url(), format!("http://127.0.0.1:{port}"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server.run_until(async { drop(stopped.await) }).await.expect("serves");
        });
        Running { port, stop: Some(stop), task }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.expect("the server task ends cleanly");
    }

    /// One HTTP/1.1 request; answers (status, headers text, body).
    async fn request(&self, method: &str, path: &str, extra_headers: &str, body: &str) -> (u16, String, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await.expect("connects");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("sends");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("reads");
        let raw = String::from_utf8(raw).expect("UTF-8 answer");
        let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
        assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "this client reads plain bodies only");
        (status, head.to_owned(), body.to_owned())
    }

    async fn api(&self, command: &str, args: Value) -> (u16, Value) {
        let (status, _, body) =
            self.request("POST", &format!("/api/{command}"), &format!("X-Itinera-Token: {TOKEN}\r\n"), &args.to_string()).await;
        let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{command}: not JSON ({e}): {body}"));
        (status, value)
    }
}

/// The API secret every test server is started with.
const TOKEN: &str = "test-token";

fn options(dir: &TempFolder) -> ServeOptions {
    ServeOptions { api_token: Some(TOKEN.into()), ..ServeOptions::new(dir.0.clone()) }
}

#[tokio::test]
async fn journeys_save_list_read_and_validate_over_http() {
    let folder = TempFolder::new("files");
    let server = Running::start(options(&folder)).await;

    let (status, info) = server.api("workspace_info", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(info["desktop"], json!(false));
    assert_eq!(info["dir"].as_str().map(PathBuf::from), Some(fs::canonicalize(&folder.0).expect("exists")));

    let (status, templates) = server.api("list_templates", json!({})).await;
    assert_eq!(status, 200);
    let first = &templates[0];
    assert_eq!(first["id"], "appointment-reminder");
    let journey = first["journey"].clone();

    let (status, saved) = server.api("save_journey", json!({"file": "mine/appt.journey.json", "journey": journey})).await;
    assert_eq!(status, 200, "{saved}");
    let on_disk = fs::read_to_string(folder.0.join("mine/appt.journey.json")).expect("written");
    assert_eq!(saved["text"].as_str(), Some(on_disk.as_str()));

    let (status, listed) = server.api("list_journeys", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["file"], "mine/appt.journey.json");
    assert_eq!(listed[0]["id"], "appointment-reminder");
    assert_eq!(listed[0]["valid"], json!(true), "{listed}");

    let (status, read) = server.api("read_journey", json!({"file": "mine/appt.journey.json"})).await;
    assert_eq!(status, 200);
    assert_eq!(read["journey"], journey);

    let (status, report) = server.api("validate_journey", json!({"journey": journey})).await;
    assert_eq!(status, 200);
    assert_eq!(report["valid"], json!(true), "{report}");
    assert!(report["diagnostics"].is_array());

    // Breaking the journey (drop the edges) is reported as diagnostics, not as a failed call.
    let mut broken = journey.clone();
    broken["edges"] = json!([]);
    let (status, report) = server.api("validate_journey", json!({"journey": broken})).await;
    assert_eq!(status, 200);
    assert_eq!(report["valid"], json!(false));
    let codes: Vec<&str> = report["diagnostics"].as_array().expect("list").iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(codes.contains(&"dead_end"), "{codes:?}");

    // With a scenario: a variable no test contact has is an `unknown_variable` warning on its
    // field; the journey stays valid.
    let mut typo = journey.clone();
    let sms = typo["nodes"].as_array_mut().expect("nodes").iter_mut().find(|n| n["id"] == "confirm_sms").expect("confirm_sms");
    sms["text"] = json!("Hi {{ contact.first_nam }} ({{ contact.id }}, {{ contact.locale }})");
    let scenario = json!({"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "1d",
        "contacts": [{"id": "ana", "attributes": {"first_name": "Ana"}}]});
    let (status, report) = server.api("validate_journey", json!({"journey": typo, "scenario": scenario})).await;
    assert_eq!(status, 200);
    assert_eq!(report["valid"], json!(true), "{report}");
    let unknown: Vec<&Value> = report["diagnostics"].as_array().expect("list").iter().filter(|d| d["code"] == "unknown_variable").collect();
    assert_eq!(unknown.len(), 1, "{report}");
    assert_eq!(
        (unknown[0]["severity"].as_str(), unknown[0]["node"].as_str(), unknown[0]["field"].as_str()),
        (Some("warning"), Some("confirm_sms"), Some("text"))
    );
    // Without one (the old contract), or with one that does not parse: no such warning.
    for args in [json!({"journey": typo}), json!({"journey": typo, "scenario": {"format": "nope"}})] {
        let (status, report) = server.api("validate_journey", args).await;
        assert_eq!(status, 200);
        assert!(!report["diagnostics"].as_array().expect("list").iter().any(|d| d["code"] == "unknown_variable"), "{report}");
    }

    server.stop().await;
}

#[tokio::test]
async fn errors_have_the_contract_statuses_and_body() {
    let folder = TempFolder::new("errors");
    let server = Running::start(options(&folder)).await;

    let cases = [
        ("read_journey", json!({"file": "missing.journey.json"}), 404),
        ("read_journey", json!({"file": "../escape.journey.json"}), 400),
        ("save_journey", json!({"file": "/tmp/abs.journey.json", "journey": {}}), 400),
        ("save_journey", json!({"file": "x.txt", "journey": {}}), 400),
        ("read_journey", json!({}), 400),
        ("open_folder", json!({"dir": "/"}), 400),
        ("no_such_command", json!({}), 404),
    ];
    for (command, args, expected) in cases {
        let (status, body) = server.api(command, args.clone()).await;
        assert_eq!(status, expected, "{command} {args}: {body}");
        let message = body["error"].as_str().unwrap_or_else(|| panic!("{command}: no error message in {body}"));
        assert!(!message.is_empty());
    }
    let (status, _, body) = server.request("POST", "/api/list_journeys", &format!("X-Itinera-Token: {TOKEN}\r\n"), "{ not json").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not JSON"), "{body}");

    // The folder was not switched by the refused open_folder.
    let (_, info) = server.api("workspace_info", json!({})).await;
    assert_eq!(info["dir"].as_str().map(PathBuf::from), Some(fs::canonicalize(&folder.0).expect("exists")));
    server.stop().await;
}

#[tokio::test]
async fn open_folder_switches_only_when_allowed() {
    let first = TempFolder::new("first");
    let second = TempFolder::new("second");
    fs::write(second.0.join("only-here.journey.json"), "{}").expect("write");
    let server = Running::start(ServeOptions { allow_open_folder: true, ..options(&first) }).await;
    let (status, info) = server.api("open_folder", json!({"dir": second.0})).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["name"].as_str(), second.0.file_name().and_then(|n| n.to_str()));
    let (_, listed) = server.api("list_journeys", json!({})).await;
    assert_eq!(listed[0]["file"], "only-here.journey.json");
    let (status, _) = server.api("open_folder", json!({"dir": second.0.join("missing")})).await;
    assert_eq!(status, 404);
    server.stop().await;
}

#[tokio::test]
async fn requests_from_other_sites_or_without_the_token_are_refused_and_write_nothing() {
    let folder = TempFolder::new("origin");
    let server = Running::start(options(&folder)).await;
    let port = server.port;
    let token = format!("X-Itinera-Token: {TOKEN}\r\n");
    let save = r#"{"file":"x.journey.json","journey":{"by":"another site"}}"#;
    let refused = [
        // (extra headers, why)
        (format!("{token}Origin: null\r\n"), "a sandboxed frame"),
        (format!("{token}Origin: https://evil.example\r\n"), "another site"),
        (format!("{token}Origin: http://localhost:5173\r\n"), "another local port"),
        (format!("{token}Origin: http://127.0.0.1.evil.example\r\n"), "a look-alike name"),
        (format!("{token}Origin: http://127.0.0.1:{port}.evil\r\n"), "a look-alike port"),
        (String::new(), "no token"),
        ("X-Itinera-Token: guess\r\n".to_owned(), "a wrong token"),
        (format!("X-Itinera-Token: {TOKEN}x\r\n"), "a longer token"),
    ];
    for (headers, why) in &refused {
        let (status, _, body) = server.request("POST", "/api/save_journey", headers, save).await;
        assert_eq!(status, 403, "{why}: {body}");
        assert!(serde_json::from_str::<Value>(&body).is_ok_and(|b| b["error"].is_string()), "{why}: {body}");
    }
    assert!(fs::read_dir(&folder.0).expect("readable").next().is_none(), "nothing was written");

    // The server's own page: its origin and the token.
    for origin in [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")] {
        let (status, _, body) = server.request("POST", "/api/workspace_info", &format!("{token}Origin: {origin}\r\n"), "{}").await;
        assert_eq!(status, 200, "{origin}: {body}");
    }
    // Another Host (DNS rebinding) is refused whatever it carries.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connects");
    let request =
        format!("POST /api/workspace_info HTTP/1.1\r\nHost: evil.example\r\n{token}Content-Length: 2\r\nConnection: close\r\n\r\n{{}}");
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.expect("reads");
    assert!(raw.starts_with("HTTP/1.1 403"), "{raw}");
    // Health needs no token.
    let (status, _, body) = server.request("GET", "/health", "", "").await;
    assert_eq!((status, body.as_str()), (200, r#"{"ok":true}"#));
    server.stop().await;
}

#[tokio::test]
async fn saves_keep_numbers_refuse_duplicate_keys_and_stale_revisions() {
    let folder = TempFolder::new("saves");
    let server = Running::start(options(&folder)).await;
    let token = format!("X-Itinera-Token: {TOKEN}\r\n");
    let body = r#"{"file": "n.journey.json", "journey": {"format": "itinera/journey@1", "amount": 123456789012345678901234567890}}"#;
    let (status, _, answer) = server.request("POST", "/api/save_journey", &token, body).await;
    assert_eq!(status, 200, "{answer}");
    let on_disk = fs::read_to_string(folder.0.join("n.journey.json")).expect("written");
    assert!(on_disk.contains("\"amount\": 123456789012345678901234567890"), "{on_disk}");
    // ... and reads back digit for digit.
    let (status, _, read) = server.request("POST", "/api/read_journey", &token, r#"{"file": "n.journey.json"}"#).await;
    assert_eq!(status, 200, "{read}");
    assert!(read.contains("\"amount\": 123456789012345678901234567890"), "{read}");
    let saved: Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(saved["text"].as_str(), Some(on_disk.as_str()));
    let revision = saved["revision"].as_str().expect("a revision").to_owned();

    let (status, _, answer) =
        server.request("POST", "/api/save_journey", &token, r#"{"file": "d.journey.json", "journey": {"id": "a", "id": "b"}}"#).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("duplicate key"), "{answer}");
    let (status, _, answer) =
        server.request("POST", "/api/read_journey", &token, r#"{"file": "a.journey.json", "file": "b.journey.json"}"#).await;
    assert_eq!(status, 400, "{answer}");
    assert!(!folder.0.join("d.journey.json").exists());

    // A save naming the revision it read succeeds once; the second, now stale, is a 409.
    let (status, read) = server.api("read_journey", json!({"file": "n.journey.json"})).await;
    assert_eq!((status, read["revision"].as_str()), (200, Some(revision.as_str())));
    let (status, first) = server.api("save_journey", json!({"file": "n.journey.json", "journey": {"v": 1}, "expected": revision})).await;
    assert_eq!(status, 200, "{first}");
    let (status, second) = server.api("save_journey", json!({"file": "n.journey.json", "journey": {"v": 2}, "expected": revision})).await;
    assert_eq!(status, 409, "{second}");
    assert!(fs::read_to_string(folder.0.join("n.journey.json")).expect("there").contains("\"v\": 1"));
    // `""`: the file must not exist yet.
    let (status, _) = server.api("save_journey", json!({"file": "n.journey.json", "journey": {}, "expected": ""})).await;
    assert_eq!(status, 409);
    let (status, _) = server.api("save_journey", json!({"file": "new.journey.json", "journey": {}, "expected": ""})).await;
    assert_eq!(status, 200);
    server.stop().await;
}

#[tokio::test]
async fn errors_never_show_where_the_folder_is() {
    let folder = TempFolder::new("paths");
    let server = Running::start(options(&folder)).await;
    let absolute = fs::canonicalize(&folder.0).expect("exists").display().to_string();
    let long = format!("{}.journey.json", "a".repeat(300));
    let deep = format!("{}x.journey.json", "d/".repeat(3000));
    for (command, args) in [
        ("save_journey", json!({"file": long, "journey": {}})),
        ("read_journey", json!({"file": long})),
        ("save_journey", json!({"file": deep, "journey": {}})),
        ("read_journey", json!({"file": "missing/x.journey.json"})),
        ("read_scenario", json!({"file": "missing.scenario.json"})),
    ] {
        let (status, body) = server.api(command, args).await;
        assert!(status == 400 || status == 404, "{command}: {status} {body}");
        assert!(!body.to_string().contains(&absolute), "{command}: {body}");
    }
    assert!(fs::read_dir(&folder.0).expect("readable").next().is_none(), "no folder was created");
    server.stop().await;
}

#[tokio::test]
async fn a_simulation_over_the_servers_limit_is_refused() {
    let folder = TempFolder::new("limit");
    let mut limited = options(&folder);
    limited.limits.max_sim_contacts = 10;
    let server = Running::start(limited).await;
    let (_, templates) = server.api("list_templates", json!({})).await;
    let journey = templates[0]["journey"].clone();
    let scenario = json!({"format": "itinera/scenario@1", "start": "2026-03-01T09:00:00Z", "run_for": "7d",
        "population": {"count": 11, "attributes": {}}});
    let (status, body) = server.api("simulate_journey", json!({"journey": journey, "scenario": scenario})).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("--max-sim-contacts")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_does_not_finish_its_headers_is_disconnected() {
    let folder = TempFolder::new("slow");
    let mut quick = options(&folder);
    quick.limits.header_read_timeout = std::time::Duration::from_millis(300);
    let server = Running::start(quick).await;
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).await.expect("connects");
    stream.write_all(b"POST /api/list_journeys HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half").await.expect("sends");
    let mut rest = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the server closed the connection");
    // Others are still served.
    let (status, _) = server.api("list_journeys", json!({})).await;
    assert_eq!(status, 200);
    server.stop().await;
}

#[tokio::test]
async fn the_editor_is_served_at_the_root_only_with_a_ui_folder() {
    let folder = TempFolder::new("ui-data");
    let ui = TempFolder::new("ui-dist");
    fs::write(ui.0.join("index.html"), "<!doctype html><head><title>Itinera</title></head>").expect("write");
    fs::create_dir_all(ui.0.join("assets")).expect("mkdir");
    fs::write(ui.0.join("assets/app.js"), "console.log(1)").expect("write");

    let server = Running::start(ServeOptions { ui_dir: Some(ui.0.clone()), ..options(&folder) }).await;
    let (status, head, body) = server.request("GET", "/", "", "").await;
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-type: text/html"), "{head}");
    // The page carries the API token for its calls.
    assert_eq!(body, format!("<!doctype html><head><title>Itinera</title><meta name=\"itinera-api-token\" content=\"{TOKEN}\"></head>"));
    assert!(head.to_ascii_lowercase().contains("cache-control: no-store"), "{head}");
    let (status, _, body) = server.request("GET", "/assets/app.js", "", "").await;
    assert_eq!((status, body.as_str()), (200, "console.log(1)"));
    let (status, _) = server.api("workspace_info", json!({})).await;
    assert_eq!(status, 200, "the API is served next to the editor");
    server.stop().await;

    let api_only = Running::start(options(&folder)).await;
    let (status, _, _) = api_only.request("GET", "/", "", "").await;
    assert_eq!(status, 404);
    api_only.stop().await;

    let empty = TempFolder::new("ui-empty");
    let error = Server::bind(ServeOptions { ui_dir: Some(empty.0.clone()), ..options(&folder) }).await.err().expect("refused");
    assert!(error.to_string().contains("npm --prefix ui run build"), "{error}");
}

#[tokio::test]
async fn simulations_run_over_http_and_an_invalid_journey_is_a_400_with_diagnostics() {
    let folder = TempFolder::new("simulate");
    let server = Running::start(options(&folder)).await;
    let (_, templates) = server.api("list_templates", json!({})).await;
    let journey = templates[0]["journey"].clone();
    let (status, scenarios) = server.api("list_scenarios", json!({})).await;
    assert_eq!(status, 200);
    let sample = scenarios
        .as_array()
        .and_then(|all| all.iter().find(|s| s["journey_id"] == journey["id"]))
        .unwrap_or_else(|| panic!("a sample scenario for {}: {scenarios}", journey["id"]))
        .clone();

    let (status, report) = server.api("simulate_journey", json!({"journey": journey, "scenario": sample["scenario"]})).await;
    assert_eq!(status, 200, "{report}");
    let contacts = report["contacts"].as_array().expect("contacts").len();
    assert_eq!(Some(contacts), sample["scenario"]["contacts"].as_array().map(Vec::len));
    assert_eq!(report["summary"]["contacts"], json!(contacts));

    let mut broken = journey.clone();
    broken["edges"] = json!([]);
    let (status, body) = server.api("simulate_journey", json!({"journey": broken, "scenario": sample["scenario"]})).await;
    assert_eq!(status, 400);
    assert!(body["error"].is_string() && body["diagnostics"].as_array().is_some_and(|d| !d.is_empty()), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_server_cancels_a_running_simulation_at_once() {
    let folder = TempFolder::new("stop");
    let server = Running::start(options(&folder)).await;
    let (_, templates) = server.api("list_templates", json!({})).await;
    let journey = templates[0]["journey"].clone();
    // A million generated contacts: tens of seconds in a debug build.
    let scenario = json!({"format": "itinera/scenario@1", "start": "2026-03-01T09:00:00Z", "run_for": "7d",
        "population": {"count": 1_000_000, "attributes": {}}});
    let body = json!({"journey": journey, "scenario": scenario}).to_string();
    let port = server.port;
    let request = tokio::spawn(async move {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connects");
        let head = format!(
            "POST /api/simulate_journey HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Itinera-Token: {TOKEN}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("sends");
        stream.write_all(body.as_bytes()).await.expect("sends");
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        String::from_utf8_lossy(&raw).into_owned()
    });
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let started = std::time::Instant::now();
    server.stop().await;
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(3), "stopping took {took:?}");
    let answer = tokio::time::timeout(std::time::Duration::from_secs(5), request).await.expect("the client is answered").expect("no panic");
    // The simulation saw the cancel and answered before the connection closed.
    assert!(answer.starts_with("HTTP/1.1 503"), "{}", &answer[..answer.len().min(300)]);
}

/// `simulate_journey_stream` read as it comes: the NDJSON lines of the body.
async fn stream_lines(port: u16, body: &Value, token: &str) -> (u16, String, Vec<Value>) {
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/simulate_journey_stream"))
        .header("X-Itinera-Token", token)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let text = response.text().await.expect("a body");
    if kind != "application/x-ndjson" {
        return (status, kind, vec![serde_json::from_str(&text).unwrap_or(Value::Null)]);
    }
    let lines = text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"))).collect();
    (status, kind, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_simulation_sends_progress_lines_then_the_report_simulate_journey_gives() {
    let folder = TempFolder::new("stream");
    let server = Running::start(options(&folder)).await;
    let (_, templates) = server.api("list_templates", json!({})).await;
    let journey = templates[0]["journey"].clone();
    let scenario = json!({"format": "itinera/scenario@1", "start": "2026-03-01T09:00:00Z", "run_for": "7d", "seed": 3,
        "population": {"count": 20_000, "attributes": {}, "channels": {"sms": {"address": 1.0, "consent": 1.0}},
                       "events": [{"name": "appointment_booked", "at": {"from": "+0m", "to": "+2d"}, "probability": 0.9}]}});
    let args = json!({"journey": journey, "scenario": scenario});
    let (status, kind, lines) = stream_lines(server.port, &args, TOKEN).await;
    assert_eq!((status, kind.as_str()), (200, "application/x-ndjson"));
    let (last, progress) = lines.split_last().expect("lines");
    let done: Vec<u64> = progress.iter().map(|l| l["progress"]["done"].as_u64().expect("a progress line")).collect();
    assert_eq!(done.first(), Some(&0), "{done:?}");
    assert_eq!(done.last(), Some(&20_000), "{done:?}");
    assert!(done.windows(2).all(|w| w[0] < w[1]), "{done:?}");
    assert!(progress.iter().all(|l| l["progress"]["total"] == json!(20_000) && l["progress"]["elapsed_ms"].is_u64()));
    let (status, plain) = server.api("simulate_journey", args.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(last["report"], plain, "the streamed report is simulate_journey's");

    // Following one contact: the stream says 0 then 1 of 1, and the report says simulated 1.
    let follow = json!({"journey": journey, "scenario": scenario, "contacts": ["p19999"]});
    let (_, _, lines) = stream_lines(server.port, &follow, TOKEN).await;
    let done: Vec<Value> = lines.iter().filter_map(|l| l.get("progress").map(|p| p["done"].clone())).collect();
    assert_eq!(done, [json!(0), json!(1)]);
    let report = &lines.last().expect("a report")["report"];
    assert_eq!((report["simulated"].clone(), report["contacts"][0]["id"].clone()), (json!(1), json!("p19999")));

    // A run that cannot start is answered as simulate_journey answers it; the token is checked.
    let mut broken = journey.clone();
    broken["edges"] = json!([]);
    let (status, kind, body) = stream_lines(server.port, &json!({"journey": broken, "scenario": scenario}), TOKEN).await;
    assert_eq!((status, kind.as_str()), (400, "application/json"));
    assert!(body[0]["diagnostics"].as_array().is_some_and(|d| !d.is_empty()), "{body:?}");
    let (status, _, _) = stream_lines(server.port, &args, "wrong").await;
    assert_eq!(status, 403);
    server.stop().await;
}

/// Polls `command` until `done` holds for its answer (the engine runs on its own).
async fn eventually(server: &Running, command: &str, args: Value, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let (status, body) = server.api(command, args.clone()).await;
        assert_eq!(status, 200, "{command}: {body}");
        if done(&body) {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{command} {args}: the engine did not get there in 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_db_the_editor_publishes_sends_a_test_event_and_watches_it_live() {
    let folder = TempFolder::new("live");
    let db = folder.0.join("engine.db");
    let server = Running::start(ServeOptions { db: Some(db.clone()), ..options(&folder) }).await;

    let (status, info) = server.api("engine_info", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(info["db"].as_str().map(PathBuf::from), Some(db.clone()));
    assert_eq!(info["running"], json!(true));

    let (_, templates) = server.api("list_templates", json!({})).await;
    let journey =
        templates.as_array().expect("list").iter().find(|t| t["id"] == "appointment-reminder").expect("template")["journey"].clone();
    let (status, dry) = server.api("publish_journey", json!({"journey": journey, "dry_run": true})).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!((dry["version"].clone(), dry["dry_run"].clone(), dry["unchanged"].clone()), (json!(1), json!(true), json!(false)));
    let (status, published) = server.api("publish_journey", json!({"journey": journey})).await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["changed"], json!(true));

    // A date far ahead: the contact waits for the day before.
    let contact = json!({
        "id": "test-patient",
        "attributes": {"first_name": "Ana"},
        "addresses": {"sms": "+351910000000", "whatsapp": "+351910000000"},
        "consent": {"sms": true, "whatsapp": true}
    });
    let data = json!({"starts_at": "2099-03-04T15:00:00Z", "location": "Rua Augusta 10"});
    let (status, sent) = server.api("send_test_event", json!({"journey": "appointment-reminder", "contact": contact, "data": data})).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["event"], "appointment_booked");

    let page = eventually(&server, "list_enrollments", json!({"journey": "appointment-reminder", "search": "patient"}), |p| {
        p["enrollments"][0]["outcome"] == "waiting"
    })
    .await;
    assert_eq!(page["total"], json!(1));
    let node = page["enrollments"][0]["node"].as_str().expect("a node").to_string();
    let counts =
        eventually(&server, "live_counts", json!({"journey": "appointment-reminder"}), |c| c["nodes"][&node]["waiting"] == 1).await;
    assert_eq!(counts["nodes"]["booked"]["entered"], json!(1));
    let (status, timeline) = server.api("contact_timeline", json!({"journey": "appointment-reminder", "contact": "test-patient"})).await;
    assert_eq!(status, 200, "{timeline}");
    assert_eq!(timeline["steps"][0]["node"], "booked");
    assert_eq!(timeline["outcome"], "waiting");
    let (status, versions) = server.api("live_status", json!({"journey": "appointment-reminder"})).await;
    assert_eq!(status, 200);
    assert_eq!(versions[0]["entered"], json!(1));

    let (status, paused) = server.api("set_version_status", json!({"journey": "appointment-reminder", "status": "paused"})).await;
    assert_eq!((status, paused["status"].clone()), (200, json!("paused")));
    let (status, body) = server.api("set_version_status", json!({"journey": "appointment-reminder", "status": "gone"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = server.api("contact_timeline", json!({"journey": "appointment-reminder", "contact": "nobody"})).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = server.api("send_test_event", json!({"journey": "appointment-reminder", "contact": {"id": "x", "fax": 1}})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().is_some_and(|m| m.contains("fax")), "{body}");
    let (status, body) = server.api("publish_journey", json!({})).await;
    assert_eq!(status, 400, "{body}");
    server.stop().await;

    // What the engine sent went to the record sink beside the database.
    let records = fs::read_to_string(folder.0.join("engine.db.records.jsonl")).unwrap_or_default();
    let (_, outbox) = {
        let again = Running::start(ServeOptions { db: Some(db.clone()), ..options(&folder) }).await;
        let answer = again.api("list_outbox", json!({"journey": "appointment-reminder"})).await;
        again.stop().await;
        answer
    };
    for row in outbox.as_array().expect("list") {
        if row["status"] == "sent" {
            assert!(records.contains(row["key"].as_str().expect("a key")), "{row} not in {records}");
        }
    }
}

#[tokio::test]
async fn without_db_the_live_commands_say_how_to_get_them() {
    let folder = TempFolder::new("nolive");
    let server = Running::start(options(&folder)).await;
    let (status, info) = server.api("engine_info", json!({})).await;
    assert_eq!((status, info["db"].clone()), (200, Value::Null));
    for command in ["publish_journey", "live_status", "list_enrollments", "send_test_event", "list_outbox"] {
        let args = match command {
            "publish_journey" => json!({"journey": {}}),
            "send_test_event" => json!({"journey": "j", "contact": {"id": "a"}}),
            _ => json!({"journey": "j"}),
        };
        let (status, body) = server.api(command, args).await;
        assert_eq!(status, 400, "{command}: {body}");
        assert!(body["error"].as_str().is_some_and(|m| m.contains("--db")), "{command}: {body}");
    }
    server.stop().await;
}
