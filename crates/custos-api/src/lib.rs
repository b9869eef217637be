//! Wire types of the custos HTTP API and the stable error-code table. No I/O: shared by the
//! server, the client crate and the tests.

pub mod catalog;
pub mod compliance;
pub mod consent;
pub mod error;
pub mod incident;
pub mod request;
pub mod retention;

pub use error::{ErrorCode, Problem};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A customer as the caller's role may see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    /// The customer's id (UUIDv7).
    pub id: Uuid,
    /// The customer number, unique per business, e.g. `C-000042`.
    pub number: String,
    /// Field values the caller may see, by catalog field name. Masked fields hold the mask.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Names of fields in `fields` whose values are masked for this caller.
    pub masked: Vec<String>,
    /// The version, incremented by every update; send it back in `If-Match`.
    pub version: u64,
    /// When the customer was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the customer was last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Processing is restricted (art. 18): stored, shown to the owner, changed by nobody.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
}

/// Body of `POST /v1/customers`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    /// Field values by catalog field name.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// Body of `PATCH /v1/customers/{id}`: a value sets a field, `null` removes it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    /// Field values by catalog field name; `null` removes the field.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A page of a cursor-paginated list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Result of `GET /v1/customers/search`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    /// Matching customers, best first, at most `limit`.
    pub items: Vec<Customer>,
}

/// A timeline record (visit, purchase, appointment, eye exam, …).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Record {
    /// The record's id.
    pub id: Uuid,
    /// The customer it belongs to.
    pub customer_id: Uuid,
    /// The record type, as declared in the catalog.
    #[serde(rename = "type")]
    pub type_: String,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// Field values by the record type's field names.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Names of fields whose values are masked for this caller.
    pub masked: Vec<String>,
    /// When it was written.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Body of `POST /v1/customers/{id}/records`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecord {
    /// The record type, as declared in the catalog.
    #[serde(rename = "type")]
    pub type_: String,
    /// When it happened (RFC 3339); defaults to now.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub occurred_at: Option<OffsetDateTime>,
    /// Field values by the record type's field names.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// Body of `POST /v1/auth/token`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The staff username.
    pub username: String,
    /// The password.
    pub password: String,
    /// The business (tenant slug); may be left out when the server hosts one business.
    #[serde(default)]
    pub tenant: Option<String>,
    /// A TOTP code, for accounts with MFA.
    #[serde(default)]
    pub totp_code: Option<String>,
    /// A single-use recovery code, instead of a TOTP code.
    #[serde(default)]
    pub recovery_code: Option<String>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

/// Answer of `POST /v1/auth/token`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The bearer token. Shown once; the server keeps only its hash.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// When the token stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Answer of `GET /v1/auth/whoami`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    /// The kind of principal: `user`, `device` or `token`.
    pub kind: String,
    /// The user, device or token id.
    pub id: Uuid,
    /// The username or device/token name.
    pub name: String,
    /// The role.
    pub role: String,
    /// The tenant (business) id.
    pub tenant_id: Uuid,
    /// The tenant slug.
    pub tenant: String,
    /// The user must choose a new password before anything else.
    pub must_change_password: bool,
    /// The business requires MFA and the user must set it up before anything else.
    pub mfa_enrolment_required: bool,
    /// The role comes from an active break-glass grant.
    pub break_glass: bool,
}

/// Answer of `POST /v1/auth/mfa/enrol`: shown once.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct MfaEnrolment {
    /// The secret in base32, to type into an authenticator app by hand.
    pub secret: String,
    /// The `otpauth://` URI the app scans.
    pub otpauth_uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

/// Body of `POST /v1/auth/mfa/confirm` and `/disable`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaCode {
    /// The 6-digit code the app shows now.
    pub code: String,
}

/// Answer of `POST /v1/auth/mfa/confirm`: the recovery codes, shown once.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes; keep them somewhere safe.
    pub recovery_codes: Vec<String>,
}

