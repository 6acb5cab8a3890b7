//! A journey compiled once for interpretation: node indices, port → target tables, parsed
//! durations, compiled conditions and templates, parsed quiet hours and settings. The hot path
//! never parses journey strings again.

use std::collections::HashMap;

use itinera_model::journey::{self, NodeKind};
use itinera_model::{Diagnostic, Duration, Journey, Report};
use jiff::tz::TimeZone;

use serde_json::{Map, Value};

use crate::CompileError;
use crate::condition::{Cond, FieldPath, FieldValue, Root};
use crate::state::Contact;
use crate::template::Template;

/// A message channel: the model's (the format names the channels; validation, the scenario
/// format and the engine read the one list).
pub use itinera_model::journey::Channel;

/// A node's output port and the node it leads to.
#[derive(Debug)]
pub struct Port {
    /// Port name.
    pub name: String,
    /// Target node index; `None` when unwired (only optional ports in a valid journey).
    pub target: Option<usize>,
}

/// A compiled node.
#[derive(Debug)]
pub struct CompiledNode {
    /// The node id.
    pub id: String,
    /// The node type as written (`send`, `wait_for`, ...).
    pub type_name: &'static str,
    /// What it does.
    pub op: NodeOp,
    /// Output ports in [`NodeKind::output_ports`] order.
    pub ports: Vec<Port>,
}

/// What a node does, with everything parsed.
#[derive(Debug)]
pub enum NodeOp {
    /// The entry point.
    Trigger {
        /// Event name.
        event: String,
        /// Optional filter.
        filter: Option<Cond>,
    },
    /// A message; ports: 0 `next`, 1 `failed`.
    Send(SendOp),
    /// A pause; port 0 `next`.
    Wait(WaitOp),
    /// Waiting for a reply or event; ports: one per branch (or `next`), then `timeout`.
    WaitFor(WaitForOp),
    /// Ports: 0 `yes`, 1 `no`.
    Branch(Cond),
    /// Ports: one per variant; the cumulative percentages.
    Split(Vec<f64>),
    /// Port 0 `next`.
    Update {
        /// Attributes to set.
        set: Vec<(String, serde_json::Value)>,
        /// Consent changes.
        consent: Vec<(Channel, bool)>,
    },
    /// Ports: 0 `next`, 1 `failed`.
    Webhook(WebhookOp),
    /// No ports.
    Exit,
}

/// A compiled `send`.
#[derive(Debug)]
pub struct SendOp {
    /// Channel.
    pub channel: Channel,
    /// Body (absent for a WhatsApp template).
    pub text: Option<Template>,
    /// Email subject.
    pub subject: Option<Template>,
    /// WhatsApp template: name, language, parameters.
    pub template: Option<(String, String, Vec<Template>)>,
    /// Quick-reply buttons `(id, title)`.
    pub buttons: Vec<(String, String)>,
    /// `transactional: true`: exempt from quiet hours and the frequency cap, not counted toward it.
    pub transactional: bool,
}

/// A compiled `wait`.
#[derive(Debug)]
pub enum WaitOp {
    /// A fixed number of seconds.
    For(i64),
    /// A timestamp field plus an offset in seconds.
    Until(FieldPath, i64),
    /// The next local time (hour, minute) in the contact's zone.
    LocalTime(i8, i8),
}

/// What a `wait_for` listens to.
#[derive(Debug, PartialEq)]
pub enum Listen {
    /// A reply on this channel.
    Reply(Channel),
    /// This event.
    Event(String),
}

/// A compiled `wait_for` branch.
#[derive(Debug, Default)]
pub struct WaitBranchOp {
    /// Button id.
    pub button: Option<String>,
    /// Keywords, each split into lower-case words.
    pub keywords: Vec<Vec<String>>,
    /// Condition on `event.*`.
    pub where_: Option<Cond>,
    /// Matches anything.
    pub any: bool,
}

/// A compiled `wait_for`.
#[derive(Debug)]
pub struct WaitForOp {
    /// Reply or event.
    pub listen: Listen,
    /// Timeout in seconds.
    pub timeout: Option<i64>,
    /// Branches in order (port index = branch index); empty: any match leaves on port 0 `next`.
    pub branches: Vec<WaitBranchOp>,
}

