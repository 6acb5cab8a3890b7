//! Configuration: the journey's `format` and settings, and each node's own fields.
//!
//! Every problem is one `invalid_config` naming the node (none for journey settings) and the
//! field as a path within the node or the journey (`buttons[3].title`, `condition.all[0].op`,
//! `settings.frequency_cap.per`); the message starts with that path.

use std::collections::HashSet;

use super::{Anchor, Findings};
use crate::journey::{
    Branch, Condition, ConditionForm, OPERATORS, Reentry, Send, Split, Trigger, Update, Wait, WaitFor, Webhook, parse_local_time,
};
use crate::{Code, Diagnostic, Duration, JOURNEY_FORMAT, Journey, Node, NodeKind};

/// The channels a message can go out on (and a reply come in on).
pub(crate) use crate::journey::CHANNELS;
/// HTTP methods a webhook may use.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
/// Most quick-reply buttons WhatsApp allows on one message.
const MAX_BUTTONS: usize = 3;
/// Longest quick-reply button title WhatsApp allows, in characters.
const MAX_BUTTON_TITLE: usize = 20;

/// Collects the problems of one node (or of the journey's settings, with no node).
struct Problems<'a> {
    node: Option<&'a str>,
    anchor: Anchor,
    findings: &'a mut Findings,
}

impl Problems<'_> {
    fn bad(&mut self, field: &str, message: impl AsRef<str>) {
        let mut diagnostic = Diagnostic::error(Code::InvalidConfig, format!("`{field}`: {}", message.as_ref())).at_field(field);
        if let Some(node) = self.node {
            diagnostic = diagnostic.at_node(node);
        }
        self.findings.push(self.anchor, diagnostic);
    }

    /// A required, unsigned, strictly positive duration.
    fn positive_duration(&mut self, field: &str, text: &str) -> Option<Duration> {
        match Duration::parse(text) {
            Ok(d) if d.as_secs() > 0 => Some(d),
            Ok(_) => {
                self.bad(field, format!("`{text}` is zero; give a positive duration"));
                None
            }
            Err(err) => {
                self.bad(field, err.to_string());
                None
            }
        }
    }

    fn local_time(&mut self, field: &str, text: &str) {
        if parse_local_time(text).is_none() {
            self.bad(field, format!("`{text}` is not a time of day; write HH:MM, 24-hour, e.g. \"09:00\""));
        }
    }

    fn channel(&mut self, field: &str, channel: &str) -> bool {
        if CHANNELS.contains(&channel) {
            return true;
        }
        if channel.is_empty() {
            self.bad(field, "no channel; use sms, whatsapp or email");
        } else {
            self.bad(field, format!("unknown channel `{channel}`; use sms, whatsapp or email"));
        }
        false
    }

    fn condition(&mut self, path: &str, condition: &Condition) {
        match condition.form() {
            Err(why) => self.bad(path, why),
            Ok(ConditionForm::All(items) | ConditionForm::Any(items)) => {
                let key = if condition.all.is_some() { "all" } else { "any" };
                if items.is_empty() {
                    self.bad(&format!("{path}.{key}"), format!("empty `{key}`; list at least one condition"));
                }
                for (i, item) in items.iter().enumerate() {
                    self.condition(&format!("{path}.{key}[{i}]"), item);
                }
            }
            Ok(ConditionForm::Not(inner)) => self.condition(&format!("{path}.not"), inner),
            Ok(ConditionForm::Compare { field, op, value }) => {
                if !is_data_field(field) {
                    self.bad(&format!("{path}.field"), format!("`{field}` must start with `contact.` or `event.` (e.g. `contact.tier`)"));
                }
                if !OPERATORS.contains(&op) {
                    self.bad(&format!("{path}.op"), format!("unknown operator `{op}`; use one of {}", OPERATORS.join(", ")));
                    return;
                }
                let value_path = format!("{path}.value");
                match (op, value) {
                    ("exists" | "not_exists", _) => {}
                    ("within_next" | "within_last", Some(serde_json::Value::String(text))) => {
                        if let Err(err) = Duration::parse(text) {
                            self.bad(&value_path, format!("`{op}` takes a duration: {err}"));
                        }
                    }
                    ("within_next" | "within_last", _) => self.bad(&value_path, format!("`{op}` takes a duration string such as \"24h\"")),
                    ("in", Some(serde_json::Value::Array(_))) => {}
                    ("in", _) => self.bad(&value_path, "`in` takes a list of values, e.g. [\"gold\", \"silver\"]"),
                    (_, None) => self.bad(&value_path, format!("`{op}` needs a value to compare with")),
                    _ => {}
                }
            }
        }
    }
}

fn is_data_field(field: &str) -> bool {
    ["contact.", "event."].iter().any(|prefix| field.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty()))
}

