//! `/v1/incidents`: the breach register (GDPR art. 33(5)) with its 72-hour clock, the affected
//! set from the audit trail, and drafted notifications.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use custos_api::incident::{
    AffectedSet, Incident, IncidentDraft, IncidentPatch, NewIncident, NewIncidentUpdate,
};
use custos_api::ErrorCode;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/incidents", get(list).post(open))
        .route("/v1/incidents/{id}", get(read).patch(update))
        .route("/v1/incidents/{id}/updates", post(add_update))
        .route("/v1/incidents/{id}/affected", get(affected))
        .route("/v1/incidents/{id}/draft", get(draft))
}

fn incident_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(id).map_err(|_| ApiError::new(ErrorCode::NotFound, "Incident not found."))
}

/// The register, newest first.
#[utoipa::path(get, path = "/v1/incidents", tag = "incidents",
    responses((status = 200, body = Vec<Incident>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<Json<Vec<Incident>>> {
    Ok(Json(s.vault.incidents(&p, &meta).await?))
}

/// Open an incident, by hand or from alerts; the 72 hours run from `aware_at`.
#[utoipa::path(post, path = "/v1/incidents", tag = "incidents", request_body = NewIncident,
    responses((status = 201, body = Incident), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn open(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<NewIncident>,
) -> ApiResult<(StatusCode, Json<Incident>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.vault.open_incident(&p, body, &meta).await?),
    ))
}

/// One incident: deadline and time left, what its scope touched, its log.
#[utoipa::path(get, path = "/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path, description = "Incident id")),
    responses((status = 200, body = Incident), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn read(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<Json<Incident>> {
    Ok(Json(s.vault.incident(&p, incident_id(&id)?, &meta).await?))
}

/// Change an incident: texts, risk, scope, notification times; close or reopen it.
#[utoipa::path(patch, path = "/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path, description = "Incident id")), request_body = IncidentPatch,
    responses((status = 200, body = Incident), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 409, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<IncidentPatch>,
) -> ApiResult<Json<Incident>> {
    Ok(Json(
        s.vault
            .update_incident(&p, incident_id(&id)?, body, &meta)
            .await?,
    ))
}

/// Add a follow-up or a reason for delay to the incident's log.
#[utoipa::path(post, path = "/v1/incidents/{id}/updates", tag = "incidents", params(("id" = String, Path, description = "Incident id")), request_body = NewIncidentUpdate,
    responses((status = 201, body = Incident), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn add_update(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewIncidentUpdate>,
) -> ApiResult<(StatusCode, Json<Incident>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.vault
                .add_incident_update(&p, incident_id(&id)?, body, &meta)
                .await?,
        ),
    ))
}

/// Every customer the scope touched, from the audit trail: ids, categories, when.
#[utoipa::path(get, path = "/v1/incidents/{id}/affected", tag = "incidents", params(("id" = String, Path, description = "Incident id")),
    responses((status = 200, body = AffectedSet), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn affected(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<Json<AffectedSet>> {
    Ok(Json(
        s.vault
            .incident_affected(&p, incident_id(&id)?, &meta)
            .await?,
    ))
}

/// Which draft.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DraftQuery {
    /// `authority` (art. 33) or `customers` (art. 34).
    pub audience: String,
    /// `en`, `de` or `pl` (default `en`).
    pub lang: Option<String>,
}

/// A draft notification to the supervisory authority or to the people concerned.
#[utoipa::path(get, path = "/v1/incidents/{id}/draft", tag = "incidents", params(("id" = String, Path, description = "Incident id"), DraftQuery),
    responses((status = 200, body = IncidentDraft), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn draft(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DraftQuery>,
) -> ApiResult<Json<IncidentDraft>> {
    Ok(Json(
        s.vault
            .incident_draft(
                &p,
                incident_id(&id)?,
                &q.audience,
                q.lang.as_deref().unwrap_or("en"),
                &meta,
            )
            .await?,
    ))
}
