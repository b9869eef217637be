//! The one SQL surface the store's queries are written against, over SQLite (rusqlite) and
//! PostgreSQL (the `postgres` client). Queries use numbered placeholders (`?1`), which PostgreSQL
//! receives as `$1`; values are converted to the column's type on the way in (an `i64` bound to a
//! PostgreSQL `INT4` parameter, a `bool` to an `INT8` flag column) and read back by the column's
//! type on the way out. The API follows rusqlite's names so that a query reads the same whichever
//! database runs it.

use std::cell::RefCell;
use std::collections::HashMap;

/// Why a statement failed, in the terms the store cares about.
#[derive(Debug, Clone)]
pub enum DbError {
    /// `query_row` found no row.
    NoRows,
    /// A unique, foreign-key or check constraint refused the change.
    Constraint(String),
    /// The database cannot be reached or written (busy, down, disk full, read-only).
    Unavailable(String),
    /// Two transactions collided (serialization failure, deadlock); the caller may retry.
    Retry(String),
    /// A value could not be read as the type asked for.
    Conversion(String),
    /// Anything else (a bad statement is a bug).
    Other(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::NoRows => f.write_str("no row"),
            DbError::Constraint(m)
            | DbError::Unavailable(m)
            | DbError::Retry(m)
            | DbError::Conversion(m)
            | DbError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match &e {
            rusqlite::Error::QueryReturnedNoRows => DbError::NoRows,
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                C::ConstraintViolation => DbError::Constraint(e.to_string()),
                C::DatabaseBusy
                | C::DatabaseLocked
                | C::ReadOnly
                | C::DiskFull
                | C::SystemIoFailure
                | C::CannotOpen
                | C::NotADatabase
                | C::DatabaseCorrupt => DbError::Unavailable(e.to_string()),
                _ => DbError::Other(e.to_string()),
            },
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..) => DbError::Conversion(e.to_string()),
            _ => DbError::Other(e.to_string()),
        }
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        let Some(code) = e.code() else {
            // No SQL state: the connection broke, timed out or could not be made (the server
            // is unavailable), or the client itself refused something (a defect of ours).
            // The client's own words for those kinds (an I/O error is "error communicating").
            let text = e.to_string();
            return if e.is_closed()
                || [
                    "error communicating with the server",
                    "error connecting to server",
                    "error performing TLS handshake",
                    "timeout waiting for server",
                    "connection closed",
                ]
                .iter()
                .any(|m| text.starts_with(m))
            {
                DbError::Unavailable(text)
            } else {
                DbError::Other(text)
            };
        };
        let text = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        };
        if *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::FOREIGN_KEY_VIOLATION
            || *code == SqlState::CHECK_VIOLATION
            || *code == SqlState::NOT_NULL_VIOLATION
            || *code == SqlState::EXCLUSION_VIOLATION
        {
            DbError::Constraint(text)
        } else if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            DbError::Retry(text)
        } else if code.code().starts_with("08")
            || code.code().starts_with("53")
            || code.code().starts_with("57")
            || *code == SqlState::READ_ONLY_SQL_TRANSACTION
        {
            DbError::Unavailable(text)
        } else {
            DbError::Other(text)
        }
    }
}

/// `query_row`'s "no row" as `None`.
pub trait OptionalExt<T> {
    /// `Ok(None)` for no row.
    fn optional(self) -> Result<Option<T>, DbError>;
}

impl<T> OptionalExt<T> for Result<T, DbError> {
    fn optional(self) -> Result<Option<T>, DbError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(DbError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Bool(bool),
}

/// A value read from a row, borrowed from it.
#[derive(Debug, Clone, Copy)]
pub enum ValueRef<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
    Bool(bool),
}

impl ValueRef<'_> {
    /// The owned value.
    pub fn to_owned_value(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(s) => Value::Text(s.to_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            ValueRef::Bool(b) => Value::Bool(b),
        }
    }
}

/// Something that can be bound to a placeholder.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_to_value!(i64, i32, u32, u16, u8);

