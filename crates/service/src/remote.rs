//! A server's `/v1` API as the editor and the command line use it: "Publish to server…" (the
//! change impact first, then the publish), and a server's stats and timelines in the Live view.
//!
//! One client for every front end: the desktop app's commands, the editor's HTTP backend and
//! `itinera publish --server` all call [`RemoteServer`]. Its token is a `publish` token for
//! publishing and a `read` token for stats and timelines; it is sent as a bearer token and
//! never logged or put in an error message.

use std::time::Duration;

use serde_json::Value;

use crate::error::Error;

/// A server's address and a token for it.
pub struct RemoteServer {
    base: String,
    token: String,
    client: reqwest::blocking::Client,
}

impl std::fmt::Debug for RemoteServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteServer").field("base", &self.base).field("token", &"[redacted]").finish()
    }
}

impl RemoteServer {
    /// `url`: `https://journeys.example.com` (or `http://` for a server on this machine or a
    /// private network); `token`: the bearer token.
    pub fn new(url: &str, token: &str) -> Result<RemoteServer, Error> {
        let base = url.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base).map_err(|e| Error::BadInput(format!("server: `{base}` is not a URL ({e})")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::BadInput(format!("server: `{base}` must be an http:// or https:// URL")));
        }
        if token.trim().is_empty() {
            return Err(Error::BadInput("token: a server needs a token (itinera token create on the server)".into()));
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("itinera/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(RemoteServer { base, token: token.trim().to_string(), client })
    }

    /// The server's address as given (without a trailing `/`).
    pub fn url(&self) -> &str {
        &self.base
    }

    fn send(&self, request: reqwest::blocking::RequestBuilder) -> Result<Value, Error> {
        let response = request.bearer_auth(&self.token).send().map_err(|e| {
            let what = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "cannot connect"
            } else {
                "request failed"
            };
            Error::BadInput(format!("server {}: {what}", self.base))
        })?;
        let status = response.status().as_u16();
        let body: Value = response.json().unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let message = body.pointer("/error/message").and_then(Value::as_str).unwrap_or("no message").to_string();
        let said = format!("server {} answered {status}: {message}", self.base);
        Err(match status {
            401 => Error::NotAllowed(format!("{said} (the token was refused: unknown or revoked)")),
            403 => Error::NotAllowed(format!("{said} (the token's scope does not allow this)")),
            404 => Error::NotFound(said),
            409 => Error::Conflict(said),
            413 => Error::TooLarge(said),
            400 | 422 => match body.pointer("/error/diagnostics").cloned().map(serde_json::from_value) {
                Some(Ok(diagnostics)) => Error::Invalid { message: said, diagnostics },
                _ => Error::BadInput(said),
            },
            _ => Error::Internal(said),
        })
    }

    /// `POST /v1/journeys`: publishes journey JSON text; with `dry_run` the server stores
    /// nothing and answers the change impact.
    pub fn publish(&self, text: &str, dry_run: bool, migrate: bool) -> Result<Value, Error> {
        let request = self
            .client
            .post(format!("{}/v1/journeys?dry_run={dry_run}&migrate={migrate}", self.base))
            .header("content-type", "application/json")
            .body(text.to_string());
        self.send(request)
    }

    /// `GET /v1/journeys/{id}/stats`.
    pub fn stats(&self, journey: &str) -> Result<Value, Error> {
        self.send(self.client.get(format!("{}/v1/journeys/{}/stats", self.base, segment(journey))))
    }

    /// `GET /v1/contacts/{id}/timeline`.
    pub fn timeline(&self, contact: &str) -> Result<Value, Error> {
        self.send(self.client.get(format!("{}/v1/contacts/{}/timeline", self.base, segment(contact))))
    }
}

/// Where a front end keeps server tokens between calls: the OS keyring in the desktop app
/// ([`KeyringTokens`]), nowhere in the browser editor ([`NoTokens`]: the page sends the token
/// with each call and keeps it in memory only). Never the journeys folder.
pub trait TokenStore: Send + Sync {
    /// `keyring`, or `none` when tokens are not kept.
    fn kind(&self) -> &'static str;
    /// The token kept for `server` and `scope` (`publish`, `read`).
    fn load(&self, server: &str, scope: &str) -> Option<String>;
    /// Keeps a token.
    fn save(&self, server: &str, scope: &str, token: &str) -> Result<(), String>;
    /// Forgets a token (it was refused).
    fn forget(&self, server: &str, scope: &str);
}

/// Keeps nothing.
pub struct NoTokens;

impl TokenStore for NoTokens {
    fn kind(&self) -> &'static str {
        "none"
    }
    fn load(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn save(&self, _: &str, _: &str, _: &str) -> Result<(), String> {
        Err("this front end keeps no tokens".into())
    }
    fn forget(&self, _: &str, _: &str) {}
}

