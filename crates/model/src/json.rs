//! The one JSON reading path for text that comes from outside (files, request bodies).
//!
//! serde_json on its own is too forgiving in two ways that matter for files people keep in git:
//! a duplicated key silently keeps the last value (so `{"text": "Hi", "text": "Bye"}` means
//! something different to every tool that reads it), and a number that does not fit an `f64` or
//! a 64-bit integer is rounded (`123456789012345678901234567890` becomes `1.2345678901234568e29`).
//! Everything that reads or rewrites journey and scenario text from outside goes through here:
//!
//! * [`check_unique_keys`]: fails on the first duplicated key, with its line and column. The CLI's
//!   validation ([`crate::check_source`]) and the HTTP API both use it, so they cannot disagree.
//! * [`parse_value`]: the same check while building a [`Value`].
//! * [`canonical_text`]: the canonical form a saved file takes (sorted keys, 2-space indent, final
//!   newline — exactly [`crate::journey::canonical_json`]'s output) with every number kept *as
//!   written* when its value would not survive the trip through a [`Value`].
//!
//! Nesting is limited by serde_json (128 levels), so the recursion here is bounded too.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Why JSON text was refused: serde_json's message (which names the line and column) or a
/// duplicated key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", if *line > 0 { format!(" at line {line}, column {column}") } else { String::new() })]
pub struct JsonError {
    /// What is wrong (without the position).
    pub message: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
}

impl From<serde_json::Error> for JsonError {
    fn from(e: serde_json::Error) -> Self {
        JsonError { message: message_of(&e), line: e.line(), column: e.column() }
    }
}

/// serde_json's message without the " at line L column C" it appends: every reader of the
/// project's files (journeys, scenarios) reports the position in fields of its own.
pub fn message_of(error: &serde_json::Error) -> String {
    let mut message = error.to_string();
    if let Some(cut) = message.rfind(" at line ") {
        message.truncate(cut);
    }
    message
}

/// Fails on the first key that appears twice in one object (and on text that is not JSON).
pub fn check_unique_keys(text: &str) -> Result<(), JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    UniqueKeys::deserialize(&mut de)?;
    de.end()?;
    Ok(())
}

/// The JSON value of `text`, refusing duplicated keys.
pub fn parse_value(text: &str) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = StrictValue::deserialize(&mut de)?.0;
    de.end()?;
    Ok(value)
}

