//! What the editor's Live view reads from a running engine's store, and the sinks a front end
//! that embeds the engine (`itinera serve --db`, the desktop app) gives it.
//!
//! * [`counts`]: per node of one version, arrivals and contacts waiting, and traffic per edge —
//!   counted from the step log by the simulator's own [`SummaryCounter`], so the canvas shows
//!   live numbers exactly as it shows a simulation's;
//! * [`enrollments`]: a page of a journey's enrollments, searchable by contact id;
//! * [`timeline`]: one contact's step log (the simulator's step records) and its messages;
//! * [`outbox`]: the messages and webhook calls written for a journey, with what became of them
//!   and what they said (rendered text, subject, template, URL);
//! * [`default_sinks`]: messages recorded to `DB.records.jsonl` (no provider is configured),
//!   webhooks called over HTTP — what `itinera run` does without `--sink`.
//!
//! Everything here only reads (one read transaction per call) and every list is bounded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use itinera_engine::{Effect, MessageTemplate, Program, StepRecord};
use itinera_sim::{EdgeCount, SummaryCounter};
use itinera_store::Store;
use itinera_store::queries::{EnrollmentRow, OutboxRow};
use jiff::Timestamp;
use serde::Serialize;

use crate::Error;
#[cfg(feature = "http")]
use crate::channel::{HttpWebhook, RecordSink};
use crate::channel::{Record, Sinks};

/// The most rows one list answers (a bigger `limit` is cut to this).
pub const MAX_PAGE: usize = 1000;
/// The most steps (and messages) one contact's timeline keeps.
pub const MAX_TIMELINE: usize = 10_000;

/// Where the default sinks record messages: `DB.records.jsonl` beside the database.
pub fn records_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".records.jsonl");
    PathBuf::from(name)
}

/// Messages recorded to [`records_path`] (no message provider is configured), webhooks called
/// over HTTP with this timeout; with the sentence that says so. Without the `http` feature,
/// webhook calls are recorded too.
pub fn default_sinks(db: &Path, webhook_timeout: Duration) -> Result<(Sinks, String), Error> {
    let path = records_path(db);
    #[cfg(feature = "http")]
    {
        let messages = RecordSink::open(&path)?;
        let note = format!("no message provider configured: recording messages to {}; webhooks are called", path.display());
        Ok((Sinks::new(Box::new(messages), Box::new(HttpWebhook::new(webhook_timeout))), note))
    }
    #[cfg(not(feature = "http"))]
    {
        let _ = webhook_timeout;
        let note = format!("built without HTTP: recording every message and webhook call to {}", path.display());
        Ok((Sinks::record(&path)?, note))
    }
}

fn no_journey(journey: &str, version: Option<u32>) -> Error {
    Error::Store(itinera_store::Error::NoSuchJourney { journey: journey.to_string(), version })
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(e.to_string())
}

/// Live counts of one node.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NodeCounts {
    /// Arrivals (every pass counted), as the simulation summary's `entered`.
    pub entered: u64,
    /// Contacts waiting there now.
    pub waiting: u64,
}

/// The canvas numbers of one version.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LiveCounts {
    /// Journey id.
    pub journey: String,
    /// The version counted.
    pub version: u32,
    /// Per node id of that version (every node listed, zeros included).
    pub nodes: BTreeMap<String, NodeCounts>,
    /// Traversals per edge, in the version's edge order (zeros included).
    pub edges: Vec<EdgeCount>,
}

