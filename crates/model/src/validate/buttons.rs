//! The reply-button pass: a graph pass (it walks the edges), after the structure pass has built
//! the graph. A `wait_for` reply branch naming a button must be offered by a send that feeds it.

use std::collections::{HashMap, VecDeque};

use super::structure::JourneyGraph;
use super::{Anchor, Findings};
use crate::journey::WaitFor;
use crate::{Code, Diagnostic, Journey, NodeKind};

/// A branch's button id, unless absent or blank (blank is reported on its own).
fn named(button: &Option<String>) -> Option<&str> {
    button.as_deref().filter(|b| !b.trim().is_empty())
}

/// A `wait_for` reply branch naming a `button` must be offered by one of the sends that feed
/// it: the sends found walking edges backwards from the `wait_for`, through non-send nodes.
///
/// Computed forward rather than by one backward walk per `wait_for` (quadratic on a long chain
/// of waits): each node gets the set of asked-about button ids that reach it, a bitset over
/// the ids some branch names. A send passes on its own buttons, any other node what reaches
/// it. One pass in topological order when the graph is acyclic; a monotone fixpoint otherwise.
pub(crate) fn check_reply_buttons(journey: &Journey, graph: &JourneyGraph<'_>, findings: &mut Findings) {
    let is_whatsapp_reply = |w: &WaitFor| w.event.is_none() && w.reply.as_ref().is_some_and(|r| r.channel == "whatsapp");
    let mut bit_of: HashMap<&str, usize> = HashMap::new();
    let mut checked: Vec<usize> = Vec::new();
    for (i, node) in journey.nodes.iter().enumerate() {
        let NodeKind::WaitFor(wait_for) = &node.kind else {
            continue;
        };
        if !is_whatsapp_reply(wait_for) || graph.duplicate[i] {
            continue;
        }
        let before = checked.len();
        for button in wait_for.branches.iter().filter_map(|b| named(&b.button)) {
            let next = bit_of.len();
            bit_of.entry(button).or_insert(next);
            if checked.len() == before {
                checked.push(i);
            }
        }
    }
    if checked.is_empty() {
        return;
    }
    let n = journey.nodes.len();
    let words = bit_of.len().div_ceil(64);
    let set = |bits: &mut [u64], bit: usize| bits[bit / 64] |= 1 << (bit % 64);
    // What each node passes on: a send its own (asked-about) buttons, others what reaches them.
    let mut offers = vec![0u64; n * words];
    let mut is_send = vec![false; n];
    for (i, node) in journey.nodes.iter().enumerate() {
        if let NodeKind::Send(send) = &node.kind {
            is_send[i] = true;
            for button in &send.buttons {
                if let Some(&bit) = bit_of.get(button.id.as_str()) {
                    set(&mut offers[i * words..(i + 1) * words], bit);
                }
            }
        }
    }
    let mut reaching = vec![0u64; n * words];
    let order: Vec<usize> = match petgraph::algo::toposort(&graph.graph, None) {
        Ok(order) => order.into_iter().map(petgraph::prelude::NodeIndex::index).collect(),
        Err(_) => (0..n).collect(),
    };
    let mut queued = vec![true; n];
    let mut queue: VecDeque<usize> = order.into();
    let mut out = vec![0u64; words];
    while let Some(v) = queue.pop_front() {
        queued[v] = false;
        let source = if is_send[v] { &offers } else { &reaching };
        out.copy_from_slice(&source[v * words..(v + 1) * words]);
        for succ in graph.graph.neighbors(petgraph::graph::NodeIndex::new(v)) {
            let s = succ.index();
            let mut grew = false;
            for (have, add) in reaching[s * words..(s + 1) * words].iter_mut().zip(&out) {
                if *have | add != *have {
                    *have |= add;
                    grew = true;
                }
            }
            if grew && !queued[s] {
                queued[s] = true;
                queue.push_back(s);
            }
        }
    }
    for i in checked {
        let node = &journey.nodes[i];
        let NodeKind::WaitFor(wait_for) = &node.kind else {
            continue;
        };
        let reached = &reaching[i * words..(i + 1) * words];
        for (k, branch) in wait_for.branches.iter().enumerate() {
            let Some(button) = named(&branch.button) else {
                continue;
            };
            let bit = bit_of[button];
            if reached[bit / 64] & (1 << (bit % 64)) != 0 {
                continue;
            }
            let message = format!(
                "`branches[{k}].button`: no send before this wait_for offers button `{button}` \
                 (the sends feeding it, directly or through non-send nodes, must list it in `buttons`)"
            );
            findings.push(
                Anchor::Node(i),
                Diagnostic::error(Code::InvalidConfig, message).at_node(&node.id).at_field(format!("branches[{k}].button")),
            );
        }
    }
}
