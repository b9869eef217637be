//! `custos-bench`: sets up a data dir of N synthetic customers, drives the real custos server
//! (a release build of the `custos` binary, as a separate process) over HTTPS on loopback with
//! concurrent keep-alive connections, runs the same work against a plaintext baseline (the
//! same SQLite settings and API shapes, no encryption, no blind indexes, no audit), and prints
//! a table of throughput, latency percentiles and server memory with the ratio custos /
//! baseline. See BENCHMARKS.md.

mod baseline;
mod data;
mod load;
mod report;
mod soak;

/// The allocator custos uses, so that the baseline is measured on the same one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use custos_store::testdb::TestDatabase;
use load::{Conn, Step, Target};
use reqwest::Method;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "custos-bench",
    about = "custos's load harness: every scenario against custos and a plaintext baseline"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the scenarios and print (and write) the report.
    Run(RunArgs),
    /// The POS mix against custos alone for minutes at a bounded rate, sampling the server's
    /// memory and open descriptors (soak.md); fails if any request failed.
    Soak(soak::SoakArgs),
    /// Write the synthetic Shopify export of `customers` customers that `run` imports (for
    /// profiling one step on its own).
    Data {
        #[arg(long, default_value_t = 10000)]
        customers: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// The growth table and chart of reports written by earlier runs (their `results.json`),
    /// for sizes run one at a time.
    Growth {
        /// The runs' output directories (or their results.json files), in any order.
        #[arg(required = true, num_args = 2..)]
        runs: Vec<PathBuf>,
        /// Where growth.md and chart.svg are written.
        #[arg(long)]
        out: PathBuf,
    },
    /// The plaintext baseline (started by `run`).
    Baseline {
        #[command(subcommand)]
        command: BaselineCmd,
    },
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// Customers to set up; several sizes (`10000,100000,1000000`) run one after another and
    /// add the growth table and chart.
    #[arg(long, value_delimiter = ',', default_value = "10000")]
    customers: Vec<u64>,
    /// Purchases recorded for each customer during set-up.
    #[arg(long, default_value_t = 2)]
    records: u64,
    /// Seconds each load scenario runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Connections of the throughput runs (the latency runs use 8).
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Where the report (report.md, results.json) is written.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// The custos binary (default: next to this one).
    #[arg(long)]
    custos: Option<PathBuf>,
    /// Run custos and the baseline on PostgreSQL: an administrator's URL
    /// (postgres://postgres@127.0.0.1:5432/postgres); fresh databases are made for the run and
    /// dropped after it.
    #[arg(long)]
    postgres: Option<String>,
    /// Keep the run's data (custos's data dir, the baseline's database, the export) instead of
    /// deleting it, and print where it is: for profiling one step afterwards.
    #[arg(long)]
    keep: bool,
}

#[derive(Subcommand)]
enum BaselineCmd {
    /// Serve the plaintext API.
    Serve {
        #[command(flatten)]
        at: At,
        #[arg(long)]
        listen: std::net::SocketAddr,
        #[arg(long)]
        cert: PathBuf,
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        token: String,
    },
    /// Import a Shopify export.
    Import {
        #[command(flatten)]
        at: At,
        file: PathBuf,
    },
    /// Delete purchases older than a time (Unix seconds).
    Sweep {
        #[command(flatten)]
        at: At,
        #[arg(long)]
        before: i64,
    },
    /// Copy the database.
    Backup {
        #[command(flatten)]
        at: At,
        #[arg(long)]
        out: PathBuf,
    },
    /// Put a copy in place in a new dir (or an empty PostgreSQL database).
    Restore {
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        at: At,
    },
}

/// Where the baseline's rows are: `baseline.db` in `--dir`, or the PostgreSQL database `--pg`.
#[derive(clap::Args)]
struct At {
    #[arg(long)]
    dir: PathBuf,
    #[arg(long)]
    pg: Option<String>,
}

