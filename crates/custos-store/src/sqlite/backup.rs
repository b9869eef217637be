//! What backups need of a store: a consistent copy of both SQLite files taken while the server
//! runs (a PostgreSQL store is copied into such a pair, `snapshot_of`), an inventory of what a
//! store holds (for the backup's manifest and its checks), and the erasure tombstones (applied
//! to a restored copy).

use super::{AUDIT_FILE, DATA_FILE};
use crate::raw::Raw;
use crate::sql::{Db, DbError, Dialect, OptionalExt};
use crate::store::Scope;
use crate::store::{arr32, from_ts, uuid_of};
use crate::StoreOpenError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use time::OffsetDateTime;
use uuid::Uuid;

fn err(what: &Path, e: rusqlite::Error) -> StoreOpenError {
    StoreOpenError::Open(what.display().to_string(), e.to_string())
}

/// Copies the data file and then the audit trail of `dir` into `out` (which must not hold
/// them yet) with `VACUUM INTO`: each copy is one consistent read, taken while writers go on.
/// The data file goes first, so every write in the copy has its audit event in the copied
/// trail or in the copied outbox (drained into the trail when the copy is opened).
pub fn snapshot(dir: &Path, out: &Path) -> Result<(), StoreOpenError> {
    for name in [DATA_FILE, AUDIT_FILE] {
        let src = dir.join(name);
        // Read-only: VACUUM INTO writes only the new file.
        let conn = read_only(&src)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| err(&src, e))?;
        let dst = out.join(name);
        conn.execute("VACUUM INTO ?1", [dst.to_string_lossy()])
            .map_err(|e| err(&src, e))?;
    }
    Ok(())
}

/// Copies any store into a new pair of SQLite files in `out` (empty): `VACUUM INTO` for
/// SQLite, a table-by-table copy from one snapshot for PostgreSQL. Call it off the async
/// runtime's threads.
pub fn snapshot_of(location: &crate::Location, out: &Path) -> Result<(), StoreOpenError> {
    match location {
        crate::Location::Sqlite(dir) => snapshot(dir, out),
        crate::Location::Postgres(_) => {
            crate::SqlStore::sqlite(out)?.close();
            let (from, to) = (
                Raw::open(location)?,
                Raw::open(&crate::Location::Sqlite(out.to_owned()))?,
            );
            crate::copy::copy_all(&from, &to, &mut |_, _, _| {})
                .map_err(|e| StoreOpenError::Open(location.to_string(), e.to_string()))?;
            Ok(())
        }
    }
}

/// One business in an inventory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TenantCount {
    /// Id.
    pub id: Uuid,
    /// Short name.
    pub slug: String,
    /// Customers.
    pub customers: u64,
    /// Timeline records.
    pub records: u64,
    /// The tenant key's version.
    pub kek_version: u32,
    /// The fingerprint of the master key that wraps its keys.
    pub master_key_id: String,
}

/// What a data dir holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Inventory {
    /// Per business.
    pub tenants: Vec<TenantCount>,
    /// Customers in all.
    pub customers: u64,
    /// Records in all.
    pub records: u64,
    /// Consent events in all.
    pub consents: u64,
    /// Users in all.
    pub users: u64,
    /// Erasure tombstones.
    pub tombstones: u64,
    /// Audit events in the trail (and still in the outbox).
    pub audit_events: u64,
    /// The trail's head: position and hash (hex).
    pub audit_head: Option<(u64, String)>,
}

fn read_only(path: &Path) -> Result<Connection, StoreOpenError> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| err(path, e))
}

/// Counts what the database files in `dir` hold (read only).
pub fn inventory(dir: &Path) -> Result<Inventory, StoreOpenError> {
    let (data_path, audit_path) = (dir.join(DATA_FILE), dir.join(AUDIT_FILE));
    let data = read_only(&data_path)?;
    let audit = read_only(&audit_path)?;
    count_all(&Db::Lite(&data), &Db::Lite(&audit))
        .map_err(|e| StoreOpenError::Open(dir.display().to_string(), e.to_string()))
}

/// Counts what any store holds (one snapshot of each part).
pub fn inventory_in(raw: &Raw) -> Result<Inventory, DbError> {
    std::thread::scope(|s| {
        s.spawn(|| {
            raw.with_here(Scope::System, false, true, |data| {
                raw.with_here(Scope::System, true, true, |audit| count_all(data, audit))
            })
        })
        .join()
        .unwrap_or_else(|_| Err(DbError::Other("the database thread failed".into())))
    })
}

fn count_all(data: &Db<'_>, audit: &Db<'_>) -> Result<Inventory, DbError> {
    let tenants = data
        .query_map("SELECT id, slug, kek_version, master_key_id, (SELECT COUNT(*) FROM customers c WHERE c.tenant_id = tenants.id), (SELECT COUNT(*) FROM records r WHERE r.tenant_id = tenants.id) FROM tenants ORDER BY slug", (), |r| {
            Ok(TenantCount {
                id: uuid_of(&r.get::<Vec<u8>>(0)?),
                slug: r.get(1)?,
                kek_version: r.get(2)?,
                master_key_id: r.get(3)?,
                customers: r.get::<i64>(4)? as u64,
                records: r.get::<i64>(5)? as u64,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let count = |table: &str| -> Result<u64, DbError> {
        data.query_row(&format!("SELECT COUNT(*) FROM {table}"), (), |r| {
            r.get::<i64>(0)
        })
        .map(|n| n as u64)
    };
    let outbox = match data.dialect() {
        Dialect::Sqlite => count("audit_outbox")?,
        Dialect::Postgres => 0,
    };
    let head: Option<(i64, Vec<u8>)> = audit
        .query_row(
            "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let events: i64 = audit.query_row("SELECT COUNT(*) FROM audit_events", (), |r| r.get(0))?;
    Ok(Inventory {
        tenants,
        customers: count("customers")?,
        records: count("records")?,
        consents: count("consents")?,
        users: count("users")?,
        tombstones: count("tombstones")?,
        audit_events: events as u64 + outbox,
        audit_head: head.map(|(s, h)| (s as u64, hex::encode(arr32(&h)))),
    })
}

/// An erasure's tombstone: which customer of which business, and when. Nothing else.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tombstone {
    /// The business.
    pub tenant_id: Uuid,
    /// The erased customer.
    pub customer_id: Uuid,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub erased_at: OffsetDateTime,
}

/// The tombstones of any store, oldest first.
pub fn tombstones_in(raw: &Raw) -> Result<Vec<Tombstone>, DbError> {
    raw.with(Scope::System, false, all_tombstones)
}

fn all_tombstones(db: &Db<'_>) -> Result<Vec<Tombstone>, DbError> {
    db.query_map(
        "SELECT tenant_id, customer_id, erased_at FROM tombstones ORDER BY erased_at, customer_id",
        (),
        |r| {
            Ok(Tombstone {
                tenant_id: uuid_of(&r.get::<Vec<u8>>(0)?),
                customer_id: uuid_of(&r.get::<Vec<u8>>(1)?),
                erased_at: from_ts(r.get(2)?),
            })
        },
    )?
    .collect()
}
