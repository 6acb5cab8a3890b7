//! # `/v1`: the server API (journeys in, events in, numbers out)
//!
//! JSON over HTTP with bearer tokens (`itinera token create --db DB --scope S`). Every route is
//! one call of [`itinera_service::Api`]; this module only reads requests, checks the token's
//! scope and writes answers:
//!
//! * `publish`: `POST /v1/journeys`, `POST /v1/journeys/{id}/pause|resume|archive`;
//! * `ingest`: `PUT /v1/contacts/{id}`, `POST /v1/events`;
//! * `read`: `GET /v1/journeys`, `GET /v1/journeys/{id}`, `GET /v1/journeys/{id}/stats`,
//!   `GET /v1/contacts/{id}`, `GET /v1/contacts/{id}/timeline`;
//! * `GET /v1/openapi.json` (no token): the OpenAPI 3.1 document, generated from the handlers'
//!   annotations and the request and answer types (utoipa).
//!
//! Errors are `{"error": {"code", "message", "field"?, "diagnostics"?}}` ([`V1Error`]): 400 a
//! malformed body (the message names the field, line and column), 401 no/unknown/revoked token
//! (with `WWW-Authenticate: Bearer`), 403 a token without the scope, 404, 409, 413 a body over
//! [`API_BODY_BYTES`] or more than 1,000 events, 422 a journey with errors (every diagnostic),
//! 429 the event writer's queue is full (with `Retry-After`).
//!
//! [`ROUTES`] is the one list of method and path both the router and the test against the
//! OpenAPI document read.

mod error;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use itinera_service::{Api, ContactSaved, ContactTimelines, ContactView, EventsAccepted, EventsBody, JourneyDetail, JourneySummary, Scope};
use itinera_store::VersionStatus;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

pub use error::V1Error;

/// The largest `/v1` request body (413 above): 1,000 events or a large journey fit easily.
pub const API_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Every `/v1` route as (method, path), in the order of the OpenAPI document.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/journeys"),
    ("get", "/v1/journeys"),
    ("get", "/v1/journeys/{id}"),
    ("post", "/v1/journeys/{id}/pause"),
    ("post", "/v1/journeys/{id}/resume"),
    ("post", "/v1/journeys/{id}/archive"),
    ("get", "/v1/journeys/{id}/stats"),
    ("put", "/v1/contacts/{id}"),
    ("get", "/v1/contacts/{id}"),
    ("get", "/v1/contacts/{id}/timeline"),
    ("post", "/v1/events"),
    ("get", "/v1/openapi.json"),
];

type Shared = Arc<Api>;

fn handler(method: &str, path: &str) -> MethodRouter<Shared> {
    match (method, path) {
        ("post", "/v1/journeys") => post(publish),
        ("get", "/v1/journeys") => get(list_journeys),
        ("get", "/v1/journeys/{id}") => get(get_journey),
        ("post", "/v1/journeys/{id}/pause") => post(pause),
        ("post", "/v1/journeys/{id}/resume") => post(resume),
        ("post", "/v1/journeys/{id}/archive") => post(archive),
        ("get", "/v1/journeys/{id}/stats") => get(stats),
        ("put", "/v1/contacts/{id}") => put(put_contact),
        ("get", "/v1/contacts/{id}") => get(get_contact),
        ("get", "/v1/contacts/{id}/timeline") => get(contact_timeline),
        ("post", "/v1/events") => post(post_events),
        ("get", "/v1/openapi.json") => get(openapi_json),
        _ => unreachable!("ROUTES and handler() list the same routes"),
    }
}

/// The `/v1` routes over `api` (paths include `/v1`; merge them into the server's router).
pub fn router(api: Arc<Api>) -> Router {
    let mut router: Router<Shared> = Router::new();
    for (method, path) in ROUTES {
        router = router.route(path, handler(method, path));
    }
    router
        .route("/v1", get(|| async { V1Error::no_route() }))
        .route("/v1/{*rest}", axum::routing::any(|| async { V1Error::no_route() }))
        .layer(DefaultBodyLimit::max(API_BODY_BYTES))
        .with_state(api)
}

/// The OpenAPI 3.1 document of `/v1`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Itinera server API", version = "1", description = "Publish journeys, push contacts and events, read stats and timelines."),
    paths(publish, list_journeys, get_journey, pause, resume, archive, stats, put_contact, get_contact, contact_timeline, post_events, openapi_json),
    components(schemas(EventsBody, EventsAccepted, JourneySummary, JourneyDetail, ContactSaved, ContactView, ContactTimelines, ErrorBody)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// `{"error": {"code", "message", "field"?, "diagnostics"?}}`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorBody {
    #[schema(value_type = Object)]
    error: (),
}

