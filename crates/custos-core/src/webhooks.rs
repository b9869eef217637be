//! Webhooks: connected systems (a booking app, a newsletter tool) subscribe to what happens to
//! customers — created, updated, erased, consent changed, data request opened — and are told by
//! a signed POST carrying ids and the event type, never a value. `customer.erased` lets them
//! erase too (art. 17(2), art. 19).
//!
//! The events are read from the audit trail, which every change writes in its own transaction:
//! a dispatcher walks the trail from its persisted position, turns each matching event into one
//! delivery per customer and subscription, and queues them in the outbox together with its new
//! position (one transaction), so nothing is lost or sent twice by a restart. The outbox sends
//! them with retries and keeps each delivery's log.

use crate::audit::{AuditEvent, Outcome, RequestMeta};
use crate::error::CoreError;
use crate::ids::TenantId;
use crate::outbox::Outbound;
use crate::policy::{Action, Principal};
use crate::store::{StoreError, WebhookRow};
use crate::vault::{forbidden, Vault};
use custos_api::{Delivery, NewWebhook, Webhook, WebhookEvent, WEBHOOK_EVENTS};
use custos_crypto as crypto;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// The scanner position's name.
const SCANNER: &str = "webhooks";
/// Audit events read per round.
const BATCH: u32 = 2_000;
/// Subscriptions per business.
pub const MAX_WEBHOOKS: usize = 20;

#[derive(Serialize, Deserialize)]
struct Secrets {
    url: String,
    secret: String,
    description: Option<String>,
}

fn webhook_aad(tenant: TenantId, id: Uuid) -> Vec<u8> {
    let mut aad = b"custos/v1/webhook".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(id.as_bytes());
    aad
}

/// The webhook event type an audit event stands for (sent once per customer it names).
pub fn events_of(ev: &AuditEvent) -> Option<&'static str> {
    if ev.outcome != Outcome::Ok || ev.customer_ids.is_empty() {
        return None;
    }
    Some(match ev.action.as_str() {
        "customer.create" => "customer.created",
        "customer.import" if ev.target.as_deref() == Some("import:created") => "customer.created",
        "customer.import" => "customer.updated",
        "customer.update" | "retention.anonymise" => "customer.updated",
        "customer.erase" | "retention.delete" => "customer.erased",
        "consent.record" | "consent.object" | "consent.confirm" | "consent.withdraw" => {
            "consent.changed"
        }
        "data_request.open" => "data_request.opened",
        _ => return None,
    })
}

impl Vault {
    fn may_manage_webhooks(p: &Principal) -> Result<(), CoreError> {
        p.active()?;
        if p.role.may(Action::WebhookManage) {
            Ok(())
        } else {
            Err(forbidden(Action::WebhookManage))
        }
    }

    pub(crate) async fn webhook_view(&self, row: &WebhookRow) -> Result<Webhook, CoreError> {
        let keys = self.tenant_keys(row.tenant_id).await?;
        let plain = keys.open(&row.sealed, &webhook_aad(row.tenant_id, row.id))?;
        let s: Secrets =
            serde_json::from_slice(&plain).map_err(|e| CoreError::Internal(e.to_string()))?;
        Ok(Webhook {
            id: row.id,
            url: s.url,
            events: row.events.clone(),
            description: s.description,
            created_at: row.created_at,
            secret: None,
        })
    }

