//! Scenario format v1 (`itinera/scenario@1`): the test contacts a simulation replays.
//!
//! Interface between the scenario parser/population generator and the simulator driver.
//! Contacts are produced one at a time by index ([`Scenario::contact`]) so that a population
//! of a million never has to sit in memory, and contact `i` depends only on (seed, i).
//!
//! Parsing goes through private "raw" serde types that mirror the file exactly (they are also
//! the source of the JSON Schema, [`json_schema`]). Every value that can be checked on its own
//! — durations, times, channel names, time zones, delivery results, replies — is checked while
//! it is deserialized, so an error carries serde_json's line and column and the field path
//! recorded by `serde_path_to_error` (`contacts[2].events[0].at`). Duplicate contact ids are
//! caught while the `contacts` array is read, for the same reason. The few checks that need
//! the whole file (a generated id colliding with a hand-written one, a relative time that
//! lands outside the calendar) run after parsing and name the field path only.
//! The user documentation of the format is docs/scenario-format.md.

use std::collections::BTreeMap;
use std::fmt;

use itinera_model::Duration;
use jiff::Timestamp;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde_json::{Map, Value};

pub use crate::population::Population;

/// The value of the `format` field of every v1 scenario.
pub const SCENARIO_FORMAT: &str = "itinera/scenario@1";

/// The channel names a scenario may use (addresses, consent, replies, population channels): the
/// journey format's.
pub use itinera_model::journey::CHANNELS;

/// A parsed scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Virtual time at which the simulation starts.
    pub start: Timestamp,
    /// How long the virtual clock runs.
    pub run_for: Duration,
    /// Seed for splits and the population generator.
    pub seed: u64,
    /// Hand-written contacts, simulated first, in file order (kept compact: see [`Contacts`]).
    pub contacts: Contacts,
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
    /// Events this contact produces (hand-written: file order; generated: time order).
    pub events: Vec<ScriptedEvent>,
    /// Replies this contact sends after given messages.
    pub replies: Vec<ScriptedReply>,
    /// Delivery result per channel or node id (a node id wins over its channel).
    pub delivery: BTreeMap<String, Delivery>,
}

/// The hand-written contacts of a scenario, kept compact: each one as its id and a short JSON
/// text of the rest, unpacked into a [`ContactSpec`] only when it is simulated. A contact as
/// typed maps (attributes, addresses, consent, event data: a B-tree node each) takes several
/// times the bytes its JSON does, so 100,000 contacts would cost ten times the file; packed, the
/// scenario takes about the file's size, and the simulator unpacks one chunk at a time.
///
/// Unpacking gives back exactly the contact that was packed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contacts {
    items: Vec<Packed>,
    /// The scenario's start, for events written relative to it (`+2h`).
    start: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
struct Packed {
    id: Box<str>,
    body: Box<str>,
}

impl Contacts {
    /// No contacts.
    pub fn new() -> Contacts {
        Contacts::default()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Contact `i`, unpacked.
    pub fn get(&self, i: usize) -> Option<ContactSpec> {
        self.items.get(i).map(|p| self.unpack(p))
    }

    /// The id of contact `i`, without unpacking it.
    pub fn id(&self, i: usize) -> Option<&str> {
        self.items.get(i).map(|p| &*p.id)
    }

    /// Every id, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.items.iter().map(|p| &*p.id)
    }

