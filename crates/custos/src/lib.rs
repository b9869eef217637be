//! The `custos` binary's library: the command line, `init` (a new data dir), `start` (a running
//! server, also used by the tests' `spawn_app`), and the administrative commands.

pub mod advisories;
pub mod audit_export;
pub mod backup;
pub mod cli;
pub mod config;
pub mod keys;
pub mod migrate;
pub mod outbox;
pub mod schedule;
pub mod telemetry;

use anyhow::{bail, Context};
use config::{Overrides, Settings, AUDIT_KEY_FILE, CONFIG_FILE, MASTER_KEY_FILE};
use custos_core::clock::{Clock, SystemClock};
use custos_core::vault::VaultSettings;
use custos_core::Vault;
use custos_crypto::Key32;
use custos_server::{AppState, HttpOptions};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

/// What `init` needs.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The data dir to create.
    pub data_dir: PathBuf,
    /// The business name.
    pub business: String,
    /// The tenant's short name (derived from the business name when `None`).
    pub slug: Option<String>,
    /// The template.
    pub template: String,
    /// The owner's username.
    pub owner: String,
    /// Default country for phone numbers.
    pub country: String,
    /// The owner's password (`None`: generated).
    pub owner_password: Option<Zeroizing<String>>,
    /// PostgreSQL instead of the embedded database (written to the configuration).
    pub database_url: Option<String>,
}

/// What `init` made.
pub struct InitReport {
    /// The tenant's short name.
    pub slug: String,
    /// The owner's password, when generated (print once).
    pub generated_password: Option<Zeroizing<String>>,
}

pub(crate) fn write_secret(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(contents)?;
    f.sync_all()?;
    Ok(())
}

/// Makes a short name from a business name: `Anna's Optik` → `annas-optik`.
pub fn slugify(name: &str) -> String {
    let folded = custos_core::values::name_words(name).join("-");
    let mut s: String = folded.chars().take(40).collect();
    while s.ends_with('-') {
        s.pop();
    }
    if s.len() < 2 {
        "shop".to_owned()
    } else {
        s
    }
}

/// Creates a data dir: config, master key (0600), audit signing key (0600), TLS certificate and
/// key, the databases, one tenant from the template and its owner. Refuses a data dir that
/// exists and is not empty.
pub async fn init(o: InitOptions) -> anyhow::Result<InitReport> {
    use std::os::unix::fs::PermissionsExt;
    let dir = &o.data_dir;
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} exists and is not empty; custos init never touches an existing data dir",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    let result = init_inner(&o).await;
    if result.is_err() {
        // Leave nothing half-made behind: a later init must find the dir empty.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
    }
    result
}

