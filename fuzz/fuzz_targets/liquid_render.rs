#![no_main]
//! Any template source with any contact and event data, compiled and rendered with the bounds
//! on: never a panic, never more output than the cap, the same result twice, and a template that
//! [`Template::fits`] without rendering does render within that size. The input is the template,
//! a NUL byte, the contact's attributes as JSON, a NUL byte, the event as JSON (JSON that does not
//! parse, or is not an object, counts as `{}`, so every input still renders the template).
use itinera_engine::template::{Template, limits};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

fn object(bytes: Option<&[u8]>) -> Map<String, Value> {
    match bytes.and_then(|b| serde_json::from_slice::<Value>(b).ok()) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let Some(source) = parts.next() else { return };
    let source = String::from_utf8_lossy(source);
    let attributes = object(parts.next());
    let event = object(parts.next());
    let Ok(template) = Template::compile(&source) else { return };
    let contact = itinera_engine::Contact { id: "fuzz".into(), attributes, ..Default::default() };
    let first = template.render(&contact, &event);
    if let Ok(rendered) = &first {
        assert!(rendered.text.len() <= limits::MAX_OUTPUT_BYTES);
    }
    assert_eq!(template.render(&contact, &event), first, "the same inputs rendered differently");
    for cap in [0, 16, limits::SMS_TEXT_MAX_CHARS] {
        if template.fits(&contact, &event, cap) {
            let rendered = template.render_capped(&contact, &event, cap);
            assert!(rendered.as_ref().is_ok_and(|r| r.text.len() <= cap), "fits({cap}) but rendered {rendered:?}");
        }
    }
});