    /// Every contact, unpacked one at a time, in order.
    pub fn iter(&self) -> impl Iterator<Item = ContactSpec> + '_ {
        self.items.iter().map(|p| self.unpack(p))
    }

    /// The index of the contact with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|p| &*p.id == id)
    }

    /// Adds a contact at the end.
    pub fn push(&mut self, contact: ContactSpec) {
        let events = contact.events.into_iter().map(|e| PackedEvent(PackedAt::from(At::Absolute(e.at)), e.name, e.data));
        let body = PackedBody {
            timezone: contact.timezone,
            attributes: contact.attributes,
            addresses: contact.addresses,
            consent: contact.consent,
            events: events.collect(),
            replies: contact.replies.into_iter().map(PackedReply::from).collect(),
            delivery: contact.delivery,
        };
        self.items.push(Packed { id: contact.id.into_boxed_str(), body: body.encode(&mut Vec::new()) });
    }

    /// Reverses the order.
    pub fn reverse(&mut self) {
        self.items.reverse();
    }

    /// Rotates the order left by `k` (`k <= len`).
    pub fn rotate_left(&mut self, k: usize) {
        let k = k.min(self.items.len());
        self.items.rotate_left(k);
    }

    /// Keeps the first `n`.
    pub fn truncate(&mut self, n: usize) {
        self.items.truncate(n);
    }

    fn unpack(&self, packed: &Packed) -> ContactSpec {
        let id = packed.id.to_string();
        // The text was written by `PackedBody::encode` from the same types: it always reads back.
        let Some(body) = PackedBody::decode(&packed.body) else {
            return ContactSpec {
                id,
                timezone: None,
                attributes: Map::new(),
                addresses: BTreeMap::new(),
                consent: BTreeMap::new(),
                events: Vec::new(),
                replies: Vec::new(),
                delivery: BTreeMap::new(),
            };
        };
        let start = self.start.unwrap_or(Timestamp::UNIX_EPOCH);
        let events = body
            .events
            .into_iter()
            .map(|PackedEvent(at, name, data)| ScriptedEvent { at: at.into_at().resolve(start).unwrap_or(Timestamp::MAX), name, data })
            .collect();
        ContactSpec {
            id,
            timezone: body.timezone,
            attributes: body.attributes,
            addresses: body.addresses,
            consent: body.consent,
            events,
            replies: body.replies.into_iter().map(ScriptedReply::from).collect(),
            delivery: body.delivery,
        }
    }
}

impl From<Vec<ContactSpec>> for Contacts {
    fn from(contacts: Vec<ContactSpec>) -> Contacts {
        contacts.into_iter().collect()
    }
}

impl FromIterator<ContactSpec> for Contacts {
    fn from_iter<I: IntoIterator<Item = ContactSpec>>(iter: I) -> Contacts {
        let mut contacts = Contacts::new();
        for contact in iter {
            contacts.push(contact);
        }
        contacts
    }
}

/// A contact but its id, as packed: written as a JSON array of its fields in this order (no
/// field names), events and replies as arrays too.
struct PackedBody {
    timezone: Option<String>,
    attributes: Map<String, Value>,
    addresses: BTreeMap<String, String>,
    consent: BTreeMap<String, bool>,
    events: Vec<PackedEvent>,
    replies: Vec<PackedReply>,
    delivery: BTreeMap<String, Delivery>,
}

type PackedTuple = (
    Option<String>,
    Map<String, Value>,
    BTreeMap<String, String>,
    BTreeMap<String, bool>,
    Vec<PackedEvent>,
    Vec<PackedReply>,
    BTreeMap<String, Delivery>,
);

impl PackedBody {
    /// The text, written through `buffer` so that the box holds exactly its bytes.
    fn encode(&self, buffer: &mut Vec<u8>) -> Box<str> {
        buffer.clear();
        let fields = (&self.timezone, &self.attributes, &self.addresses, &self.consent, &self.events, &self.replies, &self.delivery);
        // Strings, booleans, numbers and maps with string keys: writing to memory cannot fail,
        // and serde_json writes UTF-8.
        if serde_json::to_writer(&mut *buffer, &fields).is_err() {
            buffer.clear();
        }
        std::str::from_utf8(buffer).unwrap_or_default().into()
    }

    fn decode(text: &str) -> Option<PackedBody> {
        let (timezone, attributes, addresses, consent, events, replies, delivery) = serde_json::from_str::<PackedTuple>(text).ok()?;
        Some(PackedBody { timezone, attributes, addresses, consent, events, replies, delivery })
    }
}

/// An event: when, its name, its data.
#[derive(serde::Serialize, Deserialize)]
struct PackedEvent(PackedAt, String, Map<String, Value>);

/// `[seconds]` after the start, or `[seconds, nanoseconds, 0]` since the Unix epoch.
#[derive(serde::Serialize, Deserialize)]
#[serde(untagged)]
enum PackedAt {
    Relative([i64; 1]),
    Absolute(i64, i32, u8),
}

impl From<At> for PackedAt {
    fn from(at: At) -> PackedAt {
        match at {
            At::Relative(d) => PackedAt::Relative([d.as_secs()]),
            At::Absolute(t) => PackedAt::Absolute(t.as_second(), t.subsec_nanosecond(), 0),
        }
    }
}

impl PackedAt {
    fn into_at(self) -> At {
        match self {
            PackedAt::Relative([secs]) => At::Relative(Duration::from_secs(secs)),
            PackedAt::Absolute(secs, nanos, _) => At::Absolute(Timestamp::new(secs, nanos).unwrap_or(Timestamp::MAX)),
        }
    }
}

/// A reply: to, after (seconds), channel, button, text.
#[derive(serde::Serialize, Deserialize)]
struct PackedReply(String, i64, String, Option<String>, Option<String>);

