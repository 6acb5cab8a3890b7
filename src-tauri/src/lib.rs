//! # itinera-desktop: the Tauri 2 shell
//!
//! The desktop app is the editor (ui/, React) in a native window, talking to the Rust backend
//! over Tauri IPC. This crate is deliberately thin: each `#[tauri::command]` below is a one-line
//! delegation to `itinera_service`, the same functions the HTTP server (crates/server) exposes
//! as `POST /api/<command>`, so the desktop app and the browser build cannot behave differently.
//! Argument names stay snake_case on the wire (`rename_all = "snake_case"`), as the contract
//! says, and a failure rejects the `invoke` promise with the service's wire error
//! `{"error", "diagnostics"?}`.
//!
//! State: the folder the user works in, a [`Workspace`] in a `Mutex`. It starts at
//! `$ITINERA_DIR`, else `~/Itinera` (created empty when missing); `open_folder` (called by the
//! editor after the native folder dialog of `tauri-plugin-dialog`) replaces it. And the bundled
//! engine ([`Live`]): `<app data dir>/engine.db` (`$ITINERA_ENGINE_DB` overrides), opened when
//! the app starts, with the durable engine running on Tauri's async runtime (messages recorded
//! to `engine.db.records.jsonl`), stopped when the app exits. The Live view shows the path.
//!
//! Commands are `async` so that they run on Tauri's async runtime instead of the main (UI)
//! thread; the simulation, which is CPU-bound, additionally runs on the blocking pool.
//!
//! tauri.conf.json and capabilities/ are at the repository root (build.rs runs tauri-build from
//! there). `cargo build` alone loads the Vite dev server (`devUrl`); build with
//! `--features tauri/custom-protocol` to embed ui/dist.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use itinera_service::{
    Cancel, ContactSelection, ContactTimeline, EngineInfo, EnrollmentPage, Error, JourneyFile, JourneyListing, JourneyTemplate,
    KeyringTokens, LiveCounts, LiveEngine, LocalTimes, NO_ENGINE, OutboxEntry, Preview, ProgressSink, PublishAnswer, Report, SavedFile,
    ScenarioFile, ScenarioListing, SentEvent, ServerArgs, ServerTokens, SimProgress, SimulateOptions, TestContact, VersionChange,
    VersionReport, Workspace, WorkspaceInfo,
};
use serde_json::Value;
use tauri::{Emitter, Manager, State};

/// The app's state: the current folder.
pub struct Folder(Mutex<Workspace>);

impl Folder {
    /// Starts on `workspace`.
    pub fn new(workspace: Workspace) -> Folder {
        Folder(Mutex::new(workspace))
    }

    /// A copy of the current folder (cheap: a path), so no lock is held during file I/O.
    fn current(&self) -> Result<Workspace, Error> {
        self.0.lock().map(|w| w.clone()).map_err(|_| Error::Internal("the folder state is poisoned".into()))
    }

    /// Switches to `workspace` and describes it.
    fn replace(&self, workspace: Workspace) -> Result<WorkspaceInfo, Error> {
        let info = workspace.info(true);
        *self.0.lock().map_err(|_| Error::Internal("the folder state is poisoned".into()))? = workspace;
        Ok(info)
    }
}

/// The app's state: the bundled engine, once it started (or why it could not).
#[derive(Default)]
pub struct Live {
    engine: OnceLock<LiveEngine>,
    failed: OnceLock<String>,
}

impl Live {
    /// The engine, or the reason there is none.
    fn get(&self) -> Result<&LiveEngine, Error> {
        self.engine.get().ok_or_else(|| Error::NotAllowed(self.failed.get().cloned().unwrap_or_else(|| NO_ENGINE.to_string())))
    }

    fn info(&self) -> EngineInfo {
        self.engine.get().map_or_else(EngineInfo::none, LiveEngine::info)
    }

    /// Opens `db` and starts the engine on Tauri's async runtime.
    fn start(&self, db: PathBuf) {
        let started = tauri::async_runtime::block_on(async move { LiveEngine::start(db) });
        match started {
            Ok((engine, _note)) => {
                let _ = self.engine.set(engine);
            }
            Err(error) => {
                eprintln!("itinera-desktop: the bundled engine did not start: {error}");
                let _ = self.failed.set(format!("the bundled engine did not start: {error}"));
            }
        }
    }

