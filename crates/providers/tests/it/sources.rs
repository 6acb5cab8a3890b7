//! The shipped example config (assets/server/itinera.example.toml) loads, and its two event
//! sources turn the shipped Calendly and Shopify payloads into the events the templates expect,
//! signed as those tools sign.

use itinera_inbound::Inbound;
use itinera_inbound::verify::sign;
use itinera_providers::config::Config;

fn repo(p: &str) -> String {
    format!("{}/../../{p}", env!("CARGO_MANIFEST_DIR"))
}

fn example() -> Config {
    let text = std::fs::read_to_string(repo("assets/server/itinera.example.toml")).unwrap();
    Config::parse("itinera.example.toml", &text, &|name| Some(format!("secret-of-{name}"))).unwrap()
}

#[test]
fn calendly_booking_becomes_appointment_booked() {
    let sources = example().event_sources();
    let calendly = sources.iter().find(|s| s.path == "calendly").unwrap();
    let body = std::fs::read(repo("assets/server/payloads/calendly-invitee-created.json")).unwrap();
    let now = jiff::Timestamp::now();
    let headers =
        vec![("Calendly-Webhook-Signature".to_string(), sign::calendly(b"secret-of-CALENDLY_SIGNING_KEY", &body, now.as_second()))];
    calendly.verify(&headers, &body, now).unwrap();
    let Some(Inbound::Event { contact, name, data, id, at }) = calendly.read(&headers, &body).unwrap() else { panic!() };
    assert_eq!((contact.as_str(), name.as_str()), ("ana@example.com", "appointment_booked"));
    assert_eq!(data["starts_at"], "2026-12-03T09:00:00.000000Z");
    assert_eq!(data["location"], "Rua Augusta 1, Lisboa");
    assert!(id.starts_with("calendly:https://api.calendly.com/scheduled_events/"));
    assert_eq!(at, Some("2026-12-01T10:00:00Z".parse().unwrap()));
}

#[test]
fn shopify_order_becomes_order_placed() {
    let sources = example().event_sources();
    let shopify = sources.iter().find(|s| s.path == "shopify").unwrap();
    let body = std::fs::read(repo("assets/server/payloads/shopify-orders-create.json")).unwrap();
    let headers = vec![
        ("X-Shopify-Topic".to_string(), "orders/create".to_string()),
        ("X-Shopify-Webhook-Id".to_string(), "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043".to_string()),
        ("X-Shopify-Hmac-Sha256".to_string(), sign::shopify(b"secret-of-SHOPIFY_WEBHOOK_SECRET", &body)),
    ];
    shopify.verify(&headers, &body, jiff::Timestamp::now()).unwrap();
    let Some(Inbound::Event { contact, name, data, .. }) = shopify.read(&headers, &body).unwrap() else { panic!() };
    assert_eq!((contact.as_str(), name.as_str()), ("115310627314723954", "order_placed"));
    assert_eq!(
        (data["total"].as_str(), data["currency"].as_str(), data["first_item"].as_str()),
        (Some("403.00"), Some("USD"), Some("IPod Nano - 8GB"))
    );
    assert_eq!(data["order_id"], 820982911946154508u64);
}

#[test]
fn a_bad_source_is_refused_at_load_naming_it() {
    let text = r#"
[[sources]]
path = "calendly"
scheme = "calendly"
secret = "env:K"
[sources.map]
name = "x"
contact = "payload.email"
"#;
    let err = Config::parse("itinera.toml", text, &|_| Some("k".into())).unwrap_err().to_string();
    assert!(err.contains("itinera.toml:5") && err.contains("sources[0].map.contact"), "{err}");
    let twice = format!("{text}\n[[sources]]\npath = \"calendly\"\nscheme = \"shopify\"\nsecret = \"env:K\"\n[sources.map]\nname = \"y\"\ncontact = \"/id\"\n")
        .replace("\"payload.email\"", "\"/payload/email\"");
    let err = Config::parse("itinera.toml", &twice, &|_| Some("k".into())).unwrap_err().to_string();
    assert!(err.contains("already the path"), "{err}");
    let unknown = text.replace("\"calendly\"\nsecret", "\"stripe\"\nsecret").replace("\"payload.email\"", "\"/e\"");
    let err = Config::parse("itinera.toml", &unknown, &|_| Some("k".into())).unwrap_err().to_string();
    assert!(err.contains("unknown scheme `stripe`"), "{err}");
}
