//! The journey file format v1 (`itinera/journey@1`) as Rust types.
//!
//! Parsing is deliberately lenient about *content* and strict about *shape*: a node with a
//! missing or wrong setting (a bad duration, no text, an unknown channel or operator) still
//! parses, so that validation can point at that node with `invalid_config` — an editor must be
//! able to show a half-configured node. Only JSON that does not have the shape of a journey
//! (wrong types, a node without `id`/`type`) is a `parse_error`. A node of an unknown type
//! parses as [`NodeKind::Unknown`] and validation reports `unknown_node_type`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The value of the `format` field of every v1 journey.
pub const JOURNEY_FORMAT: &str = "itinera/journey@1";

/// One customer journey: a trigger and a graph of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Journey {
    /// Always `itinera/journey@1`.
    pub format: String,
    /// Stable identifier (used for re-entry bookkeeping and seeding).
    pub id: String,
    /// Human name.
    #[serde(default)]
    pub name: String,
    /// Journey-wide sending rules and lifecycle settings.
    #[serde(default, skip_serializing_if = "Settings::is_empty")]
    pub settings: Settings,
    /// The steps.
    pub nodes: Vec<Node>,
    /// Wires from an output port of one node to another node.
    #[serde(default)]
    pub edges: Vec<Edge>,
}

/// Journey-wide settings; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    /// No message is sent between `start` and `end` in the contact's local time; sends are deferred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub quiet_hours: Option<QuietHours>,
    /// At most `max` messages (any channel) per rolling `per` window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub frequency_cap: Option<FrequencyCap>,
    /// Whether a contact may enter again: `never` (default), `always` or `{"after": "30d"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reentry: Option<Reentry>,
    /// Events that make a contact leave the journey from any waiting point.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit_on: Vec<String>,
    /// The conversion event; reaching it within the window ends the journey with outcome `goal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub goal: Option<Goal>,
    /// IANA time zone for contacts without one (default `UTC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub default_timezone: Option<String>,
    /// Per-channel settings, keyed by `sms`, `whatsapp` or `email`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channels: BTreeMap<String, ChannelSettings>,
}

/// The default of [`ChannelSettings::delivery_deadline`].
pub const DEFAULT_DELIVERY_DEADLINE: &str = "1m";

/// Settings of one channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChannelSettings {
    /// How long a sent message waits for its delivery result (default `1m`); no result by then
    /// counts as delivered, so a lost receipt never strands a contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub delivery_deadline: Option<String>,
}

impl Settings {
    /// True when no setting is given.
    pub fn is_empty(&self) -> bool {
        *self == Settings::default()
    }
}

/// A message channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// SMS.
    Sms,
    /// WhatsApp.
    Whatsapp,
    /// Email.
    Email,
}

impl Channel {
    /// All channels, in report order.
    pub const ALL: [Channel; 3] = [Channel::Sms, Channel::Whatsapp, Channel::Email];

    /// Parses `sms` / `whatsapp` / `email`.
    pub fn parse(text: &str) -> Option<Channel> {
        match text {
            "sms" => Some(Channel::Sms),
            "whatsapp" => Some(Channel::Whatsapp),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }

    /// The format's word for the channel.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Email => "email",
        }
    }

    /// The channel's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Sms => "SMS",
            Channel::Whatsapp => "WhatsApp",
            Channel::Email => "Email",
        }
    }
}

/// The format's channel words, in report order (`"sms"`, `"whatsapp"`, `"email"`).
pub const CHANNELS: [&str; 3] = [Channel::ALL[0].as_str(), Channel::ALL[1].as_str(), Channel::ALL[2].as_str()];

/// WhatsApp's customer-service window: free-form (non-template) messages may be sent only this
/// long after the contact's last message. One number for validation's warning
/// (`whatsapp_outside_window`) and the engine's rule (`outside_24h_window`).
pub const WHATSAPP_WINDOW_SECS: i64 = 24 * 3600;

