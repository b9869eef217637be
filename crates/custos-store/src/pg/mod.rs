//! The PostgreSQL engine: many stateless custos instances over one database.
//!
//! The synchronous `postgres` client runs on threads of its own (blocking threads for the pool,
//! one writer thread per instance). Reads run on pooled connections, one statement at a time,
//! under the session's tenant scope. Writes are group-committed by the instance's writer: each
//! in a savepoint under its own scope, then every audit event of the batch appended to the hash
//! chain in the same transaction under a transaction-scoped advisory lock, so the chain stays
//! one valid chain whichever instance writes, and no write commits without its events.
//! Row-level security enforces the scope (`custos.tenant`). Migrations run under a session
//! advisory lock, so instances starting together do not race; background jobs hold session
//! advisory locks as leases.

pub mod schema;

use crate::sql::{Db, DbError, PgTx};
use crate::store::{arr32, map_err, ts, ReadOp, Scope, WriteOp};
use crate::StoreOpenError;
use custos_core::audit::AuditEvent;
use custos_core::store::*;
use custos_crypto::chain;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Advisory lock keys (one namespace: "custos" in ASCII, then a number).
const LOCK_MIGRATE: i64 = 0x6375_7374_6f73_0001;
const LOCK_CHAIN: i64 = 0x6375_7374_6f73_0002;

/// How to reach the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// `postgres://user@host:port/db?sslmode=…` (and optionally `sslrootcert=FILE`).
    pub url: String,
    /// Most connections this instance opens.
    pub pool_size: u32,
}

impl PgOptions {
    /// Options with the default pool size.
    pub fn new(url: &str) -> Self {
        PgOptions {
            url: url.to_owned(),
            pool_size: 10,
        }
    }
}

