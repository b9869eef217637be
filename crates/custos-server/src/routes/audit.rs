//! `/v1/audit`: the audit trail — its verification.

use crate::error::ApiResult;
use crate::extract::{Auth, Meta};
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/audit/verify", get(verify))
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
