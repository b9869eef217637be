//! The use cases on personal data, each taking the one path DESIGN.md draws: authorise (default
//! deny), validate against the catalog, open only the categories the role may see (or seal what
//! is written), mask, append the audit event, answer.

use crate::audit::{AuditEvent, Outcome, RequestMeta};
use crate::catalog::{
    check_catalog, template, validate_fields, Catalog, CatalogExt, Category, FieldDef, FieldType,
};
use crate::clock::Clock;
use crate::error::CoreError;
use crate::ids::{CustomerId, RecordId, TenantId, TokenId, UserId};
use crate::policy::{Access, Action, ActorKind, Principal, Role};
use crate::store::{
    CustomerChange, CustomerRow, IdempotencyRow, IndexEntry, IndexKind, RecordRow, Store,
    StoreError, TenantRow, TokenKind, TokenRow, UserRow,
};
use crate::values::{self, CustomerNumber, Email, Phone};
use custos_api::{Customer, Record};
use custos_crypto::{self as crypto, Key32};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// Search results are capped at this many.
pub const SEARCH_MAX: u32 = 50;
/// Default page size.
pub const PAGE_DEFAULT: u32 = 50;
/// Largest page size.
pub const PAGE_MAX: u32 = 200;
/// The version of the per-customer data key bound into associated data.
const DEK_VERSION: u32 = 1;

/// Settings of the use cases.
#[derive(Debug, Clone)]
pub struct VaultSettings {
    /// How long a login token lasts.
    pub login_token_ttl: Duration,
    /// A web session ends after this long without a request.
    pub session_idle: Duration,
    /// A web session ends this long after login, however busy.
    pub session_absolute: Duration,
}

impl Default for VaultSettings {
    fn default() -> Self {
        VaultSettings {
            login_token_ttl: Duration::hours(12),
            session_idle: Duration::minutes(30),
            session_absolute: Duration::hours(12),
        }
    }
}

/// A tenant with its keys unwrapped, cached in memory (zeroized when dropped).
pub(crate) struct TenantKeys {
    pub(crate) id: TenantId,
    /// The business name (passwords may not contain it).
    pub(crate) name: String,
    pub(crate) catalog: Catalog,
    pub(crate) kek: Key32,
    pub(crate) kek_version: u32,
    /// The older versions of the tenant key (customer keys not yet rewrapped, and what was
    /// sealed under them).
    older: BTreeMap<u32, Key32>,
    pub(crate) index_key: Key32,
    /// When this was read from the store.
    pub(crate) loaded: std::time::Instant,
}

/// How long a tenant's catalog and keys are used from memory before they are read again: the
/// longest another instance's change (catalog, retention rules, a key rotation) goes unseen
/// here. This instance's own changes are seen at once.
pub(crate) const TENANT_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl TenantKeys {
    /// The tenant key of a version.
    pub(crate) fn kek_of(&self, version: u32) -> Option<&Key32> {
        if version == self.kek_version {
            Some(&self.kek)
        } else {
            self.older.get(&version)
        }
    }

    /// Opens something sealed under the tenant key: under the current version, or (sealed
    /// before a rotation) an older one.
    pub(crate) fn open(
        &self,
        blob: &[u8],
        aad: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, crypto::CryptoError> {
        match crypto::open(&self.kek, blob, aad) {
            Ok(p) => Ok(p),
            Err(e) => self
                .older
                .values()
                .rev()
                .find_map(|k| crypto::open(k, blob, aad).ok())
                .ok_or(e),
        }
    }
}

/// The use cases of custos over a store, a master key and a clock.
pub struct Vault {
    pub(crate) store: Arc<dyn Store>,
    masters: Arc<dyn crate::keys::MasterKeySource>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: VaultSettings,
    tenants: RwLock<HashMap<TenantId, Arc<TenantKeys>>>,
    public_url: std::sync::OnceLock<String>,
}

/// An idempotency key with the fingerprint of the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The key as sent.
    pub key: String,
    /// SHA-256 of the request (method, path, body).
    pub fingerprint: [u8; 32],
}

impl Idempotency {
    /// The row that records this key's first use, creating `resource`.
    fn first_use(
        &self,
        tenant: TenantId,
        scope: &str,
        resource: uuid::Uuid,
        now: OffsetDateTime,
    ) -> IdempotencyRow {
        IdempotencyRow {
            tenant_id: tenant,
            scope: scope.to_owned(),
            key: self.key.clone(),
            fingerprint: self.fingerprint,
            resource_id: resource,
            created_at: now,
        }
    }
}

/// How a token arrived: sessions only as a cookie (with CSRF protection), the rest only as a
/// bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer …`.
    Bearer,
    /// The `__Host-custos_session` cookie.
    Cookie,
}

/// The second factor given at login, if any.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecondFactor<'a> {
    /// A TOTP code.
    pub totp_code: Option<&'a str>,
    /// A recovery code.
    pub recovery_code: Option<&'a str>,
}

/// The outcome of a create that honours idempotency.
#[derive(Debug)]
pub enum Created<T> {
    /// Created now.
    New(T),
    /// An earlier request with the same key created it; this is its current state.
    Replayed(T),
}

/// A search query: a free `q`, or a typed key.
#[derive(Debug, Clone)]
pub enum SearchQuery {
    /// Free text: an e-mail, a phone, a customer number or a name prefix, told apart by shape.
    Any(String),
    /// Exact e-mail.
    Email(String),
    /// Exact phone, in any common format.
    Phone(String),
}

pub(crate) fn tenant_kek_aad(tenant: TenantId, version: u32) -> Vec<u8> {
    let mut aad = b"custos/v1/tenant-kek".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

pub(crate) fn tenant_index_aad(tenant: TenantId) -> Vec<u8> {
    let mut aad = b"custos/v1/tenant-index-key".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad
}

fn dek_aad(tenant: TenantId, customer: CustomerId, kek_version: u32) -> Vec<u8> {
    let mut aad = b"custos/v1/dek".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(customer.as_uuid().as_bytes());
    aad.extend_from_slice(&kek_version.to_be_bytes());
    aad
}

/// Associated data of a sealed blob: binds tenant, customer, the place (a category of the
/// profile, or a record) and the data-key version.
pub(crate) fn field_aad(tenant: TenantId, customer: CustomerId, place: &str) -> Vec<u8> {
    let mut aad = b"custos/v1/fields".to_vec();
    aad.extend_from_slice(tenant.as_uuid().as_bytes());
    aad.extend_from_slice(customer.as_uuid().as_bytes());
    aad.extend_from_slice(place.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&DEK_VERSION.to_be_bytes());
    aad
}

fn category_place(c: Category) -> String {
    format!("profile:{}", c.as_str())
}

pub(crate) fn record_place(id: RecordId) -> String {
    format!("record:{id}")
}

/// A customer's sealed fields: one sealed JSON object per category, so a category the caller
/// may not read is never opened. Encoded as `count ‖ (category ‖ len u32 LE ‖ blob)*`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SealedFields(pub BTreeMap<Category, Vec<u8>>);

impl SealedFields {
    /// The stored encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.0.values().map(|b| b.len() + 5).sum::<usize>());
        out.push(self.0.len() as u8);
        for (cat, blob) in &self.0 {
            let code = Category::ALL.iter().position(|c| c == cat).unwrap_or(0) as u8;
            out.push(code);
            out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            out.extend_from_slice(blob);
        }
        out
    }

    /// Parses the stored encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, CoreError> {
        let bad = || CoreError::Internal("sealed fields are malformed".into());
        let (&count, mut rest) = bytes.split_first().ok_or_else(bad)?;
        let mut map = BTreeMap::new();
        for _ in 0..count {
            if rest.len() < 5 {
                return Err(bad());
            }
            let cat = *Category::ALL.get(rest[0] as usize).ok_or_else(bad)?;
            let len = u32::from_le_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
            rest = &rest[5..];
            if rest.len() < len {
                return Err(bad());
            }
            map.insert(cat, rest[..len].to_vec());
            rest = &rest[len..];
        }
        if !rest.is_empty() {
            return Err(bad());
        }
        Ok(SealedFields(map))
    }
}

pub(crate) type Plain = BTreeMap<String, Value>;

