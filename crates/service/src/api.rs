//! The operations of the server's `/v1` API (`itinera serve --db DB`): one method of [`Api`]
//! per route, over the same [`LiveEngine`] the editor's Live view uses, so that the desktop app
//! can call them too.
//!
//! * **Tokens.** [`Api::authorize`] hashes the bearer token and looks the hash up
//!   (`itinera_store::tokens`); none, unknown or revoked is [`ApiError::Unauthorized`], a
//!   token without the route's scope [`ApiError::Forbidden`].
//! * **Events are group-committed.** [`Api::push_events`] hands its batch to one writer thread
//!   that owns its own connection; the writer takes every batch queued meanwhile (from any
//!   number of requests) and commits them in one transaction with prepared statements, then
//!   answers each request — so a `202` is only ever sent after the request's events are
//!   committed, and the cost of a commit (WAL, `synchronous=NORMAL`) is shared by everything
//!   that arrived while the previous one ran. The queue is bounded: when it is full the caller
//!   gets [`ApiError::Busy`] (429) instead of an ever-growing backlog. After each commit the
//!   engine is woken. The engine's own batches and these commits take SQLite's single writer
//!   lock in turn (`BEGIN IMMEDIATE` with a busy timeout on both connections), each transaction
//!   being short, so neither starves the other.
//! * **Idempotent by id.** An event id seen before (in any earlier request, or earlier in the
//!   same commit) is counted `duplicate` and changes nothing; an event for a contact the store
//!   does not know creates that contact with no addresses and no consent.
//! * Every other route is one call of `itinera_runtime` through [`LiveEngine`].

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use itinera_engine::{Clock, Contact, Input, SystemClock};
use itinera_runtime::core::CLASS_EVENT;
use itinera_runtime::live::ContactTimeline;
use itinera_runtime::stats::JourneyStats;
use itinera_store::tokens::{Scope, TokenInfo};
use itinera_store::{ConsentEvidence, Store, VersionStatus};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::live::{LiveEngine, PublishAnswer, VersionChange};

/// The most events one `POST /v1/events` may carry.
pub const MAX_EVENTS_PER_REQUEST: usize = 1_000;
/// The longest event id, contact id or event name accepted.
pub const MAX_ID_BYTES: usize = 256;
/// Requests waiting for the writer before new ones are refused with 429.
pub const WRITER_QUEUE: usize = 4_096;
/// The most events the writer commits in one transaction.
const MAX_GROUP_EVENTS: usize = 50_000;

/// Why an API call failed: the service's [`Error`], or an API-only reason.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, an unknown one or a revoked one (HTTP 401).
    #[error("{0}")]
    Unauthorized(String),
    /// The token does not have the scope this route needs (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// The writer's queue is full: try again shortly (HTTP 429).
    #[error("{0}")]
    Busy(String),
    /// Any other failure.
    #[error(transparent)]
    Service(#[from] Error),
}

/// One event of `POST /v1/events`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// The event's id: pushing the same id again changes nothing.
    pub id: String,
    /// The contact it is about (created, without addresses or consent, when unknown).
    pub contact: String,
    /// The event name (a journey's trigger, a `wait_for` event, a goal or exit event).
    pub name: String,
    /// The event's data (`event.*` in conditions and templates).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Option<Map<String, Value>>,
    /// When it happened (RFC 3339; default: when it was received).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
}

/// The body of `POST /v1/events`: one event, or `{"events": [...]}`. Both shapes are read by
/// one struct so that a wrong field is named exactly (`events[3].contact`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsBody {
    /// Up to [`MAX_EVENTS_PER_REQUEST`] events.
    #[serde(default)]
    pub events: Option<Vec<EventIn>>,
    /// One event's id (without `events`).
    #[serde(default)]
    pub id: Option<String>,
    /// One event's contact.
    #[serde(default)]
    pub contact: Option<String>,
    /// One event's name.
    #[serde(default)]
    pub name: Option<String>,
    /// One event's data.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Option<Map<String, Value>>,
    /// One event's time.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
}

