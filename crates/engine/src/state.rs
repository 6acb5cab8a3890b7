//! One contact's profile ([`Contact`]) and its state in one journey version ([`ContactState`]):
//! everything the interpreter needs between two inputs.
//!
//! The profile is the contact's, shared by every journey it is in: attributes, consent and the
//! WhatsApp window are passed in to [`crate::handle`], and what a journey changes (an `update`
//! node, a STOP/START reply, an inbound WhatsApp message) comes out as a [`ContactChange`]
//! effect that the driver applies to the contact record. So a STOP received in one journey
//! stops sends in every journey.
//!
//! The state is plain data (Serialize + Deserialize) so that the durable engine can store it. It
//! names the schema it is written in ([`STATE_SCHEMA`]), the journey and version it belongs to,
//! and the node it is at by index *and* id; [`ContactState::check`] refuses a state loaded with
//! another program. In a journey whose trigger has a `key`, a contact has one state per key
//! value (an enrollment), and the state names its [`ContactState::key`].

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::program::Program;

/// The version of [`ContactState`]'s stored shape.
pub const STATE_SCHEMA: u32 = 1;

/// The contact's profile, shared by every journey the contact is in.
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
    /// When the contact last wrote to us on WhatsApp (the 24-hour window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_whatsapp_inbound: Option<Timestamp>,
}

/// A change a journey makes to the contact's profile; the driver applies it to the contact
/// record with [`Contact::apply`] (the interpreter already sees it for the rest of the input).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ContactChange {
    /// An `update` node set these attributes.
    Attributes {
        /// Attribute → new value.
        set: Map<String, Value>,
    },
    /// Consent on a channel granted or revoked (an `update` node, or a STOP/START reply).
    Consent {
        /// `sms`, `whatsapp` or `email`.
        channel: String,
        /// Granted (true) or revoked.
        granted: bool,
    },
    /// An inbound WhatsApp message opened the 24-hour window.
    WhatsappInbound {
        /// When it arrived.
        at: Timestamp,
    },
}

impl Contact {
    /// Applies a change a journey made.
    pub fn apply(&mut self, change: &ContactChange) {
        match change {
            ContactChange::Attributes { set } => {
                for (key, value) in set {
                    self.attributes.insert(key.clone(), value.clone());
                }
            }
            ContactChange::Consent { channel, granted } => {
                self.consent.insert(channel.clone(), *granted);
            }
            ContactChange::WhatsappInbound { at } => self.last_whatsapp_inbound = Some(*at),
        }
    }
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
    /// The channel's delivery result for the message just sent, identified by its idempotency
    /// key (see [`Program::idempotency_key`]); none by `deadline` counts as delivered.
    Delivery {
        /// The attempt number in the message's key.
        attempt: u32,
        /// When the message counts as delivered without a result.
        deadline: Timestamp,
    },
    /// The result of the webhook just called, identified by its idempotency key.
    WebhookResult {
        /// The attempt number in the call's key.
        attempt: u32,
    },
}

impl Waiting {
    /// When the interpreter wants an [`Input::Timer`](crate::Input::Timer) for this wait: the
    /// instant it asked for with `wake_at` when it started waiting (a durable driver keeps this
    /// one timer per contact instead of every wake-up ever asked for; earlier ones would be
    /// ignored). `None` for a `wait_for` without a timeout and a webhook result.
    pub fn due(&self) -> Option<Timestamp> {
        match *self {
            Waiting::Timer { at } => Some(at),
            Waiting::QuietHours { until } => Some(until),
            Waiting::Reply { timeout_at } | Waiting::Event { timeout_at } => timeout_at,
            Waiting::Delivery { deadline, .. } => Some(deadline),
            Waiting::WebhookResult { .. } => None,
        }
    }
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

/// How a contact stands at the end of a run (or now): the report's outcome word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ContactOutcome {
    /// Reached an exit.
    Exited,
    /// Reached the goal.
    Goal,
    /// Left on an `exit_on` event.
    Left,
    /// Still inside.
    Waiting,
    /// Never entered.
    NotEntered,
}

impl ContactOutcome {
    /// Every outcome, in report order.
    pub const ALL: [ContactOutcome; 5] =
        [ContactOutcome::Exited, ContactOutcome::Goal, ContactOutcome::Left, ContactOutcome::Waiting, ContactOutcome::NotEntered];

    /// The outcome word.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactOutcome::Exited => "exited",
            ContactOutcome::Goal => "goal",
            ContactOutcome::Left => "left",
            ContactOutcome::Waiting => "waiting",
            ContactOutcome::NotEntered => "not_entered",
        }
    }
}

impl Status {
    /// The outcome word for this status, and the node it names (the exit node for `exited`,
    /// the node the contact is at for the others, none for `not_entered`).
    pub fn outcome(&self) -> (ContactOutcome, Option<usize>) {
        match *self {
            Status::NotEntered => (ContactOutcome::NotEntered, None),
            Status::Waiting { node, .. } => (ContactOutcome::Waiting, Some(node)),
            Status::Done { outcome, node } => (
                match outcome {
                    Outcome::Exited => ContactOutcome::Exited,
                    Outcome::Goal => ContactOutcome::Goal,
                    Outcome::Left => ContactOutcome::Left,
                },
                Some(node),
            ),
        }
    }
}

