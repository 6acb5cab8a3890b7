//! The Live view's operations: publishing to the bundled engine and watching what it does.
//!
//! A [`LiveEngine`] is the engine's database file, the running engine loop when the front end
//! started one ([`LiveEngine::start`]: `itinera serve --db DB`, the desktop app's
//! `<app data>/engine.db`), and a few connections for the editor's reads. Every operation
//! below is one call of `itinera_runtime` (publish, status, pause/resume/archive, the Live
//! view's reads in `itinera_runtime::live`); writes wake the engine so that it looks at once.
//!
//! * `publish_journey` validates and stores a new version (a dry run first shows the change
//!   impact: where contacts wait in running versions and whether the new version keeps those
//!   steps); a journey with errors is [`Error::Invalid`] with every diagnostic.
//! * `send_test_event` upserts a test contact (consent evidence `source: "test event"`) and
//!   pushes the journey's trigger event for it with a fresh input id.
//!
//! The wall clock is read here (`SystemClock`: when a version is published, when an event
//! arrived), never in the interpreter.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use itinera_engine::{Clock, Input, SystemClock};
use itinera_runtime::intake::{self, NewInput, PublishOptions, Published};
use itinera_runtime::live::{self as rt_live, ContactTimeline, EnrollmentPage, LiveCounts, OutboxEntry};
use itinera_runtime::status::VersionReport;
use itinera_runtime::{Handle, Options, Service};
use itinera_store::{Store, VersionStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::Error;

/// How long a webhook call of the embedded engine may take.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle read connections kept.
const POOL: usize = 4;
/// Rows a list answers when the caller names no limit.
pub const DEFAULT_LIMIT: usize = 100;

/// The message of every live command on a front end without an engine.
pub const NO_ENGINE: &str = "no engine database: start itinera serve with --db DB to publish journeys and see them live";

/// The bundled engine as the editor sees it.
pub struct LiveEngine {
    db: PathBuf,
    records: PathBuf,
    handle: Option<Handle>,
    idle: Mutex<Vec<Store>>,
    sent: AtomicU64,
}

/// `engine_info`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EngineInfo {
    /// The database file (absolute when it was given so), `null` without an engine.
    pub db: Option<String>,
    /// Where messages are recorded (no message provider is configured).
    pub records: Option<String>,
    /// Whether the engine loop runs in this process.
    pub running: bool,
}

impl EngineInfo {
    /// What a front end without an engine answers.
    pub fn none() -> EngineInfo {
        EngineInfo { db: None, records: None, running: false }
    }
}

/// `publish_journey`: the runtime's answer, plus whether the journey is the latest version as
/// it is (nothing to publish).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PublishAnswer {
    /// What publishing did (or would do, in a dry run).
    #[serde(flatten)]
    pub published: Published,
    /// The journey is exactly its latest published version: publishing makes no new version.
    pub unchanged: bool,
}

/// `set_version_status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionChange {
    /// Journey id.
    pub journey: String,
    /// The version changed.
    pub version: u32,
    /// Its status now.
    pub status: VersionStatus,
}

/// The test contact of `send_test_event`: the scenario's contact shape, without events.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct TestContact {
    /// Contact id.
    pub id: String,
    /// IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub timezone: Option<String>,
    /// Attributes (`contact.first_name` ...); replace the stored ones when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub attributes: Option<Map<String, Value>>,
    /// Addresses per channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub addresses: Option<BTreeMap<String, String>>,
    /// Consent per channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub consent: Option<BTreeMap<String, bool>>,
}

/// `send_test_event`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SentEvent {
    /// Journey id.
    pub journey: String,
    /// The latest version (the one a new entry goes to).
    pub version: u32,
    /// Its status: only an `active` latest version takes new entries.
    pub status: VersionStatus,
    /// The trigger event pushed.
    pub event: String,
    /// Contact id.
    pub contact: String,
    /// The input's id.
    pub input: String,
}

