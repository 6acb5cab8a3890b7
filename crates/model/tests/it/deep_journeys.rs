//! Deep journeys validate on a small stack: a straight chain of 200,000 steps, a 200,000-deep
//! chain of branches, and a cycle closing at the end of a 200,000 chain, each validated on a
//! thread with a 2 MiB stack (what the server's blocking pool gives a command). Before the
//! cycle pass was made iterative, the first of these overflowed the stack at about 30,000
//! nodes in a release build (fewer in a debug one).

use itinera_model::{Code, Report, check_source};

const NODES: usize = 200_000;

/// Validates `text` with `check_source` on a thread whose stack is 2 MiB.
fn check_on_small_stack(text: String) -> Report {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || check_source(&text).1)
        .expect("spawn the validating thread")
        .join()
        .expect("validation must not overflow a 2 MiB stack")
}

/// A journey document from nodes and edges already written as JSON text.
fn document(nodes: &[String], edges: &[String]) -> String {
    format!(
        "{{\"format\": \"itinera/journey@1\", \"id\": \"deep\", \"name\": \"Deep\", \"nodes\": [{}], \"edges\": [{}]}}",
        nodes.join(","),
        edges.join(",")
    )
}

fn edge(from: &str, port: &str, to: &str) -> String {
    format!("{{\"from\": \"{from}\", \"port\": \"{port}\", \"to\": \"{to}\"}}")
}

fn id(i: usize) -> String {
    format!("n{i}")
}

/// trigger `n0` → `n1` … `n{NODES-2}` (sends and 1-minute waits, alternating) → exit
/// `n{NODES-1}`; with `back_to`, the last middle node leads back to that node instead of to
/// the exit.
fn chain(back_to: Option<usize>) -> String {
    let mut nodes = Vec::with_capacity(NODES);
    let mut edges = Vec::with_capacity(NODES);
    nodes.push(format!("{{\"id\": \"{}\", \"type\": \"trigger\", \"event\": \"signed_up\"}}", id(0)));
    for i in 1..NODES - 1 {
        nodes.push(if i % 2 == 1 {
            format!("{{\"id\": \"{}\", \"type\": \"send\", \"channel\": \"sms\", \"text\": \"step {i}\"}}", id(i))
        } else {
            format!("{{\"id\": \"{}\", \"type\": \"wait\", \"for\": \"1m\"}}", id(i))
        });
    }
    nodes.push(format!("{{\"id\": \"{}\", \"type\": \"exit\"}}", id(NODES - 1)));
    for i in 0..NODES - 2 {
        edges.push(edge(&id(i), "next", &id(i + 1)));
    }
    edges.push(edge(&id(NODES - 2), "next", &id(back_to.unwrap_or(NODES - 1))));
    document(&nodes, &edges)
}

#[test]
fn a_straight_chain_of_200000_steps_validates_on_a_2_mib_stack() {
    let report = check_on_small_stack(chain(None));
    assert!(report.valid, "{:?}", report.diagnostics.iter().take(3).collect::<Vec<_>>());
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics.iter().take(3).collect::<Vec<_>>());
    let facts = report.facts.expect("facts of a valid journey");
    assert_eq!((facts.nodes, facts.edges), (NODES, NODES - 1));
    // 99,999 sends (odd positions 1..=199,997) and 99,999 one-minute waits.
    let waits = (NODES - 2) / 2;
    assert_eq!(facts.longest_seconds, Some(60 * waits as i64));
    assert_eq!(facts.max_messages["sms"], (NODES - 2 - waits) as u32);
    assert_eq!(facts.max_messages_total, (NODES - 2 - waits) as u32);
}

#[test]
fn a_200000_deep_chain_of_branches_validates_on_a_2_mib_stack() {
    // trigger → b1 → b2 … (each `yes` to the next, each `no` to the one shared exit) → exit.
    let last = NODES - 1;
    let mut nodes = Vec::with_capacity(NODES);
    let mut edges = Vec::with_capacity(2 * NODES);
    nodes.push(format!("{{\"id\": \"{}\", \"type\": \"trigger\", \"event\": \"signed_up\"}}", id(0)));
    edges.push(edge(&id(0), "next", &id(1)));
    for i in 1..last {
        nodes.push(format!(
            "{{\"id\": \"{}\", \"type\": \"branch\", \"condition\": {{\"field\": \"contact.score\", \"op\": \"gte\", \"value\": {i}}}}}",
            id(i)
        ));
        edges.push(edge(&id(i), "yes", &id(i + 1)));
        edges.push(edge(&id(i), "no", &id(last)));
    }
    nodes.push(format!("{{\"id\": \"{}\", \"type\": \"exit\"}}", id(last)));
    let report = check_on_small_stack(document(&nodes, &edges));
    assert!(report.valid, "{:?}", report.diagnostics.iter().take(3).collect::<Vec<_>>());
    let facts = report.facts.expect("facts");
    assert_eq!((facts.nodes, facts.edges), (NODES, 2 * (NODES - 2) + 1));
    assert_eq!(facts.longest_seconds, Some(0));
}

#[test]
fn a_cycle_at_the_end_of_a_200000_chain_is_found() {
    // The last middle node leads back to the first send: one loop of 199,998 nodes, and the
    // exit is left unreachable (and nothing else is reported).
    let report = check_on_small_stack(chain(Some(1)));
    assert!(!report.valid);
    let codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::Cycle, Code::Unreachable], "{:?}", report.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>());
    let members = report.diagnostics[0].nodes.as_deref().unwrap_or_default();
    assert_eq!(members.len(), NODES - 2);
    assert!(members.contains(&id(1)) && members.contains(&id(NODES - 2)) && !members.contains(&id(0)));
    assert_eq!(report.diagnostics[1].node.as_deref(), Some(id(NODES - 1).as_str()));

    // A two-node loop at the very end of the chain, found as exactly those two nodes.
    let report = check_on_small_stack(chain(Some(NODES - 3)));
    let cycles: Vec<_> = report.diagnostics.iter().filter(|d| d.code == Code::Cycle).collect();
    assert_eq!(cycles.len(), 1);
    let mut expected = vec![id(NODES - 3), id(NODES - 2)];
    expected.sort();
    assert_eq!(cycles[0].nodes, Some(expected));
}
