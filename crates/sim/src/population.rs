//! The population generator: many contacts from a few distributions, seeded.
//!
//! A scenario's `population` describes contacts the way a marketer describes an audience:
//! "10,000 people, half in Lisbon, 90 % of those with a phone opted in to SMS, everyone books an
//! appointment in the next three days, 60 % answer the WhatsApp reminder within 5 min to 6 h,
//! 70 % of them with Confirm, 5 % of WhatsApp numbers bounce". The knobs (all documented for
//! users in docs/scenario-format.md):
//!
//! * `count`, `id_prefix` — generated contact `g` (0-based) has id `{id_prefix}{g}`;
//! * `timezones` — weighted (or uniform) choice of IANA zones;
//! * `attributes` — per attribute a constant, a uniform choice (array), a weighted choice
//!   (object of weights), a number range `{"min","max"}` or a time range `{"from","to"}`;
//! * `channels` — per channel the share of contacts with an address, and the share of those
//!   who consented;
//! * `events` — name, probability, time (fixed or `{"from","to"}`), data generated like
//!   attributes plus times relative to the event itself (`{"from_event","to_event"}`);
//! * `replies` — to which node, probability, delay (fixed or `{"min","max"}`), channel, and a
//!   weighted choice of `buttons` or `texts`;
//! * `delivery` — per channel or node id, the probability of each failure reason.
//!
//! # Determinism
//! Generated contact `g` uses its own generator, `ChaCha8Rng::seed_from_u64(stable_mix(seed,
//! g))` (see [`stable_mix`]), and nothing else: it does not depend on any other contact, on the
//! hand-written contacts, on how many contacts are generated or in which order. Each knob takes
//! exactly one 64-bit draw per contact, in a fixed order (time zone, attributes by name,
//! channels sms/whatsapp/email — address then consent —, events in order — probability, time,
//! then data by name —, replies in order — probability, delay, choice —, delivery by key), so
//! changing the *rate* of one knob never reshuffles the outcomes of another. Draws are mapped
//! to ranges by multiply-shift (bias below 2^-32 for any range a scenario can express), never by
//! rejection sampling, which would consume a variable number of draws.

use std::collections::BTreeMap;

use itinera_model::Duration;
use jiff::Timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Map, Value};

use crate::scenario::{
    At, CHANNELS, ChannelName, ContactSpec, Delivery, DurationText, NonEmptyText, OffsetText, ScenarioError, ScriptedEvent, ScriptedReply,
    TimeText, TimeZoneName, add_secs, latest, past_the_end, schema_as,
};

/// Largest `count` a population may ask for: one hundred million. Streaming keeps memory flat
/// at any count (about 30 MiB for the summary alone), so the bound is time: on two cores a
/// summary-only run does 0.3 to 0.7 million contacts a second, a few minutes for the maximum.
/// Servers cap one request far lower (their own setting).
pub const MAX_POPULATION: usize = 100_000_000;

/// Distributions that generate contacts (the `population` of a scenario).
///
/// Built only by parsing a scenario; [`Population::generate`] makes contact `g`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "PopulationSpec")]
pub struct Population {
    /// How many contacts to generate.
    pub count: usize,
    id_prefix: String,
    timezones: Option<Weighted<String>>,
    attributes: Vec<(String, ValueGen)>,
    channels: Vec<ChannelGen>,
    events: Vec<EventGen>,
    replies: Vec<ReplyGen>,
    delivery: Vec<DeliveryGen>,
}

/// The seed of generated contact `index`'s own generator:
/// `splitmix64(seed ^ splitmix64(index))`, where `splitmix64` is the finalizer of Steele,
/// Lea and Flood's SplitMix64 (`z = x + 0x9E3779B97F4A7C15; z = (z ^ z>>30) *
/// 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB; z ^ z>>31`, wrapping).
/// Both steps are bijections, so under one seed distinct contacts get distinct generators.
pub fn stable_mix(seed: u64, index: u64) -> u64 {
    splitmix64(seed ^ splitmix64(index))
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One draw in [0, 1).
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// One draw in [0, n) (n > 0), by multiply-shift.
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    ((rng.next_u64() as u128 * n as u128) >> 64) as u64
}

