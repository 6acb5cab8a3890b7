//! # itinera-model: the journey format and its validator
//!
//! Everything else in Itinera — the simulator, the durable engine, the editor and the server —
//! reads and writes journeys through this crate and trusts its validator. It is the innermost
//! crate: it knows nothing of tokio, SQLite, HTTP or Tauri, and never reads a clock.
//!
//! * [`journey`]: the `itinera/journey@1` types. Parsing is strict about shape (a wrong JSON
//!   type is a `parse_error` with line, column and field) and lenient about content, so that a
//!   half-configured node still parses and validation can point at it.
//! * [`duration`]: `"1h30m"`-style durations.
//! * [`diagnostic`]: diagnostics as data, with stable codes.
//! * [`json`]: the one strict JSON reading path (duplicate keys refused, numbers kept exactly).
//! * [`validate`]: petgraph-based checks returning *every* diagnostic, plus facts about a valid
//!   journey (size, longest time inside, most messages per channel).
#![deny(missing_docs)]

pub mod diagnostic;
pub mod duration;
pub mod journey;
pub mod json;
#[cfg(feature = "ts")]
pub mod ts;
pub mod validate;

pub use diagnostic::{Code, Diagnostic, Severity};
pub use duration::{Duration, DurationError};
pub use journey::{JOURNEY_FORMAT, Journey, Node, NodeKind, ParseError};
pub use validate::{Facts, Report, check_source, validate};