    /// Stops the engine (at most two seconds).
    fn stop(&self) {
        if let Some(engine) = self.engine.get() {
            let _ = tauri::async_runtime::block_on(engine.stop());
        }
    }
}

/// The folder the app starts on: `$ITINERA_DIR`, else `~/Itinera`, else `./Itinera`.
pub fn default_folder() -> PathBuf {
    if let Some(dir) = std::env::var_os("ITINERA_DIR") {
        return PathBuf::from(dir);
    }
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join("Itinera")
}

#[tauri::command(rename_all = "snake_case")]
async fn workspace_info(folder: State<'_, Folder>) -> Result<WorkspaceInfo, Error> {
    Ok(folder.current()?.info(true))
}

#[tauri::command(rename_all = "snake_case")]
async fn open_folder(folder: State<'_, Folder>, dir: String) -> Result<WorkspaceInfo, Error> {
    folder.replace(Workspace::open(&dir)?)
}

#[tauri::command(rename_all = "snake_case")]
async fn list_journeys(folder: State<'_, Folder>) -> Result<Vec<JourneyListing>, Error> {
    folder.current()?.list_journeys()
}

#[tauri::command(rename_all = "snake_case")]
async fn list_templates() -> Result<Vec<JourneyTemplate>, Error> {
    itinera_service::list_templates()
}

#[tauri::command(rename_all = "snake_case")]
async fn read_journey(folder: State<'_, Folder>, file: String) -> Result<JourneyFile, Error> {
    folder.current()?.read_journey(&file)
}

#[tauri::command(rename_all = "snake_case")]
async fn save_journey(folder: State<'_, Folder>, file: String, journey: Value, expected: Option<String>) -> Result<SavedFile, Error> {
    folder.current()?.save_journey(&file, &journey, expected.as_deref())
}

#[tauri::command(rename_all = "snake_case")]
async fn validate_journey(journey: Value, scenario: Option<Value>) -> Result<Report, Error> {
    Ok(itinera_service::validate_journey_with(&journey, scenario.as_ref()))
}

/// The app's state: the cancel flag of each simulation running under a `run_id`.
#[derive(Default)]
pub struct Simulations(Mutex<HashMap<String, Cancel>>);

impl Simulations {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cancel>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Emits `simulate-progress` events while it runs; `run_id` names the run for `cancel_simulation`.
#[tauri::command(rename_all = "snake_case")]
async fn simulate_journey<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    simulations: State<'_, Simulations>,
    journey: Value,
    scenario: Value,
    contacts: Option<ContactSelection>,
    run_id: Option<String>,
) -> Result<Value, Error> {
    let cancel = Cancel::new();
    if let Some(id) = &run_id {
        simulations.lock().insert(id.clone(), cancel.clone());
    }
    let run = run_id.clone();
    let progress = ProgressSink::new(move |p: SimProgress| {
        let payload = serde_json::json!({"run": run, "done": p.done, "total": p.total, "elapsed_ms": p.elapsed_ms});
        let _ = app.emit("simulate-progress", payload);
    });
    let options = SimulateOptions { cancel: Some(cancel), progress: Some(progress), ..Default::default() };
    let outcome =
        tauri::async_runtime::spawn_blocking(move || itinera_service::simulate_journey(&journey, &scenario, contacts.as_ref(), &options))
            .await;
    if let Some(id) = &run_id {
        simulations.lock().remove(id);
    }
    outcome.map_err(|e| Error::Internal(format!("the simulation failed: {e}")))?
}

