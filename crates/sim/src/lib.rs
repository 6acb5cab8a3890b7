//! # itinera-sim: scenarios and the deterministic virtual-clock simulator
//!
//! Marketers must see what a journey will do to people before anyone receives a message. This
//! crate replays a scenario's contacts — hand-written ones and a generated population — through
//! a journey on a virtual clock, using the very interpreter the durable engine runs
//! ([`itinera_engine::handle`]): there is no second copy of the step semantics here, only a
//! driver that feeds inputs and records what comes out.
//!
//! * [`scenario`]: the `itinera/scenario@1` format (contacts, scripted events and replies,
//!   delivery results) and [`population`], the seeded generator of many contacts.
//! * `driver`: one contact on its own timeline — its own small queue of events, replies
//!   (scheduled `after` the message they answer) and timer wake-ups; deliveries answered at
//!   once from the scenario. The tie-break between inputs at the same instant is documented
//!   there: events, then replies, then timers.
//! * [`report`]: [`SimReport`], exactly the shape of `itinera simulate --json`.
//!
//! **Determinism.** Contacts are independent: contact `i` depends only on the journey, the
//! scenario's seed and its own spec, and splits draw from a generator seeded by (seed, journey,
//! contact, node, entry) — so a subset of contacts, or the same contacts in another order, gives
//! each one the same trace, and the same inputs give byte-identical output. Large populations run
//! on up to two threads ([`std::thread::scope`]) over chunks of contacts; results are put back in
//! contact order and summary counters are sums, so threads change nothing but the wall time.
//!
//! **Streaming.** [`run_streaming`] generates, simulates and counts contacts chunk by chunk and
//! hands each [`ContactReport`] to a sink in contact order; at most a few chunks per thread
//! exist at once, so memory does not grow with the population. [`run`] is the same with a sink
//! that collects. [`RunOptions::cancel`] (a [`Cancel`] flag) stops either within milliseconds:
//! it is checked before every contact and before every input one contact receives.
//!
//! **Detail.** Rendering templates and writing sentences costs far more than deciding the path,
//! so [`Detail`] says whose steps and messages to keep; the summary counts every contact always.
#![deny(missing_docs)]

/// `impl ts_rs::TS` for a type the scenario file writes as plain JSON but reads through its own
/// checks (`NonEmptyText` is a string, `Probability` a number): its TypeScript is `$ts`.
#[cfg(feature = "ts")]
macro_rules! ts_inline {
    ($($ty:ty => $ts:literal),* $(,)?) => {$(
        impl ts_rs::TS for $ty {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn name(_: &ts_rs::Config) -> String {
                $ts.to_string()
            }
            fn inline(_: &ts_rs::Config) -> String {
                $ts.to_string()
            }
        }
    )*};
}

pub mod local_time;
pub mod population;
pub mod report;
pub mod scenario;
#[cfg(feature = "ts")]
pub mod ts;
pub mod variables;

mod driver;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};

use itinera_engine::{Channel, CompileError, PrepareError, Program, StepResult};
use itinera_model::{Diagnostic, Journey, Severity};

pub use crate::driver::MAX_KEPT_STEPS;
use crate::driver::{Counts, Layout, RunContext, simulate_contact};
pub use crate::report::{ContactOutcome, ContactReport, EdgeCount, MessageRecord, SimReport, StepRecord, Summary, TemplateRecord};
pub use crate::scenario::{ContactSpec, Contacts, Scenario};
/// What every run takes: a journey with its validation report ([`Validated::new`], [`Validated::read`]).
pub use itinera_engine::Validated;

/// Whose per-contact steps and messages the report keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Detail {
    /// Every contact's.
    #[default]
    All,
    /// Nobody's (summary and outcomes only).
    None,
    /// Only these contacts'.
    Only(Vec<String>),
}

