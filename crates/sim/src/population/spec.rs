//! The `population` object as written: its serde types and what each knob accepts, the checks
//! that need the scenario's `start`, and the JSON Schema; parsing one compiles it into a
//! [`Population`] (the generators `generate.rs` draws from).

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

use super::{ChannelGen, DelayGen, DeliveryGen, EventGen, MAX_POPULATION, Population, ReplyGen, TimeGen, ValueGen, Weighted};
use crate::scenario::{
    At, CHANNELS, ChannelName, Delivery, DurationText, NonEmptyText, OffsetText, ScenarioError, TimeText, TimeZoneName, add_secs, latest,
    past_the_end, schema_as,
};

impl Population {
    /// Whole-scenario checks that need `start`: time ranges in order and inside the calendar.
    pub(crate) fn check(&self, start: Timestamp) -> Result<(), ScenarioError> {
        let past = |path: String, at: At| ScenarioError::invalid(path, past_the_end(&format!("{at} after `start`")));
        for (name, generator) in &self.attributes {
            generator.check(start, None, || format!("population.attributes.{name}"))?;
        }
        for (e, event) in self.events.iter().enumerate() {
            let path = || format!("population.events[{e}].at");
            let (from, to) = match event.at {
                TimeGen::Fixed(at) => (at, at),
                TimeGen::Range { from, to } => (from, to),
            };
            let from = from.resolve(start).ok_or_else(|| past(path(), from))?;
            let to = to.resolve(start).ok_or_else(|| past(path(), to))?;
            if to < from {
                return Err(ScenarioError::invalid(path(), format!("`to` ({to}) is before `from` ({from})")));
            }
            for (name, generator) in &event.data {
                let data_path = || format!("population.events[{e}].data.{name}");
                generator.check(start, Some(from), data_path)?;
                generator.check(start, Some(to), data_path)?;
            }
        }
        Ok(())
    }
}

impl<T> Weighted<T> {
    /// From (item, weight) pairs; weights finite, non-negative, at least one positive.
    pub(super) fn new(pairs: Vec<(T, f64)>) -> Result<Weighted<T>, String> {
        if pairs.is_empty() {
            return Err("needs at least one choice".to_string());
        }
        let mut total = 0.0;
        let mut items = Vec::with_capacity(pairs.len());
        let mut cumulative = Vec::with_capacity(pairs.len());
        for (item, weight) in pairs {
            if !weight.is_finite() || weight < 0.0 {
                return Err(format!("weight {weight} must be a number ≥ 0"));
            }
            total += weight;
            items.push(item);
            cumulative.push(total);
        }
        if total <= 0.0 {
            return Err("the weights add up to 0: give at least one a positive weight".to_string());
        }
        if !total.is_finite() {
            return Err("the weights are too large to add up".to_string());
        }
        Ok(Weighted { items, cumulative })
    }

    fn uniform(items: Vec<T>) -> Result<Weighted<T>, String> {
        Weighted::new(items.into_iter().map(|i| (i, 1.0)).collect())
    }
}

