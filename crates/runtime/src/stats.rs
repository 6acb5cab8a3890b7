//! A journey's numbers for `GET /v1/journeys/{id}/stats`: per version and per node, how many
//! entered, how many wait there now, outcomes, messages per channel (sent, delivered, failed,
//! read, pending), replies per branch and the goal conversion.
//!
//! Everything is counted by SQLite (`GROUP BY` over the enrollments, steps and outbox of one
//! version, each an indexed range): nothing is loaded row by row, so the answer costs a few
//! queries per version however many contacts went through.

use std::collections::BTreeMap;

use itinera_store::{Store, VersionStatus};
use jiff::Timestamp;
use rusqlite::params;
use serde::Serialize;

use crate::Error;

/// Message counts of one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MessageCounts {
    /// Taken by the channel.
    pub sent: u64,
    /// Known delivered (a receipt, or counted delivered at the delivery deadline).
    pub delivered: u64,
    /// Refused for good.
    pub failed: u64,
    /// Read receipts (the provider's `read` status webhook).
    pub read: u64,
    /// Not yet performed.
    pub pending: u64,
}

/// One node of one version.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NodeStats {
    /// Flows (contacts, or contact × key) that took at least one step here.
    pub entered: u64,
    /// Flows waiting here now.
    pub waiting: u64,
    /// Step records here per result word (`sent`, `matched`, `timeout`, `goal`, ...).
    pub results: BTreeMap<String, u64>,
    /// Messages sent from this node, per channel.
    pub messages: BTreeMap<String, MessageCounts>,
    /// Replies that matched a branch of this node (a wait for a reply), per branch port.
    pub replies: BTreeMap<String, u64>,
}

/// One version of the journey.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionStats {
    /// The version.
    pub version: u32,
    /// `active`, `paused` or `archived`.
    pub status: VersionStatus,
    /// When it was published.
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub published_at: Timestamp,
    /// Flows on this version that entered.
    pub entered: u64,
    /// Flows waiting now (anywhere in the version).
    pub waiting: u64,
    /// Flows per outcome (`exited`, `goal`, `left`, `waiting`, `not_entered`).
    pub outcomes: BTreeMap<String, u64>,
    /// `goal` outcomes over `entered` (0 when nobody entered).
    pub goal_conversion: f64,
    /// Messages per channel.
    pub messages: BTreeMap<String, MessageCounts>,
    /// Per node id.
    pub nodes: BTreeMap<String, NodeStats>,
}

/// The stats of every version of a journey, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JourneyStats {
    /// Journey id.
    pub journey: String,
    /// Its versions.
    pub versions: Vec<VersionStats>,
}