/// [`parse_value`] for bytes (request bodies); text that is not UTF-8 is refused.
pub fn parse_value_slice(bytes: &[u8]) -> Result<Value, JsonError> {
    let text = std::str::from_utf8(bytes).map_err(|e| JsonError {
        message: format!("the text is not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        line: 0,
        column: 0,
    })?;
    parse_value(text)
}

/// The canonical text of the JSON `text` (sorted keys, 2-space indent, final newline), with
/// duplicated keys refused and every number that a [`Value`] would round kept digit for digit.
/// For text without such numbers this is exactly `canonical_json(&parse_value(text)?)`.
pub fn canonical_text(text: &str) -> Result<String, JsonError> {
    check_unique_keys(text)?;
    let raw: Box<RawValue> = serde_json::from_str(text)?;
    let mut kept = Vec::new();
    let marker = Marker::for_text(text);
    let value = lossless(&raw, &marker, &mut kept)?;
    let mut out = crate::journey::canonical_json(&value);
    if !kept.is_empty() {
        for (i, literal) in kept.iter().enumerate().rev() {
            // The placeholder is a JSON string; replace it, quotes included, by the literal.
            let quoted = serde_json::to_string(&marker.name(i)).map_err(JsonError::from)?;
            out = out.replacen(&quoted, literal, 1);
        }
    }
    Ok(out)
}

/// Placeholder strings for kept numbers, chosen so that they cannot occur in the text itself.
struct Marker {
    prefix: String,
}

impl Marker {
    fn for_text(text: &str) -> Marker {
        let mut salt = 0u32;
        loop {
            let prefix = format!("\u{1}itinera-number-{salt}-");
            // In the output the control character is written `\u0001`; a text that already holds
            // that escape followed by our word gets another salt.
            let escaped = serde_json::to_string(&prefix).unwrap_or_default();
            let escaped = escaped.trim_matches('"');
            if !text.contains(escaped) && !text.contains(&prefix) {
                return Marker { prefix };
            }
            salt += 1;
        }
    }

    fn name(&self, i: usize) -> String {
        format!("{}{i}\u{1}", self.prefix)
    }
}

/// Rebuilds `raw` as a [`Value`], replacing each number a Value would not keep exactly by a
/// placeholder string and remembering its literal in `kept`.
fn lossless(raw: &RawValue, marker: &Marker, kept: &mut Vec<String>) -> Result<Value, JsonError> {
    let text = raw.get().trim_start();
    match text.as_bytes().first() {
        Some(b'{') => {
            let entries: Entries = serde_json::from_str(text)?;
            let mut map = Map::new();
            for (key, value) in entries.0 {
                map.insert(key, lossless(&value, marker, kept)?);
            }
            Ok(Value::Object(map))
        }
        Some(b'[') => {
            let items: Vec<Box<RawValue>> = serde_json::from_str(text)?;
            items.iter().map(|item| lossless(item, marker, kept)).collect::<Result<Vec<_>, _>>().map(Value::Array)
        }
        Some(b'-' | b'0'..=b'9') => {
            let value: Value = serde_json::from_str(text)?;
            let written = serde_json::to_string(&value).map_err(JsonError::from)?;
            if same_number(text.trim_end(), &written) {
                Ok(value)
            } else {
                kept.push(text.trim_end().to_owned());
                Ok(Value::String(marker.name(kept.len() - 1)))
            }
        }
        _ => Ok(serde_json::from_str(text)?),
    }
}

/// Whether two JSON number literals denote the same decimal value (`1.50` and `1.5`, `1e2` and
/// `100.0`, but not `123456789012345678901234567890` and `1.2345678901234568e29`).
fn same_number(a: &str, b: &str) -> bool {
    match (decimal(a), decimal(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `(negative, significant digits, exponent)` with value = digits × 10^exponent, normalised
/// (no leading or trailing zeros; zero is `(false, "0", 0)`).
fn decimal(literal: &str) -> Option<(bool, String, i64)> {
    let (negative, rest) = match literal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, literal),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let leading = digits.trim_start_matches('0');
    if leading.is_empty() {
        return Some((false, "0".to_owned(), 0));
    }
    let significant = leading.trim_end_matches('0');
    let trailing = (leading.len() - significant.len()) as i64;
    let exponent = exponent.checked_sub(frac.len() as i64)?.checked_add(trailing)?;
    Some((negative, significant.to_owned(), exponent))
}

/// Walks any JSON value, failing on a duplicated key.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
            }
            map.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

/// A [`Value`] whose objects have no duplicated key.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// An object's entries in file order, each value as its raw text.
struct Entries(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value_seed(RawSeed)?;
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

struct RawSeed;

impl<'de> DeserializeSeed<'de> for RawSeed {
    type Value = Box<RawValue>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Box<RawValue>, D::Error> {
        Box::<RawValue>::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_with_their_position() {
        let text = "{\n  \"a\": 1,\n  \"b\": {\"x\": 1, \"x\": 2}\n}";
        let err = check_unique_keys(text).expect_err("duplicate");
        assert!(err.message.starts_with("duplicate key \"x\""), "{}", err.message);
        assert_eq!((err.line, err.column), (3, 19), "points at the second key");
        assert_eq!(parse_value(text).expect_err("duplicate"), err);
        assert!(canonical_text(text).is_err());
        // The same key in two different objects is fine.
        assert!(check_unique_keys(r#"[{"x": 1}, {"x": 2}]"#).is_ok());
    }

    #[test]
    fn a_journey_with_a_duplicated_key_is_a_parse_error() {
        let text = "{\n  \"format\": \"itinera/journey@1\",\n  \"id\": \"a\",\n  \"id\": \"b\",\n  \"name\": \"n\",\n  \"nodes\": [],\n  \"edges\": []\n}";
        let (journey, report) = crate::check_source(text);
        assert!(journey.is_none());
        assert!(!report.valid);
        let d = &report.diagnostics[0];
        assert_eq!(d.code, crate::Code::ParseError);
        assert!(d.message.contains("duplicate"), "{}", d.message);
        assert_eq!(d.line, Some(4));
    }

    #[test]
    fn not_json_is_an_error_naming_the_place() {
        let err = parse_value("{\"a\": }").expect_err("bad");
        assert_eq!(err.line, 1);
        assert!(err.column > 0);
        assert!(parse_value_slice(b"\xff").is_err());
        assert!(check_unique_keys("{} trailing").is_err());
    }

    #[test]
    fn canonical_text_equals_canonical_json_when_nothing_is_lost() {
        let text = r#"{"z": [1, 2.5, -0, 1e2, 1.50, 0.1, 18446744073709551615, -9223372036854775808], "a": {"b": null, "c": "é\n\u0001"}, "m": true}"#;
        let value = parse_value(text).expect("parses");
        assert_eq!(canonical_text(text).expect("canonical"), crate::journey::canonical_json(&value));
    }

    #[test]
    fn numbers_that_a_value_would_round_are_kept_as_written() {
        let text =
            r#"{"big": 123456789012345678901234567890, "long": 0.12345678901234567890123, "list": [1, 99999999999999999999], "ok": 2}"#;
        let out = canonical_text(text).expect("canonical");
        assert_eq!(
            out,
            "{\n  \"big\": 123456789012345678901234567890,\n  \"list\": [\n    1,\n    99999999999999999999\n  ],\n  \"long\": 0.12345678901234567890123,\n  \"ok\": 2\n}\n"
        );
        // Reading it back gives the same text again.
        assert_eq!(canonical_text(&out).expect("again"), out);
    }

    #[test]
    fn a_string_that_looks_like_the_placeholder_is_left_alone() {
        let text = "{\"s\": \"\\u0001itinera-number-0-0\\u0001\", \"n\": 123456789012345678901234567890}";
        let out = canonical_text(text).expect("canonical");
        assert!(out.contains("\"s\": \"\\u0001itinera-number-0-0\\u0001\""), "{out}");
        assert!(out.contains("\"n\": 123456789012345678901234567890"), "{out}");
    }

    #[test]
    fn decimal_normal_form() {
        assert_eq!(decimal("1.50"), decimal("1.5"));
        assert_eq!(decimal("1e2"), decimal("100.0"));
        assert_eq!(decimal("1E+2"), decimal("100"));
        assert_eq!(decimal("-0.0"), decimal("0"));
        assert_ne!(decimal("-1"), decimal("1"));
        assert_ne!(decimal("123456789012345678901234567890"), decimal("1.2345678901234568e29"));
    }
}