impl Detail {
    /// The default for a report that will be read contact by contact (`--json`, the editor):
    /// every contact of a hand-written scenario; of a generated population only the
    /// hand-written contacts (the rest are summarised).
    pub fn hand_written(scenario: &Scenario) -> Detail {
        match scenario.population {
            None => Detail::All,
            Some(_) => Detail::Only(scenario.contacts.ids().map(str::to_string).collect()),
        }
    }
}

/// How to run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunOptions {
    /// Whose details to keep.
    pub detail: Detail,
    /// Stops the run early when cancelled (checked between contacts and between the inputs of
    /// one contact); the run then returns [`Error::Cancelled`]. `None`: runs to the end.
    pub cancel: Option<Cancel>,
}

/// A cancellation flag shared between a running simulation and whoever may stop it (a server
/// whose client went away, a shutdown signal). Clones share one flag; cancelling is final.
///
/// ```
/// let cancel = itinera_sim::Cancel::new();
/// let options = itinera_sim::RunOptions { cancel: Some(cancel.clone()), ..Default::default() };
/// cancel.cancel(); // from any thread: the run returns `Error::Cancelled` within milliseconds
/// # assert!(options.cancel.is_some_and(|c| c.is_cancelled()));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag not yet cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks every run holding this flag (or a clone) to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called on this flag or a clone.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Two handles are equal when they share one flag.
impl PartialEq for Cancel {
    fn eq(&self, other: &Cancel) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Cancel {}

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The journey has validation errors; every diagnostic (warnings too) is included.
    #[error("the journey has {} error(s); fix them before simulating", .0.iter().filter(|d| d.severity == Severity::Error).count())]
    Invalid(Vec<Diagnostic>),
    /// The journey passed validation but cannot be interpreted (names node and field).
    #[error("the journey cannot be interpreted: {0}")]
    Compile(#[from] CompileError),
    /// [`RunOptions::cancel`] was cancelled, or the sink of [`run_streaming`] asked to stop,
    /// before the last contact was simulated.
    #[error("the simulation was cancelled before it finished")]
    Cancelled,
}

/// Contacts per unit of work handed to a thread.
const CHUNK: usize = 1024;

/// Chunks in flight per worker thread (being simulated or waiting to be handed to the sink in
/// contact order): the bound on what a streaming run holds in memory.
const WINDOW_PER_THREAD: usize = 2;

/// What [`run_streaming`]'s sink returns: go on, or stop the run (it then returns
/// [`Error::Cancelled`]).
pub type Flow = std::ops::ControlFlow<()>;

/// The number of worker threads [`run`] and [`run_streaming`] use: up to two.
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(2)
}

