//! Conditions compiled once (field paths split, operands pre-parsed) and evaluated against a
//! contact, the current event data and "now".
//!
//! Comparison rules: numbers compare numerically (a numeric string compares as a number against
//! a number); two RFC 3339 strings compare as instants for `gt`/`gte`/`lt`/`lte`; other strings
//! compare as strings. A missing (or `null`) field makes every comparison false except `ne` and
//! `not_exists`. `contains` is a substring test on strings and a membership test on arrays; `in`
//! is membership of the field's value in the operand array (or a substring of an operand string).
//! `within_next d` holds when the field's instant is in `[now, now + d]`, `within_last d` when it
//! is in `[now - d, now]`.

use std::cmp::Ordering;

use itinera_model::Duration;
use itinera_model::journey::{Condition, ConditionForm};
use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::state::Contact;

/// Where a field path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `contact.*`: the contact's attributes, plus `contact.id`.
    Contact,
    /// `event.*`: the trigger event, or the event/reply that ended the latest `wait_for`.
    Event,
}

/// A `contact.*` / `event.*` path, split once.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    /// The first segment.
    pub root: Root,
    /// The segments after the root.
    pub segments: Vec<String>,
    /// The path as written.
    pub text: String,
}

impl FieldPath {
    /// Parses `contact.tier` / `event.starts_at` (nested segments allowed).
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let mut parts = text.split('.');
        let root = match parts.next() {
            Some("contact") => Root::Contact,
            Some("event") => Root::Event,
            _ => return Err(format!("field `{text}` must start with `contact.` or `event.`")),
        };
        let segments: Vec<String> = parts.map(str::to_string).collect();
        if segments.is_empty() || segments.iter().any(String::is_empty) {
            return Err(format!("field `{text}` names no attribute after its root"));
        }
        Ok(FieldPath { root, segments, text: text.to_string() })
    }

    /// Looks the path up; `None` when absent.
    pub fn lookup<'a>(&self, contact: &'a Contact, event: &'a Map<String, Value>) -> Option<FieldValue<'a>> {
        let (first, rest) = self.segments.split_first()?;
        let mut value = match self.root {
            Root::Contact => {
                if first == "id" && rest.is_empty() {
                    return Some(FieldValue::Str(&contact.id));
                }
                contact.attributes.get(first)?
            }
            Root::Event => event.get(first)?,
        };
        for segment in rest {
            value = match value {
                Value::Object(map) => map.get(segment)?,
                Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        if value.is_null() { None } else { Some(FieldValue::Json(value)) }
    }

    /// The value at this path read as an RFC 3339 instant.
    pub fn timestamp(&self, contact: &Contact, event: &Map<String, Value>) -> Option<Timestamp> {
        self.lookup(contact, event)?.as_str()?.parse().ok()
    }
}

/// A looked-up value, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum FieldValue<'a> {
    /// A JSON value from attributes or event data.
    Json(&'a Value),
    /// A string that is not stored as JSON (the contact id).
    Str(&'a str),
}

impl FieldValue<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            FieldValue::Json(Value::String(s)) => Some(s),
            FieldValue::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<f64> {
        match self {
            FieldValue::Json(Value::Number(n)) => n.as_f64(),
            _ => self.as_str().and_then(|s| s.trim().parse().ok()),
        }
    }

    fn is_number(&self) -> bool {
        matches!(self, FieldValue::Json(Value::Number(_)))
    }

    fn equals_json(&self, other: &Value) -> bool {
        match self {
            FieldValue::Json(v) => *v == other,
            FieldValue::Str(s) => other.as_str() == Some(*s),
        }
    }
}

/// The comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less or equal.
    Lte,
    /// Substring / array membership.
    Contains,
    /// Field value is among the operand's.
    In,
    /// Present and not null.
    Exists,
    /// Absent or null.
    NotExists,
    /// Instant within the next duration.
    WithinNext,
    /// Instant within the last duration.
    WithinLast,
}

impl Op {
    fn parse(op: &str) -> Option<Op> {
        Some(match op {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            "contains" => Op::Contains,
            "in" => Op::In,
            "exists" => Op::Exists,
            "not_exists" => Op::NotExists,
            "within_next" => Op::WithinNext,
            "within_last" => Op::WithinLast,
            _ => return None,
        })
    }
}

/// An operand with its number / instant / duration readings precomputed.
#[derive(Debug, Clone, PartialEq)]
pub struct Operand {
    /// As written.
    pub json: Value,
    number: Option<f64>,
    instant: Option<Timestamp>,
    seconds: Option<i64>,
}

/// A compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `field op value`.
    Compare {
        /// The field.
        field: FieldPath,
        /// The operator.
        op: Op,
        /// The operand (`null` when not given).
        value: Operand,
    },
    /// All hold (true when empty).
    All(Vec<Cond>),
    /// Any holds (false when empty).
    Any(Vec<Cond>),
    /// Does not hold.
    Not(Box<Cond>),
}

