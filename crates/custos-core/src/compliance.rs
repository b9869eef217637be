//! Compliance documents made from what custos actually does: the records of processing
//! activities (GDPR art. 30), the privacy notice (arts. 13/14) in English, German and Polish,
//! and the data-flow map. Each is built from the business's catalog (purposes, fields,
//! recipients, retention rules, contact details) and the server's configuration as it is now,
//! so that none of them can drift from the truth.
//!
//! The notice is versioned: whenever what it is made from changes, the catalog gets a new
//! [`NoticeVersion`], and consents record the version in force when they were given.

use crate::audit::{AuditEvent, RequestMeta};
use crate::consents::html_escape;
use crate::error::CoreError;
use crate::export::{automated_decisions, complaint, pick, retention_text, rights};
use crate::policy::{Action, Principal, Role, BUILTIN_ROLES};
use crate::vault::Vault;
use custos_api::catalog::{
    Catalog, Category, Controller, LawfulBasis, NoticeVersion, Recipient, RecipientKind,
    TransferSafeguard, EEA,
};
use custos_api::compliance::{Activity, CategoryUse, Measure, Ropa, RopaController, Transfer};
use custos_api::retention::RetentionTarget;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use time::OffsetDateTime;

/// What the server knows beyond the database: how it is reached, where backups go, what it
/// mails through, which known vulnerabilities it carries. The binary fills it in.
#[derive(Debug, Clone, Default)]
pub struct Posture {
    /// When the served TLS certificate expires; `None` when custos serves plain HTTP on
    /// loopback behind a proxy that terminates TLS.
    pub tls_expires_at: Option<OffsetDateTime>,
    /// The served certificate is self-signed (as `custos init` makes it).
    pub tls_self_signed: bool,
    /// Scheduled backups, when configured.
    pub backups: Option<BackupFacts>,
    /// The SMTP relay mails go through (host only).
    pub mail_relay: Option<String>,
    /// Retention sweeps run on a schedule.
    pub retention_sweeps: bool,
    /// Keys older than this many days should be rotated.
    pub key_rotation_days: u32,
    /// The audit signing key's public half (hex), to verify the trail.
    pub audit_public_key: String,
    /// Known vulnerabilities of this build, from the configured advisory list; `None` when no
    /// list is configured.
    pub advisories: Option<Vec<KnownVulnerability>>,
}

/// The state of scheduled backups.
#[derive(Debug, Clone, Default)]
pub struct BackupFacts {
    /// Hours between backups.
    pub every_hours: Option<i64>,
    /// The newest backup's time.
    pub newest: Option<OffsetDateTime>,
    /// A second destination (off-site copy) is configured.
    pub offsite: bool,
    /// The last attempt's failure.
    pub last_error: Option<String>,
}

/// A vulnerability known to affect a package this build contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownVulnerability {
    /// The advisory id, e.g. `RUSTSEC-2026-0009`.
    pub id: String,
    /// The package.
    pub package: String,
    /// Its version in this build.
    pub version: String,
    /// What it is.
    pub title: String,
    /// The versions that fix it.
    pub patched: String,
}

/// The three languages of customer-facing documents.
pub const LANGS: [&str; 3] = ["en", "de", "pl"];

/// The article a lawful basis rests on.
pub fn basis_reference(b: LawfulBasis) -> &'static str {
    match b {
        LawfulBasis::Consent => "GDPR art. 6(1)(a)",
        LawfulBasis::Contract => "GDPR art. 6(1)(b)",
        LawfulBasis::LegalObligation => "GDPR art. 6(1)(c)",
        LawfulBasis::LegitimateInterest => "GDPR art. 6(1)(f)",
        LawfulBasis::ExplicitConsent => "GDPR art. 9(2)(a)",
        LawfulBasis::HealthCare => "GDPR art. 9(2)(h)",
    }
}

/// The article of a lawful basis as the law is cited in `lang` (GDPR, DSGVO, RODO).
fn basis_reference_in(b: LawfulBasis, lang: &str) -> String {
    let (art, para, letter) = match b {
        LawfulBasis::Consent => (6, 1, 'a'),
        LawfulBasis::Contract => (6, 1, 'b'),
        LawfulBasis::LegalObligation => (6, 1, 'c'),
        LawfulBasis::LegitimateInterest => (6, 1, 'f'),
        LawfulBasis::ExplicitConsent => (9, 2, 'a'),
        LawfulBasis::HealthCare => (9, 2, 'h'),
    };
    match lang {
        "de" => format!("Art. {art} Abs. {para} lit. {letter} DSGVO"),
        "pl" => format!("art. {art} ust. {para} lit. {letter} RODO"),
        _ => format!("GDPR art. {art}({para})({letter})"),
    }
}

/// A lawful basis in plain words.
fn basis_text(b: LawfulBasis, lang: &str) -> String {
    match b {
        LawfulBasis::Consent => pick(lang, "your consent", "Ihre Einwilligung", "Państwa zgoda"),
        LawfulBasis::Contract => pick(
            lang,
            "what is needed to serve you under our contract",
            "was zur Erfüllung des Vertrags mit Ihnen nötig ist",
            "to, co jest potrzebne do wykonania umowy z Państwem",
        ),
        LawfulBasis::LegalObligation => pick(
            lang,
            "a legal obligation such as tax law",
            "eine rechtliche Verpflichtung wie das Steuerrecht",
            "obowiązek prawny, np. wynikający z prawa podatkowego",
        ),
        LawfulBasis::LegitimateInterest => pick(
            lang,
            "our legitimate interest",
            "unser berechtigtes Interesse",
            "nasz prawnie uzasadniony interes",
        ),
        LawfulBasis::ExplicitConsent => pick(
            lang,
            "your explicit consent",
            "Ihre ausdrückliche Einwilligung",
            "Państwa wyraźna zgoda",
        ),
        LawfulBasis::HealthCare => pick(
            lang,
            "health care by qualified staff bound by professional secrecy",
            "Gesundheitsversorgung durch Fachpersonal unter Schweigepflicht",
            "opieka zdrowotna przez wykwalifikowany personel objęty tajemnicą zawodową",
        ),
    }
}

/// A category's name in `lang`.
pub fn category_name(c: Category, lang: &str) -> String {
    let (en, de, pl) = match c {
        Category::Identity => (
            "identity (name, birth date)",
            "Identität (Name, Geburtsdatum)",
            "dane identyfikacyjne (imię i nazwisko, data urodzenia)",
        ),
        Category::Contact => (
            "contact details (e-mail, phone)",
            "Kontaktdaten (E-Mail, Telefon)",
            "dane kontaktowe (e-mail, telefon)",
        ),
        Category::Address => ("postal address", "Postanschrift", "adres pocztowy"),
        Category::Purchase => ("purchases", "Einkäufe", "zakupy"),
        Category::Appointment => (
            "appointments and visits",
            "Termine und Besuche",
            "wizyty i rezerwacje",
        ),
        Category::Health => (
            "health data (special category, art. 9)",
            "Gesundheitsdaten (besondere Kategorie, Art. 9)",
            "dane o zdrowiu (szczególna kategoria, art. 9)",
        ),
        Category::PaymentReference => (
            "payment and insurance references",
            "Zahlungs- und Versicherungsangaben",
            "dane płatności i ubezpieczenia",
        ),
        Category::Preference => ("preferences", "Vorlieben", "preferencje"),
        Category::Note => ("notes", "Notizen", "notatki"),
    };
    pick(lang, en, de, pl)
}

