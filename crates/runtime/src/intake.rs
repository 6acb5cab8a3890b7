//! What comes into the engine from its operators: published versions (with the change impact and
//! migration), pause/resume/archive, contacts and inputs — in the formats the commands read.
//!
//! * **Publishing** validates first (errors refuse it, with every diagnostic) and stores an
//!   immutable version; an unchanged journey (same canonical JSON) makes no new version.
//! * **Change impact**: for every node of a running version where contacts wait, how many, and
//!   whether the new version still has a node with that id and type. [`PublishOptions::migrate`]
//!   moves the waiting contacts whose node is unchanged to the new version (keeping their wait
//!   and its deadline); the others stay where they are. Contacts waiting for a delivery or a
//!   webhook result never move: the result carries the old version's idempotency key.
//! * **Contacts** (`contacts import`): one JSON object per line in the scenario's contact shape
//!   (`id`, `timezone`, `attributes`, `addresses`, `consent`), upserted by id; consent changes
//!   are kept with their evidence (`consent_evidence`: `source`, `at`, `shown`).
//! * **Inputs** (`events push`): `{"id", "contact", "name", "data", "at"?}` for an event,
//!   `{"id", "contact", "reply": {"channel", "text"?, "button"?}, "at"?}` for a reply; idempotent
//!   by `id`.

use std::collections::BTreeMap;

use itinera_engine::{Contact, ContactState, Input, Program, Status, Waiting};
use itinera_store::{ConsentEvidence, EnrollmentSummary, Store, VersionStatus};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
use crate::core::{CLASS_EVENT, CLASS_REPLY, compile_version};

/// How to publish.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublishOptions {
    /// Compute and report, store nothing.
    pub dry_run: bool,
    /// Move waiting contacts whose node is unchanged to the new version.
    pub migrate: bool,
    /// The seed its splits draw from.
    pub seed: u64,
}

/// What publishing did (`itinera publish --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Published {
    /// Journey id.
    pub journey: String,
    /// The version now latest (the new one, or the unchanged one).
    pub version: u32,
    /// Whether a new version was made (false for an unchanged journey, and in a dry run).
    pub changed: bool,
    /// Where contacts wait in running versions, and whether the new version keeps that node.
    pub impact: Vec<Impact>,
    /// Contacts moved to the new version (`--migrate`).
    pub migrated: u64,
    /// A dry run: nothing was stored.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub dry_run: bool,
}

/// Contacts waiting at one node of a running version.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Impact {
    /// The running version.
    pub version: u32,
    /// Node id.
    pub node: String,
    /// Node type in the running version.
    #[serde(rename = "type")]
    pub node_type: String,
    /// Contacts waiting there.
    pub waiting: u64,
    /// The new version has a node with this id and type (contacts there can migrate).
    pub kept: bool,
    /// Of those, how many wait for a delivery or webhook result (they never migrate).
    #[serde(skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "ts", ts(as = "Option<u64>", optional))]
    pub in_flight: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Publishes journey text (validated first).
