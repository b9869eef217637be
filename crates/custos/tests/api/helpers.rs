//! `spawn_app()`: the real server on 127.0.0.1:0 over TLS with a fresh data dir, and a typed
//! test client.

use custos::config::{Overrides, Settings};
use custos::{InitOptions, Running};
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

async fn spawn_full(
    template: &str,
    clock: Option<std::sync::Arc<custos_core::clock::ManualClock>>,
    tune: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    custos::init(InitOptions {
        data_dir: data.clone(),
        business: "Test Shop".into(),
        slug: Some("test-shop".into()),
        template: template.into(),
        owner: "owner".into(),
        country: "PL".into(),
        owner_password: Some(Zeroizing::new(OWNER_PW.into())),
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
    };
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
        let c = rusqlite::Connection::open(self.data.join("audit.db")).unwrap();
        let mut st = c
            .prepare("SELECT body FROM audit_events ORDER BY seq")
            .unwrap();
        let rows = st.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap();
        rows.map(|b| serde_json::from_slice(&b.unwrap()).unwrap())
            .collect()
    }
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
    let c = rusqlite::Connection::open(app.data.join("audit.db")).unwrap();
    let mut st = c
        .prepare("SELECT seq, body, prev_hash, hash FROM audit_events ORDER BY seq")
        .unwrap();
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })
        .unwrap();
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
    pub data: PathBuf,
    pub log: PathBuf,
    pub base: String,
    pub client: reqwest::Client,
    child: Option<std::process::Child>,
}

impl ProcessApp {
    pub async fn start(template: &str, business: &str) -> ProcessApp {
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let bin = env!("CARGO_BIN_EXE_custos");
        let d = data.to_str().unwrap();
        let st = Command::new(bin)
            .args([
                "init",
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
        let child = Command::new(bin)
            .args([
                "serve",
                "--data-dir",
                d,
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("CUSTOS_LOG", "debug")
            .env("CUSTOS_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
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
        let mut up = false;
        for _ in 0..100 {
            if client.get(format!("{base}/healthz")).send().await.is_ok() {
                up = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(up, "server did not come up");
        ProcessApp {
            _dir: dir,
            data,
            log,
            base,
            client,
            child: Some(child),
        }
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

    /// Every file of the data dir, and the log.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut out = files_under(&self.data);
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
