//! The folder of journeys and scenarios the user works in, and the file operations on it.
//!
//! Every file name that comes from outside is relative to the folder and checked by
//! [`Workspace::resolve`] before any disk access: no absolute path, no `..`, no `.`, no
//! backslash, the right extension, and (for files that already exist) no symlink leading out
//! of the folder.

use std::fs;
use std::path::{Component, Path, PathBuf};

use itinera_engine::check_source;
use itinera_model::Severity;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog;
use crate::error::Error;

/// The extension of journey files.
pub const JOURNEY_SUFFIX: &str = ".journey.json";
/// The extension of scenario files.
pub const SCENARIO_SUFFIX: &str = ".scenario.json";

/// Folders never searched for journeys: hidden ones (`.git`) and build output.
const SKIPPED_FOLDERS: &[&str] = &["node_modules", "target", "dist"];
/// How deep listings look into sub-folders.
const MAX_DEPTH: usize = 8;

/// The folder the user works in (absolute, symlinks resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    dir: PathBuf,
}

/// `workspace_info` / `open_folder` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceInfo {
    /// Absolute path of the folder.
    pub dir: String,
    /// The folder's own name.
    pub name: String,
    /// True in the desktop app (native dialogs available), false over HTTP.
    pub desktop: bool,
}

/// One row of `list_journeys`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JourneyListing {
    /// Relative to the folder, `/`-separated.
    pub file: String,
    /// The journey's `id`, when the file is JSON with one.
    pub id: Option<String>,
    /// The journey's `name`, when the file is JSON with one.
    pub name: Option<String>,
    /// No error diagnostic.
    pub valid: bool,
    /// Number of error diagnostics.
    pub errors: usize,
    /// Number of warning diagnostics.
    pub warnings: usize,
    /// Last modification, RFC 3339 (UTC, whole seconds).
    pub modified: Option<String>,
    /// Why the file cannot be read or parsed, when it cannot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `read_journey` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JourneyFile {
    /// As asked.
    pub file: String,
    /// The file's JSON, unknown fields included.
    pub journey: Value,
}

/// `save_journey` / `save_scenario` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedFile {
    /// As asked.
    pub file: String,
    /// The canonical text written.
    pub text: String,
}

/// One row of `list_scenarios`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub scenario: Value,
}

/// `read_scenario` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioFile {
    /// As asked.
    pub file: String,
    /// The file's JSON.
    pub scenario: Value,
}

