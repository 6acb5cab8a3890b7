#![no_main]
//! Any request to any `/v1` route of the server API, with the right token for the route: never
//! a panic, never a 5xx for what is only bad input, and every error in the `/v1` shape
//! (`{"error": {"code", "message"}}`).
//!
//! The first byte picks the route, the second the path id; the rest is the body. The database
//! is a fresh temporary one per process with one published journey and one token per scope;
//! the router is `itinera_server::v1::router`, called in process (no sockets).
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::Request;
use itinera_service::{Api, LiveEngine};
use itinera_store::Store;
use itinera_store::tokens::Scope;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;

const IDS: &[&str] = &["onboarding", "c1", "nobody", "a%20b", "..", "%ff"];

struct Fixture {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    tokens: Vec<(Scope, String)>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("itinera-fuzz-v1-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp folder");
        let db = dir.join("engine.db");
        let mut store = Store::open(&db).expect("opens");
        let tx = store.transaction().expect("a transaction");
        let tokens = [Scope::Publish, Scope::Ingest, Scope::Read]
            .into_iter()
            .map(|s| (s, tx.create_token("fuzz", s, jiff::Timestamp::now()).expect("a token").token))
            .collect();
        tx.commit().expect("commits");
        let live = Arc::new(LiveEngine::open(&db).expect("opens the engine database"));
        let journey = include_str!("../../assets/journeys/onboarding.journey.json");
        live.publish_journey(journey, false, false).expect("publishes");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let api = Api::new(live).expect("the API");
        Fixture { runtime, router: itinera_server::v1::router(Arc::new(api)), tokens }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Some((&route, rest)) = data.split_first() else { return };
    let Some((&id, body)) = rest.split_first() else { return };
    let routes = itinera_server::v1::ROUTES;
    let (method, path) = routes[route as usize % routes.len()];
    let uri = path.replace("{id}", IDS[id as usize % IDS.len()]);
    let needs = match (method, path) {
        ("put", _) | ("post", "/v1/events") => Scope::Ingest,
        ("post", _) => Scope::Publish,
        _ => Scope::Read,
    };
    let token = &f.tokens.iter().find(|(s, _)| *s == needs).expect("a token per scope").1;
    let Ok(request) = Request::builder()
        .method(method.to_ascii_uppercase().as_str())
        .uri(&uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body.to_vec()))
    else {
        return;
    };
    let (status, bytes) = f.runtime.block_on(async {
        let response = f.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        (status, axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body"))
    });
    assert!(!status.is_server_error(), "{method} {uri}: {status} {}", String::from_utf8_lossy(&bytes));
    if !status.is_success() {
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("an error body is JSON");
        assert!(value["error"]["code"].is_string() && value["error"]["message"].is_string(), "{value}");
    }
});
