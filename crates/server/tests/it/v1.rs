//! The `/v1` API end to end: a real server (with its engine) on a free port, real requests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use itinera_server::{ServeOptions, Server};
use itinera_store::Store;
use itinera_store::tokens::Scope;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

struct Running {
    url: String,
    db: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// The tokens every test server has.
struct Tokens {
    publish: String,
    ingest: String,
    read: String,
}

fn make_token(db: &Path, scope: Scope) -> (String, String) {
    let mut store = Store::open(db).unwrap();
    let tx = store.transaction().unwrap();
    let made = tx.create_token("test", scope, jiff::Timestamp::now()).unwrap();
    tx.commit().unwrap();
    (made.info.id, made.token)
}

impl Running {
    async fn start() -> (Running, Tokens) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("engine.db");
        let tokens = Tokens {
            publish: make_token(&db, Scope::Publish).1,
            ingest: make_token(&db, Scope::Ingest).1,
            read: make_token(&db, Scope::Read).1,
        };
        let server = Server::bind(ServeOptions::engine(&db)).await.expect("binds");
        let url = server.url();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server.run_until(async { drop(stopped.await) }).await.expect("serves");
        });
        let http = reqwest::Client::new();
        (Running { url, db, stop: Some(stop), task, http, _dir: dir }, tokens)
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.expect("the server task ends cleanly");
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        let response = request.send().await.expect("answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}"));
        (status, headers, value)
    }

    async fn json(&self, method: &str, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let (status, _, value) = self.call(method, path, Some(token), Some(body.to_string())).await;
        (status, value)
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let (status, _, value) = self.call("GET", path, Some(token), None).await;
        (status, value)
    }
}

