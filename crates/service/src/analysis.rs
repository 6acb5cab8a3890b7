//! The operations that ask the libraries about a journey: validation (itinera-model, plus the
//! templates through itinera-engine), simulation (itinera-sim) and Liquid previews
//! (itinera-engine). Nothing here re-implements
//! their rules; this module only converts the editor's JSON to their inputs and back.

use itinera_engine::check_source;
use itinera_model::Report;
pub use itinera_sim::Cancel;
use itinera_sim::{Detail, RunOptions, Scenario, SimReport, Validated};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;

/// `preview_template` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    validate_journey_with(journey, None)
}

/// [`validate_journey`] against a scenario too: an `unknown_variable` warning for each
/// `contact.*` / `event.*` field a template or condition names that no contact of the scenario
/// has (itinera_sim::variables). Without a scenario, or with one that does not parse (the
/// editor sends the one being edited; `simulate_journey` reports its errors), it is exactly
/// [`validate_journey`].
pub fn validate_journey_with(journey: &Value, scenario: Option<&Value>) -> Report {
    let text = journey_text(journey);
    let (parsed, report) = check_source(&text);
    let (Some(journey), Some(scenario)) = (parsed, scenario.filter(|s| !s.is_null())) else {
        return report;
    };
    match serde_json::to_string(scenario).ok().and_then(|text| Scenario::parse(&text).ok()) {
        Some(scenario) => itinera_sim::variables::add_unknown_variables(&journey, &scenario, report),
        None => report,
    }
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

/// How `simulate_journey` may run: the front door's limits, its way to stop the work and to
/// hear how far it got.
#[derive(Debug, Clone, Default)]
pub struct SimulateOptions {
    /// The most contacts (hand-written plus generated) one call may simulate; more is
    /// [`Error::TooLarge`]. `None`: no limit beyond the scenario format's own.
    pub max_contacts: Option<usize>,
    /// Stops the simulation when cancelled ([`Error::Cancelled`]).
    pub cancel: Option<Cancel>,
    /// Told how far the run is: once the journey is known to be valid (`done` 0), then at most every
    /// [`PROGRESS_INTERVAL`] of work as chunks of contacts finish, and once when every contact
    /// is done. It only listens: the report does not depend on it.
    pub progress: Option<ProgressSink>,
}

/// How far a simulation is (`simulate-progress` events in the app, progress lines over HTTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SimProgress {
    /// Contacts simulated so far (in contact order).
    pub done: usize,
    /// Contacts the run simulates.
    pub total: usize,
    /// Milliseconds since the simulation started (after the journey and scenario were read).
    pub elapsed_ms: u64,
}

/// The shortest time between two progress reports of one run (the first and the last excepted).
pub const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

/// A listener for [`SimProgress`], called from the simulating thread.
#[derive(Clone)]
pub struct ProgressSink(pub std::sync::Arc<dyn Fn(SimProgress) + Send + Sync>);

impl ProgressSink {
    /// Wraps a closure.
    pub fn new(f: impl Fn(SimProgress) + Send + Sync + 'static) -> ProgressSink {
        ProgressSink(std::sync::Arc::new(f))
    }
}

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressSink(..)")
    }
}

/// Reports `(done, total)` to `sink` with the elapsed time, at most every [`PROGRESS_INTERVAL`]
/// (the first and the last report always go out).
struct Throttle<'a> {
    sink: &'a ProgressSink,
    started: std::time::Instant,
    last: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Throttle<'_> {
    fn report(&self, done: usize, total: usize) {
        let now = std::time::Instant::now();
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if done < total && last.is_some_and(|at| now.duration_since(at) < PROGRESS_INTERVAL) {
            return;
        }
        *last = Some(now);
        drop(last);
        let elapsed_ms = u64::try_from(now.duration_since(self.started).as_millis()).unwrap_or(u64::MAX);
        (self.sink.0)(SimProgress { done, total, elapsed_ms });
    }
}

/// `simulate_journey`: runs `scenario` through `journey` on the virtual clock and answers the
/// simulator's report (the shape of `itinera simulate --json`). `contacts = "all"` keeps
/// every contact's steps; without it a generated population's contacts are summarised only.
/// A list of ids simulates those contacts alone (a generated one is generated alone from its
/// index, never the whole population): the report holds just them, with their steps, its
/// summary counts just them, and `"simulated"` says how many contacts were simulated.
pub fn simulate_journey(
    journey: &Value,
    scenario: &Value,
    contacts: Option<&ContactSelection>,
    options: &SimulateOptions,
) -> Result<Value, Error> {
    let (report, followed) = simulate(journey, scenario, contacts, options)?;
    let mut value = serde_json::to_value(&report).map_err(|e| Error::Internal(format!("cannot encode the simulation report: {e}")))?;
    if followed && let Value::Object(map) = &mut value {
        map.insert("simulated".to_owned(), Value::from(report.contacts.len()));
    }
    Ok(value)
}

/// The report of a run that followed chosen contacts: the report plus how many were simulated.
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct Followed<'a> {
    #[serde(flatten)]
    report: &'a SimReport,
    /// How many contacts were simulated (the followed ones, never the population).
    simulated: usize,
}

/// [`simulate_journey`] answering the report's JSON text (what the HTTP transport sends; a large
/// report is never held as a `Value`).
pub fn simulate_journey_json(
    journey: &Value,
    scenario: &Value,
    contacts: Option<&ContactSelection>,
    options: &SimulateOptions,
) -> Result<Vec<u8>, Error> {
    let (report, followed) = simulate(journey, scenario, contacts, options)?;
    let encoded = if followed {
        serde_json::to_vec(&Followed { report: &report, simulated: report.contacts.len() })
    } else {
        serde_json::to_vec(&report)
    };
    encoded.map_err(|e| Error::Internal(format!("cannot encode the simulation report: {e}")))
}

