//! Legal holds: a customer's data must be kept (a pending claim, an authority's order), so
//! erasure (and, with the retention work, deletion by a rule) waits until the hold is lifted.
//! The reason is sealed under the tenant key: it may name people or cases.

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::ids::{CustomerId, TenantId};
use crate::policy::{Action, Principal};
use crate::store::StoreError;
use crate::vault::Vault;
use custos_api::consent::LegalHold;
use custos_crypto as crypto;

fn reason_aad(tenant: TenantId, customer: CustomerId) -> Vec<u8> {
    let mut aad = b"custos/v1/legal-hold".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(customer.as_uuid().as_bytes());
    aad
}

impl Vault {
    /// Places a legal hold (owner, manager).
    pub async fn place_legal_hold(
        &self,
        p: &Principal,
        customer: CustomerId,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<LegalHold, CoreError> {
        let t = self
            .authorize(p, Action::CustomerErase, &[customer], meta)
            .await?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(CoreError::Invalid(
                "reason must be between 1 and 1000 characters.".into(),
            ));
        }
        let now = self.clock.now();
        let sealed = crypto::seal(&t.kek, reason.as_bytes(), &reason_aad(t.id, customer));
        let ev =
            AuditEvent::by(p, "customer.legal_hold", now, meta).customers([customer.as_uuid()]);
        self.store
            .set_legal_hold(p.tenant_id, customer, Some((sealed, now, p.actor_id)), ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("Customer"),
                e => e.into(),
            })?;
        self.read_legal_hold(p.tenant_id, customer).await
    }

    async fn read_legal_hold(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<LegalHold, CoreError> {
        let (sealed, since, by) = self
            .store
            .legal_hold(tenant, customer)
            .await?
            .ok_or(CoreError::NotFound("Legal hold"))?;
        let t = self.tenant_keys(tenant).await?;
        let reason = t.open(&sealed, &reason_aad(tenant, customer))?;
        Ok(LegalHold {
            customer_id: customer.as_uuid(),
            reason: String::from_utf8_lossy(&reason).into_owned(),
            since,
            placed_by: by,
        })
    }

    /// The customer's legal hold (owner, manager).
    pub async fn legal_hold(
        &self,
        p: &Principal,
        customer: CustomerId,
        meta: &RequestMeta,
    ) -> Result<LegalHold, CoreError> {
        self.authorize(p, Action::CustomerErase, &[customer], meta)
            .await?;
        let hold = self.read_legal_hold(p.tenant_id, customer).await?;
        let ev = AuditEvent::by(p, "legal_hold.read", self.clock.now(), meta)
            .customers([customer.as_uuid()]);
        self.store.append_audit(vec![ev]).await?;
        Ok(hold)
    }

    /// Lifts a legal hold.
    pub async fn lift_legal_hold(
        &self,
        p: &Principal,
        customer: CustomerId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        self.authorize(p, Action::CustomerErase, &[customer], meta)
            .await?;
        let ev = AuditEvent::by(p, "customer.legal_hold_lifted", self.clock.now(), meta)
            .customers([customer.as_uuid()]);
        self.store
            .set_legal_hold(p.tenant_id, customer, None, ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("Legal hold"),
                e => e.into(),
            })
    }
}
