//! Consents (GDPR art. 7): an append-only history per customer, purpose and channel, each event
//! with the exact text version shown, how and by whom it was collected, and its evidence. Giving
//! e-mail consent starts a double opt-in: a confirmation mail with a signed, expiring link goes
//! through the outbox, and only following it makes the consent `given`. Every mail carries a
//! one-click unsubscribe link (RFC 8058) that works without logging in.

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::ids::{CustomerId, TenantId};
use crate::outbox::Outbound;
use crate::policy::{Action, ActorKind, Principal};
use crate::store::ConsentRow;
use crate::vault::{TenantKeys, Vault};
use base64::Engine;
use custos_api::catalog::{Category, Channel, Purpose};
use custos_api::consent::{
    ConsentEvent, ConsentState, ConsentStatus, Consents, NewConsent, OBJECTION,
};
use custos_crypto as crypto;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How long a confirmation link works.
pub const CONFIRM_WITHIN: Duration = Duration::days(7);

/// The collection methods staff, devices and integrations may state.
pub const METHODS: [&str; 6] = [
    "in_store",
    "web_form",
    "phone",
    "paper",
    "import",
    "privacy_portal",
];

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The language a business writes to its customers in, from its country.
pub fn business_lang(country: &str) -> &'static str {
    match country {
        "PL" => "pl",
        "DE" | "AT" | "CH" | "LI" | "LU" => "de",
        _ => "en",
    }
}

/// What a link token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkToken {
    /// Confirms the pending consent event `event` (until `expires`).
    Confirm {
        /// Tenant.
        tenant: TenantId,
        /// The pending event.
        event: Uuid,
        /// Unix seconds.
        expires: i64,
    },
    /// Withdraws the customer's consent to a purpose on a channel.
    Unsubscribe {
        /// Tenant.
        tenant: TenantId,
        /// Customer.
        customer: CustomerId,
        /// Purpose.
        purpose: String,
        /// Channel.
        channel: Channel,
    },
}

impl LinkToken {
    fn payload(&self) -> Vec<u8> {
        let mut p = Vec::new();
        match self {
            LinkToken::Confirm {
                tenant,
                event,
                expires,
            } => {
                p.push(b'c');
                p.extend_from_slice(tenant.as_uuid().as_bytes());
                p.extend_from_slice(event.as_bytes());
                p.extend_from_slice(&expires.to_be_bytes());
            }
            LinkToken::Unsubscribe {
                tenant,
                customer,
                purpose,
                channel,
            } => {
                p.push(b'u');
                p.extend_from_slice(tenant.as_uuid().as_bytes());
                p.extend_from_slice(customer.as_uuid().as_bytes());
                p.extend_from_slice(channel.as_str().as_bytes());
                p.push(b':');
                p.extend_from_slice(purpose.as_bytes());
            }
        }
        p
    }

    fn tenant(&self) -> TenantId {
        match self {
            LinkToken::Confirm { tenant, .. } | LinkToken::Unsubscribe { tenant, .. } => *tenant,
        }
    }

    /// The token text: the payload and a MAC under the business's index key, both base64url.
    pub(crate) fn sign(&self, index_key: &crypto::Key32) -> String {
        let payload = B64.encode(self.payload());
        let mac = crypto::blind_index(index_key, "link/v1", &payload);
        format!("{payload}.{}", B64.encode(mac))
    }

    /// Reads a token's claims without checking its MAC (the tenant tells which key to check).
    fn parse_unverified(text: &str) -> Option<(LinkToken, String, Vec<u8>)> {
        let (payload_b64, mac_b64) = text.split_once('.')?;
        let payload = B64.decode(payload_b64).ok()?;
        let mac = B64.decode(mac_b64).ok()?;
        let uuid_at = |i: usize| -> Option<Uuid> {
            Some(Uuid::from_bytes(payload.get(i..i + 16)?.try_into().ok()?))
        };
        let token = match payload.first()? {
            b'c' if payload.len() == 41 => LinkToken::Confirm {
                tenant: TenantId::from_uuid(uuid_at(1)?),
                event: uuid_at(17)?,
                expires: i64::from_be_bytes(payload.get(33..41)?.try_into().ok()?),
            },
            b'u' if payload.len() > 34 => {
                let rest = std::str::from_utf8(&payload[33..]).ok()?;
                let (channel, purpose) = rest.split_once(':')?;
                LinkToken::Unsubscribe {
                    tenant: TenantId::from_uuid(uuid_at(1)?),
                    customer: CustomerId::from_uuid(uuid_at(17)?),
                    purpose: purpose.to_owned(),
                    channel: Channel::parse(channel)?,
                }
            }
            _ => return None,
        };
        Some((token, payload_b64.to_owned(), mac))
    }
}