    /// Subscribes a URL to event types (owner, manager); answers the secret once.
    pub async fn create_webhook(
        &self,
        p: &Principal,
        new: NewWebhook,
        meta: &RequestMeta,
    ) -> Result<Webhook, CoreError> {
        if let Err(e) = Self::may_manage_webhooks(p) {
            return Err(match e {
                CoreError::Forbidden(_) => self.deny(p, Action::WebhookManage, &[], meta).await,
                e => e,
            });
        }
        crate::settings::check_webhook_url(&new.url)?;
        let mut events = new.events.clone();
        events.sort();
        events.dedup();
        if events.is_empty() {
            return Err(CoreError::Invalid(format!(
                "Name the events: any of {}.",
                WEBHOOK_EVENTS.join(", ")
            )));
        }
        if let Some(bad) = events
            .iter()
            .find(|e| !WEBHOOK_EVENTS.contains(&e.as_str()))
        {
            return Err(CoreError::Invalid(format!(
                "There is no event '{bad}': use any of {}.",
                WEBHOOK_EVENTS.join(", ")
            )));
        }
        if new
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 200 || d.chars().any(char::is_control))
        {
            return Err(CoreError::Invalid(
                "description must be one line of at most 200 characters.".into(),
            ));
        }
        if self.store.webhooks(p.tenant_id).await?.len() >= MAX_WEBHOOKS {
            return Err(CoreError::Invalid(format!(
                "A business has at most {MAX_WEBHOOKS} webhooks; remove one first."
            )));
        }
        let keys = self.tenant_keys(p.tenant_id).await?;
        let id = Uuid::now_v7();
        let secret = format!("whsec_{}", crypto::random_token_text(32).as_str());
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(&Secrets {
                url: new.url.clone(),
                secret: secret.clone(),
                description: new.description.clone(),
            })
            .map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        let now = self.clock.now();
        let row = WebhookRow {
            id,
            tenant_id: p.tenant_id,
            sealed: crypto::seal(&keys.kek, &plain, &webhook_aad(p.tenant_id, id)),
            events: events.clone(),
            created_at: now,
        };
        let ev = AuditEvent::by(p, "webhook.create", now, meta).target(format!("webhook:{id}"));
        self.store.insert_webhook(row, ev).await?;
        Ok(Webhook {
            id,
            url: new.url,
            events,
            description: new.description,
            created_at: now,
            secret: Some(secret),
        })
    }

    /// The business's subscriptions (owner, manager), without their secrets.
    pub async fn webhooks(&self, p: &Principal) -> Result<Vec<Webhook>, CoreError> {
        Self::may_manage_webhooks(p)?;
        let mut out = Vec::new();
        for row in self.store.webhooks(p.tenant_id).await? {
            out.push(self.webhook_view(&row).await?);
        }
        Ok(out)
    }

    /// Ends a subscription; its deliveries not yet made are dropped, its log stays.
    pub async fn delete_webhook(
        &self,
        p: &Principal,
        id: Uuid,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        Self::may_manage_webhooks(p)?;
        let ev = AuditEvent::by(p, "webhook.delete", self.clock.now(), meta)
            .target(format!("webhook:{id}"));
        match self.store.delete_webhook(p.tenant_id, id, ev).await {
            Err(StoreError::NotFound) => Err(CoreError::NotFound("Webhook")),
            r => Ok(r?),
        }
    }

    /// A subscription's delivery log, oldest first: each event, its attempts and outcome.
    pub async fn webhook_deliveries(
        &self,
        p: &Principal,
        id: Uuid,
    ) -> Result<Vec<Delivery>, CoreError> {
        Self::may_manage_webhooks(p)?;
        let rows = self
            .store
            .deliveries(p.tenant_id, format!("webhook:{id}"))
            .await?;
        if rows.is_empty()
            && !self
                .store
                .webhooks(p.tenant_id)
                .await?
                .iter()
                .any(|w| w.id == id)
        {
            return Err(CoreError::NotFound("Webhook"));
        }
        let keys = self.tenant_keys(p.tenant_id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for d in rows {
            let (event, customer_id) = match crate::outbox::open_delivery(&keys, &d) {
                Ok(Outbound::Webhook { event, body, .. }) => (
                    Some(event),
                    serde_json::from_str::<WebhookEvent>(&body)
                        .ok()
                        .map(|b| b.customer_id),
                ),
                _ => (None, None),
            };
            out.push(Delivery {
                id: d.id,
                next_attempt_at: (d.status == "pending").then_some(d.next_at),
                channel: d.channel,
                event,
                customer_id,
                status: d.status,
                attempts: d.attempts,
                last_error: d.last_error,
                done_at: d.done_at,
                created_at: d.created_at,
            });
        }
        Ok(out)
    }

    /// Turns the audit events written since the last round into webhook deliveries; answers
    /// how many were queued. Run by one instance at a time (a job lease).
    pub async fn dispatch_webhooks(&self) -> Result<u64, CoreError> {
        let mut queued = 0u64;
        let mut subs: Option<HashMap<TenantId, Vec<(WebhookRow, Secrets)>>> = None;
        let mut slugs: HashMap<TenantId, String> = HashMap::new();
        loop {
            let position = self.store.scanner_position(SCANNER).await?;
            let batch = self.store.audit_range(position + 1, BATCH).await?;
            let Some(last) = batch.last().map(|e| e.seq) else {
                break;
            };
            if subs.is_none() {
                let mut by_tenant: HashMap<TenantId, Vec<(WebhookRow, Secrets)>> = HashMap::new();
                for row in self.store.all_webhooks().await? {
                    let keys = self.tenant_keys(row.tenant_id).await?;
                    let Ok(plain) = keys.open(&row.sealed, &webhook_aad(row.tenant_id, row.id))
                    else {
                        tracing::warn!(webhook = %row.id, "a webhook's settings do not open");
                        continue;
                    };
                    let Ok(s) = serde_json::from_slice::<Secrets>(&plain) else {
                        continue;
                    };
                    by_tenant.entry(row.tenant_id).or_default().push((row, s));
                }
                if !by_tenant.is_empty() {
                    slugs = self
                        .store
                        .tenants()
                        .await?
                        .into_iter()
                        .map(|t| (t.id, t.slug))
                        .collect();
                }
                subs = Some(by_tenant);
            }
            let mut deliveries = Vec::new();
            for e in &batch {
                let Ok(ev) = serde_json::from_slice::<AuditEvent>(&e.body) else {
                    continue;
                };
                let (Some(kind), Some(tenant)) = (events_of(&ev), ev.tenant_id) else {
                    continue;
                };
                let Some(list) = subs.as_ref().and_then(|s| s.get(&tenant)) else {
                    continue;
                };
                let data_request_id = ev
                    .target
                    .as_deref()
                    .and_then(|t| t.strip_prefix("data_request:"))
                    .and_then(|t| Uuid::parse_str(t).ok());
                for (row, s) in list {
                    if !row.events.iter().any(|x| x == kind) || ev.at < row.created_at {
                        continue;
                    }
                    let business = slugs.get(&tenant).cloned().unwrap_or_default();
                    for customer in &ev.customer_ids {
                        // The body names its delivery, so that a receiver can tell a retry.
                        let id = Uuid::now_v7();
                        let body = serde_json::to_string(&WebhookEvent {
                            id,
                            type_: kind.to_owned(),
                            occurred_at: ev.at,
                            business: business.clone(),
                            customer_id: *customer,
                            data_request_id,
                        })
                        .map_err(|e| CoreError::Internal(e.to_string()))?;
                        let d = self
                            .delivery_as(
                                id,
                                tenant,
                                format!("webhook:{}", row.id),
                                &Outbound::Webhook {
                                    url: s.url.clone(),
                                    secret: s.secret.clone(),
                                    event: kind.to_owned(),
                                    body,
                                },
                            )
                            .await?;
                        deliveries.push(d);
                    }
                }
            }
            queued += deliveries.len() as u64;
            self.store
                .queue_deliveries(deliveries, SCANNER, last)
                .await?;
            if batch.len() < BATCH as usize {
                break;
            }
        }
        Ok(queued)
    }
}