impl At {
    fn place(self) -> baseline::Place {
        baseline::Place::new(&self.dir, self.pg)
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("custos-bench: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let r = rt.block_on(async {
        match cli.command {
            Cmd::Run(args) => run(args).await,
            Cmd::Soak(args) => soak::soak(args).await,
            Cmd::Data { customers, out } => {
                std::fs::write(&out, data::shopify_csv(customers)).map_err(anyhow::Error::from)
            }
            Cmd::Growth { runs, out } => report::growth_of(&runs, &out),
            Cmd::Baseline { command } => match command {
                BaselineCmd::Serve {
                    at,
                    listen,
                    cert,
                    key,
                    token,
                } => baseline::serve(at.place(), listen, cert, key, token).await,
                // The synchronous PostgreSQL client runs off the async runtime.
                BaselineCmd::Import { at, file } => {
                    let n = blocking(move || baseline::import(&at.place(), &file)).await?;
                    println!("{n} rows");
                    Ok(())
                }
                BaselineCmd::Sweep { at, before } => {
                    let n = blocking(move || baseline::sweep(&at.place(), before)).await?;
                    println!("{n} deleted");
                    Ok(())
                }
                BaselineCmd::Backup { at, out } => {
                    blocking(move || baseline::backup(&at.place(), &out)).await
                }
                BaselineCmd::Restore { from, at } => {
                    blocking(move || baseline::restore(&from, &at.place())).await
                }
            },
        }
    });
    match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custos-bench: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

/// `f` on a thread where blocking is allowed.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f).await?
}

/// A server under test: its process and how to reach it.
struct Server {
    child: Child,
    target: Target,
    started_in: Duration,
}

