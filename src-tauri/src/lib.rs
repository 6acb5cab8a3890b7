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
//! editor after the native folder dialog of `tauri-plugin-dialog`) replaces it.
//!
//! Commands are `async` so that they run on Tauri's async runtime instead of the main (UI)
//! thread; the simulation, which is CPU-bound, additionally runs on the blocking pool.
//!
//! tauri.conf.json and capabilities/ are at the repository root (build.rs runs tauri-build from
//! there). `cargo build` alone loads the Vite dev server (`devUrl`); build with
//! `--features tauri/custom-protocol` to embed ui/dist.

use std::path::PathBuf;
use std::sync::Mutex;

use itinera_service::{
    ContactSelection, Error, JourneyFile, JourneyListing, Preview, Report, SavedFile, ScenarioFile, ScenarioListing, Template, Workspace,
    WorkspaceInfo,
};
use serde_json::Value;
use tauri::State;

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
async fn list_templates() -> Result<Vec<Template>, Error> {
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
async fn validate_journey(journey: Value) -> Result<Report, Error> {
    Ok(itinera_service::validate_journey(&journey))
}

#[tauri::command(rename_all = "snake_case")]
async fn simulate_journey(journey: Value, scenario: Value, contacts: Option<ContactSelection>) -> Result<Value, Error> {
    tauri::async_runtime::spawn_blocking(move || itinera_service::simulate_journey(&journey, &scenario, contacts.as_ref(), &Default::default()))
        .await
        .map_err(|e| Error::Internal(format!("the simulation failed: {e}")))?
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
async fn preview_template(template: String, contact: Option<Value>, event: Option<Value>) -> Result<Preview, Error> {
    itinera_service::preview_template(&template, &contact.unwrap_or(Value::Null), &event.unwrap_or(Value::Null))
}

/// Adds to `builder` (the real one, or `tauri::test::mock_builder()` in tests) the plugins, the
/// state on `folder` and every command of the contract.
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>, folder: Workspace) -> tauri::Builder<R> {
    builder.plugin(tauri_plugin_dialog::init()).manage(Folder::new(folder)).invoke_handler(
        tauri::generate_handler![
            workspace_info,
            open_folder,
            list_journeys,
            list_templates,
            read_journey,
            save_journey,
            validate_journey,
            simulate_journey,
            list_scenarios,
            read_scenario,
            save_scenario,
            preview_template,
        ],
    )
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
    if let Err(error) = with_commands(tauri::Builder::default(), folder).run(tauri::generate_context!("../tauri.conf.json")) {
        eprintln!("itinera-desktop: {error}");
        std::process::exit(1);
    }
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
    fn commands_answer_through_the_real_ipc_path() {
        let dir = std::env::temp_dir().join(format!("itinera-desktop-test-{}", std::process::id()));
        let folder = Workspace::open_or_create(&dir).expect("temp folder");
        let app = with_commands(mock_builder(), folder)
            .build(mock_context(noop_assets()))
            .expect("the app builds");
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
        let _ = std::fs::remove_dir_all(&dir);
    }
}
