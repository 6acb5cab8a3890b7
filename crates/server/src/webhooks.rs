//! Inbound webhooks: `/webhooks/whatsapp`, `/webhooks/twilio`, `/unsubscribe/{token}` and the
//! configured event sources at `/hooks/{path}`.
//!
//! Every request is checked before anything is stored: the signature over the raw body (and,
//! where the scheme signs a time, its age), with `itinera_inbound::verify`. Unsigned, forged or
//! stale requests are answered 401/403, logged with tracing (the source and the reason, never
//! a secret or the body) and not stored. An accepted request is kept raw in the store's
//! `inbound` table together with the inputs it makes, in one transaction, before it is
//! answered — so a crash after the answer loses nothing, and one before it makes the provider
//! retry (which is recognised: inputs are idempotent by the provider's ids).
//!
//! These routes are for the world (providers, other tools) and are not behind the editor's
//! loopback and token checks; each has its own check instead. Bodies are bounded
//! ([`MAX_BODY`]).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use itinera_inbound::sources::Source;
use itinera_inbound::{Inbound, ReadError, Refused, twilio, verify, whatsapp};
use itinera_service::{Failure, LiveEngine, Raw};
use serde_json::json;

/// The largest webhook body taken (Meta batches up to a few hundred KB).
pub const MAX_BODY: usize = 1024 * 1024;

/// A provider's error code → reason and opt-out (the providers' own mapping).
pub type Classify = Arc<dyn Fn(&str, &str) -> Failure + Send + Sync>;
/// An unsubscribe token → (contact, channel), when it is one of ours.
pub type VerifyToken = Arc<dyn Fn(&str) -> Option<(String, String)> + Send + Sync>;

/// WhatsApp Cloud API settings the webhook needs.
#[derive(Clone)]
pub struct WhatsAppHook {
    /// The app secret (`X-Hub-Signature-256`).
    pub app_secret: Vec<u8>,
    /// The token of the subscription handshake.
    pub verify_token: String,
    /// Only this business number's changes are taken.
    pub phone_number_id: Option<String>,
}

/// Twilio settings the webhook needs.
#[derive(Clone)]
pub struct TwilioHook {
    /// The auth token (`X-Twilio-Signature`).
    pub auth_token: Vec<u8>,
}

/// What the inbound routes check against, from the server's config.
#[derive(Clone)]
pub struct Webhooks {
    /// How providers reach this server (`https://journeys.example.com`): Twilio signs the URL
    /// it called, so the signature is checked against this plus the path.
    pub public_url: Option<String>,
    /// `None`: `/webhooks/whatsapp` answers 404.
    pub whatsapp: Option<WhatsAppHook>,
    /// `None`: `/webhooks/twilio` answers 404.
    pub twilio: Option<TwilioHook>,
    /// `None`: `/unsubscribe/*` answers 404.
    pub unsubscribe: Option<VerifyToken>,
    /// The event sources.
    pub sources: Vec<Source>,
    /// Provider error codes.
    pub classify: Classify,
}

impl Webhooks {
    /// Nothing configured: every inbound route answers 404.
    pub fn none() -> Webhooks {
        Webhooks {
            public_url: None,
            whatsapp: None,
            twilio: None,
            unsubscribe: None,
            sources: Vec::new(),
            classify: Arc::new(|_, code| Failure { reason: code.to_string(), opt_out: false }),
        }
    }
}

