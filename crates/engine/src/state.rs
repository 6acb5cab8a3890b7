//! One contact's state in one journey: everything the interpreter needs between two inputs.
//! It is plain data (Serialize + Deserialize) so that the durable engine can store it; node
//! positions are indices into the [`crate::Program`] of the journey version the contact is in.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The contact's profile as the journey sees it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Contact {
    /// Stable id (`contact.id`).
    pub id: String,
    /// IANA time zone; `None` uses the journey's `default_timezone`, else UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Attributes (`contact.*`).
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// Address per channel (`sms`, `whatsapp`, `email`).
    #[serde(default)]
    pub addresses: BTreeMap<String, String>,
    /// Consent per channel; a channel that is absent has no consent.
    #[serde(default)]
    pub consent: BTreeMap<String, bool>,
}

/// What a contact waiting at a node waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Waiting {
    /// A `wait` node: the timer at `at`.
    Timer {
        /// When the wait ends.
        at: Timestamp,
    },
    /// A send deferred by quiet hours until `until`; the rules are checked again then.
    QuietHours {
        /// End of quiet hours.
        until: Timestamp,
    },
    /// A `wait_for` reply.
    Reply {
        /// When the `timeout` port is taken, if the node has a timeout.
        timeout_at: Option<Timestamp>,
    },
    /// A `wait_for` event.
    Event {
        /// When the `timeout` port is taken, if the node has a timeout.
        timeout_at: Option<Timestamp>,
    },
    /// The channel's delivery result for the message just sent.
    Delivery,
    /// The result of the webhook just called.
    WebhookResult,
}

/// How a contact's latest pass through the journey ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Reached an `exit` node.
    Exited,
    /// The goal event arrived within its window.
    Goal,
    /// An `exit_on` event made the contact leave.
    Left,
}

impl Outcome {
    /// The outcome word of the simulation report.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Exited => "exited",
            Outcome::Goal => "goal",
            Outcome::Left => "left",
        }
    }
}

/// Where the contact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Never entered.
    #[default]
    NotEntered,
    /// Inside the journey, waiting at `node` since `since`.
    Waiting {
        /// Node index.
        node: usize,
        /// When it started waiting there.
        since: Timestamp,
        /// For what.
        waiting: Waiting,
    },
    /// Finished its latest pass.
    Done {
        /// How.
        outcome: Outcome,
        /// The exit node for `exited`, else the node it was at.
        node: usize,
    },
}

/// A contact's state in one journey.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContactState {
    /// The profile; `update` nodes and opt-out replies change it.
    pub contact: Contact,
    /// Where the contact is.
    pub status: Status,
    /// How many times the contact entered.
    pub entries: u32,
    /// When it last entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_entry: Option<Timestamp>,
    /// When messages were delivered to it (recent ones only: enough for the frequency cap).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent_at: Vec<Timestamp>,
    /// When it last wrote to us on WhatsApp (the 24-hour window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_whatsapp_inbound: Option<Timestamp>,
    /// Name of the current event (the trigger event, or the one that ended the latest `wait_for`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_name: Option<String>,
    /// Data of the current event (`event.*`). An event that ends a `wait_for` replaces it; a
    /// reply that ends one sets `event.channel`, `event.text` and `event.button` (absent ones
    /// removed) and keeps the rest, so later steps still see the trigger's data.
    #[serde(default)]
    pub event: Map<String, Value>,
    /// The contact's resolved time zone, cached (not stored; never part of equality).
    #[serde(skip)]
    pub zone_cache: ZoneCache,
}

/// A resolved time zone kept beside the state so that it is looked up once per contact.
/// Not serialized, and always equal: it is derived from [`Contact::timezone`].
#[derive(Debug, Clone, Default)]
pub struct ZoneCache(pub Option<TimeZone>);

impl PartialEq for ZoneCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl ContactState {
    /// A contact that has not entered yet.
    pub fn new(contact: Contact) -> Self {
        ContactState { contact, ..ContactState::default() }
    }

    /// The node the contact is at (waiting, or where it finished), if it ever entered.
    pub fn node(&self) -> Option<usize> {
        match self.status {
            Status::NotEntered => None,
            Status::Waiting { node, .. } | Status::Done { node, .. } => Some(node),
        }
    }
}
