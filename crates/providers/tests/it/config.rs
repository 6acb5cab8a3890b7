//! itinera.toml: the issue's example, secrets only as env references, errors with file, line
//! and field.

use crate::common;

use itinera_providers::Error;
use itinera_providers::config::{Config, POSTMARK_API_BASE, Secret, TWILIO_API_BASE, WHATSAPP_API_BASE};

const EXAMPLE: &str = r#"public_url = "https://journeys.example.com"   # how providers reach this server
[channels.whatsapp]
provider = "whatsapp_cloud"
phone_number_id = "1234567890"
access_token = "env:WA_ACCESS_TOKEN"
app_secret = "env:WA_APP_SECRET"
verify_token = "env:WA_VERIFY_TOKEN"
api_base = "https://graph.facebook.com/v21.0"
[channels.sms]
provider = "twilio"
account_sid = "AC..."
auth_token = "env:TWILIO_AUTH_TOKEN"
from = "+15550001111"          # or messaging_service_sid
api_base = "https://api.twilio.com"
[channels.email]
provider = "smtp"              # lettre; or "postmark" over HTTP
url = "smtp://localhost:2525"
from = "Clinic <hello@example.com>"
unsubscribe_secret = "env:UNSUBSCRIBE_SECRET"
[webhooks]
signing_secret = "env:WEBHOOK_SECRET"

[[sources]]
path = "calendly"
scheme = "calendly"
secret = "env:CALENDLY_SECRET"
map = { contact = "/payload/email", name = "appointment_booked" }
"#;

fn message(err: Error) -> String {
    err.to_string()
}

#[test]
fn the_issue_example_loads_with_its_secrets_resolved() {
    let config = Config::parse("itinera.toml", EXAMPLE, &common::env).unwrap();
    let wa = config.channels.whatsapp.as_ref().unwrap();
    assert_eq!(wa.phone_number_id, "1234567890");
    assert_eq!(wa.access_token.secret().unwrap().expose(), "value-of-WA_ACCESS_TOKEN");
    assert_eq!(wa.app_secret.secret().unwrap().expose(), "value-of-WA_APP_SECRET");
    assert_eq!(wa.api_base, WHATSAPP_API_BASE);
    assert_eq!(wa.rate, 80.0);
    let sms = config.channels.sms.as_ref().unwrap();
    assert_eq!((sms.from.as_deref(), sms.api_base.as_str()), (Some("+15550001111"), TWILIO_API_BASE));
    let email = config.channels.email.as_ref().unwrap();
    assert_eq!(email.unsubscribe_secret.secret().unwrap().expose(), "value-of-UNSUBSCRIBE_SECRET");
    assert_eq!(config.sources.len(), 1);
    assert_eq!(config.sources[0].secret.secret().unwrap().expose(), "value-of-CALENDLY_SECRET");
    assert_eq!(config.sources[0].map["name"].as_str(), Some("appointment_booked"));
    assert_eq!(config.webhook_signing_key().unwrap(), b"value-of-WEBHOOK_SECRET");
    // Nothing secret prints.
    let debug = format!("{config:?}");
    assert!(!debug.contains("value-of-"), "{debug}");
    assert!(debug.contains("env:WA_ACCESS_TOKEN"));
}

#[test]
fn defaults_apply_and_postmark_needs_its_token() {
    let text = r#"public_url = "https://x.example"
[channels.email]
provider = "postmark"
server_token = "env:PM"
from = "a@example.com"
unsubscribe_secret = "env:U"
"#;
    let config = Config::parse("c.toml", text, &common::env).unwrap();
    let email = config.channels.email.unwrap();
    assert_eq!(email.api_base, POSTMARK_API_BASE);
    assert_eq!(email.server_token.unwrap().secret().unwrap().expose(), "value-of-PM");
    let err = message(Config::parse("c.toml", &text.replace("server_token = \"env:PM\"\n", ""), &common::env).unwrap_err());
    assert_eq!(err, "c.toml:3: channels.email.server_token: required with provider = \"postmark\"");
}

#[test]
fn a_literal_secret_is_refused_naming_the_field_and_line() {
    let text = EXAMPLE.replace("env:TWILIO_AUTH_TOKEN", "0123456789abcdef");
    let err = message(Config::parse("itinera.toml", &text, &common::env).unwrap_err());
    assert_eq!(
        err,
        "itinera.toml:12: channels.sms.auth_token: a secret must be an environment reference (`env:NAME`), not written in the file"
    );
    assert!(!err.contains("0123456789abcdef"));
}