/// A local time of day as the format writes it (`quiet_hours`, `until_local_time`): exactly
/// `HH:MM`, 24-hour, two digits each (`09:00`, `23:59`), as (hour, minute). The one reading of
/// such a time: validation and the engine both call it, so what validates is what runs.
pub fn parse_local_time(text: &str) -> Option<(u8, u8)> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

/// Quiet hours as local `HH:MM` times; `start` > `end` spans midnight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuietHours {
    /// Local time quiet hours begin, `HH:MM`.
    pub start: String,
    /// Local time quiet hours end, `HH:MM`.
    pub end: String,
}

/// A rolling frequency cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FrequencyCap {
    /// Most messages in the window.
    pub max: u32,
    /// The window, a duration such as `1d`.
    pub per: String,
}

/// Re-entry policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum Reentry {
    /// `"never"` or `"always"` (any other word is reported by validation).
    Word(String),
    /// `{"after": "30d"}`: not within that time of the last entry.
    After {
        /// Minimum time since the last entry.
        after: String,
    },
}

/// The journey's conversion goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Goal {
    /// Event name that counts as a conversion.
    pub event: String,
    /// Window after entry in which the event counts (unbounded when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub within: Option<String>,
}

/// Canvas position; used by the editor, ignored everywhere else.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Position {
    /// Horizontal canvas coordinate.
    pub x: f64,
    /// Vertical canvas coordinate.
    pub y: f64,
}

/// An edge from `from`'s output `port` (default `next`) to `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Edge {
    /// Source node id.
    pub from: String,
    /// Output port of the source node.
    #[serde(default = "default_port", skip_serializing_if = "is_default_port")]
    pub port: String,
    /// Target node id.
    pub to: String,
}

/// The port an edge leaves from when it names none.
pub const DEFAULT_PORT: &str = "next";

fn default_port() -> String {
    DEFAULT_PORT.to_string()
}

fn is_default_port(port: &str) -> bool {
    port == DEFAULT_PORT
}

/// One step of a journey.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Node {
    /// Unique id within the journey.
    pub id: String,
    /// Canvas position (editor only).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub position: Option<Position>,
    /// Human label shown on the canvas (editor only); the id stays the step's name everywhere else.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub label: Option<String>,
    /// What the step does.
    #[schemars(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub kind: NodeKind,
}

/// The node types of format v1 and their settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    /// Entry point: a contact enters when `event` arrives and `filter` holds.
    Trigger(Trigger),
    /// A message on a channel.
    Send(Send),
    /// Pause for a duration, until a timestamp, or until a local time of day.
    Wait(Wait),
    /// Wait for a reply or an event, with a timeout.
    WaitFor(WaitFor),
    /// Yes/no on a condition.
    Branch(Branch),
    /// Random A/B split by percentages.
    Split(Split),
    /// Set contact attributes and consent.
    Update(Update),
    /// Call an HTTP endpoint.
    Webhook(Webhook),
    /// Leave the journey.
    Exit(Exit),
    /// A type this version does not know; reported as `unknown_node_type`.
    #[serde(skip)]
    #[schemars(skip)]
    Unknown {
        /// The `type` as written.
        type_name: String,
        /// The node's other fields, kept as written.
        fields: Map<String, Value>,
    },
}

impl NodeKind {
    /// The `type` string of this node.
    pub fn type_name(&self) -> &str {
        match self {
            NodeKind::Unknown { type_name, .. } => type_name,
            known => known.known_type_name().unwrap_or_default(),
        }
    }

