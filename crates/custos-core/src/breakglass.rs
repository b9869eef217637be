//! Break-glass access and the alert register. An owner may lift a user to another role for a
//! limited time (at most 8 hours) with a stated reason — an emergency, a colleague on leave.
//! The grant raises a high-severity alert at once, every event the user causes meanwhile is
//! marked `break-glass` in the audit trail, and the grant ends by itself. The alert register
//! (list, acknowledge) is what anomaly detection will add to.

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::ids::{AlertId, GrantId, UserId};
use crate::policy::{Action, Principal};
use crate::store::{AlertRow, GrantRow, StoreError};
use crate::vault::{forbidden, Vault};
use time::Duration;

/// The longest break-glass grant.
pub const MAX_GRANT: Duration = Duration::hours(8);

impl Vault {
    /// Lifts `user` to `role` for `minutes` (1 to 480) with a reason; raises a high alert.
    pub async fn grant_break_glass(
        &self,
        p: &Principal,
        user: UserId,
        role: &str,
        minutes: u32,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<GrantRow, CoreError> {
        p.active()?;
        if !p.role.may(Action::TenantManage) {
            return Err(forbidden(Action::TenantManage));
        }
        let reason = reason.trim();
        if !(3..=500).contains(&reason.chars().count()) {
            return Err(CoreError::Invalid(
                "State why the access is needed (3 to 500 characters).".into(),
            ));
        }
        let length = Duration::minutes(i64::from(minutes));
        if minutes == 0 || length > MAX_GRANT {
            return Err(CoreError::Invalid(
                "A break-glass grant lasts 1 to 480 minutes.".into(),
            ));
        }
        let target = self
            .store
            .user(p.tenant_id, user)
            .await?
            .ok_or(CoreError::NotFound("User"))?;
        if target.disabled {
            return Err(CoreError::Invalid("The user is disabled.".into()));
        }
        let granted = self.resolve_role(p.tenant_id, role).await?;
        if !granted.within(&p.role) {
            return Err(CoreError::Forbidden(
                "A grant cannot exceed your own role.".into(),
            ));
        }
        let granted_by = p
            .user_id
            .ok_or_else(|| CoreError::Forbidden("Only a user grants access.".into()))?;
        let now = self.clock.now();
        let grant = GrantRow {
            id: GrantId::new_at(now),
            tenant_id: p.tenant_id,
            user_id: user,
            role: role.to_owned(),
            reason: reason.to_owned(),
            granted_by,
            created_at: now,
            expires_at: now + length,
            ended: false,
        };
        let alert = AlertRow {
            id: AlertId::new_at(now),
            tenant_id: p.tenant_id,
            kind: "break_glass".into(),
            severity: "high".into(),
            message: format!("Break-glass access: user {user} acts as '{role}' until {} (granted by {granted_by}).", grant.expires_at),
            evidence: serde_json::json!({"grant_id": grant.id, "user_id": user, "granted_by": granted_by, "role": role, "reason": reason}).to_string(),
            created_at: now,
            acknowledged: None,
            dedup_key: None,
        };
        let mut ev =
            AuditEvent::by(p, "breakglass.grant", now, meta).target(format!("user:{user}"));
        ev.reason = Some(reason.to_owned());
        let deliveries = self.deliveries_for(&alert).await;
        self.store
            .insert_grant(grant.clone(), alert, deliveries, ev)
            .await?;
        Ok(grant)
    }

    /// Grants active now.
    pub async fn grants(&self, p: &Principal) -> Result<Vec<GrantRow>, CoreError> {
        p.active()?;
        if !p.role.may(Action::TenantManage) && !p.role.may(Action::AuditRead) {
            return Err(forbidden(Action::AuditRead));
        }
        Ok(self
            .store
            .active_grants(p.tenant_id, self.clock.now())
            .await?)
    }

    /// Ends a grant before it expires.
    pub async fn end_grant(
        &self,
        p: &Principal,
        id: GrantId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::TenantManage) {
            return Err(forbidden(Action::TenantManage));
        }
        let ev = AuditEvent::by(p, "breakglass.end", self.clock.now(), meta)
            .target(format!("grant:{id}"));
        self.store
            .end_grant(p.tenant_id, id, ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("Grant"),
                o => o.into(),
            })
    }

    /// The business's alerts, newest first.
    pub async fn alerts(
        &self,
        p: &Principal,
        open_only: bool,
        limit: Option<u32>,
    ) -> Result<Vec<AlertRow>, CoreError> {
        p.active()?;
        if !p.role.may(Action::AuditRead) {
            return Err(forbidden(Action::AuditRead));
        }
        Ok(self
            .store
            .alerts(p.tenant_id, open_only, limit.unwrap_or(100).clamp(1, 500))
            .await?)
    }

    /// Acknowledges an alert (someone has looked at it).
    pub async fn acknowledge_alert(
        &self,
        p: &Principal,
        id: AlertId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::UserManage) {
            return Err(forbidden(Action::UserManage));
        }
        let by = p
            .user_id
            .ok_or_else(|| CoreError::Forbidden("Only a user acknowledges alerts.".into()))?;
        let now = self.clock.now();
        let ev = AuditEvent::by(p, "alert.acknowledge", now, meta).target(format!("alert:{id}"));
        self.store
            .acknowledge_alert(p.tenant_id, id, by, now, ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("Open alert"),
                o => o.into(),
            })
    }
}
