//! The crate's integration tests, as one binary (one link instead of one per file): each
//! module is a file of this folder. `cargo test -p CRATE --test it MODULE::` runs one of them.

#![allow(clippy::unwrap_used)] // a test may unwrap: its failure is the panic

mod protocol;
mod robustness;
mod rules;
mod templates;