/// A server is never left running: an error or a panic of the harness ends it too.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stop(&mut self) -> anyhow::Result<()> {
        // SIGTERM: custos finishes in-flight requests and closes its store cleanly.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill()?;
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn wait_healthy(target: &Target, child: &mut Child) -> anyhow::Result<()> {
    let c = target.client()?;
    for _ in 0..600 {
        if let Some(status) = child.try_wait()? {
            bail!("the server exited at start ({status})");
        }
        if let Ok(r) = c.get(format!("{}/healthz", target.base)).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bail!("the server did not answer /healthz within 3 s")
}

const PASSWORD: &str = "a long benchmark passphrase";
const BASE_TOKEN: &str = "baseline-token-for-the-benchmark";

fn run_cmd(cmd: &mut Command, what: &str) -> anyhow::Result<Duration> {
    let t = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    Ok(t.elapsed())
}

/// Everything a run uses.
struct Bench {
    custos: PathBuf,
    me: PathBuf,
    dir: PathBuf,
    cert: Vec<u8>,
    report: report::Report,
    /// On PostgreSQL: the databases of the run.
    pg: Option<PgDatabases>,
}

/// The databases of a run on PostgreSQL, dropped with it.
struct PgDatabases {
    custos: TestDatabase,
    baseline: TestDatabase,
    /// Where the baseline's backup is restored.
    restored: TestDatabase,
}

impl Bench {
    /// A bench in `dir` (a new temporary directory) for a run of `n` customers.
    fn new(
        args: &RunArgs,
        n: u64,
        dir: &std::path::Path,
        pg: Option<PgDatabases>,
    ) -> anyhow::Result<Self> {
        let me = std::env::current_exe()?;
        let custos = args
            .custos
            .clone()
            .unwrap_or_else(|| me.with_file_name("custos"));
        if !custos.exists() {
            bail!(
                "no custos binary at {}: build both with `cargo build --release -p custos -p custos-bench`",
                custos.display()
            );
        }
        Ok(Bench {
            custos,
            me,
            dir: dir.to_owned(),
            cert: Vec::new(),
            report: report::Report::new(args, n),
            pg,
        })
    }

    /// `custos init` (retail template, a Polish business) and `custos import shopify` of `n`
    /// synthetic customers: the export's path and the import's time.
    fn set_up_custos(&mut self, n: u64) -> anyhow::Result<(PathBuf, Duration)> {
        run_cmd(
            Command::new(&self.custos)
                .args([
                    "init",
                    "--business",
                    "Bench Shop",
                    "--country",
                    "PL",
                    "--template",
                    "retail",
                ])
                .arg("--data-dir")
                .arg(self.custos_dir())
                .args(
                    self.pg
                        .iter()
                        .flat_map(|dbs| ["--database-url", dbs.custos.url()]),
                )
                .env("CUSTOS_OWNER_PASSWORD", PASSWORD),
            "custos init",
        )?;
        self.cert = std::fs::read(self.custos_dir().join("tls/cert.pem"))?;
        let csv = self.dir.join("customers_export.csv");
        std::fs::write(&csv, data::shopify_csv(n))?;
        let took = run_cmd(
            Command::new(&self.custos)
                .args(["import", "shopify"])
                .arg(&csv)
                .arg("--data-dir")
                .arg(self.custos_dir()),
            "custos import",
        )?;
        Ok((csv, took))
    }

    fn custos_dir(&self) -> PathBuf {
        self.dir.join("custos")
    }

    /// The arguments that tell the baseline where its rows are (`restored`: its restored copy).
    fn base_at(&self, restored: bool) -> Vec<std::ffi::OsString> {
        let dir = self.dir.join(if restored {
            "baseline-restored"
        } else {
            "baseline"
        });
        let mut out = vec!["--dir".into(), dir.into_os_string()];
        if let Some(dbs) = &self.pg {
            out.push("--pg".into());
            let db = if restored {
                &dbs.restored
            } else {
                &dbs.baseline
            };
            out.push(db.url().into());
        }
        out
    }

    async fn start_custos(&self) -> anyhow::Result<Server> {
        let port = free_port()?;
        let t = Instant::now();
        let child = Command::new(&self.custos)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(self.custos_dir())
            .env("CUSTOS_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let target = Target {
            base: format!("https://localhost:{port}"),
            token: String::new(),
            cert: self.cert.clone(),
            addr: ([127, 0, 0, 1], port).into(),
        };
        let mut server = Server {
            child,
            target: target.clone(),
            started_in: Duration::ZERO,
        };
        wait_healthy(&target, &mut server.child).await?;
        server.started_in = t.elapsed();
        let r: serde_json::Value = target
            .client()?
            .post(format!("{}/v1/auth/token", target.base))
            .json(&serde_json::json!({"username": "owner", "password": PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        server.target.token = r["token"]
            .as_str()
            .context("custos gave no token")?
            .to_owned();
        Ok(server)
    }

    async fn start_baseline(&self) -> anyhow::Result<Server> {
        let port = free_port()?;
        let t = Instant::now();
        let cd = self.custos_dir();
        let child = Command::new(&self.me)
            .args([
                "baseline",
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .args(self.base_at(false))
            .arg("--cert")
            .arg(cd.join("tls/cert.pem"))
            .arg("--key")
            .arg(cd.join("tls/key.pem"))
            .args(["--token", BASE_TOKEN])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let target = Target {
            base: format!("https://localhost:{port}"),
            token: BASE_TOKEN.into(),
            cert: self.cert.clone(),
            addr: ([127, 0, 0, 1], port).into(),
        };
        let mut server = Server {
            child,
            target: target.clone(),
            started_in: Duration::ZERO,
        };
        wait_healthy(&target, &mut server.child).await?;
        server.started_in = t.elapsed();
        Ok(server)
    }
}

/// The ids of the customers, in creation order (custos pages by cursor; so does the baseline).
async fn all_ids(t: &Target) -> anyhow::Result<Vec<String>> {
    let c = t.client()?;
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/v1/customers?limit=200&cursor={cur}"),
            None => "/v1/customers?limit=200".into(),
        };
        let page: serde_json::Value = t.req(&c, Method::GET, &path).send().await?.json().await?;
        for it in page["items"].as_array().context("no items")? {
            ids.push(it["id"].as_str().unwrap_or_default().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
            None => break,
        }
    }
    Ok(ids)
}

/// A scenario's step over a shared list of customer ids.
fn step(
    f: impl for<'a> Fn(
            &'a Target,
            &'a mut Conn,
            &'a [String],
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>>
        + Send
        + Sync
        + 'static,
    ids: Arc<Vec<String>>,
) -> Step {
    let f = Arc::new(f);
    Arc::new(move |t, c| {
        let (f, ids) = (f.clone(), ids.clone());
        Box::pin(async move { f(t, c, &ids).await })
    })
}

/// A system under test with its customers' ids and the versions its updates set.
type Side<'a> = (&'a Server, Arc<Vec<String>>, Versions);

/// custos and the baseline, driven through the same scenarios one after the other.
struct Pair<'a> {
    custos: Side<'a>,
    baseline: Side<'a>,
    secs: Duration,
}

impl Pair<'_> {
    /// Runs a scenario on custos, then on the baseline; reports both; answers custos's RSS.
    async fn run(
        &self,
        report: &mut report::Report,
        label: &str,
        connections: usize,
        limit: Option<u64>,
        make: impl Fn(Arc<Vec<String>>, Versions) -> Step,
    ) -> anyhow::Result<f64> {
        eprintln!("custos-bench: {label}");
        let run = |(server, ids, versions): &Side<'_>| {
            let step = make(ids.clone(), versions.clone());
            let target = server.target.clone();
            let pid = server.pid();
            let secs = self.secs;
            async move {
                let stats = load::run(&target, connections, secs, limit, step).await?;
                Ok::<_, anyhow::Error>((stats, load::rss_mib(pid)))
            }
        };
        let (a, rss) = run(&self.custos).await?;
        let (z, base_rss) = run(&self.baseline).await?;
        report.load(label, &a, &z, rss, base_rss);
        Ok(rss)
    }
}

/// A GET that should answer 200.
async fn get(t: &Target, c: &Conn, path: &str) -> bool {
    ok(t.req(&c.client, Method::GET, path).send().await, 200).await
}

async fn ok(r: reqwest::Result<reqwest::Response>, want: u16) -> bool {
    match r {
        Ok(r) => {
            let s = r.status().as_u16();
            let _ = r.bytes().await;
            s == want
        }
        Err(_) => false,
    }
}

fn read_step(ids: Arc<Vec<String>>) -> Step {
    step(
        |t, c, ids| {
            Box::pin(async move {
                let id = &ids[c.below(ids.len())];
                get(t, c, &format!("/v1/customers/{id}")).await
            })
        },
        ids,
    )
}

fn search_step(n: u64, ids: Arc<Vec<String>>) -> Step {
    step(
        move |t, c, _| {
            Box::pin(async move {
                let i = c.below(n as usize) as u64;
                let email = data::customer(i).email;
                get(t, c, &format!("/v1/customers/search?email={email}")).await
            })
        },
        ids,
    )
}

fn typeahead_step(ids: Arc<Vec<String>>) -> Step {
    step(
        |t, c, _| {
            Box::pin(async move {
                let p = data::prefix(c.below(1000) as u64);
                get(t, c, &format!("/v1/customers/search?q={p}&limit=10")).await
            })
        },
        ids,
    )
}

fn create_step(ids: Arc<Vec<String>>, run: u64) -> Step {
    step(
        move |t, c, _| {
            Box::pin(async move {
                let body = data::new_customer(run, c.index as u64, c.count);
                ok(
                    t.req(&c.client, Method::POST, "/v1/customers")
                        .json(&body)
                        .send()
                        .await,
                    201,
                )
                .await
            })
        },
        ids,
    )
}

/// The versions the updates of one system have set, kept across scenarios (id → version).
type Versions = Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>;

/// Updates a customer of the connection's own share (so it knows the version it sends).
fn update_step(ids: Arc<Vec<String>>, connections: usize, versions: Versions) -> Step {
    step(
        move |t, c, ids| {
            let versions = versions.clone();
            Box::pin(async move {
                let share = (ids.len() / connections).max(1);
                let id = ids[(c.index * share + c.below(share)) % ids.len()].clone();
                let known = versions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&id)
                    .copied();
                let version = known.unwrap_or(1);
                let r = t
                    .req(&c.client, Method::PATCH, &format!("/v1/customers/{id}"))
                    .header("if-match", format!("\"{version}\""))
                    .json(&serde_json::json!({"fields": {"city": if version % 2 == 0 { "Gdańsk" } else { "Poznań" }}}))
                    .send()
                    .await;
                let good = ok(r, 200).await;
                if good {
                    versions
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id, version + 1);
                }
                good
            })
        },
        ids,
    )
}