fn journey() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/journeys/appointment-reminder.journey.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn assert_error(value: &Value, code: &str) {
    assert_eq!(value["error"]["code"], code, "{value}");
    assert!(value["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{value}");
}

fn inbox_rows(db: &Path) -> i64 {
    let mut store = Store::open(db).unwrap();
    let tx = store.read().unwrap();
    tx.conn().query_row("SELECT COUNT(*) FROM inbox", [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn every_route_wants_a_token_with_its_scope() {
    let (server, tokens) = Running::start().await;
    for (method, path) in itinera_server::v1::ROUTES {
        let path = path.replace("{id}", "x");
        let body = if *method == "get" { None } else { Some("{}".to_string()) };
        let (status, headers, value) = server.call(method, &path, None, body.clone()).await;
        if path == "/v1/openapi.json" {
            assert_eq!(status, StatusCode::OK);
            continue;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {value}");
        assert_error(&value, "unauthorized");
        assert!(headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"), "{method} {path}");
        let (status, _, value) = server.call(method, &path, Some("itn_not-a-token"), body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {value}");
        // The scope each route needs; the two others are refused with 403.
        let needs = match (*method, path.as_str()) {
            ("put", _) | ("post", "/v1/events") => Scope::Ingest,
            ("post", _) => Scope::Publish,
            _ => Scope::Read,
        };
        for (scope, token) in [(Scope::Publish, &tokens.publish), (Scope::Ingest, &tokens.ingest), (Scope::Read, &tokens.read)] {
            let (status, _, value) = server.call(method, &path, Some(token), body.clone()).await;
            if scope == needs {
                assert_ne!(status, StatusCode::FORBIDDEN, "{method} {path} with {scope}: {value}");
                assert_ne!(status, StatusCode::UNAUTHORIZED, "{method} {path} with {scope}: {value}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} with {scope}: {value}");
                assert_error(&value, "forbidden");
            }
        }
    }
    // A revoked token is refused.
    let (id, token) = make_token(&server.db, Scope::Read);
    assert_eq!(server.get("/v1/journeys", &token).await.0, StatusCode::OK);
    {
        let mut store = Store::open(&server.db).unwrap();
        let tx = store.transaction().unwrap();
        assert!(tx.revoke_token(&id, jiff::Timestamp::now()).unwrap());
        tx.commit().unwrap();
    }
    let (status, value) = server.get("/v1/journeys", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(value["error"]["message"].as_str().unwrap().contains("revoked"), "{value}");
    let (status, value) = server.get("/v1/nothing-here", &tokens.read).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&value, "not_found");
    server.stop().await;
}

#[tokio::test]
async fn journeys_are_published_listed_read_paused_resumed_and_archived() {
    let (server, tokens) = Running::start().await;
    let (status, dry) = server.json("POST", "/v1/journeys?dry_run=true", &tokens.publish, journey()).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!((dry["version"].as_u64(), dry["changed"].as_bool()), (Some(1), Some(false)));
    assert_eq!(server.get("/v1/journeys", &tokens.read).await.1, json!([]));

    let (status, published) = server.json("POST", "/v1/journeys", &tokens.publish, journey()).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["journey"], "appointment-reminder");
    assert_eq!((published["version"].as_u64(), published["changed"].as_bool()), (Some(1), Some(true)));
    assert!(published["impact"].is_array());
    let (_, again) = server.json("POST", "/v1/journeys", &tokens.publish, journey()).await;
    assert_eq!((again["version"].as_u64(), again["changed"].as_bool()), (Some(1), Some(false)));

    let (status, list) = server.get("/v1/journeys", &tokens.read).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        (list[0]["id"].as_str(), list[0]["version"].as_u64(), list[0]["status"].as_str()),
        (Some("appointment-reminder"), Some(1), Some("active"))
    );
    let (status, detail) = server.get("/v1/journeys/appointment-reminder", &tokens.read).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["journey"]["id"], "appointment-reminder");
    assert_eq!(detail["versions"][0]["version"], 1);
    let (status, missing) = server.get("/v1/journeys/nope", &tokens.read).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&missing, "not_found");

    for (action, word) in [("pause", "paused"), ("resume", "active"), ("archive", "archived")] {
        let (status, changed) =
            server.json("POST", &format!("/v1/journeys/appointment-reminder/{action}"), &tokens.publish, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["status"], word);
        assert_eq!(server.get("/v1/journeys", &tokens.read).await.1[0]["status"], word);
    }
    let (status, _) = server.json("POST", "/v1/journeys/nope/pause", &tokens.publish, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A journey with errors: 422 with its diagnostics; malformed JSON: 400 naming line and column.
    let mut broken = journey();
    broken["edges"] = json!([]);
    broken["id"] = json!("broken");
    let (status, invalid) = server.json("POST", "/v1/journeys", &tokens.publish, broken).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&invalid, "invalid_journey");
    assert!(!invalid["error"]["diagnostics"].as_array().unwrap().is_empty(), "{invalid}");
    let (status, _, bad) = server.call("POST", "/v1/journeys", Some(&tokens.publish), Some("{\n  \"id\": \"x\",\n  oops\n}".into())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&bad, "invalid_json");
    assert!(bad["error"]["message"].as_str().unwrap().contains("line 3 column"), "{bad}");
    let (status, _, bad) = server.call("POST", "/v1/journeys?dry_run=maybe", Some(&tokens.publish), Some(journey().to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    server.stop().await;
}

#[tokio::test]
async fn contacts_are_upserted_and_read_back() {
    let (server, tokens) = Running::start().await;
    let ana = json!({"attributes": {"first_name": "Ana"}, "addresses": {"sms": "+351910000000"}, "consent": {"sms": true},
                     "consent_evidence": {"sms": {"source": "web form", "shown": "Text me"}}});
    let (status, saved) = server.json("PUT", "/v1/contacts/ana", &tokens.ingest, ana.clone()).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved, json!({"id": "ana", "created": true, "changed": true}));
    let (_, same) = server.json("PUT", "/v1/contacts/ana", &tokens.ingest, ana.clone()).await;
    assert_eq!(same, json!({"id": "ana", "created": false, "changed": false}));
    let (status, read) = server.get("/v1/contacts/ana", &tokens.read).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["id"], "ana");
    assert_eq!(read["attributes"]["first_name"], "Ana");
    assert_eq!(read["consent"]["sms"], true);
    assert_eq!(read["consent_evidence"][0]["source"], "web form");

    let (status, wrong) = server.json("PUT", "/v1/contacts/ana", &tokens.ingest, json!({"id": "bob"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong["error"]["field"], "id", "{wrong}");
    let (status, wrong) = server.json("PUT", "/v1/contacts/ana", &tokens.ingest, json!({"consent": {"fax": true}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(wrong["error"]["message"].as_str().unwrap().contains("fax"), "{wrong}");
    let (status, wrong) = server.json("PUT", "/v1/contacts/ana", &tokens.ingest, json!({"nickname": "A"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(wrong["error"]["message"].as_str().unwrap().contains("nickname"), "{wrong}");
    let (status, wrong) = server.json("PUT", "/v1/contacts/ana", &tokens.ingest, json!([1])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{wrong}");
    let (status, _) = server.get("/v1/contacts/nobody", &tokens.read).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server.get("/v1/contacts/nobody/timeline", &tokens.read).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn events_are_committed_before_the_202_idempotent_and_create_unknown_contacts() {
    let (server, tokens) = Running::start().await;
    let (status, one) = server.json("POST", "/v1/events", &tokens.ingest, json!({"id": "e1", "contact": "zoe", "name": "visited"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{one}");
    assert_eq!(one, json!({"accepted": 1, "new": 1, "duplicate": 0, "contacts_created": 1}));
    // Read with a second connection right after the 202: the event is there.
    assert_eq!(inbox_rows(&server.db), 1);
    let (_, zoe) = server.get("/v1/contacts/zoe", &tokens.read).await;
    assert_eq!((zoe["addresses"].clone(), zoe["consent"].clone()), (json!({}), json!({})), "{zoe}");

    let batch: Vec<Value> =
        (0..500).map(|i| json!({"id": format!("b{i}"), "contact": format!("c{}", i % 10), "name": "visited", "data": {"i": i}})).collect();
    let mut with_repeat = batch.clone();
    with_repeat.push(json!({"id": "e1", "contact": "zoe", "name": "visited"}));
    let (status, many) = server.json("POST", "/v1/events", &tokens.ingest, json!({"events": with_repeat})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{many}");
    assert_eq!(many, json!({"accepted": 501, "new": 500, "duplicate": 1, "contacts_created": 10}));
    assert_eq!(inbox_rows(&server.db), 501);
    let (_, again) = server.json("POST", "/v1/events", &tokens.ingest, json!({"events": batch})).await;
    assert_eq!(again, json!({"accepted": 500, "new": 0, "duplicate": 500, "contacts_created": 0}));
    assert_eq!(inbox_rows(&server.db), 501);

    // Malformed bodies name the field; too many events or too many bytes are 413.
    let (status, bad) = server
        .json(
            "POST",
            "/v1/events",
            &tokens.ingest,
            json!({"events": [{"id": "x", "contact": "c", "name": "n"}, {"id": "y", "contact": 5, "name": "n"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["field"], "events[1].contact", "{bad}");
    assert!(bad["error"]["message"].as_str().unwrap().contains("column"), "{bad}");
    let (status, bad) =
        server.json("POST", "/v1/events", &tokens.ingest, json!({"id": "x", "contact": "c", "name": "n", "colour": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad["error"]["message"].as_str().unwrap().contains("colour"), "{bad}");
    let (status, bad) = server.json("POST", "/v1/events", &tokens.ingest, json!({"id": "x", "name": "n"})).await;
    assert_eq!((status, bad["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("contact")), "{bad}");
    let (status, _, bad) = server.call("POST", "/v1/events", Some(&tokens.ingest), Some("{\"id\": ".into())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&bad, "invalid_json");
    let too_many: Vec<Value> = (0..1001).map(|i| json!({"id": format!("t{i}"), "contact": "c", "name": "n"})).collect();
    let (status, bad) = server.json("POST", "/v1/events", &tokens.ingest, json!({"events": too_many})).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&bad, "too_large");
    let huge = format!(
        "{{\"id\": \"h\", \"contact\": \"c\", \"name\": \"n\", \"data\": {{\"x\": \"{}\"}}}}",
        "a".repeat(itinera_server::v1::API_BODY_BYTES)
    );
    let (status, _, bad) = server.call("POST", "/v1/events", Some(&tokens.ingest), Some(huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&bad, "too_large");
    assert_eq!(inbox_rows(&server.db), 501, "nothing of the refused requests was stored");
    server.stop().await;
}

#[tokio::test]
async fn an_event_runs_the_journey_and_shows_in_the_timeline_and_stats() {
    let (server, tokens) = Running::start().await;
    assert_eq!(server.json("POST", "/v1/journeys", &tokens.publish, journey()).await.0, StatusCode::OK);
    let contact = json!({"attributes": {"first_name": "Ana"}, "addresses": {"sms": "+351910000000", "whatsapp": "+351910000000"},
                         "consent": {"sms": true, "whatsapp": true}});
    assert_eq!(server.json("PUT", "/v1/contacts/ana", &tokens.ingest, contact).await.0, StatusCode::OK);
    let event = json!({"id": "booking-1", "contact": "ana", "name": "appointment_booked",
                       "data": {"starts_at": "2099-01-01T10:00:00Z", "location": "Lisbon"}});
    assert_eq!(server.json("POST", "/v1/events", &tokens.ingest, event).await.0, StatusCode::ACCEPTED);
    // The engine was woken by the commit: the contact enters and the first message goes out.
    let mut timeline = Value::Null;
    for _ in 0..100 {
        let (status, value) = server.get("/v1/contacts/ana/timeline", &tokens.read).await;
        assert_eq!(status, StatusCode::OK, "{value}");
        timeline = value;
        let steps = &timeline["journeys"]["appointment-reminder"]["steps"];
        if steps.as_array().is_some_and(|s| s.iter().any(|s| s["node"] == "confirm_sms" && s["result"] == "delivered")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let line = &timeline["journeys"]["appointment-reminder"];
    assert_eq!(line["steps"][0]["node"], "booked", "{timeline}");
    assert!(line["messages"].as_array().is_some_and(|m| !m.is_empty()), "{timeline}");
    let (status, stats) = server.get("/v1/journeys/appointment-reminder/stats", &tokens.read).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let v1 = &stats["versions"][0];
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["entered"], 1, "{stats}");
    assert_eq!(v1["nodes"]["booked"]["entered"], 1);
    assert_eq!(v1["nodes"]["confirm_sms"]["messages"]["sms"]["sent"], 1, "{stats}");
    assert_eq!(v1["nodes"]["wait_day_before"]["waiting"], 1, "{stats}");
    assert_eq!(v1["goal_conversion"], 0.0);
    let (status, _) = server.get("/v1/journeys/nope/stats", &tokens.read).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_served_and_matches_the_routes() {
    let (server, _) = Running::start().await;
    let (status, _, doc) = server.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    let mut routed: Vec<(String, String)> = itinera_server::v1::ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed);
    assert!(doc["components"]["schemas"]["EventsBody"].is_object(), "{doc}");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    server.stop().await;
}

#[tokio::test]
async fn the_editor_routes_stay_loopback_only_while_v1_answers_any_host() {
    let (server, tokens) = Running::start().await;
    let foreign = |path: &str| server.http.get(format!("{}{path}", server.url)).header("host", "journeys.example.com");
    let editor = server.http.post(format!("{}/api/engine_info", server.url)).header("host", "journeys.example.com").body("{}");
    assert_eq!(editor.send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let v1 = foreign("/v1/journeys").bearer_auth(&tokens.read).send().await.unwrap();
    assert_eq!(v1.status(), StatusCode::OK);
    assert_eq!(foreign("/").send().await.unwrap().status(), StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test]
async fn without_an_engine_v1_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::bind(ServeOptions::new(dir.path())).await.expect("binds");
    let url = server.url();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move { server.run_until(async { drop(stopped.await) }).await.expect("serves") });
    let response = reqwest::get(format!("{url}/v1/journeys")).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let value: Value = response.json().await.unwrap();
    assert_error(&value, "no_engine");
    let _ = stop.send(());
    task.await.unwrap();
    assert!(matches!(Server::bind(ServeOptions { dir: None, ..ServeOptions::new("") }).await, Err(itinera_server::ServeError::Nothing)));
}

/// This machine's address on its default route, if it has one that is not loopback.
fn outside_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn bound_elsewhere_the_editor_refuses_other_machines_and_v1_answers_them() {
    let Some(ip) = outside_address() else {
        eprintln!("skipped: this machine has no non-loopback address");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let (_, read) = make_token(&db, Scope::Read);
    let options = ServeOptions {
        bind: "0.0.0.0".parse().unwrap(),
        api_token: Some("editor-secret".into()),
        ..ServeOptions { dir: Some(dir.path().to_path_buf()), ..ServeOptions::engine(&db) }
    };
    let server = Server::bind(options).await.expect("binds");
    let port = server.local_addr().port();
    assert_eq!(server.url(), format!("http://0.0.0.0:{port}"));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move { server.run_until(async { drop(stopped.await) }).await.expect("serves") });
    let http = reqwest::Client::new();
    // The same request, with a loopback Host, from loopback and from the machine's own outside
    // address: only the first reaches the editor's API.
    let editor = |host: String| {
        http.post(format!("http://{host}:{port}/api/engine_info"))
            .header("host", format!("127.0.0.1:{port}"))
            .header("x-itinera-token", "editor-secret")
            .body("{}")
            .send()
    };
    assert_eq!(editor("127.0.0.1".into()).await.unwrap().status(), StatusCode::OK);
    assert_eq!(editor(ip.to_string()).await.unwrap().status(), StatusCode::FORBIDDEN);
    let v1 = http.get(format!("http://{ip}:{port}/v1/journeys")).bearer_auth(&read).send().await.unwrap();
    assert_eq!(v1.status(), StatusCode::OK);
    let _ = stop.send(());
    task.await.unwrap();
}

#[tokio::test]
async fn deployments_add_routes_next_to_v1() {
    use axum::routing::post;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let (_, read) = make_token(&db, Scope::Read);
    let hooks = itinera_server::EngineRoutes(std::sync::Arc::new(|api: &std::sync::Arc<itinera_service::Api>| {
        let api = api.clone();
        axum::Router::new().route(
            "/custom/ping",
            post(move || {
                let api = api.clone();
                async move {
                    let event =
                        itinera_service::EventIn { id: "hook-1".into(), contact: "h".into(), name: "pinged".into(), data: None, at: None };
                    axum::Json(api.push_events(vec![event]).await.map_or(0, |a| a.new))
                }
            }),
        )
    }));
    let extra = axum::Router::new().route("/extra/{token}", axum::routing::get(|| async { "page" }));
    let options = ServeOptions { engine_routes: Some(hooks), extra_routes: Some(extra), ..ServeOptions::engine(&db) };
    let server = Server::bind(options).await.expect("binds");
    let url = server.url();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move { server.run_until(async { drop(stopped.await) }).await.expect("serves") });
    let http = reqwest::Client::new();
    let pinged = http.post(format!("{url}/custom/ping")).send().await.unwrap();
    assert_eq!(pinged.text().await.unwrap(), "1");
    assert_eq!(http.get(format!("{url}/extra/abc")).send().await.unwrap().text().await.unwrap(), "page");
    let contact: Value = http.get(format!("{url}/v1/contacts/h")).bearer_auth(&read).send().await.unwrap().json().await.unwrap();
    assert_eq!(contact["id"], "h");
    let _ = stop.send(());
    task.await.unwrap();
}
