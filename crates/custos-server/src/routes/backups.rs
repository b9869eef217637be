//! `/v1/backups`: the state of the server's scheduled backups for the security dashboard — the
//! newest good backup and its age, the copies at the second destination, the last failure.

use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use custos_api::ErrorCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/backups", get(status))
}

/// One backup file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackupFile {
    /// Its file name (`custos-YYYYMMDD-HHMMSS.backup`).
    pub name: String,
    /// When it was taken.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Bytes.
    pub size: u64,
}

/// The state of scheduled backups.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackupStatus {
    /// Scheduled backups are on.
    pub scheduled: bool,
    /// Hours between them.
    pub every_hours: Option<i64>,
    /// The newest backup written.
    pub newest: Option<BackupFile>,
    /// Its age in seconds (the dashboard warns when it is older than the schedule).
    pub newest_age_seconds: Option<i64>,
    /// The backups kept locally, newest first.
    pub local: Vec<BackupFile>,
    /// The copies at the second destination, newest first (none when it is not configured).
    pub copies: Vec<BackupFile>,
    /// A second destination (off-site copy) is configured.
    #[serde(default)]
    pub offsite: bool,
    /// The last failure, if the last attempt failed.
    pub last_error: Option<String>,
}

/// A restore drill's result, as the web UI shows it.
#[derive(Debug, Clone)]
pub struct BackupCheck {
    /// Audit events in the copy, their chain intact.
    pub events: u64,
    /// Signed checkpoints that matched.
    pub checkpoints: u64,
}

/// A future the binary answers with.
pub type Pending<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// What the binary lets the web UI do with backups: take one now, and run the restore drill
/// on one (which needs the backup identity on this server).
pub trait BackupControl: Send + Sync {
    /// Takes a backup now to the configured destinations; answers its file name.
    fn run_now(&self) -> Pending<Result<String, String>>;
    /// Decrypts the named backup into a scratch dir and checks it.
    fn verify(&self, name: String) -> Pending<Result<BackupCheck, String>>;
}

/// What the binary tells the HTTP layer about backups.
pub type BackupProbe = std::sync::Arc<dyn Fn() -> BackupStatus + Send + Sync>;

/// The newest good backup and the schedule's state (owner, manager, auditor).
#[utoipa::path(get, path = "/v1/backups", tag = "backups",
    responses((status = 200, body = BackupStatus), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn status(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<BackupStatus>> {
    p.active()?;
    if !p.role.may(custos_core::policy::Action::AuditRead) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "Your role may not perform 'audit.read'.",
        ));
    }
    let mut st = match &s.backups {
        Some(probe) => probe(),
        None => BackupStatus {
            scheduled: false,
            every_hours: None,
            newest: None,
            newest_age_seconds: None,
            local: Vec::new(),
            copies: Vec::new(),
            offsite: false,
            last_error: None,
        },
    };
    st.newest_age_seconds = st
        .newest
        .as_ref()
        .map(|n| (s.vault.now() - n.created_at).whole_seconds());
    Ok(Json(st))
}
