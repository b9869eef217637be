//! Anomaly rules that are decided the moment the event happens: repeated failed logins or MFA
//! codes (once an account or address starts being slowed down), a revoked token or device still
//! trying, and a failing audit verification. Each raises an alert with its evidence, at most once
//! per subject and hour. Rules over windows of the trail run in [`Vault::scan_anomalies`], which
//! walks new audit events from a persisted position (so a restart neither misses nor repeats):
//! one actor reading an unusual number of distinct customers within a window.

use crate::error::CoreError;
use crate::ids::{AlertId, TenantId};
use crate::store::AlertRow;
use crate::vault::Vault;
use serde_json::Value;
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// Thresholds of the window rules.
#[derive(Debug, Clone)]
pub struct AnomalyConfig {
    /// More distinct customers than this read by one actor within `bulk_read_window` is an alert.
    pub bulk_read_customers: u64,
    /// The window of the bulk-read rule.
    pub bulk_read_window: Duration,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        AnomalyConfig {
            bulk_read_customers: 100,
            bulk_read_window: Duration::minutes(10),
        }
    }
}

const READS: [&str; 5] = [
    "customer.read",
    "customer.search",
    "customer.list",
    "record.read",
    "customer.reveal",
];

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

    /// Applies the window rules to the audit events written since the last scan; answers how
    /// many events it looked at.
    pub async fn scan_anomalies(&self, cfg: &AnomalyConfig) -> Result<u64, CoreError> {
        let mut position = self.store.scanner_position("anomaly").await?;
        let mut seen = 0u64;
        loop {
            let batch = self.store.audit_range(position + 1, 5_000).await?;
            let Some(last) = batch.last().map(|e| e.seq) else {
                break;
            };
            // The latest read of each (tenant, actor) in the batch, and where it was.
            let mut readers: HashMap<(TenantId, uuid::Uuid), (OffsetDateTime, u64, u64)> =
                HashMap::new();
            for e in &batch {
                let Ok(ev) = serde_json::from_slice::<crate::audit::AuditEvent>(&e.body) else {
                    continue;
                };
                if !READS.contains(&ev.action.as_str()) || ev.outcome != crate::audit::Outcome::Ok {
                    continue;
                }
                if let (Some(t), Some(a)) = (ev.tenant_id, ev.actor_id) {
                    let entry = readers.entry((t, a)).or_insert((ev.at, e.seq, e.seq));
                    entry.0 = entry.0.max(ev.at);
                    entry.2 = e.seq;
                }
            }
            for ((tenant, actor), (at, first, last_seq)) in readers {
                let n = self
                    .store
                    .customers_read_by(tenant, actor, at - cfg.bulk_read_window, at)
                    .await?;
                if n > cfg.bulk_read_customers {
                    self.raise(
                        tenant,
                        "bulk_reads",
                        "high",
                        format!("Actor {actor} read {n} different customers within {} minutes.", cfg.bulk_read_window.whole_minutes()),
                        serde_json::json!({"actor_id": actor, "customers": n, "window_minutes": cfg.bulk_read_window.whole_minutes(), "events_from": first, "events_to": last_seq}),
                        &actor.to_string(),
                    )
                    .await?;
                }
            }
            seen += batch.len() as u64;
            position = last;
            self.store.set_scanner_position("anomaly", position).await?;
        }
        Ok(seen)
    }
}
