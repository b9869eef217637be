//! `/v1/devices`: POS and booking devices — registered with a one-time pairing code, paired
//! for their own `device` token, revoked at once when lost.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use custos_api::{Device, ErrorCode, NewDevice, PairRequest, PairResponse, RegisteredDevice};
use custos_core::ids::DeviceId;
use custos_core::store::DeviceRow;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/devices", get(list).post(register))
        .route("/v1/devices/pair", post(pair))
        .route("/v1/devices/{id}", delete(revoke))
}

fn wire(d: DeviceRow) -> Device {
    Device {
        id: d.id.as_uuid(),
        name: d.name,
        created_at: d.created_at,
        paired_at: d.paired_at,
        pairing_expires_at: d.pairing_expires_at,
        revoked: d.revoked,
    }
}

/// Register a device; the answer holds its one-time pairing code (valid 15 minutes).
#[utoipa::path(post, path = "/v1/devices", tag = "devices", request_body = NewDevice,
    responses((status = 201, body = RegisteredDevice), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 409, body = custos_api::Problem, description = "name taken"), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn register(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<NewDevice>,
) -> ApiResult<(StatusCode, Json<RegisteredDevice>)> {
    let (d, code) = s.vault.register_device(&p, &body.name, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredDevice {
            pairing_code: code.to_string(),
            device: wire(d),
        }),
    ))
}

/// The business's devices.
#[utoipa::path(get, path = "/v1/devices", tag = "devices",
    responses((status = 200, body = Vec<Device>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<Device>>> {
    Ok(Json(
        s.vault.devices(&p).await?.into_iter().map(wire).collect(),
    ))
}

/// Pair a device with its one-time code (no login): answers the device's token, once.
#[utoipa::path(post, path = "/v1/devices/pair", tag = "devices", request_body = PairRequest,
    responses((status = 200, body = PairResponse), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem, description = "wrong, expired or used code"),
        (status = 415, body = custos_api::Problem), (status = 429, body = custos_api::Problem)))]
pub async fn pair(
    State(s): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<PairRequest>,
) -> ApiResult<Json<PairResponse>> {
    let (token, d) = s.vault.pair_device(&body.code, &meta).await?;
    Ok(Json(PairResponse {
        token: token.to_string(),
        token_type: "Bearer".into(),
        device: wire(d),
    }))
}

/// Revoke a device (lost or stolen): its token stops working at once.
#[utoipa::path(delete, path = "/v1/devices/{id}", tag = "devices", params(("id" = String, Path, description = "Device id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = DeviceId::parse(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "Device not found."))?;
    s.vault.revoke_device(&p, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
