//! `/v1/users`: staff accounts — create, list, read, change role or disable, reset a password,
//! mark compromised (roles allowed to manage users, never above their own role).

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use custos_api::{ErrorCode, NewUser, PasswordReset, User, UserPatch};
use custos_core::identity::UserView;
use custos_core::ids::UserId;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/users", get(list).post(create))
        .route("/v1/users/{id}", get(read).patch(update))
        .route("/v1/users/{id}/reset-password", post(reset_password))
        .route("/v1/users/{id}/compromised", post(compromised))
}

fn wire(u: UserView) -> User {
    User {
        id: u.id.as_uuid(),
        username: u.username,
        role: u.role,
        disabled: u.disabled,
        must_change_password: u.must_change_password,
        created_at: u.created_at,
    }
}

fn user_id(s: &str) -> ApiResult<UserId> {
    UserId::parse(s).ok_or_else(|| ApiError::new(ErrorCode::NotFound, "User not found."))
}

/// Add a staff user to the caller's business.
#[utoipa::path(post, path = "/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 409, body = custos_api::Problem, description = "username taken"), (status = 422, body = custos_api::Problem, description = "password_refused, invalid_request")),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let id = s
        .vault
        .add_user(
            Some(&p),
            p.tenant_id,
            &body.username,
            &body.password,
            &body.role,
            &meta,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(wire(s.vault.user(&p, id).await?))))
}

/// The business's staff accounts.
#[utoipa::path(get, path = "/v1/users", tag = "users",
    responses((status = 200, body = Vec<User>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(
        s.vault.users(&p).await?.into_iter().map(wire).collect(),
    ))
}

/// One staff account.
#[utoipa::path(get, path = "/v1/users/{id}", tag = "users", params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = User), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn read(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    Ok(Json(wire(s.vault.user(&p, user_id(&id)?).await?)))
}

/// Change a user's role, or disable/enable it; effective on the user's next request.
#[utoipa::path(patch, path = "/v1/users/{id}", tag = "users", request_body = UserPatch, params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = User), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 409, body = custos_api::Problem, description = "the last enabled owner"), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserPatch>,
) -> ApiResult<Json<User>> {
    Ok(Json(wire(
        s.vault
            .change_user(
                &p,
                user_id(&id)?,
                body.role.as_deref(),
                body.disabled,
                &meta,
            )
            .await?,
    )))
}

/// Set a new password for a user, who must change it at the next login; their sessions end.
#[utoipa::path(post, path = "/v1/users/{id}/reset-password", tag = "users", request_body = PasswordReset, params(("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Reset"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem),
        (status = 422, body = custos_api::Problem, description = "password_refused")),
    security(("bearer" = [])))]
pub async fn reset_password(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    s.vault
        .reset_password(&p, user_id(&id)?, &body.password, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark an account compromised: all its tokens are revoked and it must change its password.
#[utoipa::path(post, path = "/v1/users/{id}/compromised", tag = "users", params(("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Marked"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn compromised(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.vault.mark_compromised(&p, user_id(&id)?, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
