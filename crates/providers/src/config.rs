//! `itinera.toml`: the server's providers, webhook signing and event sources.
//!
//! ```toml
//! public_url = "https://journeys.example.com"
//! [channels.whatsapp]
//! provider = "whatsapp_cloud"
//! phone_number_id = "1234567890"
//! access_token = "env:WA_ACCESS_TOKEN"
//! app_secret = "env:WA_APP_SECRET"
//! verify_token = "env:WA_VERIFY_TOKEN"
//! [channels.sms]
//! provider = "twilio"
//! account_sid = "AC..."
//! auth_token = "env:TWILIO_AUTH_TOKEN"
//! from = "+15550001111"
//! [channels.email]
//! provider = "smtp"
//! url = "smtp://localhost:2525"
//! from = "Clinic <hello@example.com>"
//! unsubscribe_secret = "env:UNSUBSCRIBE_SECRET"
//! [webhooks]
//! signing_secret = "env:WEBHOOK_SIGNING_SECRET"
//! ```
//!
//! Every secret is an `env:NAME` reference ([`SecretRef`]), resolved when the file is loaded
//! into a [`Secret`] that never prints: a literal secret in the file is an error naming the
//! field, and so is a variable that is not set. Errors name the file, the line and the field;
//! unknown fields are refused.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::Error;
use crate::sources::SourceConfig;

/// The WhatsApp Cloud API's default base URL.
pub const WHATSAPP_API_BASE: &str = "https://graph.facebook.com/v21.0";
/// Twilio's default base URL.
pub const TWILIO_API_BASE: &str = "https://api.twilio.com";
/// Postmark's default base URL.
pub const POSTMARK_API_BASE: &str = "https://api.postmarkapp.com";
/// WhatsApp's default rate: 80 messages a second per business phone number (Meta's default
/// throughput).
pub const WHATSAPP_RATE: f64 = 80.0;
/// Twilio's default rate: 1 message a second per sender (a US long code's throughput; raise it
/// for a toll-free number, a short code or a messaging service).
pub const TWILIO_RATE: f64 = 1.0;
/// Email's default rate (messages a second).
pub const EMAIL_RATE: f64 = 10.0;

/// A secret, resolved from the environment. Its `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A secret with this value (tests, and callers that resolve secrets themselves).
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that needs it (an auth header, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A secret as written in the file: `env:NAME`. [`Config::load`] resolves it
/// ([`SecretRef::secret`]).
#[derive(Clone)]
pub struct SecretRef {
    reference: Spanned<String>,
    resolved: Option<Secret>,
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(SecretRef { reference: Spanned::<String>::deserialize(deserializer)?, resolved: None })
    }
}

impl std::fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.env_name() {
            Some(name) => write!(f, "env:{name}"),
            None => f.write_str("[redacted]"),
        }
    }
}

impl SecretRef {
    /// The environment variable named (`None`: not an `env:` reference).
    pub fn env_name(&self) -> Option<&str> {
        self.reference.get_ref().strip_prefix("env:").map(str::trim).filter(|n| !n.is_empty())
    }

    /// The resolved secret (`Some` once [`Config::load`] or [`SecretRef::resolve`] succeeded).
    pub fn secret(&self) -> Option<&Secret> {
        self.resolved.as_ref()
    }

    /// Resolves the reference with `env`; the error names `field` and the variable.
    pub fn resolve(&mut self, file: &str, text: &str, field: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<&Secret, Error> {
        let line = line_of(text, self.reference.span().start);
        let Some(name) = self.env_name() else {
            return Err(Error::Config {
                file: file.to_string(),
                line,
                message: format!("{field}: a secret must be an environment reference (`env:NAME`), not written in the file"),
            });
        };
        match env(name) {
            Some(value) if !value.is_empty() => Ok(self.resolved.insert(Secret(value))),
            _ => {
                Err(Error::Config { file: file.to_string(), line, message: format!("{field}: the environment variable {name} is not set") })
            }
        }
    }
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How providers reach this server (Twilio signs this URL; status callbacks and
    /// unsubscribe links are under it).
    #[serde(default)]
    pub public_url: Option<String>,
    /// The message providers.
    #[serde(default)]
    pub channels: Channels,
    /// The webhook node's signing.
    #[serde(default)]
    pub webhooks: Option<WebhooksConfig>,
    /// Event sources (`[[sources]]`).
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
}

/// `[channels]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    /// `[channels.whatsapp]`.
    #[serde(default)]
    pub whatsapp: Option<WhatsappConfig>,
    /// `[channels.sms]`.
    #[serde(default)]
    pub sms: Option<SmsConfig>,
    /// `[channels.email]`.
    #[serde(default)]
    pub email: Option<EmailConfig>,
}

/// `[channels.whatsapp]`: the WhatsApp Cloud API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsappConfig {
    /// `whatsapp_cloud`.
    pub provider: Spanned<String>,
    /// The business phone number's id.
    pub phone_number_id: String,
    /// The (system user) access token.
    pub access_token: SecretRef,
    /// The app secret (inbound webhook signatures, `X-Hub-Signature-256`).
    pub app_secret: SecretRef,
    /// The webhook verification handshake's token.
    pub verify_token: SecretRef,
    /// The Graph API base URL (with its version).
    #[serde(default = "whatsapp_api_base")]
    pub api_base: String,
    /// Messages a second.
    #[serde(default = "whatsapp_rate")]
    pub rate: f64,
}