fn bad_link() -> CoreError {
    CoreError::NotFound("Link")
}

/// What the catalog says about how consent states add up: which purposes are direct
/// marketing (an objection stops them) and after how many days without interaction consent to
/// a purpose lapses.
#[derive(Debug, Clone, Default)]
pub struct StateRules {
    marketing: std::collections::HashSet<String>,
    lapse_days: std::collections::HashMap<String, u32>,
}

impl StateRules {
    /// The rules of a catalog.
    pub fn from_catalog(c: &custos_api::catalog::Catalog) -> Self {
        StateRules {
            marketing: c
                .purposes
                .iter()
                .filter(|p| p.marketing)
                .map(|p| p.name.clone())
                .collect(),
            lapse_days: c
                .purposes
                .iter()
                .filter_map(|p| p.consent_lapses_after_days.map(|d| (p.name.clone(), d)))
                .collect(),
        }
    }
}

/// When a consent given at `given` lapses: at the first stretch of `days` without dealings
/// (`activity`, oldest first) after it. Later dealings do not revive it.
pub fn lapses_at(given: OffsetDateTime, activity: &[OffsetDateTime], days: u32) -> OffsetDateTime {
    let span = Duration::days(i64::from(days));
    let mut last = given;
    for a in activity.iter().filter(|a| **a > given) {
        if *a - last > span {
            break;
        }
        last = *a;
    }
    last + span
}

/// The current state per (purpose, channel): the latest event; a pending one past its expiry
/// counts as withdrawn; a marketing consent given before the latest objection counts as
/// withdrawn; a given consent with a stretch without dealings longer than the purpose's lapse
/// period is lapsed.
pub fn current_states(
    rows: &[ConsentRow],
    rules: &StateRules,
    activity: &[OffsetDateTime],
    now: OffsetDateTime,
) -> Vec<ConsentStatus> {
    let mut latest: BTreeMap<(String, Option<String>), &ConsentRow> = BTreeMap::new();
    for r in rows {
        latest.insert((r.purpose.clone(), r.channel.clone()), r);
    }
    let objection = rows
        .iter()
        .filter(|r| r.purpose == OBJECTION)
        .map(|r| r.at)
        .max();
    latest
        .into_values()
        .map(|r| {
            let mut state = ConsentState::parse(&r.state).unwrap_or(ConsentState::Withdrawn);
            let mut since = r.at;
            if state == ConsentState::PendingConfirmation {
                if let Some(exp) = r.expires_at.filter(|e| *e <= now) {
                    state = ConsentState::Withdrawn;
                    since = exp;
                }
            }
            if matches!(
                state,
                ConsentState::Given | ConsentState::PendingConfirmation
            ) && rules.marketing.contains(&r.purpose)
            {
                if let Some(o) = objection.filter(|o| *o >= r.at) {
                    state = ConsentState::Withdrawn;
                    since = o;
                }
            }
            if state == ConsentState::Given {
                if let Some(days) = rules.lapse_days.get(&r.purpose) {
                    let until = lapses_at(r.at, activity, *days);
                    if until <= now {
                        state = ConsentState::Lapsed;
                        since = until;
                    }
                }
            }
            ConsentStatus {
                purpose: r.purpose.clone(),
                channel: r.channel.as_deref().and_then(Channel::parse),
                state,
                since,
                event_id: r.id,
                text_version: r.text_version,
            }
        })
        .collect()
}

