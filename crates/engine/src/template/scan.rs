//! A scan of the source before Liquid's parser sees it.
//!
//! Liquid's parser recurses once per nested block and once per nested `[...]`, so deep input
//! would overflow the stack before any error could be returned. This scan walks the source
//! once, without recursion, and refuses what the renderer is not built to bound: tags off the
//! allow-list, blocks nested deeper than [`Limits::max_nesting`], `[...]` nested as deep,
//! conditions with too many `and`/`or`, unknown filters, unclosed or mismatched blocks. It also
//! measures each `for` body (the cost of one iteration) and recognises the simplest templates
//! (text and `{{ contact.x }}` / `{{ event.y }}` only), whose size can be bounded without
//! rendering.
//!
//! Quoted strings inside tags and outputs are skipped as Liquid does (a `%}` inside quotes does
//! not close a tag). Inside `{% raw %}` only the bracket depth is checked: the content is text.

use super::limits::Limits;

/// Blocks: opening tag → closing tag.
const BLOCKS: &[(&str, &str)] =
    &[("if", "endif"), ("unless", "endunless"), ("case", "endcase"), ("for", "endfor"), ("comment", "endcomment"), ("raw", "endraw")];
/// Tags allowed inside blocks or anywhere.
const TAGS: &[&str] = &["else", "elsif", "when", "break", "continue", "assign"];
/// The filters a template may use (Liquid's standard set, plus `time_zone`).
pub(crate) const FILTERS: &[&str] = &[
    "abs",
    "append",
    "at_least",
    "at_most",
    "capitalize",
    "ceil",
    "compact",
    "concat",
    "date",
    "default",
    "divided_by",
    "downcase",
    "escape",
    "escape_once",
    "first",
    "floor",
    "join",
    "last",
    "lstrip",
    "map",
    "minus",
    "modulo",
    "newline_to_br",
    "plus",
    "prepend",
    "remove",
    "remove_first",
    "replace",
    "replace_first",
    "reverse",
    "round",
    "rstrip",
    "size",
    "slice",
    "sort",
    "sort_natural",
    "split",
    "strip",
    "strip_html",
    "strip_newlines",
    "time_zone",
    "times",
    "truncate",
    "truncatewords",
    "uniq",
    "upcase",
    "url_decode",
    "url_encode",
    "where",
];

/// What the scan learned.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// For each `for` tag in source order, the size in bytes of its body (at least 1).
    pub for_weights: Vec<u64>,
    /// For a template of text and plain `{{ contact.… }}` / `{{ event.… }}` outputs only: the
    /// bytes of text and the paths output, in order.
    pub simple: Option<(usize, Vec<String>)>,
}

fn allowed_list() -> String {
    let mut names: Vec<&str> = BLOCKS.iter().map(|(open, _)| *open).chain(TAGS.iter().copied()).collect();
    names.sort_unstable();
    names.join(", ")
}

/// One `{% … %}` or `{{ … }}`, as [`markup_end`] finds it.
struct Markup {
    /// Index of the closing `%}` / `}}`.
    end: usize,
    /// Deepest `[` nesting.
    depth: usize,
    /// The unquoted stretches `(start, end)` of its inside.
    stretches: Vec<(usize, usize)>,
}

/// Finds the end of markup that starts at `from` (just after `{%` or `{{`), skipping quoted
/// strings.
fn markup_end(bytes: &[u8], from: usize, close: u8) -> Option<Markup> {
    let mut i = from;
    let mut depth = 0usize;
    let mut deepest = 0usize;
    // Unquoted stretches, for word counting and filter names.
    let mut stretches = Vec::new();
    let mut stretch_start = from;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'"' | b'\'') => {
                stretches.push((stretch_start, i));
                let close_quote = bytes[i + 1..].iter().position(|b| *b == q)?;
                i += close_quote + 2;
                stretch_start = i;
                continue;
            }
            b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' => depth = depth.saturating_sub(1),
            b if b == close && bytes.get(i + 1) == Some(&b'}') => {
                stretches.push((stretch_start, i));
                return Some(Markup { end: i, depth: deepest, stretches });
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// The unquoted words of markup.
fn words<'s>(source: &'s str, stretches: &[(usize, usize)]) -> impl Iterator<Item = &'s str> {
    stretches.iter().flat_map(move |&(a, b)| source.get(a..b).unwrap_or("").split(|c: char| !(c.is_ascii() && is_ident(c as u8))))
}

