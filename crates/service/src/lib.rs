//! # itinera-service: the operations both front doors call
//!
//! The editor reaches the backend through one contract (docs/backend-api.md,
//! mirrored in `ui/src/api`): a dozen commands with snake_case JSON arguments and results. Two
//! transports carry them — Tauri IPC in the desktop app (src-tauri, one-line
//! `#[tauri::command]`s) and HTTP in a browser (crates/server, `POST /api/<command>`) — and
//! both are thin: every command is a function of this crate taking and returning plain
//! serde types, so the two transports cannot drift apart and the behaviour is tested once, here.
//!
//! Design choices:
//! * **The folder is a value.** [`Workspace`] is the folder of journeys the user works in;
//!   file operations are its methods and every file name from outside goes through
//!   [`Workspace::resolve`] (relative, no `..`, right extension, no symlink escape). Switching
//!   folders is the transport's business (a `Mutex<Workspace>` in the app; fixed by `--dir` on
//!   the server).
//! * **Journeys travel as JSON values**, not as `itinera_model::Journey`: the editor must be able
//!   to save and validate a half-built journey and keep fields this version does not know.
//!   Validation turns a wrong shape into a `parse_error` diagnostic rather than a failed call.
//! * **Saved files are canonical** (sorted keys, 2-space indent, final newline) and replaced
//!   atomically, so a folder of journeys diffs well in git and never holds half a file.
//! * **Templates and sample scenarios are embedded** (build.rs `include_str!`s assets/), so the
//!   app and the server need no asset folder at run time.
//! * **One error type**, [`Error`], whose [`ErrorKind`] the transports map to a status and
//!   whose serialized form is the wire error `{"error": "...", "diagnostics"?: [...]}`.
//! * Nothing here reads the wall clock (file modification times are the file system's data) or
//!   draws random numbers; simulation seeds come from the scenario. The one exception is the
//!   Live view ([`LiveEngine`], live.rs): publishing to the bundled engine and pushing a test
//!   event happen *now*, so they read the system clock, outside the interpreter.
//! * **The server API** ([`Api`], api.rs): the operations of `itinera serve`'s `/v1` routes —
//!   bearer-token checks by scope, publishing, contacts, timelines, stats, and events pushed
//!   through one group-committing writer thread (an answer only after its commit).

mod analysis;
mod api;
mod catalog;
mod error;
mod inbound;
mod listing;
mod live;
#[cfg(feature = "http")]
mod remote;
mod workspace;

#[cfg(feature = "ts")]
pub mod ts;

pub use analysis::{
    Cancel, ContactSelection, EventTime, LocalTimes, PROGRESS_INTERVAL, Preview, ProgressSink, SimProgress, SimulateOptions,
    preview_template, preview_template_for, preview_template_in, resolve_local_times, simulate_journey, simulate_journey_json,
    validate_journey, validate_journey_with,
};
pub use api::{
    Api, ApiError, ContactSaved, ContactTimelines, ContactView, EventIn, EventsAccepted, EventsBody, JourneyDetail, JourneySummary,
    MAX_EVENTS_PER_REQUEST, MAX_ID_BYTES, VersionInfo,
};
pub use catalog::{JourneyTemplate, SAMPLES_PREFIX, list_templates};
pub use error::{Error, ErrorKind};
pub use inbound::{Failure, Inbound, InboundAnswer, Raw};
pub use itinera_model::Report;
pub use itinera_runtime::live::{ContactTimeline, EnrollmentPage, LiveCounts, OutboxEntry};
pub use itinera_runtime::stats::JourneyStats;
pub use itinera_runtime::status::VersionReport;
pub use itinera_store::tokens::{Scope, TokenInfo};
pub use live::{DEFAULT_LIMIT, EngineInfo, LiveEngine, NO_ENGINE, PublishAnswer, SentEvent, TestContact, VersionChange};
#[cfg(all(feature = "http", feature = "keyring"))]
pub use remote::KeyringTokens;
#[cfg(feature = "http")]
pub use remote::{
    NoTokens, RemoteServer, ServerArgs, ServerTokens, TokenStore, server_publish, server_stats, server_timeline, server_tokens,
};
pub use workspace::{
    JOURNEY_SUFFIX, JourneyFile, JourneyListing, MAX_FILE_BYTES, MAX_FOLDER_DEPTH, SCENARIO_SUFFIX, SavedFile, ScenarioFile,
    ScenarioListing, Workspace, WorkspaceInfo, revision,
};

use serde::Deserialize;
use serde_json::Value;

/// The argument objects of the commands, exactly as the contract names their keys. Transports
/// that receive one JSON object per call (HTTP) deserialize these; Tauri passes the fields as
/// command parameters.
pub mod args {
    use super::{Deserialize, Value};

    /// `open_folder`.
    #[derive(Debug, Clone, Deserialize)]
    pub struct OpenFolder {
        /// The folder to work in.
        pub dir: String,
    }

    /// `read_journey`, `read_scenario`.
    #[derive(Debug, Clone, Deserialize)]
    pub struct File {
        /// Relative to the folder.
        pub file: String,
    }

    /// `save_journey`. `J` is the journey: a [`Value`] where the transport has parsed it
    /// already (Tauri), its raw text where the transport has the bytes (HTTP), so that numbers
    /// are saved exactly as sent.
    #[derive(Debug, Clone, Deserialize)]
    pub struct SaveJourney<J = Value> {
        /// Relative to the folder, ending in `.journey.json`.
        pub file: String,
        /// The journey's JSON.
        pub journey: J,
        /// The revision the caller read; the save is refused (409) when the file changed since.
        /// `""` means the file must not exist yet. Absent: no check.
        #[serde(default)]
        pub expected: Option<String>,
    }

