//! The embedded store: SQLite in WAL mode, called directly through rusqlite.
//!
//! One writer thread owns the write connections and commits whatever requests are waiting as one
//! transaction (group commit), so concurrent requests share one fsync. Each write runs in its own
//! savepoint, so one failing write does not undo its neighbours. A write's audit events go into an
//! outbox table in the same transaction as the write; right after the data commit the writer
//! appends them (and the read events of the batch) to the hash chain in `audit.db` and answers.
//! If the process dies between the two commits, the outbox is drained into the chain at the next
//! start, so no committed write is ever without its event. Reads run on a small pool of
//! read-only connections on blocking threads.

pub mod backup;
mod schema;

use crate::sql::Db;
use crate::store::{arr32, map_err, ts, ReadOp, WriteOp};
use crate::StoreOpenError;
use custos_core::audit::AuditEvent;
use custos_core::store::*;
use custos_crypto::chain;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// File name of the data database inside the data dir.
pub const DATA_FILE: &str = "custos.db";
/// File name of the audit database inside the data dir.
pub const AUDIT_FILE: &str = "audit.db";

const MAX_BATCH: usize = 512;
/// Reads in flight at once per database file, each on a pooled connection: more requests wait
/// for one rather than open a connection of their own (which measured 4× slower at 64
/// concurrent requests, and let memory grow with the concurrency — `custos-bench`).
const READERS: usize = 8;

type Reply = oneshot::Sender<Result<i64, StoreError>>;

enum Job {
    Write {
        op: WriteOp,
        reply: Reply,
    },
    Audit {
        events: Vec<AuditEvent>,
        reply: Reply,
    },
    Checkpoint {
        cp: Checkpoint,
        reply: Reply,
    },
    Prune {
        upto: u64,
        reply: Reply,
    },
}

/// The SQLite engine over a data dir.
pub(crate) struct SqliteEngine {
    dir: PathBuf,
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    audit_readers: Mutex<Vec<Connection>>,
    /// One permit per pooled reader of each file.
    read_slots: tokio::sync::Semaphore,
    audit_slots: tokio::sync::Semaphore,
}

fn lite(e: rusqlite::Error) -> StoreError {
    map_err(e.into())
}

fn configure(conn: &Connection, write: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted content (an erased customer's wrapped key and ciphertext) is overwritten.
    conn.pragma_update(None, "secure_delete", "ON")?;
    if write {
        // Durable on acknowledgement: the WAL is fsynced at every commit.
        conn.pragma_update(None, "synchronous", "FULL")?;
    } else {
        conn.pragma_update(None, "query_only", "ON")?;
    }
    // Page cache per connection: each writer (data and audit file) keeps 8 MB; each pooled
    // reader 2 MB. All find the rest in the operating system's cache of the file (a read costs
    // a copy, not a disk access), and the server's memory stays small whatever the size of the
    // data (BENCHMARKS.md: 32 MB writer caches cost 51 MiB of RSS under the POS mix and bought
    // no throughput).
    conn.pragma_update(None, "cache_size", if write { -8_000 } else { -2_000 })?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn open_conn(path: &Path, write: bool) -> Result<Connection, StoreOpenError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | if write {
            OpenFlags::SQLITE_OPEN_CREATE
        } else {
            OpenFlags::empty()
        };
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreOpenError::Open(path.display().to_string(), e.to_string()))?;
    configure(&conn, write)
        .map_err(|e| StoreOpenError::Open(path.display().to_string(), e.to_string()))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection, migrations: &[&str], what: &str) -> Result<(), StoreOpenError> {
    let err = |e: rusqlite::Error| StoreOpenError::Migrate(what.to_owned(), e.to_string());
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreOpenError::Migrate(
            what.to_owned(),
            format!("journal mode is {mode}, not WAL"),
        ));
    }
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    let known = migrations.len() as i64;
    if current > known {
        return Err(StoreOpenError::Migrate(what.to_owned(), format!("the database is at schema version {current}, newer than this binary knows ({known}); upgrade custos")));
    }
    for (i, sql) in migrations.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}

