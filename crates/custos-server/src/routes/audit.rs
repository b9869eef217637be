//! `/v1/audit`: the audit trail — its verification.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use custos_api::{AuditEntry, ErrorCode, Page};
use custos_core::audit::AuditEvent;
use custos_core::ids::CustomerId;
use custos_core::store::AuditFilter;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/audit", get(list))
        .route("/v1/audit/verify", get(verify))
        .route("/v1/customers/{id}/access-history", get(access_history))
}

/// Answer of `GET /v1/audit/verify`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditVerification {
    /// No break found.
    pub ok: bool,
    /// Events checked.
    pub events: u64,
    /// Signed checkpoints checked.
    pub checkpoints: u64,
    /// The first position that is wrong.
    pub first_bad: Option<u64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

/// Verify the whole audit trail: every link of the hash chain and every signed checkpoint.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, body = AuditVerification), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn verify(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<Json<AuditVerification>> {
    let v = s.vault.verify_audit(&p, &s.audit_public_key, &meta).await?;
    Ok(Json(AuditVerification {
        ok: v.ok,
        events: v.events,
        checkpoints: v.checkpoints,
        first_bad: v.first_bad,
        problem: v.problem,
    }))
}

/// Audit query filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Events touching this customer.
    pub customer_id: Option<uuid::Uuid>,
    /// Events by this actor (user, device or token id).
    pub actor: Option<uuid::Uuid>,
    /// This action, or every action under a prefix ending in '.', e.g. `customer.`.
    pub action: Option<String>,
    /// At or after (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<OffsetDateTime>,
    /// Before (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<OffsetDateTime>,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

fn entry(seq: u64, e: AuditEvent) -> AuditEntry {
    AuditEntry {
        seq,
        id: e.id.as_uuid(),
        at: e.at,
        actor_kind: e.actor_kind,
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        action: e.action,
        customer_ids: e.customer_ids,
        categories: e.categories.iter().map(|c| c.as_str().to_owned()).collect(),
        target: e.target,
        reason: e.reason,
        outcome: serde_json::to_value(e.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        request_id: e.request_id,
        client_addr: e.client_addr,
    }
}

async fn page(
    s: &AppState,
    p: &custos_core::policy::Principal,
    filter: AuditFilter,
    limit: Option<u32>,
    meta: &custos_core::audit::RequestMeta,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let limit = crate::extract::limit_in(limit, 1000)?;
    let (items, next) = s.vault.audit_events(p, filter, limit, meta).await?;
    Ok(Json(Page {
        items: items.into_iter().map(|(seq, e)| entry(seq, e)).collect(),
        next_cursor: next.map(|n| n.to_string()),
    }))
}

/// The business's audit trail, newest first, filtered by customer, actor, action and time.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let before = q
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<u64>()
                .ok()
                .filter(|n| i64::try_from(*n).is_ok())
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "The cursor is not valid."))
        })
        .transpose()?;
    let filter = AuditFilter {
        customer: q.customer_id.map(CustomerId::from_uuid),
        actor: q.actor,
        action: q.action,
        from: q.from,
        to: q.to,
        before,
    };
    page(&s, &p, filter, q.limit, &meta).await
}

/// Who accessed a customer's data, and when: the input to an access request and to a breach's scope.
#[utoipa::path(get, path = "/v1/customers/{id}/access-history", tag = "audit", params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = Page<AuditEntry>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn access_history(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let id = CustomerId::parse(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "Customer not found."))?;
    page(
        &s,
        &p,
        AuditFilter {
            customer: Some(id),
            ..Default::default()
        },
        Some(1000),
        &meta,
    )
    .await
}