/// The OS keyring (Secret Service on Linux, Keychain, Credential Manager), through the
/// `keyring` crate: one entry per server and scope, service `itinera`.
#[cfg(feature = "keyring")]
pub struct KeyringTokens;

#[cfg(feature = "keyring")]
impl KeyringTokens {
    fn entry(server: &str, scope: &str) -> Option<keyring::Entry> {
        keyring::Entry::new("itinera", &format!("{} {scope}", server.trim_end_matches('/'))).ok()
    }
}

#[cfg(feature = "keyring")]
impl TokenStore for KeyringTokens {
    fn kind(&self) -> &'static str {
        if keyring::Entry::store_status().is_ok() { "keyring" } else { "none" }
    }
    fn load(&self, server: &str, scope: &str) -> Option<String> {
        Self::entry(server, scope)?.get_password().ok()
    }
    fn save(&self, server: &str, scope: &str, token: &str) -> Result<(), String> {
        let entry = Self::entry(server, scope).ok_or("the keyring is not available")?;
        entry.set_password(token).map_err(|e| format!("the keyring refused the token: {e}"))
    }
    fn forget(&self, server: &str, scope: &str) {
        if let Some(entry) = Self::entry(server, scope) {
            let _ = entry.delete_credential();
        }
    }
}

/// Which server, and the token when the caller gives one (`remember`: keep it in the front
/// end's [`TokenStore`]).
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerArgs {
    /// The server's URL.
    pub url: String,
    /// A token; `None` or empty: the one kept for this server.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub token: Option<String>,
    /// Keep `token` for next time.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub remember: bool,
}

/// `server_tokens`: whether tokens can be kept, and which are.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerTokens {
    /// `keyring` or `none`.
    #[cfg_attr(feature = "ts", ts(type = "\"keyring\" | \"none\""))]
    pub store: &'static str,
    /// A publish token is kept for this server.
    pub publish: bool,
    /// A read token is kept for this server.
    pub read: bool,
}

/// `server_tokens`.
pub fn server_tokens(tokens: &dyn TokenStore, url: &str) -> ServerTokens {
    ServerTokens { store: tokens.kind(), publish: tokens.load(url, "publish").is_some(), read: tokens.load(url, "read").is_some() }
}

fn with_server(
    tokens: &dyn TokenStore,
    args: &ServerArgs,
    scope: &str,
    call: impl FnOnce(&RemoteServer) -> Result<Value, Error>,
) -> Result<Value, Error> {
    let given = args.token.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let token = match given {
        Some(token) => token.to_string(),
        None => tokens.load(&args.url, scope).ok_or_else(|| {
            Error::BadInput(format!(
                "token: no {scope} token for {} (create one on the server: itinera token create --scope {scope})",
                args.url
            ))
        })?,
    };
    let server = RemoteServer::new(&args.url, &token)?;
    let answer = call(&server);
    match (&answer, given) {
        (Err(Error::NotAllowed(_)), None) => tokens.forget(&args.url, scope),
        (Ok(_), Some(token)) if args.remember => tokens.save(&args.url, scope, token).map_err(Error::BadInput)?,
        _ => {}
    }
    answer
}

/// `server_publish`: [`RemoteServer::publish`] with a publish token.
pub fn server_publish(tokens: &dyn TokenStore, args: &ServerArgs, journey: &Value, dry_run: bool, migrate: bool) -> Result<Value, Error> {
    let text = journey.to_string();
    with_server(tokens, args, "publish", |s| s.publish(&text, dry_run, migrate))
}

/// `server_stats`: [`RemoteServer::stats`] with a read token.
pub fn server_stats(tokens: &dyn TokenStore, args: &ServerArgs, journey: &str) -> Result<Value, Error> {
    with_server(tokens, args, "read", |s| s.stats(journey))
}

/// `server_timeline`: [`RemoteServer::timeline`] with a read token.
pub fn server_timeline(tokens: &dyn TokenStore, args: &ServerArgs, contact: &str) -> Result<Value, Error> {
    with_server(tokens, args, "read", |s| s.timeline(contact))
}

/// A path segment, percent-encoded.
fn segment(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_tokens_are_checked_and_the_token_never_printed() {
        assert!(RemoteServer::new("journeys.example.com", "t").is_err());
        assert!(RemoteServer::new("ftp://journeys.example.com", "t").is_err());
        assert!(RemoteServer::new("https://journeys.example.com", " ").is_err());
        let server = RemoteServer::new("https://journeys.example.com/", "itn_secret").unwrap();
        assert_eq!(server.url(), "https://journeys.example.com");
        assert!(!format!("{server:?}").contains("itn_secret"));
        assert_eq!(segment("ana@example.com"), "ana@example.com");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}
