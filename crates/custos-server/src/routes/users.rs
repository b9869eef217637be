//! `/v1/users`: staff accounts (roles allowed to manage users).

use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use custos_api::{NewUser, User};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/users", post(create))
}

/// Add a staff user to the caller's business.
#[utoipa::path(post, path = "/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 409, body = custos_api::Problem, description = "username taken"), (status = 422, body = custos_api::Problem, description = "password or role refused")),
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
    Ok((
        StatusCode::CREATED,
        Json(User {
            id: id.as_uuid(),
            username: body.username,
            role: body.role,
        }),
    ))
}