/// The business's security settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TenantSettings {
    /// Its id.
    pub id: Uuid,
    /// Its short name.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// The template it started from.
    pub template: String,
    /// Every staff account must use MFA.
    pub require_mfa: bool,
    /// The IANA time zone the business hours are in, e.g. `Europe/Warsaw`.
    pub time_zone: String,
    /// Opening hours per weekday; access to customer data outside them raises an alert.
    pub business_hours: BusinessHours,
    /// Where alerts are mailed (shown to those who may change the settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_email: Option<String>,
    /// Where alerts are posted as signed JSON (shown to those who may change the settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_webhook_url: Option<String>,
    /// The HMAC-SHA-256 key of the alert webhook's `Custos-Signature` header: answered once,
    /// when a webhook URL is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_webhook_secret: Option<String>,
    /// Customers may erase themselves at once in the privacy portal (otherwise their request
    /// reaches staff as a data request).
    #[serde(default)]
    pub self_service_erasure: bool,
}

/// Opening hours: per weekday `"HH:MM-HH:MM"` (local time, `24:00` allowed as an end), or
/// `null` for a closed day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// Monday.
    pub mon: Option<String>,
    /// Tuesday.
    pub tue: Option<String>,
    /// Wednesday.
    pub wed: Option<String>,
    /// Thursday.
    pub thu: Option<String>,
    /// Friday.
    pub fri: Option<String>,
    /// Saturday.
    pub sat: Option<String>,
    /// Sunday.
    pub sun: Option<String>,
}

impl BusinessHours {
    /// The days from Monday to Sunday.
    pub fn days(&self) -> [&Option<String>; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }

    /// The same hours every day.
    pub fn every_day(hours: &str) -> Self {
        let h = Some(hours.to_owned());
        BusinessHours {
            mon: h.clone(),
            tue: h.clone(),
            wed: h.clone(),
            thu: h.clone(),
            fri: h.clone(),
            sat: h.clone(),
            sun: h,
        }
    }
}

/// Body of `PATCH /v1/tenant`: only the settings given change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    /// Require MFA of every staff account.
    #[serde(default)]
    pub require_mfa: Option<bool>,
    /// An IANA time zone name.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Opening hours (all seven days are replaced).
    #[serde(default)]
    pub business_hours: Option<BusinessHours>,
    /// Where to mail alerts; `null` stops it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub alert_email: Option<Option<String>>,
    /// An `https://` URL (or `http://` on a loopback address) to post alerts to; `null` stops
    /// it. Setting it answers a new signing secret once.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub alert_webhook_url: Option<Option<String>>,
    /// Let customers erase themselves at once in the privacy portal.
    #[serde(default)]
    pub self_service_erasure: Option<bool>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Answer of `/healthz` and `/readyz`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`, or what is wrong.
    pub status: String,
    /// The running version.
    pub version: String,
    /// On `/readyz`: the background jobs this instance runs now (each runs on one instance at a
    /// time; another takes over when it stops).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<Vec<String>>,
}

/// A staff user on the wire (never the password hash).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// The user's id.
    pub id: Uuid,
    /// The username, unique per business.
    pub username: String,
    /// The role.
    pub role: String,
    /// A disabled user cannot log in; its tokens stop working.
    pub disabled: bool,
    /// The user must choose a new password before anything else.
    pub must_change_password: bool,
    /// When the account was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Body of `PATCH /v1/users/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// A new role.
    #[serde(default)]
    pub role: Option<String>,
    /// Disable (true) or enable (false).
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// Body of `POST /v1/users/{id}/reset-password`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The new password; the user must change it at the next login.
    pub password: String,
}

/// Body of `POST /v1/auth/password`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

macro_rules! secret_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), " { … }"))
            }
        }
    )*};
}
secret_debug!(
    PasswordReset,
    PasswordChange,
    CreatedToken,
    MfaEnrolment,
    RecoveryCodes
);

/// Body of `POST /v1/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. the integration's name.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
    /// The role it acts with (at most the creator's own; default: the creator's).
    #[serde(default)]
    pub role: Option<String>,
    /// Days until it expires (1 to 3650; default: never).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<u32>,
}

/// An API token as listed (never its text).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// The role it acts with.
    pub role: String,
    /// The user who made it.
    pub user_id: Uuid,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Revoked tokens never work again.
    pub revoked: bool,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Answer of `POST /v1/tokens`: the token's text, shown this once.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    /// The bearer token. Only its hash is kept.
    pub token: String,
    /// The token as it will be listed.
    #[serde(flatten)]
    pub info: ApiToken,
}

