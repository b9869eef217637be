//! Identity use cases: staff accounts (list, role change, disable, password reset, compromised),
//! one's own password change, API tokens scoped to a role, and login throttling.
//!
//! Throttling counts failures per account name and per client address in the store (so it holds
//! across instances). Past a free allowance each further failure doubles the wait, capped at 15
//! minutes, so nobody — not even an attacker hammering the owner's name — can lock an account
//! for good; `custos user unlock` clears the count at once.

use crate::audit::{AuditEvent, Outcome, RequestMeta};
use crate::error::CoreError;
use crate::ids::{TenantId, TokenId, UserId};
use crate::policy::{Action, Principal};
use crate::store::{RevokeTokens, StoreError, TokenKind, TokenRow, UserChange, UserRow};
use crate::vault::{forbidden, hash_password, verify_password, Vault};
use custos_crypto as crypto;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// Failures per account name before waits begin.
pub const ACCOUNT_FREE_FAILURES: u32 = 5;
/// Failures per client address before waits begin (a shop's staff share one address).
pub const ADDRESS_FREE_FAILURES: u32 = 20;
/// The longest wait.
pub const MAX_WAIT_SECS: i64 = 15 * 60;

/// The throttle keys of one login attempt.
#[derive(Debug, Clone)]
pub struct ThrottleKeys {
    /// The tenant, when known: repeated failures there raise an alert.
    pub tenant: Option<TenantId>,
    /// Per tenant and (lower-cased) username, whether or not it exists.
    pub account: String,
    /// Per client address, when known.
    pub address: Option<String>,
}

/// The keys for a login attempt.
pub fn throttle_keys(tenant: TenantId, username: &str, meta: &RequestMeta) -> ThrottleKeys {
    ThrottleKeys {
        tenant: Some(tenant),
        account: format!("acct:{tenant}:{}", username.to_lowercase()),
        address: meta.client_addr.as_ref().map(|a| format!("addr:{a}")),
    }
}

/// How long to wait after `failures`, past `free`: 1 s, 2 s, 4 s … up to 15 minutes.
pub fn wait_after(failures: u32, free: u32) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let exp = (failures - free).min(20);
    Duration::seconds((1i64 << exp).min(MAX_WAIT_SECS))
}

fn forget_after(free: u32) -> Duration {
    if free == ACCOUNT_FREE_FAILURES {
        Duration::hours(24)
    } else {
        Duration::hours(1)
    }
}

/// One user as shown to managers.
#[derive(Debug, Clone)]
pub struct UserView {
    /// The row (the password hash stays inside core).
    pub id: UserId,
    /// Username.
    pub username: String,
    /// Role.
    pub role: String,
    /// Disabled.
    pub disabled: bool,
    /// Must change the password.
    pub must_change_password: bool,
    /// Signs in with a second factor.
    pub mfa_enabled: bool,
    /// Created.
    pub created_at: OffsetDateTime,
}

impl From<UserRow> for UserView {
    fn from(u: UserRow) -> Self {
        UserView {
            id: u.id,
            username: u.username,
            role: u.role,
            disabled: u.disabled,
            must_change_password: u.must_change_password,
            mfa_enabled: u.mfa_enabled,
            created_at: u.created_at,
        }
    }
}

impl Vault {
    pub(crate) async fn check_throttle(
        &self,
        keys: &ThrottleKeys,
        now: OffsetDateTime,
    ) -> Result<(), CoreError> {
        let mut wait = Duration::ZERO;
        for (key, free) in [
            (Some(&keys.account), ACCOUNT_FREE_FAILURES),
            (keys.address.as_ref(), ADDRESS_FREE_FAILURES),
        ] {
            let Some(key) = key else { continue };
            if let Some((failures, last)) = self.store.throttle(key).await? {
                if last >= now - forget_after(free) {
                    let until = last + wait_after(failures, free);
                    if until > now {
                        wait = wait.max(until - now);
                    }
                }
            }
        }
        if wait > Duration::ZERO {
            return Err(CoreError::RateLimited(wait.whole_seconds().max(1) as u64));
        }
        Ok(())
    }

