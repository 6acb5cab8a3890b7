//! # itinera-providers: the real channels behind the engine's [`Channel`] trait
//!
//! `itinera.toml` ([`config`]) says which provider sends each channel; [`sinks`] builds the
//! engine's [`Sinks`] from it: a channel that is not configured is recorded to
//! `DB.records.jsonl` as before (a dry run), and the `webhook` node's calls are signed when
//! `[webhooks] signing_secret` is set.
//!
//! | channel | provider | request | provider id |
//! |---|---|---|---|
//! | `whatsapp` | [`whatsapp::WhatsappCloud`] | `POST {api_base}/{phone_number_id}/messages`, bearer token: text, template (body parameters, language, quick-reply payloads), interactive reply buttons | `messages[0].id` |
//! | `sms` | [`twilio::TwilioSms`] | `POST {api_base}/2010-04-01/Accounts/{sid}/Messages.json`, form, basic auth, `StatusCallback = {public_url}/webhooks/twilio` | `sid` |
//! | `email` | [`email::SmtpEmail`] (lettre) or [`email::PostmarkEmail`] | SMTP, or `POST {api_base}/email` with `X-Postmark-Server-Token`; both with `List-Unsubscribe` (one-click, [`unsubscribe`]) | Postmark's `MessageID` |
//! | `webhook` | [`itinera_runtime::HttpWebhook`] | the node's request, signed the Standard Webhooks way | — |
//!
//! **Answers.** An accepted message ([`Attempt::Accepted`](itinera_runtime::Attempt::Accepted)) keeps the provider's id on its outbox
//! row ([`itinera_store::Tx::outbox_by_provider_id`]): the inbound status webhooks turn a receipt
//! into the delivery result; with none by the channel's delivery deadline the interpreter counts
//! it delivered. Error codes are mapped in one function per provider, shared with the inbound
//! side: [`whatsapp::classify_error`], [`twilio::classify_error`], [`email::classify_postmark`]
//! — failed with a reason (`undeliverable` takes the send's `failed` port, e.g. an SMS
//! fallback), opt-out (the contact's consent on the channel is revoked with the error as
//! evidence, [`Attempt::OptOut`](itinera_runtime::Attempt::OptOut)), throttled or transient.
//!
//! **Limits** ([`limits`]): a token bucket per sender (WhatsApp 80 messages a second per
//! number, Twilio 1 a second per sender, email 10 a second; `rate` in the config), a
//! provider-wide pause when it throttles (429, WhatsApp 130429/131056; `Retry-After` honoured),
//! retries of transient failures (5xx, timeouts) after 2^attempts s plus up to 50 % jitter, and
//! a circuit that opens after 5 consecutive transient failures (30 s, doubling up to 10 min,
//! then one half-open probe). Waiting for the bucket, a pause or an open circuit is
//! [`Attempt::Later`](itinera_runtime::Attempt::Later): the row stays pending in the outbox and the attempt is not counted, so an
//! outage of any length ends with every message sent, none dropped. All of it runs on the
//! engine clock's `now`, so a manual clock makes it deterministic.
//!
//! **When a message can go out twice.** The engine commits an answer only after the provider
//! gave it. If the process dies between the provider accepting a message and the commit of that
//! answer (at most one dispatch group, `Options::in_flight`), or a call times out after the
//! provider took it, the row is attempted again with the same idempotency key. None of the
//! messaging APIs deduplicates on it — the WhatsApp Cloud API, Twilio's Messages API and
//! Postmark have no idempotency key for sends — so the contact can receive that message twice;
//! over SMTP the repeat carries the same `Message-ID` (derived from the key), which some mailbox
//! providers collapse. Webhook receivers can deduplicate: the key is the `Idempotency-Key` and
//! `webhook-id` header of every attempt.
//!
//! **Secrets** are `env:NAME` references resolved into [`config::Secret`]s, which print as
//! `[redacted]`; no error or log line carries a token, an auth header or a URL with a query
//! (reqwest's errors go through [`itinera_runtime::channel::without_url`]).
#![deny(missing_docs)]

