//! The webhook node's calls, signed the Standard Webhooks way when `[webhooks] signing_secret`
//! is set, under the real engine service; unconfigured message channels are recorded.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use itinera_engine::ManualClock;
use itinera_providers::config::Config;
use itinera_runtime::intake::{self, PublishOptions};
use itinera_runtime::{Options, Service};
use itinera_store::Store;
use jiff::Timestamp;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

/// trigger → webhook (POST the contact to the CRM) → sms → exit.
fn journey(url: &str) -> String {
    json!({
        "format": "itinera/journey@1", "id": "crm", "name": "CRM",
        "nodes": [
            {"id": "start", "type": "trigger", "event": "booked"},
            {"id": "hook", "type": "webhook", "url": url, "body": "{\"contact\": \"{{ contact.id }}\"}"},
            {"id": "sms", "type": "send", "channel": "sms", "text": "Booked"},
            {"id": "done", "type": "exit"}
        ],
        "edges": [{"from": "start", "to": "hook"}, {"from": "hook", "to": "sms"}, {"from": "sms", "to": "done"}]
    })
    .to_string()
}

/// What a receiver does (the Standard Webhooks verification).
fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let key = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    signature.split(' ').any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

fn run(config_text: &str, server: &MockServer, dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("engine.db");
    let mut store = Store::open(&db).unwrap();
    intake::publish(&mut store, &journey(&format!("{}/leads", server.uri())), &PublishOptions::default(), t0()).unwrap();
    let contact = json!({"id": "ana", "addresses": {"sms": "+15550002222"}, "consent": {"sms": true}});
    intake::import_contacts(&mut store, "c.jsonl", &format!("{contact}\n"), t0()).unwrap();
    let inputs = intake::parse_inputs("e.jsonl", &format!("{}\n", json!({"id": "e1", "contact": "ana", "name": "booked"}))).unwrap();
    intake::push_inputs(&mut store, &inputs, t0()).unwrap();
    drop(store);
    let config = Config::parse("itinera.toml", config_text, &|_| Some(SECRET.to_string())).unwrap();
    let (sinks, note) = itinera_providers::sinks(&config, &db).unwrap();
    assert!(note.contains("sms") && note.contains("recorded to"), "{note}");
    let clock = Arc::new(ManualClock::new(t0()));
    // The engine runs until the test's runtime ends.
    Service::start(Options { poll: Duration::from_millis(10), ..Options::new(&db) }, sinks, clock).unwrap();
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_call_verifies_and_the_unconfigured_sms_is_recorded() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/leads")).respond_with(ResponseTemplate::new(204)).expect(1).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let db = run("[webhooks]\nsigning_secret = \"env:WEBHOOK_SECRET\"\n", &server, dir.path());
    let records = itinera_runtime::live::records_path(&db);
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if std::fs::read_to_string(&records).is_ok_and(|t| t.lines().count() == 1) {
            break;
        }
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    let h = |name: &str| r.headers.get(name).unwrap_or_else(|| panic!("no {name}")).to_str().unwrap().to_string();
    assert_eq!(h("webhook-id"), h("idempotency-key"));
    assert_eq!(h("webhook-id"), "crm:v1:ana:1:hook:1");
    assert_eq!(h("webhook-timestamp"), t0().as_second().to_string(), "the engine clock's time");
    assert_eq!(r.body, br#"{"contact": "ana"}"#);
    assert!(verify(SECRET, &h("webhook-id"), &h("webhook-timestamp"), &r.body, &h("webhook-signature")));
    assert!(
        !verify(SECRET, &h("webhook-id"), &h("webhook-timestamp"), br#"{"contact": "bo"}"#, &h("webhook-signature")),
        "a changed body fails"
    );
    let record: Value = serde_json::from_str(std::fs::read_to_string(&records).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!((record["channel"].as_str(), record["to"].as_str()), (Some("sms"), Some("+15550002222")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_secret_the_call_is_not_signed() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    run("", &server, dir.path());
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if !server.received_requests().await.unwrap().is_empty() {
            break;
        }
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].headers.get("webhook-signature").is_none());
    assert_eq!(requests[0].headers.get("idempotency-key").unwrap(), "crm:v1:ana:1:hook:1");
}
