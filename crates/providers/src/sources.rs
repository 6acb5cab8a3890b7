//! Event sources (`[[sources]]`): signed webhooks from other tools that become events. The
//! signature schemes and the mapping live in itinera-inbound (pure, fuzzed); this is their
//! place in itinera.toml, checked when the file is loaded.
use itinera_inbound::sources::{Mapping, Scheme, Source};
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

impl SourceConfig {
    /// The source the inbound route checks and reads with (the secret must be resolved).
    pub fn source(&self) -> Result<Source, String> {
        let path = self.path.trim();
        if path.is_empty() || !path.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(format!("path: `{}` must be letters, digits, `-` or `_` (it is served at /hooks/PATH)", self.path));
        }
        let scheme = Scheme::parse(&self.scheme, self.header.as_deref()).map_err(|e| format!("scheme: {e}"))?;
        let mapping = Mapping::deserialize(toml::Value::Table(self.map.clone())).map_err(|e| format!("map: {}", e.message().trim()))?;
        mapping.check()?;
        let secret = self.secret.secret().ok_or("secret: not resolved")?.expose().as_bytes().to_vec();
        Ok(Source { path: path.to_string(), scheme, secret, mapping })
    }
}
