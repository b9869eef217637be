//! `/v1/data-requests`: customers' requests under GDPR arts. 12–21, with their deadlines.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use custos_api::request::{DataRequest, DataRequestPatch, NewDataRequest};
use custos_api::ErrorCode;
use serde::Deserialize;
use utoipa::IntoParams;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/data-requests", get(list).post(open))
        .route("/v1/data-requests/{id}", patch(update))
}

/// Filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// Only requests not yet completed or refused.
    #[serde(default)]
    pub open: bool,
}

/// The business's data requests, newest first (owner, manager).
#[utoipa::path(get, path = "/v1/data-requests", tag = "data-requests", params(RequestQuery),
    responses((status = 200, body = Vec<DataRequest>), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> ApiResult<Json<Vec<DataRequest>>> {
    Ok(Json(s.vault.data_requests(&p, q.open, &meta).await?))
}

/// Record a customer's request; the answer carries its deadline.
#[utoipa::path(post, path = "/v1/data-requests", tag = "data-requests", request_body = NewDataRequest,
    responses((status = 201, body = DataRequest), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn open(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<NewDataRequest>,
) -> ApiResult<(StatusCode, Json<DataRequest>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.vault.open_data_request(&p, body, &meta).await?),
    ))
}

/// Record the identity check, an extension with its reason, progress, or the outcome.
#[utoipa::path(patch, path = "/v1/data-requests/{id}", tag = "data-requests", params(("id" = String, Path, description = "Request id")), request_body = DataRequestPatch,
    responses((status = 200, body = DataRequest), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 409, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DataRequestPatch>,
) -> ApiResult<Json<DataRequest>> {
    let id = uuid::Uuid::try_parse(&id)
        .map_err(|_| ApiError::new(ErrorCode::NotFound, "Data request not found."))?;
    Ok(Json(
        s.vault.update_data_request(&p, id, body, &meta).await?,
    ))
}