/// What the routes check against, from a loaded itinera.toml (its secrets resolved).
#[cfg(feature = "http")]
pub fn from_config(config: &itinera_providers::config::Config) -> Webhooks {
    let channels = &config.channels;
    let whatsapp = channels.whatsapp.as_ref().and_then(|wa| {
        Some(WhatsAppHook {
            app_secret: wa.app_secret.secret()?.expose().as_bytes().to_vec(),
            verify_token: wa.verify_token.secret()?.expose().to_string(),
            phone_number_id: Some(wa.phone_number_id.clone()),
        })
    });
    let twilio =
        channels.sms.as_ref().and_then(|sms| Some(TwilioHook { auth_token: sms.auth_token.secret()?.expose().as_bytes().to_vec() }));
    let unsubscribe = channels.email.as_ref().and_then(|email| email.unsubscribe_secret.secret()).map(|secret| {
        let key = secret.expose().as_bytes().to_vec();
        Arc::new(move |token: &str| itinera_providers::unsubscribe::verify(&key, token)) as VerifyToken
    });
    Webhooks {
        public_url: config.public_url.clone(),
        whatsapp,
        twilio,
        unsubscribe,
        sources: config.event_sources(),
        classify: Arc::new(itinera_providers::inbound::classify),
    }
}

struct Hooks {
    live: Arc<LiveEngine>,
    config: Webhooks,
}

/// The inbound routes over the engine `live`.
pub fn routes(live: Arc<LiveEngine>, config: Webhooks) -> Router {
    let state = Arc::new(Hooks { live, config });
    Router::new()
        .route("/webhooks/whatsapp", get(whatsapp_handshake).post(whatsapp_post))
        .route("/webhooks/twilio", post(twilio_post))
        .route("/unsubscribe/{token}", get(unsubscribe_page).post(unsubscribe_post))
        .route("/hooks/{path}", post(source_post))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

fn answer(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({"error": {"code": code, "message": message.into()}}))).into_response()
}

fn refused(source: &str, why: &Refused) -> Response {
    tracing::warn!(source, reason = %why, "inbound webhook refused");
    let status = StatusCode::from_u16(why.status()).unwrap_or(StatusCode::FORBIDDEN);
    answer(status, if status == StatusCode::UNAUTHORIZED { "unauthenticated" } else { "forbidden" }, why.to_string())
}

fn not_configured(what: &str) -> Response {
    answer(StatusCode::NOT_FOUND, "not_found", format!("{what} is not configured on this server"))
}

/// The headers kept with a request: all but credentials and cookies.
fn kept_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| *name != header::AUTHORIZATION && *name != header::COOKIE)
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Keeps the request and applies its items on the blocking pool. Answers 200 with what it
/// became; a signed payload that is not what the scheme sends is kept too (nothing is lost)
/// but applies nothing and is answered 400.
async fn keep(
    hooks: Arc<Hooks>,
    source: String,
    headers: Vec<(String, String)>,
    body: Bytes,
    items: Result<Vec<Inbound>, ReadError>,
) -> Response {
    let (items, unreadable) = match items {
        Ok(items) => (items, None),
        Err(error) => (Vec::new(), Some(error)),
    };
    let outcome = tokio::task::spawn_blocking(move || {
        let raw = Raw { source: &source, headers: &headers, body: &body };
        hooks.live.accept_inbound(raw, &items, &*hooks.config.classify)
    })
    .await;
    match (outcome, unreadable) {
        (Ok(Ok(_)), Some(error)) => answer(StatusCode::BAD_REQUEST, "bad_request", error.0),
        (Ok(Ok(accepted)), None) => (StatusCode::OK, axum::Json(json!({"ok": true, "accepted": accepted}))).into_response(),
        (Ok(Err(error)), _) => {
            tracing::error!(%error, "an inbound webhook could not be stored");
            answer(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "could not store the request; retry later")
        }
        (Err(_), _) => answer(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request's work stopped"),
    }
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query.map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()).unwrap_or_default()
}

async fn whatsapp_handshake(State(hooks): State<Arc<Hooks>>, RawQuery(query): RawQuery) -> Response {
    let Some(wa) = &hooks.config.whatsapp else { return not_configured("WhatsApp") };
    match whatsapp::verify_subscription(&query_pairs(query.as_deref()), &wa.verify_token) {
        Ok(challenge) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], challenge).into_response(),
        Err(why) => refused("whatsapp handshake", &why),
    }
}

