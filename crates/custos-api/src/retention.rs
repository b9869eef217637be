//! Retention on the wire: the rules that say how long each kind of data is kept (per record
//! type, per field category, and for inactive customers), what happens when the time is up
//! (deletion, or anonymisation that keeps only non-personal aggregates), and the report of a
//! sweep that applied them.

use crate::catalog::Category;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionTarget {
    /// Timeline records of this type, counted from when each happened (`occurred_at`).
    RecordType(String),
    /// The profile fields of this category, counted from the customer's last interaction
    /// (creation or the newest timeline record).
    Category(Category),
    /// Whole customers, counted from their last interaction.
    InactiveCustomers,
}

/// What happens to data whose time is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionAction {
    /// Deleted (a customer is erased by crypto-shredding, with its tombstone).
    Delete,
    /// Deleted, after adding its numbers to per-month aggregates that name nobody (records
    /// and inactive customers only).
    Anonymise,
}

impl RetentionAction {
    /// The name on the wire and in audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionAction::Delete => "delete",
            RetentionAction::Anonymise => "anonymise",
        }
    }
}

/// One retention rule of a business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// A unique name, `snake_case` (named in every audit event the rule causes).
    #[schema(pattern = "^[a-z0-9_]{1,64}$")]
    pub name: String,
    /// What it applies to: `{"record_type": "purchase"}`, `{"category": "preference"}` or
    /// `"inactive_customers"`.
    pub applies_to: RetentionTarget,
    /// How many days the data is kept (1 to 36,500).
    #[schema(minimum = 1, maximum = 36500)]
    pub keep_days: u32,
    /// Delete or anonymise.
    pub action: RetentionAction,
    /// The law or reason the period comes from, as text (e.g. "§ 147 AO: 10 years").
    pub legal_reference: String,
}

/// Body and answer of `/v1/retention/rules`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionRules {
    /// Every rule of the business (a `PUT` replaces them all).
    pub rules: Vec<RetentionRule>,
}

/// What one rule did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RuleOutcome {
    /// The rule's name.
    pub rule: String,
    /// `delete` or `anonymise`.
    pub action: String,
    /// Items whose time was up.
    pub due: u64,
    /// Items deleted (records, customers, or customers whose category was removed).
    pub deleted: u64,
    /// Of those, items whose numbers went into the aggregates first.
    pub anonymised: u64,
    /// Items kept because a legal hold applies to their customer.
    pub held: u64,
    /// Inactive customers kept because some of their records must still be kept under
    /// another rule (e.g. purchases under tax law).
    pub retained: u64,
}

/// The report of a retention sweep.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RetentionReport {
    /// The sweep's id.
    pub run_id: Uuid,
    /// Nothing was changed: the counts say what would be.
    pub dry_run: bool,
    /// Started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// Ended.
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    /// Every rule was applied to the end (false: the sweep stopped early; the next one
    /// carries on where it stopped).
    pub complete: bool,
    /// An earlier sweep had stopped before its end (a crash or a stop); this one finished its
    /// work.
    pub resumed: Option<Uuid>,
    /// Batches of bounded size the work was done in.
    pub batches: u32,
    /// Per rule.
    pub rules: Vec<RuleOutcome>,
}

/// Numbers kept from anonymised records: per record type, month and the values of the
/// type's enumerated fields (e.g. the currency); no customer, no text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Aggregate {
    /// The record type.
    pub record_type: String,
    /// `YYYY-MM` of when the records happened.
    pub month: String,
    /// The enumerated fields' values, e.g. `{"currency": "EUR"}`.
    #[schema(value_type = Object)]
    pub group: serde_json::Map<String, serde_json::Value>,
    /// How many records.
    pub count: u64,
    /// Sums of the numeric fields, e.g. `{"amount": 1234.5}`.
    #[schema(value_type = Object)]
    pub sums: serde_json::Map<String, serde_json::Value>,
}
