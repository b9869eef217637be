//! The catalog: what a business declares it collects (data minimisation), the four built-in
//! templates, and validation of written values against it.

use crate::values::{contains_card_number, Email, Phone};
pub use custos_api::catalog::{
    Catalog, Category, Channel, ConsentText, FieldDef, FieldType, LawfulBasis, Purpose,
    RecordTypeDef,
};
pub use custos_api::retention::{RetentionAction, RetentionRule, RetentionTarget};
use serde_json::Value;
use std::collections::BTreeMap;

/// The built-in templates.
pub const TEMPLATES: [&str; 4] = ["retail", "salon", "subscription", "optician"];

/// Why a written value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The catalog does not declare the field.
    #[error("The field '{0}' is not declared for this business.")]
    Unknown(String),
    /// The value has the wrong type or format.
    #[error("The field '{field}' {reason}.")]
    Invalid {
        /// The field.
        field: String,
        /// Why, e.g. "must be a date YYYY-MM-DD".
        reason: String,
    },
    /// A value that looks like a payment card number.
    #[error("The field '{0}' contains what looks like a payment card number; custos never stores card numbers.")]
    CardNumber(String),
}

impl FieldError {
    /// The field concerned.
    pub fn field(&self) -> &str {
        match self {
            FieldError::Unknown(f) | FieldError::CardNumber(f) => f,
            FieldError::Invalid { field, .. } => field,
        }
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError::Invalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// Validates and normalises one value for its field definition. Returns the canonical JSON value
/// to store (e.g. a phone in E.164).
pub fn validate_value(
    def: &FieldDef,
    value: &Value,
    default_country: &str,
) -> Result<Value, FieldError> {
    let name = def.name.as_str();
    let as_str = || {
        value
            .as_str()
            .ok_or_else(|| invalid(name, "must be a string"))
    };
    match &def.type_ {
        FieldType::Text { max_len } => {
            let s = as_str()?.trim();
            if s.is_empty() {
                return Err(invalid(name, "must not be empty (send null to remove it)"));
            }
            if s.chars().count() > *max_len as usize {
                return Err(invalid(
                    name,
                    format!("must be at most {max_len} characters"),
                ));
            }
            if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                return Err(invalid(name, "must not contain control characters"));
            }
            if contains_card_number(s) {
                return Err(FieldError::CardNumber(name.to_owned()));
            }
            Ok(Value::String(s.to_owned()))
        }
        FieldType::Email => Email::parse(as_str()?)
            .map(|e| Value::String(e.as_str().to_owned()))
            .map_err(|_| invalid(name, "is not a valid e-mail address")),
        FieldType::Phone => Phone::parse(as_str()?, default_country)
            .map(|p| Value::String(p.as_str().to_owned()))
            .map_err(|_| invalid(name, "is not a valid phone number")),
        FieldType::Date => {
            let s = as_str()?.trim();
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            // ISO 8601's date without a year (`--MM-DD`), as a birthday kept without the year.
            let ok = match s.strip_prefix("--") {
                Some(md) => crate::import::birthday(md).is_ok_and(|d| d == s),
                None => time::Date::parse(s, &fmt).is_ok(),
            };
            if ok {
                Ok(Value::String(s.to_owned()))
            } else {
                Err(invalid(
                    name,
                    "must be a date YYYY-MM-DD (or --MM-DD without the year)",
                ))
            }
        }
        FieldType::Number { min, max } => {
            let n = value
                .as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| invalid(name, "must be a number"))?;
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                return Err(invalid(
                    name,
                    format!(
                        "must be between {} and {}",
                        fmt_bound(*min),
                        fmt_bound(*max)
                    ),
                ));
            }
            Ok(value.clone())
        }
        FieldType::Enum { values } => {
            let s = as_str()?;
            if values.iter().any(|v| v == s) {
                Ok(Value::String(s.to_owned()))
            } else {
                Err(invalid(
                    name,
                    format!("must be one of: {}", values.join(", ")),
                ))
            }
        }
        FieldType::Bool => value
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| invalid(name, "must be true or false")),
        FieldType::Country => {
            let s = as_str()?.trim().to_ascii_uppercase();
            if s.len() == 2 && s.parse::<phonenumber::country::Id>().is_ok() {
                Ok(Value::String(s))
            } else {
                Err(invalid(name, "must be an ISO 3166-1 alpha-2 country code"))
            }
        }
    }
}