    /// The `type` string of a v1 node type; `None` for [`NodeKind::Unknown`].
    pub fn known_type_name(&self) -> Option<&'static str> {
        Some(match self {
            NodeKind::Trigger(_) => "trigger",
            NodeKind::Send(_) => "send",
            NodeKind::Wait(_) => "wait",
            NodeKind::WaitFor(_) => "wait_for",
            NodeKind::Branch(_) => "branch",
            NodeKind::Split(_) => "split",
            NodeKind::Update(_) => "update",
            NodeKind::Webhook(_) => "webhook",
            NodeKind::Exit(_) => "exit",
            NodeKind::Unknown { .. } => return None,
        })
    }

    /// Every output port this node offers, in the order the card shows them, and whether it
    /// must be wired. `failed` on send/webhook is optional: unwired, a failure continues on
    /// `next`. The one list of ports per node type: validation walks it, the engine compiles
    /// it, and the editor's port table must agree with it.
    pub fn output_ports(&self) -> Vec<(String, Required)> {
        let mut ports = Vec::new();
        self.push_output_ports(&mut ports);
        ports.into_iter().map(|(p, r)| (p.to_string(), r)).collect()
    }

    /// [`NodeKind::output_ports`], borrowed and appended to `out` (validation's graph pass
    /// calls it for every node without allocating port names).
    pub fn push_output_ports<'j>(&'j self, out: &mut Vec<(&'j str, Required)>) {
        match self {
            NodeKind::Trigger(_) | NodeKind::Wait(_) | NodeKind::Update(_) => out.push(("next", Required::Yes)),
            NodeKind::Send(_) | NodeKind::Webhook(_) => out.extend([("next", Required::Yes), ("failed", Required::No)]),
            NodeKind::WaitFor(w) => {
                if w.branches.is_empty() {
                    out.push(("next", Required::Yes));
                }
                out.extend(w.branches.iter().map(|b| (b.port.as_str(), Required::Yes)));
                out.push(("timeout", Required::Yes));
            }
            NodeKind::Branch(_) => out.extend([("yes", Required::Yes), ("no", Required::Yes)]),
            NodeKind::Split(s) => out.extend(s.variants.iter().map(|v| (v.port.as_str(), Required::Yes))),
            NodeKind::Exit(_) | NodeKind::Unknown { .. } => {}
        }
    }
}

/// Whether an output port must have an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// Unwired is a `dead_end`.
    Yes,
    /// May stay unwired.
    No,
}

/// `trigger` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Trigger {
    /// Event name that starts the journey.
    #[serde(default)]
    pub event: String,
    /// Optional condition on the contact and the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub filter: Option<Condition>,
    /// Optional `event.<field>` that names one flow (`event.appointment_id`): a contact is then
    /// in the journey at most once per value of that field at the same time, re-entry applies
    /// per value, and an event carrying the field reaches only the flow with that value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub key: Option<String>,
}

/// `send` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Send {
    /// `sms`, `whatsapp` or `email`.
    #[serde(default)]
    pub channel: String,
    /// Liquid template of the message body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub text: Option<String>,
    /// Email subject (Liquid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub subject: Option<String>,
    /// WhatsApp approved template, instead of `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub template: Option<WhatsAppTemplate>,
    /// WhatsApp quick-reply buttons (at most 3, titles of at most 20 characters).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
    /// A message the contact asked for (a booking confirmation, a receipt): exempt from quiet
    /// hours and the frequency cap, and not counted toward it; never from consent or the
    /// WhatsApp window. Default `false`. Kept as written so that a value that is not a boolean
    /// is an `invalid_config` naming the field rather than a parse error; read it with
    /// [`Send::is_transactional`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<bool>")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub transactional: Option<Value>,
}

impl Send {
    /// Whether the send is marked `transactional: true`.
    pub fn is_transactional(&self) -> bool {
        matches!(self.transactional, Some(Value::Bool(true)))
    }
}

/// A WhatsApp approved template reference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WhatsAppTemplate {
    /// Template name as approved by WhatsApp.
    #[serde(default)]
    pub name: String,
    /// Language code, e.g. `en`.
    #[serde(default)]
    pub language: String,
    /// Positional parameters (Liquid).
    #[serde(default)]
    pub params: Vec<String>,
}

