//! What a client sends to prove who it is, as the server reads it: `Cookie` headers (the staff
//! session, the portal's, the language), `Authorization: Bearer`, the token shape check and hash, the
//! CSRF token, and the precondition and idempotency headers. Raw header bytes in; each parser
//! answers something or nothing, and what it answers came from the header.
#![no_main]

use axum::http::{header, HeaderMap, HeaderValue};
use custos_crypto::token;
use custos_server::extract::{bearer, cookie, idempotency_key, if_match, session_cookie};
use custos_server::routes::portal::PORTAL_COOKIE;
use custos_server::ui::i18n::Lang;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut h = HeaderMap::new();
    for name in [
        header::COOKIE,
        header::AUTHORIZATION,
        header::IF_MATCH,
        header::HeaderName::from_static("idempotency-key"),
        header::ACCEPT_LANGUAGE,
    ] {
        h.insert(name, v.clone());
    }
    let raw = v.to_str().unwrap_or("");
    if let Some(s) = session_cookie(&h) {
        assert!(raw.contains(s));
        let shaped = token::looks_valid(s);
        let _ = token::hash(s);
        let _ = custos_crypto::csrf_token(s);
        assert!(!shaped || s.len() == token::PREFIX.len() + 43);
    }
    if let Some(c) = cookie(&h, PORTAL_COOKIE) {
        assert!(raw.contains(c));
    }
    let _ = Lang::of_request(&h);
    if let Some(t) = bearer(&h) {
        assert!(raw.contains(t));
        if token::looks_valid(t) {
            assert!(t.starts_with(token::PREFIX));
        }
    }
    let _ = if_match(&h);
    if let Ok(Some(k)) = idempotency_key(&h) {
        assert!(!k.is_empty() && k.len() <= 255);
    }
});
