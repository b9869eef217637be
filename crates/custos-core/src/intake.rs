//! The public intake form (`/privacy/join/{business}`): a new customer, at the counter's
//! tablet or on the shop's web site, reads the privacy notice and the consent choices first,
//! then enters the fields the business collects at sign-up. Anti-automation: a signed form
//! token that must be a few seconds old (and not stale), a hidden honeypot field, and a limit
//! per client address. The customer is created with their consents (method `web_form`; an
//! e-mail consent waits for its double opt-in) in one transaction.

use crate::audit::{AuditEvent, Outcome, RequestMeta};
use crate::catalog::{validate_value, Catalog, Category, FieldDef};
use crate::consents::{LinkToken, CONFIRM_WITHIN};
use crate::error::CoreError;
use crate::ids::TenantId;
use crate::portal::{consent_choices, ConsentChoice};
use crate::store::{ConsentRow, CustomerBundle};
use crate::vault::{Plain, Vault};
use custos_api::catalog::{Channel, LawfulBasis};
use custos_api::consent::ConsentState;
use custos_crypto as crypto;
use std::collections::BTreeMap;
use time::Duration;

/// A form must be open at least this long before it is sent (people read; scripts do not).
pub const MIN_FILL_TIME: Duration = Duration::seconds(3);
/// A form older than this is stale.
pub const MAX_FILL_TIME: Duration = Duration::hours(2);
/// Sign-ups accepted per client address per hour.
const PER_CLIENT_PER_HOUR: u32 = 10;

/// The categories a customer fills in themselves.
pub const INTAKE_CATEGORIES: [Category; 4] = [
    Category::Identity,
    Category::Contact,
    Category::Address,
    Category::Preference,
];

/// What the form shows.
#[derive(Debug, Clone)]
pub struct IntakeView {
    /// The business's name.
    pub business: String,
    /// The fields to fill in, in the catalog's order.
    pub fields: Vec<FieldDef>,
    /// The consents asked for.
    pub consents: Vec<ConsentChoice>,
    /// The privacy notice: headings and texts.
    pub notice: Vec<(String, String)>,
    /// The full privacy notice's version in force (recorded with each consent).
    pub notice_version: u32,
    /// The signed form token.
    pub form_token: String,
}

/// What a person sent.
#[derive(Debug, Clone, Default)]
pub struct IntakeSubmission {
    /// Field values as typed (empty ones are left out).
    pub fields: BTreeMap<String, String>,
    /// The consents ticked: purpose and channel.
    pub consents: Vec<(String, Option<Channel>)>,
    /// The language the form was shown in.
    pub lang: String,
    /// The form token.
    pub form_token: String,
    /// The honeypot (people leave it empty).
    pub honeypot: String,
}

/// The outcome of a sign-up.
#[derive(Debug, Clone)]
pub enum IntakeOutcome {
    /// Created, with the customer number; whether an e-mail confirmation was sent.
    Created {
        /// `C-000042`.
        number: String,
        /// A double opt-in mail went out.
        confirmation_sent: bool,
    },
    /// Looked like a bot: answered like a success, nothing stored.
    Ignored,
    /// Sent faster than a person reads (autofill, or a script): nothing stored, the form is
    /// shown again to check and send.
    TooFast,
}