/// Refuses `journey` if its report has errors ([`Error::Invalid`]: it was validated once, by
/// whoever made the [`Validated`]), then simulates every contact of `scenario` through it and
/// collects the whole report. Uses up to two threads for large populations; the result does not depend on
/// that. `progress(done, total)` is called with `done` 0 once the journey is known to be valid,
/// then as chunks of contacts finish, in contact order.
///
/// The report holds one [`ContactReport`] per contact, so its memory grows with the
/// population; [`run_streaming`] hands each contact over as it is done instead.
pub fn run(
    journey: &Validated,
    scenario: &Scenario,
    options: &RunOptions,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<SimReport, Error> {
    run_with_threads(journey, scenario, options, default_threads(), progress)
}

/// [`run`] on exactly `threads` worker threads (at least one; benchmarks use one).
pub fn run_with_threads(
    journey: &Validated,
    scenario: &Scenario,
    options: &RunOptions,
    threads: usize,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<SimReport, Error> {
    // Not pre-sized: a population's count is what the file claims, not memory anyone has.
    let mut contacts = Vec::new();
    let summary = run_streaming_with_threads(journey, scenario, options, threads, progress, &mut |contact| {
        contacts.push(contact);
        Flow::Continue(())
    })?;
    Ok(SimReport { journey: journey.journey().id.clone(), contacts, summary })
}

/// Refuses `journey` if its report has errors, then simulates every contact of `scenario`, handing each contact's
/// report to `sink` in contact order as soon as it and every contact before it are done, and
/// returns the summary. Exactly the contacts and summary [`run`] would report (`run` is this
/// with a sink that collects), but memory stays bounded by a few chunks of contacts per thread
/// whatever the population, as long as the sink does not keep what it is given.
///
/// Contacts are generated, simulated and counted chunk by chunk on up to two threads while the
/// calling thread feeds the sink. The sink returning [`Flow::Break`] stops the run, as does
/// [`RunOptions::cancel`]: both return [`Error::Cancelled`], within milliseconds.
pub fn run_streaming(
    journey: &Validated,
    scenario: &Scenario,
    options: &RunOptions,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
    sink: &mut dyn FnMut(ContactReport) -> Flow,
) -> Result<Summary, Error> {
    run_streaming_with_threads(journey, scenario, options, default_threads(), progress, sink)
}

/// [`run_streaming`] on exactly `threads` worker threads (at least one; with one, everything
/// runs on the calling thread).
pub fn run_streaming_with_threads(
    journey: &Validated,
    scenario: &Scenario,
    options: &RunOptions,
    threads: usize,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
    sink: &mut dyn FnMut(ContactReport) -> Flow,
) -> Result<Summary, Error> {
    let program = prepare(journey)?;
    let layout = Layout::new(&program);
    if let Some(progress) = progress {
        progress(0, scenario.contact_count());
    }
    // Set when the sink stops the run, so that workers stop too.
    let halt = AtomicBool::new(false);
    let stop = || halt.load(Ordering::Relaxed) || options.cancel.as_ref().is_some_and(Cancel::is_cancelled);
    let ctx = RunContext { program: &program, layout: &layout, end: scenario.end(), seed: scenario.seed, stop: &stop };
    let total = scenario.contact_count();
    let only: Option<HashSet<&str>> = match &options.detail {
        Detail::Only(ids) => Some(ids.iter().map(String::as_str).collect()),
        _ => None,
    };
    let wants = |id: &str| match &options.detail {
        Detail::All => true,
        Detail::None => false,
        Detail::Only(_) => only.as_ref().is_some_and(|set| set.contains(id)),
    };
    let chunk_range = |c: usize| (c * CHUNK, ((c + 1) * CHUNK).min(total));
    // One chunk of contacts, or `None` when the run was stopped meanwhile.
    let run_chunk = |c: usize, counts: &mut Counts| -> Option<Vec<ContactReport>> {
        let (from, to) = chunk_range(c);
        let mut reports = Vec::with_capacity(to - from);
        for i in from..to {
            if stop() {
                return None;
            }
            let spec = scenario.contact(i);
            let detail = wants(&spec.id);
            reports.push(simulate_contact(&ctx, spec, detail, counts)?);
        }
        Some(reports)
    };
    let chunks = total.div_ceil(CHUNK);
    let threads = threads.max(1).min(chunks.max(1));
    let mut counts = Counts::new(&layout);
    if threads == 1 {
        for c in 0..chunks {
            let reports = run_chunk(c, &mut counts).ok_or(Error::Cancelled)?;
            for contact in reports {
                if sink(contact).is_break() {
                    return Err(Error::Cancelled);
                }
            }
            if let Some(progress) = progress {
                progress(chunk_range(c).1, total);
            }
        }
        return Ok(summarize(journey.journey(), &program, &counts, total));
    }

    // Workers take chunks in order, but only while the chunk is within the window after the
    // last chunk the sink received; finished chunks come back over a channel and are handed to
    // the sink in order from the calling thread. So both workers stay busy while the sink
    // works, and at most `window` chunks exist at once.
    let window = WINDOW_PER_THREAD * threads;
    struct Handout {
        next: usize,
        emitted: usize,
        closed: bool,
    }
    let handout = Mutex::new(Handout { next: 0, emitted: 0, closed: false });
    let turn = Condvar::new();
    let lock = || handout.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Option<Vec<ContactReport>>)>();
    let mut outcome = Ok(());
    let partials: Vec<Counts> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let done_tx = done_tx.clone();
                let (run_chunk, lock, turn, layout) = (&run_chunk, &lock, &turn, &layout);
                scope.spawn(move || {
                    let mut counts = Counts::new(layout);
                    loop {
                        let c = {
                            let mut h = lock();
                            while !h.closed && h.next < chunks && h.next >= h.emitted + window {
                                h = turn.wait(h).unwrap_or_else(std::sync::PoisonError::into_inner);
                            }
                            if h.closed || h.next >= chunks {
                                break;
                            }
                            h.next += 1;
                            h.next - 1
                        };
                        let reports = run_chunk(c, &mut counts);
                        let stopped = reports.is_none();
                        if done_tx.send((c, reports)).is_err() || stopped {
                            break;
                        }
                    }
                    counts
                })
            })
            .collect();
        drop(done_tx);
        let mut ready: BTreeMap<usize, Vec<ContactReport>> = BTreeMap::new();
        let mut emitted = 0;
        'emit: while emitted < chunks {
            // Every worker gone before the last chunk: only a stop does that.
            let Ok((c, reports)) = done_rx.recv() else {
                outcome = Err(Error::Cancelled);
                break;
            };
            let Some(reports) = reports else {
                outcome = Err(Error::Cancelled);
                break;
            };
            ready.insert(c, reports);
            while let Some(reports) = ready.remove(&emitted) {
                for contact in reports {
                    if stop() || sink(contact).is_break() {
                        halt.store(true, Ordering::Relaxed);
                        outcome = Err(Error::Cancelled);
                        break 'emit;
                    }
                }
                emitted += 1;
                lock().emitted = emitted;
                turn.notify_all();
                if let Some(progress) = progress {
                    progress(chunk_range(emitted - 1).1, total);
                }
            }
        }
        lock().closed = true;
        turn.notify_all();
        drop(done_rx);
        workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    outcome?;
    for partial in &partials {
        counts.merge(partial);
    }
    Ok(summarize(journey.journey(), &program, &counts, total))
}

