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
//!
//! # Where things are
//! * `spec.rs`: the `population` object as written — its serde types, what each knob accepts
//!   (and the message when it does not), the checks that need the scenario's `start`, and the
//!   JSON Schema — compiled into a [`Population`].
//! * `generate.rs`: drawing contact `g` from a compiled [`Population`] and a seed
//!   ([`Population::generate`], [`stable_mix`]), in the order described above.
//!
//! The compiled generators below are what the spec produces and the generator reads.

mod generate;
mod spec;

use itinera_model::Duration;
use serde::Deserialize;
use serde_json::Value;

pub use self::generate::stable_mix;
pub(crate) use self::spec::PopulationSpec;
use crate::scenario::{At, Delivery};

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
