//! `unknown_variable` warnings: the `contact.*` and `event.*` fields a journey's templates and
//! conditions name that no contact of a scenario has (`contact.first_nam`).
//!
//! The model knows journeys, this crate knows scenarios, so the check lives here: what counts as
//! known is every hand-written contact's attributes, the population's attribute names, the
//! attributes the journey's own `update` steps set, and `contact.id`, `contact.timezone`,
//! `contact.locale` (always). Event fields are checked only when the scenario scripts some event
//! data (hand-written or generated): known are those fields plus what a reply adds to the event
//! (`channel`, `text`, `button`); a scenario without event data leaves `event.*` unchecked. Only
//! the first segment of a path is compared (`contact.address.city` needs an `address`).

use std::collections::BTreeSet;

use itinera_engine::Template;
use itinera_engine::condition::{FieldPath, Root};
use itinera_model::journey::{Condition, ConditionForm, NodeKind};
use itinera_model::{Code, Diagnostic, Journey};

use crate::scenario::Scenario;

/// Contact fields that every contact has, whatever its attributes.
pub const ALWAYS_KNOWN_CONTACT: [&str; 3] = ["id", "timezone", "locale"];

/// Event fields a reply puts on the event a `wait_for` hands on.
pub const REPLY_EVENT_FIELDS: [&str; 3] = ["channel", "text", "button"];

/// What a scenario's contacts have.
struct Known {
    contact: BTreeSet<String>,
    /// `None`: the scenario scripts no event data, so event fields are not checked.
    event: Option<BTreeSet<String>>,
}

impl Known {
    fn of(journey: &Journey, scenario: &Scenario) -> Known {
        let mut contact: BTreeSet<String> = ALWAYS_KNOWN_CONTACT.iter().map(std::string::ToString::to_string).collect();
        let mut event = BTreeSet::new();
        for c in scenario.contacts.iter() {
            contact.extend(c.attributes.keys().cloned());
            for e in &c.events {
                event.extend(e.data.keys().cloned());
            }
        }
        if let Some(population) = &scenario.population {
            contact.extend(population.attribute_names().map(str::to_string));
            event.extend(population.event_data_names().map(str::to_string));
        }
        for node in &journey.nodes {
            if let NodeKind::Update(u) = &node.kind {
                contact.extend(u.set.keys().cloned());
            }
        }
        let event = (!event.is_empty()).then(|| {
            event.extend(REPLY_EVENT_FIELDS.iter().map(std::string::ToString::to_string));
            event
        });
        Known { contact, event }
    }

    /// The sentence for a path no contact has, written in `field`, or `None` when it is known
    /// (or not checked).
    fn unknown(&self, field: &str, path: &FieldPath) -> Option<String> {
        let first = path.segments.first()?;
        let (known, root, who) = match (path.root, &self.event) {
            (Root::Contact, _) => (&self.contact, "contact", "no contact of the scenario has"),
            (Root::Event, Some(known)) => (known, "event", "no event of the scenario carries"),
            (Root::Event, None) => return None,
        };
        if known.contains(first) {
            return None;
        }
        let hint = suggestion(first, known, root);
        Some(if path.segments.len() == 1 {
            format!("`{field}` uses `{}`, which {who}{hint}", path.text)
        } else {
            format!("`{field}` uses `{}`, but {who} `{root}.{first}`{hint}", path.text)
        })
    }
}

/// ` (did you mean `contact.first_name`?)` for a close known name.
fn suggestion(name: &str, known: &BTreeSet<String>, root: &str) -> String {
    known
        .iter()
        .map(|k| (distance(name, k), k))
        .filter(|(d, _)| *d <= 1.max(name.len() / 4))
        .min()
        .map(|(_, k)| format!(" (did you mean `{root}.{k}`?)"))
        .unwrap_or_default()
}

