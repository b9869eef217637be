//! Extractors that answer their rejections as problem responses: JSON bodies, query strings,
//! the bearer principal, request metadata, `If-Match` and `Idempotency-Key`.

use crate::error::{current_request_id, ApiError};
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use custos_api::ErrorCode;
use custos_core::audit::RequestMeta;
use custos_core::policy::Principal;
use custos_core::vault::Via;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// A JSON body; a malformed one is a 400/413/415 problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(json_rejection(rej)),
        }
    }
}

fn json_rejection(rej: JsonRejection) -> ApiError {
    match rej {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as application/json.",
        ),
        JsonRejection::BytesRejection(b)
            if b.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                "The request body is larger than the server accepts.",
            )
        }
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::new(ErrorCode::InvalidJson, "The body is not valid JSON.")
        }
        // Shape errors name the offending key and the expected type, never a value.
        JsonRejection::JsonDataError(e) => ApiError::new(
            ErrorCode::InvalidJson,
            format!(
                "The body does not have the expected shape: {}",
                shape_detail(&e.body_text())
            ),
        ),
        other => ApiError::new(
            ErrorCode::InvalidJson,
            format!("The body could not be read ({}).", other.status()),
        ),
    }
}

/// Keeps serde's description of a shape error but drops any quoted input it echoes.
fn shape_detail(text: &str) -> String {
    let text = text.split_once(": ").map_or(text, |(_, rest)| rest);
    let mut out = String::with_capacity(text.len());
    let mut in_quote = false;
    for c in text.chars() {
        if c == '"' {
            in_quote = !in_quote;
            if in_quote {
                out.push_str("\"…");
            } else {
                out.push('"');
            }
            continue;
        }
        if !in_quote {
            out.push(c);
        }
    }
    // Unknown-field messages name the key, which is a field name, not a value: keep those.
    if text.starts_with("unknown field `") {
        return text.split(", expected").next().unwrap_or(text).to_owned();
    }
    out
}

/// A query string; a malformed one is a 400 problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!(
                    "The query string is not valid: {}",
                    shape_detail(&e.body_text())
                ),
            )),
            Err(_) => Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "The query string is not valid.",
            )),
        }
    }
}

/// The request id and client address, for audit events.
pub struct Meta(pub RequestMeta);

pub(crate) fn request_meta(parts: &Parts) -> RequestMeta {
    let addr = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    RequestMeta {
        request_id: Some(current_request_id()),
        client_addr: addr,
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Meta(request_meta(parts)))
    }
}

/// The name of the web session cookie (`__Host-`: Secure, Path=/, no Domain).
pub const SESSION_COOKIE: &str = "__Host-custos_session";

/// The authenticated principal: from `Authorization: Bearer …`, or from the session cookie, in
/// which case a state-changing request must carry the session's `X-CSRF-Token`.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = bearer(&parts.headers) {
            return Ok(Auth(
                state
                    .vault
                    .authenticate(token, Via::Bearer, &request_meta(parts))
                    .await?,
            ));
        }
        let Some(session) = session_cookie(&parts.headers) else {
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "Send a bearer token in the Authorization header, or log in for a session.",
            ));
        };
        let p = state
            .vault
            .authenticate(session, Via::Cookie, &request_meta(parts))
            .await?;
        if !parts.method.is_safe() {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !custos_crypto::chain::same(
                sent.as_bytes(),
                custos_crypto::csrf_token(session).as_bytes(),
            ) {
                return Err(ApiError::new(
                    ErrorCode::CsrfFailed,
                    "Send the session's CSRF token in X-CSRF-Token with every change.",
                ));
            }
        }
        Ok(Auth(p))
    }
}

/// The session cookie's value, if sent.
pub fn session_cookie(h: &HeaderMap) -> Option<&str> {
    cookie(h, SESSION_COOKIE)
}

/// The value of the cookie `name`, if sent.
pub fn cookie<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The bearer token of `Authorization`, if sent.
pub fn bearer(h: &HeaderMap) -> Option<&str> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The version in `If-Match` (`"3"`, `3` or `W/"3"`); required.
pub fn if_match(h: &HeaderMap) -> Result<u64, ApiError> {
    let v = h.get(header::IF_MATCH).ok_or_else(|| {
        ApiError::new(
            ErrorCode::PreconditionRequired,
            "Send If-Match with the customer's current version (its ETag).",
        )
    })?;
    let s = v.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
    s.parse().map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidHeader,
            "If-Match must hold a version as given in the ETag, e.g. \"3\".",
        )
    })
}

/// The `Idempotency-Key`, if sent: 1 to 255 visible ASCII characters.
pub fn idempotency_key(h: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = h.get("idempotency-key") else {
        return Ok(None);
    };
    let s = v.to_str().map_err(|_| bad_key())?;
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad_key());
    }
    Ok(Some(s.to_owned()))
}

fn bad_key() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidHeader,
        "Idempotency-Key must be 1 to 255 visible ASCII characters.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_detail_drops_quoted_input() {
        let d = shape_detail("Failed to deserialize the JSON body into the target type: fields: invalid type: string \"Zofia secret\", expected a map at line 1 column 30");
        assert!(!d.contains("Zofia"), "{d}");
        assert!(d.contains("expected a map"));
        assert_eq!(
            shape_detail("unknown field `fieldz`, expected `fields`"),
            "unknown field `fieldz`"
        );
    }

    #[test]
    fn if_match_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(
            if_match(&h).unwrap_err().code(),
            ErrorCode::PreconditionRequired
        );
        for (v, n) in [("\"3\"", 3), ("3", 3), ("W/\"7\"", 7)] {
            h.insert(header::IF_MATCH, v.parse().unwrap());
            assert_eq!(if_match(&h).unwrap(), n);
        }
        h.insert(header::IF_MATCH, "\"x\"".parse().unwrap());
        assert_eq!(if_match(&h).unwrap_err().code(), ErrorCode::InvalidHeader);
    }
}
