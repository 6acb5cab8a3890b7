//! Channels: who performs an outgoing effect.
//!
//! [`Channel::attempt`] is given one outbox row's effect and answers with an [`Attempt`]: done
//! (delivered/ok or failed with a reason), accepted (a receipt will follow, or the delivery
//! deadline will count it delivered), or retry later. The dispatcher calls it only for rows
//! already committed, and records the answer in the store afterwards: if the process dies in
//! between, the row is attempted again on restart with the same idempotency key.
//!
//! * [`RecordSink`] (`record:PATH`): performs nothing; appends one JSON line per effect to a
//!   file and reports it delivered/ok. The default of the desktop app and of a server with no
//!   provider configured: a dry run of real traffic.
//! * [`HttpWebhook`]: the `webhook` node's HTTP call, with reqwest: a timeout, the
//!   `Idempotency-Key` header, and the status decides (2xx ok; 408, 429 and 5xx retried; other
//!   4xx failed with `http_STATUS`). With a signing secret ([`HttpWebhook::signed`]) every call
//!   is signed the Standard Webhooks way ([`webhook_signature`]): `webhook-id` (the idempotency
//!   key, so that the receiver drops repeats), `webhook-timestamp` (unix seconds of the engine
//!   clock) and `webhook-signature: v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`.
//! * [`Sinks`]: which channel takes which effect (one per message channel, else the default).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::future::Future;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
#[cfg(feature = "http")]
use std::time::Duration;

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use itinera_engine::Effect;
use itinera_store::OutboxItem;
use jiff::Timestamp;
use serde::Serialize;

use crate::Error;
use crate::core::Attempt;

/// A boxed future of an attempt.
pub type AttemptFuture<'a> = Pin<Box<dyn Future<Output = Attempt> + Send + 'a>>;

/// Performs outgoing effects (messages, webhook calls).
pub trait Channel: Send + Sync {
    /// Attempts one effect of one outbox row; `now` is the engine clock's time.
    fn attempt<'a>(&'a self, row: &'a OutboxItem, effect: &'a Effect, now: Timestamp) -> AttemptFuture<'a>;
}

/// One line of a record sink: exactly what would have gone out.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "OutboxRecord"))]
pub struct Record {
    /// The idempotency key.
    pub key: String,
    /// Journey id.
    pub journey: String,
    /// Version.
    pub version: u32,
    /// Contact id.
    pub contact: String,
    /// Node id.
    pub node: String,
    /// `sms`, `whatsapp`, `email` or `webhook`.
    pub channel: String,
    /// The address (messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub to: Option<String>,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub text: Option<String>,
    /// Email subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub subject: Option<String>,
    /// WhatsApp template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub template: Option<itinera_engine::MessageTemplate>,
    /// Buttons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<itinera_engine::Button>,
    /// Webhook method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub method: Option<String>,
    /// Webhook URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub url: Option<String>,
    /// Webhook body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub body: Option<String>,
    /// When it was handed over.
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub at: Timestamp,
}

impl Record {
    /// The record of an outbox row's effect.
    pub fn of(row: &OutboxItem, effect: &Effect) -> Option<Record> {
        Record::of_effect(&row.key, &row.journey, row.version, &row.contact, effect)
    }

    /// The record of an effect with this key, of this journey version and contact (`None` for
    /// an effect that does not go out: a timer, a profile change).
    pub fn of_effect(key: &str, journey: &str, version: u32, contact: &str, effect: &Effect) -> Option<Record> {
        let base = |node: &str, channel: &str, at: Timestamp| Record {
            key: key.to_string(),
            journey: journey.to_string(),
            version,
            contact: contact.to_string(),
            node: node.to_string(),
            channel: channel.to_string(),
            to: None,
            text: None,
            subject: None,
            template: None,
            buttons: Vec::new(),
            method: None,
            url: None,
            body: None,
            at,
        };
        match effect {
            Effect::Send(m) => Some(Record {
                to: Some(m.to.clone()),
                text: m.text.clone(),
                subject: m.subject.clone(),
                template: m.template.clone(),
                buttons: m.buttons.clone(),
                ..base(&m.node, m.channel.as_str(), m.at)
            }),
            Effect::CallWebhook(w) => {
                Some(Record { method: Some(w.method.clone()), url: w.url.clone(), body: w.body.clone(), ..base(&w.node, "webhook", w.at) })
            }
            _ => None,
        }
    }
}

/// `record:PATH`: appends one JSON line per effect and reports it delivered.
#[derive(Debug)]
pub struct RecordSink {
    path: PathBuf,
    file: Mutex<File>,
}

