//! TypeScript declarations of the engine's report records (feature `ts`), written to the editor
//! by `scripts/gen-types` (see `itinera_model::ts`).

use itinera_model::ts::declaration;
use ts_rs::Config;

use crate::{Button, ContactOutcome, MessageTemplate, StepRecord};

/// The declarations of this crate's wire types, in a fixed order.
pub fn declarations(cfg: &Config) -> Vec<String> {
    vec![
        declaration::<ContactOutcome>(cfg),
        declaration::<StepRecord>(cfg),
        declaration::<MessageTemplate>(cfg),
        declaration::<Button>(cfg),
    ]
}