impl Workspace {
    /// The existing folder `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Workspace, Error> {
        let dir = dir.as_ref();
        let dir = fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?;
        if !dir.is_dir() {
            return Err(Error::BadInput(format!("{}: not a folder", dir.display())));
        }
        Ok(Workspace { dir })
    }

    /// The folder `dir`, created (with its parents) when missing.
    pub fn open_or_create(dir: impl AsRef<Path>) -> Result<Workspace, Error> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        Workspace::open(dir)
    }

    /// The folder (absolute).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `workspace_info`.
    pub fn info(&self, desktop: bool) -> WorkspaceInfo {
        let name = self.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "/".to_owned());
        WorkspaceInfo { dir: self.dir.display().to_string(), name, desktop }
    }

    /// The absolute path of `file` (relative to the folder), after the safety checks described
    /// in the module documentation; `suffix` is the extension the file must have.
    pub fn resolve(&self, file: &str, suffix: &str) -> Result<PathBuf, Error> {
        if file.is_empty() {
            return Err(Error::BadInput("file: empty file name".into()));
        }
        if !file.ends_with(suffix) || file.len() == suffix.len() || file.ends_with(&format!("/{suffix}")) {
            return Err(Error::BadInput(format!("{file}: the file name must end in {suffix}")));
        }
        if file.contains('\\') || file.contains('\0') {
            return Err(Error::BadInput(format!("{file}: use / to separate folders")));
        }
        let relative = Path::new(file);
        for component in relative.components() {
            match component {
                Component::Normal(_) => {}
                Component::ParentDir | Component::CurDir => {
                    return Err(Error::BadInput(format!("{file}: `.` and `..` are not allowed in file names")));
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(Error::BadInput(format!(
                        "{file}: the file must be relative to the folder {}",
                        self.dir.display()
                    )));
                }
            }
        }
        let path = self.dir.join(relative);
        // A symlink inside the folder must not lead out of it: check the deepest existing ancestor.
        let existing = path.ancestors().find(|p| p.exists()).unwrap_or(&self.dir);
        let real = fs::canonicalize(existing).map_err(|e| Error::io(existing, e))?;
        if !real.starts_with(&self.dir) {
            return Err(Error::BadInput(format!("{file}: leads outside the folder {}", self.dir.display())));
        }
        Ok(path)
    }

    /// `list_journeys`: every `*.journey.json` under the folder (sub-folders included, hidden
    /// folders, `node_modules`, `target`, `dist` and symlinks skipped), sorted by file, each
    /// validated.
    pub fn list_journeys(&self) -> Result<Vec<JourneyListing>, Error> {
        let files = self.find_files(JOURNEY_SUFFIX)?;
        Ok(files.into_iter().map(|(file, path)| listing_of(file, &path)).collect())
    }

    /// `read_journey`: the file's JSON as written (unknown fields kept).
    pub fn read_journey(&self, file: &str) -> Result<JourneyFile, Error> {
        let path = self.resolve(file, JOURNEY_SUFFIX)?;
        let journey = read_json(file, &path)?;
        Ok(JourneyFile { file: file.to_owned(), journey })
    }

    /// `save_journey`: writes `journey` as canonical JSON (sorted keys, 2-space indent, final
    /// newline), creating sub-folders, replacing the file atomically.
    pub fn save_journey(&self, file: &str, journey: &Value) -> Result<SavedFile, Error> {
        let path = self.resolve(file, JOURNEY_SUFFIX)?;
        if !journey.is_object() {
            return Err(Error::BadInput(format!("{file}: a journey is a JSON object")));
        }
        let text = itinera_model::journey::canonical_json(journey);
        write_atomically(&path, &text)?;
        Ok(SavedFile { file: file.to_owned(), text })
    }

    /// `list_scenarios`: the embedded samples first, then every `*.scenario.json` of the folder.
    pub fn list_scenarios(&self) -> Result<Vec<ScenarioListing>, Error> {
        let mut listings = catalog::sample_scenarios()?;
        for (file, path) in self.find_files(SCENARIO_SUFFIX)? {
            let Ok(scenario) = read_json(&file, &path) else { continue };
            listings.push(scenario_listing(file, scenario, false));
        }
        Ok(listings)
    }

    /// `read_scenario`: a file of the folder, or an embedded sample (`samples/NAME.scenario.json`)
    /// when the folder has no such file.
    pub fn read_scenario(&self, file: &str) -> Result<ScenarioFile, Error> {
        let path = self.resolve(file, SCENARIO_SUFFIX)?;
        if !path.exists()
            && let Some(sample) = catalog::sample_scenario(file)
        {
            return Ok(ScenarioFile { file: file.to_owned(), scenario: sample? });
        }
        let scenario = read_json(file, &path)?;
        Ok(ScenarioFile { file: file.to_owned(), scenario })
    }

    /// `save_scenario`: as [`Workspace::save_journey`], for `*.scenario.json`.
    pub fn save_scenario(&self, file: &str, scenario: &Value) -> Result<SavedFile, Error> {
        let path = self.resolve(file, SCENARIO_SUFFIX)?;
        if !scenario.is_object() {
            return Err(Error::BadInput(format!("{file}: a scenario is a JSON object")));
        }
        let text = itinera_model::journey::canonical_json(scenario);
        write_atomically(&path, &text)?;
        Ok(SavedFile { file: file.to_owned(), text })
    }

    /// `(relative name, path)` of the regular files ending in `suffix`, sorted by name.
    fn find_files(&self, suffix: &str) -> Result<Vec<(String, PathBuf)>, Error> {
        let mut found = Vec::new();
        let mut pending = vec![(self.dir.clone(), 0usize)];
        while let Some((dir, depth)) = pending.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                // The folder itself must be readable; an unreadable sub-folder is skipped.
                Err(e) if dir == self.dir => return Err(Error::io(&dir, e)),
                Err(_) => continue,
            };
            for entry in entries.flatten() {
                let Ok(kind) = entry.file_type() else { continue };
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if kind.is_dir() {
                    if depth < MAX_DEPTH && !name.starts_with('.') && !SKIPPED_FOLDERS.contains(&name) {
                        pending.push((entry.path(), depth + 1));
                    }
                } else if kind.is_file() && name.ends_with(suffix) && name.len() > suffix.len() {
                    let path = entry.path();
                    let Ok(relative) = path.strip_prefix(&self.dir) else { continue };
                    let parts: Vec<&str> = relative.components().filter_map(|c| c.as_os_str().to_str()).collect();
                    found.push((parts.join("/"), path));
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

/// A `list_journeys` row for one file: validated when it parses, else `valid: false` and `error`.
fn listing_of(file: String, path: &Path) -> JourneyListing {
    let modified = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .and_then(|t| t.round(jiff::Unit::Second).ok())
        .map(|t| t.to_string());
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            return JourneyListing {
                file,
                id: None,
                name: None,
                valid: false,
                errors: 1,
                warnings: 0,
                modified,
                error: Some(format!("cannot read: {e}")),
            };
        }
    };
    // id and name come from the raw JSON so that a journey of the wrong shape still shows them.
    let raw: Option<Value> = serde_json::from_str(&text).ok();
    let field = |key: &str| raw.as_ref().and_then(|v| v.get(key)).and_then(Value::as_str).map(str::to_owned);
    let (id, name) = (field("id"), field("name"));
    let (journey, report) = check_source(&text);
    let errors = report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = report.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    let error = if journey.is_none() {
        Some(report.diagnostics.first().map(|d| d.message.clone()).unwrap_or_else(|| "cannot be parsed".to_owned()))
    } else {
        None
    };
    JourneyListing { file, id, name, valid: report.valid, errors, warnings, modified, error }
}

/// A `list_scenarios` row.
pub(crate) fn scenario_listing(file: String, scenario: Value, sample: bool) -> ScenarioListing {
    let stem = file.rsplit('/').next().unwrap_or(&file).trim_end_matches(SCENARIO_SUFFIX).to_owned();
    let name = scenario.get("name").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| stem.clone());
    let journey_id = scenario
        .get("journey")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| sample.then_some(stem));
    ScenarioListing { file, name, journey_id, sample, scenario }
}

/// The JSON of `path`; a syntax error names the file, line and column.
fn read_json(file: &str, path: &Path) -> Result<Value, Error> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::BadInput(format!("{file}: line {}, column {}: {e}", e.line(), e.column())))
}

/// Writes `text` to a temporary file next to `path`, then renames it over `path`: a crash never
/// leaves a half-written journey.
fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let parent = path.parent().ok_or_else(|| Error::Internal(format!("{}: no parent folder", path.display())))?;
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    fs::write(&temporary, text).map_err(|e| Error::io(&temporary, e))?;
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        Error::io(path, e)
    })
}