fn mask_value(def: Option<&FieldDef>, v: &Value) -> Value {
    let s = match v {
        Value::String(s) => s.as_str(),
        _ => return Value::String("•••".into()),
    };
    Value::String(match def.map(|d| &d.type_) {
        Some(FieldType::Email) => values::mask_email(s),
        Some(FieldType::Phone) => values::mask_phone(s),
        _ => values::mask_text(s),
    })
}

pub(crate) fn forbidden(action: Action) -> CoreError {
    CoreError::Forbidden(format!("Your role may not perform '{}'.", action.as_str()))
}

impl Vault {
    /// The use cases over `store`, with the master key that unwraps tenant keys.
    pub fn new(
        store: Arc<dyn Store>,
        master: Key32,
        clock: Arc<dyn Clock>,
        settings: VaultSettings,
    ) -> Self {
        Self::with_master_keys(
            store,
            Arc::new(crate::keys::StaticMasterKey(master)),
            clock,
            settings,
        )
    }

    /// The use cases over `store`, with master keys from a source (a file with rotation, an
    /// external key service).
    pub fn with_master_keys(
        store: Arc<dyn Store>,
        masters: Arc<dyn crate::keys::MasterKeySource>,
        clock: Arc<dyn Clock>,
        settings: VaultSettings,
    ) -> Self {
        Vault {
            store,
            masters,
            clock,
            settings,
            tenants: RwLock::new(HashMap::new()),
            public_url: std::sync::OnceLock::new(),
        }
    }

    /// Sets the URL customers and staff reach this server at (links in mails); once.
    pub fn set_public_url(&self, url: &str) {
        let _ = self.public_url.set(url.trim_end_matches('/').to_owned());
    }

    /// The URL links are built on (`https://localhost` until set).
    pub fn public_url(&self) -> &str {
        self.public_url
            .get()
            .map_or("https://localhost", String::as_str)
    }

    /// The store underneath (for readiness checks and the command line).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The settings.
    pub fn settings(&self) -> &VaultSettings {
        &self.settings
    }

