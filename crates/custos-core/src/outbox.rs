//! The outbox: messages custos sends (alert e-mails and webhooks now; consent and data-request
//! mails later) are stored with the change that causes them, sealed under the tenant key since
//! an address may name a person, and delivered by a background sender with retries and
//! exponential backoff. Each delivery keeps its log: attempts, last error, when done. Any
//! instance may deliver; a row is claimed before it is sent.

use crate::error::CoreError;
use crate::ids::TenantId;
use crate::store::{AlertRow, DeliveryRow, TenantRow};
use crate::vault::Vault;
use custos_crypto as crypto;
use serde::{Deserialize, Serialize};
use time::Duration;
use uuid::Uuid;

/// A message to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum Outbound {
    /// An e-mail (plain text).
    Email {
        /// The recipient.
        to: String,
        /// Subject.
        subject: String,
        /// Body.
        text: String,
        /// Extra headers (e.g. `List-Unsubscribe`).
        #[serde(default)]
        headers: Vec<(String, String)>,
    },
    /// A signed HTTP POST of a JSON body.
    Webhook {
        /// Where.
        url: String,
        /// The HMAC-SHA-256 key.
        secret: String,
        /// The event type, e.g. `alert.raised`.
        event: String,
        /// The JSON body.
        body: String,
    },
}

impl Outbound {
    /// `email` or `webhook`.
    pub fn channel(&self) -> &'static str {
        match self {
            Outbound::Email { .. } => "email",
            Outbound::Webhook { .. } => "webhook",
        }
    }
}

/// After this many failed attempts a delivery is given up (`failed`).
pub const MAX_ATTEMPTS: u32 = 12;

fn outbox_aad(tenant: TenantId, id: Uuid) -> Vec<u8> {
    let mut aad = b"custos/v1/outbox".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(id.as_bytes());
    aad
}

/// Opens a delivery's message.
pub(crate) fn open_delivery(
    keys: &crate::vault::TenantKeys,
    row: &DeliveryRow,
) -> Result<Outbound, CoreError> {
    let plain = keys.open(&row.sealed, &outbox_aad(row.tenant_id, row.id))?;
    serde_json::from_slice(&plain).map_err(|e| CoreError::Internal(e.to_string()))
}

impl Vault {
    /// Seals a message into a pending delivery about `topic` (e.g. `alert:<id>`).
    pub(crate) async fn delivery(
        &self,
        tenant: TenantId,
        topic: String,
        msg: &Outbound,
    ) -> Result<DeliveryRow, CoreError> {
        self.delivery_as(Uuid::now_v7(), tenant, topic, msg).await
    }

    /// A pending delivery with a given id (a webhook body names its delivery).
    pub(crate) async fn delivery_as(
        &self,
        id: Uuid,
        tenant: TenantId,
        topic: String,
        msg: &Outbound,
    ) -> Result<DeliveryRow, CoreError> {
        let now = self.clock.now();
        let keys = self.tenant_keys(tenant).await?;
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(msg).map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        Ok(DeliveryRow {
            id,
            tenant_id: tenant,
            channel: msg.channel().to_owned(),
            topic,
            sealed: crypto::seal(&keys.kek, &plain, &outbox_aad(tenant, id)),
            created_at: now,
            attempts: 0,
            next_at: now,
            status: "pending".into(),
            last_error: None,
            done_at: None,
        })
    }

