//! TypeScript declarations of the engine's report records (feature `ts`), written to the editor
//! by `scripts/gen-types` (see `itinera_model::ts`).

use itinera_model::ts::Declarations;

use crate::{Button, ContactOutcome, MessageTemplate, StepRecord};

/// This crate's wire types: a contact's outcome, its steps, a message as sent.
pub fn declare(d: &mut Declarations) {
    d.add::<ContactOutcome>();
    d.add::<StepRecord>();
    d.add::<MessageTemplate>();
    d.add::<Button>();
}
