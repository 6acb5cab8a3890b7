//! The providers under the real engine service, on a manual clock: a WhatsApp outage that ends
//! with every message delivered exactly once, an opt-out that revokes consent, the provider id
//! on the outbox row, and the webhook node's signed calls.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use itinera_engine::ManualClock;
use itinera_providers::config::Config;
use itinera_runtime::intake::{self, PublishOptions};
use itinera_runtime::{Options, Service};
use itinera_store::Store;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

/// trigger `booked` → WhatsApp template (failed → `lost`) → exit `done`.
fn journey() -> String {
    json!({
        "format": "itinera/journey@1", "id": "remind", "name": "Remind",
        "nodes": [
            {"id": "start", "type": "trigger", "event": "booked"},
            {"id": "wa", "type": "send", "channel": "whatsapp",
             "template": {"name": "appointment_reminder", "language": "en", "params": ["{{ contact.first_name }}"]},
             "buttons": [{"id": "confirm", "title": "Confirm"}]},
            {"id": "done", "type": "exit"},
            {"id": "lost", "type": "exit"}
        ],
        "edges": [
            {"from": "start", "to": "wa"},
            {"from": "wa", "to": "done"},
            {"from": "wa", "port": "failed", "to": "lost"}
        ]
    })
    .to_string()
}

/// The fake Graph API: 503 for the first `down` calls, then `messages[0].id = wamid.<key>`,
/// or the error `code` for the contact whose number is `refuse`.
struct Graph {
    down: usize,
    calls: AtomicUsize,
    accepted: Mutex<BTreeMap<String, usize>>,
    refuse: Option<(&'static str, i64)>,
}

impl Respond for Graph {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.down {
            return ResponseTemplate::new(503).set_body_string("Service Unavailable");
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        if let Some((to, code)) = self.refuse
            && body["to"] == to
        {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"message": "refused", "type": "OAuthException", "code": code, "fbtrace_id": "x"}}));
        }
        let key = request.headers.get("idempotency-key").unwrap().to_str().unwrap().to_string();
        *self.accepted.lock().unwrap().entry(key.clone()).or_default() += 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": format!("wamid.{key}")}]
        }))
    }
}

fn config(server: &MockServer) -> Config {
    let text = format!(
        r#"public_url = "https://journeys.example.com"
[channels.whatsapp]
provider = "whatsapp_cloud"
phone_number_id = "1234567890"
access_token = "env:WA_ACCESS_TOKEN"
app_secret = "env:WA_APP_SECRET"
verify_token = "env:WA_VERIFY_TOKEN"
api_base = "{}/v21.0"
"#,
        server.uri()
    );
    Config::parse("itinera.toml", &text, &|n| Some(format!("v-{n}"))).unwrap()
}

/// A database with the journey published and `n` contacts booked at t0.
fn database(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let db = dir.join("engine.db");
    let mut store = Store::open(&db).unwrap();
    intake::publish(&mut store, &journey(), &PublishOptions::default(), t0()).unwrap();
    let mut contacts = String::new();
    let mut events = String::new();
    for i in 0..n {
        contacts.push_str(&format!(
            "{}\n",
            json!({"id": format!("c{i:02}"), "attributes": {"first_name": format!("N{i}")},
                   "addresses": {"whatsapp": format!("+3519000000{i:02}")}, "consent": {"whatsapp": true}})
        ));
        events.push_str(&format!(
            "{}\n",
            json!({"id": format!("e{i}"), "contact": format!("c{i:02}"), "name": "booked", "at": t0().to_string()})
        ));
    }
    intake::import_contacts(&mut store, "c.jsonl", &contacts, t0()).unwrap();
    let inputs = intake::parse_inputs("e.jsonl", &events).unwrap();
    intake::push_inputs(&mut store, &inputs, t0()).unwrap();
    db
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(40)).await;
}

/// `(contact, outcome)` of every enrollment, and the outbox rows `(key, status, provider_id,
/// attempts)`.
type OutboxRows = Vec<(String, String, Option<String>, u32)>;

fn outcomes(db: &std::path::Path) -> (Vec<(String, String)>, OutboxRows) {
    let conn = rusqlite_conn(db);
    let mut stmt = conn.prepare("SELECT contact, COALESCE(outcome, status) FROM enrollments ORDER BY contact").unwrap();
    let enrollments = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let mut stmt = conn.prepare("SELECT key, status, provider_id, attempts FROM outbox ORDER BY key").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect();
    (enrollments, rows)
}

