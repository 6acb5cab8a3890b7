//! Liquid templates, parsed once per journey.
//!
//! Templates see `contact.*` (the attributes plus `contact.id`) and `event.*`. Liquid-rust
//! refuses to render a variable that does not exist; a journey must not stop because one contact
//! lacks a first name, so every `contact.…`/`event.…` path a template mentions is found when it is
//! compiled, and at render time each one that is absent (or `null`) is filled with nil — it
//! renders empty — and reported in [`Rendered::missing`].

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::condition::{FieldPath, Root};
use crate::state::Contact;

/// A compiled Liquid template.
pub struct Template {
    source: String,
    parsed: liquid::Template,
    paths: Vec<FieldPath>,
}

/// The result of rendering.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    /// The text.
    pub text: String,
    /// Paths the template used that the contact or event lacks (rendered empty).
    pub missing: Vec<String>,
}

fn parser() -> Result<&'static liquid::Parser, String> {
    static PARSER: OnceLock<Result<liquid::Parser, String>> = OnceLock::new();
    PARSER.get_or_init(|| liquid::ParserBuilder::with_stdlib().build().map_err(|e| e.to_string())).as_ref().map_err(Clone::clone)
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template").field("source", &self.source).finish_non_exhaustive()
    }
}

impl Template {
    /// Parses a template; the error is Liquid's message.
    pub fn compile(source: &str) -> Result<Template, String> {
        let parsed = parser()?.parse(source).map_err(|e| e.to_string().trim().to_string())?;
        Ok(Template { source: source.to_string(), parsed, paths: referenced_paths(source) })
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders for this contact and event data.
    pub fn render(&self, contact: &Contact, event: &Map<String, Value>) -> Rendered {
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
        let mut globals = Map::new();
        globals.insert("contact".into(), Value::Object(contact_data));
        globals.insert("event".into(), Value::Object(event_data));
        let text = match liquid::to_object(&Value::Object(globals)) {
            Ok(object) => match self.parsed.render(&object) {
                Ok(text) => text,
                Err(err) => format!("{} [render error: {}]", self.source, err.to_string().trim()),
            },
            Err(err) => format!("{} [render error: {}]", self.source, err.to_string().trim()),
        };
        Rendered { text, missing }
    }
}

/// Inserts `null` at `segments` (creating objects on the way) unless a non-object is in the way.
fn fill_nil(root: &mut Map<String, Value>, segments: &[String]) {
    let Some((last, parents)) = segments.split_last() else { return };
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
        let starts_word = i == 0 || !(ident(bytes[i - 1]) || bytes[i - 1] == b'.');
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
            attributes: json!({"first_name": "Ana"}).as_object().cloned().unwrap_or_default(),
            addresses: Default::default(),
            consent: Default::default(),
        }
    }

    #[test]
    fn renders_contact_and_event_fields() {
        let t = Template::compile("Hi {{ contact.first_name }} ({{ contact.id }}), in {{ event.city | upcase }}").expect("parses");
        let event = json!({"city": "Porto"});
        let out = t.render(&ana(), event.as_object().expect("object"));
        assert_eq!(out.text, "Hi Ana (ana), in PORTO");
        assert!(out.missing.is_empty());
    }

    #[test]
    fn missing_variables_render_empty_and_are_reported() {
        let t = Template::compile("Hi {{ contact.last_name }}{{ event.place.name }}!{% if contact.vip %} VIP{% endif %}").expect("parses");
        let out = t.render(&ana(), &Map::new());
        assert_eq!(out.text, "Hi !");
        assert_eq!(out.missing, vec!["contact.last_name", "event.place.name", "contact.vip"]);
    }

    #[test]
    fn any_unicode_text_is_scanned_safely() {
        let t = Template::compile("Live 🎉 {{ contact.first_name }} é{{ event.x }}🎉").expect("parses");
        let out = t.render(&ana(), &Map::new());
        assert_eq!(out.text, "Live 🎉 Ana é🎉");
        assert_eq!(out.missing, vec!["event.x"]);
    }

    #[test]
    fn bad_syntax_is_an_error() {
        assert!(Template::compile("Hi {{ contact.first_name").is_err());
    }
}