/// Checks the `format`, `id`, the settings and every node's own fields.
pub(crate) fn check_journey(journey: &Journey, findings: &mut Findings) {
    let mut problems = Problems { node: None, anchor: Anchor::Journey, findings };
    if journey.format != JOURNEY_FORMAT {
        problems.bad("format", format!("`{}` is not a format this version reads; expected `{JOURNEY_FORMAT}`", journey.format));
    }
    if journey.id.trim().is_empty() {
        problems.bad("id", "the journey needs a non-empty `id`");
    }
    check_settings(journey, &mut problems);
    for (i, node) in journey.nodes.iter().enumerate() {
        let mut problems = Problems { node: Some(&node.id), anchor: Anchor::Node(i), findings: problems.findings };
        check_node(node, &mut problems);
    }
}

fn check_settings(journey: &Journey, p: &mut Problems<'_>) {
    let settings = &journey.settings;
    if let Some(quiet) = &settings.quiet_hours {
        p.local_time("settings.quiet_hours.start", &quiet.start);
        p.local_time("settings.quiet_hours.end", &quiet.end);
        if quiet.start == quiet.end && parse_local_time(&quiet.start).is_some() {
            p.bad("settings.quiet_hours", "`start` and `end` are equal; give a window such as 21:00 to 08:00");
        }
    }
    if let Some(cap) = &settings.frequency_cap {
        if cap.max == 0 {
            p.bad("settings.frequency_cap.max", "0 would block every message; give at least 1");
        }
        p.positive_duration("settings.frequency_cap.per", &cap.per);
    }
    match &settings.reentry {
        None => {}
        Some(Reentry::Word(word)) if word == "never" || word == "always" => {}
        Some(Reentry::Word(word)) => {
            p.bad("settings.reentry", format!("`{word}` is not a re-entry policy; use \"never\", \"always\" or {{\"after\": \"30d\"}}"));
        }
        Some(Reentry::After { after }) => {
            p.positive_duration("settings.reentry.after", after);
        }
    }
    for (i, event) in settings.exit_on.iter().enumerate() {
        if event.trim().is_empty() {
            p.bad(&format!("settings.exit_on[{i}]"), "empty event name");
        }
    }
    if let Some(goal) = &settings.goal {
        if goal.event.trim().is_empty() {
            p.bad("settings.goal.event", "the goal needs an event name");
        }
        if let Some(within) = &goal.within {
            p.positive_duration("settings.goal.within", within);
        }
    }
    if let Some(zone) = &settings.default_timezone
        && jiff::tz::TimeZone::get(zone).is_err()
    {
        p.bad("settings.default_timezone", format!("`{zone}` is not an IANA time zone (e.g. \"Europe/Paris\", \"UTC\")"));
    }
    for (channel, channel_settings) in &settings.channels {
        if !CHANNELS.contains(&channel.as_str()) {
            p.bad(&format!("settings.channels.{channel}"), format!("`{channel}` is not a channel; use sms, whatsapp or email"));
            continue;
        }
        if let Some(deadline) = &channel_settings.delivery_deadline {
            p.positive_duration(&format!("settings.channels.{channel}.delivery_deadline"), deadline);
        }
    }
}

fn check_node(node: &Node, p: &mut Problems<'_>) {
    if node.id.trim().is_empty() {
        p.bad("id", "a node needs a non-empty `id`");
    }
    match &node.kind {
        NodeKind::Trigger(trigger) => check_trigger(trigger, p),
        NodeKind::Send(send) => check_send(send, p),
        NodeKind::Wait(wait) => check_wait(wait, p),
        NodeKind::WaitFor(wait_for) => check_wait_for(wait_for, p),
        NodeKind::Branch(branch) => check_branch(branch, p),
        NodeKind::Split(split) => check_split(split, p),
        NodeKind::Update(update) => check_update(update, p),
        NodeKind::Webhook(webhook) => check_webhook(webhook, p),
        NodeKind::Exit(_) | NodeKind::Unknown { .. } => {}
    }
}

fn check_trigger(trigger: &Trigger, p: &mut Problems<'_>) {
    if trigger.event.trim().is_empty() {
        p.bad("event", "a trigger needs the `event` that starts the journey");
    }
    if let Some(filter) = &trigger.filter {
        p.condition("filter", filter);
    }
    if let Some(problem) = trigger.key.as_deref().and_then(key_problem) {
        p.bad("key", problem);
    }
}

