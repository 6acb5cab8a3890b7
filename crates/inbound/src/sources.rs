//! Event sources: signed webhooks from the tools businesses already use (Calendly, Shopify,
//! anything that signs with an HMAC), turned into events by a mapping of JSON pointers.
//!
//! ```toml
//! [[sources]]
//! path = "calendly"                      # POST /hooks/calendly
//! scheme = "calendly"                    # Calendly-Webhook-Signature: t=…,v1=…
//! secret = "env:CALENDLY_SIGNING_KEY"
//! [sources.map]
//! name = "appointment_booked"            # the event's name (a literal)
//! contact = "/payload/email"             # JSON pointer to the contact id
//! id = "/payload/uri"                    # idempotency (default: the body's SHA-256)
//! at = "/created_at"                     # optional: when it happened
//! when = { "/event" = "invitee.created" }  # take only payloads where these are equal
//! [sources.map.data]
//! starts_at = "/payload/scheduled_event/start_time"
//! ```
//!
//! A key of `when`, or the value of `id`, may also be `header:NAME` (Shopify puts the topic and
//! the delivery id in headers). A payload that does not match `when` is accepted (it was
//! signed) and yields no event; one that matches but lacks the contact is a [`ReadError`].

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::{Inbound, ReadError, Refused, verify};

/// How a source signs its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the body.
    Shopify,
    /// `Calendly-Webhook-Signature: t=…,v1=…`, within five minutes.
    Calendly,
    /// A hex HMAC-SHA256 of the body in this header.
    HmacSha256Hex {
        /// The header's name.
        header: String,
    },
}

impl Scheme {
    /// `shopify`, `calendly` or `hmac_sha256_hex` (which needs `header`).
    pub fn parse(name: &str, header: Option<&str>) -> Result<Scheme, String> {
        match (name, header) {
            ("shopify", _) => Ok(Scheme::Shopify),
            ("calendly", _) => Ok(Scheme::Calendly),
            ("hmac_sha256_hex", Some(h)) if !h.trim().is_empty() => Ok(Scheme::HmacSha256Hex { header: h.trim().to_string() }),
            ("hmac_sha256_hex", _) => Err("`hmac_sha256_hex` needs `header` (the header that carries the signature)".into()),
            (other, _) => Err(format!("unknown scheme `{other}` (shopify, calendly, hmac_sha256_hex)")),
        }
    }
}

/// From a payload to an event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The event's name.
    pub name: String,
    /// JSON pointer to the contact id (a string or a number).
    pub contact: String,
    /// JSON pointer (or `header:NAME`) to an id that is the same when the source delivers the
    /// same thing twice; default: the SHA-256 of the body.
    #[serde(default)]
    pub id: Option<String>,
    /// JSON pointer to when it happened (RFC 3339 or unix seconds).
    #[serde(default)]
    pub at: Option<String>,
    /// Only payloads where each pointer (or `header:NAME`) has this value.
    #[serde(default)]
    pub when: BTreeMap<String, Value>,
    /// Event data: field → JSON pointer (values copied as they are; a missing one is left out).
    #[serde(default)]
    pub data: BTreeMap<String, String>,
}

impl Mapping {
    /// Checks that every pointer is a pointer (`/…`, or `header:NAME` where allowed).
    pub fn check(&self) -> Result<(), String> {
        let pointer = |field: &str, p: &str, header_ok: bool| {
            if p.starts_with('/') || (header_ok && p.starts_with("header:") && p.len() > 7) {
                Ok(())
            } else {
                Err(format!(
                    "map.{field}: {p:?} is not a JSON pointer (one starts with `/`{})",
                    if header_ok { ", or is `header:NAME`" } else { "" }
                ))
            }
        };
        if self.name.trim().is_empty() {
            return Err("map.name: must not be empty".into());
        }
        pointer("contact", &self.contact, false)?;
        if let Some(id) = &self.id {
            pointer("id", id, true)?;
        }
        if let Some(at) = &self.at {
            pointer("at", at, false)?;
        }
        for key in self.when.keys() {
            pointer("when", key, true)?;
        }
        for (field, p) in &self.data {
            pointer(&format!("data.{field}"), p, false)?;
        }
        Ok(())
    }
}

