//! Liquid templates, parsed once per journey and bounded by construction.
//!
//! Templates see `contact.*` (the attributes plus `contact.id`) and `event.*`. Liquid-rust
//! refuses to render a variable that does not exist; a journey must not stop because one contact
//! lacks a first name, so every `contact.…`/`event.…` path a template mentions is found when it is
//! compiled, and at render time each one that is absent (or `null`) is filled with nil — it
//! renders empty — and reported in [`Rendered::missing`].
//!
//! No template, and no contact data, can crash or stall a render ([`limits`] has the numbers):
//! * **At compile time** ([`Template::compile`]) the source is scanned before Liquid's recursive
//!   parser sees it (`scan.rs`): its size, the block nesting depth, the tags allowed (`if`,
//!   `elsif`, `else`, `unless`, `case`, `when`, `for`, `break`, `continue`, `assign`, `comment`,
//!   `raw`), the filters known. Validation reports these as `invalid_config` ([`check_source`]).
//! * **At render time** ([`Template::render`]) loops never materialise a range and count every
//!   iteration, every filter's input and result are capped, all work is charged to a budget, and
//!   the output is written through a writer that refuses to grow past its cap (`lang.rs`). The
//!   first bound hit ends the render with a [`RenderError`] naming it; the interpreter turns it
//!   into a failed step with reason `template_error`.
//!
//! [`check_source`]: crate::check_source

pub mod dates;
mod lang;
pub mod limits;
mod scan;

use std::io::Write;

use liquid_core::Runtime as _;

use serde_json::{Map, Value};

use crate::condition::{FieldPath, Root};
use crate::state::Contact;
pub use dates::{Locale, RenderContext};
pub use limits::Limits;

/// A compiled Liquid template.
pub struct Template {
    source: String,
    parsed: liquid_core::Template,
    paths: Vec<FieldPath>,
    /// For a template of text and plain `{{ contact.x }}` outputs: the bytes of text and the
    /// output paths (see [`Template::fits`]).
    simple: Option<(usize, Vec<FieldPath>)>,
    limits: Limits,
    warnings: Vec<String>,
}

/// The result of rendering.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    /// The text.
    pub text: String,
    /// Paths the template used that the contact or event lacks (rendered empty).
    pub missing: Vec<String>,
    /// Values a filter could not read and left as written (a `date` given text that is not a
    /// timestamp, ...), one sentence each.
    pub problems: Vec<String>,
}

/// Why a render stopped. Each message is one sentence naming the bound (or Liquid's complaint).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// One loop would run over too many items.
    #[error("a loop would run over {items} items, more than the {max} allowed")]
    LoopTooLong {
        /// Items the loop would run over.
        items: u128,
        /// The bound.
        max: u64,
    },
    /// All loops together ran too many times.
    #[error("the loops ran more than {max} times in one render")]
    TooManyIterations {
        /// The bound.
        max: u64,
    },
    /// The render did too much work.
    #[error("the template does too much work (more than {max} units in one render)")]
    TooMuchWork {
        /// The bound.
        max: u64,
    },
    /// A filter received or built a value that is too large.
    #[error("a value would grow past {max} bytes")]
    ValueTooLarge {
        /// The bound, in bytes.
        max: usize,
    },
    /// The output grew too large.
    #[error("the rendered text would be longer than {max} bytes")]
    OutputTooLarge {
        /// The bound, in bytes.
        max: usize,
    },
    /// The rendered message is longer than its channel takes.
    #[error("the {part} would be longer than the {max} {unit} the channel takes")]
    TooLongForChannel {
        /// What was rendered: `SMS text`, `email subject`, ...
        part: &'static str,
        /// The channel's limit.
        max: usize,
        /// `characters` or `bytes`.
        unit: &'static str,
    },
    /// Liquid could not render the template with this data (a filter given text for a number, ...).
    #[error("Liquid could not render it: {0}")]
    Liquid(String),
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template").field("source", &self.source).finish_non_exhaustive()
    }
}