/// `[channels.sms]`: Twilio.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// `twilio`.
    pub provider: Spanned<String>,
    /// The account SID (`AC…`).
    pub account_sid: String,
    /// The auth token (basic auth of the API, and of inbound `X-Twilio-Signature`).
    pub auth_token: SecretRef,
    /// The sender number (or use `messaging_service_sid`).
    #[serde(default)]
    pub from: Option<String>,
    /// The messaging service (`MG…`), instead of `from`.
    #[serde(default)]
    pub messaging_service_sid: Option<String>,
    /// The API base URL.
    #[serde(default = "twilio_api_base")]
    pub api_base: String,
    /// Messages a second.
    #[serde(default = "twilio_rate")]
    pub rate: f64,
}

/// `[channels.email]`: SMTP (`url`, `from`) or Postmark (`server_token`, `from`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `smtp` or `postmark`.
    pub provider: Spanned<String>,
    /// The sender (`Name <address>`).
    pub from: String,
    /// SMTP: `smtp://host:port` (no TLS, a local relay), `smtp://host:port?tls=required`
    /// (STARTTLS) or `smtps://host:port`; no password in it.
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    /// SMTP user name.
    #[serde(default)]
    pub username: Option<String>,
    /// SMTP password.
    #[serde(default)]
    pub password: Option<SecretRef>,
    /// Postmark: the server token.
    #[serde(default)]
    pub server_token: Option<SecretRef>,
    /// Postmark: the API base URL.
    #[serde(default = "postmark_api_base")]
    pub api_base: String,
    /// Postmark: the message stream.
    #[serde(default = "postmark_stream")]
    pub message_stream: String,
    /// The key of the unsubscribe links' tokens ([`crate::unsubscribe`]).
    pub unsubscribe_secret: SecretRef,
    /// Messages a second.
    #[serde(default = "email_rate")]
    pub rate: f64,
}

/// `[webhooks]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// The Standard Webhooks secret (`whsec_<base64>` is decoded, anything else used as bytes).
    pub signing_secret: SecretRef,
}

fn whatsapp_api_base() -> String {
    WHATSAPP_API_BASE.into()
}
fn twilio_api_base() -> String {
    TWILIO_API_BASE.into()
}
fn postmark_api_base() -> String {
    POSTMARK_API_BASE.into()
}
fn postmark_stream() -> String {
    "outbound".into()
}
fn whatsapp_rate() -> f64 {
    WHATSAPP_RATE
}
fn twilio_rate() -> f64 {
    TWILIO_RATE
}
fn email_rate() -> f64 {
    EMAIL_RATE
}