/// Filter names used in markup: the identifier after each unquoted `|`.
fn check_filters(source: &str, stretches: &[(usize, usize)]) -> Result<(), String> {
    for &(a, b) in stretches {
        let text = source.get(a..b).unwrap_or("");
        for (at, _) in text.match_indices('|') {
            let rest = text[at + 1..].trim_start();
            let name: String = rest.chars().take_while(|c| c.is_ascii() && is_ident(*c as u8)).collect();
            if !name.is_empty() && !FILTERS.contains(&name.as_str()) {
                return Err(format!("unknown filter `{name}`"));
            }
        }
    }
    Ok(())
}

/// Integer literals must fit an i64: Liquid's parser panics on one that does not. Digits that
/// follow an identifier character or a single `.` (a float's fraction) are not an integer.
fn check_integers(source: &str, stretches: &[(usize, usize)]) -> Result<(), String> {
    for &(a, b) in stretches {
        let text = source.as_bytes().get(a..b).unwrap_or(&[]);
        let mut i = 0;
        while i < text.len() {
            if !text[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let prev = if i > 0 { text[i - 1] } else { b' ' };
            let after_range = i >= 2 && &text[i - 2..i] == b"..";
            let start = i;
            while i < text.len() && text[i].is_ascii_digit() {
                i += 1;
            }
            let float = text.get(i) == Some(&b'.') && text.get(i + 1).is_some_and(u8::is_ascii_digit);
            if float || (is_ident(prev) && prev != b'-') || (prev == b'.' && !after_range) {
                continue;
            }
            let digits = std::str::from_utf8(&text[start..i]).unwrap_or("0");
            let signed = if prev == b'-' { format!("-{digits}") } else { digits.to_string() };
            if signed.parse::<i64>().is_err() {
                return Err(format!("the number {signed} is too large"));
            }
        }
    }
    Ok(())
}

/// A plain `contact.a.b` / `event.x` path (identifiers only), or `None`.
fn plain_path(inner: &str) -> Option<&str> {
    let text = inner.trim_matches(|c: char| c.is_whitespace() || c == '-');
    let mut parts = text.split('.');
    let root = parts.next()?;
    if root != "contact" && root != "event" {
        return None;
    }
    let mut any = false;
    for part in parts {
        let mut chars = part.chars();
        let first = chars.next()?;
        if !(first.is_ascii_alphabetic() || first == '_') || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        any = true;
    }
    any.then_some(text)
}

/// The number of items of `for x in (A..B)` when A and B are integer literals (0 for an empty
/// range), else `None` (a variable, an array).
fn literal_range_items(tag: &str) -> Option<u128> {
    let rest = tag.strip_prefix("for")?;
    let (_, range) = rest.split_once(" in ")?;
    let range = range.trim_start().strip_prefix('(')?;
    let (range, _) = range.split_once(')')?;
    let (from, to) = range.split_once("..")?;
    let from: i128 = from.trim().parse().ok()?;
    let to: i128 = to.trim().parse().ok()?;
    Some(if to < from { 0 } else { (to - from + 1) as u128 })
}

/// Scans `source` against `limits`; the error is one sentence for people.
pub(crate) fn scan(source: &str, limits: &Limits) -> Result<Scan, String> {
    if source.len() > limits.max_source_bytes {
        return Err(format!("the template is {} bytes, more than the {} allowed", source.len(), limits.max_source_bytes));
    }
    let bytes = source.as_bytes();
    let mut scan = Scan::default();
    // Open blocks: (tag name, end of its opening tag, index into for_weights for `for`).
    let mut open: Vec<(&'static str, usize, usize)> = Vec::new();
    // For each open `for`: the iterations it and the loops around it make when every range
    // written with numbers is counted (other loops count as one).
    let mut loop_items: Vec<u128> = Vec::new();
    let mut simple = true;
    let mut markup_bytes = 0usize;
    let mut outputs = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != b'{' || !(bytes[i + 1] == b'{' || bytes[i + 1] == b'%') {
            i += 1;
            continue;
        }
        let start = i;
        let is_tag = bytes[i + 1] == b'%';
        let close = if is_tag { b'%' } else { b'}' };
        let Some(Markup { end, depth, stretches }) = markup_end(bytes, i + 2, close) else {
            return Err(if is_tag {
                "a `{%` tag is never closed with `%}`".into()
            } else {
                "a `{{` output is never closed with `}}`".into()
            });
        };
        i = end + 2;
        markup_bytes += i - start;
        if depth > limits.max_nesting {
            return Err(format!("`[...]` is nested {depth} deep, more than the {} allowed", limits.max_nesting));
        }
        check_integers(source, &stretches)?;
        let in_raw = open.last().is_some_and(|(name, _, _)| *name == "raw");
        let inner = &source[start + 2..end];
        if !is_tag {
            if !in_raw {
                check_filters(source, &stretches)?;
                match plain_path(inner) {
                    Some(path) if simple => outputs.push(path.to_string()),
                    _ => simple = false,
                }
            }
            continue;
        }
        simple = false;
        let body = inner.trim_start_matches('-').trim_start();
        let name: &str = &body[..body.bytes().position(|b| !is_ident(b)).unwrap_or(body.len())];
        if in_raw {
            if name == "endraw" {
                open.pop();
            }
            continue;
        }
        if let Some((open_name, close_name)) = BLOCKS.iter().find(|(open_name, _)| *open_name == name) {
            let slot = scan.for_weights.len();
            if *open_name == "for" {
                scan.for_weights.push(1);
                // A range written with numbers is known now: too many items, alone or with the
                // loops around it, fails for every contact, so it is a validation error rather
                // than a step failure at send time.
                let items = literal_range_items(body).unwrap_or(1);
                if items > u128::from(limits.max_loop_items) {
                    return Err(format!("a loop would run over {items} items, more than the {} allowed", limits.max_loop_items));
                }
                let total = loop_items.last().copied().unwrap_or(1).saturating_mul(items);
                if total > u128::from(limits.max_iterations) {
                    return Err(format!("nested loops would run {total} times, more than the {} allowed", limits.max_iterations));
                }
                loop_items.push(total);
            }
            open.push((open_name, i, slot));
            if open.len() > limits.max_nesting {
                return Err(format!("blocks are nested more than {} deep (at `{{% {name} %}}`)", limits.max_nesting));
            }
            let _ = close_name;
        } else if let Some((open_name, _)) = BLOCKS.iter().find(|(_, close_name)| *close_name == name) {
            match open.pop() {
                Some((top, body_start, slot)) if top == *open_name => {
                    if top == "for" {
                        loop_items.pop();
                    }
                    if top == "for"
                        && let Some(weight) = scan.for_weights.get_mut(slot)
                    {
                        *weight = (start.saturating_sub(body_start) as u64).max(1);
                    }
                }
                Some((top, _, _)) => {
                    return Err(format!("`{{% {name} %}}` found where `{{% {top} %}}` is still open"));
                }
                None => return Err(format!("`{{% {name} %}}` closes no `{{% {open_name} %}}`")),
            }
        } else if name.is_empty() {
            return Err("a `{%` tag has no name".into());
        } else if !TAGS.contains(&name) {
            return Err(format!("the tag `{name}` is not allowed in templates (allowed: {})", allowed_list()));
        }
        if matches!(name, "if" | "elsif" | "unless" | "when") {
            let terms = words(source, &stretches).filter(|w| *w == "and" || *w == "or").count();
            if terms > limits.max_condition_terms {
                return Err(format!("a condition has {terms} `and`/`or`, more than the {} allowed", limits.max_condition_terms));
            }
        }
        if name == "assign" {
            check_filters(source, &stretches)?;
        }
    }
    if let Some((name, _, _)) = open.last() {
        let close = BLOCKS.iter().find(|(open_name, _)| open_name == name).map_or("end", |(_, c)| *c);
        return Err(format!("`{{% {name} %}}` is never closed with `{{% {close} %}}`"));
    }
    if simple {
        scan.simple = Some((source.len() - markup_bytes, outputs));
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(source: &str) -> String {
        scan(source, &Limits::DEFAULT).err().unwrap_or_default()
    }

    #[test]
    fn refuses_what_cannot_be_bounded() {
        assert_eq!(err("{% capture x %}a{% endcapture %}").split(" (").next(), Some("the tag `capture` is not allowed in templates"));
        assert_eq!(err("{{ a | shout }}"), "unknown filter `shout`");
        assert_eq!(err("{% assign a = b | shout %}"), "unknown filter `shout`");
        assert_eq!(err("{% if a %}x"), "`{% if %}` is never closed with `{% endif %}`");
        assert_eq!(err("{% for a in b %}{% endif %}"), "`{% endif %}` found where `{% for %}` is still open");
        assert_eq!(err("{% endfor %}"), "`{% endfor %}` closes no `{% for %}`");
        assert_eq!(err("{{ a "), "a `{{` output is never closed with `}}`");
        assert_eq!(err(&"{% if a %}".repeat(17)), "blocks are nested more than 16 deep (at `{% if %}`)");
        assert_eq!(
            err(&format!("{{{{ {}a{} }}}}", "a[".repeat(17), "]".repeat(17))),
            "`[...]` is nested 17 deep, more than the 16 allowed"
        );
        assert_eq!(
            err(&format!("{{% if a{} %}}{{% endif %}}", " or a".repeat(33))),
            "a condition has 33 `and`/`or`, more than the 32 allowed"
        );
        assert_eq!(err("{{ 99999999999999999999 }}"), "the number 99999999999999999999 is too large");
        assert_eq!(err("{% for i in (1..9223372036854775808) %}{% endfor %}"), "the number 9223372036854775808 is too large");
        assert!(scan("{{ -9223372036854775808 | plus: 1.99999999999999999999 }}{{ a9999999999999999999 }}", &Limits::DEFAULT).is_ok());
        assert_eq!(err(&"x".repeat(MAX + 1)), format!("the template is {} bytes, more than the {MAX} allowed", MAX + 1));
    }
    const MAX: usize = crate::template::limits::MAX_SOURCE_BYTES;

    #[test]
    fn ranges_written_with_numbers_are_checked_when_compiled() {
        assert_eq!(err("{% for i in (1..100000000) %}x{% endfor %}"), "a loop would run over 100000000 items, more than the 1000 allowed");
        assert_eq!(
            err("{% for i in (-9223372036854775807..9223372036854775807) %}{% endfor %}"),
            "a loop would run over 18446744073709551615 items, more than the 1000 allowed"
        );
        assert_eq!(
            err("{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}.{% endfor %}{% endfor %}{% endfor %}"),
            "nested loops would run 1000000 times, more than the 10000 allowed"
        );
        // Siblings do not multiply; variables are checked when rendered.
        assert!(scan("{% for i in (1..1000) %}{% endfor %}{% for j in (1..1000) %}{% endfor %}", &Limits::DEFAULT).is_ok());
        assert!(scan("{% for i in (1..n) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}", &Limits::DEFAULT).is_ok());
        assert!(scan("{% for i in (5..1) %}{% endfor %}", &Limits::DEFAULT).is_ok());
    }

    #[test]
    fn quotes_raw_and_comments() {
        assert!(scan("{% if a == \"%}\" %}x{% endif %}", &Limits::DEFAULT).is_ok());
        assert!(scan("{{ 'a | shout' }}", &Limits::DEFAULT).is_ok());
        assert!(scan("{% raw %}{% capture %}{{ a | shout }}{% endraw %}", &Limits::DEFAULT).is_ok());
        assert!(scan("{%- comment -%}{% if a %}{% endif %}{%- endcomment -%}", &Limits::DEFAULT).is_ok());
        assert_eq!(
            err("{% comment %}{% include 'x' %}{% endcomment %}").split(" (").next(),
            Some("the tag `include` is not allowed in templates")
        );
    }

    #[test]
    fn measures_loops_and_recognises_simple_templates() {
        let s = scan("{% for a in b %}12345{% for c in d %}1{% endfor %}{% endfor %}", &Limits::DEFAULT).expect("scans");
        assert_eq!(s.for_weights, vec![5 + 16 + 1 + 12, 1]);
        assert!(s.simple.is_none());
        let s = scan("Hi {{ contact.first_name }}, {{- event.x.y -}}!", &Limits::DEFAULT).expect("scans");
        assert_eq!(s.simple, Some((6, vec!["contact.first_name".to_string(), "event.x.y".to_string()])));
        assert!(scan("Hi {{ contact.first_name | upcase }}", &Limits::DEFAULT).expect("scans").simple.is_none());
    }
}