/// Stops the simulation running under `run_id` (its `simulate_journey` then fails as cancelled);
/// an unknown or finished run is not an error.
#[tauri::command(rename_all = "snake_case")]
async fn cancel_simulation(simulations: State<'_, Simulations>, run_id: String) -> Result<(), Error> {
    if let Some(cancel) = simulations.lock().remove(&run_id) {
        cancel.cancel();
    }
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
async fn list_scenarios(folder: State<'_, Folder>) -> Result<Vec<ScenarioListing>, Error> {
    folder.current()?.list_scenarios()
}

#[tauri::command(rename_all = "snake_case")]
async fn read_scenario(folder: State<'_, Folder>, file: String) -> Result<ScenarioFile, Error> {
    folder.current()?.read_scenario(&file)
}

#[tauri::command(rename_all = "snake_case")]
async fn save_scenario(folder: State<'_, Folder>, file: String, scenario: Value, expected: Option<String>) -> Result<SavedFile, Error> {
    folder.current()?.save_scenario(&file, &scenario, expected.as_deref())
}

#[tauri::command(rename_all = "snake_case")]
async fn preview_template(
    template: String,
    contact: Option<Value>,
    event: Option<Value>,
    default_timezone: Option<String>,
    start: Option<String>,
    event_at: Option<String>,
) -> Result<Preview, Error> {
    let event_time = start.as_deref().zip(event_at.as_deref()).map(|(start, at)| itinera_service::EventTime { start, at });
    itinera_service::preview_template_for(
        &template,
        &contact.unwrap_or(Value::Null),
        &event.unwrap_or(Value::Null),
        default_timezone.as_deref(),
        event_time,
    )
}

#[tauri::command(rename_all = "snake_case")]
async fn resolve_local_times(
    start: String,
    at: String,
    data: Option<Value>,
    timezone: Option<String>,
    default_timezone: Option<String>,
) -> Result<LocalTimes, Error> {
    itinera_service::resolve_local_times(&start, &at, &data.unwrap_or(Value::Null), timezone.as_deref(), default_timezone.as_deref())
}

#[tauri::command(rename_all = "snake_case")]
async fn engine_info(live: State<'_, Live>) -> Result<EngineInfo, Error> {
    Ok(live.info())
}

#[tauri::command(rename_all = "snake_case")]
async fn publish_journey(
    live: State<'_, Live>,
    folder: State<'_, Folder>,
    journey: Option<Value>,
    file: Option<String>,
    dry_run: Option<bool>,
    migrate: Option<bool>,
) -> Result<PublishAnswer, Error> {
    live.get()?.publish(
        &folder.current()?,
        file.as_deref(),
        journey.map(|j| j.to_string()).as_deref(),
        dry_run.unwrap_or(false),
        migrate.unwrap_or(false),
    )
}

#[tauri::command(rename_all = "snake_case")]
async fn live_status(live: State<'_, Live>, journey: String) -> Result<Vec<VersionReport>, Error> {
    live.get()?.live_status(&journey)
}

#[tauri::command(rename_all = "snake_case")]
async fn live_counts(live: State<'_, Live>, journey: String, version: Option<u32>) -> Result<LiveCounts, Error> {
    live.get()?.live_counts(&journey, version)
}

#[tauri::command(rename_all = "snake_case")]
async fn set_version_status(live: State<'_, Live>, journey: String, version: Option<u32>, status: String) -> Result<VersionChange, Error> {
    live.get()?.set_version_status(&journey, version, &status)
}

#[tauri::command(rename_all = "snake_case")]
async fn list_enrollments(
    live: State<'_, Live>,
    journey: String,
    search: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
) -> Result<EnrollmentPage, Error> {
    live.get()?.list_enrollments(&journey, search.as_deref().unwrap_or(""), limit, offset)
}

#[tauri::command(rename_all = "snake_case")]
async fn contact_timeline(live: State<'_, Live>, journey: String, contact: String) -> Result<ContactTimeline, Error> {
    live.get()?.contact_timeline(&journey, &contact)
}

#[tauri::command(rename_all = "snake_case")]
async fn send_test_event(live: State<'_, Live>, journey: String, contact: TestContact, data: Option<Value>) -> Result<SentEvent, Error> {
    live.get()?.send_test_event(&journey, &contact, &data.unwrap_or(Value::Null))
}

#[tauri::command(rename_all = "snake_case")]
async fn list_outbox(live: State<'_, Live>, journey: String, limit: Option<usize>) -> Result<Vec<OutboxEntry>, Error> {
    live.get()?.list_outbox(&journey, limit)
}

// ---- a server's /v1 API: publish to it, read its stats and timelines (tokens in the keyring) ----

#[tauri::command(rename_all = "snake_case")]
async fn server_tokens(url: String) -> Result<ServerTokens, Error> {
    Ok(itinera_service::server_tokens(&KeyringTokens, &url))
}

#[tauri::command(rename_all = "snake_case")]
async fn server_publish(server: ServerArgs, journey: Value, dry_run: Option<bool>, migrate: Option<bool>) -> Result<Value, Error> {
    blocking(move || itinera_service::server_publish(&KeyringTokens, &server, &journey, dry_run.unwrap_or(false), migrate.unwrap_or(false)))
        .await
}

#[tauri::command(rename_all = "snake_case")]
async fn server_stats(server: ServerArgs, journey: String) -> Result<Value, Error> {
    blocking(move || itinera_service::server_stats(&KeyringTokens, &server, &journey)).await
}

#[tauri::command(rename_all = "snake_case")]
async fn server_timeline(server: ServerArgs, contact: String) -> Result<Value, Error> {
    blocking(move || itinera_service::server_timeline(&KeyringTokens, &server, &contact)).await
}

/// Runs blocking work (a call to a server) off the async runtime.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(|e| Error::Internal(e.to_string()))?
}

