//! # itinera-store: the durable engine's SQLite store
//!
//! One SQLite file (WAL, foreign keys, `synchronous=NORMAL`) holds everything a published
//! journey needs to run and to survive a crash:
//!
//! * `journeys` and their immutable published `versions` (definition, content hash, status
//!   `active`/`paused`/`archived`, `published_at`, the seed its splits draw from);
//! * `contacts` (the profile the interpreter is given: attributes, addresses, consent, the
//!   WhatsApp window) and `consent_evidence` (each grant or revocation: source, time, and what
//!   was shown or received);
//! * `enrollments`: one row per contact × journey × key (the value of the trigger's `key` field;
//!   NULL for the keyless flow), holding the journey version the contact is on and its
//!   [`ContactState`](https://docs.rs/itinera-engine) as JSON, with its status and node for
//!   queries, and its timer (`due_at`: the one instant at which a waiting enrollment wants to
//!   be woken; a table of its own until migration 5);
//! * `inbox`: inputs not yet applied (events, replies, delivery and webhook results, leave
//!   orders), idempotent by input id; applied ones are kept, marked done, so that a re-push of
//!   the same id is recognised;
//! * `outbox`: effects to perform (messages and webhook calls), unique by idempotency key, with
//!   attempts, next attempt and result;
//! * `steps`: the step log, the same records the simulator prints (with the enrollment that took
//!   each; NULL for a trigger that did not let a contact in, since such a flow is not kept).
//!
//! The store knows SQL and nothing of the step semantics: the runtime crate drives the
//! interpreter and calls these functions inside one transaction per batch of inputs
//! ([`Store::transaction`]). Times are stored as integer nanoseconds since the Unix epoch
//! ([`nanos`], clamped to the years 1678–2262) so that SQLite orders them; exact values travel
//! in the JSON columns.
//!
//! Schema changes are migrations ([`MIGRATIONS`], rusqlite_migration, `user_version`); a
//! database written by a newer Itinera is refused rather than guessed at.
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rusqlite_migration::{M, Migrations};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub mod inbound;
pub mod queries;
pub mod tokens;

/// The schema, as migrations applied in order (never edit one that has shipped: add another).
pub const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE journeys (
    id          TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE versions (
    journey      TEXT NOT NULL REFERENCES journeys(id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    definition   TEXT NOT NULL,
    hash         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
    published_at INTEGER NOT NULL,
    seed         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journey, version)
) STRICT;

CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    profile     TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE consent_evidence (
    seq      INTEGER PRIMARY KEY,
    contact  TEXT NOT NULL REFERENCES contacts(id),
    channel  TEXT NOT NULL,
    granted  INTEGER NOT NULL,
    source   TEXT NOT NULL,
    at       INTEGER NOT NULL,
    shown    TEXT
) STRICT;
CREATE INDEX consent_evidence_contact ON consent_evidence(contact, seq);

CREATE TABLE enrollments (
    id          INTEGER PRIMARY KEY,
    journey     TEXT NOT NULL,
    contact     TEXT NOT NULL REFERENCES contacts(id),
    key         TEXT,
    version     INTEGER NOT NULL,
    entries     INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL,
    outcome     TEXT,
    node        TEXT,
    state       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (contact, journey, key),
    FOREIGN KEY (journey, version) REFERENCES versions(journey, version)
) STRICT;
CREATE INDEX enrollments_version ON enrollments(journey, version, status, node);

CREATE TABLE timers (
    enrollment  INTEGER PRIMARY KEY REFERENCES enrollments(id),
    due_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX timers_due ON timers(due_at, enrollment);

CREATE TABLE inbox (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    contact      TEXT NOT NULL,
    class        INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    input        TEXT NOT NULL,
    enrollment   INTEGER,
    received_at  INTEGER NOT NULL,
    done_at      INTEGER
) STRICT;
CREATE INDEX inbox_due ON inbox(at, class, seq) WHERE done_at IS NULL;

CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    enrollment    INTEGER NOT NULL REFERENCES enrollments(id),
    journey       TEXT NOT NULL,
    version       INTEGER NOT NULL,
    contact       TEXT NOT NULL,
    node          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    effect        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER,
    delivered_at  INTEGER,
    result        TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(next_attempt, seq) WHERE status = 'pending';
CREATE INDEX outbox_contact ON outbox(contact, seq);

CREATE TABLE steps (
    seq         INTEGER PRIMARY KEY,
    enrollment  INTEGER,
    journey     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    contact     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    record      TEXT NOT NULL
) STRICT;
CREATE INDEX steps_contact ON steps(contact, journey, seq);
CREATE INDEX steps_version ON steps(journey, version);

CREATE TABLE meta (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) STRICT;
INSERT INTO meta VALUES ('catalog', 0);
",
    r"
-- The provider's id of an accepted message (WhatsApp `wamid.…`, Twilio `SM…`, Postmark
-- `MessageID`): how a delivery receipt finds its outbox row.
ALTER TABLE outbox ADD COLUMN provider_id TEXT;
CREATE INDEX outbox_provider ON outbox(channel, provider_id) WHERE provider_id IS NOT NULL;
",
    // Inbound webhooks, kept raw (verified) before they are acted on; contacts found by address
    // (a reply names a phone number, not a contact); receipts that say a message was read.
    r"
CREATE TABLE inbound (
    seq          INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    headers      TEXT NOT NULL,
    body         BLOB NOT NULL,
    outcome      TEXT
) STRICT;
CREATE INDEX contacts_sms ON contacts(json_extract(profile, '$.addresses.sms'));
CREATE INDEX contacts_whatsapp ON contacts(json_extract(profile, '$.addresses.whatsapp'));
CREATE INDEX contacts_email ON contacts(json_extract(profile, '$.addresses.email'));
ALTER TABLE outbox ADD COLUMN read_at INTEGER;
",
    // API tokens: only the SHA-256 of each secret is kept.
    r"
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    scope       TEXT NOT NULL CHECK (scope IN ('publish', 'ingest', 'read')),
    hash        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) STRICT;
",
    // Each enrollment's timer on its own row: a batch writes the state and its timer in one
    // statement instead of two tables, and a state whose timer did not move touches no index.
    // The outbox is rebuilt with the same columns and a status check without `IN (...)`, which
    // SQLite evaluates by building a temporary table at every insert and status change.
    r"
ALTER TABLE enrollments ADD COLUMN due_at INTEGER;
UPDATE enrollments SET due_at = (SELECT due_at FROM timers WHERE timers.enrollment = enrollments.id);
CREATE INDEX enrollments_due ON enrollments(due_at) WHERE due_at IS NOT NULL;
DROP TABLE timers;

