//! The simulation report: exactly the shape of `itinera simulate --json`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SimReport {
    /// The journey id.
    pub journey: String,
    /// One entry per contact, in scenario order.
    pub contacts: Vec<ContactReport>,
    /// Counts over every contact (computed even when details are omitted).
    pub summary: Summary,
}

/// How a contact ended the run (the engine's outcome word).
pub use itinera_engine::ContactOutcome;
/// One step of a contact's trace (the engine's trace record).
pub use itinera_engine::StepRecord;

/// One contact's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactReport {
    /// Contact id.
    pub id: String,
    /// How it ended.
    pub outcome: ContactOutcome,
    /// The exit node for `exited`, the node it was at for `left`/`goal`/`waiting`, null for
    /// `not_entered`.
    pub exit_node: Option<String>,
    /// In a journey whose trigger has a `key`: each of the contact's flows (enrollments), in
    /// the order they started, with its key and how it stands. `outcome` and `exit_node` above
    /// are then the latest entry's. Omitted when empty (always so without `key`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<EntryReport>>", optional))]
    pub entries: Vec<EntryReport>,
    /// Every decision, in order (omitted when details are not asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub steps: Option<Vec<StepRecord>>,
    /// Messages the contact received, in order (omitted with the steps).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub messages: Option<Vec<MessageRecord>>,
    /// True when `steps` or `messages` stop early: a contact keeps at most
    /// [`MAX_KEPT_STEPS`](crate::MAX_KEPT_STEPS) of each (the summary still counts every
    /// step). Omitted when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub truncated: bool,
}

/// One flow of a contact in a journey whose trigger has a `key`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryReport {
    /// The key value (`null` for the flow a trigger event without the key field started).
    pub key: Option<String>,
    /// How it stands.
    pub outcome: ContactOutcome,
    /// As [`ContactReport::exit_node`], for this flow.
    pub exit_node: Option<String>,
}

/// A message the contact received.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MessageRecord {
    /// Send node id.
    pub node: String,
    /// Channel.
    pub channel: String,
    /// The key of the flow that sent it (journeys whose trigger has a `key`); omitted otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub key: Option<String>,
    /// When it was sent (UTC, RFC 3339).
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub at: Timestamp,
    /// Rendered text.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub text: Option<String>,
    /// WhatsApp template.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub template: Option<TemplateRecord>,
    /// Email subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub subject: Option<String>,
}

/// A WhatsApp template as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TemplateRecord {
    /// Template name.
    pub name: String,
    /// Language.
    pub language: String,
    /// Rendered parameters.
    pub params: Vec<String>,
}

/// Counts over all contacts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    /// Contacts simulated.
    pub contacts: usize,
    /// Contacts that entered at least once.
    pub entered: usize,
    /// Contacts per outcome (every outcome listed, zeros included).
    pub outcomes: BTreeMap<String, usize>,
    /// `goal` outcomes / entered contacts (0 when none entered).
    pub goal_rate: f64,
    /// Per node: `entered` (arrivals, every pass counted) and a count per step result word.
    pub nodes: BTreeMap<String, BTreeMap<String, u64>>,
    /// Traversals per journey edge, in journey order (zeros included).
    pub edges: Vec<EdgeCount>,
    /// Messages received per channel (every channel listed).
    pub messages: BTreeMap<String, u64>,
}

/// Traversals of one edge.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EdgeCount {
    /// Source node.
    pub from: String,
    /// Port.
    pub port: String,
    /// Target node.
    pub to: String,
    /// How many times a contact went this way.
    pub count: u64,
}
