//! Multi-factor authentication with TOTP (RFC 6238): enrolment with confirmation, the second
//! factor at login (each code accepted once, one step of clock skew), ten single-use recovery
//! codes stored as keyed hashes, the secret sealed under the tenant key, and the business-wide
//! requirement (on from the start for the optician template, which holds health data).

use crate::audit::{AuditEvent, Outcome, RequestMeta};
use crate::error::CoreError;
use crate::identity::ThrottleKeys;
use crate::ids::{TenantId, UserId};
use crate::policy::{ActorKind, Principal};
use crate::store::{TenantRow, UserRow};
use crate::vault::{TenantKeys, Vault};
use custos_crypto as crypto;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// How many recovery codes a confirmation hands out.
pub const RECOVERY_CODES: usize = 10;

/// What enrolment shows the user (once).
pub struct Enrolment {
    /// The secret in base32, for typing by hand.
    pub secret: Zeroizing<String>,
    /// The `otpauth://` URI.
    pub otpauth_uri: Zeroizing<String>,
    /// The URI as a QR code (SVG).
    pub qr_svg: String,
}

fn secret_aad(tenant: TenantId, user: UserId) -> Vec<u8> {
    let mut aad = b"custos/v1/totp-secret".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(user.as_uuid().as_bytes());
    aad
}

fn recovery_hash(t: &TenantKeys, user: UserId, code: &str) -> [u8; 16] {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    crypto::blind_index(&t.index_key, &format!("recovery:{user}"), &normal)
}

fn unix(t: OffsetDateTime) -> u64 {
    u64::try_from(t.unix_timestamp()).unwrap_or(0)
}

impl Vault {
    fn mfa_user(&self, p: &Principal) -> Result<UserId, CoreError> {
        p.may_set_up_mfa()?;
        if p.kind != ActorKind::User {
            return Err(CoreError::Forbidden(
                "MFA belongs to a user's login, not to an API token.".into(),
            ));
        }
        p.user_id
            .ok_or_else(|| CoreError::Forbidden("Only a user has MFA.".into()))
    }

    fn open_secret(&self, t: &TenantKeys, user: &UserRow) -> Result<Zeroizing<Vec<u8>>, CoreError> {
        let sealed = user.mfa_secret.as_ref().ok_or(CoreError::InvalidMfaCode)?;
        t.open(sealed, &secret_aad(t.id, user.id)).map_err(|_| {
            CoreError::Internal(format!("TOTP secret of user {} does not open", user.id))
        })
    }

    /// Starts MFA enrolment: a new secret (pending until confirmed with a code).
    pub async fn mfa_enrol(
        &self,
        p: &Principal,
        meta: &RequestMeta,
    ) -> Result<Enrolment, CoreError> {
        let uid = self.mfa_user(p)?;
        let user = self
            .store
            .user(p.tenant_id, uid)
            .await?
            .ok_or(CoreError::NotFound("User"))?;
        if user.mfa_enabled {
            return Err(CoreError::Conflict(
                "MFA is on already; turn it off first to enrol a new device.".into(),
            ));
        }
        let t = self.tenant_keys(p.tenant_id).await?;
        let secret = crypto::totp::generate_secret();
        let sealed = crypto::seal(&t.kek, &secret, &secret_aad(t.id, uid));
        let uri = Zeroizing::new(crypto::totp::provisioning_uri(
            &secret,
            &format!("custos {}", t.name),
            &user.username,
        )?);
        let qr_svg = crypto::totp::qr_svg(&uri)?;
        let ev = AuditEvent::by(p, "user.mfa_enrol", self.clock.now(), meta)
            .target(format!("user:{uid}"));
        self.store
            .set_mfa(p.tenant_id, uid, Some(sealed), false, None, ev)
            .await?;
        Ok(Enrolment {
            secret: Zeroizing::new(crypto::totp::base32(&secret)),
            otpauth_uri: uri,
            qr_svg,
        })
    }