/// One draw in [lo, hi] (inclusive).
fn between(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    let span = (hi as i128 - lo as i128 + 1) as u128;
    if span > u64::MAX as u128 {
        return rng.next_u64() as i64; // the whole i64 range
    }
    (lo as i128 + below(rng, span as u64) as i128) as i64
}

impl Population {
    /// The names of the attributes every generated contact may carry.
    pub fn attribute_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.attributes.iter().map(|(name, _)| name.as_str())
    }

    /// The names of the data fields of the generated events (any event).
    pub fn event_data_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.events.iter().flat_map(|e| e.data.iter().map(|(name, _)| name.as_str()))
    }

    /// The id prefix of generated contacts.
    pub fn id_prefix(&self) -> &str {
        &self.id_prefix
    }

    /// The id of generated contact `g`: `{id_prefix}{g}`.
    pub fn id(&self, g: usize) -> String {
        let mut id = String::with_capacity(self.id_prefix.len() + 10);
        id.push_str(&self.id_prefix);
        push_decimal(&mut id, g as u64);
        id
    }

    /// The generated index whose id is `id`, if any.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        let digits = id.strip_prefix(self.id_prefix.as_str())?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0')) {
            return None;
        }
        let g: usize = digits.parse().ok()?;
        (g < self.count).then_some(g)
    }

    /// Generated contact `g` (0-based among generated contacts) of a scenario with this `seed`
    /// and `start`. Depends on (self, seed, start, g) only.
    pub fn generate(&self, seed: u64, start: Timestamp, g: usize) -> ContactSpec {
        let mut rng = ChaCha8Rng::seed_from_u64(stable_mix(seed, g as u64));
        let id = self.id(g);

        let timezone = self.timezones.as_ref().map(|w| w.pick(&mut rng).clone());

        let mut attributes = Map::new();
        for (name, generator) in &self.attributes {
            attributes.insert(name.clone(), generator.sample(&mut rng, start, None));
        }

        let mut addresses = BTreeMap::new();
        let mut consent = BTreeMap::new();
        for channel in &self.channels {
            let has_address = unit(&mut rng) < channel.address;
            let consented = unit(&mut rng) < channel.consent;
            if has_address {
                addresses.insert(channel.name.to_string(), address(channel.name, &id, g));
            }
            consent.insert(channel.name.to_string(), has_address && consented);
        }

        let mut events = Vec::with_capacity(self.events.len());
        for event in &self.events {
            let happens = unit(&mut rng) < event.probability;
            let at = event.at.sample(&mut rng, start);
            let mut data = Map::new();
            for (name, generator) in &event.data {
                data.insert(name.clone(), generator.sample(&mut rng, start, Some(at)));
            }
            if happens {
                events.push(ScriptedEvent { at, name: event.name.clone(), data });
            }
        }
        events.sort_by_key(|e| e.at);

        let mut replies = Vec::with_capacity(self.replies.len());
        for reply in &self.replies {
            let happens = unit(&mut rng) < reply.probability;
            let after = reply.after.sample(&mut rng);
            let choice = reply.choice.pick(&mut rng).clone();
            if happens {
                let (button, text) = if reply.is_button { (Some(choice), None) } else { (None, Some(choice)) };
                replies.push(ScriptedReply { to: reply.to.clone(), after, channel: reply.channel.to_string(), button, text });
            }
        }

        let mut delivery = BTreeMap::new();
        for rule in &self.delivery {
            let u = unit(&mut rng);
            if let Some((_, outcome)) = rule.outcomes.iter().find(|(upper, _)| u < *upper) {
                delivery.insert(rule.key.clone(), outcome.clone());
            }
        }

        ContactSpec { id, timezone, attributes, addresses, consent, events, replies, delivery }
    }

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