/// The journey's program, or why it cannot run: its report's errors (the report the front door
/// validated it into; nothing here validates again), or a compile error.
fn prepare(journey: &Validated) -> Result<Program, Error> {
    journey.prepare().map_err(|e| match e {
        PrepareError::Invalid(diagnostics) => Error::Invalid(diagnostics),
        PrepareError::Compile(err) => Error::Compile(err),
    })
}

/// Refuses `journey` if its report has errors, then simulates only the contacts of `scenario` at `indices` (in that
/// order; an index past the last contact is skipped), generating each one alone: how the editor
/// follows one contact of a large population without simulating everybody. Each contact's
/// report is exactly the one a run of the whole scenario gives it (contacts are independent:
/// see the crate docs); the summary counts these contacts only, so `summary.contacts` is the
/// number simulated. [`RunOptions::detail`] says whose steps to keep, and `progress` hears
/// `(0, indices.len())` once the journey is known to be valid, then each contact done, as in [`run`].
pub fn run_only(
    journey: &Validated,
    scenario: &Scenario,
    indices: &[usize],
    options: &RunOptions,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<SimReport, Error> {
    let program = prepare(journey)?;
    if let Some(progress) = progress {
        progress(0, indices.len());
    }
    let layout = Layout::new(&program);
    let stop = || options.cancel.as_ref().is_some_and(Cancel::is_cancelled);
    let ctx = RunContext { program: &program, layout: &layout, end: scenario.end(), seed: scenario.seed, stop: &stop };
    let mut counts = Counts::new(&layout);
    let mut contacts = Vec::with_capacity(indices.len().min(CHUNK));
    for &i in indices {
        if stop() {
            return Err(Error::Cancelled);
        }
        let Some(spec) = scenario.get_contact(i) else { continue };
        let detail = match &options.detail {
            Detail::All => true,
            Detail::None => false,
            Detail::Only(ids) => ids.contains(&spec.id),
        };
        contacts.push(simulate_contact(&ctx, spec, detail, &mut counts).ok_or(Error::Cancelled)?);
        if let Some(progress) = progress {
            progress(contacts.len(), indices.len());
        }
    }
    let summary = summarize(journey.journey(), &program, &counts, contacts.len());
    Ok(SimReport { journey: journey.journey().id.clone(), contacts, summary })
}

/// Builds a [`Summary`] from step records, delivered messages and contact outcomes, exactly as
/// the simulator counts them: how another driver of the interpreter (the durable engine's
/// replay) reports in the simulator's shape without counting a second way.
pub struct SummaryCounter<'p> {
    journey: &'p Journey,
    program: &'p Program,
    layout: Layout,
    counts: Counts,
    contacts: usize,
}