fn basis_words(b: LawfulBasis, lang: &str) -> &'static str {
    match (b, lang) {
        (LawfulBasis::Consent, "de") => "Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)",
        (LawfulBasis::Consent, "pl") => "Państwa zgoda (art. 6 ust. 1 lit. a RODO)",
        (LawfulBasis::Consent, _) => "your consent (GDPR art. 6(1)(a))",
        (LawfulBasis::Contract, "de") => "der Vertrag mit Ihnen (Art. 6 Abs. 1 lit. b DSGVO)",
        (LawfulBasis::Contract, "pl") => "umowa z Państwem (art. 6 ust. 1 lit. b RODO)",
        (LawfulBasis::Contract, _) => "our contract with you (GDPR art. 6(1)(b))",
        (LawfulBasis::LegalObligation, "de") => {
            "eine gesetzliche Pflicht (Art. 6 Abs. 1 lit. c DSGVO)"
        }
        (LawfulBasis::LegalObligation, "pl") => "obowiązek prawny (art. 6 ust. 1 lit. c RODO)",
        (LawfulBasis::LegalObligation, _) => "a legal obligation (GDPR art. 6(1)(c))",
        (LawfulBasis::LegitimateInterest, "de") => {
            "berechtigtes Interesse (Art. 6 Abs. 1 lit. f DSGVO)"
        }
        (LawfulBasis::LegitimateInterest, "pl") => {
            "prawnie uzasadniony interes (art. 6 ust. 1 lit. f RODO)"
        }
        (LawfulBasis::LegitimateInterest, _) => "our legitimate interest (GDPR art. 6(1)(f))",
        (LawfulBasis::ExplicitConsent, "de") => {
            "Ihre ausdrückliche Einwilligung (Art. 9 Abs. 2 lit. a DSGVO)"
        }
        (LawfulBasis::ExplicitConsent, "pl") => "Państwa wyraźna zgoda (art. 9 ust. 2 lit. a RODO)",
        (LawfulBasis::ExplicitConsent, _) => "your explicit consent (GDPR art. 9(2)(a))",
        (LawfulBasis::HealthCare, "de") => "Gesundheitsversorgung (Art. 9 Abs. 2 lit. h DSGVO)",
        (LawfulBasis::HealthCare, "pl") => "opieka zdrowotna (art. 9 ust. 2 lit. h RODO)",
        (LawfulBasis::HealthCare, _) => "health care (GDPR art. 9(2)(h))",
    }
}

