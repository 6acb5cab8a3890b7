//! The engine as a tokio service: Options → [`Service::start`] → a cloneable [`Handle`].
//!
//! One loop owns the store's engine connection. Each turn it reads the clock, applies a batch of
//! due inputs and timers (one transaction: group commit), then dispatches the outbox rows that
//! are due — only rows already committed — through the [`Sinks`], concurrently, and records the
//! answers (one transaction): results become inputs for the next batch, transient failures are
//! retried with exponential backoff (1 s, 2 s, 4 s, … capped at 10 minutes; after
//! [`Options::max_attempts`] the effect fails). When nothing is due it sleeps until the next due
//! instant, at most [`Options::poll`], or until [`Handle::wake`] (new inputs, a publish).
//!
//! The SQLite work runs on tokio's blocking pool; the channel calls are async. Other
//! connections (the commands, the editor's service layer) write inputs and versions to the same
//! file; WAL lets them read while the engine writes.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use itinera_engine::{Clock, Effect};
use itinera_store::{OutboxItem, Store};
use tokio::sync::{Notify, watch};

use crate::Error;
use crate::channel::Sinks;
use crate::core::{Applied, Attempt, Engine};

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The database file.
    pub db: PathBuf,
    /// Inputs and timers applied per transaction.
    pub batch: usize,
    /// Outbox rows dispatched per turn.
    pub dispatch: usize,
    /// Effects performed at once; their answers are committed together before the next ones go
    /// out, so this is also the most a crash can make go out twice.
    pub in_flight: usize,
    /// The longest sleep between turns when nothing is due.
    pub poll: Duration,
    /// Attempts per outbox row before it counts as failed.
    pub max_attempts: u32,
    /// Stop (successfully) once nothing is left to do: no input, timer or outbox row pending.
    pub until_done: bool,
}

impl Options {
    /// Defaults for a database file.
    pub fn new(db: impl Into<PathBuf>) -> Options {
        Options {
            db: db.into(),
            batch: 1000,
            dispatch: 256,
            in_flight: 16,
            poll: Duration::from_millis(250),
            max_attempts: 5,
            until_done: false,
        }
    }
}

/// What the engine did since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Inputs and timers applied.
    pub inputs: u64,
    /// Steps logged.
    pub steps: u64,
    /// Outbox attempts made.
    pub attempts: u64,
}

/// The running engine.
pub struct Service;

struct Inner {
    wake: Notify,
    stop: AtomicBool,
    done: watch::Receiver<Option<Result<Totals, String>>>,
}

/// A handle on the running engine; clones share it.
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

impl Service {
    /// Opens the database and starts the engine loop on the current tokio runtime.
    pub fn start(options: Options, sinks: Sinks, clock: Arc<dyn Clock + Send + Sync>) -> Result<Handle, Error> {
        // One engine per database: two would dispatch the same pending outbox rows and send
        // every message twice. The lock is the OS's (released when the process dies).
        let lock_path = PathBuf::from(format!("{}.engine-lock", options.db.display()));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| Error::Io { path: lock_path.display().to_string(), source })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Busy { db: options.db.display().to_string() });
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(Error::Io { path: lock_path.display().to_string(), source }),
        }
        let mut store = Store::open(&options.db)?;
        store.checkpoint_in_background()?;
        let mut engine = Engine::new(store);
        engine.max_attempts = options.max_attempts;
        let (tx, rx) = watch::channel(None);
        let inner = Arc::new(Inner { wake: Notify::new(), stop: AtomicBool::new(false), done: rx });
        let handle = Handle { inner: inner.clone() };
        let sinks = Arc::new(sinks);
        tokio::spawn(async move {
            let result = run(engine, options, sinks, clock, inner).await;
            drop(lock);
            if let Err(err) = &result {
                tracing::error!(error = %err, "engine stopped");
            }
            let _ = tx.send(Some(result.map_err(|e| e.to_string())));
        });
        Ok(handle)
    }
}

