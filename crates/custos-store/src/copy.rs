//! Copies a whole store, table by table, from one database into another with the same schema:
//! SQLite to PostgreSQL (`custos migrate-store`), PostgreSQL to SQLite (a backup of a PostgreSQL
//! store is a pair of SQLite files, so every backup restores the same way). Values are copied as
//! they are stored, ciphertext included: nothing is decrypted, no key is needed. Each source is
//! read in one consistent snapshot, in key order, in batches; each destination part is written
//! in one transaction, so a failed copy leaves nothing half-written.

use crate::raw::Raw;
use crate::sql::{Db, DbError, Dialect, Value};
use crate::store::Scope;

/// A table and the columns of its primary key (the order rows are read in).
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub key: &'static [&'static str],
    /// In the audit trail's file on SQLite.
    pub audit: bool,
}

const fn t(name: &'static str, key: &'static [&'static str]) -> Table {
    Table {
        name,
        key,
        audit: false,
    }
}

const fn a(name: &'static str, key: &'static [&'static str]) -> Table {
    Table {
        name,
        key,
        audit: true,
    }
}

/// Every table of a store, parents before the tables that refer to them. The SQLite outbox
/// (`audit_outbox`) is not copied: opening the source drains it into the trail first.
pub const TABLES: &[Table] = &[
    t("tenants", &["id"]),
    t("tenant_key_ring", &["tenant_id", "version"]),
    t("users", &["id"]),
    t("recovery_codes", &["user_id", "hash"]),
    t("devices", &["id"]),
    t("tokens", &["id"]),
    t("roles", &["tenant_id", "name"]),
    t("customers", &["id"]),
    t("blind_index", &["tenant_id", "kind", "hash", "customer_id"]),
    t("records", &["id"]),
    t("idempotency", &["tenant_id", "scope", "key"]),
    t("tombstones", &["customer_id"]),
    t("alerts", &["id"]),
    t("break_glass", &["id"]),
    t("scanner_state", &["name"]),
    t("incidents", &["id"]),
    t("incident_notes", &["id"]),
    t("deliveries", &["id"]),
    t("consents", &["id"]),
    t("restrictions", &["customer_id"]),
    t("data_requests", &["id"]),
    t("legal_holds", &["customer_id"]),
    t(
        "retention_aggregates",
        &["tenant_id", "record_type", "month", "grp"],
    ),
    t("retention_runs", &["id"]),
    t("portal_tokens", &["hash"]),
    t("throttle", &["key"]),
    t("erased_index", &["tenant_id", "kind", "hash"]),
    t("webhooks", &["id"]),
    t("self_audits", &["id"]),
    a("audit_events", &["seq"]),
    a("audit_customers", &["customer_id", "seq"]),
    a("audit_checkpoints", &["seq"]),
];

const BATCH: usize = 1000;

/// The columns of a table, in order.
pub fn columns(db: &Db<'_>, table: &str) -> Result<Vec<String>, DbError> {
    let sql = match db.dialect() {
        Dialect::Sqlite => "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        Dialect::Postgres => "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
    };
    db.query_map(sql, [table], |r| r.get::<String>(0))?
        .collect()
}

/// How many rows each table holds.
pub fn counts(db: &Db<'_>, audit: bool) -> Result<Vec<(&'static str, i64)>, DbError> {
    TABLES
        .iter()
        .filter(|t| t.audit == audit)
        .map(|t| {
            db.query_row(&format!("SELECT count(*) FROM {}", t.name), (), |r| {
                r.get::<i64>(0)
            })
            .map(|n| (t.name, n))
        })
        .collect()
}

/// What was copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    /// Rows per table, as counted in the source and found in the destination.
    pub tables: Vec<(&'static str, i64)>,
}

impl Copied {
    /// Rows in all.
    pub fn rows(&self) -> i64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// Copies every table of `from` into `to`, whose tables must exist and be empty. Call it on a
/// thread of its own (not an async runtime's). `progress` hears (table, rows done, rows in it).
pub fn copy_all(
    from: &Raw,
    to: &Raw,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<Copied, DbError> {
    // The tables of one part, from one snapshot of the source into one open transaction.
    let mut part = |dst: &Db<'_>, audit: bool| -> Result<Vec<(&'static str, i64)>, DbError> {
        from.with_here(Scope::System, audit, true, |src| {
            let mut part = Vec::new();
            for table in TABLES.iter().filter(|t| t.audit == audit) {
                let n = copy_table(src, dst, table, progress)?;
                part.push((table.name, n));
            }
            // Counted again on both sides, inside the same transactions.
            let there = counts(dst, audit)?;
            if there != part {
                return Err(DbError::Other(format!(
                    "the copy does not match its source: copied {part:?}, found {there:?}"
                )));
            }
            Ok(part)
        })
    };
    let mut out = Copied::default();
    if to.is_postgres() {
        // One database: all or nothing in one transaction.
        out.tables = to.with_here(Scope::System, false, false, |dst| {
            let mut all = part(dst, false)?;
            all.extend(part(dst, true)?);
            Ok(all)
        })?;
        return Ok(out);
    }
    // SQLite keeps the trail in a file of its own: two transactions, and the first is undone
    // by hand when the second fails.
    out.tables = to.with_here(Scope::System, false, false, |dst| part(dst, false))?;
    match to.with_here(Scope::System, true, false, |dst| part(dst, true)) {
        Ok(audit) => out.tables.extend(audit),
        Err(e) => {
            let undo = to.with_here(Scope::System, false, false, |dst| {
                for t in TABLES.iter().rev().filter(|t| !t.audit) {
                    dst.execute(&format!("DELETE FROM {}", t.name), ())?;
                }
                Ok(())
            });
            return Err(match undo {
                Ok(()) => e,
                Err(u) => DbError::Other(format!(
                    "{e}; and the data copied before could not be removed: {u}"
                )),
            });
        }
    }
    Ok(out)
}

fn copy_table(
    src: &Db<'_>,
    dst: &Db<'_>,
    table: &Table,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<i64, DbError> {
    let cols = columns(src, table.name)?;
    let theirs = columns(dst, table.name)?;
    if cols.is_empty() || cols != theirs {
        return Err(DbError::Other(format!(
            "the table {} differs between the stores ({cols:?} and {theirs:?}); both must be at this version of custos",
            table.name
        )));
    }
    let present: i64 = dst.query_row(&format!("SELECT count(*) FROM {}", table.name), (), |r| {
        r.get(0)
    })?;
    if present > 0 {
        return Err(DbError::Other(format!(
            "the destination already holds rows in {}; copy into an empty store",
            table.name
        )));
    }
    let total: i64 = src.query_row(&format!("SELECT count(*) FROM {}", table.name), (), |r| {
        r.get(0)
    })?;
    let key_at: Vec<usize> = table
        .key
        .iter()
        .map(|k| {
            cols.iter()
                .position(|c| c == k)
                .ok_or_else(|| DbError::Other(format!("{} has no column {k}", table.name)))
        })
        .collect::<Result<_, _>>()?;
    let quote = |c: &&str| format!("\"{c}\"");
    let list = cols
        .iter()
        .map(|c| quote(&c.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let key = table.key.iter().map(quote).collect::<Vec<_>>().join(", ");
    let slots: Vec<String> = (1..=table.key.len()).map(|i| format!("?{i}")).collect();
    let first = format!(
        "SELECT {list} FROM {} ORDER BY {key} LIMIT {BATCH}",
        table.name
    );
    let next = format!(
        "SELECT {list} FROM {} WHERE ({key}) > ({}) ORDER BY {key} LIMIT {BATCH}",
        table.name,
        slots.join(", ")
    );
    let insert = format!(
        "INSERT INTO {} ({list}) VALUES ({})",
        table.name,
        (1..=cols.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut done: i64 = 0;
    let mut last: Option<Vec<Value>> = None;
    progress(table.name, 0, total as u64);
    loop {
        let read = |r: &crate::sql::Row<'_>| (0..cols.len()).map(|i| r.get::<Value>(i)).collect();
        let rows: Vec<Vec<Value>> = match &last {
            None => src.query_map(&first, (), read)?.collect::<Result<_, _>>()?,
            Some(k) => src
                .query_map(&next, k.clone(), read)?
                .collect::<Result<_, _>>()?,
        };
        let Some(tail) = rows.last() else { break };
        last = Some(key_at.iter().map(|&i| tail[i].clone()).collect());
        let n = rows.len();
        for row in rows {
            dst.execute(&insert, row)?;
        }
        done += n as i64;
        progress(table.name, done as u64, total as u64);
        if n < BATCH {
            break;
        }
    }
    Ok(done)
}