impl EventsBody {
    /// The events it carries, checked: one shape or the other, ids, contacts and names
    /// present and short, at most [`MAX_EVENTS_PER_REQUEST`].
    pub fn into_events(self) -> Result<Vec<EventIn>, Error> {
        let single = self.id.is_some() || self.contact.is_some() || self.name.is_some() || self.data.is_some() || self.at.is_some();
        let events = match (self.events, single) {
            (Some(_), true) => return Err(Error::BadInput("events: give either one event or {\"events\": [...]}, not both".into())),
            (Some(events), false) => events,
            (None, _) => {
                let missing = |field: &str| Error::BadInput(format!("{field}: missing field `{field}`"));
                vec![EventIn {
                    id: self.id.ok_or_else(|| missing("id"))?,
                    contact: self.contact.ok_or_else(|| missing("contact"))?,
                    name: self.name.ok_or_else(|| missing("name"))?,
                    data: self.data,
                    at: self.at,
                }]
            }
        };
        if events.len() > MAX_EVENTS_PER_REQUEST {
            return Err(Error::TooLarge(format!("events: {} events in one request; the most is {MAX_EVENTS_PER_REQUEST}", events.len())));
        }
        for (i, event) in events.iter().enumerate() {
            for (field, value) in [("id", &event.id), ("contact", &event.contact), ("name", &event.name)] {
                if value.trim().is_empty() {
                    return Err(Error::BadInput(format!("events[{i}].{field}: must not be empty")));
                }
                if value.len() > MAX_ID_BYTES {
                    return Err(Error::BadInput(format!("events[{i}].{field}: longer than {MAX_ID_BYTES} bytes")));
                }
            }
        }
        Ok(events)
    }
}

/// The answer of `POST /v1/events` (202).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventsAccepted {
    /// Events in the request.
    pub accepted: u64,
    /// Of those, new ids (now committed to the store).
    pub new: u64,
    /// Ids seen before: nothing changed for them.
    pub duplicate: u64,
    /// Contacts the store did not know, created (no addresses, no consent).
    pub contacts_created: u64,
}

/// A journey in `GET /v1/journeys`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct JourneySummary {
    /// Journey id.
    pub id: String,
    /// Its latest version.
    pub version: u32,
    /// The latest version's status (`active`, `paused`, `archived`).
    pub status: String,
    /// When the latest version was published.
    #[schema(value_type = String, format = DateTime)]
    pub published_at: Timestamp,
    /// How many versions it has.
    pub versions: u32,
}

/// A version in `GET /v1/journeys/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    /// The version.
    pub version: u32,
    /// `active`, `paused` or `archived`.
    pub status: String,
    /// When it was published.
    #[schema(value_type = String, format = DateTime)]
    pub published_at: Timestamp,
    /// SHA-256 of its canonical JSON.
    pub hash: String,
}

/// `GET /v1/journeys/{id}`: every version, and the latest one's journey file.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct JourneyDetail {
    /// Journey id.
    pub id: String,
    /// Its versions, oldest first.
    pub versions: Vec<VersionInfo>,
    /// The latest version's journey@1 file.
    #[schema(value_type = Object)]
    pub journey: Value,
}

/// `PUT /v1/contacts/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactSaved {
    /// Contact id.
    pub id: String,
    /// The contact did not exist before.
    pub created: bool,
    /// Something changed (false when the same contact was sent again).
    pub changed: bool,
}

/// `GET /v1/contacts/{id}`: the profile the journeys see, and the consent history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    /// The profile (`id`, `timezone`, `attributes`, `addresses`, `consent`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub contact: Value,
    /// Each consent change with its source, time and what was shown.
    #[schema(value_type = Vec<Object>)]
    pub consent_evidence: Vec<ConsentEvidence>,
    /// The journeys it is or was in.
    pub journeys: Vec<String>,
}

