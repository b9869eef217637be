//! The customers' privacy portal: a customer signs in with a single-use link mailed to their
//! address (no password, no account; the same answer whether or not the address is known),
//! then sees their data, downloads it, sees who accessed it, gives or withdraws consents, asks
//! for a correction, and erases their data (at once if the business allows it, else as a data
//! request for staff). Everything they do is audited with the actor kind `customer`.

use crate::audit::{AuditEvent, Outcome, RequestMeta};
use crate::error::CoreError;
use crate::ids::{CustomerId, TenantId};
use crate::outbox::Outbound;
use crate::policy::{Access, Action, ActorKind, Principal, Role};
use crate::store::{AuditFilter, IndexKind, PortalTokenRow, StoreError};
use crate::values::Email;
use crate::vault::Vault;
use custos_api::catalog::{Category, Channel};
use custos_api::consent::{ConsentState, ConsentStatus, NewConsent};
use custos_api::request::{NewDataRequest, RequestKind};
use custos_api::CustomerExport;
use custos_crypto as crypto;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// A sign-in link works this long, once.
pub const LINK_TTL: Duration = Duration::minutes(30);
/// A portal session ends this long after sign-in.
pub const SESSION_TTL: Duration = Duration::hours(1);
/// At most this many links are sent to one address per hour, and asked for from one client
/// address.
const LINKS_PER_HOUR_EMAIL: u32 = 5;
const LINKS_PER_HOUR_CLIENT: u32 = 30;

/// A signed-in customer.
#[derive(Debug, Clone)]
pub struct PortalSession {
    /// The business.
    pub tenant: TenantId,
    /// The business's short name.
    pub tenant_slug: String,
    /// The business's name.
    pub business: String,
    /// The customer.
    pub customer: CustomerId,
    /// The session token's hash (for logging out).
    pub hash: [u8; 32],
    /// Until when.
    pub expires_at: OffsetDateTime,
    /// The business's language.
    pub business_lang: &'static str,
    /// A key for the session's CSRF token.
    pub(crate) csrf: String,
}

impl PortalSession {
    /// The CSRF token every form of this session carries.
    pub fn csrf_token(&self) -> &str {
        &self.csrf
    }
}

/// One access to the customer's data as the customer is told of it.
#[derive(Debug, Clone)]
pub struct AccessEntry {
    /// When.
    pub at: OffsetDateTime,
    /// Who, by role: `owner`, `staff`, … `device` (a till), `you`, `custos` (automatic).
    pub who: String,
    /// What, e.g. `customer.read`.
    pub action: String,
    /// The categories touched.
    pub categories: Vec<Category>,
}

/// A consent the customer can give or withdraw: a purpose resting on consent and one of its
/// channels, with the current text in the customer's language.
#[derive(Debug, Clone)]
pub struct ConsentChoice {
    /// The purpose.
    pub purpose: String,
    /// The channel (none for a purpose without channels, e.g. health notes).
    pub channel: Option<Channel>,
    /// The consent text shown.
    pub text: String,
    /// Its version.
    pub version: u32,
}

/// The consents a business asks for, in `lang`.
pub fn consent_choices(catalog: &crate::catalog::Catalog, lang: &str) -> Vec<ConsentChoice> {
    let mut out = Vec::new();
    for p in catalog
        .purposes
        .iter()
        .filter(|p| p.lawful_basis.is_consent())
    {
        let Some(text) = p.current_text(lang).or_else(|| p.current_text("en")) else {
            continue;
        };
        let channels: Vec<Option<Channel>> = if p.channels.is_empty() {
            vec![None]
        } else {
            p.channels.iter().copied().map(Some).collect()
        };
        for channel in channels {
            out.push(ConsentChoice {
                purpose: p.name.clone(),
                channel,
                text: text.text.clone(),
                version: text.version,
            });
        }
    }
    out
}

/// What became of a customer's erasure request in the portal.
#[derive(Debug, Clone)]
pub enum PortalErasure {
    /// Erased at once (self-service).
    Erased,
    /// A data request for staff (with its deadline).
    Requested(OffsetDateTime),
    /// A legal hold applies: a data request was opened, and the data must be kept meanwhile.
    Held(OffsetDateTime),
}