/// Levenshtein distance over chars (names are short).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Every `unknown_variable` warning of `journey` against `scenario`, in node order then field
/// order, one per (node, field, variable). Templates that do not compile and malformed
/// conditions are skipped (validation reports them).
pub fn unknown_variables(journey: &Journey, scenario: &Scenario) -> Vec<Diagnostic> {
    let known = Known::of(journey, scenario);
    let mut found = Vec::new();
    for node in &journey.nodes {
        let mut paths: Vec<(String, FieldPath)> = Vec::new();
        let mut template = |field: String, source: &str| {
            if let Ok(t) = Template::compile(source) {
                paths.extend(t.referenced_paths().iter().map(|p| (field.clone(), p.clone())));
            }
        };
        match &node.kind {
            NodeKind::Send(s) => {
                if let Some(t) = &s.text {
                    template("text".into(), t);
                }
                if let Some(t) = &s.subject {
                    template("subject".into(), t);
                }
                if let Some(t) = &s.template {
                    for (i, p) in t.params.iter().enumerate() {
                        template(format!("template.params[{i}]"), p);
                    }
                }
            }
            NodeKind::Webhook(w) => {
                template("url".into(), &w.url);
                if let Some(b) = &w.body {
                    template("body".into(), b);
                }
            }
            NodeKind::Trigger(t) => {
                if let Some(c) = &t.filter {
                    condition_paths("filter", c, &mut paths);
                }
                if let Some(key) = &t.key
                    && let Ok(p) = FieldPath::parse(key)
                {
                    paths.push(("key".into(), p));
                }
            }
            NodeKind::Branch(b) => {
                if let Some(c) = &b.condition {
                    condition_paths("condition", c, &mut paths);
                }
            }
            NodeKind::Wait(w) => {
                if let Some(u) = &w.until
                    && let Ok(p) = FieldPath::parse(&u.field)
                {
                    paths.push(("until.field".into(), p));
                }
            }
            NodeKind::WaitFor(w) => {
                // `where` reads the arriving event or reply: only its contact fields are checked.
                for (i, b) in w.branches.iter().enumerate() {
                    if let Some(c) = &b.where_ {
                        let mut inner = Vec::new();
                        condition_paths(&format!("branches[{i}].where"), c, &mut inner);
                        paths.extend(inner.into_iter().filter(|(_, p)| p.root == Root::Contact));
                    }
                }
            }
            _ => {}
        }
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        for (field, path) in paths {
            if let Some(message) = known.unknown(&field, &path)
                && seen.insert((field.clone(), path.text.clone()))
            {
                found.push(Diagnostic::warning(Code::UnknownVariable, message).at_node(&node.id).at_field(field));
            }
        }
    }
    found
}

/// The field paths of a condition tree, each with the setting it is written in
/// (`condition.all[0].field`).
fn condition_paths(at: &str, condition: &Condition, out: &mut Vec<(String, FieldPath)>) {
    match condition.form() {
        Ok(ConditionForm::Compare { field, .. }) => {
            if let Ok(p) = FieldPath::parse(field) {
                out.push((format!("{at}.field"), p));
            }
        }
        Ok(ConditionForm::All(items)) => {
            for (i, c) in items.iter().enumerate() {
                condition_paths(&format!("{at}.all[{i}]"), c, out);
            }
        }
        Ok(ConditionForm::Any(items)) => {
            for (i, c) in items.iter().enumerate() {
                condition_paths(&format!("{at}.any[{i}]"), c, out);
            }
        }
        Ok(ConditionForm::Not(inner)) => condition_paths(&format!("{at}.not"), inner, out),
        _ => {}
    }
}

/// `report` (the journey's validation) with the [`unknown_variables`] warnings added in the
/// model's order (journey-level first, then by node position, then by code). Warnings never
/// change `valid` or the facts.
pub fn add_unknown_variables(journey: &Journey, scenario: &Scenario, mut report: itinera_model::Report) -> itinera_model::Report {
    let key = |d: &Diagnostic| match &d.node {
        None => (0, 0, d.code),
        Some(id) => match journey.nodes.iter().position(|n| n.id == *id) {
            Some(i) => (1, i, d.code),
            None => (2, 0, d.code),
        },
    };
    for diagnostic in unknown_variables(journey, scenario) {
        let k = key(&diagnostic);
        let at = report.diagnostics.iter().position(|d| key(d) > k).unwrap_or(report.diagnostics.len());
        report.diagnostics.insert(at, diagnostic);
    }
    report
}
