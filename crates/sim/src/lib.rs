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
//! **Detail.** Rendering templates and writing sentences costs far more than deciding the path,
//! so [`Detail`] says whose steps and messages to keep; the summary counts every contact always.
#![deny(missing_docs)]

pub mod population;
pub mod report;
pub mod scenario;

mod driver;

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use itinera_engine::{Channel, CompileError, Program, StepResult};
use itinera_model::{Diagnostic, Journey, Severity};

use crate::driver::{Counts, Layout, RunContext, simulate_contact};
pub use crate::report::{ContactOutcome, ContactReport, EdgeCount, MessageRecord, SimReport, StepRecord, Summary, TemplateRecord};
pub use crate::scenario::{ContactSpec, Scenario};

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
            Some(_) => Detail::Only(scenario.contacts.iter().map(|c| c.id.clone()).collect()),
        }
    }
}

/// How to run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunOptions {
    /// Whose details to keep.
    pub detail: Detail,
}

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The journey has validation errors; every diagnostic (warnings too) is included.
    #[error("the journey has {} error(s); fix them before simulating", .0.iter().filter(|d| d.severity == Severity::Error).count())]
    Invalid(Vec<Diagnostic>),
    /// The journey passed validation but cannot be interpreted (names node and field).
    #[error("the journey cannot be interpreted: {0}")]
    Compile(#[from] CompileError),
}

/// Contacts per unit of work handed to a thread.
const CHUNK: usize = 1024;

/// Validates `journey`, then simulates every contact of `scenario` through it. Uses up to two
/// threads for large populations; the result does not depend on that.
/// `progress(done, total)` is called as chunks of contacts finish.
pub fn run(
    journey: &Journey,
    scenario: &Scenario,
    options: &RunOptions,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<SimReport, Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(2);
    run_with_threads(journey, scenario, options, threads, progress)
}

/// [`run`] on exactly `threads` worker threads (at least one; benchmarks use one).
pub fn run_with_threads(
    journey: &Journey,
    scenario: &Scenario,
    options: &RunOptions,
    threads: usize,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<SimReport, Error> {
    let report = itinera_model::validate(journey);
    if report.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(Error::Invalid(report.diagnostics));
    }
    let program = Program::compile(journey)?;
    let layout = Layout::new(&program);
    let ctx = RunContext { program: &program, layout: &layout, end: scenario.end(), seed: scenario.seed };
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
    let run_range = |from: usize, to: usize, counts: &mut Counts| -> Vec<ContactReport> {
        (from..to)
            .map(|i| {
                let spec = scenario.contact(i);
                let detail = wants(&spec.id);
                simulate_contact(&ctx, spec, detail, counts)
            })
            .collect()
    };
    let chunks = total.div_ceil(CHUNK);
    let threads = threads.max(1).min(chunks.max(1));
    let mut counts = Counts::new(&layout);
    let contacts: Vec<ContactReport>;
    if threads == 1 {
        let mut all = Vec::with_capacity(total);
        for c in 0..chunks {
            let (from, to) = (c * CHUNK, ((c + 1) * CHUNK).min(total));
            all.extend(run_range(from, to, &mut counts));
            if let Some(progress) = progress {
                progress(to, total);
            }
        }
        contacts = all;
    } else {
        // Workers fill disjoint chunks of one pre-sized table, so contact order is kept and
        // no second copy of the results is ever made.
        let mut slots: Vec<Option<ContactReport>> = (0..total).map(|_| None).collect();
        let work = Mutex::new(slots.chunks_mut(CHUNK).enumerate());
        let done = AtomicUsize::new(0);
        let partials: Vec<Counts> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut counts = Counts::new(&layout);
                        loop {
                            let next = work.lock().unwrap_or_else(|p| p.into_inner()).next();
                            let Some((c, chunk)) = next else { break };
                            let (from, len) = (c * CHUNK, chunk.len());
                            for (slot, report) in chunk.iter_mut().zip(run_range(from, from + len, &mut counts)) {
                                *slot = Some(report);
                            }
                            let so_far = done.fetch_add(len, Ordering::Relaxed) + len;
                            if let Some(progress) = progress {
                                progress(so_far, total);
                            }
                        }
                        counts
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });
        for partial in &partials {
            counts.merge(partial);
        }
        // Every slot is filled (each chunk is handed out exactly once). `filter_map` (unlike
        // `flatten`) lets the standard library collect in place: no second table in memory.
        #[allow(clippy::filter_map_identity)]
        let filled: Vec<ContactReport> = slots.into_iter().filter_map(|slot| slot).collect();
        contacts = filled;
    }
    Ok(SimReport { journey: journey.id.clone(), contacts, summary: summarize(journey, &program, &counts, total) })
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