fn customer_principal(s: &PortalSession) -> Principal {
    // The customer, for their own data only: every category in full (it is theirs), the
    // actions the portal offers. Never made from a bearer token; only portal code builds it.
    Principal {
        tenant_id: s.tenant,
        tenant_slug: s.tenant_slug.clone(),
        kind: ActorKind::Customer,
        actor_id: s.customer.as_uuid(),
        user_id: None,
        name: "customer".into(),
        role: Arc::new(Role {
            name: "customer".into(),
            actions: vec![
                Action::CustomerExport,
                Action::CustomerUpdate,
                Action::CustomerErase,
                Action::DataRequestManage,
            ],
            categories: Category::ALL
                .into_iter()
                .map(|c| (c, Access::Full))
                .collect(),
        }),
        token_id: None,
        must_change_password: false,
        mfa_enrolment_required: false,
        break_glass: false,
    }
}

fn link_mail(business: &str, lang: &str, to: &str, url: &str) -> Outbound {
    let (subject, body) = match lang {
        "de" => (
            format!("Ihr Anmeldelink für Ihre Daten bei {business}"),
            format!("Mit diesem Link sehen Sie Ihre Daten bei {business} und können sie herunterladen, berichtigen lassen oder löschen. Er gilt 30 Minuten und nur einmal:\n\n{url}\n\nWenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail: Es geschieht nichts.\n"),
        ),
        "pl" => (
            format!("Link do Państwa danych w {business}"),
            format!("Tym linkiem zobaczą Państwo swoje dane w {business} i mogą je pobrać, poprosić o sprostowanie lub je usunąć. Działa 30 minut i tylko raz:\n\n{url}\n\nJeśli to nie Państwo o niego prosili, prosimy zignorować tę wiadomość: nic się nie stanie.\n"),
        ),
        _ => (
            format!("Your sign-in link for your data at {business}"),
            format!("With this link you can see your data at {business}, download it, ask for a correction or erase it. It works once, for 30 minutes:\n\n{url}\n\nIf you did not ask for it, ignore this e-mail: nothing will happen.\n"),
        ),
    };
    Outbound::Email {
        to: to.to_owned(),
        subject,
        text: body,
        headers: Vec::new(),
    }
}

