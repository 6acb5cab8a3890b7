//! Whatever bytes arrive, reading and verifying never panic (they answer or refuse).

use itinera_inbound::sources::{Mapping, Scheme, Source};
use itinera_inbound::{twilio, verify, whatsapp};
use proptest::prelude::*;

fn source() -> Source {
    let mapping: Mapping = serde_json::from_value(serde_json::json!({
        "name": "e", "contact": "/a/b", "id": "/id", "at": "/at", "when": {"/t": "x"}, "data": {"d": "/d/0"}
    }))
    .unwrap();
    Source { path: "p".into(), scheme: Scheme::Calendly, secret: b"k".to_vec(), mapping }
}

/// JSON-ish bytes: mostly valid WhatsApp-like structures with arbitrary leaves.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z._0-9]{0,12}".prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("object".to_string()),
                    Just("entry".to_string()),
                    Just("changes".to_string()),
                    Just("value".to_string()),
                    Just("field".to_string()),
                    Just("messages".to_string()),
                    Just("statuses".to_string()),
                    Just("type".to_string()),
                    Just("from".to_string()),
                    Just("id".to_string()),
                    Just("errors".to_string()),
                    "[a-z]{1,6}".prop_map(String::from),
                ],
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    value.prop_map(|v| {
        let mut v = v;
        if let serde_json::Value::Object(m) = &mut v {
            m.insert("object".into(), "whatsapp_business_account".into());
        }
        serde_json::to_vec(&v).unwrap()
    })
}

proptest! {
    #[test]
    fn whatsapp_reading_never_panics(body in prop_oneof![jsonish(), prop::collection::vec(any::<u8>(), 0..200)]) {
        let _ = whatsapp::read(&body, Some("1"));
        let _ = whatsapp::read(&body, None);
        let _ = verify::meta(b"s", &body, std::str::from_utf8(&body).ok());
    }

    #[test]
    fn twilio_reading_never_panics(body in prop::collection::vec(any::<u8>(), 0..200), sig in ".{0,40}") {
        let params = twilio::params(&body);
        let _ = twilio::read(&params);
        let _ = verify::twilio(b"t", "https://x/webhooks/twilio", &params, Some(&sig));
    }

    #[test]
    fn sources_never_panic(body in prop_oneof![jsonish(), prop::collection::vec(any::<u8>(), 0..200)], sig in ".{0,80}") {
        let s = source();
        let headers = vec![("Calendly-Webhook-Signature".to_string(), sig)];
        let _ = s.verify(&headers, &body, jiff::Timestamp::UNIX_EPOCH);
        let _ = s.read(&headers, &body);
    }
}