    /// Confirms enrolment with a current code; MFA is on from now, and the ten recovery codes
    /// are answered (shown once; only their keyed hashes are kept).
    pub async fn mfa_confirm(
        &self,
        p: &Principal,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<Vec<Zeroizing<String>>, CoreError> {
        let uid = self.mfa_user(p)?;
        let user = self
            .store
            .user(p.tenant_id, uid)
            .await?
            .ok_or(CoreError::NotFound("User"))?;
        if user.mfa_enabled {
            return Err(CoreError::Conflict("MFA is on already.".into()));
        }
        if user.mfa_secret.is_none() {
            return Err(CoreError::Invalid(
                "Start with POST /v1/auth/mfa/enrol.".into(),
            ));
        }
        let t = self.tenant_keys(p.tenant_id).await?;
        self.check_code(&t, &user, code, meta).await?;
        let codes: Vec<Zeroizing<String>> = (0..RECOVERY_CODES)
            .map(|_| {
                let raw = crypto::random_code(10);
                Zeroizing::new(format!("{}-{}", &raw[..5], &raw[5..]))
            })
            .collect();
        let hashes = codes.iter().map(|c| recovery_hash(&t, uid, c)).collect();
        let ev =
            AuditEvent::by(p, "user.mfa_on", self.clock.now(), meta).target(format!("user:{uid}"));
        self.store
            .set_mfa(
                p.tenant_id,
                uid,
                user.mfa_secret.clone(),
                true,
                Some(hashes),
                ev,
            )
            .await?;
        Ok(codes)
    }

    /// Turns MFA off (needs a current code); refused while the business requires MFA.
    pub async fn mfa_disable(
        &self,
        p: &Principal,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let uid = self.mfa_user(p)?;
        let tenant = self
            .store
            .tenant(p.tenant_id)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        if tenant.require_mfa {
            return Err(CoreError::Forbidden(
                "This business requires MFA for every account.".into(),
            ));
        }
        let user = self
            .store
            .user(p.tenant_id, uid)
            .await?
            .ok_or(CoreError::NotFound("User"))?;
        if !user.mfa_enabled {
            return Err(CoreError::Invalid("MFA is not on.".into()));
        }
        let t = self.tenant_keys(p.tenant_id).await?;
        self.check_code(&t, &user, code, meta).await?;
        let ev =
            AuditEvent::by(p, "user.mfa_off", self.clock.now(), meta).target(format!("user:{uid}"));
        self.store
            .set_mfa(p.tenant_id, uid, None, false, None, ev)
            .await?;
        Ok(())
    }

    /// Checks a TOTP code for a user: throttled, each step once, failures audited.
    async fn check_code(
        &self,
        t: &TenantKeys,
        user: &UserRow,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let now = self.clock.now();
        let keys = ThrottleKeys {
            tenant: Some(t.id),
            account: format!("mfa:{}", user.id),
            address: meta.client_addr.as_ref().map(|a| format!("addr:{a}")),
        };
        self.check_throttle(&keys, now).await?;
        let secret = self.open_secret(t, user)?;
        let accepted = match crypto::totp::check(&secret, code, unix(now)) {
            Some(step) => self.store.use_totp_step(user.id, step).await?,
            None => false,
        };
        if !accepted {
            self.count_failure(&keys, now).await?;
            let mut ev = AuditEvent::anonymous("auth.mfa", "user", Some(t.id), now, meta)
                .outcome(Outcome::Failed);
            ev.actor_id = Some(user.id.as_uuid());
            ev.actor_role = Some(user.role.clone());
            self.store.append_audit(vec![ev]).await?;
            return Err(CoreError::InvalidMfaCode);
        }
        self.store.throttle_clear(&keys.account).await?;
        Ok(())
    }

    /// The second factor of a login, for a user whose password was right.
    pub(crate) async fn second_factor(
        &self,
        tenant: &TenantRow,
        user: &UserRow,
        totp_code: Option<&str>,
        recovery_code: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        if !user.mfa_enabled {
            return Ok(());
        }
        let t = self.tenant_keys(tenant.id).await?;
        match (totp_code, recovery_code) {
            (_, Some(rc)) => {
                let now = self.clock.now();
                let keys = ThrottleKeys {
                    tenant: Some(tenant.id),
                    account: format!("mfa:{}", user.id),
                    address: None,
                };
                self.check_throttle(&keys, now).await?;
                if !self
                    .store
                    .use_recovery_code(user.id, recovery_hash(&t, user.id, rc), now)
                    .await?
                {
                    self.count_failure(&keys, now).await?;
                    return Err(CoreError::InvalidMfaCode);
                }
                let mut ev =
                    AuditEvent::anonymous("auth.recovery_code", "user", Some(tenant.id), now, meta);
                ev.actor_id = Some(user.id.as_uuid());
                self.store.append_audit(vec![ev]).await?;
                Ok(())
            }
            (Some(code), None) => self.check_code(&t, user, code, meta).await,
            (None, None) => Err(CoreError::MfaRequired),
        }
    }

    /// Whether the principal's business requires MFA of every account.
    pub async fn business_requires_mfa(&self, p: &Principal) -> Result<bool, CoreError> {
        Ok(self
            .store
            .tenant(p.tenant_id)
            .await?
            .is_some_and(|t| t.require_mfa))
    }

    /// Whether the principal's own login uses MFA now.
    pub async fn mfa_enabled(&self, p: &Principal) -> Result<bool, CoreError> {
        let uid = self.mfa_user(p)?;
        Ok(self
            .store
            .user(p.tenant_id, uid)
            .await?
            .is_some_and(|u| u.mfa_enabled))
    }

    /// Recovery codes the principal has left.
    pub async fn recovery_codes_left(&self, p: &Principal) -> Result<u32, CoreError> {
        let uid = self.mfa_user(p)?;
        Ok(self.store.recovery_codes_left(uid).await?)
    }
}
