//! The crate's integration tests, as one binary (one link instead of one per file): each
//! module is a file of this folder. `cargo test -p CRATE --test it MODULE::` runs one of them.

#![allow(clippy::unwrap_used)] // a test may unwrap: its failure is the panic

mod deadline;
mod follow;
mod golden;
mod local_times;
mod properties;
mod scenario_parse;
mod scenario_population;
mod streaming;
mod variables;