pub fn publish(store: &mut Store, text: &str, options: &PublishOptions, now: Timestamp) -> Result<Published, Error> {
    let (journey, report) = itinera_engine::check_source(text);
    let journey = match journey {
        Some(j) if report.valid => j,
        other => {
            let id = other.map(|j| j.id).unwrap_or_default();
            return Err(Error::Invalid { journey: id, diagnostics: report.diagnostics });
        }
    };
    let canonical = itinera_model::json::canonical_text(text).map_err(|e| Error::Internal(e.to_string()))?;
    let id = journey.id.clone();
    let tx = store.transaction()?;
    let latest = tx.latest_version(&id)?;
    let unchanged = latest.as_ref().is_some_and(|v| v.hash == itinera_store::content_hash(&canonical));
    let next_version = latest.as_ref().map_or(1, |v| if unchanged { v.version } else { v.version + 1 });
    let new_program = Program::compile(&journey).map_err(|e| Error::Compile(id.clone(), e))?.with_version(next_version);
    // Impact over every version with waiting contacts.
    let mut impact = Vec::new();
    let mut movable: Vec<(i64, u32)> = Vec::new();
    let versions: Vec<u32> = tx.versions()?.into_iter().filter(|v| v.journey == id).map(|v| v.version).collect();
    for version in versions {
        if unchanged && version == next_version {
            continue;
        }
        let waiting = tx.waiting_in(&id, version)?;
        if waiting.is_empty() {
            continue;
        }
        let row = tx.version(&id, version)?.ok_or_else(|| Error::Internal(format!("version {version} vanished")))?;
        let old = compile_version(&id, version, &row.definition)?;
        let mut per_node: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
        for (enrollment, _contact, node) in waiting {
            let Some(index) = old.node_index(&node) else { continue };
            let slot = per_node.entry(index).or_default();
            slot.0 += 1;
            let state_row = tx.enrollment(enrollment)?.ok_or_else(|| Error::Internal("enrollment vanished".into()))?;
            let state: ContactState = serde_json::from_str(&state_row.state).map_err(|e| Error::Internal(e.to_string()))?;
            let in_flight =
                matches!(state.status, Status::Waiting { waiting: Waiting::Delivery { .. } | Waiting::WebhookResult { .. }, .. });
            if in_flight {
                slot.1 += 1;
            }
            let kept = new_program.node_index(&node).is_some_and(|n| new_program.nodes[n].type_name == old.nodes[index].type_name);
            if kept && !in_flight && !unchanged {
                movable.push((enrollment, version));
            }
        }
        for (index, (waiting, in_flight)) in per_node {
            let node = &old.nodes[index];
            let kept = new_program.node_index(&node.id).is_some_and(|n| new_program.nodes[n].type_name == node.type_name);
            impact.push(Impact { version, node: node.id.clone(), node_type: node.type_name.to_string(), waiting, kept, in_flight });
        }
    }
    if options.dry_run || unchanged {
        return Ok(Published { journey: id, version: next_version, changed: false, impact, migrated: 0, dry_run: options.dry_run });
    }
    let (version, changed) = tx.publish(&id, &canonical, options.seed, now)?;
    let mut migrated = 0;
    if options.migrate {
        for (enrollment, _) in movable {
            let row = tx.enrollment(enrollment)?.ok_or_else(|| Error::Internal("enrollment vanished".into()))?;
            let mut state: ContactState = serde_json::from_str(&row.state).map_err(|e| Error::Internal(e.to_string()))?;
            let Status::Waiting { since, waiting, .. } = state.status else { continue };
            let Some(node_id) = state.node_id.clone() else { continue };
            let Some(index) = new_program.node_index(&node_id) else { continue };
            state.version = version;
            state.status = Status::Waiting { node: index, since, waiting };
            state.check(&new_program).map_err(|e| Error::State(row.contact.clone(), e))?;
            let json = serde_json::to_string(&state).map_err(|e| Error::Internal(e.to_string()))?;
            let summary = EnrollmentSummary {
                version,
                entries: state.entries,
                status: "waiting",
                outcome: None,
                node: Some(&node_id),
                due: state.due(),
            };
            tx.update_enrollment(enrollment, &json, &summary, row.updated_at)?;
            migrated += 1;
        }
    }
    tx.commit()?;
    Ok(Published { journey: id, version, changed, impact, migrated, dry_run: false })
}

/// Sets a version's status (`None`: the latest). Archiving orders every contact inside that
/// version to leave (outcome `left`, reason `archived`), applied by the engine like any input.
pub fn set_status(store: &mut Store, journey: &str, version: Option<u32>, status: VersionStatus, now: Timestamp) -> Result<u32, Error> {
    let tx = store.transaction()?;
    let version = match version {
        Some(v) => v,
        None => {
            tx.latest_version(journey)?
                .ok_or_else(|| Error::Store(itinera_store::Error::NoSuchJourney { journey: journey.to_string(), version: None }))?
                .version
        }
    };
    tx.set_status(journey, version, status)?;
    if status == VersionStatus::Archived {
        let leave = serde_json::to_string(&Input::Leave { reason: "archived".into() }).map_err(|e| Error::Internal(e.to_string()))?;
        for (enrollment, contact, _) in tx.waiting_in(journey, version)? {
            tx.push_input(&format!("leave:{enrollment}:v{version}:archived"), &contact, CLASS_EVENT, now, &leave, Some(enrollment), now)?;
        }
    }
    tx.commit()?;
    Ok(version)
}

/// A contact line of `contacts import`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactLine {
    id: String,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    attributes: Option<Map<String, Value>>,
    #[serde(default)]
    addresses: Option<BTreeMap<String, String>>,
    #[serde(default)]
    consent: Option<BTreeMap<String, bool>>,
    #[serde(default)]
    consent_evidence: BTreeMap<String, EvidenceLine>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceLine {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    at: Option<Timestamp>,
    #[serde(default)]
    shown: Option<String>,
}