impl From<ScriptedReply> for PackedReply {
    fn from(r: ScriptedReply) -> PackedReply {
        PackedReply(r.to, r.after.as_secs(), r.channel, r.button, r.text)
    }
}

impl From<PackedReply> for ScriptedReply {
    fn from(PackedReply(to, after, channel, button, text): PackedReply) -> ScriptedReply {
        ScriptedReply { to, after: Duration::from_secs(after), channel, button, text }
    }
}

impl ContactSpec {
    /// Replaces the local times of its events' data (`"in 2 days at 09:00 local"`, see
    /// [`crate::local_time`]) by RFC 3339 instants, in the contact's own `timezone`, else
    /// `default_zone` (the journey's `default_timezone`). Every driver calls it before feeding
    /// the events, so the simulator and the durable engine's replay read the same data.
    pub fn resolve_local_times(&mut self, default_zone: &jiff::tz::TimeZone) {
        if !self.events.iter().any(|e| crate::local_time::has_local_times(&e.data)) {
            return;
        }
        let own = self.timezone.as_deref().and_then(|name| jiff::tz::TimeZone::get(name).ok());
        let zone = own.as_ref().unwrap_or(default_zone);
        for event in &mut self.events {
            if crate::local_time::has_local_times(&event.data) {
                crate::local_time::resolve_data(&mut event.data, event.at, zone);
            }
        }
    }
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

/// The delivery result a contact's `delivery` map gives a message of node `node_id` on
/// `channel`: the node id first, then the channel; `None` means the default, `delivered`.
pub fn delivery_for<'s>(delivery: &'s BTreeMap<String, Delivery>, node_id: &str, channel: &str) -> Option<&'s Delivery> {
    delivery.get(node_id).or_else(|| delivery.get(channel))
}

/// What the channel reports for a message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum Delivery {
    /// Delivered (the default).
    Delivered,
    /// No result ever comes back (a lost receipt): the message counts as delivered at its
    /// channel's `delivery_deadline`. On a webhook node, a failure with reason `lost`.
    Lost,
    /// Undeliverable; the reason recorded is `undeliverable`.
    Undeliverable,
    /// Any other provider reason, recorded as written.
    Failed(String),
}

impl Delivery {
    /// Reads a delivery result as written in a scenario: `delivered`, `lost`, `undeliverable`, or any
    /// other non-empty provider reason. `None` for an empty string.
    pub fn from_text(text: &str) -> Option<Delivery> {
        match text {
            "" => None,
            "delivered" => Some(Delivery::Delivered),
            "lost" => Some(Delivery::Lost),
            "undeliverable" => Some(Delivery::Undeliverable),
            other => Some(Delivery::Failed(other.to_string())),
        }
    }

    /// The reason as written in scenarios and traces (`delivered`, `undeliverable`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            Delivery::Delivered => "delivered",
            Delivery::Lost => "lost",
            Delivery::Undeliverable => "undeliverable",
            Delivery::Failed(reason) => reason,
        }
    }
}

/// Why a scenario was rejected. Every variant names the field path (`contacts[2].events[0].at`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// Not JSON, or a field is missing, has the wrong type or a bad value.
    #[error("line {line}, column {column}: {}", with_path(path, message))]
    Parse {
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// Field path, e.g. `contacts[2].events[0].at` (empty at the top level).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// Well-formed, but inconsistent as a whole (checked after parsing, so no line).
    #[error("{}", with_path(path, message))]
    Invalid {
        /// Field path, e.g. `population.id_prefix`.
        path: String,
        /// What was wrong.
        message: String,
    },
}

impl ScenarioError {
    /// The field path the error is about (empty when it is about the whole file).
    pub fn path(&self) -> &str {
        match self {
            ScenarioError::Parse { path, .. } | ScenarioError::Invalid { path, .. } => path,
        }
    }

    /// The message without position or path.
    pub fn message(&self) -> &str {
        match self {
            ScenarioError::Parse { message, .. } | ScenarioError::Invalid { message, .. } => message,
        }
    }

    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid { path: path.into(), message: message.into() }
    }
}

fn with_path(path: &str, message: &str) -> String {
    if path.is_empty() { message.to_string() } else { format!("{path}: {message}") }
}