CREATE TABLE outbox_rebuilt (
    seq           INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    enrollment    INTEGER NOT NULL REFERENCES enrollments(id),
    journey       TEXT NOT NULL,
    version       INTEGER NOT NULL,
    contact       TEXT NOT NULL,
    node          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    effect        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER,
    delivered_at  INTEGER,
    result        TEXT,
    provider_id   TEXT,
    read_at       INTEGER
) STRICT;
INSERT INTO outbox_rebuilt (seq, key, enrollment, journey, version, contact, node, channel, effect, status, attempts,
                            next_attempt, last_error, created_at, sent_at, delivered_at, result, provider_id, read_at)
    SELECT seq, key, enrollment, journey, version, contact, node, channel, effect, status, attempts,
           next_attempt, last_error, created_at, sent_at, delivered_at, result, provider_id, read_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt, seq) WHERE status = 'pending';
CREATE INDEX outbox_contact ON outbox(contact, seq);
CREATE INDEX outbox_provider ON outbox(channel, provider_id) WHERE provider_id IS NOT NULL;
",
];

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite said no (names the database file).
    // The message includes SQLite's words and the error is not a `source`, so a report that
    // prints the chain (anyhow's `{:#}`) says them once.
    #[error("database {path}: {error}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite said.
        error: rusqlite::Error,
    },
    /// The schema could not be brought up to date (or is newer than this program).
    #[error("database {path}: {message}")]
    Schema {
        /// The database file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A stored JSON column did not read back.
    #[error("database {path}: stored {what} is not readable: {message}")]
    Corrupt {
        /// The database file.
        path: String,
        /// Which column.
        what: &'static str,
        /// The JSON error.
        message: String,
    },
    /// No such journey or version.
    #[error("no published journey `{journey}`{}", version.map(|v| format!(" v{v}")).unwrap_or_default())]
    NoSuchJourney {
        /// The journey id.
        journey: String,
        /// The version asked for.
        version: Option<u32>,
    },
    /// The operating system gave no random bytes (a new API token).
    #[error("cannot draw random bytes: {0}")]
    Random(String),
    /// The operating system refused something else (a thread).
    #[error("database {path}: {message}")]
    Io {
        /// The database file.
        path: String,
        /// What failed.
        message: String,
    },
}

/// `Result` with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A timestamp as stored: nanoseconds since the Unix epoch, clamped to `i64`.
pub fn nanos(at: Timestamp) -> i64 {
    at.as_nanosecond().clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// A stored timestamp back.
pub fn from_nanos(ns: i64) -> Timestamp {
    Timestamp::from_nanosecond(i128::from(ns)).unwrap_or(if ns < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

/// The content hash of a journey definition (SHA-256, hex).
pub fn content_hash(definition: &str) -> String {
    let digest = Sha256::digest(definition.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A published version's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Takes new entries (when it is the latest version); in-flight contacts run.
    Active,
    /// No new entries; in-flight contacts continue.
    Paused,
    /// No new entries; in-flight contacts were made to leave.
    Archived,
}

impl VersionStatus {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Active => "active",
            VersionStatus::Paused => "paused",
            VersionStatus::Archived => "archived",
        }
    }

    fn parse(word: &str) -> VersionStatus {
        match word {
            "paused" => VersionStatus::Paused,
            "archived" => VersionStatus::Archived,
            _ => VersionStatus::Active,
        }
    }
}

/// A published journey version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    /// Journey id.
    pub journey: String,
    /// Version number (1, 2, ...).
    pub version: u32,
    /// The journey file's text as published.
    #[serde(skip)]
    pub definition: String,
    /// SHA-256 of the definition.
    pub hash: String,
    /// Status.
    pub status: VersionStatus,
    /// When it was published.
    pub published_at: Timestamp,
    /// The seed its splits draw from.
    pub seed: u64,
}

/// One enrollment row.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    /// Row id.
    pub id: i64,
    /// Journey id.
    pub journey: String,
    /// Contact id.
    pub contact: String,
    /// The trigger key's value (`None` for the keyless flow).
    pub key: Option<String>,
    /// The version the contact is on.
    pub version: u32,
    /// The contact state (JSON).
    pub state: String,
    /// When its latest input was applied.
    pub updated_at: Timestamp,
}

/// What an enrollment row says for queries, written with its state.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrollmentSummary<'a> {
    /// Version the state belongs to.
    pub version: u32,
    /// Entries so far.
    pub entries: u32,
    /// `waiting`, `done` or `not_entered`.
    pub status: &'a str,
    /// The outcome word when done.
    pub outcome: Option<&'a str>,
    /// The node id it is at.
    pub node: Option<&'a str>,
    /// When it wants to be woken (a timer), if it is waiting on one.
    pub due: Option<Timestamp>,
}

/// An input waiting in the inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxItem {
    /// Order of arrival.
    pub seq: i64,
    /// The input's id.
    pub id: String,
    /// Contact id.
    pub contact: String,
    /// Tie-break class at the same instant (lower first).
    pub class: i64,
    /// When it happened.
    pub at: Timestamp,
    /// The input (JSON).
    pub input: String,
    /// The enrollment it is for (results and leave orders), or `None` to route by contact.
    pub enrollment: Option<i64>,
}

/// An outbox row due for an attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// Row id.
    pub seq: i64,
    /// Idempotency key.
    pub key: String,
    /// Enrollment it belongs to.
    pub enrollment: i64,
    /// Journey id.
    pub journey: String,
    /// Version.
    pub version: u32,
    /// Contact id.
    pub contact: String,
    /// The channel (`sms`, `whatsapp`, `email`) or `webhook`: what the effect is, without
    /// parsing it.
    pub channel: String,
    /// The node that made it.
    pub node: String,
    /// When it was made (the effect's own `at`).
    pub created_at: Timestamp,
    /// The effect (JSON).
    pub effect: String,
    /// Attempts made so far.
    pub attempts: u32,
}

/// Rows written by one statement of [`Tx::push_steps`] and [`Tx::inputs_done`].
pub const ROWS_PER_STATEMENT: usize = 32;

/// A step record for [`Tx::push_steps`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewStep {
    /// The enrollment that took the step (`None`: a trigger that did not let the contact in).
    pub enrollment: Option<i64>,
    /// Journey id.
    pub journey: String,
    /// Version.
    pub version: u32,
    /// Contact id.
    pub contact: String,
    /// When.
    pub at: Timestamp,
    /// The step record (JSON).
    pub record: String,
}

/// A new outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbox<'a> {
    /// Idempotency key.
    pub key: &'a str,
    /// Enrollment.
    pub enrollment: i64,
    /// Journey id.
    pub journey: &'a str,
    /// Version.
    pub version: u32,
    /// Contact.
    pub contact: &'a str,
    /// Node id.
    pub node: &'a str,
    /// `sms`, `whatsapp`, `email` or `webhook`.
    pub channel: &'a str,
    /// The effect (JSON).
    pub effect: &'a str,
    /// When.
    pub at: Timestamp,
}

/// One consent change with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentEvidence {
    /// `sms`, `whatsapp` or `email`.
    pub channel: String,
    /// Granted or revoked.
    pub granted: bool,
    /// Where it came from (`import`, `reply`, `journey JOURNEY node NODE`, ...).
    pub source: String,
    /// When.
    pub at: Timestamp,
    /// What the contact was shown or sent (the consent text, the reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<String>,
}