/// `GET /v1/contacts/{id}/timeline`: the contact's step log and messages in every journey.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ContactTimelines {
    /// Contact id.
    pub contact: String,
    /// Per journey id, its timeline there (as the Live view's `contact_timeline`).
    #[schema(value_type = Object)]
    pub journeys: BTreeMap<String, ContactTimeline>,
}

/// An event ready for the writer: everything serialised before it reaches the writer thread.
struct Prepared {
    id: String,
    contact: String,
    at: Timestamp,
    input: String,
}

struct Job {
    events: Vec<Prepared>,
    profiles: Vec<String>,
    now: Timestamp,
    reply: tokio::sync::oneshot::Sender<Result<EventsAccepted, WriteFailed>>,
}

/// Why the writer could not commit a group.
#[derive(Debug, Clone)]
struct WriteFailed {
    /// SQLite's writer lock stayed taken for the whole busy timeout.
    busy: bool,
    message: String,
}

/// The `/v1` operations over one engine database.
pub struct Api {
    live: Arc<LiveEngine>,
    writer: SyncSender<Job>,
    /// The token checks' own connection (every request makes one; the shared pool would open
    /// new connections under load).
    tokens: Mutex<Store>,
}

fn store_error(e: itinera_store::Error) -> Error {
    crate::live::store_error(e)
}

impl Api {
    /// The API over `live`'s database, with its event writer thread (one more connection).
    pub fn new(live: Arc<LiveEngine>) -> Result<Api, Error> {
        let store = Store::open(live.db()).map_err(store_error)?;
        let tokens = Mutex::new(Store::open(live.db()).map_err(store_error)?);
        let (writer, jobs) = mpsc::sync_channel(WRITER_QUEUE);
        let woken = live.clone();
        std::thread::Builder::new()
            .name("itinera-api-writer".into())
            .spawn(move || write_loop(store, &jobs, &woken))
            .map_err(|e| Error::Internal(format!("cannot start the event writer: {e}")))?;
        Ok(Api { live, writer, tokens })
    }

    /// The engine this API works on.
    pub fn live(&self) -> &Arc<LiveEngine> {
        &self.live
    }

