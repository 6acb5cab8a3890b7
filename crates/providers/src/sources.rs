//! Event sources (`[[sources]]`): signed webhooks from other tools that become events.
use serde::Deserialize;
/// One `[[sources]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Path under `/hooks/` (e.g. `calendly`).
    pub path: String,
    /// `shopify`, `calendly` or `hmac_sha256_hex`.
    pub scheme: String,
    /// The signing secret (`env:NAME`).
    pub secret: crate::config::SecretRef,
    /// The header of `hmac_sha256_hex`.
    #[serde(default)]
    pub header: Option<String>,
    /// The mapping from the payload to the event.
    pub map: toml::Table,
}