impl Vault {
    /// Sends a sign-in link to every customer of the business with this address. The answer
    /// is the same whether or not the address is known; only bad input and too many requests
    /// are told.
    pub async fn portal_request_link(
        &self,
        tenant_slug: Option<&str>,
        email: &str,
        lang: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        // Several businesses and none named: the page was not opened from a shop's link.
        let tenant = self
            .resolve_tenant(tenant_slug)
            .await
            .map_err(|e| match e {
                CoreError::Invalid(_) => CoreError::NotFound("Business"),
                other => other,
            })?;
        let email = Email::parse(email)
            .map_err(|_| CoreError::Invalid("That is not an e-mail address.".into()))?;
        let t = self.tenant_keys(tenant.id).await?;
        let now = self.clock.now();
        let addr_key = format!(
            "portal:{}:{}",
            tenant.id,
            hex::encode(crypto::blind_index(
                &t.index_key,
                "portal-email",
                &email.search_key()
            ))
        );
        let client_key = meta
            .client_addr
            .as_deref()
            .map(|ip| format!("portal-client:{ip}"));
        for (key, max) in [
            (Some(&addr_key), LINKS_PER_HOUR_EMAIL),
            (client_key.as_ref(), LINKS_PER_HOUR_CLIENT),
        ] {
            let Some(key) = key else { continue };
            if let Some((n, last)) = self.store.throttle(key).await? {
                if n >= max && last > now - Duration::hours(1) {
                    return Err(CoreError::RateLimited(
                        (last + Duration::hours(1) - now).whole_seconds().max(1) as u64,
                    ));
                }
            }
            self.store
                .throttle_fail(key, now, now - Duration::hours(1))
                .await?;
        }
        let hash =
            crypto::blind_index(&t.index_key, IndexKind::Email.as_str(), &email.search_key());
        let hits = self
            .store
            .index_lookup(tenant.id, IndexKind::Email, &[hash], 5)
            .await?;
        if hits.is_empty() {
            let ev = AuditEvent::anonymous("portal.link", "customer", Some(tenant.id), now, meta)
                .outcome(Outcome::Failed);
            self.store.append_audit(vec![ev]).await?;
            return Ok(());
        }
        let lang = match lang {
            "de" | "pl" | "en" => lang,
            _ => crate::consents::business_lang(&t.catalog.default_country),
        };
        for (customer, _) in hits {
            let (text, hash) = crypto::token::generate();
            let url = self.link("/privacy/portal/open", &text);
            let msg = link_mail(&t.name, lang, email.as_str(), &url);
            let delivery = self
                .delivery(tenant.id, format!("customer:{customer}:portal"), &msg)
                .await?;
            let row = PortalTokenRow {
                hash,
                tenant_id: tenant.id,
                customer_id: customer,
                kind: "link".into(),
                created_at: now,
                expires_at: now + LINK_TTL,
                used_at: None,
            };
            let ev = AuditEvent::anonymous("portal.link", "customer", Some(tenant.id), now, meta)
                .customers([customer.as_uuid()]);
            match self
                .store
                .insert_portal_token(row, vec![delivery], ev)
                .await
            {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Spends a sign-in link and opens a session; answers the session token (shown once, kept
    /// in a cookie).
    pub async fn portal_open(
        &self,
        link: &str,
        meta: &RequestMeta,
    ) -> Result<(Zeroizing<String>, OffsetDateTime), CoreError> {
        let gone = || {
            CoreError::Gone("This link was used already or has expired. Ask for a new one.".into())
        };
        if !crypto::token::looks_valid(link) {
            return Err(gone());
        }
        let hash = crypto::token::hash(link);
        let now = self.clock.now();
        let row = self
            .store
            .portal_token(hash)
            .await?
            .filter(|r| r.kind == "link" && r.used_at.is_none() && r.expires_at > now)
            .ok_or_else(gone)?;
        let (text, session_hash) = crypto::token::generate();
        let session = PortalTokenRow {
            hash: session_hash,
            tenant_id: row.tenant_id,
            customer_id: row.customer_id,
            kind: "session".into(),
            created_at: now,
            expires_at: now + SESSION_TTL,
            used_at: None,
        };
        let mut ev =
            AuditEvent::anonymous("portal.login", "customer", Some(row.tenant_id), now, meta)
                .customers([row.customer_id.as_uuid()]);
        ev.actor_id = Some(row.customer_id.as_uuid());
        self.store
            .use_portal_link(hash, now, session, ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => gone(),
                other => other.into(),
            })?;
        Ok((text, now + SESSION_TTL))
    }

    /// The signed-in customer of a session token, or `Unauthorized`.
    pub async fn portal_session(&self, text: &str) -> Result<PortalSession, CoreError> {
        let refused =
            CoreError::Unauthorized("Your session has ended; ask for a new sign-in link.");
        if !crypto::token::looks_valid(text) {
            return Err(refused);
        }
        let hash = crypto::token::hash(text);
        let now = self.clock.now();
        let row = self
            .store
            .portal_token(hash)
            .await?
            .filter(|r| r.kind == "session" && r.used_at.is_none() && r.expires_at > now)
            .ok_or(CoreError::Unauthorized(
                "Your session has ended; ask for a new sign-in link.",
            ))?;
        if self
            .store
            .customer(row.tenant_id, row.customer_id)
            .await?
            .is_none()
        {
            return Err(refused);
        }
        let tenant = self
            .store
            .tenant(row.tenant_id)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        let t = self.tenant_keys(row.tenant_id).await?;
        let csrf = hex::encode(crypto::blind_index(
            &t.index_key,
            "portal-csrf",
            &hex::encode(hash),
        ));
        Ok(PortalSession {
            tenant: row.tenant_id,
            tenant_slug: tenant.slug,
            business: tenant.name,
            customer: row.customer_id,
            hash,
            expires_at: row.expires_at,
            business_lang: crate::consents::business_lang(&t.catalog.default_country),
            csrf,
        })
    }

    /// The consents the customer may give or withdraw, in `lang`.
    pub async fn portal_consent_choices(
        &self,
        s: &PortalSession,
        lang: &str,
    ) -> Result<Vec<ConsentChoice>, CoreError> {
        Ok(consent_choices(
            &self.tenant_keys(s.tenant).await?.catalog,
            lang,
        ))
    }

    /// Ends a portal session.
    pub async fn portal_logout(
        &self,
        s: &PortalSession,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let p = customer_principal(s);
        let ev = AuditEvent::by(&p, "portal.logout", self.clock.now(), meta)
            .customers([s.customer.as_uuid()]);
        self.store
            .end_portal_session(s.hash, self.clock.now(), ev)
            .await?;
        Ok(())
    }

    /// Everything held about the signed-in customer (their own export, every category), to
    /// show (`download` false: audited as `portal.read`) or to download (`portal.export`).
    pub async fn portal_export(
        &self,
        s: &PortalSession,
        download: bool,
        lang: &str,
        meta: &RequestMeta,
    ) -> Result<CustomerExport, CoreError> {
        let action = if download {
            "portal.export"
        } else {
            "portal.read"
        };
        self.export_as(&customer_principal(s), s.customer, action, Some(lang), meta)
            .await
    }

    /// Who accessed the customer's data and when, by role, newest first (the last 200).
    pub async fn portal_access_history(
        &self,
        s: &PortalSession,
        meta: &RequestMeta,
    ) -> Result<Vec<AccessEntry>, CoreError> {
        let rows = self
            .store
            .audit_query(
                s.tenant,
                AuditFilter {
                    customer: Some(s.customer),
                    ..Default::default()
                },
                200,
            )
            .await?;
        let p = customer_principal(s);
        let ev = AuditEvent::by(&p, "portal.access_history", self.clock.now(), meta)
            .customers([s.customer.as_uuid()]);
        self.store.append_audit(vec![ev]).await?;
        Ok(rows
            .iter()
            .filter_map(|(_, body)| serde_json::from_slice::<AuditEvent>(body).ok())
            .filter(|e| e.outcome == Outcome::Ok)
            .map(|e| AccessEntry {
                at: e.at,
                who: match e.actor_kind.as_str() {
                    "customer" => "you".into(),
                    "system" => "custos".into(),
                    "device" => "device".into(),
                    _ => e.actor_role.clone().unwrap_or_else(|| e.actor_kind.clone()),
                },
                action: e.action,
                categories: e.categories,
            })
            .collect())
    }

    /// Gives or withdraws a consent as the customer. Given in the portal, an e-mail consent
    /// needs no second confirmation: the sign-in link proved the address.
    pub async fn portal_consent(
        &self,
        s: &PortalSession,
        purpose: &str,
        channel: Option<Channel>,
        give: bool,
        lang: &str,
        meta: &RequestMeta,
    ) -> Result<ConsentStatus, CoreError> {
        let (_, status) = self
            .record_consent(
                &customer_principal(s),
                s.customer,
                NewConsent {
                    purpose: purpose.to_owned(),
                    channel,
                    state: if give {
                        ConsentState::Given
                    } else {
                        ConsentState::Withdrawn
                    },
                    method: "privacy_portal".into(),
                    text_version: None,
                    lang: Some(lang.to_owned()),
                    source: None,
                    notice_version: None,
                },
                meta,
            )
            .await?;
        Ok(status)
    }

    /// Opens a data request as the customer (identity checked by the sign-in link); answers
    /// its deadline.
    pub async fn portal_request(
        &self,
        s: &PortalSession,
        kind: RequestKind,
        note: Option<String>,
        meta: &RequestMeta,
    ) -> Result<OffsetDateTime, CoreError> {
        let r = self
            .open_data_request(
                &customer_principal(s),
                NewDataRequest {
                    customer_id: s.customer.as_uuid(),
                    kind,
                    received_at: None,
                    note: note.filter(|n| !n.trim().is_empty()),
                },
                meta,
            )
            .await?;
        Ok(r.due_at)
    }

    /// Erases the customer at once when the business allows self-service erasure; otherwise,
    /// or under a legal hold, opens an erasure request for staff.
    pub async fn portal_erase(
        &self,
        s: &PortalSession,
        meta: &RequestMeta,
    ) -> Result<PortalErasure, CoreError> {
        let tenant = self
            .store
            .tenant(s.tenant)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        if tenant.policy().self_service_erasure {
            match self
                .erase_customer(&customer_principal(s), s.customer, meta)
                .await
            {
                Ok(()) => return Ok(PortalErasure::Erased),
                Err(CoreError::LegalHold) => {
                    let due = self
                        .portal_request(s, RequestKind::Erasure, None, meta)
                        .await?;
                    return Ok(PortalErasure::Held(due));
                }
                Err(e) => return Err(e),
            }
        }
        let due = self
            .portal_request(s, RequestKind::Erasure, None, meta)
            .await?;
        Ok(PortalErasure::Requested(due))
    }
}