/// Erases customers from the end of the list, each once (connections take turns).
fn erase_step(ids: Arc<Vec<String>>, connections: usize) -> Step {
    step(
        move |t, c, ids| {
            Box::pin(async move {
                let k = c.count as usize * connections + c.index;
                let Some(id) = ids.len().checked_sub(1 + k).map(|i| &ids[i]) else {
                    return false;
                };
                ok(
                    t.req(&c.client, Method::DELETE, &format!("/v1/customers/{id}"))
                        .send()
                        .await,
                    204,
                )
                .await
            })
        },
        ids,
    )
}

/// The counter of a POS: 70 % look-ups (search by e-mail or name, then read), 20 % a sale
/// recorded, 10 % an update.
fn pos_step(n: u64, ids: Arc<Vec<String>>, connections: usize, versions: Versions) -> Step {
    let update = update_step(ids.clone(), connections, versions);
    step(
        move |t, c, ids| {
            let update = update.clone();
            Box::pin(async move {
                let roll = c.below(100);
                if roll < 35 {
                    let email = data::customer(c.below(n as usize) as u64).email;
                    get(t, c, &format!("/v1/customers/search?email={email}")).await
                } else if roll < 70 {
                    let id = &ids[c.below(ids.len())];
                    get(t, c, &format!("/v1/customers/{id}")).await
                } else if roll < 90 {
                    let id = &ids[c.below(ids.len())];
                    let now = time::OffsetDateTime::now_utc()
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                    ok(
                        t.req(
                            &c.client,
                            Method::POST,
                            &format!("/v1/customers/{id}/records"),
                        )
                        .json(&data::purchase(c.count, &now))
                        .send()
                        .await,
                        201,
                    )
                    .await
                } else {
                    update(t, c).await
                }
            })
        },
        ids,
    )
}

