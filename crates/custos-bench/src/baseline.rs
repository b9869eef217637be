//! The plaintext baseline: the same HTTP API shapes over the same database custos runs on
//! (SQLite with WAL and `synchronous=FULL`, durable on acknowledgement; or PostgreSQL) — but
//! every value in plain columns, an ordinary index instead of blind indexes, no encryption, no
//! audit trail, no policy. What custos costs beyond it is the price of privacy.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use custos_store::params;
use custos_store::sql::{Db, DbError, OptionalExt, PgTx, Row};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex};

const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    email TEXT,
    phone TEXT,
    name_key TEXT,
    fields TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_email ON customers(email);
CREATE INDEX IF NOT EXISTS customers_phone ON customers(phone);
CREATE INDEX IF NOT EXISTS customers_name ON customers(name_key);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_customer ON records(customer_id, occurred_at);
CREATE INDEX IF NOT EXISTS records_time ON records(type, occurred_at);
";

/// The same tables on PostgreSQL; the name key in byte order, so that a prefix is a range of
/// the index as on SQLite.
const PG_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    email TEXT,
    phone TEXT,
    name_key TEXT COLLATE \"C\",
    fields TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS customer_number;
CREATE INDEX IF NOT EXISTS customers_email ON customers(email);
CREATE INDEX IF NOT EXISTS customers_phone ON customers(phone);
CREATE INDEX IF NOT EXISTS customers_name ON customers(name_key);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_customer ON records(customer_id, occurred_at);
CREATE INDEX IF NOT EXISTS records_time ON records(type, occurred_at);
";

/// Where the baseline keeps its rows.
#[derive(Debug, Clone)]
pub enum Place {
    /// `baseline.db` in this directory.
    Sqlite(PathBuf),
    /// This PostgreSQL database.
    Postgres(String),
}

impl Place {
    /// PostgreSQL at `pg` if given, else the SQLite file in `dir`.
    pub fn new(dir: &FsPath, pg: Option<String>) -> Place {
        match pg {
            Some(url) => Place::Postgres(url),
            None => Place::Sqlite(dir.to_owned()),
        }
    }
}

/// The database file of a baseline dir.
pub fn db_path(dir: &FsPath) -> PathBuf {
    dir.join("baseline.db")
}

/// One connection, with what a statement needs on its database.
pub enum Conn {
    Lite(rusqlite::Connection),
    Pg(
        Box<postgres::Client>,
        RefCell<HashMap<String, postgres::Statement>>,
    ),
}

