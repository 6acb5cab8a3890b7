//! TypeScript declarations of the commands' answers and arguments (feature `ts`), written to the
//! editor by `scripts/gen-types` (see `itinera_model::ts`).

use itinera_model::Diagnostic;
use itinera_model::ts::Declarations;
use ts_rs::TS;

use crate::args::ResolveLocalTimes;
use crate::{
    EngineInfo, JourneyFile, JourneyListing, JourneyTemplate, LocalTimes, Preview, PublishAnswer, SavedFile, ScenarioFile, ScenarioListing,
    SentEvent, SimProgress, TestContact, VersionChange, WorkspaceInfo,
};

/// The error body of a failed command (HTTP 4xx/5xx or a rejected Tauri invoke). The one type
/// here that is not the Rust type itself, because `Error` serializes by hand: the test below holds
/// the two to the same keys.
#[derive(TS)]
#[allow(dead_code)]
struct CommandErrorBody {
    /// One sentence for people.
    error: String,
    /// For a journey that is not valid: every diagnostic.
    #[ts(optional)]
    diagnostics: Option<Vec<Diagnostic>>,
}

/// This crate's wire types: the commands' answers and arguments.
pub fn declare(d: &mut Declarations) {
    d.add::<WorkspaceInfo>();
    d.add::<JourneyListing>();
    d.add::<JourneyFile>();
    d.add::<SavedFile>();
    d.add::<ScenarioListing>();
    d.add::<ScenarioFile>();
    d.add::<JourneyTemplate>();
    d.add::<Preview>();
    d.add::<ResolveLocalTimes>();
    d.add::<LocalTimes>();
    d.add::<crate::analysis::Followed<'static>>();
    d.add::<SimProgress>();
    d.add::<CommandErrorBody>();
    d.add::<EngineInfo>();
    d.add::<PublishAnswer>();
    d.add::<VersionChange>();
    d.add::<TestContact>();
    d.add::<SentEvent>();
    #[cfg(feature = "http")]
    {
        d.add::<crate::ServerArgs>();
        d.add::<crate::ServerTokens>();
    }
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
        let body = itinera_model::ts::declaration::<CommandErrorBody>(Declarations::new().config());
        assert!(body.contains("error: string") && body.contains("diagnostics?: Array<Diagnostic>"), "{body}");
    }
}
