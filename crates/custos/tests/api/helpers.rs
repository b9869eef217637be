//! `spawn_app()`: the real server on 127.0.0.1:0 over TLS with a fresh data dir, and a typed
//! test client.

use custos::config::{Overrides, Settings};
use custos::{InitOptions, Running};
use custos_store::raw::Raw;
use custos_store::sql::Value as SqlValue;
use custos_store::testdb::TestDatabase;
use custos_store::Scope;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;
use zeroize::Zeroizing;

pub const OWNER_PW: &str = "correct horse battery staple";
pub const USER_PW: &str = "a long enough passphrase for tests";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub settings: Settings,
    pub owner: String,
    running: Option<Running>,
    /// The clock the test moves, if any (kept across restarts).
    pub clock: Option<std::sync::Arc<custos_core::clock::ManualClock>>,
    /// The PostgreSQL database, when the suite runs on PostgreSQL (dropped last).
    pub db: Option<TestDatabase>,
}

/// Whether the suite runs on PostgreSQL: `CUSTOS_TEST_STORE=postgres` gives every test a fresh
/// database (README, "Tests"); otherwise each test has the embedded store in its data dir.
pub fn on_postgres() -> bool {
    match std::env::var("CUSTOS_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("CUSTOS_TEST_STORE is sqlite or postgres, not {other}"),
    }
}

/// A fresh database for a test when the suite runs on PostgreSQL.
pub fn test_database() -> Option<TestDatabase> {
    on_postgres().then(TestDatabase::create)
}

/// Direct SQL on the store of a data dir (its SQLite files, or the PostgreSQL database its
/// configuration names).
pub fn raw_of(data: &std::path::Path) -> Raw {
    let s = Settings::load(data, Overrides::default()).unwrap();
    Raw::open(&s.location().unwrap()).unwrap()
}

/// One integer from a query on the data (not the audit trail), across every tenant.
pub fn sql_count(data: &std::path::Path, sql: &str) -> i64 {
    raw_of(data).scalar(Scope::System, false, sql).unwrap()
}

/// Every file of a data dir and, on PostgreSQL, every value of every table written raw into one
/// more file (text as it is, bytes as they are): what a scan for plaintext must look at.
pub fn stored_files(data: &std::path::Path) -> Vec<PathBuf> {
    let mut files = files_under(data);
    let location = Settings::load(data, Overrides::default())
        .unwrap()
        .location()
        .unwrap();
    if matches!(location, custos_store::Location::Postgres(_)) {
        let raw = Raw::open(&location).unwrap();
        let tables = raw
            .query(
                Scope::System,
                false,
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
                vec![],
            )
            .unwrap();
        let mut dump = Vec::new();
        for t in tables {
            let SqlValue::Text(name) = &t[0] else {
                panic!("table name")
            };
            for row in raw
                .query(
                    Scope::System,
                    false,
                    &format!("SELECT * FROM {name}"),
                    vec![],
                )
                .unwrap()
            {
                for v in row {
                    match v {
                        SqlValue::Text(t) => dump.extend_from_slice(t.as_bytes()),
                        SqlValue::Blob(b) => dump.extend_from_slice(&b),
                        other => dump.extend_from_slice(format!("{other:?}").as_bytes()),
                    }
                    dump.push(b'\n');
                }
            }
        }
        assert!(!dump.is_empty(), "the database holds something");
        let path = data.with_file_name("postgres-dump.bin");
        std::fs::write(&path, dump).unwrap();
        files.push(path);
    }
    files
}

pub async fn spawn_app() -> TestApp {
    spawn_with("retail").await
}

pub async fn spawn_with(template: &str) -> TestApp {
    spawn_inner(template, None).await
}

/// A server whose clock the test moves.
pub async fn spawn_clocked(
    template: &str,
) -> (TestApp, std::sync::Arc<custos_core::clock::ManualClock>) {
    let clock = std::sync::Arc::new(custos_core::clock::ManualClock::new(
        time::OffsetDateTime::now_utc(),
    ));
    (spawn_inner(template, Some(clock.clone())).await, clock)
}