impl SqliteEngine {
    /// Opens (creating when missing) the two database files in `dir`, applies migrations,
    /// drains any audit outbox left by a crash, and starts the writer.
    pub(crate) fn open(dir: &Path) -> Result<Self, StoreOpenError> {
        let mut data = open_conn(&dir.join(DATA_FILE), true)?;
        let mut audit = open_conn(&dir.join(AUDIT_FILE), true)?;
        migrate(&mut data, schema::DATA, DATA_FILE)?;
        migrate(&mut audit, schema::AUDIT, AUDIT_FILE)?;
        let mut w = Writer {
            data,
            audit,
            pending_delete: Vec::new(),
        };
        w.drain_outbox()
            .map_err(|e| StoreOpenError::Migrate("audit outbox".into(), e.to_string()))?;
        let (tx, rx) = mpsc::channel::<Job>();
        let handle = std::thread::Builder::new()
            .name("custos-writer".into())
            .spawn(move || w.run(rx))
            .map_err(|e| StoreOpenError::Open("writer thread".into(), e.to_string()))?;
        Ok(SqliteEngine {
            dir: dir.to_owned(),
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(handle)),
            readers: Mutex::new(Vec::new()),
            audit_readers: Mutex::new(Vec::new()),
            read_slots: tokio::sync::Semaphore::new(READERS),
            audit_slots: tokio::sync::Semaphore::new(READERS),
        })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops accepting writes, lets the writer finish what it has, and waits for it.
    pub(crate) fn close(&self) {
        drop(self.tx.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(h) = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = h.join();
        }
    }

    pub(crate) async fn write(&self, op: WriteOp) -> Result<i64, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Write { op, reply })?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the writer stopped".into()))?
    }

    async fn job(&self, job: impl FnOnce(Reply) -> Job) -> Result<i64, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(job(reply))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the writer stopped".into()))?
    }

    pub(crate) async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        self.job(|reply| Job::Audit { events, reply })
            .await
            .map(|_| ())
    }

    pub(crate) async fn insert_checkpoint(&self, cp: Checkpoint) -> Result<(), StoreError> {
        self.job(|reply| Job::Checkpoint { cp, reply })
            .await
            .map(|_| ())
    }

    pub(crate) async fn prune_audit(&self, upto: u64) -> Result<u64, StoreError> {
        self.job(|reply| Job::Prune { upto, reply })
            .await
            .map(|n| n as u64)
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        let guard = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        let tx = guard
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("the store is shutting down".into()))?;
        tx.send(job)
            .map_err(|_| StoreError::Unavailable("the writer stopped".into()))
    }

    pub(crate) async fn read<T: Send + 'static>(
        &self,
        audit: bool,
        f: ReadOp<T>,
    ) -> Result<T, StoreError> {
        let (pool, slots) = if audit {
            (&self.audit_readers, &self.audit_slots)
        } else {
            (&self.readers, &self.read_slots)
        };
        // Held until the connection is back in the pool.
        let _slot = slots
            .acquire()
            .await
            .map_err(|_| StoreError::Unavailable("the store is shutting down".into()))?;
        let conn = pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let path = self.dir.join(if audit { AUDIT_FILE } else { DATA_FILE });
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let conn = match conn {
                Some(c) => c,
                None => match open_conn(&path, false) {
                    Ok(c) => c,
                    Err(e) => return (None, Err(StoreError::Unavailable(e.to_string()))),
                },
            };
            let r = f(&Db::Lite(&conn)).map_err(map_err);
            (Some(conn), r)
        })
        .await
        .map_err(|e| StoreError::Other(format!("read task: {e}")))?;
        if let Some(c) = conn {
            let mut p = pool.lock().unwrap_or_else(|e| e.into_inner());
            if p.len() < READERS {
                p.push(c);
            }
        }
        result
    }
}

impl Drop for SqliteEngine {
    fn drop(&mut self) {
        self.close();
    }
}

struct Writer {
    data: Connection,
    audit: Connection,
    /// Outbox rows already in the chain, deleted in the next data transaction.
    pending_delete: Vec<Vec<u8>>,
}

impl Writer {
    fn run(&mut self, rx: mpsc::Receiver<Job>) {
        while let Some(batch) = crate::store::next_batch(&rx, MAX_BATCH) {
            self.process(batch);
        }
        // Channel closed: a last cleanup of the outbox.
        if !self.pending_delete.is_empty() {
            if let Ok(tx) = self.data.transaction() {
                let _ = Self::delete_outbox(&tx, &std::mem::take(&mut self.pending_delete));
                let _ = tx.commit();
            }
        }
    }

