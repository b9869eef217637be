//! Extractors that answer their rejections as problem responses: JSON bodies, query strings,
//! the bearer principal, request metadata, `If-Match` and `Idempotency-Key`.

use crate::error::{current_request_id, ApiError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use custos_api::ErrorCode;
use custos_core::audit::RequestMeta;
use custos_core::policy::Principal;
use custos_core::vault::Via;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// A JSON object body; anything else is a 400/413/415 problem.
///
/// Stricter than `axum::Json` where JSON Schema is: the top level must be an object (serde would
/// read a struct from an array of its fields), and looser where JSON is: a number with a zero
/// fraction (`7.0`) is the integer it equals, as JSON Schema's `integer` says.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "Send the body as application/json.",
            ));
        }
        let bytes = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(b) if b.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    "The request body is larger than the server accepts.",
                ))
            }
            Err(b) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidJson,
                    format!("The body could not be read ({}).", b.status()),
                ))
            }
        };
        json_object(&bytes).map(ApiJson)
    }
}

/// `application/json` or another `application/…+json` type, as `axum::Json` accepts.
fn json_content_type(h: &HeaderMap) -> bool {
    let Some(v) = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = v
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads a JSON object body into `T` (see [`ApiJson`]).
pub fn json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        // Not an object: still say "not JSON" for what is not JSON at all.
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Ok(_) => ApiError::new(ErrorCode::InvalidJson, "The body must be a JSON object."),
                Err(_) => ApiError::new(ErrorCode::InvalidJson, "The body is not valid JSON."),
            },
        );
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let e = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => {
            return de
                .end()
                .map(|()| v)
                .map_err(|_| ApiError::new(ErrorCode::InvalidJson, "The body is not valid JSON."))
        }
        Err(e) => e,
    };
    if e.inner().is_syntax() || e.inner().is_eof() {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            "The body is not valid JSON.",
        ));
    }
    // A shape error: once more with integral floats made integers (whose error, if any, is then
    // the one that counts), else the first error.
    let mut e = e.to_string();
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        if integral_floats_to_integers(&mut value) {
            match serde_path_to_error::deserialize::<_, T>(value) {
                Ok(v) => return Ok(v),
                Err(again) => e = again.to_string(),
            }
        }
    }
    Err(ApiError::new(
        ErrorCode::InvalidJson,
        format!(
            "The body does not have the expected shape: {}",
            shape_detail(&format!("body: {e}"))
        ),
    ))
}

/// Turns every number with a zero fraction within the integers' range into that integer;
/// answers whether it changed any.
fn integral_floats_to_integers(v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f >= -(2f64.powi(53)) && f <= 2f64.powi(53) {
                *v = serde_json::Value::from(f as i64);
                return true;
            }
            false
        }
        serde_json::Value::Array(items) => {
            let mut changed = false;
            for i in items {
                changed |= integral_floats_to_integers(i);
            }
            changed
        }
        serde_json::Value::Object(map) => {
            let mut changed = false;
            for i in map.values_mut() {
                changed |= integral_floats_to_integers(i);
            }
            changed
        }
        _ => false,
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

/// A page size from a query string: absent (the endpoint's default) or 1 to `max`, as its
/// parameter's schema says; anything else is a 400 problem.
pub fn limit_in(limit: Option<u32>, max: u32) -> Result<Option<u32>, ApiError> {
    match limit {
        Some(n) if n == 0 || n > max => Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("limit must be 1 to {max}."),
        )),
        l => Ok(l),
    }
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
    fn json_object_bodies() {
        #[derive(Debug, serde::Deserialize, PartialEq)]
        struct B {
            n: u32,
            #[serde(default)]
            f: Option<f64>,
        }
        let ok = |b: &str| json_object::<B>(b.as_bytes()).map_err(|e| e.code());
        assert_eq!(ok(" {\"n\": 7}"), Ok(B { n: 7, f: None }));
        assert_eq!(ok("{\"n\": 7.0, \"f\": 2.0}"), Ok(B { n: 7, f: Some(2.0) }));
        assert_eq!(ok("{\"n\": 7.5}"), Err(ErrorCode::InvalidJson));
        assert_eq!(ok("{\"n\": 1e300}"), Err(ErrorCode::InvalidJson));
        assert_eq!(ok("[7]"), Err(ErrorCode::InvalidJson));
        assert_eq!(ok("{\"n\": 7} x"), Err(ErrorCode::InvalidJson));
        assert_eq!(ok(""), Err(ErrorCode::InvalidJson));
        let mut v = serde_json::json!({"a": [1.0, 2.5, {"b": -3.0}], "c": 4});
        assert!(integral_floats_to_integers(&mut v));
        assert_eq!(v, serde_json::json!({"a": [1, 2.5, {"b": -3}], "c": 4}));
        assert!(!integral_floats_to_integers(&mut v));
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
