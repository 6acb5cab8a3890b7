//! The operations that ask the libraries about a journey: validation (itinera-model, plus the
//! templates through itinera-engine), simulation (itinera-sim) and Liquid previews
//! (itinera-engine). Nothing here re-implements
//! their rules; this module only converts the editor's JSON to their inputs and back.

use itinera_engine::check_source;
use itinera_model::Report;
pub use itinera_sim::Cancel;
use itinera_sim::{Detail, RunOptions, Scenario, SimReport};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;

/// `preview_template` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// The rendered text.
    pub text: String,
    /// Variables the template uses that the sample contact or event lacks (`contact.x`).
    pub missing: Vec<String>,
    /// Values a filter could not read and showed as written (a `date` given text that is not
    /// a timestamp), one sentence each.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// `validate_journey`: the model's report for the editor's JSON, plus an `invalid_config` error
/// for each template that cannot compile within the engine's bounds. A value of the wrong shape
/// is a `parse_error` diagnostic naming the field, never an error of the call.
pub fn validate_journey(journey: &Value) -> Report {
    let text = journey_text(journey);
    check_source(&text).1
}

/// The journey as the text the model parses (pretty, so that a `parse_error`'s line points
/// somewhere readable).
fn journey_text(journey: &Value) -> String {
    serde_json::to_string_pretty(journey).unwrap_or_else(|_| "null".to_owned())
}

/// Whose steps and messages `simulate_journey` keeps: `"all"`, or a list of contact ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContactSelection {
    /// A keyword; only `"all"` is known.
    Keyword(String),
    /// These contacts only. Contacts are simulated independently, so each one's trace is the
    /// same as in a run that keeps everybody's: this is how the editor follows one generated
    /// contact of a large population.
    Ids(Vec<String>),
}

/// How `simulate_journey` may run: the front door's limits and its way to stop the work.
#[derive(Debug, Clone, Default)]
pub struct SimulateOptions {
    /// The most contacts (hand-written plus generated) one call may simulate; more is
    /// [`Error::TooLarge`]. `None`: no limit beyond the scenario format's own.
    pub max_contacts: Option<usize>,
    /// Stops the simulation when cancelled ([`Error::Cancelled`]).
    pub cancel: Option<Cancel>,
}

/// `simulate_journey`: runs `scenario` through `journey` on the virtual clock and answers the
/// simulator's report (the shape of `itinera simulate --json`). `contacts = "all"` keeps
/// every contact's steps, a list of ids keeps those contacts' steps; without it a generated
/// population's contacts are summarised only.
pub fn simulate_journey(
    journey: &Value,
    scenario: &Value,
    contacts: Option<&ContactSelection>,
    options: &SimulateOptions,
) -> Result<Value, Error> {
    let report = simulate(journey, scenario, contacts, options)?;
    serde_json::to_value(&report).map_err(|e| Error::Internal(format!("cannot encode the simulation report: {e}")))
}

/// [`simulate_journey`] answering the report's JSON text (what the HTTP transport sends; a large
/// report is never held as a `Value`).
pub fn simulate_journey_json(
    journey: &Value,
    scenario: &Value,
    contacts: Option<&ContactSelection>,
    options: &SimulateOptions,
) -> Result<Vec<u8>, Error> {
    let report = simulate(journey, scenario, contacts, options)?;
    serde_json::to_vec(&report).map_err(|e| Error::Internal(format!("cannot encode the simulation report: {e}")))
}

fn simulate(journey: &Value, scenario: &Value, contacts: Option<&ContactSelection>, options: &SimulateOptions) -> Result<SimReport, Error> {
    let (parsed, report) = check_source(&journey_text(journey));
    let Some(journey) = parsed else {
        let first = report.diagnostics.first().map(|d| d.message.clone()).unwrap_or_default();
        return Err(Error::Invalid { message: format!("the journey cannot be read: {first}"), diagnostics: report.diagnostics });
    };
    let scenario_text = serde_json::to_string_pretty(scenario).unwrap_or_default();
    let scenario = Scenario::parse(&scenario_text).map_err(|e| Error::BadInput(format!("scenario: {e}")))?;
    if let Some(max) = options.max_contacts
        && scenario.contact_count() > max
    {
        return Err(Error::TooLarge(format!(
            "scenario: {} contacts is more than the {max} one simulation may have here (itinera serve --max-sim-contacts)",
            scenario.contact_count()
        )));
    }
    let detail = match contacts {
        Some(ContactSelection::Keyword(word)) if word == "all" => Detail::All,
        Some(ContactSelection::Keyword(other)) => {
            return Err(Error::BadInput(format!("contacts: expected \"all\" or a list of contact ids, got {other:?}")));
        }
        Some(ContactSelection::Ids(ids)) => {
            if let Some(unknown) = ids.iter().find(|id| scenario.contact_index(id).is_none()) {
                return Err(Error::BadInput(format!("contacts: the scenario has no contact {unknown:?}")));
            }
            Detail::Only(ids.clone())
        }
        // A generated population is summarised; its hand-written contacts keep their details.
        None => Detail::hand_written(&scenario),
    };
    itinera_sim::run(&journey, &scenario, &RunOptions { detail, cancel: options.cancel.clone() }, None).map_err(|e| {
        let message = e.to_string();
        match e {
            itinera_sim::Error::Invalid(diagnostics) => Error::Invalid { message, diagnostics },
            itinera_sim::Error::Cancelled => Error::Cancelled(format!("the simulation was stopped: {message}")),
            _ => Error::BadInput(message),
        }
    })
}

