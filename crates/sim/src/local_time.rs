//! Event data times written relative to the event in the contact's local time:
//! `"in 2 days at 09:00 local"` (a documented addition to `itinera/scenario@1`,
//! docs/scenario-format.md "Local times in event data").
//!
//! A top-level string value of an event's `data` that starts with `in ` and ends with ` local`
//! is such a time; any other value (RFC 3339 text included) keeps its meaning. The form is
//! `in N day(s)|week(s) at HH:MM local` (`Nd`/`Nw` also read). It resolves, when the contact is
//! simulated, to the RFC 3339 instant (UTC, `…Z`) of HH:MM on the day N days (7·N for weeks)
//! after the event's own day in the contact's `timezone` (else the journey's
//! `default_timezone`), as jiff's `compatible` disambiguation does: a time skipped by a DST
//! change is read with the offset before the change (02:30 in a spring-forward gap becomes
//! 03:30), a time that happens twice is the first one.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::{Map, Value};

/// The most days a local time may lie after its event (about 270 years).
pub const MAX_DAYS: i64 = 100_000;

/// A parsed `in N days at HH:MM local`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Calendar days after the event's local day.
    pub days: i64,
    /// Hour of the day, 0..=23.
    pub hour: i8,
    /// Minute, 0..=59.
    pub minute: i8,
}

/// Whether `text` is written in the local-time form (it may still be a bad one).
pub fn looks_local(text: &str) -> bool {
    text.starts_with("in ") && text.ends_with(" local")
}

/// The example every error message gives.
pub const EXAMPLE: &str = "in 2 days at 09:00 local";

impl LocalTime {
    /// Parses the form; `None` when `text` is not written in it at all, `Some(Err)` with one
    /// sentence when it is, badly.
    pub fn parse(text: &str) -> Option<Result<LocalTime, String>> {
        if !looks_local(text) {
            return None;
        }
        Some(Self::parse_form(text).ok_or_else(|| {
            format!(
                "\"{text}\" is not a local time: write \"in N days at HH:MM local\" (N a whole number of days or weeks, at most {MAX_DAYS} days; HH:MM from 00:00 to 23:59), e.g. \"{EXAMPLE}\""
            )
        }))
    }

    fn parse_form(text: &str) -> Option<LocalTime> {
        let inner = text.strip_prefix("in ")?.strip_suffix(" local")?;
        let (amount, clock) = inner.split_once(" at ")?;
        let days = parse_days(amount.trim())?;
        let (h, m) = clock.trim().split_once(':')?;
        let digits = |s: &str, len: std::ops::RangeInclusive<usize>| len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h, 1..=2) || !digits(m, 2..=2) {
            return None;
        }
        let hour: i8 = h.parse().ok()?;
        let minute: i8 = m.parse().ok()?;
        if !(0..=23).contains(&hour) || !(0..=59).contains(&minute) {
            return None;
        }
        Some(LocalTime { days, hour, minute })
    }

    /// The instant, for an event at `event_at` and a contact in `zone`; `None` past the calendar.
    pub fn resolve(&self, event_at: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let day: Date = zone.to_datetime(event_at).date();
        let day = day.checked_add(jiff::Span::new().try_days(self.days).ok()?).ok()?;
        let civil = day.at(self.hour, self.minute, 0, 0);
        zone.to_ambiguous_timestamp(civil).compatible().ok()
    }
}

fn parse_days(amount: &str) -> Option<i64> {
    let (number, unit) = if let Some((n, unit)) = amount.split_once(' ') {
        (n, unit)
    } else {
        let split = amount.find(|c: char| !c.is_ascii_digit())?;
        amount.split_at(split)
    };
    if number.is_empty() || number.len() > 9 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = number.parse().ok()?;
    let per = match unit {
        "day" | "days" | "d" => 1,
        "week" | "weeks" | "w" => 7,
        _ => return None,
    };
    let days = n.checked_mul(per)?;
    (days <= MAX_DAYS).then_some(days)
}

/// The first badly written local time of an event's data: (field, message).
pub fn check_data(data: &Map<String, Value>) -> Option<(String, String)> {
    data.iter().find_map(|(field, value)| match value {
        Value::String(text) => match LocalTime::parse(text) {
            Some(Err(message)) => Some((field.clone(), message)),
            _ => None,
        },
        _ => None,
    })
}

/// Whether any top-level value of `data` is written in the local-time form.
pub fn has_local_times(data: &Map<String, Value>) -> bool {
    data.values().any(|v| matches!(v, Value::String(s) if looks_local(s)))
}

/// Replaces every local time of `data` by its RFC 3339 instant (UTC) for an event at
/// `event_at` and a contact in `zone`. A value that does not parse (the parser refuses those)
/// or lands past the calendar stays as written.
pub fn resolve_data(data: &mut Map<String, Value>, event_at: Timestamp, zone: &TimeZone) {
    for value in data.values_mut() {
        if let Value::String(text) = value
            && let Some(Ok(local)) = LocalTime::parse(text)
            && let Some(at) = local.resolve(event_at, zone)
        {
            *value = Value::String(at.to_string());
        }
    }
}

/// What one event data field written as a local time reads as ([`describe_data`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldTime {
    /// The field of the event's `data`.
    pub field: String,
    /// Whether it resolves.
    pub ok: bool,
    /// The RFC 3339 instant it resolves to (what the simulator puts in `event.*`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub value: Option<String>,
    /// For a person: `2026-03-04T09:00:00Z (Wed 4 Mar 09:00 Europe/Lisbon)`, or why it does
    /// not resolve.
    pub text: String,
}

/// Every top-level field of `data` written as a local time, in the map's order, described for
/// an event at `event_at` (`Err`: why the event has no time) and a contact in `zone` (its name,
/// and the zone when known); `data` comes back with each that resolves replaced by its instant,
/// as [`resolve_data`] does for the simulator.
pub fn describe_data(
    data: &mut Map<String, Value>,
    event_at: Result<Timestamp, &str>,
    zone_name: &str,
    zone: Option<&TimeZone>,
) -> Vec<FieldTime> {
    let mut fields = Vec::new();
    for (field, value) in data.iter_mut() {
        let Value::String(text) = value else { continue };
        let Some(parsed) = LocalTime::parse(text) else { continue };
        let described = match (parsed, event_at, zone) {
            (Err(message), _, _) => Err(message),
            (Ok(_), Err(why), _) => Err(format!("resolves once the event has a valid time ({why})")),
            (Ok(_), Ok(_), None) => Err(format!("unknown time zone \"{zone_name}\"")),
            (Ok(local), Ok(at), Some(zone)) => match local.resolve(at, zone) {
                Some(instant) => Ok(instant),
                None => Err(format!("\"{text}\" lands past the latest time the simulator can represent")),
            },
        };
        fields.push(match described {
            Ok(instant) => {
                let wall = zone.map(|z| z.to_datetime(instant).strftime("%a %-d %b %H:%M").to_string()).unwrap_or_default();
                let value_text = instant.to_string();
                *value = Value::String(value_text.clone());
                FieldTime { field: field.clone(), ok: true, text: format!("{value_text} ({wall} {zone_name})"), value: Some(value_text) }
            }
            Err(text) => FieldTime { field: field.clone(), ok: false, value: None, text },
        });
    }
    fields
}
