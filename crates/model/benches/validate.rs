//! Validation speed on a generated 10,000-node journey (mixed node types, valid).
//!
//! Prints min and median over several runs of: the baseline (`serde_json::from_str::<Value>` of
//! the same text, measured in the same run because the machine is noisy), `check_source`
//! (parse + validate) and `validate` alone, with ratios to the baseline.
//! Run: `cargo bench -p itinera-model --bench validate`. Goal: `validate` < 20 ms.

#![allow(clippy::unwrap_used)] // a benchmark may unwrap: it measures, it does not serve

use std::hint::black_box;
use std::time::{Duration, Instant};

use itinera_model::{Journey, check_source, validate};
use serde_json::{Value, json};

/// Blocks of 10 nodes; 1,000 blocks + trigger + exit = 10,002 nodes.
const BLOCKS: usize = 1_000;
const RUNS: usize = 25;

/// One block: sms → wait → branch → (WhatsApp template with buttons → reply wait | email)
/// → update → split → (webhook | wait until 09:00) → the next block.
fn generate() -> String {
    let mut nodes = vec![json!({"id": "start", "type": "trigger", "event": "signed_up", "position": {"x": 0, "y": 0}})];
    let mut edges = vec![json!({"from": "start", "to": "b0_sms"})];
    for k in 0..BLOCKS {
        let id = |name: &str| format!("b{k}_{name}");
        let next_block = if k + 1 == BLOCKS { "end".to_string() } else { format!("b{}_sms", k + 1) };
        let y = (k * 10) as f64 * 140.0;
        let at = |row: usize| json!({"x": 0, "y": y + row as f64 * 140.0});
        nodes.extend([
            json!({"id": id("sms"), "type": "send", "channel": "sms", "text": "Hi {{ contact.first_name }}, step {{ contact.step }}", "position": at(1)}),
            json!({"id": id("wait"), "type": "wait", "for": "1h", "position": at(2)}),
            json!({"id": id("branch"), "type": "branch", "condition": {"all": [{"field": "contact.score", "op": "gte", "value": k}, {"field": "contact.tier", "op": "in", "value": ["gold", "silver"]}]}, "position": at(3)}),
            json!({"id": id("wa"), "type": "send", "channel": "whatsapp", "template": {"name": "nudge", "language": "en", "params": ["{{ contact.first_name }}"]},
                   "buttons": [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}], "position": at(4)}),
            json!({"id": id("reply"), "type": "wait_for", "reply": {"channel": "whatsapp"}, "timeout": "1d",
                   "branches": [{"port": "yes", "button": "yes", "keywords": ["yes"]}, {"port": "no", "button": "no"}], "position": at(5)}),
            json!({"id": id("email"), "type": "send", "channel": "email", "subject": "Hello", "text": "Hi {{ contact.first_name }}", "position": at(6)}),
            json!({"id": id("update"), "type": "update", "set": {"step": k}, "consent": {"whatsapp": true}, "position": at(7)}),
            json!({"id": id("split"), "type": "split", "variants": [{"port": "a", "percent": 50}, {"port": "b", "percent": 50}], "position": at(8)}),
            json!({"id": id("hook"), "type": "webhook", "url": "https://crm.example.com/hook", "method": "POST", "body": "{}", "position": at(9)}),
            json!({"id": id("morning"), "type": "wait", "until_local_time": "09:00", "position": at(10)}),
        ]);
        for (from, port, to) in [
            (id("sms"), "next", id("wait")),
            (id("wait"), "next", id("branch")),
            (id("branch"), "yes", id("wa")),
            (id("branch"), "no", id("email")),
            (id("wa"), "next", id("reply")),
            (id("wa"), "failed", id("email")),
            (id("reply"), "yes", id("update")),
            (id("reply"), "no", id("update")),
            (id("reply"), "timeout", id("email")),
            (id("email"), "next", id("update")),
            (id("update"), "next", id("split")),
            (id("split"), "a", id("hook")),
            (id("split"), "b", id("morning")),
            (id("hook"), "next", next_block.clone()),
            (id("morning"), "next", next_block.clone()),
        ] {
            edges.push(json!({"from": from, "port": port, "to": to}));
        }
    }
    nodes.push(json!({"id": "end", "type": "exit"}));
    let journey = json!({"format": "itinera/journey@1", "id": "bench", "name": "Bench", "nodes": nodes, "edges": edges});
    serde_json::to_string_pretty(&journey).expect("serializes")
}