/// A writer that refuses to grow past `max` bytes.
struct Capped {
    out: Vec<u8>,
    max: usize,
    overflowed: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.max {
            self.overflowed = true;
            return Err(std::io::Error::other("output too large"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The most bytes a scalar JSON value renders as, or `None` for anything else.
fn rendered_bound(value: &Value) -> Option<usize> {
    match value {
        Value::Null => Some(0),
        Value::Bool(_) => Some(5),
        Value::String(s) => Some(s.len()),
        Value::Number(n) if n.is_f64() => Some(400),
        Value::Number(_) => Some(20),
        Value::Array(_) | Value::Object(_) => None,
    }
}

impl Template {
    /// Parses a template within [`Limits::DEFAULT`]; the error is one sentence (ours for a bound
    /// or a forbidden tag or filter, else Liquid's message).
    pub fn compile(source: &str) -> Result<Template, String> {
        Template::compile_with(source, Limits::DEFAULT)
    }

    /// Parses a template within `limits`.
    pub fn compile_with(source: &str, limits: Limits) -> Result<Template, String> {
        let scanned = scan::scan(source, &limits)?;
        let (parsed, mut warnings) = lang::parse(source, &scanned.for_weights).map_err(|e| first_line(&e.to_string()))?;
        for warning in literal_date_inputs(source) {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        let simple = scanned.simple.and_then(|(text, outputs)| {
            let paths: Result<Vec<FieldPath>, String> = outputs.iter().map(|p| FieldPath::parse(p)).collect();
            paths.ok().map(|paths| (text, paths))
        });
        Ok(Template { source: source.to_string(), parsed, paths: referenced_paths(source), simple, limits, warnings })
    }

    /// Whether the template may write a date (`date` or `time_zone` appear in it): only then
    /// does a render need a [`RenderContext`] other than the default.
    pub fn uses_dates(&self) -> bool {
        self.source.contains("date") || self.source.contains("time_zone")
    }

    /// What can be seen to go wrong without rendering, one sentence each: a literal date pattern
    /// with an unknown `%` directive, an unknown literal zone, a literal value `date` cannot
    /// read. Such a template renders (the value is shown as written), so these are warnings.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Every `contact.*` / `event.*` path the template names, once each, in order of first
    /// appearance (a path inside a string literal included): what a render may find missing.
    pub fn referenced_paths(&self) -> &[crate::condition::FieldPath] {
        &self.paths
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether rendering for this contact and event certainly succeeds with at most `max_bytes`
    /// of output, known without rendering. Only the simplest templates (text and plain
    /// `{{ contact.x }}` / `{{ event.y }}` outputs) can be answered `true`; the interpreter uses
    /// it to skip rendering what nobody reads. `false` means "render to know".
    pub fn fits(&self, contact: &Contact, event: &Map<String, Value>, max_bytes: usize) -> bool {
        let Some((text, paths)) = &self.simple else {
            return false;
        };
        let mut total = *text;
        for path in paths {
            let is_id = path.root == Root::Contact && path.segments.first().is_some_and(|s| s == "id");
            let bound = if is_id {
                // `contact.id` is the id (a string), whatever the attributes say.
                if path.segments.len() > 1 {
                    return false;
                }
                Some(contact.id.len())
            } else {
                let (first, rest) = match path.segments.split_first() {
                    Some(split) => split,
                    None => return false,
                };
                let root = match path.root {
                    Root::Contact => &contact.attributes,
                    Root::Event => event,
                };
                let mut value = root.get(first);
                for segment in rest {
                    value = match value {
                        None | Some(Value::Null) => None,
                        Some(Value::Object(map)) => map.get(segment),
                        Some(_) => return false,
                    };
                }
                match value {
                    None => Some(0),
                    Some(v) => rendered_bound(v),
                }
            };
            match bound {
                Some(bytes) => total = total.saturating_add(bytes),
                None => return false,
            }
        }
        total <= max_bytes.min(self.limits.max_output_bytes)
    }

    /// Renders for this contact and event, within the template's limits, with dates in the
    /// contact's zone (else UTC) and locale and no `now` ([`RenderContext::for_contact`]).
    pub fn render(&self, contact: &Contact, event: &Map<String, Value>) -> Result<Rendered, RenderError> {
        self.render_capped(contact, event, self.limits.max_output_bytes)
    }

    /// [`Template::render`] with the output capped at `max_bytes` (and at most the template's limit).
    pub fn render_capped(&self, contact: &Contact, event: &Map<String, Value>, max_bytes: usize) -> Result<Rendered, RenderError> {
        let context = RenderContext::for_contact(contact, &jiff::tz::TimeZone::UTC, None);
        self.render_in(contact, event, &context, max_bytes)
    }

    /// Renders with dates written as `context` says (the interpreter passes the contact's zone,
    /// else the journey's default, and the step's time), the output capped at `max_bytes`.
    pub fn render_in(
        &self,
        contact: &Contact,
        event: &Map<String, Value>,
        context: &RenderContext,
        max_bytes: usize,
    ) -> Result<Rendered, RenderError> {
        let mut missing = Vec::new();
        let mut contact_data = contact.attributes.clone();
        contact_data.insert("id".into(), Value::String(contact.id.clone()));
        let mut event_data = event.clone();
        for path in &self.paths {
            if path.lookup(contact, event).is_some() {
                continue;
            }
            if !missing.contains(&path.text) {
                missing.push(path.text.clone());
            }
            let root = match path.root {
                Root::Contact => &mut contact_data,
                Root::Event => &mut event_data,
            };
            fill_nil(root, &path.segments);
        }
        let mut globals = liquid_core::Object::new();
        globals.insert("contact".into(), to_liquid_map(&contact_data));
        globals.insert("event".into(), to_liquid_map(&event_data));
        let max = max_bytes.min(self.limits.max_output_bytes);
        let mut out = Capped { out: Vec::with_capacity(self.source.len().min(max)), max, overflowed: false };
        let runtime = liquid_core::runtime::RuntimeBuilder::new().set_globals(&globals).build();
        {
            let mut meter = runtime.registers().get_mut::<lang::Meter>();
            meter.limits = Some(self.limits);
            meter.dates = context.clone();
        }
        let result = liquid_core::Renderable::render_to(&self.parsed, &mut out, &runtime);
        let tripped = runtime.registers().get_mut::<lang::Meter>().tripped.take();
        let problems = std::mem::take(&mut runtime.registers().get_mut::<lang::Meter>().problems);
        if let Some(bound) = tripped {
            return Err(bound);
        }
        if out.overflowed {
            return Err(RenderError::OutputTooLarge { max });
        }
        if let Err(err) = result {
            return Err(RenderError::Liquid(first_line(&err.to_string())));
        }
        // Liquid writes only UTF-8; a lossy conversion keeps that a non-issue if it ever did not.
        let text = match String::from_utf8(out.out) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        };
        Ok(Rendered { text, missing, problems })
    }
}

/// `{{ 'text' | date: … }}` / `| time_zone: …` outputs whose literal value `date` cannot read.
fn literal_date_inputs(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("{{") {
        rest = &rest[at + 2..];
        let inner = rest.trim_start_matches('-').trim_start();
        let Some(quote) = inner.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let Some(close) = inner[1..].find(quote) else {
            continue;
        };
        let value = &inner[1..=close];
        let after = inner[close + 2..].trim_start();
        let Some(filter) = after.strip_prefix('|').map(str::trim_start) else {
            continue;
        };
        let name: String = filter.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if (name == "date" || name == "time_zone")
            && let Err(why) = dates::read(value, &jiff::tz::TimeZone::UTC, Some(jiff::Timestamp::UNIX_EPOCH))
        {
            found.push(format!("`{name}`: {why}"));
        }
    }
    found
}

/// JSON as Liquid sees it. Every JSON value converts (an integer beyond i64, which Liquid's own
/// conversion refuses, becomes a float), so no contact data can make a render fail before it starts.
fn to_liquid(value: &Value) -> liquid_core::Value {
    use liquid_core::Value as L;
    match value {
        Value::Null => L::Nil,
        Value::Bool(b) => L::scalar(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => L::scalar(i),
            None => L::scalar(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => L::scalar(s.clone()),
        Value::Array(items) => L::Array(items.iter().map(to_liquid).collect()),
        Value::Object(map) => to_liquid_map(map),
    }
}

fn to_liquid_map(map: &Map<String, Value>) -> liquid_core::Value {
    liquid_core::Value::Object(map.iter().map(|(k, v)| (k.clone().into(), to_liquid(v))).collect())
}

/// Liquid's error, flattened to one line, without its `available ...` lists (long, and in hash
/// order: the same render must always give the same sentence).
fn first_line(message: &str) -> String {
    let kept: Vec<&str> = message.lines().filter(|line| !line.trim_start().starts_with("available")).collect();
    let flat = kept.join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
    flat.strip_prefix("liquid: ").map(str::to_string).unwrap_or(flat)
}

/// Inserts `null` at `segments` (creating objects on the way) unless a non-object is in the way.
fn fill_nil(root: &mut Map<String, Value>, segments: &[String]) {
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut map = root;
    for segment in parents {
        let entry = map.entry(segment.clone()).or_insert_with(|| Value::Object(Map::new()));
        if entry.is_null() {
            *entry = Value::Object(Map::new());
        }
        match entry {
            Value::Object(inner) => map = inner,
            _ => return,
        }
    }
    map.entry(last.clone()).or_insert(Value::Null);
}

/// Every `contact.a.b` / `event.x` path written in the template (outside string quotes is not
/// distinguished: a path inside a string literal is merely checked too).
fn referenced_paths(source: &str) -> Vec<FieldPath> {
    let bytes = source.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut paths: Vec<FieldPath> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Paths are ASCII; only a char boundary can start one (the text may hold any UTF-8).
        let Some(rest) = source.get(i..) else {
            i += 1;
            continue;
        };
        // `a.contact.x` is not a path; `(1..contact.x)` is.
        let after_range = i >= 2 && &bytes[i - 2..i] == b"..";
        let starts_word = i == 0 || !(ident(bytes[i - 1]) || (bytes[i - 1] == b'.' && !after_range));
        let root_len = if rest.starts_with("contact.") {
            8
        } else if rest.starts_with("event.") {
            6
        } else {
            0
        };
        if starts_word && root_len > 0 {
            let mut end = i + root_len;
            while end < bytes.len() && (ident(bytes[end]) || (bytes[end] == b'.' && end + 1 < bytes.len() && ident(bytes[end + 1]))) {
                end += 1;
            }
            if let Ok(path) = FieldPath::parse(&source[i..end])
                && !paths.iter().any(|p| p.text == path.text)
            {
                paths.push(path);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ana() -> Contact {
        Contact {
            id: "ana".into(),
            timezone: None,
            attributes: json!({"first_name": "Ana", "n": 5, "k": 1000, "huge": 9_223_372_036_854_775_807i64, "items": ["a", "b", "c"]})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            addresses: Default::default(),
            consent: Default::default(),
            last_whatsapp_inbound: None,
        }
    }

    fn render(source: &str) -> Result<String, RenderError> {
        let t = Template::compile(source).map_err(RenderError::Liquid)?;
        t.render(&ana(), &Map::new()).map(|r| r.text)
    }

    #[test]
    fn renders_contact_and_event_fields() {
        let t = Template::compile("Hi {{ contact.first_name }} ({{ contact.id }}), in {{ event.city | upcase }}").expect("parses");
        let event = json!({"city": "Porto"});
        let out = t.render(&ana(), event.as_object().expect("object")).expect("renders");
        assert_eq!(out.text, "Hi Ana (ana), in PORTO");
        assert!(out.missing.is_empty());
    }

    #[test]
    fn a_loop_over_an_object_takes_its_keys_in_order_every_time() {
        // Liquid's objects are hash maps, whose order differs from one map to the next.
        for _ in 0..20 {
            assert_eq!(render("{% for pair in contact %}{{ pair[0] }};{% endfor %}").unwrap(), "first_name;huge;id;items;k;n;");
        }
    }

    #[test]
    fn missing_variables_render_empty_and_are_reported() {
        let t = Template::compile("Hi {{ contact.last_name }}{{ event.place.name }}!{% if contact.vip %} VIP{% endif %}").expect("parses");
        let out = t.render(&ana(), &Map::new()).expect("renders");
        assert_eq!(out.text, "Hi !");
        assert_eq!(out.missing, vec!["contact.last_name", "event.place.name", "contact.vip"]);
    }

    #[test]
    fn any_unicode_text_is_scanned_safely() {
        let t = Template::compile("Live 🎉 {{ contact.first_name }} é{{ event.x }}🎉").expect("parses");
        let out = t.render(&ana(), &Map::new()).expect("renders");
        assert_eq!(out.text, "Live 🎉 Ana é🎉");
        assert_eq!(out.missing, vec!["event.x"]);
    }

    #[test]
    fn any_json_number_renders() {
        let t = Template::compile("{{ contact.first_name }}").expect("parses");
        let mut c = ana();
        c.attributes.insert("big".into(), json!(18_446_744_073_709_551_615u64));
        assert_eq!(t.render(&c, &Map::new()).map(|r| r.text).as_deref(), Ok("Ana"));
        let t = Template::compile("{{ contact.big | plus: 1 }}").expect("parses");
        assert_eq!(t.render(&c, &Map::new()).map(|r| r.text).as_deref(), Ok("18446744073709552000"));
    }

    #[test]
    fn liquid_errors_are_one_stable_sentence() {
        let t = Template::compile("{{ contact.items.x.y }}").expect("parses");
        let err = t.render(&ana(), &Map::new()).expect_err("an array has no x");
        assert!(matches!(&err, RenderError::Liquid(m) if !m.contains('\n') && !m.contains("available")), "{err}");
        // A range bound that is missing is filled like any other path: nil, not a whole number.
        let t = Template::compile("{% for i in (1..contact.nope) %}x{% endfor %}").expect("parses");
        assert_eq!(
            t.render(&ana(), &Map::new()).map(|r| r.missing),
            Err(RenderError::Liquid("the loop's end must be a whole number, not ``".into()))
        );
    }

    #[test]
    fn bad_syntax_is_an_error() {
        assert!(Template::compile("Hi {{ contact.first_name").is_err());
    }

    #[test]
    fn ordinary_loops_and_filters_keep_liquid_semantics() {
        assert_eq!(render("{% for i in (1..3) %}{{ i }}{% unless forloop.last %},{% endunless %}{% endfor %}").as_deref(), Ok("1,2,3"));
        assert_eq!(render("{% for i in (1..contact.n) reversed %}{{ i }}{% endfor %}").as_deref(), Ok("54321"));
        assert_eq!(render("{% for i in (1..10) offset: 2 limit: 3 %}{{ i }}{% endfor %}").as_deref(), Ok("345"));
        assert_eq!(render("{% for x in contact.items %}{{ forloop.index }}{{ x }}{% endfor %}").as_deref(), Ok("1a2b3c"));
        assert_eq!(render("{% for x in contact.none %}x{% else %}empty{% endfor %}").as_deref(), Ok("empty"));
        assert_eq!(render("{% for i in (5..1) %}x{% else %}none{% endfor %}").as_deref(), Ok("none"));
        assert_eq!(
            render("{% for i in (1..9) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}")
                .as_deref(),
            Ok("13")
        );
        assert_eq!(
            render("{% for a in (1..2) %}{% for b in (1..2) %}{{ forloop.parentloop.index }}{{ b }} {% endfor %}{% endfor %}").as_deref(),
            Ok("11 12 21 22 ")
        );
        assert_eq!(
            render("{% assign s = 'a,b' | split: ',' %}{{ s | join: '-' }} {{ 'ab' | replace: 'a', 'x' }}").as_deref(),
            Ok("a-b xb")
        );
        assert_eq!(
            render("{{ 7 | plus: 2 }} {{ 7 | minus: 9 }} {{ 6 | times: 7 }} {{ 7 | divided_by: 2 }} {{ 7 | modulo: 3 }} {{ -4 | abs }}")
                .as_deref(),
            Ok("9 -2 42 3 1 4")
        );
        assert_eq!(render("{{ 'hello' | slice: 1, 3 }} {{ 'hello' | slice: -2 }}").as_deref(), Ok("ell l"));
        assert_eq!(render("{% case contact.first_name %}{% when 'Ana' %}hi Ana{% else %}hi{% endcase %}").as_deref(), Ok("hi Ana"));
    }

    #[test]
    fn hostile_loops_end_in_a_clear_error() {
        // Ranges written with numbers are refused when the template is compiled.
        for literal in [
            "{% for i in (1..100000000) %}x{% endfor %}",
            "{% for i in (1..9223372036854775807) %}x{% endfor %}",
            "{% for i in (-9223372036854775807..9223372036854775807) %}x{% endfor %}",
            "{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}",
        ] {
            let error = Template::compile(literal).expect_err(literal);
            assert!(error.contains("more than the"), "{literal}: {error}");
        }
        // Bounds from contact data.
        assert_eq!(
            render("{% for i in (1..contact.huge) %}x{% endfor %}"),
            Err(RenderError::LoopTooLong { items: 9_223_372_036_854_775_807, max: 1_000 })
        );
        assert_eq!(render("{% for i in (contact.huge..contact.huge) %}{{ i }}{% endfor %}").as_deref(), Ok("9223372036854775807"));
        assert!(matches!(render("{% for i in (1..contact.first_name) %}x{% endfor %}"), Err(RenderError::Liquid(_))));
        // Nested loops from data: each is short, together they are not.
        let nested =
            "{% for a in (1..contact.k) %}{% for b in (1..contact.k) %}{% for c in (1..contact.k) %}{% endfor %}{% endfor %}{% endfor %}";
        assert_eq!(render(nested), Err(RenderError::TooManyIterations { max: 10_000 }));
        let started = std::time::Instant::now();
        let wide =
            format!("{{% for a in (1..1000) %}}{{% for b in (1..9) %}}{}{{% endfor %}}{{% endfor %}}", "{{ contact.x }}".repeat(10_000));
        assert_eq!(render(&wide), Err(RenderError::TooMuchWork { max: limits::MAX_WORK }));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn values_that_double_are_stopped() {
        let doubling = "{% assign s = \"x\" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}";
        assert_eq!(render(doubling), Err(RenderError::ValueTooLarge { max: 65_536 }));
        let unrolled = format!("{{% assign s = \"x\" %}}{}{{{{ s }}}}", "{% assign s = s | append: s %}".repeat(60));
        assert_eq!(render(&unrolled), Err(RenderError::ValueTooLarge { max: 65_536 }));
        let chained =
            format!("{{% assign s = 'x' %}}{}{{{{ s {} }}}}", "{% assign s = s | append: s %}".repeat(15), "| append: s ".repeat(5_000));
        assert_eq!(render(&chained), Err(RenderError::ValueTooLarge { max: 65_536 }));
        let product = "{% assign s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | append: 'y' %}{% for i in (1..9) %}{% assign s = s | append: s %}{% endfor %}{{ s | replace: '', s }}";
        assert_eq!(render(product), Err(RenderError::ValueTooLarge { max: 65_536 }));
        let joined = "{% assign s = 'x' %}{% for i in (1..15) %}{% assign s = s | append: s %}{% endfor %}{% assign a = s | split: '' %}{{ a | join: s }}";
        assert_eq!(render(joined), Err(RenderError::ValueTooLarge { max: 65_536 }));
    }

    #[test]
    fn output_is_capped() {
        let big = "{% assign s = 'x' %}{% for i in (1..16) %}{% assign s = s | append: s %}{% endfor %}{% for i in (1..100) %}{{ s }}{% endfor %}";
        assert_eq!(render(big), Err(RenderError::OutputTooLarge { max: limits::MAX_OUTPUT_BYTES }));
        let t = Template::compile("{{ contact.first_name }}{{ contact.first_name }}").expect("parses");
        assert_eq!(t.render_capped(&ana(), &Map::new(), 5), Err(RenderError::OutputTooLarge { max: 5 }));
        assert_eq!(t.render_capped(&ana(), &Map::new(), 6).map(|r| r.text).as_deref(), Ok("AnaAna"));
    }

    #[test]
    fn numbers_never_overflow() {
        assert_eq!(render("{{ contact.huge | plus: 1 }}").as_deref(), Ok("9223372036854776000"));
        assert_eq!(render("{{ -9223372036854775807 | minus: 10 | divided_by: -1 }}").as_deref(), Ok("9223372036854776000"));
        assert_eq!(render("{{ -9223372036854775807 | minus: 1 | modulo: -1 }}").as_deref(), Ok("-0"));
        assert_eq!(
            render("{{ 'abc' | slice: 9223372036854775807, 9223372036854775807 }}{{ 'abc' | slice: -9223372036854775807 }}").as_deref(),
            Ok("")
        );
        assert!(matches!(render("{{ 1 | divided_by: 0 }}"), Err(RenderError::Liquid(m)) if m.contains("by zero")));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{}x{}", "{% if true %}".repeat(1_200), "{% endif %}".repeat(1_200));
        let err = Template::compile(&deep).expect_err("too deep");
        assert_eq!(err, "blocks are nested more than 16 deep (at `{% if %}`)");
        let ok = format!("{}x{}", "{% if true %}".repeat(16), "{% endif %}".repeat(16));
        assert_eq!(Template::compile(&ok).map(|t| t.render(&ana(), &Map::new()).map(|r| r.text)), Ok(Ok("x".to_string())));
    }

    fn in_zone(source: &str, zone: &str, locale: Option<&str>, event: Value) -> Rendered {
        let t = Template::compile(source).expect("parses");
        let mut c = ana();
        c.timezone = Some(zone.to_string());
        if let Some(l) = locale {
            c.attributes.insert("locale".into(), json!(l));
        }
        let context = RenderContext::for_contact(&c, &jiff::tz::TimeZone::UTC, None);
        t.render_in(&c, event.as_object().expect("object"), &context, limits::MAX_OUTPUT_BYTES).expect("renders")
    }

    #[test]
    fn dates_in_the_contacts_zone_and_language() {
        let source = "{{ event.starts_at | date: \"%A %-d %B at %H:%M\" }}";
        let event = json!({"starts_at": "2026-03-04T15:00:00Z"});
        assert_eq!(in_zone(source, "Europe/Lisbon", None, event.clone()).text, "Wednesday 4 March at 15:00");
        assert_eq!(in_zone(source, "America/New_York", None, event.clone()).text, "Wednesday 4 March at 10:00");
        assert_eq!(in_zone(source, "Asia/Tokyo", Some("pt-PT"), event.clone()).text, "quinta-feira 5 março at 00:00");
        assert_eq!(in_zone(source, "Europe/Madrid", Some("es_ES"), event.clone()).text, "miércoles 4 marzo at 16:00");
        // An unknown zone of the contact's falls back to the default (here UTC).
        assert_eq!(in_zone(source, "Nowhere/Special", Some("xx"), event.clone()).text, "Wednesday 4 March at 15:00");
        // `time_zone` forces a zone, whatever the contact's; alone it writes RFC 9557.
        let forced =
            "{{ event.starts_at | time_zone: 'Europe/Paris' | date: '%H:%M %Z' }} {{ event.starts_at | time_zone: 'Europe/Paris' }}";
        assert_eq!(in_zone(forced, "Asia/Tokyo", None, event.clone()).text, "16:00 CET 2026-03-04T16:00:00+01:00[Europe/Paris]");
        // Liquid's stdlib `date` is gone: no silent empty string for a pattern it did not know.
        let r = in_zone("{{ event.starts_at | date: '%-d/%m' }} {{ event.nope | date: '%H' }}|", "UTC", None, event);
        assert_eq!((r.text.as_str(), r.missing.as_slice(), r.problems.is_empty()), ("4/03 |", &["event.nope".to_string()][..], true));
    }

    #[test]
    fn unreadable_dates_are_shown_as_written_and_reported() {
        let event = json!({"starts_at": "next Tuesday", "n": 1_772_636_400});
        let r = in_zone("At {{ event.starts_at | date: '%H:%M' }}, {{ event.n | date: '%H:%M' }}", "UTC", None, event.clone());
        assert_eq!(r.text, "At next Tuesday, 15:00");
        assert_eq!(r.problems, vec!["`next Tuesday` is not a timestamp (RFC 3339, like 2026-03-04T15:00:00Z): shown as written"]);
        let r = in_zone(
            "{{ 'now' | date: '%H' }}{{ event.n | date: contact.first_name }}{{ event.n | time_zone: 'Mars/Base' }}",
            "UTC",
            None,
            event,
        );
        assert_eq!(r.text, "nowAna1772636400");
        assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
        assert!(r.problems[0].starts_with("`now` has no time here"), "{:?}", r.problems);
        assert!(r.problems[1].starts_with("`Mars/Base` is not a time zone"), "{:?}", r.problems);
        // `now` is the step's time when the render has one.
        let t = Template::compile("{{ 'now' | date: '%H:%M' }}").expect("parses");
        let now = Some("2026-03-02T09:00:00Z".parse().expect("time"));
        let context = RenderContext { zone: jiff::tz::TimeZone::get("Asia/Tokyo").expect("zone"), now, ..RenderContext::default() };
        assert_eq!(t.render_in(&ana(), &Map::new(), &context, 100).map(|r| r.text).as_deref(), Ok("18:00"));
    }

    #[test]
    fn literal_patterns_zones_and_values_are_checked_when_compiled() {
        let warnings = |source: &str| Template::compile(source).expect("parses").warnings().to_vec();
        assert_eq!(warnings("{{ event.at | date: '%A %-d %B' }} {{ event.at | time_zone: 'Europe/Paris' }}"), Vec::<String>::new());
        let w = warnings("{{ event.at | date: '%H:%M %K' }}");
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("`date`: `%H:%M %K` is not a date pattern"), "{w:?}");
        let w = warnings("{{ event.at | time_zone: 'Europe/Pariss' | date: '%H' }}");
        assert_eq!(w, vec!["`time_zone`: `Europe/Pariss` is not a time zone (an IANA name like Europe/Paris)"]);
        let w = warnings("{{ 'tomorrow' | date: '%H' }}{{ \"2026-03-04T15:00:00Z\" | date: '%H' }}");
        assert_eq!(w, vec!["`date`: `tomorrow` is not a timestamp (RFC 3339, like 2026-03-04T15:00:00Z)"]);
        // A pattern from data cannot be checked before rendering; it is not a warning.
        assert!(warnings("{{ event.at | date: contact.fmt }}").is_empty());
        assert!(Template::compile("{{ event.at | date }}").is_err(), "a pattern is required");
    }

    #[test]
    fn simple_templates_are_sized_without_rendering() {
        let t = Template::compile("Hi {{ contact.first_name }} {{ contact.id }}").expect("parses");
        assert!(t.fits(&ana(), &Map::new(), 10));
        assert!(!t.fits(&ana(), &Map::new(), 9));
        assert!(!Template::compile("Hi {{ contact.items }}").expect("parses").fits(&ana(), &Map::new(), 100));
        assert!(!Template::compile("Hi {{ contact.first_name.x }}").expect("parses").fits(&ana(), &Map::new(), 100));
        assert!(Template::compile("Hi {{ contact.nobody.x }}").expect("parses").fits(&ana(), &Map::new(), 3));
        assert!(!Template::compile("Hi {{ contact.id.x }}").expect("parses").fits(&ana(), &Map::new(), 100));
    }
}
