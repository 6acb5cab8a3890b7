//! What a folder listing says about files, shared by the folder ([`crate::workspace`]) and the
//! samples built into the binary ([`crate::catalog`]): the file kinds and a scenario's row. The
//! folder lists the samples beside its own files, so it depends on the catalog, and both on this;
//! nothing here depends on either.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The extension of journey files.
pub const JOURNEY_SUFFIX: &str = ".journey.json";
/// The extension of scenario files.
pub const SCENARIO_SUFFIX: &str = ".scenario.json";

/// One row of `list_scenarios`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScenarioListing {
    /// Relative to the folder; samples are `samples/NAME.scenario.json`.
    pub file: String,
    /// The scenario's `name` field, else the file name without extension.
    pub name: String,
    /// The journey it is written for: its `journey` field, or for a sample the file's stem.
    pub journey_id: Option<String>,
    /// True for the samples embedded in the binary.
    pub sample: bool,
    /// The scenario's JSON.
    #[cfg_attr(feature = "ts", ts(type = "Scenario"))]
    pub scenario: Value,
}

/// A `list_scenarios` row.
pub(crate) fn scenario_listing(file: String, scenario: Value, sample: bool) -> ScenarioListing {
    let stem = file.rsplit('/').next().unwrap_or(&file).trim_end_matches(SCENARIO_SUFFIX).to_owned();
    let name = scenario.get("name").and_then(Value::as_str).map_or_else(|| stem.clone(), str::to_owned);
    let journey_id = scenario.get("journey").and_then(Value::as_str).map(str::to_owned).or_else(|| sample.then_some(stem));
    ScenarioListing { file, name, journey_id, sample, scenario }
}
