//! TypeScript declarations of the durable engine's answers to the Live view (feature `ts`),
//! written to the editor by `scripts/gen-types` (see `itinera_model::ts`).

use itinera_model::ts::declaration;
use ts_rs::Config;

use crate::channel::Record;
use crate::intake::{Impact, Published};
use crate::live::{ContactTimeline, EnrollmentItem, EnrollmentPage, LiveCounts, NodeCounts, OutboxEntry, TimelineEntry, TimelineMessage};
use crate::stats::{JourneyStats, MessageCounts, NodeStats, VersionStats};
use crate::status::VersionReport;

/// The declarations of this crate's wire types (and the store's version status), in a fixed order.
pub fn declarations(cfg: &Config) -> Vec<String> {
    vec![
        declaration::<itinera_store::VersionStatus>(cfg),
        declaration::<Published>(cfg),
        declaration::<Impact>(cfg),
        declaration::<VersionReport>(cfg),
        declaration::<LiveCounts>(cfg),
        declaration::<NodeCounts>(cfg),
        declaration::<EnrollmentPage>(cfg),
        declaration::<EnrollmentItem>(cfg),
        declaration::<ContactTimeline>(cfg),
        declaration::<TimelineEntry>(cfg),
        declaration::<TimelineMessage>(cfg),
        declaration::<OutboxEntry>(cfg),
        declaration::<Record>(cfg),
        declaration::<JourneyStats>(cfg),
        declaration::<VersionStats>(cfg),
        declaration::<NodeStats>(cfg),
        declaration::<MessageCounts>(cfg),
    ]
}
