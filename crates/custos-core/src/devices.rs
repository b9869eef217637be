//! POS and booking devices: a manager registers a device and gets a one-time pairing code
//! (15 minutes); the device trades the code for its own token with the `device` role; a lost or
//! stolen tablet is revoked at once; everything a device does is audited under its own id.

use crate::audit::{AuditEvent, Outcome, RequestMeta};
use crate::error::CoreError;
use crate::identity::ThrottleKeys;
use crate::ids::{DeviceId, TokenId};
use crate::policy::{Action, Principal};
use crate::store::{DeviceRow, StoreError, TokenKind, TokenRow};
use crate::vault::{forbidden, Vault};
use custos_crypto as crypto;
use time::Duration;
use zeroize::Zeroizing;

/// How long a pairing code works.
pub const PAIRING_TTL: Duration = Duration::minutes(15);

/// The stored hash of a pairing code (typed with or without its dash, in any case).
fn pairing_hash(code: &str) -> [u8; 32] {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    crypto::sha256(format!("custos/pairing/v1:{normal}").as_bytes())
}

impl Vault {
    fn device_manager(&self, p: &Principal) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::DeviceManage) {
            return Err(forbidden(Action::DeviceManage));
        }
        Ok(())
    }

    /// Registers a device and answers its one-time pairing code (shown once).
    pub async fn register_device(
        &self,
        p: &Principal,
        name: &str,
        meta: &RequestMeta,
    ) -> Result<(DeviceRow, Zeroizing<String>), CoreError> {
        self.device_manager(p)?;
        let created_by = p
            .user_id
            .ok_or_else(|| CoreError::Forbidden("Only a user registers devices.".into()))?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(CoreError::Invalid(
                "A device needs a name of 1 to 100 characters.".into(),
            ));
        }
        let now = self.clock.now();
        let raw = crypto::random_code(12);
        let code = Zeroizing::new(format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..]));
        let device = DeviceRow {
            id: DeviceId::new_at(now),
            tenant_id: p.tenant_id,
            name: name.to_owned(),
            pairing_hash: Some(pairing_hash(&code)),
            pairing_expires_at: Some(now + PAIRING_TTL),
            created_by,
            created_at: now,
            paired_at: None,
            revoked: false,
        };
        let ev =
            AuditEvent::by(p, "device.register", now, meta).target(format!("device:{}", device.id));
        self.store
            .insert_device(device.clone(), ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    CoreError::Conflict(format!("A device named '{name}' exists already."))
                }
                o => o.into(),
            })?;
        Ok((device, code))
    }

    /// The business's devices.
    pub async fn devices(&self, p: &Principal) -> Result<Vec<DeviceRow>, CoreError> {
        self.device_manager(p)?;
        Ok(self.store.devices(p.tenant_id).await?)
    }

    /// Trades a pairing code for the device's token (no login needed; throttled per address).
    pub async fn pair_device(
        &self,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<(Zeroizing<String>, DeviceRow), CoreError> {
        let now = self.clock.now();
        let keys = ThrottleKeys {
            tenant: None,
            account: format!("pair:{}", meta.client_addr.as_deref().unwrap_or("-")),
            address: None,
        };
        self.check_throttle(&keys, now).await?;
        let wrong = CoreError::Unauthorized("The pairing code is wrong, expired or used already.");
        let found = self.store.device_by_pairing(&pairing_hash(code)).await?;
        let Some(device) = found.filter(|d| d.pairing_expires_at.is_some_and(|e| e > now)) else {
            self.count_failure(&keys, now).await?;
            let ev = AuditEvent::anonymous("device.pair", "anonymous", None, now, meta)
                .outcome(Outcome::Failed);
            self.store.append_audit(vec![ev]).await?;
            return Err(wrong);
        };
        let (text, hash) = crypto::token::generate();
        let token = TokenRow {
            id: TokenId::new_at(now),
            tenant_id: device.tenant_id,
            user_id: device.created_by,
            name: device.name.clone(),
            kind: TokenKind::Device,
            role: "device".into(),
            hash,
            expires_at: None,
            revoked: false,
            created_at: now,
            device_id: Some(device.id),
            last_seen_at: None,
        };
        let mut ev =
            AuditEvent::anonymous("device.pair", "device", Some(device.tenant_id), now, meta)
                .target(format!("device:{}", device.id));
        ev.actor_id = Some(device.id.as_uuid());
        ev.actor_role = Some("device".into());
        self.store
            .pair_device(device.id, token, now, ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => wrong,
                o => o.into(),
            })?;
        Ok((
            text,
            DeviceRow {
                paired_at: Some(now),
                pairing_hash: None,
                pairing_expires_at: None,
                ..device
            },
        ))
    }

    /// Revokes a device: its token stops working on its next request.
    pub async fn revoke_device(
        &self,
        p: &Principal,
        id: DeviceId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        self.device_manager(p)?;
        let ev = AuditEvent::by(p, "device.revoke", self.clock.now(), meta)
            .target(format!("device:{id}"));
        self.store
            .revoke_device(p.tenant_id, id, ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("Device"),
                o => o.into(),
            })
    }
}