#[test]
fn an_unset_variable_is_named() {
    let env = |name: &str| (name != "WA_APP_SECRET").then(|| format!("v-{name}"));
    let err = message(Config::parse("itinera.toml", EXAMPLE, &env).unwrap_err());
    assert_eq!(err, "itinera.toml:6: channels.whatsapp.app_secret: the environment variable WA_APP_SECRET is not set");
}

#[test]
fn unknown_fields_and_bad_values_name_their_line() {
    let text = EXAMPLE.replace("from = \"+15550001111\"", "form = \"+15550001111\"");
    let err = message(Config::parse("itinera.toml", &text, &common::env).unwrap_err());
    assert!(err.starts_with("itinera.toml:13: unknown field `form`"), "{err}");
    let text = EXAMPLE.replace("provider = \"twilio\"", "provider = \"vonage\"");
    let err = message(Config::parse("itinera.toml", &text, &common::env).unwrap_err());
    assert_eq!(err, "itinera.toml:10: channels.sms.provider: `vonage` is not one (twilio)");
    let text = EXAMPLE.replace("url = \"smtp://localhost:2525\"", "url = \"smtp://me:hunter2@localhost:2525\"");
    let err = message(Config::parse("itinera.toml", &text, &common::env).unwrap_err());
    assert!(err.starts_with("itinera.toml:17: channels.email.url: no credentials"), "{err}");
    assert!(!err.contains("hunter2"));
    let text = EXAMPLE.replace("public_url = \"https://journeys.example.com\"", "public_url = \"journeys.example.com\"");
    let err = message(Config::parse("itinera.toml", &text, &common::env).unwrap_err());
    assert_eq!(err, "itinera.toml:1: public_url: must be an http(s) URL");
    let text = EXAMPLE.replace("from = \"+15550001111\"", "from = \"+15550001111\"\nrate = 0");
    let err = message(Config::parse("itinera.toml", &text, &common::env).unwrap_err());
    assert_eq!(err, "itinera.toml:10: channels.sms.rate: must be a positive number of messages a second");
    let err = message(Config::parse("x.toml", "public_url = [", &common::env).unwrap_err());
    assert!(err.starts_with("x.toml:1: "), "{err}");
}

#[test]
fn a_whsec_secret_is_decoded_and_a_missing_file_is_named() {
    let env =
        |name: &str| Some(if name == "WEBHOOK_SECRET" { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into() } else { format!("v-{name}") });
    let config = Config::parse("itinera.toml", EXAMPLE, &env).unwrap();
    let key = config.webhook_signing_key().unwrap();
    assert_eq!(key.len(), 24);
    let err = message(Config::load("/nonexistent/itinera.toml").unwrap_err());
    assert!(err.starts_with("/nonexistent/itinera.toml: "), "{err}");
    assert_eq!(format!("{:?} {}", Secret::new("s3cr3t"), Secret::new("s3cr3t")), "[redacted] [redacted]");
}

#[test]
fn sinks_give_each_configured_channel_its_provider() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let config = Config::parse("itinera.toml", EXAMPLE, &common::env).unwrap();
    let (sinks, note) = itinera_providers::sinks(&config, &db).unwrap();
    assert_eq!(sinks.channels.keys().map(String::as_str).collect::<Vec<_>>(), ["email", "sms", "whatsapp"]);
    assert_eq!(
        note,
        "webhooks are called, signed (Standard Webhooks); whatsapp through the WhatsApp Cloud API (number 1234567890); sms through Twilio; email through smtp"
    );
    assert!(!note.contains("value-of-"));
    // Nothing configured: every message recorded beside the database, webhooks unsigned.
    let empty = Config::parse("itinera.toml", "", &common::env).unwrap();
    let (sinks, note) = itinera_providers::sinks(&empty, &db).unwrap();
    assert!(sinks.channels.is_empty());
    assert_eq!(
        note,
        format!(
            "webhooks are called, unsigned; whatsapp, sms, email recorded to {} (no provider configured)",
            db.display().to_string() + ".records.jsonl"
        )
    );
}
