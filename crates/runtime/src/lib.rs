//! # itinera-runtime: the durable engine
//!
//! A published journey runs here for real. There is no second copy of the step semantics: the
//! engine drives [`itinera_engine::handle`] exactly as the simulator does and differs only in
//! the clock (real, or manual for [`replay`]), the store (SQLite, [`itinera_store`]) and the
//! channels (a [`Channel`] per outgoing effect).
//!
//! * [`core`]: [`Engine`], the synchronous heart — one transaction applies a batch of due
//!   inputs and timers (state, step log, outbox rows and timers written together), and records
//!   what channels answered. Nothing is sent inside it.
//! * [`channel`]: the [`Channel`] trait, the record sink (`record:PATH`: one JSON line per
//!   outgoing effect, reported delivered) and the HTTP webhook channel (reqwest).
//! * [`service`]: the tokio service — Options → [`Service::start`] → a cloneable [`Handle`] —
//!   running batches on the clock and dispatching the outbox with retries and exponential
//!   backoff.
//! * [`intake`]: publishing (validated, immutable versions, change impact, migration), contacts
//!   import and events push in the formats the commands read.
//! * [`replay`]: a scenario driven through the durable engine on a manual clock; its report is
//!   the simulator's, byte for byte.
//!
//! **Guarantees.** An outbox row is committed with the state that produced it before any
//! channel sees it; its idempotency key is deterministic, so a retry is recognisable. A crash
//! loses no committed input; a message can go out twice only when the process dies after the
//! channel took it and before the "sent" mark was committed (docs/engine.md).
#![deny(missing_docs)]

pub mod channel;
pub mod core;
pub mod inbound;
pub mod intake;
pub mod live;
pub mod replay;
pub mod service;
pub mod stats;
pub mod status;
#[cfg(feature = "ts")]
pub mod ts;

#[cfg(feature = "http")]
pub use crate::channel::HttpWebhook;
pub use crate::channel::{Channel, RecordSink, Sinks};
pub use crate::core::{Applied, Attempt, Engine};
pub use crate::service::{Handle, Options, Service};

use itinera_model::Diagnostic;

/// What can go wrong in the durable engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] itinera_store::Error),
    /// A journey has validation errors (publishing refuses it).
    #[error("journey `{journey}` has {} error(s)", diagnostics.iter().filter(|d| d.is_error()).count())]
    Invalid {
        /// The journey id (or file).
        journey: String,
        /// Every diagnostic.
        diagnostics: Vec<Diagnostic>,
    },
    /// A published version cannot be compiled.
    #[error("journey `{0}` cannot be interpreted: {1}")]
    Compile(String, itinera_engine::CompileError),
    /// A stored state does not belong to its program.
    #[error("contact `{0}`: {1}")]
    State(String, itinera_engine::StateError),
    /// A line of an input file is not usable (names the file and line).
    #[error("{file}:{line}: {message}")]
    Input {
        /// The file (`-` for standard input).
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A record sink or another file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// Another engine already runs on this database (`DB.engine-lock` is held): two would
    /// send every message twice.
    #[error("another engine is already running on {db} (its lock {db}.engine-lock is held); stop it first")]
    Busy {
        /// The database file.
        db: String,
    },
    /// A stored value did not read back, or another invariant broke.
    #[error("internal error: {0}")]
    Internal(String),
}