/// Why a stored state cannot be interpreted with the program it was loaded with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The state is written in another schema.
    #[error("contact state schema {found} is not the supported schema {expected}")]
    Schema {
        /// The state's schema.
        found: u32,
        /// [`STATE_SCHEMA`].
        expected: u32,
    },
    /// The state belongs to another journey or version.
    #[error("contact state belongs to journey `{found}` v{found_version}, not `{expected}` v{expected_version}")]
    OtherJourney {
        /// The state's journey.
        found: String,
        /// The state's version.
        found_version: u32,
        /// The program's journey.
        expected: String,
        /// The program's version.
        expected_version: u32,
    },
    /// The node the state is at is not the same node in the program.
    #[error("contact state is at node #{index} `{node}`, which the journey does not have at that position")]
    NodeMismatch {
        /// Stored index.
        index: usize,
        /// Stored node id.
        node: String,
    },
    /// The stored state is not a contact state.
    #[error("contact state is not readable: {0}")]
    Unreadable(String),
}

/// A contact's state in one journey version.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContactState {
    /// The schema of this shape ([`STATE_SCHEMA`]); absent in a stored state reads as 0.
    #[serde(default)]
    pub schema: u32,
    /// The journey id.
    #[serde(default)]
    pub journey: String,
    /// The journey version.
    #[serde(default)]
    pub version: u32,
    /// The enrollment's key in a journey whose trigger has a `key` (the value of that event
    /// field, see [`Program::entry_key`]); `None` for the keyless enrollment (every enrollment of
    /// a journey without `key`). A contact has at most one enrollment per key in a journey
    /// version, so (journey, version, contact, key) names it. Absent when `None`, so keyless
    /// states are stored exactly as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where the contact is.
    pub status: Status,
    /// The id of the node `status` names (kept with its index so that a stored state can be
    /// checked against the program it is loaded with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// How many times the contact entered.
    pub entries: u32,
    /// When it last entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_entry: Option<Timestamp>,
    /// When messages were delivered to it (recent ones only: enough for the frequency cap).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent_at: Vec<Timestamp>,
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

/// A resolved time zone kept beside the state so that it is looked up once per contact, with
/// the name it was resolved from. Not serialized, and always equal.
#[derive(Debug, Clone, Default)]
pub struct ZoneCache(pub Option<(String, Option<TimeZone>)>);

impl PartialEq for ZoneCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl ContactState {
    /// A contact that has not entered this program's journey version yet (its keyless
    /// enrollment).
    pub fn new(program: &Program) -> Self {
        ContactState { schema: STATE_SCHEMA, journey: program.journey_id.clone(), version: program.version, ..ContactState::default() }
    }

    /// The enrollment with `key` (see [`crate::Route`]) of a contact that has not entered it
    /// yet; `None` is [`ContactState::new`].
    pub fn new_keyed(program: &Program, key: Option<String>) -> Self {
        ContactState { key, ..ContactState::new(program) }
    }

    /// Reads a stored state (JSON) and checks it against `program`.
    pub fn load(json: &str, program: &Program) -> Result<ContactState, StateError> {
        let state: ContactState = serde_json::from_str(json).map_err(|e| StateError::Unreadable(e.to_string()))?;
        state.check(program)?;
        Ok(state)
    }

    /// Whether this state can be interpreted with `program`: same schema, same journey and
    /// version, and the node it is at has the same id at the same index.
    pub fn check(&self, program: &Program) -> Result<(), StateError> {
        if self.schema != STATE_SCHEMA {
            return Err(StateError::Schema { found: self.schema, expected: STATE_SCHEMA });
        }
        if self.journey != program.journey_id || self.version != program.version {
            return Err(StateError::OtherJourney {
                found: self.journey.clone(),
                found_version: self.version,
                expected: program.journey_id.clone(),
                expected_version: program.version,
            });
        }
        if let Some(index) = self.node() {
            let same = program.nodes.get(index).is_some_and(|n| self.node_id.as_deref() == Some(n.id.as_str()));
            if !same {
                return Err(StateError::NodeMismatch { index, node: self.node_id.clone().unwrap_or_default() });
            }
        }
        Ok(())
    }

    /// Whether the contact is inside the journey (waiting at a node), as opposed to not entered
    /// or finished.
    pub fn is_inside(&self) -> bool {
        matches!(self.status, Status::Waiting { .. })
    }

    /// The node the contact is at (waiting, or where it finished), if it ever entered.
    pub fn node(&self) -> Option<usize> {
        match self.status {
            Status::NotEntered => None,
            Status::Waiting { node, .. } | Status::Done { node, .. } => Some(node),
        }
    }

    /// When this contact wants a timer input, if it waits for one ([`Waiting::due`]).
    pub fn due(&self) -> Option<Timestamp> {
        match &self.status {
            Status::Waiting { waiting, .. } => waiting.due(),
            _ => None,
        }
    }

    /// Keeps [`ContactState::node_id`] in step with the status (after the interpreter moved it).
    pub(crate) fn sync_node_id(&mut self, program: &Program) {
        if let Some(node) = self.node().and_then(|i| program.nodes.get(i))
            && self.node_id.as_deref() != Some(node.id.as_str())
        {
            // Reuses the buffer: the contact moves often, node ids are short.
            match &mut self.node_id {
                Some(id) => {
                    id.clear();
                    id.push_str(&node.id);
                }
                None => self.node_id = Some(node.id.clone()),
            }
        }
    }
}