/// A purpose's description in `lang`: the template's own translation while the business keeps
/// the template's English text, the business's text otherwise.
fn purpose_description(catalog: &Catalog, name: &str, english: &str, lang: &str) -> String {
    let template = crate::catalog::template(&catalog.template, &catalog.default_country);
    let unchanged = template
        .as_ref()
        .and_then(|t| t.purposes.iter().find(|p| p.name == name))
        .is_some_and(|p| p.description == english);
    if !unchanged || lang == "en" {
        return english.to_owned();
    }
    let (de, pl) = match (name, catalog.template.as_str()) {
        ("service", _) => (
            "Ihre Betreuung: Verkauf, Termine, Kundendienst.",
            "Obsługa klienta: sprzedaż, rezerwacje, obsługa posprzedażowa.",
        ),
        ("newsletter", _) => (
            "Versand des Newsletters an Kundinnen und Kunden, die ihn bestellt haben.",
            "Wysyłka newslettera do klientów, którzy o niego poprosili.",
        ),
        ("sms_offers", _) => (
            "Angebote per SMS an Kundinnen und Kunden, die sie bestellt haben.",
            "Wysyłka ofert SMS-em do klientów, którzy o nie poprosili.",
        ),
        ("birthday_greetings", _) => (
            "Geburtstagsgrüße an Kundinnen und Kunden, die sie wünschen.",
            "Życzenia urodzinowe dla klientów, którzy sobie ich życzą.",
        ),
        ("accounting", _) => (
            "Aufbewahrung der Verkaufsbelege, wie das Steuerrecht es verlangt.",
            "Przechowywanie dokumentacji sprzedaży, jak wymaga prawo podatkowe.",
        ),
        ("health_records", "salon") => (
            "Erfassung von Allergien und Hautreaktionen, damit Behandlungen sicher sind – mit Ihrer ausdrücklichen Einwilligung.",
            "Zapisywanie alergii i reakcji skórnych, aby zabiegi były bezpieczne – za Państwa wyraźną zgodą.",
        ),
        ("health_records", _) => (
            "Augenuntersuchungen und Brillenwerte durch qualifizierte Augenoptiker unter Schweigepflicht.",
            "Badania wzroku i recepty wykonywane przez wykwalifikowanych optyków objętych tajemnicą zawodową.",
        ),
        _ => return english.to_owned(),
    };
    pick(lang, english, de, pl)
}

/// The categories (with their fields) a purpose uses.
fn categories_of(catalog: &Catalog, purpose: &str) -> Vec<CategoryUse> {
    let mut out: Vec<CategoryUse> = Vec::new();
    let mut add = |c: Category, special: bool, field: String| match out
        .iter_mut()
        .find(|u| u.category == c)
    {
        Some(u) => {
            u.special |= special;
            u.fields.push(field);
        }
        None => out.push(CategoryUse {
            category: c,
            special,
            fields: vec![field],
        }),
    };
    for f in catalog
        .fields
        .iter()
        .filter(|f| f.purposes.iter().any(|p| p == purpose))
    {
        add(f.category, f.special, f.name.clone());
    }
    for r in &catalog.record_types {
        let whole = r.purposes.iter().any(|p| p == purpose);
        for f in &r.fields {
            if whole || f.purposes.iter().any(|p| p == purpose) {
                add(
                    f.category,
                    f.special || r.special,
                    format!("{}.{}", r.name, f.name),
                );
            }
        }
    }
    out.sort_by_key(|u| u.category);
    out
}

/// Every category the catalog declares.
pub fn declared_categories(catalog: &Catalog) -> Vec<Category> {
    let set: BTreeSet<Category> = catalog
        .fields
        .iter()
        .map(|f| f.category)
        .chain(catalog.record_types.iter().map(|r| r.category))
        .collect();
    set.into_iter().collect()
}

/// Whether a transfer to `country` needs a safeguard (outside the EU/EEA).
pub fn is_third_country(country: &str) -> bool {
    !EEA.contains(&country)
}

fn safeguard_text(s: Option<TransferSafeguard>, lang: &str) -> String {
    match s {
        Some(TransferSafeguard::AdequacyDecision) => pick(
            lang,
            "an adequacy decision of the European Commission (art. 45)",
            "ein Angemessenheitsbeschluss der EU-Kommission (Art. 45)",
            "decyzja Komisji Europejskiej stwierdzająca odpowiedni stopień ochrony (art. 45)",
        ),
        Some(TransferSafeguard::StandardContractualClauses) => pick(
            lang,
            "the EU standard contractual clauses (art. 46(2)(c))",
            "die EU-Standardvertragsklauseln (Art. 46 Abs. 2 lit. c)",
            "standardowe klauzule umowne UE (art. 46 ust. 2 lit. c)",
        ),
        Some(TransferSafeguard::BindingCorporateRules) => pick(
            lang,
            "binding corporate rules (art. 47)",
            "verbindliche interne Datenschutzvorschriften (Art. 47)",
            "wiążące reguły korporacyjne (art. 47)",
        ),
        Some(TransferSafeguard::ExplicitConsent) => pick(
            lang,
            "your explicit consent to the transfer (art. 49(1)(a))",
            "Ihre ausdrückliche Einwilligung in die Übermittlung (Art. 49 Abs. 1 lit. a)",
            "Państwa wyraźna zgoda na przekazanie (art. 49 ust. 1 lit. a)",
        ),
        None => pick(
            lang,
            "no safeguard declared",
            "keine Garantie angegeben",
            "brak zabezpieczenia",
        ),
    }
}

fn kind_text(k: RecipientKind, lang: &str) -> String {
    match k {
        RecipientKind::Processor => pick(
            lang,
            "processes data on our behalf",
            "verarbeitet Daten in unserem Auftrag",
            "przetwarza dane w naszym imieniu",
        ),
        RecipientKind::Controller => pick(
            lang,
            "receives data for its own responsibility",
            "erhält Daten in eigener Verantwortung",
            "otrzymuje dane na własną odpowiedzialność",
        ),
        RecipientKind::PublicAuthority => pick(
            lang,
            "an authority that receives data where the law requires",
            "eine Behörde, die Daten erhält, wo das Gesetz es verlangt",
            "organ, który otrzymuje dane, gdy wymaga tego prawo",
        ),
    }
}

/// The recipients in words, for the art. 15 export and the privacy notice.
pub fn recipients_text(catalog: &Catalog, business: &str, lang: &str) -> String {
    let mut lines = vec![match lang {
        "de" => format!("Mitarbeitende von {business}, deren Aufgabe die Daten erfordert; der Server, der sie speichert, arbeitet im Auftrag von {business}."),
        "pl" => format!("Pracownicy {business}, którym dane są potrzebne w pracy; serwer, który je przechowuje, działa w imieniu {business}."),
        _ => format!("Staff of {business} whose role needs the data; the server that stores it acts on {business}'s behalf."),
    }];
    for r in &catalog.recipients {
        let cats: Vec<String> = r
            .categories
            .iter()
            .map(|c| category_name(*c, lang))
            .collect();
        let mut line = format!(
            "{} ({}, {}): {}",
            r.name,
            kind_text(r.kind, lang),
            r.country,
            cats.join(", ")
        );
        if is_third_country(&r.country) {
            let _ = write!(
                line,
                " — {} {}",
                pick(
                    lang,
                    "outside the EU/EEA, safeguarded by",
                    "außerhalb der EU/des EWR, abgesichert durch",
                    "poza UE/EOG, zabezpieczenie:"
                ),
                safeguard_text(r.safeguard, lang)
            );
        }
        line.push('.');
        lines.push(line);
    }
    if catalog.recipients.is_empty() {
        lines.push(pick(
            lang,
            "No other recipient.",
            "Keine weiteren Empfänger.",
            "Nie ma innych odbiorców.",
        ));
    }
    lines.join("\n")
}

