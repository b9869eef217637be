//! The `Store` trait that persistence implements (SQLite now, PostgreSQL later), and the rows it
//! moves. Rows hold only ciphertext, wrapped keys, blind indexes and ids: a store never sees a
//! personal value in the clear. Every write takes its audit event, so the store can make them
//! durable together.

use crate::audit::AuditEvent;
use crate::ids::{CustomerId, RecordId, TenantId, TokenId, UserId};
use async_trait::async_trait;
use custos_api::catalog::{Catalog, Category};
use time::OffsetDateTime;

pub use custos_api::retention::Aggregate;

/// Errors a store reports.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to another tenant).
    #[error("not found")]
    NotFound,
    /// A unique value is taken.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The row's version is not the one expected; carries the current version.
    #[error("version mismatch (current {0})")]
    VersionMismatch(u64),
    /// A legal hold stops the erasure.
    #[error("legal hold")]
    Held,
    /// The idempotency key was already used; carries the first use.
    #[error("idempotency key already used")]
    IdempotencyReplay(Box<IdempotencyRow>),
    /// The database cannot be reached or is not writable right now.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else; the message is for the log, never for a client.
    #[error("store error: {0}")]
    Other(String),
}

/// A tenant with its wrapped keys and catalog.
#[derive(Debug, Clone)]
pub struct TenantRow {
    /// Id.
    pub id: TenantId,
    /// Short unique name used at login and in URLs.
    pub slug: String,
    /// The business name.
    pub name: String,
    /// The catalog.
    pub catalog: Catalog,
    /// The tenant key (KEK) wrapped under the master key.
    pub wrapped_kek: Vec<u8>,
    /// The blind-index key wrapped under the master key.
    pub wrapped_index_key: Vec<u8>,
    /// The tenant key's version (bumped by rotation).
    pub kek_version: u32,
    /// Fingerprint of the master key that wrapped the two keys.
    pub master_key_id: String,
    /// Every staff account must use MFA.
    pub require_mfa: bool,
    /// Opening hours and time zone, when the business has set them.
    pub policy: Option<crate::settings::TenantPolicy>,
    /// Where alerts are pushed, sealed under the tenant key.
    pub sealed_contacts: Option<Vec<u8>>,
    /// Created.
    pub created_at: OffsetDateTime,
}

/// A change of a tenant's settings; `None` leaves a setting alone.
#[derive(Debug, Clone, Default)]
pub struct TenantChange {
    /// Require MFA.
    pub require_mfa: Option<bool>,
    /// Hours and zone.
    pub policy: Option<crate::settings::TenantPolicy>,
    /// Sealed alert contacts (`Some(None)` clears them).
    pub sealed_contacts: Option<Option<Vec<u8>>>,
}

/// A staff user.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id.
    pub id: UserId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Username, unique per tenant.
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Role name.
    pub role: String,
    /// Disabled users cannot log in and their tokens stop working.
    pub disabled: bool,
    /// Set by a password reset or a "compromised" mark: the user must choose a new password
    /// before doing anything else.
    pub must_change_password: bool,
    /// The TOTP secret sealed under the tenant key (pending until confirmed).
    pub mfa_secret: Option<Vec<u8>>,
    /// MFA confirmed and on.
    pub mfa_enabled: bool,
    /// Created.
    pub created_at: OffsetDateTime,
}

/// A change to a user; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    /// New role.
    pub role: Option<String>,
    /// Disable or enable.
    pub disabled: Option<bool>,
    /// New password hash.
    pub password_hash: Option<String>,
    /// Set or clear the must-change flag.
    pub must_change_password: Option<bool>,
}

/// Which of a user's tokens a change revokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeTokens {
    /// None.
    None,
    /// Login tokens and web sessions, except possibly the one in use.
    Login {
        /// The token to keep.
        except: Option<TokenId>,
    },
    /// Every token of the user: logins, sessions and API tokens (not the devices it registered,
    /// which are revoked on their own).
    All,
}

/// What a bearer token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Issued at login for a user.
    Login,
    /// A named API token for an integration, acting with a role.
    Api,
    /// A paired POS or booking device (role `device`).
    Device,
    /// A web UI session (cookie), with an idle timeout.
    Session,
}

impl TokenKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Login => "login",
            TokenKind::Api => "api",
            TokenKind::Device => "device",
            TokenKind::Session => "session",
        }
    }
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "login" => Some(TokenKind::Login),
            "api" => Some(TokenKind::Api),
            "device" => Some(TokenKind::Device),
            "session" => Some(TokenKind::Session),
            _ => None,
        }
    }
}

/// A bearer token (stored only as its hash).
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Id.
    pub id: TokenId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The user it belongs to.
    pub user_id: UserId,
    /// A name (for API tokens) or `login`.
    pub name: String,
    /// Login or API.
    pub kind: TokenKind,
    /// The role it acts with.
    pub role: String,
    /// SHA-256 of the token text.
    pub hash: [u8; 32],
    /// When it stops working.
    pub expires_at: Option<OffsetDateTime>,
    /// Revoked tokens never work again.
    pub revoked: bool,
    /// Created.
    pub created_at: OffsetDateTime,
    /// The device, for device tokens.
    pub device_id: Option<crate::ids::DeviceId>,
    /// Last use (sessions: for the idle timeout; updated at most once a minute).
    pub last_seen_at: Option<OffsetDateTime>,
}

