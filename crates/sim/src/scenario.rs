//! Scenario format v1 (`itinera/scenario@1`): the test contacts a simulation replays.
//!
//! Interface between the scenario parser/population generator and the simulator driver.
//! Contacts are produced one at a time by index ([`Scenario::contact`]) so that a population
//! of a million never has to sit in memory, and contact `i` depends only on (seed, i).

use std::collections::BTreeMap;

use itinera_model::Duration;
use jiff::Timestamp;
use serde_json::{Map, Value};

/// The value of the `format` field of every v1 scenario.
pub const SCENARIO_FORMAT: &str = "itinera/scenario@1";

/// A parsed scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Virtual time at which the simulation starts.
    pub start: Timestamp,
    /// How long the virtual clock runs.
    pub run_for: Duration,
    /// Seed for splits and the population generator.
    pub seed: u64,
    /// Hand-written contacts, simulated first, in file order.
    pub contacts: Vec<ContactSpec>,
    /// Generated contacts, after the hand-written ones.
    pub population: Option<Population>,
}

/// One test contact, hand-written or generated.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactSpec {
    /// Unique id in the scenario.
    pub id: String,
    /// IANA zone; `None` uses the journey's `default_timezone`.
    pub timezone: Option<String>,
    /// Attributes (`contact.*` in conditions and templates).
    pub attributes: Map<String, Value>,
    /// Address per channel (`sms`, `whatsapp`, `email`).
    pub addresses: BTreeMap<String, String>,
    /// Consent per channel; a missing channel means no consent.
    pub consent: BTreeMap<String, bool>,
    /// Events this contact produces.
    pub events: Vec<ScriptedEvent>,
    /// Replies this contact sends after given messages.
    pub replies: Vec<ScriptedReply>,
    /// Delivery result per channel or node id (a node id wins over its channel).
    pub delivery: BTreeMap<String, Delivery>,
}

/// An event at a point in virtual time.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedEvent {
    /// When (already resolved from `+2h` or RFC 3339).
    pub at: Timestamp,
    /// Event name.
    pub name: String,
    /// Event data (`event.*`).
    pub data: Map<String, Value>,
}

/// A reply sent `after` the message of node `to` reached this contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedReply {
    /// Node id whose message this answers.
    pub to: String,
    /// Delay after that message was sent.
    pub after: Duration,
    /// Channel of the reply.
    pub channel: String,
    /// Button id tapped, if any.
    pub button: Option<String>,
    /// Text typed, if any.
    pub text: Option<String>,
}

/// What the channel reports for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Delivered (the default).
    Delivered,
    /// Undeliverable; the reason recorded is `undeliverable`.
    Undeliverable,
    /// Any other provider reason, recorded as written.
    Failed(String),
}

/// Distributions that generate contacts (designed and documented in docs/scenario-format.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// How many contacts to generate.
    pub count: usize,
    // The rest is defined by the population generator.
}