impl ValueGen {
    /// Checks that times land inside the calendar and ranges are in order.
    fn check(&self, start: Timestamp, event_at: Option<Timestamp>, path: impl Fn() -> String) -> Result<(), ScenarioError> {
        match self {
            ValueGen::Time { from, to } => {
                let from = from
                    .resolve(start)
                    .ok_or_else(|| ScenarioError::invalid(path(), past_the_end(&format!("`from` ({from} after `start`)"))))?;
                let to =
                    to.resolve(start).ok_or_else(|| ScenarioError::invalid(path(), past_the_end(&format!("`to` ({to} after `start`)"))))?;
                if to < from {
                    return Err(ScenarioError::invalid(path(), format!("`to` ({to}) is before `from` ({from})")));
                }
            }
            ValueGen::EventTime { from, to } => {
                if let Some(at) = event_at
                    && (add_secs(at, from.as_secs()).is_none() || add_secs(at, to.as_secs()).is_none())
                {
                    return Err(ScenarioError::invalid(
                        path(),
                        format!(
                            "an offset from the event's time lands outside {} .. {}, the times the simulator can represent",
                            Timestamp::MIN,
                            latest()
                        ),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The population as written (serde + schemars).

/// Generated contacts: `count` contacts drawn from these distributions, seeded by the
/// scenario's `seed`. Contact `g` has id `{id_prefix}{g}` and depends only on (seed, g).
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Population")]
#[cfg_attr(feature = "ts", ts(rename = "Population"))]
pub(crate) struct PopulationSpec {
    /// How many contacts to generate (default 0; at most 100,000,000).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<usize>", optional))]
    count: usize,
    /// Prefix of generated ids (default `p`: `p0`, `p1`, ...).
    #[serde(default = "default_prefix")]
    #[cfg_attr(feature = "ts", ts(as = "Option<NonEmptyText>", optional))]
    id_prefix: NonEmptyText,
    /// Time zone weights (`{"Europe/Lisbon": 0.5, ...}`) or a list to choose from uniformly.
    /// Absent: the journey's `default_timezone`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    timezones: Option<ChoiceSpec<TimeZoneName>>,
    /// Attribute generators by attribute name.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<BTreeMap<String, ValueSpec<false>>>", optional))]
    attributes: BTreeMap<String, ValueSpec<false>>,
    /// Per channel: the share of contacts with an address and the share of those who consented.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<BTreeMap<ChannelName, ChannelSpec>>", optional))]
    channels: BTreeMap<ChannelName, ChannelSpec>,
    /// Events each contact may produce.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<EventFields>>", optional))]
    events: Vec<EventSpec>,
    /// Replies each contact may send.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<ReplyFields>>", optional))]
    replies: Vec<ReplySpec>,
    /// Per channel or node id: probability of each failure reason (`{"undeliverable": 0.05}`);
    /// the rest is delivered.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<BTreeMap<String, DeliveryRates>>", optional))]
    delivery: BTreeMap<String, DeliveryRates>,
}

schema_as!(Population => PopulationSpec);

fn default_prefix() -> NonEmptyText {
    NonEmptyText("p".to_string())
}

impl TryFrom<PopulationSpec> for Population {
    type Error = String;
    fn try_from(spec: PopulationSpec) -> Result<Population, String> {
        if spec.count > MAX_POPULATION {
            return Err(format!("count {} is more than the {MAX_POPULATION} a population may have", spec.count));
        }
        let prefix = spec.id_prefix.0;
        let channels = spec
            .channels
            .into_iter()
            .map(|(name, c)| ChannelGen { name: name.0, address: c.address.0, consent: c.consent.0 })
            .collect::<Vec<_>>();
        // Fixed order sms, whatsapp, email whatever the key order.
        let mut channels = channels;
        channels.sort_by_key(|c| CHANNELS.iter().position(|n| *n == c.name));
        let mut delivery = Vec::with_capacity(spec.delivery.len());
        for (key, rates) in spec.delivery {
            if key.is_empty() {
                return Err("delivery: a channel or node id must not be empty".to_string());
            }
            delivery.push(DeliveryGen { key, outcomes: rates.0 });
        }
        Ok(Population {
            count: spec.count,
            id_prefix: prefix,
            timezones: spec.timezones.map(|c| c.0.map(|t| t.0)),
            attributes: spec.attributes.into_iter().map(|(k, v)| (k, v.0)).collect(),
            channels,
            events: spec.events.into_iter().map(|e| e.0).collect(),
            replies: spec.replies.into_iter().map(|r| r.0).collect(),
            delivery,
        })
    }
}

impl<T> Weighted<T> {
    fn map<U>(self, f: impl Fn(T) -> U) -> Weighted<U> {
        Weighted { items: self.items.into_iter().map(f).collect(), cumulative: self.cumulative }
    }
}

/// A probability in [0, 1].
#[derive(Debug, Clone, Copy)]
struct Probability(f64);

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = f64::deserialize(d)?;
        if (0.0..=1.0).contains(&p) {
            Ok(Probability(p))
        } else {
            Err(de::Error::custom(format!("{p} is not a probability (write a number from 0 to 1, e.g. 0.9)")))
        }
    }
}

impl JsonSchema for Probability {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Probability".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "minimum": 0, "maximum": 1 })
    }
}

fn certain() -> Probability {
    Probability(1.0)
}

/// Failure reasons and their probabilities for one channel or node, as cumulative bounds.
struct DeliveryRates(Vec<(f64, Delivery)>);

impl<'de> Deserialize<'de> for DeliveryRates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let rates = BTreeMap::<String, Probability>::deserialize(d)?;
        let mut total = 0.0;
        let mut outcomes = Vec::with_capacity(rates.len());
        for (reason, p) in rates {
            let outcome = Delivery::from_text(&reason).ok_or_else(|| de::Error::custom("a reason must not be empty"))?;
            total += p.0;
            outcomes.push((total, outcome));
        }
        if total > 1.0 + 1e-9 {
            return Err(de::Error::custom(format!("the probabilities add up to {total}, more than 1")));
        }
        Ok(DeliveryRates(outcomes))
    }
}

impl JsonSchema for DeliveryRates {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DeliveryRates".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Probability of each outcome (`undeliverable`, `delivered` or a provider reason); together at most 1, the rest is delivered.",
            "type": "object",
            "additionalProperties": { "type": "number", "minimum": 0, "maximum": 1 }
        })
    }
}