/// A custom role of a tenant: its definition is JSON,
/// `{"actions": ["customer.read", …], "categories": {"identity": "full", …}}`.
#[derive(Debug, Clone)]
pub struct RoleRow {
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name, unique per tenant, never a built-in role's name.
    pub name: String,
    /// The definition.
    pub definition: String,
    /// Created.
    pub created_at: OffsetDateTime,
}

/// An alert raised for the business (severity `info`, `warning`, `high` or `critical`).
#[derive(Debug, Clone)]
pub struct AlertRow {
    /// Id.
    pub id: crate::ids::AlertId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// What kind, e.g. `break_glass`.
    pub kind: String,
    /// Severity.
    pub severity: String,
    /// What happened, for a person (ids, never a customer's value).
    pub message: String,
    /// Evidence as JSON (ids of users, grants, audit events).
    pub evidence: String,
    /// Raised.
    pub created_at: OffsetDateTime,
    /// Acknowledged, and by whom.
    pub acknowledged: Option<(OffsetDateTime, UserId)>,
    /// Alerts with the same key are raised once (e.g. per rule, subject and hour).
    pub dedup_key: Option<String>,
}

/// A time-limited elevated access for a user.
#[derive(Debug, Clone)]
pub struct GrantRow {
    /// Id.
    pub id: crate::ids::GrantId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Who is elevated.
    pub user_id: UserId,
    /// The role they act with meanwhile.
    pub role: String,
    /// Why.
    pub reason: String,
    /// Who granted it.
    pub granted_by: UserId,
    /// Granted.
    pub created_at: OffsetDateTime,
    /// Ends by itself.
    pub expires_at: OffsetDateTime,
    /// Ended early.
    pub ended: bool,
}

/// A registered POS or booking device.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    /// Id.
    pub id: crate::ids::DeviceId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Its name, unique per tenant (e.g. "Till 1").
    pub name: String,
    /// SHA-256 of the one-time pairing code, until it is used.
    pub pairing_hash: Option<[u8; 32]>,
    /// When the pairing code stops working.
    pub pairing_expires_at: Option<OffsetDateTime>,
    /// Who registered it.
    pub created_by: UserId,
    /// Registered.
    pub created_at: OffsetDateTime,
    /// Paired (its token issued).
    pub paired_at: Option<OffsetDateTime>,
    /// Revoked devices' tokens never work again.
    pub revoked: bool,
}

/// A token with the current state of its user, as looked up on each request.
#[derive(Debug, Clone)]
pub struct TokenLookup {
    /// The token.
    pub token: TokenRow,
    /// The user's name.
    pub username: String,
    /// The user's current role (a role change takes effect at once for login tokens).
    pub user_role: String,
    /// Whether the user is disabled.
    pub user_disabled: bool,
    /// Whether the user must change the password first.
    pub user_must_change: bool,
    /// Whether the user has MFA on.
    pub user_mfa_enabled: bool,
    /// Whether the tenant requires MFA of every account.
    pub tenant_require_mfa: bool,
    /// The role of an active break-glass grant of the user, if any.
    pub break_glass_role: Option<String>,
    /// The tenant's slug.
    pub tenant_slug: String,
}

/// A customer as stored: wrapped data key and sealed category blobs.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    /// Id.
    pub id: CustomerId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The customer number (0 until the store assigns it on insert).
    pub number: i64,
    /// Version of the tenant key that wrapped the data key.
    pub kek_version: u32,
    /// The customer's data key wrapped under the tenant key.
    pub wrapped_dek: Vec<u8>,
    /// The sealed fields, one blob per category (see `vault::SealedFields`).
    pub sealed: Vec<u8>,
    /// Incremented by every update.
    pub version: u64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
    /// Processing is restricted (read from the restrictions; ignored on insert).
    pub restricted: bool,
}

/// What a blind index is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexKind {
    /// Exact e-mail.
    Email,
    /// Exact phone (E.164).
    Phone,
    /// A name-word prefix (3..16 letters).
    NamePrefix,
    /// A whole name word (for ranking exact words first).
    NameWord,
    /// Another system's key for the customer (its customer id in an imported file, or the
    /// row's content when the file has none): what a re-run of an import matches on.
    External,
}

impl IndexKind {
    /// The stored code and HMAC domain.
    pub fn as_str(self) -> &'static str {
        match self {
            IndexKind::Email => "email",
            IndexKind::Phone => "phone",
            IndexKind::NamePrefix => "name_prefix",
            IndexKind::NameWord => "name_word",
            IndexKind::External => "external",
        }
    }
    /// A compact integer code for storage.
    pub fn code(self) -> i64 {
        match self {
            IndexKind::Email => 1,
            IndexKind::Phone => 2,
            IndexKind::NamePrefix => 3,
            IndexKind::NameWord => 4,
            IndexKind::External => 5,
        }
    }
}

/// One blind-index entry of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexEntry {
    /// Kind.
    pub kind: IndexKind,
    /// The HMAC.
    pub hash: [u8; custos_crypto::BLIND_INDEX_LEN],
}

/// A timeline record as stored.
#[derive(Debug, Clone)]
pub struct RecordRow {
    /// Id.
    pub id: RecordId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Customer.
    pub customer_id: CustomerId,
    /// Record type.
    pub type_: String,
    /// The type's category (kept in the clear so policy can filter without decrypting).
    pub category: Category,
    /// When it happened.
    pub occurred_at: OffsetDateTime,
    /// The sealed fields.
    pub sealed: Vec<u8>,
    /// Written.
    pub created_at: OffsetDateTime,
}