pub(crate) fn from_runtime(error: itinera_runtime::Error) -> Error {
    use itinera_runtime::Error as E;
    match error {
        E::Invalid { journey, diagnostics } => {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let name = if journey.is_empty() { "the journey".to_string() } else { format!("journey `{journey}`") };
            Error::Invalid { message: format!("{name} has {errors} error(s): fix them before publishing"), diagnostics }
        }
        E::Store(itinera_store::Error::NoSuchJourney { journey, version: None }) => {
            Error::NotFound(format!("journey `{journey}` is not published yet: publish it first"))
        }
        E::Store(e @ itinera_store::Error::NoSuchJourney { .. }) => Error::NotFound(e.to_string()),
        E::Input { message, .. } => Error::BadInput(message),
        other => Error::Internal(other.to_string()),
    }
}

pub(crate) fn store_error(error: itinera_store::Error) -> Error {
    from_runtime(itinera_runtime::Error::Store(error))
}

impl LiveEngine {
    /// The engine's database (created when missing) without an engine loop: the Live view's
    /// reads and writes work, nothing runs the journeys (tests; a second window on one file).
    pub fn open(db: impl Into<PathBuf>) -> Result<LiveEngine, Error> {
        let db = db.into();
        let store = Store::open(&db).map_err(|e| Error::BadInput(format!("cannot open the engine database: {e}")))?;
        let records = rt_live::records_path(&db);
        Ok(LiveEngine { db, records, handle: None, idle: Mutex::new(vec![store]), sent: AtomicU64::new(0) })
    }

    /// Opens the database and starts the engine on the current tokio runtime (call it from
    /// inside one): messages are recorded to `DB.records.jsonl`, webhooks called over HTTP.
    /// Returns the engine and the sentence that says where messages go.
    pub fn start(db: impl Into<PathBuf>) -> Result<(LiveEngine, String), Error> {
        let db = db.into();
        let (sinks, note) = rt_live::default_sinks(&db, WEBHOOK_TIMEOUT).map_err(from_runtime)?;
        LiveEngine::start_with(db, sinks, note)
    }

    /// [`LiveEngine::start`] with these channels (a server's configured providers); `note`
    /// says where messages go.
    pub fn start_with(db: impl Into<PathBuf>, sinks: itinera_runtime::Sinks, note: String) -> Result<(LiveEngine, String), Error> {
        let mut engine = LiveEngine::open(db)?;
        let handle = Service::start(Options::new(&engine.db), sinks, std::sync::Arc::new(SystemClock)).map_err(from_runtime)?;
        engine.handle = Some(handle);
        Ok((engine, note))
    }

    /// Stops the engine loop (after its current turn) and waits for it.
    pub async fn stop(&self) -> Result<(), Error> {
        match &self.handle {
            Some(handle) => handle.stop().await.map(|_| ()).map_err(Error::Internal),
            None => Ok(()),
        }
    }

    /// The database file.
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// `engine_info`.
    pub fn info(&self) -> EngineInfo {
        EngineInfo {
            db: Some(self.db.display().to_string()),
            records: Some(self.records.display().to_string()),
            running: self.handle.is_some(),
        }
    }

    /// Tells the engine loop (when one runs here) that something new is in the store.
    pub(crate) fn wake(&self) {
        if let Some(handle) = &self.handle {
            handle.wake();
        }
    }

    /// Runs `work` on an idle connection (opened when none is).
    pub(crate) fn with_store<T>(&self, work: impl FnOnce(&mut Store) -> Result<T, Error>) -> Result<T, Error> {
        let idle = self.idle.lock().map_err(|_| Error::Internal("the engine connections are poisoned".into()))?.pop();
        let mut store = match idle {
            Some(store) => store,
            None => Store::open(&self.db).map_err(store_error)?,
        };
        let result = work(&mut store);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < POOL
        {
            idle.push(store);
        }
        result
    }

