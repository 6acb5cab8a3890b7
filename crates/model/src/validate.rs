//! Validation (placeholder signatures; implemented in the validation work).
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Diagnostic, Journey};

/// Facts about a valid journey.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Facts {}

/// The result of validating one journey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// No error-severity diagnostic.
    pub valid: bool,
    /// Every diagnostic.
    pub diagnostics: Vec<Diagnostic>,
    /// Facts, for a valid journey.
    pub facts: Option<Facts>,
}

/// Validates a parsed journey.
pub fn validate(_journey: &Journey) -> Report {
    todo!()
}

/// Parses and validates journey text.
pub fn check_source(_text: &str) -> (Option<Journey>, Report) {
    todo!()
}
