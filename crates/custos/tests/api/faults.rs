//! Database faults (issue 13): the embedded database's disk full and its files read-only, and
//! PostgreSQL gone and back under load (cut off by a proxy, and stopped and started for real). The server answers 503 with `Retry-After` meanwhile (never a 500, never data
//! without its audit event), recovers by itself, and loses no acknowledged write.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::helpers::*;
use custos_store::Scope;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A tmpfs mounted for the test's lifetime.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    /// Mounts one of `size` (e.g. `48m`); `None` where this user may not mount.
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

/// An ext4 file system on a loop device for the test's lifetime. ext4 refuses every change to
/// an immutable file (`chattr +i`), even through a descriptor opened before, with `EPERM`, and
/// takes changes again once the flag is lifted: a database file turned read-only under a running
/// server, and back. (tmpfs takes the flag but goes on writing through open descriptors; a
/// read-only remount is refused while the server holds its files open for writing.)
struct Ext4 {
    dir: tempfile::TempDir,
    _image: tempfile::TempDir,
}

impl Ext4 {
    /// Makes and mounts one of `mib` MiB; `None` where this user may not mount.
    fn mount(mib: u64) -> Option<Ext4> {
        let image_dir = tempfile::tempdir().unwrap();
        let image = image_dir.path().join("ext4.img");
        std::fs::File::create(&image)
            .unwrap()
            .set_len(mib << 20)
            .unwrap();
        let made = std::process::Command::new("mkfs.ext4")
            .args(["-q", "-F"])
            .arg(&image)
            .status()
            .is_ok_and(|s| s.success());
        let dir = tempfile::tempdir().unwrap();
        let mounted = made
            && std::process::Command::new("mount")
                .args(["-o", "loop"])
                .arg(&image)
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
        mounted.then_some(Ext4 {
            dir,
            _image: image_dir,
        })
    }
}

