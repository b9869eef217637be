//! `/v1/retention`: the business's retention rules, sweeps run on demand (or counted in a dry
//! run), their reports, and the aggregates that anonymised records left behind.

use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Auth, Meta};
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use custos_api::retention::{Aggregate, RetentionReport, RetentionRules};
use custos_core::retention::SweepOptions;
use serde::Deserialize;
use utoipa::IntoParams;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/retention/rules", get(rules).put(set_rules))
        .route("/v1/retention/run", post(run))
        .route("/v1/retention/runs", get(runs))
        .route("/v1/retention/aggregates", get(aggregates))
}

/// The business's retention rules (roles that read the catalog).
#[utoipa::path(get, path = "/v1/retention/rules", tag = "retention",
    responses((status = 200, body = RetentionRules), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn rules(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<RetentionRules>> {
    Ok(Json(RetentionRules {
        rules: s.vault.retention_rules(&p).await?,
    }))
}

/// Replace the business's retention rules (owner).
#[utoipa::path(put, path = "/v1/retention/rules", tag = "retention", request_body = RetentionRules,
    responses((status = 200, body = RetentionRules), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn set_rules(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<RetentionRules>,
) -> ApiResult<Json<RetentionRules>> {
    Ok(Json(RetentionRules {
        rules: s.vault.set_retention_rules(&p, body.rules, &meta).await?,
    }))
}

/// Options of a sweep.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    /// Count what would be deleted, delete nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Apply every retention rule now (owner, manager); with `dry_run=true`, only count.
#[utoipa::path(post, path = "/v1/retention/run", tag = "retention", params(RunQuery),
    responses((status = 200, body = RetentionReport), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn run(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<RunQuery>,
) -> ApiResult<Json<RetentionReport>> {
    let opts = SweepOptions {
        dry_run: q.dry_run,
        ..Default::default()
    };
    Ok(Json(s.vault.run_retention(&p, &opts, &meta).await?))
}

/// The latest sweeps' reports, newest first (owner, manager).
#[utoipa::path(get, path = "/v1/retention/runs", tag = "retention",
    responses((status = 200, body = Vec<RetentionReport>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn runs(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<Json<Vec<RetentionReport>>> {
    Ok(Json(s.vault.retention_history(&p, &meta).await?))
}

/// What anonymised records left: counts and sums per record type, month and enumerated values
/// (owner, manager).
#[utoipa::path(get, path = "/v1/retention/aggregates", tag = "retention",
    responses((status = 200, body = Vec<Aggregate>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn aggregates(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<Json<Vec<Aggregate>>> {
    Ok(Json(s.vault.aggregates(&p, &meta).await?))
}