    fn delete_outbox(tx: &Transaction<'_>, ids: &[Vec<u8>]) -> rusqlite::Result<()> {
        let mut st = tx.prepare_cached("DELETE FROM audit_outbox WHERE id = ?1")?;
        for id in ids {
            st.execute([id])?;
        }
        Ok(())
    }

    fn process(&mut self, batch: Vec<Job>) {
        let mut events: Vec<AuditEvent> = Vec::new();
        let mut replies: Vec<(Reply, Result<i64, StoreError>)> = Vec::new();
        let mut audit_replies: Vec<Reply> = Vec::new();
        let mut writes = Vec::new();
        let mut checkpoints = Vec::new();
        let mut prunes = Vec::new();
        for job in batch {
            match job {
                Job::Audit { events: e, reply } => {
                    events.extend(e);
                    audit_replies.push(reply);
                }
                Job::Write { op, reply } => writes.push((op, reply)),
                Job::Checkpoint { cp, reply } => checkpoints.push((cp, reply)),
                Job::Prune { upto, reply } => prunes.push((upto, reply)),
            }
        }
        let mut write_events: Vec<AuditEvent> = Vec::new();
        if !writes.is_empty() {
            match self.commit_writes(writes, &mut write_events) {
                Ok(r) => replies.extend(r),
                Err((failed, e)) => {
                    for reply in failed {
                        replies.push((reply, Err(e.clone_lossy())));
                    }
                    write_events.clear();
                }
            }
        }
        let appended_writes: Vec<Vec<u8>> = write_events
            .iter()
            .map(|e| e.id.as_uuid().as_bytes().to_vec())
            .collect();
        events.extend(write_events);
        let audit_result = if events.is_empty() {
            Ok(())
        } else {
            self.append(&events)
        };
        match audit_result {
            Ok(()) => self.pending_delete.extend(appended_writes),
            Err(e) => {
                tracing::error!(error = %e, "audit append failed; write events stay in the outbox");
                for r in audit_replies.drain(..) {
                    let _ = r.send(Err(StoreError::Unavailable(format!(
                        "audit append failed: {e}"
                    ))));
                }
            }
        }
        for r in audit_replies {
            let _ = r.send(Ok(0));
        }
        for (reply, result) in replies {
            let _ = reply.send(result);
        }
        for (cp, reply) in checkpoints {
            let r = self
                .audit
                .execute(
                    "INSERT OR IGNORE INTO audit_checkpoints (seq, hash, at, signature) VALUES (?1, ?2, ?3, ?4)",
                    params![cp.seq as i64, cp.hash.as_slice(), ts(cp.at), cp.signature],
                )
                .map(|_| 0)
                .map_err(lite);
            let _ = reply.send(r);
        }
        for (upto, reply) in prunes {
            let _ = reply.send(self.prune(upto).map_err(lite));
        }
    }

    fn prune(&mut self, upto: u64) -> rusqlite::Result<i64> {
        let tx = self.audit.transaction()?;
        tx.execute("DELETE FROM audit_customers WHERE seq <= ?1", [upto as i64])?;
        let n = tx.execute("DELETE FROM audit_events WHERE seq <= ?1", [upto as i64])?;
        tx.execute(
            "DELETE FROM audit_checkpoints WHERE seq < ?1",
            [upto as i64],
        )?;
        tx.commit()?;
        Ok(n as i64)
    }