/// What an import or push did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counted {
    /// New (or changed) rows.
    pub added: u64,
    /// Lines that changed nothing (an input id seen before).
    pub unchanged: u64,
}

const CHANNELS: [&str; 3] = ["sms", "whatsapp", "email"];

/// The longest line of a contacts or inputs file: a contact or an event is small; a line this
/// long is a mistake or an attack, refused before it is parsed.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The JSON object of every non-blank line, with its 1-based line number: a line over
/// [`MAX_LINE_BYTES`], with a duplicate key, or not of `T`'s shape is an error naming it.
fn json_lines<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<Vec<(usize, T)>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| Error::Input { file: file.to_string(), line: i + 1, message };
        if line.len() > MAX_LINE_BYTES {
            return Err(bad(format!("the line is {} bytes; the most a line may be is {MAX_LINE_BYTES} bytes (1 MiB)", line.len())));
        }
        itinera_model::json::check_unique_keys(line).map_err(|e| bad(e.to_string()))?;
        out.push((i + 1, serde_json::from_str(line).map_err(|e| bad(e.to_string()))?));
    }
    Ok(out)
}

/// Reads `contacts import` lines (blank lines skipped) and upserts them, all in one
/// transaction: a bad line refuses the whole file, naming its line.
pub fn import_contacts(store: &mut Store, file: &str, text: &str, now: Timestamp) -> Result<Counted, Error> {
    let mut lines = Vec::new();
    for (line_no, parsed) in json_lines::<ContactLine>(file, text)? {
        let bad = |message: String| Error::Input { file: file.to_string(), line: line_no, message };
        if parsed.id.is_empty() {
            return Err(bad("`id` must not be empty".into()));
        }
        if let Some(zone) = &parsed.timezone
            && jiff::tz::TimeZone::get(zone).is_err()
        {
            return Err(bad(format!("`timezone`: unknown time zone `{zone}`")));
        }
        for channel in parsed.consent.iter().flat_map(|c| c.keys()).chain(parsed.addresses.iter().flat_map(|a| a.keys())) {
            if !CHANNELS.contains(&channel.as_str()) {
                return Err(bad(format!("unknown channel `{channel}` (sms, whatsapp, email)")));
            }
        }
        lines.push(parsed);
    }
    let tx = store.transaction()?;
    let mut counted = Counted::default();
    for line in lines {
        let mut contact: Contact = match tx.contact(&line.id)? {
            Some(profile) => serde_json::from_str(&profile).map_err(|e| Error::Internal(e.to_string()))?,
            None => Contact { id: line.id.clone(), ..Contact::default() },
        };
        let before = contact.clone();
        if line.timezone.is_some() {
            contact.timezone = line.timezone.clone();
        }
        if let Some(attributes) = line.attributes {
            contact.attributes = attributes;
        }
        if let Some(addresses) = line.addresses {
            contact.addresses = addresses;
        }
        let mut evidence = Vec::new();
        if let Some(consent) = line.consent {
            for (channel, granted) in &consent {
                if contact.consent.get(channel) != Some(granted) {
                    let given = line.consent_evidence.get(channel);
                    evidence.push(ConsentEvidence {
                        channel: channel.clone(),
                        granted: *granted,
                        source: given.and_then(|e| e.source.clone()).unwrap_or_else(|| format!("import {file}")),
                        at: given.and_then(|e| e.at).unwrap_or(now),
                        shown: given.and_then(|e| e.shown.clone()),
                    });
                }
            }
            contact.consent = consent;
        }
        if contact == before && tx.contact(&line.id)?.is_some() {
            counted.unchanged += 1;
            continue;
        }
        let profile = serde_json::to_string(&contact).map_err(|e| Error::Internal(e.to_string()))?;
        tx.put_contact(&line.id, &profile, now)?;
        for e in &evidence {
            tx.add_consent_evidence(&line.id, e)?;
        }
        counted.added += 1;
    }
    tx.commit()?;
    Ok(counted)
}

/// An input line of `events push`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputLine {
    id: String,
    contact: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    data: Option<Map<String, Value>>,
    #[serde(default)]
    reply: Option<ReplyLine>,
    #[serde(default)]
    at: Option<Timestamp>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyLine {
    channel: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    button: Option<String>,
}

