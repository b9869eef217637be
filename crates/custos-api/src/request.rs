//! Data-subject requests on the wire (`/v1/data-requests`, GDPR arts. 12–21).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// What the customer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Art. 15.
    Access,
    /// Art. 20.
    Portability,
    /// Art. 16.
    Rectification,
    /// Art. 17.
    Erasure,
    /// Art. 18.
    Restriction,
    /// Art. 21.
    Objection,
}

impl RequestKind {
    /// The name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Portability => "portability",
            RequestKind::Rectification => "rectification",
            RequestKind::Erasure => "erasure",
            RequestKind::Restriction => "restriction",
            RequestKind::Objection => "objection",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Access,
            Self::Portability,
            Self::Rectification,
            Self::Erasure,
            Self::Restriction,
            Self::Objection,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Body of `POST /v1/data-requests`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDataRequest {
    /// The customer.
    pub customer_id: Uuid,
    /// What they ask for.
    pub kind: RequestKind,
    /// When it reached the business (default now); the month runs from here.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub received_at: Option<OffsetDateTime>,
    /// A note (sealed).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub note: Option<String>,
}

/// Body of `PATCH /v1/data-requests/{id}`: only what is given changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataRequestPatch {
    /// `pending`, `verified` or `failed`.
    #[serde(default)]
    pub identity_check: Option<String>,
    /// Extend the deadline by this many more months (art. 12(3): two at most in all), with
    /// `extension_reason`.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 2)]
    pub extend_months: Option<u8>,
    /// Why more time is needed (told to the customer within the first month).
    #[serde(default)]
    pub extension_reason: Option<String>,
    /// `in_progress`, `completed` or `refused`.
    #[serde(default)]
    pub state: Option<String>,
    /// What was done, or why it was refused.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A data request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DataRequest {
    /// Its id.
    pub id: Uuid,
    /// The customer.
    pub customer_id: Uuid,
    /// What they asked for.
    pub kind: RequestKind,
    /// Received.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The deadline: one calendar month after receipt (31 Jan → end of February), plus any
    /// extension.
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    /// Months added (0 to 2).
    pub extended_months: u8,
    /// Why.
    pub extension_reason: Option<String>,
    /// `pending`, `verified`, `failed`.
    pub identity_check: String,
    /// `open`, `in_progress`, `completed`, `refused`.
    pub state: String,
    /// Open and past its deadline.
    pub overdue: bool,
    /// What was done.
    pub outcome: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// Who last handled it.
    pub handled_by: Option<Uuid>,
    /// When it was closed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
}
