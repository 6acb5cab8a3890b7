//! The folder of journeys and scenarios the user works in, and the file operations on it.
//!
//! Every file name that comes from outside is relative to the folder and checked by
//! [`Workspace::resolve`] before any disk access: no absolute path, no `..`, no `.`, no hidden
//! (`.name`) part, no backslash or control character, the right extension, parts of at most 255
//! bytes and at most [`MAX_FOLDER_DEPTH`] folders deep.
//!
//! The disk is treated as shared with other programs, some of them hostile:
//! * **Links are never followed.** A symlink anywhere on the way (a folder or the file itself) is
//!   refused on read and on write; files are opened with `O_NOFOLLOW`, and only regular files are
//!   read (a FIFO named `x.journey.json` would otherwise block the reader forever).
//! * **Saves are atomic and private until done**: the text goes to a temporary file created
//!   exclusively, with an unpredictable name, in the target's folder (the `tempfile` crate), is
//!   flushed to disk, and is renamed over the target. A rename replaces a planted symlink rather
//!   than writing through it.
//! * **Saves of one file are serialised**, and a save may name the [`revision`](SavedFile::revision)
//!   it expects to replace: when the file changed since (another window, another program), the
//!   save is a [`Error::Conflict`] and nothing is written.
//! * **Bounded reads**: a file over [`MAX_FILE_BYTES`] is refused before it is read; one bad file
//!   never makes `list_journeys` fail (each row is checked in isolation).
//! * **Errors name files relative to the folder**, never by their absolute path.

use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use itinera_engine::check_source;
use itinera_model::Severity;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};

use crate::catalog;
use crate::error::{Error, shorten};
use crate::listing::scenario_listing;
pub use crate::listing::{JOURNEY_SUFFIX, SCENARIO_SUFFIX, ScenarioListing};

/// Folders never searched for journeys: hidden ones (`.git`) and build output.
const SKIPPED_FOLDERS: &[&str] = &["node_modules", "target", "dist"];
/// How deep listings look into sub-folders, and how deep a file may be saved.
pub const MAX_FOLDER_DEPTH: usize = 8;
/// The longest file name accepted, all parts together (bytes).
pub const MAX_NAME_BYTES: usize = 1024;
/// The longest part of a file name (bytes; the usual file-system limit).
pub const MAX_PART_BYTES: usize = 255;
/// The largest journey or scenario file read (a 200,000-step journey is about 20 MB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The folder the user works in (absolute, symlinks resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    dir: PathBuf,
}

/// `workspace_info` / `open_folder` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    #[cfg_attr(feature = "ts", ts(optional))]
    pub error: Option<String>,
    /// The file's [`revision`](JourneyFile::revision), when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub revision: Option<String>,
}

/// `read_journey` result.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JourneyFile {
    /// As asked.
    pub file: String,
    /// The file's JSON exactly as written (unknown fields included, numbers digit for digit);
    /// [`JourneyFile::value`] parses it.
    #[cfg_attr(feature = "ts", ts(as = "itinera_model::Journey"))]
    pub journey: Box<RawValue>,
    /// A digest of the file's bytes: pass it as `expected` when saving, so that a save over a
    /// file that changed since it was read is refused instead of losing the other change.
    pub revision: String,
}

/// `save_journey` / `save_scenario` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SavedFile {
    /// As asked.
    pub file: String,
    /// The canonical text written.
    pub text: String,
    /// The new [`revision`](JourneyFile::revision) of the file.
    pub revision: String,
}

/// `read_scenario` result.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScenarioFile {
    /// As asked.
    pub file: String,
    /// The file's JSON exactly as written; [`ScenarioFile::value`] parses it.
    #[cfg_attr(feature = "ts", ts(type = "Scenario"))]
    pub scenario: Box<RawValue>,
    /// As [`JourneyFile::revision`] (for an embedded sample, the digest of its text).
    pub revision: String,
}

impl JourneyFile {
    /// The journey as a JSON value (numbers a float cannot hold are rounded here).
    pub fn value(&self) -> Value {
        serde_json::from_str(self.journey.get()).unwrap_or(Value::Null)
    }
}

impl ScenarioFile {
    /// The scenario as a JSON value.
    pub fn value(&self) -> Value {
        serde_json::from_str(self.scenario.get()).unwrap_or(Value::Null)
    }
}

