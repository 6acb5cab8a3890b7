//! The inbound routes over a real socket: each scheme's signature is checked before anything
//! is stored (unsigned 401, forged or stale 403, nothing kept), and an accepted request is kept
//! raw with the inputs it makes.

use std::sync::Arc;

use itinera_inbound::sources::{Mapping, Scheme, Source};
use itinera_inbound::verify::sign;
use itinera_server::webhooks::{self, TwilioHook, Webhooks, WhatsAppHook};
use itinera_service::{Failure, LiveEngine};
use itinera_store::Store;
use serde_json::{Value, json};

struct Fixture {
    url: String,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn count(&self, sql: &str) -> i64 {
        let mut store = Store::open(&self.db).unwrap();
        let tx = store.read().unwrap();
        tx.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn inbox(&self) -> Vec<(String, String, Value)> {
        let mut store = Store::open(&self.db).unwrap();
        let tx = store.read().unwrap();
        let mut stmt = tx.conn().prepare("SELECT id, contact, input FROM inbox ORDER BY seq").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, serde_json::from_str(&r.get::<_, String>(2)?).unwrap())))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

fn calendly_source() -> Source {
    let mapping: Mapping = serde_json::from_value(json!({
        "name": "appointment_booked", "contact": "/payload/email", "id": "/payload/uri",
        "when": {"/event": "invitee.created"}, "data": {"starts_at": "/payload/scheduled_event/start_time"}
    }))
    .unwrap();
    Source { path: "calendly".into(), scheme: Scheme::Calendly, secret: b"calendly-key".to_vec(), mapping }
}

async fn start() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    {
        let mut store = Store::open(&db).unwrap();
        let contact = r#"{"id": "ana", "addresses": {"whatsapp": "+16505551234", "sms": "+16505551234", "email": "ana@example.com"}, "consent": {"whatsapp": true, "sms": true, "email": true}}"#;
        itinera_runtime::intake::import_contacts(&mut store, "contacts.jsonl", contact, jiff::Timestamp::now()).unwrap();
    }
    let live = Arc::new(LiveEngine::open(&db).unwrap());
    let config = Webhooks {
        public_url: Some("https://journeys.example.com".into()),
        whatsapp: Some(WhatsAppHook {
            app_secret: b"app-secret".to_vec(),
            verify_token: "verify-me".into(),
            phone_number_id: Some("106540352242922".into()),
        }),
        twilio: Some(TwilioHook { auth_token: b"twilio-token".to_vec() }),
        unsubscribe: Some(Arc::new(|token: &str| (token == "good-token").then(|| ("ana".to_string(), "email".to_string())))),
        sources: vec![calendly_source()],
        classify: Arc::new(|_, code| Failure { reason: code.to_string(), opt_out: code == "131050" }),
    };
    let router = webhooks::routes(live, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Fixture { url, db, _dir: dir }
}

fn wa_reply(button: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "messages": [{"from": "16505551234", "id": format!("wamid.{button}"), "timestamp": "1764583260", "type": "interactive",
                          "interactive": {"type": "button_reply", "button_reply": {"id": button, "title": button}}}]
        }}]}]
    }))
    .unwrap()
}