/// Counts of one version (`None`: the latest).
pub fn counts(store: &mut Store, journey: &str, version: Option<u32>) -> Result<LiveCounts, Error> {
    let tx = store.read()?;
    let row = match version {
        Some(v) => tx.version(journey, v)?,
        None => tx.latest_version(journey)?,
    }
    .ok_or_else(|| no_journey(journey, version))?;
    let (parsed, report) = itinera_engine::check_source(&row.definition);
    let parsed = match parsed {
        Some(j) if report.valid => j,
        _ => return Err(Error::Invalid { journey: journey.to_string(), diagnostics: report.diagnostics }),
    };
    let program = Program::compile(&parsed).map_err(|e| Error::Compile(journey.to_string(), e))?.with_version(row.version);
    let mut counter = SummaryCounter::new(&parsed, &program);
    for group in tx.step_counts(journey, row.version)? {
        // A stored record names nodes and results of its own version; one that does not is
        // not counted rather than failing the view.
        let record = StepRecord {
            at: row.published_at,
            node: group.node,
            node_type: String::new(),
            result: group.result,
            reason: None,
            port: group.port,
            detail: String::new(),
            missing: Vec::new(),
            key: None,
        };
        for _ in 0..group.count {
            if counter.step(&record).is_err() {
                break;
            }
        }
    }
    let summary = counter.finish();
    let mut nodes: BTreeMap<String, NodeCounts> = summary
        .nodes
        .iter()
        .map(|(id, row)| (id.clone(), NodeCounts { entered: row.get("entered").copied().unwrap_or(0), waiting: 0 }))
        .collect();
    let mut stmt = tx
        .conn()
        .prepare_cached(
            "SELECT COALESCE(node, ''), COUNT(*) FROM enrollments WHERE journey = ?1 AND version = ?2 AND status = 'waiting' GROUP BY 1",
        )
        .map_err(|e| sql(tx.path(), e))?;
    let waiting =
        stmt.query_map((journey, row.version), |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(|e| sql(tx.path(), e))?;
    for item in waiting {
        let (node, n) = item.map_err(|e| sql(tx.path(), e))?;
        nodes.entry(node).or_default().waiting += n as u64;
    }
    Ok(LiveCounts { journey: journey.to_string(), version: row.version, nodes, edges: summary.edges })
}

fn sql(path: &str, source: rusqlite::Error) -> Error {
    Error::Store(itinera_store::Error::Sqlite { path: path.to_string(), error: source })
}

/// One enrollment of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnrollmentItem {
    /// Contact id.
    pub contact: String,
    /// The trigger key's value (`null` for the keyless flow): one contact has one enrollment
    /// per key in a journey whose trigger has a `key`.
    pub key: Option<String>,
    /// The version the contact is on.
    pub version: u32,
    /// `waiting`, `done` or `not_entered`.
    pub status: String,
    /// The outcome word (`waiting`, `exited`, `goal`, `left`, `not_entered`).
    #[cfg_attr(feature = "ts", ts(as = "itinera_engine::ContactOutcome"))]
    pub outcome: String,
    /// The node it waits at or finished at.
    pub node: Option<String>,
    /// Entries so far.
    pub entries: u32,
    /// When its latest input was applied.
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub updated_at: Timestamp,
}

fn outcome_word(row: &EnrollmentRow) -> String {
    match row.status.as_str() {
        "waiting" => "waiting".to_string(),
        "done" => row.outcome.clone().unwrap_or_else(|| "exited".into()),
        _ => "not_entered".to_string(),
    }
}

impl From<EnrollmentRow> for EnrollmentItem {
    fn from(row: EnrollmentRow) -> EnrollmentItem {
        let outcome = outcome_word(&row);
        EnrollmentItem {
            contact: row.contact,
            key: row.key,
            version: row.version,
            status: row.status,
            outcome,
            node: row.node,
            entries: row.entries,
            updated_at: row.updated_at,
        }
    }
}

/// A page of enrollments.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnrollmentPage {
    /// How many match the search in all.
    pub total: u64,
    /// This page, most recently updated first.
    pub enrollments: Vec<EnrollmentItem>,
}

/// A journey's enrollments whose contact id contains `search`, `limit` (at most [`MAX_PAGE`])
/// from `offset`.
pub fn enrollments(store: &mut Store, journey: &str, search: &str, limit: usize, offset: usize) -> Result<EnrollmentPage, Error> {
    let tx = store.read()?;
    let (total, rows) = tx.enrollments_page(journey, search, limit.min(MAX_PAGE), offset)?;
    Ok(EnrollmentPage { total, enrollments: rows.into_iter().map(EnrollmentItem::from).collect() })
}

