//! Property: whatever body, path id or query a client sends to any `/v1` route (with the right
//! token), the answer is never a 5xx and nothing panics; every error has the `/v1` shape.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use itinera_service::{Api, LiveEngine};
use itinera_store::Store;
use itinera_store::tokens::Scope;
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::ServiceExt as _;

struct Fixture {
    router: axum::Router,
    tokens: [(Scope, String); 3],
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let mut store = Store::open(&db).unwrap();
    let tx = store.transaction().unwrap();
    let tokens = [Scope::Publish, Scope::Ingest, Scope::Read].map(|s| (s, tx.create_token("p", s, jiff::Timestamp::now()).unwrap().token));
    tx.commit().unwrap();
    let live = Arc::new(LiveEngine::open(&db).unwrap());
    let journey = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/journeys/onboarding.journey.json")).unwrap();
    live.publish_journey(&journey, false, false).unwrap();
    let api = runtime.block_on(async { Api::new(live) }).unwrap();
    Fixture { router: itinera_server::v1::router(Arc::new(api)), tokens, runtime, _dir: dir }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "[a-z_]{0,8}".prop_map(Value::String),
        prop_oneof![Just("id"), Just("contact"), Just("name"), Just("data"), Just("at"), Just("2026-01-01T00:00:00Z"), Just("sms")]
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("id".to_string()),
            Just("contact".to_string()),
            Just("name".to_string()),
            Just("data".to_string()),
            Just("at".to_string()),
            Just("events".to_string()),
            Just("attributes".to_string()),
            Just("consent".to_string()),
            Just("addresses".to_string()),
            Just("timezone".to_string()),
            Just("nodes".to_string()),
            Just("edges".to_string()),
            Just("format".to_string()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A body: arbitrary bytes, arbitrary JSON, or a valid body of some route slightly changed.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let onboarding =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/journeys/onboarding.journey.json")).unwrap();
    let valid = vec![
        onboarding.into_bytes(),
        br#"{"id": "e1", "contact": "c1", "name": "signed_up", "data": {"plan": "pro"}}"#.to_vec(),
        br#"{"events": [{"id": "e2", "contact": "c1", "name": "signed_up", "at": "2026-01-01T00:00:00Z"}]}"#.to_vec(),
        br#"{"attributes": {"first_name": "Ana"}, "addresses": {"sms": "+1"}, "consent": {"sms": true}}"#.to_vec(),
    ];
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        2 => (prop::sample::select(valid), any::<prop::sample::Index>(), any::<u8>(), 0..4usize).prop_map(|(mut bytes, at, byte, how)| {
            let i = at.index(bytes.len().max(1)).min(bytes.len());
            match how {
                0 => bytes.truncate(i),
                1 if i < bytes.len() => bytes[i] = byte,
                2 => bytes.insert(i, byte),
                _ => {}
            }
            bytes
        }),
    ]
}

fn path_id() -> impl Strategy<Value = String> {
    prop_oneof![Just("onboarding".to_string()), Just("c1".to_string()), "[a-zA-Z0-9%._~-]{1,12}"]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_route_answers_5xx_or_panics(route in any::<prop::sample::Index>(), id in path_id(), body in body(), query in prop::option::of("[a-z_=&]{0,16}")) {
        thread_local! { static FIXTURE: Fixture = fixture(); }
        FIXTURE.with(|f| {
            let routes = itinera_server::v1::ROUTES;
            let (method, path) = routes[route.index(routes.len())];
            let mut uri = path.replace("{id}", &id);
            if let Some(q) = &query {
                uri = format!("{uri}?{q}");
            }
            let needs = match (method, path) {
                ("put", _) | ("post", "/v1/events") => Scope::Ingest,
                ("post", _) => Scope::Publish,
                _ => Scope::Read,
            };
            let token = &f.tokens.iter().find(|(s, _)| *s == needs).unwrap().1;
            let request = Request::builder()
                .method(method.to_ascii_uppercase().as_str())
                .uri(&uri)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(Body::from(body.clone()))
                .unwrap();
            let (status, bytes) = f.runtime.block_on(async {
                let response = f.router.clone().oneshot(request).await.unwrap();
                let status = response.status();
                (status, axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap())
            });
            prop_assert!(!status.is_server_error(), "{method} {uri} with {:?}: {status} {}", String::from_utf8_lossy(&body), String::from_utf8_lossy(&bytes));
            if !status.is_success() {
                let value: Value = serde_json::from_slice(&bytes).map_err(|e| TestCaseError::fail(format!("{uri}: {e}")))?;
                prop_assert!(value["error"]["code"].is_string() && value["error"]["message"].is_string(), "{uri}: {value}");
            }
            Ok(())
        })?;
    }
}
