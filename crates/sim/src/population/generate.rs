//! Drawing generated contacts: contact `g` from a compiled [`Population`], the scenario's seed
//! and `start`, one 64-bit draw per knob in the fixed order the module documentation gives.

use std::collections::BTreeMap;

use itinera_model::Duration;
use jiff::Timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

use super::{DelayGen, Population, TimeGen, ValueGen, Weighted, push_decimal};
use crate::scenario::{ContactSpec, ScriptedEvent, ScriptedReply, add_secs};

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
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

/// One draw in [lo, hi] (inclusive).
fn between(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    let span = (i128::from(hi) - i128::from(lo) + 1) as u128;
    if span > u128::from(u64::MAX) {
        return rng.next_u64() as i64; // the whole i64 range
    }
    (i128::from(lo) + i128::from(below(rng, span as u64))) as i64
}

impl Population {
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

impl<T> Weighted<T> {
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