/// The error at the line of this offset instead (the section of the field).
fn relined(error: Error, text: &str, offset: usize) -> Error {
    match error {
        Error::Config { file, message, .. } => Error::Config { file, line: line_of(text, offset), message },
        other => other,
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

impl Config {
    /// Reads, checks and resolves (from the process environment) a config file.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read { file: file.clone(), source })?;
        Config::parse(&file, &text, &|name| std::env::var(name).ok())
    }

    /// [`Config::load`] of a text, with `env` looking variables up (`file` names it in errors).
    pub fn parse(file: &str, text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let mut config: Config = toml::from_str(text).map_err(|e| Error::Config {
            file: file.to_string(),
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        let at = |offset: usize, message: String| Error::Config { file: file.to_string(), line: line_of(text, offset), message };
        let check_rate = |rate: f64, field: &str| {
            if rate.is_finite() && rate > 0.0 {
                Ok(())
            } else {
                Err(at(0, format!("{field}: must be a positive number of messages a second")))
            }
        };
        let public_url_line = text
            .lines()
            .position(|l| l.trim_start().strip_prefix("public_url").is_some_and(|r| r.trim_start().starts_with('=')))
            .map_or(0, |i| text.lines().take(i).map(|l| l.len() + 1).sum());
        let needs_public_url = config.channels.sms.is_some() || config.channels.email.is_some();
        match &config.public_url {
            Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => {
                return Err(at(public_url_line, "public_url: must be an http(s) URL".into()));
            }
            None if needs_public_url => {
                return Err(at(
                    0,
                    "public_url: required with [channels.sms] or [channels.email] (status callbacks, unsubscribe links)".into(),
                ));
            }
            _ => {}
        }
        if let Some(wa) = &mut config.channels.whatsapp {
            if wa.provider.get_ref() != "whatsapp_cloud" {
                return Err(at(
                    wa.provider.span().start,
                    format!("channels.whatsapp.provider: `{}` is not one (whatsapp_cloud)", wa.provider.get_ref()),
                ));
            }
            check_rate(wa.rate, "channels.whatsapp.rate").map_err(|e| relined(e, text, wa.provider.span().start))?;
            wa.access_token.resolve(file, text, "channels.whatsapp.access_token", env)?;
            wa.app_secret.resolve(file, text, "channels.whatsapp.app_secret", env)?;
            wa.verify_token.resolve(file, text, "channels.whatsapp.verify_token", env)?;
        }
        if let Some(sms) = &mut config.channels.sms {
            if sms.provider.get_ref() != "twilio" {
                return Err(at(
                    sms.provider.span().start,
                    format!("channels.sms.provider: `{}` is not one (twilio)", sms.provider.get_ref()),
                ));
            }
            if sms.from.is_none() == sms.messaging_service_sid.is_none() {
                return Err(at(sms.provider.span().start, "channels.sms: give `from` or `messaging_service_sid` (one of them)".into()));
            }
            check_rate(sms.rate, "channels.sms.rate").map_err(|e| relined(e, text, sms.provider.span().start))?;
            sms.auth_token.resolve(file, text, "channels.sms.auth_token", env)?;
        }
        if let Some(email) = &mut config.channels.email {
            let start = email.provider.span().start;
            match email.provider.get_ref().as_str() {
                "smtp" => {
                    let Some(url) = &email.url else {
                        return Err(at(start, "channels.email.url: required with provider = \"smtp\"".into()));
                    };
                    let u = url.get_ref();
                    if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                        return Err(at(url.span().start, "channels.email.url: must start with smtp:// or smtps://".into()));
                    }
                    let authority = u.split("://").nth(1).unwrap_or("").split(['/', '?']).next().unwrap_or("");
                    if authority.contains('@') {
                        return Err(at(
                            url.span().start,
                            "channels.email.url: no credentials in the URL; use username and password = \"env:NAME\"".into(),
                        ));
                    }
                    if let Some(password) = &mut email.password {
                        password.resolve(file, text, "channels.email.password", env)?;
                    }
                }
                "postmark" => {
                    let Some(token) = &mut email.server_token else {
                        return Err(at(start, "channels.email.server_token: required with provider = \"postmark\"".into()));
                    };
                    token.resolve(file, text, "channels.email.server_token", env)?;
                }
                other => return Err(at(start, format!("channels.email.provider: `{other}` is not one (smtp, postmark)"))),
            }
            check_rate(email.rate, "channels.email.rate").map_err(|e| relined(e, text, start))?;
            email.unsubscribe_secret.resolve(file, text, "channels.email.unsubscribe_secret", env)?;
        }
        if let Some(hooks) = &mut config.webhooks {
            let secret = hooks.signing_secret.resolve(file, text, "webhooks.signing_secret", env)?;
            if itinera_runtime::channel::webhook_secret(secret.expose()).is_none() {
                let line = line_of(text, hooks.signing_secret.reference.span().start);
                return Err(Error::Config {
                    file: file.into(),
                    line,
                    message: "webhooks.signing_secret: a whsec_ secret must be base64".into(),
                });
            }
        }
        let mut paths = std::collections::BTreeSet::new();
        for (i, source) in config.sources.iter_mut().enumerate() {
            source.secret.resolve(file, text, &format!("sources[{i}].secret"), env)?;
            let line = line_of(text, source.secret.reference.span().start);
            let bad = |message: String| Error::Config { file: file.to_string(), line, message: format!("sources[{i}].{message}") };
            let checked = source.source().map_err(bad)?;
            if !paths.insert(checked.path.clone()) {
                return Err(bad(format!("path: `{}` is already the path of another source", checked.path)));
            }
        }
        Ok(config)
    }

    /// The event sources, checked (the secrets resolved).
    pub fn event_sources(&self) -> Vec<itinera_inbound::sources::Source> {
        self.sources.iter().filter_map(|s| s.source().ok()).collect()
    }

    /// The webhook node's signing key (decoded), when `[webhooks]` is configured.
    pub fn webhook_signing_key(&self) -> Option<Vec<u8>> {
        let secret = self.webhooks.as_ref()?.signing_secret.secret()?;
        itinera_runtime::channel::webhook_secret(secret.expose())
    }
}
