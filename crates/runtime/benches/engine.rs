//! Durable-engine benchmark: steps per second of the engine over SQLite (a replay of a generated
//! population through the appointment-reminder journey: store, inbox, timers, outbox, dispatch,
//! step log — every contact in detail, as a real send renders), against raw SQLite baselines
//! measured in the same run on the same disk with the same settings (WAL, synchronous=NORMAL):
//!
//! * one-row transactions: ~200-byte rows into a table with one index, one commit per row;
//! * batched inserts: the same rows, 1,000 per transaction, measured before and again after the
//!   engine; the ratios use the faster of the two (the machine's speed drifts during a run, and
//!   the faster baseline gives the engine the lower ratio).
//!
//! Prints each rate, the engine's steps/s (goal ≥ 20,000 on 2 cores) and its ratio to the
//! batched-insert rate (goal ≥ 10 %): for the whole replay (loading the scenario's contacts and
//! events, running, reading the report back) and for the run phase alone (the engine's batches
//! and dispatch); the same ratio per CPU second (user + system time of the
//! process, all threads: steadier than wall-clock rates when other work shares the machine), and
//! the process's peak resident memory (VmHWM) after the engine run alone (reset through
//! /proc/self/clear_refs).
//!
//! Run: `cargo bench -p itinera-runtime --bench engine` (`-- --quick`: 5,000 contacts).

#![allow(clippy::unwrap_used)] // a benchmark may unwrap: it measures, it does not serve

use std::path::Path;
use std::time::Instant;

use itinera_model::Journey;
use itinera_sim::{Detail, Scenario};
use itinera_store::Store;
use rusqlite::{Connection, params};
use serde_json::json;

fn scenario(count: usize) -> Scenario {
    let doc = json!({
        "format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "14d", "seed": 7,
        "population": {
            "count": count, "id_prefix": "p",
            "timezones": {"Europe/Lisbon": 0.5, "America/New_York": 0.3, "Asia/Kolkata": 0.2},
            "attributes": {"first_name": ["Ana", "Ben", "Chloé", "Dev"], "tier": {"gold": 0.2, "silver": 0.8}},
            "channels": {"sms": {"address": 0.95, "consent": 0.9}, "whatsapp": {"address": 0.8, "consent": 0.7}, "email": {"address": 0.5, "consent": 0.5}},
            "events": [
                {"name": "appointment_booked", "at": {"from": "+0m", "to": "+3d"}, "probability": 0.95,
                 "data": {"starts_at": {"from_event": "+2h", "to_event": "+5d"}, "location": {"Lisbon": 3, "Porto": 1}}},
                {"name": "appointment_cancelled", "at": {"from": "+1d", "to": "+6d"}, "probability": 0.05},
                {"name": "appointment_attended", "at": {"from": "+1d", "to": "+8d"}, "probability": 0.5}
            ],
            "replies": [
                {"to": "wa_reminder", "probability": 0.6, "after": {"min": "5m", "max": "6h"}, "channel": "whatsapp",
                 "buttons": {"confirm": 0.7, "reschedule": 0.3}},
                {"to": "confirm_sms", "probability": 0.02, "after": "10m", "channel": "sms", "texts": ["STOP"]}
            ],
            "delivery": {"whatsapp": {"undeliverable": 0.05}}
        }
    });
    Scenario::parse(&doc.to_string()).expect("scenario")
}

fn connection(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
    conn.pragma_update(None, "synchronous", "NORMAL").expect("normal");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v TEXT NOT NULL); CREATE INDEX t_k ON t(k);")
        .expect("schema");
    conn
}

/// ~200-byte rows: a key and a JSON-ish value.
fn row(i: usize) -> (String, String) {
    (
        format!("journey:v1:p{i}:1:node:1"),
        format!("{{\"at\":\"2026-03-02T09:00:00Z\",\"node\":\"node{i}\",\"result\":\"sent\",\"detail\":\"{}\"}}", "x".repeat(110)),
    )
}

fn one_row_transactions(dir: &Path, n: usize) -> usize {
    let mut conn = connection(&dir.join("one.db"));
    for i in 0..n {
        let tx = conn.transaction().expect("tx");
        let (k, v) = row(i);
        tx.execute("INSERT INTO t (k, v) VALUES (?1, ?2)", params![k, v]).expect("insert");
        tx.commit().expect("commit");
    }
    n
}