fn rusqlite_conn(db: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

#[test]
fn an_outage_ends_with_every_message_delivered_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let n = 20;
    let db = database(dir.path(), n);
    let clock = Arc::new(ManualClock::new(t0()));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (graph_calls, accepted) = runtime.block_on(async {
        let server = MockServer::start().await;
        let graph = Arc::new(Graph { down: 12, calls: AtomicUsize::new(0), accepted: Mutex::new(BTreeMap::new()), refuse: None });
        Mock::given(method("POST")).respond_with(ArcRespond(graph.clone())).mount(&server).await;
        let (sinks, note) = itinera_providers::sinks(&config(&server), &db).unwrap();
        assert!(note.contains("whatsapp through the WhatsApp Cloud API"), "{note}");
        let mut options = Options::new(&db);
        options.poll = Duration::from_millis(10);
        options.in_flight = 4;
        // Few attempts: an outage that counted every failure would fail these messages.
        options.max_attempts = 3;
        let handle = Service::start(options, sinks, clock.clone()).unwrap();
        // 5-second steps of the engine's clock until every message is taken: the circuit opens,
        // probes, and closes. Bounded by wall time, not by steps, so a busy machine only makes
        // it slower (each step waits for the engine to settle).
        let deadline = std::time::Instant::now() + Duration::from_mins(2);
        while std::time::Instant::now() < deadline {
            settle().await;
            if graph.accepted.lock().unwrap().len() == n && graph.calls.load(Ordering::SeqCst) > 0 {
                break;
            }
            clock.advance(SignedDuration::from_secs(5));
            handle.wake();
        }
        // Past every delivery deadline: no receipt counts as delivered.
        for _ in 0..3 {
            clock.advance(SignedDuration::from_mins(1));
            handle.wake();
            settle().await;
            settle().await;
        }
        handle.stop().await.unwrap();
        (graph.calls.load(Ordering::SeqCst), graph.accepted.lock().unwrap().clone())
    });
    assert_eq!(accepted.len(), n, "every message accepted: {accepted:?}");
    assert!(accepted.values().all(|&c| c == 1), "each exactly once: {accepted:?}");
    assert_eq!(graph_calls, 12 + n, "the 12 failed calls, then one per message: the open circuit stopped the hammering");
    let (enrollments, rows) = outcomes(&db);
    assert_eq!(enrollments.len(), n);
    assert!(enrollments.iter().all(|(_, o)| o == "exited"), "{enrollments:?}");
    for (key, status, provider_id, attempts) in &rows {
        assert_eq!(status, "sent");
        assert_eq!(provider_id.as_deref(), Some(format!("wamid.{key}").as_str()));
        assert!(*attempts <= 3, "{key}: {attempts}");
    }
    // Nobody moved on before the provider took the message: each `delivered` step comes after
    // the outage's first minute (the deadline is held while the message waits in the outbox).
    let conn = rusqlite_conn(&db);
    let mut stmt = conn.prepare("SELECT record FROM steps").unwrap();
    let steps: Vec<Value> =
        stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|s| serde_json::from_str(&s.unwrap()).unwrap()).collect();
    let delivered: Vec<&Value> = steps.iter().filter(|s| s["result"] == "delivered").collect();
    assert_eq!(delivered.len(), n);
    for s in &delivered {
        let at: Timestamp = s["at"].as_str().unwrap().parse().unwrap();
        // The 12th failed call is the probe at t0 + 450 s; the messages went out after it.
        assert!(at >= t0() + SignedDuration::from_secs(450 + 60), "delivered at {at}, before the provider took it");
    }
}

/// `Respond` for a shared fake.
struct ArcRespond(Arc<Graph>);

impl Respond for ArcRespond {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}

#[test]
fn an_opt_out_at_the_provider_revokes_consent_and_takes_the_failed_port() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), 2);
    let clock = Arc::new(ManualClock::new(t0()));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let server = MockServer::start().await;
        let graph = Arc::new(Graph {
            down: 0,
            calls: AtomicUsize::new(0),
            accepted: Mutex::new(BTreeMap::new()),
            refuse: Some(("+351900000001", 131050)),
        });
        Mock::given(method("POST")).respond_with(ArcRespond(graph.clone())).mount(&server).await;
        let (sinks, _) = itinera_providers::sinks(&config(&server), &db).unwrap();
        let mut options = Options::new(&db);
        options.poll = Duration::from_millis(10);
        let handle = Service::start(options, sinks, clock.clone()).unwrap();
        // Until both messages reached the fake (bounded by wall time: a busy machine is slower).
        let deadline = std::time::Instant::now() + Duration::from_mins(1);
        while graph.calls.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
            settle().await;
        }
        settle().await;
        clock.advance(SignedDuration::from_mins(2));
        handle.wake();
        // Until both contacts finished (the accepted one at its delivery deadline).
        while outcomes(&db).0.iter().any(|(_, outcome)| outcome != "exited") && std::time::Instant::now() < deadline {
            settle().await;
        }
        handle.stop().await.unwrap();
    });
    let (enrollments, rows) = outcomes(&db);
    assert_eq!(enrollments, vec![("c00".to_string(), "exited".to_string()), ("c01".into(), "exited".into())]);
    assert_eq!(rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["sent", "failed"]);
    let conn = rusqlite_conn(&db);
    let node: String = conn
        .query_row("SELECT record FROM steps WHERE contact = 'c01' AND record LIKE '%\"failed\"%'", [], |r| r.get::<_, String>(0))
        .unwrap();
    let step: Value = serde_json::from_str(&node).unwrap();
    assert_eq!((step["node"].as_str(), step["reason"].as_str()), (Some("wa"), Some("opt_out")));
    let last: String = conn.query_row("SELECT last_error FROM outbox WHERE contact = 'c01'", [], |r| r.get(0)).unwrap();
    assert_eq!(last, "opt_out");
    let mut store = Store::open(&db).unwrap();
    let tx = store.read().unwrap();
    let profile: Value = serde_json::from_str(&tx.contact("c01").unwrap().unwrap()).unwrap();
    assert_eq!(profile["consent"]["whatsapp"], false);
    let evidence = tx.consent_evidence("c01").unwrap();
    let last = evidence.last().unwrap();
    assert_eq!((last.channel.as_str(), last.granted, last.source.as_str()), ("whatsapp", false, "whatsapp error 131050"));
    // The accepted message is found by its provider id (the inbound receipts' lookup).
    let found = tx.outbox_by_provider_id("whatsapp", &format!("wamid.{}", rows[0].0)).unwrap().unwrap();
    assert_eq!(found.contact, "c00");
    assert!(tx.outbox_by_provider_id("sms", &format!("wamid.{}", rows[0].0)).unwrap().is_none());
}