async fn whatsapp_post(State(hooks): State<Arc<Hooks>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(wa) = hooks.config.whatsapp.clone() else { return not_configured("WhatsApp") };
    if let Err(why) = verify::meta(&wa.app_secret, &body, header_str(&headers, "x-hub-signature-256")) {
        return refused("whatsapp", &why);
    }
    let items = whatsapp::read(&body, wa.phone_number_id.as_deref());
    keep(hooks, "whatsapp".into(), kept_headers(&headers), body, items).await
}

async fn twilio_post(State(hooks): State<Arc<Hooks>>, RawQuery(query): RawQuery, headers: HeaderMap, body: Bytes) -> Response {
    let Some(tw) = hooks.config.twilio.clone() else { return not_configured("Twilio") };
    let Some(public) = hooks.config.public_url.as_deref() else {
        return answer(StatusCode::SERVICE_UNAVAILABLE, "not_configured", "public_url is not set: Twilio signatures cannot be checked");
    };
    let url = match &query {
        Some(q) => format!("{}/webhooks/twilio?{q}", public.trim_end_matches('/')),
        None => format!("{}/webhooks/twilio", public.trim_end_matches('/')),
    };
    let params = twilio::params(&body);
    if let Err(why) = verify::twilio(&tw.auth_token, &url, &params, header_str(&headers, "x-twilio-signature")) {
        return refused("twilio", &why);
    }
    let items = twilio::read(&params);
    let response = keep(hooks, "twilio".into(), kept_headers(&headers), body, items).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    // An empty TwiML answer: Twilio sends no automatic reply of its own.
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml")], "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>")
        .into_response()
}

async fn source_post(State(hooks): State<Arc<Hooks>>, UrlPath(path): UrlPath<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(source) = hooks.config.sources.iter().find(|s| s.path == path).cloned() else {
        return answer(StatusCode::NOT_FOUND, "not_found", format!("no event source at /hooks/{path}"));
    };
    let pairs = kept_headers(&headers);
    if let Err(why) = source.verify(&pairs, &body, jiff::Timestamp::now()) {
        return refused(&format!("hooks/{path}"), &why);
    }
    let items = source.read(&pairs, &body).map(|event| event.into_iter().collect());
    keep(hooks, format!("hooks/{path}"), pairs, body, items).await
}

const PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Unsubscribe</title></head><body style="font-family:system-ui;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>Unsubscribe</h1><p>Stop receiving these emails?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>
</body></html>"#;

/// `GET /unsubscribe/{token}`: a page with a button; never unsubscribes (mail scanners follow
/// links).
async fn unsubscribe_page(State(hooks): State<Arc<Hooks>>, UrlPath(token): UrlPath<String>) -> Response {
    let Some(verify) = &hooks.config.unsubscribe else { return not_configured("Unsubscribe") };
    if verify(&token).is_none() {
        return answer(StatusCode::NOT_FOUND, "not_found", "this unsubscribe link is not valid");
    }
    Html(PAGE).into_response()
}

/// `POST /unsubscribe/{token}` (RFC 8058 one-click: no auth, no redirect): the token is the
/// proof; consent on its channel is revoked and kept as evidence.
async fn unsubscribe_post(State(hooks): State<Arc<Hooks>>, UrlPath(token): UrlPath<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(verify) = hooks.config.unsubscribe.clone() else { return not_configured("Unsubscribe") };
    let Some((contact, channel)) = verify(&token) else {
        tracing::warn!(source = "unsubscribe", "unsubscribe with a token that is not ours");
        return answer(StatusCode::NOT_FOUND, "not_found", "this unsubscribe link is not valid");
    };
    let headers = kept_headers(&headers);
    let done = tokio::task::spawn_blocking(move || {
        let raw = Raw { source: "unsubscribe", headers: &headers, body: &body };
        hooks.live.unsubscribe(raw, &contact, &channel)
    })
    .await;
    match done {
        Ok(Ok(_)) => Html("<!doctype html><p>You are unsubscribed.</p>").into_response(),
        Ok(Err(error)) => {
            tracing::error!(%error, "an unsubscribe could not be stored");
            answer(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "could not store the request; retry later")
        }
        Err(_) => answer(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request's work stopped"),
    }
}