/// Body of `POST /v1/customers/{id}/reveal`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// The masked fields to show in full.
    pub fields: Vec<String>,
    /// Why (recorded in the audit trail).
    #[schema(min_length = 3, max_length = 500)]
    pub reason: String,
}

/// Answer of `POST /v1/customers/{id}/reveal`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Revealed {
    /// The customer.
    pub id: Uuid,
    /// The revealed values (fields the customer does not have are left out).
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// Body of `POST /v1/users`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// The username (1 to 64 characters, no spaces).
    pub username: String,
    /// The password (at least 15 characters).
    pub password: String,
    /// The role: owner, manager, staff, clinician, marketing, auditor or device.
    pub role: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Answer of `POST /v1/auth/session`; the session itself is in the `__Host-custos_session`
/// cookie (Secure, HttpOnly, SameSite=Strict).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionResponse {
    /// Send as `X-CSRF-Token` with every state-changing request made with the cookie.
    pub csrf_token: String,
    /// When the session ends at the latest (it ends earlier after 30 minutes without use).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// One of the caller's sessions or login tokens.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    /// Its id.
    pub id: Uuid,
    /// `session` (web) or `login` (bearer).
    pub kind: String,
    /// When it began.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last use, for sessions.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_seen_at: Option<OffsetDateTime>,
    /// When it ends at the latest.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Whether this request came with it.
    pub current: bool,
}

/// Body of `POST /v1/devices`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// A name unique in the business, e.g. "Till 1".
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
}

/// A registered device.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Device {
    /// Its id (the actor id of everything it does in the audit trail).
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When it was registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was paired, if it was.
    #[serde(with = "time::serde::rfc3339::option")]
    pub paired_at: Option<OffsetDateTime>,
    /// Until when its pairing code works, while unpaired.
    #[serde(with = "time::serde::rfc3339::option")]
    pub pairing_expires_at: Option<OffsetDateTime>,
    /// A revoked device's token never works again.
    pub revoked: bool,
}

/// Answer of `POST /v1/devices`: the one-time pairing code, shown once.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisteredDevice {
    /// Type this code into the device within 15 minutes.
    pub pairing_code: String,
    /// The device.
    #[serde(flatten)]
    pub device: Device,
}

/// Body of `POST /v1/devices/pair`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    /// The pairing code.
    pub code: String,
}

/// Answer of `POST /v1/devices/pair`: the device's token, shown once.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct PairResponse {
    /// The device's bearer token (role `device`); keep it in the device's secure storage.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// The device.
    pub device: Device,
}

secret_debug!(SessionResponse, RegisteredDevice, PairRequest, PairResponse);

/// A role: what it may do and how it sees each field category.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoleInfo {
    /// Its name.
    pub name: String,
    /// Built in (fixed), or defined by the business.
    pub builtin: bool,
    /// The actions it may perform, e.g. `customer.read`.
    pub actions: Vec<String>,
    /// Its access per category: `full` or `masked` (a category not listed: none).
    pub categories: BTreeMap<String, String>,
}

/// Body of `POST /v1/roles`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// A name of a–z, 0–9 and '_', not a built-in role's.
    #[schema(pattern = "^[a-z0-9_]{1,40}$")]
    pub name: String,
    /// The actions, e.g. `customer.search`, `customer.read`.
    pub actions: Vec<String>,
    /// Access per category: `full`, `masked` or `none`. Health data only when named here.
    #[serde(default)]
    pub categories: BTreeMap<String, String>,
}

/// Body of `POST /v1/break-glass`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    /// The user to lift.
    pub user_id: Uuid,
    /// The role they act with meanwhile.
    pub role: String,
    /// For how long, 1 to 480 minutes.
    #[schema(minimum = 1, maximum = 480)]
    pub minutes: u32,
    /// Why (recorded in the audit trail and the alert).
    #[schema(min_length = 3, max_length = 500)]
    pub reason: String,
}