/// The first use of an idempotency key: who, which request, and what it created.
#[derive(Debug, Clone)]
pub struct IdempotencyRow {
    /// Tenant.
    pub tenant_id: TenantId,
    /// The principal that used it (keys are per principal).
    pub scope: String,
    /// The key as sent.
    pub key: String,
    /// SHA-256 of method, path and body: a different request under the same key is refused.
    pub fingerprint: [u8; 32],
    /// The resource the first request created.
    pub resource_id: uuid::Uuid,
    /// When.
    pub created_at: OffsetDateTime,
}

/// Persistence of custos. Implementations keep every write and its audit events durable
/// together: once a call returns `Ok`, both survive a crash.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Whether the database answers (readiness).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Creates a tenant and its first user.
    async fn insert_tenant(
        &self,
        tenant: TenantRow,
        owner: UserRow,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError>;
    /// A tenant by id.
    async fn tenant(&self, id: TenantId) -> Result<Option<TenantRow>, StoreError>;
    /// A tenant by slug.
    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<TenantRow>, StoreError>;
    /// Every tenant.
    async fn tenants(&self) -> Result<Vec<TenantRow>, StoreError>;

    /// Adds a user; `Conflict` when the username is taken in the tenant.
    async fn insert_user(&self, user: UserRow, audit: AuditEvent) -> Result<(), StoreError>;
    /// A user by username.
    async fn user_by_name(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> Result<Option<UserRow>, StoreError>;
    /// A user by id.
    async fn user(&self, tenant: TenantId, id: UserId) -> Result<Option<UserRow>, StoreError>;
    /// Every user of a tenant, by username.
    async fn users(&self, tenant: TenantId) -> Result<Vec<UserRow>, StoreError>;
    /// Changes a user and revokes tokens as asked, atomically; refuses to leave the tenant
    /// without an enabled owner (`Conflict("last owner")`).
    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        change: UserChange,
        revoke: RevokeTokens,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError>;

    /// Stores a token (its hash).
    async fn insert_token(&self, token: TokenRow, audit: AuditEvent) -> Result<(), StoreError>;
    /// The token with that hash, with its user's current state (and break-glass grant active at
    /// `now`).
    async fn token_by_hash(
        &self,
        hash: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<Option<TokenLookup>, StoreError>;
    /// Revokes a token.
    async fn revoke_token(
        &self,
        tenant: TenantId,
        id: TokenId,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Sets (or clears) a user's TOTP secret and MFA state; with `recovery`, replaces the user's
    /// recovery codes (their keyed hashes); clearing MFA deletes them.
    async fn set_mfa(
        &self,
        tenant: TenantId,
        user: UserId,
        secret: Option<Vec<u8>>,
        enabled: bool,
        recovery: Option<Vec<[u8; 16]>>,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Accepts TOTP step `step` for the user if it is later than every step accepted before
    /// (each code works once); false otherwise.
    async fn use_totp_step(&self, user: UserId, step: u64) -> Result<bool, StoreError>;
    /// Spends an unused recovery code; false when there is none with that hash.
    async fn use_recovery_code(
        &self,
        user: UserId,
        hash: [u8; 16],
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// Unused recovery codes left.
    async fn recovery_codes_left(&self, user: UserId) -> Result<u32, StoreError>;
    /// Changes a tenant's settings.
    async fn update_tenant(
        &self,
        tenant: TenantId,
        change: TenantChange,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError>;

    /// Stores a custom role; `Conflict` when the name is taken.
    async fn insert_role(&self, role: RoleRow, audit: AuditEvent) -> Result<(), StoreError>;
    /// A custom role.
    async fn role(&self, tenant: TenantId, name: &str) -> Result<Option<RoleRow>, StoreError>;
    /// The tenant's custom roles, by name.
    async fn roles(&self, tenant: TenantId) -> Result<Vec<RoleRow>, StoreError>;
    /// Deletes a custom role; `Conflict("role in use")` while a user or token holds it.
    async fn delete_role(
        &self,
        tenant: TenantId,
        name: &str,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;

    /// Raises an alert.
    async fn insert_alert(
        &self,
        alert: AlertRow,
        deliveries: Vec<DeliveryRow>,
    ) -> Result<(), StoreError>;
    /// One alert of the tenant.
    async fn alert(
        &self,
        tenant: TenantId,
        id: crate::ids::AlertId,
    ) -> Result<Option<AlertRow>, StoreError>;
    /// The tenant's alerts, newest first (only unacknowledged ones with `open_only`).
    async fn alerts(
        &self,
        tenant: TenantId,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<AlertRow>, StoreError>;
    /// Acknowledges an alert.
    async fn acknowledge_alert(
        &self,
        tenant: TenantId,
        id: crate::ids::AlertId,
        by: UserId,
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Stores a break-glass grant and its alert together.
    async fn insert_grant(
        &self,
        grant: GrantRow,
        alert: AlertRow,
        deliveries: Vec<DeliveryRow>,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// The tenant's grants active at `now`.
    async fn active_grants(
        &self,
        tenant: TenantId,
        now: OffsetDateTime,
    ) -> Result<Vec<GrantRow>, StoreError>;
    /// Ends a grant early.
    async fn end_grant(
        &self,
        tenant: TenantId,
        id: crate::ids::GrantId,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;

    /// Registers a device (not yet paired); `Conflict` when the name is taken.
    async fn insert_device(&self, device: DeviceRow, audit: AuditEvent) -> Result<(), StoreError>;
    /// The tenant's devices, by name.
    async fn devices(&self, tenant: TenantId) -> Result<Vec<DeviceRow>, StoreError>;
    /// The unpaired, unrevoked device whose pairing code has this hash.
    async fn device_by_pairing(&self, hash: &[u8; 32]) -> Result<Option<DeviceRow>, StoreError>;
    /// Pairs a device: spends its code (if still unexpired at `at`) and stores its token;
    /// `NotFound` when the code is gone, used or expired.
    async fn pair_device(
        &self,
        device: crate::ids::DeviceId,
        token: TokenRow,
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Revokes a device and its tokens.
    async fn revoke_device(
        &self,
        tenant: TenantId,
        device: crate::ids::DeviceId,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Records that a token was used at `at` (sessions' idle timeout).
    async fn touch_token(&self, id: TokenId, at: OffsetDateTime) -> Result<(), StoreError>;
    /// A user's login tokens and sessions that are not revoked, newest first.
    async fn user_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Vec<TokenRow>, StoreError>;

    /// The tenant's API tokens (not login tokens), newest first.
    async fn api_tokens(&self, tenant: TenantId) -> Result<Vec<TokenRow>, StoreError>;

    /// Failures counted under a throttle key, and when the last one was.
    async fn throttle(&self, key: &str) -> Result<Option<(u32, OffsetDateTime)>, StoreError>;
    /// Counts one more failure under `key` (starting again from 1 when the last failure was
    /// before `forget_before`); returns the count.
    async fn throttle_fail(
        &self,
        key: &str,
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<u32, StoreError>;
    /// Forgets the failures under `key`.
    async fn throttle_clear(&self, key: &str) -> Result<(), StoreError>;

    /// Inserts a customer with its index entries, assigning the next customer number (returned).
    /// With `idempotency`, a key already used answers `IdempotencyReplay` and writes nothing.
    async fn insert_customer(
        &self,
        customer: CustomerRow,
        index: Vec<IndexEntry>,
        idempotency: Option<IdempotencyRow>,
        audit: AuditEvent,
    ) -> Result<i64, StoreError>;
    /// One customer.
    async fn customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
    ) -> Result<Option<CustomerRow>, StoreError>;
    /// Several customers (missing ones are left out).
    async fn customers(
        &self,
        tenant: TenantId,
        ids: &[CustomerId],
    ) -> Result<Vec<CustomerRow>, StoreError>;
    /// A page of customers in id order, after `after`.
    async fn list_customers(
        &self,
        tenant: TenantId,
        after: Option<CustomerId>,
        limit: u32,
    ) -> Result<Vec<CustomerRow>, StoreError>;
    /// Replaces a customer's sealed fields (and, when given, all its index entries) if its version
    /// is `expected_version`; returns the new version.
    async fn update_customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
        change: CustomerChange,
        audit: AuditEvent,
    ) -> Result<u64, StoreError>;
    /// Erases a customer: its row and wrapped key, index entries, records and idempotency keys go;
    /// a tombstone (id and time) is written.
    async fn erase_customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Customers with any of these index hashes of one kind: (customer, hash) pairs, at most
    /// `limit` for each hash, by customer id.
    async fn index_lookup(
        &self,
        tenant: TenantId,
        kind: IndexKind,
        hashes: &[[u8; 16]],
        limit: u32,
    ) -> Result<Vec<(CustomerId, [u8; 16])>, StoreError>;
    /// The customer with that number.
    async fn customer_by_number(
        &self,
        tenant: TenantId,
        number: i64,
    ) -> Result<Option<CustomerId>, StoreError>;
    /// Whether a tombstone exists for the customer.
    async fn is_erased(&self, tenant: TenantId, id: CustomerId) -> Result<bool, StoreError>;

    /// Adds a record; with `idempotency` as for customers.
    async fn insert_record(
        &self,
        record: RecordRow,
        idempotency: Option<IdempotencyRow>,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// One record.
    async fn record(&self, tenant: TenantId, id: RecordId)
        -> Result<Option<RecordRow>, StoreError>;
    /// A page of a customer's records of the given categories, newest first, after `after`.
    async fn list_records(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        categories: &[Category],
        after: Option<RecordId>,
        limit: u32,
    ) -> Result<Vec<RecordRow>, StoreError>;

    /// The first use of an idempotency key, if any.
    async fn idempotency(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRow>, StoreError>;

    /// Appends events that accompany no write (reads, searches, denials, logins); durable on
    /// return.
    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError>;
    /// A tenant's events matching `filter`, newest first: (position, canonical bytes).
    async fn audit_query(
        &self,
        tenant: TenantId,
        filter: AuditFilter,
        limit: u32,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError>;
    /// How many distinct customers `actor` read (read, search hit, list, record read, reveal)
    /// in the tenant between `from` and `to`, counted up to `at_most`: the work is bounded by
    /// the actor's events in the window, and stops once `at_most` customers are found.
    async fn customers_read_by(
        &self,
        tenant: TenantId,
        actor: uuid::Uuid,
        from: OffsetDateTime,
        to: OffsetDateTime,
        at_most: u64,
    ) -> Result<u64, StoreError>;
    /// The audit position a background scanner has processed up to (0 at first).
    async fn scanner_position(&self, name: &str) -> Result<u64, StoreError>;
    /// Records a scanner's position.
    async fn set_scanner_position(&self, name: &str, position: u64) -> Result<(), StoreError>;
    /// The chain's head: the last position and its hash, if any event exists.
    async fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>, StoreError>;
    /// Stores a signed checkpoint.
    async fn insert_checkpoint(&self, checkpoint: Checkpoint) -> Result<(), StoreError>;
    /// Removes the events up to and including `upto` and the checkpoints before it (retention);
    /// answers how many events went.
    async fn prune_audit(&self, upto: u64) -> Result<u64, StoreError>;
    /// Every checkpoint, oldest first.
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError>;
    /// Claims up to `limit` pending deliveries due at `now`, moving their `next_at` to
    /// `lease_until` so that no other sender takes them meanwhile.
    async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError>;
    /// Records a delivery attempt's outcome.
    async fn update_delivery(&self, row: DeliveryRow) -> Result<(), StoreError>;
    /// A tenant's deliveries about a topic, oldest first.
    async fn deliveries(
        &self,
        tenant: TenantId,
        topic: String,
    ) -> Result<Vec<DeliveryRow>, StoreError>;
    /// Appends a consent event, with the mails it causes.
    async fn insert_consent(
        &self,
        row: ConsentRow,
        deliveries: Vec<DeliveryRow>,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// A customer's consent events, oldest first.
    async fn consents(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<ConsentRow>, StoreError>;
    /// When the customer had dealings with the business (timeline records), oldest first.
    async fn activity(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<OffsetDateTime>, StoreError>;
    /// Restricts processing (with a reason and time) or lifts the restriction (`None`).
    async fn set_restriction(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        restriction: Option<(String, OffsetDateTime)>,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// The customer's restriction, if any.
    async fn restriction(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Option<(String, OffsetDateTime)>, StoreError>;
    /// Places (sealed reason, since, by whom) or lifts (`None`) a legal hold.
    async fn set_legal_hold(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        hold: Option<(Vec<u8>, OffsetDateTime, uuid::Uuid)>,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// The customer's legal hold: sealed reason, since, by whom.
    async fn legal_hold(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Option<(Vec<u8>, OffsetDateTime, uuid::Uuid)>, StoreError>;
    /// Customers with a `given` event for the purpose on the channel (to be checked further).
    async fn consent_candidates(
        &self,
        tenant: TenantId,
        purpose: String,
        channel: String,
    ) -> Result<Vec<CustomerId>, StoreError>;
    /// One consent event.
    async fn consent(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<ConsentRow>, StoreError>;
    /// Records a data request.
    async fn insert_data_request(
        &self,
        row: DataRequestRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// One data request.
    async fn data_request(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<DataRequestRow>, StoreError>;
    /// A tenant's data requests, newest first.
    async fn data_requests(&self, tenant: TenantId) -> Result<Vec<DataRequestRow>, StoreError>;
    /// Replaces a data request's row.
    async fn update_data_request(
        &self,
        row: DataRequestRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Open requests of every tenant due before `t`.
    async fn open_data_requests_due_before(
        &self,
        t: OffsetDateTime,
    ) -> Result<Vec<DataRequestRow>, StoreError>;
    /// Opens an incident.
    async fn insert_incident(&self, row: IncidentRow, audit: AuditEvent) -> Result<(), StoreError>;
    /// One incident.
    async fn incident(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<IncidentRow>, StoreError>;
    /// The register, newest first.
    async fn incidents(&self, tenant: TenantId) -> Result<Vec<IncidentRow>, StoreError>;
    /// Replaces an incident's row.
    async fn update_incident(&self, row: IncidentRow, audit: AuditEvent) -> Result<(), StoreError>;
    /// Appends to an incident's log.
    async fn insert_incident_note(
        &self,
        note: IncidentNoteRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// An incident's log, oldest first.
    async fn incident_notes(
        &self,
        tenant: TenantId,
        incident: uuid::Uuid,
    ) -> Result<Vec<IncidentNoteRow>, StoreError>;
    /// Audit events in chain order from position `from` (1-based), with their stored hashes.
    async fn audit_range(&self, from: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError>;

    /// Applies an erasure's tombstone to a restored copy: the customer, if present, is erased
    /// (whatever hold the copy still had) with its event; the tombstone is written either way.
    /// Answers whether a customer was erased.
    async fn apply_tombstone(
        &self,
        tenant: TenantId,
        id: CustomerId,
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<bool, StoreError>;

    /// Inserts a customer with its records, consents and mails in one transaction (intake
    /// form, imports); answers the customer number.
    async fn insert_customer_bundle(&self, bundle: CustomerBundle) -> Result<i64, StoreError>;

    /// Adds a webhook subscription.
    async fn insert_webhook(&self, row: WebhookRow, audit: AuditEvent) -> Result<(), StoreError>;
    /// A business's webhook subscriptions, oldest first.
    async fn webhooks(&self, tenant: TenantId) -> Result<Vec<WebhookRow>, StoreError>;
    /// Every business's webhook subscriptions (for the dispatcher).
    async fn all_webhooks(&self) -> Result<Vec<WebhookRow>, StoreError>;
    /// Removes a subscription and its deliveries not yet made (`NotFound` if there is none).
    async fn delete_webhook(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Queues deliveries and moves a scanner's position, in one transaction.
    async fn queue_deliveries(
        &self,
        deliveries: Vec<DeliveryRow>,
        scanner: &str,
        position: u64,
    ) -> Result<(), StoreError>;

    /// Which of these index entries belong to a customer now: (entry, customer) pairs.
    async fn index_matches(
        &self,
        tenant: TenantId,
        entries: Vec<IndexEntry>,
    ) -> Result<Vec<(IndexEntry, CustomerId)>, StoreError>;
    /// Which of these entries (e-mail, phone, another system's key) were an erased
    /// customer's: the suppression list an import is checked against.
    async fn erased_matches(
        &self,
        tenant: TenantId,
        entries: Vec<IndexEntry>,
    ) -> Result<Vec<IndexEntry>, StoreError>;
    /// The (purpose, channel) pairs each of these customers has any consent history for.
    async fn consent_keys(
        &self,
        tenant: TenantId,
        customers: Vec<CustomerId>,
    ) -> Result<Vec<(CustomerId, String, Option<String>)>, StoreError>;
    /// One chunk of an import, in one transaction: new customers, changes to matched ones,
    /// index entries and consents added to matched ones, and the chunk's events. A matched
    /// customer changed meanwhile fails the whole chunk (`VersionMismatch`).
    async fn import_batch(&self, tenant: TenantId, batch: ImportBatch) -> Result<(), StoreError>;
    /// Brings the planner's statistics up to date after a bulk load (PostgreSQL's `ANALYZE` of
    /// the tables an import fills, so that its lookups keep using the index; nothing on SQLite).
    async fn refresh_statistics(&self) -> Result<(), StoreError>;

    /// Replaces a tenant's wrapped keys (the current one, the index key and every version in
    /// its key ring) and master key id, if it is still wrapped under `from_master`
    /// (`VersionMismatch` otherwise).
    #[allow(clippy::too_many_arguments)]
    async fn rewrap_tenant(
        &self,
        tenant: TenantId,
        from_master: &str,
        wrapped_kek: Vec<u8>,
        wrapped_index_key: Vec<u8>,
        ring: Vec<(u32, Vec<u8>)>,
        master_key_id: String,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Every version of a tenant's key (wrapped under the master key), oldest first.
    async fn key_ring(&self, tenant: TenantId) -> Result<Vec<KeyRingEntry>, StoreError>;
    /// Makes `new` the tenant's current key, if `from_version` is still current
    /// (`VersionMismatch` otherwise); the older versions stay in the ring.
    async fn begin_tenant_rotation(
        &self,
        tenant: TenantId,
        from_version: u32,
        new: KeyRingEntry,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Up to `limit` customers whose data key is wrapped under a tenant key older than
    /// `version`.
    async fn customers_below_key_version(
        &self,
        tenant: TenantId,
        version: u32,
        limit: u32,
    ) -> Result<Vec<CustomerRow>, StoreError>;
    /// Replaces customers' wrapped data keys (each only if still at its old version); answers
    /// how many changed.
    async fn rewrap_customers(
        &self,
        tenant: TenantId,
        items: Vec<DekRewrap>,
        audit: Vec<AuditEvent>,
    ) -> Result<u64, StoreError>;

    /// Replaces a tenant's catalog.
    async fn update_catalog(
        &self,
        tenant: TenantId,
        catalog: Catalog,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Records of a type that happened before `before`, in id order after `after`, each with
    /// whether retention must leave its customer alone (a legal hold or a restriction).
    async fn expired_records(
        &self,
        tenant: TenantId,
        record_type: String,
        before: OffsetDateTime,
        after: Option<RecordId>,
        limit: u32,
    ) -> Result<Vec<(RecordRow, bool)>, StoreError>;
    /// Customers whose last interaction (creation or newest record) was before `before`, in id
    /// order after `after`.
    async fn idle_customers(
        &self,
        tenant: TenantId,
        before: OffsetDateTime,
        after: Option<CustomerId>,
        limit: u32,
    ) -> Result<Vec<IdleCustomer>, StoreError>;
    /// The type and time of each of a customer's records.
    async fn record_times(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<(String, OffsetDateTime)>, StoreError>;
    /// Deletes records for a retention rule, adding their aggregates, in one transaction; a
    /// record whose customer is (by now) under a legal hold is left, without an event. Answers
    /// how many went.
    async fn retention_delete_records(
        &self,
        tenant: TenantId,
        items: Vec<RetentionDeletion>,
    ) -> Result<u64, StoreError>;
    /// Erases a customer for a retention rule (as `erase_customer`, `Held` under a hold),
    /// adding the aggregates of its records in the same transaction.
    async fn retention_erase_customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
        at: OffsetDateTime,
        aggregates: Vec<custos_api::retention::Aggregate>,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Removes profile fields for a retention rule: as `update_customer`, but `Held` under a
    /// legal hold.
    async fn retention_drop_fields(
        &self,
        tenant: TenantId,
        id: CustomerId,
        change: CustomerChange,
        audit: AuditEvent,
    ) -> Result<u64, StoreError>;
    /// The tenant's aggregates of anonymised records.
    async fn aggregates(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<custos_api::retention::Aggregate>, StoreError>;
    /// Starts a sweep; answers an earlier sweep of the tenant that never finished (it is closed
    /// now, this one carries on its work).
    async fn begin_retention_run(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: OffsetDateTime,
    ) -> Result<Option<uuid::Uuid>, StoreError>;
    /// Ends a sweep with its report (JSON); a sweep stopped early stays unfinished.
    async fn finish_retention_run(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: OffsetDateTime,
        report: String,
        complete: bool,
    ) -> Result<(), StoreError>;
    /// The tenant's latest sweep reports (JSON), newest first.
    async fn retention_runs(&self, tenant: TenantId, limit: u32)
        -> Result<Vec<String>, StoreError>;

    /// Saves a self-audit report, with its audit event.
    async fn insert_self_audit(
        &self,
        row: SelfAuditRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// The tenant's self-audit reports, newest first.
    async fn self_audits(
        &self,
        tenant: TenantId,
        limit: u32,
    ) -> Result<Vec<SelfAuditRow>, StoreError>;

    /// Stores a portal token (a sign-in link or a session), with the mail that carries a link.
    async fn insert_portal_token(
        &self,
        row: PortalTokenRow,
        deliveries: Vec<DeliveryRow>,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// Spends a sign-in link (unused and unexpired at `now`) and stores the session it opens;
    /// `NotFound` otherwise.
    async fn use_portal_link(
        &self,
        link_hash: [u8; 32],
        now: OffsetDateTime,
        session: PortalTokenRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
    /// A portal token by hash.
    async fn portal_token(&self, hash: [u8; 32]) -> Result<Option<PortalTokenRow>, StoreError>;
    /// Ends a portal session.
    async fn end_portal_session(
        &self,
        hash: [u8; 32],
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<(), StoreError>;
}

/// One version of a tenant's key.
#[derive(Debug, Clone)]
pub struct KeyRingEntry {
    /// The version.
    pub version: u32,
    /// The key wrapped under the master key.
    pub wrapped_kek: Vec<u8>,
    /// The master key wrapping it.
    pub master_key_id: String,
    /// Created.
    pub created_at: OffsetDateTime,
}

/// A customer's data key rewrapped under a newer tenant key.
#[derive(Debug, Clone)]
pub struct DekRewrap {
    /// The customer.
    pub customer: CustomerId,
    /// The version it was wrapped under.
    pub from_version: u32,
    /// The version it is wrapped under now.
    pub to_version: u32,
    /// The data key wrapped under that version.
    pub wrapped_dek: Vec<u8>,
}

/// A new customer with everything that comes with it, written in one transaction.
#[derive(Debug, Clone)]
pub struct CustomerBundle {
    /// The customer (its number is assigned).
    pub customer: CustomerRow,
    /// Its index entries.
    pub index: Vec<IndexEntry>,
    /// Its records.
    pub records: Vec<RecordRow>,
    /// Its consent events.
    pub consents: Vec<ConsentRow>,
    /// Mails to send (e.g. a double opt-in).
    pub deliveries: Vec<DeliveryRow>,
    /// The events.
    pub audit: Vec<AuditEvent>,
}

/// A webhook subscription: its URL, secret and description sealed under the tenant key.
#[derive(Debug, Clone)]
pub struct WebhookRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// `{"url","secret","description"}` sealed under the tenant key.
    pub sealed: Vec<u8>,
    /// The event types subscribed to.
    pub events: Vec<String>,
    /// Created (events before it are not delivered).
    pub created_at: OffsetDateTime,
}

/// One chunk of an import (see `Store::import_batch`).
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// New customers with their index entries and consents.
    pub new: Vec<(CustomerRow, Vec<IndexEntry>, Vec<ConsentRow>)>,
    /// Changes to customers already here (fields from the file, `--update`).
    pub changes: Vec<(CustomerId, CustomerChange)>,
    /// Index entries added to customers already here (their key in the imported file).
    pub index: Vec<(CustomerId, IndexEntry)>,
    /// Consents added to customers already here.
    pub consents: Vec<ConsentRow>,
    /// The chunk's events.
    pub audit: Vec<AuditEvent>,
}

/// A customer found idle by a retention sweep.
#[derive(Debug, Clone)]
pub struct IdleCustomer {
    /// The customer.
    pub row: CustomerRow,
    /// Its last interaction.
    pub last_interaction: OffsetDateTime,
    /// Under a legal hold or a restriction of processing: retention leaves it alone.
    pub held: bool,
}

/// A record a retention rule deletes.
#[derive(Debug, Clone)]
pub struct RetentionDeletion {
    /// The record.
    pub record: RecordId,
    /// Its customer.
    pub customer: CustomerId,
    /// What it adds to the aggregates (anonymisation).
    pub aggregate: Option<custos_api::retention::Aggregate>,
    /// Its event.
    pub audit: AuditEvent,
}

/// A saved self-audit report (no personal data: counts, dates and the checks' texts).
#[derive(Debug, Clone)]
pub struct SelfAuditRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// When it was made.
    pub at: OffsetDateTime,
    /// The report as JSON (`custos_api::compliance::SelfAudit`).
    pub report: String,
}

/// A token of the customers' privacy portal: a one-time sign-in link or a session.
#[derive(Debug, Clone)]
pub struct PortalTokenRow {
    /// SHA-256 of the token text.
    pub hash: [u8; 32],
    /// Tenant.
    pub tenant_id: TenantId,
    /// The customer.
    pub customer_id: CustomerId,
    /// `link` or `session`.
    pub kind: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Stops working.
    pub expires_at: OffsetDateTime,
    /// A link: when it was used; a session: when it ended.
    pub used_at: Option<OffsetDateTime>,
}

/// A change to a customer's sealed fields, applied only if the version is still the expected one.
#[derive(Debug, Clone)]
pub struct CustomerChange {
    /// The version the change was made against.
    pub expected_version: u64,
    /// The new sealed fields.
    pub sealed: Vec<u8>,
    /// When given, all of the customer's index entries are replaced by these.
    pub index: Option<Vec<IndexEntry>>,
    /// When.
    pub updated_at: OffsetDateTime,
}

/// Filters of an audit query (all optional, combined with AND).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Events touching this customer.
    pub customer: Option<CustomerId>,
    /// Events by this actor (user, device or token id).
    pub actor: Option<uuid::Uuid>,
    /// This action exactly, or every action under a prefix ending in '.' (e.g. `customer.`).
    pub action: Option<String>,
    /// At or after.
    pub from: Option<OffsetDateTime>,
    /// Before.
    pub to: Option<OffsetDateTime>,
    /// Only events before this position (the cursor; newest first).
    pub before: Option<u64>,
}

/// One consent event (ids, purpose, channel, state and evidence made of hashes and times).
#[derive(Debug, Clone)]
pub struct ConsentRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Customer.
    pub customer_id: CustomerId,
    /// Purpose.
    pub purpose: String,
    /// Channel.
    pub channel: Option<String>,
    /// `given`, `pending_confirmation`, `withdrawn`.
    pub state: String,
    /// How it was collected.
    pub method: String,
    /// Text version shown.
    pub text_version: Option<u32>,
    /// Text language.
    pub lang: Option<String>,
    /// When.
    pub at: OffsetDateTime,
    /// `user`, `device`, `token`, `customer`.
    pub actor_kind: String,
    /// The user, device or token.
    pub actor_id: Option<uuid::Uuid>,
    /// Evidence as JSON.
    pub evidence: String,
    /// A pending request's expiry.
    pub expires_at: Option<OffsetDateTime>,
}

/// A data-subject request; its free texts (note, outcome, extension reason) sealed.
#[derive(Debug, Clone)]
pub struct DataRequestRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Customer.
    pub customer_id: CustomerId,
    /// `access`, `portability`, …
    pub kind: String,
    /// Received.
    pub received_at: OffsetDateTime,
    /// Deadline.
    pub due_at: OffsetDateTime,
    /// Months added.
    pub extended_months: u8,
    /// `pending`, `verified`, `failed`.
    pub identity_check: String,
    /// `open`, `in_progress`, `completed`, `refused`.
    pub state: String,
    /// Sealed texts.
    pub sealed: Vec<u8>,
    /// Last handled by.
    pub handled_by: Option<uuid::Uuid>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Closed.
    pub closed_at: Option<OffsetDateTime>,
}

/// A message in the outbox with its delivery log.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// `email` or `webhook`.
    pub channel: String,
    /// What it is about, e.g. `alert:<id>`.
    pub topic: String,
    /// The sealed message.
    pub sealed: Vec<u8>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Attempts so far.
    pub attempts: u32,
    /// Not before (also the lease of a claimed row).
    pub next_at: OffsetDateTime,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// Delivered or given up.
    pub done_at: Option<OffsetDateTime>,
}

/// An incident in the register; free texts sealed.
#[derive(Debug, Clone)]
pub struct IncidentRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Opened.
    pub created_at: OffsetDateTime,
    /// Opened by (user id).
    pub created_by: uuid::Uuid,
    /// When the business became aware.
    pub aware_at: OffsetDateTime,
    /// `unassessed`, `unlikely`, `risk`, `high_risk`.
    pub risk: String,
    /// The scope as JSON (ids and times only).
    pub scope: Option<String>,
    /// Alerts it grew from.
    pub alert_ids: Vec<uuid::Uuid>,
    /// Title, nature, consequences, measures, contact: sealed JSON.
    pub sealed: Vec<u8>,
    /// Authority notified.
    pub authority_notified_at: Option<OffsetDateTime>,
    /// People concerned told.
    pub customers_notified_at: Option<OffsetDateTime>,
    /// Closed.
    pub closed_at: Option<OffsetDateTime>,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

/// An entry in an incident's log; its text sealed.
#[derive(Debug, Clone)]
pub struct IncidentNoteRow {
    /// Id.
    pub id: uuid::Uuid,
    /// The incident.
    pub incident_id: uuid::Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// When.
    pub at: OffsetDateTime,
    /// By (user id).
    pub by: uuid::Uuid,
    /// `follow_up` or `delay_reason`.
    pub kind: String,
    /// The sealed text.
    pub sealed: Vec<u8>,
}

/// A signed checkpoint of the audit chain's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The position of the head when it was signed.
    pub seq: u64,
    /// The head's hash.
    pub hash: [u8; 32],
    /// When.
    pub at: OffsetDateTime,
    /// Ed25519 signature over [`Checkpoint::message`].
    pub signature: Vec<u8>,
}

impl Checkpoint {
    /// The signed bytes: a domain tag, the position, the hash and the time.
    pub fn message(seq: u64, hash: &[u8; 32], at: OffsetDateTime) -> Vec<u8> {
        let mut m = b"custos/audit-checkpoint/v1".to_vec();
        m.extend_from_slice(&seq.to_be_bytes());
        m.extend_from_slice(hash);
        m.extend_from_slice(&at.unix_timestamp().to_be_bytes());
        m
    }
}

/// An audit event as stored in the chain.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// The canonical bytes that were hashed.
    pub body: Vec<u8>,
    /// The previous event's hash.
    pub prev_hash: [u8; 32],
    /// This event's hash.
    pub hash: [u8; 32],
}