/// Address and consent rates of one channel.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ChannelRates")]
#[cfg_attr(feature = "ts", ts(rename = "ChannelRates"))]
struct ChannelSpec {
    /// Share of contacts with an address on this channel (default 1).
    #[serde(default = "certain")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Probability>", optional))]
    address: Probability,
    /// Share of contacts *with an address* who consented (default 1).
    #[serde(default = "certain")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Probability>", optional))]
    consent: Probability,
}

/// A weighted choice (`{"a": 0.7, "b": 0.3}`) or a uniform one (`["a", "b"]`) of names.
struct ChoiceSpec<K>(Weighted<K>);

impl<'de, K: Deserialize<'de> + Ord> Deserialize<'de> for ChoiceSpec<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read the shape first, then the keys: an untagged enum would hide the real reason
        // (an unknown zone, a negative weight).
        let value = Value::deserialize(d)?;
        let weighted = match value {
            Value::Object(map) => {
                let mut pairs = Vec::with_capacity(map.len());
                for (key, weight) in map {
                    let k = K::deserialize(serde::de::value::StringDeserializer::<serde_json::Error>::new(key.clone()))
                        .map_err(de::Error::custom)?;
                    let w = weight
                        .as_f64()
                        .ok_or_else(|| de::Error::custom(format!("the weight of \"{key}\" must be a number, not {weight}")))?;
                    pairs.push((k, w));
                }
                Weighted::new(pairs)
            }
            Value::Array(items) => {
                let mut keys = Vec::with_capacity(items.len());
                for item in items {
                    keys.push(K::deserialize(item).map_err(de::Error::custom)?);
                }
                Weighted::uniform(keys)
            }
            Value::String(s) => {
                let k = K::deserialize(serde::de::value::StringDeserializer::<serde_json::Error>::new(s)).map_err(de::Error::custom)?;
                Weighted::uniform(vec![k])
            }
            other => return Err(de::Error::custom(format!("expected weights ({{\"a\": 0.7, \"b\": 0.3}}) or a list, found {other}"))),
        };
        weighted.map(ChoiceSpec).map_err(de::Error::custom)
    }
}

impl<K> JsonSchema for ChoiceSpec<K> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Choice".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Weights by name (`{\"a\": 0.7, \"b\": 0.3}`, relative), a list to choose from uniformly, or a single name.",
            "anyOf": [
                { "type": "object", "additionalProperties": { "type": "number", "minimum": 0 } },
                { "type": "array", "items": { "type": "string" }, "minItems": 1 },
                { "type": "string" }
            ]
        })
    }
}

/// An attribute (IN_EVENT = false) or event-data (IN_EVENT = true) generator as written.
struct ValueSpec<const IN_EVENT: bool>(ValueGen);

impl<'de, const IN_EVENT: bool> Deserialize<'de> for ValueSpec<IN_EVENT> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        value_gen(value, IN_EVENT).map(ValueSpec).map_err(de::Error::custom)
    }
}