/// Records `per` purchases for every customer (set-up, many connections); a tenth of the
/// customers get theirs eleven years ago, so that the retention sweep finds them expired.
async fn seed_records(t: &Target, ids: &Arc<Vec<String>>, per: u64) -> anyhow::Result<()> {
    if per == 0 {
        return Ok(());
    }
    let total = ids.len() as u64 * per;
    let old = (time::OffsetDateTime::now_utc() - time::Duration::days(11 * 366))
        .format(&time::format_description::well_known::Rfc3339)?;
    let recent = (time::OffsetDateTime::now_utc() - time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)?;
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let s = step(
        move |t, c, ids| {
            let (next, old, recent) = (next.clone(), old.clone(), recent.clone());
            Box::pin(async move {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let i = (k / per) as usize % ids.len();
                let at = if i.is_multiple_of(10) { &old } else { &recent };
                let id = &ids[i];
                ok(
                    t.req(
                        &c.client,
                        Method::POST,
                        &format!("/v1/customers/{id}/records"),
                    )
                    .json(&data::purchase(k, at))
                    .send()
                    .await,
                    201,
                )
                .await
            })
        },
        ids.clone(),
    );
    let st = load::run(t, 16, Duration::from_secs(3600 * 6), Some(total), s).await?;
    if st.errors > 0 {
        bail!("{} of {total} set-up records failed", st.errors);
    }
    Ok(())
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    if args.customers.is_empty() || args.customers.contains(&0) {
        bail!("--customers needs one or more sizes above 0");
    }

    let mut reports = Vec::new();
    for &n in &args.customers {
        let out = if args.customers.len() == 1 {
            args.out.clone()
        } else {
            args.out.join(n.to_string())
        };
        reports.push(run_one(&args, n, &out).await?);
    }
    if reports.len() > 1 {
        report::growth(&reports, &args.out)?;
    }
    Ok(())
}