fn batched_inserts(dir: &Path, n: usize, name: &str) -> usize {
    let mut conn = connection(&dir.join(name));
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let tx = conn.transaction().expect("tx");
        {
            let mut stmt = tx.prepare_cached("INSERT INTO t (k, v) VALUES (?1, ?2)").expect("prepare");
            for &i in chunk {
                let (k, v) = row(i);
                stmt.execute(params![k, v]).expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    n
}

/// CPU seconds (user + system) this process has used so far, all threads: `/proc/self/stat`'s
/// utime and stime, in clock ticks of 1/100 s. On a machine shared with other work, wall-clock
/// rates of two phases measured seconds apart can differ by 2× for no reason of their own; their
/// rates per CPU second are steadier.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    (ticks(11) + ticks(12)) / 100.0
}

/// Runs `work` (which answers how many rows or steps it did) and returns (per wall second, per CPU second).
fn rates(work: impl FnOnce() -> usize) -> (f64, f64) {
    let (wall, cpu) = (Instant::now(), cpu_secs());
    let n = work() as f64;
    (n / wall.elapsed().as_secs_f64(), n / (cpu_secs() - cpu).max(0.01))
}

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let contacts = if quick { 5_000 } else { 20_000 };
    let rows = if quick { 5_000 } else { 20_000 };
    let dir = tempfile::tempdir().expect("temp dir");
    let journey_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/journeys/appointment-reminder.journey.json");
    let text = std::fs::read_to_string(journey_path).expect("journey");
    let journey = Journey::parse(&text).expect("parses");
    let scenario = scenario(contacts);

    // `--engine-only` skips the baselines (for a profiler).
    let baselines = !std::env::args().any(|a| a == "--engine-only");
    let (one, one_cpu) = if baselines { rates(|| one_row_transactions(dir.path(), rows)) } else { (f64::NAN, f64::NAN) };
    let (batched, batched_cpu) =
        if baselines { rates(|| batched_inserts(dir.path(), rows * 10, "batch.db")) } else { (f64::NAN, f64::NAN) };
    println!("baseline: one-row transactions   {one:>10.0} rows/s ({one_cpu:.0} per CPU second)");
    println!("baseline: batched inserts (1000) {batched:>10.0} rows/s ({batched_cpu:.0} per CPU second)");

    reset_peak();
    let before = peak_kib();
    let store = Store::open(dir.path().join("engine.db")).expect("store");
    let start = Instant::now();
    let cpu_start = cpu_secs();
    let mut kept = 0usize;
    let (summary, figures) = itinera_runtime::replay::replay(&text, &journey, &scenario, store, &Detail::None, &mut |_| {
        kept += 1;
        Ok(())
    })
    .expect("replays");
    let secs = start.elapsed().as_secs_f64();
    let cpu = (cpu_secs() - cpu_start).max(0.01);
    let peak = peak_kib();
    // The batched inserts once more, after the engine: the ratios use the faster of the two
    // measurements (the machine's speed drifts; the faster baseline gives the lower ratio).
    let (batched, batched_cpu) = if baselines {
        let (again, again_cpu) = rates(|| batched_inserts(dir.path(), rows * 10, "batch-again.db"));
        println!("baseline: batched inserts (1000) {again:>10.0} rows/s ({again_cpu:.0} per CPU second), measured again after the engine");
        (batched.max(again), batched_cpu.max(again_cpu))
    } else {
        (batched, batched_cpu)
    };
    let steps_per_sec = figures.steps as f64 / secs;
    let steps_per_cpu = figures.steps as f64 / cpu;
    assert_eq!(kept, contacts);
    println!(
        "engine: {contacts} contacts, {} entered, {} inputs, {} steps, {} outbox rows, {} transactions in {secs:.2} s",
        summary.entered, figures.inputs, figures.steps, figures.effects, figures.batches
    );
    println!(
        "engine: load {:.2} s, run {:.2} s ({:.0} steps/s), report {:.2} s",
        figures.load_secs,
        figures.run_secs,
        figures.steps as f64 / figures.run_secs,
        figures.report_secs
    );
    println!(
        "engine: {steps_per_sec:>10.0} steps/s (goal >= 20,000); {:.1} % of the batched-insert rate (goal >= 10 %); {:.2}x the one-row-transaction rate",
        100.0 * steps_per_sec / batched,
        steps_per_sec / one
    );
    println!(
        "engine: {:>10.0} steps/s in the run phase alone (batches and dispatch, without loading the scenario or reading the report back): {:.1} % of the batched-insert rate",
        figures.steps as f64 / figures.run_secs,
        100.0 * figures.steps as f64 / figures.run_secs / batched
    );
    println!(
        "engine: {steps_per_cpu:>10.0} steps per CPU second ({cpu:.2} CPU s); {:.1} % of the batched inserts per CPU second (the steadier ratio on a busy machine)",
        100.0 * steps_per_cpu / batched_cpu
    );
    if let (Some(b), Some(p)) = (before, peak) {
        println!("engine: peak resident memory {:.1} MiB (process before the run: {:.1} MiB)", p as f64 / 1024.0, b as f64 / 1024.0);
    }
}