/// Checks declared recipients against the catalog: a name (unique, at most 200 characters),
/// known purposes, at least one category the catalog declares, an ISO country code, and a
/// safeguard exactly where the country is outside the EU/EEA.
pub fn check_recipients(catalog: &Catalog, recipients: &[Recipient]) -> Result<(), String> {
    let mut names = BTreeSet::new();
    let declared = declared_categories(catalog);
    for r in recipients {
        let name = r.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err("every recipient needs a name of at most 200 characters".into());
        }
        if !names.insert(name.to_lowercase()) {
            return Err(format!("the recipient '{name}' is named twice"));
        }
        if r.purposes.is_empty() {
            return Err(format!("the recipient '{name}' needs at least one purpose"));
        }
        if let Some(p) = r
            .purposes
            .iter()
            .find(|p| !catalog.purposes.iter().any(|d| &d.name == *p))
        {
            return Err(format!(
                "the recipient '{name}' names the purpose '{p}', which the catalog does not declare"
            ));
        }
        if r.categories.is_empty() {
            return Err(format!(
                "the recipient '{name}' needs at least one category"
            ));
        }
        if let Some(c) = r.categories.iter().find(|c| !declared.contains(c)) {
            return Err(format!(
                "the recipient '{name}' names the category '{}', which the catalog does not use",
                c.as_str()
            ));
        }
        let country = &r.country;
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "the recipient '{name}' needs its country as two capital letters (ISO 3166-1), e.g. DE"
            ));
        }
        match (is_third_country(country), r.safeguard) {
            (true, None) => {
                return Err(format!(
                    "the recipient '{name}' is in {country}, outside the EU/EEA: declare the transfer's safeguard (adequacy_decision, standard_contractual_clauses, binding_corporate_rules or explicit_consent)"
                ))
            }
            (false, Some(_)) => {
                return Err(format!(
                    "the recipient '{name}' is in {country}, inside the EU/EEA: a transfer safeguard does not apply"
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_controller(c: &Controller) -> Result<(), String> {
    for (name, v, max) in [
        ("legal_name", &c.legal_name, 200),
        ("address", &c.address, 500),
        ("email", &c.email, 254),
        ("phone", &c.phone, 40),
        ("representative", &c.representative, 500),
        ("dpo", &c.dpo, 500),
    ] {
        if v.as_ref().is_some_and(|s| s.chars().count() > max) {
            return Err(format!("{name} must be at most {max} characters"));
        }
    }
    if let Some(e) = &c.email {
        crate::values::Email::parse(e).map_err(|_| "email is not an e-mail address".to_owned())?;
    }
    Ok(())
}

/// Trims every detail and drops empty ones.
fn tidy_controller(c: Controller) -> Controller {
    let t = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Controller {
        legal_name: t(c.legal_name),
        address: t(c.address),
        email: t(c.email),
        phone: t(c.phone),
        representative: t(c.representative),
        dpo: t(c.dpo),
    }
}

/// The digest of everything the privacy notice is made from.
pub fn notice_digest(catalog: &Catalog, business: &str) -> String {
    let purposes: Vec<_> = catalog
        .purposes
        .iter()
        .map(|p| {
            serde_json::json!([
                p.name,
                basis_reference(p.lawful_basis),
                p.description,
                p.channels,
                categories_of(catalog, &p.name)
                    .iter()
                    .map(|u| u.category.as_str())
                    .collect::<Vec<_>>(),
            ])
        })
        .collect();
    let source = serde_json::json!({
        "business": business,
        "controller": catalog.controller,
        "purposes": purposes,
        "recipients": catalog.recipients,
        "retention": catalog.retention,
    });
    let hash = custos_crypto::sha256(source.to_string().as_bytes());
    hex::encode(&hash[..8])
}

/// Adds a notice version when what the notice is made from has changed (or there is none).
pub fn stamp_notice(catalog: &mut Catalog, business: &str, now: OffsetDateTime) {
    let digest = notice_digest(catalog, business);
    let last = catalog.notice_versions.last();
    if last.is_some_and(|v| v.digest == digest) {
        return;
    }
    let version = last.map_or(1, |v| v.version + 1);
    catalog.notice_versions.push(NoticeVersion {
        version,
        digest,
        since: now,
    });
}

/// The notice version in force (1 for a catalog from before notices were versioned).
pub fn current_notice_version(catalog: &Catalog) -> u32 {
    catalog.notice_versions.last().map_or(1, |v| v.version)
}

// --- records of processing ----------------------------------------------------------------

/// The facts about staff and access the records describe.
#[derive(Debug, Clone, Default)]
pub struct AccessFacts {
    /// Every staff account must use two-step sign-in.
    pub require_mfa: bool,
    /// Active staff accounts.
    pub staff: usize,
    /// Of them, with two-step sign-in.
    pub staff_with_mfa: usize,
    /// The business's role names (built-in and custom).
    pub roles: Vec<String>,
}

/// The roles (built-in) that read `c` in full or masked.
fn roles_reading(c: Category) -> Vec<&'static str> {
    BUILTIN_ROLES
        .iter()
        .copied()
        .filter(|r| {
            Role::builtin(r).is_some_and(|role| {
                role.access(c) != crate::policy::Access::None && role.may(Action::CustomerRead)
            })
        })
        .collect()
}

/// The records of processing activities (art. 30(1)).
pub fn ropa(
    business: &str,
    catalog: &Catalog,
    access: &AccessFacts,
    posture: &Posture,
    now: OffsetDateTime,
) -> Ropa {
    let transfers_of = |rs: &mut dyn Iterator<Item = &Recipient>| -> Vec<Transfer> {
        rs.filter(|r| is_third_country(&r.country))
            .map(|r| Transfer {
                recipient: r.name.clone(),
                kind: r.kind,
                country: r.country.clone(),
                safeguard: r.safeguard,
            })
            .collect()
    };
    let activities = catalog
        .purposes
        .iter()
        .map(|p| {
            let categories = categories_of(catalog, &p.name);
            let mut recipients: Vec<String> = Vec::new();
            let readers: BTreeSet<&str> = categories
                .iter()
                .flat_map(|u| roles_reading(u.category))
                .collect();
            if !readers.is_empty() {
                recipients.push(format!(
                    "Staff of {business} by role ({})",
                    readers.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            let declared: Vec<&Recipient> = catalog
                .recipients
                .iter()
                .filter(|r| r.purposes.contains(&p.name))
                .collect();
            recipients.extend(
                declared
                    .iter()
                    .map(|r| format!("{} ({}, {})", r.name, kind_text(r.kind, "en"), r.country)),
            );
            if p.marketing
                && posture.mail_relay.is_some()
                && p.channels.contains(&custos_api::catalog::Channel::Email)
            {
                recipients.push(format!(
                    "Mail relay {} (processor: delivers confirmation mails)",
                    posture.mail_relay.as_deref().unwrap_or_default()
                ));
            }
            let cats: BTreeSet<Category> = categories.iter().map(|u| u.category).collect();
            let retention = catalog
                .retention
                .iter()
                .filter(|r| match &r.applies_to {
                    RetentionTarget::RecordType(t) => catalog
                        .record_types
                        .iter()
                        .any(|rt| &rt.name == t && cats.contains(&rt.category)),
                    RetentionTarget::Category(c) => cats.contains(c),
                    RetentionTarget::InactiveCustomers => true,
                })
                .map(|r| {
                    format!(
                        "{}: {} days, then {} ({})",
                        r.name,
                        r.keep_days,
                        match r.action {
                            custos_api::retention::RetentionAction::Delete => "deleted",
                            custos_api::retention::RetentionAction::Anonymise =>
                                "anonymised into aggregates",
                        },
                        r.legal_reference
                    )
                })
                .collect();
            Activity {
                purpose: p.name.clone(),
                description: p.description.clone(),
                lawful_basis: p.lawful_basis,
                lawful_basis_reference: basis_reference(p.lawful_basis).to_owned(),
                data_subjects: vec![
                    "customers".to_owned(),
                    "prospective customers who use the intake form".to_owned(),
                ],
                categories,
                recipients,
                transfers: transfers_of(&mut declared.into_iter()),
                retention,
            }
        })
        .collect();
    let mut gaps = Vec::new();
    let c = &catalog.controller;
    if c.address.is_none() {
        gaps.push(
            "The controller's postal address is not declared (PUT /v1/catalog/controller)."
                .to_owned(),
        );
    }
    if c.email.is_none() && c.phone.is_none() {
        gaps.push("No contact e-mail or phone for privacy questions is declared (PUT /v1/catalog/controller).".to_owned());
    }
    if catalog.retention.is_empty() {
        gaps.push(
            "No retention rule is set: art. 30(1)(f) asks for the time limits for erasure."
                .to_owned(),
        );
    }
    Ropa {
        format: "custos-ropa/1".into(),
        generated_at: now,
        generator: format!("custos {}", env!("CARGO_PKG_VERSION")),
        controller: RopaController::new(business.to_owned(), c),
        activities,
        recipients: catalog.recipients.clone(),
        transfers: transfers_of(&mut catalog.recipients.iter()),
        retention: catalog.retention.clone(),
        security_measures: measures(access, posture),
        notice_version: current_notice_version(catalog),
        gaps,
    }
}

/// The security measures (art. 32(1)) and whether each is on.
fn measures(access: &AccessFacts, posture: &Posture) -> Vec<Measure> {
    let m = |name: &str, active: bool, description: String| Measure {
        name: name.to_owned(),
        active,
        description,
    };
    let backups = posture.backups.as_ref();
    vec![
        m("encryption_at_rest", true, "Every customer's fields and records are sealed with XChaCha20-Poly1305 under a key of their own, wrapped by the business key, itself wrapped by the server's master key; the database holds no plaintext personal data.".into()),
        m("pseudonymised_search", true, "Search uses blind indexes (keyed HMAC-SHA-256 of normalised values) instead of plaintext columns.".into()),
        m("erasure_by_crypto_shredding", true, "Erasing a customer destroys their key and deletes their rows; a backup restored later applies the erasures made since before it serves a single request.".into()),
        m(
            "encryption_in_transit",
            posture.tls_expires_at.is_some(),
            match posture.tls_expires_at {
                Some(_) => "HTTPS with TLS 1.2/1.3 (rustls) on every connection.".into(),
                None => "custos serves plain HTTP on a loopback address; TLS must be terminated by the proxy in front of it.".into(),
            },
        ),
        m(
            "access_control",
            true,
            format!(
                "Staff see only the field categories their role grants (roles: {}); masked fields are revealed with a stated reason, and health data only to clinical roles.",
                access.roles.join(", ")
            ),
        ),
        m(
            "two_step_sign_in",
            access.require_mfa,
            format!(
                "Two-step sign-in (TOTP) is {} for staff; {} of {} active accounts use it.",
                if access.require_mfa { "required" } else { "optional" },
                access.staff_with_mfa,
                access.staff
            ),
        ),
        m("audit_trail", true, "Every access to personal data is recorded in a hash-chained audit trail with signed checkpoints (Ed25519); `custos audit verify` detects any change.".into()),
        m("anomaly_detection", true, "Unusual access (bulk reads, off-hours access, failed sign-ins) raises alerts to the owner.".into()),
        m(
            "encrypted_backups",
            backups.is_some(),
            match backups {
                Some(b) => format!(
                    "Backups every {} hours, encrypted to an age (X25519) recipient whose key is kept off the server{}.",
                    b.every_hours.unwrap_or(24),
                    if b.offsite { ", with a copy at a second destination" } else { "; no second destination is configured" }
                ),
                None => "No scheduled backups are configured.".into(),
            },
        ),
        m(
            "retention",
            posture.retention_sweeps,
            if posture.retention_sweeps {
                "Data whose retention period has ended is deleted or anonymised by scheduled sweeps.".into()
            } else {
                "Retention rules are set, but sweeps are not scheduled; they run only when started by hand.".into()
            },
        ),
        m(
            "key_rotation",
            posture.key_rotation_days > 0,
            format!(
                "Keys are to be rotated every {} days (`custos keys rotate`).",
                posture.key_rotation_days
            ),
        ),
    ]
}

// --- rendering ------------------------------------------------------------------------------

/// Escapes text for Markdown (the characters that start markup).
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

const PRINT_CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}h1,h2,h3{line-height:1.2}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eee}.off{color:#8a1c1c}.gap{color:#8a1c1c}@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,section{break-inside:avoid}a{color:inherit}}";

/// The records of processing as a printable HTML page (print it to PDF from any browser).
pub fn ropa_html(r: &Ropa) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Records of processing activities — {}</title><style>{PRINT_CSS}</style></head><body><h1>Records of processing activities</h1><p>GDPR art. 30(1). {} — generated {} by {}; privacy notice version {}.</p>",
        html_escape(&r.controller.name),
        html_escape(&r.controller.name),
        html_escape(&r.generated_at.date().to_string()),
        html_escape(&r.generator),
        r.notice_version
    );
    let c = &r.controller;
    h.push_str("<section><h2>(a) Controller</h2><table>");
    for (k, v) in [
        ("Name", Some(r.controller.name.clone())),
        ("Legal name", c.legal_name.clone()),
        ("Address", c.address.clone()),
        ("E-mail", c.email.clone()),
        ("Phone", c.phone.clone()),
        ("Representative (art. 27)", c.representative.clone()),
        ("Data-protection officer", c.dpo.clone()),
    ] {
        let _ = write!(
            h,
            "<tr><th scope=\"row\">{k}</th><td>{}</td></tr>",
            v.map_or("<em>not declared</em>".to_owned(), |v| html_escape(&v))
        );
    }
    h.push_str("</table></section>");
    h.push_str("<section><h2>(b)–(f) Processing activities</h2>");
    for a in &r.activities {
        let _ = write!(
            h,
            "<h3>{}</h3><table><tr><th scope=\"row\">(b) Purpose</th><td>{}</td></tr><tr><th scope=\"row\">Lawful basis</th><td>{} — {}</td></tr><tr><th scope=\"row\">(c) Data subjects</th><td>{}</td></tr><tr><th scope=\"row\">(c) Personal data</th><td><ul>",
            html_escape(&a.purpose),
            html_escape(&a.description),
            html_escape(&a.lawful_basis_reference),
            html_escape(&basis_text(a.lawful_basis, "en")),
            html_escape(&a.data_subjects.join("; "))
        );
        for u in &a.categories {
            let _ = write!(
                h,
                "<li>{}: {}</li>",
                html_escape(&category_name(u.category, "en")),
                html_escape(&u.fields.join(", "))
            );
        }
        h.push_str("</ul></td></tr><tr><th scope=\"row\">(d) Recipients</th><td><ul>");
        for x in &a.recipients {
            let _ = write!(h, "<li>{}</li>", html_escape(x));
        }
        h.push_str("</ul></td></tr><tr><th scope=\"row\">(e) Third-country transfers</th><td>");
        if a.transfers.is_empty() {
            h.push_str("None");
        } else {
            h.push_str("<ul>");
            for t in &a.transfers {
                let _ = write!(
                    h,
                    "<li>{} ({}): {}</li>",
                    html_escape(&t.recipient),
                    html_escape(&t.country),
                    html_escape(&safeguard_text(t.safeguard, "en"))
                );
            }
            h.push_str("</ul>");
        }
        h.push_str("</td></tr><tr><th scope=\"row\">(f) Time limits for erasure</th><td><ul>");
        for x in &a.retention {
            let _ = write!(h, "<li>{}</li>", html_escape(x));
        }
        h.push_str("</ul></td></tr></table>");
    }
    h.push_str("</section><section><h2>(d) Recipients</h2>");
    if r.recipients.is_empty() {
        h.push_str("<p>No recipient outside the business is declared.</p>");
    } else {
        h.push_str("<table><tr><th scope=\"col\">Recipient</th><th scope=\"col\">Kind</th><th scope=\"col\">Purposes</th><th scope=\"col\">Categories</th><th scope=\"col\">Country</th><th scope=\"col\">(e) Safeguard</th></tr>");
        for x in &r.recipients {
            let cats: Vec<&str> = x.categories.iter().map(|c| c.as_str()).collect();
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html_escape(&x.name),
                html_escape(&kind_text(x.kind, "en")),
                html_escape(&x.purposes.join(", ")),
                html_escape(&cats.join(", ")),
                html_escape(&x.country),
                if is_third_country(&x.country) {
                    html_escape(&safeguard_text(x.safeguard, "en"))
                } else {
                    "not needed (EU/EEA)".into()
                }
            );
        }
        h.push_str("</table>");
    }
    h.push_str("</section><section><h2>(f) Retention rules</h2><table><tr><th scope=\"col\">Rule</th><th scope=\"col\">Applies to</th><th scope=\"col\">Kept (days)</th><th scope=\"col\">Then</th><th scope=\"col\">Legal reference</th></tr>");
    for x in &r.retention {
        let target = match &x.applies_to {
            RetentionTarget::RecordType(t) => format!("records of type {t}"),
            RetentionTarget::Category(c) => format!("category {}", c.as_str()),
            RetentionTarget::InactiveCustomers => "inactive customers".into(),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html_escape(&x.name),
            html_escape(&target),
            x.keep_days,
            x.action.as_str(),
            html_escape(&x.legal_reference)
        );
    }
    h.push_str("</table></section><section><h2>(g) Technical and organisational security measures</h2><table><tr><th scope=\"col\">Measure</th><th scope=\"col\">On</th><th scope=\"col\">What</th></tr>");
    for x in &r.security_measures {
        let _ = write!(
            h,
            "<tr><td>{}</td><td{}>{}</td><td>{}</td></tr>",
            html_escape(&x.name),
            if x.active { "" } else { " class=\"off\"" },
            if x.active { "yes" } else { "no" },
            html_escape(&x.description)
        );
    }
    h.push_str("</table></section>");
    if !r.gaps.is_empty() {
        h.push_str("<section><h2>Gaps</h2><ul class=\"gap\">");
        for g in &r.gaps {
            let _ = write!(h, "<li>{}</li>", html_escape(g));
        }
        h.push_str("</ul></section>");
    }
    h.push_str("</body></html>\n");
    h
}

// --- privacy notice -------------------------------------------------------------------------

/// One section of the notice: a heading, paragraphs and a list.
struct Section {
    heading: String,
    paragraphs: Vec<String>,
    items: Vec<String>,
}

/// The privacy notice (art. 13), ready in both forms.
#[derive(Debug, Clone)]
pub struct Notice {
    /// Its language.
    pub lang: String,
    /// Its version.
    pub version: u32,
    /// Since when it is in force.
    pub since: Option<OffsetDateTime>,
    /// As Markdown.
    pub markdown: String,
    /// As a standalone HTML page.
    pub html: String,
}

fn notice_sections(
    business: &str,
    catalog: &Catalog,
    posture_mail: Option<&str>,
    lang: &str,
) -> (String, Vec<Section>) {
    let t = |en: &str, de: &str, pl: &str| pick(lang, en, de, pl);
    let title = match lang {
        "de" => format!("Datenschutzhinweise von {business}"),
        "pl" => format!("Informacja o przetwarzaniu danych osobowych – {business}"),
        _ => format!("Privacy notice of {business}"),
    };
    let mut out = Vec::new();
    let c = &catalog.controller;
    let mut who = vec![match lang {
        "de" => format!(
            "Verantwortlich für Ihre Daten ist {}.",
            c.legal_name.as_deref().unwrap_or(business)
        ),
        "pl" => format!(
            "Administratorem Państwa danych jest {}.",
            c.legal_name.as_deref().unwrap_or(business)
        ),
        _ => format!(
            "{} is responsible for your data (the controller).",
            c.legal_name.as_deref().unwrap_or(business)
        ),
    }];
    let mut contact = Vec::new();
    if let Some(a) = &c.address {
        contact.push(format!("{}: {a}", t("Address", "Anschrift", "Adres")));
    }
    if let Some(e) = &c.email {
        contact.push(format!("{}: {e}", t("E-mail", "E-Mail", "E-mail")));
    }
    if let Some(p) = &c.phone {
        contact.push(format!("{}: {p}", t("Phone", "Telefon", "Telefon")));
    }
    if contact.is_empty() {
        contact.push(t(
            "Ask at the shop for its contact details.",
            "Die Kontaktdaten erhalten Sie im Geschäft.",
            "Dane kontaktowe są dostępne w punkcie obsługi.",
        ));
    }
    if let Some(d) = &c.dpo {
        contact.push(format!(
            "{}: {d}",
            t(
                "Data-protection officer",
                "Datenschutzbeauftragte(r)",
                "Inspektor ochrony danych"
            )
        ));
    }
    if let Some(r) = &c.representative {
        contact.push(format!(
            "{}: {r}",
            t(
                "Representative in the EU",
                "Vertreter in der EU",
                "Przedstawiciel w UE"
            )
        ));
    }
    out.push(Section {
        heading: t(
            "Who is responsible",
            "Wer verantwortlich ist",
            "Kto jest administratorem",
        ),
        paragraphs: std::mem::take(&mut who),
        items: contact,
    });
    let purposes = catalog
        .purposes
        .iter()
        .map(|p| {
            let cats: Vec<String> = categories_of(catalog, &p.name)
                .iter()
                .map(|u| category_name(u.category, lang))
                .collect();
            format!(
                "{} {} {} ({}). {} {}.",
                purpose_description(catalog, &p.name, &p.description, lang),
                t("Legal basis:", "Rechtsgrundlage:", "Podstawa prawna:"),
                basis_text(p.lawful_basis, lang),
                basis_reference_in(p.lawful_basis, lang),
                t("Data used:", "Verwendete Daten:", "Wykorzystywane dane:"),
                if cats.is_empty() {
                    t(
                        "none beyond what you give for it",
                        "nur, was Sie dafür angeben",
                        "tylko te, które Państwo w tym celu podadzą",
                    )
                } else {
                    cats.join(", ")
                }
            )
        })
        .collect();
    out.push(Section {
        heading: t(
            "What we process, why, and on what legal basis",
            "Was wir verarbeiten, wozu und auf welcher Rechtsgrundlage",
            "Jakie dane przetwarzamy, w jakim celu i na jakiej podstawie",
        ),
        paragraphs: vec![t(
            "We collect your data from you (at the counter, by phone, in our booking or intake form), or take it over from our earlier customer system.",
            "Wir erheben Ihre Daten bei Ihnen (an der Kasse, telefonisch, über unser Buchungs- oder Aufnahmeformular) oder übernehmen sie aus unserem früheren Kundensystem.",
            "Dane zbieramy od Państwa (przy kasie, telefonicznie, w formularzu rezerwacji lub rejestracji) albo przenosimy z naszego wcześniejszego systemu klientów.",
        )],
        items: purposes,
    });
    let mut recipient_lines: Vec<String> = recipients_text(catalog, business, lang)
        .lines()
        .map(str::to_owned)
        .collect();
    if let Some(relay) = posture_mail {
        recipient_lines.push(match lang {
            "de" => format!("E-Mails (z. B. Bestätigungslinks) werden über den Mailserver {relay} versandt."),
            "pl" => format!("Wiadomości e-mail (np. linki potwierdzające) są wysyłane przez serwer pocztowy {relay}."),
            _ => format!("E-mails (such as confirmation links) are sent through the mail server {relay}."),
        });
    }
    out.push(Section {
        heading: t(
            "Who receives your data",
            "Wer Ihre Daten erhält",
            "Kto otrzymuje Państwa dane",
        ),
        paragraphs: Vec::new(),
        items: recipient_lines,
    });
    let transfers: Vec<&Recipient> = catalog
        .recipients
        .iter()
        .filter(|r| is_third_country(&r.country))
        .collect();
    out.push(Section {
        heading: t(
            "Transfers outside the EU/EEA",
            "Übermittlung in Länder außerhalb der EU/des EWR",
            "Przekazywanie danych poza UE/EOG",
        ),
        paragraphs: vec![if transfers.is_empty() {
            t(
                "Your data is not transferred outside the EU/EEA.",
                "Ihre Daten werden nicht in Länder außerhalb der EU/des EWR übermittelt.",
                "Państwa dane nie są przekazywane poza UE/EOG.",
            )
        } else {
            t(
                "Some recipients process data outside the EU/EEA; each transfer is safeguarded as follows. You may ask us for a copy of the safeguard.",
                "Einige Empfänger verarbeiten Daten außerhalb der EU/des EWR; jede Übermittlung ist wie folgt abgesichert. Eine Kopie der Garantie erhalten Sie auf Anfrage.",
                "Niektórzy odbiorcy przetwarzają dane poza UE/EOG; każde przekazanie jest zabezpieczone jak niżej. Na żądanie udostępnimy kopię zabezpieczeń.",
            )
        }],
        items: transfers
            .iter()
            .map(|r| format!("{} ({}): {}", r.name, r.country, safeguard_text(r.safeguard, lang)))
            .collect(),
    });
    out.push(Section {
        heading: t(
            "How long we keep your data",
            "Wie lange wir Ihre Daten speichern",
            "Jak długo przechowujemy dane",
        ),
        paragraphs: Vec::new(),
        items: retention_text(catalog, lang)
            .lines()
            .map(str::to_owned)
            .collect(),
    });
    out.push(Section {
        heading: t("Your rights", "Ihre Rechte", "Państwa prawa"),
        paragraphs: vec![
            t(
                "You can use every right in our privacy portal (a sign-in link is sent to your e-mail address) or by asking us; we answer within one month.",
                "Sie können jedes Recht in unserem Datenschutzportal (der Anmeldelink kommt per E-Mail) oder bei uns ausüben; wir antworten innerhalb eines Monats.",
                "Każde z praw mogą Państwo wykonać w naszym portalu prywatności (link do logowania przychodzi e-mailem) lub zwracając się do nas; odpowiadamy w ciągu miesiąca.",
            ),
            complaint(lang),
        ],
        items: rights(lang),
    });
    out.push(Section {
        heading: t(
            "Do you have to give us your data?",
            "Müssen Sie uns Ihre Daten geben?",
            "Czy muszą Państwo podać dane?",
        ),
        paragraphs: vec![
            t(
                "We need your name and a way to reach you to serve you; without them we cannot take bookings or orders. Everything else is voluntary, and so is every consent: refusing or withdrawing one has no other consequence.",
                "Ihren Namen und eine Kontaktmöglichkeit brauchen wir, um Sie zu betreuen; ohne sie können wir keine Termine oder Bestellungen annehmen. Alles Weitere ist freiwillig, ebenso jede Einwilligung: Verweigern oder Widerrufen hat keine weiteren Folgen.",
                "Imię i nazwisko oraz sposób kontaktu są potrzebne, aby Państwa obsłużyć; bez nich nie przyjmiemy rezerwacji ani zamówienia. Pozostałe dane są dobrowolne, podobnie jak każda zgoda: odmowa lub wycofanie nie ma innych skutków.",
            ),
            automated_decisions(lang),
        ],
        items: Vec::new(),
    });
    out.push(Section {
        heading: t("How your data is protected", "Wie Ihre Daten geschützt sind", "Jak chronimy Państwa dane"),
        paragraphs: vec![t(
            "Your data is stored encrypted, with a key of its own; staff see only what their work needs, and every access is recorded. Erasing your data destroys its key.",
            "Ihre Daten werden verschlüsselt gespeichert, mit einem eigenen Schlüssel; Mitarbeitende sehen nur, was ihre Arbeit erfordert, und jeder Zugriff wird protokolliert. Beim Löschen wird der Schlüssel vernichtet.",
            "Państwa dane są przechowywane w postaci zaszyfrowanej, własnym kluczem; pracownicy widzą tylko to, czego wymaga ich praca, a każdy dostęp jest rejestrowany. Usunięcie danych niszczy ich klucz.",
        )],
        items: Vec::new(),
    });
    (title, out)
}

/// The privacy notice in `lang` (`en`, `de`, `pl`), as Markdown and HTML.
pub fn privacy_notice(
    business: &str,
    catalog: &Catalog,
    mail_relay: Option<&str>,
    lang: &str,
    links: &NoticeLinks,
) -> Notice {
    let (title, sections) = notice_sections(business, catalog, mail_relay, lang);
    let version = current_notice_version(catalog);
    let since = catalog.notice_versions.last().map(|v| v.since);
    let stamp = match (lang, since) {
        ("de", Some(s)) => format!("Version {version}, gültig seit {}.", s.date()),
        ("pl", Some(s)) => format!("Wersja {version}, obowiązuje od {}.", s.date()),
        (_, Some(s)) => format!("Version {version}, in force since {}.", s.date()),
        ("de", None) => format!("Version {version}."),
        ("pl", None) => format!("Wersja {version}."),
        (_, None) => format!("Version {version}."),
    };
    let portal_label = pick(
        lang,
        "Privacy portal",
        "Datenschutzportal",
        "Portal prywatności",
    );
    let mut m = format!("# {}\n\n{}\n\n", md(&title), md(&stamp));
    let mut h = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{PRINT_CSS}</style></head><body><main><h1>{}</h1><p>{}</p>",
        html_escape(&title),
        html_escape(&title),
        html_escape(&stamp)
    );
    for s in &sections {
        let _ = write!(m, "## {}\n\n", md(&s.heading));
        let _ = write!(h, "<section><h2>{}</h2>", html_escape(&s.heading));
        for p in &s.paragraphs {
            let _ = write!(m, "{}\n\n", md(p));
            let _ = write!(h, "<p>{}</p>", html_escape(p));
        }
        if !s.items.is_empty() {
            h.push_str("<ul>");
            for i in &s.items {
                let _ = writeln!(m, "- {}", md(i));
                let _ = write!(h, "<li>{}</li>", html_escape(i));
            }
            m.push('\n');
            h.push_str("</ul>");
        }
        h.push_str("</section>");
    }
    if let Some(portal) = &links.portal {
        let _ = writeln!(m, "[{}]({portal})", md(&portal_label));
        let _ = write!(
            h,
            "<p><a href=\"{}\">{}</a></p>",
            html_escape(portal),
            html_escape(&portal_label)
        );
    }
    h.push_str("<nav><p>");
    for (i, l) in LANGS.iter().enumerate() {
        if i > 0 {
            h.push_str(" · ");
        }
        let name = match *l {
            "de" => "Deutsch",
            "pl" => "Polski",
            _ => "English",
        };
        let _ = write!(
            h,
            "<a href=\"{}\" hreflang=\"{l}\" lang=\"{l}\">{name}</a>",
            html_escape(&links.for_lang(l))
        );
    }
    h.push_str("</p></nav></main></body></html>\n");
    Notice {
        lang: lang.to_owned(),
        version,
        since,
        markdown: m,
        html: h,
    }
}

/// Where the notice links to.
#[derive(Debug, Clone, Default)]
pub struct NoticeLinks {
    /// The notice's own address without `lang` (e.g. `/v1/compliance/privacy-notice?business=x`).
    pub base: String,
    /// The privacy portal's address.
    pub portal: Option<String>,
}

impl NoticeLinks {
    fn for_lang(&self, lang: &str) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}lang={lang}", self.base)
    }
}

