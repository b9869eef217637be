//! `/v1/catalog`: what the business declares it collects.

use crate::error::ApiResult;
use crate::extract::Auth;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use custos_api::catalog::Catalog;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/catalog", get(catalog))
}

/// The business's catalog: purposes, fields, record types.
#[utoipa::path(get, path = "/v1/catalog", tag = "catalog",
    responses((status = 200, body = Catalog), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn catalog(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Catalog>> {
    Ok(Json(s.vault.catalog(&p).await?))
}
