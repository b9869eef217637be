//! The catalog on the wire: what a business declares it collects, for which purposes, and how
//! each field is typed and categorised. The domain validates against these same types.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A field category. Roles are granted access per category.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Names, birth date.
    Identity,
    /// E-mail, phone.
    Contact,
    /// Postal address.
    Address,
    /// Purchases, spend.
    Purchase,
    /// Appointments, visits.
    Appointment,
    /// Health data (GDPR art. 9 special category).
    Health,
    /// References to payment (never card numbers).
    PaymentReference,
    /// Preferences (favourite products, stylist, …).
    Preference,
    /// Free-text notes.
    Note,
}

impl Category {
    /// Every category, in a stable order.
    pub const ALL: [Category; 9] = [
        Category::Identity,
        Category::Contact,
        Category::Address,
        Category::Purchase,
        Category::Appointment,
        Category::Health,
        Category::PaymentReference,
        Category::Preference,
        Category::Note,
    ];

    /// The snake_case name used on the wire and in associated data.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Identity => "identity",
            Category::Contact => "contact",
            Category::Address => "address",
            Category::Purchase => "purchase",
            Category::Appointment => "appointment",
            Category::Health => "health",
            Category::PaymentReference => "payment_reference",
            Category::Preference => "preference",
            Category::Note => "note",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The type of a field's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldType {
    /// Free text up to `max_len` characters.
    Text {
        /// Maximum length in characters.
        max_len: u32,
    },
    /// An e-mail address, stored lower-cased in its domain.
    Email,
    /// A phone number, stored in E.164.
    Phone,
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// A number (integer or decimal) within optional bounds.
    Number {
        /// Smallest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Largest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// One of a fixed list of values.
    Enum {
        /// The allowed values.
        values: Vec<String>,
    },
    /// true or false.
    Bool,
    /// An ISO 3166-1 alpha-2 country code, stored upper-case.
    Country,
}

/// A declared field.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldDef {
    /// The field name, `snake_case`.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_: FieldType,
    /// Its category.
    pub category: Category,
    /// Whether it is special-category data (GDPR art. 9).
    #[serde(default)]
    pub special: bool,
    /// The purposes it serves (names of declared purposes).
    pub purposes: Vec<String>,
    /// Whether it is searchable through a blind index.
    #[serde(default)]
    pub searchable: bool,
    /// Whether every customer (or record) must have it.
    #[serde(default)]
    pub required: bool,
}

/// A declared record type (timeline entry).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordTypeDef {
    /// The type name, e.g. `visit`, `purchase`, `eye_exam`.
    pub name: String,
    /// The category the whole record belongs to (access is decided by it).
    pub category: Category,
    /// Whether it is special-category data.
    #[serde(default)]
    pub special: bool,
    /// The purposes it serves.
    pub purposes: Vec<String>,
    /// Its fields.
    pub fields: Vec<FieldDef>,
}

/// A lawful basis for processing (GDPR art. 6(1), and art. 9(2) for special categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LawfulBasis {
    /// Art. 6(1)(a).
    Consent,
    /// Art. 6(1)(b).
    Contract,
    /// Art. 6(1)(c).
    LegalObligation,
    /// Art. 6(1)(f).
    LegitimateInterest,
    /// Art. 9(2)(a): explicit consent to special-category processing.
    ExplicitConsent,
    /// Art. 9(2)(h): health care by a professional under secrecy.
    HealthCare,
}

impl LawfulBasis {
    /// Whether processing rests on the person's consent (art. 6(1)(a) or 9(2)(a)).
    pub fn is_consent(self) -> bool {
        matches!(self, LawfulBasis::Consent | LawfulBasis::ExplicitConsent)
    }
}