fn fmt_bound(b: Option<f64>) -> String {
    b.map_or_else(|| "unbounded".to_owned(), |v| v.to_string())
}

impl CatalogExt for Catalog {
    fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn record_type(&self, name: &str) -> Option<&RecordTypeDef> {
        self.record_types.iter().find(|r| r.name == name)
    }
}

/// Look-ups on a catalog.
pub trait CatalogExt {
    /// The customer field of that name.
    fn field(&self, name: &str) -> Option<&FieldDef>;
    /// The record type of that name.
    fn record_type(&self, name: &str) -> Option<&RecordTypeDef>;
}

/// Validates a whole set of field values against definitions: every name declared, every value
/// valid; `null` kept as a removal marker when `allow_null`. Reports the first problem in name
/// order, so the answer is stable.
pub fn validate_fields<'a>(
    defs: impl Fn(&str) -> Option<&'a FieldDef>,
    input: &BTreeMap<String, Value>,
    default_country: &str,
    allow_null: bool,
) -> Result<BTreeMap<String, (&'a FieldDef, Value)>, FieldError> {
    let mut out = BTreeMap::new();
    for (name, value) in input {
        let def = defs(name).ok_or_else(|| FieldError::Unknown(name.clone()))?;
        let v = if value.is_null() {
            if !allow_null {
                return Err(invalid(name, "must not be null"));
            }
            if def.required {
                return Err(invalid(name, "is required and cannot be removed"));
            }
            Value::Null
        } else {
            validate_value(def, value, default_country)?
        };
        out.insert(name.clone(), (def, v));
    }
    Ok(out)
}

/// Checks that a catalog is internally consistent: unique names, purposes declared, a valid
/// default country. Used when a tenant is created and when its catalog changes.
pub fn check_catalog(c: &Catalog) -> Result<(), String> {
    let purposes: Vec<&str> = c.purposes.iter().map(|p| p.name.as_str()).collect();
    let mut names = std::collections::HashSet::new();
    for f in &c.fields {
        if !names.insert(f.name.as_str()) {
            return Err(format!("field '{}' is declared twice", f.name));
        }
        check_def(f, &purposes)?;
    }
    let mut types = std::collections::HashSet::new();
    for r in &c.record_types {
        if !types.insert(r.name.as_str()) {
            return Err(format!("record type '{}' is declared twice", r.name));
        }
        for f in &r.fields {
            check_def(f, &purposes)?;
        }
    }
    let mut seen = std::collections::HashSet::new();
    for p in &c.purposes {
        if !seen.insert(p.name.as_str()) {
            return Err(format!("purpose '{}' is declared twice", p.name));
        }
        if p.name == custos_api::consent::OBJECTION {
            return Err(format!(
                "'{}' is reserved for objections to direct marketing",
                p.name
            ));
        }
        if p.lawful_basis.is_consent() {
            for lang in CONSENT_LANGS {
                if p.current_text(lang)
                    .is_none_or(|t| t.text.trim().is_empty())
                {
                    return Err(format!(
                        "purpose '{}' rests on consent but has no consent text in '{lang}'",
                        p.name
                    ));
                }
            }
        }
        if p.marketing && p.lawful_basis.is_consent() && p.channels.is_empty() {
            return Err(format!(
                "marketing purpose '{}' names no channel to ask consent for",
                p.name
            ));
        }
        if p.consent_lapses_after_days == Some(0) {
            return Err(format!(
                "purpose '{}': consent cannot lapse after 0 days",
                p.name
            ));
        }
    }
    check_retention(c, &c.retention)?;
    if c.default_country
        .parse::<phonenumber::country::Id>()
        .is_err()
    {
        return Err(format!(
            "default country '{}' is not a known country code",
            c.default_country
        ));
    }
    Ok(())
}

fn check_def(f: &FieldDef, purposes: &[&str]) -> Result<(), String> {
    if f.name.is_empty()
        || !f
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!("field name '{}' must be snake_case", f.name));
    }
    if f.purposes.is_empty() {
        return Err(format!("field '{}' serves no declared purpose", f.name));
    }
    for p in &f.purposes {
        if !purposes.contains(&p.as_str()) {
            return Err(format!(
                "field '{}' names an undeclared purpose '{p}'",
                f.name
            ));
        }
    }
    Ok(())
}

