//! `/healthz` (the process answers) and `/readyz` (the database answers).

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use custos_api::{ErrorCode, Health};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

fn ok() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        jobs: None,
    })
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    ok()
}

/// Readiness: the database answers and the server is not shutting down.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Health), (status = 503, body = custos_api::Problem)))]
pub async fn readyz(State(s): State<AppState>) -> ApiResult<Json<Health>> {
    if s.shutting_down.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(ApiError::new(
            ErrorCode::Unavailable,
            "The server is shutting down.",
        ));
    }
    s.vault
        .store()
        .ping()
        .await
        .map_err(custos_core::CoreError::from)?;
    let mut health = ok();
    health.jobs = Some(
        s.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect(),
    );
    Ok(health)
}
