//! Worst-case dataflow over an acyclic journey: time since the last WhatsApp reply (for the
//! `whatsapp_outside_window` warning), longest time inside and most messages per channel.
//!
//! One pass in topological order; each node's entry state is the join (worst case) of what its
//! incoming edges carry, and each edge carries the state after its source node *for that port*.
//! Linear in nodes + edges.

use std::collections::BTreeMap;

use petgraph::algo::toposort;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::structure::JourneyGraph;
use super::{Anchor, Facts, Findings};
use crate::{Code, Diagnostic, Duration, Journey, NodeKind};

/// The WhatsApp customer-service window: free-form messages only this long after a reply.
const WINDOW_SECS: i64 = crate::journey::WHATSAPP_WINDOW_SECS;
/// `until_local_time` waits at most a day.
const DAY_SECS: i64 = 24 * 3600;
/// Channels counted in [`Facts::max_messages`], in this index order.
const COUNTED: [&str; 4] = ["sms", "whatsapp", "email", "webhook"];
const WEBHOOK: usize = 3;

/// Worst-case time since something, where "something" may never have happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Since {
    /// At most this many seconds.
    Within(i64),
    /// It happened, but a data-dependent wait (`wait.until`) came after it.
    Unbounded,
    /// It has not happened on some path (for replies: first contact).
    Never,
}

impl Since {
    fn plus(self, delay: Delay) -> Since {
        match (self, delay) {
            (Since::Within(a), Delay::Secs(b)) => Since::Within(a.saturating_add(b)),
            (Since::Within(_), Delay::Unbounded) => Since::Unbounded,
            (other, _) => other,
        }
    }
}

/// How long a node holds a contact, worst case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delay {
    Secs(i64),
    Unbounded,
}

/// The worst case at a node's entry, for every node some path from the trigger reaches.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Time since entering the journey (`Never` is not used).
    elapsed: Since,
    /// Time since the last WhatsApp reply.
    since_reply: Since,
    /// Per counted channel, the most messages received so far (each over its own worst path).
    messages: [u32; 4],
    /// Most sends along one path so far.
    total: u32,
}

impl Entry {
    fn join(self, other: Entry) -> Entry {
        let mut messages = self.messages;
        for (m, o) in messages.iter_mut().zip(other.messages) {
            *m = (*m).max(o);
        }
        Entry {
            elapsed: self.elapsed.max(other.elapsed),
            since_reply: self.since_reply.max(other.since_reply),
            messages,
            total: self.total.max(other.total),
        }
    }
}

/// The result of the dataflow pass.
pub(crate) struct Flow {
    entries: Vec<Option<Entry>>,
    longest: Since,
    max_messages: [u32; 4],
    max_total: u32,
}

fn duration_or_zero(text: Option<&String>) -> i64 {
    // A bad duration is already an `invalid_config`; count it as zero here.
    text.and_then(|t| Duration::parse(t).ok()).map_or(0, super::super::duration::Duration::as_secs)
}

fn delay(kind: &NodeKind) -> Delay {
    match kind {
        NodeKind::Wait(wait) if wait.for_.is_some() => Delay::Secs(duration_or_zero(wait.for_.as_ref())),
        NodeKind::Wait(wait) if wait.until.is_some() => Delay::Unbounded,
        NodeKind::Wait(wait) if wait.until_local_time.is_some() => Delay::Secs(DAY_SECS),
        NodeKind::WaitFor(wait_for) => Delay::Secs(duration_or_zero(wait_for.timeout.as_ref())),
        _ => Delay::Secs(0),
    }
}

/// The state a node (holding contacts for `delay`) passes on along the edge leaving `port`.
fn leave(kind: &NodeKind, delay: Delay, port: &str, entry: Entry) -> Entry {
    let mut out = Entry { elapsed: entry.elapsed.plus(delay), since_reply: entry.since_reply.plus(delay), ..entry };
    match kind {
        NodeKind::WaitFor(wait_for)
            if port != "timeout" && wait_for.event.is_none() && wait_for.reply.as_ref().is_some_and(|r| r.channel == "whatsapp") =>
        {
            // A WhatsApp reply arrived just now.
            out.since_reply = Since::Within(0);
        }
        NodeKind::Send(send) if port != "failed" => {
            if let Some(c) = COUNTED.iter().position(|c| *c == send.channel) {
                out.messages[c] = out.messages[c].saturating_add(1);
                out.total = out.total.saturating_add(1);
            }
        }
        NodeKind::Webhook(_) if port != "failed" => out.messages[WEBHOOK] = out.messages[WEBHOOK].saturating_add(1),
        _ => {}
    }
    out
}

