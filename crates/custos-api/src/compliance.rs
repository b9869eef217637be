//! Compliance documents on the wire: the records of processing activities (GDPR art. 30), the
//! findings of the self-check (`custos doctor`, the security dashboard) and the saved self-audit
//! reports.

use crate::catalog::{
    Category, Controller, LawfulBasis, Recipient, RecipientKind, TransferSafeguard,
};
use crate::retention::RetentionRule;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// The records of processing activities of one business (art. 30(1)), made from its catalog
/// and the server's configuration when asked for.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ropa {
    /// `custos-ropa/1`.
    pub format: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// The custos version that made it.
    pub generator: String,
    /// (a) The controller: the business's name and contact details, representative, DPO.
    pub controller: RopaController,
    /// (b)–(f) One processing activity per declared purpose.
    pub activities: Vec<Activity>,
    /// (d) Every declared recipient.
    pub recipients: Vec<Recipient>,
    /// (e) The transfers to countries outside the EU/EEA, with their safeguards.
    pub transfers: Vec<Transfer>,
    /// (f) The retention rules, as the business set them.
    pub retention: Vec<RetentionRule>,
    /// (g) The technical and organisational security measures (art. 32(1)) switched on now.
    pub security_measures: Vec<Measure>,
    /// The privacy notice's current version.
    pub notice_version: u32,
    /// What the record cannot say because it has not been declared (e.g. no contact e-mail).
    pub gaps: Vec<String>,
}

/// Art. 30(1)(a): the business name and its declared [`Controller`] details, side by side (a
/// flattened `Controller` would be documented as one object refusing the other's fields).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RopaController {
    /// The business name.
    pub name: String,
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

impl RopaController {
    /// The business `name` with its declared details.
    pub fn new(name: String, c: &Controller) -> Self {
        Self {
            name,
            legal_name: c.legal_name.clone(),
            address: c.address.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            representative: c.representative.clone(),
            dpo: c.dpo.clone(),
        }
    }
}

/// One processing activity: a purpose and everything art. 30(1)(b)–(f) asks about it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    /// (b) The purpose's name.
    pub purpose: String,
    /// (b) What it is for, in plain words.
    pub description: String,
    /// The lawful basis (art. 6(1), and 9(2) for special categories).
    pub lawful_basis: LawfulBasis,
    /// The article of the lawful basis, e.g. `GDPR art. 6(1)(b)`.
    pub lawful_basis_reference: String,
    /// (c) The categories of data subjects.
    pub data_subjects: Vec<String>,
    /// (c) The categories of personal data, with the fields of each.
    pub categories: Vec<CategoryUse>,
    /// (d) The recipients of data for this purpose: staff by role, and declared recipients.
    pub recipients: Vec<String>,
    /// (e) Transfers outside the EU/EEA for this purpose.
    pub transfers: Vec<Transfer>,
    /// (f) How long the data is kept, one sentence per rule that applies.
    pub retention: Vec<String>,
}

/// A category of personal data one activity uses.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CategoryUse {
    /// The category.
    pub category: Category,
    /// Special-category data (art. 9).
    pub special: bool,
    /// The profile fields and record fields (`record_type.field`) in it.
    pub fields: Vec<String>,
}

/// A transfer to a country outside the EU/EEA (art. 30(1)(e)).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Transfer {
    /// The recipient.
    pub recipient: String,
    /// What it is.
    pub kind: RecipientKind,
    /// The country (ISO 3166-1 alpha-2).
    pub country: String,
    /// Its safeguard.
    pub safeguard: Option<TransferSafeguard>,
}

/// One security measure and whether it is on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Measure {
    /// A stable name, e.g. `encryption_at_rest`.
    pub name: String,
    /// Whether it is switched on now.
    pub active: bool,
    /// What it is and how it is configured, in one sentence.
    pub description: String,
}

/// How much a finding matters. `custos doctor` exits non-zero while a `high` one stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing to do.
    Ok,
    /// Worth knowing.
    Low,
    /// Fix it soon.
    Medium,
    /// Fix it now: data is at risk or an obligation is missed.
    High,
}

impl Severity {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One check of the self-audit and what it found.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    /// The check: `tls`, `mfa`, `backup`, `restore_drill`, `offsite`, `keys`, `retention`,
    /// `inactive_staff`, `tokens`, `requests`, `alerts`, `audit`, `version`.
    pub check: String,
    /// How much it matters.
    pub severity: Severity,
    /// A stable code for what was found, e.g. `backup_stale`, `mfa_optional`.
    pub code: String,
    /// What was found, in one sentence.
    pub state: String,
    /// The fix in one sentence (absent when nothing is to be done).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The number the state is about (accounts, days, requests…), for translated views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// The whole the count is part of (e.g. active staff accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// The time the state is about (a certificate's expiry, a backup's time).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub at: Option<OffsetDateTime>,
}

/// The self-check of one business and the server it runs on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Checks {
    /// When it ran.
    #[serde(with = "time::serde::rfc3339")]
    pub checked_at: OffsetDateTime,
    /// The custos version.
    pub version: String,
    /// The business.
    pub business: String,
    /// Every check, the worst first.
    pub findings: Vec<Finding>,
    /// The worst severity found.
    pub worst: Severity,
}

/// A self-audit report, saved (the scheduled one monthly by default, or on demand).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SelfAudit {
    /// Its id.
    pub id: Uuid,
    /// `scheduled` or `on_demand`.
    pub trigger: String,
    /// The checks as they stood.
    pub checks: Checks,
}

/// Body and answer of `PUT /v1/catalog/recipients`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipients {
    /// Every recipient (a `PUT` replaces them all).
    pub recipients: Vec<Recipient>,
}
