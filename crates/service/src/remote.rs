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
            401 => Error::NotAllowed(format!("server {}: the token was refused (unknown or revoked)", self.base)),
            403 => Error::NotAllowed(format!("server {}: the token does not allow this ({message})", self.base)),
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