/// A way of reaching a customer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail.
    Email,
    /// Text message.
    Sms,
    /// Phone call.
    Phone,
    /// Letter.
    Post,
    /// WhatsApp message.
    Whatsapp,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 5] = [
        Channel::Email,
        Channel::Sms,
        Channel::Phone,
        Channel::Post,
        Channel::Whatsapp,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Phone => "phone",
            Channel::Post => "post",
            Channel::Whatsapp => "whatsapp",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One version of the consent text shown for a purpose, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsentText {
    /// The version (texts are never changed, only superseded).
    pub version: u32,
    /// `en`, `de` or `pl`.
    pub lang: String,
    /// What the customer agrees to.
    pub text: String,
}

/// A declared processing purpose.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Purpose {
    /// The purpose name, e.g. `service`, `newsletter`.
    pub name: String,
    /// Its lawful basis.
    pub lawful_basis: LawfulBasis,
    /// A plain-language description.
    pub description: String,
    /// Direct marketing: an objection (art. 21(2)) stops it whatever its basis.
    #[serde(default)]
    pub marketing: bool,
    /// The channels consent is asked for (consent-based purposes).
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Consent lapses after this many days without interaction (none: it does not lapse).
    #[serde(default)]
    pub consent_lapses_after_days: Option<u32>,
    /// The consent texts, every version in every language (consent-based purposes).
    #[serde(default)]
    pub consent_texts: Vec<ConsentText>,
}

impl Purpose {
    /// The newest version of the consent text in `lang`.
    pub fn current_text(&self, lang: &str) -> Option<&ConsentText> {
        self.consent_texts
            .iter()
            .filter(|t| t.lang == lang)
            .max_by_key(|t| t.version)
    }
}

/// A business's catalog.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Catalog {
    /// The template it started from.
    pub template: String,
    /// The default country for phone numbers without a country code (ISO 3166-1 alpha-2).
    pub default_country: String,
    /// The declared purposes.
    pub purposes: Vec<Purpose>,
    /// The customer fields.
    pub fields: Vec<FieldDef>,
    /// The record types.
    pub record_types: Vec<RecordTypeDef>,
    /// How long each kind of data is kept, and what happens then.
    #[serde(default)]
    pub retention: Vec<crate::retention::RetentionRule>,
    /// The business as controller: its contact details for customers and the authority.
    #[serde(default)]
    pub controller: Controller,
    /// Whom personal data is disclosed to, and where they process it.
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    /// The privacy notice's versions, oldest first (custos adds one whenever the notice's
    /// content changes).
    #[serde(default)]
    pub notice_versions: Vec<NoticeVersion>,
}

/// The business as the controller (GDPR art. 4(7)): who customers and the authority contact.
/// Every field is optional; the records of processing and the privacy notice say what is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    /// The registered name, when it differs from the business name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    /// The postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The e-mail address for privacy questions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The representative in the EU (art. 27), for a business outside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<String>,
    /// The data-protection officer's contact (art. 37), where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpo: Option<String>,
}

/// What a recipient is to the business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    /// Processes on the business's behalf under a contract (art. 28): mail provider, hosting.
    Processor,
    /// Decides for itself what it does with the data: an accountant, a payment processor, an
    /// insurer.
    Controller,
    /// An authority that receives data because the law says so (tax office).
    PublicAuthority,
}

/// How a transfer outside the EU/EEA is safeguarded (GDPR arts. 45–49).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferSafeguard {
    /// The Commission decided the country's protection is adequate (art. 45).
    AdequacyDecision,
    /// Standard contractual clauses (art. 46(2)(c)).
    StandardContractualClauses,
    /// Binding corporate rules (art. 47).
    BindingCorporateRules,
    /// The customer's explicit consent to the transfer (art. 49(1)(a)).
    ExplicitConsent,
}

/// Someone the business discloses personal data to (GDPR arts. 13(1)(e), 30(1)(d)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// Its name, e.g. `Mailbox.org (newsletter delivery)`.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// Processor, controller or public authority.
    pub kind: RecipientKind,
    /// The purposes it receives data for (declared purposes).
    pub purposes: Vec<String>,
    /// The categories of data it receives.
    pub categories: Vec<Category>,
    /// The country where it processes the data (ISO 3166-1 alpha-2).
    pub country: String,
    /// The safeguard of a transfer outside the EU/EEA (required there, absent inside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safeguard: Option<TransferSafeguard>,
}

/// One version of the privacy notice: a new one starts whenever what the notice says changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NoticeVersion {
    /// 1, 2, …
    pub version: u32,
    /// SHA-256 (hex, first 16 characters) of what the notice is made from.
    pub digest: String,
    /// When it came into force.
    #[serde(with = "time::serde::rfc3339")]
    pub since: time::OffsetDateTime,
}

/// The countries of the EU and the EEA (ISO 3166-1 alpha-2): no transfer safeguard is needed.
pub const EEA: [&str; 30] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];