impl ToValue for u64 {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToValue for usize {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// The values bound to one statement.
pub trait Params {
    fn into_values(self) -> Vec<Value>;
}

impl Params for () {
    fn into_values(self) -> Vec<Value> {
        Vec::new()
    }
}
impl Params for Vec<Value> {
    fn into_values(self) -> Vec<Value> {
        self
    }
}
impl Params for &[Value] {
    fn into_values(self) -> Vec<Value> {
        self.to_vec()
    }
}
impl<T: ToValue, const N: usize> Params for [T; N] {
    fn into_values(self) -> Vec<Value> {
        self.iter().map(ToValue::to_value).collect()
    }
}

/// The values of a statement, like rusqlite's `params!`.
#[macro_export]
macro_rules! params {
    () => { () };
    ($($v:expr),+ $(,)?) => {
        vec![$($crate::sql::ToValue::to_value(&$v)),+]
    };
}

/// Something a row's value can be read as.
pub trait FromValue: Sized {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError>;
}

fn wrong(v: ValueRef<'_>, want: &str) -> DbError {
    DbError::Conversion(format!("cannot read {v:?} as {want}"))
}

impl FromValue for i64 {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Int(i) => Ok(i),
            ValueRef::Bool(b) => Ok(i64::from(b)),
            o => Err(wrong(o, "an integer")),
        }
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| DbError::Conversion(format!("{i} is out of range")))
            }
        }
    )*};
}
int_from_value!(i32, u32, u64, u16, u8, usize);

impl FromValue for bool {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Int(i) => Ok(i != 0),
            ValueRef::Bool(b) => Ok(b),
            o => Err(wrong(o, "a flag")),
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Int(i) => Ok(i as f64),
            o => Err(wrong(o, "a number")),
        }
    }
}
impl FromValue for String {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Text(s) => Ok(s.to_owned()),
            o => Err(wrong(o, "text")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            ValueRef::Text(s) => Ok(s.as_bytes().to_vec()),
            o => Err(wrong(o, "bytes")),
        }
    }
}
impl FromValue for Value {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        Ok(v.to_owned_value())
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Null => Ok(None),
            o => T::from_value(o).map(Some),
        }
    }
}

/// One row of a result.
pub enum Row<'a> {
    Lite(&'a rusqlite::Row<'a>),
    Pg(&'a postgres::Row),
}

