//! `ApiError`: every failure answered as `application/problem+json` with a stable code and the
//! request id. A 5xx says only that something went wrong; its cause goes to the log.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use custos_api::{ErrorCode, Problem};
use custos_core::CoreError;

tokio::task_local! {
    /// The current request's id, set by the request middleware for the whole request.
    pub static REQUEST_ID: String;
}

/// The current request id, or `-` outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
}

/// An error answered to a client.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    detail: String,
    field: Option<String>,
    retry_after: Option<u32>,
}

impl ApiError {
    /// An error with a code and a detail for the client (never a personal value).
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError {
            code,
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The sentence for the client.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The field concerned, if the error is about one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// 500 with the cause logged, not shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(request_id = %current_request_id(), error = %cause, "internal error");
        ApiError::new(
            ErrorCode::Internal,
            "Something went wrong on the server. Quote the request id when you report it.",
        )
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let code = e.code();
        match code {
            ErrorCode::Internal => ApiError::internal(e.log_detail().unwrap_or("internal")),
            ErrorCode::Unavailable => {
                tracing::warn!(request_id = %current_request_id(), error = %e.log_detail().unwrap_or(""), "store unavailable");
                ApiError {
                    code,
                    detail: "The database is unavailable right now; retry shortly.".into(),
                    field: None,
                    retry_after: Some(5),
                }
            }
            _ => ApiError {
                code,
                detail: e.to_string(),
                field: e.field().map(str::to_owned),
                retry_after: e
                    .retry_after()
                    .map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut p = Problem::new(self.code, self.detail, current_request_id());
        p.field = self.field;
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&p).unwrap_or_default();
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.code == ErrorCode::Unauthorized || self.code == ErrorCode::InvalidCredentials {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"custos\""),
            );
        }
        resp
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