    /// The deliveries that push `alert` to the business's alert contacts (none when it has
    /// none).
    pub(crate) async fn alert_deliveries(
        &self,
        tenant: &TenantRow,
        alert: &AlertRow,
    ) -> Result<Vec<DeliveryRow>, CoreError> {
        let contacts = self.alert_contacts(tenant).await?;
        let topic = format!("alert:{}", alert.id);
        let evidence: serde_json::Value = serde_json::from_str(&alert.evidence).unwrap_or_default();
        let mut out = Vec::new();
        if let Some(to) = contacts.email {
            let subject = format!(
                "[custos] {} alert at {}: {}",
                alert.severity, tenant.name, alert.kind
            );
            let text = format!(
                "custos raised an alert for {business}.\n\n\
                 Kind:     {kind}\nSeverity: {severity}\nRaised:   {at} ({stamp})\n\n\
                 {message}\n\nEvidence (ids of audit events, users, devices):\n{evidence}\n\n\
                 Look at it in custos and acknowledge it (POST /v1/alerts/{id}/ack). If it may be a \
                 personal-data breach, open an incident (POST /v1/incidents with this alert's id): \
                 the 72 hours to notify the supervisory authority run from when you became aware.\n",
                business = tenant.name,
                kind = alert.kind,
                severity = alert.severity,
                at = alert
                    .created_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                stamp = tenant.policy().stamp(alert.created_at),
                message = alert.message,
                evidence = serde_json::to_string_pretty(&evidence).unwrap_or_default(),
                id = alert.id,
            );
            let msg = Outbound::Email {
                to,
                subject,
                text,
                headers: Vec::new(),
            };
            out.push(self.delivery(tenant.id, topic.clone(), &msg).await?);
        }
        if let (Some(url), Some(secret)) = (contacts.webhook_url, contacts.webhook_secret) {
            let body = serde_json::json!({
                "type": "alert.raised",
                "tenant": tenant.slug,
                "alert": {
                    "id": alert.id,
                    "kind": alert.kind,
                    "severity": alert.severity,
                    "message": alert.message,
                    "evidence": evidence,
                    "created_at": alert.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                }
            });
            let msg = Outbound::Webhook {
                url,
                secret,
                event: "alert.raised".into(),
                body: body.to_string(),
            };
            out.push(self.delivery(tenant.id, topic, &msg).await?);
        }
        Ok(out)
    }

    /// Claims up to `limit` deliveries that are due and opens them. A claimed row is not
    /// handed out again until `lease` has passed (should the sender die mid-way).
    pub async fn claim_deliveries(
        &self,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<(DeliveryRow, Result<Outbound, String>)>, CoreError> {
        let now = self.clock.now();
        let rows = self.store.claim_deliveries(now, now + lease, limit).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let opened = match self.tenant_keys(row.tenant_id).await {
                Ok(keys) => keys
                    .open(&row.sealed, &outbox_aad(row.tenant_id, row.id))
                    .map_err(|_| "the message cannot be decrypted".to_owned())
                    .and_then(|plain| {
                        serde_json::from_slice::<Outbound>(&plain)
                            .map_err(|_| "the message does not parse".to_owned())
                    }),
                Err(_) => Err("the business's key is unavailable".to_owned()),
            };
            out.push((row, opened));
        }
        Ok(out)
    }

    /// Records the outcome of an attempt: delivered, or retried after `retry_base` × 2^(n-1)
    /// (at most an hour), or given up after [`MAX_ATTEMPTS`].
    pub async fn finish_delivery(
        &self,
        mut row: DeliveryRow,
        outcome: Result<(), String>,
        retry_base: Duration,
    ) -> Result<DeliveryRow, CoreError> {
        let now = self.clock.now();
        row.attempts += 1;
        match outcome {
            Ok(()) => {
                row.status = "delivered".into();
                row.done_at = Some(now);
                row.last_error = None;
            }
            Err(e) => {
                row.last_error = Some(e.chars().take(500).collect());
                if row.attempts >= MAX_ATTEMPTS {
                    row.status = "failed".into();
                    row.done_at = Some(now);
                } else {
                    let factor = 1i32 << (row.attempts - 1).min(16);
                    row.next_at = now + (retry_base * factor).min(Duration::hours(1));
                    row.status = "pending".into();
                }
            }
        }
        self.store.update_delivery(row.clone()).await?;
        Ok(row)
    }

    /// The delivery log of a topic (e.g. `alert:<id>`) of the caller's business.
    pub async fn deliveries(
        &self,
        p: &crate::policy::Principal,
        topic: &str,
    ) -> Result<Vec<DeliveryRow>, CoreError> {
        p.active()?;
        if !p.role.may(crate::policy::Action::AuditRead)
            && !p.role.may(crate::policy::Action::TenantManage)
        {
            return Err(crate::vault::forbidden(crate::policy::Action::AuditRead));
        }
        Ok(self.store.deliveries(p.tenant_id, topic.to_owned()).await?)
    }
}
