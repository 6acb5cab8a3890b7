//! Email: SMTP through lettre (tokio), or Postmark over HTTP. Both send the text as a plain
//! text body with
//!
//! * `List-Unsubscribe: <{public_url}/unsubscribe/{token}>` ([`crate::unsubscribe::token`]),
//! * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058: the mailbox provider POSTs
//!   to that URL when the contact clicks "unsubscribe"),
//! * SMTP: a `Message-ID` derived from the idempotency key, so a resent message has the same id.
//!
//! SMTP: a `2xx` answer to the message is accepted (no provider id, so the delivery deadline
//! counts it delivered unless a bounce says otherwise); a permanent `5xx` fails it (`smtp_550`),
//! a transient `4xx` or a connection error is retried. Postmark: `POST {api_base}/email` with
//! `X-Postmark-Server-Token`; its `MessageID` is the provider id; `ErrorCode` 406 (an inactive
//! recipient: a hard bounce, a spam complaint) → `undeliverable`; others `postmark_CODE`; HTTP
//! 429 and 5xx retried.

use std::time::Duration;

use itinera_engine::{Effect, Message};
use itinera_runtime::channel::{AttemptFuture, without_url};
use itinera_runtime::{Attempt, Channel};
use itinera_store::OutboxItem;
use jiff::Timestamp;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::{Value, json};
use sha2::Digest;

use crate::Error;
use crate::config::{EmailConfig, Secret};
use crate::limits::{Guard, Limits, Outcome, ProviderFailure, retry_after};

/// `List-Unsubscribe-Post`'s one value.
pub const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

/// The unsubscribe URL of a contact's email.
pub fn unsubscribe_url(public_url: &str, secret: &[u8], contact: &str) -> String {
    format!("{}/unsubscribe/{}", public_url.trim_end_matches('/'), crate::unsubscribe::token(secret, contact, "email"))
}

/// What Postmark's `ErrorCode` means: 406 (inactive recipient) → `undeliverable`; 429-like
/// codes do not exist (HTTP 429 is handled by status); others → `postmark_CODE`.
pub fn classify_postmark(code: i64) -> ProviderFailure {
    match code {
        406 => ProviderFailure::Failed("undeliverable".into()),
        _ => ProviderFailure::Failed(format!("postmark_{code}")),
    }
}

struct Common {
    from: String,
    public_url: String,
    unsubscribe: Secret,
    guard: Guard,
}

impl Common {
    fn new(config: &EmailConfig, public_url: &str, limits: Limits) -> Common {
        Common {
            from: config.from.clone(),
            public_url: public_url.to_string(),
            unsubscribe: config.unsubscribe_secret.secret().cloned().unwrap_or_else(|| Secret::new("")),
            guard: Guard::new(limits),
        }
    }

    fn list_unsubscribe(&self, contact: &str) -> String {
        format!("<{}>", unsubscribe_url(&self.public_url, self.unsubscribe.expose().as_bytes(), contact))
    }
}

/// SMTP through lettre.
pub struct SmtpEmail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    common: Common,
}

impl std::fmt::Debug for SmtpEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpEmail").field("from", &self.common.from).finish_non_exhaustive()
    }
}

impl SmtpEmail {
    /// The channel of a (loaded) config section.
    pub fn new(config: &EmailConfig, public_url: &str, limits: Limits) -> Result<SmtpEmail, Error> {
        let url = config.url.as_ref().map_or("", |u| u.get_ref().as_str());
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| Error::Setup(format!("channels.email.url: {e}")))?
            .timeout(Some(Duration::from_secs(30)));
        if let (Some(user), Some(password)) = (&config.username, config.password.as_ref().and_then(|p| p.secret())) {
            builder =
                builder.credentials(lettre::transport::smtp::authentication::Credentials::new(user.clone(), password.expose().to_string()));
        }
        Ok(SmtpEmail { transport: builder.build(), common: Common::new(config, public_url, limits) })
    }

    /// The sending rules' state.
    pub fn guard(&self) -> &Guard {
        &self.common.guard
    }

    /// The message as it goes out.
    pub fn message(&self, row: &OutboxItem, message: &Message) -> Result<lettre::Message, String> {
        let from = self.common.from.parse().map_err(|e| format!("bad from address: {e}"))?;
        let to = message.to.parse().map_err(|_| "undeliverable".to_string())?;
        let id = sha2::Sha256::digest(row.key.as_bytes());
        let id: String = id[..16].iter().map(|b| format!("{b:02x}")).collect();
        let domain = self.common.from.rsplit('@').next().unwrap_or("itinera").trim_end_matches('>').to_string();
        let header = |name: &'static str, value: String| HeaderValue::new(HeaderName::new_from_ascii_str(name), value);
        lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(message.subject.clone().unwrap_or_default())
            .message_id(Some(format!("<{id}@{domain}>")))
            .raw_header(header("List-Unsubscribe", self.common.list_unsubscribe(&row.contact)))
            .raw_header(header("List-Unsubscribe-Post", ONE_CLICK.to_string()))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(message.text.clone().unwrap_or_default())
            .map_err(|e| format!("email: {e}"))
    }
}