/// The shape that made a per-`wait_for` backward walk quadratic: one WhatsApp send, then 10,000
/// chained `wait_for` replies whose button branches all refer back to it.
fn generate_reply_chain() -> String {
    const WAITS: usize = 10_000;
    let mut nodes = vec![
        json!({"id": "start", "type": "trigger", "event": "signed_up"}),
        json!({"id": "ask", "type": "send", "channel": "whatsapp", "template": {"name": "ask", "language": "en"},
               "buttons": [{"id": "yes", "title": "Yes"}]}),
    ];
    let mut edges = vec![json!({"from": "start", "to": "ask"}), json!({"from": "ask", "to": "w0"})];
    for k in 0..WAITS {
        let next = if k + 1 == WAITS { "end".to_string() } else { format!("w{}", k + 1) };
        nodes.push(json!({"id": format!("w{k}"), "type": "wait_for", "reply": {"channel": "whatsapp"}, "timeout": "1h",
                          "branches": [{"port": "yes", "button": "yes"}]}));
        edges.push(json!({"from": format!("w{k}"), "port": "yes", "to": next}));
        edges.push(json!({"from": format!("w{k}"), "port": "timeout", "to": next}));
    }
    nodes.push(json!({"id": "end", "type": "exit"}));
    let journey = json!({"format": "itinera/journey@1", "id": "chain", "nodes": nodes, "edges": edges});
    serde_json::to_string(&journey).expect("serializes")
}

/// (min, median) of `RUNS` timed runs after one warm-up.
fn measure(mut f: impl FnMut()) -> (Duration, Duration) {
    f();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[RUNS / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let text = generate();
    let journey = Journey::parse(&text).expect("the generated journey parses");
    let report = validate(&journey);
    assert!(report.valid, "the generated journey must be valid: {:?}", &report.diagnostics[..report.diagnostics.len().min(5)]);
    println!(
        "journey: {} nodes, {} edges, {:.1} MB of JSON; facts: longest {}, {} messages max",
        journey.nodes.len(),
        journey.edges.len(),
        text.len() as f64 / 1e6,
        report.facts.as_ref().map_or("-".into(), |f| f.longest_time.clone()),
        report.facts.as_ref().map_or(0, |f| f.max_messages_total),
    );

    let baseline = measure(|| {
        black_box(serde_json::from_str::<Value>(black_box(&text)).expect("json"));
    });
    let check = measure(|| {
        black_box(check_source(black_box(&text)));
    });
    let only = measure(|| {
        black_box(validate(black_box(&journey)));
    });
    println!("{RUNS} runs each              min ms   median ms   median / baseline");
    for (name, (min, median)) in
        [("baseline serde_json::Value", baseline), ("check_source (parse+valid.)", check), ("validate alone", only)]
    {
        println!("{name:<28} {:>8.2} {:>10.2} {:>12.2}x", ms(min), ms(median), median.as_secs_f64() / baseline.1.as_secs_f64());
    }
    let verdict = if ms(only.1) < 20.0 { "met" } else { "NOT met" };
    println!("goal validate < 20 ms: {verdict} (median {:.2} ms)", ms(only.1));

    let chain_text = generate_reply_chain();
    let chain = Journey::parse(&chain_text).expect("the chain parses");
    assert!(validate(&chain).valid, "the chain must be valid");
    let chain_baseline = measure(|| {
        black_box(serde_json::from_str::<Value>(black_box(&chain_text)).expect("json"));
    });
    let chain_only = measure(|| {
        black_box(validate(black_box(&chain)));
    });
    println!("\nworst case for reply buttons: {} chained wait_for replies", chain.nodes.len() - 3);
    for (name, (min, median)) in [("baseline serde_json::Value", chain_baseline), ("validate alone", chain_only)] {
        println!("{name:<28} {:>8.2} {:>10.2} {:>12.2}x", ms(min), ms(median), median.as_secs_f64() / chain_baseline.1.as_secs_f64());
    }
}