/// A message or webhook call of the outbox — exactly what went (or will go) out, as the record
/// sink writes it — with what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxEntry {
    /// What goes out: key, journey, version, contact, node, channel, `at` (the message's own
    /// time), address, rendered text/subject/template/buttons or webhook method/url/body.
    #[serde(flatten)]
    pub record: Record,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's error.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub last_error: Option<String>,
    /// When it was written to the outbox.
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub created_at: Timestamp,
    /// When a channel took it (or finally refused it).
    #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
    pub sent_at: Option<Timestamp>,
    /// When it counted as delivered.
    #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
    pub delivered_at: Option<Timestamp>,
}

fn outbox_entry(row: OutboxRow) -> Result<OutboxEntry, Error> {
    let effect: Effect = serde_json::from_str(&row.effect).map_err(|e| internal(format!("outbox row {}: {e}", row.seq)))?;
    let record = Record::of_effect(&row.key, &row.journey, row.version, &row.contact, &effect)
        .ok_or_else(|| internal(format!("outbox row {} holds no outgoing effect", row.seq)))?;
    Ok(OutboxEntry {
        record,
        status: row.status,
        attempts: row.attempts,
        last_error: row.last_error,
        created_at: row.created_at,
        sent_at: row.sent_at,
        delivered_at: row.delivered_at,
    })
}

/// A journey's outbox, newest first, at most `limit` rows (at most [`MAX_PAGE`]).
pub fn outbox(store: &mut Store, journey: &str, limit: usize) -> Result<Vec<OutboxEntry>, Error> {
    let tx = store.read()?;
    tx.outbox_page(journey, None, limit.min(MAX_PAGE))?.into_iter().map(outbox_entry).collect()
}

/// A message of a contact's timeline: the simulation report's message, with its outbox state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimelineMessage {
    /// Send node id.
    pub node: String,
    /// Channel.
    pub channel: String,
    /// When it was sent.
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub at: Timestamp,
    /// Rendered text.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub text: Option<String>,
    /// WhatsApp template.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub template: Option<MessageTemplate>,
    /// Email subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub subject: Option<String>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Whether it counted as delivered.
    pub delivered: bool,
}

/// One flow of a contact in a journey whose trigger has a `key` (the simulation report's entry).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimelineEntry {
    /// The key's value (`null` for a flow started by an event without the key field).
    pub key: Option<String>,
    /// How it stands.
    #[cfg_attr(feature = "ts", ts(as = "itinera_engine::ContactOutcome"))]
    pub outcome: String,
    /// The node it waits at or finished at.
    pub exit_node: Option<String>,
    /// The version it is on.
    pub version: u32,
}

/// One contact in one journey: the simulation report's contact shape (`id`, `outcome`,
/// `exit_node`, `entries`, `steps`, `messages`), from the engine's enrollments, step log and
/// outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactTimeline {
    /// Contact id.
    pub id: String,
    /// `waiting`, `exited`, `goal`, `left` or `not_entered` (the latest flow's, in a keyed
    /// journey).
    #[cfg_attr(feature = "ts", ts(as = "itinera_engine::ContactOutcome"))]
    pub outcome: String,
    /// The node it waits at or finished at.
    pub exit_node: Option<String>,
    /// The version it is on (the latest flow's).
    pub version: u32,
    /// In a journey whose trigger has a `key`: each flow, in the order they started. Omitted
    /// when empty (always so without `key`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<TimelineEntry>>", optional))]
    pub entries: Vec<TimelineEntry>,
    /// Every step, in order (the first [`MAX_TIMELINE`]).
    pub steps: Vec<StepRecord>,
    /// Its messages, in order (the first [`MAX_TIMELINE`]).
    pub messages: Vec<TimelineMessage>,
    /// True when `steps` or `messages` stop early. Omitted when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub truncated: bool,
}

