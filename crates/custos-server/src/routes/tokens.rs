//! `/v1/tokens`: API tokens for integrations — named, scoped to a role, with expiry, shown once,
//! stored hashed, listed and revoked.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use custos_api::{ApiToken, CreatedToken, ErrorCode, NewToken};
use custos_core::ids::TokenId;
use custos_core::store::TokenRow;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tokens", get(list).post(create))
        .route("/v1/tokens/{id}", delete(revoke))
}

fn wire(t: TokenRow) -> ApiToken {
    ApiToken {
        id: t.id.as_uuid(),
        name: t.name,
        role: t.role,
        user_id: t.user_id.as_uuid(),
        expires_at: t.expires_at,
        revoked: t.revoked,
        created_at: t.created_at,
    }
}

/// Create an API token; its text is in this answer only.
#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let ttl = body
        .expires_in_days
        .map(|d| time::Duration::days(i64::from(d)));
    let (text, row) = s
        .vault
        .create_token(&p, &body.name, body.role.as_deref(), ttl, &meta)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: text.to_string(),
            info: wire(row),
        }),
    ))
}

/// The business's API tokens (never their text).
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<ApiToken>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<ApiToken>>> {
    Ok(Json(
        s.vault.tokens(&p).await?.into_iter().map(wire).collect(),
    ))
}

/// Revoke an API token; it stops working at once.
#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = TokenId::parse(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "Token not found."))?;
    s.vault.revoke_api_token(&p, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
