//! Read queries for the editor's Live view (enrollments, a contact's step log, the outbox, step
//! counts per node). Every list is bounded by a `LIMIT`; a search matches a substring of the
//! contact id (SQL `LIKE` with `%` and `_` escaped, so they match themselves).

use jiff::Timestamp;
use rusqlite::params;

use super::{Result, Sql, Tx, from_nanos};

/// One enrollment as the Live view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrollmentRow {
    /// Contact id.
    pub contact: String,
    /// The trigger key's value (`None` for the keyless flow).
    pub key: Option<String>,
    /// The version the contact is on.
    pub version: u32,
    /// `waiting`, `done` or `not_entered`.
    pub status: String,
    /// The outcome word when done.
    pub outcome: Option<String>,
    /// The node id it is at (or finished at).
    pub node: Option<String>,
    /// Entries so far.
    pub entries: u32,
    /// When its latest input was applied.
    pub updated_at: Timestamp,
}

/// One outbox row as the Live view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// Row id (order of creation).
    pub seq: i64,
    /// Idempotency key.
    pub key: String,
    /// Journey id.
    pub journey: String,
    /// Version.
    pub version: u32,
    /// Contact id.
    pub contact: String,
    /// Node id.
    pub node: String,
    /// `sms`, `whatsapp`, `email` or `webhook`.
    pub channel: String,
    /// The effect (JSON).
    pub effect: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// The channel's result word (`ok`, `failed`).
    pub result: Option<String>,
    /// When the row was written.
    pub created_at: Timestamp,
    /// When a channel took it (or finally refused it).
    pub sent_at: Option<Timestamp>,
    /// When the interpreter counted it delivered.
    pub delivered_at: Option<Timestamp>,
}

/// Step records of one node, result and port, counted (for the canvas counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCount {
    /// Node id.
    pub node: String,
    /// Result word.
    pub result: String,
    /// Port taken, if any.
    pub port: Option<String>,
    /// How many step records say so.
    pub count: u64,
}

/// `LIKE` pattern matching `text` anywhere, with `\` as the escape character.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        seq: r.get(0)?,
        key: r.get(1)?,
        journey: r.get(2)?,
        version: r.get(3)?,
        contact: r.get(4)?,
        node: r.get(5)?,
        channel: r.get(6)?,
        effect: r.get(7)?,
        status: r.get(8)?,
        attempts: r.get(9)?,
        last_error: r.get(10)?,
        result: r.get(11)?,
        created_at: from_nanos(r.get(12)?),
        sent_at: r.get::<_, Option<i64>>(13)?.map(from_nanos),
        delivered_at: r.get::<_, Option<i64>>(14)?.map(from_nanos),
    })
}

impl Tx<'_> {
    /// A journey's enrollments whose contact id contains `search` (all when empty), most recently
    /// updated first, `limit` of them from `offset`; and how many match in all.
    pub fn enrollments_page(&self, journey: &str, search: &str, limit_to: usize, offset: usize) -> Result<(u64, Vec<EnrollmentRow>)> {
        let pattern = contains_pattern(search);
        let total: i64 = self
            .tx
            .query_row(
                "SELECT COUNT(*) FROM enrollments WHERE journey = ?1 AND contact LIKE ?2 ESCAPE '\\'",
                params![journey, pattern],
                |r| r.get(0),
            )
            .at(self.path)?;
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT contact, key, version, status, outcome, node, entries, updated_at FROM enrollments
                 WHERE journey = ?1 AND contact LIKE ?2 ESCAPE '\\'
                 ORDER BY updated_at DESC, id DESC LIMIT ?3 OFFSET ?4",
            )
            .at(self.path)?;
        let rows = stmt
            .query_map(params![journey, pattern, limit(limit_to), limit(offset)], enrollment_row)
            .at(self.path)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .at(self.path)?;
        Ok((total as u64, rows))
    }

    /// A journey's outbox rows, newest first, at most `limit`; only `contact`'s when given.
    pub fn outbox_page(&self, journey: &str, contact: Option<&str>, limit_to: usize) -> Result<Vec<OutboxRow>> {
        const COLUMNS: &str = "seq, key, journey, version, contact, node, channel, effect, status, attempts, last_error, result,
                               created_at, sent_at, delivered_at";
        // Newest first by row id (a journey's rows), or through the contact's index.
        let sql = match contact {
            None => format!("SELECT {COLUMNS} FROM outbox WHERE journey = ?1 ORDER BY seq DESC LIMIT ?2"),
            Some(_) => format!("SELECT {COLUMNS} FROM outbox WHERE contact = ?3 AND journey = ?1 ORDER BY seq DESC LIMIT ?2"),
        };
        let mut stmt = self.tx.prepare_cached(&sql).at(self.path)?;
        let rows = match contact {
            None => stmt.query_map(params![journey, limit(limit_to)], outbox_row),
            Some(contact) => stmt.query_map(params![journey, limit(limit_to), contact], outbox_row),
        };
        rows.at(self.path)?.collect::<rusqlite::Result<Vec<_>>>().at(self.path)
    }

    /// A contact's first `limit` steps in one journey, in order (JSON records), and how many it
    /// has in all.
    pub fn steps_page(&self, contact: &str, journey: &str, limit_to: usize) -> Result<(u64, Vec<String>)> {
        let total: i64 = self
            .tx
            .query_row("SELECT COUNT(*) FROM steps WHERE contact = ?1 AND journey = ?2", params![contact, journey], |r| r.get(0))
            .at(self.path)?;
        let mut stmt =
            self.tx.prepare_cached("SELECT record FROM steps WHERE contact = ?1 AND journey = ?2 ORDER BY seq LIMIT ?3").at(self.path)?;
        let rows = stmt
            .query_map(params![contact, journey, limit(limit_to)], |r| r.get(0))
            .at(self.path)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .at(self.path)?;
        Ok((total as u64, rows))
    }

    /// The step records of one journey version, counted per node, result and port.
    pub fn step_counts(&self, journey: &str, version: u32) -> Result<Vec<StepCount>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT json_extract(record, '$.node'), json_extract(record, '$.result'), json_extract(record, '$.port'), COUNT(*)
                 FROM steps WHERE journey = ?1 AND version = ?2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            )
            .at(self.path)?;
        stmt.query_map(params![journey, version], |r| {
            Ok(StepCount {
                node: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                result: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                port: r.get(2)?,
                count: r.get::<_, i64>(3)? as u64,
            })
        })
        .at(self.path)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .at(self.path)
    }

    /// A contact's enrollments in a journey (one per key of a keyed journey), in the order they
    /// started.
    pub fn enrollments_in(&self, contact: &str, journey: &str) -> Result<Vec<EnrollmentRow>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT contact, key, version, status, outcome, node, entries, updated_at FROM enrollments
                 WHERE contact = ?1 AND journey = ?2 ORDER BY id",
            )
            .at(self.path)?;
        stmt.query_map(params![contact, journey], enrollment_row).at(self.path)?.collect::<rusqlite::Result<Vec<_>>>().at(self.path)
    }
}