/// A quick-reply button.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Button {
    /// Id a reply carries when the button is tapped.
    pub id: String,
    /// Label shown (≤ 20 characters).
    pub title: String,
}

/// `wait` settings: exactly one of the three modes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Wait {
    /// Wait this long.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub for_: Option<String>,
    /// Wait until a timestamp in contact or event data, ± offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub until: Option<WaitUntil>,
    /// Wait until the next such local time (`HH:MM`) in the contact's zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub until_local_time: Option<String>,
}

/// The target of `wait.until`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WaitUntil {
    /// `contact.*` or `event.*` field holding an RFC 3339 timestamp.
    #[serde(default)]
    pub field: String,
    /// Signed duration added to the timestamp, e.g. `-24h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub offset: Option<String>,
}

/// `wait_for` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WaitFor {
    /// Wait for an inbound reply on this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reply: Option<ReplySpec>,
    /// Or wait for this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub event: Option<String>,
    /// Give up after this long and leave on `timeout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub timeout: Option<String>,
    /// Tried in order; without branches, any match leaves on `next`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<WaitBranch>,
}

/// Which replies a `wait_for` listens to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReplySpec {
    /// `sms`, `whatsapp` or `email`.
    #[serde(default)]
    pub channel: String,
}

/// One outcome of a `wait_for`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WaitBranch {
    /// Output port taken when this branch matches.
    #[serde(default)]
    pub port: String,
    /// Matches a reply carrying this button id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub button: Option<String>,
    /// Matches a reply containing one of these whole words (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub keywords: Option<Vec<String>>,
    /// Matches when this condition holds (on `event.*` of the arriving event or reply).
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub where_: Option<Condition>,
    /// Matches anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub any: Option<bool>,
}

/// `branch` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Branch {
    /// `yes` when it holds, else `no`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub condition: Option<Condition>,
}

/// `split` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Split {
    /// Variants with percentages summing to 100.
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// One arm of a split.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Variant {
    /// Output port.
    #[serde(default)]
    pub port: String,
    /// Share of contacts, 0–100.
    #[serde(default)]
    pub percent: f64,
}

/// `update` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Update {
    /// Attributes to set on the contact.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, Value>,
    /// Consent per channel to grant (`true`) or revoke (`false`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub consent: BTreeMap<String, bool>,
}

/// `webhook` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Webhook {
    /// Endpoint (Liquid allowed).
    #[serde(default)]
    pub url: String,
    /// HTTP method, default `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub method: Option<String>,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Request body (Liquid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub body: Option<String>,
}

/// `exit` has no settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Exit {}

/// A condition, kept as written: exactly one of a comparison (`field`, `op`, `value`),
/// `all`, `any` or `not`. [`Condition::form`] says which, or why it is none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Condition {
    /// `contact.*` or `event.*` path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
    /// One of [`OPERATORS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub op: Option<String>,
    /// Operand (a duration string for `within_next` / `within_last`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub value: Option<Value>,
    /// All of these hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub all: Option<Vec<Condition>>,
    /// Any of these holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub any: Option<Vec<Condition>>,
    /// This does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub not: Option<Box<Condition>>,
}

