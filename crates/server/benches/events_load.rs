//! Load test of `POST /v1/events` from a second process over loopback: starts the real
//! `itinera serve --db` (release build), makes an ingest token with `itinera token create`, and
//! fires batches of 1,000 and 100 events and single events at some concurrency, each phase for
//! a few seconds. Prints accepted events/s and p50/p99 latency per phase; then stops the server
//! and checks that every accepted event is in the store (rows in `inbox`). The baseline, in the
//! same run: the same events written straight to SQLite (same schema and statements, WAL,
//! `synchronous=NORMAL`, 1,000 per transaction), and the ratio. Prints figures, asserts none
//! (except that nothing accepted is missing).
//!
//! Run: `cargo build --release -p itinera && cargo bench -p itinera-server --bench events_load`
//! (`ITINERA_BIN` names another binary; `ITINERA_LOAD_SECONDS` the length of a phase, default 4).

#![allow(clippy::unwrap_used)] // a benchmark may unwrap: it measures, it does not serve

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use itinera_store::Store;
use serde_json::{Value, json};

fn binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("ITINERA_BIN") {
        return PathBuf::from(bin);
    }
    // target/release/deps/events_load-… → target/release/itinera
    let exe = std::env::current_exe().expect("own path");
    exe.parent().and_then(Path::parent).map(|dir| dir.join("itinera")).expect("a target folder")
}

struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(bin: &Path, db: &Path) -> Served {
    let mut child = Command::new(bin)
        .args(["serve", "--db"])
        .arg(db)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts itinera serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("reads the first line");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line: {line}")).to_string();
    Served { child, url }
}

struct Phase {
    name: &'static str,
    batch: usize,
    concurrency: usize,
}