async fn init_inner(o: &InitOptions) -> anyhow::Result<InitReport> {
    let dir = &o.data_dir;
    let slug = match &o.slug {
        Some(s) => s.clone(),
        None => slugify(&o.business),
    };
    let generated = o.owner_password.is_none();
    let password = match &o.owner_password {
        Some(p) => p.clone(),
        None => custos_crypto::random_token_text(18),
    };
    custos_core::password::check(
        &password,
        custos_core::password::Context {
            username: &o.owner,
            business: &o.business,
            mfa: false,
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;

    let master = Key32::generate();
    write_secret(
        &dir.join(MASTER_KEY_FILE),
        format!("{}\n", &*master.to_hex()).as_bytes(),
    )?;
    let audit_key = custos_crypto::signing::AuditSigningKey::generate();
    write_secret(
        &dir.join(AUDIT_KEY_FILE),
        format!("{}\n", &*audit_key.to_hex()).as_bytes(),
    )?;
    std::fs::write(
        dir.join("audit-signing.pub"),
        format!("{}\n", audit_key.public_hex()),
    )?;

    let tls_dir = dir.join("tls");
    std::fs::create_dir_all(&tls_dir)?;
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Ok(h) = std::fs::read_to_string("/etc/hostname") {
        let h = h.trim();
        if !h.is_empty() && !names.iter().any(|n| n == h) {
            names.push(h.to_owned());
        }
    }
    let cert =
        rcgen::generate_simple_self_signed(names).context("cannot make the TLS certificate")?;
    std::fs::write(tls_dir.join("cert.pem"), cert.cert.pem())?;
    write_secret(
        &tls_dir.join("key.pem"),
        cert.key_pair.serialize_pem().as_bytes(),
    )?;

    // Backups are encrypted to this identity's recipient; the identity belongs off the server.
    let recipient = backup::generate_identity(
        &dir.join(backup::IDENTITY_FILE),
        time::OffsetDateTime::now_utc(),
    )?;
    let location = custos_store::Location::parse(o.database_url.as_deref(), dir)?;
    let file = config::FileConfig {
        listen: Some(config::DEFAULT_LISTEN.to_owned()),
        database_url: o.database_url.clone(),
        tls_cert: Some(PathBuf::from("tls/cert.pem")),
        tls_key: Some(PathBuf::from("tls/key.pem")),
        backup_recipients: Some(vec![recipient]),
        ..Default::default()
    };
    let toml_text = format!(
        "# custos configuration. Every key can also be set as CUSTOS_<KEY> or a flag.\n# The master key is in {MASTER_KEY_FILE}: keep a copy OFF this machine.\n{}",
        toml::to_string(&file)?
    );
    std::fs::write(dir.join(CONFIG_FILE), toml_text)?;

    let store = custos_store::open_async(&location).await?;
    if !custos_core::store::Store::tenants(store.as_ref())
        .await?
        .is_empty()
    {
        store.close();
        bail!("{location} already holds businesses under another master key; to run another instance, copy the data dir of one that serves it (custos.toml, the keys, tls/)");
    }
    let vault = Vault::new(
        store.clone(),
        master,
        Arc::new(SystemClock),
        VaultSettings::default(),
    );
    let business = o.business.trim();
    if business.is_empty() || business.chars().count() > 200 {
        bail!("the business name must have 1 to 200 characters");
    }
    let r = vault
        .create_tenant(
            &slug,
            business,
            &o.template,
            &o.country,
            &o.owner,
            &password,
        )
        .await;
    // The first signed checkpoint: from now on a truncated trail is detectable.
    let signed = match &r {
        Ok(_) => custos_core::trail::checkpoint(store.as_ref(), &audit_key, vault.now())
            .await
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("{e}")),
        Err(_) => Ok(()),
    };
    store.close();
    r.map_err(|e| anyhow::anyhow!("{e}"))?;
    signed?;
    Ok(InitReport {
        slug,
        generated_password: generated.then_some(password),
    })
}

/// Reads the master key from its file, refusing a file others may read.
pub fn read_master_key(path: &Path) -> anyhow::Result<Key32> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the master key {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        bail!(
            "the master key {} may be read by others; run: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the master key {}", path.display()))?,
    );
    Key32::from_hex(&text)
        .map_err(|e| anyhow::anyhow!("the master key {} is not valid: {e}", path.display()))
}