    /// `publish_journey` of journey JSON text: validated, then a new immutable version (none
    /// when the text is the latest version's); `dry_run` stores nothing and answers the change
    /// impact; `migrate` moves contacts waiting at steps the new version keeps.
    pub fn publish_journey(&self, text: &str, dry_run: bool, migrate: bool) -> Result<PublishAnswer, Error> {
        let options = PublishOptions { dry_run, migrate, seed: 0 };
        let answer = self.with_store(|store| {
            let published = intake::publish(store, text, &options, SystemClock.now()).map_err(from_runtime)?;
            let unchanged = if dry_run {
                let tx = store.read().map_err(store_error)?;
                tx.latest_version(&published.journey).map_err(store_error)?.is_some_and(|v| v.version == published.version)
            } else {
                !published.changed
            };
            Ok(PublishAnswer { published, unchanged })
        })?;
        if !dry_run {
            self.wake();
        }
        Ok(answer)
    }

    /// [`LiveEngine::publish_journey`] of a journey given as the editor's JSON value, or read
    /// from a file of the folder (exactly one of them).
    pub fn publish(
        &self,
        workspace: &crate::Workspace,
        file: Option<&str>,
        journey: Option<&str>,
        dry_run: bool,
        migrate: bool,
    ) -> Result<PublishAnswer, Error> {
        match (file, journey) {
            (None, Some(text)) => self.publish_journey(text, dry_run, migrate),
            (Some(file), None) => {
                let read = workspace.read_journey(file)?;
                let text = serde_json::to_string(&read.journey).map_err(|e| Error::Internal(e.to_string()))?;
                self.publish_journey(&text, dry_run, migrate)
            }
            _ => Err(Error::BadInput("publish_journey: give either `journey` (its JSON) or `file` (a journey of the folder)".into())),
        }
    }

    /// `live_status`: every version of the journey, oldest first, with its status, entries,
    /// where contacts wait, outcomes and messages per channel.
    pub fn live_status(&self, journey: &str) -> Result<Vec<VersionReport>, Error> {
        let journey = required("journey", journey)?;
        self.with_store(|store| itinera_runtime::status::status(store, Some(journey)).map_err(from_runtime))
    }

    /// `live_counts`: the canvas numbers of one version (default: the latest).
    pub fn live_counts(&self, journey: &str, version: Option<u32>) -> Result<LiveCounts, Error> {
        let journey = required("journey", journey)?;
        self.with_store(|store| rt_live::counts(store, journey, version).map_err(from_runtime))
    }

    /// `set_version_status`: pause, resume (`active`) or archive a version (default: the
    /// latest). Archiving makes every contact inside leave.
    pub fn set_version_status(&self, journey: &str, version: Option<u32>, status: &str) -> Result<VersionChange, Error> {
        let journey = required("journey", journey)?;
        let status = match status {
            "active" => VersionStatus::Active,
            "paused" => VersionStatus::Paused,
            "archived" => VersionStatus::Archived,
            other => {
                return Err(Error::BadInput(format!("status: expected \"active\", \"paused\" or \"archived\", got {:?}", clip(other))));
            }
        };
        let version =
            self.with_store(|store| intake::set_status(store, journey, version, status, SystemClock.now()).map_err(from_runtime))?;
        self.wake();
        Ok(VersionChange { journey: journey.to_string(), version, status })
    }

    /// `list_enrollments`: contacts in the journey whose id contains `search`, most recently
    /// active first.
    pub fn list_enrollments(
        &self,
        journey: &str,
        search: &str,
        limit: Option<usize>,
        offset: Option<usize>,
    ) -> Result<EnrollmentPage, Error> {
        let journey = required("journey", journey)?;
        self.with_store(|store| {
            rt_live::enrollments(store, journey, search.trim(), limit.unwrap_or(DEFAULT_LIMIT), offset.unwrap_or(0)).map_err(from_runtime)
        })
    }