/// A server with a clock the test moves, starting at `at`, and settings changed before it
/// starts.
pub async fn spawn_clocked_tuned(
    template: &str,
    at: time::OffsetDateTime,
    tune: impl FnOnce(&mut Settings),
) -> (TestApp, std::sync::Arc<custos_core::clock::ManualClock>) {
    let clock = std::sync::Arc::new(custos_core::clock::ManualClock::new(at));
    (spawn_full(template, Some(clock.clone()), tune).await, clock)
}

/// A server with settings changed before it starts.
pub async fn spawn_tuned(template: &str, tune: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_full(template, None, tune).await
}

async fn spawn_inner(
    template: &str,
    clock: Option<std::sync::Arc<custos_core::clock::ManualClock>>,
) -> TestApp {
    spawn_full(template, clock, |_| {}).await
}

/// A server on a fresh PostgreSQL database whatever store the suite runs on (for what only
/// PostgreSQL does: several instances, one database).
pub async fn spawn_on_postgres(tune: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_on(
        "retail",
        None,
        tune,
        Some(TestDatabase::create()),
        true,
        None,
    )
    .await
}

/// A server on a fresh database of the PostgreSQL server of the administrator's URL `admin`
/// (one the test runs itself, say).
pub async fn spawn_on_postgres_at(admin: &str) -> TestApp {
    spawn_on(
        "retail",
        None,
        |_| {},
        Some(TestDatabase::create_on(admin)),
        true,
        None,
    )
    .await
}

/// A server on the embedded store whatever store the suite runs on, its data dir under `parent`
/// (a small file system, say).
pub async fn spawn_on_sqlite_in(parent: &std::path::Path) -> TestApp {
    spawn_on("retail", None, |_| {}, None, true, Some(parent)).await
}

/// A server on the embedded store whatever store the suite runs on.
pub async fn spawn_on_sqlite() -> TestApp {
    spawn_on("retail", None, |_| {}, None, true, None).await
}

/// A server as `custos init` leaves it: nobody has signed in yet (the owner has not set up
/// MFA), no opening hours set. For the browser tests, which start from the sign-in page; the
/// trail is scanned for anomalies every second so that their alerts show while they run, and
/// nightly backups with an off-site copy are configured.
pub async fn spawn_untouched(template: &str) -> TestApp {
    spawn_on(
        template,
        None,
        |s| {
            s.anomaly_scan_every = std::time::Duration::from_secs(1);
            // Nightly backups with a second copy, as a shop would set them up.
            s.backup_schedule = Some(custos::schedule::Schedule {
                every: time::Duration::hours(24),
                dir: s.data_dir.with_file_name("backups"),
                copy_dir: Some(s.data_dir.with_file_name("offsite")),
                s3: None,
                keep: custos::schedule::Keep::default(),
            });
        },
        test_database(),
        false,
        None,
    )
    .await
}

async fn spawn_full(
    template: &str,
    clock: Option<std::sync::Arc<custos_core::clock::ManualClock>>,
    tune: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_on(template, clock, tune, test_database(), true, None).await
}

