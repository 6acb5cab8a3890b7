//! Simulator benchmark: generated contacts through the appointment-reminder journey with
//! `Detail::None` (what a large `itinera simulate` does).
//!
//! Prints, each with a baseline measured in the same run (the machine is noisy, so ratios are
//! the figures to compare):
//! * baseline: the time to just generate the same 100,000 contacts (`Scenario::contact`);
//! * 100,000 contacts on one thread: wall time, node-steps per second (every step record the
//!   interpreter emits), node visits per second, and the ratio to the baseline;
//! * peak resident memory after that run (VmHWM from /proc/self/status);
//! * 1,000,000 contacts on two threads: wall time (goal < 5 s) and ratio to 10× the baseline.
//!
//! * first, streaming, summary only (`run_streaming` with a sink that drops every contact): 100,000,
//!   1,000,000 and 10,000,000 contacts on two threads, each with the peak resident memory of
//!   that run alone (VmHWM reset through /proc/self/clear_refs before it): flat is the goal.
//!
//! * parsing a scenario of 100,000 explicit contacts: the file's size against the memory the
//!   parsed scenario takes.
//! * reading and simulating that scenario as `itinera simulate JOURNEY FILE` does (the file
//!   written to a temporary folder, read, parsed, then every contact simulated with
//!   `Detail::None`), in a fresh process of this binary so that no heap from the runs above is
//!   reused: its peak resident memory above the process's size before reading, as a ratio to
//!   the file's size (goal: at most 3×).
//!
//! Each timing is the best of 3 runs (the 1,000,000 run: best of 2): on a shared, noisy machine
//! the minimum is the figure least disturbed by other work.
//!
//! Run: `cargo bench -p itinera-sim --bench simulate` (add `-- --quick` for 20,000 / 200,000, streaming up to 2,000,000;
//! `-- --explicit-only` for the explicit-contact figures alone).

#![allow(clippy::unwrap_used)] // a benchmark may unwrap: it measures, it does not serve

use std::path::Path;
use std::time::Instant;

use itinera_model::Journey;
use itinera_sim::{Detail, Flow, RunOptions, Scenario, SimReport};
use serde_json::json;

fn scenario(count: usize) -> Scenario {
    let population = json!({
        "count": count,
        "id_prefix": "p",
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
    });
    let text = json!({"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "14d", "seed": 7,
        "contacts": [], "population": population});
    Scenario::parse(&text.to_string()).unwrap_or_else(|e| panic!("bench scenario: {e}"))
}

/// Runs `f` `times` times; the shortest wall time and the last result.
fn best_of<T>(times: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..times {
        // Free the previous result first: peak memory must be that of one run.
        drop(last.take());
        let t = Instant::now();
        let out = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(out);
    }
    (best, last.expect("ran at least once"))
}

