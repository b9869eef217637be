//! `/v1/tenant`: the business's settings: requiring MFA of every staff account, its time zone
//! and opening hours (for the off-hours alert), and where alerts are pushed.

use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use custos_api::{TenantPatch, TenantSettings};
use custos_core::settings::{Settings, SettingsUpdate};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/tenant", get(read).patch(update))
}

fn wire(s: Settings) -> TenantSettings {
    let contacts = s.contacts.unwrap_or_default();
    TenantSettings {
        id: s.tenant.id.as_uuid(),
        slug: s.tenant.slug,
        name: s.tenant.name,
        template: s.tenant.catalog.template,
        require_mfa: s.tenant.require_mfa,
        time_zone: s.policy.time_zone,
        business_hours: s.policy.business_hours,
        alert_email: contacts.email,
        alert_webhook_url: contacts.webhook_url,
        alert_webhook_secret: s.new_webhook_secret,
        self_service_erasure: s.policy.self_service_erasure,
    }
}

/// The caller's business and its security settings.
#[utoipa::path(get, path = "/v1/tenant", tag = "tenant",
    responses((status = 200, body = TenantSettings), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn read(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<TenantSettings>> {
    Ok(Json(wire(s.vault.tenant_settings(&p).await?)))
}

/// Change settings (owner): require MFA, the time zone and opening hours, where alerts go.
/// Only the settings given change; setting a webhook URL answers its signing secret once.
#[utoipa::path(patch, path = "/v1/tenant", tag = "tenant", request_body = TenantPatch,
    responses((status = 200, body = TenantSettings), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 422, body = custos_api::Problem, description = "invalid_request: nothing to change, an unknown time zone, bad hours")),
    security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<TenantPatch>,
) -> ApiResult<Json<TenantSettings>> {
    Ok(Json(wire(
        s.vault
            .update_settings(
                &p,
                SettingsUpdate {
                    require_mfa: body.require_mfa,
                    time_zone: body.time_zone,
                    business_hours: body.business_hours,
                    alert_email: body.alert_email,
                    alert_webhook_url: body.alert_webhook_url,
                    self_service_erasure: body.self_service_erasure,
                },
                &meta,
            )
            .await?,
    )))
}