async fn spawn_on(
    template: &str,
    clock: Option<std::sync::Arc<custos_core::clock::ManualClock>>,
    tune: impl FnOnce(&mut Settings),
    db: Option<TestDatabase>,
    sign_in_owner: bool,
    parent: Option<&std::path::Path>,
) -> TestApp {
    // A failing test shows the server's errors (captured per test, like its output).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("CUSTOS_TEST_LOG").unwrap_or_else(|_| "error".into()))
        .with_test_writer()
        .try_init();
    let dir = match parent {
        Some(p) => tempfile::tempdir_in(p).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    let data = dir.path().join("data");
    custos::init(InitOptions {
        data_dir: data.clone(),
        business: "Test Shop".into(),
        slug: Some("test-shop".into()),
        template: template.into(),
        owner: "owner".into(),
        country: "PL".into(),
        owner_password: Some(Zeroizing::new(OWNER_PW.into())),
        database_url: db.as_ref().map(|d| d.url().to_owned()),
    })
    .await
    .unwrap();
    let mut settings = Settings::load(
        &data,
        Overrides {
            listen: Some("127.0.0.1:0".into()),
            ..Default::default()
        },
    )
    .unwrap();
    // Tests move the clock by months and years; retention sweeps run only where a test asks.
    settings.retention_sweep = None;
    tune(&mut settings);
    let running = match clock.clone() {
        Some(c) => custos::start_with(settings.clone(), false, c)
            .await
            .unwrap(),
        None => custos::start(settings.clone(), false).await.unwrap(),
    };
    let cert =
        reqwest::Certificate::from_pem(&std::fs::read(data.join("tls/cert.pem")).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(cert)
        .resolve("localhost", running.addr)
        .https_only(true)
        .build()
        .unwrap();
    let base = format!("https://localhost:{}", running.addr.port());
    let mut app = TestApp {
        base,
        client,
        _dir: dir,
        data,
        settings,
        owner: String::new(),
        running: Some(running),
        clock,
        db,
    };
    if !sign_in_owner {
        return app;
    }
    app.owner = app.login("owner", OWNER_PW, None).await;
    app.enrol_if_required(&app.owner).await;
    // Open around the clock, so that the off-hours rule does not depend on when tests run;
    // the test of that rule sets real hours.
    let r = app
        .req(Method::PATCH, "/v1/tenant", &app.owner)
        .json(&serde_json::json!({"business_hours": {"mon": "00:00-24:00", "tue": "00:00-24:00", "wed": "00:00-24:00", "thu": "00:00-24:00", "fri": "00:00-24:00", "sat": "00:00-24:00", "sun": "00:00-24:00"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    app
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl TestApp {
    pub fn req(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    /// Posts to `/v1/auth/token` and answers the raw response (for error cases).
    pub async fn try_login(&self, body: Value) -> Response {
        self.client
            .post(format!("{}/v1/auth/token", self.base))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, username: &str, password: &str, tenant: Option<&str>) -> String {
        let r = self
            .try_login(json!({"username": username, "password": password, "tenant": tenant}))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "login of {username}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["token_type"], "Bearer");
        v["token"].as_str().unwrap().to_owned()
    }

    /// The id of the user with that name, as the owner sees it.
    pub async fn user_id(&self, username: &str) -> String {
        let users: Value = self
            .get(&self.owner, "/v1/users")
            .await
            .json()
            .await
            .unwrap();
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == username)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Enrols the token's user in MFA (enrol, then confirm with the current code); returns the
    /// secret and the recovery codes.
    pub async fn enrol_mfa(&self, token: &str) -> (Vec<u8>, Vec<String>, u64) {
        let r = self
            .req(Method::POST, "/v1/auth/mfa/enrol", token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "enrol");
        let e: Value = r.json().await.unwrap();
        let secret = custos_crypto::totp::decode_base32(e["secret"].as_str().unwrap())
            .unwrap()
            .to_vec();
        let confirmed_at = unix_now();
        let code = custos_crypto::totp::code_at(&secret, confirmed_at).unwrap();
        let r = self
            .req(Method::POST, "/v1/auth/mfa/confirm", token)
            .json(&json!({"code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "confirm");
        let codes: Value = r.json().await.unwrap();
        let codes = codes["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        (secret, codes, confirmed_at)
    }

    /// Enrols the token's user in MFA when the business requires it.
    pub async fn enrol_if_required(&self, token: &str) {
        let who: Value = self
            .get(token, "/v1/auth/whoami")
            .await
            .json()
            .await
            .unwrap();
        if who["mfa_enrolment_required"] == true {
            self.enrol_mfa(token).await;
        }
    }

    /// Creates a user with `role` as the owner and logs it in.
    pub async fn user(&self, username: &str, role: &str) -> String {
        let r = self
            .req(Method::POST, "/v1/users", &self.owner)
            .json(&json!({"username": username, "password": USER_PW, "role": role}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "create {username}");
        let token = self.login(username, USER_PW, None).await;
        self.enrol_if_required(&token).await;
        token
    }

    pub async fn create(&self, token: &str, fields: Value) -> Response {
        self.req(Method::POST, "/v1/customers", token)
            .json(&json!({ "fields": fields }))
            .send()
            .await
            .unwrap()
    }

    /// Creates a customer as the owner and returns its JSON.
    pub async fn customer(&self, fields: Value) -> Value {
        let r = self.create(&self.owner, fields).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.unwrap()
    }

    /// The business's alerts of one kind, newest first.
    pub async fn alerts_of(&self, kind: &str) -> Vec<Value> {
        let all: Value = self
            .get(&self.owner, "/v1/alerts?limit=500")
            .await
            .json()
            .await
            .unwrap();
        all.as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == kind)
            .cloned()
            .collect()
    }

    /// Waits (up to ten seconds) until there are at least `n` alerts of a kind.
    pub async fn await_alerts(&self, kind: &str, n: usize) -> Vec<Value> {
        for _ in 0..100 {
            let found = self.alerts_of(kind).await;
            if found.len() >= n {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "fewer than {n} '{kind}' alerts after ten seconds: {:?}",
            self.alerts_of(kind).await
        );
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.req(Method::GET, path, token).send().await.unwrap()
    }

    pub async fn search(&self, token: &str, query: &[(&str, &str)]) -> Vec<Value> {
        let r = self
            .req(Method::GET, "/v1/customers/search", token)
            .query(query)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "search {query:?}");
        let v: Value = r.json().await.unwrap();
        v["items"].as_array().unwrap().clone()
    }

    pub async fn patch(
        &self,
        token: &str,
        id: &str,
        if_match: Option<&str>,
        fields: Value,
    ) -> Response {
        let mut r = self
            .req(Method::PATCH, &format!("/v1/customers/{id}"), token)
            .json(&json!({ "fields": fields }));
        if let Some(v) = if_match {
            r = r.header("if-match", v);
        }
        r.send().await.unwrap()
    }

    /// Replaces the owner's login token with an API token of the owner: login tokens end when
    /// a test moves the clock by hours or years, API tokens do not.
    pub async fn owner_api_token(&mut self) -> String {
        let r = self
            .req(Method::POST, "/v1/tokens", &self.owner)
            .json(&json!({"name": "test-owner", "role": "owner"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let t = r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        self.owner = t.clone();
        t
    }

    /// A client that does not follow redirects and sends no cookies by itself (pages that set
    /// cookies and redirect, as a browser sees them).
    pub fn page_client(&self) -> reqwest::Client {
        let port: u16 = self.base.rsplit(':').next().unwrap().parse().unwrap();
        let cert =
            reqwest::Certificate::from_pem(&std::fs::read(self.data.join("tls/cert.pem")).unwrap())
                .unwrap();
        reqwest::Client::builder()
            .add_root_certificate(cert)
            .resolve(
                "localhost",
                std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            )
            .redirect(reqwest::redirect::Policy::none())
            .https_only(true)
            .build()
            .unwrap()
    }

    /// Another instance of this app: the same data dir and database, its own port, in this
    /// process (as a load balancer's second backend would be).
    pub async fn another_instance(&self) -> Instance {
        let running = custos::start(self.settings.clone(), false).await.unwrap();
        let cert =
            reqwest::Certificate::from_pem(&std::fs::read(self.data.join("tls/cert.pem")).unwrap())
                .unwrap();
        let client = reqwest::Client::builder()
            .add_root_certificate(cert)
            .resolve("localhost", running.addr)
            .https_only(true)
            .build()
            .unwrap();
        Instance {
            base: format!("https://localhost:{}", running.addr.port()),
            client,
            running: Some(running),
        }
    }

    /// The background jobs this instance runs (from `/readyz`).
    pub async fn jobs(&self) -> Vec<String> {
        jobs_at(&self.client, &self.base).await
    }

    /// Stops the server (in-flight requests finish, the store is closed).
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }

    /// Starts the server again on the same data dir.
    pub async fn restart(&mut self) {
        self.stop().await;
        let running = match self.clock.clone() {
            Some(c) => custos::start_with(self.settings.clone(), false, c)
                .await
                .unwrap(),
            None => custos::start(self.settings.clone(), false).await.unwrap(),
        };
        let cert =
            reqwest::Certificate::from_pem(&std::fs::read(self.data.join("tls/cert.pem")).unwrap())
                .unwrap();
        self.client = reqwest::Client::builder()
            .add_root_certificate(cert)
            .resolve("localhost", running.addr)
            .https_only(true)
            .build()
            .unwrap();
        self.base = format!("https://localhost:{}", running.addr.port());
        self.running = Some(running);
    }

    /// The audit events' canonical JSON bodies, in chain order.
    pub fn audit_bodies(&self) -> Vec<Value> {
        self.raw()
            .query(
                Scope::System,
                true,
                "SELECT body FROM audit_events ORDER BY seq",
                vec![],
            )
            .unwrap()
            .into_iter()
            .map(|row| match &row[0] {
                SqlValue::Blob(b) => serde_json::from_slice(b).unwrap(),
                other => panic!("an event body is bytes, not {other:?}"),
            })
            .collect()
    }

    /// Direct SQL on this app's store.
    pub fn raw(&self) -> Raw {
        Raw::open(&self.settings.location().unwrap()).unwrap()
    }

    /// One integer from a query on the data, across every tenant.
    pub fn sql_count(&self, sql: &str) -> i64 {
        self.raw().scalar(Scope::System, false, sql).unwrap()
    }

    /// Everything `stored_files` holds, in one buffer.
    pub fn stored_bytes(&self) -> Vec<u8> {
        self.stored_files()
            .iter()
            .flat_map(|f| std::fs::read(f).unwrap_or_default())
            .collect()
    }

    /// What a scan for plaintext must look at (`stored_files`).
    pub fn stored_files(&self) -> Vec<PathBuf> {
        stored_files(&self.data)
    }
}

/// A second server on the same data dir and database.
pub struct Instance {
    pub base: String,
    pub client: reqwest::Client,
    running: Option<Running>,
}

impl Instance {
    pub fn req(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    /// The background jobs this instance runs (from `/readyz`).
    pub async fn jobs(&self) -> Vec<String> {
        jobs_at(&self.client, &self.base).await
    }

    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }
}

/// The jobs of the instance at `base` once it runs every one of `wanted` (or, after 10 s, what it
/// runs then).
pub async fn jobs_when(client: &reqwest::Client, base: &str, wanted: &[&str]) -> Vec<String> {
    let mut jobs = Vec::new();
    for _ in 0..100 {
        jobs = jobs_at(client, base).await;
        if wanted.iter().all(|j| jobs.iter().any(|x| x == j)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    jobs
}

async fn jobs_at(client: &reqwest::Client, base: &str) -> Vec<String> {
    let v: Value = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j.as_str().unwrap().to_owned())
        .collect()
}

/// Asserts a problem response: status, content type, code, and request id matching the header.
pub async fn assert_problem(r: Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "status for {code}");
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "content type for {code}"
    );
    let rid = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], code, "{v}");
    assert_eq!(v["status"], status);
    assert_eq!(v["type"], format!("/docs/errors#{code}"));
    assert_eq!(v["request_id"], rid);
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(v["detail"].as_str().is_some_and(|t| !t.is_empty()));
    v
}

/// Recomputes the audit hash chain from `audit.db`; returns the number of events, panics at the
/// first bad link.
pub fn verify_chain(app: &TestApp) -> usize {
    let rows = app
        .raw()
        .query(
            Scope::System,
            true,
            "SELECT seq, body, prev_hash, hash FROM audit_events ORDER BY seq",
            vec![],
        )
        .unwrap()
        .into_iter()
        .map(|r| {
            let blob = |v: &SqlValue| match v {
                SqlValue::Blob(b) => b.clone(),
                other => panic!("bytes, not {other:?}"),
            };
            let SqlValue::Int(seq) = r[0] else {
                panic!("seq")
            };
            Ok::<_, ()>((seq, blob(&r[1]), blob(&r[2]), blob(&r[3])))
        });
    let mut prev = custos_crypto::chain::GENESIS;
    let mut n = 0;
    for row in rows {
        let (seq, body, prev_hash, hash) = row.unwrap();
        n += 1;
        assert_eq!(seq, n as i64, "gap before {seq}");
        assert_eq!(prev_hash, prev.to_vec(), "broken link at {seq}");
        let h = custos_crypto::chain::link(&prev, seq as u64, &body);
        assert_eq!(hash, h.to_vec(), "bad hash at {seq}");
        prev = h;
    }
    n
}

/// The real `custos` binary: `init`, then `serve` as a child process with debug logs in JSON
/// to a file, for tests that must see what reaches the log.
pub struct ProcessApp {
    _dir: tempfile::TempDir,
    _db: Option<TestDatabase>,
    pub data: PathBuf,
    pub log: PathBuf,
    pub base: String,
    pub client: reqwest::Client,
    pub port: u16,
    child: Option<std::process::Child>,
}

/// `custos serve` on a data dir as a child process, debug logs in JSON appended to `log`.
fn spawn_serve(data: &std::path::Path, port: u16, log: &std::path::Path) -> std::process::Child {
    use std::process::{Command, Stdio};
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_custos"))
        .args([
            "serve",
            "--data-dir",
            data.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("CUSTOS_LOG", "debug")
        .env("CUSTOS_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Waits until the server answers `/healthz` (10 s at most).
async fn wait_up(client: &reqwest::Client, base: &str) {
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server did not come up at {base}");
}

impl ProcessApp {
    pub async fn start(template: &str, business: &str) -> ProcessApp {
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let bin = env!("CARGO_BIN_EXE_custos");
        let d = data.to_str().unwrap();
        let db = test_database();
        let mut init = Command::new(bin);
        init.arg("init");
        if let Some(db) = &db {
            init.args(["--database-url", db.url()]);
        }
        let st = init
            .args([
                "--data-dir",
                d,
                "--business",
                business,
                "--template",
                template,
                "--country",
                "PL",
            ])
            .env("CUSTOS_OWNER_PASSWORD", OWNER_PW)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.path().join("server.log");
        let child = spawn_serve(&data, port, &log);
        let cert =
            reqwest::Certificate::from_pem(&std::fs::read(data.join("tls/cert.pem")).unwrap())
                .unwrap();
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let client = reqwest::Client::builder()
            .add_root_certificate(cert)
            .resolve("localhost", addr)
            .build()
            .unwrap();
        let base = format!("https://localhost:{port}");
        wait_up(&client, &base).await;
        ProcessApp {
            _dir: dir,
            _db: db,
            data,
            log,
            base,
            client,
            port,
            child: Some(child),
        }
    }

    /// A new client for the server (a killed server leaves the old one's connections dead).
    pub fn new_client(&self) -> reqwest::Client {
        let cert =
            reqwest::Certificate::from_pem(&std::fs::read(self.data.join("tls/cert.pem")).unwrap())
                .unwrap();
        reqwest::Client::builder()
            .add_root_certificate(cert)
            .resolve("localhost", ([127, 0, 0, 1], self.port).into())
            .build()
            .unwrap()
    }

    /// Starts a CLI command on the server's data dir (output captured).
    pub fn cli(&self, args: &[&str]) -> std::process::Child {
        use std::process::{Command, Stdio};
        Command::new(env!("CARGO_BIN_EXE_custos"))
            .args(args)
            .arg("--data-dir")
            .arg(&self.data)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// SIGKILL: the server dies at once, mid-request, with nothing flushed or closed.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// Starts the server again on the same data dir and port (after `kill` or `stop`); its log
    /// goes on in the same file.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is still running");
        self.child = Some(spawn_serve(&self.data, self.port, &self.log));
        wait_up(&self.client, &self.base).await;
    }

    pub fn req(&self, m: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(m, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    pub async fn login(&self, body: Value) -> Value {
        let r = self
            .client
            .post(format!("{}/v1/auth/token", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    /// SIGTERM, then waits (on a blocking thread, so this runtime's client connections can still
    /// answer the server's GOAWAY) and checks a clean and prompt exit.
    pub async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let t0 = std::time::Instant::now();
        let st = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let exit = tokio::task::spawn_blocking(move || child.wait())
            .await
            .unwrap()
            .unwrap();
        assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
        assert!(t0.elapsed() < std::time::Duration::from_secs(10), "an idle keep-alive connection must not hold the shutdown for the whole grace period ({:?})", t0.elapsed());
    }

    /// Every file of the data dir (and the database, `stored_files`), and the log.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut out = stored_files(&self.data);
        out.push(self.log.clone());
        out
    }
}

impl Drop for ProcessApp {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Which needles occur in which files.
pub fn find_in_files(files: &[PathBuf], needles: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap_or_default();
        for n in needles {
            if !n.is_empty() && bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                found.push(format!("{n} in {}", f.display()));
            }
        }
    }
    found
}
