//! `/v1/auth`: log in for a bearer token, log out, who am I.

use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use custos_api::{PasswordChange, TokenRequest, TokenResponse, WhoAmI};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/token", post(token))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/auth/whoami", get(whoami))
        .route("/v1/auth/password", post(change_password))
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
        .login(req.tenant.as_deref(), &req.username, &req.password, &meta)
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
) -> ApiResult<StatusCode> {
    s.vault.logout(&p, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
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
