//! Properties of the graph checks on random journeys:
//! * a random fully-wired DAG (random node types, every required port wired forward, every node
//!   reachable) has no diagnostic at all, and its facts equal a brute-force enumeration of paths;
//! * adding one back edge (on a send's or webhook's optional `failed` port) gives exactly one
//!   `cycle`, naming exactly the nodes on it (computed here by plain reachability), and nothing
//!   else.

use std::collections::BTreeSet;

use itinera_model::{Code, Journey, validate};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The node types the generator draws from (the trigger comes first, an exit last).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Trigger,
    Sms,
    WhatsAppTemplate,
    Email,
    Wait(u32),
    WaitForReply(u32),
    WaitForEvent(u32),
    Branch,
    Split(u8),
    Update,
    Webhook,
    Exit,
}

impl Kind {
    fn from_choice(choice: u8, amount: u32) -> Kind {
        match choice % 10 {
            0 => Kind::Sms,
            1 => Kind::WhatsAppTemplate,
            2 => Kind::Email,
            3 => Kind::Wait(amount),
            4 => Kind::WaitForReply(amount),
            5 => Kind::WaitForEvent(amount),
            6 => Kind::Branch,
            7 => Kind::Split(2 + (amount % 2) as u8),
            8 => Kind::Update,
            _ => Kind::Webhook,
        }
    }

    /// Required output ports.
    fn ports(self) -> Vec<String> {
        let list: &[&str] = match self {
            Kind::Exit => &[],
            Kind::WaitForReply(_) => &["yes", "no", "timeout"],
            Kind::WaitForEvent(_) => &["next", "timeout"],
            Kind::Branch => &["yes", "no"],
            Kind::Split(2) => &["a", "b"],
            Kind::Split(_) => &["a", "b", "c"],
            _ => &["next"],
        };
        list.iter().map(std::string::ToString::to_string).collect()
    }

    fn has_failed_port(self) -> bool {
        matches!(self, Kind::Sms | Kind::WhatsAppTemplate | Kind::Email | Kind::Webhook)
    }

    /// Seconds a contact may spend in it, worst case.
    fn delay(self) -> i64 {
        match self {
            Kind::Wait(h) | Kind::WaitForReply(h) | Kind::WaitForEvent(h) => i64::from(h) * 3600,
            _ => 0,
        }
    }

    /// The channel a contact receives something on when leaving on `port`.
    fn message(self, port: &str) -> Option<&'static str> {
        if port == "failed" {
            return None;
        }
        match self {
            Kind::Sms => Some("sms"),
            Kind::WhatsAppTemplate => Some("whatsapp"),
            Kind::Email => Some("email"),
            Kind::Webhook => Some("webhook"),
            _ => None,
        }
    }

    fn to_json(self, id: &str) -> Value {
        match self {
            Kind::Trigger => json!({"id": id, "type": "trigger", "event": "signed_up"}),
            Kind::Sms => {
                json!({"id": id, "type": "send", "channel": "sms", "text": "Hi {{ contact.first_name }}"})
            }
            Kind::WhatsAppTemplate => json!({"id": id, "type": "send", "channel": "whatsapp",
                "template": {"name": "nudge", "language": "en", "params": ["{{ contact.first_name }}"]},
                "buttons": [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}]}),
            Kind::Email => {
                json!({"id": id, "type": "send", "channel": "email", "subject": "Hello", "text": "Hi"})
            }
            Kind::Wait(h) => json!({"id": id, "type": "wait", "for": format!("{h}h")}),
            Kind::WaitForReply(h) => {
                json!({"id": id, "type": "wait_for", "reply": {"channel": "whatsapp"}, "timeout": format!("{h}h"),
                "branches": [{"port": "yes", "keywords": ["yes"]}, {"port": "no", "any": true}]})
            }
            Kind::WaitForEvent(h) => {
                json!({"id": id, "type": "wait_for", "event": "paid", "timeout": format!("{h}h")})
            }
            Kind::Branch => {
                json!({"id": id, "type": "branch", "condition": {"field": "contact.score", "op": "gte", "value": 10}})
            }
            Kind::Split(2) => {
                json!({"id": id, "type": "split", "variants": [{"port": "a", "percent": 50}, {"port": "b", "percent": 50}]})
            }
            Kind::Split(_) => json!({"id": id, "type": "split",
                "variants": [{"port": "a", "percent": 20}, {"port": "b", "percent": 30}, {"port": "c", "percent": 50}]}),
            Kind::Update => {
                json!({"id": id, "type": "update", "set": {"nudged": true}, "consent": {"whatsapp": true}})
            }
            Kind::Webhook => {
                json!({"id": id, "type": "webhook", "url": "https://crm.example.com/hook"})
            }
            Kind::Exit => json!({"id": id, "type": "exit"}),
        }
    }
}

/// A generated journey: node kinds and edges `(from, port, to)` by position.
#[derive(Debug, Clone)]
struct Dag {
    kinds: Vec<Kind>,
    edges: Vec<(usize, String, usize)>,
}

fn id(i: usize) -> String {
    format!("n{i:02}")
}

