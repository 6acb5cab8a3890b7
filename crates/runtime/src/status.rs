//! What is running (`itinera status`, the editor's Live view): per journey version its status,
//! how many entered, where contacts wait, outcomes, and messages per channel.

use std::collections::BTreeMap;

use itinera_store::{Store, VersionStatus};
use jiff::Timestamp;
use serde::Serialize;

use crate::Error;

/// One journey version.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionReport {
    /// Journey id.
    pub journey: String,
    /// Version.
    pub version: u32,
    /// `active`, `paused` or `archived`.
    pub status: VersionStatus,
    /// Whether it is the journey's latest version (the one new entries go to).
    pub latest: bool,
    /// When it was published.
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub published_at: Timestamp,
    /// Contacts on this version that entered at least once.
    pub entered: u64,
    /// Contacts waiting, per node id.
    pub waiting: BTreeMap<String, u64>,
    /// Contacts per outcome word (`exited`, `goal`, `left`, `waiting`, `not_entered`).
    pub outcomes: BTreeMap<String, u64>,
    /// Per channel (`sms`, `whatsapp`, `email`, `webhook`): `sent`, `delivered`, `failed`,
    /// `pending`.
    pub messages: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Every version of every journey (or of one), by journey then version.
pub fn status(store: &mut Store, journey: Option<&str>) -> Result<Vec<VersionReport>, Error> {
    let tx = store.read()?;
    let versions = tx.versions()?;
    let conn = tx.conn();
    let sql = |e| Error::Store(itinera_store::Error::Sqlite { path: tx.path().to_string(), error: e });
    let mut out = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        if journey.is_some_and(|j| j != v.journey) {
            continue;
        }
        let latest = versions.get(i + 1).is_none_or(|next| next.journey != v.journey);
        let mut report = VersionReport {
            journey: v.journey.clone(),
            version: v.version,
            status: v.status,
            latest,
            published_at: v.published_at,
            entered: 0,
            waiting: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            messages: BTreeMap::new(),
        };
        let flows = flow_counts(conn, &v.journey, v.version).map_err(sql)?;
        report.entered = flows.entered;
        report.outcomes = flows.outcomes;
        report.waiting = flows.waiting;
        let mut stmt = conn
            .prepare_cached(
                "SELECT channel, status, delivered_at IS NOT NULL, COUNT(*) FROM outbox WHERE journey = ?1 AND version = ?2
                 GROUP BY channel, status, delivered_at IS NOT NULL",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map(rusqlite_params(&v.journey, v.version), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?, r.get::<_, i64>(3)?))
            })
            .map_err(sql)?;
        for row in rows {
            let (channel, status, delivered, count) = row.map_err(sql)?;
            let slot = report
                .messages
                .entry(channel)
                .or_insert_with(|| ["sent", "delivered", "failed", "pending"].iter().map(|w| (w.to_string(), 0)).collect());
            *slot.entry(status.clone()).or_default() += count as u64;
            if delivered {
                *slot.entry("delivered".into()).or_default() += count as u64;
            }
        }
        out.push(report);
    }
    Ok(out)
}

/// One version's flows (enrollments): how many entered, how many per outcome, where they wait.
pub(crate) struct FlowCounts {
    /// Flows that entered.
    pub entered: u64,
    /// Flows per outcome word (every word present, 0 when none).
    pub outcomes: BTreeMap<String, u64>,
    /// Flows waiting now, per node id.
    pub waiting: BTreeMap<String, u64>,
}

/// [`FlowCounts`] of a version, by SQLite (`GROUP BY` over its enrollments): the one place that
/// turns an enrollment's status into its outcome word for `status` and the stats.
pub(crate) fn flow_counts(conn: &rusqlite::Connection, journey: &str, version: u32) -> rusqlite::Result<FlowCounts> {
    let mut counts = FlowCounts {
        entered: 0,
        outcomes: ["exited", "goal", "left", "waiting", "not_entered"].iter().map(|o| (o.to_string(), 0)).collect(),
        waiting: BTreeMap::new(),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT status, outcome, node, COUNT(*), SUM(entries > 0) FROM enrollments WHERE journey = ?1 AND version = ?2
         GROUP BY status, outcome, node",
    )?;
    let rows = stmt.query_map(rusqlite_params(journey, version), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (status, outcome, node, count, entered) = row?;
        counts.entered += entered as u64;
        let word = match status.as_str() {
            "waiting" => "waiting".to_string(),
            "done" => outcome.unwrap_or_else(|| "exited".into()),
            _ => "not_entered".to_string(),
        };
        *counts.outcomes.entry(word).or_default() += count as u64;
        if status == "waiting" {
            *counts.waiting.entry(node.unwrap_or_default()).or_default() += count as u64;
        }
    }
    Ok(counts)
}

fn rusqlite_params(journey: &str, version: u32) -> (String, u32) {
    (journey.to_string(), version)
}