/// A row of [`Tx::outbox_of`]: (entry key of the flow that made it, effect JSON, channel (or
/// `webhook`), when it counted as delivered).
pub type OutboxOfRow = (Option<String>, String, String, Option<Timestamp>);

/// An open SQLite database with the current schema.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
    checkpointer: Option<Checkpointer>,
    /// Contact writes through this connection ([`Tx::put_contact`], [`Tx::ensure_contact`]: the
    /// only statements that write `contacts`), for [`Tx::contacts_mark`].
    contact_writes: std::cell::Cell<u64>,
}

/// Where the `contacts` table stood at one moment, as far as one connection can tell
/// ([`Tx::contacts_mark`]): equal marks mean no contact was written in between, by this
/// connection or any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactsMark {
    /// SQLite's `PRAGMA data_version`: changes when another connection commits anything.
    data_version: i64,
    /// This connection's contact writes so far.
    writes: u64,
}

/// WAL pages the writer checkpoints itself after a commit (`wal_autocheckpoint`): 16,000 pages
/// (64 MiB) rather than SQLite's 1,000; with [`Store::checkpoint_in_background`], a safety net
/// four times as far.
const AUTOCHECKPOINT_PAGES: i64 = 16_000;
/// The WAL size at which the background checkpointer copies it into the database.
const BACKGROUND_CHECKPOINT_BYTES: u64 = 16 << 20;

/// A thread that checkpoints the WAL on a connection of its own ([`Store::checkpoint_in_background`]).
#[derive(Debug)]
struct Checkpointer {
    /// Dropped to stop the thread: it wakes at once (a store closes without waiting out the
    /// thread's second of sleep).
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path: PathBuf = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        let conn = Connection::open(&path).map_err(|source| Error::Sqlite { path: shown.clone(), error: source })?;
        Store::setup(conn, shown)
    }

    /// A private in-memory database (tests, `replay` without `--db`).
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory().map_err(|source| Error::Sqlite { path: ":memory:".into(), error: source })?;
        Store::setup(conn, ":memory:".into())
    }

    fn setup(mut conn: Connection, path: String) -> Result<Store> {
        let sql = |e| Error::Sqlite { path: path.clone(), error: e };
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(sql)?;
        // WAL: readers (status, the editor's Live view) never block the engine; NORMAL: a commit
        // survives a crash of the process (the OS has it), and a power loss may lose the last
        // commits but never corrupts the file.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(sql)?;
        // A batch touches many pages (enrollments, inbox, outbox, steps and their
        // indexes): a 64 MiB page cache keeps them in memory instead of re-reading and spilling
        // them mid-transaction; checkpoints every 16,000 pages (64 MiB) rather than 1,000.
        conn.pragma_update(None, "cache_size", -65536).map_err(sql)?;
        // Every query of a batch stays prepared (rusqlite keeps 16 by default; a batch uses more).
        conn.set_prepared_statement_cache_capacity(64);
        conn.pragma_update(None, "temp_store", "MEMORY").map_err(sql)?;
        conn.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES).map_err(sql)?;
        let migrations: Vec<M<'static>> = MIGRATIONS.iter().map(|m| M::up(m)).collect();
        Migrations::new(migrations).to_latest(&mut conn).map_err(|e| Error::Schema { path: path.clone(), message: e.to_string() })?;
        Ok(Store { conn, path, checkpointer: None, contact_writes: std::cell::Cell::new(0) })
    }

    /// Moves WAL checkpoints (copying committed pages from the `-wal` file into the database)
    /// off the writer: a thread with a connection of its own looks once a second and runs a
    /// `PASSIVE` checkpoint when the WAL file is past 16 MiB, while the writer goes on committing (a passive checkpoint
    /// never blocks it, and never loses a commit: it only copies what is committed). The writer
    /// still checkpoints itself past four times its usual threshold, should the thread fall
    /// behind. For the engine's long-lived store (`itinera run`, `serve`, `replay`); the thread
    /// stops when the store is dropped. An in-memory database has no WAL: nothing to do.
    pub fn checkpoint_in_background(&mut self) -> Result<()> {
        if self.checkpointer.is_some() || self.path == ":memory:" {
            return Ok(());
        }
        let path = self.path.clone();
        let reader = Connection::open(&path).map_err(|source| Error::Sqlite { path: path.clone(), error: source })?;
        reader.busy_timeout(std::time::Duration::from_millis(100)).map_err(|source| Error::Sqlite { path: path.clone(), error: source })?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", 4 * AUTOCHECKPOINT_PAGES)
            .map_err(|source| Error::Sqlite { path: path.clone(), error: source })?;
        let (stop, stopping) = std::sync::mpsc::channel::<()>();
        let wal = PathBuf::from(format!("{path}-wal"));
        let thread = std::thread::Builder::new()
            .name("itinera-checkpoint".into())
            .spawn(move || {
                // Once a second, not more: pages a batch rewrites every time (index roots, the
                // inbox's and the timer index's pages) would be copied again at every checkpoint.
                // The wait ends at once when the store drops its end of the channel.
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopping.recv_timeout(std::time::Duration::from_secs(1)) {
                    if std::fs::metadata(&wal).is_ok_and(|m| m.len() >= BACKGROUND_CHECKPOINT_BYTES) {
                        // Busy or failed: the next round (or the writer's own safety net) tries again.
                        let _ = reader.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    }
                }
            })
            .map_err(|e| Error::Io { path: path.clone(), message: format!("cannot start the checkpoint thread: {e}") })?;
        self.checkpointer = Some(Checkpointer { stop: Some(stop), thread: Some(thread) });
        Ok(())
    }

    /// The database file (as given), for messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Starts a transaction (`BEGIN IMMEDIATE`: the writer lock is taken at once, so two
    /// engines on one file serialise instead of failing mid-batch).
    pub fn transaction(&mut self) -> Result<Tx<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|source| Error::Sqlite { path: self.path.clone(), error: source })?;
        Ok(Tx { tx, path: &self.path, contact_writes: &self.contact_writes })
    }

    /// Read-only queries outside a transaction.
    pub fn read(&mut self) -> Result<Tx<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)
            .map_err(|source| Error::Sqlite { path: self.path.clone(), error: source })?;
        Ok(Tx { tx, path: &self.path, contact_writes: &self.contact_writes })
    }

    /// [`Tx::outbox_by_provider_id`] in a read transaction of its own.
    pub fn outbox_by_provider_id(&mut self, channel: &str, provider_id: &str) -> Result<Option<OutboxItem>> {
        self.read()?.outbox_by_provider_id(channel, provider_id)
    }
}

/// One transaction: every write of a batch of inputs goes through one, so a crash keeps all of
/// it or none of it.
#[allow(clippy::struct_field_names)] // `Tx::tx` is its SQLite transaction
pub struct Tx<'s> {
    tx: Transaction<'s>,
    path: &'s str,
    contact_writes: &'s std::cell::Cell<u64>,
}