pub mod config;
pub mod email;
pub mod inbound;
pub mod limits;
pub mod sources;
pub mod twilio;
pub mod unsubscribe;
pub mod whatsapp;

use std::path::Path;
use std::time::Duration;

use itinera_runtime::{Channel, HttpWebhook, RecordSink, Sinks};

pub use crate::config::{Config, Secret, SecretRef};
pub use crate::limits::{Limits, ProviderFailure};

/// How long a webhook node's call may take.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// What can go wrong setting providers up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config file could not be read.
    #[error("{file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The config file is wrong (names the file, the line and the field).
    #[error("{file}:{line}: {message}")]
    Config {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong, starting with the field.
        message: String,
    },
    /// A provider could not be set up (e.g. an SMTP URL lettre refuses).
    #[error("{0}")]
    Setup(String),
    /// The engine's record sink could not be opened.
    #[error(transparent)]
    Runtime(#[from] itinera_runtime::Error),
}

pub(crate) fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("itinera/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// The engine's channels for this config and database: the configured providers, the record
/// sink `DB.records.jsonl` for the other message channels, and the webhook node's HTTP calls
/// (signed with `[webhooks] signing_secret` when set); with a sentence that says which is which.
/// `config` must come from [`Config::load`] (its secrets resolved).
pub fn sinks(config: &Config, db: &Path) -> Result<(Sinks, String), Error> {
    let records = itinera_runtime::live::records_path(db);
    let mut webhook = HttpWebhook::new(WEBHOOK_TIMEOUT);
    let mut said: Vec<String> = Vec::new();
    match config.webhook_signing_key() {
        Some(key) => {
            webhook = webhook.signed(key);
            said.push("webhooks are called, signed (Standard Webhooks)".into());
        }
        None => said.push("webhooks are called, unsigned".into()),
    }
    let mut sinks = Sinks::new(Box::new(RecordSink::open(&records)?), Box::new(webhook));
    let public_url = config.public_url.as_deref().unwrap_or("");
    let mut recorded: Vec<&str> = Vec::new();
    match &config.channels.whatsapp {
        Some(wa) => {
            sinks = sinks.with_channel("whatsapp", Box::new(whatsapp::WhatsappCloud::new(wa, Limits::new(wa.rate))));
            said.push(format!("whatsapp through the WhatsApp Cloud API (number {})", wa.phone_number_id));
        }
        None => recorded.push("whatsapp"),
    }
    match &config.channels.sms {
        Some(sms) => {
            sinks = sinks.with_channel("sms", Box::new(twilio::TwilioSms::new(sms, public_url, Limits::new(sms.rate))));
            said.push("sms through Twilio".into());
        }
        None => recorded.push("sms"),
    }
    match &config.channels.email {
        Some(email) => {
            let channel: Box<dyn Channel> = match email.provider.get_ref().as_str() {
                "postmark" => Box::new(email::PostmarkEmail::new(email, public_url, Limits::new(email.rate))),
                _ => Box::new(email::SmtpEmail::new(email, public_url, Limits::new(email.rate))?),
            };
            sinks = sinks.with_channel("email", channel);
            said.push(format!("email through {}", email.provider.get_ref()));
        }
        None => recorded.push("email"),
    }
    if !recorded.is_empty() {
        said.push(format!("{} recorded to {} (no provider configured)", recorded.join(", "), records.display()));
    }
    Ok((sinks, said.join("; ")))
}

/// What a provider failure answers for the row when no guard is involved (the inbound side
/// maps a `failed` receipt with it): the reason a delivery result carries, `opt_out` for an
/// opt-out, `None` for a throttled or transient one (not a final result).
pub fn failure_reason(failure: &ProviderFailure) -> Option<&str> {
    match failure {
        ProviderFailure::Failed(reason) => Some(reason),
        ProviderFailure::OptOut { .. } => Some(itinera_runtime::core::OPT_OUT),
        ProviderFailure::Throttled { .. } | ProviderFailure::Transient { .. } => None,
    }
}