/// Counts a published journey (a journey never published is `Store(NoSuchJourney)`).
pub fn stats(store: &mut Store, journey: &str) -> Result<JourneyStats, Error> {
    let tx = store.read()?;
    let versions: Vec<_> = tx.versions()?.into_iter().filter(|v| v.journey == journey).collect();
    if versions.is_empty() {
        return Err(Error::Store(itinera_store::Error::NoSuchJourney { journey: journey.to_string(), version: None }));
    }
    let conn = tx.conn();
    let sql = |e| Error::Store(itinera_store::Error::Sqlite { path: tx.path().to_string(), error: e });
    let mut out = Vec::with_capacity(versions.len());
    for v in versions {
        let mut stats = VersionStats {
            version: v.version,
            status: v.status,
            published_at: v.published_at,
            entered: 0,
            waiting: 0,
            outcomes: BTreeMap::new(),
            goal_conversion: 0.0,
            messages: BTreeMap::new(),
            nodes: BTreeMap::new(),
        };
        // Enrollments: outcomes, and where they wait (the same counts as `status`).
        let flows = crate::status::flow_counts(conn, journey, v.version).map_err(sql)?;
        stats.entered = flows.entered;
        stats.outcomes = flows.outcomes;
        for (node, waiting) in flows.waiting {
            stats.waiting += waiting;
            stats.nodes.entry(node).or_default().waiting += waiting;
        }
        let goals = stats.outcomes.get("goal").copied().unwrap_or(0);
        stats.goal_conversion = if stats.entered == 0 { 0.0 } else { goals as f64 / stats.entered as f64 };
        // Steps: flows per node, results per node, replies per branch.
        let mut stmt = conn
            .prepare_cached(
                "SELECT json_extract(record, '$.node'), COUNT(DISTINCT enrollment) FROM steps
                 WHERE journey = ?1 AND version = ?2 GROUP BY 1",
            )
            .map_err(sql)?;
        let rows = stmt.query_map(params![journey, v.version], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)? as u64)));
        for row in rows.map_err(sql)? {
            let (node, flows) = row.map_err(sql)?;
            stats.nodes.entry(node.unwrap_or_default()).or_default().entered = flows;
        }
        for group in tx.step_counts(journey, v.version)? {
            let node = stats.nodes.entry(group.node).or_default();
            *node.results.entry(group.result.clone()).or_default() += group.count;
            if group.result == "matched"
                && let Some(port) = group.port
            {
                *node.replies.entry(port).or_default() += group.count;
            }
        }
        // Outbox: messages per node and channel.
        let mut stmt = conn
            .prepare_cached(
                "SELECT node, channel, status, delivered_at IS NOT NULL, read_at IS NOT NULL, COUNT(*)
                 FROM outbox WHERE journey = ?1 AND version = ?2 GROUP BY 1, 2, 3, 4, 5",
            )
            .map_err(sql)?;
        let rows = stmt.query_map(params![journey, v.version], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, i64>(5)? as u64,
            ))
        });
        for row in rows.map_err(sql)? {
            let (node, channel, status, delivered, read, count) = row.map_err(sql)?;
            for counts in [
                stats.messages.entry(channel.clone()).or_default(),
                stats.nodes.entry(node.clone()).or_default().messages.entry(channel.clone()).or_default(),
            ] {
                match status.as_str() {
                    "sent" => counts.sent += count,
                    "failed" => counts.failed += count,
                    _ => counts.pending += count,
                }
                if delivered {
                    counts.delivered += count;
                }
                if read {
                    counts.read += count;
                }
            }
        }
        out.push(stats);
    }
    Ok(JourneyStats { journey: journey.to_string(), versions: out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Attempt, Engine};
    use crate::intake::{self, NewInput, PublishOptions};
    use itinera_engine::Input;

    const JOURNEY: &str = r#"{
      "format": "itinera/journey@1", "id": "j", "name": "J",
      "settings": {"goal": {"event": "purchased"}},
      "nodes": [
        {"id": "start", "type": "trigger", "event": "signed_up"},
        {"id": "ask", "type": "send", "channel": "sms", "text": "Interested? Reply YES or NO"},
        {"id": "answer", "type": "wait_for", "reply": {"channel": "sms"}, "timeout": "1d",
         "branches": [{"port": "yes", "keywords": ["yes"]}, {"port": "no", "keywords": ["no"]}]},
        {"id": "done", "type": "exit"}
      ],
      "edges": [{"from": "start", "to": "ask"}, {"from": "ask", "to": "answer"},
                {"from": "answer", "port": "yes", "to": "done"}, {"from": "answer", "port": "no", "to": "done"},
                {"from": "answer", "port": "timeout", "to": "done"}]
    }"#;

    fn event(id: &str, contact: &str, name: &str) -> NewInput {
        NewInput { id: id.into(), contact: contact.into(), at: None, input: Input::Event { name: name.into(), data: Default::default() } }
    }

    #[test]
    fn stats_count_entries_waits_outcomes_messages_and_replies_per_node() {
        let mut engine = Engine::new(Store::open_in_memory().unwrap());
        let now: Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
        intake::publish(engine.store(), JOURNEY, &PublishOptions::default(), now).unwrap();
        let people = ["ana", "bob", "cara", "dan"]
            .map(|id| format!(r#"{{"id": "{id}", "addresses": {{"sms": "+1555{id}"}}, "consent": {{"sms": true}}}}"#))
            .join("\n");
        intake::import_contacts(engine.store(), "t", &people, now).unwrap();
        let starts: Vec<_> = ["ana", "bob", "cara", "dan"].iter().map(|c| event(&format!("s-{c}"), c, "signed_up")).collect();
        intake::push_inputs(engine.store(), &starts, now).unwrap();
        engine.apply_due(now, 100).unwrap();
        // Three messages go out; dan's fails for good.
        let due = engine.due_outbox(now, 10).unwrap();
        assert_eq!(due.len(), 4);
        let answers: Vec<_> = due
            .into_iter()
            .map(|row| {
                let answer = if row.contact == "dan" { Err("undeliverable".to_string()) } else { Ok(()) };
                (row, Attempt::Done(answer))
            })
            .collect();
        engine.record_attempts(&answers, now).unwrap();
        engine.apply_due(now, 100).unwrap();
        let reply = |id: &str, contact: &str, text: &str| NewInput {
            id: id.into(),
            contact: contact.into(),
            at: None,
            input: Input::Reply { channel: "sms".into(), text: Some(text.into()), button: None },
        };
        intake::push_inputs(engine.store(), &[reply("r1", "ana", "yes please"), event("g1", "cara", "purchased")], now).unwrap();
        engine.apply_due(now, 100).unwrap();

        let stats = stats(engine.store(), "j").unwrap();
        assert_eq!(stats.versions.len(), 1);
        let v = &stats.versions[0];
        // ana replied and left through `done`, cara converted; bob and dan (whose message failed:
        // no `failed` port, so on it goes) still wait for a reply.
        assert_eq!((v.version, v.entered, v.waiting), (1, 4, 2));
        assert_eq!(v.outcomes["goal"], 1);
        assert_eq!(v.outcomes["waiting"], 2);
        assert_eq!(v.outcomes["exited"], 1, "{:?}", v.outcomes);
        assert!((v.goal_conversion - 0.25).abs() < 1e-9);
        assert_eq!(v.messages["sms"], MessageCounts { sent: 3, delivered: 3, failed: 1, read: 0, pending: 0 });
        assert_eq!(v.nodes["start"].entered, 4);
        assert_eq!(v.nodes["ask"].messages["sms"].failed, 1);
        assert_eq!(v.nodes["answer"].waiting, 2);
        assert_eq!(v.nodes["answer"].entered, 4);
        assert_eq!(v.nodes["answer"].results["goal"], 1);
        assert_eq!(v.nodes["answer"].replies, BTreeMap::from([("yes".to_string(), 1)]));
        assert_eq!(v.nodes["done"].entered, 1);
        assert!(matches!(super::stats(engine.store(), "nope"), Err(Error::Store(itinera_store::Error::NoSuchJourney { .. }))));
    }
}
