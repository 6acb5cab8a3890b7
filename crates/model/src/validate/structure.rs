//! Structure: ids, triggers, edges, ports, cycles, dead ends and reachability.
//!
//! Every walk here is iterative (explicit queues and stacks, never recursion), because the
//! input decides how deep a walk goes: a journey may be a straight chain of 200,000 steps, and
//! the server validates on threads with 2 MiB stacks.

use std::collections::{HashMap, VecDeque};

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::{Anchor, Findings};
use crate::journey::Required;
use crate::{Code, Diagnostic, Journey, NodeKind};

/// What an edge of the graph carries: the port it leaves from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wire<'j> {
    /// The output port as written.
    pub port: &'j str,
}

/// The journey as a petgraph graph. Node index `i` is the `i`-th node of the file; a later
/// duplicate of an id is an isolated node (edges resolve to the first node with the id).
pub(crate) struct JourneyGraph<'j> {
    /// Nodes in file order; edges between existing nodes, whatever their port.
    pub graph: DiGraph<(), Wire<'j>, u32>,
    /// True for a node whose id an earlier node already has.
    pub duplicate: Vec<bool>,
    /// Positions of the (first-occurrence) trigger nodes.
    pub triggers: Vec<usize>,
    /// How many cycles (strongly connected components with a loop) the graph has.
    cycles: usize,
}

impl JourneyGraph<'_> {
    /// No strongly connected component with a cycle.
    pub(crate) fn is_acyclic(&self) -> bool {
        self.cycles == 0
    }
}

/// Runs the structural checks and returns the graph for the later passes. One function per
/// pass, in the order their diagnostics come out: ids and node types, triggers, edges and
/// ports, dead ends, cycles, reachability.
pub(crate) fn check<'j>(journey: &'j Journey, findings: &mut Findings) -> JourneyGraph<'j> {
    let n = journey.nodes.len();
    let mut graph = DiGraph::<(), Wire<'j>, u32>::with_capacity(n, journey.edges.len());
    for _ in 0..n {
        graph.add_node(());
    }
    let (index, duplicate) = ids(journey, findings);
    let triggers = triggers(journey, &duplicate, findings);
    let ports = PortTable::new(journey);
    let wired = edges(journey, &index, &ports, &mut graph, findings);
    dead_ends(journey, &duplicate, &ports, &wired, findings);
    let cycles = cycles(journey, &graph, findings);
    reachability(journey, &graph, &triggers, &duplicate, findings);
    JourneyGraph { graph, duplicate, triggers, cycles }
}

/// Ids and node types: the first occurrence owns an id (`duplicate_node_id` on it names how
/// many share it); a type the format does not know is `unknown_node_type`. Returns the index of
/// each id's first node and which nodes are later duplicates.
fn ids<'j>(journey: &'j Journey, findings: &mut Findings) -> (HashMap<&'j str, usize>, Vec<bool>) {
    let n = journey.nodes.len();
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
    let mut duplicate = vec![false; n];
    let mut occurrences: HashMap<&str, usize> = HashMap::new();
    for (i, node) in journey.nodes.iter().enumerate() {
        if index.contains_key(node.id.as_str()) {
            duplicate[i] = true;
            *occurrences.entry(node.id.as_str()).or_insert(1) += 1;
        } else {
            index.insert(node.id.as_str(), i);
        }
    }
    for (i, node) in journey.nodes.iter().enumerate() {
        if duplicate[i] {
            continue;
        }
        if let Some(count) = occurrences.get(node.id.as_str()) {
            findings.push(
                Anchor::Node(i),
                Diagnostic::error(Code::DuplicateNodeId, format!("{count} nodes have the id `{}`; ids must be unique", node.id))
                    .at_node(&node.id),
            );
        }
        if let NodeKind::Unknown { type_name, .. } = &node.kind {
            findings.push(
                Anchor::Node(i),
                Diagnostic::error(
                    Code::UnknownNodeType,
                    format!(
                        "unknown node type `{type_name}` (format v1 knows trigger, send, wait, wait_for, branch, split, update, webhook, exit)"
                    ),
                )
                .at_node(&node.id)
                .at_field("type"),
            );
        }
    }
    (index, duplicate)
}

