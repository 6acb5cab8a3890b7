//! Inbound webhooks, after their signature was checked: the raw request is kept, then what it
//! says becomes inbox inputs, in ONE transaction — so a crash either keeps the request and
//! everything it caused or neither, and the provider's retry finds it again.
//!
//! * A message from an address becomes a reply of every contact with that address on that
//!   channel (usually one; none: kept, nothing else). Its id is the provider's message id, so a
//!   webhook delivered twice is one reply. STOP/START are replies like any other: the
//!   interpreter turns them into consent changes.
//! * A receipt is matched to the outbox row by the provider's message id stored when the
//!   provider took the message. Delivered or read → `Delivery { key, delivered }`; failed →
//!   `Delivery { key, failed(reason) }` with the reason the provider's error code maps to, and an
//!   opt-out code also revokes the contact's consent on that channel. Receipts for messages we
//!   do not know are kept and ignored.
//! * An event for a contact id we have not seen creates that contact (no addresses, no
//!   consent), as `POST /v1/events` does.
//! * A one-click unsubscribe revokes the contact's consent on the channel, with the evidence.

use itinera_engine::{Contact, DeliveryResult, Input};
use itinera_inbound::{Inbound, Receipt};
use itinera_store::{ConsentEvidence, Store, Tx};
use jiff::Timestamp;
use serde::Serialize;

use crate::Error;
use crate::core::{CLASS_EVENT, CLASS_REPLY, CLASS_RESULT};

/// A verified request as received.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    /// `whatsapp`, `twilio`, `unsubscribe` or `hooks/<path>`.
    pub source: &'a str,
    /// The headers to keep (the caller leaves out `Authorization` and `Cookie`).
    pub headers: &'a [(String, String)],
    /// The body, byte for byte.
    pub body: &'a [u8],
}

/// What a provider's error code means for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The reason the message fails with (`undeliverable`, `outside_24h_window`, ...).
    pub reason: String,
    /// The contact opted out on this channel: revoke consent.
    pub opt_out: bool,
}

/// What one request became (kept with it as its outcome).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Accepted {
    /// The kept request's row.
    pub seq: i64,
    /// Inputs added to the inbox (repeats of an input already there are not counted).
    pub inputs: usize,
    /// Consent changes made.
    pub consent: usize,
    /// Contacts created (events for unknown ids).
    pub created: usize,
    /// What was taken but changed nothing, and why.
    pub ignored: Vec<String>,
}

fn json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

/// Keeps `raw`, then applies `items`; `classify(channel, code)` maps a provider's error code.
pub fn accept(
    store: &mut Store,
    raw: Raw<'_>,
    items: &[Inbound],
    classify: &dyn Fn(&str, &str) -> Failure,
    now: Timestamp,
) -> Result<Accepted, Error> {
    let tx = store.transaction()?;
    let headers: serde_json::Map<String, serde_json::Value> =
        raw.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone().into())).collect();
    let mut accepted = Accepted { seq: tx.keep_inbound(raw.source, &json(&headers)?, raw.body, now)?, ..Accepted::default() };
    for item in items {
        apply(&tx, item, classify, now, &mut accepted)?;
    }
    tx.inbound_outcome(accepted.seq, &json(&accepted)?)?;
    tx.commit()?;
    Ok(accepted)
}