fn value_gen(value: Value, in_event: bool) -> Result<ValueGen, String> {
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return Err("an empty list: give at least one value to choose from".to_string());
            }
            Weighted::uniform(items).map(ValueGen::Choice)
        }
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            match keys.as_slice() {
                ["max", "min"] => number_range(&map["min"], &map["max"]),
                ["from", "to"] => {
                    let time = |k: &str| match &map[k] {
                        Value::String(s) => TimeText::deserialize(serde::de::value::StrDeserializer::<serde_json::Error>::new(s))
                            .map(|t| t.0)
                            .map_err(|e| format!("`{k}`: {e}")),
                        other => Err(format!("`{k}` must be a time (\"+2h\" or RFC 3339), not {other}")),
                    };
                    let (from, to) = (time("from")?, time("to")?);
                    let reversed = match (from, to) {
                        (At::Relative(f), At::Relative(t)) => t < f,
                        (At::Absolute(f), At::Absolute(t)) => t < f,
                        _ => false, // mixed: checked once `start` is known
                    };
                    if reversed {
                        return Err("`to` is before `from`".to_string());
                    }
                    Ok(ValueGen::Time { from, to })
                }
                ["from_event", "to_event"] => {
                    if !in_event {
                        return Err("`from_event`/`to_event` (a time relative to the event) only works in event data".to_string());
                    }
                    let offset = |k: &str| match &map[k] {
                        Value::String(s) => OffsetText::deserialize(serde::de::value::StrDeserializer::<serde_json::Error>::new(s))
                            .map(|t| t.0)
                            .map_err(|e| format!("`{k}`: {e}")),
                        other => Err(format!("`{k}` must be an offset such as \"+2h\", not {other}")),
                    };
                    let (from, to) = (offset("from_event")?, offset("to_event")?);
                    if to < from {
                        return Err(format!("`to_event` ({to}) is before `from_event` ({from})"));
                    }
                    Ok(ValueGen::EventTime { from, to })
                }
                _ => {
                    if keys.iter().any(|k| ["min", "max", "from", "to", "from_event", "to_event"].contains(k)) {
                        return Err(format!(
                            "an object with keys {keys:?}: a range has exactly `min` and `max`, `from` and `to`, or `from_event` and `to_event`; weights have none of these"
                        ));
                    }
                    let mut pairs = Vec::with_capacity(map.len());
                    for (key, weight) in map {
                        let w = weight.as_f64().ok_or_else(|| format!("the weight of \"{key}\" must be a number, not {weight}"))?;
                        pairs.push((Value::String(key), w));
                    }
                    Weighted::new(pairs).map(ValueGen::Choice)
                }
            }
        }
        scalar => {
            if in_event
                && let Value::String(text) = &scalar
                && let Some(Err(message)) = crate::local_time::LocalTime::parse(text)
            {
                return Err(message);
            }
            Ok(ValueGen::Constant(scalar))
        }
    }
}

fn number_range(min: &Value, max: &Value) -> Result<ValueGen, String> {
    if let (Some(lo), Some(hi)) = (min.as_i64(), max.as_i64()) {
        if hi < lo {
            return Err(format!("`max` ({hi}) is below `min` ({lo})"));
        }
        return Ok(ValueGen::Integer { min: lo, max: hi });
    }
    match (min.as_f64(), max.as_f64()) {
        (Some(lo), Some(hi)) if lo.is_finite() && hi.is_finite() => {
            if hi < lo {
                return Err(format!("`max` ({hi}) is below `min` ({lo})"));
            }
            Ok(ValueGen::Float { min: lo, max: hi })
        }
        _ => Err(format!("`min` and `max` must be numbers, not {min} and {max}")),
    }
}

impl<const IN_EVENT: bool> JsonSchema for ValueSpec<IN_EVENT> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        if IN_EVENT { "EventDataGenerator".into() } else { "AttributeGenerator".into() }
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut forms = vec![
            serde_json::json!({ "description": "A constant.", "type": ["string", "number", "boolean", "null"] }),
            serde_json::json!({ "description": "Uniform choice among these values.", "type": "array", "minItems": 1 }),
            serde_json::json!({
                "description": "A number range: integers if both ends are integers, else decimals.",
                "type": "object", "required": ["min", "max"], "additionalProperties": false,
                "properties": { "min": { "type": "number" }, "max": { "type": "number" } }
            }),
            serde_json::json!({
                "description": "A time between `from` and `to` (relative to `start` like \"+2h\", or RFC 3339), as RFC 3339 text.",
                "type": "object", "required": ["from", "to"], "additionalProperties": false,
                "properties": { "from": { "type": "string" }, "to": { "type": "string" } }
            }),
        ];
        if IN_EVENT {
            forms.push(serde_json::json!({
                "description": "A time between `from_event` and `to_event` after the event's own time (signed offsets), as RFC 3339 text.",
                "type": "object", "required": ["from_event", "to_event"], "additionalProperties": false,
                "properties": { "from_event": { "type": "string" }, "to_event": { "type": "string" } }
            }));
        }
        forms.push(serde_json::json!({
            "description": "Weighted choice among the keys (strings), e.g. {\"gold\": 0.2, \"silver\": 0.8}.",
            "type": "object", "additionalProperties": { "type": "number", "minimum": 0 }
        }));
        schemars::json_schema!({ "anyOf": forms })
    }
}