trait Sql<T> {
    fn at(self, path: &str) -> Result<T>;
}

impl<T> Sql<T> for rusqlite::Result<T> {
    fn at(self, path: &str) -> Result<T> {
        self.map_err(|source| Error::Sqlite { path: path.to_string(), error: source })
    }
}

fn version_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Version> {
    let status: String = row.get(4)?;
    Ok(Version {
        journey: row.get(0)?,
        version: row.get(1)?,
        definition: row.get(2)?,
        hash: row.get(3)?,
        status: VersionStatus::parse(&status),
        published_at: from_nanos(row.get(5)?),
        seed: row.get::<_, i64>(6)? as u64,
    })
}

const VERSION_COLUMNS: &str = "journey, version, definition, hash, status, published_at, seed";

impl Tx<'_> {
    /// Commits.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        self.tx.commit().at(path)
    }

    /// Where the contacts stand: a cache of contact profiles taken at one mark is still true at
    /// a later, equal mark. A write through this connection (even one rolled back) or a commit by
    /// any other connection (even one that wrote no contact) changes the mark. Taken inside a
    /// write transaction ([`Store::transaction`]), no other writer can commit until it ends: a
    /// mark taken just before this transaction commits is where the contacts stand after it.
    pub fn contacts_mark(&self) -> Result<ContactsMark> {
        let data_version = self.tx.query_row("PRAGMA data_version", [], |r| r.get(0)).at(self.path)?;
        Ok(ContactsMark { data_version, writes: self.contact_writes.get() })
    }

    /// The raw connection, for queries this crate does not name (status reports).
    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    /// The database file, for messages.
    pub fn path(&self) -> &str {
        self.path
    }

    // ---- journeys and versions ----

    /// Stores `definition` as the next version of `journey` unless the latest version has the
    /// same content hash. Returns the version and whether it is new.
    pub fn publish(&self, journey: &str, definition: &str, seed: u64, now: Timestamp) -> Result<(u32, bool)> {
        let hash = content_hash(definition);
        if let Some(latest) = self.latest_version(journey)?
            && latest.hash == hash
        {
            return Ok((latest.version, false));
        }
        self.tx.execute("INSERT OR IGNORE INTO journeys (id, created_at) VALUES (?1, ?2)", params![journey, nanos(now)]).at(self.path)?;
        let next: u32 = self
            .tx
            .query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE journey = ?1", [journey], |r| r.get(0))
            .at(self.path)?;
        self.tx
            .execute(
                "INSERT INTO versions (journey, version, definition, hash, status, published_at, seed) VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6)",
                params![journey, next, definition, hash, nanos(now), seed as i64],
            )
            .at(self.path)?;
        self.bump_catalog()?;
        Ok((next, true))
    }

    /// Sets a version's status.
    pub fn set_status(&self, journey: &str, version: u32, status: VersionStatus) -> Result<()> {
        let n = self
            .tx
            .execute("UPDATE versions SET status = ?3 WHERE journey = ?1 AND version = ?2", params![journey, version, status.as_str()])
            .at(self.path)?;
        if n == 0 {
            return Err(Error::NoSuchJourney { journey: journey.to_string(), version: Some(version) });
        }
        self.bump_catalog()
    }

    fn bump_catalog(&self) -> Result<()> {
        self.tx.execute("UPDATE meta SET value = value + 1 WHERE name = 'catalog'", []).at(self.path)?;
        Ok(())
    }

    /// A counter that changes whenever a version is published or changes status: the engine
    /// reloads its journeys when it moves.
    pub fn catalog_generation(&self) -> Result<i64> {
        self.tx.query_row("SELECT value FROM meta WHERE name = 'catalog'", [], |r| r.get(0)).at(self.path)
    }

    /// The latest version of a journey.
    pub fn latest_version(&self, journey: &str) -> Result<Option<Version>> {
        self.tx
            .query_row(
                &format!("SELECT {VERSION_COLUMNS} FROM versions WHERE journey = ?1 ORDER BY version DESC LIMIT 1"),
                [journey],
                version_row,
            )
            .optional()
            .at(self.path)
    }

    /// One version.
    pub fn version(&self, journey: &str, version: u32) -> Result<Option<Version>> {
        self.tx
            .query_row(
                &format!("SELECT {VERSION_COLUMNS} FROM versions WHERE journey = ?1 AND version = ?2"),
                params![journey, version],
                version_row,
            )
            .optional()
            .at(self.path)
    }

    /// Every version of every journey, by journey then version.
    pub fn versions(&self) -> Result<Vec<Version>> {
        let mut stmt = self.tx.prepare(&format!("SELECT {VERSION_COLUMNS} FROM versions ORDER BY journey, version")).at(self.path)?;
        stmt.query_map([], version_row).at(self.path)?.collect::<rusqlite::Result<Vec<_>>>().at(self.path)
    }

    // ---- contacts ----

    /// The contact's profile (JSON), if known.
    pub fn contact(&self, id: &str) -> Result<Option<String>> {
        let mut stmt = self.tx.prepare_cached("SELECT profile FROM contacts WHERE id = ?1").at(self.path)?;
        stmt.query_row([id], |r| r.get(0)).optional().at(self.path)
    }

    /// Writes the contact's profile (insert or replace).
    pub fn put_contact(&self, id: &str, profile: &str, now: Timestamp) -> Result<()> {
        self.contact_writes.set(self.contact_writes.get() + 1);
        let mut stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO contacts (id, profile, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at",
            )
            .at(self.path)?;
        stmt.execute(params![id, profile, nanos(now)]).at(self.path)?;
        Ok(())
    }

    /// Adds a contact with this profile unless one with the id exists; returns whether it was new.
    pub fn ensure_contact(&self, id: &str, profile: &str, now: Timestamp) -> Result<bool> {
        self.contact_writes.set(self.contact_writes.get() + 1);
        let mut stmt = self
            .tx
            .prepare_cached("INSERT INTO contacts (id, profile, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING")
            .at(self.path)?;
        Ok(stmt.execute(params![id, profile, nanos(now)]).at(self.path)? == 1)
    }

    /// Records a consent change's evidence.
    pub fn add_consent_evidence(&self, contact: &str, evidence: &ConsentEvidence) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached("INSERT INTO consent_evidence (contact, channel, granted, source, at, shown) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .at(self.path)?;
        stmt.execute(params![contact, evidence.channel, evidence.granted, evidence.source, nanos(evidence.at), evidence.shown])
            .at(self.path)?;
        Ok(())
    }

    /// A contact's consent history, oldest first.
    pub fn consent_evidence(&self, contact: &str) -> Result<Vec<ConsentEvidence>> {
        let mut stmt = self
            .tx
            .prepare("SELECT channel, granted, source, at, shown FROM consent_evidence WHERE contact = ?1 ORDER BY seq")
            .at(self.path)?;
        stmt.query_map([contact], |r| {
            Ok(ConsentEvidence { channel: r.get(0)?, granted: r.get(1)?, source: r.get(2)?, at: from_nanos(r.get(3)?), shown: r.get(4)? })
        })
        .at(self.path)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .at(self.path)
    }

    // ---- enrollments and timers ----

    /// Every enrollment of a contact, by journey then key.
    pub fn enrollments_of(&self, contact: &str) -> Result<Vec<Enrollment>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT id, journey, contact, key, version, state, updated_at FROM enrollments WHERE contact = ?1 ORDER BY journey, id",
            )
            .at(self.path)?;
        stmt.query_map([contact], enrollment_row).at(self.path)?.collect::<rusqlite::Result<Vec<_>>>().at(self.path)
    }

    /// One enrollment.
    pub fn enrollment(&self, id: i64) -> Result<Option<Enrollment>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, journey, contact, key, version, state, updated_at FROM enrollments WHERE id = ?1")
            .at(self.path)?;
        stmt.query_row([id], enrollment_row).optional().at(self.path)
    }

    /// Inserts a new enrollment; returns its id.
    pub fn insert_enrollment(
        &self,
        journey: &str,
        contact: &str,
        key: Option<&str>,
        state: &str,
        summary: &EnrollmentSummary<'_>,
        now: Timestamp,
    ) -> Result<i64> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO enrollments (journey, contact, key, version, entries, status, outcome, node, state, updated_at, due_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .at(self.path)?;
        stmt.execute(params![
            journey,
            contact,
            key,
            summary.version,
            summary.entries,
            summary.status,
            summary.outcome,
            summary.node,
            state,
            nanos(now),
            summary.due.map(nanos)
        ])
        .at(self.path)?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Writes an enrollment's state and its timer.
    pub fn update_enrollment(&self, id: i64, state: &str, summary: &EnrollmentSummary<'_>, now: Timestamp) -> Result<()> {
        self.update_enrollment_from(id, state, summary, now, None)
    }

    /// [`Tx::update_enrollment`] for a stored state of the same version (`previous` is
    /// `Some(its timer)`) or, with `None`, of any version. The version is written only when it
    /// may have changed and the timer only when it moved: an unchanged version needs no
    /// foreign-key check (and so no statement journal: SQLite copies every page such an UPDATE
    /// touches), an unchanged timer no index entry.
    pub fn update_enrollment_from(
        &self,
        id: i64,
        state: &str,
        summary: &EnrollmentSummary<'_>,
        now: Timestamp,
        previous: Option<Option<Timestamp>>,
    ) -> Result<()> {
        let due = summary.due.map(nanos);
        let n = match previous {
            Some(before) if before == summary.due => self
                .tx
                .prepare_cached(
                    "UPDATE enrollments SET entries = ?2, status = ?3, outcome = ?4, node = ?5, state = ?6, updated_at = ?7
                     WHERE id = ?1",
                )
                .at(self.path)?
                .execute(params![id, summary.entries, summary.status, summary.outcome, summary.node, state, nanos(now)]),
            Some(_) => self
                .tx
                .prepare_cached(
                    "UPDATE enrollments SET entries = ?2, status = ?3, outcome = ?4, node = ?5, state = ?6, updated_at = ?7, due_at = ?8
                     WHERE id = ?1",
                )
                .at(self.path)?
                .execute(params![id, summary.entries, summary.status, summary.outcome, summary.node, state, nanos(now), due]),
            None => self
                .tx
                .prepare_cached(
                    "UPDATE enrollments SET version = ?2, entries = ?3, status = ?4, outcome = ?5, node = ?6, state = ?7, updated_at = ?8,
                            due_at = ?9
                     WHERE id = ?1",
                )
                .at(self.path)?
                .execute(params![
                    id,
                    summary.version,
                    summary.entries,
                    summary.status,
                    summary.outcome,
                    summary.node,
                    state,
                    nanos(now),
                    due
                ]),
        };
        n.at(self.path)?;
        Ok(())
    }

    /// Timers due at or before `now`, earliest first: `(enrollment, contact, due)`.
    pub fn due_timers(&self, now: Timestamp, limit: usize) -> Result<Vec<(i64, String, Timestamp)>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT id, contact, due_at FROM enrollments
                 WHERE due_at IS NOT NULL AND due_at <= ?1 ORDER BY due_at, id LIMIT ?2",
            )
            .at(self.path)?;
        stmt.query_map(params![nanos(now), limit as i64], |r| Ok((r.get(0)?, r.get(1)?, from_nanos(r.get(2)?))))
            .at(self.path)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .at(self.path)
    }

    /// Waiting enrollments of a version, with their node: for archiving and change impact.
    pub fn waiting_in(&self, journey: &str, version: u32) -> Result<Vec<(i64, String, String)>> {
        let mut stmt = self
            .tx
            .prepare("SELECT id, contact, COALESCE(node, '') FROM enrollments WHERE journey = ?1 AND version = ?2 AND status = 'waiting' ORDER BY id")
            .at(self.path)?;
        stmt.query_map(params![journey, version], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .at(self.path)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .at(self.path)
    }

    // ---- inbox ----

    /// Adds an input unless one with this id was ever added; returns whether it was new.
    // One argument per column of the row: a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn push_input(
        &self,
        id: &str,
        contact: &str,
        class: i64,
        at: Timestamp,
        input: &str,
        enrollment: Option<i64>,
        now: Timestamp,
    ) -> Result<bool> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO inbox (id, contact, class, at, input, enrollment, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO NOTHING",
            )
            .at(self.path)?;
        let n = stmt.execute(params![id, contact, class, nanos(at), input, enrollment, nanos(now)]).at(self.path)?;
        Ok(n == 1)
    }

    /// Inputs due at or before `now`, in (time, class, arrival) order.
    pub fn due_inputs(&self, now: Timestamp, limit: usize) -> Result<Vec<InboxItem>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT seq, id, contact, class, at, input, enrollment FROM inbox
                 WHERE done_at IS NULL AND at <= ?1 ORDER BY at, class, seq LIMIT ?2",
            )
            .at(self.path)?;
        stmt.query_map(params![nanos(now), limit as i64], |r| {
            Ok(InboxItem {
                seq: r.get(0)?,
                id: r.get(1)?,
                contact: r.get(2)?,
                class: r.get(3)?,
                at: from_nanos(r.get(4)?),
                input: r.get(5)?,
                enrollment: r.get(6)?,
            })
        })
        .at(self.path)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .at(self.path)
    }

    /// Marks an input applied.
    pub fn input_done(&self, seq: i64, now: Timestamp) -> Result<()> {
        let mut stmt = self.tx.prepare_cached("UPDATE inbox SET done_at = ?2 WHERE seq = ?1").at(self.path)?;
        stmt.execute(params![seq, nanos(now)]).at(self.path)?;
        Ok(())
    }

    /// Marks these inputs applied, [`ROWS_PER_STATEMENT`] to a statement (what a batch does
    /// once it has applied them all: one statement per input costs more than the row).
    pub fn inputs_done(&self, seqs: &[i64], now: Timestamp) -> Result<()> {
        let mut chunks = seqs.chunks_exact(ROWS_PER_STATEMENT);
        if seqs.len() >= ROWS_PER_STATEMENT {
            let marks = (2..ROWS_PER_STATEMENT + 2).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
            let mut stmt = self.tx.prepare_cached(&format!("UPDATE inbox SET done_at = ?1 WHERE seq IN ({marks})")).at(self.path)?;
            for chunk in chunks.by_ref() {
                let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(ROWS_PER_STATEMENT + 1);
                let at = nanos(now);
                values.push(&at);
                values.extend(chunk.iter().map(|s| s as &dyn rusqlite::ToSql));
                stmt.execute(values.as_slice()).at(self.path)?;
            }
        }
        for &seq in chunks.remainder() {
            self.input_done(seq, now)?;
        }
        Ok(())
    }

    /// The earliest instant at which anything is due: an input, a timer or an outbox attempt.
    pub fn next_due(&self) -> Result<Option<Timestamp>> {
        let ns: Option<i64> = self
            .tx
            .query_row(
                "SELECT MIN(t) FROM (
                    SELECT MIN(at) AS t FROM inbox WHERE done_at IS NULL
                    UNION ALL SELECT MIN(due_at) FROM enrollments WHERE due_at IS NOT NULL
                    UNION ALL SELECT MIN(next_attempt) FROM outbox WHERE status = 'pending')",
                [],
                |r| r.get(0),
            )
            .at(self.path)?;
        Ok(ns.map(from_nanos))
    }

    /// What is still to do: `(inputs not applied, timers set, outbox rows pending)`.
    pub fn pending(&self) -> Result<(u64, u64, u64)> {
        self.tx
            .query_row(
                "SELECT (SELECT COUNT(*) FROM inbox WHERE done_at IS NULL), (SELECT COUNT(*) FROM enrollments WHERE due_at IS NOT NULL),
                        (SELECT COUNT(*) FROM outbox WHERE status = 'pending')",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64)),
            )
            .at(self.path)
    }

    // ---- outbox ----

    /// Adds an effect to perform; a key already present is left as it is (returns false).
    pub fn push_outbox(&self, row: &NewOutbox<'_>) -> Result<bool> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO outbox (key, enrollment, journey, version, contact, node, channel, effect, next_attempt, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) ON CONFLICT (key) DO NOTHING",
            )
            .at(self.path)?;
        let n = stmt
            .execute(params![
                row.key,
                row.enrollment,
                row.journey,
                row.version,
                row.contact,
                row.node,
                row.channel,
                row.effect,
                nanos(row.at)
            ])
            .at(self.path)?;
        Ok(n == 1)
    }

    /// Outbox rows due for an attempt, oldest first.
    pub fn due_outbox(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT seq, key, enrollment, journey, version, contact, effect, attempts, channel, node, created_at FROM outbox
                 WHERE status = 'pending' AND next_attempt <= ?1 ORDER BY next_attempt, seq LIMIT ?2",
            )
            .at(self.path)?;
        stmt.query_map(params![nanos(now), limit as i64], inbound::outbox_row)
            .at(self.path)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .at(self.path)
    }

    /// The channel took the effect (or finally refused it): no more attempts.
    pub fn outbox_done(&self, seq: i64, sent: bool, result: Option<&str>, error: Option<&str>, now: Timestamp) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "UPDATE outbox SET status = ?2, attempts = attempts + 1, sent_at = ?3, result = ?4, last_error = ?5 WHERE seq = ?1",
            )
            .at(self.path)?;
        stmt.execute(params![seq, if sent { "sent" } else { "failed" }, nanos(now), result, error]).at(self.path)?;
        Ok(())
    }

    /// An attempt failed and will be retried at `next`.
    pub fn outbox_retry(&self, seq: i64, next: Timestamp, error: &str) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached("UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, last_error = ?3 WHERE seq = ?1")
            .at(self.path)?;
        stmt.execute(params![seq, nanos(next), error]).at(self.path)?;
        Ok(())
    }

    /// The provider took the effect (its result comes later, by receipt or deadline), with the
    /// provider's id for it when it gave one: no more attempts.
    pub fn outbox_accepted(&self, seq: i64, provider_id: Option<&str>, now: Timestamp) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2, result = NULL, last_error = NULL,
                 provider_id = ?3 WHERE seq = ?1",
            )
            .at(self.path)?;
        stmt.execute(params![seq, nanos(now), provider_id]).at(self.path)?;
        Ok(())
    }

    /// Not attempted now (the channel's rate limit or open circuit): due again at `next`, the
    /// attempt not counted.
    pub fn outbox_later(&self, seq: i64, next: Timestamp, why: &str) -> Result<()> {
        let mut stmt = self.tx.prepare_cached("UPDATE outbox SET next_attempt = ?2, last_error = ?3 WHERE seq = ?1").at(self.path)?;
        stmt.execute(params![seq, nanos(next), why]).at(self.path)?;
        Ok(())
    }

    /// The outbox row of the message a provider knows by this id on this channel (a delivery
    /// receipt's lookup).
    pub fn outbox_by_provider_id(&self, channel: &str, provider_id: &str) -> Result<Option<OutboxItem>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT seq, key, enrollment, journey, version, contact, effect, attempts, channel, node, created_at FROM outbox
                 WHERE channel = ?1 AND provider_id = ?2 ORDER BY seq DESC LIMIT 1",
            )
            .at(self.path)?;
        stmt.query_row(params![channel, provider_id], inbound::outbox_row).optional().at(self.path)
    }

    /// The interpreter counted the message with this key as delivered (a receipt, or its
    /// deadline passed).
    pub fn outbox_delivered(&self, key: &str, now: Timestamp) -> Result<()> {
        let mut stmt = self.tx.prepare_cached("UPDATE outbox SET delivered_at = COALESCE(delivered_at, ?2) WHERE key = ?1").at(self.path)?;
        stmt.execute(params![key, nanos(now)]).at(self.path)?;
        Ok(())
    }

    /// A contact's outbox rows in one journey, in order: `(entry key of the flow that made it,
    /// effect JSON, status, when it counted as delivered)`.
    pub fn outbox_of(&self, contact: &str, journey: &str) -> Result<Vec<OutboxOfRow>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT e.key, o.effect, o.channel, o.delivered_at FROM outbox o JOIN enrollments e ON e.id = o.enrollment
                 WHERE o.contact = ?1 AND o.journey = ?2 ORDER BY o.seq",
            )
            .at(self.path)?;
        stmt.query_map(params![contact, journey], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, Option<i64>>(3)?.map(from_nanos))))
            .at(self.path)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .at(self.path)
    }

    // ---- steps ----

    /// Appends a step record (JSON) to the log.
    pub fn push_step(
        &self,
        enrollment: Option<i64>,
        journey: &str,
        version: u32,
        contact: &str,
        at: Timestamp,
        record: &str,
    ) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached("INSERT INTO steps (enrollment, journey, version, contact, at, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .at(self.path)?;
        stmt.execute(params![enrollment, journey, version, contact, nanos(at), record]).at(self.path)?;
        Ok(())
    }

    /// Appends these step records to the log in order, [`ROWS_PER_STATEMENT`] to a statement.
    pub fn push_steps(&self, steps: &[NewStep]) -> Result<()> {
        let mut chunks = steps.chunks_exact(ROWS_PER_STATEMENT);
        if steps.len() >= ROWS_PER_STATEMENT {
            let rows = (0..ROWS_PER_STATEMENT)
                .map(|r| {
                    let i = r * 6;
                    format!("(?{}, ?{}, ?{}, ?{}, ?{}, ?{})", i + 1, i + 2, i + 3, i + 4, i + 5, i + 6)
                })
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = self
                .tx
                .prepare_cached(&format!("INSERT INTO steps (enrollment, journey, version, contact, at, record) VALUES {rows}"))
                .at(self.path)?;
            for chunk in chunks.by_ref() {
                let times: Vec<i64> = chunk.iter().map(|s| nanos(s.at)).collect();
                let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(ROWS_PER_STATEMENT * 6);
                for (step, at) in chunk.iter().zip(&times) {
                    values.extend([
                        &step.enrollment as &dyn rusqlite::ToSql,
                        &step.journey,
                        &step.version,
                        &step.contact,
                        at,
                        &step.record,
                    ]);
                }
                stmt.execute(values.as_slice()).at(self.path)?;
            }
        }
        for step in chunks.remainder() {
            self.push_step(step.enrollment, &step.journey, step.version, &step.contact, step.at, &step.record)?;
        }
        Ok(())
    }

    /// A contact's steps in one journey, in order (JSON records).
    pub fn steps_of(&self, contact: &str, journey: &str) -> Result<Vec<String>> {
        let mut stmt = self.tx.prepare_cached("SELECT record FROM steps WHERE contact = ?1 AND journey = ?2 ORDER BY seq").at(self.path)?;
        stmt.query_map(params![contact, journey], |r| r.get(0)).at(self.path)?.collect::<rusqlite::Result<Vec<_>>>().at(self.path)
    }
}