/// The engine's database: `$ITINERA_ENGINE_DB`, else `engine.db` in the app's data folder.
fn engine_db<R: tauri::Runtime>(app: &tauri::App<R>) -> Result<PathBuf, String> {
    if let Some(db) = std::env::var_os("ITINERA_ENGINE_DB") {
        return Ok(PathBuf::from(db));
    }
    let dir = app.path().app_data_dir().map_err(|e| format!("no app data folder: {e}"))?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir.join("engine.db"))
}

/// Adds to `builder` (the real one, or `tauri::test::mock_builder()` in tests) the plugins, the
/// state on `folder`, the bundled engine and every command of the contract. The engine starts
/// on `engine` at once when given (tests), else on [`engine_db`] when the app is set up.
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>, folder: Workspace, engine: Option<PathBuf>) -> tauri::Builder<R> {
    let live = Live::default();
    let later = engine.is_none();
    if let Some(db) = engine {
        live.start(db);
    }
    builder
        .plugin(tauri_plugin_dialog::init())
        .manage(Folder::new(folder))
        .manage(live)
        .manage(Simulations::default())
        .setup(move |app| {
            if later {
                let live = app.state::<Live>();
                match engine_db(app) {
                    Ok(db) => live.start(db),
                    Err(why) => {
                        eprintln!("itinera-desktop: the bundled engine did not start: {why}");
                        let _ = live.failed.set(format!("the bundled engine did not start: {why}"));
                    }
                }
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            workspace_info,
            open_folder,
            list_journeys,
            list_templates,
            read_journey,
            save_journey,
            validate_journey,
            simulate_journey,
            cancel_simulation,
            list_scenarios,
            read_scenario,
            save_scenario,
            preview_template,
            resolve_local_times,
            engine_info,
            publish_journey,
            live_status,
            live_counts,
            set_version_status,
            list_enrollments,
            contact_timeline,
            send_test_event,
            list_outbox,
            server_tokens,
            server_publish,
            server_stats,
            server_timeline,
        ])
}

/// Opens the app window on the default folder; exits with a message when that folder cannot
/// be created or the window cannot open.
pub fn run() {
    let dir = default_folder();
    let folder = match Workspace::open_or_create(&dir) {
        Ok(folder) => folder,
        Err(error) => {
            eprintln!("itinera-desktop: cannot use the folder {}: {error}", dir.display());
            std::process::exit(2);
        }
    };
    let app = match with_commands(tauri::Builder::default(), folder, None).build(tauri::generate_context!("../tauri.conf.json")) {
        Ok(app) => app,
        Err(error) => {
            eprintln!("itinera-desktop: {error}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            app.state::<Live>().stop();
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;

    use super::*;

    fn invoke(webview: &tauri::WebviewWindow<tauri::test::MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("a valid URL"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(webview, request).map(|body| body.deserialize::<Value>().expect("JSON answer"))
    }

    #[test]
    fn a_simulation_under_a_run_id_emits_its_progress_and_an_unknown_run_cancels_nothing() {
        use tauri::Listener;
        let dir = std::env::temp_dir().join(format!("itinera-desktop-sim-{}", std::process::id()));
        let folder = Workspace::open_or_create(&dir).expect("temp folder");
        let app =
            with_commands(mock_builder(), folder, Some(dir.join("engine.db"))).build(mock_context(noop_assets())).expect("the app builds");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("a window");
        let heard: std::sync::Arc<Mutex<Vec<Value>>> = Default::default();
        let sink = heard.clone();
        app.listen_any("simulate-progress", move |event| {
            if let Ok(payload) = serde_json::from_str::<Value>(event.payload()) {
                sink.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(payload);
            }
        });
        let templates = invoke(&webview, "list_templates", json!({})).expect("list_templates");
        let journey = templates[0]["journey"].clone();
        let scenario = json!({"format": "itinera/scenario@1", "start": "2026-03-01T09:00:00Z", "run_for": "7d",
            "population": {"count": 3000, "attributes": {}}});
        let report = invoke(&webview, "simulate_journey", json!({"journey": journey, "scenario": scenario, "run_id": "r1"}))
            .expect("simulate_journey");
        assert_eq!(report["summary"]["contacts"], json!(3000));
        let heard = heard.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        assert_eq!(heard.first().map(|p| (p["run"].clone(), p["done"].clone())), Some((json!("r1"), json!(0))), "{heard:?}");
        assert_eq!(heard.last().map(|p| (p["done"].clone(), p["total"].clone())), Some((json!(3000), json!(3000))), "{heard:?}");
        assert_eq!(invoke(&webview, "cancel_simulation", json!({"run_id": "nobody"})).expect("cancel_simulation"), Value::Null);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn commands_answer_through_the_real_ipc_path() {
        let dir = std::env::temp_dir().join(format!("itinera-desktop-test-{}", std::process::id()));
        let folder = Workspace::open_or_create(&dir).expect("temp folder");
        let app =
            with_commands(mock_builder(), folder, Some(dir.join("engine.db"))).build(mock_context(noop_assets())).expect("the app builds");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("a window");

        let info = invoke(&webview, "workspace_info", json!({})).expect("workspace_info");
        assert_eq!(info["desktop"], json!(true));

        let templates = invoke(&webview, "list_templates", json!({})).expect("list_templates");
        let journey = templates[0]["journey"].clone();
        let report = invoke(&webview, "validate_journey", json!({"journey": journey})).expect("validate_journey");
        assert_eq!(report["valid"], json!(true), "{report}");

        let mut broken = journey.clone();
        broken["edges"] = json!([]);
        let report = invoke(&webview, "validate_journey", json!({"journey": broken})).expect("validate_journey");
        assert_eq!(report["valid"], json!(false));

        // snake_case argument names, and the service's wire error on failure.
        let saved = invoke(&webview, "save_journey", json!({"file": "sub/a.journey.json", "journey": journey})).expect("saves");
        assert_eq!(saved["file"], "sub/a.journey.json");
        assert!(dir.join("sub/a.journey.json").is_file());
        let error = invoke(&webview, "read_journey", json!({"file": "../a.journey.json"})).expect_err("refused");
        assert!(error["error"].as_str().is_some_and(|m| m.contains("not allowed")), "{error}");

        // The preview writes dates as the message would: in the journey's default zone when the
        // sample contact names none.
        let args = json!({"template": "{{ event.at | date: \"%H:%M\" }}", "event": {"at": "2026-03-04T15:00:00Z"}, "default_timezone": "Asia/Tokyo"});
        let preview = invoke(&webview, "preview_template", args).expect("preview_template");
        assert_eq!(preview["text"], "00:00", "{preview}");

        // The bundled engine: publish, a test event, and the Live view's reads.
        let info = invoke(&webview, "engine_info", json!({})).expect("engine_info");
        assert_eq!(info["running"], json!(true), "{info}");
        let published = invoke(&webview, "publish_journey", json!({"journey": journey})).expect("publish_journey");
        assert_eq!(published["version"], json!(1), "{published}");
        let id = published["journey"].as_str().expect("an id").to_string();
        let sent =
            invoke(&webview, "send_test_event", json!({"journey": id, "contact": {"id": "t1"}, "data": {}})).expect("send_test_event");
        assert_eq!(sent["contact"], "t1");
        let status = invoke(&webview, "live_status", json!({"journey": id})).expect("live_status");
        assert_eq!(status[0]["version"], json!(1));
        invoke(&webview, "live_counts", json!({"journey": id})).expect("live_counts");
        invoke(&webview, "list_enrollments", json!({"journey": id, "search": "t"})).expect("list_enrollments");
        invoke(&webview, "list_outbox", json!({"journey": id})).expect("list_outbox");
        let paused = invoke(&webview, "set_version_status", json!({"journey": id, "status": "paused"})).expect("set_version_status");
        assert_eq!(paused["status"], "paused");
        app.state::<Live>().stop();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