impl Drop for Ext4 {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .args(["-R", "-i"])
            .arg(self.dir.path())
            .status();
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Sets (`+i`) or lifts (`-i`) the immutable flag of `files`.
fn chattr(flag: &str, files: &[std::path::PathBuf]) {
    let ok = std::process::Command::new("chattr")
        .arg(flag)
        .args(files)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "chattr {flag} {files:?}");
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Asserts a 503 problem with a positive `Retry-After`.
async fn assert_unavailable(r: reqwest::Response) {
    let status = r.status();
    let after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body = r.text().await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(after.is_some_and(|s| s > 0), "no Retry-After: {body}");
    assert!(body.contains("\"unavailable\""), "{body}");
}

/// Sends the request `send` makes until it is answered `want`, every other answer being a 503
/// with `Retry-After`; fails if that takes 30 s. Answers the wanted response.
async fn until_recovered<F, Fut>(want: StatusCode, mut send: F) -> reqwest::Response
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let started = Instant::now();
    loop {
        let r = send().await;
        if r.status() == want {
            return r;
        }
        assert_unavailable(r).await;
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no recovery within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// How many customer reads the audit trail holds.
fn audited_reads(app: &TestApp) -> i64 {
    app.raw()
        .scalar(
            Scope::System,
            true,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'customer.read'",
        )
        .unwrap()
}

/// Fills the file system holding `dir` with a ballast file; answers its path.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("ballast");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0x5a_u8; 64 * 1024];
    loop {
        if f.write_all(&chunk).is_err() || f.sync_all().is_err() {
            break;
        }
    }
    // What a page or two of slack might still take.
    while f.write_all(&chunk[..512]).is_ok() && f.sync_all().is_ok() {}
    path
}

#[tokio::test]
async fn a_full_disk_answers_503_with_retry_after_and_the_server_recovers_by_itself() {
    // The embedded store's fault: run once, in the SQLite pass of the suite.
    if on_postgres() {
        return;
    }
    if !is_root() {
        eprintln!("skipped: mounting a small file system needs root (CI runs as root)");
        return;
    }
    let fs = Tmpfs::mount("64m").expect("mount a tmpfs");
    let app = spawn_on_sqlite_in(fs.0.path()).await;
    let mut acknowledged = Vec::new();
    for i in 0..5 {
        let c = app
            .customer(json!({"first_name": "Disk", "last_name": format!("Before{i}"), "email": format!("before{i}@example.org")}))
            .await;
        acknowledged.push(c["id"].as_str().unwrap().to_owned());
    }
    let ballast = fill(fs.0.path());

    // Writes until the database needs room it cannot have (its files may have some slack):
    // each answer is 201 or 503 with Retry-After, never anything else.
    let mut refused = 0;
    for i in 0..4000 {
        let r = app
            .create(&app.owner, json!({"first_name": "Disk", "last_name": format!("Full{i}"), "note": "x".repeat(1800)}))
            .await;
        match r.status() {
            StatusCode::CREATED => {
                let c: Value = r.json().await.unwrap();
                acknowledged.push(c["id"].as_str().unwrap().to_owned());
            }
            _ => {
                assert_unavailable(r).await;
                refused += 1;
                if refused == 3 {
                    break;
                }
            }
        }
    }
    assert_eq!(refused, 3, "the full disk never refused a write");
    eprintln!(
        "disk full: {} writes acknowledged, then 3 refused",
        acknowledged.len()
    );
    // A read must not hand out data whose audit event cannot be written.
    let r = app
        .get(&app.owner, &format!("/v1/customers/{}", acknowledged[0]))
        .await;
    if r.status() != StatusCode::OK {
        assert_unavailable(r).await;
    } else {
        // Answered: then its audit event is in the trail once the disk has room again.
        drop(r);
    }
    let reads = || audited_reads(&app);
    let reads_before = reads();

    // Room again: the server recovers without a restart.
    std::fs::remove_file(&ballast).unwrap();
    let r = until_recovered(StatusCode::CREATED, || {
        app.create(
            &app.owner,
            json!({"first_name": "Disk", "last_name": "After"}),
        )
    })
    .await;
    let c: Value = r.json().await.unwrap();
    acknowledged.push(c["id"].as_str().unwrap().to_owned());
    // Nothing acknowledged is lost; the chain holds.
    for id in &acknowledged {
        let r = app.get(&app.owner, &format!("/v1/customers/{id}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{id} lost");
    }
    let reads_after = reads();
    assert!(reads_after >= reads_before + acknowledged.len() as i64);
    verify_chain(&app);
}

#[tokio::test]
async fn a_read_only_database_file_answers_503_with_retry_after_and_the_server_recovers_by_itself()
{
    // The embedded store's fault: run once, in the SQLite pass of the suite.
    if on_postgres() {
        return;
    }
    if !is_root() {
        eprintln!("skipped: mounting a file system and chattr +i need root (CI runs as root)");
        return;
    }
    let fs = Ext4::mount(64).expect("mount an ext4 image on a loop device");
    let app = spawn_on_sqlite_in(fs.dir.path()).await;
    let mut acknowledged = Vec::new();
    for i in 0..5 {
        let c = app
            .customer(json!({"first_name": "Ro", "last_name": format!("Before{i}"), "email": format!("ro{i}@example.org")}))
            .await;
        acknowledged.push(c["id"].as_str().unwrap().to_owned());
    }
    let customers = || app.sql_count("SELECT COUNT(*) FROM customers");
    let before = customers();
    let reads = || audited_reads(&app);
    let reads_before = reads();

    // Both databases and their write-ahead logs read-only, under the running server. (Not the
    // shared-memory index SQLite maps into memory: the kernel answers a write to a mapped
    // immutable page with SIGBUS, which no server survives; an administrator's `chmod` or a
    // read-only remount does not reach a mapping either.)
    let data = &app.settings.data_dir;
    let files: Vec<_> = ["custos.db", "custos.db-wal", "audit.db", "audit.db-wal"]
        .iter()
        .map(|f| data.join(f))
        .collect();
    for f in &files {
        assert!(f.exists(), "{} is not where expected", f.display());
    }
    chattr("+i", &files);

    // Every write is refused with 503 and Retry-After: a create, an update, an erasure.
    for i in 0..10 {
        let r = app
            .create(
                &app.owner,
                json!({"first_name": "Ro", "last_name": format!("During{i}")}),
            )
            .await;
        assert_unavailable(r).await;
    }
    let r = app
        .patch(
            &app.owner,
            &acknowledged[1],
            Some("\"1\""),
            json!({"first_name": "Changed"}),
        )
        .await;
    assert_unavailable(r).await;
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/customers/{}", acknowledged[2]),
            &app.owner,
        )
        .send()
        .await
        .unwrap();
    assert_unavailable(r).await;
    // A read must not hand out data whose audit event cannot be written: refused, or its event
    // is in the trail once the files are writable again.
    let r = app
        .get(&app.owner, &format!("/v1/customers/{}", acknowledged[0]))
        .await;
    let read = r.status();
    if read != StatusCode::OK {
        assert_unavailable(r).await;
    }
    // Writable again: the server recovers without a restart.
    chattr("-i", &files);
    let writable = Instant::now();
    let r = until_recovered(StatusCode::CREATED, || {
        app.create(
            &app.owner,
            json!({"first_name": "Ro", "last_name": "After"}),
        )
    })
    .await;
    eprintln!(
        "read-only: 12 writes refused, a read answered {read}; recovered {:?} after the files were writable",
        writable.elapsed()
    );
    let c: Value = r.json().await.unwrap();
    acknowledged.push(c["id"].as_str().unwrap().to_owned());
    for id in &acknowledged {
        let r = app.get(&app.owner, &format!("/v1/customers/{id}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{id} lost");
        let c: Value = r.json().await.unwrap();
        assert_eq!(
            c["fields"]["first_name"], "Ro",
            "a refused update took effect: {c}"
        );
    }
    // Nothing refused is half-present: one more customer than before, the one just made.
    assert_eq!(customers(), before + 1, "a refused create left a row");
    assert!(reads() >= reads_before + acknowledged.len() as i64);
    verify_chain(&app);
}

/// A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, new ones
/// refused) and restore: PostgreSQL gone and back, as the server sees it, without stopping the
/// server other tests share.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    target: Arc<OnceLock<String>>,
    live: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start() -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let target: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
        let live: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (u, t, l) = (up.clone(), target.clone(), live.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let Some(to) = t.get().cloned().filter(|_| u.load(Ordering::SeqCst)) else {
                    drop(client);
                    continue;
                };
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&to).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().unwrap().push(task.abort_handle());
            }
        });
        Proxy {
            port,
            up,
            target,
            live,
        }
    }

    /// The URL through the proxy for a PostgreSQL URL (whose host it will forward to).
    fn route(&self, url: &str) -> String {
        let (head, rest) = url.split_once('@').expect("a URL with a user");
        let (host, tail) = rest.split_once('/').expect("a URL with a database");
        let _ = self.target.set(if host.contains(':') {
            host.to_owned()
        } else {
            format!("{host}:5432")
        });
        format!("{head}@127.0.0.1:{}/{tail}", self.port)
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for t in self.live.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// A PostgreSQL server of the test's own (`initdb` into a temporary dir, a port of its own),
/// which it stops (`pg_ctl stop -m fast`: sessions ended, a checkpoint, the process gone) and
/// starts again for real, without disturbing the tests sharing the machine's server. As root,
/// PostgreSQL's commands run as the `postgres` user (PostgreSQL refuses to run as root).
struct OwnPostgres {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
    /// Whether its commands run as the `postgres` user (the test runs as root).
    as_postgres: bool,
}

impl OwnPostgres {
    /// Makes and starts one; `None` where PostgreSQL's programs are not installed.
    fn start() -> Option<OwnPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("pg_ctl").exists())
            .max()?;
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let ok = std::process::Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown postgres {}", dir.path().display());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = OwnPostgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        pg.run(
            "initdb",
            &[
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            true,
        );
        pg.up();
        Some(pg)
    }

    /// Runs one of PostgreSQL's programs on the data dir; asserts success if `must`.
    fn run(&self, program: &str, args: &[&str], must: bool) {
        let data = self.dir.path().join("data");
        let mut cmd = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(program));
            c
        } else {
            std::process::Command::new(self.bin.join(program))
        };
        let out = cmd.arg("-D").arg(&data).args(args).output().unwrap();
        assert!(
            !must || out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it takes connections.
    fn up(&self) {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log");
        let log = log.to_str().unwrap();
        self.run("pg_ctl", &["-w", "-l", log, "-o", &opts, "start"], true);
    }

    /// Stops the server the way an administrator or a package upgrade does.
    fn down(&self) {
        self.run("pg_ctl", &["-w", "-m", "fast", "stop"], true);
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.run("pg_ctl", &["-w", "-m", "immediate", "stop"], false);
    }
}