impl Scenario {
    /// Parses a scenario file. Errors carry line, column and the field path.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let raw: ScenarioFile = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let (line, column) = (inner.line(), inner.column());
            let message = itinera_model::json::message_of(&inner);
            let path = if path == "." { String::new() } else { path };
            ScenarioError::Parse { line, column, path, message }
        })?;
        de.end().map_err(|e| ScenarioError::Parse {
            line: e.line(),
            column: e.column(),
            path: String::new(),
            message: "trailing characters after the scenario".to_string(),
        })?;
        raw.into_scenario()
    }

    /// The instant the virtual clock stops (`start + run_for`).
    pub fn end(&self) -> Timestamp {
        // Checked at parse time: `start + run_for` is a valid timestamp.
        add_secs(self.start, self.run_for.as_secs()).unwrap_or(Timestamp::MAX)
    }

    /// Hand-written contacts plus generated ones.
    pub fn contact_count(&self) -> usize {
        self.contacts.len() + self.population.as_ref().map_or(0, |p| p.count)
    }

    /// Contact `i`: hand-written contacts first (file order), then generated contact
    /// `i - contacts.len()`, which depends only on (seed, its generated index).
    ///
    /// # Panics
    /// When `i >= self.contact_count()`, like slice indexing.
    pub fn contact(&self, i: usize) -> ContactSpec {
        match self.get_contact(i) {
            Some(contact) => contact,
            None => panic!("contact index {i} out of range: the scenario has {} contacts", self.contact_count()),
        }
    }

    /// Contact `i`, or `None` when out of range.
    pub fn get_contact(&self, i: usize) -> Option<ContactSpec> {
        if let Some(contact) = self.contacts.get(i) {
            return Some(contact);
        }
        let population = self.population.as_ref()?;
        let generated = i - self.contacts.len();
        (generated < population.count).then(|| population.generate(self.seed, self.start, generated))
    }

    /// All contacts in index order, generated lazily.
    pub fn iter_contacts(&self) -> impl Iterator<Item = ContactSpec> + '_ {
        (0..self.contact_count()).map(|i| self.contact(i))
    }

    /// The id of contact `i` without generating the rest of it.
    pub fn contact_id(&self, i: usize) -> Option<String> {
        if let Some(id) = self.contacts.id(i) {
            return Some(id.to_string());
        }
        let population = self.population.as_ref()?;
        let generated = i - self.contacts.len();
        (generated < population.count).then(|| population.id(generated))
    }

    /// The index of the contact with this id (hand-written or generated), in O(hand-written).
    pub fn contact_index(&self, id: &str) -> Option<usize> {
        if let Some(i) = self.contacts.position(id) {
            return Some(i);
        }
        let generated = self.population.as_ref()?.index_of(id)?;
        Some(self.contacts.len() + generated)
    }
}

/// The JSON Schema (draft 2020-12) of a scenario file, generated from the parser's own types.
/// docs/scenario.schema.json is this value, pretty-printed (a test keeps them in sync).
pub fn json_schema() -> Value {
    let schema = schemars::schema_for!(ScenarioFile);
    let mut value = schema.to_value();
    if let Value::Object(map) = &mut value {
        map.insert("$id".into(), Value::from("https://itinera.dev/schema/scenario@1.json"));
        map.insert("title".into(), Value::from("Itinera scenario (itinera/scenario@1)"));
    }
    value
}

/// `t + secs`, or `None` outside jiff's range.
pub(crate) fn add_secs(t: Timestamp, secs: i64) -> Option<Timestamp> {
    Timestamp::new(t.as_second().checked_add(secs)?, t.subsec_nanosecond()).ok()
}

// ---------------------------------------------------------------------------------------------
// The file as written (serde + schemars).

/// Implements `JsonSchema` for a type deserialized `try_from` another, as that other's schema.
macro_rules! schema_as {
    ($ty:ty => $spec:ty) => {
        impl JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                <$spec>::schema_name()
            }
            fn schema_id() -> std::borrow::Cow<'static, str> {
                <$spec>::schema_id()
            }
            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                <$spec>::json_schema(generator)
            }
        }
    };
}
pub(crate) use schema_as;