fn enrollment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EnrollmentRow> {
    Ok(EnrollmentRow {
        contact: r.get(0)?,
        key: r.get(1)?,
        version: r.get(2)?,
        status: r.get(3)?,
        outcome: r.get(4)?,
        node: r.get(5)?,
        entries: r.get(6)?,
        updated_at: from_nanos(r.get(7)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EnrollmentSummary, NewOutbox, Store};

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn pages_are_bounded_searched_and_counted() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.transaction().unwrap();
        let now = t("2026-01-01T00:00:00Z");
        tx.publish("j", "{}", 0, now).unwrap();
        for (i, id) in ["ana", "ben", "an_a", "100%"].iter().enumerate() {
            tx.put_contact(id, "{}", now).unwrap();
            let summary = EnrollmentSummary { version: 1, entries: 1, status: "waiting", outcome: None, node: Some("wait"), due: None };
            let at = now.saturating_add(jiff::SignedDuration::from_secs(i as i64)).unwrap();
            let e = tx.insert_enrollment("j", id, None, "{}", &summary, at).unwrap();
            tx.push_step(Some(e), "j", 1, id, at, r#"{"node":"start","result":"entered"}"#).unwrap();
            tx.push_step(Some(e), "j", 1, id, at, r#"{"node":"start","result":"passed","port":"next"}"#).unwrap();
            let key = format!("k{i}");
            let row = NewOutbox {
                key: &key,
                enrollment: e,
                journey: "j",
                version: 1,
                contact: id,
                node: "sms",
                channel: "sms",
                effect: "{}",
                at,
            };
            tx.push_outbox(&row).unwrap();
        }
        let (total, rows) = tx.enrollments_page("j", "", 2, 0).unwrap();
        assert_eq!(total, 4);
        // Most recent first.
        assert_eq!(rows.iter().map(|r| r.contact.as_str()).collect::<Vec<_>>(), ["100%", "an_a"]);
        let (total, rows) = tx.enrollments_page("j", "an", 10, 0).unwrap();
        assert_eq!((total, rows.len()), (2, 2));
        // `_` and `%` match themselves only.
        assert_eq!(tx.enrollments_page("j", "n_", 10, 0).unwrap().0, 1);
        assert_eq!(tx.enrollments_page("j", "%", 10, 0).unwrap().0, 1);
        assert_eq!(tx.enrollments_page("other", "", 10, 0).unwrap().0, 0);
        let (_, rows) = tx.enrollments_page("j", "", 10, 3).unwrap();
        assert_eq!(rows.len(), 1);

        let out = tx.outbox_page("j", None, 3).unwrap();
        assert_eq!(out.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["k3", "k2", "k1"]);
        assert_eq!(out[0].status, "pending");
        assert_eq!(tx.outbox_page("j", Some("ben"), 10).unwrap().len(), 1);

        let (total, steps) = tx.steps_page("ana", "j", 1).unwrap();
        assert_eq!((total, steps.len()), (2, 1));
        let counts = tx.step_counts("j", 1).unwrap();
        assert_eq!(
            counts,
            vec![
                StepCount { node: "start".into(), result: "entered".into(), port: None, count: 4 },
                StepCount { node: "start".into(), result: "passed".into(), port: Some("next".into()), count: 4 },
            ]
        );
        assert_eq!(tx.enrollments_in("ben", "j").unwrap()[0].node.as_deref(), Some("wait"));
        assert!(tx.enrollments_in("zed", "j").unwrap().is_empty());
    }
}