/// Reads the audit signing key, refusing a file others may read.
pub fn read_audit_key(path: &Path) -> anyhow::Result<custos_crypto::signing::AuditSigningKey> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the audit signing key {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        bail!(
            "the audit signing key {} may be read by others; run: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
    let text = Zeroizing::new(std::fs::read_to_string(path)?);
    custos_crypto::signing::AuditSigningKey::from_hex(&text)
        .map_err(|e| anyhow::anyhow!("the audit signing key {} is not valid: {e}", path.display()))
}

/// Opens the store and the vault for a data dir (command line and server).
pub async fn open_vault(s: &Settings) -> anyhow::Result<(Arc<Vault>, Arc<custos_store::SqlStore>)> {
    open_vault_with(s, Arc::new(SystemClock)).await
}

/// Opens the store and the vault with a given clock (tests move time with a manual clock).
pub async fn open_vault_with(
    s: &Settings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<(Arc<Vault>, Arc<custos_store::SqlStore>)> {
    open_vault_from(
        s,
        Arc::new(keys::FileMasterKeys::new(&s.master_key_file)),
        clock,
    )
    .await
}

/// A key problem as the operator should read it (internal errors of key handling carry no
/// personal data, only file names and key ids).
pub(crate) fn key_error(e: custos_core::CoreError) -> anyhow::Error {
    match e {
        custos_core::CoreError::Internal(m) => anyhow::anyhow!(m),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Opens the store and the vault with master keys from `masters`.
pub async fn open_vault_from(
    s: &Settings,
    masters: Arc<dyn custos_core::keys::MasterKeySource>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<(Arc<Vault>, Arc<custos_store::SqlStore>)> {
    // The current key must be readable (and private) before anything opens.
    masters.current().map_err(key_error)?;
    let location = s.location()?;
    let store = custos_store::open_async(&location).await?;
    let vault = Arc::new(Vault::with_master_keys(
        store.clone(),
        masters,
        clock,
        VaultSettings {
            login_token_ttl: s.login_token_ttl,
            session_idle: s.session_idle,
            session_absolute: s.session_absolute,
        },
    ));
    vault.check_master_key().await.map_err(|e| {
        anyhow::anyhow!("{}: is this the master key of this data dir?", key_error(e))
    })?;
    Ok((vault, store))
}

/// One background job's right to run on this instance: the store's lease, taken when free,
/// checked before each run, and given up when this instance stops (or dies: PostgreSQL ends the
/// session and with it the lock). Another instance takes it over at its next tick.
struct JobSlot {
    name: &'static str,
    store: Arc<custos_store::SqlStore>,
    lease: Option<custos_store::Lease>,
    board: custos_server::JobBoard,
}

impl JobSlot {
    /// Whether this instance may run the job now.
    async fn held(&mut self) -> bool {
        if let Some(l) = &mut self.lease {
            if l.alive().await {
                return true;
            }
            tracing::warn!(job = self.name, "lost the lease of a background job");
            self.lease = None;
            self.board
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(self.name);
        }
        match self.store.lease(self.name).await {
            Ok(Some(l)) => {
                self.lease = Some(l);
                self.board
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(self.name.to_owned());
                tracing::info!(job = self.name, "this instance runs the job");
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(job = self.name, error = %e, "cannot take the lease of a background job");
                false
            }
        }
    }
}

impl Drop for JobSlot {
    fn drop(&mut self) {
        self.board
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(self.name);
    }
}

/// A running server.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    /// Whether it speaks TLS.
    pub tls: bool,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Asks the server to stop (in-flight requests finish) and waits until the store is closed.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.task.await.context("server task")?
    }

    /// Waits for the server to end by itself (after a signal).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task")?
    }
}

/// Starts a server: binds, opens the store, serves until stopped or signalled (when
/// `signals`), then finishes in-flight requests and closes the store.
pub async fn start(s: Settings, signals: bool) -> anyhow::Result<Running> {
    start_with(s, signals, Arc::new(SystemClock)).await
}

/// One backup to the schedule's destinations (the directory, its copy, the object store),
/// rotated there: the scheduled job and "take a backup now" in the web UI both come here.
async fn take_backup(
    data_dir: &Path,
    location: &custos_store::Location,
    recipients: &[age::x25519::Recipient],
    schedule: &schedule::Schedule,
    now: time::OffsetDateTime,
) -> anyhow::Result<PathBuf> {
    let (dir, sched, rec) = (data_dir.to_owned(), schedule.clone(), recipients.to_vec());
    let source = location.clone();
    let path =
        tokio::task::spawn_blocking(move || schedule::run_once(&dir, &source, &rec, &sched, now))
            .await
            .map_err(|e| anyhow::anyhow!("backup task: {e}"))??;
    // The off-site copy in the object store.
    if let Some(s3) = &schedule.s3 {
        s3.upload(&path).await?;
        s3.rotate(schedule.keep).await?;
    }
    Ok(path)
}

/// Backups from the web UI: taken like the scheduled ones; checked by the restore drill when
/// the backup identity is on this server.
struct UiBackups {
    vault: Arc<Vault>,
    data_dir: PathBuf,
    location: custos_store::Location,
    recipients: Vec<age::x25519::Recipient>,
    schedule: Option<schedule::Schedule>,
    master_key_file: PathBuf,
}

impl custos_server::routes::backups::BackupControl for UiBackups {
    fn run_now(&self) -> custos_server::routes::backups::Pending<Result<String, String>> {
        let Some(schedule) = self.schedule.clone() else {
            return Box::pin(async {
                Err(
                    "no backup destination is configured (backup_every_hours and backup_dir)"
                        .into(),
                )
            });
        };
        let (vault, dir, location, rec) = (
            self.vault.clone(),
            self.data_dir.clone(),
            self.location.clone(),
            self.recipients.clone(),
        );
        Box::pin(async move {
            take_backup(&dir, &location, &rec, &schedule, vault.now())
                .await
                .map(|p| {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .map_err(|e| format!("{e:#}"))
        })
    }

    fn verify(
        &self,
        name: String,
    ) -> custos_server::routes::backups::Pending<
        Result<custos_server::routes::backups::BackupCheck, String>,
    > {
        let identity = self.data_dir.join(backup::IDENTITY_FILE);
        let master = self.master_key_file.clone();
        // Only a backup the schedule lists, by its own name: never a path from the form.
        let file = self.schedule.as_ref().and_then(|s| {
            schedule::list(&s.dir)
                .into_iter()
                .map(|(p, _, _)| p)
                .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy() == name))
        });
        Box::pin(async move {
            let file = file.ok_or_else(|| "no such backup".to_owned())?;
            if !identity.exists() {
                return Err("the backup identity is not on this server".into());
            }
            backup::verify(&file, &identity, Some(&master), false)
                .await
                .map(|v| custos_server::routes::backups::BackupCheck {
                    events: v.events,
                    checkpoints: v.checkpoints,
                })
                .map_err(|e| format!("{e:#}"))
        })
    }
}

/// Starts a server with a given clock (tests move time for session expiry).
pub async fn start_with(
    s: Settings,
    signals: bool,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Running> {
    let (vault, store) = open_vault_with(&s, clock).await?;
    let tls = if s.insecure_http {
        None
    } else {
        Some(custos_server::tls_config(&s.tls_cert, &s.tls_key)?)
    };
    let listener = std::net::TcpListener::bind(s.listen)
        .with_context(|| format!("cannot listen on {}", s.listen))?;
    let addr = listener.local_addr()?;
    vault.set_public_url(&match &s.public_url {
        Some(u) => u.clone(),
        None => format!(
            "{}://localhost:{}",
            if s.insecure_http { "http" } else { "https" },
            addr.port()
        ),
    });
    let shutting_down = Arc::new(AtomicBool::new(false));
    let audit_key = Arc::new(read_audit_key(&s.data_dir.join(AUDIT_KEY_FILE))?);
    let last_backup_error: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let jobs = custos_server::JobBoard::default();
    let slot = |name: &'static str| JobSlot {
        name,
        store: store.clone(),
        lease: None,
        board: jobs.clone(),
    };
    let state = AppState {
        jobs: jobs.clone(),
        vault: vault.clone(),
        shutting_down: shutting_down.clone(),
        audit_public_key: Arc::from(audit_key.public_hex()),
        backups: Some(backup_probe(
            s.backup_schedule.clone(),
            &s.data_dir,
            last_backup_error.clone(),
        )),
        backup_control: Some(Arc::new(UiBackups {
            vault: vault.clone(),
            data_dir: s.data_dir.clone(),
            location: s.location()?,
            recipients: backup::recipients(&s.backup_recipients)?,
            schedule: s.backup_schedule.clone(),
            master_key_file: s.master_key_file.clone(),
        })),
        tls_expires_at: if s.insecure_http {
            None
        } else {
            custos_server::certificate_expiry(&s.tls_cert)
        },
        compliance: Arc::new(compliance_config(&s)),
    };
    // The self-audit report, saved every `self_audit_every_days` for every business.
    let self_audits = {
        let (st, every, period) = (state.clone(), s.anomaly_scan_every, s.self_audit_every);
        let mut job = slot("self-audit");
        tokio::spawn(async move {
            let Some(period) = period else { return };
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if !job.held().await {
                    continue;
                }
                match st.vault.scheduled_self_audits(&st.posture(), period).await {
                    Ok(done) => {
                        for (tenant, worst) in done {
                            tracing::info!(tenant = %tenant, worst = worst.as_str(), "self-audit report saved");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "self-audit failed"),
                }
            }
        })
    };
    // Scheduled backups, every `backup_every_hours` by the vault's clock (the first one when
    // none in the backup dir is recent enough), written, copied, rotated; failures alert.
    let backups = {
        let vault = vault.clone();
        let (schedule, every) = (s.backup_schedule.clone(), s.anomaly_scan_every);
        let recipients = backup::recipients(&s.backup_recipients)?;
        let data_dir = s.data_dir.clone();
        let location = s.location()?;
        let mut job = slot("backup");
        tokio::spawn(async move {
            let Some(schedule) = schedule else { return };
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if !job.held().await {
                    continue;
                }
                let now = vault.now();
                let newest = schedule::list(&schedule.dir).first().map(|(_, t, _)| *t);
                if newest.is_some_and(|t| now - t < schedule.every) {
                    continue;
                }
                let done = take_backup(&data_dir, &location, &recipients, &schedule, now).await;
                match done {
                    Ok(path) => {
                        tracing::info!(file = %path.display(), "scheduled backup written");
                        *last_backup_error.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    }
                    Err(e) => {
                        let msg = format!("{e:#}");
                        tracing::error!(error = %msg, "scheduled backup failed");
                        *last_backup_error.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some(msg.clone());
                        if let Err(e) = vault
                            .raise_everywhere(
                                "backup_failed",
                                "high",
                                format!("The scheduled backup failed: {msg}"),
                                serde_json::json!({"error": msg}),
                                "backup",
                            )
                            .await
                        {
                            tracing::warn!(error = %e, "cannot raise the backup alert");
                        }
                        // Try again at the next tick of the schedule, not at every scan.
                        tokio::time::sleep(std::time::Duration::from_secs(60).min(every * 10))
                            .await;
                    }
                }
            }
        })
    };
    // The window anomaly rules, over the audit events written since the last scan; and, at
    // most once an hour (by the vault's clock), the trail's retention.
    let scanner = {
        let (vault, every, cfg) = (vault.clone(), s.anomaly_scan_every, s.anomaly.clone());
        let retention = s.audit_retention;
        let mut job = slot("anomaly-scan");
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            let mut last_prune: Option<time::OffsetDateTime> = None;
            loop {
                tick.tick().await;
                if !job.held().await {
                    continue;
                }
                if let Err(e) = vault.scan_anomalies(&cfg).await {
                    tracing::warn!(error = %e, "anomaly scan failed");
                }
                if let Err(e) = vault.scan_deadlines().await {
                    tracing::warn!(error = %e, "data-request deadline scan failed");
                }
                let now = vault.now();
                if let Some(keep) = retention {
                    if last_prune.is_none_or(|t| now - t >= time::Duration::hours(1)) {
                        last_prune = Some(now);
                        match custos_core::trail::prune(
                            vault.store().as_ref(),
                            now - keep,
                            now,
                            keep.whole_days(),
                        )
                        .await
                        {
                            Ok(Some((anchor, n))) => tracing::info!(
                                anchor,
                                removed = n,
                                "audit trail pruned by retention"
                            ),
                            Ok(None) => {}
                            Err(e) => tracing::warn!(error = %e, "audit retention failed"),
                        }
                    }
                }
            }
        })
    };
    // Retention sweeps, every `retention_sweep_minutes` by the vault's clock, in bounded batches
    // with pauses between them so requests keep being served.
    let sweeper = {
        let (vault, every, period) = (vault.clone(), s.anomaly_scan_every, s.retention_sweep);
        let mut job = slot("retention");
        tokio::spawn(async move {
            let Some(period) = period else { return };
            let mut tick = tokio::time::interval(every);
            let mut last: Option<time::OffsetDateTime> = None;
            loop {
                tick.tick().await;
                if !job.held().await {
                    continue;
                }
                let now = vault.now();
                if last.is_some_and(|t| now - t < period) {
                    continue;
                }
                last = Some(now);
                match vault
                    .sweep_all(&custos_core::retention::SweepOptions::default())
                    .await
                {
                    Ok(reports) => {
                        for (tenant, r) in reports {
                            let deleted: u64 = r.rules.iter().map(|o| o.deleted).sum();
                            if deleted > 0 {
                                tracing::info!(tenant = %tenant, deleted, run = %r.run_id, "retention sweep");
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
                }
            }
        })
    };
    // Webhook deliveries made from the audit events written since the last round.
    let dispatcher = {
        let (vault, every) = (vault.clone(), s.outbox_poll_every);
        let mut job = slot("webhooks");
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if !job.held().await {
                    continue;
                }
                match vault.dispatch_webhooks().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(queued = n, "webhook deliveries queued"),
                    Err(e) => tracing::warn!(error = %e, "webhook dispatch failed"),
                }
            }
        })
    };
    // Mails and webhooks waiting in the outbox.
    let sender = {
        let sender = crate::outbox::Sender::new(&s)?;
        tokio::spawn(crate::outbox::run(
            vault.clone(),
            sender,
            s.outbox_poll_every,
            s.outbox_retry_base,
        ))
    };
    // Checkpoints of the audit chain's head, signed now and then and at shutdown.
    let checkpointer = {
        let (vault, key, every) = (vault.clone(), audit_key.clone(), s.checkpoint_every);
        let mut job = slot("audit-checkpoint");
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            // Take the lease at once (and show it on /readyz); the first checkpoint comes later.
            tick.tick().await;
            job.held().await;
            loop {
                tick.tick().await;
                if !job.held().await {
                    continue;
                }
                if let Err(e) =
                    custos_core::trail::checkpoint(vault.store().as_ref(), &key, vault.now()).await
                {
                    tracing::warn!(error = %e, "audit checkpoint failed");
                }
            }
        })
    };
    let app = custos_server::app(
        state,
        HttpOptions {
            request_timeout: s.request_timeout,
            body_limit: s.body_limit,
            tls: tls.is_some(),
        },
    );
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let flag = shutting_down.clone();
    let shutdown = async move {
        if signals {
            tokio::select! {
                _ = stop_rx => {}
                _ = shutdown_signal() => {}
            }
        } else {
            let _ = stop_rx.await;
        }
        flag.store(true, Ordering::Relaxed);
        tracing::info!("shutting down: finishing in-flight requests");
    };
    let is_tls = tls.is_some();
    let limits = s.conn_limits;
    let task = tokio::spawn(async move {
        let r = custos_server::serve(
            listener,
            app,
            tls,
            limits,
            shutdown,
            std::time::Duration::from_secs(20),
        )
        .await;
        checkpointer.abort();
        scanner.abort();
        sweeper.abort();
        dispatcher.abort();
        backups.abort();
        self_audits.abort();
        sender.abort();
        if let Err(e) =
            custos_core::trail::checkpoint(vault.store().as_ref(), &audit_key, vault.now()).await
        {
            tracing::warn!(error = %e, "final audit checkpoint failed");
        }
        // Every acknowledged write is already durable; closing drains what the writer holds.
        let st = store.clone();
        let _ = tokio::task::spawn_blocking(move || st.close()).await;
        tracing::info!("stopped");
        r.context("server")
    });
    Ok(Running {
        addr,
        tls: is_tls,
        stop: Some(stop_tx),
        task,
    })
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// Imports a customer list at the command line, for one business (the only one when `tenant`
/// is left out), with a progress bar on a terminal.
pub async fn import_file(
    vault: &custos_core::vault::Vault,
    tenant: Option<&str>,
    bytes: &[u8],
    opts: &custos_core::importing::ImportOptions,
) -> anyhow::Result<custos_api::FileImportReport> {
    use std::io::IsTerminal;
    let t = vault
        .resolve_tenant(tenant)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let p = custos_core::policy::Principal::command_line(t.id, &t.slug);
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(bytes.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "importing [{bar:40}] {percent:>3}% {bytes}/{total_bytes} ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let progress = |done: u64, _all: u64| bar.set_position(done);
    let meta = custos_core::audit::RequestMeta {
        request_id: Some(format!("cli-import-{}", uuid::Uuid::now_v7())),
        client_addr: None,
    };
    let r = vault.import_file(&p, bytes, opts, &progress, &meta).await;
    bar.finish_and_clear();
    r.map_err(|e| anyhow::anyhow!("{e}"))
}

/// An import's report for a terminal: the counts, then every refused and repeated row with
/// its line, then the columns left out.
pub fn import_summary(r: &custos_api::FileImportReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}){}",
        r.source,
        r.layout,
        if r.dry_run {
            ": dry run, nothing written"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "  rows read          {:>8}", r.rows);
    let _ = writeln!(out, "  imported           {:>8}", r.imported);
    let _ = writeln!(out, "  updated            {:>8}", r.updated);
    let _ = writeln!(out, "  skipped (already here) {:>4}", r.skipped);
    let _ = writeln!(out, "  refused            {:>8}", r.refused.len());
    let _ = writeln!(out, "  duplicates in file {:>8}", r.duplicates.len());
    let _ = writeln!(out, "  consents recorded  {:>8}", r.consents_recorded);
    let _ = writeln!(out, "  columns dropped    {:>8}", r.columns_dropped.len());
    for p in &r.refused {
        let _ = writeln!(out, "refused   line {}: {}", p.line, p.reason);
    }
    for d in &r.duplicates {
        let _ = writeln!(
            out,
            "duplicate line {}: same {} as line {}",
            d.line, d.on, d.same_as_line
        );
    }
    for c in &r.columns_dropped {
        let _ = writeln!(
            out,
            "dropped   column '{}' ({}): {} values not stored",
            c.column, c.reason, c.values
        );
    }
    out
}