/// How the test takes PostgreSQL away and gives it back.
enum Outage {
    /// The shared server behind a proxy that drops and refuses connections.
    Proxy(Proxy),
    /// A server of the test's own, stopped and started (off the runtime: `pg_ctl` waits).
    Stopped(Arc<OwnPostgres>),
}

impl Outage {
    async fn begin(&self) {
        match self {
            Outage::Proxy(p) => p.cut(),
            Outage::Stopped(pg) => {
                let pg = pg.clone();
                tokio::task::spawn_blocking(move || pg.down())
                    .await
                    .unwrap();
            }
        }
    }

    async fn end(&self) {
        match self {
            Outage::Proxy(p) => p.restore(),
            Outage::Stopped(pg) => {
                let pg = pg.clone();
                tokio::task::spawn_blocking(move || pg.up()).await.unwrap();
            }
        }
    }
}

/// What the load was told: the status, the created customer's id, and whether a `Retry-After`
/// came with it.
type Answer = (u16, Option<String>, bool);

#[tokio::test]
async fn postgres_gone_and_back_under_load_answers_503_then_recovers_and_loses_nothing() {
    // On PostgreSQL whatever the pass: run once, in the PostgreSQL pass of the suite.
    if !on_postgres() {
        return;
    }
    // A request left hanging is the failure this guards against: it fails the test, not CI.
    let proxy = Proxy::start().await;
    let app = spawn_on_postgres(|s| {
        s.database_url = s.database_url.as_deref().map(|u| proxy.route(u));
    })
    .await;
    tokio::time::timeout(
        Duration::from_secs(240),
        postgres_outage_under_load(app, Outage::Proxy(proxy)),
    )
    .await
    .expect("the outage scenario did not finish within 4 minutes: a request hung");
}