/// Exactly one trigger: none is `missing_trigger`, every one after the first `multiple_triggers`.
/// Returns the positions of the (first-occurrence) trigger nodes.
fn triggers(journey: &Journey, duplicate: &[bool], findings: &mut Findings) -> Vec<usize> {
    let triggers: Vec<usize> =
        (0..journey.nodes.len()).filter(|&i| !duplicate[i] && matches!(journey.nodes[i].kind, NodeKind::Trigger(_))).collect();
    match triggers.as_slice() {
        [] => findings.push(
            Anchor::Journey,
            Diagnostic::error(Code::MissingTrigger, "the journey has no trigger node; add one `trigger` where contacts enter"),
        ),
        [_] => {}
        [first, rest @ ..] => {
            let all: Vec<String> = triggers.iter().map(|&i| journey.nodes[i].id.clone()).collect();
            for &i in rest {
                findings.push(
                    Anchor::Node(i),
                    Diagnostic::error(
                        Code::MultipleTriggers,
                        format!(
                            "a journey has exactly one trigger; `{}` is another besides `{}`",
                            journey.nodes[i].id, journey.nodes[*first].id
                        ),
                    )
                    .at_node(&journey.nodes[i].id)
                    .with_nodes(all.clone()),
                );
            }
        }
    }
    triggers
}