    pub(crate) async fn count_failure(
        &self,
        keys: &ThrottleKeys,
        now: OffsetDateTime,
    ) -> Result<(), CoreError> {
        let mut hits = vec![(
            keys.account.as_str(),
            ACCOUNT_FREE_FAILURES,
            self.store
                .throttle_fail(
                    &keys.account,
                    now,
                    now - forget_after(ACCOUNT_FREE_FAILURES),
                )
                .await?,
        )];
        if let Some(a) = &keys.address {
            hits.push((
                a.as_str(),
                ADDRESS_FREE_FAILURES,
                self.store
                    .throttle_fail(a, now, now - forget_after(ADDRESS_FREE_FAILURES))
                    .await?,
            ));
        }
        // Once failures begin to be slowed down, somebody should look.
        if let Some(tenant) = keys.tenant {
            for (key, free, failures) in hits {
                if failures >= free {
                    let (what, subject) = key.split_once(':').unwrap_or(("", key));
                    self.raise(
                        tenant,
                        "repeated_failures",
                        "warning",
                        format!("{failures} failed attempts ({what}) in a row; further attempts are being slowed down."),
                        serde_json::json!({"kind": what, "subject": subject, "failures": failures}),
                        key,
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// Clears the login throttle of an account (command line: the recovery path).
    pub async fn unlock(&self, tenant: TenantId, username: &str) -> Result<(), CoreError> {
        let keys = throttle_keys(tenant, username, &RequestMeta::default());
        self.store.throttle_clear(&keys.account).await?;
        let ev = AuditEvent::anonymous(
            "user.unlock",
            "system",
            Some(tenant),
            self.clock.now(),
            &RequestMeta::default(),
        );
        self.store.append_audit(vec![ev]).await?;
        Ok(())
    }

    fn manage(&self, p: &Principal) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::UserManage) {
            return Err(forbidden(Action::UserManage));
        }
        Ok(())
    }

    async fn managed_user(&self, p: &Principal, id: UserId) -> Result<UserRow, CoreError> {
        self.manage(p)?;
        let user = self
            .store
            .user(p.tenant_id, id)
            .await?
            .ok_or(CoreError::NotFound("User"))?;
        // Nobody manages an account that holds more than they do (a manager and the owner).
        if !self
            .resolve_role(p.tenant_id, &user.role)
            .await?
            .within(&p.role)
        {
            return Err(CoreError::Forbidden(format!(
                "Your role may not change a user with the role '{}'.",
                user.role
            )));
        }
        Ok(user)
    }

    /// Every user of the principal's business.
    pub async fn users(&self, p: &Principal) -> Result<Vec<UserView>, CoreError> {
        self.manage(p)?;
        Ok(self
            .store
            .users(p.tenant_id)
            .await?
            .into_iter()
            .map(UserView::from)
            .collect())
    }

    /// One user.
    pub async fn user(&self, p: &Principal, id: UserId) -> Result<UserView, CoreError> {
        self.manage(p)?;
        self.store
            .user(p.tenant_id, id)
            .await?
            .map(UserView::from)
            .ok_or(CoreError::NotFound("User"))
    }

    /// Changes a user's role or disables/enables it; takes effect on the user's next request.
    pub async fn change_user(
        &self,
        p: &Principal,
        id: UserId,
        role: Option<&str>,
        disabled: Option<bool>,
        meta: &RequestMeta,
    ) -> Result<UserView, CoreError> {
        let user = self.managed_user(p, id).await?;
        if role.is_none() && disabled.is_none() {
            return Err(CoreError::Invalid(
                "Give a new role or a disabled state.".into(),
            ));
        }
        if let Some(r) = role {
            if !self.resolve_role(p.tenant_id, r).await?.within(&p.role) {
                return Err(CoreError::Forbidden(format!(
                    "Your role may not grant the role '{r}'."
                )));
            }
        }
        if disabled == Some(true) && p.user_id == Some(id) {
            return Err(CoreError::Invalid(
                "You cannot disable your own account.".into(),
            ));
        }
        let now = self.clock.now();
        let mut events = Vec::new();
        if role.is_some() {
            events.push(
                AuditEvent::by(p, "user.role_change", now, meta).target(format!("user:{id}")),
            );
        }
        if let Some(d) = disabled {
            let action = if d { "user.disable" } else { "user.enable" };
            events.push(AuditEvent::by(p, action, now, meta).target(format!("user:{id}")));
        }
        let change = UserChange {
            role: role.map(str::to_owned),
            disabled,
            ..Default::default()
        };
        // Disabling ends every session and token of the user: enabling it again later does not
        // bring old tokens back.
        let revoke = if disabled == Some(true) {
            RevokeTokens::All
        } else {
            RevokeTokens::None
        };
        self.store
            .update_user(p.tenant_id, id, change, revoke, events)
            .await?;
        let mut view = UserView::from(user);
        if let Some(r) = role {
            view.role = r.to_owned();
        }
        if let Some(d) = disabled {
            view.disabled = d;
        }
        Ok(view)
    }

    /// Sets a new password for another user, who must change it at the next login; the user's
    /// sessions end.
    pub async fn reset_password(
        &self,
        p: &Principal,
        id: UserId,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = self.managed_user(p, id).await?;
        let business = self.tenant_keys(p.tenant_id).await?.name.clone();
        crate::password::check(
            password,
            crate::password::Context {
                username: &user.username,
                business: &business,
                mfa: user.mfa_enabled,
            },
        )?;
        let hash = hash_password(password).await?;
        let ev = AuditEvent::by(p, "user.password_reset", self.clock.now(), meta)
            .target(format!("user:{id}"));
        let change = UserChange {
            password_hash: Some(hash),
            must_change_password: Some(true),
            ..Default::default()
        };
        self.store
            .update_user(
                p.tenant_id,
                id,
                change,
                RevokeTokens::Login { except: None },
                vec![ev],
            )
            .await?;
        Ok(())
    }

    /// Marks an account compromised: every token of it is revoked and the password must be
    /// changed before anything else.
    pub async fn mark_compromised(
        &self,
        p: &Principal,
        id: UserId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        self.managed_user(p, id).await?;
        let ev = AuditEvent::by(p, "user.compromised", self.clock.now(), meta)
            .target(format!("user:{id}"));
        let change = UserChange {
            must_change_password: Some(true),
            ..Default::default()
        };
        self.store
            .update_user(p.tenant_id, id, change, RevokeTokens::All, vec![ev])
            .await?;
        Ok(())
    }

    /// Changes one's own password; needs the current one. Other login sessions end.
    pub async fn change_password(
        &self,
        p: &Principal,
        current: &str,
        new: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let uid = p
            .user_id
            .ok_or_else(|| CoreError::Forbidden("Only a user can change a password.".into()))?;
        if p.kind != crate::policy::ActorKind::User {
            return Err(CoreError::Forbidden(
                "Log in with the password to change it, not with an API token.".into(),
            ));
        }
        let now = self.clock.now();
        let keys = ThrottleKeys {
            tenant: Some(p.tenant_id),
            account: format!("pwchange:{uid}"),
            address: None,
        };
        self.check_throttle(&keys, now).await?;
        let user = self
            .store
            .user(p.tenant_id, uid)
            .await?
            .ok_or(CoreError::NotFound("User"))?;
        if !verify_password(current, &user.password_hash).await? {
            self.count_failure(&keys, now).await?;
            let ev = AuditEvent::by(p, "user.password_change", now, meta)
                .target(format!("user:{uid}"))
                .outcome(Outcome::Failed);
            self.store.append_audit(vec![ev]).await?;
            return Err(CoreError::InvalidCredentials);
        }
        let business = self.tenant_keys(p.tenant_id).await?.name.clone();
        crate::password::check(
            new,
            crate::password::Context {
                username: &user.username,
                business: &business,
                mfa: user.mfa_enabled,
            },
        )?;
        if verify_password(new, &user.password_hash).await? {
            return Err(CoreError::Invalid(
                "The new password must differ from the current one.".into(),
            ));
        }
        let hash = hash_password(new).await?;
        let ev = AuditEvent::by(p, "user.password_change", now, meta).target(format!("user:{uid}"));
        let change = UserChange {
            password_hash: Some(hash),
            must_change_password: Some(false),
            ..Default::default()
        };
        self.store.throttle_clear(&keys.account).await?;
        self.store
            .update_user(
                p.tenant_id,
                uid,
                change,
                RevokeTokens::Login { except: p.token_id },
                vec![ev],
            )
            .await?;
        Ok(())
    }

    /// The principal's own login tokens and web sessions that are still valid.
    pub async fn sessions(&self, p: &Principal) -> Result<Vec<TokenRow>, CoreError> {
        let uid = p
            .user_id
            .filter(|_| p.kind == crate::policy::ActorKind::User)
            .ok_or_else(|| CoreError::Forbidden("Only a user has sessions.".into()))?;
        let now = self.clock.now();
        let idle = self.settings.session_idle;
        Ok(self
            .store
            .user_sessions(p.tenant_id, uid)
            .await?
            .into_iter()
            .filter(|t| t.expires_at.is_none_or(|e| e > now))
            .filter(|t| {
                t.kind != TokenKind::Session || now - t.last_seen_at.unwrap_or(t.created_at) <= idle
            })
            .collect())
    }

    /// Ends every login token and web session of the principal's user, this one included.
    pub async fn logout_everywhere(
        &self,
        p: &Principal,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let uid = p
            .user_id
            .filter(|_| p.kind == crate::policy::ActorKind::User)
            .ok_or_else(|| CoreError::Forbidden("Only a user has sessions.".into()))?;
        let ev = AuditEvent::by(p, "auth.logout_everywhere", self.clock.now(), meta)
            .target(format!("user:{uid}"));
        self.store
            .update_user(
                p.tenant_id,
                uid,
                UserChange::default(),
                RevokeTokens::Login { except: None },
                vec![ev],
            )
            .await?;
        Ok(())
    }

    /// Creates an API token acting with `role` (at most the caller's own); the text is shown
    /// once.
    pub async fn create_token(
        &self,
        p: &Principal,
        name: &str,
        role: Option<&str>,
        ttl: Option<Duration>,
        meta: &RequestMeta,
    ) -> Result<(Zeroizing<String>, TokenRow), CoreError> {
        p.active()?;
        if !p.role.may(Action::TokenManage) {
            return Err(forbidden(Action::TokenManage));
        }
        let uid = p
            .user_id
            .ok_or_else(|| CoreError::Forbidden("Only a user can create tokens.".into()))?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::Invalid(
                "A token needs a name of 1 to 100 characters.".into(),
            ));
        }
        let role = role.unwrap_or(&p.role.name).to_owned();
        if !self.resolve_role(p.tenant_id, &role).await?.within(&p.role) {
            return Err(CoreError::Forbidden(format!(
                "Your role may not create a token with the role '{role}'."
            )));
        }
        if ttl.is_some_and(|d| d <= Duration::ZERO || d > Duration::days(3650)) {
            return Err(CoreError::Invalid(
                "A token expires after 1 to 3650 days.".into(),
            ));
        }
        let now = self.clock.now();
        let (text, hash) = crypto::token::generate();
        let token = TokenRow {
            id: TokenId::new_at(now),
            tenant_id: p.tenant_id,
            user_id: uid,
            name: name.to_owned(),
            kind: TokenKind::Api,
            role,
            hash,
            expires_at: ttl.map(|d| now + d),
            revoked: false,
            created_at: now,
            device_id: None,
            last_seen_at: None,
        };
        let ev = AuditEvent::by(p, "token.create", now, meta).target(format!("token:{}", token.id));
        self.store.insert_token(token.clone(), ev).await?;
        Ok((text, token))
    }

    /// The business's API tokens (never their text).
    pub async fn tokens(&self, p: &Principal) -> Result<Vec<TokenRow>, CoreError> {
        p.active()?;
        if !p.role.may(Action::TokenManage) {
            return Err(forbidden(Action::TokenManage));
        }
        Ok(self.store.api_tokens(p.tenant_id).await?)
    }

    /// Revokes an API token of the business; it stops working at once.
    pub async fn revoke_api_token(
        &self,
        p: &Principal,
        id: TokenId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::TokenManage) {
            return Err(forbidden(Action::TokenManage));
        }
        let ev =
            AuditEvent::by(p, "token.revoke", self.clock.now(), meta).target(format!("token:{id}"));
        let known = self
            .store
            .api_tokens(p.tenant_id)
            .await?
            .into_iter()
            .any(|t| t.id == id);
        if !known {
            return Err(CoreError::NotFound("Token"));
        }
        self.store
            .revoke_token(p.tenant_id, id, ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("Token"),
                o => o.into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_and_are_capped() {
        assert_eq!(wait_after(4, 5), Duration::ZERO);
        assert_eq!(wait_after(5, 5), Duration::seconds(1));
        assert_eq!(wait_after(6, 5), Duration::seconds(2));
        assert_eq!(wait_after(10, 5), Duration::seconds(32));
        assert_eq!(
            wait_after(40, 5),
            Duration::seconds(MAX_WAIT_SECS),
            "never longer than 15 minutes"
        );
        assert_eq!(wait_after(u32::MAX, 5), Duration::seconds(MAX_WAIT_SECS));
    }

    #[test]
    fn keys_do_not_depend_on_the_account_existing() {
        let t = TenantId::new_at(OffsetDateTime::UNIX_EPOCH);
        let meta = RequestMeta {
            request_id: None,
            client_addr: Some("10.0.0.5".into()),
        };
        let k = throttle_keys(t, "Owner", &meta);
        assert_eq!(k.account, format!("acct:{t}:owner"));
        assert_eq!(k.address.as_deref(), Some("addr:10.0.0.5"));
    }
}
