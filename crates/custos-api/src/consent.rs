//! Consents on the wire (`/v1/customers/{id}/consents`): an append-only history of events per
//! purpose and channel, and the state they add up to.

use crate::catalog::Channel;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// The state of a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    /// Given (and confirmed, where a confirmation is needed).
    Given,
    /// Asked for by e-mail; the customer has not followed the confirmation link yet.
    PendingConfirmation,
    /// Withdrawn (or never confirmed before the link expired, or objected to).
    Withdrawn,
    /// Given, but the purpose's period without interaction has passed: it no longer counts.
    Lapsed,
}

impl ConsentState {
    /// The name on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentState::Given => "given",
            ConsentState::PendingConfirmation => "pending_confirmation",
            ConsentState::Withdrawn => "withdrawn",
            ConsentState::Lapsed => "lapsed",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Given,
            Self::PendingConfirmation,
            Self::Withdrawn,
            Self::Lapsed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Body of `POST /v1/customers/{id}/consents`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsent {
    /// A declared purpose resting on consent, e.g. `newsletter`.
    pub purpose: String,
    /// One of the purpose's channels (absent for a purpose without channels, e.g. health
    /// records).
    #[serde(default)]
    pub channel: Option<Channel>,
    /// `given` or `withdrawn`. Giving e-mail consent starts a double opt-in: the answer says
    /// `pending_confirmation` until the customer follows the mailed link.
    pub state: ConsentState,
    /// How it was collected: `in_store`, `web_form`, `phone`, `paper`, `import`.
    pub method: String,
    /// The version of the consent text shown (default: the current one).
    #[serde(default)]
    pub text_version: Option<u32>,
    /// The language of the text shown (`en`, `de`, `pl`; default: the business's).
    #[serde(default)]
    pub lang: Option<String>,
    /// Where it came from, for imports: the file name.
    #[serde(default)]
    pub source: Option<String>,
    /// The version of the privacy notice the customer was shown (default: the one in force,
    /// `Custos-Notice-Version` of `/v1/compliance/privacy-notice`).
    #[serde(default)]
    pub notice_version: Option<u32>,
}

/// One consent event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsentEvent {
    /// Its id.
    pub id: Uuid,
    /// The purpose.
    pub purpose: String,
    /// The channel.
    pub channel: Option<Channel>,
    /// The state it set.
    pub state: ConsentState,
    /// How: `in_store`, `web_form`, `phone`, `paper`, `import`, `double_opt_in` (the
    /// confirmation link), `unsubscribe_link`, `expired` (an unconfirmed request lapsed).
    pub method: String,
    /// The consent text's version and language shown.
    pub text_version: Option<u32>,
    /// Language.
    pub lang: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `user`, `device`, `token`, or `customer` (the customer's own click).
    pub recorded_by_kind: String,
    /// The user, device or token id.
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub recorded_by: Option<Uuid>,
    /// The version of the privacy notice in force (or shown) when it was recorded.
    #[serde(default)]
    pub notice_version: Option<u32>,
    /// Evidence: the client address's keyed hash, the confirmation time, the source file.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
}

/// The current state of one purpose and channel.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsentStatus {
    /// The purpose.
    pub purpose: String,
    /// The channel.
    pub channel: Option<Channel>,
    /// The state.
    pub state: ConsentState,
    /// Since when.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// The event that set it.
    pub event_id: Uuid,
    /// The text version agreed to.
    pub text_version: Option<u32>,
}

/// A customer's consents: the current state and the whole history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Consents {
    /// The customer.
    pub customer_id: Uuid,
    /// Per purpose and channel, the latest state.
    pub current: Vec<ConsentStatus>,
    /// Every event, oldest first.
    pub history: Vec<ConsentEvent>,
}

/// The purpose name under which an objection to direct marketing (art. 21(2)) is recorded; no
/// catalog purpose may use it.
pub const OBJECTION: &str = "direct_marketing";

/// Body of `POST /v1/customers/{id}/objection`: the customer objects to direct marketing
/// (art. 21(2)); every marketing purpose stops at once, whatever was consented before.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewObjection {
    /// How it reached the business: `in_store`, `web_form`, `phone`, `paper`, `email`.
    pub method: String,
}

/// Body of `PUT /v1/customers/{id}/restriction` (art. 18).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRestriction {
    /// The ground of art. 18(1): `accuracy_contested`, `unlawful_processing`, `legal_claims` or
    /// `objection_pending`.
    pub reason: String,
}

/// A customer's restriction of processing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Restriction {
    /// The customer.
    pub customer_id: Uuid,
    /// Why.
    pub reason: String,
    /// Since.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// How consents to a purpose stand, per channel: what counts, what lapsed and when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsentReport {
    /// The purpose.
    pub purpose: String,
    /// Per channel.
    pub channels: Vec<ChannelReport>,
}

/// One channel of a consent report (customers who ever gave consent on it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChannelReport {
    /// The channel.
    pub channel: Channel,
    /// Consent counts now.
    pub given: u64,
    /// Waiting for the confirmation link.
    pub pending_confirmation: u64,
    /// Withdrawn, objected to, or never confirmed.
    pub withdrawn: u64,
    /// Lapsed for want of dealings.
    pub lapsed: u64,
    /// The customers whose consent lapsed, and when: ask them again.
    pub lapsed_customers: Vec<LapsedConsent>,
}

/// A lapsed consent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LapsedConsent {
    /// The customer.
    pub customer_id: Uuid,
    /// When it lapsed.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// Body of `PUT /v1/customers/{id}/legal-hold`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLegalHold {
    /// Why the data must be kept (e.g. a pending claim); sealed.
    pub reason: String,
}

/// A legal hold: the customer's data is kept, erasure and retention deletion wait.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LegalHold {
    /// The customer.
    pub customer_id: Uuid,
    /// Why.
    pub reason: String,
    /// Since.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// Who placed it.
    pub placed_by: Uuid,
}