/// A phone number or an e-mail address for generated contact `g`: `+1555` followed by `g`
/// zero-padded to 7 digits (sms and whatsapp share it), or `{id}@example.com`.
fn address(channel: &str, id: &str, g: usize) -> String {
    if channel == "email" {
        let mut a = String::with_capacity(id.len() + 12);
        a.push_str(id);
        a.push_str("@example.com");
        a
    } else {
        let mut a = String::with_capacity(16);
        a.push_str("+1555");
        let mut digits = String::with_capacity(12);
        push_decimal(&mut digits, g as u64);
        for _ in digits.len()..7 {
            a.push('0');
        }
        a.push_str(&digits);
        a
    }
}

fn push_decimal(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[at..] {
        out.push(b as char);
    }
}

// ---------------------------------------------------------------------------------------------
// Compiled generators.

/// A weighted choice: `cumulative[k]` is the sum of the first k+1 weights.
#[derive(Debug, Clone, PartialEq)]
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T> Weighted<T> {
    /// From (item, weight) pairs; weights finite, non-negative, at least one positive.
    fn new(pairs: Vec<(T, f64)>) -> Result<Weighted<T>, String> {
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

    fn pick(&self, rng: &mut ChaCha8Rng) -> &T {
        let total = self.cumulative[self.cumulative.len() - 1];
        let target = unit(rng) * total;
        // First item whose cumulative weight is above the target (skips zero weights).
        let k = self.cumulative.partition_point(|&c| c <= target);
        let k = if k < self.items.len() {
            k
        } else {
            // Rounding at the very top: the last item with a positive weight.
            self.cumulative.iter().rposition(|&c| c < total).map_or(0, |p| p + 1)
        };
        &self.items[k]
    }
}

/// How one attribute or event-data value is generated.
#[derive(Debug, Clone, PartialEq)]
enum ValueGen {
    Constant(Value),
    Choice(Weighted<Value>),
    Integer {
        min: i64,
        max: i64,
    },
    Float {
        min: f64,
        max: f64,
    },
    /// An RFC 3339 time between two points (relative to `start` or absolute).
    Time {
        from: At,
        to: At,
    },
    /// An RFC 3339 time at an offset from the event's own time (event data only).
    EventTime {
        from: Duration,
        to: Duration,
    },
}

impl ValueGen {
    fn sample(&self, rng: &mut ChaCha8Rng, start: Timestamp, event_at: Option<Timestamp>) -> Value {
        match self {
            ValueGen::Constant(v) => {
                rng.next_u64();
                v.clone()
            }
            ValueGen::Choice(w) => w.pick(rng).clone(),
            ValueGen::Integer { min, max } => Value::from(between(rng, *min, *max)),
            ValueGen::Float { min, max } => {
                let u = unit(rng);
                let span = max - min;
                // A span wider than f64 (e.g. -1e308..1e308) is interpolated instead.
                let x = if span.is_finite() { min + span * u } else { min * (1.0 - u) + max * u };
                Value::from(x.clamp(*min, *max))
            }
            ValueGen::Time { from, to } => {
                let (from, to) = (from.resolve(start), to.resolve(start));
                let (Some(from), Some(to)) = (from, to) else { return Value::Null };
                time_value(rng, from, 0, to.as_second() - from.as_second())
            }
            ValueGen::EventTime { from, to } => {
                let Some(at) = event_at else { return Value::Null };
                let Some(lo) = add_secs(at, from.as_secs()) else { return Value::Null };
                time_value(rng, lo, 0, to.as_secs().saturating_sub(from.as_secs()))
            }
        }
    }

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

fn time_value(rng: &mut ChaCha8Rng, base: Timestamp, lo: i64, hi: i64) -> Value {
    let offset = between(rng, lo, hi);
    match add_secs(base, offset) {
        Some(t) => Value::String(rfc3339(t)),
        None => Value::Null,
    }
}

/// `t` as RFC 3339 UTC text, exactly as jiff's `Display` writes it (`2026-03-03T15:00:00Z`),
/// without the formatting machinery for the common case (whole seconds, years 0..=9999).
fn rfc3339(t: Timestamp) -> String {
    let secs = t.as_second();
    // Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
    let (days, second_of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if t.subsec_nanosecond() != 0 || !(0..=9999).contains(&year) {
        return t.to_string();
    }
    let (h, m, s) = (second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60);
    let mut out = [0u8; 20];
    let mut put = |at: usize, value: i64, width: usize| {
        let mut v = value;
        for k in (0..width).rev() {
            out[at + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, h, 2);
    put(14, m, 2);
    put(17, s, 2);
    out[4] = b'-';
    out[7] = b'-';
    out[10] = b'T';
    out[13] = b':';
    out[16] = b':';
    out[19] = b'Z';
    out.iter().map(|&b| b as char).collect()
}

#[derive(Debug, Clone, PartialEq)]
struct ChannelGen {
    name: &'static str,
    address: f64,
    consent: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TimeGen {
    Fixed(At),
    Range { from: At, to: At },
}

impl TimeGen {
    fn sample(&self, rng: &mut ChaCha8Rng, start: Timestamp) -> Timestamp {
        // Both ends were checked at parse time; `start` is the fallback that cannot happen.
        match self {
            TimeGen::Fixed(at) => {
                rng.next_u64();
                at.resolve(start).unwrap_or(start)
            }
            TimeGen::Range { from, to } => {
                let from = from.resolve(start).unwrap_or(start);
                let to = to.resolve(start).unwrap_or(from).max(from);
                let offset = between(rng, 0, to.as_second() - from.as_second());
                add_secs(from, offset).unwrap_or(from)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct EventGen {
    name: String,
    probability: f64,
    at: TimeGen,
    data: Vec<(String, ValueGen)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum DelayGen {
    Fixed(Duration),
    Range { min: Duration, max: Duration },
}

impl DelayGen {
    fn sample(&self, rng: &mut ChaCha8Rng) -> Duration {
        match self {
            DelayGen::Fixed(d) => {
                rng.next_u64();
                *d
            }
            DelayGen::Range { min, max } => Duration::from_secs(between(rng, min.as_secs(), max.as_secs())),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ReplyGen {
    to: String,
    probability: f64,
    after: DelayGen,
    channel: &'static str,
    is_button: bool,
    choice: Weighted<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct DeliveryGen {
    key: String,
    /// (cumulative probability, outcome); the remainder is "no entry" (delivered by default).
    outcomes: Vec<(f64, Delivery)>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The fast formatter writes exactly what jiff writes, over the whole calendar.
        #[test]
        fn rfc3339_matches_jiff(second in Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(), nanos in prop_oneof![Just(0i32), 0i32..1_000_000_000]) {
            if let Ok(t) = Timestamp::new(second, nanos) {
                prop_assert_eq!(rfc3339(t), t.to_string());
            }
        }
    }

    #[test]
    fn rfc3339_edges_match_jiff() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "1969-12-31T23:59:59Z",
            "0000-01-01T00:00:00Z",
            "9999-12-30T00:00:00Z",
            "2026-03-01T00:00:00Z",
        ] {
            let t: Timestamp = text.parse().expect("valid");
            assert_eq!(rfc3339(t), text);
        }
    }

    #[test]
    fn weighted_pick_never_chooses_a_zero_weight() {
        let w = Weighted::new(vec![("zero", 0.0), ("a", 1.0), ("zero2", 0.0), ("b", 1.0), ("zero3", 0.0)]).expect("valid");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = BTreeMap::new();
        for _ in 0..2000 {
            *seen.entry(*w.pick(&mut rng)).or_insert(0) += 1;
        }
        assert_eq!(seen.keys().copied().collect::<Vec<_>>(), vec!["a", "b"]);
    }

    #[test]
    fn between_covers_both_ends_and_the_full_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let draws: Vec<i64> = (0..1000).map(|_| between(&mut rng, -2, 2)).collect();
        for v in -2..=2 {
            assert!(draws.contains(&v), "{v} never drawn");
        }
        assert!(draws.iter().all(|v| (-2..=2).contains(v)));
        // The whole i64 range does not overflow.
        let _ = between(&mut rng, i64::MIN, i64::MAX);
        assert_eq!(between(&mut rng, 5, 5), 5);
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