struct Outcome {
    accepted: u64,
    new: u64,
    requests: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

fn event(phase: &str, task: usize, n: u64, i: usize) -> Value {
    json!({"id": format!("{phase}-{task}-{n}-{i}"), "contact": format!("c{}", (n as usize * 7 + i) % 5000), "name": "page_viewed",
           "data": {"path": "/pricing", "n": n}})
}

async fn run_phase(client: &reqwest::Client, url: &str, token: &str, phase: &Phase, seconds: f64) -> Outcome {
    let accepted = Arc::new(AtomicU64::new(0));
    let new = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for task in 0..phase.concurrency {
        let (client, url, token) = (client.clone(), format!("{url}/v1/events"), token.to_string());
        let (accepted, new) = (accepted.clone(), new.clone());
        let (name, batch) = (phase.name, phase.batch);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0u64;
            while Instant::now() < until {
                let body = if batch == 1 {
                    event(name, task, n, 0)
                } else {
                    json!({"events": (0..batch).map(|i| event(name, task, n, i)).collect::<Vec<_>>()})
                };
                let body = serde_json::to_vec(&body).unwrap();
                let sent = Instant::now();
                let response = client.post(&url).bearer_auth(&token).header("content-type", "application/json").body(body).send().await;
                let response = match response {
                    Ok(r) => r,
                    Err(e) => panic!("request failed: {e}"),
                };
                let status = response.status();
                let answer: Value = response.json().await.expect("a JSON answer");
                latencies.push(sent.elapsed());
                n += 1;
                if status == reqwest::StatusCode::ACCEPTED {
                    accepted.fetch_add(answer["accepted"].as_u64().unwrap_or(0), Ordering::Relaxed);
                    new.fetch_add(answer["new"].as_u64().unwrap_or(0), Ordering::Relaxed);
                } else if status != reqwest::StatusCode::TOO_MANY_REQUESTS {
                    panic!("{status}: {answer}");
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a client task"));
    }
    let elapsed = start.elapsed();
    let requests = latencies.len() as u64;
    latencies.sort();
    Outcome { accepted: accepted.load(Ordering::Relaxed), new: new.load(Ordering::Relaxed), requests, latencies, elapsed }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The same events straight into SQLite: the store's schema and statements, 1,000 per
/// transaction. Answers events/s.
fn baseline(db: &Path, events: u64) -> f64 {
    let mut store = Store::open(db).expect("opens the baseline database");
    let now = jiff::Timestamp::now();
    let start = Instant::now();
    let mut written = 0u64;
    let mut n = 0u64;
    while written < events {
        let tx = store.transaction().unwrap();
        for i in 0..1000usize {
            let e = event("baseline", 0, n, i);
            let input = json!({"event": {"name": e["name"], "data": e["data"]}}).to_string();
            let contact = e["contact"].as_str().unwrap();
            tx.ensure_contact(contact, &json!({"id": contact}).to_string(), now).unwrap();
            tx.push_input(e["id"].as_str().unwrap(), contact, 1, now, &input, None, now).unwrap();
        }
        tx.commit().unwrap();
        written += 1000;
        n += 1;
    }
    written as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: skip quickly there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("events_load: run with cargo bench");
        return;
    }
    let bin = binary();
    if !bin.is_file() {
        eprintln!("events_load: {} is missing; build it first: cargo build --release -p itinera (or set ITINERA_BIN)", bin.display());
        std::process::exit(1);
    }
    let seconds: f64 = std::env::var("ITINERA_LOAD_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(4.0);
    let dir = tempfile::tempdir().expect("a temp dir");
    let db = dir.path().join("load.db");
    let made =
        Command::new(&bin).args(["token", "create", "--db"]).arg(&db).args(["--scope", "ingest", "--name", "load"]).output().unwrap();
    assert!(made.status.success(), "token create: {}", String::from_utf8_lossy(&made.stderr));
    let token = String::from_utf8(made.stdout).unwrap().trim().to_string();
    let served = serve(&bin, &db);
    println!("events_load: {} serve --db on {}; {seconds} s per phase", bin.display(), served.url);

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // Single events first: later phases leave the engine (same process) a backlog to apply.
    let phases = [
        Phase { name: "single", batch: 1, concurrency: 64 },
        Phase { name: "batch100", batch: 100, concurrency: 32 },
        Phase { name: "batch1000", batch: 1000, concurrency: 8 },
    ];
    let client = reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap();
    let mut total_new = 0u64;
    let mut best = 0f64;
    println!("{:<10} {:>5} {:>6} {:>10} {:>12} {:>10} {:>10}", "phase", "batch", "conns", "requests", "events/s", "p50 ms", "p99 ms");
    for phase in &phases {
        let outcome = runtime.block_on(run_phase(&client, &served.url, &token, phase, seconds));
        let rate = outcome.accepted as f64 / outcome.elapsed.as_secs_f64();
        best = best.max(rate);
        total_new += outcome.new;
        println!(
            "{:<10} {:>5} {:>6} {:>10} {:>12.0} {:>10.2} {:>10.2}",
            phase.name,
            phase.batch,
            phase.concurrency,
            outcome.requests,
            rate,
            percentile(&outcome.latencies, 0.50).as_secs_f64() * 1000.0,
            percentile(&outcome.latencies, 0.99).as_secs_f64() * 1000.0
        );
    }
    drop(runtime);
    // Kill the server (no graceful shutdown): what was answered 202 must be on disk.
    drop(served);
    let mut store = Store::open(&db).unwrap();
    let stored: i64 = store.read().unwrap().conn().query_row("SELECT COUNT(*) FROM inbox", [], |r| r.get(0)).unwrap();
    println!("events_load: {total_new} new events answered 202; {stored} in the store after the server was killed");
    assert_eq!(stored as u64, total_new, "every accepted event is in the store");

    let base = baseline(&dir.path().join("baseline.db"), total_new.clamp(10_000, 200_000));
    println!("events_load: baseline (straight to SQLite, 1,000 per transaction): {base:.0} events/s");
    println!("events_load: best API rate {best:.0} events/s = {:.0}% of the baseline (goal: >= 20,000 events/s)", 100.0 * best / base);
}
