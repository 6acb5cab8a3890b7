//! Inbound webhook bodies from anywhere (the world can POST to these routes): verifying and
//! reading WhatsApp Cloud, Twilio and event-source payloads answers or refuses, never panics;
//! what the WhatsApp reader takes is then applied to a store (kept raw, inputs pushed).
#![no_main]

use itinera_inbound::sources::{Mapping, Scheme, Source};
use itinera_inbound::{twilio, verify, whatsapp};
use itinera_runtime::inbound::{self, Failure, Raw};
use itinera_store::Store;
use libfuzzer_sys::fuzz_target;

fn source() -> Source {
    let mapping: Mapping = serde_json::from_value(serde_json::json!({
        "name": "order_placed", "contact": "/customer/id", "id": "header:X-Shopify-Webhook-Id", "at": "/created_at",
        "when": {"header:X-Shopify-Topic": "orders/create"}, "data": {"total": "/total_price", "first": "/line_items/0/title"}
    }))
    .unwrap();
    Source { path: "shopify".into(), scheme: Scheme::Shopify, secret: b"s".to_vec(), mapping }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let now = jiff::Timestamp::from_second(1_764_583_200).unwrap();
    match selector % 3 {
        0 => {
            let _ = verify::meta(b"app", body, std::str::from_utf8(body).ok());
            if let Ok(items) = whatsapp::read(body, None) {
                let mut store = Store::open_in_memory().unwrap();
                let raw = Raw { source: "whatsapp", headers: &[], body };
                let classify = |_: &str, code: &str| Failure { reason: code.to_string(), opt_out: code == "131050" };
                inbound::accept(&mut store, raw, &items, &classify, now).expect("a read payload is always storable");
            }
        }
        1 => {
            let params = twilio::params(body);
            let _ = verify::twilio(b"t", "https://x.example/webhooks/twilio", &params, params.first().map(|(_, v)| v.as_str()));
            let _ = twilio::read(&params);
        }
        _ => {
            let s = source();
            let headers = vec![
                ("X-Shopify-Topic".to_string(), "orders/create".to_string()),
                ("X-Shopify-Webhook-Id".to_string(), "w1".to_string()),
                ("X-Shopify-Hmac-Sha256".to_string(), String::from_utf8_lossy(&body[..body.len().min(44)]).into_owned()),
            ];
            let _ = s.verify(&headers, body, now);
            let _ = s.read(&headers, body);
            let _ = verify::calendly(b"k", body, std::str::from_utf8(body).ok(), now);
        }
    }
});