impl Cond {
    /// Compiles a condition as written in a journey; the error says what is wrong.
    pub fn compile(condition: &Condition) -> Result<Cond, String> {
        Ok(match condition.form()? {
            ConditionForm::All(items) => Cond::All(items.iter().map(Cond::compile).collect::<Result<_, _>>()?),
            ConditionForm::Any(items) => Cond::Any(items.iter().map(Cond::compile).collect::<Result<_, _>>()?),
            ConditionForm::Not(inner) => Cond::Not(Box::new(Cond::compile(inner)?)),
            ConditionForm::Compare { field, op, value } => {
                let field = FieldPath::parse(field)?;
                let op = Op::parse(op).ok_or_else(|| format!("unknown operator `{op}`"))?;
                let json = value.cloned().unwrap_or(Value::Null);
                let seconds = match op {
                    Op::WithinNext | Op::WithinLast => {
                        let text = json.as_str().ok_or_else(|| "`within_*` needs a duration string such as \"24h\"".to_string())?;
                        Some(Duration::parse(text).map_err(|e| e.to_string())?.as_secs())
                    }
                    _ => None,
                };
                let number = match &json {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                };
                let instant = json.as_str().and_then(|s| s.parse::<Timestamp>().ok());
                Cond::Compare { field, op, value: Operand { json, number, instant, seconds } }
            }
        })
    }

    /// Evaluates against a contact, event data and now.
    pub fn holds(&self, contact: &Contact, event: &Map<String, Value>, now: Timestamp) -> bool {
        match self {
            Cond::All(items) => items.iter().all(|c| c.holds(contact, event, now)),
            Cond::Any(items) => items.iter().any(|c| c.holds(contact, event, now)),
            Cond::Not(inner) => !inner.holds(contact, event, now),
            Cond::Compare { field, op, value } => {
                let left = field.lookup(contact, event);
                compare(*op, left, value, now)
            }
        }
    }

    /// A short human rendering, e.g. `event.starts_at within_next "24h"`.
    pub fn describe(&self) -> String {
        match self {
            Cond::Compare { field, op, value } => match op {
                Op::Exists => format!("{} exists", field.text),
                Op::NotExists => format!("{} does not exist", field.text),
                Op::WithinNext | Op::WithinLast => {
                    format!("{} {} {}", field.text, op_word(*op), value.json.as_str().unwrap_or_default())
                }
                _ => format!("{} {} {}", field.text, op_word(*op), value.json),
            },
            Cond::All(items) => format!("all of ({})", items.iter().map(Cond::describe).collect::<Vec<_>>().join(", ")),
            Cond::Any(items) => format!("any of ({})", items.iter().map(Cond::describe).collect::<Vec<_>>().join(", ")),
            Cond::Not(inner) => format!("not ({})", inner.describe()),
        }
    }
}

fn op_word(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "≠",
        Op::Gt => ">",
        Op::Gte => "≥",
        Op::Lt => "<",
        Op::Lte => "≤",
        Op::Contains => "contains",
        Op::In => "in",
        Op::Exists => "exists",
        Op::NotExists => "not_exists",
        Op::WithinNext => "within the next",
        Op::WithinLast => "within the last",
    }
}

fn equal(left: FieldValue<'_>, right: &Operand) -> bool {
    if left.equals_json(&right.json) {
        return true;
    }
    // A number against a numeric string (either side) compares numerically.
    if (left.is_number() || right.json.is_number())
        && let (Some(a), Some(b)) = (left.as_number(), right.number)
    {
        return a == b;
    }
    false
}

fn order(left: FieldValue<'_>, right: &Operand) -> Option<Ordering> {
    if left.is_number() || right.json.is_number() {
        return left.as_number()?.partial_cmp(&right.number?);
    }
    let a = left.as_str()?;
    let b = right.json.as_str()?;
    if let (Ok(ta), Some(tb)) = (a.parse::<Timestamp>(), right.instant) {
        return Some(ta.cmp(&tb));
    }
    Some(a.cmp(b))
}

