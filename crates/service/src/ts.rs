//! TypeScript declarations of the commands' answers and arguments (feature `ts`), written to the
//! editor by `scripts/gen-types` (see `itinera_model::ts`).

use itinera_model::Diagnostic;
use itinera_model::ts::declaration;
use itinera_sim::SimReport;
use ts_rs::{Config, TS};

use crate::args::ResolveLocalTimes;
use crate::{
    EngineInfo, JourneyFile, JourneyListing, JourneyTemplate, LocalTimes, Preview, PublishAnswer, SavedFile, ScenarioFile, ScenarioListing,
    SentEvent, SimProgress, TestContact, VersionChange, WorkspaceInfo,
};

/// `simulate_journey`'s answer: the report, plus `simulated` when chosen contacts were followed
/// (the `Followed` wrapper of analysis.rs).
#[derive(TS)]
#[allow(dead_code)]
struct SimulateAnswer {
    #[ts(flatten)]
    report: SimReport,
    /// Present when chosen contacts were followed: how many were simulated (never the population).
    #[ts(optional)]
    simulated: Option<usize>,
}

/// The error body of a failed command (HTTP 4xx/5xx or a rejected Tauri invoke): what
/// `Error`'s `Serialize` writes.
#[derive(TS)]
#[allow(dead_code)]
struct CommandErrorBody {
    /// One sentence for people.
    error: String,
    /// For a journey that is not valid: every diagnostic.
    #[ts(optional)]
    diagnostics: Option<Vec<Diagnostic>>,
}

/// The declarations of this crate's wire types, in a fixed order.
pub fn declarations(cfg: &Config) -> Vec<String> {
    let mut out = vec![
        declaration::<WorkspaceInfo>(cfg),
        declaration::<JourneyListing>(cfg),
        declaration::<JourneyFile>(cfg),
        declaration::<SavedFile>(cfg),
        declaration::<ScenarioListing>(cfg),
        declaration::<ScenarioFile>(cfg),
        declaration::<JourneyTemplate>(cfg),
        declaration::<Preview>(cfg),
        declaration::<ResolveLocalTimes>(cfg),
        declaration::<LocalTimes>(cfg),
        declaration::<SimulateAnswer>(cfg),
        declaration::<SimProgress>(cfg),
        declaration::<CommandErrorBody>(cfg),
        declaration::<EngineInfo>(cfg),
        declaration::<PublishAnswer>(cfg),
        declaration::<VersionChange>(cfg),
        declaration::<TestContact>(cfg),
        declaration::<SentEvent>(cfg),
    ];
    #[cfg(feature = "http")]
    out.extend([declaration::<crate::ServerArgs>(cfg), declaration::<crate::ServerTokens>(cfg)]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_body_has_the_keys_an_error_serializes() {
        let error = crate::Error::Invalid { message: "not valid".into(), diagnostics: vec![] };
        let value = serde_json::to_value(&error).unwrap();
        let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["diagnostics", "error"]);
        let body = declaration::<CommandErrorBody>(&itinera_model::ts::config());
        assert!(body.contains("error: string") && body.contains("diagnostics?: Array<Diagnostic>"), "{body}");
    }
}