fn apply(tx: &Tx<'_>, item: &Inbound, classify: &dyn Fn(&str, &str) -> Failure, now: Timestamp, out: &mut Accepted) -> Result<(), Error> {
    match item {
        Inbound::Message { channel, from, id, text, button, .. } => {
            let contacts = tx.contacts_with_address(channel, from)?;
            if contacts.is_empty() {
                out.ignored.push(format!("{channel} message {id}: no contact has the address {from}"));
            }
            let input = Input::Reply { channel: channel.clone(), text: text.clone(), button: button.clone() };
            let body = json(&input)?;
            for contact in &contacts {
                let input_id = if contacts.len() == 1 { format!("{channel}:{id}") } else { format!("{channel}:{id}:{contact}") };
                if tx.push_input(&input_id, contact, CLASS_REPLY, now, &body, None, now)? {
                    out.inputs += 1;
                }
            }
        }
        Inbound::Status { channel, provider_id, status, error_code, error_title, .. } => {
            let Some(row) = tx.outbox_by_provider_id(channel, provider_id)? else {
                out.ignored.push(format!("{channel} receipt for {provider_id}: no message of ours has that id"));
                return Ok(());
            };
            let result = match status {
                Receipt::Sent => return Ok(()),
                Receipt::Delivered => {
                    tx.outbox_delivered(&row.key, now)?;
                    DeliveryResult::Delivered
                }
                Receipt::Read => {
                    tx.outbox_read(&row.key, now)?;
                    DeliveryResult::Delivered
                }
                Receipt::Failed => {
                    let code = error_code.as_deref().unwrap_or("");
                    let failure =
                        if code.is_empty() { Failure { reason: "undeliverable".into(), opt_out: false } } else { classify(channel, code) };
                    tx.outbox_undelivered(&row.key, &failure.reason)?;
                    if failure.opt_out {
                        let shown = error_title.clone().map(|t| format!("{code}: {t}"));
                        if set_consent(tx, &row.contact, channel, false, &format!("{channel} error {code}"), shown, now)? {
                            out.consent += 1;
                        }
                    }
                    DeliveryResult::Failed(failure.reason)
                }
            };
            // One result per message: whichever receipt comes first decides (a `read` after
            // `delivered` changes nothing more).
            let input = Input::Delivery { key: row.key.clone(), result };
            if tx.push_input(&format!("receipt:{}", row.key), &row.contact, CLASS_RESULT, now, &json(&input)?, Some(row.enrollment), now)? {
                out.inputs += 1;
            }
        }
        Inbound::Event { id, contact, name, data, at } => {
            if tx.contact(contact)?.is_none() {
                let fresh = Contact { id: contact.clone(), ..Contact::default() };
                tx.put_contact(contact, &json(&fresh)?, now)?;
                out.created += 1;
            }
            let input = Input::Event { name: name.clone(), data: data.clone() };
            if tx.push_input(id, contact, CLASS_EVENT, at.unwrap_or(now).min(now), &json(&input)?, None, now)? {
                out.inputs += 1;
            } else {
                out.ignored.push(format!("event {id}: already received"));
            }
        }
    }
    Ok(())
}

/// Sets a contact's consent on a channel with its evidence; false when it already was so (or
/// the contact is unknown).
pub fn set_consent(
    tx: &Tx<'_>,
    contact: &str,
    channel: &str,
    granted: bool,
    source: &str,
    shown: Option<String>,
    now: Timestamp,
) -> Result<bool, Error> {
    let Some(profile) = tx.contact(contact)? else { return Ok(false) };
    let mut profile: Contact = serde_json::from_str(&profile).map_err(|e| Error::Internal(format!("contact {contact}: {e}")))?;
    if profile.consent.get(channel) == Some(&granted) {
        return Ok(false);
    }
    profile.consent.insert(channel.to_string(), granted);
    tx.put_contact(contact, &json(&profile)?, now)?;
    tx.add_consent_evidence(
        contact,
        &ConsentEvidence { channel: channel.to_string(), granted, source: source.to_string(), at: now, shown },
    )?;
    Ok(true)
}

/// A one-click unsubscribe (RFC 8058): keeps the request and revokes consent on `channel`.
pub fn unsubscribe(store: &mut Store, raw: Raw<'_>, contact: &str, channel: &str, now: Timestamp) -> Result<Accepted, Error> {
    let tx = store.transaction()?;
    let headers: serde_json::Map<String, serde_json::Value> =
        raw.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone().into())).collect();
    let mut accepted = Accepted { seq: tx.keep_inbound(raw.source, &json(&headers)?, raw.body, now)?, ..Accepted::default() };
    if set_consent(&tx, contact, channel, false, "one-click unsubscribe (List-Unsubscribe-Post)", None, now)? {
        accepted.consent += 1;
    } else {
        accepted.ignored.push(format!("{contact} had no {channel} consent to revoke"));
    }
    tx.inbound_outcome(accepted.seq, &json(&accepted)?)?;
    tx.commit()?;
    Ok(accepted)
}