pub(crate) fn event_wire(r: &ConsentRow) -> ConsentEvent {
    let evidence: serde_json::Value = serde_json::from_str(&r.evidence).unwrap_or_default();
    ConsentEvent {
        notice_version: evidence["notice_version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok()),
        id: r.id,
        purpose: r.purpose.clone(),
        channel: r.channel.as_deref().and_then(Channel::parse),
        state: ConsentState::parse(&r.state).unwrap_or(ConsentState::Withdrawn),
        method: r.method.clone(),
        text_version: r.text_version,
        lang: r.lang.clone(),
        at: r.at,
        recorded_by_kind: r.actor_kind.clone(),
        recorded_by: r.actor_id,
        evidence,
    }
}

/// Escapes text for HTML.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a confirmation or unsubscribe link leads to, for the page that answers it.
#[derive(Debug, Clone)]
pub struct LinkOutcome {
    /// The business's name.
    pub business: String,
    /// The purpose's description.
    pub purpose: String,
    /// The language to answer in.
    pub lang: String,
    /// Whether something changed (false: it was already so).
    pub changed: bool,
}

impl Vault {
    pub(crate) fn client_hash(t: &TenantKeys, meta: &RequestMeta) -> Option<String> {
        // The address is the client's IP (no port), IPv4 or IPv6.
        meta.client_addr
            .as_deref()
            .map(|ip| hex::encode(crypto::blind_index(&t.index_key, "client-address", ip)))
    }

    pub(crate) fn consent_purpose<'a>(
        t: &'a TenantKeys,
        name: &str,
    ) -> Result<&'a Purpose, CoreError> {
        let p = t
            .catalog
            .purposes
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                CoreError::Invalid(format!(
                    "The purpose '{name}' is not declared for this business."
                ))
            })?;
        if !p.lawful_basis.is_consent() {
            return Err(CoreError::Invalid(format!(
                "The purpose '{name}' does not rest on consent; no consent is recorded for it."
            )));
        }
        Ok(p)
    }

    /// Records a consent event given or withdrawn in store, on a form, by phone, on paper or by
    /// an import. Giving e-mail consent (other than by import) starts a double opt-in.
    pub async fn record_consent(
        &self,
        p: &Principal,
        customer: CustomerId,
        new: NewConsent,
        meta: &RequestMeta,
    ) -> Result<(ConsentEvent, ConsentStatus), CoreError> {
        let t = self
            .authorize(p, Action::CustomerUpdate, &[customer], meta)
            .await?;
        let row = self
            .store
            .customer(p.tenant_id, customer)
            .await?
            .ok_or(CoreError::NotFound("Customer"))?;
        let t = self.keys_for(t, [&row]).await?;
        let purpose = Self::consent_purpose(&t, &new.purpose)?.clone();
        match (&new.channel, purpose.channels.is_empty()) {
            (None, false) => {
                return Err(CoreError::Invalid(format!(
                    "Name the channel: one of {}.",
                    purpose
                        .channels
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            (Some(c), false) if !purpose.channels.contains(c) => {
                return Err(CoreError::Invalid(format!(
                    "The purpose '{}' is not pursued over '{}'.",
                    purpose.name,
                    c.as_str()
                )))
            }
            (Some(_), true) => {
                return Err(CoreError::Invalid(format!(
                    "The purpose '{}' has no channels; leave channel out.",
                    purpose.name
                )))
            }
            _ => {}
        }
        if !matches!(new.state, ConsentState::Given | ConsentState::Withdrawn) {
            return Err(CoreError::Invalid(
                "state must be given or withdrawn; custos sets the others.".into(),
            ));
        }
        if !METHODS.contains(&new.method.as_str()) {
            return Err(CoreError::Invalid(format!(
                "method must be one of {}.",
                METHODS.join(", ")
            )));
        }
        let lang = new
            .lang
            .clone()
            .unwrap_or_else(|| business_lang(&t.catalog.default_country).to_owned());
        let text = match new.text_version {
            Some(v) => purpose
                .consent_texts
                .iter()
                .find(|x| x.lang == lang && x.version == v),
            None => purpose.current_text(&lang),
        }
        .ok_or_else(|| {
            CoreError::Invalid(format!(
                "The purpose '{}' has no consent text version {} in '{lang}'.",
                purpose.name,
                new.text_version
                    .map_or("(current)".to_owned(), |v| v.to_string())
            ))
        })?
        .clone();
        if new.source.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err(CoreError::Invalid(
                "source must be at most 200 characters.".into(),
            ));
        }
        let now = self.clock.now();
        let id = Uuid::now_v7();
        // The portal's sign-in link has proved the address already; staff may not claim it.
        if (new.method == "privacy_portal") != (p.kind == ActorKind::Customer) {
            return Err(CoreError::Invalid(
                "method privacy_portal is recorded by the privacy portal only.".into(),
            ));
        }
        let double_opt_in = new.state == ConsentState::Given
            && new.channel == Some(Channel::Email)
            && new.method != "import"
            && new.method != "privacy_portal";
        let mut evidence = serde_json::Map::new();
        if let Some(h) = Self::client_hash(&t, meta) {
            evidence.insert("client_address_hash".into(), h.into());
        }
        if let Some(src) = &new.source {
            evidence.insert("source".into(), src.clone().into());
        }
        let notice = crate::compliance::current_notice_version(&t.catalog);
        if new.notice_version.is_some_and(|v| v == 0 || v > notice) {
            return Err(CoreError::Invalid(format!(
                "notice_version must be between 1 and {notice}, the privacy notice's current version."
            )));
        }
        evidence.insert(
            "notice_version".into(),
            new.notice_version.unwrap_or(notice).into(),
        );
        let mut consent = ConsentRow {
            id,
            tenant_id: p.tenant_id,
            customer_id: customer,
            purpose: purpose.name.clone(),
            channel: new.channel.map(|c| c.as_str().to_owned()),
            state: new.state.as_str().to_owned(),
            method: new.method.clone(),
            text_version: Some(text.version),
            lang: Some(lang.clone()),
            at: now,
            actor_kind: p.kind.as_str().to_owned(),
            actor_id: Some(p.actor_id),
            evidence: String::new(),
            expires_at: None,
        };
        let mut deliveries = Vec::new();
        let mut categories = Vec::new();
        if double_opt_in {
            // The address is needed whatever the caller may see: the mail is the customer's.
            let dek = Self::unwrap_dek(&t, &row)?;
            let sealed = crate::vault::SealedFields::decode(&row.sealed)?;
            let email = sealed
                .0
                .get(&Category::Contact)
                .map(|blob| Self::open_category(&t, row.id, &dek, Category::Contact, blob))
                .transpose()?
                .and_then(|plain| {
                    plain
                        .get("email")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                })
                .ok_or_else(|| {
                    CoreError::Invalid(
                        "The customer has no e-mail address to confirm the consent with.".into(),
                    )
                })?;
            categories.push(Category::Contact);
            consent.state = ConsentState::PendingConfirmation.as_str().to_owned();
            consent.expires_at = Some(now + CONFIRM_WITHIN);
            evidence.insert(
                "confirmation_requested_at".into(),
                crate::values::rfc3339(now).into(),
            );
            let confirm = LinkToken::Confirm {
                tenant: p.tenant_id,
                event: id,
                expires: (now + CONFIRM_WITHIN).unix_timestamp(),
            }
            .sign(&t.index_key);
            let unsubscribe = LinkToken::Unsubscribe {
                tenant: p.tenant_id,
                customer,
                purpose: purpose.name.clone(),
                channel: Channel::Email,
            }
            .sign(&t.index_key);
            let msg = self.confirmation_mail(
                &t,
                &purpose,
                &text.text,
                &lang,
                &email,
                &confirm,
                &unsubscribe,
            );
            deliveries.push(
                self.delivery(
                    p.tenant_id,
                    format!("customer:{customer}:consent:{id}"),
                    &msg,
                )
                .await?,
            );
        }
        consent.evidence = serde_json::Value::Object(evidence).to_string();
        let mut ev = AuditEvent::by(p, "consent.record", now, meta)
            .customers([customer.as_uuid()])
            .categories(categories)
            .target(format!("consent:{id}"));
        ev.reason = Some(format!(
            "{}:{}:{}",
            consent.purpose,
            consent.channel.as_deref().unwrap_or("-"),
            consent.state
        ));
        self.store
            .insert_consent(consent.clone(), deliveries, ev)
            .await?;
        let rows = self.store.consents(p.tenant_id, customer).await?;
        let status = self
            .states(&t, customer, &rows)
            .await?
            .into_iter()
            .find(|s| {
                s.purpose == consent.purpose
                    && s.channel.map(|c| c.as_str().to_owned()) == consent.channel
            })
            .ok_or_else(|| CoreError::Internal("the consent just recorded is missing".into()))?;
        Ok((event_wire(&consent), status))
    }

    /// The public base URL for links in mails.
    pub fn link(&self, path: &str, token: &str) -> String {
        format!("{}{path}?t={token}", self.public_url())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn confirmation_mail(
        &self,
        t: &TenantKeys,
        purpose: &Purpose,
        consent_text: &str,
        lang: &str,
        to: &str,
        confirm: &str,
        unsubscribe: &str,
    ) -> Outbound {
        let confirm_url = self.link("/privacy/consent/confirm", confirm);
        let unsubscribe_url = self.link("/privacy/unsubscribe", unsubscribe);
        let (subject, intro, button, ignore, stop) = match lang {
            "de" => (
                format!("Bitte bestätigen Sie Ihre Anmeldung bei {}", t.name),
                "Sie haben eingewilligt:",
                "Bitte bestätigen Sie dies innerhalb von 7 Tagen mit diesem Link:",
                "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Es geschieht nichts.",
                "Abmelden:",
            ),
            "pl" => (
                format!("Prosimy o potwierdzenie zapisu w {}", t.name),
                "Wyrazili Państwo zgodę:",
                "Prosimy potwierdzić ją w ciągu 7 dni, klikając ten link:",
                "Jeśli to nie Państwo, prosimy zignorować tę wiadomość: nic się nie stanie.",
                "Rezygnacja:",
            ),
            _ => (
                format!("Please confirm your subscription at {}", t.name),
                "You agreed to:",
                "Please confirm within 7 days by following this link:",
                "If this was not you, ignore this e-mail: nothing will happen.",
                "Unsubscribe:",
            ),
        };
        let text = format!(
            "{intro}\n\n\"{consent_text}\"\n\n({})\n\n{button}\n{confirm_url}\n\n{ignore}\n\n{stop} {unsubscribe_url}\n\n{}\n",
            purpose.description, t.name
        );
        Outbound::Email {
            to: to.to_owned(),
            subject,
            text,
            headers: vec![
                ("List-Unsubscribe".into(), format!("<{unsubscribe_url}>")),
                (
                    "List-Unsubscribe-Post".into(),
                    "List-Unsubscribe=One-Click".into(),
                ),
            ],
        }
    }

    /// A customer's consents: the current state and the full history (roles that read the
    /// customer). Audited.
    pub async fn consents(
        &self,
        p: &Principal,
        customer: CustomerId,
        meta: &RequestMeta,
    ) -> Result<Consents, CoreError> {
        self.authorize(p, Action::CustomerRead, &[customer], meta)
            .await?;
        if self.store.customer(p.tenant_id, customer).await?.is_none() {
            return Err(CoreError::NotFound("Customer"));
        }
        let t = self.tenant_keys(p.tenant_id).await?;
        let rows = self.store.consents(p.tenant_id, customer).await?;
        let ev = AuditEvent::by(p, "consent.read", self.clock.now(), meta)
            .customers([customer.as_uuid()]);
        self.store.append_audit(vec![ev]).await?;
        Ok(Consents {
            customer_id: customer.as_uuid(),
            current: self.states(&t, customer, &rows).await?,
            history: rows.iter().map(event_wire).collect(),
        })
    }

    /// The consents of a customer for an export (no audit of its own: the export is audited).
    pub(crate) async fn consents_for_export(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Consents, CoreError> {
        let t = self.tenant_keys(tenant).await?;
        let rows = self.store.consents(tenant, customer).await?;
        Ok(Consents {
            customer_id: customer.as_uuid(),
            current: self.states(&t, customer, &rows).await?,
            history: rows.iter().map(event_wire).collect(),
        })
    }

    /// The current states of a customer's consents under the business's rules.
    pub(crate) async fn states(
        &self,
        t: &TenantKeys,
        customer: CustomerId,
        rows: &[ConsentRow],
    ) -> Result<Vec<ConsentStatus>, CoreError> {
        let activity = self.store.activity(t.id, customer).await?;
        Ok(current_states(
            rows,
            &StateRules::from_catalog(&t.catalog),
            &activity,
            self.clock.now(),
        ))
    }

    async fn verify_link(
        &self,
        text: &str,
    ) -> Result<(LinkToken, std::sync::Arc<TenantKeys>), CoreError> {
        let (token, payload, mac) = LinkToken::parse_unverified(text).ok_or_else(bad_link)?;
        let t = self
            .tenant_keys(token.tenant())
            .await
            .map_err(|_| bad_link())?;
        let want = crypto::blind_index(&t.index_key, "link/v1", &payload);
        if !crypto::chain::same(&want, &mac) {
            return Err(bad_link());
        }
        Ok((token, t))
    }

    /// What a link is about, for the page that asks the customer to press the button (nothing
    /// changes on a GET: mail scanners follow links).
    pub async fn describe_link(&self, text: &str) -> Result<LinkOutcome, CoreError> {
        let (token, t) = self.verify_link(text).await?;
        self.describe(&token, &t).await
    }

    async fn describe(&self, token: &LinkToken, t: &TenantKeys) -> Result<LinkOutcome, CoreError> {
        let (purpose, lang) = match token {
            LinkToken::Confirm { event, .. } => {
                let row = self
                    .store
                    .consent(t.id, *event)
                    .await?
                    .ok_or_else(bad_link)?;
                (row.purpose, row.lang.unwrap_or_else(|| "en".into()))
            }
            LinkToken::Unsubscribe { purpose, .. } => (
                purpose.clone(),
                business_lang(&t.catalog.default_country).to_owned(),
            ),
        };
        let description = t
            .catalog
            .purposes
            .iter()
            .find(|p| p.name == purpose)
            .map_or(purpose.clone(), |p| p.description.clone());
        Ok(LinkOutcome {
            business: t.name.clone(),
            purpose: description,
            lang,
            changed: false,
        })
    }

    /// Follows a confirmation link: the pending consent becomes `given`, with the time and the
    /// clicking address's keyed hash as evidence. Expired or superseded requests are refused.
    pub async fn confirm_consent(
        &self,
        text: &str,
        meta: &RequestMeta,
    ) -> Result<LinkOutcome, CoreError> {
        let (token, t) = self.verify_link(text).await?;
        let mut outcome = self.describe(&token, &t).await?;
        let LinkToken::Confirm { event, expires, .. } = token else {
            return Err(bad_link());
        };
        let now = self.clock.now();
        if now.unix_timestamp() > expires {
            return Err(CoreError::Gone(
                "This confirmation link has expired; please ask again.".into(),
            ));
        }
        let pending = self
            .store
            .consent(t.id, event)
            .await?
            .ok_or_else(bad_link)?;
        let rows = self.store.consents(t.id, pending.customer_id).await?;
        let latest = rows
            .iter()
            .rev()
            .find(|r| r.purpose == pending.purpose && r.channel == pending.channel)
            .ok_or_else(bad_link)?;
        if latest.id != pending.id {
            if latest.state == ConsentState::Given.as_str() && latest.method == "double_opt_in" {
                return Ok(outcome);
            }
            return Err(CoreError::Gone(
                "This request was replaced by a later one.".into(),
            ));
        }
        let mut evidence = serde_json::Map::new();
        evidence.insert("confirmed_at".into(), crate::values::rfc3339(now).into());
        evidence.insert("requested_by_event".into(), pending.id.to_string().into());
        if let Some(h) = Self::client_hash(&t, meta) {
            evidence.insert("client_address_hash".into(), h.into());
        }
        let id = Uuid::now_v7();
        let given = ConsentRow {
            id,
            state: ConsentState::Given.as_str().to_owned(),
            method: "double_opt_in".into(),
            at: now,
            actor_kind: "customer".into(),
            actor_id: None,
            evidence: serde_json::Value::Object(evidence).to_string(),
            expires_at: None,
            ..pending.clone()
        };
        let mut ev = AuditEvent::anonymous("consent.confirm", "customer", Some(t.id), now, meta)
            .customers([pending.customer_id.as_uuid()])
            .target(format!("consent:{id}"));
        ev.reason = Some(format!(
            "{}:{}:given",
            pending.purpose,
            pending.channel.as_deref().unwrap_or("-")
        ));
        self.store.insert_consent(given, Vec::new(), ev).await?;
        outcome.changed = true;
        Ok(outcome)
    }

    /// Follows an unsubscribe link (a click or an RFC 8058 one-click POST): the consent is
    /// withdrawn at once, without logging in.
    pub async fn unsubscribe(
        &self,
        text: &str,
        meta: &RequestMeta,
    ) -> Result<LinkOutcome, CoreError> {
        let (token, t) = self.verify_link(text).await?;
        let mut outcome = self.describe(&token, &t).await?;
        let LinkToken::Unsubscribe {
            customer,
            purpose,
            channel,
            ..
        } = token
        else {
            return Err(bad_link());
        };
        if self.store.customer(t.id, customer).await?.is_none() {
            // Erased: there is nothing left to withdraw, and nothing will be sent.
            return Ok(outcome);
        }
        let now = self.clock.now();
        let rows = self.store.consents(t.id, customer).await?;
        let current = self.states(&t, customer, &rows).await?;
        let ch = Some(channel);
        if current
            .iter()
            .find(|s| s.purpose == purpose && s.channel == ch)
            .is_some_and(|s| s.state == ConsentState::Withdrawn)
        {
            return Ok(outcome);
        }
        let mut evidence = serde_json::Map::new();
        if let Some(h) = Self::client_hash(&t, meta) {
            evidence.insert("client_address_hash".into(), h.into());
        }
        let id = Uuid::now_v7();
        let row = ConsentRow {
            id,
            tenant_id: t.id,
            customer_id: customer,
            purpose: purpose.clone(),
            channel: Some(channel.as_str().to_owned()),
            state: ConsentState::Withdrawn.as_str().to_owned(),
            method: "unsubscribe_link".into(),
            text_version: None,
            lang: None,
            at: now,
            actor_kind: "customer".into(),
            actor_id: None,
            evidence: serde_json::Value::Object(evidence).to_string(),
            expires_at: None,
        };
        let mut ev = AuditEvent::anonymous("consent.withdraw", "customer", Some(t.id), now, meta)
            .customers([customer.as_uuid()])
            .target(format!("consent:{id}"));
        ev.reason = Some(format!("{purpose}:{}:withdrawn", channel.as_str()));
        self.store.insert_consent(row, Vec::new(), ev).await?;
        outcome.changed = true;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_lapses_at_the_first_long_silence_and_stays_lapsed() {
        use time::macros::datetime;
        let t0 = datetime!(2024-01-01 0:00 UTC);
        let d = |n: i64| t0 + Duration::days(n);
        // No dealings: 730 days after the consent.
        assert_eq!(lapses_at(t0, &[], 730), d(730));
        // A visit on day 700 moves it to day 1430.
        assert_eq!(lapses_at(t0, &[d(700)], 730), d(1430));
        // A visit on day 800 comes after the lapse on day 730 and does not revive it.
        assert_eq!(lapses_at(t0, &[d(800)], 730), d(730));
        // Dealings before the consent do not count.
        assert_eq!(lapses_at(t0, &[d(-10)], 730), d(730));
    }

    #[test]
    fn link_tokens_round_trip_and_refuse_tampering() {
        let key = crypto::Key32::generate();
        let (tenant, customer) = (
            TenantId::from_uuid(Uuid::now_v7()),
            CustomerId::from_uuid(Uuid::now_v7()),
        );
        let t = LinkToken::Unsubscribe {
            tenant,
            customer,
            purpose: "newsletter".into(),
            channel: Channel::Email,
        };
        let text = t.sign(&key);
        let (back, payload, mac) = LinkToken::parse_unverified(&text).unwrap();
        assert_eq!(back, t);
        assert_eq!(crypto::blind_index(&key, "link/v1", &payload).to_vec(), mac);
        // Another purpose with the same MAC does not verify.
        let other = LinkToken::Unsubscribe {
            tenant,
            customer,
            purpose: "sms_offers".into(),
            channel: Channel::Email,
        };
        let forged = format!(
            "{}.{}",
            B64.encode(other.payload()),
            text.split_once('.').unwrap().1
        );
        let (_, payload, mac) = LinkToken::parse_unverified(&forged).unwrap();
        assert_ne!(crypto::blind_index(&key, "link/v1", &payload).to_vec(), mac);
        assert!(LinkToken::parse_unverified("garbage").is_none());
        assert!(LinkToken::parse_unverified("a.b").is_none());
    }
}
