//! Inbound webhooks: the raw request kept before anything acts on it, and the lookups that turn
//! what a provider says (a phone number, its message id) into our contacts and outbox rows.

use rusqlite::{OptionalExtension as _, params};

use crate::{OutboxItem, Result, Sql as _, Timestamp, Tx, nanos};

/// An inbound request as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundRow {
    /// Row id.
    pub seq: i64,
    /// `whatsapp`, `twilio`, `unsubscribe` or `hooks/<path>`.
    pub source: String,
    /// When it arrived.
    pub received_at: Timestamp,
    /// Headers kept (JSON object).
    pub headers: String,
    /// The body as received.
    pub body: Vec<u8>,
    /// What it became (JSON), once acted on.
    pub outcome: Option<String>,
}

impl Tx<'_> {
    /// Keeps a verified inbound request as received; returns its row id.
    pub fn keep_inbound(&self, source: &str, headers: &str, body: &[u8], now: Timestamp) -> Result<i64> {
        let mut stmt =
            self.tx.prepare_cached("INSERT INTO inbound (source, received_at, headers, body) VALUES (?1, ?2, ?3, ?4)").at(self.path)?;
        stmt.execute(params![source, nanos(now), headers, body]).at(self.path)?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Records what an inbound request became.
    pub fn inbound_outcome(&self, seq: i64, outcome: &str) -> Result<()> {
        let mut stmt = self.tx.prepare_cached("UPDATE inbound SET outcome = ?2 WHERE seq = ?1").at(self.path)?;
        stmt.execute(params![seq, outcome]).at(self.path)?;
        Ok(())
    }

    /// The most recent inbound requests, newest first.
    pub fn inbound_recent(&self, limit: usize) -> Result<Vec<InboundRow>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT seq, source, received_at, headers, body, outcome FROM inbound ORDER BY seq DESC LIMIT ?1")
            .at(self.path)?;
        stmt.query_map([limit as i64], |r| {
            Ok(InboundRow {
                seq: r.get(0)?,
                source: r.get(1)?,
                received_at: crate::from_nanos(r.get(2)?),
                headers: r.get(3)?,
                body: r.get(4)?,
                outcome: r.get(5)?,
            })
        })
        .at(self.path)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .at(self.path)
    }

    /// Contacts whose address on `channel` (`sms`, `whatsapp`, `email`) is `address`, by id.
    pub fn contacts_with_address(&self, channel: &str, address: &str) -> Result<Vec<String>> {
        // One query per channel so that each uses its expression index.
        let sql = match channel {
            "sms" => "SELECT id FROM contacts WHERE json_extract(profile, '$.addresses.sms') = ?1 ORDER BY id",
            "whatsapp" => "SELECT id FROM contacts WHERE json_extract(profile, '$.addresses.whatsapp') = ?1 ORDER BY id",
            "email" => "SELECT id FROM contacts WHERE json_extract(profile, '$.addresses.email') = ?1 ORDER BY id",
            _ => return Ok(Vec::new()),
        };
        let mut stmt = self.tx.prepare_cached(sql).at(self.path)?;
        stmt.query_map([address], |r| r.get(0)).at(self.path)?.collect::<rusqlite::Result<Vec<_>>>().at(self.path)
    }

    /// The outbox row of a message by idempotency key.
    pub fn outbox_by_key(&self, key: &str) -> Result<Option<OutboxItem>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT seq, key, enrollment, journey, version, contact, effect, attempts, channel, node, created_at FROM outbox WHERE key = ?1")
            .at(self.path)?;
        stmt.query_row([key], outbox_row).optional().at(self.path)
    }

    /// A receipt: the provider says the message was read (also delivered).
    pub fn outbox_read(&self, key: &str, now: Timestamp) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached("UPDATE outbox SET read_at = COALESCE(read_at, ?2), delivered_at = COALESCE(delivered_at, ?2) WHERE key = ?1")
            .at(self.path)?;
        stmt.execute(params![key, nanos(now)]).at(self.path)?;
        Ok(())
    }

    /// A receipt: the provider could not deliver a message it had taken.
    pub fn outbox_undelivered(&self, key: &str, reason: &str) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "UPDATE outbox SET status = 'failed', result = 'failed', last_error = ?2 WHERE key = ?1 AND delivered_at IS NULL",
            )
            .at(self.path)?;
        stmt.execute(params![key, reason]).at(self.path)?;
        Ok(())
    }
}

/// An outbox row from `SELECT seq, key, enrollment, journey, version, contact, effect, attempts, channel, node, created_at`.
pub(crate) fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        seq: r.get(0)?,
        key: r.get(1)?,
        enrollment: r.get(2)?,
        journey: r.get(3)?,
        version: r.get(4)?,
        contact: r.get(5)?,
        effect: r.get(6)?,
        attempts: r.get(7)?,
        channel: r.get(8)?,
        node: r.get(9)?,
        created_at: crate::from_nanos(r.get(10)?),
    })
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn contacts_are_found_by_address_and_requests_kept_raw() {
        let mut store = Store::open_in_memory().unwrap();
        let now: jiff::Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        let tx = store.transaction().unwrap();
        tx.put_contact("c1", r#"{"id":"c1","addresses":{"sms":"+15550001","whatsapp":"+15550001"}}"#, now).unwrap();
        tx.put_contact("c2", r#"{"id":"c2","addresses":{"whatsapp":"+15550002"}}"#, now).unwrap();
        assert_eq!(tx.contacts_with_address("whatsapp", "+15550001").unwrap(), ["c1"]);
        assert_eq!(tx.contacts_with_address("sms", "+15550002").unwrap(), Vec::<String>::new());
        assert_eq!(tx.contacts_with_address("fax", "+15550002").unwrap(), Vec::<String>::new());
        let seq = tx.keep_inbound("whatsapp", "{}", b"\x00raw body", now).unwrap();
        tx.inbound_outcome(seq, r#"{"inputs":1}"#).unwrap();
        let kept = tx.inbound_recent(10).unwrap();
        assert_eq!((kept[0].body.as_slice(), kept[0].outcome.as_deref()), (&b"\x00raw body"[..], Some(r#"{"inputs":1}"#)));
        // The address lookup uses its index.
        let plan: String = tx
            .conn()
            .query_row("EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE json_extract(profile, '$.addresses.whatsapp') = '+1'", [], |r| {
                r.get(3)
            })
            .unwrap();
        assert!(plan.contains("contacts_whatsapp"), "{plan}");
    }
}