/// An event each generated contact may produce.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GeneratedEvent")]
#[cfg_attr(feature = "ts", ts(rename = "GeneratedEvent"))]
struct EventFields {
    /// Event name.
    name: NonEmptyText,
    /// Probability that a contact produces it (default 1).
    #[serde(default = "certain")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Probability>", optional))]
    probability: Probability,
    /// When: a time (`+2h`, RFC 3339) or a range `{"from": "+0m", "to": "+3d"}`, uniform to the second.
    at: TimeSpec,
    /// Data generators by field name: like attributes, plus `{"from_event", "to_event"}`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<BTreeMap<String, ValueSpec<true>>>", optional))]
    data: BTreeMap<String, ValueSpec<true>>,
}

#[derive(Deserialize)]
#[serde(try_from = "EventFields")]
struct EventSpec(EventGen);
schema_as!(EventSpec => EventFields);

impl TryFrom<EventFields> for EventSpec {
    type Error = String;
    fn try_from(f: EventFields) -> Result<Self, String> {
        Ok(EventSpec(EventGen {
            name: f.name.0,
            probability: f.probability.0,
            at: f.at.0,
            data: f.data.into_iter().map(|(k, v)| (k, v.0)).collect(),
        }))
    }
}

/// A time or a time range.
struct TimeSpec(TimeGen);

impl<'de> Deserialize<'de> for TimeSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Range {
            from: TimeText,
            to: TimeText,
        }
        let value = Value::deserialize(d)?;
        match value {
            Value::String(s) => {
                let t =
                    TimeText::deserialize(serde::de::value::StrDeserializer::<serde_json::Error>::new(&s)).map_err(de::Error::custom)?;
                Ok(TimeSpec(TimeGen::Fixed(t.0)))
            }
            Value::Object(_) => {
                let r = Range::deserialize(value).map_err(de::Error::custom)?;
                if let (At::Relative(f), At::Relative(t)) = (r.from.0, r.to.0)
                    && t < f
                {
                    return Err(de::Error::custom(format!("`to` (+{t}) is before `from` (+{f})")));
                }
                Ok(TimeSpec(TimeGen::Range { from: r.from.0, to: r.to.0 }))
            }
            other => Err(de::Error::custom(format!(
                "expected a time (\"+2h\") or a range ({{\"from\": \"+0m\", \"to\": \"+3d\"}}), found {other}"
            ))),
        }
    }
}

impl JsonSchema for TimeSpec {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TimeOrRange".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let time = TimeText::json_schema(generator).to_value();
        schemars::json_schema!({
            "anyOf": [
                time,
                { "type": "object", "required": ["from", "to"], "additionalProperties": false,
                  "properties": { "from": time, "to": time } }
            ]
        })
    }
}

/// A delay or a delay range.
struct DelaySpec(DelayGen);

impl<'de> Deserialize<'de> for DelaySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Range {
            min: DurationText,
            max: DurationText,
        }
        let value = Value::deserialize(d)?;
        match value {
            Value::String(s) => {
                let t = DurationText::deserialize(serde::de::value::StrDeserializer::<serde_json::Error>::new(&s))
                    .map_err(de::Error::custom)?;
                Ok(DelaySpec(DelayGen::Fixed(t.0)))
            }
            Value::Object(_) => {
                let r = Range::deserialize(value).map_err(de::Error::custom)?;
                if r.max.0 < r.min.0 {
                    return Err(de::Error::custom(format!("`max` ({}) is below `min` ({})", r.max.0, r.min.0)));
                }
                Ok(DelaySpec(DelayGen::Range { min: r.min.0, max: r.max.0 }))
            }
            other => Err(de::Error::custom(format!(
                "expected a delay (\"30m\") or a range ({{\"min\": \"5m\", \"max\": \"6h\"}}), found {other}"
            ))),
        }
    }
}