/// Runs the dataflow. The graph must be acyclic.
pub(crate) fn analyse(journey: &Journey, graph: &JourneyGraph<'_>) -> Flow {
    let n = journey.nodes.len();
    let mut entries: Vec<Option<Entry>> = vec![None; n];
    for &t in &graph.triggers {
        entries[t] = Some(Entry { elapsed: Since::Within(0), since_reply: Since::Never, messages: [0; 4], total: 0 });
    }
    let mut longest = Since::Within(0);
    let mut max_messages = [0u32; 4];
    let mut max_total = 0;
    // The caller checked for cycles; a failure here would mean no order, hence no analysis.
    let order = toposort(&graph.graph, None).unwrap_or_default();
    for index in order {
        let i = index.index();
        let Some(entry) = entries[i] else { continue };
        let kind = &journey.nodes[i].kind;
        let delay = delay(kind);
        // What the node passes on, also when a port is left unwired (e.g. the last node).
        let mut consider = |out: Entry| {
            longest = longest.max(out.elapsed);
            for (m, o) in max_messages.iter_mut().zip(out.messages) {
                *m = (*m).max(o);
            }
            max_total = max_total.max(out.total);
        };
        consider(entry);
        consider(leave(kind, delay, "next", entry));
        for edge in graph.graph.edges(NodeIndex::new(i)) {
            let out = leave(kind, delay, edge.weight().port, entry);
            consider(out);
            let target = &mut entries[edge.target().index()];
            *target = Some(match *target {
                Some(existing) => existing.join(out),
                None => out,
            });
        }
    }
    Flow { entries, longest, max_messages, max_total }
}

impl Flow {
    /// Warns on free-form WhatsApp texts some path reaches outside the 24-hour window.
    pub(crate) fn report_window(&self, journey: &Journey, findings: &mut Findings) {
        for (i, node) in journey.nodes.iter().enumerate() {
            let NodeKind::Send(send) = &node.kind else {
                continue;
            };
            if send.channel != "whatsapp" || send.text.is_none() || send.template.is_some() {
                continue;
            }
            let Some(entry) = self.entries[i] else {
                continue;
            };
            let why = match entry.since_reply {
                Since::Within(secs) if secs < WINDOW_SECS => continue,
                Since::Within(secs) => {
                    format!("up to {} may have passed since the contact's last WhatsApp reply", Duration::from_secs(secs))
                }
                Since::Unbounded => "a wait of data-dependent length (`wait.until`) comes after the last WhatsApp reply".to_string(),
                Since::Never => "some path reaches it before the contact has replied on WhatsApp (first contact)".to_string(),
            };
            findings.push(
                Anchor::Node(i),
                Diagnostic::warning(
                    Code::WhatsappOutsideWindow,
                    format!(
                        "free-form WhatsApp text may be sent outside the 24-hour window: {why}; use an approved `template` or send it right after a reply"
                    ),
                )
                .at_node(&node.id),
            );
        }
    }

    /// Facts about the journey (meaningful when it is valid).
    pub(crate) fn facts(&self, journey: &Journey) -> Facts {
        let (longest_time, longest_seconds) = match self.longest {
            Since::Within(secs) => (Duration::from_secs(secs).to_string(), Some(secs)),
            Since::Unbounded | Since::Never => ("unbounded".to_string(), None),
        };
        let max_messages: BTreeMap<String, u32> =
            COUNTED.iter().zip(self.max_messages).map(|(channel, n)| (channel.to_string(), n)).collect();
        let unbounded_waits = journey
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, node)| self.entries[*i].is_some() && delay(&node.kind) == Delay::Unbounded)
            .map(|(_, node)| node.id.clone())
            .collect();
        Facts {
            nodes: journey.nodes.len(),
            edges: journey.edges.len(),
            longest_time,
            longest_seconds,
            max_messages,
            max_messages_total: self.max_total,
            unbounded_waits,
        }
    }
}