    /// `contact_timeline`: one contact's steps (the simulator's step records) and messages.
    pub fn contact_timeline(&self, journey: &str, contact: &str) -> Result<ContactTimeline, Error> {
        let journey = required("journey", journey)?;
        let contact = required("contact", contact)?;
        self.with_store(|store| rt_live::timeline(store, journey, contact).map_err(from_runtime))?
            .ok_or_else(|| Error::NotFound(format!("contact `{}` has not entered journey `{journey}`", clip(contact))))
    }

    /// `list_outbox`: the journey's messages and webhook calls, newest first.
    pub fn list_outbox(&self, journey: &str, limit: Option<usize>) -> Result<Vec<OutboxEntry>, Error> {
        let journey = required("journey", journey)?;
        self.with_store(|store| rt_live::outbox(store, journey, limit.unwrap_or(DEFAULT_LIMIT)).map_err(from_runtime))
    }

    /// `send_test_event`: upserts `contact` (its consent changes recorded with the source
    /// "test event") and pushes the trigger event of the journey's latest version for it, with
    /// `data` as the event's data; then wakes the engine.
    pub fn send_test_event(&self, journey: &str, contact: &TestContact, data: &Value) -> Result<SentEvent, Error> {
        let journey = required("journey", journey)?;
        if contact.id.trim().is_empty() {
            return Err(Error::BadInput("contact.id: a test contact needs an id".into()));
        }
        let data = match data {
            Value::Null => Map::new(),
            Value::Object(map) => map.clone(),
            _ => return Err(Error::BadInput("data: the event data must be a JSON object".into())),
        };
        let mut line = serde_json::to_value(contact).map_err(|e| Error::Internal(e.to_string()))?;
        let evidence: Map<String, Value> = contact
            .consent
            .iter()
            .flat_map(|c| c.keys())
            .map(|channel| (channel.clone(), json!({"source": "test event", "shown": "Send test event in the editor"})))
            .collect();
        if !evidence.is_empty() {
            line["consent_evidence"] = Value::Object(evidence);
        }
        let line = line.to_string();
        let now = SystemClock.now();
        let sent = self.with_store(|store| {
            let (version, status, event) = {
                let tx = store.read().map_err(store_error)?;
                let latest = tx.latest_version(journey).map_err(store_error)?.ok_or_else(|| {
                    Error::NotFound(format!("journey `{journey}` is not published yet: publish it before sending a test event"))
                })?;
                let program = itinera_runtime::core::compile_version(journey, latest.version, &latest.definition).map_err(from_runtime)?;
                (latest.version, latest.status, program.trigger_event().to_string())
            };
            intake::import_contacts(store, "test contact", &line, now).map_err(|e| match e {
                itinera_runtime::Error::Input { message, .. } => Error::BadInput(format!("contact: {message}")),
                other => from_runtime(other),
            })?;
            let n = self.sent.fetch_add(1, Ordering::Relaxed);
            let id = format!("test:{}:{}:{n}", contact.id, itinera_store::nanos(now));
            let input =
                NewInput { id: id.clone(), contact: contact.id.clone(), at: None, input: Input::Event { name: event.clone(), data } };
            intake::push_inputs(store, &[input], now).map_err(from_runtime)?;
            Ok(SentEvent { journey: journey.to_string(), version, status, event, contact: contact.id.clone(), input: id })
        })?;
        self.wake();
        Ok(sent)
    }
}

fn required<'a>(field: &str, value: &'a str) -> Result<&'a str, Error> {
    if value.trim().is_empty() { Err(Error::BadInput(format!("{field}: must not be empty"))) } else { Ok(value) }
}

