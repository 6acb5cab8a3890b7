//! What the HTTP transport costs on top of the service: `validate_journey` called directly
//! (the baseline, measured in the same run) against `POST /api/validate_journey` on a real
//! server over loopback TCP (a fresh connection per request, as a browser's first request),
//! for the 12-step template and a generated 1,000-node journey. Prints medians and ratios.
//!
//! Run: `cargo bench -p itinera-server --bench api_overhead`.

#![allow(clippy::unwrap_used)] // a benchmark may unwrap: it measures, it does not serve

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use itinera_server::{ServeOptions, Server};
use serde_json::{Value, json};

const ROUNDS: usize = 60;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(rounds: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm up
    median(
        (0..rounds)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

/// trigger → n-2 waits → exit, all wired: valid, n nodes.
fn generated_journey(n: usize) -> Value {
    let mut nodes = vec![json!({"id": "n0", "type": "trigger", "event": "signed_up"})];
    let mut edges = Vec::new();
    for i in 1..n - 1 {
        nodes.push(json!({"id": format!("n{i}"), "type": "wait", "for": "1h", "position": {"x": 0, "y": i * 80}}));
    }
    nodes.push(json!({"id": format!("n{}", n - 1), "type": "exit"}));
    for i in 0..n - 1 {
        edges.push(json!({"from": format!("n{i}"), "to": format!("n{}", i + 1)}));
    }
    json!({"format": "itinera/journey@1", "id": "generated", "name": "Generated", "nodes": nodes, "edges": edges})
}

/// The API secret the benchmark's server is started with.
const TOKEN: &str = "bench";

fn post(port: u16, command: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    write!(
        stream,
        "POST /api/{command} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Itinera-Token: {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("sends");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(200)]);
    answer
}

fn main() {
    let dir = std::env::temp_dir().join(format!("itinera-api-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let server =
        runtime.block_on(Server::bind(ServeOptions { api_token: Some(TOKEN.into()), ..ServeOptions::new(dir.clone()) })).expect("binds");
    let port = server.local_addr().port();
    runtime.spawn(server.run_until(std::future::pending()));

    let template_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/journeys/appointment-reminder.journey.json");
    let template: Value = serde_json::from_str(&std::fs::read_to_string(template_path).expect("template")).expect("JSON");
    println!("api_overhead: median of {ROUNDS} rounds; baseline = the same service call in-process");
    for (label, journey) in [("12-step template", template), ("1,000-node journey", generated_journey(1000))] {
        let body = json!({"journey": journey}).to_string();
        let direct = time(ROUNDS, || {
            let report = itinera_service::validate_journey(&journey);
            assert!(report.valid, "{:?}", report.diagnostics.first());
        });
        let over_http = time(ROUNDS, || {
            post(port, "validate_journey", &body);
        });
        println!(
            "  validate_journey, {label} ({} KB request): direct {:.3} ms, HTTP {:.3} ms, ratio ×{:.2}, transport overhead {:.3} ms",
            body.len() / 1024,
            direct.as_secs_f64() * 1e3,
            over_http.as_secs_f64() * 1e3,
            over_http.as_secs_f64() / direct.as_secs_f64(),
            (over_http.saturating_sub(direct)).as_secs_f64() * 1e3,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