impl Conn {
    /// Opens (and on first use creates) the baseline's database with the settings custos's
    /// store uses: a writer keeps 32 MB of pages, a reader 2 MB.
    pub fn open(place: &Place, write: bool) -> anyhow::Result<Conn> {
        match place {
            Place::Sqlite(dir) => {
                std::fs::create_dir_all(dir)?;
                let c = rusqlite::Connection::open(db_path(dir))?;
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                if write {
                    c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))?;
                    c.pragma_update(None, "synchronous", "FULL")?;
                    c.pragma_update(None, "cache_size", -8_000)?;
                    c.execute_batch(SQLITE_SCHEMA)?;
                } else {
                    c.pragma_update(None, "query_only", "ON")?;
                    c.pragma_update(None, "cache_size", -2_000)?;
                }
                Ok(Conn::Lite(c))
            }
            Place::Postgres(url) => {
                let mut c = postgres::Client::connect(url, postgres::NoTls)?;
                if write {
                    c.batch_execute(PG_SCHEMA)?;
                }
                Ok(Conn::Pg(Box::new(c), RefCell::default()))
            }
        }
    }

    /// Runs `f`, in one transaction when `tx`.
    pub fn run<T>(
        &mut self,
        tx: bool,
        f: impl FnOnce(&Db<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match self {
            Conn::Lite(c) if tx => {
                let t = c.transaction()?;
                let r = f(&Db::Lite(&t))?;
                t.commit()?;
                Ok(r)
            }
            Conn::Lite(c) => f(&Db::Lite(c)),
            Conn::Pg(c, cache) => {
                if tx {
                    c.batch_execute("BEGIN")?;
                }
                let r = f(&Db::Pg(&PgTx::new(c, cache)));
                if tx {
                    c.batch_execute(if r.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
                }
                r
            }
        }
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn name_key(fields: &Map<String, Value>) -> Option<String> {
    fields
        .get("last_name")
        .and_then(Value::as_str)
        .map(str::to_lowercase)
}

fn str_of(fields: &Map<String, Value>, k: &str) -> Option<String> {
    fields.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// Inserts one customer; answers its id and number.
fn insert(tx: &Db<'_>, fields: &Map<String, Value>) -> Result<(String, i64), DbError> {
    let id = uuid::Uuid::now_v7().to_string();
    let number = match tx.dialect() {
        custos_store::Dialect::Sqlite => "(SELECT coalesce(max(number), 0) + 1 FROM customers)",
        custos_store::Dialect::Postgres => "nextval('customer_number')",
    };
    let t = now();
    let number: i64 = tx.query_row(
        &format!("INSERT INTO customers (id, number, version, email, phone, name_key, fields, created_at, updated_at) VALUES (?1, {number}, 1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING number"),
        params![
            id,
            str_of(fields, "email").map(|e| e.to_lowercase()),
            str_of(fields, "phone"),
            name_key(fields),
            Value::Object(fields.clone()).to_string(),
            t
        ],
        |r| r.get(0),
    )?;
    Ok((id, number))
}

/// `custos-bench baseline import`: a Shopify export into plain rows, 500 to a transaction.
pub fn import(place: &Place, file: &FsPath) -> anyhow::Result<u64> {
    let mut c = Conn::open(place, true)?;
    let mut rd = csv::Reader::from_path(file)?;
    let headers = rd.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let map = [
        ("first_name", col("First Name")),
        ("last_name", col("Last Name")),
        ("email", col("Email")),
        ("street", col("Address1")),
        ("city", col("City")),
        ("country", col("Country Code")),
        ("postal_code", col("Zip")),
        ("phone", col("Phone")),
        ("note", col("Note")),
    ];
    let mut rows = 0u64;
    let mut batch: Vec<csv::StringRecord> = Vec::with_capacity(500);
    let flush = |c: &mut Conn, batch: &mut Vec<csv::StringRecord>| -> anyhow::Result<()> {
        c.run(true, |tx| {
            for r in batch.drain(..) {
                let mut fields = Map::new();
                for (name, i) in &map {
                    if let Some(v) = i.and_then(|i| r.get(i)).filter(|v| !v.is_empty()) {
                        fields.insert((*name).to_owned(), Value::String(v.to_owned()));
                    }
                }
                insert(tx, &fields)?;
            }
            Ok(())
        })?;
        Ok(())
    };
    for r in rd.records() {
        batch.push(r?);
        rows += 1;
        if batch.len() == 500 {
            flush(&mut c, &mut batch)?;
        }
    }
    flush(&mut c, &mut batch)?;
    if let Conn::Pg(c, _) = &mut c {
        c.batch_execute("ANALYZE customers")?;
    }
    Ok(rows)
}

/// `custos-bench baseline sweep`: deletes the purchases that happened before `before`.
pub fn sweep(place: &Place, before: i64) -> anyhow::Result<usize> {
    let mut c = Conn::open(place, true)?;
    Ok(c.run(true, |tx| {
        tx.execute(
            "DELETE FROM records WHERE type = 'purchase' AND occurred_at < ?1",
            params![before],
        )
    })?)
}

/// `custos-bench baseline backup`: a consistent copy of the database (`VACUUM INTO` on SQLite,
/// `pg_dump` in its custom format on PostgreSQL).
pub fn backup(place: &Place, out: &FsPath) -> anyhow::Result<()> {
    match place {
        Place::Sqlite(_) => {
            let mut c = Conn::open(place, true)?;
            let path = out.to_string_lossy().into_owned();
            c.run(false, |db| db.execute("VACUUM INTO ?1", params![path]))?;
        }
        Place::Postgres(url) => tool(
            std::process::Command::new("pg_dump")
                .args(["--format=custom", "--file"])
                .arg(out)
                .arg(url),
        )?,
    }
    Ok(())
}

/// `custos-bench baseline restore`: the copy put in place as a new database (a new dir's file,
/// or the empty PostgreSQL database at `place`), checked.
pub fn restore(from: &FsPath, place: &Place) -> anyhow::Result<()> {
    match place {
        Place::Sqlite(dir) => {
            std::fs::create_dir_all(dir)?;
            std::fs::copy(from, db_path(dir))?;
            let mut c = Conn::open(place, true)?;
            c.run(false, |db| {
                db.query_row("PRAGMA integrity_check", (), |r| r.get::<String>(0))
            })?;
        }
        Place::Postgres(url) => {
            tool(
                std::process::Command::new("pg_restore")
                    .args(["--no-owner", "--exit-on-error", "--dbname"])
                    .arg(url)
                    .arg(from),
            )?;
            let mut c = Conn::open(place, false)?;
            c.run(false, |db| {
                db.query_row("SELECT count(*) FROM customers", (), |r| r.get::<i64>(0))
            })?;
        }
    }
    Ok(())
}

fn tool(cmd: &mut std::process::Command) -> anyhow::Result<()> {
    let out = cmd.output()?;
    anyhow::ensure!(
        out.status.success(),
        "{:?} failed: {}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

// --- the server -------------------------------------------------------------------------------

#[derive(Clone)]
struct App {
    /// SQLite: the one writer. PostgreSQL: unused (writes take a pooled connection).
    writer: Arc<Mutex<Option<Conn>>>,
    pool: Arc<Mutex<Vec<Conn>>>,
    place: Place,
    token: Arc<str>,
}

fn problem(status: StatusCode, code: &str) -> Response {
    (
        status,
        Json(json!({"status": status.as_u16(), "code": code})),
    )
        .into_response()
}

impl App {
    fn authorized(&self, h: &HeaderMap) -> bool {
        h.get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            == Some(&*self.token)
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db<'_>) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, Response> {
        self.with(false, f).await
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db<'_>) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, Response> {
        self.with(true, f).await
    }

    /// `f` on a pooled connection (SQLite's writer for writes there), on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        write: bool,
        f: impl FnOnce(&Db<'_>) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, Response> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            if write && matches!(app.place, Place::Sqlite(_)) {
                let mut w = app.writer.lock().unwrap_or_else(|e| e.into_inner());
                let c = w.as_mut().ok_or_else(|| "no writer".to_owned())?;
                return c.run(true, f).map_err(|e| e.to_string());
            }
            let mut conn = match app.pool.lock().unwrap_or_else(|e| e.into_inner()).pop() {
                Some(c) => c,
                None => Conn::open(&app.place, false).map_err(|e| e.to_string())?,
            };
            let r = conn.run(write, f).map_err(|e| e.to_string());
            app.pool
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
            r
        })
        .await
        .map_err(|_| problem(StatusCode::INTERNAL_SERVER_ERROR, "internal"))?
        .map_err(|_: String| problem(StatusCode::INTERNAL_SERVER_ERROR, "internal"))
    }
}

fn customer_json(id: &str, number: i64, version: i64, fields: &str) -> Value {
    json!({"id": id, "number": format!("C-{number:06}"), "version": version,
        "fields": serde_json::from_str::<Value>(fields).unwrap_or_default()})
}

fn with_etag(status: StatusCode, v: Value) -> Response {
    let etag = format!("\"{}\"", v["version"]);
    let mut r = (status, Json(v)).into_response();
    if let Ok(h) = header::HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, h);
    }
    r
}

#[derive(Deserialize)]
struct NewCustomer {
    fields: Map<String, Value>,
}

async fn create(State(app): State<App>, h: HeaderMap, Json(body): Json<NewCustomer>) -> Response {
    if !app.authorized(&h) {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let fields = body.fields;
    let text = Value::Object(fields.clone()).to_string();
    match app.write(move |tx| insert(tx, &fields)).await {
        Ok((id, number)) => with_etag(StatusCode::CREATED, customer_json(&id, number, 1, &text)),
        Err(r) => r,
    }
}

async fn read_one(State(app): State<App>, h: HeaderMap, Path(id): Path<String>) -> Response {
    if !app.authorized(&h) {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let row = app
        .read(move |c| {
            c.query_row(
                "SELECT number, version, fields FROM customers WHERE id = ?1",
                params![id],
                |r| {
                    Ok(customer_json(
                        &id,
                        r.get(0)?,
                        r.get(1)?,
                        &r.get::<String>(2)?,
                    ))
                },
            )
            .optional()
        })
        .await;
    match row {
        Ok(Some(v)) => with_etag(StatusCode::OK, v),
        Ok(None) => problem(StatusCode::NOT_FOUND, "not_found"),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    email: Option<String>,
    limit: Option<u32>,
}

async fn search(State(app): State<App>, h: HeaderMap, Query(q): Query<SearchQuery>) -> Response {
    if !app.authorized(&h) {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let items = app
        .read(move |c| {
            let map = |r: &Row<'_>| -> Result<Value, DbError> {
                Ok(customer_json(
                    &r.get::<String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    &r.get::<String>(3)?,
                ))
            };
            if let Some(e) = q.email {
                c.query_map(
                    "SELECT id, number, version, fields FROM customers WHERE email = ?1 LIMIT ?2",
                    params![e.to_lowercase(), limit],
                    map,
                )?
                .collect::<Result<Vec<_>, _>>()
            } else {
                let p = q.q.unwrap_or_default().to_lowercase();
                c.query_map(
                    "SELECT id, number, version, fields FROM customers WHERE name_key >= ?1 AND name_key < ?2 ORDER BY name_key LIMIT ?3",
                    params![p, format!("{p}\u{10FFFF}"), limit],
                    map,
                )?
                .collect::<Result<Vec<_>, _>>()
            }
        })
        .await;
    match items {
        Ok(items) => Json(json!({"items": items})).into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct ListQuery {
    cursor: Option<i64>,
    limit: Option<u32>,
}

async fn list(State(app): State<App>, h: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    if !app.authorized(&h) {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let after = q.cursor.unwrap_or(0);
    let page = app
        .read(move |c| {
            c.query_map(
                "SELECT id, number, version, fields FROM customers WHERE number > ?1 ORDER BY number LIMIT ?2",
                params![after, limit],
                |r| {
                    Ok((
                        r.get::<i64>(1)?,
                        customer_json(
                            &r.get::<String>(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            &r.get::<String>(3)?,
                        ),
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .await;
    match page {
        Ok(rows) => {
            let next = (rows.len() == limit as usize)
                .then(|| rows.last().map(|(n, _)| n.to_string()))
                .flatten();
            let items: Vec<Value> = rows.into_iter().map(|(_, v)| v).collect();
            Json(json!({"items": items, "next_cursor": next})).into_response()
        }
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct Patch {
    fields: Map<String, Value>,
}

async fn update(
    State(app): State<App>,
    h: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Patch>,
) -> Response {
    if !app.authorized(&h) {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let Some(expected) = h
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_matches('"').parse::<i64>().ok())
    else {
        return problem(StatusCode::PRECONDITION_REQUIRED, "if_match_required");
    };
    let r = app
        .write(move |tx| {
            let Some((number, version, fields)) = tx
                .query_row(
                    "SELECT number, version, fields FROM customers WHERE id = ?1",
                    params![id],
                    |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?, r.get::<String>(2)?)),
                )
                .optional()?
            else {
                return Ok(Err(StatusCode::NOT_FOUND));
            };
            if version != expected {
                return Ok(Err(StatusCode::PRECONDITION_FAILED));
            }
            let mut merged: Map<String, Value> = serde_json::from_str(&fields).unwrap_or_default();
            for (k, v) in body.fields {
                if v.is_null() {
                    merged.remove(&k);
                } else {
                    merged.insert(k, v);
                }
            }
            let text = Value::Object(merged.clone()).to_string();
            tx.execute(
                "UPDATE customers SET version = ?2, email = ?3, phone = ?4, name_key = ?5, fields = ?6, updated_at = ?7 WHERE id = ?1",
                params![id, version + 1, str_of(&merged, "email").map(|e| e.to_lowercase()), str_of(&merged, "phone"), name_key(&merged), text, now()],
            )?;
            Ok(Ok(customer_json(&id, number, version + 1, &text)))
        })
        .await;
    match r {
        Ok(Ok(v)) => with_etag(StatusCode::OK, v),
        Ok(Err(s)) => problem(s, "refused"),
        Err(r) => r,
    }
}

async fn erase(State(app): State<App>, h: HeaderMap, Path(id): Path<String>) -> Response {
    if !app.authorized(&h) {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let r = app
        .write(move |tx| {
            tx.execute("DELETE FROM records WHERE customer_id = ?1", params![id])?;
            tx.execute("DELETE FROM customers WHERE id = ?1", params![id])
        })
        .await;
    match r {
        Ok(0) => problem(StatusCode::NOT_FOUND, "not_found"),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct NewRecord {
    #[serde(rename = "type")]
    type_: String,
    occurred_at: Option<String>,
    fields: Map<String, Value>,
}

async fn add_record(
    State(app): State<App>,
    h: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<NewRecord>,
) -> Response {
    if !app.authorized(&h) {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let at = body
        .occurred_at
        .as_deref()
        .and_then(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
        .map_or_else(now, |t| t.unix_timestamp());
    let rid = uuid::Uuid::now_v7().to_string();
    let text = Value::Object(body.fields).to_string();
    let out = json!({"id": rid, "customer_id": id, "type": body.type_});
    let r = app
        .write(move |tx| {
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM customers WHERE id = ?1", params![id], |r| r.get(0))
                .optional()?;
            if exists.is_none() {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO records (id, customer_id, type, occurred_at, fields) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![rid, id, body.type_, at, text],
            )?;
            Ok(true)
        })
        .await;
    match r {
        Ok(true) => (StatusCode::CREATED, Json(out)).into_response(),
        Ok(false) => problem(StatusCode::NOT_FOUND, "not_found"),
        Err(r) => r,
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// `custos-bench baseline serve`: the plaintext API over TLS until killed.
pub async fn serve(
    place: Place,
    listen: std::net::SocketAddr,
    cert: PathBuf,
    key: PathBuf,
    token: String,
) -> anyhow::Result<()> {
    // Opened (the schema made) off the async runtime, where a PostgreSQL client may block.
    let p = place.clone();
    let writer = tokio::task::spawn_blocking(move || {
        let c = Conn::open(&p, true)?;
        anyhow::Ok(match p {
            Place::Sqlite(_) => Some(c),
            Place::Postgres(_) => None,
        })
    })
    .await??;
    let app = App {
        writer: Arc::new(Mutex::new(writer)),
        pool: Arc::default(),
        place,
        token: Arc::from(token),
    };
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/customers", get(list).post(create))
        .route("/v1/customers/search", get(search))
        .route(
            "/v1/customers/{id}",
            get(read_one).patch(update).delete(erase),
        )
        .route("/v1/customers/{id}/records", post(add_record))
        .with_state(app);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    axum_server::bind_rustls(listen, tls)
        .serve(router.into_make_service())
        .await?;
    Ok(())
}
