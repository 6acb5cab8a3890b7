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
        let (status, _, body) = self.request("POST", &format!("/api/{command}"), "", &args.to_string()).await;
        let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{command}: not JSON ({e}): {body}"));
        (status, value)
    }
}

fn options(dir: &TempFolder) -> ServeOptions {
    ServeOptions { dir: dir.0.clone(), port: 0, ui_dir: None, allow_open_folder: false }
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
    let (status, _, body) = server.request("POST", "/api/list_journeys", "", "{ not json").await;
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
async fn requests_from_other_sites_are_refused() {
    let folder = TempFolder::new("origin");
    let server = Running::start(options(&folder)).await;
    let (status, _, _) = server.request("POST", "/api/workspace_info", "Origin: https://evil.example\r\n", "{}").await;
    assert_eq!(status, 403);
    let (status, _, _) = server.request("POST", "/api/workspace_info", "Origin: http://localhost:5173\r\n", "{}").await;
    assert_eq!(status, 200);
    let (status, _, _) = server.request("POST", "/api/workspace_info", "Origin: http://127.0.0.1.evil.example\r\n", "{}").await;
    assert_eq!(status, 403);
    server.stop().await;
}

#[tokio::test]
async fn the_editor_is_served_at_the_root_only_with_a_ui_folder() {
    let folder = TempFolder::new("ui-data");
    let ui = TempFolder::new("ui-dist");
    fs::write(ui.0.join("index.html"), "<!doctype html><title>Itinera</title>").expect("write");
    fs::create_dir_all(ui.0.join("assets")).expect("mkdir");
    fs::write(ui.0.join("assets/app.js"), "console.log(1)").expect("write");

    let server = Running::start(ServeOptions { ui_dir: Some(ui.0.clone()), ..options(&folder) }).await;
    let (status, head, body) = server.request("GET", "/", "", "").await;
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-type: text/html"), "{head}");
    assert_eq!(body, "<!doctype html><title>Itinera</title>");
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