impl JsonSchema for DelaySpec {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DelayOrRange".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let duration = DurationText::json_schema(generator).to_value();
        schemars::json_schema!({
            "anyOf": [
                duration,
                { "type": "object", "required": ["min", "max"], "additionalProperties": false,
                  "properties": { "min": duration, "max": duration } }
            ]
        })
    }
}

/// A reply each generated contact may send after the message of node `to`.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GeneratedReply")]
#[cfg_attr(feature = "ts", ts(rename = "GeneratedReply"))]
struct ReplyFields {
    /// Node id of the send whose message this answers.
    to: NonEmptyText,
    /// Probability that a contact replies (default 1).
    #[serde(default = "certain")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Probability>", optional))]
    probability: Probability,
    /// Delay after the message: `"30m"` or `{"min": "5m", "max": "6h"}`, uniform to the second.
    after: DelaySpec,
    /// Channel of the reply.
    channel: ChannelName,
    /// Button ids tapped: weights (`{"confirm": 0.7, "reschedule": 0.3}`) or a list. Give
    /// `buttons` or `texts`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    buttons: Option<ChoiceSpec<String>>,
    /// Texts typed: weights (`{"YES": 0.8, "STOP": 0.2}`) or a list.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    texts: Option<ChoiceSpec<String>>,
}

#[derive(Deserialize)]
#[serde(try_from = "ReplyFields")]
struct ReplySpec(ReplyGen);
schema_as!(ReplySpec => ReplyFields);

impl TryFrom<ReplyFields> for ReplySpec {
    type Error = String;
    fn try_from(f: ReplyFields) -> Result<Self, String> {
        let (is_button, choice) = match (f.buttons, f.texts) {
            (Some(b), None) => (true, b.0),
            (None, Some(t)) => (false, t.0),
            (Some(_), Some(_)) => return Err(format!("the reply to \"{}\" has both `buttons` and `texts`: give one", f.to.0)),
            (None, None) => return Err(format!("the reply to \"{}\" has neither `buttons` nor `texts`", f.to.0)),
        };
        Ok(ReplySpec(ReplyGen { to: f.to.0, probability: f.probability.0, after: f.after.0, channel: f.channel.0, is_button, choice }))
    }
}
/// `TS` for the population's checked fields (feature `ts`; see [`crate::ts`]): the population
/// itself is declared with the scenario that holds it.
#[cfg(feature = "ts")]
pub(crate) mod ts_types {
    use ts_rs::{Config, TS};

    use super::{ChoiceSpec, DelaySpec, DeliveryRates, Probability, TimeSpec, ValueSpec};

    ts_inline! {
        Probability => "number",
        DeliveryRates => "{ [key in string]: number }",
        TimeSpec => "string | { from: string, to: string, }",
        DelaySpec => "string | { min: string, max: string, }",
    }

    /// A weighted choice (`{"a": 0.7}`) or a uniform one (`["a", "b"]`).
    const CHOICE: &str = "{ [key in string]: number } | Array<string>";

    impl<K> TS for ChoiceSpec<K> {
        type WithoutGenerics = Self;
        type OptionInnerType = Self;
        fn name(_: &Config) -> String {
            CHOICE.to_string()
        }
        fn inline(_: &Config) -> String {
            CHOICE.to_string()
        }
    }

    impl<const IN_EVENT: bool> TS for ValueSpec<IN_EVENT> {
        type WithoutGenerics = Self;
        type OptionInnerType = Self;
        fn name(cfg: &Config) -> String {
            Self::inline(cfg)
        }
        fn inline(_: &Config) -> String {
            // The forms of ValueSpec's JSON Schema: a constant, a uniform choice, a number range,
            // a time range (and, in event data, a range after the event), a weighted choice.
            let event = if IN_EVENT { " | { from_event: string, to_event: string, }" } else { "" };
            format!(
                "string | number | boolean | null | Array<JsonValue> | {{ min: number, max: number, }} | {{ from: string, to: string, }}{event} | {{ [key in string]: number }}"
            )
        }
    }
}