fn compare(op: Op, left: Option<FieldValue<'_>>, right: &Operand, now: Timestamp) -> bool {
    let Some(left) = left else {
        return matches!(op, Op::Ne | Op::NotExists);
    };
    match op {
        Op::Exists => true,
        Op::NotExists => false,
        Op::Eq => equal(left, right),
        Op::Ne => !equal(left, right),
        Op::Gt => order(left, right) == Some(Ordering::Greater),
        Op::Gte => matches!(order(left, right), Some(Ordering::Greater | Ordering::Equal)),
        Op::Lt => order(left, right) == Some(Ordering::Less),
        Op::Lte => matches!(order(left, right), Some(Ordering::Less | Ordering::Equal)),
        Op::Contains => match left {
            FieldValue::Json(Value::Array(items)) => items.iter().any(|item| FieldValue::Json(item).equals_json(&right.json)),
            _ => match (left.as_str(), right.json.as_str()) {
                (Some(haystack), Some(needle)) => haystack.contains(needle),
                _ => false,
            },
        },
        Op::In => match &right.json {
            Value::Array(items) => items
                .iter()
                .any(|item| left.equals_json(item) || (left.is_number() && item.as_f64().is_some() && left.as_number() == item.as_f64())),
            Value::String(haystack) => left.as_str().is_some_and(|needle| haystack.contains(needle)),
            _ => false,
        },
        Op::WithinNext | Op::WithinLast => {
            let (Some(at), Some(seconds)) = (left.as_str().and_then(|s| s.parse::<Timestamp>().ok()), right.seconds) else {
                return false;
            };
            let delta = at.as_second() - now.as_second();
            if op == Op::WithinNext { (0..=seconds).contains(&delta) } else { (-seconds..=0).contains(&delta) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contact() -> Contact {
        let attributes = json!({"tier": "gold", "orders": 3, "score": "7", "tags": ["vip", "new"],
            "address": {"city": "Lisbon"}, "renews_at": "2026-03-03T09:00:00Z", "nothing": null});
        Contact {
            id: "ana".into(),
            timezone: None,
            attributes: attributes.as_object().cloned().unwrap_or_default(),
            addresses: Default::default(),
            consent: Default::default(),
            last_whatsapp_inbound: None,
        }
    }

    fn check(condition: Value) -> bool {
        let condition: Condition = serde_json::from_value(condition).expect("condition shape");
        let compiled = Cond::compile(&condition).expect("compiles");
        let event = json!({"starts_at": "2026-03-02T20:00:00Z", "amount": 120.5});
        let now: Timestamp = "2026-03-02T09:00:00Z".parse().expect("timestamp");
        compiled.holds(&contact(), event.as_object().expect("object"), now)
    }

    #[test]
    fn each_operator_against_a_table() {
        let table = [
            (json!({"field": "contact.tier", "op": "eq", "value": "gold"}), true),
            (json!({"field": "contact.tier", "op": "eq", "value": "Gold"}), false),
            (json!({"field": "contact.id", "op": "eq", "value": "ana"}), true),
            (json!({"field": "contact.tier", "op": "ne", "value": "silver"}), true),
            (json!({"field": "contact.missing", "op": "ne", "value": "x"}), true),
            (json!({"field": "contact.missing", "op": "eq", "value": "x"}), false),
            (json!({"field": "contact.orders", "op": "gt", "value": 2}), true),
            (json!({"field": "contact.orders", "op": "gte", "value": 3}), true),
            (json!({"field": "contact.orders", "op": "lt", "value": 3}), false),
            (json!({"field": "contact.orders", "op": "lte", "value": 3.0}), true),
            // "7" is a numeric string: against a number it compares as a number (7 > 10 is false,
            // whereas the string "7" > "10").
            (json!({"field": "contact.score", "op": "gt", "value": 10}), false),
            (json!({"field": "contact.score", "op": "eq", "value": 7}), true),
            (json!({"field": "contact.tier", "op": "gt", "value": "silver"}), false),
            (json!({"field": "contact.renews_at", "op": "gt", "value": "2026-03-03T08:00:00+00:00"}), true),
            (json!({"field": "contact.renews_at", "op": "lt", "value": "2026-03-03T10:00:00+01:00"}), false),
            (json!({"field": "contact.tags", "op": "contains", "value": "vip"}), true),
            (json!({"field": "contact.tier", "op": "contains", "value": "ol"}), true),
            (json!({"field": "contact.tier", "op": "in", "value": ["gold", "platinum"]}), true),
            (json!({"field": "contact.orders", "op": "in", "value": [1, 2]}), false),
            (json!({"field": "contact.address.city", "op": "eq", "value": "Lisbon"}), true),
            (json!({"field": "contact.nothing", "op": "exists"}), false),
            (json!({"field": "contact.nothing", "op": "not_exists"}), true),
            (json!({"field": "event.amount", "op": "exists"}), true),
            (json!({"field": "event.starts_at", "op": "within_next", "value": "24h"}), true),
            (json!({"field": "event.starts_at", "op": "within_next", "value": "10h"}), false),
            (json!({"field": "event.starts_at", "op": "within_last", "value": "24h"}), false),
            (json!({"field": "contact.renews_at", "op": "within_next", "value": "1d"}), true),
            (
                json!({"all": [{"field": "contact.tier", "op": "eq", "value": "gold"}, {"field": "event.amount", "op": "gt", "value": 100}]}),
                true,
            ),
            (
                json!({"any": [{"field": "contact.tier", "op": "eq", "value": "x"}, {"field": "event.amount", "op": "lt", "value": 100}]}),
                false,
            ),
            (json!({"not": {"field": "contact.tier", "op": "eq", "value": "x"}}), true),
        ];
        for (condition, expected) in table {
            assert_eq!(check(condition.clone()), expected, "{condition}");
        }
    }

    #[test]
    fn rejects_bad_conditions() {
        for bad in [
            json!({}),
            json!({"field": "tier", "op": "eq", "value": 1}),
            json!({"field": "contact.x", "op": "like"}),
            json!({"field": "event.at", "op": "within_next", "value": "soon"}),
        ] {
            let condition: Condition = serde_json::from_value(bad.clone()).expect("shape");
            assert!(Cond::compile(&condition).is_err(), "{bad}");
        }
    }
}
