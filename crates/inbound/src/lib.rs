//! # itinera-inbound: what reaches the server from outside, checked and read
//!
//! Every inbound webhook is untrusted. This crate does the two things that must happen before
//! anything is stored, and nothing else (no I/O, no clock of its own, no tokio):
//!
//! 1. **Verify** ([`verify`]): the request's signature against the shared secret, in constant
//!    time, and, for schemes that sign a timestamp, that it is within [`TOLERANCE`] of now
//!    (replays outside the window are refused). A request that fails here is answered 401
//!    (nothing that looks like a signature) or 403 (a signature that does not match, or a stale
//!    one) and is not stored.
//! 2. **Read** ([`whatsapp`], [`twilio`], [`sources`]): the verified payload into [`Inbound`]
//!    values — a message from an address, a provider's receipt for a message it took, an event
//!    for a contact. Reading never fails on content it does not know (a WhatsApp `reaction`, a
//!    Calendly event the mapping does not take): it yields nothing for it, so that the provider
//!    does not retry a request we will never understand; a payload that is not what the scheme
//!    sends at all is a [`ReadError`] (400).
//!
//! Turning those values into inbox inputs (which contact has this phone number, which outbox
//! row has this provider message id) needs the store and lives in itinera-runtime
//! (`runtime::inbound`), which also keeps the raw request before acting on it.
//!
//! Design choices:
//! * Signatures are checked over the **raw bytes** as received, never over re-serialised JSON.
//! * Comparisons go through `hmac::Mac::verify_slice` (constant time).
//! * Phone numbers come out in E.164 with a leading `+` (WhatsApp sends digits only).
//! * Ids that make inputs idempotent are the provider's own (WhatsApp `wamid`, Twilio
//!   `MessageSid` + status), so a webhook delivered twice becomes one input.

pub mod sources;
pub mod twilio;
pub mod verify;
pub mod whatsapp;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

/// How far a signed timestamp may be from now (either way): five minutes.
pub const TOLERANCE: jiff::SignedDuration = jiff::SignedDuration::from_secs(300);

/// One thing a verified webhook says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inbound {
    /// A person wrote to us.
    Message {
        /// `whatsapp` or `sms`.
        channel: String,
        /// Their address (E.164 with `+`).
        from: String,
        /// The provider's id of the message (idempotency).
        id: String,
        /// Text typed, if any.
        text: Option<String>,
        /// Button id tapped (interactive reply id, or a template quick-reply's payload).
        button: Option<String>,
        /// The provider id of our message this answers, when the provider says.
        context: Option<String>,
        /// When the provider says it was sent.
        at: Option<Timestamp>,
    },
    /// A provider's receipt for a message it took from us.
    Status {
        /// `whatsapp` or `sms`.
        channel: String,
        /// The provider's message id (stored with the outbox row when it was accepted).
        provider_id: String,
        /// What happened.
        status: Receipt,
        /// The provider's error code, for a failure.
        error_code: Option<String>,
        /// The provider's words for the error.
        error_title: Option<String>,
        /// When.
        at: Option<Timestamp>,
    },
    /// An event about a contact, from an event source.
    Event {
        /// Idempotency id.
        id: String,
        /// Contact id.
        contact: String,
        /// Event name.
        name: String,
        /// Event data.
        data: Map<String, Value>,
        /// When it happened, if the payload says.
        at: Option<Timestamp>,
    },
}

/// A receipt's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Receipt {
    /// Taken / queued / sent on by the provider (no decision yet).
    Sent,
    /// On the handset.
    Delivered,
    /// Read (WhatsApp).
    Read,
    /// Failed or undelivered.
    Failed,
}

/// Why a request was refused before anything was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// No signature header at all (401).
    #[error("missing {0} header")]
    Missing(String),
    /// A signature header that is not in the scheme's form (401).
    #[error("malformed {0} header")]
    Malformed(String),
    /// The signature does not match the body (403).
    #[error("signature does not match")]
    Mismatch,
    /// A signed timestamp outside the five-minute window (403): a replay, or a clock far off.
    #[error("signed timestamp is {seconds} s away from now (more than 300 s)")]
    Stale {
        /// How far, in seconds.
        seconds: i64,
    },
}

impl Refused {
    /// The HTTP status: 401 for no usable signature, 403 for a wrong or stale one.
    pub fn status(&self) -> u16 {
        match self {
            Refused::Missing(_) | Refused::Malformed(_) => 401,
            Refused::Mismatch | Refused::Stale { .. } => 403,
        }
    }
}

/// A verified payload that is not what the scheme sends (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

/// `+` and the digits of a phone number as a provider gives it (`16505551234`,
/// `+1 650-555-1234`, `whatsapp:+16505551234`).
pub fn e164(raw: &str) -> String {
    let raw = raw.strip_prefix("whatsapp:").unwrap_or(raw);
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    format!("+{digits}")
}

/// A unix-seconds string or number as a timestamp.
fn unix_seconds(value: &Value) -> Option<Timestamp> {
    let secs = match value {
        Value::String(s) => s.parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    Timestamp::from_second(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_come_out_in_e164() {
        assert_eq!(e164("16505551234"), "+16505551234");
        assert_eq!(e164("+1 650-555-1234"), "+16505551234");
        assert_eq!(e164("whatsapp:+16505551234"), "+16505551234");
    }

    #[test]
    fn refusals_map_to_401_or_403() {
        assert_eq!(Refused::Missing("X".into()).status(), 401);
        assert_eq!(Refused::Malformed("X".into()).status(), 401);
        assert_eq!(Refused::Mismatch.status(), 403);
        assert_eq!(Refused::Stale { seconds: 301 }.status(), 403);
    }
}