/// A simulation scenario: test contacts (hand-written and/or generated) replayed on a virtual clock.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", ts(rename = "Scenario"))]
struct ScenarioFile {
    /// Optional link to this schema, for editors; ignored by Itinera.
    #[serde(rename = "$schema", default)]
    #[allow(dead_code)]
    #[cfg_attr(feature = "ts", ts(optional))]
    schema: Option<String>,
    /// Always `itinera/scenario@1`.
    #[allow(dead_code)]
    format: FormatTag,
    /// Display name for editors (the scenario list); ignored by the simulator.
    #[serde(default)]
    #[allow(dead_code)]
    #[cfg_attr(feature = "ts", ts(optional))]
    name: Option<String>,
    /// Id of the journey this scenario was written for; the editor preselects it for that
    /// journey. Ignored by the simulator (any journey can be simulated with any scenario).
    #[serde(default)]
    #[allow(dead_code)]
    #[cfg_attr(feature = "ts", ts(optional))]
    journey: Option<String>,
    /// Virtual time at which the simulation starts (RFC 3339).
    start: TimestampText,
    /// How long the virtual clock runs, e.g. `14d`.
    run_for: DurationText,
    /// Seed for splits and the population generator (default 0).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<u64>", optional))]
    seed: u64,
    /// Hand-written contacts, simulated first in this order. Ids must be unique.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<RawContact>>", optional))]
    contacts: ContactList,
    /// Generated contacts (see docs/scenario-format.md).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Option<crate::population::PopulationSpec>>", optional))]
    population: Option<Population>,
}

impl ScenarioFile {
    fn into_scenario(self) -> Result<Scenario, ScenarioError> {
        let start = self.start.0;
        let run_for = self.run_for.0;
        if add_secs(start, run_for.as_secs()).is_none() {
            return Err(ScenarioError::invalid(
                "run_for",
                format!(
                    "the run would end after {}, the latest time the simulator can represent: {run_for} after `start` ({start}) is too long",
                    latest()
                ),
            ));
        }
        let ContactList { mut contacts, latest_relative } = self.contacts;
        // The first event, in file order, whose relative time lands past the calendar: it is
        // one of the events later than every event before it, which the list kept.
        if let Some((i, e, offset)) = latest_relative.into_iter().find(|(_, _, d)| add_secs(start, d.as_secs()).is_none()) {
            let at = At::Relative(offset);
            return Err(ScenarioError::invalid(format!("contacts[{i}].events[{e}].at"), past_the_end(&format!("{at} after `start`"))));
        }
        contacts.start = Some(start);
        if let Some(population) = &self.population {
            population.check(start)?;
            for (i, id) in contacts.ids().enumerate() {
                if population.index_of(id).is_some() {
                    return Err(ScenarioError::invalid(
                        format!("contacts[{i}].id"),
                        format!(
                            "\"{id}\" is also the id of a generated contact (population.id_prefix \"{}\"); rename it or change the prefix",
                            population.id_prefix()
                        ),
                    ));
                }
            }
        }
        Ok(Scenario { start, run_for, seed: self.seed, contacts, population: self.population })
    }
}

/// A hand-written contact.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Contact")]
#[cfg_attr(feature = "ts", ts(rename = "ScenarioContact"))]
struct RawContact {
    /// Unique id in the scenario (non-empty).
    id: NonEmptyText,
    /// IANA time zone, e.g. `Europe/Lisbon`; absent: the journey's `default_timezone`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    timezone: Option<TimeZoneName>,
    /// Attributes, `contact.*` in conditions and templates.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Map<String, Value>>", optional))]
    attributes: Map<String, Value>,
    /// Address per channel.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<BTreeMap<ChannelName, String>>", optional))]
    addresses: BTreeMap<ChannelName, String>,
    /// Consent per channel; a channel not listed has no consent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<BTreeMap<ChannelName, bool>>", optional))]
    consent: BTreeMap<ChannelName, bool>,
    /// Events this contact produces.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<RawEvent>>", optional))]
    events: Vec<RawEvent>,
    /// Replies this contact sends after given messages.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<ReplyFields>>", optional))]
    replies: Vec<RawReply>,
    /// Delivery result per channel or node id: `delivered` (default), `undeliverable`, or a
    /// provider reason. A node id wins over its channel.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<BTreeMap<String, DeliveryText>>", optional))]
    delivery: BTreeMap<String, DeliveryText>,
}

impl RawContact {
    /// The contact packed (its times as written: the start may not be read yet).
    fn pack(self, buffer: &mut Vec<u8>) -> Packed {
        let events = self.events.into_iter().map(|e| PackedEvent(PackedAt::from(e.at.0), e.name.0, e.data));
        let body = PackedBody {
            timezone: self.timezone.map(|t| t.0),
            attributes: self.attributes,
            addresses: self.addresses.into_iter().map(|(k, v)| (k.0.to_string(), v)).collect(),
            consent: self.consent.into_iter().map(|(k, v)| (k.0.to_string(), v)).collect(),
            events: events.collect(),
            replies: self.replies.into_iter().map(|r| PackedReply::from(r.0)).collect(),
            delivery: self.delivery.into_iter().map(|(k, v)| (k, v.0)).collect(),
        };
        Packed { id: self.id.0.into_boxed_str(), body: body.encode(buffer) }
    }
}

