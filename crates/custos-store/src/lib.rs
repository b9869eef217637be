//! Persistence for custos: `custos_core::store::Store` over SQLite (the embedded default) or
//! PostgreSQL (many instances, one database). The queries are written once (`store.rs`, against
//! `sql::Db`); the engines differ in how they commit and chain audit events. A database URL
//! chooses the store, and an unknown scheme is an error, never a new empty file.

pub mod copy;
pub mod pg;
pub mod raw;
pub mod sql;
pub mod sqlite;
mod store;
pub mod testdb;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use pg::PgOptions;
pub use sql::Dialect;
pub use store::{Lease, Scope, SqlStore};

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreOpenError {
    /// A database file or connection could not be opened.
    #[error("cannot open {0}: {1}")]
    Open(String, String),
    /// A migration failed or the schema is newer than this binary.
    #[error("cannot prepare {0}: {1}")]
    Migrate(String, String),
    /// The database URL is not understood.
    #[error("{0}")]
    Url(String),
}

/// Where the data lives, parsed from `--database-url` (or the data dir when none is given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// SQLite files in this directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(PgOptions),
}

impl Location {
    /// Parses a database URL. `None` means the embedded database in `data_dir`.
    pub fn parse(url: Option<&str>, data_dir: &Path) -> Result<Location, StoreOpenError> {
        let Some(url) = url else {
            return Ok(Location::Sqlite(data_dir.to_owned()));
        };
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err(StoreOpenError::Url(
                    "sqlite:// needs a directory path, e.g. sqlite:///var/lib/custos".into(),
                ));
            }
            return Ok(Location::Sqlite(PathBuf::from(rest)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(PgOptions::new(url)));
        }
        let scheme = url.split_once("://").map_or("(none)", |(s, _)| s);
        Err(StoreOpenError::Url(format!(
            "unknown database URL scheme '{scheme}'; use sqlite:///DIR or postgres://USER@HOST/DB"
        )))
    }
}

impl std::fmt::Display for Location {
    /// The location without a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(dir) => write!(f, "sqlite://{}", dir.display()),
            Location::Postgres(o) => f.write_str(&pg::redact(&o.url)),
        }
    }
}

/// Opens the store at a location.
pub fn open(location: &Location) -> Result<Arc<SqlStore>, StoreOpenError> {
    match location {
        Location::Sqlite(dir) => {
            if !dir.is_dir() {
                return Err(StoreOpenError::Open(
                    dir.display().to_string(),
                    "no such directory (run `custos init` first)".into(),
                ));
            }
            Ok(Arc::new(SqlStore::sqlite(dir)?))
        }
        Location::Postgres(o) => Ok(Arc::new(SqlStore::postgres(o)?)),
    }
}

/// Opens the store at a location from async code. Opening blocks (SQLite's files and
/// migrations; PostgreSQL's connection and migrations wait on the network), so it runs on a
/// blocking thread and the caller's runtime keeps serving meanwhile.
pub async fn open_async(location: &Location) -> Result<Arc<SqlStore>, StoreOpenError> {
    let l = location.clone();
    tokio::task::spawn_blocking(move || open(&l))
        .await
        .map_err(|e| StoreOpenError::Open(location.to_string(), format!("opening task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let d = Path::new("/data");
        assert_eq!(
            Location::parse(None, d).unwrap(),
            Location::Sqlite(d.into())
        );
        assert_eq!(
            Location::parse(Some("sqlite:///x/y"), d).unwrap(),
            Location::Sqlite("/x/y".into())
        );
        assert!(Location::parse(Some("mysql://h/db"), d)
            .unwrap_err()
            .to_string()
            .contains("mysql"));
        assert!(Location::parse(Some("sqlite://"), d).is_err());
        assert_eq!(
            Location::parse(Some("postgres://custos:secret@db/custos"), d)
                .unwrap()
                .to_string(),
            "postgres://custos:***@db/custos"
        );
        assert!(Location::parse(Some("/just/a/path"), d).is_err());
    }
}