impl<'p> SummaryCounter<'p> {
    /// A counter for this journey and its compiled program.
    pub fn new(journey: &'p Journey, program: &'p Program) -> SummaryCounter<'p> {
        let layout = Layout::new(program);
        let counts = Counts::new(&layout);
        SummaryCounter { journey, program, layout, counts, contacts: 0 }
    }

    /// Counts one step record; one that names no node or result of the program is refused.
    pub fn step(&mut self, record: &StepRecord) -> Result<(), String> {
        let node = self.program.node_index(&record.node).ok_or_else(|| format!("step at unknown node `{}`", record.node))?;
        let result = StepResult::parse(&record.result).ok_or_else(|| format!("unknown step result `{}`", record.result))?;
        let port = match &record.port {
            Some(name) => Some(
                self.program.nodes[node]
                    .ports
                    .iter()
                    .position(|p| p.name == *name)
                    .ok_or_else(|| format!("node `{}` has no port `{name}`", record.node))?,
            ),
            None => None,
        };
        self.counts.step(self.program, &self.layout, node, result, port);
        Ok(())
    }

    /// Counts one message the contact received.
    pub fn message(&mut self, channel: Channel) {
        self.counts.messages[channel as usize] += 1;
    }

    /// Counts one contact's end.
    pub fn contact(&mut self, outcome: ContactOutcome, entered: bool) {
        self.counts.contact(outcome, entered);
        self.contacts += 1;
    }

    /// The summary.
    pub fn finish(self) -> Summary {
        summarize(self.journey, self.program, &self.counts, self.contacts)
    }
}

fn summarize(journey: &Journey, program: &Program, counts: &Counts, total: usize) -> Summary {
    let outcomes: BTreeMap<String, usize> =
        ContactOutcome::ALL.iter().map(|o| (o.as_str().to_string(), counts.outcomes[*o as usize])).collect();
    let goals = counts.outcomes[ContactOutcome::Goal as usize];
    let goal_rate = if counts.entered == 0 { 0.0 } else { goals as f64 / counts.entered as f64 };
    let mut nodes = BTreeMap::new();
    for (i, node) in program.nodes.iter().enumerate() {
        let mut row = BTreeMap::new();
        row.insert("entered".to_string(), counts.arrivals[i]);
        for result in StepResult::ALL {
            let n = counts.result_count(i, *result);
            if n > 0 && *result != StepResult::Entered {
                row.insert(result.as_str().to_string(), n);
            }
        }
        nodes.insert(node.id.clone(), row);
    }
    let layout = Layout::new(program);
    let edges = journey
        .edges
        .iter()
        .map(|e| {
            let count = program
                .node_index(&e.from)
                .and_then(|n| program.nodes[n].ports.iter().position(|p| p.name == e.port).map(|p| counts.edges[layout.port_offset[n] + p]))
                .unwrap_or(0);
            EdgeCount { from: e.from.clone(), port: e.port.clone(), to: e.to.clone(), count }
        })
        .collect();
    let messages = Channel::ALL.iter().map(|c| (c.as_str().to_string(), counts.messages[*c as usize])).collect();
    Summary { contacts: total, entered: counts.entered, outcomes, goal_rate, nodes, edges, messages }
}
