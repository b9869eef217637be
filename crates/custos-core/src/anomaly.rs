//! Anomaly rules that are decided the moment the event happens: repeated failed logins or MFA
//! codes (once an account or address starts being slowed down), a revoked token or device still
//! trying, and a failing audit verification. Each raises an alert with its evidence, at most once
//! per subject and hour. Rules over windows of the trail run in [`Vault::scan_anomalies`], which
//! walks new audit events from a persisted position (so a restart neither misses nor repeats):
//! one actor reading an unusual number of distinct customers within a window, customer data
//! used outside the business's opening hours, and every export of customer data.

use crate::audit::{AuditEvent, Outcome};
use crate::error::CoreError;
use crate::ids::{AlertId, TenantId};
use crate::settings::TenantPolicy;
use crate::store::{AlertRow, DeliveryRow};
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

/// Everything that touches customer data, for the off-hours rule.
const ACCESSES: [&str; 12] = [
    "customer.read",
    "customer.search",
    "customer.list",
    "record.read",
    "customer.reveal",
    "customer.create",
    "customer.update",
    "customer.erase",
    "record.create",
    "customer.export",
    "marketing.audience",
    "customer.export_all",
];

/// Exports of customer data: each one is worth a look.
const EXPORTS: [&str; 3] = [
    "customer.export",
    "marketing.audience",
    "customer.export_all",
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
        self.raise_for(tenant, kind, severity, message, evidence, subject, now)
            .await
    }

    /// Raises an alert about something that happened at `when`, unless one with the same key
    /// was raised for the same hour.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn raise_for(
        &self,
        tenant: TenantId,
        kind: &str,
        severity: &str,
        message: String,
        evidence: Value,
        subject: &str,
        when: OffsetDateTime,
    ) -> Result<(), CoreError> {
        let now = self.clock.now();
        let hour = when.unix_timestamp() / 3600;
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
        let deliveries = self.deliveries_for(&alert).await;
        self.store.insert_alert(alert, deliveries).await?;
        Ok(())
    }

    /// The pushes of an alert to the business's contacts. An alert is never held back because
    /// its pushes cannot be prepared: that is logged and the alert raised without them.
    pub(crate) async fn deliveries_for(&self, alert: &AlertRow) -> Vec<DeliveryRow> {
        let tenant = match self.store.tenant(alert.tenant_id).await {
            Ok(Some(t)) => t,
            _ => return Vec::new(),
        };
        match self.alert_deliveries(&tenant, alert).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, alert = %alert.id, "cannot prepare the alert's pushes");
                Vec::new()
            }
        }
    }

    /// Applies the window rules to the audit events written since the last scan; answers how
    /// many events it looked at.
    pub async fn scan_anomalies(&self, cfg: &AnomalyConfig) -> Result<u64, CoreError> {
        let mut position = self.store.scanner_position("anomaly").await?;
        let mut seen = 0u64;
        let mut policies: HashMap<TenantId, Option<TenantPolicy>> = HashMap::new();
        loop {
            let batch = self.store.audit_range(position + 1, 5_000).await?;
            let Some(last) = batch.last().map(|e| e.seq) else {
                break;
            };
            // The latest read of each (tenant, actor) in the batch, and where it was.
            let mut readers: HashMap<(TenantId, uuid::Uuid), (OffsetDateTime, u64, u64)> =
                HashMap::new();
            for e in &batch {
                let Ok(ev) = serde_json::from_slice::<AuditEvent>(&e.body) else {
                    continue;
                };
                self.off_hours(&ev, e.seq, &mut policies).await?;
                self.exports(&ev, e.seq).await?;
                if !READS.contains(&ev.action.as_str()) || ev.outcome != Outcome::Ok {
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
                    .customers_read_by(
                        tenant,
                        actor,
                        at - cfg.bulk_read_window,
                        at,
                        cfg.bulk_read_customers.saturating_add(1),
                    )
                    .await?;
                if n > cfg.bulk_read_customers {
                    self.raise_for(
                        tenant,
                        "bulk_reads",
                        "high",
                        format!("Actor {actor} read more than {} different customers within {} minutes.", cfg.bulk_read_customers, cfg.bulk_read_window.whole_minutes()),
                        serde_json::json!({"actor_id": actor, "customers_at_least": n, "threshold": cfg.bulk_read_customers, "window_minutes": cfg.bulk_read_window.whole_minutes(), "events_from": first, "events_to": last_seq}),
                        &actor.to_string(),
                        at,
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

    /// The off-hours rule: customer data touched by a person, device or token outside the
    /// business's opening hours (in its own time zone).
    async fn off_hours(
        &self,
        ev: &AuditEvent,
        seq: u64,
        policies: &mut HashMap<TenantId, Option<TenantPolicy>>,
    ) -> Result<(), CoreError> {
        let (Some(tenant), Some(actor)) = (ev.tenant_id, ev.actor_id) else {
            return Ok(());
        };
        // A customer signing up or using the privacy portal at night is no staff misuse.
        if !ACCESSES.contains(&ev.action.as_str())
            || ev.outcome != Outcome::Ok
            || ev.actor_kind == "customer"
        {
            return Ok(());
        }
        let policy = match policies.get(&tenant) {
            Some(p) => p.clone(),
            None => {
                let p = self.store.tenant(tenant).await?.map(|t| t.policy());
                policies.insert(tenant, p.clone());
                p
            }
        };
        let Some(policy) = policy else {
            return Ok(());
        };
        if policy.is_open_at(ev.at) {
            return Ok(());
        }
        let local = policy.local_time(ev.at);
        self.raise_for(
            tenant,
            "off_hours_access",
            "warning",
            format!(
                "{} {actor} ({}) used customer data outside business hours: {} at {local}.",
                ev.actor_kind,
                ev.actor_role.as_deref().unwrap_or("no role"),
                ev.action
            ),
            serde_json::json!({"actor_id": actor, "actor_kind": ev.actor_kind, "event_id": ev.id, "position": seq, "action": ev.action, "local_time": local}),
            &actor.to_string(),
            ev.at,
        )
        .await
    }

    /// The export rule: every export of customer data or of a marketing audience.
    async fn exports(&self, ev: &AuditEvent, seq: u64) -> Result<(), CoreError> {
        let (Some(tenant), Some(actor)) = (ev.tenant_id, ev.actor_id) else {
            return Ok(());
        };
        if !EXPORTS.contains(&ev.action.as_str()) || ev.outcome != Outcome::Ok {
            return Ok(());
        }
        self.raise(
            tenant,
            "export",
            "info",
            format!(
                "{} {actor} ({}) exported customer data: {} of {} customer(s).",
                ev.actor_kind,
                ev.actor_role.as_deref().unwrap_or("no role"),
                ev.action,
                ev.customer_ids.len()
            ),
            serde_json::json!({"actor_id": actor, "event_id": ev.id, "position": seq, "action": ev.action, "customers": ev.customer_ids.len()}),
            &ev.id.to_string(),
        )
        .await
    }
}

impl Vault {
    /// Raises an alert about the server itself (e.g. a failed scheduled backup) for every
    /// business it hosts: each owner must learn of it.
    pub async fn raise_everywhere(
        &self,
        kind: &str,
        severity: &str,
        message: String,
        evidence: Value,
        subject: &str,
    ) -> Result<(), CoreError> {
        for t in self.store.tenants().await? {
            self.raise(
                t.id,
                kind,
                severity,
                message.clone(),
                evidence.clone(),
                subject,
            )
            .await?;
        }
        Ok(())
    }
}