#[tokio::test]
async fn whatsapp_handshake_and_signed_posts_only() {
    let f = start().await;
    let http = reqwest::Client::new();
    let hs = |token: &str| format!("{}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444", f.url);
    let ok = http.get(hs("verify-me")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    assert_eq!(http.get(hs("wrong")).send().await.unwrap().status(), 403);

    let body = wa_reply("confirm");
    let post = |sig: Option<String>, body: Vec<u8>| {
        let mut request = http.post(format!("{}/webhooks/whatsapp", f.url)).header("content-type", "application/json").body(body);
        if let Some(sig) = sig {
            request = request.header("X-Hub-Signature-256", sig);
        }
        request.send()
    };
    // Unsigned: 401; forged (signed with another secret, or another body): 403. Nothing kept.
    assert_eq!(post(None, body.clone()).await.unwrap().status(), 401);
    assert_eq!(post(Some(sign::meta(b"not-the-secret", &body)), body.clone()).await.unwrap().status(), 403);
    assert_eq!(post(Some(sign::meta(b"app-secret", b"{}")), body.clone()).await.unwrap().status(), 403);
    assert_eq!(f.count("SELECT COUNT(*) FROM inbound"), 0);
    assert_eq!(f.count("SELECT COUNT(*) FROM inbox"), 0);
    // Signed: kept raw, and the button reply is Ana's (found by her number).
    let good = post(Some(sign::meta(b"app-secret", &body)), body.clone()).await.unwrap();
    assert_eq!(good.status(), 200);
    assert_eq!(f.count("SELECT COUNT(*) FROM inbound WHERE source = 'whatsapp'"), 1);
    let inbox = f.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].0.as_str(), inbox[0].1.as_str()), ("whatsapp:wamid.confirm", "ana"));
    assert_eq!(inbox[0].2, json!({"input": "reply", "channel": "whatsapp", "text": "confirm", "button": "confirm"}));
    // Meta delivering the same webhook again: kept again, no second input.
    assert_eq!(post(Some(sign::meta(b"app-secret", &body)), body).await.unwrap().status(), 200);
    assert_eq!(f.inbox().len(), 1);
    // Signed but not a WhatsApp payload: 400, kept raw, nothing applied.
    let odd = br#"{"object":"page"}"#.to_vec();
    assert_eq!(post(Some(sign::meta(b"app-secret", &odd)), odd).await.unwrap().status(), 400);
    assert_eq!(f.count("SELECT COUNT(*) FROM inbound"), 3);
}

#[tokio::test]
async fn twilio_signs_the_public_url_and_every_parameter() {
    let f = start().await;
    let http = reqwest::Client::new();
    let params: Vec<(String, String)> =
        [("MessageSid", "SM1"), ("From", "+16505551234"), ("To", "+15550001111"), ("Body", "STOP"), ("SmsStatus", "received")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
    let post = |sig: String| {
        http.post(format!("{}/webhooks/twilio", f.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", sig)
            .body(body.clone())
            .send()
    };
    // Signed for the local URL rather than the public one Twilio called: forged.
    let local = sign::twilio(b"twilio-token", &format!("{}/webhooks/twilio", f.url), &params);
    assert_eq!(post(local).await.unwrap().status(), 403);
    assert_eq!(f.count("SELECT COUNT(*) FROM inbound"), 0);
    let good = post(sign::twilio(b"twilio-token", "https://journeys.example.com/webhooks/twilio", &params)).await.unwrap();
    assert_eq!(good.status(), 200);
    assert!(good.text().await.unwrap().contains("<Response></Response>"));
    let inbox = f.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].2["text"], "STOP");
}

#[tokio::test]
async fn calendly_bookings_become_events_and_stale_or_forged_ones_are_refused() {
    let f = start().await;
    let http = reqwest::Client::new();
    let body = serde_json::to_vec(&json!({
        "event": "invitee.created", "created_at": "2026-12-01T10:00:00.000000Z",
        "payload": {"email": "new@example.com", "uri": "https://api.calendly.com/scheduled_events/E1/invitees/I1",
                    "scheduled_event": {"start_time": "2026-12-03T09:00:00.000000Z"}}
    }))
    .unwrap();
    let post = |sig: Option<String>, path: &str| {
        let mut r = http.post(format!("{}/hooks/{path}", f.url)).body(body.clone());
        if let Some(sig) = sig {
            r = r.header("Calendly-Webhook-Signature", sig);
        }
        r.send()
    };
    let now = jiff::Timestamp::now().as_second();
    assert_eq!(post(None, "calendly").await.unwrap().status(), 401);
    assert_eq!(post(Some(sign::calendly(b"calendly-key", &body, now - 900)), "calendly").await.unwrap().status(), 403, "stale");
    assert_eq!(post(Some(sign::calendly(b"other-key", &body, now)), "calendly").await.unwrap().status(), 403, "forged");
    assert_eq!(post(Some(sign::calendly(b"calendly-key", &body, now)), "shopify").await.unwrap().status(), 404);
    assert_eq!(f.count("SELECT COUNT(*) FROM inbound"), 0);
    let ok = post(Some(sign::calendly(b"calendly-key", &body, now)), "calendly").await.unwrap();
    assert_eq!(ok.status(), 200);
    let inbox = f.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].0, "calendly:https://api.calendly.com/scheduled_events/E1/invitees/I1");
    assert_eq!(inbox[0].2, json!({"input": "event", "name": "appointment_booked", "data": {"starts_at": "2026-12-03T09:00:00.000000Z"}}));
    assert_eq!(f.count("SELECT COUNT(*) FROM contacts WHERE id = 'new@example.com'"), 1, "an unknown contact is created");
}

