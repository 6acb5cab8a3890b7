//! The one error type of every operation, and how it looks on the wire.

use std::io;
use std::path::{Path, PathBuf};

use itinera_model::Diagnostic;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Why an operation failed. Each variant says whose fault it is, which the transports turn into
/// a status (HTTP 404 / 400 / 500; a rejected Tauri `invoke`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file or folder named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request itself is wrong: a path outside the folder, a wrong extension, JSON of the
    /// wrong shape, a bad scenario.
    #[error("{0}")]
    BadInput(String),
    /// The journey has errors, so it cannot be simulated; `diagnostics` lists them all.
    #[error("{message}")]
    Invalid {
        /// One sentence for people.
        message: String,
        /// Every diagnostic of the journey (errors and warnings).
        diagnostics: Vec<Diagnostic>,
    },
    /// The operation is not allowed on this transport (e.g. switching folders on the server).
    #[error("{0}")]
    NotAllowed(String),
    /// The file changed since the caller read it (a save with a stale `expected` revision).
    #[error("{0}")]
    Conflict(String),
    /// The input is over a limit (a file too large, a simulation larger than this server runs).
    #[error("{0}")]
    TooLarge(String),
    /// The work was cancelled (its caller went away, or the server is shutting down).
    #[error("{0}")]
    Cancelled(String),
    /// Reading or writing a file failed for a reason other than its absence.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file or folder concerned (relative to the folder for files inside it).
        path: PathBuf,
        /// The operating system's error (not a `source()`: the message already says it).
        cause: io::Error,
    },
    /// Something that should not happen (a bug, or a library that is not ready yet).
    #[error("{0}")]
    Internal(String),
}

/// Whose fault an [`Error`] is, for transports that answer with a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The thing asked for does not exist (HTTP 404).
    NotFound,
    /// The caller asked for something wrong (HTTP 400).
    BadInput,
    /// The file changed since it was read (HTTP 409).
    Conflict,
    /// Over a limit (HTTP 413).
    TooLarge,
    /// Cancelled before it finished (HTTP 503: the server is going away or the caller left).
    Cancelled,
    /// Our side failed (HTTP 500).
    Internal,
}

impl Error {
    /// Whose fault this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::BadInput(_) | Error::Invalid { .. } | Error::NotAllowed(_) => ErrorKind::BadInput,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::TooLarge(_) => ErrorKind::TooLarge,
            Error::Cancelled(_) => ErrorKind::Cancelled,
            Error::Io { .. } | Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// An I/O error on `file`, a name relative to the folder (errors never show where the folder
    /// is on disk); a missing file becomes [`Error::NotFound`] naming it.
    pub fn file(file: &str, cause: io::Error) -> Error {
        let shown = shorten(file);
        match cause.kind() {
            io::ErrorKind::NotFound => Error::NotFound(format!("{shown}: no such file or folder")),
            io::ErrorKind::InvalidFilename => Error::BadInput(format!("{shown}: the name is too long for the file system")),
            _ => Error::Io { path: PathBuf::from(shown), cause },
        }
    }

    /// An I/O error on `path`; a missing file becomes [`Error::NotFound`] naming it.
    pub fn io(path: &Path, cause: io::Error) -> Error {
        if cause.kind() == io::ErrorKind::NotFound {
            Error::NotFound(format!("{}: no such file or folder", path.display()))
        } else {
            Error::Io { path: path.to_path_buf(), cause }
        }
    }
}

/// On the wire an error is `{"error": "message"}`, plus `"diagnostics": [...]` for
/// [`Error::Invalid`] — the body of HTTP errors and the value of a rejected Tauri `invoke`.
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let diagnostics = match self {
            Error::Invalid { diagnostics, .. } => Some(diagnostics),
            _ => None,
        };
        let mut map = serializer.serialize_map(Some(1 + usize::from(diagnostics.is_some())))?;
        map.serialize_entry("error", &self.to_string())?;
        if let Some(diagnostics) = diagnostics {
            map.serialize_entry("diagnostics", diagnostics)?;
        }
        map.end()
    }
}

/// A file name cut for messages (a 300-character name must not fill the screen).
pub(crate) fn shorten(file: &str) -> String {
    const SHOWN: usize = 80;
    if file.chars().count() <= SHOWN { file.to_owned() } else { format!("{}…", file.chars().take(SHOWN).collect::<String>()) }
}