/// What is wrong with a trigger `key`, if anything: it must be an `event.` field path whose
/// segments are all non-empty (`event.appointment_id`, `event.order.id`), as condition fields are
/// read.
fn key_problem(key: &str) -> Option<String> {
    let example = "e.g. `event.appointment_id`";
    let Some(rest) = key.strip_prefix("event.") else {
        return Some(format!("`{key}` is not an event field; give the field of the event that tells one flow from another ({example})"));
    };
    if rest.is_empty() {
        return Some(format!("`{key}` names no field after `event.` ({example})"));
    }
    if rest.split('.').any(str::is_empty) {
        return Some(format!("`{key}` has an empty part between dots ({example})"));
    }
    None
}

fn check_send(send: &Send, p: &mut Problems<'_>) {
    let known_channel = p.channel("channel", &send.channel);
    let whatsapp = send.channel == "whatsapp";
    match (&send.text, &send.template) {
        (None, None) => p.bad("text", "a send needs `text` (or, on WhatsApp, a `template`)"),
        (Some(_), Some(_)) => p.bad("template", "give either `text` or `template`, not both"),
        (Some(text), None) if text.trim().is_empty() => p.bad("text", "the message text is empty"),
        _ => {}
    }
    if let Some(template) = &send.template {
        if known_channel && !whatsapp {
            p.bad("template", format!("templates are WhatsApp only; on {} use `text`", send.channel));
        }
        if template.name.trim().is_empty() {
            p.bad("template.name", "the template needs its approved `name`");
        }
        if template.language.trim().is_empty() {
            p.bad("template.language", "the template needs a `language`, e.g. \"en\"");
        }
    }
    if let Some(value) = &send.transactional
        && !value.is_boolean()
    {
        p.bad("transactional", format!("must be true or false, not {value}"));
    }
    if send.channel == "email" && send.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
        p.bad("subject", "an email needs a `subject`");
    }
    if !send.buttons.is_empty() && known_channel && !whatsapp {
        p.bad("buttons", format!("quick-reply buttons are WhatsApp only, not {}", send.channel));
    }
    if send.buttons.len() > MAX_BUTTONS {
        p.bad("buttons", format!("{} buttons; WhatsApp allows at most {MAX_BUTTONS}", send.buttons.len()));
    }
    let mut ids = HashSet::new();
    for (i, button) in send.buttons.iter().enumerate() {
        if button.id.trim().is_empty() {
            p.bad(&format!("buttons[{i}].id"), "a button needs an `id`");
        } else if !ids.insert(button.id.as_str()) {
            p.bad(&format!("buttons[{i}].id"), format!("button id `{}` is used twice", button.id));
        }
        let length = button.title.chars().count();
        if button.title.trim().is_empty() {
            p.bad(&format!("buttons[{i}].title"), "a button needs a `title`");
        } else if length > MAX_BUTTON_TITLE {
            p.bad(
                &format!("buttons[{i}].title"),
                format!("\"{}\" is {length} characters; WhatsApp allows at most {MAX_BUTTON_TITLE}", button.title),
            );
        }
    }
}

fn check_wait(wait: &Wait, p: &mut Problems<'_>) {
    let modes = [("for", wait.for_.is_some()), ("until", wait.until.is_some()), ("until_local_time", wait.until_local_time.is_some())];
    let given: Vec<&str> = modes.iter().filter(|(_, on)| *on).map(|(name, _)| *name).collect();
    match given.as_slice() {
        [] => p.bad("for", "a wait needs exactly one of `for`, `until` or `until_local_time`"),
        [_] => {}
        [_, second, ..] => {
            p.bad(second, format!("a wait takes exactly one of `for`, `until` or `until_local_time`, not {}", given.join(" and ")));
        }
    }
    if let Some(text) = &wait.for_
        && let Err(err) = Duration::parse(text)
    {
        p.bad("for", err.to_string());
    }
    if let Some(until) = &wait.until {
        if !is_data_field(&until.field) {
            p.bad("until.field", format!("`{}` must be a `contact.` or `event.` field holding a timestamp", until.field));
        }
        if let Some(offset) = &until.offset
            && let Err(err) = Duration::parse_signed(offset)
        {
            p.bad("until.offset", err.to_string());
        }
    }
    if let Some(time) = &wait.until_local_time {
        p.local_time("until_local_time", time);
    }
}

