//! The HTTP webhook channel against a fake server (wiremock): the status decides, transient
//! failures are retried with the same idempotency key, and the engine turns the final answer
//! into the node's `next` or `failed` port.

use itinera_engine::Effect;
use itinera_runtime::HttpWebhook;
use itinera_runtime::channel::Channel;
use itinera_runtime::core::{Attempt, Engine};
use itinera_runtime::intake::{self, PublishOptions};
use itinera_store::Store;
use jiff::Timestamp;
use serde_json::{Value, json};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

fn engine_with_webhook(url: &str) -> Engine {
    let journey = json!({
        "format": "itinera/journey@1", "id": "hook", "name": "hook",
        "nodes": [
            {"id": "start", "type": "trigger", "event": "paid"},
            {"id": "call", "type": "webhook", "method": "POST", "url": url, "body": "{\"contact\": \"{{ contact.id }}\"}"},
            {"id": "ok", "type": "exit"},
            {"id": "bad", "type": "exit"}
        ],
        "edges": [{"from": "start", "to": "call"}, {"from": "call", "to": "ok"}, {"from": "call", "port": "failed", "to": "bad"}]
    });
    let mut store = Store::open_in_memory().unwrap();
    intake::publish(&mut store, &journey.to_string(), &PublishOptions::default(), t0()).unwrap();
    let inputs =
        intake::parse_inputs("e.jsonl", &format!("{{\"id\": \"e1\", \"contact\": \"ana\", \"name\": \"paid\", \"at\": \"{}\"}}", t0()))
            .unwrap();
    intake::push_inputs(&mut store, &inputs, t0()).unwrap();
    Engine::new(store)
}

/// Applies and dispatches through the real channel until nothing is due; returns the exit node.
async fn run(engine: &mut Engine, channel: &HttpWebhook) -> String {
    let mut now = t0();
    for _ in 0..20 {
        engine.apply_due(now, 100).unwrap();
        let due = engine.due_outbox(now, 100).unwrap();
        let mut answers = Vec::new();
        for row in due {
            let effect: Effect = serde_json::from_str(&row.effect).unwrap();
            let answer = channel.attempt(&row, &effect, now).await;
            answers.push((row, answer));
        }
        engine.record_attempts(&answers, now).unwrap();
        match engine.next_due().unwrap() {
            Some(next) => now = next.max(now),
            None => break,
        }
    }
    let tx = engine.store().read().unwrap();
    let steps = tx.steps_of("ana", "hook").unwrap();
    let last: Value = serde_json::from_str(steps.last().unwrap()).unwrap();
    last["node"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_5xx_is_retried_with_the_same_key_then_the_2xx_goes_on_next() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .and(header("Idempotency-Key", "hook:v1:ana:1:call:1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .and(header("Idempotency-Key", "hook:v1:ana:1:call:1"))
        .and(header("Content-Type", "application/json"))
        .and(body_string("{\"contact\": \"ana\"}"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let mut engine = engine_with_webhook(&format!("{}/hook", server.uri()));
    let channel = HttpWebhook::new(std::time::Duration::from_secs(5));
    assert_eq!(run(&mut engine, &channel).await, "ok");
}

#[tokio::test]
async fn a_4xx_fails_at_once_and_takes_the_failed_port() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(404)).expect(1).mount(&server).await;
    let mut engine = engine_with_webhook(&format!("{}/hook", server.uri()));
    let channel = HttpWebhook::new(std::time::Duration::from_secs(5));
    assert_eq!(run(&mut engine, &channel).await, "bad");
    let tx = engine.store().read().unwrap();
    let steps: Vec<Value> = tx.steps_of("ana", "hook").unwrap().iter().map(|s| serde_json::from_str(s).unwrap()).collect();
    assert!(steps.iter().any(|s| s["node"] == "call" && s["result"] == "failed" && s["reason"] == "http_404"), "{steps:#?}");
}

#[tokio::test]
async fn a_slow_server_times_out_and_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(3))).mount(&server).await;
    let engine = engine_with_webhook(&format!("{}/hook", server.uri()));
    let mut engine = engine;
    let channel = HttpWebhook::new(std::time::Duration::from_millis(300));
    engine.apply_due(t0(), 100).unwrap();
    let row = engine.due_outbox(t0(), 1).unwrap().remove(0);
    let effect: Effect = serde_json::from_str(&row.effect).unwrap();
    match channel.attempt(&row, &effect, t0()).await {
        Attempt::Retry { error, at } => {
            assert!(error.starts_with("timeout"), "{error}");
            assert_eq!(at, t0().saturating_add(jiff::SignedDuration::from_secs(1)).unwrap(), "the first retry after 1 s");
        }
        other => panic!("expected a retry, got {other:?}"),
    }
}