/// One contact's timeline in a journey (`None`: the contact never came into it).
pub fn timeline(store: &mut Store, journey: &str, contact: &str) -> Result<Option<ContactTimeline>, Error> {
    let tx = store.read()?;
    let flows = tx.enrollments_in(contact, journey)?;
    let Some(row) = flows.iter().max_by_key(|r| r.updated_at).cloned() else { return Ok(None) };
    let keyed = flows.iter().any(|r| r.key.is_some());
    let entries = if keyed {
        flows
            .iter()
            .map(|r| {
                let outcome = outcome_word(r);
                let exit_node = if outcome == "not_entered" { None } else { r.node.clone() };
                TimelineEntry { key: r.key.clone(), outcome, exit_node, version: r.version }
            })
            .collect()
    } else {
        Vec::new()
    };
    let (total, records) = tx.steps_page(contact, journey, MAX_TIMELINE)?;
    let steps = records
        .iter()
        .map(|json| serde_json::from_str::<StepRecord>(json).map_err(|e| internal(format!("step of {contact}: {e}"))))
        .collect::<Result<Vec<_>, Error>>()?;
    let mut rows = tx.outbox_page(journey, Some(contact), MAX_TIMELINE + 1)?;
    let more_messages = rows.len() > MAX_TIMELINE;
    rows.truncate(MAX_TIMELINE);
    rows.reverse();
    let mut messages = Vec::with_capacity(rows.len());
    for row in rows {
        if row.channel == "webhook" {
            continue;
        }
        let delivered = row.delivered_at.is_some();
        let entry = outbox_entry(row)?;
        let sent = entry.record;
        messages.push(TimelineMessage {
            node: sent.node,
            channel: sent.channel,
            at: sent.at,
            text: sent.text,
            template: sent.template,
            subject: sent.subject,
            status: entry.status,
            delivered,
        });
    }
    let outcome = outcome_word(&row);
    let exit_node = if outcome == "not_entered" { None } else { row.node.clone() };
    Ok(Some(ContactTimeline {
        id: row.contact,
        outcome,
        exit_node,
        version: row.version,
        entries,
        truncated: total > steps.len() as u64 || more_messages,
        steps,
        messages,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Engine;
    use crate::intake::{self, NewInput, PublishOptions};

    const JOURNEY: &str = r#"{
      "format": "itinera/journey@1", "id": "j", "name": "J",
      "nodes": [
        {"id": "start", "type": "trigger", "event": "signed_up"},
        {"id": "hello", "type": "send", "channel": "sms", "text": "Hi {{ contact.first_name }}"},
        {"id": "pause", "type": "wait", "for": "1d"},
        {"id": "done", "type": "exit"}
      ],
      "edges": [{"from": "start", "to": "hello"}, {"from": "hello", "to": "pause"}, {"from": "pause", "to": "done"}]
    }"#;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn counts_timeline_enrollments_and_outbox_come_from_the_store() {
        let mut engine = Engine::new(Store::open_in_memory().unwrap());
        let now = t("2026-03-02T10:00:00Z");
        intake::publish(engine.store(), JOURNEY, &PublishOptions::default(), now).unwrap();
        let contact = r#"{"id": "ana", "attributes": {"first_name": "Ana"}, "addresses": {"sms": "+351"}, "consent": {"sms": true}}"#;
        intake::import_contacts(engine.store(), "t", contact, now).unwrap();
        let input = NewInput {
            id: "e1".into(),
            contact: "ana".into(),
            at: None,
            input: itinera_engine::Input::Event { name: "signed_up".into(), data: Default::default() },
        };
        intake::push_inputs(engine.store(), &[input], now).unwrap();
        engine.apply_due(now, 100).unwrap();
        // The send is in the outbox; the channel answers; the result moves the contact on.
        let due = engine.due_outbox(now, 10).unwrap();
        assert_eq!(due.len(), 1);
        let answers: Vec<_> = due.into_iter().map(|row| (row, crate::core::Attempt::Done(Ok(())))).collect();
        engine.record_attempts(&answers, now).unwrap();
        engine.apply_due(now, 100).unwrap();

        let store = engine.store();
        let live = counts(store, "j", None).unwrap();
        assert_eq!(live.version, 1);
        assert_eq!(live.nodes["start"], NodeCounts { entered: 1, waiting: 0 });
        assert_eq!(live.nodes["hello"].entered, 1);
        assert_eq!(live.nodes["pause"], NodeCounts { entered: 1, waiting: 1 });
        assert_eq!(live.nodes["done"], NodeCounts::default());
        assert_eq!(live.edges.iter().map(|e| e.count).collect::<Vec<_>>(), [1, 1, 0]);

        let page = enrollments(store, "j", "an", 10, 0).unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.enrollments[0].outcome, "waiting");
        assert_eq!(page.enrollments[0].node.as_deref(), Some("pause"));
        assert_eq!(enrollments(store, "j", "zz", 10, 0).unwrap().total, 0);

        let line = timeline(store, "j", "ana").unwrap().unwrap();
        assert_eq!(line.outcome, "waiting");
        assert_eq!(line.exit_node.as_deref(), Some("pause"));
        assert_eq!(line.steps.first().map(|s| s.node.as_str()), Some("start"));
        assert!(line.steps.iter().any(|s| s.node == "hello" && s.result == "delivered"), "{:?}", line.steps);
        assert_eq!(line.messages.len(), 1);
        assert_eq!(line.messages[0].text.as_deref(), Some("Hi Ana"));
        assert!(line.messages[0].delivered);
        assert!(timeline(store, "j", "nobody").unwrap().is_none());

        let out = outbox(store, "j", 10).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].status.as_str(), out[0].record.to.as_deref(), out[0].record.text.as_deref()),
            ("sent", Some("+351"), Some("Hi Ana"))
        );
        assert!(out[0].delivered_at.is_some());

        assert!(matches!(counts(store, "nope", None), Err(Error::Store(itinera_store::Error::NoSuchJourney { .. }))));
    }

    #[test]
    fn a_keyed_journey_lists_one_enrollment_per_flow_and_the_timeline_its_entries() {
        let keyed = JOURNEY.replace(r#""event": "signed_up"}"#, r#""event": "signed_up", "key": "event.plan"}"#);
        let mut engine = Engine::new(Store::open_in_memory().unwrap());
        let now = t("2026-03-02T10:00:00Z");
        intake::publish(engine.store(), &keyed, &PublishOptions::default(), now).unwrap();
        let inputs: Vec<NewInput> = ["a", "b"]
            .iter()
            .map(|plan| NewInput {
                id: format!("e-{plan}"),
                contact: "ana".into(),
                at: None,
                input: itinera_engine::Input::Event {
                    name: "signed_up".into(),
                    data: serde_json::from_value(serde_json::json!({ "plan": plan })).unwrap(),
                },
            })
            .collect();
        intake::push_inputs(engine.store(), &inputs, now).unwrap();
        for _ in 0..4 {
            engine.apply_due(now, 100).unwrap();
        }
        let store = engine.store();
        let page = enrollments(store, "j", "", 10, 0).unwrap();
        assert_eq!(page.total, 2);
        let mut keys: Vec<Option<String>> = page.enrollments.iter().map(|e| e.key.clone()).collect();
        keys.sort();
        assert_eq!(keys, [Some("a".to_string()), Some("b".to_string())]);
        let line = timeline(store, "j", "ana").unwrap().unwrap();
        assert_eq!(line.entries.iter().map(|e| e.key.as_deref()).collect::<Vec<_>>(), [Some("a"), Some("b")]);
        assert_eq!(line.steps.iter().filter(|s| s.node == "start").count(), 2, "{:?}", line.steps);
        // Without a key, no entries are listed (the report's shape).
        let mut plain = Engine::new(Store::open_in_memory().unwrap());
        intake::publish(plain.store(), JOURNEY, &PublishOptions::default(), now).unwrap();
        intake::push_inputs(plain.store(), &inputs[..1], now).unwrap();
        plain.apply_due(now, 100).unwrap();
        assert!(timeline(plain.store(), "j", "ana").unwrap().unwrap().entries.is_empty());
    }

    #[test]
    fn records_go_beside_the_database() {
        assert_eq!(records_path(Path::new("/tmp/x/engine.db")), PathBuf::from("/tmp/x/engine.db.records.jsonl"));
    }
}