// --- templates -------------------------------------------------------------------------------

fn field(name: &str, type_: FieldType, category: Category, purposes: &[&str]) -> FieldDef {
    FieldDef {
        name: name.to_owned(),
        type_,
        category,
        special: category == Category::Health,
        purposes: purposes.iter().map(|s| (*s).to_owned()).collect(),
        searchable: false,
        required: false,
    }
}

fn text(max_len: u32) -> FieldType {
    FieldType::Text { max_len }
}

fn number(min: f64, max: f64) -> FieldType {
    FieldType::Number {
        min: Some(min),
        max: Some(max),
    }
}

fn purpose(name: &str, lawful_basis: LawfulBasis, description: &str) -> Purpose {
    Purpose {
        name: name.to_owned(),
        lawful_basis,
        description: description.to_owned(),
        marketing: false,
        channels: Vec::new(),
        consent_lapses_after_days: None,
        consent_texts: consent_texts(name),
    }
}

/// A marketing purpose resting on consent, over `channels`, lapsing after two years without
/// interaction.
fn marketing(name: &str, channels: &[Channel], description: &str) -> Purpose {
    Purpose {
        marketing: true,
        channels: channels.to_vec(),
        consent_lapses_after_days: Some(730),
        ..purpose(name, LawfulBasis::Consent, description)
    }
}