/// The output ports of all nodes in one flat list (node `i` owns `ports[start[i]..start[i + 1]]`):
/// no per-node allocation. Nodes with many ports (a wait_for with hundreds of branches) get a
/// hash index, so that finding an edge's port stays linear overall; small nodes are scanned.
struct PortTable<'j> {
    ports: Vec<(&'j str, Required)>,
    start: Vec<usize>,
    index: HashMap<(usize, &'j str), usize>,
}

impl<'j> PortTable<'j> {
    const SCAN_LIMIT: usize = 8;

    fn new(journey: &'j Journey) -> PortTable<'j> {
        let n = journey.nodes.len();
        let mut ports: Vec<(&'j str, Required)> = Vec::with_capacity(2 * n);
        let mut start: Vec<usize> = Vec::with_capacity(n + 1);
        for node in &journey.nodes {
            start.push(ports.len());
            node.kind.push_output_ports(&mut ports);
        }
        start.push(ports.len());
        let mut index: HashMap<(usize, &str), usize> = HashMap::new();
        for i in 0..n {
            if start[i + 1] - start[i] > Self::SCAN_LIMIT {
                let own = start[i]..start[i + 1];
                for (k, (name, _)) in own.clone().zip(&ports[own]) {
                    index.entry((i, *name)).or_insert(k);
                }
            }
        }
        PortTable { ports, start, index }
    }

    /// Node `i`'s ports, as positions in the flat list.
    fn of(&self, i: usize) -> std::ops::Range<usize> {
        self.start[i]..self.start[i + 1]
    }

    /// The first of node `i`'s ports with this name.
    fn find(&self, i: usize, name: &str) -> Option<usize> {
        if self.start[i + 1] - self.start[i] > Self::SCAN_LIMIT {
            self.index.get(&(i, name)).copied()
        } else {
            self.of(i).find(|&k| self.ports[k].0 == name)
        }
    }
}

/// Every edge: both ends must be nodes (`edge_unknown_node`), the port one its node has
/// (`edge_unknown_port`, listing the ones it has), and a port leads to one node
/// (`port_multiple_edges`). Adds the edges between existing nodes to `graph`; returns how many
/// edges leave each port.
fn edges<'j>(
    journey: &'j Journey,
    index: &HashMap<&str, usize>,
    ports: &PortTable<'j>,
    graph: &mut DiGraph<(), Wire<'j>, u32>,
    findings: &mut Findings,
) -> Vec<u32> {
    let mut wired = vec![0u32; ports.ports.len()];
    for (e, edge) in journey.edges.iter().enumerate() {
        let from = index.get(edge.from.as_str()).copied();
        let to = index.get(edge.to.as_str()).copied();
        if from.is_none() {
            findings.push(
                Anchor::Nowhere,
                Diagnostic::error(
                    Code::EdgeUnknownNode,
                    format!("edge {e} leaves from `{}`, but there is no node with that id", edge.from),
                )
                .at_node(&edge.from)
                .at_field(format!("edges[{e}].from")),
            );
        }
        if to.is_none() {
            let anchor = from.map_or(Anchor::Nowhere, Anchor::Node);
            findings.push(
                anchor,
                Diagnostic::error(
                    Code::EdgeUnknownNode,
                    format!("edge {e} from `{}` goes to `{}`, but there is no node with that id", edge.from, edge.to),
                )
                .at_node(&edge.to)
                .at_field(format!("edges[{e}].to")),
            );
        }
        let Some(f) = from else { continue };
        let node = &journey.nodes[f];
        let own = ports.of(f);
        // A node of unknown type is already reported; judging its ports would only add noise.
        let unknown_type = matches!(node.kind, NodeKind::Unknown { .. });
        match ports.find(f, &edge.port) {
            Some(k) => {
                wired[k] += 1;
                if wired[k] == 2 {
                    findings.push(
                        Anchor::Node(f),
                        Diagnostic::error(
                            Code::PortMultipleEdges,
                            format!("port `{}` of `{}` has more than one edge; a port leads to exactly one node", edge.port, node.id),
                        )
                        .at_node(&node.id)
                        .at_port(&edge.port),
                    );
                }
            }
            None if unknown_type => {}
            None => {
                let mut offered: Vec<&str> = ports.ports[own.clone()].iter().take(10).map(|(p, _)| *p).collect();
                if own.len() > 10 {
                    offered.push("…");
                }
                let offered = if offered.is_empty() { "none".to_string() } else { offered.join(", ") };
                findings.push(
                    Anchor::Node(f),
                    Diagnostic::error(
                        Code::EdgeUnknownPort,
                        format!(
                            "edge {e} leaves `{}` on port `{}`, which a {} node does not have (its ports: {offered})",
                            node.id,
                            edge.port,
                            node.kind.type_name()
                        ),
                    )
                    .at_node(&node.id)
                    .at_port(&edge.port)
                    .at_field(format!("edges[{e}].port")),
                );
            }
        }
        if let Some(t) = to {
            graph.add_edge(NodeIndex::new(f), NodeIndex::new(t), Wire { port: edge.port.as_str() });
        }
    }
    wired
}

/// Dead ends: required ports without an edge (an edge to a missing node still wires it).
fn dead_ends(journey: &Journey, duplicate: &[bool], ports: &PortTable<'_>, wired: &[u32], findings: &mut Findings) {
    for (i, node) in journey.nodes.iter().enumerate() {
        if duplicate[i] {
            continue;
        }
        for k in ports.of(i) {
            let (port, required) = ports.ports[k];
            // Unnamed and repeated ports are the node's own `invalid_config`; a repeated port's
            // edges count on its first occurrence.
            if required == Required::No || port.is_empty() || ports.find(i, port) != Some(k) {
                continue;
            }
            if wired[k] == 0 {
                findings.push(
                    Anchor::Node(i),
                    Diagnostic::error(
                        Code::DeadEnd,
                        format!("port `{port}` of `{}` leads nowhere; connect it to a node (an `exit` if the journey ends there)", node.id),
                    )
                    .at_node(&node.id)
                    .at_port(port),
                );
            }
        }
    }
}

/// Cycles: one per strongly connected component that holds one; returns how many. Kosaraju's
/// algorithm as petgraph writes it is iterative (two explicit-stack depth-first passes), so a
/// chain of any length validates on a small thread stack; Tarjan's (`tarjan_scc`) recurses once
/// per node of a path. The order components come out in does not matter: each cycle sorts by
/// its first member.
fn cycles(journey: &Journey, graph: &DiGraph<(), Wire<'_>, u32>, findings: &mut Findings) -> usize {
    let mut cycles = 0;
    for component in kosaraju_scc(graph) {
        let is_cycle = component.len() > 1 || graph.contains_edge(component[0], component[0]);
        if !is_cycle {
            continue;
        }
        cycles += 1;
        let first = component.iter().map(|n| n.index()).min().unwrap_or(0);
        let mut members: Vec<String> = component.iter().map(|n| journey.nodes[n.index()].id.clone()).collect();
        members.sort();
        let message = if members.len() == 1 {
            format!("`{}` leads back to itself; journeys must not loop", members[0])
        } else {
            format!("these nodes form a loop: {}; journeys must not loop", members.join(", "))
        };
        findings.push(Anchor::Node(first), Diagnostic::error(Code::Cycle, message).with_nodes(members));
    }
    cycles
}

/// Reachability from the trigger(s): a node no path reaches is `unreachable`. Without a
/// trigger, `missing_trigger` says it all.
fn reachability(journey: &Journey, graph: &DiGraph<(), Wire<'_>, u32>, triggers: &[usize], duplicate: &[bool], findings: &mut Findings) {
    if triggers.is_empty() {
        return;
    }
    let mut reached = vec![false; journey.nodes.len()];
    let mut queue: VecDeque<usize> = triggers.iter().copied().collect();
    for &t in triggers {
        reached[t] = true;
    }
    while let Some(i) = queue.pop_front() {
        for next in graph.neighbors(NodeIndex::new(i)) {
            if !reached[next.index()] {
                reached[next.index()] = true;
                queue.push_back(next.index());
            }
        }
    }
    for (i, node) in journey.nodes.iter().enumerate() {
        if !reached[i] && !duplicate[i] {
            findings.push(
                Anchor::Node(i),
                Diagnostic::error(Code::Unreachable, format!("no path from the trigger reaches `{}`", node.id)).at_node(&node.id),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::{Branch, Exit, Send, Split, Trigger, Update, Variant, Wait, WaitBranch, WaitFor, Webhook};

    #[test]
    fn each_node_type_has_its_ports_in_card_order() {
        use Required::{No, Yes};
        let branch = |port: &str| WaitBranch { port: port.into(), any: Some(true), ..WaitBranch::default() };
        let cases: Vec<(NodeKind, Vec<(&str, Required)>)> = vec![
            (NodeKind::Trigger(Trigger::default()), vec![("next", Yes)]),
            (NodeKind::Send(Send::default()), vec![("next", Yes), ("failed", No)]),
            (NodeKind::Wait(Wait::default()), vec![("next", Yes)]),
            (NodeKind::WaitFor(WaitFor::default()), vec![("next", Yes), ("timeout", Yes)]),
            (
                NodeKind::WaitFor(WaitFor { branches: vec![branch("a"), branch("b")], ..WaitFor::default() }),
                vec![("a", Yes), ("b", Yes), ("timeout", Yes)],
            ),
            (NodeKind::Branch(Branch::default()), vec![("yes", Yes), ("no", Yes)]),
            (
                NodeKind::Split(Split {
                    variants: vec![Variant { port: "x".into(), percent: 50.0 }, Variant { port: "y".into(), percent: 50.0 }],
                }),
                vec![("x", Yes), ("y", Yes)],
            ),
            (NodeKind::Update(Update::default()), vec![("next", Yes)]),
            (NodeKind::Webhook(Webhook::default()), vec![("next", Yes), ("failed", No)]),
            (NodeKind::Exit(Exit::default()), vec![]),
            (NodeKind::Unknown { type_name: "mystery".into(), fields: serde_json::Map::new() }, vec![]),
        ];
        for (kind, want) in &cases {
            let mut borrowed = Vec::new();
            kind.push_output_ports(&mut borrowed);
            assert_eq!(&borrowed, want, "{:?}", kind.type_name());
            let owned: Vec<(String, Required)> = want.iter().map(|(p, r)| (p.to_string(), *r)).collect();
            assert_eq!(kind.output_ports(), owned, "{:?}", kind.type_name());
        }
    }
}
