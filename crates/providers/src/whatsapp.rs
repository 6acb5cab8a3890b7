//! The WhatsApp Cloud API: `POST {api_base}/{phone_number_id}/messages` with the access token
//! as a bearer token.
//!
//! * a template (`type: template`: name, `language.code`, a `body` component with one `text`
//!   parameter per rendered parameter, and one `quick_reply` button component per button whose
//!   payload is the button id — what the inbound `button.payload` carries back);
//! * text with buttons (`type: interactive`, `interactive.type: button`, reply buttons with the
//!   button ids);
//! * text (`type: text`).
//!
//! A `200` answer's `messages[0].id` (`wamid.…`) is the provider id; its statuses arrive at the
//! inbound webhook. An error answer's `error.code` is mapped by [`classify_error`].

use std::time::Duration;

use itinera_engine::{Effect, Message};
use itinera_runtime::channel::{AttemptFuture, without_url};
use itinera_runtime::{Attempt, Channel};
use itinera_store::OutboxItem;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::{Secret, WhatsappConfig};
use crate::limits::{Guard, Limits, Outcome, ProviderFailure, retry_after};

/// What a WhatsApp error code means (the answer to a send, and a `failed` status at the
/// inbound webhook): 131026 → `undeliverable` (the journey's `failed` branch, e.g. an SMS
/// fallback, runs); 131047 → `outside_24h_window`; 131050 → opt-out (the contact stopped
/// marketing messages: consent revoked); 130429 (throughput) and 131056 (pair rate limit) →
/// throttled, back off and retry; 1, 2, 131000 and 133004 (Meta's temporary errors) → retry;
/// any other → failed `whatsapp_CODE`.
pub fn classify_error(code: i64) -> ProviderFailure {
    match code {
        131026 => ProviderFailure::Failed("undeliverable".into()),
        131047 => ProviderFailure::Failed("outside_24h_window".into()),
        131050 => ProviderFailure::OptOut { source: "whatsapp error 131050".into() },
        130429 | 131056 => ProviderFailure::Throttled { error: format!("whatsapp_{code}") },
        1 | 2 | 131000 | 133004 => ProviderFailure::Transient { error: format!("whatsapp_{code}") },
        _ => ProviderFailure::Failed(format!("whatsapp_{code}")),
    }
}

/// The request body of a message.
pub fn body(message: &Message) -> Value {
    if let Some(template) = &message.template {
        let mut components = Vec::new();
        if !template.params.is_empty() {
            let parameters: Vec<Value> = template.params.iter().map(|p| json!({"type": "text", "text": p})).collect();
            components.push(json!({"type": "body", "parameters": parameters}));
        }
        for (i, button) in message.buttons.iter().enumerate() {
            components.push(json!({
                "type": "button",
                "sub_type": "quick_reply",
                "index": i.to_string(),
                "parameters": [{"type": "payload", "payload": button.id}]
            }));
        }
        let mut template_json = json!({"name": template.name, "language": {"code": template.language}});
        if !components.is_empty() {
            template_json["components"] = Value::Array(components);
        }
        return json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to,
            "type": "template",
            "template": template_json
        });
    }
    let text = message.text.clone().unwrap_or_default();
    if !message.buttons.is_empty() {
        let buttons: Vec<Value> =
            message.buttons.iter().map(|b| json!({"type": "reply", "reply": {"id": b.id, "title": b.title}})).collect();
        return json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to,
            "type": "interactive",
            "interactive": {"type": "button", "body": {"text": text}, "action": {"buttons": buttons}}
        });
    }
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.to,
        "type": "text",
        "text": {"preview_url": false, "body": text}
    })
}

/// The WhatsApp Cloud API channel.
pub struct WhatsappCloud {
    client: reqwest::Client,
    url: String,
    token: Secret,
    guard: Guard,
}

impl std::fmt::Debug for WhatsappCloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsappCloud").field("url", &self.url).finish_non_exhaustive()
    }
}

impl WhatsappCloud {
    /// The channel of a (loaded) config section, with these sending rules.
    pub fn new(config: &WhatsappConfig, limits: Limits) -> WhatsappCloud {
        let token = config.access_token.secret().cloned().unwrap_or_else(|| Secret::new(""));
        WhatsappCloud {
            client: crate::http_client(Duration::from_secs(30)),
            url: format!("{}/{}/messages", config.api_base.trim_end_matches('/'), config.phone_number_id),
            token,
            guard: Guard::new(limits),
        }
    }

    /// The sending rules' state.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    async fn call(&self, key: &str, message: &Message) -> (Outcome, Option<jiff::SignedDuration>) {
        let request = self.client.post(&self.url).bearer_auth(self.token.expose()).header("Idempotency-Key", key).json(&body(message));
        let response = match request.send().await {
            Ok(r) => r,
            Err(err) => return (Outcome::Failure(ProviderFailure::Transient { error: format!("whatsapp: {}", without_url(&err)) }), None),
        };
        let status = response.status();
        let after = retry_after(response.headers());
        let json: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            let id = json.pointer("/messages/0/id").and_then(Value::as_str).map(str::to_string);
            return (Outcome::Accepted(id), None);
        }
        let failure = match json.pointer("/error/code").and_then(Value::as_i64) {
            Some(code) => classify_error(code),
            None if status.as_u16() == 429 => ProviderFailure::Throttled { error: "http_429".into() },
            None if status.is_server_error() || status.as_u16() == 408 => {
                ProviderFailure::Transient { error: format!("http_{}", status.as_u16()) }
            }
            None => ProviderFailure::Failed(format!("http_{}", status.as_u16())),
        };
        if let ProviderFailure::Failed(reason) = &failure {
            // Meta's own words help the operator; they carry no secret.
            let said = json.pointer("/error/message").and_then(Value::as_str).unwrap_or("");
            tracing::info!(reason = %reason, said, "whatsapp refused a message");
        }
        (Outcome::Failure(failure), after)
    }
}

impl Channel for WhatsappCloud {
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