/// An answer documented as a JSON object (its shape is a runtime type's: see docs/server.md).
struct AnyObject;

impl utoipa::PartialSchema for AnyObject {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new().into()
    }
}

impl utoipa::ToSchema for AnyObject {}

// ---- reading requests ----

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or(""))
}

fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, V1Error> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            V1Error::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("the body is over {API_BODY_BYTES} bytes"))
        } else {
            V1Error::new(StatusCode::BAD_REQUEST, "bad_request", format!("cannot read the body: {rejection}"))
        }
    })
}

fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, V1Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(V1Error::json)?;
    deserializer.end().map_err(|e| V1Error::new(StatusCode::BAD_REQUEST, "invalid_json", format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

fn id(path: Result<Path<String>, PathRejection>) -> Result<String, V1Error> {
    path.map(|Path(id)| id).map_err(|e| V1Error::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))
}

/// Checks the token for `scope`, then runs a blocking service call on the blocking pool.
async fn blocking<T: Send + 'static>(
    api: &Shared,
    scope: Scope,
    headers: &HeaderMap,
    work: impl FnOnce(&Api) -> Result<T, V1Error> + Send + 'static,
) -> Result<T, V1Error> {
    api.authorize(bearer(headers), scope)?;
    unchecked(api, work).await
}

/// Runs a blocking service call on the blocking pool (the token was checked already).
async fn unchecked<T: Send + 'static>(api: &Shared, work: impl FnOnce(&Api) -> Result<T, V1Error> + Send + 'static) -> Result<T, V1Error> {
    let api = api.clone();
    tokio::task::spawn_blocking(move || work(&api))
        .await
        .map_err(|_| V1Error::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request failed unexpectedly"))?
}

fn answer<T: serde::Serialize>(status: StatusCode, result: Result<T, V1Error>) -> Response {
    match result {
        Ok(value) => (status, axum::Json(value)).into_response(),
        Err(error) => error.into_response(),
    }
}

// ---- handlers ----

/// `POST /v1/journeys` query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct PublishQuery {
    /// Validate and answer the change impact; store nothing.
    #[serde(default)]
    dry_run: bool,
    /// Move contacts waiting at nodes the new version keeps to it.
    #[serde(default)]
    migrate: bool,
}

/// Publish a journey@1 file (validated; a journey with errors is 422 with every diagnostic).
#[utoipa::path(post, path = "/v1/journeys", params(PublishQuery), request_body(content = AnyObject, description = "a journey@1 file"),
    responses((status = 200, description = "`{journey, version, changed, impact, migrated}`", body = AnyObject),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn publish(
    State(api): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<PublishQuery>, QueryRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let result = async {
        api.authorize(bearer(&headers), Scope::Publish)?;
        let Query(query) = query.map_err(|e| V1Error::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
        let bytes = body(bytes)?;
        // Malformed JSON is the client's 400 (naming line and column), not a diagnostic.
        json::<serde::de::IgnoredAny>(&bytes)?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| V1Error::new(StatusCode::BAD_REQUEST, "bad_request", "not UTF-8"))?;
        unchecked(&api, move |api| Ok(api.publish(&text, query.dry_run, query.migrate)?)).await
    }
    .await;
    answer(StatusCode::OK, result)
}

/// Every published journey with its latest version.
#[utoipa::path(get, path = "/v1/journeys", responses((status = 200, body = Vec<JourneySummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_journeys(State(api): State<Shared>, headers: HeaderMap) -> Response {
    answer(StatusCode::OK, blocking(&api, Scope::Read, &headers, |api| Ok(api.journeys()?)).await)
}