    #[allow(clippy::type_complexity)]
    fn commit_writes(
        &mut self,
        writes: Vec<(WriteOp, Reply)>,
        events: &mut Vec<AuditEvent>,
    ) -> Result<Vec<(Reply, Result<i64, StoreError>)>, (Vec<Reply>, StoreError)> {
        let pending = std::mem::take(&mut self.pending_delete);
        let tx = match self
            .data
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        {
            Ok(tx) => tx,
            Err(e) => {
                self.pending_delete = pending;
                return Err((writes.into_iter().map(|w| w.1).collect(), lite(e)));
            }
        };
        if let Err(e) = Self::delete_outbox(&tx, &pending) {
            tracing::warn!(error = %e, "outbox cleanup failed; retried later");
        }
        let mut results = Vec::with_capacity(writes.len());
        for (op, reply) in writes {
            let r = (|| {
                tx.execute_batch("SAVEPOINT job").map_err(lite)?;
                let out = op(&Db::Lite(&tx)).and_then(|(v, audit)| {
                    let mut st = tx
                        .prepare_cached("INSERT INTO audit_outbox (id, body) VALUES (?1, ?2)")
                        .map_err(lite)?;
                    for ev in &audit {
                        st.execute(params![
                            ev.id.as_uuid().as_bytes().as_slice(),
                            ev.canonical_bytes()
                        ])
                        .map_err(lite)?;
                    }
                    Ok((v, audit))
                });
                match out {
                    Ok(v) => {
                        tx.execute_batch("RELEASE job").map_err(lite)?;
                        Ok(v)
                    }
                    Err(e) => {
                        tx.execute_batch("ROLLBACK TO job; RELEASE job")
                            .map_err(lite)?;
                        Err(e)
                    }
                }
            })();
            let r = r.map(|(v, audit)| {
                events.extend(audit);
                v
            });
            results.push((reply, r));
        }
        if let Err(e) = tx.commit() {
            let e = lite(e);
            events.clear();
            return Err((results.into_iter().map(|(r, _)| r).collect(), e));
        }
        Ok(results)
    }

    /// Appends events to the chain in one transaction, reading the head inside it so that
    /// another process appending (the command line) cannot fork the chain.
    fn append(&mut self, events: &[AuditEvent]) -> rusqlite::Result<()> {
        let tx = self
            .audit
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (mut seq, mut prev): (u64, [u8; 32]) = tx
            .prepare_cached("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| {
                Ok((r.get::<_, i64>(0)? as u64, arr32(&r.get::<_, Vec<u8>>(1)?)))
            })
            .optional()?
            .unwrap_or((0, chain::GENESIS));
        {
            let mut ins = tx.prepare_cached("INSERT INTO audit_events (seq, id, tenant_id, at, action, actor_id, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?;
            let mut cust = tx.prepare_cached(
                "INSERT OR IGNORE INTO audit_customers (customer_id, seq) VALUES (?1, ?2)",
            )?;
            for ev in events {
                seq += 1;
                let body = ev.canonical_bytes();
                let hash = chain::link(&prev, seq, &body);
                ins.execute(params![
                    seq as i64,
                    ev.id.as_uuid().as_bytes().as_slice(),
                    ev.tenant_id.map(|t| t.as_uuid().as_bytes().to_vec()),
                    ts(ev.at),
                    ev.action,
                    ev.actor_id.map(|a| a.as_bytes().to_vec()),
                    body,
                    prev.as_slice(),
                    hash.as_slice(),
                ])?;
                for c in &ev.customer_ids {
                    cust.execute(params![c.as_bytes().as_slice(), seq as i64])?;
                }
                prev = hash;
            }
        }
        tx.commit()
    }

    /// Moves audit events left in the outbox by a crash into the chain (those not there yet).
    fn drain_outbox(&mut self) -> rusqlite::Result<()> {
        let rows: Vec<(Vec<u8>, Vec<u8>)> = {
            let mut st = self
                .data
                .prepare("SELECT id, body FROM audit_outbox ORDER BY n")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if rows.is_empty() {
            return Ok(());
        }
        let mut missing = Vec::new();
        for (id, body) in &rows {
            let present: bool = self.audit.query_row(
                "SELECT EXISTS(SELECT 1 FROM audit_events WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )?;
            if !present {
                if let Ok(ev) = serde_json::from_slice::<AuditEvent>(body) {
                    missing.push(ev);
                }
            }
        }
        if !missing.is_empty() {
            tracing::warn!(
                count = missing.len(),
                "appending audit events recovered from the outbox"
            );
            self.append(&missing)?;
        }
        self.data.execute("DELETE FROM audit_outbox", [])?;
        Ok(())
    }
}

trait CloneLossy {
    fn clone_lossy(&self) -> StoreError;
}

impl CloneLossy for StoreError {
    fn clone_lossy(&self) -> StoreError {
        match self {
            StoreError::Unavailable(s) => StoreError::Unavailable(s.clone()),
            other => StoreError::Other(other.to_string()),
        }
    }
}