/// The first version of the consent texts of the template purposes that rest on consent, in
/// English, German and Polish.
fn consent_texts(purpose: &str) -> Vec<ConsentText> {
    let texts: [(&str, &str); 3] = match purpose {
        "newsletter" => [
            ("en", "Yes, I would like to receive the newsletter by e-mail with news and offers. I can unsubscribe at any time, with the link in every e-mail or by telling the shop."),
            ("de", "Ja, ich möchte den Newsletter mit Neuigkeiten und Angeboten per E-Mail erhalten. Ich kann ihn jederzeit abbestellen, über den Link in jeder E-Mail oder im Geschäft."),
            ("pl", "Tak, chcę otrzymywać newsletter z nowościami i ofertami pocztą elektroniczną. Mogę zrezygnować w każdej chwili, klikając link w każdej wiadomości lub informując sklep."),
        ],
        "sms_offers" => [
            ("en", "Yes, I would like to receive offers by text message. I can stop them at any time by replying STOP or by telling the shop."),
            ("de", "Ja, ich möchte Angebote per SMS erhalten. Ich kann sie jederzeit abbestellen, mit der Antwort STOP oder im Geschäft."),
            ("pl", "Tak, chcę otrzymywać oferty SMS-em. Mogę zrezygnować w każdej chwili, odpowiadając STOP lub informując sklep."),
        ],
        "birthday_greetings" => [
            ("en", "Yes, I would like to receive birthday greetings (and a small birthday offer). I can stop them at any time."),
            ("de", "Ja, ich möchte Geburtstagsgrüße (und ein kleines Geburtstagsangebot) erhalten. Ich kann sie jederzeit abbestellen."),
            ("pl", "Tak, chcę otrzymywać życzenia urodzinowe (i małą ofertę urodzinową). Mogę zrezygnować w każdej chwili."),
        ],
        "health_records" => [
            ("en", "I explicitly agree that my allergies and skin reactions are recorded so that treatments are safe for me. I can withdraw this consent at any time; the data is then deleted."),
            ("de", "Ich willige ausdrücklich ein, dass meine Allergien und Hautreaktionen erfasst werden, damit Behandlungen für mich sicher sind. Ich kann diese Einwilligung jederzeit widerrufen; die Daten werden dann gelöscht."),
            ("pl", "Wyrażam wyraźną zgodę na zapisanie moich alergii i reakcji skórnych, aby zabiegi były dla mnie bezpieczne. Mogę w każdej chwili wycofać tę zgodę; dane zostaną wtedy usunięte."),
        ],
        _ => return Vec::new(),
    };
    texts
        .iter()
        .map(|(lang, text)| ConsentText {
            version: 1,
            lang: (*lang).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// The languages every consent text must exist in.
pub const CONSENT_LANGS: [&str; 3] = ["en", "de", "pl"];

fn record_type(
    name: &str,
    category: Category,
    purposes: &[&str],
    fields: Vec<FieldDef>,
) -> RecordTypeDef {
    RecordTypeDef {
        name: name.to_owned(),
        category,
        special: category == Category::Health,
        purposes: purposes.iter().map(|s| (*s).to_owned()).collect(),
        fields: fields
            .into_iter()
            .map(|mut f| {
                f.category = category;
                f.special = category == Category::Health;
                f
            })
            .collect(),
    }
}

fn common_fields() -> Vec<FieldDef> {
    let s = ["service"];
    let mut first = field("first_name", text(100), Category::Identity, &s);
    first.searchable = true;
    first.required = true;
    let mut last = field("last_name", text(100), Category::Identity, &s);
    last.searchable = true;
    let mut email = field(
        "email",
        FieldType::Email,
        Category::Contact,
        &["service", "newsletter"],
    );
    email.searchable = true;
    let mut phone = field("phone", FieldType::Phone, Category::Contact, &["service"]);
    phone.searchable = true;
    vec![
        first,
        last,
        field(
            "birth_date",
            FieldType::Date,
            Category::Identity,
            &["service"],
        ),
        email,
        phone,
        field("street", text(200), Category::Address, &s),
        field("postal_code", text(20), Category::Address, &s),
        field("city", text(100), Category::Address, &s),
        field("country", FieldType::Country, Category::Address, &s),
        field("note", text(2000), Category::Note, &s),
    ]
}

fn common_purposes() -> Vec<Purpose> {
    vec![
        purpose(
            "service",
            LawfulBasis::Contract,
            "Serving the customer: sales, bookings, after-sales care.",
        ),
        marketing(
            "newsletter",
            &[Channel::Email],
            "Sending the newsletter to customers who asked for it.",
        ),
        marketing(
            "sms_offers",
            &[Channel::Sms],
            "Sending offers by SMS to customers who asked for them.",
        ),
        marketing(
            "birthday_greetings",
            &[Channel::Email, Channel::Sms, Channel::Post],
            "Sending birthday greetings to customers who asked for them.",
        ),
        purpose(
            "accounting",
            LawfulBasis::LegalObligation,
            "Keeping sales records as tax law requires.",
        ),
    ]
}

fn purchase_type() -> RecordTypeDef {
    record_type(
        "purchase",
        Category::Purchase,
        &["service", "accounting"],
        vec![
            field(
                "amount",
                number(0.0, 1_000_000.0),
                Category::Purchase,
                &["service"],
            ),
            field(
                "currency",
                FieldType::Enum {
                    values: ["EUR", "PLN", "USD", "GBP", "CHF", "CZK", "SEK", "DKK"]
                        .map(String::from)
                        .to_vec(),
                },
                Category::Purchase,
                &["service"],
            ),
            field("items", text(1000), Category::Purchase, &["service"]),
            field("store", text(100), Category::Purchase, &["service"]),
        ],
    )
}

fn visit_type() -> RecordTypeDef {
    record_type(
        "visit",
        Category::Appointment,
        &["service"],
        vec![field(
            "note",
            text(1000),
            Category::Appointment,
            &["service"],
        )],
    )
}

fn appointment_type() -> RecordTypeDef {
    record_type(
        "appointment",
        Category::Appointment,
        &["service"],
        vec![
            field("service", text(200), Category::Appointment, &["service"]),
            field("staff", text(100), Category::Appointment, &["service"]),
            field(
                "duration_minutes",
                number(0.0, 1440.0),
                Category::Appointment,
                &["service"],
            ),
            field(
                "price",
                number(0.0, 1_000_000.0),
                Category::Appointment,
                &["service"],
            ),
            field("notes", text(1000), Category::Appointment, &["service"]),
        ],
    )
}

/// The catalog of a built-in template, or `None` for an unknown name.
pub fn template(name: &str, default_country: &str) -> Option<Catalog> {
    let mut fields = common_fields();
    let mut purposes = common_purposes();
    let record_types = match name {
        "retail" => {
            fields.push(field(
                "loyalty_number",
                text(40),
                Category::Identity,
                &["service"],
            ));
            fields.push(field(
                "preferences",
                text(500),
                Category::Preference,
                &["service"],
            ));
            vec![purchase_type(), visit_type()]
        }
        "salon" => {
            fields.push(field(
                "preferred_stylist",
                text(100),
                Category::Preference,
                &["service"],
            ));
            fields.push(field(
                "allergies",
                text(500),
                Category::Health,
                &["health_records"],
            ));
            purposes.push(purpose("health_records", LawfulBasis::ExplicitConsent, "Recording allergies and skin reactions so that treatments are safe, with the customer's explicit consent."));
            vec![appointment_type(), purchase_type(), visit_type()]
        }
        "subscription" => {
            fields.push(field(
                "plan",
                FieldType::Enum {
                    values: ["basic", "standard", "premium"].map(String::from).to_vec(),
                },
                Category::Purchase,
                &["service"],
            ));
            fields.push(field(
                "subscription_start",
                FieldType::Date,
                Category::Purchase,
                &["service"],
            ));
            fields.push(field(
                "delivery_notes",
                text(500),
                Category::Address,
                &["service"],
            ));
            vec![
                purchase_type(),
                record_type(
                    "subscription_change",
                    Category::Purchase,
                    &["service"],
                    vec![
                        field(
                            "plan",
                            FieldType::Enum {
                                values: ["basic", "standard", "premium", "cancelled"]
                                    .map(String::from)
                                    .to_vec(),
                            },
                            Category::Purchase,
                            &["service"],
                        ),
                        field("note", text(500), Category::Purchase, &["service"]),
                    ],
                ),
            ]
        }
        "optician" => {
            fields.push(field(
                "insurance_number",
                text(40),
                Category::PaymentReference,
                &["service"],
            ));
            purposes.push(purpose("health_records", LawfulBasis::HealthCare, "Eye examinations and prescriptions by qualified opticians under professional secrecy."));
            let hr = ["health_records"];
            vec![
                record_type(
                    "eye_exam",
                    Category::Health,
                    &hr,
                    vec![
                        field("sphere_right", number(-30.0, 30.0), Category::Health, &hr),
                        field("cylinder_right", number(-15.0, 15.0), Category::Health, &hr),
                        field("axis_right", number(0.0, 180.0), Category::Health, &hr),
                        field("sphere_left", number(-30.0, 30.0), Category::Health, &hr),
                        field("cylinder_left", number(-15.0, 15.0), Category::Health, &hr),
                        field("axis_left", number(0.0, 180.0), Category::Health, &hr),
                        field(
                            "pupillary_distance",
                            number(40.0, 80.0),
                            Category::Health,
                            &hr,
                        ),
                        field("remarks", text(2000), Category::Health, &hr),
                    ],
                ),
                purchase_type(),
                appointment_type(),
            ]
        }
        _ => return None,
    };
    let country = default_country.to_ascii_uppercase();
    let retention = retention_rules(name, &country, &record_types);
    Some(Catalog {
        template: name.to_owned(),
        default_country: country,
        purposes,
        fields,
        record_types,
        retention,
        controller: Default::default(),
        recipients: Vec::new(),
        notice_versions: Vec::new(),
    })
}

fn rule(
    name: &str,
    applies_to: RetentionTarget,
    years: u32,
    action: RetentionAction,
    legal_reference: &str,
) -> RetentionRule {
    RetentionRule {
        name: name.to_owned(),
        applies_to,
        // A year of 365 days plus one for each leap day it may span.
        keep_days: years * 365 + years.div_ceil(4),
        action,
        legal_reference: legal_reference.to_owned(),
    }
}

/// The retention rules a template starts with, by the business's country. Each period is the
/// one the law named in `legal_reference` asks for; the business can change them.
fn retention_rules(template: &str, country: &str, types: &[RecordTypeDef]) -> Vec<RetentionRule> {
    use RetentionAction::{Anonymise, Delete};
    let has = |t: &str| types.iter().any(|r| r.name == t);
    let mut rules = Vec::new();
    let (tax_years, tax_ref) = match country {
        "DE" | "AT" => (10, "Tax and commercial law: § 147 AO and § 257 HGB keep accounting records 10 years (AT: § 132 BAO, 7 years; the longer is kept)."),
        "PL" => (6, "Ordynacja podatkowa art. 70 and 86: tax records are kept 5 years from the end of the year the tax fell due (at most 6 years)."),
        _ => (10, "Tax law: sales records are kept as long as the tax authority may audit them (10 years is the longest period in the EU member states custos targets)."),
    };
    if has("purchase") {
        rules.push(rule(
            "purchases_tax",
            RetentionTarget::RecordType("purchase".into()),
            tax_years,
            Anonymise,
            tax_ref,
        ));
    }
    if has("subscription_change") {
        rules.push(rule(
            "subscription_changes_tax",
            RetentionTarget::RecordType("subscription_change".into()),
            tax_years,
            Anonymise,
            tax_ref,
        ));
    }
    if has("visit") {
        rules.push(rule("visits", RetentionTarget::RecordType("visit".into()), 3, Delete, "GDPR art. 5(1)(e) storage limitation: visits are kept for the general limitation period of claims (e.g. § 195 BGB: 3 years)."));
    }
    if has("appointment") {
        rules.push(rule("appointments", RetentionTarget::RecordType("appointment".into()), 3, Anonymise, "GDPR art. 5(1)(e) storage limitation: appointments are kept for the general limitation period of claims (e.g. § 195 BGB: 3 years); the counts per month stay."));
    }
    if has("eye_exam") {
        let (years, reference) = match country {
            "PL" => (20, "Ustawa o prawach pacjenta art. 29: medical records are kept 20 years from the last entry."),
            _ => (10, "Health-record law: § 630f(3) BGB keeps patient records 10 years after the treatment ends."),
        };
        rules.push(rule(
            "eye_exams",
            RetentionTarget::RecordType("eye_exam".into()),
            years,
            Delete,
            reference,
        ));
    }
    rules.push(rule("marketing_preferences", RetentionTarget::Category(Category::Preference), 2, Delete, "GDPR art. 5(1)(e): marketing data is kept 2 years after the last interaction, as consents to marketing lapse then."));
    if template == "salon" {
        rules.push(rule("salon_health_notes", RetentionTarget::Category(Category::Health), 3, Delete, "GDPR art. 9 and 5(1)(e): allergies are kept while treatments may follow, 3 years after the last visit."));
    }
    rules.push(rule("inactive_customers", RetentionTarget::InactiveCustomers, 3, Delete, "GDPR art. 5(1)(e) storage limitation: a customer without any dealings for 3 years (the general limitation period, e.g. § 195 BGB) is erased, unless records must still be kept."));
    rules
}

/// Checks a business's retention rules against its catalog: unique names, known record types,
/// periods within 1 day and 100 years, a legal reference, and anonymisation only where there is
/// something to count.
pub fn check_retention(c: &Catalog, rules: &[RetentionRule]) -> Result<(), String> {
    let mut names = std::collections::HashSet::new();
    let mut targets = std::collections::HashSet::new();
    for r in rules {
        if r.name.is_empty()
            || r.name.len() > 64
            || !r
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!(
                "retention rule name '{}' must be snake_case, 1 to 64 characters",
                r.name
            ));
        }
        if !names.insert(r.name.as_str()) {
            return Err(format!("retention rule '{}' is declared twice", r.name));
        }
        if !targets.insert(&r.applies_to) {
            return Err(format!(
                "retention rule '{}' applies to the same data as another rule",
                r.name
            ));
        }
        if !(1..=36_500).contains(&r.keep_days) {
            return Err(format!(
                "retention rule '{}': keep_days must be 1 to 36500",
                r.name
            ));
        }
        let reference = r.legal_reference.trim();
        if reference.is_empty() || reference.chars().count() > 500 {
            return Err(format!(
                "retention rule '{}' needs a legal reference of 1 to 500 characters",
                r.name
            ));
        }
        match &r.applies_to {
            RetentionTarget::RecordType(t) if c.record_type(t).is_none() => {
                return Err(format!(
                    "retention rule '{}' names an undeclared record type '{t}'",
                    r.name
                ));
            }
            RetentionTarget::Category(_) if r.action == RetentionAction::Anonymise => {
                return Err(format!(
                    "retention rule '{}': profile fields cannot be anonymised, only deleted",
                    r.name
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_is_consistent_and_declares_the_api_fields() {
        for t in TEMPLATES {
            let c = template(t, "PL").unwrap();
            check_catalog(&c).unwrap();
            for f in [
                "first_name",
                "last_name",
                "email",
                "phone",
                "street",
                "postal_code",
                "city",
                "country",
                "birth_date",
                "note",
            ] {
                assert!(c.field(f).is_some(), "{t} lacks {f}");
            }
            for p in ["service", "newsletter"] {
                assert!(
                    c.purposes.iter().any(|x| x.name == p),
                    "{t} lacks purpose {p}"
                );
            }
        }
        assert!(template("bakery", "PL").is_none());
    }

    #[test]
    fn optician_declares_the_eye_exam() {
        let c = template("optician", "DE").unwrap();
        let exam = c.record_type("eye_exam").unwrap();
        assert_eq!(exam.category, Category::Health);
        assert!(exam.special);
        for f in [
            "sphere_right",
            "cylinder_right",
            "axis_right",
            "sphere_left",
            "cylinder_left",
            "axis_left",
            "pupillary_distance",
            "remarks",
        ] {
            assert!(
                exam.fields.iter().any(|x| x.name == f),
                "eye_exam lacks {f}"
            );
        }
    }

    #[test]
    fn validation_names_the_field() {
        let c = template("retail", "PL").unwrap();
        let mut input = BTreeMap::new();
        input.insert("shoe_size".to_owned(), json!(42));
        assert_eq!(
            validate_fields(|n| c.field(n), &input, "PL", false).unwrap_err(),
            FieldError::Unknown("shoe_size".into())
        );
        let mut input = BTreeMap::new();
        input.insert("birth_date".to_owned(), json!("31.12.1990"));
        assert_eq!(
            validate_fields(|n| c.field(n), &input, "PL", false)
                .unwrap_err()
                .field(),
            "birth_date"
        );
        let mut input = BTreeMap::new();
        input.insert("note".to_owned(), json!("card 4111 1111 1111 1111"));
        assert_eq!(
            validate_fields(|n| c.field(n), &input, "PL", false).unwrap_err(),
            FieldError::CardNumber("note".into())
        );
        let mut input = BTreeMap::new();
        input.insert("phone".to_owned(), json!("601 234 567"));
        input.insert("country".to_owned(), json!("pl"));
        let ok = validate_fields(|n| c.field(n), &input, "PL", false).unwrap();
        assert_eq!(ok["phone"].1, json!("+48601234567"));
        assert_eq!(ok["country"].1, json!("PL"));
    }

    #[test]
    fn catalog_check_refuses_undeclared_purpose() {
        let mut c = template("retail", "PL").unwrap();
        c.fields[0].purposes = vec!["profiling".into()];
        assert!(check_catalog(&c).unwrap_err().contains("profiling"));
    }

    #[test]
    fn a_purpose_without_a_lawful_basis_is_refused() {
        let c = template("retail", "PL").unwrap();
        let mut v = serde_json::to_value(&c).unwrap();
        v["purposes"][0]
            .as_object_mut()
            .unwrap()
            .remove("lawful_basis");
        let e = serde_json::from_value::<Catalog>(v.clone()).unwrap_err();
        assert!(e.to_string().contains("lawful_basis"), "{e}");
        v["purposes"][0]["lawful_basis"] = "because_we_can".into();
        assert!(serde_json::from_value::<Catalog>(v).is_err());
        let mut c = c;
        let mut reserved = c.purposes[0].clone();
        reserved.name = "direct_marketing".into();
        c.purposes.push(reserved);
        assert!(check_catalog(&c).unwrap_err().contains("reserved"));
    }

    #[test]
    fn every_consent_purpose_of_every_template_has_texts_in_three_languages() {
        for t in ["retail", "salon", "subscription", "optician"] {
            let c = template(t, "DE").unwrap();
            check_catalog(&c).unwrap();
            for p in c.purposes.iter().filter(|p| p.lawful_basis.is_consent()) {
                for lang in CONSENT_LANGS {
                    let text = p.current_text(lang).unwrap();
                    assert!(text.text.len() > 40, "{t}/{}/{lang}", p.name);
                }
            }
        }
        let mut c = template("retail", "PL").unwrap();
        let n = c
            .purposes
            .iter()
            .position(|p| p.name == "newsletter")
            .unwrap();
        c.purposes[n].consent_texts.retain(|x| x.lang != "pl");
        assert!(check_catalog(&c)
            .unwrap_err()
            .contains("no consent text in 'pl'"));
        c.purposes[n].consent_texts.clear();
        c.purposes[n].lawful_basis = LawfulBasis::LegitimateInterest;
        check_catalog(&c).unwrap();
    }
}