    /// The clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub(crate) async fn tenant_keys(&self, id: TenantId) -> Result<Arc<TenantKeys>, CoreError> {
        if let Some(t) = self
            .tenants
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
        {
            // Another instance on the same database may have changed the catalog, the
            // retention rules or the keys: what is cached is read again after a short while.
            if t.loaded.elapsed() < TENANT_CACHE_TTL {
                return Ok(t.clone());
            }
        }
        let row = self
            .store
            .tenant(id)
            .await?
            .ok_or(CoreError::NotFound("Tenant"))?;
        let ring = self.store.key_ring(id).await?;
        let keys = Arc::new(self.unwrap_tenant(&row, &ring)?);
        self.tenants
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, keys.clone());
        Ok(keys)
    }

    /// The current master key.
    pub(crate) fn masters_current(&self) -> Result<Key32, CoreError> {
        self.masters.current()
    }

    /// Every master key the source holds, current first.
    pub(crate) fn master_keys(&self) -> Result<Vec<Key32>, CoreError> {
        self.masters.all()
    }

    /// A business's key and index key, unwrapped under whichever master key wraps them.
    pub(crate) fn unwrap_tenant_keys(
        masters: &[Key32],
        row: &TenantRow,
    ) -> Result<(Key32, Key32), CoreError> {
        let master = masters
            .iter()
            .find(|k| k.fingerprint() == row.master_key_id)
            .ok_or_else(|| {
                CoreError::Internal(format!(
                    "tenant {} is wrapped under master key {}, which is not available here",
                    row.id, row.master_key_id
                ))
            })?;
        let kek = crypto::unwrap_key(
            master,
            &row.wrapped_kek,
            &tenant_kek_aad(row.id, row.kek_version),
        )
        .map_err(|_| {
            CoreError::Internal(format!(
                "tenant {} key does not unwrap: wrong master key?",
                row.id
            ))
        })?;
        let index_key =
            crypto::unwrap_key(master, &row.wrapped_index_key, &tenant_index_aad(row.id)).map_err(
                |_| CoreError::Internal(format!("tenant {} index key does not unwrap", row.id)),
            )?;
        Ok((kek, index_key))
    }

    fn unwrap_tenant(
        &self,
        row: &TenantRow,
        ring: &[crate::store::KeyRingEntry],
    ) -> Result<TenantKeys, CoreError> {
        // One read of the master keys (a file source reads its files) per tenant unwrapped.
        let masters = self.master_keys()?;
        let (kek, index_key) = Self::unwrap_tenant_keys(&masters, row)?;
        let mut older = BTreeMap::new();
        for e in ring.iter().filter(|e| e.version != row.kek_version) {
            let master = masters
                .iter()
                .find(|k| k.fingerprint() == e.master_key_id)
                .ok_or_else(|| {
                    CoreError::Internal(format!(
                        "tenant {} key version {} is wrapped under master key {}, which is not available here",
                        row.id, e.version, e.master_key_id
                    ))
                })?;
            let k = crypto::unwrap_key(master, &e.wrapped_kek, &tenant_kek_aad(row.id, e.version))
                .map_err(|_| {
                    CoreError::Internal(format!(
                        "tenant {} key version {} does not unwrap",
                        row.id, e.version
                    ))
                })?;
            older.insert(e.version, k);
        }
        Ok(TenantKeys {
            id: row.id,
            name: row.name.clone(),
            catalog: row.catalog.clone(),
            kek,
            kek_version: row.kek_version,
            older,
            index_key,
            loaded: std::time::Instant::now(),
        })
    }

    /// The tenant's keys, read again when a customer row is wrapped under a version they do
    /// not hold yet (another process rotated the tenant key).
    pub(crate) async fn keys_for<'a>(
        &self,
        t: Arc<TenantKeys>,
        rows: impl IntoIterator<Item = &'a CustomerRow>,
    ) -> Result<Arc<TenantKeys>, CoreError> {
        if rows.into_iter().all(|r| t.kek_of(r.kek_version).is_some()) {
            return Ok(t);
        }
        self.forget_tenant(t.id);
        self.tenant_keys(t.id).await
    }

    /// Forgets the cached keys and catalog of a tenant (after its catalog or keys changed), so
    /// the next use reads them again.
    pub fn forget_tenant(&self, id: TenantId) {
        self.tenants
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// Checks that the master key opens every tenant's keys (run at start-up).
    pub async fn check_master_key(&self) -> Result<usize, CoreError> {
        let rows = self.store.tenants().await?;
        for row in &rows {
            let ring = self.store.key_ring(row.id).await?;
            self.unwrap_tenant(row, &ring)?;
        }
        Ok(rows.len())
    }

    // --- tenants and users ---------------------------------------------------------------

    /// Creates a tenant from a template with its owner. Returns the tenant id.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_tenant(
        &self,
        slug: &str,
        name: &str,
        template_name: &str,
        default_country: &str,
        owner_username: &str,
        owner_password: &str,
    ) -> Result<TenantId, CoreError> {
        check_slug(slug)?;
        check_username(owner_username)?;
        crate::password::check(
            owner_password,
            crate::password::Context {
                username: owner_username,
                business: name,
                mfa: false,
            },
        )?;
        let mut catalog = template(template_name, default_country).ok_or_else(|| {
            CoreError::Invalid(format!(
                "Unknown template '{template_name}'; choose one of: {}.",
                crate::catalog::TEMPLATES.join(", ")
            ))
        })?;
        check_catalog(&catalog).map_err(CoreError::Invalid)?;
        if self.store.tenant_by_slug(slug).await?.is_some() {
            return Err(CoreError::Conflict(format!(
                "A business with the short name '{slug}' exists already."
            )));
        }
        let now = self.clock.now();
        crate::compliance::stamp_notice(&mut catalog, name, now);
        let id = TenantId::new_at(now);
        let kek = Key32::generate();
        let index_key = Key32::generate();
        let master = self.masters.current()?;
        let tenant = TenantRow {
            id,
            slug: slug.to_owned(),
            name: name.to_owned(),
            catalog,
            wrapped_kek: crypto::wrap_key(&master, &kek, &tenant_kek_aad(id, 1)),
            wrapped_index_key: crypto::wrap_key(&master, &index_key, &tenant_index_aad(id)),
            kek_version: 1,
            master_key_id: master.fingerprint(),
            // Health data: the optician template asks for MFA from the start.
            require_mfa: template_name == "optician",
            policy: None,
            sealed_contacts: None,
            created_at: now,
        };
        let owner = UserRow {
            id: UserId::new_at(now),
            tenant_id: id,
            username: owner_username.to_owned(),
            password_hash: hash_password(owner_password).await?,
            role: "owner".into(),
            disabled: false,
            must_change_password: false,
            mfa_secret: None,
            mfa_enabled: false,
            created_at: now,
        };
        let meta = RequestMeta::default();
        let audit = vec![
            AuditEvent::anonymous("tenant.create", "system", Some(id), now, &meta)
                .target(format!("tenant:{id}")),
            AuditEvent::anonymous("user.create", "system", Some(id), now, &meta)
                .target(format!("user:{}", owner.id)),
        ];
        self.store.insert_tenant(tenant, owner, audit).await?;
        Ok(id)
    }

    /// Adds a staff user (command line, or a principal allowed to manage users).
    pub async fn add_user(
        &self,
        by: Option<&Principal>,
        tenant: TenantId,
        username: &str,
        password: &str,
        role: &str,
        meta: &RequestMeta,
    ) -> Result<UserId, CoreError> {
        if let Some(p) = by {
            p.active()?;
            if !p.role.may(Action::UserManage) || p.tenant_id != tenant {
                return Err(forbidden(Action::UserManage));
            }
        }
        check_username(username)?;
        let business = self.tenant_keys(tenant).await?.name.clone();
        crate::password::check(
            password,
            crate::password::Context {
                username,
                business: &business,
                mfa: false,
            },
        )?;
        let granted = self.resolve_role(tenant, role).await.map_err(|_| {
            CoreError::Invalid(format!(
                "Unknown role '{role}'; choose one of: {}, or a custom role.",
                crate::policy::BUILTIN_ROLES.join(", ")
            ))
        })?;
        if let Some(p) = by {
            // Nobody hands out more than they hold themselves.
            if !granted.within(&p.role) {
                return Err(CoreError::Forbidden(format!(
                    "Your role may not create a user with the role '{role}'."
                )));
            }
        }
        let now = self.clock.now();
        let user = UserRow {
            id: UserId::new_at(now),
            tenant_id: tenant,
            username: username.to_owned(),
            password_hash: hash_password(password).await?,
            role: role.to_owned(),
            disabled: false,
            must_change_password: false,
            mfa_secret: None,
            mfa_enabled: false,
            created_at: now,
        };
        let id = user.id;
        let ev = match by {
            Some(p) => AuditEvent::by(p, "user.create", now, meta),
            None => AuditEvent::anonymous("user.create", "system", Some(tenant), now, meta),
        }
        .target(format!("user:{id}"));
        self.store
            .insert_user(user, ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    CoreError::Conflict(format!("The username '{username}' is taken."))
                }
                other => other.into(),
            })?;
        Ok(id)
    }

    /// Resolves a tenant by slug, or the only tenant when none is named.
    pub async fn resolve_tenant(&self, slug: Option<&str>) -> Result<TenantRow, CoreError> {
        match slug {
            Some(s) => self
                .store
                .tenant_by_slug(s)
                .await?
                .ok_or(CoreError::NotFound("Business")),
            None => {
                let mut all = self.store.tenants().await?;
                if all.len() == 1 {
                    Ok(all.remove(0))
                } else {
                    Err(CoreError::Invalid(
                        "This server hosts several businesses: name one with 'tenant'.".into(),
                    ))
                }
            }
        }
    }

    // --- authentication ------------------------------------------------------------------

    /// Logs a user in with username and password; answers a login token and its expiry.
    pub async fn login(
        &self,
        tenant: Option<&str>,
        username: &str,
        password: &str,
        second: SecondFactor<'_>,
        session: bool,
        meta: &RequestMeta,
    ) -> Result<(Zeroizing<String>, OffsetDateTime), CoreError> {
        let now = self.clock.now();
        let tenant = match self.resolve_tenant(tenant).await {
            Ok(t) => t,
            Err(CoreError::NotFound(_)) => {
                let _ = verify_password(password, crypto::password::dummy_hash()).await;
                return Err(CoreError::InvalidCredentials);
            }
            Err(e) => return Err(e),
        };
        let keys = crate::identity::throttle_keys(tenant.id, username, meta);
        self.check_throttle(&keys, now).await?;
        let user = self.store.user_by_name(tenant.id, username).await?;
        let phc = user.as_ref().map_or_else(
            || crypto::password::dummy_hash().to_owned(),
            |u| u.password_hash.clone(),
        );
        let ok =
            verify_password(password, &phc).await? && user.as_ref().is_some_and(|u| !u.disabled);
        let Some(user) = user.filter(|_| ok) else {
            let ev = AuditEvent::anonymous("auth.login", "anonymous", Some(tenant.id), now, meta)
                .outcome(Outcome::Failed);
            self.store.append_audit(vec![ev]).await?;
            self.count_failure(&keys, now).await?;
            return Err(CoreError::InvalidCredentials);
        };
        self.store.throttle_clear(&keys.account).await?;
        self.second_factor(&tenant, &user, second.totp_code, second.recovery_code, meta)
            .await?;
        let (text, hash) = crypto::token::generate();
        let (kind, ttl) = if session {
            (TokenKind::Session, self.settings.session_absolute)
        } else {
            (TokenKind::Login, self.settings.login_token_ttl)
        };
        let expires_at = now + ttl;
        let token = TokenRow {
            id: TokenId::new_at(now),
            tenant_id: tenant.id,
            user_id: user.id,
            name: kind.as_str().into(),
            kind,
            role: user.role.clone(),
            hash,
            expires_at: Some(expires_at),
            revoked: false,
            created_at: now,
            device_id: None,
            last_seen_at: None,
        };
        let mut ev = AuditEvent::anonymous("auth.login", "user", Some(tenant.id), now, meta)
            .target(format!("token:{}", token.id));
        ev.actor_id = Some(user.id.as_uuid());
        ev.actor_role = Some(user.role.clone());
        self.store.insert_token(token, ev).await?;
        Ok((text, expires_at))
    }

    /// Creates a named API token for a user (command line). The text is shown once.
    pub async fn create_api_token(
        &self,
        tenant: TenantId,
        username: &str,
        name: &str,
        ttl: Option<Duration>,
    ) -> Result<(Zeroizing<String>, Option<OffsetDateTime>), CoreError> {
        let now = self.clock.now();
        let user = self
            .store
            .user_by_name(tenant, username)
            .await?
            .ok_or(CoreError::NotFound("User"))?;
        if user.disabled {
            return Err(CoreError::Invalid(format!(
                "The user '{username}' is disabled."
            )));
        }
        if name.trim().is_empty() || name.len() > 100 {
            return Err(CoreError::Invalid(
                "A token needs a name of 1 to 100 characters.".into(),
            ));
        }
        let (text, hash) = crypto::token::generate();
        let expires_at = ttl.map(|d| now + d);
        let token = TokenRow {
            id: TokenId::new_at(now),
            tenant_id: tenant,
            user_id: user.id,
            name: name.to_owned(),
            kind: TokenKind::Api,
            role: user.role.clone(),
            hash,
            expires_at,
            revoked: false,
            created_at: now,
            device_id: None,
            last_seen_at: None,
        };
        let ev = AuditEvent::anonymous(
            "token.create",
            "system",
            Some(tenant),
            now,
            &RequestMeta::default(),
        )
        .target(format!("token:{}", token.id));
        self.store.insert_token(token, ev).await?;
        Ok((text, expires_at))
    }

    /// Turns a token into a principal, or refuses it. Sessions come only as a cookie, every
    /// other kind only as a bearer token; a session idle for longer than the idle timeout ends.
    pub async fn authenticate(
        &self,
        token_text: &str,
        via: Via,
        meta: &RequestMeta,
    ) -> Result<Principal, CoreError> {
        let refused = CoreError::Unauthorized("The token is not valid, expired or revoked.");
        if !crypto::token::looks_valid(token_text) {
            return Err(refused);
        }
        let now = self.clock.now();
        let Some(found) = self
            .store
            .token_by_hash(&crypto::token::hash(token_text), now)
            .await?
        else {
            return Err(refused);
        };
        let t = &found.token;
        let device = t.kind == TokenKind::Device;
        if t.revoked && t.kind != TokenKind::Login && t.kind != TokenKind::Session {
            // A revoked API token or device still trying: audited and raised (once an hour).
            let actor = t.device_id.map_or(t.id.as_uuid(), |d| d.as_uuid());
            let kind = if device { "device" } else { "token" };
            let mut ev = AuditEvent::anonymous("auth.refused", kind, Some(t.tenant_id), now, meta)
                .outcome(Outcome::Denied)
                .target(format!("token:{}", t.id));
            ev.actor_id = Some(actor);
            self.store.append_audit(vec![ev]).await?;
            self.raise(
                t.tenant_id,
                "revoked_credential",
                "high",
                format!("The revoked {kind} '{}' ({actor}) is still being used.", t.name),
                serde_json::json!({"kind": kind, "actor_id": actor, "token_id": t.id, "client_addr": meta.client_addr}),
                &t.id.to_string(),
            )
            .await?;
            return Err(refused);
        }
        if t.revoked || (!device && found.user_disabled) || t.expires_at.is_some_and(|e| e <= now) {
            return Err(refused);
        }
        if (t.kind == TokenKind::Session) != (via == Via::Cookie) {
            return Err(refused);
        }
        if t.kind == TokenKind::Session {
            let seen = t.last_seen_at.unwrap_or(t.created_at);
            if now - seen > self.settings.session_idle {
                return Err(CoreError::Unauthorized(
                    "The session ended after a time without use; log in again.",
                ));
            }
            // One write a minute at most keeps the idle clock without a write per request.
            if now - seen > Duration::minutes(1) {
                self.store.touch_token(t.id, now).await?;
            }
        }
        // A login token or session acts with the user's current role, so a role change applies
        // at once; an API token acts with its own role, and stops working once that is more than
        // its user now holds; a device acts as `device` whoever registered it.
        let unknown = || CoreError::Internal(format!("token {} has an unknown role", t.id));
        // An active break-glass grant lifts a person's role until it expires.
        let person = matches!(t.kind, TokenKind::Login | TokenKind::Session);
        let elevated = if person {
            found.break_glass_role.as_deref()
        } else {
            None
        };
        let role = match t.kind {
            TokenKind::Login | TokenKind::Session => self
                .resolve_role(t.tenant_id, elevated.unwrap_or(&found.user_role))
                .await
                .map_err(|_| unknown())?,
            TokenKind::Api => {
                let r = self
                    .resolve_role(t.tenant_id, &t.role)
                    .await
                    .map_err(|_| unknown())?;
                let user_role = self
                    .resolve_role(t.tenant_id, &found.user_role)
                    .await
                    .map_err(|_| unknown())?;
                if !r.within(&user_role) {
                    return Err(refused);
                }
                r
            }
            TokenKind::Device => Role::builtin("device").ok_or_else(unknown)?,
        };
        Ok(Principal {
            tenant_id: t.tenant_id,
            tenant_slug: found.tenant_slug.clone(),
            kind: match t.kind {
                TokenKind::Login | TokenKind::Session => ActorKind::User,
                TokenKind::Api => ActorKind::Token,
                TokenKind::Device => ActorKind::Device,
            },
            actor_id: match t.kind {
                TokenKind::Login | TokenKind::Session => t.user_id.as_uuid(),
                TokenKind::Api => t.id.as_uuid(),
                TokenKind::Device => t.device_id.map_or(t.id.as_uuid(), |d| d.as_uuid()),
            },
            user_id: (!device).then_some(t.user_id),
            name: if person {
                found.username.clone()
            } else {
                t.name.clone()
            },
            role: Arc::new(role),
            token_id: Some(t.id),
            must_change_password: person && found.user_must_change,
            // Integrations and devices are not asked to enrol; people logging in are.
            mfa_enrolment_required: person && found.tenant_require_mfa && !found.user_mfa_enabled,
            break_glass: elevated.is_some(),
        })
    }

    /// Ends the principal's token.
    pub async fn logout(&self, p: &Principal, meta: &RequestMeta) -> Result<(), CoreError> {
        let Some(id) = p.token_id else { return Ok(()) };
        let ev =
            AuditEvent::by(p, "auth.logout", self.clock.now(), meta).target(format!("token:{id}"));
        self.store.revoke_token(p.tenant_id, id, ev).await?;
        Ok(())
    }

    // --- catalog -------------------------------------------------------------------------

    /// The principal's tenant's catalog.
    pub async fn catalog(&self, p: &Principal) -> Result<Catalog, CoreError> {
        p.active()?;
        if !p.role.may(Action::CatalogRead) {
            return Err(forbidden(Action::CatalogRead));
        }
        Ok(self.tenant_keys(p.tenant_id).await?.catalog.clone())
    }

    // --- customers -----------------------------------------------------------------------

    /// Refuses (and audits the refusal of) any change to a restricted customer, and any use of
    /// it by a role other than the owner.
    pub(crate) async fn check_restriction(
        &self,
        p: &Principal,
        row: &CustomerRow,
        action: Action,
        write: bool,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        if !row.restricted || (!write && p.role.sees_restricted()) {
            return Ok(());
        }
        let mut ev = AuditEvent::by(p, action.as_str(), self.clock.now(), meta)
            .customers([row.id.as_uuid()])
            .outcome(Outcome::Denied);
        ev.reason = Some("restricted".into());
        self.store.append_audit(vec![ev]).await?;
        Err(CoreError::Restricted)
    }

    pub(crate) async fn deny(
        &self,
        p: &Principal,
        action: Action,
        customers: &[CustomerId],
        meta: &RequestMeta,
    ) -> CoreError {
        let ev = AuditEvent::by(p, action.as_str(), self.clock.now(), meta)
            .customers(customers.iter().map(|c| c.as_uuid()))
            .outcome(Outcome::Denied);
        if let Err(e) = self.store.append_audit(vec![ev]).await {
            return e.into();
        }
        forbidden(action)
    }

    pub(crate) async fn authorize(
        &self,
        p: &Principal,
        action: Action,
        customers: &[CustomerId],
        meta: &RequestMeta,
    ) -> Result<Arc<TenantKeys>, CoreError> {
        p.active()?;
        if !p.role.may(action) {
            return Err(self.deny(p, action, customers, meta).await);
        }
        self.tenant_keys(p.tenant_id).await
    }

    /// Refuses (with its audit event) a principal whose role may not do `action`: for handlers
    /// that check before reading a large body.
    pub async fn check_may(
        &self,
        p: &Principal,
        action: Action,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        self.authorize(p, action, &[], meta).await.map(|_| ())
    }

    /// Validates written fields and checks the role may write each field's category.
    fn validate_write(
        &self,
        p: &Principal,
        t: &TenantKeys,
        input: &Plain,
        allow_null: bool,
    ) -> Result<BTreeMap<Category, Plain>, CoreError> {
        let valid = validate_fields(
            |n| t.catalog.field(n),
            input,
            &t.catalog.default_country,
            allow_null,
        )?;
        let mut by_cat: BTreeMap<Category, Plain> = BTreeMap::new();
        for (name, (def, value)) in valid {
            if p.role.access(def.category) == Access::None {
                return Err(CoreError::Forbidden(format!(
                    "Your role may not write the field '{name}'."
                )));
            }
            by_cat.entry(def.category).or_default().insert(name, value);
        }
        Ok(by_cat)
    }

    pub(crate) fn index_entries(
        &self,
        t: &TenantKeys,
        all: &BTreeMap<Category, Plain>,
    ) -> Vec<IndexEntry> {
        let mut out = HashSet::new();
        for fields in all.values() {
            for (name, value) in fields {
                let Some(def) = t.catalog.field(name).filter(|d| d.searchable) else {
                    continue;
                };
                let Some(s) = value.as_str() else { continue };
                match def.type_ {
                    FieldType::Email => {
                        if let Ok(e) = Email::parse(s) {
                            out.insert(IndexEntry {
                                kind: IndexKind::Email,
                                hash: crypto::blind_index(
                                    &t.index_key,
                                    IndexKind::Email.as_str(),
                                    &e.search_key(),
                                ),
                            });
                        }
                    }
                    FieldType::Phone => {
                        out.insert(IndexEntry {
                            kind: IndexKind::Phone,
                            hash: crypto::blind_index(&t.index_key, IndexKind::Phone.as_str(), s),
                        });
                    }
                    _ => {
                        for word in values::name_words(s) {
                            out.insert(IndexEntry {
                                kind: IndexKind::NameWord,
                                hash: crypto::blind_index(
                                    &t.index_key,
                                    IndexKind::NameWord.as_str(),
                                    &word,
                                ),
                            });
                            for prefix in values::word_prefixes(&word) {
                                out.insert(IndexEntry {
                                    kind: IndexKind::NamePrefix,
                                    hash: crypto::blind_index(
                                        &t.index_key,
                                        IndexKind::NamePrefix.as_str(),
                                        &prefix,
                                    ),
                                });
                            }
                        }
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    pub(crate) fn seal_category(
        t: &TenantKeys,
        customer: CustomerId,
        dek: &Key32,
        cat: Category,
        fields: &Plain,
    ) -> Vec<u8> {
        let json = Zeroizing::new(serde_json::to_vec(fields).unwrap_or_default());
        crypto::seal(dek, &json, &field_aad(t.id, customer, &category_place(cat)))
    }

    pub(crate) fn open_category(
        t: &TenantKeys,
        customer: CustomerId,
        dek: &Key32,
        cat: Category,
        blob: &[u8],
    ) -> Result<Plain, CoreError> {
        let plain = crypto::open(dek, blob, &field_aad(t.id, customer, &category_place(cat)))
            .map_err(|e| {
                CoreError::Internal(format!(
                    "customer {customer} category {} does not open: {e}",
                    cat.as_str()
                ))
            })?;
        serde_json::from_slice(&plain).map_err(|_| {
            CoreError::Internal(format!(
                "customer {customer} category {} is not JSON",
                cat.as_str()
            ))
        })
    }

    pub(crate) fn unwrap_dek(t: &TenantKeys, row: &CustomerRow) -> Result<Key32, CoreError> {
        let kek = t.kek_of(row.kek_version).ok_or_else(|| {
            CoreError::Internal(format!(
                "customer {} data key is wrapped under tenant key version {}, unknown here",
                row.id, row.kek_version
            ))
        })?;
        crypto::unwrap_key(
            kek,
            &row.wrapped_dek,
            &dek_aad(t.id, row.id, row.kek_version),
        )
        .map_err(|_| CoreError::Internal(format!("customer {} data key does not unwrap", row.id)))
    }

    /// A customer's data key wrapped under the tenant key's current version.
    pub(crate) fn wrap_dek(t: &TenantKeys, customer: CustomerId, dek: &Key32) -> Vec<u8> {
        crypto::wrap_key(&t.kek, dek, &dek_aad(t.id, customer, t.kek_version))
    }

    /// Decrypts the categories the role may see (and only those) and renders the customer.
    /// Returns the view and the categories opened.
    pub(crate) fn view(
        &self,
        p: &Principal,
        t: &TenantKeys,
        row: &CustomerRow,
    ) -> Result<(Customer, Vec<Category>), CoreError> {
        let sealed = SealedFields::decode(&row.sealed)?;
        let mut fields = BTreeMap::new();
        let mut masked = Vec::new();
        let mut opened = Vec::new();
        let mut dek: Option<Key32> = None;
        for (cat, blob) in &sealed.0 {
            let access = p.role.access(*cat);
            if access == Access::None {
                continue;
            }
            if dek.is_none() {
                dek = Some(Self::unwrap_dek(t, row)?);
            }
            let Some(key) = dek.as_ref() else { continue };
            let plain = Self::open_category(t, row.id, key, *cat, blob)?;
            opened.push(*cat);
            for (name, value) in plain {
                if access == Access::Masked {
                    fields.insert(name.clone(), mask_value(t.catalog.field(&name), &value));
                    masked.push(name);
                } else {
                    fields.insert(name, value);
                }
            }
        }
        Ok((
            Customer {
                id: row.id.as_uuid(),
                number: CustomerNumber(row.number).to_string(),
                fields,
                masked,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
                restricted: row.restricted,
            },
            opened,
        ))
    }

    /// Creates a customer. With an idempotency key, a replay answers the first result and
    /// creates nothing.
    pub async fn create_customer(
        &self,
        p: &Principal,
        input: &Plain,
        idem: Option<Idempotency>,
        meta: &RequestMeta,
    ) -> Result<Created<Customer>, CoreError> {
        let t = self.authorize(p, Action::CustomerCreate, &[], meta).await?;
        let scope = p.actor_id.to_string();
        if let Some(i) = &idem {
            if let Some(first) = self.store.idempotency(p.tenant_id, &scope, &i.key).await? {
                return self.replay(p, first, i, meta).await;
            }
        }
        let by_cat = self.validate_write(p, &t, input, false)?;
        for def in t.catalog.fields.iter().filter(|d| d.required) {
            if !input.contains_key(&def.name) {
                return Err(CoreError::Field(crate::catalog::FieldError::Invalid {
                    field: def.name.clone(),
                    reason: "is required".into(),
                }));
            }
        }
        let now = self.clock.now();
        let (mut row, index, _dek) = self.new_customer(&t, &by_cat, now);
        let id = row.id;
        let idem_row = idem
            .as_ref()
            .map(|i| i.first_use(t.id, &scope, id.as_uuid(), now));
        let ev = AuditEvent::by(p, Action::CustomerCreate.as_str(), now, meta)
            .customers([id.as_uuid()])
            .categories(by_cat.keys().copied());
        match self
            .store
            .insert_customer(row.clone(), index, idem_row, ev)
            .await
        {
            Ok(number) => row.number = number,
            Err(StoreError::IdempotencyReplay(first)) => {
                let i = idem
                    .as_ref()
                    .ok_or(CoreError::Internal("replay without key".into()))?;
                return self.replay(p, *first, i, meta).await;
            }
            Err(e) => return Err(e.into()),
        }
        let (view, _) = self.view(p, &t, &row)?;
        Ok(Created::New(view))
    }

    /// A new customer's row (fields sealed under a fresh data key, wrapped under the tenant
    /// key) and index entries; the data key is answered for sealing its records.
    pub(crate) fn new_customer(
        &self,
        t: &TenantKeys,
        by_cat: &BTreeMap<Category, Plain>,
        now: OffsetDateTime,
    ) -> (CustomerRow, Vec<IndexEntry>, Key32) {
        let (row, dek) = self.new_customer_row(t, by_cat, now);
        (row, self.index_entries(t, by_cat), dek)
    }

    /// A new customer's row and data key, without its index entries.
    pub(crate) fn new_customer_row(
        &self,
        t: &TenantKeys,
        by_cat: &BTreeMap<Category, Plain>,
        now: OffsetDateTime,
    ) -> (CustomerRow, Key32) {
        let id = CustomerId::new_at(now);
        let dek = Key32::generate();
        let mut sealed = SealedFields::default();
        for (cat, fields) in by_cat {
            sealed
                .0
                .insert(*cat, Self::seal_category(t, id, &dek, *cat, fields));
        }
        let row = CustomerRow {
            id,
            tenant_id: t.id,
            number: 0,
            kek_version: t.kek_version,
            wrapped_dek: crypto::wrap_key(&t.kek, &dek, &dek_aad(t.id, id, t.kek_version)),
            sealed: sealed.encode(),
            version: 1,
            created_at: now,
            updated_at: now,
            restricted: false,
        };
        (row, dek)
    }

    /// Seals a record's fields under its customer's data key.
    pub(crate) fn seal_record(
        t: &TenantKeys,
        customer: CustomerId,
        dek: &Key32,
        id: RecordId,
        fields: &Plain,
    ) -> Vec<u8> {
        let json = Zeroizing::new(serde_json::to_vec(fields).unwrap_or_default());
        crypto::seal(dek, &json, &field_aad(t.id, customer, &record_place(id)))
    }

    async fn replay(
        &self,
        p: &Principal,
        first: IdempotencyRow,
        i: &Idempotency,
        meta: &RequestMeta,
    ) -> Result<Created<Customer>, CoreError> {
        if !crypto::chain::same(&first.fingerprint, &i.fingerprint) {
            return Err(CoreError::IdempotencyKeyReused);
        }
        let id = CustomerId::from_uuid(first.resource_id);
        Ok(Created::Replayed(self.get_customer(p, id, meta).await?))
    }

    /// Reads one customer, decrypting only what the role may see; audited before it answers.
    pub async fn get_customer(
        &self,
        p: &Principal,
        id: CustomerId,
        meta: &RequestMeta,
    ) -> Result<Customer, CoreError> {
        let t = self.authorize(p, Action::CustomerRead, &[id], meta).await?;
        let row = self
            .store
            .customer(p.tenant_id, id)
            .await?
            .ok_or(CoreError::NotFound("Customer"))?;
        let t = self.keys_for(t, [&row]).await?;
        self.check_restriction(p, &row, Action::CustomerRead, false, meta)
            .await?;
        let (view, opened) = self.view(p, &t, &row)?;
        let ev = AuditEvent::by(p, Action::CustomerRead.as_str(), self.clock.now(), meta)
            .customers([id.as_uuid()])
            .categories(opened);
        self.store.append_audit(vec![ev]).await?;
        Ok(view)
    }

    /// A page of customers (roles allowed to list).
    pub async fn list_customers(
        &self,
        p: &Principal,
        cursor: Option<CustomerId>,
        limit: Option<u32>,
        meta: &RequestMeta,
    ) -> Result<(Vec<Customer>, Option<CustomerId>), CoreError> {
        let t = self.authorize(p, Action::CustomerList, &[], meta).await?;
        let limit = limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
        let rows = self
            .store
            .list_customers(p.tenant_id, cursor, limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        let rows = &rows[..rows.len().min(limit as usize)];
        let next = if more {
            rows.last().map(|r| r.id)
        } else {
            None
        };
        // A restricted customer is listed only for the owner (the cursor still moves past it).
        let shown: Vec<CustomerRow> = rows
            .iter()
            .filter(|r| !r.restricted || p.role.sees_restricted())
            .cloned()
            .collect();
        let t = self.keys_for(t, shown.iter()).await?;
        self.render_audited(p, &t, &shown, Action::CustomerList, meta)
            .await
            .map(|items| (items, next))
    }

    async fn render_audited(
        &self,
        p: &Principal,
        t: &TenantKeys,
        rows: &[CustomerRow],
        action: Action,
        meta: &RequestMeta,
    ) -> Result<Vec<Customer>, CoreError> {
        let mut items = Vec::with_capacity(rows.len());
        let mut cats = Vec::new();
        for row in rows {
            let (view, opened) = self.view(p, t, row)?;
            cats.extend(opened);
            items.push(view);
        }
        let ev = AuditEvent::by(p, action.as_str(), self.clock.now(), meta)
            .customers(rows.iter().map(|r| r.id.as_uuid()))
            .categories(cats);
        self.store.append_audit(vec![ev]).await?;
        Ok(items)
    }

    /// Searches by e-mail, phone, customer number or name prefixes. Ranked: customers matching
    /// more query words as whole words first, then by customer number; capped at `limit`.
    pub async fn search(
        &self,
        p: &Principal,
        query: SearchQuery,
        limit: Option<u32>,
        meta: &RequestMeta,
    ) -> Result<Vec<Customer>, CoreError> {
        let t = self.authorize(p, Action::CustomerSearch, &[], meta).await?;
        let limit = limit.unwrap_or(20).clamp(1, SEARCH_MAX);
        let ids = self.search_ids(&t, query, limit).await?;
        let mut rows = self.store.customers(p.tenant_id, &ids).await?;
        let order: HashMap<CustomerId, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|r| order.get(&r.id).copied().unwrap_or(usize::MAX));
        // A restricted customer is found only by the owner.
        rows.retain(|r| !r.restricted || p.role.sees_restricted());
        let t = self.keys_for(t, rows.iter()).await?;
        self.render_audited(p, &t, &rows, Action::CustomerSearch, meta)
            .await
    }

    async fn search_ids(
        &self,
        t: &TenantKeys,
        query: SearchQuery,
        limit: u32,
    ) -> Result<Vec<CustomerId>, CoreError> {
        let key = |kind: IndexKind, v: &str| crypto::blind_index(&t.index_key, kind.as_str(), v);
        let exact = |kind: IndexKind, hash: [u8; 16]| async move {
            let hits = self.store.index_lookup(t.id, kind, &[hash], limit).await?;
            let mut ids: Vec<CustomerId> = hits.into_iter().map(|(c, _)| c).collect();
            ids.sort();
            ids.dedup();
            Ok::<_, CoreError>(ids)
        };
        let invalid =
            |what: &str| CoreError::Invalid(format!("The {what} to search for is not valid."));
        match query {
            SearchQuery::Email(e) => {
                let e = Email::parse(&e).map_err(|_| invalid("e-mail address"))?;
                exact(IndexKind::Email, key(IndexKind::Email, &e.search_key())).await
            }
            SearchQuery::Phone(ph) => {
                let ph = Phone::parse(&ph, &t.catalog.default_country)
                    .map_err(|_| invalid("phone number"))?;
                exact(IndexKind::Phone, key(IndexKind::Phone, ph.as_str())).await
            }
            SearchQuery::Any(q) => {
                let q = q.trim();
                if q.is_empty() {
                    return Err(CoreError::Invalid("Type something to search for.".into()));
                }
                if q.contains('@') {
                    return match Email::parse(q) {
                        Ok(e) => {
                            exact(IndexKind::Email, key(IndexKind::Email, &e.search_key())).await
                        }
                        Err(_) => Ok(Vec::new()),
                    };
                }
                if let Some(n) = CustomerNumber::parse(q) {
                    return Ok(self
                        .store
                        .customer_by_number(t.id, n.0)
                        .await?
                        .into_iter()
                        .collect());
                }
                let digits = q.chars().filter(char::is_ascii_digit).count();
                if digits >= 6
                    && q.chars()
                        .all(|c| c.is_ascii_digit() || " +-()./'".contains(c))
                {
                    return match Phone::parse(q, &t.catalog.default_country) {
                        Ok(ph) => exact(IndexKind::Phone, key(IndexKind::Phone, ph.as_str())).await,
                        Err(_) => Ok(Vec::new()),
                    };
                }
                self.name_search(t, q, limit).await
            }
        }
    }

    async fn name_search(
        &self,
        t: &TenantKeys,
        q: &str,
        limit: u32,
    ) -> Result<Vec<CustomerId>, CoreError> {
        let words = values::name_words(q);
        if words.is_empty() {
            return Err(CoreError::Invalid(
                "Type at least three letters of a name.".into(),
            ));
        }
        if words.len() > 5 {
            return Err(CoreError::Invalid(
                "Search for at most five name words.".into(),
            ));
        }
        if let [w] = words.as_slice() {
            return self.word_search(t, w, limit).await;
        }
        // Candidates must match every query word as a prefix; fetch generously for the first
        // (most selective is unknown) and intersect.
        let fetch = 2000;
        let mut candidates: Option<HashSet<CustomerId>> = None;
        let mut whole: HashMap<CustomerId, usize> = HashMap::new();
        for w in &words {
            let prefix = values::query_prefix(w);
            let hash = crypto::blind_index(&t.index_key, IndexKind::NamePrefix.as_str(), prefix);
            let hits: HashSet<CustomerId> = self
                .store
                .index_lookup(t.id, IndexKind::NamePrefix, &[hash], fetch)
                .await?
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            candidates = Some(match candidates {
                None => hits,
                Some(c) => c.intersection(&hits).copied().collect(),
            });
            let word_hash = crypto::blind_index(&t.index_key, IndexKind::NameWord.as_str(), w);
            for (c, _) in self
                .store
                .index_lookup(t.id, IndexKind::NameWord, &[word_hash], fetch)
                .await?
            {
                *whole.entry(c).or_default() += 1;
            }
        }
        let mut ids: Vec<CustomerId> = candidates.unwrap_or_default().into_iter().collect();
        ids.sort_by(|a, b| {
            whole
                .get(b)
                .unwrap_or(&0)
                .cmp(whole.get(a).unwrap_or(&0))
                .then(a.cmp(b))
        });
        ids.truncate(limit as usize);
        Ok(ids)
    }

    /// One name word (the type-ahead): the customers with that whole word first, then those
    /// whose word only begins with it, each group by id — `limit` of them, read straight off
    /// the index whatever the number of customers who match.
    async fn word_search(
        &self,
        t: &TenantKeys,
        w: &str,
        limit: u32,
    ) -> Result<Vec<CustomerId>, CoreError> {
        let whole = crypto::blind_index(&t.index_key, IndexKind::NameWord.as_str(), w);
        let mut ids: Vec<CustomerId> = self
            .store
            .index_lookup(t.id, IndexKind::NameWord, &[whole], limit)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        if ids.len() < limit as usize {
            // A whole word is a prefix of itself: those found already come again, skipped.
            let prefix = values::query_prefix(w);
            let hash = crypto::blind_index(&t.index_key, IndexKind::NamePrefix.as_str(), prefix);
            let more = limit + ids.len() as u32;
            let seen: HashSet<CustomerId> = ids.iter().copied().collect();
            for (c, _) in self
                .store
                .index_lookup(t.id, IndexKind::NamePrefix, &[hash], more)
                .await?
            {
                if ids.len() == limit as usize {
                    break;
                }
                if !seen.contains(&c) {
                    ids.push(c);
                }
            }
        }
        Ok(ids)
    }

    /// Updates a customer if `expected_version` is current: a value sets a field, null removes
    /// it. Only the touched categories are re-sealed.
    pub async fn update_customer(
        &self,
        p: &Principal,
        id: CustomerId,
        expected_version: u64,
        patch: &Plain,
        meta: &RequestMeta,
    ) -> Result<Customer, CoreError> {
        let t = self
            .authorize(p, Action::CustomerUpdate, &[id], meta)
            .await?;
        if patch.is_empty() {
            return Err(CoreError::Invalid("The update names no field.".into()));
        }
        let changes = self.validate_write(p, &t, patch, true)?;
        let row = self
            .store
            .customer(p.tenant_id, id)
            .await?
            .ok_or(CoreError::NotFound("Customer"))?;
        let t = self.keys_for(t, [&row]).await?;
        self.check_restriction(p, &row, Action::CustomerUpdate, true, meta)
            .await?;
        if row.version != expected_version {
            return Err(CoreError::VersionMismatch {
                expected: expected_version,
                current: row.version,
            });
        }
        let dek = Self::unwrap_dek(&t, &row)?;
        let mut sealed = SealedFields::decode(&row.sealed)?;
        let reindex = changes
            .values()
            .flat_map(|m| m.keys())
            .any(|n| t.catalog.field(n).is_some_and(|d| d.searchable));
        // Open what changes, and (when the index must be rebuilt) every searchable category.
        let mut plain: BTreeMap<Category, Plain> = BTreeMap::new();
        let searchable_cats: HashSet<Category> = t
            .catalog
            .fields
            .iter()
            .filter(|d| d.searchable)
            .map(|d| d.category)
            .collect();
        for (cat, blob) in &sealed.0 {
            if changes.contains_key(cat) || (reindex && searchable_cats.contains(cat)) {
                plain.insert(*cat, Self::open_category(&t, id, &dek, *cat, blob)?);
            }
        }
        for (cat, fields) in &changes {
            let current = plain.entry(*cat).or_default();
            for (name, value) in fields {
                if value.is_null() {
                    current.remove(name);
                } else {
                    current.insert(name.clone(), value.clone());
                }
            }
            if current.is_empty() {
                sealed.0.remove(cat);
            } else {
                sealed
                    .0
                    .insert(*cat, Self::seal_category(&t, id, &dek, *cat, current));
            }
        }
        let index = reindex.then(|| self.index_entries(&t, &plain));
        let now = self.clock.now();
        let encoded = sealed.encode();
        let ev = AuditEvent::by(p, Action::CustomerUpdate.as_str(), now, meta)
            .customers([id.as_uuid()])
            .categories(changes.keys().copied());
        let version = self
            .store
            .update_customer(
                p.tenant_id,
                id,
                CustomerChange {
                    expected_version,
                    sealed: encoded.clone(),
                    index,
                    updated_at: now,
                },
                ev,
            )
            .await
            .map_err(|e| match e {
                StoreError::VersionMismatch(current) => CoreError::VersionMismatch {
                    expected: expected_version,
                    current,
                },
                StoreError::NotFound => CoreError::NotFound("Customer"),
                other => other.into(),
            })?;
        let updated = CustomerRow {
            sealed: encoded,
            version,
            updated_at: now,
            ..row
        };
        Ok(self.view(p, &t, &updated)?.0)
    }

    /// Reveals fields that the role sees masked, for a stated reason (3 to 500 characters),
    /// audited with the reason. Fields the role sees in full or not at all cannot be revealed.
    pub async fn reveal(
        &self,
        p: &Principal,
        id: CustomerId,
        fields: &[String],
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<Plain, CoreError> {
        let t = self
            .authorize(p, Action::CustomerReveal, &[id], meta)
            .await?;
        let reason = reason.trim();
        if !(3..=500).contains(&reason.chars().count()) {
            return Err(CoreError::Invalid(
                "State why you need to see the field (3 to 500 characters).".into(),
            ));
        }
        if fields.is_empty() || fields.len() > 20 {
            return Err(CoreError::Invalid("Name 1 to 20 fields to reveal.".into()));
        }
        let mut cats = Vec::new();
        for name in fields {
            let def = t
                .catalog
                .field(name)
                .ok_or_else(|| crate::catalog::FieldError::Unknown(name.clone()))?;
            match p.role.access(def.category) {
                Access::Masked => cats.push(def.category),
                Access::Full => {
                    return Err(CoreError::Invalid(format!(
                    "The field '{name}' is not masked for your role; read the customer instead."
                )))
                }
                Access::None => {
                    return Err(self.deny(p, Action::CustomerReveal, &[id], meta).await)
                }
            }
        }
        let row = self
            .store
            .customer(p.tenant_id, id)
            .await?
            .ok_or(CoreError::NotFound("Customer"))?;
        let t = self.keys_for(t, [&row]).await?;
        self.check_restriction(p, &row, Action::CustomerReveal, false, meta)
            .await?;
        let sealed = SealedFields::decode(&row.sealed)?;
        let dek = Self::unwrap_dek(&t, &row)?;
        let mut out = Plain::new();
        cats.sort();
        cats.dedup();
        for cat in &cats {
            if let Some(blob) = sealed.0.get(cat) {
                let plain = Self::open_category(&t, id, &dek, *cat, blob)?;
                out.extend(plain.into_iter().filter(|(k, _)| fields.contains(k)));
            }
        }
        let mut ev = AuditEvent::by(p, Action::CustomerReveal.as_str(), self.clock.now(), meta)
            .customers([id.as_uuid()])
            .categories(cats)
            .target(format!("fields:{}", fields.join(",")));
        ev.reason = Some(reason.to_owned());
        self.store.append_audit(vec![ev]).await?;
        Ok(out)
    }

    /// Erases a customer by crypto-shredding: the data key, fields, index entries and records
    /// go, a tombstone stays.
    pub async fn erase_customer(
        &self,
        p: &Principal,
        id: CustomerId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        self.authorize(p, Action::CustomerErase, &[id], meta)
            .await?;
        let now = self.clock.now();
        let ev = AuditEvent::by(p, Action::CustomerErase.as_str(), now, meta)
            .customers([id.as_uuid()])
            .categories(Category::ALL);
        self.store
            .erase_customer(p.tenant_id, id, now, ev)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("Customer"),
                other => other.into(),
            })
    }

    // --- records -------------------------------------------------------------------------

    /// Adds a timeline record to a customer.
    pub async fn add_record(
        &self,
        p: &Principal,
        customer: CustomerId,
        new: &custos_api::NewRecord,
        idem: Option<Idempotency>,
        meta: &RequestMeta,
    ) -> Result<Created<Record>, CoreError> {
        let t = self
            .authorize(p, Action::RecordCreate, &[customer], meta)
            .await?;
        let rt = t
            .catalog
            .record_type(&new.type_)
            .ok_or_else(|| CoreError::UnknownRecordType(new.type_.clone()))?;
        if p.role.access(rt.category) == Access::None {
            return Err(self.deny(p, Action::RecordCreate, &[customer], meta).await);
        }
        let scope = p.actor_id.to_string();
        if let Some(i) = &idem {
            if let Some(first) = self.store.idempotency(p.tenant_id, &scope, &i.key).await? {
                return self.replay_record(p, &t, first, i).await;
            }
        }
        let valid = validate_fields(
            |n| rt.fields.iter().find(|f| f.name == n),
            &new.fields,
            &t.catalog.default_country,
            false,
        )?;
        for def in rt.fields.iter().filter(|d| d.required) {
            if !valid.contains_key(&def.name) {
                return Err(CoreError::Field(crate::catalog::FieldError::Invalid {
                    field: def.name.clone(),
                    reason: "is required".into(),
                }));
            }
        }
        let row = self
            .store
            .customer(p.tenant_id, customer)
            .await?
            .ok_or(CoreError::NotFound("Customer"))?;
        let fresh = self.keys_for(t.clone(), [&row]).await?;
        self.check_restriction(p, &row, Action::RecordCreate, true, meta)
            .await?;
        let dek = Self::unwrap_dek(&fresh, &row)?;
        let now = self.clock.now();
        let id = RecordId::new_at(now);
        let fields: Plain = valid.into_iter().map(|(k, (_, v))| (k, v)).collect();
        let json = Zeroizing::new(serde_json::to_vec(&fields).unwrap_or_default());
        let record = RecordRow {
            id,
            tenant_id: t.id,
            customer_id: customer,
            type_: rt.name.clone(),
            category: rt.category,
            occurred_at: new.occurred_at.unwrap_or(now),
            sealed: crypto::seal(&dek, &json, &field_aad(t.id, customer, &record_place(id))),
            created_at: now,
        };
        let idem_row = idem
            .as_ref()
            .map(|i| i.first_use(t.id, &scope, id.as_uuid(), now));
        let ev = AuditEvent::by(p, Action::RecordCreate.as_str(), now, meta)
            .customers([customer.as_uuid()])
            .categories([rt.category])
            .target(format!("record:{id}"));
        match self.store.insert_record(record.clone(), idem_row, ev).await {
            Ok(()) => {}
            Err(StoreError::IdempotencyReplay(first)) => {
                let i = idem
                    .as_ref()
                    .ok_or(CoreError::Internal("replay without key".into()))?;
                return self.replay_record(p, &t, *first, i).await;
            }
            Err(StoreError::NotFound) => return Err(CoreError::NotFound("Customer")),
            Err(e) => return Err(e.into()),
        }
        Ok(Created::New(self.record_view(
            p,
            &t,
            &record,
            Some(&fields),
            &dek,
        )?))
    }

    async fn replay_record(
        &self,
        p: &Principal,
        t: &TenantKeys,
        first: IdempotencyRow,
        i: &Idempotency,
    ) -> Result<Created<Record>, CoreError> {
        if !crypto::chain::same(&first.fingerprint, &i.fingerprint) {
            return Err(CoreError::IdempotencyKeyReused);
        }
        let rec = self
            .store
            .record(p.tenant_id, RecordId::from_uuid(first.resource_id))
            .await?
            .ok_or(CoreError::NotFound("Record"))?;
        let row = self
            .store
            .customer(p.tenant_id, rec.customer_id)
            .await?
            .ok_or(CoreError::NotFound("Customer"))?;
        let t = self.keys_for(self.tenant_keys(t.id).await?, [&row]).await?;
        let dek = Self::unwrap_dek(&t, &row)?;
        Ok(Created::Replayed(
            self.record_view(p, &t, &rec, None, &dek)?,
        ))
    }

    pub(crate) fn record_view(
        &self,
        p: &Principal,
        t: &TenantKeys,
        r: &RecordRow,
        plain: Option<&Plain>,
        dek: &Key32,
    ) -> Result<Record, CoreError> {
        let opened;
        let fields = match plain {
            Some(f) => f,
            None => {
                let bytes = crypto::open(
                    dek,
                    &r.sealed,
                    &field_aad(t.id, r.customer_id, &record_place(r.id)),
                )
                .map_err(|e| CoreError::Internal(format!("record {} does not open: {e}", r.id)))?;
                opened = serde_json::from_slice::<Plain>(&bytes)
                    .map_err(|_| CoreError::Internal(format!("record {} is not JSON", r.id)))?;
                &opened
            }
        };
        let access = p.role.access(r.category);
        let rt = t.catalog.record_type(&r.type_);
        let mut out = BTreeMap::new();
        let mut masked = Vec::new();
        for (name, value) in fields {
            if access == Access::Masked {
                let def = rt.and_then(|rt| rt.fields.iter().find(|f| &f.name == name));
                out.insert(name.clone(), mask_value(def, value));
                masked.push(name.clone());
            } else {
                out.insert(name.clone(), value.clone());
            }
        }
        Ok(Record {
            id: r.id.as_uuid(),
            customer_id: r.customer_id.as_uuid(),
            type_: r.type_.clone(),
            occurred_at: r.occurred_at,
            fields: out,
            masked,
            created_at: r.created_at,
        })
    }

    /// A page of a customer's records, newest first, only of categories the role may see.
    pub async fn list_records(
        &self,
        p: &Principal,
        customer: CustomerId,
        cursor: Option<RecordId>,
        limit: Option<u32>,
        meta: &RequestMeta,
    ) -> Result<(Vec<Record>, Option<RecordId>), CoreError> {
        let t = self
            .authorize(p, Action::RecordRead, &[customer], meta)
            .await?;
        let row = self
            .store
            .customer(p.tenant_id, customer)
            .await?
            .ok_or(CoreError::NotFound("Customer"))?;
        let t = self.keys_for(t, [&row]).await?;
        self.check_restriction(p, &row, Action::RecordRead, false, meta)
            .await?;
        let cats: Vec<Category> = Category::ALL
            .into_iter()
            .filter(|c| p.role.access(*c) != Access::None)
            .collect();
        let limit = limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
        let rows = self
            .store
            .list_records(p.tenant_id, customer, &cats, cursor, limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        let rows = &rows[..rows.len().min(limit as usize)];
        let dek = Self::unwrap_dek(&t, &row)?;
        let items = rows
            .iter()
            .map(|r| self.record_view(p, &t, r, None, &dek))
            .collect::<Result<Vec<_>, _>>()?;
        let ev = AuditEvent::by(p, Action::RecordRead.as_str(), self.clock.now(), meta)
            .customers([customer.as_uuid()])
            .categories(rows.iter().map(|r| r.category));
        self.store.append_audit(vec![ev]).await?;
        Ok((
            items,
            if more {
                rows.last().map(|r| r.id)
            } else {
                None
            },
        ))
    }
}

/// Parses the JSON object of a category blob (used by tests and tools).
pub fn object(map: Map<String, Value>) -> Plain {
    map.into_iter().collect()
}

pub(crate) async fn hash_password(password: &str) -> Result<String, CoreError> {
    let pw = crate::password::normalise(password);
    tokio::task::spawn_blocking(move || crypto::password::hash(&pw))
        .await
        .map_err(|e| CoreError::Internal(format!("hashing task: {e}")))?
        .map_err(CoreError::from)
}

pub(crate) async fn verify_password(password: &str, phc: &str) -> Result<bool, CoreError> {
    let pw = crate::password::normalise(password);
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || crypto::password::verify(&pw, &phc))
        .await
        .map_err(|e| CoreError::Internal(format!("hashing task: {e}")))
}

/// Tenant slugs: 2 to 40 of a–z, 0–9 and '-'.
pub fn check_slug(slug: &str) -> Result<(), CoreError> {
    let ok = (2..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(CoreError::Invalid(
            "A business short name has 2 to 40 characters: a–z, 0–9 and '-'.".into(),
        ))
    }
}

/// Usernames: 1 to 64 printable characters without spaces.
pub fn check_username(u: &str) -> Result<(), CoreError> {
    if u.is_empty()
        || u.chars().count() > 64
        || u.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(CoreError::Invalid(
            "A username has 1 to 64 characters and no spaces.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_fields_round_trip_and_reject_garbage() {
        let mut s = SealedFields::default();
        s.0.insert(Category::Identity, vec![1, 2, 3]);
        s.0.insert(Category::Health, vec![]);
        let enc = s.encode();
        assert_eq!(SealedFields::decode(&enc).unwrap(), s);
        assert!(SealedFields::decode(&enc[..enc.len() - 1]).is_err());
        assert!(SealedFields::decode(&[]).is_err());
        assert!(SealedFields::decode(&[1, 99, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn slugs() {
        assert!(check_slug("anna-optik").is_ok());
        assert!(check_slug("Anna").is_err());
        assert!(check_slug("-x").is_err());
    }
}
