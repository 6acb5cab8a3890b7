//! The WhatsApp Cloud API channel against a fake with the API's request and response shapes.

use crate::common;

use common::*;
use itinera_engine::Channel as Ch;
use itinera_providers::ProviderFailure;
use itinera_providers::config::Config;
use itinera_providers::limits::Limits;
use itinera_providers::whatsapp::{WhatsappCloud, classify_error};
use itinera_runtime::{Attempt, Channel};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn channel(server: &MockServer) -> WhatsappCloud {
    let text = format!(
        r#"
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
    let config = Config::parse("itinera.toml", &text, &env).unwrap();
    WhatsappCloud::new(config.channels.whatsapp.as_ref().unwrap(), Limits::new(80.0))
}

fn accepted(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": "+351900000001", "wa_id": "351900000001"}],
        "messages": [{"id": id}]
    }))
}

fn error(code: i64, status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {
            "message": "(#131047) Re-engagement message",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": "details"},
            "fbtrace_id": "AbCdEf"
        }
    }))
}

async fn body_of(server: &MockServer) -> Value {
    let requests = server.received_requests().await.unwrap();
    serde_json::from_slice(&requests.last().unwrap().body).unwrap()
}

#[tokio::test]
async fn a_template_with_buttons_goes_out_with_its_parameters_and_payloads() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v21.0/1234567890/messages"))
        .and(header("authorization", "Bearer value-of-WA_ACCESS_TOKEN"))
        .and(header("content-type", "application/json"))
        .respond_with(accepted("wamid.HBgLMzUxOTAwMDAwMDAxFQIAERgSQ0"))
        .expect(1)
        .mount(&server)
        .await;
    let mut m = message(Ch::Whatsapp, "+351900000001");
    m.text = None;
    m.template = template("appointment_reminder", "en", &["Ana", "Tuesday 10:00"]);
    m.buttons = buttons(&[("confirm", "Confirm"), ("reschedule", "Reschedule")]);
    let (row, effect) = row(&m, 0);
    let answer = channel(&server).attempt(&row, &effect, t0()).await;
    assert_eq!(answer, Attempt::Accepted { provider_id: Some("wamid.HBgLMzUxOTAwMDAwMDAxFQIAERgSQ0".into()) });
    assert_eq!(
        body_of(&server).await,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+351900000001",
            "type": "template",
            "template": {
                "name": "appointment_reminder",
                "language": {"code": "en"},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "Tuesday 10:00"}]},
                    {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "confirm"}]},
                    {"type": "button", "sub_type": "quick_reply", "index": "1", "parameters": [{"type": "payload", "payload": "reschedule"}]}
                ]
            }
        })
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].headers.get("idempotency-key").unwrap(), "j:v1:ana:1:send:1");
}

#[tokio::test]
async fn text_with_buttons_is_an_interactive_message_and_plain_text_is_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(accepted("wamid.1")).mount(&server).await;
    let wa = channel(&server);
    let mut m = message(Ch::Whatsapp, "+351900000001");
    m.buttons = buttons(&[("yes", "Yes"), ("no", "No")]);
    let (r, e) = row(&m, 0);
    assert!(matches!(wa.attempt(&r, &e, t0()).await, Attempt::Accepted { .. }));
    assert_eq!(
        body_of(&server).await["interactive"],
        json!({
            "type": "button",
            "body": {"text": "Hi Ana"},
            "action": {"buttons": [
                {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                {"type": "reply", "reply": {"id": "no", "title": "No"}}
            ]}
        })
    );
    assert_eq!(body_of(&server).await["type"], "interactive");
    let plain = message(Ch::Whatsapp, "+351900000001");
    let (r, e) = row(&plain, 0);
    assert!(matches!(wa.attempt(&r, &e, t0()).await, Attempt::Accepted { .. }));
    let body = body_of(&server).await;
    assert_eq!((body["type"].as_str(), &body["text"]), (Some("text"), &json!({"preview_url": false, "body": "Hi Ana"})));
}

#[tokio::test]
async fn each_error_code_has_its_answer() {
    let cases: Vec<(i64, u16, &str)> = vec![
        (131026, 400, "failed undeliverable"),
        (131047, 400, "failed outside_24h_window"),
        (131050, 400, "opt_out whatsapp error 131050"),
        (130429, 400, "later"),
        (131056, 400, "later"),
        (131009, 400, "failed whatsapp_131009"),
        (190, 401, "failed whatsapp_190"),
        (131000, 500, "retry"),
    ];
    for (code, status, want) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(error(code, status)).mount(&server).await;
        let (r, e) = row(&message(Ch::Whatsapp, "+351900000001"), 0);
        let got = match channel(&server).attempt(&r, &e, t0()).await {
            Attempt::Done(Err(reason)) => format!("failed {reason}"),
            Attempt::OptOut { source } => format!("opt_out {source}"),
            Attempt::Later { at, .. } => {
                assert!(at > t0(), "{code}: a pause in the future");
                "later".into()
            }
            Attempt::Retry { at, .. } => {
                assert!(at > t0(), "{code}");
                "retry".into()
            }
            other => format!("{other:?}"),
        };
        assert_eq!(got, want, "code {code}");
    }
    // The one mapping the inbound status webhook reuses.
    assert_eq!(classify_error(131026), ProviderFailure::Failed("undeliverable".into()));
    assert_eq!(itinera_providers::failure_reason(&classify_error(131050)), Some("opt_out"));
}

#[tokio::test]
async fn a_throttled_number_pauses_every_message_until_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(error(130429, 400).insert_header("Retry-After", "12")).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST")).respond_with(accepted("wamid.2")).mount(&server).await;
    let wa = channel(&server);
    let (r, e) = row(&message(Ch::Whatsapp, "+351900000001"), 0);
    let pause = t0().checked_add(jiff::SignedDuration::from_secs(12)).unwrap();
    assert!(matches!(wa.attempt(&r, &e, t0()).await, Attempt::Later { at, .. } if at == pause));
    // Another message during the pause is not even sent.
    let at_5 = t0().checked_add(jiff::SignedDuration::from_secs(5)).unwrap();
    assert!(matches!(wa.attempt(&r, &e, at_5).await, Attempt::Later { at, .. } if at == pause));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(matches!(wa.attempt(&r, &e, pause).await, Attempt::Accepted { .. }));
}

#[tokio::test]
async fn the_rate_limit_holds_messages_beyond_80_a_second() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(accepted("wamid.3")).mount(&server).await;
    let wa = channel(&server);
    let (r, e) = row(&message(Ch::Whatsapp, "+351900000001"), 0);
    let mut sent = 0;
    let mut later = 0;
    for _ in 0..100 {
        match wa.attempt(&r, &e, t0()).await {
            Attempt::Accepted { .. } => sent += 1,
            Attempt::Later { .. } => later += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((sent, later), (80, 20));
    assert_eq!(server.received_requests().await.unwrap().len(), 80);
}