impl RecordSink {
    /// Opens (creating, appending) the record file. A last line left without its newline (a
    /// process killed in the middle of [`RecordSink::write`]) is ended first, so that the next
    /// record starts a line of its own.
    pub fn open(path: impl AsRef<Path>) -> Result<RecordSink, Error> {
        let path = path.as_ref().to_path_buf();
        let io = |source| Error::Io { path: path.display().to_string(), source };
        let mut file = OpenOptions::new().create(true).read(true).append(true).open(&path).map_err(io)?;
        if file.metadata().map_err(io)?.len() > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::End(-1)).map_err(io)?;
            file.read_exact(&mut last).map_err(io)?;
            if last[0] != b'\n' {
                file.write_all(b"\n").map_err(io)?;
            }
        }
        Ok(RecordSink { path, file: Mutex::new(file) })
    }

    /// The record file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record: one `write` call per line. A process killed during it may still
    /// leave the line torn (Linux stops a write to a file at a page boundary once a fatal signal
    /// is pending); its outbox row was not committed as sent, so the next run writes the record
    /// again, whole, after [`RecordSink::open`] has ended the torn line.
    pub fn write(&self, record: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(&line)
    }
}

impl Channel for RecordSink {
    fn attempt<'a>(&'a self, row: &'a OutboxItem, effect: &'a Effect, now: Timestamp) -> AttemptFuture<'a> {
        Box::pin(async move {
            let Some(record) = Record::of(row, effect) else { return Attempt::Done(Err("not an outgoing effect".into())) };
            match self.write(&record) {
                Ok(()) => Attempt::Done(Ok(())),
                Err(err) => Attempt::Retry { error: format!("record sink {}: {err}", self.path.display()), at: later(now, 1) },
            }
        })
    }
}

fn later(now: Timestamp, secs: i64) -> Timestamp {
    now.saturating_add(jiff::SignedDuration::from_secs(secs)).unwrap_or(now)
}

/// The backoff before attempt `attempts + 1`: 1 s, 2 s, 4 s, ... capped at 10 minutes.
pub fn backoff(now: Timestamp, attempts: u32) -> Timestamp {
    later(now, (1i64 << attempts.min(20)).min(600))
}

/// The Standard Webhooks signature header value of one call: `v1,` and the base64 of
/// HMAC-SHA256(`secret`, `"{id}.{timestamp}.{body}"`).
pub fn webhook_signature(secret: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// A Standard Webhooks secret as configured: `whsec_<base64>` is decoded; anything else is
/// used as raw bytes. `None` for a `whsec_` value that is not base64.
pub fn webhook_secret(text: &str) -> Option<Vec<u8>> {
    match text.strip_prefix("whsec_") {
        Some(b64) => base64::engine::general_purpose::STANDARD.decode(b64).ok(),
        None => Some(text.as_bytes().to_vec()),
    }
}

/// The `webhook` node's HTTP call.
#[cfg(feature = "http")]
#[derive(Clone)]
pub struct HttpWebhook {
    client: reqwest::Client,
    secret: Option<Vec<u8>>,
}

#[cfg(feature = "http")]
impl std::fmt::Debug for HttpWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpWebhook").field("signed", &self.secret.is_some()).finish()
    }
}

#[cfg(feature = "http")]
impl HttpWebhook {
    /// A client with this timeout per call.
    pub fn new(timeout: Duration) -> HttpWebhook {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("itinera/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        HttpWebhook { client, secret: None }
    }

    /// The same, signing every call with this secret (the bytes: see [`webhook_secret`]).
    pub fn signed(mut self, secret: Vec<u8>) -> HttpWebhook {
        self.secret = Some(secret);
        self
    }
}

#[cfg(feature = "http")]
impl Channel for HttpWebhook {
    fn attempt<'a>(&'a self, row: &'a OutboxItem, effect: &'a Effect, now: Timestamp) -> AttemptFuture<'a> {
        Box::pin(async move {
            let Effect::CallWebhook(call) = effect else { return Attempt::Done(Err("not a webhook call".into())) };
            let Some(url) = call.url.as_deref() else { return Attempt::Done(Err("no url".into())) };
            let Ok(method) = reqwest::Method::from_bytes(call.method.as_bytes()) else {
                return Attempt::Done(Err(format!("bad method {}", call.method)));
            };
            let mut request = self.client.request(method, url).header("Idempotency-Key", &row.key);
            let mut has_type = false;
            for (name, value) in &call.headers {
                has_type |= name.eq_ignore_ascii_case("content-type");
                request = request.header(name, value);
            }
            if let Some(secret) = &self.secret {
                let timestamp = now.as_second();
                let body = call.body.as_deref().unwrap_or("");
                request = request
                    .header("webhook-id", &row.key)
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", webhook_signature(secret, &row.key, timestamp, body.as_bytes()));
            }
            if let Some(body) = &call.body {
                if !has_type {
                    request = request.header("Content-Type", "application/json");
                }
                request = request.body(body.clone());
            }
            match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    if status.is_success() {
                        Attempt::Done(Ok(()))
                    } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
                        Attempt::Retry { error: format!("http_{}", status.as_u16()), at: backoff(now, row.attempts) }
                    } else {
                        Attempt::Done(Err(format!("http_{}", status.as_u16())))
                    }
                }
                Err(err) => {
                    let what = if err.is_timeout() {
                        "timeout"
                    } else if err.is_connect() {
                        "connect"
                    } else {
                        "request"
                    };
                    Attempt::Retry { error: format!("{what}: {}", without_url(&err)), at: backoff(now, row.attempts) }
                }
            }
        })
    }
}