/// The report, and whether it is of chosen contacts only.
fn simulate(
    journey: &Value,
    scenario: &Value,
    contacts: Option<&ContactSelection>,
    options: &SimulateOptions,
) -> Result<(SimReport, bool), Error> {
    // Read and validated here, once: the simulator refuses a journey with errors from this
    // report (after the scenario's own checks below), without validating it again.
    let journey = Validated::read(&journey_text(journey)).map_err(|diagnostics| {
        let first = diagnostics.first().map(|d| d.message.clone()).unwrap_or_default();
        Error::Invalid { message: format!("the journey cannot be read: {first}"), diagnostics }
    })?;
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
    let mut only = None;
    let detail = match contacts {
        Some(ContactSelection::Keyword(word)) if word == "all" => Detail::All,
        Some(ContactSelection::Keyword(other)) => {
            return Err(Error::BadInput(format!("contacts: expected \"all\" or a list of contact ids, got {other:?}")));
        }
        Some(ContactSelection::Ids(ids)) => {
            let mut indices = Vec::with_capacity(ids.len());
            for id in ids {
                let index =
                    scenario.contact_index(id).ok_or_else(|| Error::BadInput(format!("contacts: the scenario has no contact {id:?}")))?;
                // Scenario order, each contact once.
                if let Err(at) = indices.binary_search(&index) {
                    indices.insert(at, index);
                }
            }
            only = Some(indices);
            Detail::Only(ids.clone())
        }
        // A generated population is summarised; its hand-written contacts keep their details.
        None => Detail::hand_written(&scenario),
    };
    let run_options = RunOptions { detail, cancel: options.cancel.clone() };
    let throttle = options.progress.as_ref().map(|sink| Throttle { sink, started: std::time::Instant::now(), last: Default::default() });
    let progress = throttle.as_ref().map(|t| move |done: usize, total: usize| t.report(done, total));
    let progress: Option<&(dyn Fn(usize, usize) + Sync)> = progress.as_ref().map(|p| p as _);
    let result = match &only {
        Some(indices) => itinera_sim::run_only(&journey, &scenario, indices, &run_options, progress),
        None => itinera_sim::run(&journey, &scenario, &run_options, progress),
    };
    let report = result.map_err(|e| {
        let message = e.to_string();
        match e {
            itinera_sim::Error::Invalid(diagnostics) => Error::Invalid { message, diagnostics },
            itinera_sim::Error::Cancelled => Error::Cancelled(format!("the simulation was stopped: {message}")),
            _ => Error::BadInput(message),
        }
    })?;
    Ok((report, only.is_some()))
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
    preview_template_for(template, contact, event, default_timezone, None)
}

/// Where a preview's event sits in a scenario, so that its local times (`"in 2 days at 09:00
/// local"`) read as the simulator reads them.
#[derive(Debug, Clone, Copy)]
pub struct EventTime<'a> {
    /// The scenario's `start` (RFC 3339).
    pub start: &'a str,
    /// The event's `at` (`+2h` after the start, or RFC 3339).
    pub at: &'a str,
}

/// [`preview_template_in`] for a scenario's event: with `event_time`, the event's local times
/// are first resolved in the contact's zone ([`resolve_local_times`]'s `data`).
pub fn preview_template_for(
    template: &str,
    contact: &Value,
    event: &Value,
    default_timezone: Option<&str>,
    event_time: Option<EventTime<'_>>,
) -> Result<Preview, Error> {
    let resolved;
    let event = match (event_time, event) {
        (Some(EventTime { start, at }), Value::Object(_)) => {
            let timezone = contact.get("timezone").and_then(Value::as_str);
            resolved = Value::Object(resolve_local_times(start, at, event, timezone, default_timezone)?.data);
            &resolved
        }
        _ => event,
    };
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

/// `resolve_local_times` result: what an event's data reads as for one contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LocalTimes {
    /// The event's instant (RFC 3339), when `start` and `at` read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub at: Option<String>,
    /// The zone the local times are read in: the contact's, else the journey's default, else UTC.
    pub zone: String,
    /// The data as the simulator puts it in `event.*`: each local time that resolves replaced by
    /// its instant, everything else as written.
    pub data: Map<String, Value>,
    /// Each top-level field written as a local time, by field name.
    pub fields: Vec<itinera_sim::local_time::FieldTime>,
}

/// `resolve_local_times`: an event's data (`"in 2 days at 09:00 local"`, docs/scenario-format.md)
/// read for a contact in `timezone` (else `default_timezone`, else UTC), by the simulator's own
/// parser and rule, so that the scenario editor's note under a field and the inspector's
/// preview show what a simulation will use. A bad `start`/`at`, an unknown zone or a badly
/// written local time is reported on the field, not as an error; data that is not an object is
/// bad input.
pub fn resolve_local_times(
    start: &str,
    at: &str,
    data: &Value,
    timezone: Option<&str>,
    default_timezone: Option<&str>,
) -> Result<LocalTimes, Error> {
    let mut data = match data {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        _ => return Err(Error::BadInput("data: expected an object".into())),
    };
    let zone_name = [timezone, default_timezone].into_iter().flatten().map(str::trim).find(|z| !z.is_empty()).unwrap_or("UTC");
    let zone = jiff::tz::TimeZone::get(zone_name).ok();
    let instant = itinera_sim::scenario::event_instant(start, at);
    let fields =
        itinera_sim::local_time::describe_data(&mut data, instant.as_ref().copied().map_err(String::as_str), zone_name, zone.as_ref());
    Ok(LocalTimes { at: instant.ok().map(|t| t.to_string()), zone: zone_name.to_owned(), data, fields })
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