impl Row<'_> {
    /// The value of column `i` as `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, DbError> {
        match self {
            Row::Lite(r) => {
                use rusqlite::types::ValueRef as R;
                let v = match r.get_ref(i)? {
                    R::Null => ValueRef::Null,
                    R::Integer(n) => ValueRef::Int(n),
                    R::Real(f) => ValueRef::Real(f),
                    R::Text(t) => ValueRef::Text(
                        std::str::from_utf8(t).map_err(|e| DbError::Conversion(e.to_string()))?,
                    ),
                    R::Blob(b) => ValueRef::Blob(b),
                };
                T::from_value(v)
            }
            Row::Pg(r) => T::from_value(pg_value(r, i)?),
        }
    }

    /// How many columns the row has.
    pub fn len(&self) -> usize {
        match self {
            Row::Lite(r) => r.as_ref().column_count(),
            Row::Pg(r) => r.len(),
        }
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn pg_value(r: &postgres::Row, i: usize) -> Result<ValueRef<'_>, DbError> {
    use postgres::types::Type;
    let col = r
        .columns()
        .get(i)
        .ok_or_else(|| DbError::Conversion(format!("no column {i}")))?;
    let ty = col.type_().clone();
    let conv = |e: postgres::Error| DbError::Conversion(e.to_string());
    Ok(if ty == Type::INT8 {
        r.try_get::<_, Option<i64>>(i)
            .map_err(conv)?
            .map_or(ValueRef::Null, ValueRef::Int)
    } else if ty == Type::INT4 {
        r.try_get::<_, Option<i32>>(i)
            .map_err(conv)?
            .map_or(ValueRef::Null, |v| ValueRef::Int(i64::from(v)))
    } else if ty == Type::INT2 {
        r.try_get::<_, Option<i16>>(i)
            .map_err(conv)?
            .map_or(ValueRef::Null, |v| ValueRef::Int(i64::from(v)))
    } else if ty == Type::BOOL {
        r.try_get::<_, Option<bool>>(i)
            .map_err(conv)?
            .map_or(ValueRef::Null, ValueRef::Bool)
    } else if ty == Type::BYTEA {
        r.try_get::<_, Option<&[u8]>>(i)
            .map_err(conv)?
            .map_or(ValueRef::Null, ValueRef::Blob)
    } else if ty == Type::FLOAT8 {
        r.try_get::<_, Option<f64>>(i)
            .map_err(conv)?
            .map_or(ValueRef::Null, ValueRef::Real)
    } else if ty == Type::FLOAT4 {
        r.try_get::<_, Option<f32>>(i)
            .map_err(conv)?
            .map_or(ValueRef::Null, |v| ValueRef::Real(f64::from(v)))
    } else if ty == Type::TEXT || ty == Type::VARCHAR || ty == Type::NAME || ty == Type::BPCHAR {
        r.try_get::<_, Option<&str>>(i)
            .map_err(conv)?
            .map_or(ValueRef::Null, ValueRef::Text)
    } else {
        return Err(DbError::Conversion(format!(
            "column {} has type {ty}, which the store does not read",
            col.name()
        )));
    })
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as R};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => R::Null,
            Value::Int(i) => R::Integer(*i),
            Value::Real(f) => R::Real(*f),
            Value::Text(s) => R::Text(s.as_bytes()),
            Value::Blob(b) => R::Blob(b),
            Value::Bool(b) => R::Integer(i64::from(*b)),
        }))
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::{IsNull, Type};
        let int = |i: i64,
                   out: &mut bytes::BytesMut|
         -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            if *ty == Type::INT8 {
                i.to_sql(ty, out)
            } else if *ty == Type::INT4 {
                i32::try_from(i)?.to_sql(ty, out)
            } else if *ty == Type::INT2 {
                i16::try_from(i)?.to_sql(ty, out)
            } else if *ty == Type::BOOL {
                (i != 0).to_sql(ty, out)
            } else if *ty == Type::FLOAT8 {
                (i as f64).to_sql(ty, out)
            } else if *ty == Type::TEXT || *ty == Type::VARCHAR {
                i.to_string().as_str().to_sql(ty, out)
            } else {
                Err(format!("cannot bind an integer to a {ty} parameter").into())
            }
        };
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => int(*i, out),
            Value::Bool(b) => {
                if *ty == Type::BOOL {
                    b.to_sql(ty, out)
                } else {
                    int(i64::from(*b), out)
                }
            }
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// Rewrites `?N` placeholders as PostgreSQL's `$N` (outside quoted text).
pub fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

/// A PostgreSQL connection inside a transaction, with its statement cache.
pub struct PgTx<'a> {
    pub(crate) client: RefCell<&'a mut postgres::Client>,
    pub(crate) cache: &'a RefCell<HashMap<String, postgres::Statement>>,
}

impl<'a> PgTx<'a> {
    /// Statements on `client` (in a transaction the caller began, or in autocommit), prepared
    /// once each and kept in `cache`.
    pub fn new(
        client: &'a mut postgres::Client,
        cache: &'a RefCell<HashMap<String, postgres::Statement>>,
    ) -> Self {
        PgTx {
            client: RefCell::new(client),
            cache,
        }
    }
}

impl PgTx<'_> {
    fn statement(&self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(s) = self.cache.borrow().get(sql) {
            return Ok(s.clone());
        }
        let st = self.client.borrow_mut().prepare(&pg_placeholders(sql))?;
        let mut cache = self.cache.borrow_mut();
        if cache.len() > 512 {
            cache.clear();
        }
        cache.insert(sql.to_owned(), st.clone());
        Ok(st)
    }

    fn refs(values: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
        values
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect()
    }
}

/// Which database a statement runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection (inside a transaction, for writes) to run statements on.
pub enum Db<'a> {
    Lite(&'a rusqlite::Connection),
    Pg(&'a PgTx<'a>),
}