/// reqwest's message without the URL (which may carry a secret in its query).
#[cfg(feature = "http")]
pub fn without_url(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url() {
        text = text.replace(url.as_str(), "(url)");
    }
    text
}

/// Which channel takes which effect.
pub struct Sinks {
    /// Messages on a channel without one of its own in [`Sinks::channels`].
    pub messages: Box<dyn Channel>,
    /// Webhook calls.
    pub webhooks: Box<dyn Channel>,
    /// The channel of each message channel that has one (`sms`, `whatsapp`, `email`).
    pub channels: BTreeMap<String, Box<dyn Channel>>,
}

impl Sinks {
    /// Messages to `messages`, webhook calls to `webhooks`.
    pub fn new(messages: Box<dyn Channel>, webhooks: Box<dyn Channel>) -> Sinks {
        Sinks { messages, webhooks, channels: BTreeMap::new() }
    }

    /// Everything recorded to one file.
    pub fn record(path: impl AsRef<Path>) -> Result<Sinks, Error> {
        let path = path.as_ref();
        Ok(Sinks::new(Box::new(RecordSink::open(path)?), Box::new(RecordSink::open(path)?)))
    }

    /// The same, with messages on `channel` (`sms`, `whatsapp`, `email`) going to `sink`.
    pub fn with_channel(mut self, channel: &str, sink: Box<dyn Channel>) -> Sinks {
        self.channels.insert(channel.to_string(), sink);
        self
    }

    /// The channel for an effect.
    pub fn for_effect(&self, effect: &Effect) -> &dyn Channel {
        match effect {
            Effect::CallWebhook(_) => &*self.webhooks,
            Effect::Send(m) => self.channels.get(m.channel.as_str()).map_or(&*self.messages, |c| &**c),
            _ => &*self.messages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str) -> Record {
        Record {
            key: key.to_string(),
            journey: "j".into(),
            version: 1,
            contact: "c1".into(),
            node: "n".into(),
            channel: "sms".into(),
            to: Some("+15550000001".into()),
            text: Some("hi".into()),
            subject: None,
            template: None,
            buttons: Vec::new(),
            method: None,
            url: None,
            body: None,
            at: "2026-01-01T00:00:00Z".parse().unwrap(),
        }
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path).unwrap().lines().map(String::from).collect()
    }

    #[test]
    fn a_torn_last_line_is_ended_before_the_next_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        let whole = serde_json::to_string(&record("k1")).unwrap();
        // A killed run: one whole line, then one cut short.
        std::fs::write(&path, format!("{whole}\n{}", &whole[..20])).unwrap();
        let sinks = Sinks::record(&path).unwrap();
        let sink = RecordSink::open(&path).unwrap();
        sink.write(&record("k2")).unwrap();
        drop(sinks);
        let got = lines(&path);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], whole);
        assert_eq!(got[1], whole[..20]);
        assert_eq!(serde_json::from_str::<Record>(&got[2]).unwrap(), record("k2"));
    }

    #[test]
    fn the_standard_webhooks_test_vector_signs() {
        // The published vector of standard-webhooks (its libraries' tests).
        let secret = webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = webhook_signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        // Another id, time or body signs differently; a raw (non-whsec) secret is its bytes.
        assert_ne!(webhook_signature(&secret, "msg_other", 1614265330, br#"{"test": 2432232314}"#), signature);
        assert_ne!(webhook_signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, br#"{"test": 2432232314}"#), signature);
        assert_eq!(webhook_secret("plain").unwrap(), b"plain");
        assert_eq!(webhook_secret("whsec_not base64!"), None);
    }

    #[test]
    fn opening_a_whole_or_new_file_adds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        let sink = RecordSink::open(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"");
        sink.write(&record("k1")).unwrap();
        drop(sink);
        let sink = RecordSink::open(&path).unwrap();
        sink.write(&record("k2")).unwrap();
        let keys: Vec<String> = lines(&path).iter().map(|l| serde_json::from_str::<Record>(l).unwrap().key).collect();
        assert_eq!(keys, ["k1", "k2"]);
    }
}
