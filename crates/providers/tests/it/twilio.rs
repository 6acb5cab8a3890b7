//! Twilio SMS against a fake with the Messages API's request and response shapes.

use crate::common;

use common::*;
use itinera_engine::Channel as Ch;
use itinera_providers::ProviderFailure;
use itinera_providers::config::Config;
use itinera_providers::limits::Limits;
use itinera_providers::twilio::{TwilioSms, classify_error};
use itinera_runtime::{Attempt, Channel};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SID: &str = "AC0123456789abcdef0123456789abcdef";

fn channel(server: &MockServer, sender: &str) -> TwilioSms {
    channel_at(&server.uri(), sender)
}

fn channel_at(base: &str, sender: &str) -> TwilioSms {
    let text = format!(
        r#"
public_url = "https://journeys.example.com"
[channels.sms]
provider = "twilio"
account_sid = "{SID}"
auth_token = "env:TWILIO_AUTH_TOKEN"
{sender}
api_base = "{base}"
rate = 100
"#
    );
    let config = Config::parse("itinera.toml", &text, &env).unwrap();
    TwilioSms::new(config.channels.sms.as_ref().unwrap(), config.public_url.as_deref().unwrap(), Limits::new(100.0))
}

fn created(sid: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "account_sid": SID, "api_version": "2010-04-01", "body": "Hi Ana", "date_created": "Mon, 02 Mar 2026 09:00:00 +0000",
        "direction": "outbound-api", "error_code": null, "error_message": null, "from": "+15550001111",
        "messaging_service_sid": null, "num_segments": "1", "price": null, "sid": sid, "status": "queued",
        "to": "+15550002222", "uri": format!("/2010-04-01/Accounts/{SID}/Messages/{sid}.json")
    }))
}

fn error(code: i64, status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code, "message": "Attempt to send to unsubscribed recipient",
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status
    }))
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url_decode_pairs(std::str::from_utf8(body).unwrap())
}

fn url_decode_pairs(text: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let mut out = Vec::new();
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    text.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap()).map(|(k, v)| (decode(k), decode(v))).collect()
}

#[tokio::test]
async fn a_message_is_a_form_with_basic_auth_and_a_status_callback() {
    let server = MockServer::start().await;
    // Basic base64("AC…:value-of-TWILIO_AUTH_TOKEN").
    let auth = {
        use base64::Engine as _;
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{SID}:value-of-TWILIO_AUTH_TOKEN")))
    };
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Messages.json")))
        .and(header("authorization", auth.as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(created("SM0123456789abcdef0123456789abcdef"))
        .expect(1)
        .mount(&server)
        .await;
    let (r, e) = row(&message(Ch::Sms, "+15550002222"), 0);
    let answer = channel(&server, r#"from = "+15550001111""#).attempt(&r, &e, t0()).await;
    assert_eq!(answer, Attempt::Accepted { provider_id: Some("SM0123456789abcdef0123456789abcdef".into()) });
    let requests = server.received_requests().await.unwrap();
    let mut got = form(&requests[0].body);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("Body".to_string(), "Hi Ana".to_string()),
            ("From".into(), "+15550001111".into()),
            ("StatusCallback".into(), "https://journeys.example.com/webhooks/twilio".into()),
            ("To".into(), "+15550002222".into()),
        ]
    );
}

#[tokio::test]
async fn a_messaging_service_replaces_from() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(created("SM1")).mount(&server).await;
    let (r, e) = row(&message(Ch::Sms, "+15550002222"), 0);
    channel(&server, r#"messaging_service_sid = "MG0123""#).attempt(&r, &e, t0()).await;
    let got = form(&server.received_requests().await.unwrap()[0].body);
    assert!(got.contains(&("MessagingServiceSid".into(), "MG0123".into())), "{got:?}");
    assert!(!got.iter().any(|(k, _)| k == "From"));
}

#[tokio::test]
async fn errors_opt_out_fail_back_off_or_retry() {
    let cases: Vec<(ResponseTemplate, &str)> = vec![
        (error(21610, 400), "opt_out twilio error 21610"),
        (error(21211, 400), "failed twilio_21211"),
        (error(20003, 401), "failed twilio_20003"),
        (error(20429, 429).insert_header("Retry-After", "3"), "later 3"),
        (ResponseTemplate::new(429), "later 1"),
        (ResponseTemplate::new(503), "retry"),
        (error(20500, 500), "retry"),
    ];
    for (response, want) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(response).mount(&server).await;
        let (r, e) = row(&message(Ch::Sms, "+15550002222"), 0);
        let got = match channel(&server, r#"from = "+15550001111""#).attempt(&r, &e, t0()).await {
            Attempt::Done(Err(reason)) => format!("failed {reason}"),
            Attempt::OptOut { source } => format!("opt_out {source}"),
            Attempt::Later { at, .. } => format!("later {}", at.duration_since(t0()).as_secs()),
            Attempt::Retry { at, .. } => {
                assert!(at.duration_since(t0()).as_secs_f64() >= 1.0);
                "retry".into()
            }
            other => format!("{other:?}"),
        };
        assert_eq!(got, want);
    }
    assert_eq!(classify_error(21610), ProviderFailure::OptOut { source: "twilio error 21610".into() });
    assert_eq!(classify_error(30003), ProviderFailure::Failed("undeliverable".into()));
}

#[tokio::test]
async fn a_connection_error_is_retried_and_names_no_url_or_secret() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let wa = channel_at(&format!("http://127.0.0.1:{port}"), r#"from = "+15550001111""#);
    let (r, e) = row(&message(Ch::Sms, "+15550002222"), 2);
    match wa.attempt(&r, &e, t0()).await {
        Attempt::Retry { error, at } => {
            assert!(!error.contains("value-of-TWILIO_AUTH_TOKEN") && !error.contains("127.0.0.1"), "{error}");
            assert!(at.duration_since(t0()).as_secs() >= 4, "2^2 s after the third attempt");
        }
        other => panic!("{other:?}"),
    }
}