/// The URL with its password replaced by `***`, for logs and messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(v) => v,
        None => return url.to_owned(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// The `postgres` connection settings and TLS from a URL; `sslrootcert` names a PEM file of
/// extra roots (the server's CA), which `tokio-postgres` itself does not read.
fn parse_url(url: &str) -> Result<(postgres::Config, rustls::ClientConfig), StoreOpenError> {
    let bad = |m: String| StoreOpenError::Url(format!("database URL: {m}"));
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    let mut ca: Option<PathBuf> = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslrootcert", v)) => ca = Some(PathBuf::from(v)),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: postgres::Config = url.parse().map_err(|e| bad(format!("{e}")))?;
    if !query.split('&').any(|p| p.starts_with("sslmode=")) {
        // Unsaid: plain on this machine (loopback, a Unix socket), TLS with a verified
        // certificate anywhere else. `sslmode=disable` or `require` says otherwise.
        let local = config.get_hosts().iter().all(|h| match h {
            postgres::config::Host::Tcp(name) => {
                name == "localhost"
                    || name
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
            postgres::config::Host::Unix(_) => true,
        });
        config.ssl_mode(if local {
            postgres::config::SslMode::Disable
        } else {
            postgres::config::SslMode::Require
        });
    }
    // A server that vanishes without closing its connections (a network partition, a host
    // gone) must fail requests within seconds, not leave them waiting for ever: bounded
    // connection attempts, keepalive probes on idle connections, and a limit on unacknowledged
    // data, each unless the URL sets its own.
    let given = |key: &str| query.split('&').any(|p| p.split('=').next() == Some(key));
    if !given("connect_timeout") {
        config.connect_timeout(Duration::from_secs(10));
    }
    if !given("keepalives_idle") {
        config.keepalives_idle(Duration::from_secs(15));
    }
    if !given("keepalives_interval") {
        config.keepalives_interval(Duration::from_secs(5));
    }
    if !given("keepalives_retries") {
        config.keepalives_retries(3);
    }
    if !given("tcp_user_timeout") {
        config.tcp_user_timeout(Duration::from_secs(30));
    }
    if config.get_dbname().is_none() {
        return Err(bad(
            "name the database, e.g. postgres://custos@db.internal/custos".into(),
        ));
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca {
        use rustls::pki_types::pem::PemObject;
        let certs = rustls::pki_types::CertificateDer::pem_file_iter(&path)
            .map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?;
        let mut n = 0;
        for c in certs {
            let c = c.map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?;
            roots
                .add(c)
                .map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?;
            n += 1;
        }
        if n == 0 {
            return Err(bad(format!(
                "sslrootcert {} holds no PEM certificate",
                path.display()
            )));
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| bad(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok((config, tls))
}

pub(crate) struct PgConn {
    client: postgres::Client,
    cache: RefCell<HashMap<String, postgres::Statement>>,
    /// The session's scope for reads outside a transaction (`read_in`), once set.
    scope: Option<Scope>,
}

/// What the pool needs to open a connection.
#[derive(Clone)]
pub(crate) struct Connector {
    config: postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

impl Connector {
    pub(crate) fn from_url(url: &str) -> Result<Self, StoreOpenError> {
        let (config, tls) = parse_url(url)?;
        Ok(Connector {
            config,
            tls: tokio_postgres_rustls::MakeRustlsConnect::new(tls),
        })
    }

    pub(crate) fn connect(&self) -> Result<PgConn, DbError> {
        let client = self.config.connect(self.tls.clone()).map_err(|e| {
            // The cause (a refused certificate, a refused login) is in the sources.
            let mut text = format!("cannot connect to PostgreSQL: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            DbError::Unavailable(text)
        })?;
        Ok(PgConn {
            client,
            cache: RefCell::new(HashMap::new()),
            scope: None,
        })
    }
}

/// The PostgreSQL engine.
pub(crate) struct PgEngine {
    connector: Connector,
    idle: Arc<Mutex<Vec<PgConn>>>,
    permits: Arc<Semaphore>,
    closed: AtomicBool,
    /// The group-committing writer of this instance.
    writer: Mutex<Option<std::sync::mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Whether row-level security binds this connection's role (not a superuser, no BYPASSRLS).
    rls_enforced: bool,
}

/// Most writes committed together. Each runs in a savepoint (a subtransaction); PostgreSQL
/// keeps up to 64 of a transaction's subtransactions in its fast path.
const MAX_BATCH: usize = 64;

type Reply = tokio::sync::oneshot::Sender<Result<i64, StoreError>>;

/// Work for the writer.
enum Job {
    Write {
        scope: Scope,
        op: WriteOp,
        reply: Reply,
    },
    Audit {
        events: Vec<AuditEvent>,
        reply: Reply,
    },
}

/// The writer of one instance: it owns a connection and commits whatever writes are waiting
/// as one transaction (group commit), each in its own savepoint and under its own tenant scope,
/// then appends all their audit events to the chain under the chain's lock, once. So the lock
/// and the commit's flush are paid once per batch, not once per request, while every write
/// still commits together with its events. Reads use the pool.
struct Writer {
    connector: Connector,
    conn: Option<PgConn>,
}

impl Writer {
    fn run(mut self, rx: std::sync::mpsc::Receiver<Job>) {
        while let Some(batch) = crate::store::next_batch(&rx, MAX_BATCH) {
            self.process(batch);
        }
    }

    fn process(&mut self, batch: Vec<Job>) {
        let mut replies = Vec::with_capacity(batch.len());
        let mut work = Vec::with_capacity(batch.len());
        for job in batch {
            match job {
                Job::Write { scope, op, reply } => {
                    replies.push(reply);
                    work.push(Some((scope, Some(op), Vec::new())));
                }
                Job::Audit { events, reply } => {
                    replies.push(reply);
                    work.push(Some((Scope::System, None, events)));
                }
            }
        }
        let mut conn = match self.conn.take() {
            Some(c) if !c.client.is_closed() => c,
            _ => match self.connector.connect() {
                Ok(c) => c,
                Err(e) => {
                    for r in replies {
                        let _ = r.send(Err(map_err(e.clone())));
                    }
                    return;
                }
            },
        };
        let outcome = in_tx(&mut conn, Scope::System, false, |db| {
            let mut results: Vec<Result<i64, StoreError>> = Vec::with_capacity(work.len());
            let mut events: Vec<AuditEvent> = Vec::new();
            for item in work.iter_mut() {
                let Some((scope, op, audit)) = item.take() else {
                    continue;
                };
                let Some(op) = op else {
                    events.extend(audit);
                    results.push(Ok(0));
                    continue;
                };
                db.execute_batch(&format!(
                    "SAVEPOINT job; SET LOCAL custos.tenant = '{}'",
                    scope_setting(scope)
                ))?;
                match op(db) {
                    // Not released: the commit releases every savepoint, one round trip less
                    // per write.
                    Ok((v, audit)) => {
                        events.extend(audit);
                        results.push(Ok(v));
                    }
                    Err(e) => {
                        db.execute_batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job")?;
                        results.push(Err(e));
                    }
                }
            }
            append_chain(db, &events)?;
            Ok::<_, StoreError>(results)
        });
        let broken = matches!(outcome, Err(StoreError::Unavailable(_)));
        match outcome {
            Ok(results) => {
                for (r, result) in replies.into_iter().zip(results) {
                    let _ = r.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "a batch of writes failed and was rolled back");
                for r in replies {
                    let _ = r.send(Err(match &e {
                        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
                        other => StoreError::Other(other.to_string()),
                    }));
                }
            }
        }
        if !conn.client.is_closed() && !broken {
            self.conn = Some(conn);
        }
    }
}

/// Closes connections on a plain thread: the synchronous client blocks on its own runtime when
/// dropped, which must not happen on the caller's.
fn drop_off_runtime(conns: Vec<PgConn>) {
    if conns.is_empty() {
        return;
    }
    if tokio::runtime::Handle::try_current().is_ok() {
        let _ = std::thread::Builder::new()
            .name("custos-pg-close".into())
            .spawn(move || drop(conns));
    } else {
        drop(conns);
    }
}

impl Drop for PgEngine {
    fn drop(&mut self) {
        self.close();
    }
}

/// Runs a read on a pooled connection without a transaction of its own: each statement is one
/// (as each is its own snapshot in a READ COMMITTED transaction anyway), which saves the
/// `BEGIN` and `COMMIT` round trips. The scope is the session's, set only when it changes, and
/// pooled connections are read-only for statements outside a transaction
/// (`default_transaction_read_only`), so a read cannot write.
fn read_in<T>(
    conn: &mut PgConn,
    scope: Scope,
    f: impl FnOnce(&Db<'_>) -> Result<T, DbError>,
) -> Result<T, StoreError> {
    let PgConn {
        client,
        cache,
        scope: current,
    } = conn;
    if *current != Some(scope) {
        *current = None;
        client
            .batch_execute(&format!(
                "SET default_transaction_read_only = on; SET custos.tenant = '{}'",
                scope_setting(scope)
            ))
            .map_err(|e| map_err(e.into()))?;
        *current = Some(scope);
    }
    let tx = PgTx {
        client: RefCell::new(&mut *client),
        cache,
    };
    f(&Db::Pg(&tx)).map_err(map_err)
}

/// Runs `f` in one transaction: `BEGIN`, the scope, `f`, `COMMIT` (or `ROLLBACK` on error).
pub(crate) fn in_tx<T, E: From<DbError>>(
    conn: &mut PgConn,
    scope: Scope,
    read_only: bool,
    f: impl FnOnce(&Db<'_>) -> Result<T, E>,
) -> Result<T, E> {
    in_tx_as(
        conn,
        scope,
        if read_only {
            " READ ONLY"
        } else {
            " READ WRITE"
        },
        f,
    )
}

/// `in_tx` with the transaction's mode spelled out (e.g. `" ISOLATION LEVEL REPEATABLE READ"`).
pub(crate) fn in_tx_as<T, E: From<DbError>>(
    conn: &mut PgConn,
    scope: Scope,
    mode: &str,
    f: impl FnOnce(&Db<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let PgConn { client, cache, .. } = conn;
    let begin = format!(
        "BEGIN{mode}; SET LOCAL custos.tenant = '{}'",
        scope_setting(scope)
    );
    client
        .batch_execute(&begin)
        .map_err(|e| E::from(e.into()))?;
    let out = {
        let tx = PgTx {
            client: RefCell::new(&mut *client),
            cache,
        };
        f(&Db::Pg(&tx))
    };
    match out {
        Ok(v) => {
            client
                .batch_execute("COMMIT")
                .map_err(|e| E::from(e.into()))?;
            Ok(v)
        }
        Err(e) => {
            // A failed rollback leaves the connection broken; the pool drops closed ones.
            let _ = client.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

fn scope_setting(scope: Scope) -> String {
    match scope {
        Scope::System => "*".into(),
        Scope::Tenant(t) => hex::encode(t.as_uuid().as_bytes()),
    }
}

/// Appends events to the chain inside the caller's transaction. The advisory lock (held to the
/// end of the transaction) makes appends from every instance take turns, and the head is read
/// after taking it, so no two transactions link to the same predecessor.
fn append_chain(db: &Db<'_>, events: &[AuditEvent]) -> Result<(), DbError> {
    if events.is_empty() {
        return Ok(());
    }
    db.execute_batch("SET LOCAL custos.tenant = '*'")?;
    db.query_row(
        "SELECT pg_advisory_xact_lock(?1)",
        crate::params![LOCK_CHAIN],
        |_| Ok(()),
    )?;
    let (mut seq, mut prev): (u64, [u8; 32]) = match db.query_row_replanned(
        "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
        (),
        |r| Ok((r.get::<i64>(0)? as u64, arr32(&r.get::<Vec<u8>>(1)?))),
    ) {
        Ok(v) => v,
        Err(DbError::NoRows) => (0, chain::GENESIS),
        Err(e) => return Err(e),
    };
    for ev in events {
        seq += 1;
        let body = ev.canonical_bytes();
        let hash = chain::link(&prev, seq, &body);
        db.execute(
            "INSERT INTO audit_events (seq, id, tenant_id, at, action, actor_id, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            crate::params![
                seq as i64,
                ev.id.as_uuid().as_bytes().as_slice(),
                ev.tenant_id.map(|t| t.as_uuid().as_bytes().to_vec()),
                ts(ev.at),
                ev.action,
                ev.actor_id.map(|a| a.as_bytes().to_vec()),
                body,
                prev.as_slice(),
                hash.as_slice()
            ],
        )?;
        for c in &ev.customer_ids {
            db.execute(
                "INSERT INTO audit_customers (customer_id, seq) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                crate::params![c.as_bytes().as_slice(), seq as i64],
            )?;
        }
        prev = hash;
    }
    Ok(())
}

fn migrate(conn: &mut PgConn) -> Result<(), StoreOpenError> {
    let err = |e: postgres::Error| {
        StoreOpenError::Migrate("PostgreSQL schema".into(), format!("{}", DbError::from(e)))
    };
    let c = &mut conn.client;
    c.query_one("SELECT pg_advisory_lock($1)", &[&LOCK_MIGRATE])
        .map_err(err)?;
    let result = (|| {
        c.batch_execute(
            "CREATE TABLE IF NOT EXISTS custos_schema (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT now()::text)",
        )
        .map_err(err)?;
        let current: i64 = c
            .query_one("SELECT COALESCE(MAX(version), 0) FROM custos_schema", &[])
            .map_err(err)?
            .get(0);
        let known = schema::MIGRATIONS.len() as i64;
        if current > known {
            return Err(StoreOpenError::Migrate(
                "PostgreSQL schema".into(),
                format!("the database is at schema version {current}, newer than this binary knows ({known}); upgrade custos"),
            ));
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
            let mut tx = c.transaction().map_err(err)?;
            tx.batch_execute(sql).map_err(err)?;
            tx.execute(
                "INSERT INTO custos_schema (version) VALUES ($1)",
                &[&((i + 1) as i64)],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
            tracing::info!(version = i + 1, "PostgreSQL schema migrated");
        }
        Ok(())
    })();
    let _ = c.query_one("SELECT pg_advisory_unlock($1)", &[&LOCK_MIGRATE]);
    result
}

/// The advisory lock key of a background job: "custos" in the high bytes, the name's FNV-1a
/// hash in the low ones.
fn job_key(name: &str) -> i64 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (0x6375_7374_i64 << 32) | i64::from(h)
}

/// A background job's lease on PostgreSQL: a session advisory lock held by a connection of its
/// own. It ends when dropped, when this instance stops or dies (the server ends the session),
/// or when the connection breaks.
pub(crate) struct PgLease {
    conn: Option<PgConn>,
}

impl PgLease {
    /// Whether the connection (and with it the lock) is still there.
    pub(crate) async fn alive(&mut self) -> bool {
        let Some(mut conn) = self.conn.take() else {
            return false;
        };
        let back = tokio::task::spawn_blocking(move || {
            let ok = conn.client.simple_query("SELECT 1").is_ok();
            (conn, ok)
        })
        .await;
        match back {
            Ok((conn, true)) => {
                self.conn = Some(conn);
                true
            }
            Ok((conn, false)) => {
                drop_off_runtime(vec![conn]);
                false
            }
            Err(_) => false,
        }
    }
}

impl Drop for PgLease {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            drop_off_runtime(vec![c]);
        }
    }
}

impl PgEngine {
    /// Takes the lease of a background job if no instance holds it.
    pub(crate) async fn lease(&self, job: &str) -> Result<Option<PgLease>, StoreError> {
        let connector = self.connector.clone();
        let key = job_key(job);
        tokio::task::spawn_blocking(move || {
            let mut conn = connector.connect().map_err(map_err)?;
            let got: bool = conn
                .client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                .map_err(|e| map_err(e.into()))?
                .get(0);
            Ok(if got {
                Some(PgLease { conn: Some(conn) })
            } else {
                drop(conn);
                None
            })
        })
        .await
        .map_err(|e| StoreError::Other(format!("database task: {e}")))?
    }

    /// Connects, applies migrations (under a lock) and keeps the first connection in the pool.
    pub(crate) fn open(options: &PgOptions) -> Result<Self, StoreOpenError> {
        let connector = Connector::from_url(&options.url)?;
        // The synchronous client runs its own small runtime, which must not start inside the
        // caller's: connect and migrate on a plain thread.
        let c = connector.clone();
        let (conn, rls_enforced) = std::thread::spawn(move || -> Result<_, StoreOpenError> {
            let mut conn = c
                .connect()
                .map_err(|e| StoreOpenError::Open("PostgreSQL".into(), e.to_string()))?;
            migrate(&mut conn)?;
            let row = conn
                .client
                .query_one(
                    "SELECT NOT (rolsuper OR rolbypassrls) FROM pg_roles WHERE rolname = current_user",
                    &[],
                )
                .map_err(|e| StoreOpenError::Open("PostgreSQL".into(), e.to_string()))?;
            Ok((conn, row.get::<_, bool>(0)))
        })
        .join()
        .map_err(|_| StoreOpenError::Open("PostgreSQL".into(), "the connecting thread failed".into()))??;
        if !rls_enforced {
            tracing::warn!("custos connects to PostgreSQL as a superuser or a role with BYPASSRLS: row-level security does not bind it; use an ordinary role (README, \"PostgreSQL\")");
        }
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let writer = Writer {
            connector: connector.clone(),
            conn: None,
        };
        let handle = std::thread::Builder::new()
            .name("custos-pg-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| StoreOpenError::Open("writer thread".into(), e.to_string()))?;
        Ok(PgEngine {
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(handle)),
            connector,
            idle: Arc::new(Mutex::new(vec![conn])),
            permits: Arc::new(Semaphore::new(options.pool_size.max(1) as usize)),
            closed: AtomicBool::new(false),
            rls_enforced,
        })
    }

    /// Whether row-level security binds the role custos connects as.
    pub(crate) fn rls_enforced(&self) -> bool {
        self.rls_enforced
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        // The writer finishes what it has, then stops.
        drop(self.writer.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(h) = self
            .writer_thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            let _ = h.join();
        }
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        drop_off_runtime(idle);
    }

    /// Runs `f` on a pooled connection on a blocking thread.
    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut PgConn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("the store is shutting down".into()));
        }
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable("the store is shutting down".into()))?;
        let idle = self.idle.clone();
        let connector = self.connector.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let taken = idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut conn = match taken {
                Some(c) if !c.client.is_closed() => c,
                _ => connector.connect().map_err(map_err)?,
            };
            let out = f(&mut conn);
            // A connection that failed as the server went away is not reused, even where the
            // client has not noticed yet that it is closed.
            if !conn.client.is_closed() && !matches!(out, Err(StoreError::Unavailable(_))) {
                idle.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
            }
            out
        })
        .await
        .map_err(|e| StoreError::Other(format!("database task: {e}")))?
    }

    pub(crate) async fn read<T: Send + 'static>(
        &self,
        scope: Scope,
        f: ReadOp<T>,
    ) -> Result<T, StoreError> {
        self.with_conn(move |c| read_in(c, scope, f)).await
    }

    async fn job(&self, job: impl FnOnce(Reply) -> Job) -> Result<i64, StoreError> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        {
            let guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let tx = guard
                .as_ref()
                .ok_or_else(|| StoreError::Unavailable("the store is shutting down".into()))?;
            tx.send(job(reply))
                .map_err(|_| StoreError::Unavailable("the writer stopped".into()))?;
        }
        rx.await
            .map_err(|_| StoreError::Unavailable("the writer stopped".into()))?
    }

    pub(crate) async fn write(&self, scope: Scope, op: WriteOp) -> Result<i64, StoreError> {
        self.job(|reply| Job::Write { scope, op, reply }).await
    }

    pub(crate) async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        self.job(|reply| Job::Audit { events, reply })
            .await
            .map(|_| ())
    }

    pub(crate) async fn insert_checkpoint(&self, cp: Checkpoint) -> Result<(), StoreError> {
        self.with_conn(move |c| {
            in_tx(c, Scope::System, false, |db| {
                db.execute(
                    "INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    crate::params![cp.seq as i64, cp.hash.as_slice(), ts(cp.at), cp.signature],
                )
                .map_err(map_err)
                .map(|_| ())
            })
        })
        .await
    }

    pub(crate) async fn prune_audit(&self, upto: u64) -> Result<u64, StoreError> {
        self.with_conn(move |c| {
            in_tx(c, Scope::System, false, |db| {
                let upto = upto as i64;
                db.execute(
                    "SELECT pg_advisory_xact_lock(?1)",
                    crate::params![LOCK_CHAIN],
                )
                .map_err(map_err)?;
                db.execute("DELETE FROM audit_customers WHERE seq <= ?1", [upto])
                    .map_err(map_err)?;
                let n = db
                    .execute("DELETE FROM audit_events WHERE seq <= ?1", [upto])
                    .map_err(map_err)?;
                db.execute("DELETE FROM audit_checkpoints WHERE seq < ?1", [upto])
                    .map_err(map_err)?;
                Ok(n as u64)
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_server_is_noticed_within_seconds_unless_the_url_says_otherwise() {
        let (c, _) = parse_url("postgres://custos@db.internal/custos").unwrap();
        assert_eq!(c.get_connect_timeout(), Some(&Duration::from_secs(10)));
        assert_eq!(c.get_tcp_user_timeout(), Some(&Duration::from_secs(30)));
        assert!(c.get_keepalives());
        assert_eq!(c.get_keepalives_idle(), Duration::from_secs(15));
        assert_eq!(c.get_keepalives_interval(), Some(Duration::from_secs(5)));
        assert_eq!(c.get_keepalives_retries(), Some(3));

        let (c, _) = parse_url(
            "postgres://custos@db.internal/custos?connect_timeout=3&keepalives_idle=60&tcp_user_timeout=0&sslmode=require",
        )
        .unwrap();
        assert_eq!(c.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(c.get_keepalives_idle(), Duration::from_secs(60));
        assert_eq!(
            c.get_tcp_user_timeout(),
            None,
            "0: the system's own, as in libpq"
        );
        // What the URL leaves unsaid keeps its default.
        assert_eq!(c.get_keepalives_retries(), Some(3));
    }
}