/// A compiled `webhook`.
#[derive(Debug)]
pub struct WebhookOp {
    /// HTTP method.
    pub method: String,
    /// URL (Liquid).
    pub url: Template,
    /// Headers as written.
    pub headers: Vec<(String, String)>,
    /// Body (Liquid).
    pub body: Option<Template>,
}

/// Quiet hours as seconds of the local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// Start (seconds after local midnight).
    pub start: i32,
    /// End (seconds after local midnight).
    pub end: i32,
}

/// Re-entry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reentry {
    /// Once per journey version.
    Never,
    /// Whenever the contact is not inside.
    Always,
    /// Not within this many seconds of the last entry.
    After(i64),
}

/// Compiled journey settings.
#[derive(Debug)]
pub struct CompiledSettings {
    /// Quiet hours.
    pub quiet_hours: Option<QuietHours>,
    /// `(max, per seconds)`.
    pub frequency_cap: Option<(u32, i64)>,
    /// Re-entry policy.
    pub reentry: Reentry,
    /// Events that make a contact leave.
    pub exit_on: Vec<String>,
    /// Goal event and window in seconds.
    pub goal: Option<(String, Option<i64>)>,
    /// Zone for contacts without one.
    pub default_timezone: TimeZone,
    /// Its name.
    pub default_timezone_name: String,
    /// Per channel (in [`Channel`] order), seconds a sent message waits for its delivery result
    /// before it counts as delivered (`channels.<channel>.delivery_deadline`, default 1 minute).
    pub delivery_deadline: [i64; 3],
}

/// A journey ready to interpret.
#[derive(Debug)]
pub struct Program {
    /// The journey id (seeds splits, names idempotency keys).
    pub journey_id: String,
    /// The journey version contacts run on (1 unless set with [`Program::with_version`]): part
    /// of every idempotency key and of every [`crate::ContactState`].
    pub version: u32,
    /// Nodes by index (journey order).
    pub nodes: Vec<CompiledNode>,
    /// Index of the trigger.
    pub trigger: usize,
    /// Settings.
    pub settings: CompiledSettings,
    /// The trigger's `key` (`event.appointment_id`): one enrollment per value of this event
    /// field ([`Program::entry_key`], [`Program::route_event`]); `None` for a keyless journey.
    pub key_field: Option<FieldPath>,
    index: HashMap<String, usize>,
}

/// Which of a contact's enrollments in a journey an event reaches: [`Program::route_event`].
///
/// A contact holds at most one enrollment ([`crate::ContactState`]) per key in a journey
/// version: in a journey without a trigger `key`, just one (keyless); in a keyed journey one per
/// key value, plus a keyless one entered by trigger events that lack the key field. The rule,
/// the same for every driver:
///
/// * The event carries the key field ([`Route::Key`]): only the enrollment with that key
///   receives it. When it is the trigger event and the contact has no enrollment with that key,
///   the driver creates one ([`crate::ContactState::new_keyed`]) and hands it the event.
/// * It does not ([`Route::All`], always so in a keyless journey): every enrollment of the
///   contact in the journey receives it (an `exit_on` or goal event ends them all). When it is
///   the trigger event and the contact has no keyless enrollment, the driver creates one and
///   hands it the event last; a keyed enrollment never treats a keyless trigger event as its
///   trigger (no entry, no `ignored` step).
///
/// Replies and timers are not events: a reply goes to every enrollment of the contact that is
/// inside the journey ([`crate::ContactState::is_inside`]; each takes only what it waits for,
/// one waiting elsewhere records it as `ignored`), and when none is inside to the enrollment
/// entered last, so that its contact changes (STOP/START, the WhatsApp window) always apply —
/// in a keyless journey, that is the contact's one enrollment. A timer and a delivery or webhook
/// result go to the enrollment that asked for it (its idempotency key names it). An enrollment
/// that is still `not_entered` after the trigger event that created it (its filter did not hold)
/// may be dropped by the driver: it holds nothing.
///
/// [`crate::handle`] applies the same rule to the state it is given, so an event handed to an
/// enrollment it does not reach changes nothing. A driver need not hand an event to (nor load)
/// an enrollment that is not inside unless [`Program::moves_outside`] says the event can change
/// one: only the trigger and goal events can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Only the enrollment with this key (created when absent if [`Route::enters`]).
    Key {
        /// The key value ([`Program::entry_key`]).
        key: String,
        /// The event is the trigger event.
        enters: bool,
    },
    /// Every enrollment of the contact (the keyless one created when absent if
    /// [`Route::enters`]).
    All {
        /// The event is the trigger event.
        enters: bool,
    },
}