// --- data-flow map ----------------------------------------------------------------------------

/// Where personal data enters and leaves, from the live configuration.
#[derive(Debug, Clone, Default)]
pub struct DataFlows {
    /// Sources: (label, detail).
    pub sources: Vec<(String, String)>,
    /// Destinations: (label, detail).
    pub destinations: Vec<(String, String)>,
    /// The categories held, with whether each is special.
    pub categories: Vec<(Category, bool, usize)>,
}

/// The data-flow map as an SVG picture.
pub fn data_map_svg(business: &str, flows: &DataFlows) -> String {
    const W: i64 = 1000;
    const BOX_W: i64 = 280;
    const BOX_H: i64 = 54;
    const GAP: i64 = 14;
    let rows = flows.sources.len().max(flows.destinations.len()) as i64;
    let center_h = 70 + 22 * flows.categories.len() as i64;
    let h = (90 + rows * (BOX_H + GAP)).max(110 + center_h) + 30;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-labelledby=\"map-title\" font-family=\"system-ui, sans-serif\" font-size=\"13\"><title id=\"map-title\">Where personal data enters and leaves custos at {}</title><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs><rect width=\"{W}\" height=\"{h}\" fill=\"#fff\"/>",
        html_escape(business)
    );
    let _ = write!(
        s,
        "<text x=\"20\" y=\"34\" font-size=\"15\" font-weight=\"bold\">Where data enters</text><text x=\"{}\" y=\"34\" font-size=\"15\" font-weight=\"bold\">Where data leaves</text>",
        W - 20 - BOX_W
    );
    let cx = (W - BOX_W) / 2;
    let cy = 60;
    let _ = write!(
        s,
        "<g class=\"store\"><rect x=\"{cx}\" y=\"{cy}\" width=\"{BOX_W}\" height=\"{center_h}\" rx=\"10\" fill=\"#eef4ff\" stroke=\"#1d4ed8\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">custos — {}</text><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333\">encrypted at rest, every access audited</text>",
        cx + BOX_W / 2,
        cy + 24,
        html_escape(business),
        cx + BOX_W / 2,
        cy + 44
    );
    for (i, (c, special, n)) in flows.categories.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\"{}>{}{} ({} field{})</text>",
            cx + 16,
            cy + 68 + 22 * i as i64,
            if *special { " fill=\"#8a1c1c\"" } else { "" },
            html_escape(c.as_str()),
            if *special {
                " — special category"
            } else {
                ""
            },
            n,
            if *n == 1 { "" } else { "s" }
        );
    }
    s.push_str("</g>");
    let node = |s: &mut String, x: i64, y: i64, class: &str, label: &str, detail: &str| {
        let _ = write!(
            s,
            "<g class=\"{class}\"><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"6\" fill=\"#f8f8f8\" stroke=\"#555\"/><text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text><text x=\"{}\" y=\"{}\" fill=\"#333\" font-size=\"12\">{}</text></g>",
            x + 10,
            y + 21,
            html_escape(&clip(label, 38)),
            x + 10,
            y + 40,
            html_escape(&clip(detail, 44))
        );
    };
    for (i, (label, detail)) in flows.sources.iter().enumerate() {
        let y = 50 + i as i64 * (BOX_H + GAP);
        node(&mut s, 20, y, "source", label, detail);
        let _ = write!(
            s,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{cx}\" y2=\"{}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>",
            20 + BOX_W,
            y + BOX_H / 2,
            cy + center_h / 2
        );
    }
    for (i, (label, detail)) in flows.destinations.iter().enumerate() {
        let y = 50 + i as i64 * (BOX_H + GAP);
        let x = W - 20 - BOX_W;
        node(&mut s, x, y, "destination", label, detail);
        let _ = write!(
            s,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>",
            cx + BOX_W,
            cy + center_h / 2,
            y + BOX_H / 2
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Shortens a label to `n` characters, with an ellipsis.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

/// The host of a URL (for the map: where webhooks and alerts go, never the full address).
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host.rsplit_once('@').map_or(host, |(_, h)| h).to_owned()
}

// --- use cases ------------------------------------------------------------------------------

impl Vault {
    /// Replaces the business's declared recipients (the owner). Audited; a new notice version
    /// follows when they change.
    pub async fn set_recipients(
        &self,
        p: &Principal,
        recipients: Vec<Recipient>,
        meta: &RequestMeta,
    ) -> Result<Vec<Recipient>, CoreError> {
        let t = self.authorize(p, Action::TenantManage, &[], meta).await?;
        let mut recipients = recipients;
        for r in &mut recipients {
            r.name = r.name.trim().to_owned();
            r.country = r.country.trim().to_ascii_uppercase();
            r.purposes.dedup();
            r.categories.sort();
            r.categories.dedup();
        }
        check_recipients(&t.catalog, &recipients).map_err(sentence)?;
        let mut catalog = t.catalog.clone();
        catalog.recipients = recipients.clone();
        let mut ev = AuditEvent::by(p, "catalog.recipients", self.clock.now(), meta);
        ev.reason = Some(
            recipients
                .iter()
                .map(|r| format!("{}:{}", r.country, r.name))
                .collect::<Vec<_>>()
                .join(","),
        );
        self.save_catalog(p, &t.name, catalog, ev).await?;
        Ok(recipients)
    }

    /// Replaces the business's contact details as controller (the owner). Audited.
    pub async fn set_controller(
        &self,
        p: &Principal,
        controller: Controller,
        meta: &RequestMeta,
    ) -> Result<Controller, CoreError> {
        let t = self.authorize(p, Action::TenantManage, &[], meta).await?;
        let controller = tidy_controller(controller);
        check_controller(&controller).map_err(sentence)?;
        let mut catalog = t.catalog.clone();
        catalog.controller = controller.clone();
        let ev = AuditEvent::by(p, "catalog.controller", self.clock.now(), meta);
        self.save_catalog(p, &t.name, catalog, ev).await?;
        Ok(controller)
    }

    /// Stores a changed catalog with a new notice version when the notice's content changed.
    pub(crate) async fn save_catalog(
        &self,
        p: &Principal,
        business: &str,
        mut catalog: Catalog,
        ev: AuditEvent,
    ) -> Result<(), CoreError> {
        stamp_notice(&mut catalog, business, self.clock.now());
        self.store.update_catalog(p.tenant_id, catalog, ev).await?;
        self.forget_tenant(p.tenant_id);
        Ok(())
    }

    /// What the records of processing say about staff and access.
    async fn access_facts(&self, p: &Principal) -> Result<AccessFacts, CoreError> {
        let tenant = self
            .store
            .tenant(p.tenant_id)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        let users = self.store.users(p.tenant_id).await?;
        let active: Vec<_> = users.iter().filter(|u| !u.disabled).collect();
        let mut roles: Vec<String> = BUILTIN_ROLES.iter().map(|r| (*r).to_owned()).collect();
        roles.extend(
            self.store
                .roles(p.tenant_id)
                .await?
                .into_iter()
                .map(|r| r.name),
        );
        Ok(AccessFacts {
            require_mfa: tenant.require_mfa,
            staff: active.len(),
            staff_with_mfa: active.iter().filter(|u| u.mfa_enabled).count(),
            roles,
        })
    }

    /// Refuses a principal that may not read compliance documents (the audit readers:
    /// owner, manager, auditor).
    async fn compliance_reader(
        &self,
        p: &Principal,
        meta: &RequestMeta,
    ) -> Result<std::sync::Arc<crate::vault::TenantKeys>, CoreError> {
        self.authorize(p, Action::AuditRead, &[], meta).await
    }

    /// The records of processing activities of the principal's business. Audited.
    pub async fn ropa(
        &self,
        p: &Principal,
        posture: &Posture,
        meta: &RequestMeta,
    ) -> Result<Ropa, CoreError> {
        let t = self.compliance_reader(p, meta).await?;
        let access = self.access_facts(p).await?;
        let r = ropa(&t.name, &t.catalog, &access, posture, self.clock.now());
        self.store
            .append_audit(vec![AuditEvent::by(
                p,
                "compliance.ropa",
                self.clock.now(),
                meta,
            )])
            .await?;
        Ok(r)
    }

    /// The data-flow map's sources and destinations, from the live configuration.
    pub async fn data_flows(
        &self,
        p: &Principal,
        posture: &Posture,
        meta: &RequestMeta,
    ) -> Result<(String, DataFlows), CoreError> {
        let t = self.compliance_reader(p, meta).await?;
        let tid = p.tenant_id;
        let devices = self.store.devices(tid).await?;
        let devices: Vec<_> = devices.iter().filter(|d| !d.revoked).collect();
        let paired = devices.iter().filter(|d| d.paired_at.is_some()).count();
        let users = self.store.users(tid).await?;
        let staff = users.iter().filter(|u| !u.disabled).count();
        let tokens = self
            .store
            .api_tokens(tid)
            .await?
            .iter()
            .filter(|k| !k.revoked && k.expires_at.is_none_or(|e| e > self.clock.now()))
            .count();
        let mut f = DataFlows::default();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        f.sources.push((
            "POS and booking devices".into(),
            format!("{paired} paired of {} registered, HTTPS API", devices.len()),
        ));
        f.sources.push((
            "Staff web UI".into(),
            format!(
                "{} active",
                plural(staff, "staff account", "staff accounts")
            ),
        ));
        f.sources.push((
            "Integrations (API tokens)".into(),
            plural(tokens, "active token", "active tokens"),
        ));
        f.sources.push((
            "Intake form".into(),
            "customers fill it in on the web".into(),
        ));
        f.sources.push((
            "Imports".into(),
            "CSV files (Shopify, Fresha, Square) and exports".into(),
        ));
        f.sources.push((
            "Privacy portal".into(),
            "customers correct their own data".into(),
        ));
        let categories = declared_categories(&t.catalog);
        for c in categories {
            let n = t
                .catalog
                .fields
                .iter()
                .chain(t.catalog.record_types.iter().flat_map(|r| r.fields.iter()))
                .filter(|x| x.category == c)
                .count();
            let special = t
                .catalog
                .fields
                .iter()
                .chain(t.catalog.record_types.iter().flat_map(|r| r.fields.iter()))
                .any(|x| x.category == c && x.special);
            f.categories.push((c, special, n));
        }
        f.destinations.push((
            "Customer exports".into(),
            "art. 15/20 copies, whole-list export".into(),
        ));
        let marketing: Vec<&str> = t
            .catalog
            .purposes
            .iter()
            .filter(|p| p.marketing)
            .map(|p| p.name.as_str())
            .collect();
        if !marketing.is_empty() {
            f.destinations.push((
                "Marketing audiences".into(),
                format!("consenting customers only: {}", marketing.join(", ")),
            ));
        }
        for w in self.store.webhooks(tid).await? {
            let view = self.webhook_view(&w).await?;
            f.destinations.push((
                format!("Webhook {}", host_of(&view.url)),
                "signed events with ids, no field values".into(),
            ));
        }
        let tenant = self
            .store
            .tenant(tid)
            .await?
            .ok_or(CoreError::NotFound("Business"))?;
        let contacts = self.alert_contacts(&tenant).await?;
        if let Some(url) = &contacts.webhook_url {
            f.destinations.push((
                format!("Alert webhook {}", host_of(url)),
                "security alerts, no customer data".into(),
            ));
        }
        match &posture.backups {
            Some(b) => {
                f.destinations.push((
                    "Backups".into(),
                    format!("every {} h, age-encrypted", b.every_hours.unwrap_or(24)),
                ));
                if b.offsite {
                    f.destinations.push((
                        "Off-site backup copy".into(),
                        "second destination, encrypted".into(),
                    ));
                }
            }
            None => f.destinations.push((
                "Backups".into(),
                "by hand only (custos backup create)".into(),
            )),
        }
        if let Some(relay) = &posture.mail_relay {
            f.destinations.push((
                format!("Mail relay {relay}"),
                "confirmation and portal links".into(),
            ));
        }
        for r in &t.catalog.recipients {
            f.destinations.push((
                r.name.clone(),
                format!(
                    "{}, {}: {}",
                    match r.kind {
                        RecipientKind::Processor => "processor",
                        RecipientKind::Controller => "controller",
                        RecipientKind::PublicAuthority => "authority",
                    },
                    r.country,
                    r.categories
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        self.store
            .append_audit(vec![AuditEvent::by(
                p,
                "compliance.data_map",
                self.clock.now(),
                meta,
            )])
            .await?;
        Ok((t.name.clone(), f))
    }

    /// The privacy notice of a business, for anyone (it is public by nature).
    pub async fn privacy_notice(
        &self,
        slug: Option<&str>,
        lang: &str,
        mail_relay: Option<&str>,
        links: &NoticeLinks,
    ) -> Result<Notice, CoreError> {
        if !LANGS.contains(&lang) {
            return Err(CoreError::Invalid("lang must be en, de or pl.".into()));
        }
        let tenant = self.resolve_tenant(slug).await?;
        Ok(privacy_notice(
            &tenant.name,
            &tenant.catalog,
            mail_relay,
            lang,
            links,
        ))
    }
}

/// A checker's message as a sentence.
pub(crate) fn sentence(e: String) -> CoreError {
    let mut s = e;
    if let Some(c) = s.get_mut(0..1) {
        c.make_ascii_uppercase();
    }
    CoreError::Invalid(format!("{s}."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use custos_api::catalog::TransferSafeguard;

    fn recipient(country: &str, safeguard: Option<TransferSafeguard>) -> Recipient {
        Recipient {
            name: "Mail provider".into(),
            kind: RecipientKind::Processor,
            purposes: vec!["newsletter".into()],
            categories: vec![Category::Contact],
            country: country.into(),
            safeguard,
        }
    }

    #[test]
    fn recipients_are_checked_against_the_catalog_and_the_eea() {
        let c = crate::catalog::template("retail", "DE").unwrap();
        assert!(check_recipients(&c, &[recipient("DE", None)]).is_ok());
        let e = check_recipients(&c, &[recipient("US", None)]).unwrap_err();
        assert!(e.contains("outside the EU/EEA"), "{e}");
        assert!(check_recipients(
            &c,
            &[recipient(
                "US",
                Some(TransferSafeguard::StandardContractualClauses)
            )]
        )
        .is_ok());
        assert!(check_recipients(
            &c,
            &[recipient("FR", Some(TransferSafeguard::AdequacyDecision))]
        )
        .is_err());
        let mut r = recipient("DE", None);
        r.purposes = vec!["astrology".into()];
        assert!(check_recipients(&c, &[r])
            .unwrap_err()
            .contains("astrology"));
        let mut r = recipient("DE", None);
        r.categories = vec![Category::Health];
        assert!(check_recipients(&c, &[r]).unwrap_err().contains("health"));
        assert!(check_recipients(&c, &[recipient("de", None)]).is_err());
        assert!(
            check_recipients(&c, &[recipient("DE", None), recipient("AT", None)])
                .unwrap_err()
                .contains("twice")
        );
    }

    #[test]
    fn a_notice_version_is_added_only_when_its_content_changes() {
        let mut c = crate::catalog::template("salon", "PL").unwrap();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        stamp_notice(&mut c, "Salon", t0);
        stamp_notice(&mut c, "Salon", t0 + time::Duration::days(1));
        assert_eq!(c.notice_versions.len(), 1);
        assert_eq!(current_notice_version(&c), 1);
        c.retention[0].keep_days += 1;
        stamp_notice(&mut c, "Salon", t0 + time::Duration::days(2));
        assert_eq!(current_notice_version(&c), 2);
        assert_eq!(c.notice_versions[1].since, t0 + time::Duration::days(2));
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(md("*bold* [x](y)"), "\\*bold\\* \\[x\\](y)");
        assert_eq!(
            host_of("https://user:pw@hooks.example.org:8443/x?y"),
            "hooks.example.org:8443"
        );
    }
}