/// One configured source.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path under `/hooks/`.
    pub path: String,
    /// Signature scheme.
    pub scheme: Scheme,
    /// Signing secret (bytes of the configured string).
    pub secret: Vec<u8>,
    /// The mapping.
    pub mapping: Mapping,
}

/// A header's value by case-insensitive name.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

impl Source {
    /// Checks the request's signature (and, for Calendly, its age against `now`).
    pub fn verify(&self, headers: &[(String, String)], body: &[u8], now: Timestamp) -> Result<(), Refused> {
        match &self.scheme {
            Scheme::Shopify => verify::shopify(&self.secret, body, header(headers, "X-Shopify-Hmac-Sha256")),
            Scheme::Calendly => verify::calendly(&self.secret, body, header(headers, "Calendly-Webhook-Signature"), now),
            Scheme::HmacSha256Hex { header: name } => verify::hmac_sha256_hex(&self.secret, body, name, header(headers, name)),
        }
    }

    /// Reads a verified request into its event, or `None` when `when` does not match.
    pub fn read(&self, headers: &[(String, String)], body: &[u8]) -> Result<Option<Inbound>, ReadError> {
        let payload: Value = serde_json::from_slice(body).map_err(|e| ReadError(format!("not JSON: {e}")))?;
        let lookup = |p: &str| -> Option<Value> {
            match p.strip_prefix("header:") {
                Some(name) => header(headers, name).map(|v| Value::String(v.to_string())),
                None => payload.pointer(p).cloned(),
            }
        };
        for (p, want) in &self.mapping.when {
            if lookup(p).as_ref() != Some(want) {
                return Ok(None);
            }
        }
        let contact = match payload.pointer(&self.mapping.contact) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(ReadError(format!("no contact at `{}`", self.mapping.contact))),
        };
        let id = match self.mapping.id.as_deref().and_then(lookup) {
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(Value::Number(n)) => n.to_string(),
            Some(_) | None if self.mapping.id.is_some() => {
                return Err(ReadError(format!("no id at `{}`", self.mapping.id.as_deref().unwrap_or_default())));
            }
            _ => hex::encode(Sha256::digest(body)),
        };
        let at = match self.mapping.at.as_deref().and_then(|p| payload.pointer(p)) {
            Some(Value::String(s)) => Some(s.parse::<Timestamp>().map_err(|e| ReadError(format!("`{s}`: {e}")))?),
            Some(v @ Value::Number(_)) => crate::unix_seconds(v),
            _ => None,
        };
        let mut data = Map::new();
        for (field, p) in &self.mapping.data {
            if let Some(v) = payload.pointer(p) {
                data.insert(field.clone(), v.clone());
            }
        }
        Ok(Some(Inbound::Event { id: format!("{}:{id}", self.path), contact, name: self.mapping.name.clone(), data, at }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendly() -> Source {
        let mapping: Mapping = serde_json::from_value(serde_json::json!({
            "name": "appointment_booked",
            "contact": "/payload/email",
            "id": "/payload/uri",
            "at": "/created_at",
            "when": {"/event": "invitee.created"},
            "data": {"starts_at": "/payload/scheduled_event/start_time", "missing": "/payload/nope"}
        }))
        .unwrap();
        mapping.check().unwrap();
        Source { path: "calendly".into(), scheme: Scheme::Calendly, secret: b"k".to_vec(), mapping }
    }

    #[test]
    fn a_calendly_booking_becomes_an_event_and_a_cancellation_nothing() {
        let body = br#"{"event":"invitee.created","created_at":"2026-12-01T10:00:00.000000Z","payload":{"email":"ada@example.com","uri":"https://api.calendly.com/scheduled_events/E1/invitees/I1","scheduled_event":{"start_time":"2026-12-03T09:00:00.000000Z"}}}"#;
        let got = calendly().read(&[], body).unwrap().unwrap();
        let Inbound::Event { id, contact, name, data, at } = got else { panic!() };
        assert_eq!(id, "calendly:https://api.calendly.com/scheduled_events/E1/invitees/I1");
        assert_eq!((contact.as_str(), name.as_str()), ("ada@example.com", "appointment_booked"));
        assert_eq!(data, serde_json::json!({"starts_at": "2026-12-03T09:00:00.000000Z"}).as_object().unwrap().clone());
        assert_eq!(at, Some("2026-12-01T10:00:00Z".parse().unwrap()));
        let cancel = br#"{"event":"invitee.canceled","payload":{"email":"ada@example.com","uri":"x"}}"#;
        assert_eq!(calendly().read(&[], cancel).unwrap(), None);
        let no_contact = br#"{"event":"invitee.created","payload":{"uri":"x"}}"#;
        assert!(calendly().read(&[], no_contact).unwrap_err().0.contains("/payload/email"));
    }

    #[test]
    fn shopify_takes_topic_and_id_from_headers_and_numbers_as_ids() {
        let mapping: Mapping = serde_json::from_value(serde_json::json!({
            "name": "order_placed", "contact": "/customer/id", "id": "header:X-Shopify-Webhook-Id",
            "when": {"header:X-Shopify-Topic": "orders/create"}, "data": {"total": "/total_price"}
        }))
        .unwrap();
        mapping.check().unwrap();
        let source = Source { path: "shopify".into(), scheme: Scheme::Shopify, secret: b"s".to_vec(), mapping };
        let body = br#"{"id":820982911946154508,"total_price":"199.00","customer":{"id":115310627314723954}}"#;
        let headers = vec![
            ("x-shopify-topic".to_string(), "orders/create".to_string()),
            ("X-Shopify-Webhook-Id".to_string(), "b54557e4".to_string()),
        ];
        let Some(Inbound::Event { id, contact, data, .. }) = source.read(&headers, body).unwrap() else { panic!() };
        assert_eq!((id.as_str(), contact.as_str()), ("shopify:b54557e4", "115310627314723954"));
        assert_eq!(data["total"], "199.00");
        let other_topic = vec![("X-Shopify-Topic".to_string(), "orders/paid".to_string())];
        assert_eq!(source.read(&other_topic, body).unwrap(), None);
        // Signed as Shopify signs.
        let signed = vec![("X-Shopify-Hmac-Sha256".to_string(), verify::sign::shopify(b"s", body))];
        assert_eq!(source.verify(&signed, body, Timestamp::UNIX_EPOCH), Ok(()));
        assert_eq!(source.verify(&signed, b"{}", Timestamp::UNIX_EPOCH), Err(Refused::Mismatch));
    }

    #[test]
    fn without_an_id_the_body_hash_makes_redelivery_one_event() {
        let mut source = calendly();
        source.mapping.id = None;
        let body = br#"{"event":"invitee.created","payload":{"email":"a@b.c"}}"#;
        let one = source.read(&[], body).unwrap().unwrap();
        let two = source.read(&[], body).unwrap().unwrap();
        assert_eq!(one, two);
    }

    #[test]
    fn mappings_and_schemes_are_checked() {
        let mut m = calendly().mapping;
        m.contact = "payload.email".into();
        assert!(m.check().unwrap_err().contains("map.contact"));
        assert!(Scheme::parse("hmac_sha256_hex", None).is_err());
        assert!(Scheme::parse("stripe", None).unwrap_err().contains("unknown scheme"));
        assert_eq!(Scheme::parse("hmac_sha256_hex", Some("X-Sig")).unwrap(), Scheme::HmacSha256Hex { header: "X-Sig".into() });
    }
}
