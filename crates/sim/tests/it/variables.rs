//! `unknown_variable` warnings: a journey's template variables and condition fields checked
//! against a scenario's contacts (hand-written attributes, population attribute names, the
//! journey's own `update`s; `contact.id`/`timezone`/`locale` always; event fields only against
//! scripted event data).

use itinera_model::{Code, Journey, Severity};
use itinera_sim::scenario::Scenario;
use itinera_sim::variables::{add_unknown_variables, unknown_variables};
use serde_json::{Value, json};

fn journey() -> Journey {
    Journey::parse(
        &json!({
            "format": "itinera/journey@1", "id": "typos", "name": "Typos", "version": 1,
            "nodes": [
                {"id": "booked", "type": "trigger", "event": "appointment_booked",
                 "filter": {"all": [{"field": "contact.tierr", "op": "eq", "value": "gold"}, {"field": "event.clinic", "op": "exists"}]}},
                {"id": "sms", "type": "send", "channel": "sms",
                 "text": "Hi {{ contact.first_nam }} ({{ contact.id }}, {{ contact.locale }}, {{ contact.timezone }}): {{ event.starts_at | date: '%H:%M' }} at {{ event.locaton }}{% if contact.vip %}!{% endif %} {{ contact.first_nam }}"},
                {"id": "mark", "type": "update", "set": {"reminded": true}},
                {"id": "soon", "type": "branch", "condition": {"not": {"field": "contact.reminded", "op": "eq", "value": true}}},
                {"id": "wait", "type": "wait", "until": {"field": "event.start_at", "offset": "-24h"}},
                {"id": "mail", "type": "send", "channel": "email", "subject": "For {{ contact.last_name }}", "text": "{{ contact.address.city }}"},
                {"id": "reply", "type": "wait_for", "reply": {"channel": "sms"}, "timeout": "1d",
                 "branches": [{"port": "yes", "where": {"all": [{"field": "event.anything", "op": "exists"}, {"field": "contact.segmnt", "op": "exists"}]}}]},
                {"id": "hook", "type": "webhook", "url": "https://example.com/{{ contact.id }}/{{ event.text }}", "body": "{\"x\": \"{{ contact.tier }}\"}"},
                {"id": "done", "type": "exit"}
            ],
            "edges": [
                {"from": "booked", "port": "next", "to": "sms"},
                {"from": "sms", "port": "next", "to": "mark"},
                {"from": "sms", "port": "failed", "to": "done"},
                {"from": "mark", "port": "next", "to": "soon"},
                {"from": "soon", "port": "yes", "to": "wait"},
                {"from": "soon", "port": "no", "to": "done"},
                {"from": "wait", "port": "next", "to": "mail"},
                {"from": "mail", "port": "next", "to": "reply"},
                {"from": "mail", "port": "failed", "to": "done"},
                {"from": "reply", "port": "yes", "to": "hook"},
                {"from": "reply", "port": "timeout", "to": "done"},
                {"from": "hook", "port": "next", "to": "done"},
                {"from": "hook", "port": "failed", "to": "done"}
            ]
        })
        .to_string(),
    )
    .expect("journey parses")
}

fn scenario(v: Value) -> Scenario {
    let mut base = json!({"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "14d"});
    for (k, val) in v.as_object().expect("object") {
        base[k] = val.clone();
    }
    Scenario::parse(&base.to_string()).expect("scenario parses")
}

fn rendered(s: &Scenario) -> String {
    unknown_variables(&journey(), s)
        .iter()
        .map(|d| {
            assert_eq!((d.severity, d.code), (Severity::Warning, Code::UnknownVariable));
            format!(
                "{} {} @{} {}: {}",
                d.severity_str(),
                d.code,
                d.node.as_deref().unwrap_or("-"),
                d.field.as_deref().unwrap_or("-"),
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

trait SeverityStr {
    fn severity_str(&self) -> &'static str;
}
impl SeverityStr for itinera_model::Diagnostic {
    fn severity_str(&self) -> &'static str {
        if self.is_error() { "error" } else { "warning" }
    }
}

#[test]
fn hand_written_contacts_with_event_data() {
    let s = scenario(json!({"contacts": [
        {"id": "ana", "attributes": {"first_name": "Ana", "tier": "gold"},
         "events": [{"at": "+0m", "name": "appointment_booked", "data": {"starts_at": "2026-03-04T15:00:00Z", "location": "Rua Augusta", "clinic": "Lisbon"}}]},
        {"id": "ben", "attributes": {"last_name": "Silva", "vip": true}}
    ]}));
    insta::assert_snapshot!("unknown_variables_hand_written", rendered(&s));
}

#[test]
fn without_event_data_event_fields_are_not_checked() {
    let s = scenario(
        json!({"contacts": [{"id": "ana", "attributes": {"first_name": "Ana"}, "events": [{"at": "+0m", "name": "appointment_booked"}]}]}),
    );
    let text = rendered(&s);
    assert!(!text.contains("event."), "{text}");
    insta::assert_snapshot!("unknown_variables_no_event_data", text);
}

#[test]
fn population_attribute_and_event_names_count() {
    let s = scenario(json!({"population": {"count": 10,
        "attributes": {"first_nam": {"Ana": 1}, "tierr": ["gold"], "tier": ["gold"], "vip": [true], "last_name": ["S"], "address": ["x"], "segmnt": ["a"]},
        "events": [{"name": "appointment_booked", "at": "+0m", "data": {"starts_at": {"from_event": "+2h", "to_event": "+5d"}, "locaton": "x", "start_at": "y", "clinic": "z"}}]}}));
    assert_eq!(rendered(&s), "", "every name is known from the population");
}

#[test]
fn the_service_adds_them_to_the_report_in_node_order_and_valid_stays() {
    let j = journey();
    let s = scenario(json!({"contacts": [{"id": "ana", "attributes": {"first_name": "Ana"}}]}));
    let report = itinera_engine::validate(&j);
    let before = report.diagnostics.len();
    let merged = add_unknown_variables(&j, &s, report.clone());
    assert_eq!(merged.valid, report.valid);
    assert_eq!(merged.facts, report.facts);
    assert_eq!(merged.diagnostics.len(), before + unknown_variables(&j, &s).len());
    let order: Vec<usize> = merged
        .diagnostics
        .iter()
        .filter_map(|d| d.node.as_ref())
        .map(|n| j.nodes.iter().position(|x| &x.id == n).expect("a node"))
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "node order: {order:?}");
}
