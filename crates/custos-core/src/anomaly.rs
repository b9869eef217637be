//! Anomaly rules that are decided the moment the event happens: repeated failed logins or MFA
//! codes (once an account or address starts being slowed down), a revoked token or device still
//! trying, and a failing audit verification. Each raises an alert with its evidence, at most once
//! per subject and hour. (Rules over windows of the trail — bulk reads, off-hours access — need
//! the trail scanner and are not here yet.)

use crate::error::CoreError;
use crate::ids::{AlertId, TenantId};
use crate::store::AlertRow;
use crate::vault::Vault;
use serde_json::Value;

impl Vault {
    /// Raises an alert unless one with the same key was raised in the same hour.
    pub(crate) async fn raise(
        &self,
        tenant: TenantId,
        kind: &str,
        severity: &str,
        message: String,
        evidence: Value,
        subject: &str,
    ) -> Result<(), CoreError> {
        let now = self.clock.now();
        let hour = now.unix_timestamp() / 3600;
        let alert = AlertRow {
            id: AlertId::new_at(now),
            tenant_id: tenant,
            kind: kind.to_owned(),
            severity: severity.to_owned(),
            message,
            evidence: evidence.to_string(),
            created_at: now,
            acknowledged: None,
            dedup_key: Some(format!("{tenant}:{kind}:{subject}:{hour}")),
        };
        self.store.insert_alert(alert).await?;
        Ok(())
    }
}