/// One run at `n` customers; its report is written to `out`.
async fn run_one(args: &RunArgs, n: u64, out: &std::path::Path) -> anyhow::Result<report::Report> {
    let tmp = tempfile::tempdir()?;
    let pg = match &args.postgres {
        None => None,
        Some(admin) => {
            // Reached first, so that a wrong URL is a message, not a failed database creation.
            let a = admin.clone();
            tokio::task::spawn_blocking(move || {
                // Dropped here: a client must not be dropped on the async runtime.
                postgres::Client::connect(&a, postgres::NoTls).map(drop)
            })
            .await?
            .map_err(|e| anyhow::anyhow!("PostgreSQL at {admin}: {e}"))?;
            let a = admin.clone();
            Some(
                tokio::task::spawn_blocking(move || PgDatabases {
                    custos: TestDatabase::create_on(&a),
                    baseline: TestDatabase::create_on(&a),
                    restored: TestDatabase::create_on(&a),
                })
                .await?,
            )
        }
    };
    let mut b = Bench::new(args, n, tmp.path(), pg)?;
    eprintln!("custos-bench: {n} customers, {} records each", args.records);

    // Set-up: a new data dir; the same Shopify export into both.
    let (csv, custos_import) = b.set_up_custos(n)?;
    let base_import = run_cmd(
        Command::new(&b.me)
            .args(["baseline", "import"])
            .args(b.base_at(false))
            .arg(&csv),
        "baseline import",
    )?;
    b.report.once(
        "bulk import (rows/s)",
        n as f64 / custos_import.as_secs_f64(),
        n as f64 / base_import.as_secs_f64(),
        true,
    );

    let cs = b.start_custos().await?;
    let bs = b.start_baseline().await?;
    b.report.startup_ms = cs.started_in.as_secs_f64() * 1000.0;
    b.report.baseline_startup_ms = bs.started_in.as_secs_f64() * 1000.0;
    let cids = Arc::new(all_ids(&cs.target).await?);
    let bids = Arc::new(all_ids(&bs.target).await?);
    if cids.len() as u64 != n || bids.len() as u64 != n {
        bail!(
            "set-up made {} and {} customers, not {n}",
            cids.len(),
            bids.len()
        );
    }
    eprintln!(
        "custos-bench: recording {} purchases in each",
        n * args.records
    );
    seed_records(&cs.target, &cids, args.records).await?;
    seed_records(&bs.target, &bids, args.records).await?;

    let secs = Duration::from_secs(args.seconds);
    let conns = args.connections;
    let (cv, bv) = (Versions::default(), Versions::default());
    let pair = Pair {
        custos: (&cs, cids.clone(), cv),
        baseline: (&bs, bids.clone(), bv),
        secs,
    };
    // Read-only scenarios and creates, at the throughput concurrency and at a shop's (8).
    for c in [conns, 8] {
        pair.run(
            &mut b.report,
            &format!("read by id, {c} conn."),
            c,
            None,
            |ids, _| read_step(ids),
        )
        .await?;
    }
    for c in [conns, 8] {
        pair.run(
            &mut b.report,
            &format!("search by e-mail, {c} conn."),
            c,
            None,
            |ids, _| search_step(n, ids),
        )
        .await?;
    }
    for c in [conns, 8] {
        pair.run(
            &mut b.report,
            &format!("name type-ahead, {c} conn."),
            c,
            None,
            |ids, _| typeahead_step(ids),
        )
        .await?;
    }
    for c in [conns, 8] {
        pair.run(
            &mut b.report,
            &format!("create, {c} conn."),
            c,
            None,
            |ids, _| create_step(ids, c as u64),
        )
        .await?;
    }
    pair.run(
        &mut b.report,
        &format!("update with If-Match, {conns} conn."),
        conns,
        None,
        |ids, v| update_step(ids, conns, v),
    )
    .await?;
    b.report.pos_rss_mib = pair
        .run(
            &mut b.report,
            &format!("POS mix (70/20/10), {conns} conn."),
            conns,
            None,
            |ids, v| pos_step(n, ids, conns, v),
        )
        .await?;
    // Erasure: a tenth of the customers at most, each erased once.
    pair.run(
        &mut b.report,
        &format!("erasure, {conns} conn."),
        conns,
        Some((n / 10).max(1)),
        |ids, _| erase_step(ids, conns),
    )
    .await?;
    let (mut cs, mut bs) = (cs, bs);
    cs.stop()?;
    bs.stop()?;

    // Whole-store operations, the servers stopped.
    let before =
        (time::OffsetDateTime::now_utc() - time::Duration::days(10 * 366)).unix_timestamp();
    let sweep = run_cmd(
        Command::new(&b.custos)
            .args(["retention", "run"])
            .arg("--data-dir")
            .arg(b.custos_dir()),
        "custos retention run",
    )?;
    let base_sweep = run_cmd(
        Command::new(&b.me)
            .args(["baseline", "sweep", "--before", &before.to_string()])
            .args(b.base_at(false)),
        "baseline sweep",
    )?;
    b.report.once(
        "retention sweep, 10 % expired (customers/s)",
        n as f64 / sweep.as_secs_f64(),
        n as f64 / base_sweep.as_secs_f64(),
        true,
    );
    let verify_out = Command::new(&b.custos)
        .args(["audit", "verify"])
        .arg("--data-dir")
        .arg(b.custos_dir())
        .output()?;
    let t = Instant::now();
    let verify_again = Command::new(&b.custos)
        .args(["audit", "verify"])
        .arg("--data-dir")
        .arg(b.custos_dir())
        .output()?;
    let verify = t.elapsed();
    let events = report::events_of(&String::from_utf8_lossy(&verify_again.stdout))
        .or_else(|| report::events_of(&String::from_utf8_lossy(&verify_out.stdout)))
        .unwrap_or(0);
    b.report.audit = Some((events, events as f64 / verify.as_secs_f64()));
    let backup = b.dir.join("custos.backup");
    let backup_t = run_cmd(
        Command::new(&b.custos)
            .args(["backup", "create", "--out"])
            .arg(&backup)
            .arg("--data-dir")
            .arg(b.custos_dir()),
        "custos backup create",
    )?;
    let restore_t = run_cmd(
        Command::new(&b.custos)
            .args(["backup", "restore"])
            .arg(&backup)
            .arg("--data-dir")
            .arg(b.dir.join("restored"))
            .arg("--identity")
            .arg(b.custos_dir().join("backup.age-identity"))
            .arg("--master-key")
            .arg(b.custos_dir().join("master.key"))
            .arg("--live-data-dir")
            .arg(b.custos_dir()),
        "custos backup restore",
    )?;
    let base_copy = b.dir.join("baseline.copy");
    let base_backup = run_cmd(
        Command::new(&b.me)
            .args(["baseline", "backup", "--out"])
            .arg(&base_copy)
            .args(b.base_at(false)),
        "baseline backup",
    )?;
    let base_restore = run_cmd(
        Command::new(&b.me)
            .args(["baseline", "restore", "--from"])
            .arg(&base_copy)
            .args(b.base_at(true)),
        "baseline restore",
    )?;
    b.report.once(
        "backup create (s)",
        backup_t.as_secs_f64(),
        base_backup.as_secs_f64(),
        false,
    );
    b.report.once(
        "backup restore (s)",
        restore_t.as_secs_f64(),
        base_restore.as_secs_f64(),
        false,
    );
    b.report.finish(out)?;
    if args.keep {
        eprintln!(
            "custos-bench: the run's data is kept in {}",
            tmp.keep().display()
        );
    }
    Ok(b.report)
}