impl Route {
    /// Whether the enrollment with `key` (`None`: keyless) receives the event.
    pub fn reaches(&self, key: Option<&str>) -> bool {
        match self {
            Route::Key { key: k, .. } => key == Some(k.as_str()),
            Route::All { .. } => true,
        }
    }

    /// The key of the enrollment a trigger event enters (`None`: the keyless one).
    pub fn key(&self) -> Option<&str> {
        match self {
            Route::Key { key, .. } => Some(key),
            Route::All { .. } => None,
        }
    }

    /// Whether the event is the journey's trigger event: the driver then creates the enrollment
    /// with [`Route::key`] when the contact has none, and hands it the event after the others.
    pub fn enters(&self) -> bool {
        match self {
            Route::Key { enters, .. } | Route::All { enters } => *enters,
        }
    }
}

fn duration(node: &str, field: &str, text: Option<&str>) -> Result<i64, CompileError> {
    let text = text.ok_or_else(|| CompileError::node(node, field, "missing duration"))?;
    Duration::parse(text).map(Duration::as_secs).map_err(|e| CompileError::node(node, field, e.to_string()))
}

fn template(node: &str, field: &str, text: &str) -> Result<Template, CompileError> {
    Template::compile(text).map_err(|e| CompileError::node(node, field, format!("Liquid: {e}")))
}