/// The comparison operators of format v1.
pub const OPERATORS: &[&str] =
    &["eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "exists", "not_exists", "within_next", "within_last"];

/// The shape a [`Condition`] takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConditionForm<'a> {
    /// `{"field", "op", "value"}`.
    Compare {
        /// The field path.
        field: &'a str,
        /// The operator (not yet checked against [`OPERATORS`]).
        op: &'a str,
        /// The operand, if any.
        value: Option<&'a Value>,
    },
    /// `{"all": [..]}`.
    All(&'a [Condition]),
    /// `{"any": [..]}`.
    Any(&'a [Condition]),
    /// `{"not": ..}`.
    Not(&'a Condition),
}

impl Condition {
    /// Which form this condition has, or a sentence saying why it has none.
    pub fn form(&self) -> Result<ConditionForm<'_>, String> {
        let compare = self.field.is_some() || self.op.is_some() || self.value.is_some();
        let forms = [compare, self.all.is_some(), self.any.is_some(), self.not.is_some()];
        match forms.iter().filter(|f| **f).count() {
            0 => return Err("empty condition: give field/op/value, all, any or not".into()),
            1 => {}
            _ => return Err("a condition must be exactly one of field/op/value, all, any or not".into()),
        }
        if let Some(all) = &self.all {
            return Ok(ConditionForm::All(all));
        }
        if let Some(any) = &self.any {
            return Ok(ConditionForm::Any(any));
        }
        if let Some(not) = &self.not {
            return Ok(ConditionForm::Not(not));
        }
        match (&self.field, &self.op) {
            (Some(field), Some(op)) => Ok(ConditionForm::Compare { field, op, value: self.value.as_ref() }),
            (None, _) => Err("comparison without `field`".into()),
            (_, None) => Err("comparison without `op`".into()),
        }
    }
}

// ---- (de)serialization of Node: `{"id", "type", "position"?, "label"?, ...type fields}` ----

impl Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let mut map = match &self.kind {
            NodeKind::Unknown { type_name, fields } => {
                let mut m = fields.clone();
                m.insert("type".into(), Value::String(type_name.clone()));
                m
            }
            kind => match serde_json::to_value(kind).map_err(S::Error::custom)? {
                Value::Object(m) => m,
                _ => return Err(S::Error::custom("node kind did not serialize to an object")),
            },
        };
        map.insert("id".into(), Value::String(self.id.clone()));
        if let Some(p) = self.position {
            map.insert("position".into(), serde_json::to_value(p).map_err(S::Error::custom)?);
        }
        if let Some(label) = &self.label {
            map.insert("label".into(), Value::String(label.clone()));
        }
        map.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut map = Map::<String, Value>::deserialize(deserializer)?;
        let id = match map.remove("id") {
            Some(Value::String(s)) => s,
            Some(other) => return Err(D::Error::custom(format!("node field `id`: expected a string, found {other}"))),
            None => return Err(D::Error::custom("a node has no `id`")),
        };
        let position = match map.remove("position") {
            None | Some(Value::Null) => None,
            Some(v) => {
                Some(serde_json::from_value::<Position>(v).map_err(|e| D::Error::custom(format!("node `{id}` field `position`: {e}")))?)
            }
        };
        let label = match map.remove("label") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => return Err(D::Error::custom(format!("node `{id}` field `label`: expected a string, found {other}"))),
        };
        let type_name = match map.get("type") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(D::Error::custom(format!("node `{id}` field `type`: expected a string, found {other}")));
            }
            None => return Err(D::Error::custom(format!("node `{id}` has no `type`"))),
        };
        map.remove("type");
        // Each type's own struct (not the tagged enum, which buffers and loses the path), so
        // that a shape error names the field within the node, e.g. `buttons[0].title`.
        fn typed<T: serde::de::DeserializeOwned>(
            map: Map<String, Value>,
            wrap: fn(T) -> NodeKind,
        ) -> Result<NodeKind, serde_path_to_error::Error<serde_json::Error>> {
            serde_path_to_error::deserialize(Value::Object(map)).map(wrap)
        }
        let kind = match type_name.as_str() {
            "trigger" => typed(map, NodeKind::Trigger),
            "send" => typed(map, NodeKind::Send),
            "wait" => typed(map, NodeKind::Wait),
            "wait_for" => typed(map, NodeKind::WaitFor),
            "branch" => typed(map, NodeKind::Branch),
            "split" => typed(map, NodeKind::Split),
            "update" => typed(map, NodeKind::Update),
            "webhook" => typed(map, NodeKind::Webhook),
            "exit" => typed(map, NodeKind::Exit),
            _ => Ok(NodeKind::Unknown { type_name, fields: map }),
        }
        .map_err(|e| {
            let path = e.path().to_string();
            D::Error::custom(format!("node `{id}` field `{path}`: {}", e.into_inner()))
        })?;
        Ok(Node { id, position, label, kind })
    }
}