/// The privacy notice shown before a customer gives any data (GDPR art. 13), from the catalog:
/// who is responsible, for what purposes on what bases, how long, the customer's rights.
pub fn privacy_notice(catalog: &Catalog, business: &str, lang: &str) -> Vec<(String, String)> {
    let h = |en: &str, de: &str, pl: &str| {
        match lang {
            "de" => de,
            "pl" => pl,
            _ => en,
        }
        .to_owned()
    };
    let purposes = catalog
        .purposes
        .iter()
        .map(|p| {
            format!(
                "{} ({})",
                p.description.trim_end_matches('.'),
                basis_words(p.lawful_basis, lang)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        (
            h("Who is responsible", "Verantwortlich", "Administrator danych"),
            h(
                &format!("{business} is responsible for your data. Only staff whose work needs it see it; it is stored encrypted on the business's own server."),
                &format!("{business} ist für Ihre Daten verantwortlich. Nur Mitarbeitende, die sie für ihre Arbeit brauchen, sehen sie; sie werden verschlüsselt auf dem eigenen Server des Geschäfts gespeichert."),
                &format!("Administratorem Państwa danych jest {business}. Widzą je tylko pracownicy, którym są potrzebne; są przechowywane w postaci zaszyfrowanej na serwerze firmy."),
            ),
        ),
        (h("Why, and on what basis", "Wozu und auf welcher Grundlage", "W jakim celu i na jakiej podstawie"), purposes),
        (
            h("How long", "Wie lange", "Jak długo"),
            crate::export::retention_text(catalog, lang),
        ),
        (
            h("Your rights", "Ihre Rechte", "Państwa prawa"),
            h(
                "You may see, download, correct and erase your data, restrict or object to its use, and withdraw any consent at any time, in the privacy portal or at the shop. You may complain to a data-protection authority.",
                "Sie können Ihre Daten einsehen, herunterladen, berichtigen und löschen lassen, die Verarbeitung einschränken oder ihr widersprechen und jede Einwilligung jederzeit widerrufen, im Datenschutzportal oder im Geschäft. Sie können sich bei einer Datenschutzbehörde beschweren.",
                "Mogą Państwo zobaczyć, pobrać, sprostować i usunąć swoje dane, ograniczyć lub sprzeciwić się ich przetwarzaniu oraz w każdej chwili wycofać zgodę, w portalu prywatności lub w sklepie. Przysługuje Państwu skarga do organu ochrony danych.",
            ),
        ),
    ]
}

fn form_mac(t_key: &crypto::Key32, tenant: TenantId, issued: i64) -> String {
    hex::encode(crypto::blind_index(
        t_key,
        "intake-form",
        &format!("{tenant}:{issued}"),
    ))
}

impl Vault {
    /// The intake form of a business, in `lang`.
    pub async fn intake_form(&self, slug: &str, lang: &str) -> Result<IntakeView, CoreError> {
        let tenant = self
            .store
            .tenant_by_slug(slug)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        let t = self.tenant_keys(tenant.id).await?;
        let issued = self.clock.now().unix_timestamp();
        Ok(IntakeView {
            business: t.name.clone(),
            fields: t
                .catalog
                .fields
                .iter()
                .filter(|f| INTAKE_CATEGORIES.contains(&f.category))
                .cloned()
                .collect(),
            consents: consent_choices(&t.catalog, lang),
            notice: privacy_notice(&t.catalog, &t.name, lang),
            notice_version: crate::compliance::current_notice_version(&t.catalog),
            form_token: format!("{issued}.{}", form_mac(&t.index_key, t.id, issued)),
        })
    }

    /// The language of a business by its short name (`en` for an unknown one).
    pub async fn intake_lang(&self, slug: &str) -> &'static str {
        match self.store.tenant_by_slug(slug).await {
            Ok(Some(t)) => crate::consents::business_lang(&t.catalog.default_country),
            _ => "en",
        }
    }

    /// A sign-up from the intake form.
    pub async fn intake_submit(
        &self,
        slug: &str,
        form: IntakeSubmission,
        meta: &RequestMeta,
    ) -> Result<IntakeOutcome, CoreError> {
        let tenant = self
            .store
            .tenant_by_slug(slug)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        let t = self.tenant_keys(tenant.id).await?;
        let now = self.clock.now();
        // The form token: ours, and filled in at a human pace.
        let stale = || CoreError::Gone("The form is out of date; please fill it in again.".into());
        let (issued, mac) = form.form_token.split_once('.').ok_or_else(stale)?;
        let issued: i64 = issued.parse().map_err(|_| stale())?;
        if !crypto::chain::same(
            mac.as_bytes(),
            form_mac(&t.index_key, t.id, issued).as_bytes(),
        ) {
            return Err(stale());
        }
        let age = Duration::seconds(now.unix_timestamp() - issued);
        if age > MAX_FILL_TIME {
            return Err(stale());
        }
        let refused = |why: &str| {
            let mut ev =
                AuditEvent::anonymous("intake.refused", "anonymous", Some(t.id), now, meta)
                    .outcome(Outcome::Denied);
            ev.reason = Some(why.to_owned());
            ev
        };
        if !form.honeypot.is_empty() {
            self.store.append_audit(vec![refused("honeypot")]).await?;
            return Ok(IntakeOutcome::Ignored);
        }
        if age < MIN_FILL_TIME {
            self.store.append_audit(vec![refused("too_fast")]).await?;
            return Ok(IntakeOutcome::TooFast);
        }
        if let Some(addr) = &meta.client_addr {
            let key = format!("intake:{}:{addr}", t.id);
            if let Some((n, last)) = self.store.throttle(&key).await? {
                if n >= PER_CLIENT_PER_HOUR && last > now - Duration::hours(1) {
                    self.store
                        .append_audit(vec![refused("rate_limited")])
                        .await?;
                    return Err(CoreError::RateLimited(
                        (last + Duration::hours(1) - now).whole_seconds().max(1) as u64,
                    ));
                }
            }
            self.store
                .throttle_fail(&key, now, now - Duration::hours(1))
                .await?;
        }
        // The fields: only those the form offers, each valid.
        let mut by_cat: BTreeMap<Category, Plain> = BTreeMap::new();
        for (name, raw) in &form.fields {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let def = t
                .catalog
                .fields
                .iter()
                .find(|f| &f.name == name && INTAKE_CATEGORIES.contains(&f.category))
                .ok_or_else(|| crate::catalog::FieldError::Unknown(name.clone()))?;
            let v = validate_value(
                def,
                &serde_json::Value::String(raw.to_owned()),
                &t.catalog.default_country,
            )?;
            by_cat
                .entry(def.category)
                .or_default()
                .insert(name.clone(), v);
        }
        for def in t.catalog.fields.iter().filter(|d| d.required) {
            if !by_cat
                .get(&def.category)
                .is_some_and(|m| m.contains_key(&def.name))
            {
                return Err(CoreError::Field(crate::catalog::FieldError::Invalid {
                    field: def.name.clone(),
                    reason: "is required".into(),
                }));
            }
        }
        let lang = match form.lang.as_str() {
            "en" | "de" | "pl" => form.lang.clone(),
            _ => crate::consents::business_lang(&t.catalog.default_country).to_owned(),
        };
        let offered = consent_choices(&t.catalog, &lang);
        let email = by_cat
            .get(&Category::Contact)
            .and_then(|m| m.get("email"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let (row, index, _dek) = self.new_customer(&t, &by_cat, now);
        let id = row.id;
        let mut consents = Vec::new();
        let mut deliveries = Vec::new();
        let mut audit = vec![{
            let mut ev =
                AuditEvent::anonymous("customer.create", "customer", Some(t.id), now, meta)
                    .customers([id.as_uuid()])
                    .categories(by_cat.keys().copied());
            ev.actor_id = Some(id.as_uuid());
            ev.reason = Some("intake_form".into());
            ev
        }];
        let mut seen = Vec::new();
        for (purpose, channel) in &form.consents {
            let Some(choice) = offered
                .iter()
                .find(|c| &c.purpose == purpose && &c.channel == channel)
            else {
                return Err(CoreError::Invalid(format!(
                    "The consent '{purpose}' is not asked for by this business."
                )));
            };
            if seen.contains(&(purpose, channel)) {
                continue;
            }
            seen.push((purpose, channel));
            let eid = uuid::Uuid::now_v7();
            let mut evidence = serde_json::Map::new();
            if let Some(h) = Self::client_hash(&t, meta) {
                evidence.insert("client_address_hash".into(), h.into());
            }
            evidence.insert(
                "notice_version".into(),
                crate::compliance::current_notice_version(&t.catalog).into(),
            );
            let mut state = ConsentState::Given;
            let mut expires_at = None;
            if *channel == Some(Channel::Email) {
                let Some(to) = &email else {
                    return Err(CoreError::Invalid(
                        "Give your e-mail address to receive e-mails.".into(),
                    ));
                };
                state = ConsentState::PendingConfirmation;
                expires_at = Some(now + CONFIRM_WITHIN);
                evidence.insert(
                    "confirmation_requested_at".into(),
                    crate::values::rfc3339(now).into(),
                );
                let confirm = LinkToken::Confirm {
                    tenant: t.id,
                    event: eid,
                    expires: (now + CONFIRM_WITHIN).unix_timestamp(),
                }
                .sign(&t.index_key);
                let unsubscribe = LinkToken::Unsubscribe {
                    tenant: t.id,
                    customer: id,
                    purpose: purpose.clone(),
                    channel: Channel::Email,
                }
                .sign(&t.index_key);
                let p = t
                    .catalog
                    .purposes
                    .iter()
                    .find(|p| &p.name == purpose)
                    .ok_or(CoreError::Internal("offered purpose missing".into()))?;
                let msg =
                    self.confirmation_mail(&t, p, &choice.text, &lang, to, &confirm, &unsubscribe);
                deliveries.push(
                    self.delivery(t.id, format!("customer:{id}:consent:{eid}"), &msg)
                        .await?,
                );
            }
            consents.push(ConsentRow {
                id: eid,
                tenant_id: t.id,
                customer_id: id,
                purpose: purpose.clone(),
                channel: channel.map(|c| c.as_str().to_owned()),
                state: state.as_str().to_owned(),
                method: "web_form".into(),
                text_version: Some(choice.version),
                lang: Some(lang.clone()),
                at: now,
                actor_kind: "customer".into(),
                actor_id: Some(id.as_uuid()),
                evidence: serde_json::Value::Object(evidence).to_string(),
                expires_at,
            });
            let mut ev = AuditEvent::anonymous("consent.record", "customer", Some(t.id), now, meta)
                .customers([id.as_uuid()])
                .target(format!("consent:{eid}"));
            ev.actor_id = Some(id.as_uuid());
            ev.reason = Some(format!(
                "{purpose}:{}:{}",
                channel.map_or("-", |c| c.as_str()),
                state.as_str()
            ));
            audit.push(ev);
        }
        let confirmation_sent = !deliveries.is_empty();
        let number = self
            .store
            .insert_customer_bundle(CustomerBundle {
                customer: row,
                index,
                records: Vec::new(),
                consents,
                deliveries,
                audit,
            })
            .await?;
        Ok(IntakeOutcome::Created {
            number: crate::values::CustomerNumber(number).to_string(),
            confirmation_sent,
        })
    }
}
