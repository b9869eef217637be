//! The store's queries, written once against `sql::Db` and run by either engine: SQLite (the
//! embedded default) or PostgreSQL (many instances, one database). The engines differ in how they
//! commit and chain audit events; what a method reads and writes is the same on both.

use crate::params;
use crate::pg::PgEngine;
use crate::sql::{Db, DbError, OptionalExt, Row};
use crate::sqlite::SqliteEngine;
use async_trait::async_trait;
use custos_core::audit::AuditEvent;
use custos_core::catalog::Category;
use custos_core::ids::{
    AlertId, CustomerId, DeviceId, GrantId, RecordId, TenantId, TokenId, UserId,
};
use custos_core::store::*;
use time::OffsetDateTime;
use uuid::Uuid;

type Result<T, E = DbError> = std::result::Result<T, E>;

pub(crate) fn ts(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

pub(crate) fn from_ts(n: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(n)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub(crate) fn uuid_of(b: &[u8]) -> Uuid {
    Uuid::from_slice(b).unwrap_or_default()
}

pub(crate) fn arr32(b: &[u8]) -> [u8; 32] {
    <[u8; 32]>::try_from(b).unwrap_or([0; 32])
}

/// Ok when a statement changed a row; `NotFound` when it changed none.
fn exactly_one(r: Result<usize>) -> Result<(), StoreError> {
    match r.map_err(map_err)? {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        map_err(e)
    }
}

pub(crate) fn map_err(e: DbError) -> StoreError {
    match e {
        DbError::Constraint(_) => StoreError::Conflict("value"),
        DbError::Unavailable(m) | DbError::Retry(m) => StoreError::Unavailable(m),
        DbError::NoRows => StoreError::NotFound,
        o => StoreError::Other(o.to_string()),
    }
}

/// Whose rows a transaction may see. On PostgreSQL this is enforced by row-level security, so a
/// query that forgets its `tenant_id = ?` still cannot reach another business's rows; SQLite
/// (one business's machine, one process) relies on the queries alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One tenant's rows.
    Tenant(TenantId),
    /// Every tenant's rows: lookups before the tenant is known (a token by its hash), and work
    /// across tenants (the audit chain, background jobs).
    System,
}

/// A write: its result and the audit events it leads to (decided inside the transaction, so an
/// event exists exactly for what was done).
pub(crate) type WriteOp =
    Box<dyn FnOnce(&Db<'_>) -> Result<(i64, Vec<AuditEvent>), StoreError> + Send>;

/// A read on either engine.
pub(crate) type ReadOp<T> = Box<dyn FnOnce(&Db<'_>) -> Result<T> + Send>;

/// The right to run a background job on this instance, until dropped.
pub struct Lease(LeaseInner);

enum LeaseInner {
    Local,
    Pg(Box<crate::pg::PgLease>),
}

impl Lease {
    /// Whether it still holds (checked against the database on PostgreSQL).
    pub async fn alive(&mut self) -> bool {
        match &mut self.0 {
            LeaseInner::Local => true,
            LeaseInner::Pg(l) => l.alive().await,
        }
    }
}

/// The next batch of a writer: waits for one job, then takes whatever else is already waiting,
/// up to `max`. `None` once every sender is gone.
pub(crate) fn next_batch<J>(rx: &std::sync::mpsc::Receiver<J>, max: usize) -> Option<Vec<J>> {
    let mut batch = vec![rx.recv().ok()?];
    while batch.len() < max {
        match rx.try_recv() {
            Ok(j) => batch.push(j),
            Err(_) => break,
        }
    }
    Some(batch)
}

pub(crate) enum Engine {
    Sqlite(Box<SqliteEngine>),
    Pg(Box<PgEngine>),
}

/// The store: the queries over one engine.
pub struct SqlStore {
    pub(crate) engine: Engine,
}

impl SqlStore {
    /// Opens (creating when missing) the SQLite files in `dir`.
    pub fn sqlite(dir: &std::path::Path) -> Result<Self, crate::StoreOpenError> {
        Ok(SqlStore {
            engine: Engine::Sqlite(Box::new(SqliteEngine::open(dir)?)),
        })
    }

    /// Connects to PostgreSQL and brings its schema up to date.
    pub fn postgres(options: &crate::PgOptions) -> Result<Self, crate::StoreOpenError> {
        Ok(SqlStore {
            engine: Engine::Pg(Box::new(PgEngine::open(options)?)),
        })
    }

    /// Whether row-level security binds the database role (always false for SQLite, which has
    /// none; a PostgreSQL superuser is not bound either).
    pub fn rls_enforced(&self) -> bool {
        match &self.engine {
            Engine::Sqlite(_) => false,
            Engine::Pg(e) => e.rls_enforced(),
        }
    }

    /// The data directory of a SQLite store.
    pub fn sqlite_dir(&self) -> Option<&std::path::Path> {
        match &self.engine {
            Engine::Sqlite(e) => Some(e.dir()),
            Engine::Pg(_) => None,
        }
    }

    /// Takes the lease of a background job (retention sweeps, scheduled backups, anomaly scans,
    /// checkpoint signing): `None` while another instance holds it. On SQLite, one process
    /// serves the data dir, so the lease is always granted.
    pub async fn lease(&self, job: &str) -> Result<Option<Lease>, StoreError> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(Some(Lease(LeaseInner::Local))),
            Engine::Pg(e) => Ok(e
                .lease(job)
                .await?
                .map(|l| Lease(LeaseInner::Pg(Box::new(l))))),
        }
    }

    /// Which database this store runs on.
    pub fn dialect(&self) -> crate::sql::Dialect {
        match &self.engine {
            Engine::Sqlite(_) => crate::sql::Dialect::Sqlite,
            Engine::Pg(_) => crate::sql::Dialect::Postgres,
        }
    }

    /// Stops accepting writes and lets pending ones finish.
    pub fn close(&self) {
        match &self.engine {
            Engine::Sqlite(e) => e.close(),
            Engine::Pg(e) => e.close(),
        }
    }

    async fn write(
        &self,
        audit: Vec<AuditEvent>,
        op: impl FnOnce(&Db<'_>) -> Result<i64, StoreError> + Send + 'static,
    ) -> Result<i64, StoreError> {
        self.write_audited(move |tx| op(tx).map(|v| (v, audit)))
            .await
    }

    /// A write whose audit events are decided inside its transaction.
    async fn write_audited(
        &self,
        op: impl FnOnce(&Db<'_>) -> Result<(i64, Vec<AuditEvent>), StoreError> + Send + 'static,
    ) -> Result<i64, StoreError> {
        self.write_in(Scope::System, Box::new(op)).await
    }

    async fn write_in(&self, scope: Scope, op: WriteOp) -> Result<i64, StoreError> {
        match &self.engine {
            Engine::Sqlite(e) => e.write(op).await,
            Engine::Pg(e) => e.write(scope, op).await,
        }
    }

    /// A write seeing only one tenant's rows.
    async fn write_t(
        &self,
        tenant: TenantId,
        audit: Vec<AuditEvent>,
        op: impl FnOnce(&Db<'_>) -> Result<i64, StoreError> + Send + 'static,
    ) -> Result<i64, StoreError> {
        self.write_in(
            Scope::Tenant(tenant),
            Box::new(move |tx| op(tx).map(|v| (v, audit))),
        )
        .await
    }

    /// An audited write seeing only one tenant's rows.
    async fn write_audited_t(
        &self,
        tenant: TenantId,
        op: impl FnOnce(&Db<'_>) -> Result<(i64, Vec<AuditEvent>), StoreError> + Send + 'static,
    ) -> Result<i64, StoreError> {
        self.write_in(Scope::Tenant(tenant), Box::new(op)).await
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.read_scoped(Scope::System, false, Box::new(f)).await
    }

    /// A read seeing only one tenant's rows.
    async fn read_t<T: Send + 'static>(
        &self,
        tenant: TenantId,
        f: impl FnOnce(&Db<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.read_scoped(Scope::Tenant(tenant), false, Box::new(f))
            .await
    }

    /// A read of one tenant's audit trail.
    async fn read_audit_t<T: Send + 'static>(
        &self,
        tenant: TenantId,
        f: impl FnOnce(&Db<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.read_scoped(Scope::Tenant(tenant), true, Box::new(f))
            .await
    }

    /// A read of the audit trail (its own file on SQLite).
    async fn read_in<T: Send + 'static>(
        &self,
        audit: bool,
        f: impl FnOnce(&Db<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.read_scoped(Scope::System, audit, Box::new(f)).await
    }

    pub(crate) async fn read_scoped<T: Send + 'static>(
        &self,
        scope: Scope,
        audit: bool,
        f: ReadOp<T>,
    ) -> Result<T, StoreError> {
        match &self.engine {
            Engine::Sqlite(e) => e.read(audit, f).await,
            Engine::Pg(e) => e.read(scope, f).await,
        }
    }
}

// --- row mapping -------------------------------------------------------------------------------

const TENANT_COLS: &str = "id, slug, name, catalog, wrapped_kek, wrapped_index_key, kek_version, master_key_id, created_at, require_mfa, settings, sealed_contacts";

fn tenant_row(r: &Row<'_>) -> Result<TenantRow> {
    let catalog: String = r.get(3)?;
    Ok(TenantRow {
        id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        slug: r.get(1)?,
        name: r.get(2)?,
        catalog: serde_json::from_str(&catalog).map_err(|e| DbError::Conversion(e.to_string()))?,
        wrapped_kek: r.get(4)?,
        wrapped_index_key: r.get(5)?,
        kek_version: r.get(6)?,
        master_key_id: r.get(7)?,
        created_at: from_ts(r.get(8)?),
        require_mfa: r.get(9)?,
        policy: match r.get::<Option<String>>(10)? {
            Some(text) => {
                Some(serde_json::from_str(&text).map_err(|e| DbError::Conversion(e.to_string()))?)
            }
            None => None,
        },
        sealed_contacts: r.get(11)?,
    })
}

const USER_COLS: &str = "id, tenant_id, username, password_hash, role, disabled, created_at, must_change_password, mfa_secret, mfa_enabled";

fn user_row(r: &Row<'_>) -> Result<UserRow> {
    Ok(UserRow {
        id: UserId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        username: r.get(2)?,
        password_hash: r.get(3)?,
        role: r.get(4)?,
        disabled: r.get(5)?,
        created_at: from_ts(r.get(6)?),
        must_change_password: r.get(7)?,
        mfa_secret: r.get(8)?,
        mfa_enabled: r.get(9)?,
    })
}

const TOKEN_COLS: &str = "id, tenant_id, user_id, name, kind, role, hash, expires_at, revoked, created_at, device_id, last_seen_at";

fn token_row(r: &Row<'_>) -> Result<TokenRow> {
    let kind: String = r.get(4)?;
    Ok(TokenRow {
        id: TokenId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        user_id: UserId::from_uuid(uuid_of(&r.get::<Vec<u8>>(2)?)),
        name: r.get(3)?,
        kind: TokenKind::parse(&kind).unwrap_or(TokenKind::Api),
        role: r.get(5)?,
        hash: arr32(&r.get::<Vec<u8>>(6)?),
        expires_at: r.get::<Option<i64>>(7)?.map(from_ts),
        revoked: r.get(8)?,
        created_at: from_ts(r.get(9)?),
        device_id: r
            .get::<Option<Vec<u8>>>(10)?
            .map(|d| DeviceId::from_uuid(uuid_of(&d))),
        last_seen_at: r.get::<Option<i64>>(11)?.map(from_ts),
    })
}

fn insert_token(tx: &Db<'_>, t: &TokenRow) -> Result<(), StoreError> {
    tx.prepare_cached(&format!("INSERT INTO tokens ({TOKEN_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"))
        .and_then(|mut st| {
            st.execute(params![
                b(t.id.as_uuid()),
                b(t.tenant_id.as_uuid()),
                b(t.user_id.as_uuid()),
                t.name,
                t.kind.as_str(),
                t.role,
                t.hash.as_slice(),
                t.expires_at.map(ts),
                t.revoked,
                ts(t.created_at),
                t.device_id.map(|d| b(d.as_uuid())),
                t.last_seen_at.map(ts)
            ])
        })
        .map_err(map_err)?;
    Ok(())
}

fn role_row(r: &Row<'_>) -> Result<RoleRow> {
    Ok(RoleRow {
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        name: r.get(1)?,
        definition: r.get(2)?,
        created_at: from_ts(r.get(3)?),
    })
}

const ALERT_COLS: &str = "id, tenant_id, kind, severity, message, evidence, created_at, acknowledged_at, acknowledged_by";

fn alert_row(r: &Row<'_>) -> Result<AlertRow> {
    let ack_at: Option<i64> = r.get(7)?;
    let ack_by: Option<Vec<u8>> = r.get(8)?;
    Ok(AlertRow {
        id: AlertId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        kind: r.get(2)?,
        severity: r.get(3)?,
        message: r.get(4)?,
        evidence: r.get(5)?,
        created_at: from_ts(r.get(6)?),
        acknowledged: ack_at
            .zip(ack_by)
            .map(|(at, by)| (from_ts(at), UserId::from_uuid(uuid_of(&by)))),
        dedup_key: None,
    })
}

fn insert_alert(tx: &Db<'_>, a: &AlertRow, deliveries: &[DeliveryRow]) -> Result<(), StoreError> {
    let inserted = tx.execute(
        &format!(
            "INSERT INTO alerts ({ALERT_COLS}, dedup_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, NULL, ?8) ON CONFLICT (dedup_key) DO NOTHING"
        ),
        params![
            b(a.id.as_uuid()),
            b(a.tenant_id.as_uuid()),
            a.kind,
            a.severity,
            a.message,
            a.evidence,
            ts(a.created_at),
            a.dedup_key
        ],
    )
    .map_err(map_err)?;
    // A repeated alert (same key, same hour) is not raised again, nor pushed again.
    if inserted == 1 {
        for d in deliveries {
            write_delivery(tx, d, true)?;
        }
    }
    Ok(())
}

const CONSENT_COLS: &str = "id, tenant_id, customer_id, purpose, channel, state, method, text_version, lang, at, actor_kind, actor_id, evidence, expires_at";

fn consent_row(r: &Row<'_>) -> Result<ConsentRow> {
    Ok(ConsentRow {
        id: uuid_of(&r.get::<Vec<u8>>(0)?),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        customer_id: CustomerId::from_uuid(uuid_of(&r.get::<Vec<u8>>(2)?)),
        purpose: r.get(3)?,
        channel: r.get(4)?,
        state: r.get(5)?,
        method: r.get(6)?,
        text_version: r.get(7)?,
        lang: r.get(8)?,
        at: from_ts(r.get(9)?),
        actor_kind: r.get(10)?,
        actor_id: r.get::<Option<Vec<u8>>>(11)?.map(|v| uuid_of(&v)),
        evidence: r.get(12)?,
        expires_at: r.get::<Option<i64>>(13)?.map(from_ts),
    })
}

const REQUEST_COLS: &str = "id, tenant_id, customer_id, kind, received_at, due_at, extended_months, identity_check, state, sealed, handled_by, created_at, closed_at";

fn request_row(r: &Row<'_>) -> Result<DataRequestRow> {
    Ok(DataRequestRow {
        id: uuid_of(&r.get::<Vec<u8>>(0)?),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        customer_id: CustomerId::from_uuid(uuid_of(&r.get::<Vec<u8>>(2)?)),
        kind: r.get(3)?,
        received_at: from_ts(r.get(4)?),
        due_at: from_ts(r.get(5)?),
        extended_months: r.get(6)?,
        identity_check: r.get(7)?,
        state: r.get(8)?,
        sealed: r.get(9)?,
        handled_by: r.get::<Option<Vec<u8>>>(10)?.map(|v| uuid_of(&v)),
        created_at: from_ts(r.get(11)?),
        closed_at: r.get::<Option<i64>>(12)?.map(from_ts),
    })
}

fn write_request(tx: &Db<'_>, d: &DataRequestRow, insert: bool) -> Result<(), StoreError> {
    let sql = if insert {
        format!("INSERT INTO data_requests ({REQUEST_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
    } else {
        "UPDATE data_requests SET customer_id = ?3, kind = ?4, received_at = ?5, due_at = ?6, extended_months = ?7, identity_check = ?8, state = ?9, sealed = ?10, handled_by = ?11, created_at = ?12, closed_at = ?13 WHERE id = ?1 AND tenant_id = ?2".to_owned()
    };
    exactly_one(tx.execute(
        &sql,
        params![
            b(d.id),
            b(d.tenant_id.as_uuid()),
            b(d.customer_id.as_uuid()),
            d.kind,
            ts(d.received_at),
            ts(d.due_at),
            d.extended_months,
            d.identity_check,
            d.state,
            d.sealed,
            d.handled_by.map(b),
            ts(d.created_at),
            d.closed_at.map(ts)
        ],
    ))
}

const DELIVERY_COLS: &str =
    "id, tenant_id, channel, topic, sealed, created_at, attempts, next_at, status, last_error, done_at";

fn delivery_row(r: &Row<'_>) -> Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: uuid_of(&r.get::<Vec<u8>>(0)?),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        channel: r.get(2)?,
        topic: r.get(3)?,
        sealed: r.get(4)?,
        created_at: from_ts(r.get(5)?),
        attempts: r.get(6)?,
        next_at: from_ts(r.get(7)?),
        status: r.get(8)?,
        last_error: r.get(9)?,
        done_at: r.get::<Option<i64>>(10)?.map(from_ts),
    })
}

fn write_delivery(tx: &Db<'_>, d: &DeliveryRow, insert: bool) -> Result<(), StoreError> {
    let sql = if insert {
        format!("INSERT INTO deliveries ({DELIVERY_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
    } else {
        "UPDATE deliveries SET channel = ?3, topic = ?4, sealed = ?5, created_at = ?6, attempts = ?7, next_at = ?8, status = ?9, last_error = ?10, done_at = ?11 WHERE id = ?1 AND tenant_id = ?2".to_owned()
    };
    exactly_one(tx.execute(
        &sql,
        params![
            b(d.id),
            b(d.tenant_id.as_uuid()),
            d.channel,
            d.topic,
            d.sealed,
            ts(d.created_at),
            d.attempts,
            ts(d.next_at),
            d.status,
            d.last_error,
            d.done_at.map(ts)
        ],
    ))
}

const INCIDENT_COLS: &str = "id, tenant_id, created_at, created_by, aware_at, risk, scope, alert_ids, sealed, authority_notified_at, customers_notified_at, closed_at, updated_at";

fn incident_row(r: &Row<'_>) -> Result<IncidentRow> {
    let alerts: String = r.get(7)?;
    Ok(IncidentRow {
        id: uuid_of(&r.get::<Vec<u8>>(0)?),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        created_at: from_ts(r.get(2)?),
        created_by: uuid_of(&r.get::<Vec<u8>>(3)?),
        aware_at: from_ts(r.get(4)?),
        risk: r.get(5)?,
        scope: r.get(6)?,
        alert_ids: serde_json::from_str(&alerts).map_err(|e| DbError::Conversion(e.to_string()))?,
        sealed: r.get(8)?,
        authority_notified_at: r.get::<Option<i64>>(9)?.map(from_ts),
        customers_notified_at: r.get::<Option<i64>>(10)?.map(from_ts),
        closed_at: r.get::<Option<i64>>(11)?.map(from_ts),
        updated_at: from_ts(r.get(12)?),
    })
}

fn write_incident(tx: &Db<'_>, i: &IncidentRow, insert: bool) -> Result<(), StoreError> {
    let alerts =
        serde_json::to_string(&i.alert_ids).map_err(|e| StoreError::Other(e.to_string()))?;
    let sql = if insert {
        format!("INSERT INTO incidents ({INCIDENT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
    } else {
        "UPDATE incidents SET created_at = ?3, created_by = ?4, aware_at = ?5, risk = ?6, scope = ?7, alert_ids = ?8, sealed = ?9, authority_notified_at = ?10, customers_notified_at = ?11, closed_at = ?12, updated_at = ?13 WHERE id = ?1 AND tenant_id = ?2".to_owned()
    };
    exactly_one(tx.execute(
        &sql,
        params![
            b(i.id),
            b(i.tenant_id.as_uuid()),
            ts(i.created_at),
            b(i.created_by),
            ts(i.aware_at),
            i.risk,
            i.scope,
            alerts,
            i.sealed,
            i.authority_notified_at.map(ts),
            i.customers_notified_at.map(ts),
            i.closed_at.map(ts),
            ts(i.updated_at)
        ],
    ))
}

const GRANT_COLS: &str =
    "id, tenant_id, user_id, role, reason, granted_by, created_at, expires_at, ended";

fn grant_row(r: &Row<'_>) -> Result<GrantRow> {
    Ok(GrantRow {
        id: GrantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        user_id: UserId::from_uuid(uuid_of(&r.get::<Vec<u8>>(2)?)),
        role: r.get(3)?,
        reason: r.get(4)?,
        granted_by: UserId::from_uuid(uuid_of(&r.get::<Vec<u8>>(5)?)),
        created_at: from_ts(r.get(6)?),
        expires_at: from_ts(r.get(7)?),
        ended: r.get(8)?,
    })
}

const DEVICE_COLS: &str = "id, tenant_id, name, pairing_hash, pairing_expires_at, created_by, created_at, paired_at, revoked";

fn device_row(r: &Row<'_>) -> Result<DeviceRow> {
    Ok(DeviceRow {
        id: DeviceId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        name: r.get(2)?,
        pairing_hash: r.get::<Option<Vec<u8>>>(3)?.map(|h| arr32(&h)),
        pairing_expires_at: r.get::<Option<i64>>(4)?.map(from_ts),
        created_by: UserId::from_uuid(uuid_of(&r.get::<Vec<u8>>(5)?)),
        created_at: from_ts(r.get(6)?),
        paired_at: r.get::<Option<i64>>(7)?.map(from_ts),
        revoked: r.get(8)?,
    })
}

const CUSTOMER_COLS: &str =
    "id, tenant_id, number, kek_version, wrapped_dek, sealed, version, created_at, updated_at";

fn customer_row(r: &Row<'_>) -> Result<CustomerRow> {
    Ok(CustomerRow {
        id: CustomerId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        number: r.get(2)?,
        kek_version: r.get(3)?,
        wrapped_dek: r.get(4)?,
        sealed: r.get(5)?,
        version: r.get::<i64>(6)? as u64,
        created_at: from_ts(r.get(7)?),
        updated_at: from_ts(r.get(8)?),
        restricted: r.get::<Option<bool>>(9)?.unwrap_or(false),
    })
}

/// The customer columns as read, with whether processing is restricted.
const CUSTOMER_READ: &str = "id, tenant_id, number, kek_version, wrapped_dek, sealed, version, created_at, updated_at, EXISTS(SELECT 1 FROM restrictions WHERE restrictions.customer_id = customers.id)";

const RECORD_COLS: &str =
    "id, tenant_id, customer_id, type, category, occurred_at, sealed, created_at";

fn record_row(r: &Row<'_>) -> Result<RecordRow> {
    let cat: String = r.get(4)?;
    Ok(RecordRow {
        id: RecordId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        customer_id: CustomerId::from_uuid(uuid_of(&r.get::<Vec<u8>>(2)?)),
        type_: r.get(3)?,
        category: Category::parse(&cat).unwrap_or(Category::Note),
        occurred_at: from_ts(r.get(5)?),
        sealed: r.get(6)?,
        created_at: from_ts(r.get(7)?),
    })
}

fn idem_row(r: &Row<'_>) -> Result<IdempotencyRow> {
    Ok(IdempotencyRow {
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
        scope: r.get(1)?,
        key: r.get(2)?,
        fingerprint: arr32(&r.get::<Vec<u8>>(3)?),
        resource_id: uuid_of(&r.get::<Vec<u8>>(4)?),
        created_at: from_ts(r.get(5)?),
    })
}

/// `NotFound` unless the tenant has the customer (inside a write, so nothing races it).
fn require_customer(tx: &Db<'_>, tenant: TenantId, customer: CustomerId) -> Result<(), StoreError> {
    let exists: bool = tx
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM customers WHERE id = ?1 AND tenant_id = ?2)",
            params![b(customer.as_uuid()), b(tenant.as_uuid())],
            |r| r.get(0),
        )
        .map_err(map_err)?;
    if exists {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Inserts a customer row and its index entries, assigning the next customer number.
fn insert_customer_row(
    tx: &Db<'_>,
    c: &CustomerRow,
    index: &[IndexEntry],
) -> Result<i64, StoreError> {
    let tenant = b(c.tenant_id.as_uuid());
    let number: i64 = tx
        .prepare_cached("UPDATE tenants SET next_number = next_number + 1 WHERE id = ?1 RETURNING next_number - 1")
        .and_then(|mut st| st.query_row([&tenant], |r| r.get(0)))
        .map_err(map_err)?;
    tx.prepare_cached(&format!(
        "INSERT INTO customers ({CUSTOMER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))
    .and_then(|mut st| {
        st.execute(params![
            b(c.id.as_uuid()),
            tenant,
            number,
            c.kek_version,
            c.wrapped_dek,
            c.sealed,
            c.version as i64,
            ts(c.created_at),
            ts(c.updated_at)
        ])
    })
    .map_err(map_err)?;
    insert_index(tx, c.tenant_id, c.id, index)?;
    Ok(number)
}

fn insert_record_row(tx: &Db<'_>, rec: &RecordRow) -> Result<(), StoreError> {
    tx.prepare_cached(&format!(
        "INSERT INTO records ({RECORD_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    ))
    .and_then(|mut st| {
        st.execute(params![
            b(rec.id.as_uuid()),
            b(rec.tenant_id.as_uuid()),
            b(rec.customer_id.as_uuid()),
            rec.type_,
            rec.category.as_str(),
            ts(rec.occurred_at),
            rec.sealed,
            ts(rec.created_at)
        ])
    })
    .map_err(map_err)?;
    Ok(())
}

/// A consent row's values in `CONSENT_COLS` order.
fn consent_values(c: &ConsentRow) -> Vec<crate::sql::Value> {
    params![
        b(c.id),
        b(c.tenant_id.as_uuid()),
        b(c.customer_id.as_uuid()),
        c.purpose,
        c.channel,
        c.state,
        c.method,
        c.text_version,
        c.lang,
        ts(c.at),
        c.actor_kind,
        c.actor_id.map(b),
        c.evidence,
        c.expires_at.map(ts)
    ]
}

/// Inserts a consent event, only for a customer that still exists (an erasure may have come
/// first).
fn insert_consent_row(tx: &Db<'_>, c: &ConsentRow) -> Result<(), StoreError> {
    exactly_one(tx.execute(
        &format!("INSERT INTO consents ({CONSENT_COLS}) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?3 AND tenant_id = ?2)"),
        consent_values(c),
    ))
}

fn is_held(tx: &Db<'_>, customer: CustomerId) -> Result<bool, StoreError> {
    tx.prepare_cached("SELECT EXISTS(SELECT 1 FROM legal_holds WHERE customer_id = ?1)")
        .and_then(|mut st| st.query_row([b(customer.as_uuid())], |r| r.get(0)))
        .map_err(map_err)
}

/// Whether retention must leave a customer's data alone: a legal hold, or a restriction of
/// processing (art. 18: kept for storage and legal claims only, so not deleted either).
fn retention_blocked(tx: &Db<'_>, customer: CustomerId) -> Result<bool, StoreError> {
    tx.prepare_cached("SELECT EXISTS(SELECT 1 FROM legal_holds WHERE customer_id = ?1) OR EXISTS(SELECT 1 FROM restrictions WHERE customer_id = ?1)")
        .and_then(|mut st| st.query_row([b(customer.as_uuid())], |r| r.get(0)))
        .map_err(map_err)
}

/// The SQL of "retention must leave this customer alone", for a column holding its id.
macro_rules! blocked_sql {
    ($col:literal) => {
        concat!(
            "(EXISTS(SELECT 1 FROM legal_holds h WHERE h.customer_id = ",
            $col,
            ") OR EXISTS(SELECT 1 FROM restrictions x WHERE x.customer_id = ",
            $col,
            "))"
        )
    };
}

/// Erasure by crypto-shredding: the row with its wrapped key, index entries, records,
/// idempotency keys, consents, restriction, portal links and unsent mails go; a tombstone
/// stays. `Held` under a legal hold.
fn erase_rows(
    tx: &Db<'_>,
    tenant: TenantId,
    id: CustomerId,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let cid = b(id.as_uuid());
    let t = b(tenant.as_uuid());
    require_customer(tx, tenant, id)?;
    if is_held(tx, id)? {
        return Err(StoreError::Held);
    }
    // The suppression list: the keyed hashes of the e-mail, phone and other systems' keys stay,
    // so that an import never brings the customer back (they reveal nothing without the
    // business's index key, and name no customer).
    tx.execute(
        "INSERT INTO erased_index (tenant_id, kind, hash, erased_at) SELECT tenant_id, kind, hash, ?2 FROM blind_index WHERE customer_id = ?1 AND kind IN (1, 2, 5) ON CONFLICT DO NOTHING",
        params![cid, ts(at)],
    )
    .map_err(map_err)?;
    for sql in [
        "DELETE FROM blind_index WHERE customer_id = ?1",
        "DELETE FROM records WHERE customer_id = ?1",
        "DELETE FROM idempotency WHERE customer_id = ?1",
        "DELETE FROM consents WHERE customer_id = ?1",
        "DELETE FROM restrictions WHERE customer_id = ?1",
        "DELETE FROM portal_tokens WHERE customer_id = ?1",
    ] {
        tx.execute(sql, [&cid]).map_err(map_err)?;
    }
    // Mails not yet sent to the customer (e.g. a consent confirmation) go too.
    tx.execute(
        "DELETE FROM deliveries WHERE tenant_id = ?1 AND topic LIKE ?2",
        params![t, format!("customer:{}:%", id.as_uuid())],
    )
    .map_err(map_err)?;
    tx.execute("DELETE FROM customers WHERE id = ?1", [&cid])
        .map_err(map_err)?;
    tx.execute(
        "INSERT INTO tombstones (customer_id, tenant_id, erased_at) VALUES (?1, ?2, ?3) ON CONFLICT (customer_id) DO UPDATE SET tenant_id = excluded.tenant_id, erased_at = excluded.erased_at",
        params![cid, t, ts(at)],
    )
    .map_err(map_err)?;
    Ok(())
}

/// Adds an anonymised contribution to the tenant's aggregates.
fn add_aggregate(tx: &Db<'_>, tenant: TenantId, a: &Aggregate) -> Result<(), StoreError> {
    let t = b(tenant.as_uuid());
    let grp = serde_json::Value::Object(a.group.clone()).to_string();
    let existing: Option<(i64, String)> = tx
        .query_row(
            "SELECT count, sums FROM retention_aggregates WHERE tenant_id = ?1 AND record_type = ?2 AND month = ?3 AND grp = ?4",
            params![t, a.record_type, a.month, grp],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(map_err)?;
    let (count, mut sums) = match existing {
        Some((c, js)) => (
            c as u64,
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&js)
                .map_err(|e| StoreError::Other(format!("aggregate sums: {e}")))?,
        ),
        None => (0, serde_json::Map::new()),
    };
    for (k, v) in &a.sums {
        let add = v.as_f64().unwrap_or(0.0);
        let cur = sums.get(k).and_then(|x| x.as_f64()).unwrap_or(0.0);
        sums.insert(k.clone(), serde_json::json!(cur + add));
    }
    tx.execute(
        "INSERT INTO retention_aggregates (tenant_id, record_type, month, grp, count, sums) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant_id, record_type, month, grp) DO UPDATE SET count = excluded.count, sums = excluded.sums",
        params![t, a.record_type, a.month, grp, (count + a.count) as i64, serde_json::Value::Object(sums).to_string()],
    )
    .map_err(map_err)?;
    Ok(())
}

fn portal_row(r: &Row<'_>) -> Result<PortalTokenRow> {
    Ok(PortalTokenRow {
        hash: arr32(&r.get::<Vec<u8>>(0)?),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        customer_id: CustomerId::from_uuid(uuid_of(&r.get::<Vec<u8>>(2)?)),
        kind: r.get(3)?,
        created_at: from_ts(r.get(4)?),
        expires_at: from_ts(r.get(5)?),
        used_at: r.get::<Option<i64>>(6)?.map(from_ts),
    })
}

fn insert_portal_row(tx: &Db<'_>, p: &PortalTokenRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO portal_tokens (hash, tenant_id, customer_id, kind, created_at, expires_at, used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![p.hash.as_slice(), b(p.tenant_id.as_uuid()), b(p.customer_id.as_uuid()), p.kind, ts(p.created_at), ts(p.expires_at), p.used_at.map(ts)],
    )
    .map_err(map_err)?;
    Ok(())
}

fn b(u: Uuid) -> Vec<u8> {
    u.as_bytes().to_vec()
}

/// Claims an idempotency key inside a write; a key already used answers `IdempotencyReplay`.
fn claim(
    tx: &Db<'_>,
    idem: Option<IdempotencyRow>,
    customer: CustomerId,
) -> Result<(), StoreError> {
    let Some(i) = idem else { return Ok(()) };
    let n = tx
        .prepare_cached("INSERT INTO idempotency (tenant_id, scope, key, fingerprint, resource_id, customer_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING")
        .and_then(|mut st| st.execute(params![b(i.tenant_id.as_uuid()), i.scope, i.key, i.fingerprint.as_slice(), b(i.resource_id), b(customer.as_uuid()), ts(i.created_at)]))
        .map_err(map_err)?;
    if n == 0 {
        let first = tx
            .query_row("SELECT tenant_id, scope, key, fingerprint, resource_id, created_at FROM idempotency WHERE tenant_id = ?1 AND scope = ?2 AND key = ?3", params![b(i.tenant_id.as_uuid()), i.scope, i.key], idem_row)
            .map_err(map_err)?;
        return Err(StoreError::IdempotencyReplay(Box::new(first)));
    }
    Ok(())
}

fn insert_index(
    tx: &Db<'_>,
    tenant: TenantId,
    customer: CustomerId,
    index: &[IndexEntry],
) -> Result<(), StoreError> {
    let t = b(tenant.as_uuid());
    let c = b(customer.as_uuid());
    if tx.dialect() == crate::sql::Dialect::Sqlite {
        // One row per statement: SQLite runs a statement that writes one row without a statement
        // journal, where a multi-row one copies every page it touches first.
        let mut st = tx
            .prepare_cached(
                "INSERT INTO blind_index (tenant_id, customer_id, kind, hash) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            )
            .map_err(map_err)?;
        for e in index {
            st.execute(params![t, c, e.kind.code(), e.hash.as_slice()])
                .map_err(map_err)?;
        }
        return Ok(());
    }
    // A customer has a few dozen entries: inserted 32 rows per statement (one round trip each
    // on PostgreSQL), the tenant and customer bound once per statement.
    for chunk in index.chunks(32) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("(?1, ?2, ?{}, ?{})", 3 + 2 * i, 4 + 2 * i))
            .collect();
        let mut values = params![t, c];
        for e in chunk {
            values.push(crate::sql::ToValue::to_value(&e.kind.code()));
            values.push(crate::sql::ToValue::to_value(&e.hash.as_slice()));
        }
        tx.execute(
            &format!(
                "INSERT INTO blind_index (tenant_id, customer_id, kind, hash) VALUES {} ON CONFLICT DO NOTHING",
                rows.join(", ")
            ),
            values,
        )
        .map_err(map_err)?;
    }
    Ok(())
}

fn webhook_row(r: &Row<'_>) -> Result<WebhookRow> {
    Ok(WebhookRow {
        id: uuid_of(&r.get::<Vec<u8>>(0)?),
        tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(1)?)),
        sealed: r.get(2)?,
        events: r
            .get::<String>(3)?
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: from_ts(r.get(4)?),
    })
}

/// Inserts rows of `width` values each: on PostgreSQL in multi-row statements (one round trip
/// per statement), at most 1,000 values a statement.
fn insert_many(
    tx: &Db<'_>,
    head: &str,
    width: usize,
    rows: Vec<Vec<crate::sql::Value>>,
) -> Result<(), StoreError> {
    if tx.dialect() == crate::sql::Dialect::Sqlite {
        // No round trips to save on SQLite, and a statement that writes one row needs no
        // statement journal (a multi-row one copies each page it touches before changing it).
        let marks: Vec<String> = (1..=width).map(|c| format!("?{c}")).collect();
        let mut st = tx
            .prepare_cached(&format!("{head} VALUES ({})", marks.join(", ")))
            .map_err(map_err)?;
        for row in rows {
            st.execute(row).map_err(map_err)?;
        }
        return Ok(());
    }
    let per = (1000 / width).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<crate::sql::Value>> = rows.by_ref().take(per).collect();
        let groups: Vec<String> = (0..chunk.len())
            .map(|r| {
                let marks: Vec<String> =
                    (1..=width).map(|c| format!("?{}", r * width + c)).collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        let values: Vec<crate::sql::Value> = chunk.into_iter().flatten().collect();
        tx.prepare_cached(&format!("{head} VALUES {}", groups.join(", ")))
            .and_then(|mut st| st.execute(values))
            .map_err(map_err)?;
    }
    Ok(())
}

/// New customers of an import with their index entries and consents, in multi-row statements;
/// their numbers are taken in one step.
fn insert_new_customers(
    tx: &Db<'_>,
    tenant: TenantId,
    new: &[(CustomerRow, Vec<IndexEntry>, Vec<ConsentRow>)],
) -> Result<(), StoreError> {
    use crate::sql::ToValue;
    if new.is_empty() {
        return Ok(());
    }
    let t = b(tenant.as_uuid());
    let n = new.len() as i64;
    let first: i64 = tx
        .query_row(
            "UPDATE tenants SET next_number = next_number + ?2 WHERE id = ?1 RETURNING next_number - ?2",
            params![t, n],
            |r| r.get(0),
        )
        .map_err(map_err)?;
    let customers = new
        .iter()
        .enumerate()
        .map(|(i, (c, _, _))| {
            params![
                b(c.id.as_uuid()),
                t,
                first + i as i64,
                c.kek_version,
                c.wrapped_dek,
                c.sealed,
                c.version as i64,
                ts(c.created_at),
                ts(c.updated_at)
            ]
        })
        .collect();
    insert_many(
        tx,
        &format!("INSERT INTO customers ({CUSTOMER_COLS})"),
        9,
        customers,
    )?;
    // In key order: neighbouring entries share index pages (measured: a small gain, 5-10 %).
    let mut entries: Vec<(i64, &[u8], [u8; 16])> = new
        .iter()
        .flat_map(|(c, entries, _)| {
            let cid = c.id.as_uuid().into_bytes();
            entries
                .iter()
                .map(move |e| (e.kind.code(), e.hash.as_slice(), cid))
        })
        .collect();
    entries.sort_unstable();
    let index = entries
        .into_iter()
        .map(|(kind, hash, cid)| {
            vec![
                t.to_value(),
                cid.to_value(),
                kind.to_value(),
                hash.to_value(),
            ]
        })
        .collect();
    insert_many(
        tx,
        "INSERT INTO blind_index (tenant_id, customer_id, kind, hash)",
        4,
        index,
    )?;
    let consents = new
        .iter()
        .flat_map(|(_, _, cs)| cs)
        .map(consent_values)
        .collect();
    insert_many(
        tx,
        &format!("INSERT INTO consents ({CONSENT_COLS})"),
        14,
        consents,
    )
}

/// Records how far a background scanner has read the audit trail.
fn write_scanner_position(tx: &Db<'_>, name: &str, position: u64) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO scanner_state (name, position) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        params![name, position as i64],
    )
    .map(|_| ())
    .map_err(map_err)
}

/// Applies a change to a customer's sealed fields if its version is still the expected one
/// (`VersionMismatch` with the current version otherwise, `NotFound` when it is gone); answers
/// the new version.
fn apply_change(
    tx: &Db<'_>,
    tenant: TenantId,
    id: CustomerId,
    change: &CustomerChange,
) -> Result<u64, StoreError> {
    let n = tx
        .prepare_cached("UPDATE customers SET sealed = ?1, version = version + 1, updated_at = ?2 WHERE id = ?3 AND tenant_id = ?4 AND version = ?5")
        .and_then(|mut st| st.execute(params![change.sealed, ts(change.updated_at), b(id.as_uuid()), b(tenant.as_uuid()), change.expected_version as i64]))
        .map_err(map_err)?;
    if n == 0 {
        let current: Option<i64> = tx
            .query_row(
                "SELECT version FROM customers WHERE id = ?1 AND tenant_id = ?2",
                params![b(id.as_uuid()), b(tenant.as_uuid())],
                |r| r.get(0),
            )
            .optional()
            .map_err(map_err)?;
        return Err(match current {
            Some(v) => StoreError::VersionMismatch(v as u64),
            None => StoreError::NotFound,
        });
    }
    if let Some(index) = &change.index {
        replace_index(tx, tenant, id, index)?;
    }
    Ok(change.expected_version + 1)
}

/// Replaces the index entries computed from a customer's fields; the keys other systems know
/// the customer by (`External`) stay.
fn replace_index(
    tx: &Db<'_>,
    tenant: TenantId,
    id: CustomerId,
    index: &[IndexEntry],
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM blind_index WHERE customer_id = ?1 AND kind <> ?2",
        params![b(id.as_uuid()), IndexKind::External.code()],
    )
    .map_err(map_err)?;
    insert_index(tx, tenant, id, index)
}

/// Index entries grouped by kind, for `kind = ? AND hash IN (…)` lookups of up to 200 hashes.
fn by_kind(entries: &[IndexEntry]) -> Vec<(IndexKind, Vec<[u8; 16]>)> {
    let mut out: Vec<(IndexKind, Vec<[u8; 16]>)> = Vec::new();
    for e in entries {
        match out.iter_mut().find(|(k, v)| *k == e.kind && v.len() < 200) {
            Some((_, v)) => v.push(e.hash),
            None => out.push((e.kind, vec![e.hash])),
        }
    }
    out
}

/// The (kind, hash) pairs of `entries` found in `table` for the tenant, with the third column.
fn lookup_hashes(
    c: &Db<'_>,
    table: &str,
    third: &str,
    tenant: TenantId,
    entries: &[IndexEntry],
) -> Result<Vec<(IndexEntry, Vec<u8>)>> {
    let t = b(tenant.as_uuid());
    let mut out = Vec::new();
    for (kind, hashes) in by_kind(entries) {
        let marks: Vec<String> = (0..hashes.len()).map(|i| format!("?{}", 3 + i)).collect();
        let mut st = c.prepare_cached(&format!(
            "SELECT hash, {third} FROM {table} WHERE tenant_id = ?1 AND kind = ?2 AND hash IN ({})",
            marks.join(", ")
        ))?;
        let mut values = params![t, kind.code()];
        for h in &hashes {
            values.push(crate::sql::ToValue::to_value(&h.as_slice()));
        }
        let rows = st.query_map(values, |r| Ok((r.get::<Vec<u8>>(0)?, r.get::<Vec<u8>>(1)?)))?;
        for row in rows {
            let (hash, third) = row?;
            let mut h = [0u8; 16];
            if hash.len() == 16 {
                h.copy_from_slice(&hash);
            }
            out.push((IndexEntry { kind, hash: h }, third));
        }
    }
    Ok(out)
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| c.query_row("SELECT 1", (), |_| Ok(()))).await
    }

    async fn insert_tenant(
        &self,
        t: TenantRow,
        owner: UserRow,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        let catalog =
            serde_json::to_string(&t.catalog).map_err(|e| StoreError::Other(e.to_string()))?;
        self.write(audit, move |tx| {
            tx.execute(
                "INSERT INTO tenants (id, slug, name, catalog, wrapped_kek, wrapped_index_key, kek_version, master_key_id, created_at, require_mfa) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![b(t.id.as_uuid()), t.slug, t.name, catalog, t.wrapped_kek, t.wrapped_index_key, t.kek_version, t.master_key_id, ts(t.created_at), t.require_mfa],
            )
            .map_err(|e| match map_err(e) {
                StoreError::Conflict(_) => StoreError::Conflict("business short name"),
                o => o,
            })?;
            tx.execute(
                "INSERT INTO tenant_key_ring (tenant_id, version, wrapped_kek, master_key_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![b(t.id.as_uuid()), t.kek_version, t.wrapped_kek, t.master_key_id, ts(t.created_at)],
            )
            .map_err(map_err)?;
            insert_user(tx, &owner)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn key_ring(&self, tenant: TenantId) -> Result<Vec<KeyRingEntry>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached("SELECT version, wrapped_kek, master_key_id, created_at FROM tenant_key_ring WHERE tenant_id = ?1 ORDER BY version")?;
            let rows = st.query_map([b(tenant.as_uuid())], |r| {
                Ok(KeyRingEntry {
                    version: r.get(0)?,
                    wrapped_kek: r.get(1)?,
                    master_key_id: r.get(2)?,
                    created_at: from_ts(r.get(3)?),
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn begin_tenant_rotation(
        &self,
        tenant: TenantId,
        from_version: u32,
        new: KeyRingEntry,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            let t = b(tenant.as_uuid());
            let n = tx
                .execute(
                    "UPDATE tenants SET wrapped_kek = ?1, kek_version = ?2, master_key_id = ?3 WHERE id = ?4 AND kek_version = ?5",
                    params![new.wrapped_kek, new.version, new.master_key_id, t, from_version],
                )
                .map_err(map_err)?;
            if n == 0 {
                return Err(StoreError::VersionMismatch(u64::from(from_version)));
            }
            tx.execute(
                "INSERT INTO tenant_key_ring (tenant_id, version, wrapped_kek, master_key_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![t, new.version, new.wrapped_kek, new.master_key_id, ts(new.created_at)],
            )
            .map_err(map_err)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn customers_below_key_version(
        &self,
        tenant: TenantId,
        version: u32,
        limit: u32,
    ) -> Result<Vec<CustomerRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {CUSTOMER_READ} FROM customers WHERE tenant_id = ?1 AND kek_version < ?2 ORDER BY id LIMIT ?3"
            ))?;
            let rows = st.query_map(params![b(tenant.as_uuid()), version, limit], customer_row)?;
            rows.collect()
        })
        .await
    }

    async fn rewrap_customers(
        &self,
        tenant: TenantId,
        items: Vec<DekRewrap>,
        audit: Vec<AuditEvent>,
    ) -> Result<u64, StoreError> {
        self.write_t(tenant, audit, move |tx| {
            let mut n = 0;
            let mut st = tx
                .prepare_cached("UPDATE customers SET wrapped_dek = ?1, kek_version = ?2 WHERE id = ?3 AND tenant_id = ?4 AND kek_version = ?5")
                .map_err(map_err)?;
            for i in &items {
                n += st
                    .execute(params![i.wrapped_dek, i.to_version, b(i.customer.as_uuid()), b(tenant.as_uuid()), i.from_version])
                    .map_err(map_err)? as i64;
            }
            Ok(n)
        })
        .await
        .map(|n| n as u64)
    }

    async fn tenant(&self, id: TenantId) -> Result<Option<TenantRow>, StoreError> {
        self.read_t(id, move |c| {
            c.query_row(
                &format!("SELECT {TENANT_COLS} FROM tenants WHERE id = ?1"),
                [b(id.as_uuid())],
                tenant_row,
            )
            .optional()
        })
        .await
    }

    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<TenantRow>, StoreError> {
        let slug = slug.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {TENANT_COLS} FROM tenants WHERE slug = ?1"),
                [slug],
                tenant_row,
            )
            .optional()
        })
        .await
    }

    async fn tenants(&self) -> Result<Vec<TenantRow>, StoreError> {
        self.read(|c| {
            let mut st =
                c.prepare_cached(&format!("SELECT {TENANT_COLS} FROM tenants ORDER BY slug"))?;
            let rows = st.query_map((), tenant_row)?;
            rows.collect()
        })
        .await
    }

    async fn insert_user(&self, user: UserRow, audit: AuditEvent) -> Result<(), StoreError> {
        self.write_t(user.tenant_id, vec![audit], move |tx| {
            insert_user(tx, &user).map(|_| 0)
        })
        .await
        .map(|_| ())
    }

    async fn user_by_name(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> Result<Option<UserRow>, StoreError> {
        let u = username.to_owned();
        self.read_t(tenant, move |c| {
            c.query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE tenant_id = ?1 AND username = ?2"),
                params![b(tenant.as_uuid()), u],
                user_row,
            )
            .optional()
        })
        .await
    }

    async fn insert_token(&self, t: TokenRow, audit: AuditEvent) -> Result<(), StoreError> {
        self.write_t(t.tenant_id, vec![audit], move |tx| {
            insert_token(tx, &t)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn token_by_hash(
        &self,
        hash: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<Option<TokenLookup>, StoreError> {
        let h = hash.to_vec();
        let now = ts(now);
        self.read(move |c| {
            c.prepare_cached(
                "SELECT t.id, t.tenant_id, t.user_id, t.name, t.kind, t.role, t.hash, t.expires_at, t.revoked, t.created_at, t.device_id, t.last_seen_at, \
                 u.username, u.role, u.disabled, n.slug, u.must_change_password, u.mfa_enabled, n.require_mfa, \
                 (SELECT g.role FROM break_glass g WHERE g.user_id = t.user_id AND g.tenant_id = t.tenant_id AND g.ended = 0 AND g.expires_at > ?2 ORDER BY g.expires_at DESC LIMIT 1) \
                 FROM tokens t JOIN users u ON u.id = t.user_id JOIN tenants n ON n.id = t.tenant_id WHERE t.hash = ?1",
            )?
            .query_row(params![h, now], |r| {
                Ok(TokenLookup {
                    token: token_row(r)?,
                    username: r.get(12)?,
                    user_role: r.get(13)?,
                    user_disabled: r.get(14)?,
                    tenant_slug: r.get(15)?,
                    user_must_change: r.get(16)?,
                    user_mfa_enabled: r.get(17)?,
                    tenant_require_mfa: r.get(18)?,
                    break_glass_role: r.get(19)?,
                })
            })
            .optional()
        })
        .await
    }

    async fn user(&self, tenant: TenantId, id: UserId) -> Result<Option<UserRow>, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE tenant_id = ?1 AND id = ?2"),
                params![b(tenant.as_uuid()), b(id.as_uuid())],
                user_row,
            )
            .optional()
        })
        .await
    }

    async fn users(&self, tenant: TenantId) -> Result<Vec<UserRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {USER_COLS} FROM users WHERE tenant_id = ?1 ORDER BY username"
            ))?;
            let rows = st.query_map([b(tenant.as_uuid())], user_row)?;
            rows.collect()
        })
        .await
    }

    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        change: UserChange,
        revoke: RevokeTokens,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, audit, move |tx| {
            let (t, u) = (b(tenant.as_uuid()), b(id.as_uuid()));
            exactly_one(tx.execute(
                    "UPDATE users SET role = coalesce(?3, role), disabled = coalesce(?4, disabled), password_hash = coalesce(?5, password_hash), \
                     must_change_password = coalesce(?6, must_change_password) WHERE tenant_id = ?1 AND id = ?2",
                    params![t, u, change.role, change.disabled, change.password_hash, change.must_change_password],
            ))?;
            match revoke {
                RevokeTokens::None => {}
                RevokeTokens::Login { except } => {
                    tx.execute(
                        "UPDATE tokens SET revoked = 1 WHERE tenant_id = ?1 AND user_id = ?2 AND kind IN ('login', 'session') AND (id <> ?3 OR ?3 IS NULL)",
                        params![t, u, except.map(|e| b(e.as_uuid()))],
                    )
                    .map_err(map_err)?;
                }
                RevokeTokens::All => {
                    // Devices the user registered are revoked on their own, not with the user.
                    tx.execute("UPDATE tokens SET revoked = 1 WHERE tenant_id = ?1 AND user_id = ?2 AND kind <> 'device'", params![t, u]).map_err(map_err)?;
                }
            }
            // A business must keep an owner who can log in.
            let owners: i64 = tx
                .query_row("SELECT count(*) FROM users WHERE tenant_id = ?1 AND role = 'owner' AND disabled = 0", [&t], |r| r.get(0))
                .map_err(map_err)?;
            if owners == 0 {
                return Err(StoreError::Conflict("last owner"));
            }
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn set_mfa(
        &self,
        tenant: TenantId,
        user: UserId,
        secret: Option<Vec<u8>>,
        enabled: bool,
        recovery: Option<Vec<[u8; 16]>>,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            let u = b(user.as_uuid());
            exactly_one(tx.execute("UPDATE users SET mfa_secret = ?3, mfa_enabled = ?4 WHERE tenant_id = ?1 AND id = ?2", params![b(tenant.as_uuid()), u, secret, enabled]))?;
            if recovery.is_some() || !enabled {
                tx.execute("DELETE FROM recovery_codes WHERE user_id = ?1", [&u]).map_err(map_err)?;
            }
            for h in recovery.unwrap_or_default() {
                tx.execute("INSERT INTO recovery_codes (user_id, hash) VALUES (?1, ?2)", params![u, h.as_slice()]).map_err(map_err)?;
            }
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn use_totp_step(&self, user: UserId, step: u64) -> Result<bool, StoreError> {
        self.write(vec![], move |tx| {
            tx.execute(
                "UPDATE users SET mfa_last_step = ?2 WHERE id = ?1 AND mfa_last_step < ?2",
                params![b(user.as_uuid()), step as i64],
            )
            .map(|n| n as i64)
            .map_err(map_err)
        })
        .await
        .map(|n| n == 1)
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        hash: [u8; 16],
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.write(vec![], move |tx| {
            tx.execute("UPDATE recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND hash = ?2 AND used_at IS NULL", params![b(user.as_uuid()), hash.as_slice(), ts(now)])
                .map(|n| n as i64)
                .map_err(map_err)
        })
        .await
        .map(|n| n == 1)
    }

    async fn recovery_codes_left(&self, user: UserId) -> Result<u32, StoreError> {
        self.read(move |c| {
            c.query_row(
                "SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL",
                [b(user.as_uuid())],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn update_tenant(
        &self,
        tenant: TenantId,
        change: TenantChange,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        let policy = change
            .policy
            .map(|p| serde_json::to_string(&p))
            .transpose()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        self.write_t(tenant, audit, move |tx| {
            let id = b(tenant.as_uuid());
            if let Some(on) = change.require_mfa {
                exactly_one(tx.execute(
                    "UPDATE tenants SET require_mfa = ?2 WHERE id = ?1",
                    params![id, on],
                ))?;
            }
            if let Some(p) = policy {
                exactly_one(tx.execute(
                    "UPDATE tenants SET settings = ?2 WHERE id = ?1",
                    params![id, p],
                ))?;
            }
            if let Some(c) = change.sealed_contacts {
                exactly_one(tx.execute(
                    "UPDATE tenants SET sealed_contacts = ?2 WHERE id = ?1",
                    params![id, c],
                ))?;
            }
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn insert_role(&self, r: RoleRow, audit: AuditEvent) -> Result<(), StoreError> {
        self.write_t(r.tenant_id, vec![audit], move |tx| {
            tx.execute(
                "INSERT INTO roles (tenant_id, name, definition, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![b(r.tenant_id.as_uuid()), r.name, r.definition, ts(r.created_at)],
            )
            .map_err(|e| match map_err(e) {
                StoreError::Conflict(_) => StoreError::Conflict("role name"),
                o => o,
            })?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn role(&self, tenant: TenantId, name: &str) -> Result<Option<RoleRow>, StoreError> {
        let name = name.to_owned();
        self.read_t(tenant, move |c| {
            c.prepare_cached("SELECT tenant_id, name, definition, created_at FROM roles WHERE tenant_id = ?1 AND name = ?2")?
                .query_row(params![b(tenant.as_uuid()), name], role_row)
                .optional()
        })
        .await
    }

    async fn roles(&self, tenant: TenantId) -> Result<Vec<RoleRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached("SELECT tenant_id, name, definition, created_at FROM roles WHERE tenant_id = ?1 ORDER BY name")?;
            let rows = st.query_map([b(tenant.as_uuid())], role_row)?;
            rows.collect()
        })
        .await
    }

    async fn delete_role(
        &self,
        tenant: TenantId,
        name: &str,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.write_t(tenant, vec![audit], move |tx| {
            let t = b(tenant.as_uuid());
            let used: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM users WHERE tenant_id = ?1 AND role = ?2) OR EXISTS(SELECT 1 FROM tokens WHERE tenant_id = ?1 AND role = ?2 AND kind = 'api' AND revoked = 0)",
                    params![t, name],
                    |r| r.get(0),
                )
                .map_err(map_err)?;
            if used {
                return Err(StoreError::Conflict("role in use"));
            }
            exactly_one(tx.execute("DELETE FROM roles WHERE tenant_id = ?1 AND name = ?2", params![t, name]))?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn insert_alert(
        &self,
        a: AlertRow,
        deliveries: Vec<DeliveryRow>,
    ) -> Result<(), StoreError> {
        self.write_t(a.tenant_id, vec![], move |tx| {
            insert_alert(tx, &a, &deliveries).map(|_| 0)
        })
        .await
        .map(|_| ())
    }

    async fn alert(&self, tenant: TenantId, id: AlertId) -> Result<Option<AlertRow>, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                &format!("SELECT {ALERT_COLS} FROM alerts WHERE tenant_id = ?1 AND id = ?2"),
                params![b(tenant.as_uuid()), b(id.as_uuid())],
                alert_row,
            )
            .optional()
        })
        .await
    }

    async fn alerts(
        &self,
        tenant: TenantId,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<AlertRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {ALERT_COLS} FROM alerts WHERE tenant_id = ?1 AND (?2 = 0 OR acknowledged_at IS NULL) ORDER BY id DESC LIMIT ?3"))?;
            let rows = st.query_map(params![b(tenant.as_uuid()), open_only, limit], alert_row)?;
            rows.collect()
        })
        .await
    }

    async fn acknowledge_alert(
        &self,
        tenant: TenantId,
        id: AlertId,
        by: UserId,
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            exactly_one(tx.execute(
                    "UPDATE alerts SET acknowledged_at = ?3, acknowledged_by = ?4 WHERE tenant_id = ?1 AND id = ?2 AND acknowledged_at IS NULL",
                    params![b(tenant.as_uuid()), b(id.as_uuid()), ts(at), b(by.as_uuid())],
            ))?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn insert_grant(
        &self,
        g: GrantRow,
        alert: AlertRow,
        deliveries: Vec<DeliveryRow>,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(g.tenant_id, vec![audit], move |tx| {
            tx.execute(
                &format!("INSERT INTO break_glass ({GRANT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![b(g.id.as_uuid()), b(g.tenant_id.as_uuid()), b(g.user_id.as_uuid()), g.role, g.reason, b(g.granted_by.as_uuid()), ts(g.created_at), ts(g.expires_at), g.ended],
            )
            .map_err(map_err)?;
            insert_alert(tx, &alert, &deliveries)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn active_grants(
        &self,
        tenant: TenantId,
        now: OffsetDateTime,
    ) -> Result<Vec<GrantRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {GRANT_COLS} FROM break_glass WHERE tenant_id = ?1 AND ended = 0 AND expires_at > ?2 ORDER BY expires_at"))?;
            let rows = st.query_map(params![b(tenant.as_uuid()), ts(now)], grant_row)?;
            rows.collect()
        })
        .await
    }

    async fn end_grant(
        &self,
        tenant: TenantId,
        id: GrantId,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            exactly_one(tx.execute(
                "UPDATE break_glass SET ended = 1 WHERE tenant_id = ?1 AND id = ?2 AND ended = 0",
                params![b(tenant.as_uuid()), b(id.as_uuid())],
            ))?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn insert_device(&self, d: DeviceRow, audit: AuditEvent) -> Result<(), StoreError> {
        self.write_t(d.tenant_id, vec![audit], move |tx| {
            tx.execute(
                &format!("INSERT INTO devices ({DEVICE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![b(d.id.as_uuid()), b(d.tenant_id.as_uuid()), d.name, d.pairing_hash.map(|h| h.to_vec()), d.pairing_expires_at.map(ts), b(d.created_by.as_uuid()), ts(d.created_at), d.paired_at.map(ts), d.revoked],
            )
            .map_err(|e| match map_err(e) {
                StoreError::Conflict(_) => StoreError::Conflict("device name"),
                o => o,
            })?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn devices(&self, tenant: TenantId) -> Result<Vec<DeviceRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM devices WHERE tenant_id = ?1 ORDER BY name"
            ))?;
            let rows = st.query_map([b(tenant.as_uuid())], device_row)?;
            rows.collect()
        })
        .await
    }

    async fn device_by_pairing(&self, hash: &[u8; 32]) -> Result<Option<DeviceRow>, StoreError> {
        let h = hash.to_vec();
        self.read(move |c| c.query_row(&format!("SELECT {DEVICE_COLS} FROM devices WHERE pairing_hash = ?1 AND paired_at IS NULL AND revoked = 0"), [h], device_row).optional()).await
    }

    async fn pair_device(
        &self,
        device: DeviceId,
        token: TokenRow,
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write(vec![audit], move |tx| {
            exactly_one(tx.execute(
                    "UPDATE devices SET paired_at = ?2, pairing_hash = NULL, pairing_expires_at = NULL \
                     WHERE id = ?1 AND paired_at IS NULL AND revoked = 0 AND pairing_expires_at > ?2",
                    params![b(device.as_uuid()), ts(at)],
            ))?;
            insert_token(tx, &token)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn revoke_device(
        &self,
        tenant: TenantId,
        device: DeviceId,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            let d = b(device.as_uuid());
            exactly_one(tx.execute("UPDATE devices SET revoked = 1, pairing_hash = NULL WHERE id = ?1 AND tenant_id = ?2", params![d, b(tenant.as_uuid())]))?;
            tx.execute("UPDATE tokens SET revoked = 1 WHERE device_id = ?1", [d]).map_err(map_err)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn touch_token(&self, id: TokenId, at: OffsetDateTime) -> Result<(), StoreError> {
        self.write(vec![], move |tx| {
            tx.execute(
                "UPDATE tokens SET last_seen_at = ?2 WHERE id = ?1",
                params![b(id.as_uuid()), ts(at)],
            )
            .map(|_| 0)
            .map_err(map_err)
        })
        .await
        .map(|_| ())
    }

    async fn user_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Vec<TokenRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {TOKEN_COLS} FROM tokens WHERE tenant_id = ?1 AND user_id = ?2 AND kind IN ('login', 'session') AND revoked = 0 ORDER BY id DESC"
            ))?;
            let rows = st.query_map(params![b(tenant.as_uuid()), b(user.as_uuid())], token_row)?;
            rows.collect()
        })
        .await
    }

    async fn api_tokens(&self, tenant: TenantId) -> Result<Vec<TokenRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {TOKEN_COLS} FROM tokens WHERE tenant_id = ?1 AND kind = 'api' ORDER BY id DESC"))?;
            let rows = st.query_map([b(tenant.as_uuid())], token_row)?;
            rows.collect()
        })
        .await
    }

    async fn throttle(&self, key: &str) -> Result<Option<(u32, OffsetDateTime)>, StoreError> {
        let key = key.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT failures, last_failure FROM throttle WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, from_ts(r.get(1)?))),
            )
            .optional()
        })
        .await
    }

    async fn throttle_fail(
        &self,
        key: &str,
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        let key = key.to_owned();
        self.write(vec![], move |tx| {
            tx.query_row(
                "INSERT INTO throttle (key, failures, last_failure) VALUES (?1, 1, ?2) ON CONFLICT (key) DO UPDATE SET \
                 failures = CASE WHEN throttle.last_failure < ?3 THEN 1 ELSE throttle.failures + 1 END, last_failure = ?2 RETURNING failures",
                params![key, ts(now), ts(forget_before)],
                |r| r.get(0),
            )
            .map_err(map_err)
        })
        .await
        .map(|n| n as u32)
    }

    async fn throttle_clear(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(vec![], move |tx| {
            tx.execute("DELETE FROM throttle WHERE key = ?1", [key])
                .map(|_| 0)
                .map_err(map_err)
        })
        .await
        .map(|_| ())
    }

    async fn revoke_token(
        &self,
        tenant: TenantId,
        id: TokenId,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            exactly_one(tx.execute(
                "UPDATE tokens SET revoked = 1 WHERE tenant_id = ?1 AND id = ?2",
                params![b(tenant.as_uuid()), b(id.as_uuid())],
            ))?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn insert_customer(
        &self,
        c: CustomerRow,
        index: Vec<IndexEntry>,
        idem: Option<IdempotencyRow>,
        audit: AuditEvent,
    ) -> Result<i64, StoreError> {
        self.write_t(c.tenant_id, vec![audit], move |tx| {
            claim(tx, idem, c.id)?;
            insert_customer_row(tx, &c, &index)
        })
        .await
    }

    async fn customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
    ) -> Result<Option<CustomerRow>, StoreError> {
        self.read_t(tenant, move |c| {
            c.prepare_cached(&format!(
                "SELECT {CUSTOMER_READ} FROM customers WHERE id = ?1 AND tenant_id = ?2"
            ))?
            .query_row(params![b(id.as_uuid()), b(tenant.as_uuid())], customer_row)
            .optional()
        })
        .await
    }

    async fn customers(
        &self,
        tenant: TenantId,
        ids: &[CustomerId],
    ) -> Result<Vec<CustomerRow>, StoreError> {
        let ids = ids.to_vec();
        self.read_t(tenant, move |c| {
            let t = b(tenant.as_uuid());
            let mut out = Vec::with_capacity(ids.len());
            // Up to 100 a query (one round trip each on PostgreSQL), in the order asked.
            for chunk in ids.chunks(100) {
                let marks: Vec<String> = (0..chunk.len()).map(|i| format!("?{}", 2 + i)).collect();
                let mut st = c.prepare_cached(&format!(
                    "SELECT {CUSTOMER_READ} FROM customers WHERE tenant_id = ?1 AND id IN ({})",
                    marks.join(", ")
                ))?;
                let mut values = params![t];
                for id in chunk {
                    values.push(crate::sql::ToValue::to_value(&b(id.as_uuid())));
                }
                let mut found: std::collections::HashMap<CustomerId, CustomerRow> = st
                    .query_map(values, customer_row)?
                    .map(|r| r.map(|row| (row.id, row)))
                    .collect::<Result<_>>()?;
                out.extend(chunk.iter().filter_map(|id| found.remove(id)));
            }
            Ok(out)
        })
        .await
    }

    async fn list_customers(
        &self,
        tenant: TenantId,
        after: Option<CustomerId>,
        limit: u32,
    ) -> Result<Vec<CustomerRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!("SELECT {CUSTOMER_READ} FROM customers WHERE tenant_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"))?;
            let after = after.map(|a| b(a.as_uuid())).unwrap_or_default();
            let rows = st.query_map(params![b(tenant.as_uuid()), after, limit], customer_row)?;
            rows.collect()
        })
        .await
    }

    async fn update_customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
        change: CustomerChange,
        audit: AuditEvent,
    ) -> Result<u64, StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            apply_change(tx, tenant, id, &change).map(|v| v as i64)
        })
        .await
        .map(|v| v as u64)
    }

    async fn erase_customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            erase_rows(tx, tenant, id, at)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn index_lookup(
        &self,
        tenant: TenantId,
        kind: IndexKind,
        hashes: &[[u8; 16]],
        limit: u32,
    ) -> Result<Vec<(CustomerId, [u8; 16])>, StoreError> {
        let hashes = hashes.to_vec();
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached("SELECT customer_id FROM blind_index WHERE tenant_id = ?1 AND kind = ?2 AND hash = ?3 ORDER BY customer_id LIMIT ?4")?;
            let t = b(tenant.as_uuid());
            let mut out = Vec::new();
            for h in hashes {
                let rows = st.query_map(params![t, kind.code(), h.as_slice(), limit], |r| r.get::<Vec<u8>>(0))?;
                for row in rows {
                    out.push((CustomerId::from_uuid(uuid_of(&row?)), h));
                }
            }
            Ok(out)
        })
        .await
    }

    async fn customer_by_number(
        &self,
        tenant: TenantId,
        number: i64,
    ) -> Result<Option<CustomerId>, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                "SELECT id FROM customers WHERE tenant_id = ?1 AND number = ?2",
                params![b(tenant.as_uuid()), number],
                |r| r.get::<Vec<u8>>(0),
            )
            .optional()
            .map(|o| o.map(|v| CustomerId::from_uuid(uuid_of(&v))))
        })
        .await
    }

    async fn is_erased(&self, tenant: TenantId, id: CustomerId) -> Result<bool, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                "SELECT EXISTS(SELECT 1 FROM tombstones WHERE customer_id = ?1 AND tenant_id = ?2)",
                params![b(id.as_uuid()), b(tenant.as_uuid())],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn insert_record(
        &self,
        rec: RecordRow,
        idem: Option<IdempotencyRow>,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(rec.tenant_id, vec![audit], move |tx| {
            claim(tx, idem, rec.customer_id)?;
            require_customer(tx, rec.tenant_id, rec.customer_id)?;
            insert_record_row(tx, &rec)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn record(
        &self,
        tenant: TenantId,
        id: RecordId,
    ) -> Result<Option<RecordRow>, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                &format!("SELECT {RECORD_COLS} FROM records WHERE id = ?1 AND tenant_id = ?2"),
                params![b(id.as_uuid()), b(tenant.as_uuid())],
                record_row,
            )
            .optional()
        })
        .await
    }

    async fn list_records(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        categories: &[Category],
        after: Option<RecordId>,
        limit: u32,
    ) -> Result<Vec<RecordRow>, StoreError> {
        if categories.is_empty() {
            return Ok(Vec::new());
        }
        let cats: Vec<String> = categories.iter().map(|c| c.as_str().to_owned()).collect();
        self.read_t(tenant, move |c| {
            let slots: Vec<String> = (0..cats.len()).map(|i| format!("?{}", i + 5)).collect();
            let mut values = params![b(customer.as_uuid()), b(tenant.as_uuid()), after.map(|a| b(a.as_uuid())), limit];
            values.extend(cats.iter().map(crate::sql::ToValue::to_value));
            let mut st = c.prepare_cached(&format!(
                "SELECT {RECORD_COLS} FROM records WHERE customer_id = ?1 AND tenant_id = ?2 AND category IN ({}) AND (id < ?3 OR ?3 IS NULL) ORDER BY id DESC LIMIT ?4",
                slots.join(", ")
            ))?;
            let rows = st.query_map(values, record_row)?;
            rows.collect()
        })
        .await
    }

    async fn idempotency(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRow>, StoreError> {
        let (scope, key) = (scope.to_owned(), key.to_owned());
        self.read_t(tenant, move |c| {
            c.prepare_cached("SELECT tenant_id, scope, key, fingerprint, resource_id, created_at FROM idempotency WHERE tenant_id = ?1 AND scope = ?2 AND key = ?3")?
                .query_row(params![b(tenant.as_uuid()), scope, key], idem_row)
                .optional()
        })
        .await
    }

    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite(e) => e.append_audit(events).await,
            Engine::Pg(e) => e.append_audit(events).await,
        }
    }

    async fn audit_query(
        &self,
        tenant: TenantId,
        f: AuditFilter,
        limit: u32,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        // An action ending in '.' names a family of actions ("customer.").
        let (exact, prefix) = match f.action.clone() {
            Some(a) if a.ends_with('.') => (None, Some(a)),
            a => (a, None),
        };
        self.read_audit_t(tenant, move |c| {
            let mut st = c.prepare_cached(
                "SELECT e.seq, e.body FROM audit_events e WHERE e.tenant_id = ?1 \
                 AND (e.seq IN (SELECT seq FROM audit_customers WHERE customer_id = ?2) OR ?2 IS NULL) \
                 AND (e.actor_id = ?3 OR ?3 IS NULL) \
                 AND (e.action = ?4 OR ?4 IS NULL) AND (substr(e.action, 1, length(?9)) = ?9 OR ?9 IS NULL) \
                 AND (e.at >= ?5 OR ?5 IS NULL) AND (e.at < ?6 OR ?6 IS NULL) AND (e.seq < ?7 OR ?7 IS NULL) \
                 ORDER BY e.seq DESC LIMIT ?8",
            )?;
            let rows = st.query_map(
                params![
                    b(tenant.as_uuid()),
                    f.customer.map(|c| b(c.as_uuid())),
                    f.actor.map(b),
                    exact,
                    f.from.map(ts),
                    f.to.map(ts),
                    f.before.map(|s| s as i64),
                    limit,
                    prefix
                ],
                |r| Ok((r.get::<i64>(0)? as u64, r.get::<Vec<u8>>(1)?)),
            )?;
            rows.collect()
        })
        .await
    }

    async fn customers_read_by(
        &self,
        tenant: TenantId,
        actor: Uuid,
        from: OffsetDateTime,
        to: OffsetDateTime,
        at_most: u64,
    ) -> Result<u64, StoreError> {
        let at_most = i64::try_from(at_most).unwrap_or(i64::MAX);
        self.read_audit_t(tenant, move |c| {
            // The actor's events of the window (index by actor and time), each event's customers
            // (index by position); DISTINCT under LIMIT stops at the `at_most`-th customer.
            c.prepare_cached(
                "SELECT count(*) FROM (SELECT DISTINCT ac.customer_id FROM audit_events e \
                 JOIN audit_customers ac ON ac.seq = e.seq \
                 WHERE e.actor_id = ?2 AND e.at >= ?3 AND e.at <= ?4 AND e.tenant_id = ?1 \
                 AND e.action IN ('customer.read', 'customer.search', 'customer.list', 'record.read', 'customer.reveal') \
                 LIMIT ?5) AS d",
            )?
            .query_row(
                params![b(tenant.as_uuid()), b(actor), ts(from), ts(to), at_most],
                |r| r.get::<i64>(0),
            )
            .map(|n| n as u64)
        })
        .await
    }

    async fn scanner_position(&self, name: &str) -> Result<u64, StoreError> {
        let name = name.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT position FROM scanner_state WHERE name = ?1",
                [name],
                |r| r.get::<i64>(0),
            )
            .optional()
            .map(|p| p.unwrap_or(0) as u64)
        })
        .await
    }

    async fn set_scanner_position(&self, name: &str, position: u64) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.write(vec![], move |tx| {
            write_scanner_position(tx, &name, position).map(|_| 0)
        })
        .await
        .map(|_| ())
    }

    async fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>, StoreError> {
        self.read_in(true, |c| {
            c.query_row(
                "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
                (),
                |r| Ok((r.get::<i64>(0)? as u64, arr32(&r.get::<Vec<u8>>(1)?))),
            )
            .optional()
        })
        .await
    }

    async fn insert_checkpoint(&self, cp: Checkpoint) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite(e) => e.insert_checkpoint(cp).await,
            Engine::Pg(e) => e.insert_checkpoint(cp).await,
        }
    }

    async fn prune_audit(&self, upto: u64) -> Result<u64, StoreError> {
        match &self.engine {
            Engine::Sqlite(e) => e.prune_audit(upto).await,
            Engine::Pg(e) => e.prune_audit(upto).await,
        }
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        self.read_in(true, |c| {
            let mut st = c.prepare_cached(
                "SELECT seq, hash, at, signature FROM audit_checkpoints ORDER BY seq",
            )?;
            let rows = st.query_map((), |r| {
                Ok(Checkpoint {
                    seq: r.get::<i64>(0)? as u64,
                    hash: arr32(&r.get::<Vec<u8>>(1)?),
                    at: from_ts(r.get(2)?),
                    signature: r.get(3)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn insert_consent(
        &self,
        c: ConsentRow,
        deliveries: Vec<DeliveryRow>,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(c.tenant_id, vec![audit], move |tx| {
            insert_consent_row(tx, &c)?;
            for d in &deliveries {
                write_delivery(tx, d, true)?;
            }
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn consents(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<ConsentRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {CONSENT_COLS} FROM consents WHERE customer_id = ?1 AND tenant_id = ?2 ORDER BY id"
            ))?;
            let rows = st.query_map(params![b(customer.as_uuid()), b(tenant.as_uuid())], consent_row)?;
            rows.collect()
        })
        .await
    }

    async fn activity(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<OffsetDateTime>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(
                "SELECT created_at FROM records WHERE customer_id = ?1 AND tenant_id = ?2 ORDER BY created_at",
            )?;
            let rows = st.query_map(params![b(customer.as_uuid()), b(tenant.as_uuid())], |r| {
                Ok(from_ts(r.get(0)?))
            })?;
            rows.collect()
        })
        .await
    }

    async fn set_restriction(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        restriction: Option<(String, OffsetDateTime)>,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            require_customer(tx, tenant, customer)?;
            let (cid, t) = (b(customer.as_uuid()), b(tenant.as_uuid()));
            match restriction {
                Some((reason, since)) => tx.execute(
                    "INSERT INTO restrictions (customer_id, tenant_id, reason, since) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (customer_id) DO UPDATE SET reason = excluded.reason",
                    params![cid, t, reason, ts(since)],
                ),
                None => tx.execute(
                    "DELETE FROM restrictions WHERE customer_id = ?1 AND tenant_id = ?2",
                    params![cid, t],
                ),
            }
            .map_err(map_err)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn restriction(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Option<(String, OffsetDateTime)>, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                "SELECT reason, since FROM restrictions WHERE customer_id = ?1 AND tenant_id = ?2",
                params![b(customer.as_uuid()), b(tenant.as_uuid())],
                |r| Ok((r.get::<String>(0)?, from_ts(r.get(1)?))),
            )
            .optional()
        })
        .await
    }

    async fn set_legal_hold(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        hold: Option<(Vec<u8>, OffsetDateTime, Uuid)>,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            let (cid, t) = (b(customer.as_uuid()), b(tenant.as_uuid()));
            match hold {
                Some((reason, since, by)) => {
                    require_customer(tx, tenant, customer)?;
                    tx.execute(
                        "INSERT INTO legal_holds (customer_id, tenant_id, sealed_reason, since, placed_by) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (customer_id) DO UPDATE SET sealed_reason = excluded.sealed_reason",
                        params![cid, t, reason, ts(since), b(by)],
                    )
                    .map_err(map_err)?;
                }
                None => {
                    exactly_one(tx.execute(
                        "DELETE FROM legal_holds WHERE customer_id = ?1 AND tenant_id = ?2",
                        params![cid, t],
                    ))?;
                }
            }
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn legal_hold(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Option<(Vec<u8>, OffsetDateTime, Uuid)>, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                "SELECT sealed_reason, since, placed_by FROM legal_holds WHERE customer_id = ?1 AND tenant_id = ?2",
                params![b(customer.as_uuid()), b(tenant.as_uuid())],
                |r| Ok((r.get::<Vec<u8>>(0)?, from_ts(r.get(1)?), uuid_of(&r.get::<Vec<u8>>(2)?))),
            )
            .optional()
        })
        .await
    }

    async fn consent_candidates(
        &self,
        tenant: TenantId,
        purpose: String,
        channel: String,
    ) -> Result<Vec<CustomerId>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(
                "SELECT DISTINCT customer_id FROM consents WHERE tenant_id = ?1 AND purpose = ?2 AND channel = ?3 AND state = 'given' ORDER BY customer_id",
            )?;
            let rows = st.query_map(params![b(tenant.as_uuid()), purpose, channel], |r| {
                Ok(CustomerId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)))
            })?;
            rows.collect()
        })
        .await
    }

    async fn consent(&self, tenant: TenantId, id: Uuid) -> Result<Option<ConsentRow>, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                &format!("SELECT {CONSENT_COLS} FROM consents WHERE id = ?1 AND tenant_id = ?2"),
                params![b(id), b(tenant.as_uuid())],
                consent_row,
            )
            .optional()
        })
        .await
    }

    async fn insert_data_request(
        &self,
        row: DataRequestRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(row.tenant_id, vec![audit], move |tx| {
            write_request(tx, &row, true).map(|_| 0)
        })
        .await
        .map(|_| ())
    }

    async fn data_request(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<DataRequestRow>, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                &format!(
                    "SELECT {REQUEST_COLS} FROM data_requests WHERE id = ?1 AND tenant_id = ?2"
                ),
                params![b(id), b(tenant.as_uuid())],
                request_row,
            )
            .optional()
        })
        .await
    }

    async fn data_requests(&self, tenant: TenantId) -> Result<Vec<DataRequestRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {REQUEST_COLS} FROM data_requests WHERE tenant_id = ?1 ORDER BY id DESC"
            ))?;
            let rows = st.query_map(params![b(tenant.as_uuid())], request_row)?;
            rows.collect()
        })
        .await
    }

    async fn update_data_request(
        &self,
        row: DataRequestRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(row.tenant_id, vec![audit], move |tx| {
            write_request(tx, &row, false).map(|_| 0)
        })
        .await
        .map(|_| ())
    }

    async fn open_data_requests_due_before(
        &self,
        t: OffsetDateTime,
    ) -> Result<Vec<DataRequestRow>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {REQUEST_COLS} FROM data_requests WHERE closed_at IS NULL AND due_at <= ?1 ORDER BY due_at"
            ))?;
            let rows = st.query_map(params![ts(t)], request_row)?;
            rows.collect()
        })
        .await
    }

    async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let claimed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let out = claimed.clone();
        self.write(vec![], move |tx| {
            let rows: Vec<DeliveryRow> = {
                let mut st = tx
                    .prepare_cached(&format!("SELECT {DELIVERY_COLS} FROM deliveries WHERE status = 'pending' AND next_at <= ?1 ORDER BY next_at LIMIT ?2"))
                    .map_err(map_err)?;
                let rows = st
                    .query_map(params![ts(now), limit], delivery_row)
                    .map_err(map_err)?;
                rows.collect::<Result<_>>().map_err(map_err)?
            };
            // Claimed only if still due when this write gets the row: another instance that
            // claimed it first has moved `next_at` on (PostgreSQL re-reads the row after the
            // other's commit), so no message goes out twice.
            let mut mine = Vec::with_capacity(rows.len());
            for r in rows {
                let n = tx
                    .execute(
                        "UPDATE deliveries SET next_at = ?2 WHERE id = ?1 AND status = 'pending' AND next_at <= ?3",
                        params![b(r.id), ts(lease_until), ts(now)],
                    )
                    .map_err(map_err)?;
                if n == 1 {
                    mine.push(r);
                }
            }
            let rows = mine;
            let n = rows.len() as i64;
            *out.lock().unwrap_or_else(|e| e.into_inner()) = rows;
            Ok(n)
        })
        .await?;
        let rows = std::mem::take(&mut *claimed.lock().unwrap_or_else(|e| e.into_inner()));
        Ok(rows)
    }

    async fn update_delivery(&self, d: DeliveryRow) -> Result<(), StoreError> {
        self.write(vec![], move |tx| write_delivery(tx, &d, false).map(|_| 0))
            .await
            .map(|_| ())
    }

    async fn deliveries(
        &self,
        tenant: TenantId,
        topic: String,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {DELIVERY_COLS} FROM deliveries WHERE tenant_id = ?1 AND topic = ?2 ORDER BY id"
            ))?;
            let rows = st.query_map(params![b(tenant.as_uuid()), topic], delivery_row)?;
            rows.collect()
        })
        .await
    }

    async fn insert_incident(&self, row: IncidentRow, audit: AuditEvent) -> Result<(), StoreError> {
        self.write_t(row.tenant_id, vec![audit], move |tx| {
            write_incident(tx, &row, true).map(|_| 0)
        })
        .await
        .map(|_| ())
    }

    async fn incident(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<IncidentRow>, StoreError> {
        self.read_t(tenant, move |c| {
            c.query_row(
                &format!("SELECT {INCIDENT_COLS} FROM incidents WHERE tenant_id = ?1 AND id = ?2"),
                params![b(tenant.as_uuid()), b(id)],
                incident_row,
            )
            .optional()
        })
        .await
    }

    async fn incidents(&self, tenant: TenantId) -> Result<Vec<IncidentRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {INCIDENT_COLS} FROM incidents WHERE tenant_id = ?1 ORDER BY id DESC"
            ))?;
            let rows = st.query_map(params![b(tenant.as_uuid())], incident_row)?;
            rows.collect()
        })
        .await
    }

    async fn update_incident(&self, row: IncidentRow, audit: AuditEvent) -> Result<(), StoreError> {
        self.write_t(row.tenant_id, vec![audit], move |tx| {
            write_incident(tx, &row, false).map(|_| 0)
        })
        .await
        .map(|_| ())
    }

    async fn insert_incident_note(
        &self,
        n: IncidentNoteRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(n.tenant_id, vec![audit], move |tx| {
            let incident: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM incidents WHERE id = ?1 AND tenant_id = ?2)",
                    params![b(n.incident_id), b(n.tenant_id.as_uuid())],
                    |r| r.get(0),
                )
                .map_err(map_err)?;
            if !incident {
                return Err(StoreError::NotFound);
            }
            tx.execute(
                r#"INSERT INTO incident_notes (id, incident_id, tenant_id, at, "by", kind, sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"#,
                params![b(n.id), b(n.incident_id), b(n.tenant_id.as_uuid()), ts(n.at), b(n.by), n.kind, n.sealed],
            )
            .map_err(map_err)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn incident_notes(
        &self,
        tenant: TenantId,
        incident: Uuid,
    ) -> Result<Vec<IncidentNoteRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(
                r#"SELECT id, incident_id, tenant_id, at, "by", kind, sealed FROM incident_notes WHERE tenant_id = ?1 AND incident_id = ?2 ORDER BY id"#,
            )?;
            let rows = st.query_map(params![b(tenant.as_uuid()), b(incident)], |r| {
                Ok(IncidentNoteRow {
                    id: uuid_of(&r.get::<Vec<u8>>(0)?),
                    incident_id: uuid_of(&r.get::<Vec<u8>>(1)?),
                    tenant_id: TenantId::from_uuid(uuid_of(&r.get::<Vec<u8>>(2)?)),
                    at: from_ts(r.get(3)?),
                    by: uuid_of(&r.get::<Vec<u8>>(4)?),
                    kind: r.get(5)?,
                    sealed: r.get(6)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn audit_range(&self, from: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        self.read_in(true, move |c| {
            let mut st = c.prepare_cached("SELECT seq, body, prev_hash, hash FROM audit_events WHERE seq >= ?1 ORDER BY seq LIMIT ?2")?;
            let rows = st.query_map(params![from as i64, limit], |r| {
                Ok(StoredEvent { seq: r.get::<i64>(0)? as u64, body: r.get(1)?, prev_hash: arr32(&r.get::<Vec<u8>>(2)?), hash: arr32(&r.get::<Vec<u8>>(3)?) })
            })?;
            rows.collect()
        })
        .await
    }
    async fn apply_tombstone(
        &self,
        tenant: TenantId,
        id: CustomerId,
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<bool, StoreError> {
        self.write_audited_t(tenant, move |tx| {
            let present: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM customers WHERE id = ?1 AND tenant_id = ?2)",
                    params![b(id.as_uuid()), b(tenant.as_uuid())],
                    |r| r.get(0),
                )
                .map_err(map_err)?;
            if !present {
                tx.execute(
                    "INSERT INTO tombstones (customer_id, tenant_id, erased_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    params![b(id.as_uuid()), b(tenant.as_uuid()), ts(at)],
                )
                .map_err(map_err)?;
                return Ok((0, Vec::new()));
            }
            // Erased in the live system after this copy was made: whatever held it then was
            // lifted before the erasure.
            tx.execute("DELETE FROM legal_holds WHERE customer_id = ?1", [b(id.as_uuid())])
                .map_err(map_err)?;
            erase_rows(tx, tenant, id, at)?;
            Ok((1, vec![audit]))
        })
        .await
        .map(|n| n == 1)
    }

    async fn insert_customer_bundle(&self, bundle: CustomerBundle) -> Result<i64, StoreError> {
        self.write_audited_t(bundle.customer.tenant_id, move |tx| {
            let n = insert_customer_row(tx, &bundle.customer, &bundle.index)?;
            for r in &bundle.records {
                insert_record_row(tx, r)?;
            }
            for c in &bundle.consents {
                insert_consent_row(tx, c)?;
            }
            for d in &bundle.deliveries {
                write_delivery(tx, d, true)?;
            }
            Ok((n, bundle.audit))
        })
        .await
    }

    async fn insert_webhook(&self, row: WebhookRow, audit: AuditEvent) -> Result<(), StoreError> {
        self.write_t(row.tenant_id, vec![audit], move |tx| {
            tx.execute(
                "INSERT INTO webhooks (id, tenant_id, sealed, events, created_at, disabled) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                params![b(row.id), b(row.tenant_id.as_uuid()), row.sealed, row.events.join(","), ts(row.created_at)],
            )
            .map(|_| 0)
            .map_err(map_err)
        })
        .await
        .map(|_| ())
    }

    async fn webhooks(&self, tenant: TenantId) -> Result<Vec<WebhookRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached("SELECT id, tenant_id, sealed, events, created_at FROM webhooks WHERE tenant_id = ?1 AND disabled = 0 ORDER BY id")?;
            let rows = st.query_map([b(tenant.as_uuid())], webhook_row)?;
            rows.collect()
        })
        .await
    }

    async fn all_webhooks(&self) -> Result<Vec<WebhookRow>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached("SELECT id, tenant_id, sealed, events, created_at FROM webhooks WHERE disabled = 0 ORDER BY id")?;
            let rows = st.query_map((), webhook_row)?;
            rows.collect()
        })
        .await
    }

    async fn delete_webhook(
        &self,
        tenant: TenantId,
        id: Uuid,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            let t = b(tenant.as_uuid());
            exactly_one(tx.execute(
                "DELETE FROM webhooks WHERE id = ?1 AND tenant_id = ?2",
                params![b(id), t],
            ))?;
            tx.execute(
                "DELETE FROM deliveries WHERE tenant_id = ?1 AND topic = ?2 AND status = 'pending'",
                params![t, format!("webhook:{id}")],
            )
            .map_err(map_err)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn queue_deliveries(
        &self,
        deliveries: Vec<DeliveryRow>,
        scanner: &str,
        position: u64,
    ) -> Result<(), StoreError> {
        let name = scanner.to_owned();
        self.write(vec![], move |tx| {
            for d in &deliveries {
                write_delivery(tx, d, true)?;
            }
            write_scanner_position(tx, &name, position)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn index_matches(
        &self,
        tenant: TenantId,
        entries: Vec<IndexEntry>,
    ) -> Result<Vec<(IndexEntry, CustomerId)>, StoreError> {
        self.read_t(tenant, move |c| {
            Ok(
                lookup_hashes(c, "blind_index", "customer_id", tenant, &entries)?
                    .into_iter()
                    .map(|(e, id)| (e, CustomerId::from_uuid(uuid_of(&id))))
                    .collect(),
            )
        })
        .await
    }

    async fn erased_matches(
        &self,
        tenant: TenantId,
        entries: Vec<IndexEntry>,
    ) -> Result<Vec<IndexEntry>, StoreError> {
        self.read_t(tenant, move |c| {
            // The third column is only there to share the lookup.
            Ok(lookup_hashes(c, "erased_index", "hash", tenant, &entries)?
                .into_iter()
                .map(|(e, _)| e)
                .collect())
        })
        .await
    }

    async fn consent_keys(
        &self,
        tenant: TenantId,
        customers: Vec<CustomerId>,
    ) -> Result<Vec<(CustomerId, String, Option<String>)>, StoreError> {
        self.read_t(tenant, move |c| {
            let t = b(tenant.as_uuid());
            let mut out = Vec::new();
            for chunk in customers.chunks(200) {
                // By the customers' index alone (with the tenant in the condition SQLite would
                // scan the tenant's consents by purpose); the tenant is checked on each row.
                let marks: Vec<String> = (0..chunk.len()).map(|i| format!("?{}", 1 + i)).collect();
                let mut st = c.prepare_cached(&format!(
                    "SELECT DISTINCT customer_id, purpose, channel, tenant_id FROM consents WHERE customer_id IN ({})",
                    marks.join(", ")
                ))?;
                let values: Vec<crate::sql::Value> = chunk
                    .iter()
                    .map(|id| crate::sql::ToValue::to_value(&b(id.as_uuid())))
                    .collect();
                let rows = st.query_map(values, |r| {
                    Ok((
                        CustomerId::from_uuid(uuid_of(&r.get::<Vec<u8>>(0)?)),
                        r.get::<String>(1)?,
                        r.get::<Option<String>>(2)?,
                        r.get::<Vec<u8>>(3)?,
                    ))
                })?;
                for row in rows {
                    let (id, purpose, channel, owner) = row?;
                    if owner == t {
                        out.push((id, purpose, channel));
                    }
                }
            }
            Ok(out)
        })
        .await
    }

    async fn import_batch(&self, tenant: TenantId, batch: ImportBatch) -> Result<(), StoreError> {
        self.write_audited_t(tenant, move |tx| {
            insert_new_customers(tx, tenant, &batch.new)?;
            for (id, change) in &batch.changes {
                apply_change(tx, tenant, *id, change)?;
            }
            for (id, e) in &batch.index {
                insert_index(tx, tenant, *id, std::slice::from_ref(e))?;
            }
            for c in &batch.consents {
                insert_consent_row(tx, c)?;
            }
            Ok((0, batch.audit))
        })
        .await
        .map(|_| ())
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        if self.dialect() != crate::sql::Dialect::Postgres {
            return Ok(());
        }
        self.write(vec![], |tx| {
            for table in ["customers", "blind_index", "consents", "erased_index"] {
                tx.execute(&format!("ANALYZE {table}"), ())
                    .map_err(map_err)?;
            }
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn rewrap_tenant(
        &self,
        tenant: TenantId,
        from_master: &str,
        wrapped_kek: Vec<u8>,
        wrapped_index_key: Vec<u8>,
        ring: Vec<(u32, Vec<u8>)>,
        master_key_id: String,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        let from = from_master.to_owned();
        self.write_t(tenant, vec![audit], move |tx| {
            let t = b(tenant.as_uuid());
            let n = tx
                .execute(
                    "UPDATE tenants SET wrapped_kek = ?1, wrapped_index_key = ?2, master_key_id = ?3 WHERE id = ?4 AND master_key_id = ?5",
                    params![wrapped_kek, wrapped_index_key, master_key_id, t, from],
                )
                .map_err(map_err)?;
            if n == 0 {
                return Err(StoreError::VersionMismatch(0));
            }
            for (version, wrapped) in &ring {
                tx.execute(
                    "UPDATE tenant_key_ring SET wrapped_kek = ?1, master_key_id = ?2 WHERE tenant_id = ?3 AND version = ?4",
                    params![wrapped, master_key_id, t, version],
                )
                .map_err(map_err)?;
            }
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn update_catalog(
        &self,
        tenant: TenantId,
        catalog: custos_core::catalog::Catalog,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(&catalog).map_err(|e| StoreError::Other(e.to_string()))?;
        self.write_t(tenant, vec![audit], move |tx| {
            exactly_one(tx.execute(
                "UPDATE tenants SET catalog = ?1 WHERE id = ?2",
                params![json, b(tenant.as_uuid())],
            ))?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn expired_records(
        &self,
        tenant: TenantId,
        record_type: String,
        before: OffsetDateTime,
        after: Option<RecordId>,
        limit: u32,
    ) -> Result<Vec<(RecordRow, bool)>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {RECORD_COLS}, {} FROM records WHERE tenant_id = ?1 AND type = ?2 AND occurred_at < ?3 AND (id > ?4 OR ?4 IS NULL) ORDER BY id LIMIT ?5",
                blocked_sql!("records.customer_id")
            ))?;
            let rows = st.query_map(
                params![b(tenant.as_uuid()), record_type, ts(before), after.map(|a| b(a.as_uuid())), limit],
                |r| Ok((record_row(r)?, r.get::<bool>(8)?)),
            )?;
            rows.collect()
        })
        .await
    }

    async fn idle_customers(
        &self,
        tenant: TenantId,
        before: OffsetDateTime,
        after: Option<CustomerId>,
        limit: u32,
    ) -> Result<Vec<IdleCustomer>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT * FROM (SELECT {CUSTOMER_READ}, {}(created_at, updated_at, COALESCE((SELECT MAX(occurred_at) FROM records r WHERE r.customer_id = customers.id), 0)) AS last, {} FROM customers WHERE tenant_id = ?1 AND id > ?2) q WHERE last < ?3 ORDER BY id LIMIT ?4",
                match c.dialect() {
                    crate::sql::Dialect::Sqlite => "MAX",
                    crate::sql::Dialect::Postgres => "GREATEST",
                },
                blocked_sql!("customers.id")
            ))?;
            let after = after.map(|a| b(a.as_uuid())).unwrap_or_default();
            let rows = st.query_map(params![b(tenant.as_uuid()), after, ts(before), limit], |r| {
                Ok(IdleCustomer {
                    row: customer_row(r)?,
                    last_interaction: from_ts(r.get(10)?),
                    held: r.get(11)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn record_times(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<(String, OffsetDateTime)>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(
                "SELECT type, occurred_at FROM records WHERE customer_id = ?1 AND tenant_id = ?2",
            )?;
            let rows = st.query_map(params![b(customer.as_uuid()), b(tenant.as_uuid())], |r| {
                Ok((r.get(0)?, from_ts(r.get(1)?)))
            })?;
            rows.collect()
        })
        .await
    }

    async fn retention_delete_records(
        &self,
        tenant: TenantId,
        items: Vec<RetentionDeletion>,
    ) -> Result<u64, StoreError> {
        self.write_audited_t(tenant, move |tx| {
            let mut events = Vec::new();
            let mut n = 0;
            for item in items {
                if retention_blocked(tx, item.customer)? {
                    continue;
                }
                let gone = tx
                    .execute(
                        "DELETE FROM records WHERE id = ?1 AND tenant_id = ?2",
                        params![b(item.record.as_uuid()), b(tenant.as_uuid())],
                    )
                    .map_err(map_err)?;
                if gone == 0 {
                    continue;
                }
                if let Some(a) = &item.aggregate {
                    add_aggregate(tx, tenant, a)?;
                }
                n += 1;
                events.push(item.audit);
            }
            Ok((n, events))
        })
        .await
        .map(|n| n as u64)
    }

    async fn retention_erase_customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
        at: OffsetDateTime,
        aggregates: Vec<Aggregate>,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            if retention_blocked(tx, id)? {
                return Err(StoreError::Held);
            }
            erase_rows(tx, tenant, id, at)?;
            for a in &aggregates {
                add_aggregate(tx, tenant, a)?;
            }
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn retention_drop_fields(
        &self,
        tenant: TenantId,
        id: CustomerId,
        change: CustomerChange,
        audit: AuditEvent,
    ) -> Result<u64, StoreError> {
        self.write_t(tenant, vec![audit], move |tx| {
            if retention_blocked(tx, id)? {
                return Err(StoreError::Held);
            }
            let n = tx
                .execute(
                    // `updated_at` stays: a removal by retention is no interaction with the customer.
                    "UPDATE customers SET sealed = ?1, version = version + 1 WHERE id = ?2 AND tenant_id = ?3 AND version = ?4",
                    params![change.sealed, b(id.as_uuid()), b(tenant.as_uuid()), change.expected_version as i64],
                )
                .map_err(map_err)?;
            if n == 0 {
                return Err(StoreError::VersionMismatch(change.expected_version));
            }
            if let Some(index) = change.index {
                replace_index(tx, tenant, id, &index)?;
            }
            Ok(change.expected_version as i64 + 1)
        })
        .await
        .map(|v| v as u64)
    }

    async fn aggregates(&self, tenant: TenantId) -> Result<Vec<Aggregate>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached("SELECT record_type, month, grp, count, sums FROM retention_aggregates WHERE tenant_id = ?1 ORDER BY record_type, month, grp")?;
            let rows = st.query_map([b(tenant.as_uuid())], |r| {
                let grp: String = r.get(2)?;
                let sums: String = r.get(4)?;
                Ok(Aggregate {
                    record_type: r.get(0)?,
                    month: r.get(1)?,
                    group: serde_json::from_str(&grp).unwrap_or_default(),
                    count: r.get::<i64>(3)? as u64,
                    sums: serde_json::from_str(&sums).unwrap_or_default(),
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn begin_retention_run(
        &self,
        tenant: TenantId,
        id: Uuid,
        at: OffsetDateTime,
    ) -> Result<Option<Uuid>, StoreError> {
        let open = self
            .read(move |c| {
                c.query_row(
                    "SELECT id FROM retention_runs WHERE tenant_id = ?1 AND finished_at IS NULL ORDER BY id DESC LIMIT 1",
                    [b(tenant.as_uuid())],
                    |r| r.get::<Vec<u8>>(0),
                )
                .optional()
                .map(|o| o.map(|v| uuid_of(&v)))
            })
            .await?;
        self.write_t(tenant, Vec::new(), move |tx| {
            let t = b(tenant.as_uuid());
            tx.execute(
                "UPDATE retention_runs SET finished_at = ?2 WHERE tenant_id = ?1 AND finished_at IS NULL",
                params![t, ts(at)],
            )
            .map_err(map_err)?;
            tx.execute(
                "INSERT INTO retention_runs (id, tenant_id, started_at) VALUES (?1, ?2, ?3)",
                params![b(id), t, ts(at)],
            )
            .map_err(map_err)?;
            Ok(0)
        })
        .await?;
        Ok(open)
    }

    async fn finish_retention_run(
        &self,
        tenant: TenantId,
        id: Uuid,
        at: OffsetDateTime,
        report: String,
        complete: bool,
    ) -> Result<(), StoreError> {
        self.write_t(tenant, Vec::new(), move |tx| {
            tx.execute(
                "UPDATE retention_runs SET finished_at = ?3, report = ?4 WHERE id = ?1 AND tenant_id = ?2",
                params![b(id), b(tenant.as_uuid()), complete.then(|| ts(at)), report],
            )
            .map_err(map_err)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn retention_runs(
        &self,
        tenant: TenantId,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached("SELECT report FROM retention_runs WHERE tenant_id = ?1 AND report IS NOT NULL ORDER BY id DESC LIMIT ?2")?;
            let rows = st.query_map(params![b(tenant.as_uuid()), limit], |r| r.get(0))?;
            rows.collect()
        })
        .await
    }

    async fn insert_self_audit(
        &self,
        row: SelfAuditRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(row.tenant_id, vec![audit], move |tx| {
            tx.execute(
                "INSERT INTO self_audits (id, tenant_id, at, report) VALUES (?1, ?2, ?3, ?4)",
                params![
                    b(row.id),
                    b(row.tenant_id.as_uuid()),
                    ts(row.at),
                    row.report
                ],
            )
            .map_err(map_err)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn self_audits(
        &self,
        tenant: TenantId,
        limit: u32,
    ) -> Result<Vec<SelfAuditRow>, StoreError> {
        self.read_t(tenant, move |c| {
            let mut st = c.prepare_cached(
                "SELECT id, at, report FROM self_audits WHERE tenant_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
            )?;
            let rows = st.query_map(params![b(tenant.as_uuid()), limit], |r| {
                Ok(SelfAuditRow {
                    id: uuid_of(&r.get::<Vec<u8>>(0)?),
                    tenant_id: tenant,
                    at: from_ts(r.get(1)?),
                    report: r.get(2)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn insert_portal_token(
        &self,
        row: PortalTokenRow,
        deliveries: Vec<DeliveryRow>,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(row.tenant_id, vec![audit], move |tx| {
            require_customer(tx, row.tenant_id, row.customer_id)?;
            insert_portal_row(tx, &row)?;
            for d in &deliveries {
                write_delivery(tx, d, true)?;
            }
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn use_portal_link(
        &self,
        link_hash: [u8; 32],
        now: OffsetDateTime,
        session: PortalTokenRow,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write_t(session.tenant_id, vec![audit], move |tx| {
            exactly_one(tx.execute(
                "UPDATE portal_tokens SET used_at = ?2 WHERE hash = ?1 AND kind = 'link' AND used_at IS NULL AND expires_at > ?2 AND customer_id = ?3",
                params![link_hash.as_slice(), ts(now), b(session.customer_id.as_uuid())],
            ))?;
            require_customer(tx, session.tenant_id, session.customer_id)?;
            insert_portal_row(tx, &session)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }

    async fn portal_token(&self, hash: [u8; 32]) -> Result<Option<PortalTokenRow>, StoreError> {
        self.read(move |c| {
            c.query_row(
                "SELECT hash, tenant_id, customer_id, kind, created_at, expires_at, used_at FROM portal_tokens WHERE hash = ?1",
                [hash.as_slice()],
                portal_row,
            )
            .optional()
        })
        .await
    }

    async fn end_portal_session(
        &self,
        hash: [u8; 32],
        at: OffsetDateTime,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.write(vec![audit], move |tx| {
            tx.execute(
                "UPDATE portal_tokens SET used_at = ?2 WHERE hash = ?1 AND kind = 'session' AND used_at IS NULL",
                params![hash.as_slice(), ts(at)],
            )
            .map_err(map_err)?;
            Ok(0)
        })
        .await
        .map(|_| ())
    }
}

fn insert_user(tx: &Db<'_>, u: &UserRow) -> Result<(), StoreError> {
    tx.prepare_cached(&format!(
        "INSERT INTO users ({USER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    ))
    .and_then(|mut st| {
        st.execute(params![
            b(u.id.as_uuid()),
            b(u.tenant_id.as_uuid()),
            u.username,
            u.password_hash,
            u.role,
            u.disabled,
            ts(u.created_at),
            u.must_change_password,
            u.mfa_secret,
            u.mfa_enabled
        ])
    })
    .map_err(|e| match map_err(e) {
        StoreError::Conflict(_) => StoreError::Conflict("username"),
        o => o,
    })?;
    Ok(())
}