/// A break-glass grant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Grant {
    /// Its id.
    pub id: Uuid,
    /// The lifted user.
    pub user_id: Uuid,
    /// The role they act with.
    pub role: String,
    /// Why.
    pub reason: String,
    /// Who granted it.
    pub granted_by: Uuid,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it ends by itself.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// An alert.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    /// Its id.
    pub id: Uuid,
    /// What kind, e.g. `break_glass`.
    pub kind: String,
    /// `info`, `warning`, `high` or `critical`.
    pub severity: String,
    /// What happened.
    pub message: String,
    /// Evidence: ids of users, grants, audit events.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    /// When it was raised.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was acknowledged.
    #[serde(with = "time::serde::rfc3339::option")]
    pub acknowledged_at: Option<OffsetDateTime>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<Uuid>,
}

/// Everything custos holds about a customer, for an access or portability request
/// (GDPR art. 15 and 20).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustomerExport {
    /// `custos-export/1`.
    pub format: String,
    /// The language of the texts in `information` (`en`, `de`, `pl`).
    #[serde(default = "english")]
    pub lang: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    /// The business (the controller).
    pub business: String,
    /// The profile, unmasked.
    pub customer: Customer,
    /// Every timeline record, oldest first.
    pub records: Vec<Record>,
    /// Every consent event and the current state of each.
    pub consents: consent::Consents,
    /// What GDPR art. 15(1) says the customer is told with their data.
    pub information: ExportInformation,
    /// Categories the exporting role may not export in full (ask an owner for a complete
    /// export).
    pub omitted_categories: Vec<catalog::Category>,
}

/// The information of GDPR art. 15(1) that goes with an export.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExportInformation {
    /// The controller: the business.
    pub controller: String,
    /// (a) The purposes, each with its lawful basis and the categories it uses.
    pub purposes: Vec<ExportPurpose>,
    /// (b) The categories of personal data held about the customer.
    pub categories: Vec<catalog::Category>,
    /// (c) Recipients.
    pub recipients: String,
    /// (d) How long the data is kept, in words.
    pub retention: String,
    /// (d) The business's retention rules behind it.
    #[serde(default)]
    pub retention_rules: Vec<retention::RetentionRule>,
    /// (e) The customer's rights.
    pub rights: Vec<String>,
    /// (f) The right to complain to a supervisory authority.
    pub complaint: String,
    /// (g) Where the data came from.
    pub source: String,
    /// (h) Automated decisions and profiling.
    pub automated_decisions: String,
}

fn english() -> String {
    "en".into()
}

/// The JSON Schema an export (`format=json`) follows.
pub const EXPORT_SCHEMA: &str = include_str!("../schemas/customer-export.schema.json");

/// Body of `POST /v1/customers/import`'s answer: the customer created and what was left out.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    /// The customer as created in this business.
    pub customer: Customer,
    /// Fields this business does not declare (not stored), or whose value it does not accept.
    pub fields_dropped: Vec<String>,
    /// Records imported.
    pub records_imported: u32,
    /// Records left out, with why (e.g. `eye_exam: record type not declared`).
    pub records_dropped: Vec<String>,
    /// Consent events imported (with method `import`).
    pub consents_imported: u32,
    /// Consent events left out (purposes or channels this business does not declare).
    pub consents_dropped: u32,
}

/// The event types a webhook subscribes to.
pub const WEBHOOK_EVENTS: [&str; 5] = [
    "customer.created",
    "customer.updated",
    "customer.erased",
    "consent.changed",
    "data_request.opened",
];

/// Body of `POST /v1/webhooks`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to POST: `https://…` (`http://` only to a loopback address).
    pub url: String,
    /// The event types: `customer.created`, `customer.updated`, `customer.erased`,
    /// `consent.changed`, `data_request.opened`.
    pub events: Vec<String>,
    /// What it is for, e.g. `booking app`.
    #[serde(default)]
    pub description: Option<String>,
}

/// A webhook subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    /// Id.
    pub id: Uuid,
    /// Where events go.
    pub url: String,
    /// The event types subscribed to.
    pub events: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
    /// Created; events before it are not sent.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The signing secret: answered once, when the subscription is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The body of a webhook: ids and the event type, never a customer's value. Signed in
