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
}