/// An event the contact produces.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Event")]
#[cfg_attr(feature = "ts", ts(rename = "ScenarioEvent"))]
struct RawEvent {
    /// When: relative to `start` (`+0m`, `+2h`, `+1d2h`) or absolute RFC 3339.
    at: TimeText,
    /// Event name, as in the journey's trigger or `wait_for`.
    name: NonEmptyText,
    /// Event data, `event.*` in conditions and templates. A top-level text value written
    /// `in N days at HH:MM local` (or `weeks`) is a time relative to this event in the contact's
    /// local time, resolved to RFC 3339 when the contact is simulated (docs/scenario-format.md).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Map<String, Value>>", optional))]
    data: Map<String, Value>,
}

/// A reply: sent `after` the message of node `to` was sent to this contact (never if it is not).
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Reply")]
#[cfg_attr(feature = "ts", ts(rename = "ScenarioReply"))]
struct ReplyFields {
    /// Node id of the send whose message this answers.
    to: NonEmptyText,
    /// Delay after that message, e.g. `30m`.
    after: DurationText,
    /// Channel of the reply.
    channel: ChannelName,
    /// Button id tapped (a reply needs `button`, `text`, or both).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    button: Option<String>,
    /// Text typed.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    text: Option<String>,
}

/// A validated reply (`button` or `text` present).
#[derive(Deserialize)]
#[serde(try_from = "ReplyFields")]
struct RawReply(ScriptedReply);
schema_as!(RawReply => ReplyFields);

impl TryFrom<ReplyFields> for RawReply {
    type Error = String;
    fn try_from(f: ReplyFields) -> Result<Self, String> {
        if f.button.is_none() && f.text.is_none() {
            return Err(format!("the reply to \"{}\" has neither `button` nor `text`", f.to.0));
        }
        Ok(RawReply(ScriptedReply { to: f.to.0, after: f.after.0, channel: f.channel.0.to_string(), button: f.button, text: f.text }))
    }
}

/// The contacts array, packed one by one as it is read; duplicate ids are rejected meanwhile.
#[derive(Default)]
struct ContactList {
    contacts: Contacts,
    /// (contact, event, offset) of each relative event time later than every one before it:
    /// the candidates for landing past the calendar once `start` is known.
    latest_relative: Vec<(usize, usize, Duration)>,
}

impl JsonSchema for ContactList {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ContactList".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<RawContact>>::json_schema(generator)
    }
}

impl<'de> Deserialize<'de> for ContactList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        struct UniqueContact<'a> {
            seen: &'a mut std::collections::HashMap<Box<str>, usize>,
            index: usize,
        }
        impl<'de> DeserializeSeed<'de> for UniqueContact<'_> {
            type Value = RawContact;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawContact, D::Error> {
                let contact = RawContact::deserialize(d)?;
                for (e, event) in contact.events.iter().enumerate() {
                    if let Some((field, message)) = crate::local_time::check_data(&event.data) {
                        return Err(de::Error::custom(format!(
                            "contact \"{}\", events[{e}] (\"{}\"), data.{field}: {message}",
                            contact.id.0, event.name.0
                        )));
                    }
                }
                if let Some(first) = self.seen.insert(contact.id.0.as_str().into(), self.index) {
                    return Err(de::Error::custom(format!(
                        "duplicate contact id \"{}\" (already used by contacts[{first}])",
                        contact.id.0
                    )));
                }
                Ok(contact)
            }
        }
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = ContactList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of contacts")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ContactList, A::Error> {
                let mut seen = std::collections::HashMap::new();
                let mut list = ContactList::default();
                let mut latest = Duration::from_secs(-1);
                let mut buffer = Vec::with_capacity(1024);
                while let Some(c) = seq.next_element_seed(UniqueContact { seen: &mut seen, index: list.contacts.len() })? {
                    let index = list.contacts.len();
                    for (e, event) in c.events.iter().enumerate() {
                        if let At::Relative(d) = event.at.0
                            && d > latest
                        {
                            latest = d;
                            list.latest_relative.push((index, e, d));
                        }
                    }
                    list.contacts.items.push(c.pack(&mut buffer));
                }
                Ok(list)
            }
        }
        deserializer.deserialize_seq(ListVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Checked scalar fields, shared with the population generator.

/// Implements `Deserialize` (from a string, checked by `$check`) and a string `JsonSchema`.
macro_rules! checked_string {
    ($ty:ident, $name:literal, $schema:tt, |$s:ident| $check:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Checked inside the visitor, so serde_json reports the string's own position.
                struct CheckedVisitor;
                impl<'de> Visitor<'de> for CheckedVisitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        let $s = v.to_string();
                        let result: Result<$ty, String> = $check;
                        result.map_err(E::custom)
                    }
                }
                d.deserialize_str(CheckedVisitor)
            }
        }
        impl JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!($schema)
            }
        }
    };
}

