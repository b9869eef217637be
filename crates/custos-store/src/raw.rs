//! Direct SQL on a store's database, outside the `Store` API: for moving a shop between stores
//! (`custos migrate-store`), for operators' checks, and for tests that look at what is really
//! stored. Every call is one transaction on a fresh connection, run on a thread of its own (the
//! synchronous PostgreSQL client must not run on the caller's async runtime). On PostgreSQL the
//! transaction's scope is enforced by row-level security like the store's own.

use crate::pg::Connector;
use crate::sql::{Db, DbError, Value};
use crate::sqlite::{AUDIT_FILE, DATA_FILE};
use crate::store::Scope;
use crate::{Location, StoreOpenError};
use std::path::PathBuf;

/// A handle for direct SQL on one store.
pub struct Raw {
    inner: Inner,
}

enum Inner {
    Sqlite(PathBuf),
    Pg(Box<Connector>),
}

impl Raw {
    /// A handle on the database at `location` (nothing is opened until a call).
    pub fn open(location: &Location) -> Result<Raw, StoreOpenError> {
        Ok(Raw {
            inner: match location {
                Location::Sqlite(dir) => Inner::Sqlite(dir.clone()),
                Location::Postgres(o) => Inner::Pg(Box::new(Connector::from_url(&o.url)?)),
            },
        })
    }

    /// Whether this is a PostgreSQL database (one database; SQLite has two files).
    pub fn is_postgres(&self) -> bool {
        matches!(self.inner, Inner::Pg(_))
    }

    /// Runs `f` in one transaction. `audit` picks the audit file on SQLite (one database on
    /// PostgreSQL).
    pub fn with<T: Send>(
        &self,
        scope: Scope,
        audit: bool,
        f: impl FnOnce(&Db<'_>) -> Result<T, DbError> + Send,
    ) -> Result<T, DbError> {
        std::thread::scope(|s| {
            s.spawn(|| self.with_here(scope, audit, false, f))
                .join()
                .unwrap_or_else(|_| Err(DbError::Other("the database thread failed".into())))
        })
    }

    /// `with` on the calling thread, which must not be one of an async runtime's. `snapshot`
    /// asks for one consistent, read-only view for the whole transaction.
    pub fn with_here<T>(
        &self,
        scope: Scope,
        audit: bool,
        snapshot: bool,
        f: impl FnOnce(&Db<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match &self.inner {
            Inner::Sqlite(dir) => {
                let path = dir.join(if audit { AUDIT_FILE } else { DATA_FILE });
                let mut conn = rusqlite::Connection::open_with_flags(
                    &path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(30))?;
                // A SQLite transaction is one snapshot from its first read on.
                let tx = conn.transaction_with_behavior(if snapshot {
                    rusqlite::TransactionBehavior::Deferred
                } else {
                    rusqlite::TransactionBehavior::Immediate
                })?;
                let out = f(&Db::Lite(&tx))?;
                tx.commit()?;
                Ok(out)
            }
            Inner::Pg(connector) => {
                let mut conn = connector.connect()?;
                let mode = if snapshot {
                    " ISOLATION LEVEL REPEATABLE READ READ ONLY"
                } else {
                    ""
                };
                let out = crate::pg::in_tx_as(&mut conn, scope, mode, f);
                drop(conn);
                out
            }
        }
    }

    /// Every row of a query.
    pub fn query(
        &self,
        scope: Scope,
        audit: bool,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Vec<Vec<Value>>, DbError> {
        self.with(scope, audit, |db| {
            db.query_map(sql, params, |r| {
                (0..r.len()).map(|i| r.get::<Value>(i)).collect()
            })?
            .collect()
        })
    }

    /// The first column of the first row, as an integer.
    pub fn scalar(&self, scope: Scope, audit: bool, sql: &str) -> Result<i64, DbError> {
        self.with(scope, audit, |db| {
            db.query_row(sql, (), |r| r.get::<i64>(0))
        })
    }

    /// Runs a statement; the rows it changed.
    pub fn execute(
        &self,
        scope: Scope,
        audit: bool,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<usize, DbError> {
        self.with(scope, audit, |db| db.execute(sql, params))
    }
}