fn enrollment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Enrollment> {
    Ok(Enrollment {
        id: r.get(0)?,
        journey: r.get(1)?,
        contact: r.get(2)?,
        key: r.get(3)?,
        version: r.get(4)?,
        state: r.get(5)?,
        updated_at: from_nanos(r.get(6)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `mib` MiB of committed rows (1 MiB per transaction) and returns the size of the
    /// database file itself (not its WAL) a moment later.
    fn write_and_measure(background: bool, mib: usize) -> u64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("engine.db");
        let mut store = Store::open(&path).unwrap();
        if background {
            store.checkpoint_in_background().unwrap();
        }
        store.conn.execute_batch("CREATE TABLE blob_rows (v BLOB NOT NULL)").unwrap();
        for _ in 0..mib {
            let tx = store.transaction().unwrap();
            for _ in 0..16 {
                tx.conn().execute("INSERT INTO blob_rows (v) VALUES (zeroblob(65536))", []).unwrap();
            }
            tx.commit().unwrap();
        }
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let size = || std::fs::metadata(&path).unwrap().len();
        while background && size() < (16 << 20) && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let measured = size();
        let count: i64 = store.read().unwrap().conn().query_row("SELECT COUNT(*) FROM blob_rows", [], |r| r.get(0)).unwrap();
        assert_eq!(count, 16 * mib as i64, "every committed row is there");
        drop(store); // joins the checkpoint thread
        measured
    }

    #[test]
    fn the_background_checkpointer_copies_the_wal_while_the_writer_goes_on() {
        // 24 MiB: past the checkpointer's 16 MiB, short of the writer's own 64 MiB threshold.
        let alone = write_and_measure(false, 24);
        let helped = write_and_measure(true, 24);
        assert!(alone < (4 << 20), "without the thread the pages stay in the WAL: the database file is {alone} bytes");
        assert!(helped >= (16 << 20), "the thread copied the WAL into the database file: it is {helped} bytes");
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn publishing_the_same_text_twice_makes_one_version() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.transaction().unwrap();
        let now = t("2026-01-01T00:00:00Z");
        assert_eq!(tx.publish("j", "{\"a\":1}", 0, now).unwrap(), (1, true));
        assert_eq!(tx.publish("j", "{\"a\":1}", 0, now).unwrap(), (1, false));
        assert_eq!(tx.publish("j", "{\"a\":2}", 0, now).unwrap(), (2, true));
        let g = tx.catalog_generation().unwrap();
        tx.set_status("j", 1, VersionStatus::Paused).unwrap();
        assert_eq!(tx.catalog_generation().unwrap(), g + 1);
        assert_eq!(tx.version("j", 1).unwrap().unwrap().status, VersionStatus::Paused);
        assert!(matches!(tx.set_status("j", 9, VersionStatus::Paused), Err(Error::NoSuchJourney { .. })));
        tx.commit().unwrap();
    }

    #[test]
    fn inputs_are_idempotent_by_id_and_come_out_in_time_class_arrival_order() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.transaction().unwrap();
        let now = t("2026-01-01T00:00:00Z");
        assert!(tx.push_input("b", "c1", 2, t("2026-01-01T00:00:05Z"), "{}", None, now).unwrap());
        assert!(tx.push_input("a", "c1", 1, t("2026-01-01T00:00:05Z"), "{}", None, now).unwrap());
        assert!(tx.push_input("z", "c1", 1, t("2026-01-01T00:00:01Z"), "{}", None, now).unwrap());
        assert!(!tx.push_input("a", "c1", 0, now, "{}", None, now).unwrap());
        let due: Vec<String> = tx.due_inputs(t("2026-01-01T00:00:05Z"), 10).unwrap().into_iter().map(|i| i.id).collect();
        assert_eq!(due, ["z", "a", "b"]);
        assert_eq!(tx.due_inputs(now, 10).unwrap().len(), 0);
        let first = tx.due_inputs(t("2026-01-01T00:00:05Z"), 1).unwrap().remove(0);
        tx.input_done(first.seq, now).unwrap();
        assert_eq!(tx.due_inputs(t("2026-01-01T00:00:05Z"), 10).unwrap().len(), 2);
        // A done input's id is still known.
        assert!(!tx.push_input("z", "c1", 1, now, "{}", None, now).unwrap());
        assert_eq!(tx.next_due().unwrap(), Some(t("2026-01-01T00:00:05Z")));
    }

    #[test]
    fn timers_follow_the_enrollment_and_the_outbox_keeps_one_row_per_key() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.transaction().unwrap();
        let now = t("2026-01-01T00:00:00Z");
        tx.publish("j", "{}", 0, now).unwrap();
        tx.put_contact("c1", "{\"id\":\"c1\"}", now).unwrap();
        let due = t("2026-01-01T01:00:00Z");
        let summary = EnrollmentSummary { version: 1, entries: 1, status: "waiting", outcome: None, node: Some("wait"), due: Some(due) };
        let id = tx.insert_enrollment("j", "c1", None, "{}", &summary, now).unwrap();
        assert!(tx.due_timers(now, 10).unwrap().is_empty());
        assert_eq!(tx.due_timers(due, 10).unwrap(), vec![(id, "c1".to_string(), due)]);
        let done = EnrollmentSummary { status: "done", outcome: Some("exited"), due: None, ..summary };
        tx.update_enrollment(id, "{}", &done, now).unwrap();
        assert!(tx.due_timers(due, 10).unwrap().is_empty());
        let row = NewOutbox {
            key: "k1",
            enrollment: id,
            journey: "j",
            version: 1,
            contact: "c1",
            node: "n",
            channel: "sms",
            effect: "{}",
            at: now,
        };
        assert!(tx.push_outbox(&row).unwrap());
        assert!(!tx.push_outbox(&row).unwrap());
        let due = tx.due_outbox(now, 10).unwrap();
        assert_eq!(due.len(), 1);
        tx.outbox_retry(due[0].seq, t("2026-01-01T00:00:10Z"), "503").unwrap();
        assert!(tx.due_outbox(now, 10).unwrap().is_empty());
        assert_eq!(tx.due_outbox(t("2026-01-01T00:00:10Z"), 10).unwrap()[0].attempts, 1);
        tx.outbox_done(due[0].seq, true, Some("delivered"), None, now).unwrap();
        assert_eq!(tx.pending().unwrap(), (0, 0, 0));
    }

    #[test]
    fn a_file_database_reopens_with_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let now = t("2026-01-01T00:00:00Z");
        {
            let mut store = Store::open(&path).unwrap();
            let tx = store.transaction().unwrap();
            tx.publish("j", "{}", 7, now).unwrap();
            tx.commit().unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let tx = store.read().unwrap();
        let v = tx.latest_version("j").unwrap().unwrap();
        assert_eq!((v.version, v.seed, v.published_at), (1, 7, now));
    }

    #[test]
    fn steps_and_done_marks_written_many_to_a_statement_keep_their_order_and_rows() {
        // Two full statements and a remainder, each way.
        let n = 2 * ROWS_PER_STATEMENT + 5;
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.transaction().unwrap();
        let now = t("2026-01-01T00:00:00Z");
        let steps: Vec<NewStep> = (0..n)
            .map(|i| NewStep {
                enrollment: (i % 3 != 0).then_some(i as i64),
                journey: if i % 2 == 0 { "j" } else { "k" }.into(),
                version: 1 + (i % 2) as u32,
                contact: if i < n / 2 { "ana" } else { "bo" }.into(),
                at: now.saturating_add(jiff::SignedDuration::from_secs(i as i64)).unwrap(),
                record: format!("{{\"i\":{i}}}"),
            })
            .collect();
        tx.push_steps(&steps).unwrap();
        let stored: Vec<(Option<i64>, String, u32, String, i64, String)> = tx
            .conn()
            .prepare("SELECT enrollment, journey, version, contact, at, record FROM steps ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let expected: Vec<_> =
            steps.iter().map(|s| (s.enrollment, s.journey.clone(), s.version, s.contact.clone(), nanos(s.at), s.record.clone())).collect();
        assert_eq!(stored, expected);

        let mut seqs = Vec::new();
        for i in 0..n + 3 {
            tx.push_input(&format!("e{i}"), "ana", 1, now, "{}", None, now).unwrap();
            seqs.push(tx.conn().last_insert_rowid());
        }
        // All but the last three.
        tx.inputs_done(&seqs[..n], now).unwrap();
        let left: Vec<String> = tx.due_inputs(now, 1000).unwrap().into_iter().map(|i| i.id).collect();
        assert_eq!(left, [format!("e{n}"), format!("e{}", n + 1), format!("e{}", n + 2)]);
    }

    #[test]
    fn a_database_of_schema_4_keeps_its_timers_and_outbox_through_migration_5() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let due = t("2026-01-02T09:00:00Z");
        {
            // The schema as Itinera wrote it before migration 5, with a waiting enrollment, its
            // timer and a sent message.
            let mut conn = Connection::open(&path).unwrap();
            let old: Vec<M<'static>> = MIGRATIONS[..4].iter().map(|m| M::up(m)).collect();
            Migrations::new(old).to_latest(&mut conn).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO journeys VALUES ('j', 0);
                 INSERT INTO versions (journey, version, definition, hash, published_at) VALUES ('j', 1, '{{}}', 'h', 0);
                 INSERT INTO contacts VALUES ('ana', '{{}}', 0);
                 INSERT INTO enrollments (id, journey, contact, version, status, node, state, updated_at)
                     VALUES (5, 'j', 'ana', 1, 'waiting', 'wait', '{{}}', 0);
                 INSERT INTO enrollments (id, journey, contact, key, version, status, state, updated_at)
                     VALUES (6, 'j', 'ana', 'k', 1, 'done', '{{}}', 0);
                 INSERT INTO timers VALUES (5, {});
                 INSERT INTO outbox (key, enrollment, journey, version, contact, node, channel, effect, status, attempts,
                                     next_attempt, created_at, sent_at, provider_id)
                     VALUES ('j:v1:ana:1:hi:1', 5, 'j', 1, 'ana', 'hi', 'sms', '{{}}', 'sent', 1, 0, 0, 1, 'SM1');",
                nanos(due)
            ))
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let tx = store.read().unwrap();
        assert_eq!(tx.due_timers(due, 10).unwrap(), vec![(5, "ana".to_string(), due)]);
        assert_eq!(tx.next_due().unwrap(), Some(due));
        assert_eq!(tx.pending().unwrap(), (0, 1, 0));
        let row = tx.outbox_by_provider_id("sms", "SM1").unwrap().unwrap();
        assert_eq!((row.key.as_str(), row.enrollment, row.channel.as_str(), row.attempts), ("j:v1:ana:1:hi:1", 5, "sms", 1));
        let tables: i64 = tx.conn().query_row("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'timers'", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0);
        // The rebuilt outbox still refuses a status it does not know.
        let bad = tx.conn().execute("UPDATE outbox SET status = 'lost' WHERE key = 'j:v1:ana:1:hi:1'", []);
        assert!(bad.is_err());
    }

    #[test]
    fn times_round_trip_and_clamp() {
        let at = t("2026-03-04T05:06:07.123456789Z");
        assert_eq!(from_nanos(nanos(at)), at);
        assert_eq!(nanos(Timestamp::MAX), i64::MAX);
        assert_eq!(nanos(Timestamp::MIN), i64::MIN);
    }
}