impl<'a> Db<'a> {
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Lite(_) => Dialect::Sqlite,
            Db::Pg(_) => Dialect::Postgres,
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize, DbError> {
        let values = params.into_values();
        match self {
            Db::Lite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(values.iter()))?),
            Db::Pg(t) => {
                let st = t.statement(sql)?;
                let n = t.client.borrow_mut().execute(&st, &PgTx::refs(&values))?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs statements separated by semicolons, without values.
    pub fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Db::Lite(c) => Ok(c.execute_batch(sql)?),
            Db::Pg(t) => Ok(t.client.borrow_mut().batch_execute(sql)?),
        }
    }

    /// The first row of a query, mapped; `NoRows` when there is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let values = params.into_values();
        match self {
            Db::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(values.iter()))?;
                match rows.next()? {
                    Some(r) => f(&Row::Lite(r)),
                    None => Err(DbError::NoRows),
                }
            }
            Db::Pg(t) => {
                let st = t.statement(sql)?;
                let rows = t.client.borrow_mut().query(&st, &PgTx::refs(&values))?;
                match rows.first() {
                    Some(r) => f(&Row::Pg(r)),
                    None => Err(DbError::NoRows),
                }
            }
        }
    }

    /// Like [`Db::query_row`], but on PostgreSQL planned afresh each time instead of prepared
    /// once per connection: for a query whose best plan changes as its table grows from empty.
    /// A plan cached while the table was small stays until the table is next analysed; the
    /// chain head's `ORDER BY seq DESC LIMIT 1` under row-level security was found scanning the
    /// whole trail at every group commit that way.
    pub fn query_row_replanned<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match self {
            Db::Lite(_) => self.query_row(sql, params, f),
            Db::Pg(t) => {
                let values = params.into_values();
                let rows = t
                    .client
                    .borrow_mut()
                    .query(pg_placeholders(sql).as_str(), &PgTx::refs(&values))?;
                match rows.first() {
                    Some(r) => f(&Row::Pg(r)),
                    None => Err(DbError::NoRows),
                }
            }
        }
    }

    /// Every row of a query, mapped.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<std::vec::IntoIter<Result<T, DbError>>, DbError> {
        let values = params.into_values();
        let mut out = Vec::new();
        match self {
            Db::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(values.iter()))?;
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Lite(r)));
                }
            }
            Db::Pg(t) => {
                let st = t.statement(sql)?;
                for r in t.client.borrow_mut().query(&st, &PgTx::refs(&values))? {
                    out.push(f(&Row::Pg(&r)));
                }
            }
        }
        Ok(out.into_iter())
    }

    /// A statement to run (repeatedly); prepared and cached per connection on first use.
    pub fn prepare_cached<'s>(&'s self, sql: &str) -> Result<Stmt<'s, 'a>, DbError> {
        Ok(Stmt {
            db: self,
            sql: sql.to_owned(),
        })
    }

    /// Same as `prepare_cached`.
    pub fn prepare<'s>(&'s self, sql: &str) -> Result<Stmt<'s, 'a>, DbError> {
        self.prepare_cached(sql)
    }
}

/// A statement bound to a connection.
pub struct Stmt<'s, 'a> {
    db: &'s Db<'a>,
    sql: String,
}

impl Stmt<'_, '_> {
    pub fn execute(&mut self, params: impl Params) -> Result<usize, DbError> {
        self.db.execute(&self.sql, params)
    }

    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.db.query_row(&self.sql, params, f)
    }

    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        f: impl FnMut(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<std::vec::IntoIter<Result<T, DbError>>, DbError> {
        self.db.query_map(&self.sql, params, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_outside_quotes() {
        assert_eq!(
            pg_placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?' AND d IN (?2, ?10)"),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $10)"
        );
    }

    #[test]
    fn sqlite_round_trip() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let db = Db::Lite(&c);
        db.execute_batch("CREATE TABLE t (a INTEGER, b TEXT, c BLOB, d INTEGER)")
            .unwrap();
        db.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
            params![7_i64, "x", vec![1_u8, 2], true],
        )
        .unwrap();
        let (a, b, c2, d, none): (u32, String, Vec<u8>, bool, Option<i64>) = db
            .query_row("SELECT a, b, c, d, NULL FROM t", (), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap();
        assert_eq!(
            (a, b.as_str(), c2, d, none),
            (7, "x", vec![1, 2], true, None)
        );
        assert!(matches!(
            db.query_row("SELECT a FROM t WHERE a = 8", (), |r| r.get::<i64>(0)),
            Err(DbError::NoRows)
        ));
        assert!(db
            .query_row("SELECT b FROM t", (), |r| r.get::<i64>(0))
            .is_err());
    }
}