/// A parse failure with where it happened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What was wrong, naming the field.
    pub message: String,
}

impl Journey {
    /// Parses journey JSON. Shape errors carry line, column and the field path.
    pub fn parse(text: &str) -> Result<Journey, ParseError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let journey: Journey = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let (line, column) = (inner.line(), inner.column());
            let message = crate::json::message_of(&inner);
            let message = if path.is_empty() || path == "." { message } else { format!("field `{path}`: {message}") };
            // Errors inside a node are raised once the whole node is read (serde_json then points
            // past it); point at the start of the node instead.
            let (line, column) = node_index(&path).and_then(|i| locate_node(text, i)).unwrap_or((line, column));
            ParseError { line, column, message }
        })?;
        Ok(journey)
    }

    /// The node with this id (the first, if ids repeat).
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Canonical, stable text: sorted object keys, 2-space indent, trailing newline.
    pub fn to_canonical_json(&self) -> String {
        let value = serde_json::to_value(self).expect("a journey always serializes");
        canonical_json(&value)
    }
}

/// `nodes[3]` or `nodes[3].…` → 3.
fn node_index(path: &str) -> Option<usize> {
    let rest = path.strip_prefix("nodes[")?;
    rest[..rest.find(']')?].parse().ok()
}

/// 1-based line and column of the `index`-th element of the top-level `nodes` array, found by a
/// small scan of text that serde_json has already read as far as that node (so it is JSON).
fn locate_node(text: &str, index: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    // Skips one string starting at the quote at `i`; returns its raw contents.
    let skip_string = |i: &mut usize| -> Option<&[u8]> {
        let start = *i + 1;
        *i += 1;
        while *i < bytes.len() {
            match bytes[*i] {
                b'\\' => *i += 2,
                b'"' => {
                    *i += 1;
                    return Some(&bytes[start..*i - 1]);
                }
                _ => *i += 1,
            }
        }
        None
    };
    // Skips one value of any kind starting at `i`.
    fn skip_value(bytes: &[u8], i: &mut usize) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match *bytes.get(*i)? {
                b'"' => {
                    *i += 1;
                    while *bytes.get(*i)? != b'"' {
                        *i += if bytes[*i] == b'\\' { 2 } else { 1 };
                    }
                    *i += 1;
                }
                b'{' | b'[' => {
                    depth += 1;
                    *i += 1;
                }
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    *i += 1;
                }
                b',' | b'}' | b']' if depth == 0 => return Some(()),
                c if c.is_ascii_whitespace() && depth == 0 => return Some(()),
                _ => *i += 1,
            }
            if depth == 0 && matches!(bytes.get(*i), None | Some(b',' | b'}' | b']')) {
                return Some(());
            }
        }
    }
    skip_ws(&mut i);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let key = skip_string(&mut i)?;
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        skip_ws(&mut i);
        if key == b"nodes" {
            break;
        }
        skip_value(bytes, &mut i)?;
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b',') {
            return None;
        }
        i += 1;
    }
    if bytes.get(i) != Some(&b'[') {
        return None;
    }
    i += 1;
    for _ in 0..index {
        skip_ws(&mut i);
        skip_value(bytes, &mut i)?;
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b',') {
            return None;
        }
        i += 1;
    }
    skip_ws(&mut i);
    let before = &text[..i];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, column))
}

/// Sorted keys (objects), order kept (arrays), 2-space indent, trailing newline: diffs well in git.
pub fn canonical_json(value: &Value) -> String {
    // serde_json's Map is a BTreeMap (no `preserve_order`), so keys come out sorted.
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value always serializes");
    text.push('\n');
    text
}
