//! The incident register on the wire (`/v1/incidents`, GDPR art. 33(5)).

use crate::catalog::Category;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// Whose actions, over which period, make up a breach's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentScope {
    /// Users, devices or API tokens (their ids) believed compromised or misused.
    pub actors: Vec<Uuid>,
    /// From (inclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// Until (exclusive); open-ended (up to now) when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub to: Option<OffsetDateTime>,
}

/// How likely the breach is to harm the people concerned (art. 33(1), 34(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentRisk {
    /// Not assessed yet: treated as needing notification.
    Unassessed,
    /// Unlikely to result in a risk: record it, no notification needed (art. 33(1)).
    Unlikely,
    /// A risk: notify the supervisory authority within 72 hours.
    Risk,
    /// A high risk: notify the authority and the people concerned (art. 34).
    HighRisk,
}

impl IncidentRisk {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentRisk::Unassessed => "unassessed",
            IncidentRisk::Unlikely => "unlikely",
            IncidentRisk::Risk => "risk",
            IncidentRisk::HighRisk => "high_risk",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Unassessed, Self::Unlikely, Self::Risk, Self::HighRisk]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Body of `POST /v1/incidents`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// A short title.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// When the business became aware of the breach; now when absent. The 72 hours run from
    /// here.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub aware_at: Option<OffsetDateTime>,
    /// Alerts the incident grows from. Without a `scope`, their actors over the seven days
    /// before the first alert become the scope.
    #[serde(default)]
    pub alert_ids: Vec<Uuid>,
    /// Whose actions, when.
    #[serde(default)]
    pub scope: Option<IncidentScope>,
    /// What happened (art. 33(3)(a)).
    #[serde(default)]
    pub nature: Option<String>,
    /// Likely consequences (art. 33(3)(c)).
    #[serde(default)]
    pub consequences: Option<String>,
    /// Measures taken or proposed (art. 33(3)(d)).
    #[serde(default)]
    pub measures: Option<String>,
    /// Contact point: the data-protection officer or who answers questions (art. 33(3)(b)).
    #[serde(default)]
    pub contact: Option<String>,
    /// The risk assessment.
    #[serde(default)]
    pub risk: Option<IncidentRisk>,
}

/// Body of `PATCH /v1/incidents/{id}`: only what is given changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// What happened.
    #[serde(default)]
    pub nature: Option<String>,
    /// Likely consequences.
    #[serde(default)]
    pub consequences: Option<String>,
    /// Measures.
    #[serde(default)]
    pub measures: Option<String>,
    /// Contact point.
    #[serde(default)]
    pub contact: Option<String>,
    /// Risk.
    #[serde(default)]
    pub risk: Option<IncidentRisk>,
    /// A corrected scope.
    #[serde(default)]
    pub scope: Option<IncidentScope>,
    /// When the supervisory authority was notified. Later than the deadline only with a
    /// recorded delay reason (art. 33(1)).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub authority_notified_at: Option<OffsetDateTime>,
    /// When the people concerned were told (art. 34).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub customers_notified_at: Option<OffsetDateTime>,
    /// `true` closes the incident (it stays in the register).
    #[serde(default)]
    pub closed: Option<bool>,
}

/// Body of `POST /v1/incidents/{id}/updates`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncidentUpdate {
    /// `follow_up` (new facts, measures, phased information under art. 33(4)) or
    /// `delay_reason` (why notification comes after 72 hours).
    #[schema(pattern = "^(follow_up|delay_reason)$")]
    pub kind: String,
    /// The text.
    pub text: String,
}

/// An entry in an incident's log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IncidentUpdate {
    /// Its id.
    pub id: Uuid,
    /// `follow_up` or `delay_reason`.
    pub kind: String,
    /// The text.
    pub text: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who wrote it.
    pub by: Uuid,
}

/// What the audit trail says the scope touched.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AffectedSummary {
    /// Distinct customers touched.
    pub customers: u64,
    /// Of whom erased since (they cannot be told).
    pub erased: u64,
    /// Accesses (audit events) in the scope that touched customers.
    pub accesses: u64,
    /// The field categories touched.
    pub categories: Vec<Category>,
    /// Whether health data (art. 9) is among them.
    pub special_categories: bool,
}

/// One affected customer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AffectedCustomer {
    /// The customer's id.
    pub id: Uuid,
    /// Categories touched.
    pub categories: Vec<Category>,
    /// Accesses.
    pub accesses: u64,
    /// First access in the scope.
    #[serde(with = "time::serde::rfc3339")]
    pub first_access: OffsetDateTime,
    /// Last access in the scope.
    #[serde(with = "time::serde::rfc3339")]
    pub last_access: OffsetDateTime,
    /// Erased since.
    pub erased: bool,
}

/// The full affected set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AffectedSet {
    /// The totals.
    pub summary: AffectedSummary,
    /// Each customer, by id.
    pub customers: Vec<AffectedCustomer>,
}

/// An incident.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Incident {
    /// Its id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// `open`, `notified` or `closed`.
    pub status: String,
    /// The risk assessment.
    pub risk: IncidentRisk,
    /// When the business became aware.
    #[serde(with = "time::serde::rfc3339")]
    pub aware_at: OffsetDateTime,
    /// `aware_at` + 72 hours.
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
    /// Seconds until the deadline (negative once past); `null` once notified or when no
    /// notification is needed.
    pub seconds_left: Option<i64>,
    /// Past the deadline without notifying the authority although it is needed.
    pub overdue: bool,
    /// Whether the authority must be notified (risk not assessed as unlikely).
    pub authority_notification_required: bool,
    /// Whether the people concerned must be told (high risk).
    pub customer_notice_required: bool,
    /// What happened.
    pub nature: Option<String>,
    /// Likely consequences.
    pub consequences: Option<String>,
    /// Measures.
    pub measures: Option<String>,
    /// Contact point.
    pub contact: Option<String>,
    /// The scope.
    pub scope: Option<IncidentScope>,
    /// Alerts it grew from.
    pub alert_ids: Vec<Uuid>,
    /// What the scope touched, from the audit trail.
    pub affected: Option<AffectedSummary>,
    /// When the authority was notified.
    #[serde(with = "time::serde::rfc3339::option")]
    pub authority_notified_at: Option<OffsetDateTime>,
    /// When the people concerned were told.
    #[serde(with = "time::serde::rfc3339::option")]
    pub customers_notified_at: Option<OffsetDateTime>,
    /// When closed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// Follow-ups and delay reasons, oldest first.
    pub updates: Vec<IncidentUpdate>,
    /// Opened by.
    pub created_by: Uuid,
    /// Opened.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A drafted notification.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IncidentDraft {
    /// `authority` (art. 33) or `customers` (art. 34).
    pub audience: String,
    /// `en`, `de` or `pl`.
    pub lang: String,
    /// A subject line.
    pub subject: String,
    /// The text, to review and complete before sending.
    pub text: String,
}