impl Handle {
    /// Something new is in the store (an input, a version): look now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Asks the loop to stop after its current turn, and waits for it.
    pub async fn stop(&self) -> Result<Totals, String> {
        self.inner.stop.store(true, Ordering::SeqCst);
        self.inner.wake.notify_one();
        self.finished().await
    }

    /// Waits until the loop ends (with `until_done`, once nothing is left; or after
    /// [`Handle::stop`]; or on an error).
    pub async fn finished(&self) -> Result<Totals, String> {
        let mut done = self.inner.done.clone();
        loop {
            if let Some(result) = done.borrow().clone() {
                return result;
            }
            if done.changed().await.is_err() {
                return Err("the engine task ended".into());
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    engine: &mut Option<Engine>,
    work: impl FnOnce(&mut Engine) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let mut taken = engine.take().ok_or_else(|| Error::Internal("engine lost".into()))?;
    let (back, result) = tokio::task::spawn_blocking(move || {
        let result = work(&mut taken);
        (taken, result)
    })
    .await
    .map_err(|e| Error::Internal(format!("engine task: {e}")))?;
    *engine = Some(back);
    result
}

async fn run(
    engine: Engine,
    options: Options,
    sinks: Arc<Sinks>,
    clock: Arc<dyn Clock + Send + Sync>,
    inner: Arc<Inner>,
) -> Result<Totals, Error> {
    let mut engine = Some(engine);
    let mut totals = Totals::default();
    loop {
        if inner.stop.load(Ordering::SeqCst) {
            return Ok(totals);
        }
        let now = clock.now();
        let batch = options.batch;
        let applied: Applied = blocking(&mut engine, move |e| e.apply_due(now, batch)).await?;
        totals.inputs += applied.inputs as u64;
        totals.steps += applied.steps as u64;
        let limit = options.dispatch;
        let due: Vec<OutboxItem> = blocking(&mut engine, move |e| e.due_outbox(now, limit)).await?;
        let dispatched = due.len();
        if !due.is_empty() {
            // A few at a time, each group's answers committed before the next group is sent: a
            // crash re-sends at most one group's answered-but-uncommitted effects (docs/engine.md).
            let mut rows = due.into_iter().peekable();
            while rows.peek().is_some() {
                let mut calls = tokio::task::JoinSet::new();
                for (i, row) in rows.by_ref().take(options.in_flight.max(1)).enumerate() {
                    let sinks = sinks.clone();
                    calls.spawn(async move {
                        let answer = match serde_json::from_str::<Effect>(&row.effect) {
                            Ok(effect) => sinks.for_effect(&effect).attempt(&row, &effect, now).await,
                            Err(e) => Attempt::Done(Err(format!("unreadable outbox row: {e}"))),
                        };
                        (i, row, answer)
                    });
                }
                let mut answers: Vec<(usize, OutboxItem, Attempt)> = Vec::with_capacity(options.in_flight);
                while let Some(joined) = calls.join_next().await {
                    answers.push(joined.map_err(|e| Error::Internal(format!("dispatch task: {e}")))?);
                }
                answers.sort_by_key(|(i, _, _)| *i);
                let group: Vec<(OutboxItem, Attempt)> = answers.into_iter().map(|(_, row, a)| (row, a)).collect();
                let at = clock.now();
                blocking(&mut engine, move |e| e.record_attempts(&group, at)).await?;
            }
            totals.attempts += dispatched as u64;
        }
        if applied.inputs > 0 || dispatched > 0 || applied.deferred > 0 {
            continue;
        }
        let (next, pending) = blocking(&mut engine, |e| Ok((e.next_due()?, e.pending()?))).await?;
        if options.until_done && pending == (0, 0, 0) {
            return Ok(totals);
        }
        let now = clock.now();
        let wait = match next {
            Some(at) if at <= now => Duration::from_millis(1),
            Some(at) => Duration::try_from(at.duration_since(now)).unwrap_or(options.poll).min(options.poll),
            None => options.poll,
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = inner.wake.notified() => {}
        }
    }
}