/// `Custos-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256 of "<t>.<body>">` under the
/// subscription's secret; `Custos-Event` names the type, `Custos-Delivery` the delivery (the same
/// on every retry).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// The delivery's id (as in `Custos-Delivery`): a receiver that has seen it may ignore it.
    pub id: Uuid,
    /// `customer.created`, `customer.updated`, `customer.erased`, `consent.changed`,
    /// `data_request.opened`.
    #[serde(rename = "type")]
    pub type_: String,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The business (its short name).
    pub business: String,
    /// The customer.
    pub customer_id: Uuid,
    /// For `data_request.opened`: the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_request_id: Option<Uuid>,
}

/// The answer of a file import (`POST /v1/imports`, `custos import`): what happened, or with
/// `dry_run` what would happen, to each row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileImportReport {
    /// `shopify`, `fresha`, `square` or `csv`.
    pub source: String,
    /// The layout told by the header line, e.g. `shopify-2024`, `square`, `csv`.
    pub layout: String,
    /// Nothing was written.
    pub dry_run: bool,
    /// Data rows read (empty rows not counted).
    pub rows: u64,
    /// New customers.
    pub imported: u64,
    /// Customers already here whose fields the file changed (only with `update`).
    pub updated: u64,
    /// Rows matching a customer already here (by e-mail, phone or the other system's id),
    /// left as they were: a re-run, or a resumed import.
    pub skipped: u64,
    /// Consent events recorded (method `import`).
    pub consents_recorded: u64,
    /// Rows refused, with their line in the file and why; nothing of them is stored.
    pub refused: Vec<RowProblem>,
    /// Rows repeating an earlier row of the same file (same e-mail, phone or id); not imported.
    pub duplicates: Vec<DuplicateRow>,
    /// Columns with values that were not stored: not declared in the catalog, or without a
    /// purpose to hold them (data minimisation).
    pub columns_dropped: Vec<DroppedColumn>,
}

/// A refused row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RowProblem {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// Why, e.g. `email: is not a valid e-mail address`.
    pub reason: String,
}

/// A row repeating an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DuplicateRow {
    /// Its line.
    pub line: u64,
    /// The earlier row's line.
    pub same_as_line: u64,
    /// What they share: `email`, `phone` or `external_id`.
    pub on: String,
}

/// A column whose values were dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DroppedColumn {
    /// The column's name in the file.
    pub column: String,
    /// Why, e.g. `not declared in the catalog`.
    pub reason: String,
    /// How many rows of the file had a value in it (imported or not).
    pub values: u64,
}

/// A purpose as told to the customer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExportPurpose {
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Lawful basis.
    pub lawful_basis: catalog::LawfulBasis,
    /// Categories of data it uses.
    pub categories: Vec<catalog::Category>,
}

/// One attempt log of a pushed message (an alert's e-mail or webhook).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// Its id (also sent as `Custos-Delivery` with webhooks).
    pub id: Uuid,
    /// `email` or `webhook`.
    pub channel: String,
    /// For a webhook of a subscription: the event type, e.g. `customer.erased`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// For a webhook of a subscription: the customer it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
    /// `pending`, `delivered` or `failed` (given up after 12 attempts).
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// The next attempt, while pending.
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
    /// Delivered or given up.
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One audit event: ids, roles and categories, never a customer's value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Its position in the chain.
    pub seq: u64,
    /// Its id.
    pub id: Uuid,
    /// When, in UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `user`, `device`, `token`, `system` or `anonymous`.
    pub actor_kind: String,
    /// The actor's id.
    pub actor_id: Option<Uuid>,
    /// The actor's role.
    pub actor_role: Option<String>,
    /// What was done, e.g. `customer.read`.
    pub action: String,
    /// The customers touched.
    pub customer_ids: Vec<Uuid>,
    /// The field categories touched.
    pub categories: Vec<String>,
    /// Another object touched, e.g. `user:<id>`.
    pub target: Option<String>,
    /// Purpose or reason, where given.
    pub reason: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
    /// The request id.
    pub request_id: Option<String>,
    /// The client address.
    pub client_addr: Option<String>,
}