fn peak_memory_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The text of a scenario of `count` hand-written contacts (an address, consent, an event with
/// data, a reply each): about 390 bytes a contact.
fn explicit_contacts_text(count: usize) -> String {
    let contacts: Vec<String> = (0..count)
        .map(|i| {
            format!(
                r#"{{"id": "c{i}", "timezone": "Europe/Lisbon", "attributes": {{"first_name": "Ana", "tier": "gold"}}, "addresses": {{"sms": "+35191{i:07}"}}, "consent": {{"sms": true}}, "events": [{{"at": "+{}m", "name": "appointment_booked", "data": {{"starts_at": "2026-03-03T15:00:00Z"}}}}], "replies": [{{"to": "wa_reminder", "after": "30m", "channel": "whatsapp", "button": "confirm"}}]}}"#,
                i % 1440
            )
        })
        .collect();
    format!(
        r#"{{"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "14d", "contacts": [{}]}}"#,
        contacts.join(",")
    )
}

/// 100,000 hand-written contacts: the file's size against the memory parsing it takes (peak
/// above the resident size before).
fn explicit_contacts_parse() {
    let text = explicit_contacts_text(100_000);
    let before = status_kib("VmRSS:");
    let reset = reset_peak_memory();
    let t = Instant::now();
    let parsed = Scenario::parse(&text).expect("parses");
    let secs = t.elapsed().as_secs_f64();
    let file_mib = text.len() as f64 / f64::from(1 << 20);
    match (before, peak_memory_kib().filter(|_| reset)) {
        (Some(before), Some(peak)) => {
            let used = peak.saturating_sub(before) as f64 / 1024.0;
            println!(
                "parse {} explicit contacts: {file_mib:.1} MiB of JSON in {secs:.3} s; peak memory above the text {used:.1} MiB = {:.2}x the file",
                parsed.contact_count(),
                used / file_mib
            );
        }
        _ => println!("parse {} explicit contacts: {file_mib:.1} MiB of JSON in {secs:.3} s", parsed.contact_count()),
    }
}

/// Resets VmHWM to the current resident size (Linux: writing 5 to /proc/self/clear_refs).
fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn steps_and_visits(report: &SimReport) -> (u64, u64) {
    let mut steps = 0;
    let mut visits = 0;
    for counts in report.summary.nodes.values() {
        for (key, n) in counts {
            if key == "entered" {
                visits += n;
            } else {
                steps += n;
            }
        }
    }
    // Each trigger entry is one step too (counted as the trigger's arrival).
    let entries = report.summary.nodes.get("booked").and_then(|c| c.get("entered")).copied().unwrap_or(0);
    (steps + entries, visits)
}

/// The CLI's path over a file of `count` explicit contacts, measured in a fresh process (this
/// binary run with `--read-and-simulate FILE`): peak memory against the file's size.
fn explicit_contacts_read_and_simulate(count: usize) {
    let dir = std::env::temp_dir().join(format!("itinera-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("explicit.scenario.json");
    if let Err(e) = std::fs::write(&file, explicit_contacts_text(count)) {
        println!("read and simulate {count} explicit contacts: cannot write {}: {e}", file.display());
        return;
    }
    let child = std::env::current_exe().and_then(|exe| std::process::Command::new(exe).arg("--read-and-simulate").arg(&file).output());
    match child {
        Ok(out) => print!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        Err(e) => println!("read and simulate {count} explicit contacts: cannot run the measuring process: {e}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// In the measuring process: what `itinera simulate JOURNEY FILE` does with the file (read it,
/// parse it, drop the text, simulate every contact keeping no details), then the peak.
fn read_and_simulate(file: &Path, journey: &itinera_sim::Validated) {
    let before = status_kib("VmRSS:");
    let t = Instant::now();
    let text = std::fs::read_to_string(file).expect("the bench file is readable");
    let file_mib = text.len() as f64 / f64::from(1 << 20);
    let scenario = Scenario::parse(&text).expect("parses");
    drop(text);
    let parsed = t.elapsed().as_secs_f64();
    let options = RunOptions { detail: Detail::None, ..RunOptions::default() };
    let summary = itinera_sim::run_streaming(journey, &scenario, &options, None, &mut |contact| {
        drop(contact);
        Flow::Continue(())
    })
    .expect("runs");
    let secs = t.elapsed().as_secs_f64();
    match (before, peak_memory_kib()) {
        (Some(before), Some(peak)) => {
            let used = peak.saturating_sub(before) as f64 / 1024.0;
            println!(
                "read and simulate {} explicit contacts ({file_mib:.1} MiB file): parsed in {parsed:.3} s, simulated in {:.3} s ({} entered); peak memory above the process before reading {used:.1} MiB = {:.2}x the file (goal <= 3x)",
                summary.contacts,
                secs - parsed,
                summary.entered,
                used / file_mib
            );
        }
        _ => println!(
            "read and simulate {} explicit contacts ({file_mib:.1} MiB file) in {secs:.3} s; peak memory unknown",
            summary.contacts
        ),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let (small, large) = if quick { (20_000, 200_000) } else { (100_000, 1_000_000) };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/journeys/appointment-reminder.journey.json");
    let journey = Journey::parse(&std::fs::read_to_string(path).expect("journey readable")).expect("journey parses");
    // Validated once, as a front door does; each run below only compiles it.
    let validated = itinera_sim::Validated::new(journey.clone());
    if let Some(at) = args.iter().position(|a| a == "--read-and-simulate") {
        if let Some(file) = args.get(at + 1) {
            read_and_simulate(Path::new(file), &validated);
        }
        return;
    }
    if args.iter().any(|a| a == "--explicit-only") {
        explicit_contacts_read_and_simulate(100_000);
        explicit_contacts_parse();
        return;
    }
    let options = RunOptions { detail: Detail::None, ..RunOptions::default() };

    // Warm-up (page in code, time zone cache).
    let _ = itinera_sim::run_with_threads(&validated, &scenario(2_000), &options, 1, None).expect("runs");

    // Streaming, summary only, first (before any large report has grown the heap): memory must
    // not grow with the population.
    let sizes: &[usize] = if quick { &[small, large, 2 * large] } else { &[100_000, 1_000_000, 10_000_000] };
    let mut first_peak = None;
    for &count in sizes {
        let s = scenario(count);
        let reset = reset_peak_memory();
        let t = Instant::now();
        let mut streamed = 0usize;
        let summary = itinera_sim::run_streaming_with_threads(&validated, &s, &options, 2, None, &mut |contact| {
            streamed += 1;
            drop(contact);
            Flow::Continue(())
        })
        .expect("runs");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!((streamed, summary.contacts), (count, count));
        let peak = peak_memory_kib().filter(|_| reset).map(|kib| kib as f64 / 1024.0);
        let peak_text = peak.map_or("peak memory unknown".to_string(), |mib| format!("peak memory (VmHWM) of this run {mib:.1} MiB"));
        let ratio = match (first_peak, peak) {
            (Some(first), Some(now)) => format!(" = {:.2}x the {} one", now / first, sizes[0]),
            _ => String::new(),
        };
        println!(
            "streaming, summary only: {count} contacts (2 threads): {secs:.3} s ({:.0} contacts/s); {peak_text}{ratio}",
            count as f64 / secs
        );
        first_peak = first_peak.or(peak);
    }

    let s = scenario(small);
    let (baseline, checksum) = best_of(3, || {
        let mut checksum = 0usize;
        for i in 0..s.contact_count() {
            checksum = checksum.wrapping_add(s.contact(i).events.len());
        }
        checksum
    });
    println!(
        "baseline: generate {small} contacts (1 thread): {:.3} s ({:.0} contacts/s) [checksum {checksum}]",
        baseline,
        small as f64 / baseline
    );

    let (one, report) = best_of(3, || itinera_sim::run_with_threads(&validated, &s, &options, 1, None).expect("runs"));
    let (steps, visits) = steps_and_visits(&report);
    println!(
        "simulate {small} contacts (1 thread, Detail::None): {:.3} s = {:.2}x baseline; {} node-steps ({:.1}/contact) → {:.0} node-steps/s; {} node visits → {:.0} visits/s",
        one,
        one / baseline,
        steps,
        steps as f64 / small as f64,
        steps as f64 / one,
        visits,
        visits as f64 / one
    );
    println!(
        "  simulation alone (minus generation): {:.3} s → {:.0} node-steps/s",
        (one - baseline).max(1e-9),
        steps as f64 / (one - baseline).max(1e-9)
    );
    println!("  outcomes {:?}, messages {:?}", report.summary.outcomes, report.summary.messages);
    drop(report);
    if let Some(kib) = peak_memory_kib() {
        println!("peak memory (VmHWM) after {small} contacts: {:.1} MiB", kib as f64 / 1024.0);
    }

    let s = scenario(large);
    let (two, report) = best_of(2, || itinera_sim::run_with_threads(&validated, &s, &options, 2, None).expect("runs"));
    let (steps, _) = steps_and_visits(&report);
    let scaled_baseline = baseline * (large / small) as f64;
    println!(
        "simulate {large} contacts (2 threads, Detail::None): {:.3} s = {:.2}x the scaled 1-thread generation baseline ({:.3} s); {:.0} node-steps/s",
        two,
        two / scaled_baseline,
        scaled_baseline,
        steps as f64 / two
    );
    if let Some(kib) = peak_memory_kib() {
        println!("peak memory (VmHWM) after {large} contacts: {:.1} MiB", kib as f64 / 1024.0);
    }
    drop(report);

    // In its own process: nothing above has grown its heap.
    explicit_contacts_read_and_simulate(100_000);
    // Last: it grows the heap that the allocator keeps.
    explicit_contacts_parse();
}