impl Dag {
    /// Node 0 is the trigger, the last an exit; every other node gets one parent among the
    /// earlier nodes with a free required port (the previous node always has one), then every
    /// still-free required port is wired to a random later node, and some `failed` ports too.
    fn generate(types: &[(u8, u32)], picks: &[u32]) -> Dag {
        let mut picks = picks.iter().cycle().copied();
        let mut pick = |n: usize| picks.next().unwrap_or(0) as usize % n.max(1);
        let mut kinds = vec![Kind::Trigger];
        kinds.extend(types.iter().map(|&(c, a)| Kind::from_choice(c, 1 + a % 48)));
        kinds.push(Kind::Exit);
        let n = kinds.len();
        let mut free: Vec<Vec<String>> = kinds.iter().map(|k| k.ports()).collect();
        let mut edges = Vec::new();
        for j in 1..n {
            let candidates: Vec<usize> = (0..j).filter(|&i| !free[i].is_empty()).collect();
            let parent = candidates[pick(candidates.len())];
            let k = pick(free[parent].len());
            let port = free[parent].remove(k);
            edges.push((parent, port, j));
        }
        for i in 0..n - 1 {
            for port in std::mem::take(&mut free[i]) {
                let to = i + 1 + pick(n - i - 1);
                edges.push((i, port, to));
            }
            if kinds[i].has_failed_port() && pick(2) == 0 {
                let to = i + 1 + pick(n - i - 1);
                edges.push((i, "failed".to_string(), to));
            }
        }
        Dag { kinds, edges }
    }

    fn to_journey(&self) -> Journey {
        let nodes: Vec<Value> = self.kinds.iter().enumerate().map(|(i, k)| k.to_json(&id(i))).collect();
        let edges: Vec<Value> = self.edges.iter().map(|(f, p, t)| json!({"from": id(*f), "port": p, "to": id(*t)})).collect();
        let value = json!({"format": "itinera/journey@1", "id": "random", "name": "Random", "nodes": nodes, "edges": edges});
        serde_json::from_value(value).expect("generated journey parses")
    }

    fn successors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.edges.iter().filter(move |(f, _, _)| *f == i).map(|(_, _, t)| *t)
    }

    fn reaches(&self, from: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::from([from]);
        let mut stack = vec![from];
        while let Some(i) = stack.pop() {
            for t in self.successors(i) {
                if seen.insert(t) {
                    stack.push(t);
                }
            }
        }
        seen
    }

    /// Brute force over every path from the trigger: (longest seconds, max per channel, max total).
    /// `None` when there are too many paths to enumerate.
    fn enumerate_paths(&self) -> Option<(i64, [u32; 4], u32)> {
        const CHANNELS: [&str; 4] = ["sms", "whatsapp", "email", "webhook"];
        let mut best = (0i64, [0u32; 4], 0u32);
        let mut budget = 200_000usize;
        // (node, seconds so far, messages so far)
        let mut stack = vec![(0usize, 0i64, [0u32; 4])];
        while let Some((i, secs, msgs)) = stack.pop() {
            budget = budget.checked_sub(1)?;
            let out: Vec<&(usize, String, usize)> = self.edges.iter().filter(|(f, _, _)| *f == i).collect();
            if out.is_empty() {
                best.0 = best.0.max(secs);
                for (b, m) in best.1.iter_mut().zip(msgs) {
                    *b = (*b).max(m);
                }
                best.2 = best.2.max(msgs[..3].iter().sum());
                continue;
            }
            for (_, port, to) in out {
                let mut m = msgs;
                if let Some(channel) = self.kinds[i].message(port) {
                    m[CHANNELS.iter().position(|c| *c == channel).expect("channel")] += 1;
                }
                stack.push((*to, secs + self.kinds[i].delay(), m));
            }
        }
        Some(best)
    }
}

fn dag_strategy() -> impl Strategy<Value = Dag> {
    (prop::collection::vec((any::<u8>(), any::<u32>()), 0..24), prop::collection::vec(any::<u32>(), 1..64))
        .prop_map(|(types, picks)| Dag::generate(&types, &picks))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_fully_wired_dag_has_no_diagnostic(dag in dag_strategy()) {
        let journey = dag.to_journey();
        let report = validate(&journey);
        prop_assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
        prop_assert!(report.valid);
        let facts = report.facts.expect("facts of a valid journey");
        prop_assert_eq!(facts.nodes, dag.kinds.len());
        if let Some((longest, per_channel, total)) = dag.enumerate_paths() {
            prop_assert_eq!(facts.longest_seconds, Some(longest));
            for (c, channel) in ["sms", "whatsapp", "email", "webhook"].iter().enumerate() {
                prop_assert_eq!(facts.max_messages[*channel], per_channel[c], "{}", channel);
            }
            prop_assert_eq!(facts.max_messages_total, total);
        }
    }

    #[test]
    fn one_back_edge_gives_exactly_one_cycle(dag in dag_strategy(), which in any::<usize>(), back in any::<usize>()) {
        let mut dag = dag;
        let senders: Vec<usize> = (0..dag.kinds.len()).filter(|&i| dag.kinds[i].has_failed_port()).collect();
        prop_assume!(!senders.is_empty());
        let from = senders[which % senders.len()];
        // Free the optional `failed` port (never the only way into a node: parents use required ports).
        dag.edges.retain(|(f, p, _)| !(*f == from && p == "failed"));
        // Back to a node that reaches `from` (itself included: a self-loop).
        let ancestors: Vec<usize> = (0..=from).filter(|&a| dag.reaches(a).contains(&from)).collect();
        let to = ancestors[back % ancestors.len()];
        dag.edges.push((from, "failed".to_string(), to));
        // The cycle: nodes reachable from `to` that reach `from`.
        let expected: Vec<String> = dag
            .reaches(to)
            .into_iter()
            .filter(|&v| dag.reaches(v).contains(&from))
            .map(id)
            .collect();

        let report = validate(&dag.to_journey());
        let cycles: Vec<_> = report.diagnostics.iter().filter(|d| d.code == Code::Cycle).collect();
        prop_assert_eq!(cycles.len(), 1, "{:#?}", report.diagnostics);
        prop_assert_eq!(cycles[0].nodes.clone(), Some(expected));
        prop_assert_eq!(report.diagnostics.len(), 1, "nothing but the cycle: {:#?}", report.diagnostics);
        prop_assert!(!report.valid);
    }
}
