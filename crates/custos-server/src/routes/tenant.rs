//! `/v1/tenant`: the business's security settings (requiring MFA of every staff account).

use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use custos_api::{TenantPatch, TenantSettings};
use custos_core::store::TenantRow;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/tenant", get(read).patch(update))
}

fn wire(t: TenantRow) -> TenantSettings {
    TenantSettings {
        id: t.id.as_uuid(),
        slug: t.slug,
        name: t.name,
        template: t.catalog.template,
        require_mfa: t.require_mfa,
    }
}

/// The caller's business and its security settings.
#[utoipa::path(get, path = "/v1/tenant", tag = "tenant",
    responses((status = 200, body = TenantSettings), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn read(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<TenantSettings>> {
    Ok(Json(wire(s.vault.tenant_settings(&p).await?)))
}

/// Change the security settings (owner): require MFA of every staff account.
#[utoipa::path(patch, path = "/v1/tenant", tag = "tenant", request_body = TenantPatch,
    responses((status = 200, body = TenantSettings), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<TenantPatch>,
) -> ApiResult<Json<TenantSettings>> {
    Ok(Json(wire(
        s.vault.set_require_mfa(&p, body.require_mfa, &meta).await?,
    )))
}