#[tokio::test]
async fn one_click_unsubscribe_needs_a_post_and_a_good_token() {
    let f = start().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let consent = || f.count("SELECT json_extract(profile, '$.consent.email') FROM contacts WHERE id = 'ana'");
    let page = http.get(format!("{}/unsubscribe/good-token", f.url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<form method=\"post\""));
    assert_eq!(consent(), 1, "a GET never unsubscribes");
    let bad = http.post(format!("{}/unsubscribe/forged", f.url)).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(bad.status(), 404);
    let ok = http.post(format!("{}/unsubscribe/good-token", f.url)).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(ok.status(), 200, "no redirect");
    assert_eq!(consent(), 0);
    assert_eq!(f.count("SELECT COUNT(*) FROM consent_evidence WHERE contact = 'ana' AND granted = 0 AND source LIKE 'one-click%'"), 1);
}

/// The routes as `serve --config` builds them: the email channel's own unsubscribe token (the
/// one its `List-Unsubscribe` header carries) revokes consent; the WhatsApp secrets come from the
/// environment the config names.
#[tokio::test]
async fn a_loaded_config_checks_with_its_own_secrets() {
    let f = start().await;
    let text = r#"public_url = "https://journeys.example.com"
[channels.whatsapp]
provider = "whatsapp_cloud"
phone_number_id = "106540352242922"
access_token = "env:WA_ACCESS_TOKEN"
app_secret = "env:WA_APP_SECRET"
verify_token = "env:WA_VERIFY_TOKEN"
[channels.email]
provider = "smtp"
url = "smtp://localhost:2525"
from = "Clinic <hello@example.com>"
unsubscribe_secret = "env:UNSUB"
"#;
    let env = |name: &str| Some(format!("value-of-{name}"));
    let config = itinera_providers::config::Config::parse("itinera.toml", text, &env).unwrap();
    let live = Arc::new(LiveEngine::open(&f.db).unwrap());
    let router = webhooks::routes(live, webhooks::from_config(&config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let http = reqwest::Client::new();
    // The link the email channel writes for Ana.
    let link = itinera_providers::email::unsubscribe_url(&url, b"value-of-UNSUB", "ana");
    assert_eq!(http.post(&link).body("List-Unsubscribe=One-Click").send().await.unwrap().status(), 200);
    assert_eq!(f.count("SELECT json_extract(profile, '$.consent.email') FROM contacts WHERE id = 'ana'"), 0);
    // A token made with another secret is not ours.
    let other = itinera_providers::email::unsubscribe_url(&url, b"another secret", "ana");
    assert_eq!(http.post(&other).body("List-Unsubscribe=One-Click").send().await.unwrap().status(), 404);
    // WhatsApp: the app secret and verify token are the environment's values.
    let body = wa_reply("confirm");
    let signed = http
        .post(format!("{url}/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", sign::meta(b"value-of-WA_APP_SECRET", &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let hs = http
        .get(format!("{url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=value-of-WA_VERIFY_TOKEN&hub.challenge=42"))
        .send()
        .await
        .unwrap();
    assert_eq!(hs.text().await.unwrap(), "42");
    // Twilio is not configured here: its route says so.
    assert_eq!(http.post(format!("{url}/webhooks/twilio")).body("a=b").send().await.unwrap().status(), 404);
}