/// `preview_template`: renders a Liquid template against a sample contact (its attributes plus
/// `id`) and trigger event with the engine's own renderer — the one that renders real messages —
/// so the preview cannot disagree with what a contact receives, bounds included. A Liquid syntax
/// error, a forbidden tag or filter, or a render that hits a bound (a loop too long, a value or
/// output too large) is bad input with one sentence naming it; `null` contact or event means none.
pub fn preview_template(template: &str, contact: &Value, event: &Value) -> Result<Preview, Error> {
    preview_template_in(template, contact, event, None)
}

/// [`preview_template`] with dates as a message to this contact would write them: in the
/// contact's `timezone` (a field of the sample contact, like `id`, not an attribute), else
/// `default_timezone` (the journey's), else UTC; day and month names in its `locale` attribute.
/// An unknown `default_timezone` is bad input. `now` has no time in a preview.
pub fn preview_template_in(template: &str, contact: &Value, event: &Value, default_timezone: Option<&str>) -> Result<Preview, Error> {
    let mut attributes = match contact {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        _ => {
            return Err(Error::BadInput("contact: expected an object of attributes".into()));
        }
    };
    let id = match attributes.remove("id") {
        Some(Value::String(id)) => id,
        Some(Value::Number(n)) => n.to_string(),
        _ => "preview".to_owned(),
    };
    let event = match event {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        _ => return Err(Error::BadInput("event: expected an object".into())),
    };
    let compiled = itinera_engine::template::Template::compile(template).map_err(|e| Error::BadInput(format!("template: {e}")))?;
    let timezone = match attributes.remove("timezone") {
        Some(Value::String(zone)) => Some(zone),
        _ => None,
    };
    let default_zone = match default_timezone.map(str::trim).filter(|z| !z.is_empty()) {
        Some(name) => {
            jiff::tz::TimeZone::get(name).map_err(|_| Error::BadInput(format!("default_timezone: unknown time zone `{name}`")))?
        }
        None => jiff::tz::TimeZone::UTC,
    };
    let contact = itinera_engine::Contact { id, timezone, attributes, ..Default::default() };
    let context = itinera_engine::RenderContext::for_contact(&contact, &default_zone, None);
    let rendered = compiled
        .render_in(&contact, &event, &context, itinera_engine::template::limits::MAX_OUTPUT_BYTES)
        .map_err(|e| Error::BadInput(format!("template: {e}")))?;
    Ok(Preview { text: rendered.text, missing: rendered.missing, problems: rendered.problems })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn preview_stops_at_every_bound_with_one_sentence() {
        let cases = [
            ("{% for i in (1..100000000) %}x{% endfor %}", "template: a loop would run over 100000000 items, more than the 1000 allowed"),
            (
                "{% for i in (1..9223372036854775807) %}x{% endfor %}",
                "template: a loop would run over 9223372036854775807 items, more than the 1000 allowed",
            ),
            (
                "{% assign s = \"x\" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}",
                "template: a value would grow past 65536 bytes",
            ),
            ("{% capture x %}{% endcapture %}", "template: the tag `capture` is not allowed in templates"),
        ];
        for (template, message) in cases {
            match preview_template(template, &json!({"first_name": "Ana"}), &Value::Null) {
                Err(Error::BadInput(m)) => assert!(m.starts_with(message), "{m}"),
                other => panic!("{template}: {other:?}"),
            }
        }
        let deep = format!("{}x{}", "{% if true %}".repeat(1_200), "{% endif %}".repeat(1_200));
        assert!(
            matches!(preview_template(&deep, &Value::Null, &Value::Null), Err(Error::BadInput(m)) if m.contains("nested more than 16 deep"))
        );
    }

    #[test]
    fn validation_reports_templates_the_model_cannot_read() {
        let journey = json!({
            "format": "itinera/journey@1", "id": "j", "name": "J",
            "nodes": [
                {"id": "start", "type": "trigger", "event": "signed_up"},
                {"id": "msg", "type": "send", "channel": "sms", "text": "{{ contact.x | shout }}"},
                {"id": "done", "type": "exit"}
            ],
            "edges": [{"from": "start", "to": "msg"}, {"from": "msg", "to": "done"}]
        });
        let report = validate_journey(&journey);
        assert!(!report.valid);
        let d = &report.diagnostics[0];
        assert_eq!((d.code, d.node.as_deref(), d.field.as_deref()), (itinera_model::Code::InvalidConfig, Some("msg"), Some("text")));
    }
}