/// The `format` tag; anything but `itinera/scenario@1` is rejected.
struct FormatTag;
checked_string!(FormatTag, "FormatTag", { "const": SCENARIO_FORMAT }, |s| {
    if s == SCENARIO_FORMAT {
        Ok(FormatTag)
    } else {
        Err(format!("\"{s}\" is not a supported scenario format (expected \"{SCENARIO_FORMAT}\")"))
    }
});

/// A non-empty string.
pub(crate) struct NonEmptyText(pub(crate) String);
checked_string!(NonEmptyText, "NonEmptyText", { "type": "string", "minLength": 1 }, |s| {
    if s.trim().is_empty() { Err("must not be empty".to_string()) } else { Ok(NonEmptyText(s)) }
});

/// An RFC 3339 timestamp.
pub(crate) struct TimestampText(pub(crate) Timestamp);
checked_string!(TimestampText, "Timestamp", { "type": "string", "format": "date-time" }, |s| {
    parse_timestamp(&s).map(TimestampText)
});

fn parse_timestamp(s: &str) -> Result<Timestamp, String> {
    s.parse::<Timestamp>().map_err(|_| {
        out_of_range(s).unwrap_or_else(|| format!("\"{s}\" is not an RFC 3339 timestamp (write e.g. \"2026-03-02T09:00:00Z\")"))
    })
}

/// The latest instant a scenario can name or reach: jiff's [`Timestamp::MAX`] to the second,
/// `9999-12-30T22:00:00Z` (so that every offset of a time zone stays within year 9999).
pub(crate) fn latest() -> Timestamp {
    Timestamp::from_second(Timestamp::MAX.as_second()).unwrap_or(Timestamp::MAX)
}

/// The earliest: `-009999-01-02T01:59:59Z`.
fn earliest() -> Timestamp {
    Timestamp::MIN
}

/// "… lands after 9999-12-30T22:00:00Z, the latest time the simulator can represent".
pub(crate) fn past_the_end(what: &str) -> String {
    format!("{what} lands after {}, the latest time the simulator can represent", latest())
}

/// For well-formed RFC 3339 text whose instant jiff cannot represent (e.g.
/// `9999-12-31T00:00:00Z`), the sentence saying so; `None` for text that is not RFC 3339.
fn out_of_range(s: &str) -> Option<String> {
    let pieces = jiff::fmt::temporal::Pieces::parse(s).ok()?;
    pieces.offset()?;
    pieces.time()?;
    Some(if pieces.date().year() > 0 {
        format!("\"{s}\" is later than {}, the latest time the simulator can represent", latest())
    } else {
        format!("\"{s}\" is earlier than {}, the earliest time the simulator can represent", earliest())
    })
}

/// An unsigned duration such as `30m` or `1h30m`.
pub(crate) struct DurationText(pub(crate) Duration);
checked_string!(DurationText, "Duration", {
    "type": "string",
    "pattern": "^([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$",
    "description": "A duration: units w, d, h, m, s, largest first, e.g. `45s`, `15m`, `1h30m`, `14d`."
}, |s| {
    Duration::parse(&s).map(DurationText).map_err(|_| format!("\"{s}\" is not a duration (write e.g. \"45s\", \"15m\", \"2h\", \"1d2h\")"))
});

/// A signed offset such as `+2h` or `-1d` (data times relative to their event).
pub(crate) struct OffsetText(pub(crate) Duration);
checked_string!(OffsetText, "Offset", {
    "type": "string",
    "pattern": "^[+-]?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$",
    "description": "A signed duration, e.g. `+2h`, `-1d`, `+5d`."
}, |s| {
    Duration::parse_signed(&s).map(OffsetText).map_err(|_| format!("\"{s}\" is not a duration (write e.g. \"+2h\", \"-1d\", \"+1d2h\")"))
});

