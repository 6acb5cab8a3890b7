//! TypeScript declarations of the scenario document and the simulation report (feature `ts`),
//! written to the editor by `scripts/gen-types` (see `itinera_model::ts`).

use itinera_model::ts::declaration;
use ts_rs::Config;

use crate::local_time::FieldTime;
use crate::report::{ContactReport, EdgeCount, EntryReport, MessageRecord, SimReport, Summary, TemplateRecord};

/// The scenario format's tag as a TypeScript `const`.
pub fn constants() -> Vec<String> {
    vec![format!(
        "/**\n * The `format` of every v1 scenario.\n */\nexport const SCENARIO_FORMAT = {:?};\n",
        crate::scenario::SCENARIO_FORMAT
    )]
}

/// The declarations of this crate's wire types, in a fixed order.
pub fn declarations(cfg: &Config) -> Vec<String> {
    let mut out = crate::scenario::ts_types::declarations(cfg);
    out.extend(crate::population::ts_types::declarations(cfg));
    out.extend([
        declaration::<SimReport>(cfg),
        declaration::<ContactReport>(cfg),
        declaration::<EntryReport>(cfg),
        declaration::<MessageRecord>(cfg),
        declaration::<TemplateRecord>(cfg),
        declaration::<Summary>(cfg),
        declaration::<EdgeCount>(cfg),
        declaration::<FieldTime>(cfg),
    ]);
    out
}