/// A value cut for messages.
fn clip(text: &str) -> String {
    crate::error::shorten(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn template(id: &str) -> Value {
        crate::list_templates().unwrap().into_iter().find(|t| t.id == id).unwrap().journey
    }

    #[test]
    fn publish_send_a_test_event_and_read_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let engine = LiveEngine::open(dir.path().join("engine.db")).unwrap();
        assert!(!engine.info().running);
        let journey = template("appointment-reminder");
        let text = journey.to_string();

        let dry = engine.publish_journey(&text, true, false).unwrap();
        assert_eq!((dry.published.version, dry.published.changed, dry.unchanged), (1, false, false));
        assert!(engine.live_status("appointment-reminder").unwrap().is_empty());
        let done = engine.publish_journey(&text, false, false).unwrap();
        assert_eq!((done.published.version, done.published.changed, done.unchanged), (1, true, false));
        let again = engine.publish_journey(&text, true, false).unwrap();
        assert!(again.unchanged);

        let contact = TestContact {
            id: "test-patient".into(),
            attributes: Some(serde_json::from_value(json!({"first_name": "Ana"})).unwrap()),
            addresses: Some([("sms".to_string(), "+351910000000".to_string())].into()),
            consent: Some([("sms".to_string(), true)].into()),
            ..TestContact::default()
        };
        let sent = engine.send_test_event("appointment-reminder", &contact, &json!({"starts_at": "2030-01-01T10:00:00Z"})).unwrap();
        assert_eq!((sent.event.as_str(), sent.version, sent.status), ("appointment_booked", 1, VersionStatus::Active));
        let second = engine.send_test_event("appointment-reminder", &contact, &Value::Null).unwrap();
        assert_ne!(sent.input, second.input);

        // Nothing runs the engine here: the contact is known, not yet enrolled.
        assert_eq!(engine.list_enrollments("appointment-reminder", "", None, None).unwrap().total, 0);
        let err = engine.contact_timeline("appointment-reminder", "test-patient").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let evidence = engine.with_store(|s| Ok(s.read().unwrap().consent_evidence("test-patient").unwrap())).unwrap();
        assert_eq!(evidence.len(), 1);
        assert_eq!(evidence[0].source, "test event");

        let counts = engine.live_counts("appointment-reminder", None).unwrap();
        assert_eq!(counts.version, 1);
        assert_eq!(counts.nodes["booked"].entered, 0);
        assert!(engine.list_outbox("appointment-reminder", Some(5)).unwrap().is_empty());

        let paused = engine.set_version_status("appointment-reminder", None, "paused").unwrap();
        assert_eq!((paused.version, paused.status), (1, VersionStatus::Paused));
        assert_eq!(engine.live_status("appointment-reminder").unwrap()[0].status, VersionStatus::Paused);
    }

    #[test]
    fn bad_input_names_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let engine = LiveEngine::open(dir.path().join("engine.db")).unwrap();
        let mut broken = template("onboarding");
        broken["edges"] = json!([]);
        let err = engine.publish_journey(&broken.to_string(), false, false).unwrap_err();
        assert!(matches!(&err, Error::Invalid { diagnostics, .. } if !diagnostics.is_empty()), "{err}");

        let err =
            engine.send_test_event("onboarding", &TestContact { id: "a".into(), ..TestContact::default() }, &Value::Null).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("not published"), "{err}");

        engine.publish_journey(&template("onboarding").to_string(), false, false).unwrap();
        let err = engine.send_test_event("onboarding", &TestContact::default(), &Value::Null).unwrap_err();
        assert!(err.to_string().starts_with("contact.id"), "{err}");
        let err = engine.send_test_event("onboarding", &TestContact { id: "a".into(), ..TestContact::default() }, &json!([1])).unwrap_err();
        assert!(err.to_string().starts_with("data:"), "{err}");
        let bad_channel = TestContact { id: "a".into(), consent: Some([("fax".to_string(), true)].into()), ..TestContact::default() };
        let err = engine.send_test_event("onboarding", &bad_channel, &Value::Null).unwrap_err();
        assert!(err.to_string().contains("fax"), "{err}");
        let err = engine.set_version_status("onboarding", None, "stopped").unwrap_err();
        assert!(err.to_string().starts_with("status:"), "{err}");
        let err = engine.set_version_status("onboarding", Some(7), "paused").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err = engine.list_enrollments("", "", None, None).unwrap_err();
        assert!(err.to_string().starts_with("journey:"), "{err}");
    }
}