fn check_wait_for(wait_for: &WaitFor, p: &mut Problems<'_>) {
    match (&wait_for.reply, &wait_for.event) {
        (None, None) => p.bad("reply", "a wait_for needs exactly one of `reply` or `event`"),
        (Some(_), Some(_)) => p.bad("event", "a wait_for takes `reply` or `event`, not both"),
        (Some(reply), None) => {
            p.channel("reply.channel", &reply.channel);
        }
        (None, Some(event)) => {
            if event.trim().is_empty() {
                p.bad("event", "empty event name");
            }
        }
    }
    match &wait_for.timeout {
        None => p.bad("timeout", "a wait_for needs a `timeout` (e.g. \"4h\"): contacts must not wait forever"),
        Some(text) => {
            p.positive_duration("timeout", text);
        }
    }
    let is_reply = wait_for.reply.is_some();
    let whatsapp_reply = wait_for.reply.as_ref().is_some_and(|r| r.channel == "whatsapp");
    let mut ports = HashSet::new();
    for (i, branch) in wait_for.branches.iter().enumerate() {
        let at = |field: &str| format!("branches[{i}].{field}");
        if branch.port.trim().is_empty() {
            p.bad(&at("port"), "a branch needs the `port` it leaves on");
        } else if branch.port == "timeout" {
            p.bad(&at("port"), "`timeout` is the port taken when nothing arrives; name this branch differently");
        } else if !ports.insert(branch.port.as_str()) {
            p.bad(&at("port"), format!("port `{}` is used by two branches", branch.port));
        }
        let keywords = branch.keywords.as_ref();
        let matches_something =
            branch.button.is_some() || keywords.is_some_and(|k| !k.is_empty()) || branch.where_.is_some() || branch.any == Some(true);
        if !matches_something {
            p.bad(&format!("branches[{i}]"), "a branch needs one of `button`, `keywords`, `where` or `any: true`");
        }
        if let Some(button) = &branch.button {
            if button.trim().is_empty() {
                p.bad(&at("button"), "empty button id");
            } else if !is_reply {
                p.bad(&at("button"), "buttons only match replies; this wait_for waits for an event");
            } else if !whatsapp_reply {
                p.bad(&at("button"), "buttons only come with WhatsApp replies");
            }
        }
        if let Some(keywords) = keywords {
            if !is_reply {
                p.bad(&at("keywords"), "keywords only match replies; this wait_for waits for an event");
            } else if keywords.is_empty() {
                p.bad(&at("keywords"), "empty keyword list");
            } else if let Some(k) = keywords.iter().position(|k| k.trim().is_empty()) {
                p.bad(&format!("branches[{i}].keywords[{k}]"), "empty keyword");
            }
        }
        if let Some(condition) = &branch.where_ {
            p.condition(&at("where"), condition);
        }
    }
}

fn check_branch(branch: &Branch, p: &mut Problems<'_>) {
    match &branch.condition {
        None => p.bad("condition", "a branch needs a `condition`"),
        Some(condition) => p.condition("condition", condition),
    }
}

fn check_split(split: &Split, p: &mut Problems<'_>) {
    if split.variants.is_empty() {
        p.bad("variants", "a split needs `variants` with percents summing to 100");
        return;
    }
    let mut ports = HashSet::new();
    let mut total = 0.0;
    let mut percents_ok = true;
    for (i, variant) in split.variants.iter().enumerate() {
        if variant.port.trim().is_empty() {
            p.bad(&format!("variants[{i}].port"), "a variant needs the `port` it leaves on");
        } else if !ports.insert(variant.port.as_str()) {
            p.bad(&format!("variants[{i}].port"), format!("port `{}` is used by two variants", variant.port));
        }
        if !(variant.percent.is_finite() && (0.0..=100.0).contains(&variant.percent)) {
            p.bad(&format!("variants[{i}].percent"), format!("{} is not a percentage between 0 and 100", variant.percent));
            percents_ok = false;
        }
        total += variant.percent;
    }
    if percents_ok && (total - 100.0).abs() > 1e-6 {
        p.bad("variants", format!("percents add up to {total}, not 100"));
    }
}

fn check_update(update: &Update, p: &mut Problems<'_>) {
    if update.set.is_empty() && update.consent.is_empty() {
        p.bad("set", "an update needs `set` or `consent`; this one changes nothing");
    }
    for key in update.set.keys() {
        if key.trim().is_empty() {
            p.bad("set", "empty attribute name");
        }
    }
    for channel in update.consent.keys() {
        if !CHANNELS.contains(&channel.as_str()) {
            p.bad(&format!("consent.{channel}"), format!("unknown channel `{channel}`; use sms, whatsapp or email"));
        }
    }
}

fn check_webhook(webhook: &Webhook, p: &mut Problems<'_>) {
    let url = webhook.url.trim();
    if url.is_empty() {
        p.bad("url", "a webhook needs a `url`");
    } else if !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with("{{")) {
        p.bad("url", format!("`{url}` is not an http(s) URL"));
    }
    if let Some(method) = &webhook.method
        && !METHODS.contains(&method.as_str())
    {
        p.bad("method", format!("unknown method `{method}`; use one of {}", METHODS.join(", ")));
    }
    for name in webhook.headers.keys() {
        if name.trim().is_empty() {
            p.bad("headers", "empty header name");
        }
    }
}