impl Channel for SmtpEmail {
    fn attempt<'a>(&'a self, row: &'a OutboxItem, effect: &'a Effect, now: Timestamp) -> AttemptFuture<'a> {
        Box::pin(async move {
            let Effect::Send(message) = effect else { return Attempt::Done(Err("not a message".into())) };
            let email = match self.message(row, message) {
                Ok(m) => m,
                Err(reason) => return Attempt::Done(Err(reason)),
            };
            if let Err(later) = self.common.guard.admit(now) {
                return later;
            }
            let outcome = match self.transport.send(email).await {
                Ok(_) => Outcome::Accepted(None),
                Err(err) if err.is_permanent() => {
                    let code = err.status().map_or_else(|| "5xx".into(), |c| c.to_string());
                    Outcome::Failure(ProviderFailure::Failed(format!("smtp_{code}")))
                }
                Err(err) => Outcome::Failure(ProviderFailure::Transient { error: format!("smtp: {err}") }),
            };
            self.common.guard.finish(now, row.attempts, &row.key, outcome, None)
        })
    }
}

/// Postmark over HTTP.
pub struct PostmarkEmail {
    client: reqwest::Client,
    url: String,
    token: Secret,
    stream: String,
    common: Common,
}

impl std::fmt::Debug for PostmarkEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostmarkEmail").field("url", &self.url).finish_non_exhaustive()
    }
}

impl PostmarkEmail {
    /// The channel of a (loaded) config section.
    pub fn new(config: &EmailConfig, public_url: &str, limits: Limits) -> PostmarkEmail {
        PostmarkEmail {
            client: crate::http_client(Duration::from_secs(30)),
            url: format!("{}/email", config.api_base.trim_end_matches('/')),
            token: config.server_token.as_ref().and_then(|t| t.secret()).cloned().unwrap_or_else(|| Secret::new("")),
            stream: config.message_stream.clone(),
            common: Common::new(config, public_url, limits),
        }
    }

    /// The sending rules' state.
    pub fn guard(&self) -> &Guard {
        &self.common.guard
    }

    /// The request body of a message.
    pub fn body(&self, row: &OutboxItem, message: &Message) -> Value {
        json!({
            "From": self.common.from,
            "To": message.to,
            "Subject": message.subject.clone().unwrap_or_default(),
            "TextBody": message.text.clone().unwrap_or_default(),
            "Headers": [
                {"Name": "List-Unsubscribe", "Value": self.common.list_unsubscribe(&row.contact)},
                {"Name": "List-Unsubscribe-Post", "Value": ONE_CLICK},
            ],
            "MessageStream": self.stream,
            "Metadata": {"idempotency_key": row.key},
        })
    }
}

impl Channel for PostmarkEmail {
    fn attempt<'a>(&'a self, row: &'a OutboxItem, effect: &'a Effect, now: Timestamp) -> AttemptFuture<'a> {
        Box::pin(async move {
            let Effect::Send(message) = effect else { return Attempt::Done(Err("not a message".into())) };
            if let Err(later) = self.common.guard.admit(now) {
                return later;
            }
            let request = self
                .client
                .post(&self.url)
                .header("X-Postmark-Server-Token", self.token.expose())
                .header("Accept", "application/json")
                .header("Idempotency-Key", &row.key)
                .json(&self.body(row, message));
            let (outcome, after) = match request.send().await {
                Err(err) => (Outcome::Failure(ProviderFailure::Transient { error: format!("postmark: {}", without_url(&err)) }), None),
                Ok(response) => {
                    let status = response.status();
                    let after = retry_after(response.headers());
                    let json: Value = response.json().await.unwrap_or(Value::Null);
                    let code = json.get("ErrorCode").and_then(Value::as_i64);
                    let outcome = if status.is_success() && code.unwrap_or(0) == 0 {
                        Outcome::Accepted(json.get("MessageID").and_then(Value::as_str).map(str::to_string))
                    } else if status.as_u16() == 429 {
                        Outcome::Failure(ProviderFailure::Throttled { error: "http_429".into() })
                    } else if status.is_server_error() {
                        Outcome::Failure(ProviderFailure::Transient { error: format!("http_{}", status.as_u16()) })
                    } else {
                        Outcome::Failure(code.map_or(ProviderFailure::Failed(format!("http_{}", status.as_u16())), classify_postmark))
                    };
                    (outcome, after)
                }
            };
            self.common.guard.finish(now, row.attempts, &row.key, outcome, after)
        })
    }
}