/// `text`, already checked to be JSON, as a raw value.
fn raw(file: &str, text: String) -> Result<Box<RawValue>, Error> {
    RawValue::from_string(text).map_err(|e| Error::BadInput(format!("{}: {e}", shorten(file))))
}

/// The revision of a file's bytes: the first 128 bits of their SHA-256, in hex.
pub fn revision(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
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
        let name = self.dir.file_name().map_or_else(|| "/".to_owned(), |n| n.to_string_lossy().into_owned());
        WorkspaceInfo { dir: self.dir.display().to_string(), name, desktop }
    }

    /// The absolute path of `file` (relative to the folder), after the safety checks described
    /// in the module documentation; `suffix` is the extension the file must have. Folders on the
    /// way that exist must be real folders (not symlinks); the file itself, when it exists, must
    /// be a regular file.
    pub fn resolve(&self, file: &str, suffix: &str) -> Result<PathBuf, Error> {
        if file.is_empty() {
            return Err(Error::BadInput("file: empty file name".into()));
        }
        let shown = shorten(file);
        if file.len() > MAX_NAME_BYTES {
            return Err(Error::BadInput(format!("{shown}: the file name is longer than {MAX_NAME_BYTES} bytes")));
        }
        if !file.ends_with(suffix) || file.len() == suffix.len() || file.ends_with(&format!("/{suffix}")) {
            return Err(Error::BadInput(format!("{shown}: the file name must end in {suffix}")));
        }
        if file.contains('\\') {
            return Err(Error::BadInput(format!("{shown}: use / to separate folders")));
        }
        if file.chars().any(char::is_control) {
            return Err(Error::BadInput(format!("{shown}: the file name has a control character")));
        }
        let relative = Path::new(file);
        let mut parts = 0;
        for component in relative.components() {
            match component {
                Component::Normal(part) => {
                    parts += 1;
                    let part = part.to_string_lossy();
                    if part.len() > MAX_PART_BYTES {
                        return Err(Error::BadInput(format!("{shown}: a part of the name is longer than {MAX_PART_BYTES} bytes")));
                    }
                    if part.starts_with('.') {
                        return Err(Error::BadInput(format!("{shown}: names starting with `.` are hidden files; choose another name")));
                    }
                }
                Component::ParentDir | Component::CurDir => {
                    return Err(Error::BadInput(format!("{shown}: `.` and `..` are not allowed in file names")));
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(Error::BadInput(format!("{shown}: the file must be relative to the folder")));
                }
            }
        }
        if parts > MAX_FOLDER_DEPTH + 1 {
            return Err(Error::BadInput(format!("{shown}: files may be at most {MAX_FOLDER_DEPTH} folders deep")));
        }
        // Nothing on the way may be a link (a link inside the folder could lead anywhere).
        let path = self.dir.join(relative);
        let mut at = self.dir.clone();
        let mut names = relative.components().peekable();
        while let Some(component) = names.next() {
            at.push(component);
            let last = names.peek().is_none();
            match fs::symlink_metadata(&at) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(Error::BadInput(format!("{shown}: leads through a symbolic link; Itinera does not follow links")));
                }
                Ok(meta) if !last && !meta.is_dir() => {
                    return Err(Error::BadInput(format!("{shown}: a part of the path is a file, not a folder")));
                }
                Ok(meta) if last && !meta.is_file() => {
                    return Err(Error::BadInput(format!("{shown}: not a regular file")));
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(Error::file(file, e)),
            }
        }
        Ok(path)
    }

    /// `list_journeys`: every `*.journey.json` under the folder (sub-folders included, hidden
    /// folders, `node_modules`, `target`, `dist`, symlinks and non-regular files skipped), sorted
    /// by file, each validated on its own: a file that cannot be read, is too large, or is not a
    /// journey gets a row with `error` and never fails the listing.
    pub fn list_journeys(&self) -> Result<Vec<JourneyListing>, Error> {
        let files = self.find_files(JOURNEY_SUFFIX)?;
        Ok(files.into_iter().map(|(file, path)| listing_of(file, &path)).collect())
    }

    /// `read_journey`: the file's JSON as written (unknown fields kept).
    pub fn read_journey(&self, file: &str) -> Result<JourneyFile, Error> {
        let path = self.resolve(file, JOURNEY_SUFFIX)?;
        let text = read_regular(file, &path)?;
        parse_json(file, &text)?;
        let revision = revision(text.as_bytes());
        Ok(JourneyFile { file: file.to_owned(), journey: raw(file, text)?, revision })
    }

    /// `save_journey`: writes `journey` as canonical JSON (sorted keys, 2-space indent, final
    /// newline), creating sub-folders, replacing the file atomically. With `expected`, the file
    /// must still be at that revision (or, for `""`, must not exist yet).
    pub fn save_journey(&self, file: &str, journey: &Value, expected: Option<&str>) -> Result<SavedFile, Error> {
        self.save_journey_text(file, &value_text(journey)?, expected)
    }

    /// [`Workspace::save_journey`] from the journey's JSON text (an HTTP body): numbers are kept
    /// exactly as written, duplicated keys are refused.
    pub fn save_journey_text(&self, file: &str, journey: &str, expected: Option<&str>) -> Result<SavedFile, Error> {
        self.save(file, JOURNEY_SUFFIX, "journey", journey, expected)
    }

    /// `list_scenarios`: the embedded samples first, then every `*.scenario.json` of the folder.
    pub fn list_scenarios(&self) -> Result<Vec<ScenarioListing>, Error> {
        let mut listings = catalog::sample_scenarios()?;
        for (file, path) in self.find_files(SCENARIO_SUFFIX)? {
            let Ok(text) = read_regular(&file, &path) else {
                continue;
            };
            let Ok(scenario) = parse_json(&file, &text) else {
                continue;
            };
            listings.push(scenario_listing(file, scenario, false));
        }
        Ok(listings)
    }

    /// `read_scenario`: a file of the folder, or an embedded sample (`samples/NAME.scenario.json`)
    /// when the folder has no such file.
    pub fn read_scenario(&self, file: &str) -> Result<ScenarioFile, Error> {
        let path = self.resolve(file, SCENARIO_SUFFIX)?;
        if fs::symlink_metadata(&path).is_err()
            && let Some(sample) = catalog::sample_scenario(file)
        {
            let text = value_text(&sample?)?;
            let revision = revision(text.as_bytes());
            return Ok(ScenarioFile { file: file.to_owned(), scenario: raw(file, text)?, revision });
        }
        let text = read_regular(file, &path)?;
        parse_json(file, &text)?;
        let revision = revision(text.as_bytes());
        Ok(ScenarioFile { file: file.to_owned(), scenario: raw(file, text)?, revision })
    }

    /// `save_scenario`: as [`Workspace::save_journey`], for `*.scenario.json`.
    pub fn save_scenario(&self, file: &str, scenario: &Value, expected: Option<&str>) -> Result<SavedFile, Error> {
        self.save_scenario_text(file, &value_text(scenario)?, expected)
    }

    /// [`Workspace::save_journey_text`] for `*.scenario.json`.
    pub fn save_scenario_text(&self, file: &str, scenario: &str, expected: Option<&str>) -> Result<SavedFile, Error> {
        self.save(file, SCENARIO_SUFFIX, "scenario", scenario, expected)
    }

    fn save(&self, file: &str, suffix: &str, what: &str, json: &str, expected: Option<&str>) -> Result<SavedFile, Error> {
        let path = self.resolve(file, suffix)?;
        let shown = shorten(file);
        let text = itinera_model::json::canonical_text(json).map_err(|e| Error::BadInput(format!("{shown}: {e}")))?;
        if !text.starts_with('{') {
            return Err(Error::BadInput(format!("{shown}: a {what} is a JSON object")));
        }
        // One save of a file at a time in this process: the revision check and the rename must
        // not interleave with another save of the same file.
        let _turn = lock_for(&path);
        let exists = match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => true,
            Ok(_) => return Err(Error::BadInput(format!("{shown}: not a regular file"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(Error::file(file, e)),
        };
        if let Some(expected) = expected {
            let found = if exists { Some(revision(read_regular(file, &path)?.as_bytes())) } else { None };
            let matches = match (&found, expected) {
                (None, "") => true,
                (Some(found), expected) => found == expected,
                (None, _) => false,
            };
            if !matches {
                let now = if found.is_some() { "it was changed since it was read" } else { "it was deleted since it was read" };
                return Err(Error::Conflict(format!(
                    "{shown}: not saved, {now} (by another window or program); reload it to see the other change"
                )));
            }
        }
        self.create_folders(file, &path)?;
        write_atomically(file, &path, &text)?;
        Ok(SavedFile { file: file.to_owned(), revision: revision(text.as_bytes()), text })
    }

    /// Creates the folders between the workspace and `path`, refusing links on the way (checked
    /// again here, just before writing, not only in [`Workspace::resolve`]).
    fn create_folders(&self, file: &str, path: &Path) -> Result<(), Error> {
        let Some(parent) = path.parent() else {
            return Ok(());
        };
        let Ok(relative) = parent.strip_prefix(&self.dir) else {
            return Err(Error::Internal(format!("{}: outside the folder", shorten(file))));
        };
        let mut at = self.dir.clone();
        for part in relative.components() {
            at.push(part);
            match fs::symlink_metadata(&at) {
                Ok(meta) if meta.is_dir() && !meta.file_type().is_symlink() => {}
                Ok(_) => {
                    return Err(Error::BadInput(format!("{}: a part of the path is not a folder", shorten(file))));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => match fs::create_dir(&at) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && at.is_dir() => {}
                    Err(e) => return Err(Error::file(file, e)),
                },
                Err(e) => return Err(Error::file(file, e)),
            }
        }
        Ok(())
    }

    /// `(relative name, path)` of the regular files ending in `suffix`, sorted by name.
    fn find_files(&self, suffix: &str) -> Result<Vec<(String, PathBuf)>, Error> {
        let mut found = Vec::new();
        let mut pending = vec![(self.dir.clone(), 0usize)];
        while let Some((dir, depth)) = pending.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                // The folder itself must be readable; an unreadable sub-folder is skipped.
                Err(e) if dir == self.dir => return Err(Error::file(".", e)),
                Err(_) => continue,
            };
            for entry in entries.flatten() {
                // Not following links: a symlink is neither a folder nor a file here.
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if kind.is_dir() {
                    if depth < MAX_FOLDER_DEPTH && !name.starts_with('.') && !SKIPPED_FOLDERS.contains(&name) {
                        pending.push((entry.path(), depth + 1));
                    }
                } else if kind.is_file() && name.ends_with(suffix) && name.len() > suffix.len() && !name.starts_with('.') {
                    let path = entry.path();
                    let Ok(relative) = path.strip_prefix(&self.dir) else {
                        continue;
                    };
                    let parts: Vec<&str> = relative.components().filter_map(|c| c.as_os_str().to_str()).collect();
                    found.push((parts.join("/"), path));
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

/// The JSON text of a value (for saving a value the transport has already parsed).
fn value_text(value: &Value) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("cannot encode the file: {e}")))
}

/// Striped locks: saves of one path take the same lock (64 stripes bound the memory).
fn lock_for(path: &Path) -> std::sync::MutexGuard<'static, ()> {
    static STRIPES: [Mutex<()>; 64] = [const { Mutex::new(()) }; 64];
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(path, &mut hasher);
    let stripe = (std::hash::Hasher::finish(&hasher) % 64) as usize;
    STRIPES[stripe].lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A `list_journeys` row for one file: validated when it parses, else `valid: false` and `error`.
/// A panic while checking one file (a bug) is that file's error, not the listing's.
fn listing_of(file: String, path: &Path) -> JourneyListing {
    let modified = fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .and_then(|t| t.round(jiff::Unit::Second).ok())
        .map(|t| t.to_string());
    let failed = |file: String, modified: Option<String>, error: String| JourneyListing {
        file,
        id: None,
        name: None,
        valid: false,
        errors: 1,
        warnings: 0,
        modified,
        error: Some(error),
        revision: None,
    };
    let text = match read_regular(&file, path) {
        Ok(text) => text,
        Err(e) => {
            let why = e.to_string();
            let why = why.strip_prefix(&format!("{}: ", shorten(&file))).unwrap_or(&why).to_owned();
            return failed(file, modified, why);
        }
    };
    let checked = std::panic::catch_unwind(|| {
        // id and name come from the raw JSON so that a journey of the wrong shape still shows them.
        let raw: Option<Value> = serde_json::from_str(&text).ok();
        let field = |key: &str| raw.as_ref().and_then(|v| v.get(key)).and_then(Value::as_str).map(str::to_owned);
        let (id, name) = (field("id"), field("name"));
        let (journey, report) = check_source(&text);
        let errors = report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        let warnings = report.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
        let error = if journey.is_none() {
            Some(report.diagnostics.first().map_or_else(|| "cannot be parsed".to_owned(), |d| d.message.clone()))
        } else {
            None
        };
        (id, name, report.valid, errors, warnings, error)
    });
    match checked {
        Ok((id, name, valid, errors, warnings, error)) => {
            JourneyListing { revision: Some(revision(text.as_bytes())), file, id, name, valid, errors, warnings, modified, error }
        }
        Err(_) => failed(file, modified, "this file could not be checked (an internal error; please report it)".to_owned()),
    }
}

/// The text of the regular file `path` (named `file` in errors): links are not followed, other
/// kinds of files (FIFOs, devices, folders) and files over [`MAX_FILE_BYTES`] are refused.
fn read_regular(file: &str, path: &Path) -> Result<String, Error> {
    let shown = shorten(file);
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: no links.
        options.custom_flags(libc_flags::O_NOFOLLOW | libc_flags::O_NONBLOCK);
    }
    let handle = match options.open(path) {
        Ok(handle) => handle,
        Err(e) if e.raw_os_error() == Some(libc_flags::ELOOP) => {
            return Err(Error::BadInput(format!("{shown}: is a symbolic link; Itinera does not follow links")));
        }
        Err(e) => return Err(Error::file(file, e)),
    };
    let meta = handle.metadata().map_err(|e| Error::file(file, e))?;
    if !meta.is_file() {
        return Err(Error::BadInput(format!("{shown}: not a regular file")));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::TooLarge(format!("{shown}: {} bytes is more than the {MAX_FILE_BYTES} a file may have", meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    handle.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| Error::file(file, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::TooLarge(format!("{shown}: more than the {MAX_FILE_BYTES} bytes a file may have")));
    }
    String::from_utf8(bytes).map_err(|e| Error::BadInput(format!("{shown}: not UTF-8 text (byte {})", e.utf8_error().valid_up_to())))
}

/// The flags `read_regular` needs, for Linux (the values of every Linux architecture we build).
mod libc_flags {
    #[cfg(unix)]
    pub(super) const O_NOFOLLOW: i32 = 0o400_000;
    #[cfg(unix)]
    pub(super) const O_NONBLOCK: i32 = 0o4000;
    pub(super) const ELOOP: i32 = 40;
}

/// The JSON of a file's text; a syntax error or a duplicated key names the file, line and column.
fn parse_json(file: &str, text: &str) -> Result<Value, Error> {
    itinera_model::json::parse_value(text)
        .map_err(|e| Error::BadInput(format!("{}: line {}, column {}: {}", shorten(file), e.line, e.column, e.message)))
}

/// Writes `text` to a temporary file created exclusively (unpredictable name) next to `path`,
/// flushes it to disk, then renames it over `path`: a crash never leaves a half-written file, and
/// nothing planted at a guessable name is written through. A new file gets mode 0644, a
/// replaced one keeps its mode.
fn write_atomically(file: &str, path: &Path, text: &str) -> Result<(), Error> {
    let parent = path.parent().ok_or_else(|| Error::Internal(format!("{}: no parent folder", shorten(file))))?;
    let mut temporary =
        tempfile::Builder::new().prefix(".itinera-").suffix(".tmp").tempfile_in(parent).map_err(|e| Error::file(file, e))?;
    temporary.write_all(text.as_bytes()).map_err(|e| Error::file(file, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::symlink_metadata(path).ok().filter(std::fs::Metadata::is_file).map_or(0o644, |m| m.permissions().mode() & 0o777);
        temporary.as_file().set_permissions(fs::Permissions::from_mode(mode)).map_err(|e| Error::file(file, e))?;
    }
    temporary.as_file().sync_all().map_err(|e| Error::file(file, e))?;
    temporary.persist(path).map_err(|e| Error::file(file, e.error))?;
    Ok(())
}