    /// Checks `Authorization: Bearer <token>` (`bearer` is the header's value) for `scope`.
    pub fn authorize(&self, bearer: Option<&str>, scope: Scope) -> Result<TokenInfo, ApiError> {
        let Some(header) = bearer else {
            return Err(ApiError::Unauthorized("missing Authorization: Bearer <token> (itinera token create)".into()));
        };
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into()))?;
        let found = {
            let mut store = self.tokens.lock().map_err(|_| Error::Internal("the token connection is poisoned".into()))?;
            store.read().and_then(|tx| tx.token_by_secret(token)).map_err(store_error)?
        };
        match found {
            None => Err(ApiError::Unauthorized("unknown token".into())),
            Some(info) if info.revoked_at.is_some() => Err(ApiError::Unauthorized(format!("token {} is revoked", info.id))),
            Some(info) if info.scope != scope => {
                Err(ApiError::Forbidden(format!("token {} has scope `{}`; this route needs `{scope}`", info.id, info.scope)))
            }
            Some(info) => Ok(info),
        }
    }

    /// `POST /v1/journeys`: validates and publishes journey@1 text (a journey with errors is
    /// [`Error::Invalid`] with every diagnostic).
    pub fn publish(&self, text: &str, dry_run: bool, migrate: bool) -> Result<PublishAnswer, Error> {
        self.live.publish_journey(text, dry_run, migrate)
    }

    /// `GET /v1/journeys`: every published journey with its latest version.
    pub fn journeys(&self) -> Result<Vec<JourneySummary>, Error> {
        let versions = self.live.with_store(|store| store.read().and_then(|tx| tx.versions()).map_err(store_error))?;
        let mut out: Vec<JourneySummary> = Vec::new();
        for v in versions {
            match out.last_mut() {
                Some(last) if last.id == v.journey => {
                    last.versions += 1;
                    last.version = v.version;
                    last.status = v.status.as_str().to_string();
                    last.published_at = v.published_at;
                }
                _ => out.push(JourneySummary {
                    id: v.journey,
                    version: v.version,
                    status: v.status.as_str().to_string(),
                    published_at: v.published_at,
                    versions: 1,
                }),
            }
        }
        Ok(out)
    }

    /// `GET /v1/journeys/{id}`.
    pub fn journey(&self, id: &str) -> Result<JourneyDetail, Error> {
        let versions = self.live.with_store(|store| store.read().and_then(|tx| tx.versions()).map_err(store_error))?;
        let versions: Vec<_> = versions.into_iter().filter(|v| v.journey == id).collect();
        let Some(latest) = versions.last() else {
            return Err(Error::NotFound(format!("journey `{}` is not published", crate::error::shorten(id))));
        };
        let journey = serde_json::from_str(&latest.definition).map_err(|e| Error::Internal(format!("stored journey: {e}")))?;
        let versions = versions
            .iter()
            .map(|v| VersionInfo {
                version: v.version,
                status: v.status.as_str().into(),
                published_at: v.published_at,
                hash: v.hash.clone(),
            })
            .collect();
        Ok(JourneyDetail { id: id.to_string(), versions, journey })
    }

    /// `POST /v1/journeys/{id}/pause|resume|archive`: the latest version's status.
    pub fn set_status(&self, id: &str, status: VersionStatus) -> Result<VersionChange, Error> {
        self.live.set_version_status(id, None, status.as_str())
    }

    /// `PUT /v1/contacts/{id}`: upserts a contact in the shape of `itinera contacts import`
    /// (`timezone`, `attributes`, `addresses`, `consent`, `consent_evidence`); an `id` in the
    /// body must be the path's.
    pub fn put_contact(&self, id: &str, mut body: Map<String, Value>) -> Result<ContactSaved, Error> {
        if id.trim().is_empty() || id.len() > MAX_ID_BYTES {
            return Err(Error::BadInput(format!("id: a contact id is 1 to {MAX_ID_BYTES} bytes")));
        }
        match body.get("id") {
            None => {
                body.insert("id".into(), Value::String(id.to_string()));
            }
            Some(Value::String(given)) if given == id => {}
            Some(other) => {
                return Err(Error::BadInput(format!(
                    "id: the body's id {other} is not the id in the path ({})",
                    crate::error::shorten(id)
                )));
            }
        }
        let line = serde_json::to_string(&body).map_err(|e| Error::Internal(e.to_string()))?;
        let now = SystemClock.now();
        let source = format!("PUT /v1/contacts/{}", crate::error::shorten(id));
        let (created, counted) = self.live.with_store(|store| {
            let existed = store.read().and_then(|tx| tx.contact(id)).map_err(store_error)?.is_some();
            let counted = itinera_runtime::intake::import_contacts(store, &source, &line, now).map_err(|e| match e {
                // One line: its message without the file and line prefix.
                itinera_runtime::Error::Input { message, .. } => Error::BadInput(message.replace('`', "")),
                other => crate::live::from_runtime(other),
            })?;
            Ok((!existed, counted))
        })?;
        Ok(ContactSaved { id: id.to_string(), created, changed: counted.added > 0 })
    }

    /// `GET /v1/contacts/{id}`.
    pub fn contact(&self, id: &str) -> Result<ContactView, Error> {
        self.live.with_store(|store| {
            let tx = store.read().map_err(store_error)?;
            let Some(profile) = tx.contact(id).map_err(store_error)? else {
                return Err(Error::NotFound(format!("no contact `{}`", crate::error::shorten(id))));
            };
            let contact = serde_json::from_str(&profile).map_err(|e| Error::Internal(format!("stored contact: {e}")))?;
            let consent_evidence = tx.consent_evidence(id).map_err(store_error)?;
            let mut journeys: Vec<String> = tx.enrollments_of(id).map_err(store_error)?.into_iter().map(|e| e.journey).collect();
            journeys.dedup();
            Ok(ContactView { contact, consent_evidence, journeys })
        })
    }

    /// `GET /v1/contacts/{id}/timeline`: its timeline in every journey it entered.
    pub fn contact_timeline(&self, id: &str) -> Result<ContactTimelines, Error> {
        self.live.with_store(|store| {
            let (known, mut journeys) = {
                let tx = store.read().map_err(store_error)?;
                let known = tx.contact(id).map_err(store_error)?.is_some();
                let journeys: Vec<String> = tx.enrollments_of(id).map_err(store_error)?.into_iter().map(|e| e.journey).collect();
                (known, journeys)
            };
            if !known {
                return Err(Error::NotFound(format!("no contact `{}`", crate::error::shorten(id))));
            }
            journeys.dedup();
            let mut out = BTreeMap::new();
            for journey in journeys {
                if let Some(line) = itinera_runtime::live::timeline(store, &journey, id).map_err(crate::live::from_runtime)? {
                    out.insert(journey, line);
                }
            }
            Ok(ContactTimelines { contact: id.to_string(), journeys: out })
        })
    }

    /// `GET /v1/journeys/{id}/stats`.
    pub fn stats(&self, id: &str) -> Result<JourneyStats, Error> {
        self.live.with_store(|store| itinera_runtime::stats::stats(store, id).map_err(crate::live::from_runtime))
    }

    /// `POST /v1/events`: queues the events for the writer and completes once they are
    /// committed (or the commit failed). Call it from a tokio task.
    pub async fn push_events(&self, events: Vec<EventIn>) -> Result<EventsAccepted, ApiError> {
        let now = SystemClock.now();
        let mut prepared = Vec::with_capacity(events.len());
        let mut profiles = Vec::with_capacity(events.len());
        for event in events {
            let input = Input::Event { name: event.name, data: event.data.unwrap_or_default() };
            let input = serde_json::to_string(&input).map_err(|e| Error::Internal(e.to_string()))?;
            let profile = Contact { id: event.contact.clone(), ..Contact::default() };
            profiles.push(serde_json::to_string(&profile).map_err(|e| Error::Internal(e.to_string()))?);
            prepared.push(Prepared { id: event.id, contact: event.contact, at: event.at.unwrap_or(now), input });
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        match self.writer.try_send(Job { events: prepared, profiles, now, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(ApiError::Busy("too many events waiting to be written: retry shortly".into())),
            Err(TrySendError::Disconnected(_)) => return Err(Error::Internal("the event writer stopped".into()).into()),
        }
        match answer.await {
            Ok(Ok(accepted)) => Ok(accepted),
            Ok(Err(WriteFailed { busy: true, .. })) => {
                Err(ApiError::Busy("the database stayed busy: the events were not stored; retry".into()))
            }
            Ok(Err(WriteFailed { message, .. })) => Err(Error::Internal(format!("the events were not stored: {message}")).into()),
            Err(_) => Err(Error::Internal("the event writer stopped".into()).into()),
        }
    }
}

/// The writer thread: takes the queued jobs, commits them together, answers each, wakes the
/// engine; ends when the [`Api`] is dropped.
fn write_loop(mut store: Store, jobs: &Receiver<Job>, live: &LiveEngine) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        let mut events = group[0].events.len();
        while events < MAX_GROUP_EVENTS {
            match jobs.try_recv() {
                Ok(job) => {
                    events += job.events.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        match commit(&mut store, &group) {
            Ok(answers) => {
                for (job, answer) in group.into_iter().zip(answers) {
                    let _ = job.reply.send(Ok(answer));
                }
                live.wake();
            }
            Err(e) => {
                let busy = matches!(&e, itinera_store::Error::Sqlite { error, .. }
                    if matches!(error.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)));
                let failed = WriteFailed { busy, message: e.to_string() };
                for job in group {
                    let _ = job.reply.send(Err(failed.clone()));
                }
            }
        }
    }
}

fn commit(store: &mut Store, group: &[Job]) -> Result<Vec<EventsAccepted>, itinera_store::Error> {
    let tx = store.transaction()?;
    let mut answers = Vec::with_capacity(group.len());
    for job in group {
        let mut answer = EventsAccepted { accepted: job.events.len() as u64, ..EventsAccepted::default() };
        for (event, profile) in job.events.iter().zip(&job.profiles) {
            if tx.ensure_contact(&event.contact, profile, job.now)? {
                answer.contacts_created += 1;
            }
            if tx.push_input(&event.id, &event.contact, CLASS_EVENT, event.at, &event.input, None, job.now)? {
                answer.new += 1;
            } else {
                answer.duplicate += 1;
            }
        }
        answers.push(answer);
    }
    tx.commit()?;
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> EventsBody {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn one_event_or_a_list_but_not_both() {
        let one = body(r#"{"id": "e1", "contact": "c1", "name": "signed_up", "data": {"plan": "pro"}}"#).into_events().unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].data.as_ref().unwrap()["plan"], "pro");
        let list = body(r#"{"events": [{"id": "a", "contact": "c", "name": "n"}, {"id": "b", "contact": "c", "name": "n"}]}"#);
        assert_eq!(list.into_events().unwrap().len(), 2);
        let both = body(r#"{"events": [], "id": "x"}"#).into_events().unwrap_err();
        assert!(both.to_string().contains("not both"), "{both}");
        let missing = body(r#"{"id": "e1", "name": "n"}"#).into_events().unwrap_err();
        assert!(missing.to_string().starts_with("contact:"), "{missing}");
        let empty = body(r#"{"events": [{"id": "a", "contact": " ", "name": "n"}]}"#).into_events().unwrap_err();
        assert!(empty.to_string().starts_with("events[0].contact"), "{empty}");
        let many = EventsBody {
            events: Some(vec![EventIn { id: "a".into(), contact: "c".into(), name: "n".into(), data: None, at: None }; 1001]),
            ..EventsBody::default()
        };
        assert_eq!(many.into_events().unwrap_err().kind(), crate::ErrorKind::TooLarge);
    }

    #[tokio::test]
    async fn events_are_committed_before_the_answer_and_counted_once() {
        let dir = tempfile::tempdir().unwrap();
        let live = Arc::new(LiveEngine::open(dir.path().join("e.db")).unwrap());
        let api = Api::new(live).unwrap();
        let event = |id: &str, contact: &str| EventIn { id: id.into(), contact: contact.into(), name: "n".into(), data: None, at: None };
        let first = api.push_events(vec![event("e1", "new-person"), event("e2", "new-person"), event("e1", "new-person")]).await.unwrap();
        assert_eq!(first, EventsAccepted { accepted: 3, new: 2, duplicate: 1, contacts_created: 1 });
        // A second connection sees them as soon as the call returned.
        let mut other = Store::open(dir.path().join("e.db")).unwrap();
        let tx = other.read().unwrap();
        let rows: i64 = tx.conn().query_row("SELECT COUNT(*) FROM inbox", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 2);
        let profile: Contact = serde_json::from_str(&tx.contact("new-person").unwrap().unwrap()).unwrap();
        assert!(profile.addresses.is_empty() && profile.consent.is_empty());
        drop(tx);
        let again = api.push_events(vec![event("e2", "new-person")]).await.unwrap();
        assert_eq!(again, EventsAccepted { accepted: 1, new: 0, duplicate: 1, contacts_created: 0 });
    }
}