#[tokio::test]
async fn postgres_stopped_and_started_under_load_answers_503_then_recovers_and_loses_nothing() {
    // In the PostgreSQL pass, where PostgreSQL is installed.
    if !on_postgres() {
        return;
    }
    let pg = OwnPostgres::start().expect("PostgreSQL's programs under /usr/lib/postgresql");
    let app = spawn_on_postgres_at(&pg.admin_url()).await;
    tokio::time::timeout(
        Duration::from_secs(240),
        postgres_outage_under_load(app, Outage::Stopped(Arc::new(pg))),
    )
    .await
    .expect("the outage scenario did not finish within 4 minutes: a request hung");
}

async fn postgres_outage_under_load(app: TestApp, outage: Outage) {
    let app = Arc::new(app);
    let stop = Arc::new(AtomicBool::new(false));
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let mut load = Vec::new();
    for w in 0..4 {
        let (app, stop, answers) = (app.clone(), stop.clone(), answers.clone());
        load.push(tokio::spawn(async move {
            let mut k = 0;
            while !stop.load(Ordering::SeqCst) {
                k += 1;
                let r = app
                    .create(
                        &app.owner,
                        json!({"first_name": "Pg", "last_name": format!("Load{w}x{k}")}),
                    )
                    .await;
                let status = r.status().as_u16();
                let retry = r.headers().contains_key("retry-after");
                let id = if status == 201 {
                    let c: Value = r.json().await.unwrap();
                    c["id"].as_str().map(str::to_owned)
                } else {
                    let body = r.text().await.unwrap();
                    assert_eq!(status, 503, "{body}");
                    None
                };
                answers.lock().unwrap().push((status, id, retry));
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    eprintln!("{} answers before the cut", answers.lock().unwrap().len());
    outage.begin().await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let during = answers.lock().unwrap().len();
    eprintln!("{during} answers 4 s after the cut");
    // While it is gone: reads are refused too, not answered without their audit event.
    let r = app.get(&app.owner, "/v1/customers?limit=1").await;
    assert_unavailable(r).await;
    outage.end().await;
    eprintln!("restored");
    // Back: the server recovers by itself.
    until_recovered(StatusCode::OK, || {
        app.get(&app.owner, "/v1/customers?limit=1")
    })
    .await;
    eprintln!("reads recovered");
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    for l in load {
        l.await.unwrap();
    }
    let answers = answers.lock().unwrap().clone();
    eprintln!("load stopped after {} answers", answers.len());
    let refused = answers.iter().filter(|a| a.0 == 503).count();
    assert!(refused > 0, "the cut refused nothing ({during} answers)");
    assert!(
        answers.iter().filter(|a| a.0 == 503).all(|a| a.2),
        "a 503 without Retry-After"
    );
    let created: Vec<&String> = answers.iter().filter_map(|a| a.1.as_ref()).collect();
    assert!(
        answers.last().is_some_and(|a| a.0 == 201),
        "writes did not recover"
    );
    // Every acknowledged create is there.
    for id in &created {
        let r = app.get(&app.owner, &format!("/v1/customers/{id}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{id} lost");
    }
    let r = app
        .req(Method::GET, "/v1/audit/verify", &app.owner)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["ok"], true, "{v}");
    // The server goes before its database does.
    drop(app);
    drop(outage);
}
