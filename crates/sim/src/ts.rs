//! TypeScript declarations of the scenario document and the simulation report (feature `ts`),
//! written to the editor by `scripts/gen-types` (see `itinera_model::ts`).

use itinera_model::ts::{Declarations, constant};

use crate::local_time::FieldTime;
use crate::report::SimReport;

/// This crate's constant and wire types: the scenario document and the simulation report.
pub fn declare(d: &mut Declarations) {
    d.push(constant("The `format` of every v1 scenario.", "SCENARIO_FORMAT", &format!("{:?}", crate::scenario::SCENARIO_FORMAT)));
    crate::scenario::ts_types::declare(d);
    d.add::<SimReport>();
    d.add::<FieldTime>();
}