/// An input as the engine's inbox takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInput {
    /// The input's id (idempotency).
    pub id: String,
    /// Contact id.
    pub contact: String,
    /// When it happened (default: now).
    pub at: Option<Timestamp>,
    /// The input.
    pub input: Input,
}

/// Parses `events push` lines (blank lines skipped); a bad line is an error naming it.
pub fn parse_inputs(file: &str, text: &str) -> Result<Vec<NewInput>, Error> {
    let mut out = Vec::new();
    for (line_no, parsed) in json_lines::<InputLine>(file, text)? {
        let bad = |message: String| Error::Input { file: file.to_string(), line: line_no, message };
        if parsed.id.is_empty() || parsed.contact.is_empty() {
            return Err(bad("`id` and `contact` must not be empty".into()));
        }
        let input = match (parsed.name, parsed.reply) {
            (Some(name), None) if !name.is_empty() => Input::Event { name, data: parsed.data.unwrap_or_default() },
            (None, Some(reply)) if parsed.data.is_none() => {
                if !CHANNELS.contains(&reply.channel.as_str()) {
                    return Err(bad(format!("`reply.channel`: unknown channel `{}` (sms, whatsapp, email)", reply.channel)));
                }
                if reply.text.is_none() && reply.button.is_none() {
                    return Err(bad("`reply` needs `text` or `button`".into()));
                }
                Input::Reply { channel: reply.channel, text: reply.text, button: reply.button }
            }
            _ => return Err(bad("a line is an event (`name`, `data`) or a reply (`reply`), not both or neither".into())),
        };
        out.push(NewInput { id: parsed.id, contact: parsed.contact, at: parsed.at, input });
    }
    Ok(out)
}

/// Adds inputs to the inbox in one transaction; an id seen before is skipped.
pub fn push_inputs(store: &mut Store, inputs: &[NewInput], now: Timestamp) -> Result<Counted, Error> {
    let tx = store.transaction()?;
    let mut counted = Counted::default();
    for input in inputs {
        let class = if matches!(input.input, Input::Reply { .. }) { CLASS_REPLY } else { CLASS_EVENT };
        let json = serde_json::to_string(&input.input).map_err(|e| Error::Internal(e.to_string()))?;
        if tx.push_input(&input.id, &input.contact, class, input.at.unwrap_or(now), &json, None, now)? {
            counted.added += 1;
        } else {
            counted.unchanged += 1;
        }
    }
    tx.commit()?;
    Ok(counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn importing_a_new_contact_with_consent_keeps_its_evidence() {
        let mut store = Store::open_in_memory().unwrap();
        let now = t("2026-01-01T00:00:00Z");
        let text = concat!(
            r#"{"id": "c1", "addresses": {"sms": "+15550000001"}, "consent": {"sms": true, "email": false}}"#,
            "\n",
            r#"{"id": "c2", "consent": {"sms": true}, "consent_evidence": {"sms": {"source": "web form", "shown": "Yes, text me"}}}"#,
            "\n"
        );
        let counted = import_contacts(&mut store, "people.jsonl", text, now).unwrap();
        assert_eq!(counted, Counted { added: 2, unchanged: 0 });
        let tx = store.read().unwrap();
        let c1: Contact = serde_json::from_str(&tx.contact("c1").unwrap().unwrap()).unwrap();
        assert_eq!(c1.consent.get("sms"), Some(&true));
        let evidence = tx.consent_evidence("c1").unwrap();
        assert_eq!(evidence.len(), 2);
        assert!(evidence.iter().all(|e| e.source == "import people.jsonl" && e.at == now));
        let evidence = tx.consent_evidence("c2").unwrap();
        assert_eq!((evidence[0].source.as_str(), evidence[0].shown.as_deref()), ("web form", Some("Yes, text me")));
        drop(tx);
        // The same file again changes nothing and adds no evidence; a revocation adds one row.
        assert_eq!(import_contacts(&mut store, "people.jsonl", text, now).unwrap(), Counted { added: 0, unchanged: 2 });
        let revoke = r#"{"id": "c2", "consent": {"sms": false}}"#;
        assert_eq!(import_contacts(&mut store, "later.jsonl", revoke, now).unwrap(), Counted { added: 1, unchanged: 0 });
        let tx = store.read().unwrap();
        assert_eq!(tx.consent_evidence("c1").unwrap().len(), 2);
        let evidence = tx.consent_evidence("c2").unwrap();
        assert_eq!(evidence.len(), 2);
        assert!(!evidence[1].granted);
    }
}
