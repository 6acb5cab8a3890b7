//! Email: SMTP (lettre) against a tiny fake SMTP server, and Postmark against a fake of its
//! API; both carry the RFC 8058 one-click unsubscribe headers with a token that verifies.

use crate::common;

use common::*;
use itinera_engine::Channel as Ch;
use itinera_providers::config::Config;
use itinera_providers::email::{PostmarkEmail, SmtpEmail};
use itinera_providers::limits::Limits;
use itinera_providers::unsubscribe;
use itinera_runtime::{Attempt, Channel};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A fake SMTP server: answers every command, keeps each DATA; `reject_rcpt` answers RCPT TO
/// with that reply instead.
async fn fake_smtp(reject_rcpt: Option<&'static str>) -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake.example ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            tx.send(data.take().unwrap()).unwrap();
                            write.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &str = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        "250-fake.example\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT") {
                        reject_rcpt.unwrap_or("250 2.1.5 ok\r\n")
                    } else if upper.starts_with("DATA") {
                        data = Some(String::new());
                        "354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        "250 ok\r\n"
                    };
                    write.write_all(reply.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (port, rx)
}

fn config_with(email: &str) -> Config {
    let text = format!(
        r#"public_url = "https://journeys.example.com"
[channels.email]
{email}
from = "Clinic <hello@example.com>"
unsubscribe_secret = "env:UNSUBSCRIBE_SECRET"
"#
    );
    Config::parse("itinera.toml", &text, &env).unwrap()
}

fn email_message() -> itinera_engine::Message {
    let mut m = message(Ch::Email, "ana@example.com");
    m.subject = Some("See you Tuesday".into());
    m
}

/// The unsubscribe token in a `List-Unsubscribe` value.
fn token_of(value: &str) -> String {
    let url = value.trim().strip_prefix('<').and_then(|v| v.strip_suffix('>')).expect("<url>");
    url.strip_prefix("https://journeys.example.com/unsubscribe/").expect("under public_url").to_string()
}

#[tokio::test]
async fn smtp_delivers_with_the_one_click_unsubscribe_headers() {
    let (port, mut received) = fake_smtp(None).await;
    let config = config_with(&format!("provider = \"smtp\"\nurl = \"smtp://127.0.0.1:{port}\""));
    let smtp = SmtpEmail::new(config.channels.email.as_ref().unwrap(), "https://journeys.example.com", Limits::new(10.0)).unwrap();
    let m = email_message();
    let (r, e) = row(&m, 0);
    assert_eq!(smtp.attempt(&r, &e, t0()).await, Attempt::Accepted { provider_id: None });
    let data = received.recv().await.unwrap();
    let header = |name: &str| {
        data.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))).unwrap_or_else(|| panic!("no {name} in\n{data}")).to_string()
    };
    assert_eq!(header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    assert_eq!(header("Subject"), "See you Tuesday");
    assert_eq!(header("To"), "ana@example.com");
    let token = token_of(&header("List-Unsubscribe"));
    assert_eq!(unsubscribe::verify(b"value-of-UNSUBSCRIBE_SECRET", &token), Some(("ana".into(), "email".into())));
    assert_eq!(unsubscribe::verify(b"another secret", &token), None);
    assert!(data.contains("Hi Ana"), "{data}");
    // A resend has the same Message-ID.
    let id = header("Message-ID");
    smtp.attempt(&r, &e, t0()).await;
    let again = received.recv().await.unwrap();
    assert!(again.contains(&format!("Message-ID: {id}")), "{again}");
}

#[tokio::test]
async fn smtp_permanent_refusals_fail_and_transient_ones_retry() {
    let (port, _rx) = fake_smtp(Some("550 5.1.1 no such user\r\n")).await;
    let config = config_with(&format!("provider = \"smtp\"\nurl = \"smtp://127.0.0.1:{port}\""));
    let smtp = SmtpEmail::new(config.channels.email.as_ref().unwrap(), "https://journeys.example.com", Limits::new(10.0)).unwrap();
    let (r, e) = row(&email_message(), 0);
    assert_eq!(smtp.attempt(&r, &e, t0()).await, Attempt::Done(Err("smtp_550".into())));
    let (port, _rx) = fake_smtp(Some("451 4.3.0 try later\r\n")).await;
    let config = config_with(&format!("provider = \"smtp\"\nurl = \"smtp://127.0.0.1:{port}\""));
    let smtp = SmtpEmail::new(config.channels.email.as_ref().unwrap(), "https://journeys.example.com", Limits::new(10.0)).unwrap();
    assert!(matches!(smtp.attempt(&r, &e, t0()).await, Attempt::Retry { .. }));
}

#[tokio::test]
async fn postmark_sends_json_with_its_token_and_the_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/email"))
        .and(header("X-Postmark-Server-Token", "value-of-PM_TOKEN"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "To": "ana@example.com", "SubmittedAt": "2026-03-02T09:00:00.0000000-05:00",
            "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817", "ErrorCode": 0, "Message": "OK"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let config = config_with(&format!("provider = \"postmark\"\nserver_token = \"env:PM_TOKEN\"\napi_base = \"{}\"", server.uri()));
    let pm = PostmarkEmail::new(config.channels.email.as_ref().unwrap(), "https://journeys.example.com", Limits::new(10.0));
    let (r, e) = row(&email_message(), 0);
    assert_eq!(pm.attempt(&r, &e, t0()).await, Attempt::Accepted { provider_id: Some("b7bc2f4a-e38e-4336-af7d-e6c392c2f817".into()) });
    let body: Value = serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body["From"], "Clinic <hello@example.com>");
    assert_eq!(
        (body["To"].as_str(), body["Subject"].as_str(), body["TextBody"].as_str()),
        (Some("ana@example.com"), Some("See you Tuesday"), Some("Hi Ana"))
    );
    assert_eq!(body["MessageStream"], "outbound");
    let headers = body["Headers"].as_array().unwrap();
    assert_eq!(headers[1], json!({"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}));
    assert_eq!(headers[0]["Name"], "List-Unsubscribe");
    let token = token_of(headers[0]["Value"].as_str().unwrap());
    assert_eq!(unsubscribe::verify(b"value-of-UNSUBSCRIBE_SECRET", &token), Some(("ana".into(), "email".into())));
}

#[tokio::test]
async fn postmark_errors_are_mapped() {
    let cases = vec![
        (ResponseTemplate::new(422).set_body_json(json!({"ErrorCode": 406, "Message": "Inactive recipient"})), "failed undeliverable"),
        (ResponseTemplate::new(422).set_body_json(json!({"ErrorCode": 300, "Message": "Invalid email request"})), "failed postmark_300"),
        (ResponseTemplate::new(401).set_body_json(json!({"ErrorCode": 10, "Message": "Bad or missing API token"})), "failed postmark_10"),
        (ResponseTemplate::new(429), "later"),
        (ResponseTemplate::new(500), "retry"),
    ];
    for (response, want) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(response).mount(&server).await;
        let config = config_with(&format!("provider = \"postmark\"\nserver_token = \"env:PM_TOKEN\"\napi_base = \"{}\"", server.uri()));
        let pm = PostmarkEmail::new(config.channels.email.as_ref().unwrap(), "https://journeys.example.com", Limits::new(10.0));
        let (r, e) = row(&email_message(), 0);
        let got = match pm.attempt(&r, &e, t0()).await {
            Attempt::Done(Err(reason)) => format!("failed {reason}"),
            Attempt::Later { .. } => "later".into(),
            Attempt::Retry { .. } => "retry".into(),
            other => format!("{other:?}"),
        };
        assert_eq!(got, want);
    }
}
