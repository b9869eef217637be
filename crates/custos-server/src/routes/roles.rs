//! `/v1/roles`: the built-in roles and the business's custom roles, with their permission
//! matrix (actions × field categories).

use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use custos_api::{NewRole, RoleInfo};
use custos_core::roles::RoleView;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/roles", get(list).post(create))
        .route("/v1/roles/{name}", delete(remove))
}

fn wire(v: RoleView) -> RoleInfo {
    RoleInfo {
        name: v.role.name.clone(),
        builtin: v.builtin,
        actions: v
            .role
            .actions
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
        categories: v
            .role
            .categories
            .iter()
            .map(|(c, a)| (c.as_str().to_owned(), a.as_str().to_owned()))
            .collect(),
    }
}

/// Every role with its permissions.
#[utoipa::path(get, path = "/v1/roles", tag = "roles",
    responses((status = 200, body = Vec<RoleInfo>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<RoleInfo>>> {
    Ok(Json(
        s.vault.roles(&p).await?.into_iter().map(wire).collect(),
    ))
}

/// Define a custom role (owner; never more than the caller holds).
#[utoipa::path(post, path = "/v1/roles", tag = "roles", request_body = NewRole,
    responses((status = 201, body = RoleInfo), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 409, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<NewRole>,
) -> ApiResult<(StatusCode, Json<RoleInfo>)> {
    let v = s
        .vault
        .create_role(&p, &body.name, &body.actions, &body.categories, &meta)
        .await?;
    Ok((StatusCode::CREATED, Json(wire(v))))
}

/// Delete a custom role nobody holds.
#[utoipa::path(delete, path = "/v1/roles/{name}", tag = "roles", params(("name" = String, Path, description = "Role name")),
    responses((status = 204, description = "Deleted"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem),
        (status = 409, body = custos_api::Problem, description = "built in, or still held")),
    security(("bearer" = [])))]
pub async fn remove(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    s.vault.delete_role(&p, &name, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