/// Parses `HH:MM` into (hour, minute) as jiff counts them: the format's one reading
/// ([`itinera_model::journey::parse_local_time`]).
pub fn parse_clock_time(text: &str) -> Option<(i8, i8)> {
    itinera_model::journey::parse_local_time(text).map(|(h, m)| (h as i8, m as i8))
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Splits text into lower-case words (letters and digits), as keyword matching sees it.
pub fn reply_words(text: &str) -> Vec<String> {
    words(text)
}

impl Program {
    /// Compiles a journey. Validation should have passed; anything the interpreter cannot run
    /// is still reported here (never a panic), naming the node and field.
    pub fn compile(journey: &Journey) -> Result<Program, CompileError> {
        let index: HashMap<String, usize> = journey.nodes.iter().enumerate().map(|(i, n)| (n.id.clone(), i)).collect();
        let mut edges: HashMap<(&str, &str), usize> = HashMap::new();
        for edge in &journey.edges {
            let to = *index
                .get(&edge.to)
                .ok_or_else(|| CompileError::node(&edge.from, "edges", format!("edge to unknown node `{}`", edge.to)))?;
            edges.insert((edge.from.as_str(), edge.port.as_str()), to);
        }
        let mut nodes = Vec::with_capacity(journey.nodes.len());
        let mut trigger = None;
        let mut key_field = None;
        for (i, node) in journey.nodes.iter().enumerate() {
            let id = node.id.as_str();
            let ports = node
                .kind
                .output_ports()
                .into_iter()
                .map(|(name, _)| {
                    let target = edges.get(&(id, name.as_str())).copied();
                    Port { name, target }
                })
                .collect();
            let op = compile_op(id, &node.kind)?;
            if matches!(op, NodeOp::Trigger { .. }) {
                if trigger.is_some() {
                    return Err(CompileError::node(id, "type", "a second trigger"));
                }
                trigger = Some(i);
                if let NodeKind::Trigger(journey::Trigger { key: Some(key), .. }) = &node.kind {
                    let field = FieldPath::parse(key).map_err(|e| CompileError::node(id, "key", e))?;
                    if field.root != Root::Event {
                        return Err(CompileError::node(id, "key", format!("`{key}` is not an `event.` field")));
                    }
                    key_field = Some(field);
                }
            }
            // Validation rejects unknown types before a journey is compiled.
            let type_name = node.kind.known_type_name().unwrap_or("exit");
            nodes.push(CompiledNode { id: node.id.clone(), type_name, op, ports });
        }
        let trigger = trigger.ok_or(CompileError::NoTrigger)?;
        let settings = compile_settings(&journey.settings)?;
        Ok(Program { journey_id: journey.id.clone(), version: 1, nodes, trigger, settings, key_field, index })
    }

    /// Validates (with the engine's template checks, [`crate::validate`]) and then compiles: what
    /// every driver does before running a journey. Errors refuse with every diagnostic (warnings
    /// included); warnings alone do not. [`crate::Validated::prepare`] is the same for a journey validated already.
    pub fn prepare(journey: &Journey) -> Result<Program, PrepareError> {
        prepare_with(journey, &crate::validate(journey))
    }

    /// The same program, for contacts on this journey version.
    pub fn with_version(mut self, version: u32) -> Program {
        self.version = version;
        self
    }

    /// Whether `key` is [`Program::idempotency_key`] of these parts (without building it);
    /// `entry_key` is the enrollment's key ([`crate::ContactState::key`]), `None` when keyless.
    pub fn is_key(&self, key: &str, contact: &str, entry_key: Option<&str>, entry: u32, node: usize, attempt: u32) -> bool {
        let node = self.nodes.get(node).map_or("", |n| n.id.as_str());
        let mut rest = key.as_bytes();
        let mut eat = |expected: &[u8]| match rest.strip_prefix(expected) {
            Some(r) => {
                rest = r;
                true
            }
            None => false,
        };
        let mut digits = [0u8; 10];
        let mut ok = eat_escaped(&mut eat, &self.journey_id) && eat(b":v") && eat(itoa(self.version, &mut digits).as_bytes()) && eat(b":");
        ok = ok && eat_escaped(&mut eat, contact) && eat(b":");
        if let Some(k) = entry_key {
            ok = ok && eat(b"k=") && eat_escaped(&mut eat, k) && eat(b":");
        }
        ok = ok && eat(itoa(entry, &mut digits).as_bytes()) && eat(b":");
        ok = ok && eat_escaped(&mut eat, node) && eat(b":") && eat(itoa(attempt, &mut digits).as_bytes());
        ok && rest.is_empty()
    }

    /// The idempotency key of the message (or webhook call) the `entry`-th pass of a contact's
    /// enrollment with `entry_key` (`None`: keyless) sends at `node`: see [`idempotency_key`]
    /// and [`keyed_idempotency_key`].
    pub fn idempotency_key(&self, contact: &str, entry_key: Option<&str>, entry: u32, node: usize, attempt: u32) -> String {
        let node = self.nodes.get(node).map_or("", |n| n.id.as_str());
        keyed_idempotency_key(&self.journey_id, self.version, contact, entry_key, entry, node, attempt)
    }

    /// The key value an event's data gives the enrollment it is about, in a journey whose trigger
    /// has a `key` (`event.appointment_id`): the field's string as is, a number's or boolean's
    /// JSON text (`42`, `true`). `None` when the journey has no key, or the field is absent,
    /// `null`, a list or an object.
    pub fn entry_key(&self, data: &Map<String, Value>) -> Option<String> {
        let field = self.key_field.as_ref()?;
        match field.lookup(&Contact::default(), data)? {
            FieldValue::Json(Value::String(s)) => Some(s.clone()),
            FieldValue::Json(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string()),
            FieldValue::Str(s) => Some(s.to_string()),
            FieldValue::Json(_) => None,
        }
    }

    /// Whether the event `name` can change an enrollment that is not inside the journey (finished,
    /// or not entered): only the trigger event (entry, re-entry) and the goal event (a goal after
    /// exiting, within its window) can. For any other event [`crate::handle`] leaves such an
    /// enrollment exactly as it is and emits nothing, so a driver may skip it.
    pub fn moves_outside(&self, name: &str) -> bool {
        name == self.trigger_event() || self.settings.goal.as_ref().is_some_and(|(goal, _)| goal == name)
    }

    /// Which of the contact's enrollments in this journey the event `name` with `data` reaches,
    /// and whether it may create one: see [`Route`].
    pub fn route_event(&self, name: &str, data: &Map<String, Value>) -> Route {
        let enters = name == self.trigger_event();
        match self.entry_key(data) {
            Some(key) => Route::Key { key, enters },
            None => Route::All { enters },
        }
    }

    /// Whether an event with this name can change anything for a contact of this journey: the
    /// trigger's event, an `exit_on` event, the goal, or an event some `wait_for` waits for. A
    /// driver running many journeys hands an event only to the journeys that listen to it (the
    /// interpreter ignores the others without a step anyway).
    pub fn listens_to(&self, name: &str) -> bool {
        self.trigger_event() == name
            || self.settings.exit_on.iter().any(|e| e == name)
            || self.settings.goal.as_ref().is_some_and(|(e, _)| e == name)
            || self.nodes.iter().any(|n| matches!(&n.op, NodeOp::WaitFor(op) if matches!(&op.listen, Listen::Event(e) if e == name)))
    }

    /// The index of the node with this id.
    pub fn node_index(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The node at an index.
    pub fn node(&self, index: usize) -> &CompiledNode {
        &self.nodes[index]
    }

    /// The trigger's event name.
    pub fn trigger_event(&self) -> &str {
        match &self.nodes[self.trigger].op {
            NodeOp::Trigger { event, .. } => event,
            _ => "",
        }
    }
}

/// Refuses `journey` when `report` (its validation report) has errors, else compiles it: the one
/// rule behind [`Program::prepare`] and [`crate::Validated::prepare`].
pub(crate) fn prepare_with(journey: &Journey, report: &Report) -> Result<Program, PrepareError> {
    if report.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(PrepareError::Invalid(report.diagnostics.clone()));
    }
    Ok(Program::compile(journey)?)
}

/// Why [`Program::prepare`] refused a journey.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrepareError {
    /// The journey has validation errors; every diagnostic (warnings too) is included.
    #[error("the journey has {} error(s)", .0.iter().filter(|d| d.is_error()).count())]
    Invalid(Vec<Diagnostic>),
    /// The journey passed validation but cannot be interpreted (names node and field).
    #[error("the journey cannot be interpreted: {0}")]
    Compile(#[from] CompileError),
}

/// The deterministic idempotency key of one send or webhook call of a keyless enrollment:
/// `JOURNEY:vVERSION:CONTACT:ENTRY:NODE:ATTEMPT`, where `%` and `:` inside the journey, contact
/// and node ids are written `%25` and `%3A` (so distinct parts never give the same key). An
/// enrollment with a key adds a segment: see [`keyed_idempotency_key`].
/// The same pass through the same node always gives the same key, so a driver that re-sends
/// after a crash re-sends under the same key, and a result for an earlier entry never matches
/// the message a contact waits for now. `attempt` is 1 for everything the interpreter sends (a
/// valid journey reaches a node at most once per entry).
pub fn idempotency_key(journey: &str, version: u32, contact: &str, entry: u32, node: &str, attempt: u32) -> String {
    keyed_idempotency_key(journey, version, contact, None, entry, node, attempt)
}

/// [`idempotency_key`] of one send or webhook call of the enrollment with `entry_key` (the
/// trigger `key`'s value, see [`Program::entry_key`]): with a key,
/// `JOURNEY:vVERSION:CONTACT:k=KEY:ENTRY:NODE:ATTEMPT` (`KEY` escaped like the ids: `%` → `%25`,
/// `:` → `%3A`); without one (`None`), exactly [`idempotency_key`]. The `k=` segment cannot be
/// mistaken for an entry number, so a keyed and a keyless enrollment never share a key.
pub fn keyed_idempotency_key(
    journey: &str,
    version: u32,
    contact: &str,
    entry_key: Option<&str>,
    entry: u32,
    node: &str,
    attempt: u32,
) -> String {
    fn push_escaped(out: &mut String, part: &str) {
        if !part.contains(['%', ':']) {
            out.push_str(part);
            return;
        }
        for c in part.chars() {
            match c {
                '%' => out.push_str("%25"),
                ':' => out.push_str("%3A"),
                c => out.push(c),
            }
        }
    }
    let mut digits = [0u8; 10];
    let mut key = String::with_capacity(journey.len() + contact.len() + node.len() + entry_key.map_or(0, |k| k.len() + 3) + 40);
    push_escaped(&mut key, journey);
    key.push_str(":v");
    key.push_str(itoa(version, &mut digits));
    key.push(':');
    push_escaped(&mut key, contact);
    key.push(':');
    if let Some(k) = entry_key {
        key.push_str("k=");
        push_escaped(&mut key, k);
        key.push(':');
    }
    key.push_str(itoa(entry, &mut digits));
    key.push(':');
    push_escaped(&mut key, node);
    key.push(':');
    key.push_str(itoa(attempt, &mut digits));
    key
}

/// Consumes `part` as [`idempotency_key`] escapes it: in one piece when it has nothing to escape.
fn eat_escaped(eat: &mut impl FnMut(&[u8]) -> bool, part: &str) -> bool {
    if !part.contains(['%', ':']) {
        return eat(part.as_bytes());
    }
    part.split_inclusive(['%', ':']).all(|piece| match piece.strip_suffix('%') {
        Some(head) => eat(head.as_bytes()) && eat(b"%25"),
        None => match piece.strip_suffix(':') {
            Some(head) => eat(head.as_bytes()) && eat(b"%3A"),
            None => eat(piece.as_bytes()),
        },
    })
}

/// `n` in decimal, written into `buf`.
fn itoa(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("0")
}

fn compile_settings(settings: &journey::Settings) -> Result<CompiledSettings, CompileError> {
    let setting = |field: &str, message: String| CompileError::Settings { field: field.to_string(), message };
    let quiet_hours = match &settings.quiet_hours {
        None => None,
        Some(q) => {
            let start = parse_clock_time(&q.start).ok_or_else(|| setting("quiet_hours.start", format!("`{}` is not HH:MM", q.start)))?;
            let end = parse_clock_time(&q.end).ok_or_else(|| setting("quiet_hours.end", format!("`{}` is not HH:MM", q.end)))?;
            let secs = |(h, m): (i8, i8)| i32::from(h) * 3600 + i32::from(m) * 60;
            Some(QuietHours { start: secs(start), end: secs(end) })
        }
    };
    let frequency_cap = match &settings.frequency_cap {
        None => None,
        Some(cap) => Some((cap.max, Duration::parse(&cap.per).map_err(|e| setting("frequency_cap.per", e.to_string()))?.as_secs())),
    };
    let reentry = match &settings.reentry {
        None => Reentry::Never,
        Some(journey::Reentry::Word(w)) if w == "never" => Reentry::Never,
        Some(journey::Reentry::Word(w)) if w == "always" => Reentry::Always,
        Some(journey::Reentry::Word(w)) => return Err(setting("reentry", format!("`{w}` is not never, always or {{\"after\": ..}}"))),
        Some(journey::Reentry::After { after }) => {
            Reentry::After(Duration::parse(after).map_err(|e| setting("reentry.after", e.to_string()))?.as_secs())
        }
    };
    let goal = match &settings.goal {
        None => None,
        Some(goal) => {
            let within = match &goal.within {
                None => None,
                Some(w) => Some(Duration::parse(w).map_err(|e| setting("goal.within", e.to_string()))?.as_secs()),
            };
            Some((goal.event.clone(), within))
        }
    };
    let default_timezone_name = settings.default_timezone.clone().unwrap_or_else(|| "UTC".to_string());
    let default_timezone = TimeZone::get(&default_timezone_name)
        .map_err(|_| setting("default_timezone", format!("unknown time zone `{default_timezone_name}`")))?;
    let mut delivery_deadline = [60; 3];
    for (name, channel_settings) in &settings.channels {
        let Some(channel) = Channel::parse(name) else {
            return Err(setting(&format!("channels.{name}"), format!("`{name}` is not a channel")));
        };
        if let Some(text) = &channel_settings.delivery_deadline {
            let field = format!("channels.{name}.delivery_deadline");
            let secs = Duration::parse(text).map_err(|e| setting(&field, e.to_string()))?.as_secs();
            if secs <= 0 {
                return Err(setting(&field, "must be longer than zero".to_string()));
            }
            delivery_deadline[channel as usize] = secs;
        }
    }
    Ok(CompiledSettings {
        delivery_deadline,
        quiet_hours,
        frequency_cap,
        reentry,
        exit_on: settings.exit_on.clone(),
        goal,
        default_timezone,
        default_timezone_name,
    })
}

fn channel(node: &str, field: &str, text: &str) -> Result<Channel, CompileError> {
    Channel::parse(text).ok_or_else(|| CompileError::node(node, field, format!("unknown channel `{text}`")))
}

fn condition(node: &str, field: &str, c: &journey::Condition) -> Result<Cond, CompileError> {
    Cond::compile(c).map_err(|e| CompileError::node(node, field, e))
}

fn compile_op(id: &str, kind: &NodeKind) -> Result<NodeOp, CompileError> {
    Ok(match kind {
        NodeKind::Trigger(t) => {
            NodeOp::Trigger { event: t.event.clone(), filter: t.filter.as_ref().map(|f| condition(id, "filter", f)).transpose()? }
        }
        NodeKind::Send(s) => {
            let channel = channel(id, "channel", &s.channel)?;
            let text = s.text.as_deref().map(|t| template(id, "text", t)).transpose()?;
            let subject = s.subject.as_deref().map(|t| template(id, "subject", t)).transpose()?;
            let wa_template = match &s.template {
                None => None,
                Some(t) => Some((
                    t.name.clone(),
                    t.language.clone(),
                    t.params
                        .iter()
                        .enumerate()
                        .map(|(i, p)| template(id, &format!("template.params[{i}]"), p))
                        .collect::<Result<_, _>>()?,
                )),
            };
            if text.is_none() && wa_template.is_none() {
                return Err(CompileError::node(id, "text", "a send needs `text` or `template`"));
            }
            NodeOp::Send(SendOp {
                channel,
                text,
                subject,
                template: wa_template,
                buttons: s.buttons.iter().map(|b| (b.id.clone(), b.title.clone())).collect(),
                transactional: s.is_transactional(),
            })
        }
        NodeKind::Wait(w) => NodeOp::Wait(match (&w.for_, &w.until, &w.until_local_time) {
            (Some(d), None, None) => WaitOp::For(duration(id, "for", Some(d))?),
            (None, Some(u), None) => {
                let field = FieldPath::parse(&u.field).map_err(|e| CompileError::node(id, "until.field", e))?;
                let offset = match &u.offset {
                    None => 0,
                    Some(o) => Duration::parse_signed(o).map_err(|e| CompileError::node(id, "until.offset", e.to_string()))?.as_secs(),
                };
                WaitOp::Until(field, offset)
            }
            (None, None, Some(t)) => {
                let (h, m) =
                    parse_clock_time(t).ok_or_else(|| CompileError::node(id, "until_local_time", format!("`{t}` is not HH:MM")))?;
                WaitOp::LocalTime(h, m)
            }
            _ => return Err(CompileError::node(id, "for", "a wait needs exactly one of for, until, until_local_time")),
        }),
        NodeKind::WaitFor(w) => {
            let listen = match (&w.reply, &w.event) {
                (Some(r), None) => Listen::Reply(channel(id, "reply.channel", &r.channel)?),
                (None, Some(e)) => Listen::Event(e.clone()),
                _ => return Err(CompileError::node(id, "reply", "a wait_for needs exactly one of reply, event")),
            };
            let timeout = w.timeout.as_deref().map(|t| duration(id, "timeout", Some(t))).transpose()?;
            let branches = w
                .branches
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    Ok(WaitBranchOp {
                        button: b.button.clone(),
                        keywords: b.keywords.iter().flatten().map(|k| words(k)).filter(|k| !k.is_empty()).collect(),
                        where_: b.where_.as_ref().map(|c| condition(id, &format!("branches[{i}].where"), c)).transpose()?,
                        any: b.any.unwrap_or(false),
                    })
                })
                .collect::<Result<_, CompileError>>()?;
            NodeOp::WaitFor(WaitForOp { listen, timeout, branches })
        }
        NodeKind::Branch(b) => match &b.condition {
            Some(c) => NodeOp::Branch(condition(id, "condition", c)?),
            None => return Err(CompileError::node(id, "condition", "a branch needs a condition")),
        },
        NodeKind::Split(s) => {
            if s.variants.is_empty() {
                return Err(CompileError::node(id, "variants", "a split needs at least one variant"));
            }
            let mut total = 0.0;
            NodeOp::Split(
                s.variants
                    .iter()
                    .map(|v| {
                        total += v.percent;
                        total
                    })
                    .collect(),
            )
        }
        NodeKind::Update(u) => NodeOp::Update {
            set: u.set.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            consent: u
                .consent
                .iter()
                .map(|(c, granted)| Ok((channel(id, "consent", c)?, *granted)))
                .collect::<Result<_, CompileError>>()?,
        },
        NodeKind::Webhook(w) => NodeOp::Webhook(WebhookOp {
            method: w.method.clone().unwrap_or_else(|| "POST".to_string()),
            url: template(id, "url", &w.url)?,
            headers: w.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            body: w.body.as_deref().map(|b| template(id, "body", b)).transpose()?,
        }),
        NodeKind::Exit(_) => NodeOp::Exit,
        NodeKind::Unknown { type_name, .. } => {
            return Err(CompileError::node(id, "type", format!("unknown node type `{type_name}`")));
        }
    })
}