/// The instant of an event written `at` (`+2h` after `start`, or RFC 3339) in a scenario that
/// starts at `start` (RFC 3339), read exactly as the scenario parser reads them; the error is
/// the parser's sentence (naming `start` or `at`).
pub fn event_instant(start: &str, at: &str) -> Result<Timestamp, String> {
    let start = parse_timestamp(start).map_err(|e| format!("start: {e}"))?;
    let at = parse_time(at).map_err(|e| format!("at: {e}"))?;
    at.resolve(start).ok_or_else(|| format!("at: {}", past_the_end("the event")))
}

/// A point in time: relative to `start` or absolute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    /// `start` plus this many seconds (never negative).
    Relative(Duration),
    /// This instant.
    Absolute(Timestamp),
}

impl fmt::Display for At {
    /// As written: `+1d2h` or the RFC 3339 time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Relative(d) => write!(f, "+{d}"),
            At::Absolute(t) => write!(f, "{t}"),
        }
    }
}

impl At {
    /// The instant, given the scenario start (`None` past the calendar).
    pub(crate) fn resolve(self, start: Timestamp) -> Option<Timestamp> {
        match self {
            At::Relative(d) => add_secs(start, d.as_secs()),
            At::Absolute(t) => Some(t),
        }
    }
}

/// `+2h` (relative to `start`) or an RFC 3339 timestamp.
pub(crate) struct TimeText(pub(crate) At);
checked_string!(TimeText, "Time", {
    "type": "string",
    "description": "Relative to `start` (`+0m`, `+2h`, `+1d2h`) or an absolute RFC 3339 timestamp.",
    "anyOf": [
        { "pattern": "^\\+([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$" },
        { "format": "date-time" }
    ]
}, |s| parse_time(&s).map(TimeText));

fn parse_time(s: &str) -> Result<At, String> {
    if let Some(rest) = s.strip_prefix('+') {
        return Duration::parse(rest)
            .map(At::Relative)
            .map_err(|_| format!("\"{s}\" is not a duration (write e.g. \"+0m\", \"+2h\", \"+1d2h\")"));
    }
    if s.starts_with('-') {
        return Err(format!("\"{s}\": times are relative to `start` and cannot be before it (write e.g. \"+2h\")"));
    }
    s.parse::<Timestamp>().map(At::Absolute).map_err(|_| {
        out_of_range(s).unwrap_or_else(|| {
            format!("\"{s}\" is neither a time relative to `start` (\"+2h\") nor an RFC 3339 timestamp (\"2026-03-02T09:00:00Z\")")
        })
    })
}

/// One of [`CHANNELS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ChannelName(pub(crate) &'static str);
checked_string!(ChannelName, "Channel", { "type": "string", "enum": CHANNELS }, |s| {
    CHANNELS
        .iter()
        .find(|c| **c == s)
        .map(|c| ChannelName(c))
        .ok_or_else(|| format!("unknown channel \"{s}\" (channels are sms, whatsapp, email)"))
});

/// An IANA time zone known to the bundled database.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TimeZoneName(pub(crate) String);
checked_string!(TimeZoneName, "TimeZone", {
    "type": "string",
    "description": "An IANA time zone, e.g. `Europe/Lisbon`."
}, |s| {
    match jiff::tz::TimeZone::get(&s) {
        Ok(_) => Ok(TimeZoneName(s)),
        Err(_) => Err(format!("unknown time zone \"{s}\" (write an IANA name such as \"Europe/Lisbon\")")),
    }
});

/// `delivered`, `undeliverable` or another provider reason.
struct DeliveryText(Delivery);
checked_string!(DeliveryText, "Delivery", {
    "type": "string",
    "minLength": 1,
    "description": "`delivered` (default), `lost` (no result: delivered at the channel's delivery deadline), `undeliverable`, or any other provider reason."
}, |s| Delivery::from_text(&s).map(DeliveryText).ok_or_else(|| "a delivery result must not be empty".to_string()));

/// The scenario file's TypeScript declarations (feature `ts`; see [`crate::ts`]).
#[cfg(feature = "ts")]
pub(crate) mod ts_types {
    use itinera_model::ts::Declarations;

    use super::{
        ChannelName, DeliveryText, DurationText, FormatTag, NonEmptyText, OffsetText, ScenarioFile, TimeText, TimeZoneName, TimestampText,
    };

    ts_inline! {
        FormatTag => "string",
        NonEmptyText => "string",
        TimestampText => "string",
        DurationText => "string",
        OffsetText => "string",
        TimeText => "string",
        ChannelName => "string",
        TimeZoneName => "string",
        DeliveryText => "string",
    }

    /// The scenario document (its contacts, events, replies and population come with it).
    pub(crate) fn declare(d: &mut Declarations) {
        d.add::<ScenarioFile>();
    }
}