    /// `save_scenario`, as [`SaveJourney`].
    #[derive(Debug, Clone, Deserialize)]
    pub struct SaveScenario<S = Value> {
        /// Relative to the folder, ending in `.scenario.json`.
        pub file: String,
        /// The scenario's JSON.
        pub scenario: S,
        /// As [`SaveJourney::expected`].
        #[serde(default)]
        pub expected: Option<String>,
    }

    /// `validate_journey`.
    #[derive(Debug, Clone, Deserialize)]
    pub struct ValidateJourney {
        /// The journey's JSON.
        pub journey: Value,
        /// Optional: the scenario whose contacts the journey's variables are checked against
        /// (`unknown_variable` warnings).
        #[serde(default)]
        pub scenario: Option<Value>,
    }

    /// `simulate_journey`.
    #[derive(Debug, Clone, Deserialize)]
    pub struct SimulateJourney {
        /// The journey's JSON.
        pub journey: Value,
        /// The scenario's JSON.
        pub scenario: Value,
        /// `"all"` keeps the steps of every contact, generated ones included; a list of ids
        /// keeps those contacts' steps.
        #[serde(default)]
        pub contacts: Option<crate::ContactSelection>,
    }

    /// `preview_template`.
    #[derive(Debug, Clone, Deserialize)]
    pub struct PreviewTemplate {
        /// Liquid source.
        pub template: String,
        /// Sample contact: attributes plus `id`.
        #[serde(default)]
        pub contact: Value,
        /// Sample trigger event data.
        #[serde(default)]
        pub event: Value,
        /// The journey's `settings.default_timezone`, for dates when the contact names no zone.
        #[serde(default)]
        pub default_timezone: Option<String>,
        /// With `event_at`: the scenario's `start`, so that local times in `event` resolve.
        #[serde(default)]
        pub start: Option<String>,
        /// With `start`: the event's `at` in the scenario (`+2h` or RFC 3339).
        #[serde(default)]
        pub event_at: Option<String>,
    }

    /// `resolve_local_times`.
    #[derive(Debug, Clone, Deserialize)]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[serde(deny_unknown_fields)]
    pub struct ResolveLocalTimes {
        /// The scenario's `start` (RFC 3339).
        pub start: String,
        /// The event's `at` (`+2h` or RFC 3339).
        pub at: String,
        /// The event's data.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(as = "Option<serde_json::Map<String, Value>>", optional))]
        pub data: Value,
        /// The contact's `timezone`.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub timezone: Option<String>,
        /// The journey's `settings.default_timezone`.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub default_timezone: Option<String>,
    }

    /// `publish_journey`. `J` as in [`SaveJourney`].
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PublishJourney<J = Value> {
        /// The journey's JSON (or give `file`).
        #[serde(default)]
        pub journey: Option<J>,
        /// A journey file of the folder (or give `journey`).
        #[serde(default)]
        pub file: Option<String>,
        /// Validate and answer the change impact; store nothing.
        #[serde(default)]
        pub dry_run: bool,
        /// Move contacts waiting at steps the new version keeps to it.
        #[serde(default)]
        pub migrate: bool,
    }

    /// `live_status`.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Journey {
        /// The journey id.
        pub journey: String,
    }

    /// `live_counts`.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct LiveCounts {
        /// The journey id.
        pub journey: String,
        /// The version (default: the latest).
        #[serde(default)]
        pub version: Option<u32>,
    }

    /// `set_version_status`.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct SetVersionStatus {
        /// The journey id.
        pub journey: String,
        /// The version (default: the latest).
        #[serde(default)]
        pub version: Option<u32>,
        /// `active` (resume), `paused` or `archived`.
        pub status: String,
    }

    /// `list_enrollments`.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ListEnrollments {
        /// The journey id.
        pub journey: String,
        /// A part of the contact id.
        #[serde(default)]
        pub search: String,
        /// Rows answered (default 100, at most 1,000).
        #[serde(default)]
        pub limit: Option<usize>,
        /// Rows skipped.
        #[serde(default)]
        pub offset: Option<usize>,
    }

    /// `contact_timeline`.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ContactTimeline {
        /// The journey id.
        pub journey: String,
        /// The contact id.
        pub contact: String,
    }

    /// `send_test_event`.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct SendTestEvent {
        /// The journey id.
        pub journey: String,
        /// The test contact.
        pub contact: crate::TestContact,
        /// The trigger event's data.
        #[serde(default)]
        pub data: Value,
    }

    /// `list_outbox`.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ListOutbox {
        /// The journey id.
        pub journey: String,
        /// Rows answered (default 100, at most 1,000).
        #[serde(default)]
        pub limit: Option<usize>,
    }

    /// `server_tokens`.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ServerTokensArgs {
        /// The server's URL.
        pub url: String,
    }

    /// `server_publish`.
    #[cfg(feature = "http")]
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ServerPublish {
        /// Which server, and the token.
        pub server: crate::ServerArgs,
        /// The journey (the editor's JSON value).
        pub journey: Value,
        /// Only the server's change impact.
        #[serde(default)]
        pub dry_run: bool,
        /// Move contacts waiting at kept steps.
        #[serde(default)]
        pub migrate: bool,
    }

    /// `server_stats`.
    #[cfg(feature = "http")]
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ServerStats {
        /// Which server, and the token.
        pub server: crate::ServerArgs,
        /// The journey id.
        pub journey: String,
    }

    /// `server_timeline`.
    #[cfg(feature = "http")]
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ServerTimeline {
        /// Which server, and the token.
        pub server: crate::ServerArgs,
        /// The contact id.
        pub contact: String,
    }
}
