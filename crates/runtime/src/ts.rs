//! TypeScript declarations of the durable engine's answers to the Live view (feature `ts`),
//! written to the editor by `scripts/gen-types` (see `itinera_model::ts`).

use itinera_model::ts::Declarations;

use crate::intake::Published;
use crate::live::{ContactTimeline, EnrollmentPage, LiveCounts, OutboxEntry};
use crate::stats::JourneyStats;
use crate::status::VersionReport;

/// This crate's wire types: publishing, versions, counts, enrollments, timelines, outbox, stats.
pub fn declare(d: &mut Declarations) {
    d.add::<Published>();
    d.add::<VersionReport>();
    d.add::<LiveCounts>();
    d.add::<EnrollmentPage>();
    d.add::<ContactTimeline>();
    d.add::<OutboxEntry>();
    d.add::<JourneyStats>();
}
