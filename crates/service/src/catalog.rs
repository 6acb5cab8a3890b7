//! What ships inside the binary: the template journeys of assets/journeys and the sample
//! scenarios of assets/scenarios (embedded by build.rs with `include_str!`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::listing::{JOURNEY_SUFFIX, SCENARIO_SUFFIX, ScenarioListing, scenario_listing};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The folder prefix under which samples are listed and read.
pub const SAMPLES_PREFIX: &str = "samples/";

/// The gallery order: the lifecycle journeys of the seed article, then any other template by name.
const GALLERY_ORDER: &[&str] = &["appointment-reminder", "lead-qualification", "onboarding", "post-purchase", "re-engagement"];

/// One sentence per known template, used when the file has no `description` field.
const DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "appointment-reminder",
        "SMS confirmation on booking, a WhatsApp reminder with Confirm / Reschedule buttons 24 h before, SMS fallback when WhatsApp fails or nobody answers.",
    ),
    ("lead-qualification", "Qualify a new lead with a few WhatsApp questions, route hot leads to sales and nurture the rest."),
    ("onboarding", "Welcome a new customer, guide the first steps and nudge the ones who get stuck."),
    ("post-purchase", "Thank the buyer, follow the delivery, ask for a review and offer help when something went wrong."),
    ("re-engagement", "Win back contacts who went quiet with a personal message, an offer and a graceful goodbye."),
];

/// One card of the template gallery (`list_templates`): a template *journey*, not to be
/// confused with a Liquid message template (`itinera_engine::Template`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JourneyTemplate {
    /// The journey's `id`.
    pub id: String,
    /// The journey's `name`.
    pub name: String,
    /// One sentence saying what it does.
    pub description: String,
    /// The file name in assets/journeys.
    pub file: String,
    /// The journey's JSON.
    #[cfg_attr(feature = "ts", ts(as = "itinera_model::Journey"))]
    pub journey: Value,
}

/// `list_templates`: every embedded template journey, in gallery order.
pub fn list_templates() -> Result<Vec<JourneyTemplate>, Error> {
    let mut templates = Vec::with_capacity(embedded::TEMPLATE_FILES.len());
    for (file, text) in embedded::TEMPLATE_FILES {
        let journey: Value =
            serde_json::from_str(text).map_err(|e| Error::Internal(format!("embedded template {file}: line {}: {e}", e.line())))?;
        let stem = file.trim_end_matches(JOURNEY_SUFFIX);
        let text_field = |key: &str| journey.get(key).and_then(Value::as_str).map(str::to_owned);
        let id = text_field("id").unwrap_or_else(|| stem.to_owned());
        let name = text_field("name").unwrap_or_else(|| id.clone());
        let description = text_field("description")
            .or_else(|| DESCRIPTIONS.iter().find(|(known, _)| *known == id).map(|(_, d)| (*d).to_owned()))
            .unwrap_or_default();
        templates.push(JourneyTemplate { id, name, description, file: (*file).to_owned(), journey });
    }
    templates.sort_by_key(|t| (GALLERY_ORDER.iter().position(|id| *id == t.id).unwrap_or(GALLERY_ORDER.len()), t.id.clone()));
    Ok(templates)
}

/// Every embedded sample scenario, listed as `samples/NAME.scenario.json`.
pub(crate) fn sample_scenarios() -> Result<Vec<ScenarioListing>, Error> {
    embedded::SAMPLE_SCENARIO_FILES
        .iter()
        .map(|(file, text)| {
            let scenario = parse_sample(file, text)?;
            Ok(scenario_listing(format!("{SAMPLES_PREFIX}{file}"), scenario, true))
        })
        .collect()
}

/// The embedded sample that `file` (`samples/NAME.scenario.json`) names, if any.
pub(crate) fn sample_scenario(file: &str) -> Option<Result<Value, Error>> {
    let name = file.strip_prefix(SAMPLES_PREFIX)?;
    if !name.ends_with(SCENARIO_SUFFIX) {
        return None;
    }
    let (file, text) = embedded::SAMPLE_SCENARIO_FILES.iter().find(|(f, _)| *f == name)?;
    Some(parse_sample(file, text))
}

fn parse_sample(file: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("embedded scenario {file}: line {}: {e}", e.line())))
}