/// The doctor's findings as a table for a terminal, the worst first.
pub fn doctor_table(reports: &[custos_api::compliance::Checks]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(
            out,
            "{} — custos {} — checked {}",
            r.business,
            r.version,
            r.checked_at.date()
        );
        for f in &r.findings {
            let _ = writeln!(
                out,
                "  {:<7} {:<15} {}",
                f.severity.as_str().to_uppercase(),
                f.check,
                f.state
            );
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "  {:<7} {:<15} fix: {fix}", "", "");
            }
        }
    }
    out
}

/// The reports of sweeps as a table for a terminal.
pub fn retention_table(reports: &[(String, custos_api::retention::RetentionReport)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (slug, r) in reports {
        let _ = writeln!(
            out,
            "{slug}: {}{}{}",
            if r.dry_run {
                "dry run, nothing changed"
            } else {
                "applied"
            },
            if r.complete {
                ""
            } else {
                ", stopped early (the next run carries on)"
            },
            if r.resumed.is_some() {
                ", carried on an interrupted run"
            } else {
                ""
            },
        );
        let _ = writeln!(
            out,
            "  {:<28} {:<10} {:>8} {:>8} {:>10} {:>6} {:>8}",
            "rule", "action", "due", "deleted", "anonymised", "held", "retained"
        );
        for o in &r.rules {
            let _ = writeln!(
                out,
                "  {:<28} {:<10} {:>8} {:>8} {:>10} {:>6} {:>8}",
                o.rule, o.action, o.due, o.deleted, o.anonymised, o.held, o.retained
            );
        }
    }
    out
}

/// What `/v1/backups` answers: the files in the backup dir and at the second destination,
/// and the last failure.
fn backup_probe(
    schedule: Option<schedule::Schedule>,
    data_dir: &Path,
    last_error: Arc<std::sync::Mutex<Option<String>>>,
) -> custos_server::routes::backups::BackupProbe {
    use custos_server::routes::backups::{BackupFile, BackupStatus};
    let default_dir = data_dir.join("backups");
    Arc::new(move || {
        let files = |dir: &Path| -> Vec<BackupFile> {
            schedule::list(dir)
                .into_iter()
                .map(|(p, created_at, size)| BackupFile {
                    name: p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    created_at,
                    size,
                })
                .collect()
        };
        let local = files(schedule.as_ref().map_or(&default_dir, |s| &s.dir));
        BackupStatus {
            scheduled: schedule.is_some(),
            every_hours: schedule.as_ref().map(|s| s.every.whole_hours()),
            newest: local.first().cloned(),
            newest_age_seconds: None,
            copies: schedule
                .as_ref()
                .and_then(|s| s.copy_dir.as_deref())
                .map(files)
                .unwrap_or_default(),
            offsite: schedule
                .as_ref()
                .is_some_and(|s| s.copy_dir.is_some() || s.s3.is_some()),
            local,
            last_error: last_error.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    })
}

/// The host of the SMTP relay mails go through, when mail is configured (never its
/// credentials).
pub fn mail_relay(s: &Settings) -> Option<String> {
    s.smtp_url
        .as_deref()
        .map(custos_core::compliance::host_of)
        .map(|h| {
            h.rsplit_once(':')
                .map_or(h.clone(), |(host, _)| host.to_owned())
        })
}

/// What the compliance documents know of a server's settings (reads the advisory database).
pub fn compliance_config(s: &Settings) -> custos_server::ComplianceConfig {
    custos_server::ComplianceConfig {
        mail_relay: mail_relay(s),
        retention_sweeps: s.retention_sweep.is_some(),
        key_rotation_days: s.key_rotation_days,
        tls_self_signed: !s.insecure_http && custos_server::certificate_self_signed(&s.tls_cert),
        advisories: advisories::check(s.advisory_db.as_deref()),
    }
}

/// The posture of a data dir's server as the command line sees it (`custos doctor`).
pub fn posture(s: &Settings) -> anyhow::Result<custos_core::compliance::Posture> {
    let public = std::fs::read_to_string(s.data_dir.join("audit-signing.pub"))
        .context("cannot read audit-signing.pub (the audit public key) in the data dir")?;
    let probe = backup_probe(s.backup_schedule.clone(), &s.data_dir, Arc::default());
    Ok(custos_server::posture_of(
        Some(probe()),
        if s.insecure_http {
            None
        } else {
            custos_server::certificate_expiry(&s.tls_cert)
        },
        public.trim(),
        &compliance_config(s),
    ))
}

/// Loads settings for a data dir with overrides (used by every command that opens a dir).
pub fn settings(data_dir: &Path, o: Overrides) -> anyhow::Result<Settings> {
    if !data_dir.join(CONFIG_FILE).exists() {
        bail!(
            "{} is not a custos data dir (no {CONFIG_FILE}); run `custos init` first",
            data_dir.display()
        );
    }
    Settings::load(data_dir, o)
}

/// Adds a business (tenant) with its owner to a data dir (`custos tenant add`).
#[allow(clippy::too_many_arguments)]
pub async fn add_tenant(
    s: &Settings,
    slug: &str,
    business: &str,
    template: &str,
    country: &str,
    owner: &str,
    password: &str,
) -> anyhow::Result<()> {
    let (vault, store) = open_vault(s).await?;
    let r = vault
        .create_tenant(slug, business, template, country, owner, password)
        .await;
    store.close();
    r.map(|_| ()).map_err(|e| anyhow::anyhow!("{e}"))
}