/// A journey's versions and its latest journey file.
#[utoipa::path(get, path = "/v1/journeys/{id}", params(("id" = String, Path, description = "journey id")),
    responses((status = 200, body = JourneyDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_journey(State(api): State<Shared>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Response {
    let result = async {
        let id = id(path)?;
        blocking(&api, Scope::Read, &headers, move |api| Ok(api.journey(&id)?)).await
    };
    answer(StatusCode::OK, result.await)
}

async fn set_status(api: Shared, headers: HeaderMap, path: Result<Path<String>, PathRejection>, status: VersionStatus) -> Response {
    let result = async {
        let id = id(path)?;
        blocking(&api, Scope::Publish, &headers, move |api| Ok(api.set_status(&id, status)?)).await
    };
    answer(StatusCode::OK, result.await)
}

/// Pause the latest version: no new entries (contacts inside continue).
#[utoipa::path(post, path = "/v1/journeys/{id}/pause", params(("id" = String, Path, description = "journey id")),
    responses((status = 200, description = "`{journey, version, status}`", body = AnyObject), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn pause(State(api): State<Shared>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Response {
    set_status(api, headers, path, VersionStatus::Paused).await
}

/// Resume the latest version.
#[utoipa::path(post, path = "/v1/journeys/{id}/resume", params(("id" = String, Path, description = "journey id")),
    responses((status = 200, description = "`{journey, version, status}`", body = AnyObject), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn resume(State(api): State<Shared>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Response {
    set_status(api, headers, path, VersionStatus::Active).await
}

/// Archive the latest version: no new entries, and contacts inside leave.
#[utoipa::path(post, path = "/v1/journeys/{id}/archive", params(("id" = String, Path, description = "journey id")),
    responses((status = 200, description = "`{journey, version, status}`", body = AnyObject), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn archive(State(api): State<Shared>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Response {
    set_status(api, headers, path, VersionStatus::Archived).await
}

/// Per version and node: entered, waiting, outcomes, messages per channel, replies, goal conversion.
#[utoipa::path(get, path = "/v1/journeys/{id}/stats", params(("id" = String, Path, description = "journey id")),
    responses((status = 200, description = "`{journey, versions: [...]}`", body = AnyObject), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn stats(State(api): State<Shared>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Response {
    let result = async {
        let id = id(path)?;
        blocking(&api, Scope::Read, &headers, move |api| Ok(api.stats(&id)?)).await
    };
    answer(StatusCode::OK, result.await)
}

/// Upsert a contact (the shape of `itinera contacts import`; an `id` in the body must match).
#[utoipa::path(put, path = "/v1/contacts/{id}", params(("id" = String, Path, description = "contact id")),
    request_body(content = AnyObject, description = "`{timezone?, attributes?, addresses?, consent?, consent_evidence?}`"),
    responses((status = 200, body = ContactSaved), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn put_contact(
    State(api): State<Shared>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let result = async {
        api.authorize(bearer(&headers), Scope::Ingest)?;
        let id = id(path)?;
        let fields: serde_json::Map<String, serde_json::Value> = json(&body(bytes)?)?;
        unchecked(&api, move |api| Ok(api.put_contact(&id, fields)?)).await
    };
    answer(StatusCode::OK, result.await)
}

/// A contact's profile, consent history and journeys.
#[utoipa::path(get, path = "/v1/contacts/{id}", params(("id" = String, Path, description = "contact id")),
    responses((status = 200, body = ContactView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_contact(State(api): State<Shared>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Response {
    let result = async {
        let id = id(path)?;
        blocking(&api, Scope::Read, &headers, move |api| Ok(api.contact(&id)?)).await
    };
    answer(StatusCode::OK, result.await)
}

/// A contact's step log and messages in every journey.
#[utoipa::path(get, path = "/v1/contacts/{id}/timeline", params(("id" = String, Path, description = "contact id")),
    responses((status = 200, body = ContactTimelines), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn contact_timeline(State(api): State<Shared>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Response {
    let result = async {
        let id = id(path)?;
        blocking(&api, Scope::Read, &headers, move |api| Ok(api.contact_timeline(&id)?)).await
    };
    answer(StatusCode::OK, result.await)
}

/// Push one event or `{"events": [...]}` (up to 1,000); 202 once committed; idempotent by id.
#[utoipa::path(post, path = "/v1/events", request_body = EventsBody,
    responses((status = 202, body = EventsAccepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn post_events(State(api): State<Shared>, headers: HeaderMap, bytes: Result<Bytes, BytesRejection>) -> Response {
    let result = async {
        api.authorize(bearer(&headers), Scope::Ingest)?;
        let events = json::<EventsBody>(&body(bytes)?)?.into_events()?;
        Ok::<_, V1Error>(api.push_events(events).await?)
    };
    answer(StatusCode::ACCEPTED, result.await)
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", security(()), responses((status = 200, description = "OpenAPI 3.1", body = AnyObject)))]
async fn openapi_json() -> Response {
    axum::Json(openapi()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_lists_exactly_the_routes() {
        let doc = openapi();
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, item) in &doc.paths.paths {
            let methods = [
                ("get", item.get.is_some()),
                ("put", item.put.is_some()),
                ("post", item.post.is_some()),
                ("delete", item.delete.is_some()),
                ("patch", item.patch.is_some()),
            ];
            for (method, present) in methods {
                if present {
                    documented.push((method.to_string(), path.clone()));
                }
            }
        }
        let mut routed: Vec<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        documented.sort();
        routed.sort();
        assert_eq!(documented, routed);
        let text = serde_json::to_value(&doc).unwrap();
        assert_eq!(text["openapi"], "3.1.0");
        // The router takes every listed route (it panics on a path it cannot route).
        for (method, path) in ROUTES {
            let _ = handler(method, path);
        }
    }
}
