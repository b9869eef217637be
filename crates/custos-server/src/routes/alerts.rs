//! `/v1/alerts` (the alert register) and `/v1/break-glass` (time-limited elevated access).

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use custos_api::{Alert, Delivery, ErrorCode, Grant, NewGrant};
use custos_core::ids::{AlertId, GrantId, UserId};
use custos_core::store::{AlertRow, GrantRow};
use serde::Deserialize;
use utoipa::IntoParams;

/// The routes of these resources.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/alerts", get(list_alerts))
        .route("/v1/alerts/{id}/ack", post(acknowledge))
        .route("/v1/alerts/{id}/deliveries", get(deliveries))
        .route("/v1/break-glass", get(list_grants).post(grant))
        .route("/v1/break-glass/{id}", delete(end))
}

fn alert(a: AlertRow) -> Alert {
    Alert {
        id: a.id.as_uuid(),
        kind: a.kind,
        severity: a.severity,
        message: a.message,
        evidence: serde_json::from_str(&a.evidence).unwrap_or(serde_json::Value::Null),
        created_at: a.created_at,
        acknowledged_at: a.acknowledged.map(|(at, _)| at),
        acknowledged_by: a.acknowledged.map(|(_, by)| by.as_uuid()),
    }
}

fn grant_wire(g: GrantRow) -> Grant {
    Grant {
        id: g.id.as_uuid(),
        user_id: g.user_id.as_uuid(),
        role: g.role,
        reason: g.reason,
        granted_by: g.granted_by.as_uuid(),
        created_at: g.created_at,
        expires_at: g.expires_at,
    }
}

/// Alert filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// Only unacknowledged alerts.
    #[serde(default)]
    pub open: bool,
    /// At most this many (1 to 500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The business's alerts, newest first.
#[utoipa::path(get, path = "/v1/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, body = Vec<Alert>), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list_alerts(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Json<Vec<Alert>>> {
    Ok(Json(
        s.vault
            .alerts(&p, q.open, crate::extract::limit_in(q.limit, 500)?)
            .await?
            .into_iter()
            .map(alert)
            .collect(),
    ))
}

/// Acknowledge an alert.
#[utoipa::path(post, path = "/v1/alerts/{id}/ack", tag = "alerts", params(("id" = String, Path, description = "Alert id")),
    responses((status = 204, description = "Acknowledged"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn acknowledge(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = AlertId::parse(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "Alert not found."))?;
    s.vault.acknowledge_alert(&p, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The alert's pushes to the business's e-mail address and webhook: attempts, errors, outcome.
#[utoipa::path(get, path = "/v1/alerts/{id}/deliveries", tag = "alerts", params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = Vec<Delivery>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn deliveries(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Delivery>>> {
    let id = AlertId::parse(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "Alert not found."))?;
    let rows = s.vault.deliveries(&p, &format!("alert:{id}")).await?;
    Ok(Json(
        rows.into_iter()
            .map(|d| Delivery {
                id: d.id,
                next_attempt_at: (d.status == "pending").then_some(d.next_at),
                channel: d.channel,
                event: None,
                customer_id: None,
                status: d.status,
                attempts: d.attempts,
                last_error: d.last_error,
                done_at: d.done_at,
                created_at: d.created_at,
            })
            .collect(),
    ))
}

/// Break-glass grants active now.
#[utoipa::path(get, path = "/v1/break-glass", tag = "break-glass",
    responses((status = 200, body = Vec<Grant>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list_grants(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<Grant>>> {
    Ok(Json(
        s.vault
            .grants(&p)
            .await?
            .into_iter()
            .map(grant_wire)
            .collect(),
    ))
}

/// Lift a user to a role for a limited time with a reason (owner); raises a high alert.
#[utoipa::path(post, path = "/v1/break-glass", tag = "break-glass", request_body = NewGrant,
    responses((status = 201, body = Grant), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn grant(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<NewGrant>,
) -> ApiResult<(StatusCode, Json<Grant>)> {
    let g = s
        .vault
        .grant_break_glass(
            &p,
            UserId::from_uuid(body.user_id),
            &body.role,
            body.minutes,
            &body.reason,
            &meta,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(grant_wire(g))))
}

/// End a grant before it expires.
#[utoipa::path(delete, path = "/v1/break-glass/{id}", tag = "break-glass", params(("id" = String, Path, description = "Grant id")),
    responses((status = 204, description = "Ended"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn end(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = GrantId::parse(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "Grant not found."))?;
    s.vault.end_grant(&p, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
