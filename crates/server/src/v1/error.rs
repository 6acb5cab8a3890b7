//! The `/v1` error body: `{"error": {"code", "message", "field"?, "diagnostics"?}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use itinera_model::Diagnostic;
use itinera_service::{ApiError, Error, ErrorKind};
use serde::Serialize;

/// An error as `/v1` answers it.
#[derive(Debug)]
pub struct V1Error {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable word for programs (`unauthorized`, `invalid_json`, `invalid_journey`, ...).
    pub code: &'static str,
    /// One sentence for people.
    pub message: String,
    /// The request field at fault (`events[2].contact`), when known.
    pub field: Option<String>,
    /// A journey's diagnostics (422).
    pub diagnostics: Option<Vec<Diagnostic>>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnostics: Option<&'a [Diagnostic]>,
}

impl V1Error {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> V1Error {
        V1Error { status, code, message: message.into(), field: None, diagnostics: None }
    }

    /// 404 for a path this API does not have.
    pub fn no_route() -> V1Error {
        V1Error::new(StatusCode::NOT_FOUND, "not_found", "no such route in /v1 (see GET /v1/openapi.json)")
    }

    /// A JSON body that does not parse or has the wrong shape, naming the field and position.
    pub fn json(error: serde_path_to_error::Error<serde_json::Error>) -> V1Error {
        let path = error.path().to_string();
        let inner = error.inner();
        let field = if path == "." { None } else { Some(path) };
        let message = match &field {
            Some(field) => format!("{field}: {inner}"),
            None => format!("the body is not valid JSON: {inner}"),
        };
        V1Error { field, ..V1Error::new(StatusCode::BAD_REQUEST, "invalid_json", message) }
    }
}

impl From<Error> for V1Error {
    fn from(error: Error) -> V1Error {
        let message = error.to_string();
        match error {
            Error::Invalid { diagnostics, .. } => {
                V1Error { diagnostics: Some(diagnostics), ..V1Error::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_journey", message) }
            }
            other => {
                let (status, code) = match other.kind() {
                    ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
                    ErrorKind::BadInput => (StatusCode::BAD_REQUEST, "bad_request"),
                    ErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
                    ErrorKind::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
                    ErrorKind::Cancelled => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
                    ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
                };
                // A field named at the start of the message (`id: ...`) is the field at fault.
                let field = message
                    .split_once(": ")
                    .map(|(head, _)| head)
                    .filter(|head| {
                        status == StatusCode::BAD_REQUEST
                            && !head.is_empty()
                            && head.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
                    })
                    .map(str::to_string);
                V1Error { field, ..V1Error::new(status, code, message) }
            }
        }
    }
}

impl From<ApiError> for V1Error {
    fn from(error: ApiError) -> V1Error {
        match error {
            ApiError::Unauthorized(m) => V1Error::new(StatusCode::UNAUTHORIZED, "unauthorized", m),
            ApiError::Forbidden(m) => V1Error::new(StatusCode::FORBIDDEN, "forbidden", m),
            ApiError::Busy(m) => V1Error::new(StatusCode::TOO_MANY_REQUESTS, "busy", m),
            ApiError::Service(e) => e.into(),
        }
    }
}

impl IntoResponse for V1Error {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
                diagnostics: self.diagnostics.as_deref(),
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"itinera\""));
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
