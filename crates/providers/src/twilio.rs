//! Twilio SMS: `POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, a form
//! (`To`, `Body`, `From` or `MessagingServiceSid`, `StatusCallback =
//! {public_url}/webhooks/twilio`) with HTTP basic auth (account SID, auth token).
//!
//! A `201` answer's `sid` (`SM…`) is the provider id; status callbacks arrive at
//! `/webhooks/twilio`. An error answer (`{"code", "message", "more_info", "status"}`) is mapped
//! by [`classify_error`]; HTTP 429 and 5xx without a code are retried.

use std::time::Duration;

use itinera_engine::{Effect, Message};
use itinera_runtime::channel::{AttemptFuture, without_url};
use itinera_runtime::{Attempt, Channel};
use itinera_store::OutboxItem;
use jiff::Timestamp;
use serde_json::Value;

use crate::config::{Secret, SmsConfig};
use crate::limits::{Guard, Limits, Outcome, ProviderFailure, retry_after};

/// What a Twilio error code means (the answer to a send, and an `ErrorCode` of a status
/// callback): 21610 (the recipient replied STOP) → opt-out, consent revoked; 20429 (too many
/// requests) → throttled; 30003, 30005 and 30006 (unreachable, unknown or landline
/// destination) → `undeliverable`; any other → failed `twilio_CODE`.
pub fn classify_error(code: i64) -> ProviderFailure {
    match code {
        21610 => ProviderFailure::OptOut { source: "twilio error 21610".into() },
        20429 => ProviderFailure::Throttled { error: "twilio_20429".into() },
        30003 | 30005 | 30006 => ProviderFailure::Failed("undeliverable".into()),
        _ => ProviderFailure::Failed(format!("twilio_{code}")),
    }
}

/// The Twilio SMS channel.
pub struct TwilioSms {
    client: reqwest::Client,
    url: String,
    account_sid: String,
    token: Secret,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    status_callback: String,
    guard: Guard,
}

impl std::fmt::Debug for TwilioSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSms").field("url", &self.url).finish_non_exhaustive()
    }
}

impl TwilioSms {
    /// The channel of a (loaded) config section; callbacks under `public_url`.
    pub fn new(config: &SmsConfig, public_url: &str, limits: Limits) -> TwilioSms {
        TwilioSms {
            client: crate::http_client(Duration::from_secs(30)),
            url: format!("{}/2010-04-01/Accounts/{}/Messages.json", config.api_base.trim_end_matches('/'), config.account_sid),
            account_sid: config.account_sid.clone(),
            token: config.auth_token.secret().cloned().unwrap_or_else(|| Secret::new("")),
            from: config.from.clone(),
            messaging_service_sid: config.messaging_service_sid.clone(),
            status_callback: format!("{}/webhooks/twilio", public_url.trim_end_matches('/')),
            guard: Guard::new(limits),
        }
    }

    /// The sending rules' state.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// The form fields of a message.
    pub fn form(&self, message: &Message) -> Vec<(&'static str, String)> {
        let mut form = vec![("To", message.to.clone()), ("Body", message.text.clone().unwrap_or_default())];
        match (&self.messaging_service_sid, &self.from) {
            (Some(sid), _) => form.push(("MessagingServiceSid", sid.clone())),
            (None, Some(from)) => form.push(("From", from.clone())),
            (None, None) => {}
        }
        form.push(("StatusCallback", self.status_callback.clone()));
        form
    }

    async fn call(&self, key: &str, message: &Message) -> (Outcome, Option<jiff::SignedDuration>) {
        let request = self
            .client
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(self.token.expose()))
            .header("Idempotency-Key", key)
            .form(&self.form(message));
        let response = match request.send().await {
            Ok(r) => r,
            Err(err) => return (Outcome::Failure(ProviderFailure::Transient { error: format!("twilio: {}", without_url(&err)) }), None),
        };
        let status = response.status();
        let after = retry_after(response.headers());
        let json: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return (Outcome::Accepted(json.get("sid").and_then(Value::as_str).map(str::to_string)), None);
        }
        let code = json.get("code").and_then(Value::as_i64);
        let failure = if status.as_u16() == 429 {
            ProviderFailure::Throttled { error: code.map_or("http_429".into(), |c| format!("twilio_{c}")) }
        } else if status.is_server_error() {
            ProviderFailure::Transient { error: format!("http_{}", status.as_u16()) }
        } else {
            match code {
                Some(code) => classify_error(code),
                None => ProviderFailure::Failed(format!("http_{}", status.as_u16())),
            }
        };
        (Outcome::Failure(failure), after)
    }
}

impl Channel for TwilioSms {
    fn attempt<'a>(&'a self, row: &'a OutboxItem, effect: &'a Effect, now: Timestamp) -> AttemptFuture<'a> {
        Box::pin(async move {
            let Effect::Send(message) = effect else { return Attempt::Done(Err("not a message".into())) };
            if let Err(later) = self.guard.admit(now) {
                return later;
            }
            let (outcome, after) = self.call(&row.key, message).await;
            self.guard.finish(now, row.attempts, &row.key, outcome, after)
        })
    }
}
