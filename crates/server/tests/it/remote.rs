//! "Publish to server…" through the editor's backend: the editor's `/api/server_*` commands call
//! another running `itinera serve` over its /v1 API (the token sent with each call, as the
//! browser editor does), and that server's stats and timelines come back.

use itinera_server::{ServeOptions, Server, TOKEN_HEADER};
use itinera_store::Store;
use itinera_store::tokens::Scope;
use serde_json::{Value, json};

async fn serve(options: ServeOptions) -> String {
    let server = Server::bind(options).await.expect("binds");
    let url = server.url();
    tokio::spawn(async move { server.run_until(std::future::pending()).await.expect("serves") });
    url
}

fn token(db: &std::path::Path, scope: Scope) -> String {
    let mut store = Store::open(db).unwrap();
    let tx = store.transaction().unwrap();
    let made = tx.create_token("editor", scope, jiff::Timestamp::now()).unwrap();
    tx.commit().unwrap();
    made.token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_publishes_to_a_server_and_reads_its_stats() {
    let dir = tempfile::tempdir().unwrap();
    let remote_db = dir.path().join("remote.db");
    let publish = token(&remote_db, Scope::Publish);
    let read = token(&remote_db, Scope::Read);
    let remote = serve(ServeOptions::engine(&remote_db)).await;
    let folder = dir.path().join("journeys");
    std::fs::create_dir_all(&folder).unwrap();
    let mut editor = ServeOptions::new(&folder);
    editor.api_token = Some("editor-secret".into());
    let editor = serve(editor).await;

    let http = reqwest::Client::new();
    let call =
        |command: &str, args: Value| http.post(format!("{editor}/api/{command}")).header(TOKEN_HEADER, "editor-secret").json(&args).send();
    let journey: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/journeys/appointment-reminder.journey.json")).unwrap(),
    )
    .unwrap();
    let server = json!({"url": remote, "token": publish});
    // The browser editor keeps no tokens.
    let kept: Value = call("server_tokens", json!({"url": remote})).await.unwrap().json().await.unwrap();
    assert_eq!(kept, json!({"store": "none", "publish": false, "read": false}));
    // The server's own dry run: version 1 would be made, nothing stored.
    let dry = call("server_publish", json!({"server": server, "journey": journey, "dry_run": true})).await.unwrap();
    assert_eq!(dry.status(), 200);
    let dry: Value = dry.json().await.unwrap();
    assert_eq!((dry["version"].as_u64(), dry["dry_run"].as_bool()), (Some(1), Some(true)));
    let published: Value = call("server_publish", json!({"server": server, "journey": journey})).await.unwrap().json().await.unwrap();
    assert_eq!((published["version"].as_u64(), published["changed"].as_bool()), (Some(1), Some(true)), "{published}");
    // The read token cannot publish; no token at all is a clear refusal.
    let refused = call("server_publish", json!({"server": {"url": remote, "token": read}, "journey": journey})).await.unwrap();
    assert_eq!(refused.status(), 400);
    let message: Value = refused.json().await.unwrap();
    assert!(message["error"].as_str().unwrap().contains("403"), "{message}");
    let none = call("server_stats", json!({"server": {"url": remote}, "journey": "appointment-reminder"})).await.unwrap();
    assert!(none.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("no read token"));
    // Its stats, with a read token.
    let stats: Value = call("server_stats", json!({"server": {"url": remote, "token": read}, "journey": "appointment-reminder"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["journey"], "appointment-reminder");
    assert_eq!(stats["versions"][0]["version"], 1);
    // A journey with errors comes back with the server's diagnostics.
    let mut broken = journey.clone();
    broken["edges"] = json!([]);
    let invalid: Value = call("server_publish", json!({"server": server, "journey": broken})).await.unwrap().json().await.unwrap();
    assert!(!invalid["diagnostics"].as_array().unwrap().is_empty(), "{invalid}");
}
