//! `/v1/auth`: log in for a bearer token, log out, who am I.

use crate::error::ApiError;
use crate::error::ApiResult;
use crate::extract::SESSION_COOKIE;
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use custos_api::{
    MfaCode, MfaEnrolment, PasswordChange, RecoveryCodes, SessionInfo, SessionResponse,
    TokenRequest, TokenResponse, WhoAmI,
};
use custos_core::vault::SecondFactor;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/token", post(token))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/auth/whoami", get(whoami))
        .route("/v1/auth/password", post(change_password))
        .route("/v1/auth/session", post(session))
        .route("/v1/auth/sessions", get(sessions))
        .route("/v1/auth/logout-everywhere", post(logout_everywhere))
        .route("/v1/auth/mfa/enrol", post(mfa_enrol))
        .route("/v1/auth/mfa/confirm", post(mfa_confirm))
        .route("/v1/auth/mfa/disable", post(mfa_disable))
}

/// Log in with username and password; answers a bearer token.
#[utoipa::path(post, path = "/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem, description = "invalid_credentials"),
        (status = 415, body = custos_api::Problem), (status = 422, body = custos_api::Problem)))]
pub async fn token(
    State(s): State<AppState>,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let (token, expires_at) = s
        .vault
        .login(
            req.tenant.as_deref(),
            &req.username,
            &req.password,
            SecondFactor {
                totp_code: req.totp_code.as_deref(),
                recovery_code: req.recovery_code.as_deref(),
            },
            false,
            &meta,
        )
        .await?;
    Ok(Json(TokenResponse {
        token: token.to_string(),
        token_type: "Bearer".into(),
        expires_at,
    }))
}

/// End the token used for this request.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out"), (status = 401, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn logout(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<(StatusCode, HeaderMap)> {
    s.vault.logout(&p, &meta).await?;
    Ok((StatusCode::NO_CONTENT, clear_cookie()))
}

/// The `Set-Cookie` header of a new web session (Secure, HttpOnly, SameSite=Strict).
pub fn set_session_cookie(token: &str, max_age_secs: i64) -> ApiResult<HeaderMap> {
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}"
    );
    let mut h = HeaderMap::new();
    h.insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(ApiError::internal)?,
    );
    Ok(h)
}

/// The `Set-Cookie` header that ends the web session in the browser.
pub fn clear_cookie() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "__Host-custos_session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    h
}

/// Log in for a web session: the session is set as the `__Host-custos_session` cookie (Secure,
/// HttpOnly, SameSite=Strict, a new id at every login); the answer holds its CSRF token.
#[utoipa::path(post, path = "/v1/auth/session", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = SessionResponse, headers(("Set-Cookie" = String, description = "__Host-custos_session"))), (status = 400, body = custos_api::Problem),
        (status = 401, body = custos_api::Problem), (status = 415, body = custos_api::Problem), (status = 422, body = custos_api::Problem), (status = 429, body = custos_api::Problem)))]
pub async fn session(
    State(s): State<AppState>,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<(HeaderMap, Json<SessionResponse>)> {
    let second = SecondFactor {
        totp_code: req.totp_code.as_deref(),
        recovery_code: req.recovery_code.as_deref(),
    };
    let (token, expires_at) = s
        .vault
        .login(
            req.tenant.as_deref(),
            &req.username,
            &req.password,
            second,
            true,
            &meta,
        )
        .await?;
    let h = set_session_cookie(&token, s.vault.settings().session_absolute.whole_seconds())?;
    Ok((
        h,
        Json(SessionResponse {
            csrf_token: custos_crypto::csrf_token(&token),
            expires_at,
        }),
    ))
}

/// The caller's own sessions and login tokens that are still valid.
#[utoipa::path(get, path = "/v1/auth/sessions", tag = "auth",
    responses((status = 200, body = Vec<SessionInfo>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn sessions(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    let items = s.vault.sessions(&p).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|t| SessionInfo {
                id: t.id.as_uuid(),
                kind: t.kind.as_str().to_owned(),
                created_at: t.created_at,
                last_seen_at: t.last_seen_at,
                expires_at: t.expires_at,
                current: p.token_id == Some(t.id),
            })
            .collect(),
    ))
}

/// Log out everywhere: every session and login token of the caller ends (API tokens stay).
#[utoipa::path(post, path = "/v1/auth/logout-everywhere", tag = "auth",
    responses((status = 204, description = "Logged out everywhere"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn logout_everywhere(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<(StatusCode, HeaderMap)> {
    s.vault.logout_everywhere(&p, &meta).await?;
    Ok((StatusCode::NO_CONTENT, clear_cookie()))
}

/// Who the caller is: kind, name, role and business.
#[utoipa::path(get, path = "/v1/auth/whoami", tag = "auth",
    responses((status = 200, body = WhoAmI), (status = 401, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn whoami(Auth(p): Auth) -> Json<WhoAmI> {
    Json(WhoAmI {
        kind: p.kind.as_str().to_owned(),
        id: p.actor_id,
        name: p.name.clone(),
        role: p.role.name.clone(),
        tenant_id: p.tenant_id.as_uuid(),
        tenant: p.tenant_slug.clone(),
        must_change_password: p.must_change_password,
        mfa_enrolment_required: p.mfa_enrolment_required,
        break_glass: p.break_glass,
    })
}

/// Change one's own password (needs the current one); other login sessions end.
#[utoipa::path(post, path = "/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204, description = "Changed"), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem, description = "the current password is wrong"),
        (status = 403, body = custos_api::Problem), (status = 422, body = custos_api::Problem, description = "password_refused"), (status = 429, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn change_password(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    s.vault
        .change_password(&p, &body.current_password, &body.new_password, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start MFA enrolment: a new TOTP secret, as a QR code and an `otpauth://` URI (shown once).
#[utoipa::path(post, path = "/v1/auth/mfa/enrol", tag = "auth",
    responses((status = 200, body = MfaEnrolment), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 409, body = custos_api::Problem, description = "MFA is on already")),
    security(("bearer" = [])))]
pub async fn mfa_enrol(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<Json<MfaEnrolment>> {
    let e = s.vault.mfa_enrol(&p, &meta).await?;
    Ok(Json(MfaEnrolment {
        secret: e.secret.to_string(),
        otpauth_uri: e.otpauth_uri.to_string(),
        qr_svg: e.qr_svg,
    }))
}

/// Confirm enrolment with the app's current code; answers ten single-use recovery codes (shown once).
#[utoipa::path(post, path = "/v1/auth/mfa/confirm", tag = "auth", request_body = MfaCode,
    responses((status = 200, body = RecoveryCodes), (status = 401, body = custos_api::Problem, description = "invalid_mfa_code"), (status = 403, body = custos_api::Problem),
        (status = 409, body = custos_api::Problem), (status = 422, body = custos_api::Problem), (status = 429, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn mfa_confirm(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<MfaCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    let codes = s.vault.mfa_confirm(&p, &body.code, &meta).await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes.iter().map(|c| c.to_string()).collect(),
    }))
}

/// Turn MFA off with a current code (refused while the business requires MFA).
#[utoipa::path(post, path = "/v1/auth/mfa/disable", tag = "auth", request_body = MfaCode,
    responses((status = 204, description = "MFA off"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 422, body = custos_api::Problem), (status = 429, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn mfa_disable(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<MfaCode>,
) -> ApiResult<StatusCode> {
    s.vault.mfa_disable(&p, &body.code, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
