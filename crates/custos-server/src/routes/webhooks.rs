//! `/v1/webhooks`: subscriptions of connected systems to customer events, signed with
//! HMAC-SHA-256, with each subscription's delivery log.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use custos_api::{Delivery, ErrorCode, NewWebhook, Webhook};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/webhooks", get(list).post(create))
        .route("/v1/webhooks/{id}", axum::routing::delete(remove))
        .route("/v1/webhooks/{id}/deliveries", get(deliveries))
}

fn webhook_id(s: &str) -> ApiResult<uuid::Uuid> {
    uuid::Uuid::parse_str(s).map_err(|_| ApiError::new(ErrorCode::NotFound, "Webhook not found."))
}

/// Subscribe a URL to events (owner, manager): `customer.created`, `customer.updated`,
/// `customer.erased`, `consent.changed`, `data_request.opened`. Each is POSTed as a
/// `WebhookEvent` (ids, never values), signed in `Custos-Signature`; the secret is answered
/// here once. Failed deliveries are retried with backoff.
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = Webhook), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<Webhook>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.vault.create_webhook(&p, body, &meta).await?),
    ))
}

/// The business's subscriptions (owner, manager), without their secrets.
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<Webhook>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<Webhook>>> {
    Ok(Json(s.vault.webhooks(&p).await?))
}

/// End a subscription; deliveries not yet made are dropped, the log stays.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path, description = "Webhook id")),
    responses((status = 204), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn remove(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.vault.delete_webhook(&p, webhook_id(&id)?, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A subscription's delivery log, oldest first: the event, the customer, attempts, the last
/// error, the outcome.
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, body = Vec<Delivery>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Delivery>>> {
    Ok(Json(
        s.vault.webhook_deliveries(&p, webhook_id(&id)?).await?,
    ))
}
