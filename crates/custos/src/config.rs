//! One `Settings` struct, layered: defaults < `DIR/custos.toml` < `CUSTOS_*` environment < flags
//! (clap reads the environment and the flags; this module adds the file and the defaults), and
//! validated once with clear messages.

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The config file's name inside the data dir.
pub const CONFIG_FILE: &str = "custos.toml";
/// The master key file's default name inside the data dir.
pub const MASTER_KEY_FILE: &str = "master.key";
/// The audit signing key file's name inside the data dir.
pub const AUDIT_KEY_FILE: &str = "audit-signing.key";
/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";

/// The keys of `custos.toml` (every one optional).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Listen address.
    pub listen: Option<String>,
    /// Database URL (default: the embedded database in the data dir).
    pub database_url: Option<String>,
    /// Most PostgreSQL connections one instance opens (default 10).
    pub database_pool_size: Option<u32>,
    /// Plain HTTP (loopback only).
    pub insecure_http: Option<bool>,
    /// TLS certificate (PEM), relative to the data dir or absolute.
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// The master key file.
    pub master_key_file: Option<PathBuf>,
    /// Log format: `text` or `json` (default: text on a terminal, json otherwise).
    pub log_format: Option<String>,
    /// Per-request time limit in seconds.
    pub request_timeout_secs: Option<u64>,
    /// Largest request body in bytes.
    pub body_limit_bytes: Option<usize>,
    /// Connections open at once; more are closed when accepted.
    pub max_connections: Option<usize>,
    /// A connection silent this many seconds is closed.
    pub idle_timeout_secs: Option<u64>,
    /// A request's header lines must arrive within this many seconds.
    pub header_timeout_secs: Option<u64>,
    /// How long a login token lasts, in minutes.
    pub login_token_minutes: Option<i64>,
    /// A web session ends after this many minutes without use.
    pub session_idle_minutes: Option<i64>,
    /// A web session ends this many hours after login.
    pub session_hours: Option<i64>,
    /// Seconds between signed checkpoints of the audit chain.
    pub audit_checkpoint_secs: Option<u64>,
    /// Seconds between scans of the audit trail for anomalies.
    pub anomaly_scan_secs: Option<u64>,
    /// An actor reading more distinct customers than this within the window is an alert.
    pub anomaly_bulk_read_customers: Option<u64>,
    /// The window of that rule, in minutes.
    pub anomaly_bulk_read_minutes: Option<i64>,
    /// The SMTP server: `smtp://[user:pass@]host:port` (plain; `?tls=starttls` to upgrade),
    /// `smtps://…` (TLS from the start).
    pub smtp_url: Option<String>,
    /// The sender of custos's mails.
    pub mail_from: Option<String>,
    /// The URL staff and customers reach custos at (for links in mails).
    pub public_url: Option<String>,
    /// Keep audit events this many days, then remove them up to a signed checkpoint (default:
    /// keep for ever).
    pub audit_retention_days: Option<i64>,
    /// Minutes between retention sweeps (0: none; default 60).
    pub retention_sweep_minutes: Option<i64>,
    /// The age X25519 recipients (`age1…`) backups are encrypted to.
    pub backup_recipients: Option<Vec<String>>,
    /// Hours between scheduled backups (0 or absent: none).
    pub backup_every_hours: Option<u32>,
    /// Where scheduled backups are written (relative to the data dir; default `backups`).
    pub backup_dir: Option<PathBuf>,
    /// A second destination each scheduled backup is copied to (a mounted disk or share).
    pub backup_copy_dir: Option<PathBuf>,
    /// Scheduled backups kept: the newest of each of the last N days, weeks, months.
    pub backup_keep_daily: Option<u32>,
    /// (weeks)
    pub backup_keep_weekly: Option<u32>,
    /// (months)
    pub backup_keep_monthly: Option<u32>,
    /// An S3-compatible endpoint scheduled backups are uploaded to, e.g.
    /// `https://s3.eu-central-1.amazonaws.com`.
    pub backup_s3_endpoint: Option<String>,
    /// Its region (default `us-east-1`).
    pub backup_s3_region: Option<String>,
    /// The bucket.
    pub backup_s3_bucket: Option<String>,
    /// A key prefix (default `custos/`).
    pub backup_s3_prefix: Option<String>,
    /// The access key id.
    pub backup_s3_access_key: Option<String>,
    /// A file holding the secret key (or `CUSTOS_BACKUP_S3_SECRET_KEY`).
    pub backup_s3_secret_key_file: Option<PathBuf>,
    /// Seconds between looks at the outbox for mails and webhooks to send.
    pub outbox_poll_secs: Option<u64>,
    /// Seconds before the first retry of a failed delivery (doubling each time, at most an
    /// hour).
    pub outbox_retry_secs: Option<u64>,
    /// Keys older than this many days are reported for rotation (default 365; 0: no policy).
    pub key_rotation_days: Option<u32>,
    /// A copy of the RustSec advisory database (its `crates/` directory inside); `custos doctor`
    /// and the dashboard check this build against it. `CUSTOS_ADVISORY_DB` sets it too.
    pub advisory_db: Option<PathBuf>,
    /// Days between the saved self-audit reports (default 30; 0: none).
    pub self_audit_every_days: Option<i64>,
}

/// The S3 destination of scheduled backups, when configured (all of endpoint, bucket, access
/// key and secret key, or none).
fn s3_target(
    file: &FileConfig,
    rel: &dyn Fn(PathBuf) -> PathBuf,
) -> anyhow::Result<Option<crate::schedule::S3Target>> {
    let Some(endpoint) = file.backup_s3_endpoint.clone() else {
        return Ok(None);
    };
    let endpoint = endpoint.trim_end_matches('/').to_owned();
    let loopback = ["http://127.", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| endpoint.starts_with(p));
    if !(endpoint.starts_with("https://") || loopback) {
        bail!("backup_s3_endpoint must start with https:// (plain http:// only on a loopback address)");
    }
    let bucket = file
        .backup_s3_bucket
        .clone()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| anyhow::anyhow!("backup_s3_endpoint needs backup_s3_bucket"))?;
    let access_key = file
        .backup_s3_access_key
        .clone()
        .ok_or_else(|| anyhow::anyhow!("backup_s3_endpoint needs backup_s3_access_key"))?;
    let secret = match (
        &file.backup_s3_secret_key_file,
        std::env::var("CUSTOS_BACKUP_S3_SECRET_KEY"),
    ) {
        (_, Ok(v)) if !v.is_empty() => v,
        (Some(p), _) => std::fs::read_to_string(rel(p.clone()))
            .map_err(|e| anyhow::anyhow!("cannot read backup_s3_secret_key_file: {e}"))?
            .trim()
            .to_owned(),
        _ => bail!("backup_s3_endpoint needs the secret key: backup_s3_secret_key_file or CUSTOS_BACKUP_S3_SECRET_KEY"),
    };
    let mut prefix = file
        .backup_s3_prefix
        .clone()
        .unwrap_or_else(|| "custos/".into());
    if !prefix.is_empty() && !prefix.ends_with('/') {
        prefix.push('/');
    }
    Ok(Some(crate::schedule::S3Target {
        endpoint,
        region: file
            .backup_s3_region
            .clone()
            .unwrap_or_else(|| "us-east-1".into()),
        bucket,
        prefix,
        access_key,
        secret_key: zeroize::Zeroizing::new(secret),
    }))
}

/// Values given by flags or `CUSTOS_*` variables (clap fills these).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--listen` / `CUSTOS_LISTEN`.
    pub listen: Option<String>,
    /// `--database-url` / `CUSTOS_DATABASE_URL`.
    pub database_url: Option<String>,
    /// `--insecure-http` / `CUSTOS_INSECURE_HTTP`.
    pub insecure_http: bool,
    /// `CUSTOS_MASTER_KEY_FILE`.
    pub master_key_file: Option<PathBuf>,
    /// `CUSTOS_LOG_FORMAT`.
    pub log_format: Option<String>,
    /// `CUSTOS_SMTP_URL`.
    pub smtp_url: Option<String>,
    /// `CUSTOS_MAIL_FROM`.
    pub mail_from: Option<String>,
    /// `CUSTOS_PUBLIC_URL`.
    pub public_url: Option<String>,
}

/// The resolved settings of a server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The data dir.
    pub data_dir: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Database URL, `None` for the embedded database.
    pub database_url: Option<String>,
    /// Most PostgreSQL connections one instance opens.
    pub database_pool_size: u32,
    /// Plain HTTP on loopback.
    pub insecure_http: bool,
    /// TLS certificate.
    pub tls_cert: PathBuf,
    /// TLS key.
    pub tls_key: PathBuf,
    /// Master key file.
    pub master_key_file: PathBuf,
    /// JSON logs.
    pub log_json: Option<bool>,
    /// Per-request limit.
    pub request_timeout: Duration,
    /// Body limit.
    pub body_limit: usize,
    /// Connection limits (slow and idle clients).
    pub conn_limits: custos_server::ConnLimits,
    /// Login token lifetime.
    pub login_token_ttl: time::Duration,
    /// Web session idle timeout.
    pub session_idle: time::Duration,
    /// Web session absolute timeout.
    pub session_absolute: time::Duration,
    /// How often the audit chain's head is signed.
    pub checkpoint_every: Duration,
    /// How often the trail is scanned for anomalies.
    pub anomaly_scan_every: Duration,
    /// The anomaly rules' thresholds.
    pub anomaly: custos_core::anomaly::AnomalyConfig,
    /// The SMTP server URL (secret: may hold a password; never logged).
    pub smtp_url: Option<String>,
    /// The sender address.
    pub mail_from: String,
    /// The public URL, without a trailing slash.
    pub public_url: Option<String>,
    /// How long audit events are kept (`None`: for ever).
    pub audit_retention: Option<time::Duration>,
    /// How often retention sweeps run (`None`: never by themselves).
    pub retention_sweep: Option<time::Duration>,
    /// The age recipients backups are encrypted to.
    pub backup_recipients: Vec<String>,
    /// Scheduled backups, when on.
    pub backup_schedule: Option<crate::schedule::Schedule>,
    /// How often the outbox is looked at.
    pub outbox_poll_every: Duration,
    /// The first retry delay.
    pub outbox_retry_base: time::Duration,
    /// The key-rotation policy in days (0: none).
    pub key_rotation_days: u32,
    /// The advisory database to check this build against.
    pub advisory_db: Option<PathBuf>,
    /// How often a self-audit report is saved (`None`: never by itself).
    pub self_audit_every: Option<time::Duration>,
}

impl Settings {
    /// Reads `DIR/custos.toml` (if present) and layers the overrides on top.
    pub fn load(data_dir: &Path, o: Overrides) -> anyhow::Result<Settings> {
        let path = data_dir.join(CONFIG_FILE);
        let file: FileConfig = match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileConfig::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let rel = |p: PathBuf| if p.is_absolute() { p } else { data_dir.join(p) };
        let s3_dest = s3_target(&file, &rel)?;
        let listen_text = o
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen_text
            .parse()
            .with_context(|| format!("the listen address '{listen_text}' is not IP:PORT"))?;
        let insecure_http = o.insecure_http || file.insecure_http.unwrap_or(false);
        if insecure_http && !listen.ip().is_loopback() {
            bail!("--insecure-http is allowed only on a loopback address (127.0.0.1 or ::1), not {listen}; use TLS elsewhere");
        }
        let log_json = match o.log_format.or(file.log_format).as_deref() {
            None => None,
            Some("json") => Some(true),
            Some("text") => Some(false),
            Some(other) => bail!("log_format must be 'text' or 'json', not '{other}'"),
        };
        let timeout = file.request_timeout_secs.unwrap_or(30);
        if !(1..=600).contains(&timeout) {
            bail!("request_timeout_secs must be between 1 and 600");
        }
        let body_limit = file.body_limit_bytes.unwrap_or(1024 * 1024);
        if !(1024..=64 * 1024 * 1024).contains(&body_limit) {
            bail!("body_limit_bytes must be between 1 KiB and 64 MiB");
        }
        let conn_default = custos_server::ConnLimits::default();
        let max_connections = file.max_connections.unwrap_or(conn_default.max_connections);
        if !(1..=100_000).contains(&max_connections) {
            bail!("max_connections must be between 1 and 100000");
        }
        let header_timeout = file
            .header_timeout_secs
            .unwrap_or(conn_default.header_read.as_secs());
        if !(1..=120).contains(&header_timeout) {
            bail!("header_timeout_secs must be between 1 and 120");
        }
        let idle_timeout = file
            .idle_timeout_secs
            .unwrap_or(conn_default.idle.as_secs().max(timeout + 30));
        if idle_timeout <= timeout || idle_timeout > 3600 {
            bail!(
                "idle_timeout_secs must be longer than request_timeout_secs ({timeout}) and at most 3600"
            );
        }
        let idle = file.session_idle_minutes.unwrap_or(30);
        if !(1..=24 * 60).contains(&idle) {
            bail!("session_idle_minutes must be between 1 and 1440");
        }
        let hours = file.session_hours.unwrap_or(12);
        if !(1..=24 * 7).contains(&hours) {
            bail!("session_hours must be between 1 and 168");
        }
        let checkpoint_secs = file.audit_checkpoint_secs.unwrap_or(300);
        if !(10..=86_400).contains(&checkpoint_secs) {
            bail!("audit_checkpoint_secs must be between 10 and 86400");
        }
        let scan_secs = file.anomaly_scan_secs.unwrap_or(60);
        if !(1..=3600).contains(&scan_secs) {
            bail!("anomaly_scan_secs must be between 1 and 3600");
        }
        let bulk_customers = file.anomaly_bulk_read_customers.unwrap_or(100);
        let bulk_minutes = file.anomaly_bulk_read_minutes.unwrap_or(10);
        if bulk_customers == 0 || !(1..=24 * 60).contains(&bulk_minutes) {
            bail!("anomaly_bulk_read_customers must be at least 1 and anomaly_bulk_read_minutes between 1 and 1440");
        }
        let smtp_url = o.smtp_url.or(file.smtp_url).filter(|u| !u.is_empty());
        if let Some(u) = &smtp_url {
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                bail!("smtp_url must start with smtp:// or smtps://");
            }
        }
        let mail_from = o
            .mail_from
            .or(file.mail_from)
            .unwrap_or_else(|| "custos@localhost".to_owned());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            bail!("mail_from must be an e-mail address (optionally 'Name <address>'), not '{mail_from}'");
        }
        let public_url = o
            .public_url
            .or(file.public_url)
            .map(|u| u.trim_end_matches('/').to_owned());
        if let Some(u) = &public_url {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                bail!("public_url must start with https:// (or http://)");
            }
        }
        let audit_retention = match file.audit_retention_days {
            None | Some(0) => None,
            Some(d) if (1..=36_500).contains(&d) => Some(time::Duration::days(d)),
            Some(_) => bail!(
                "audit_retention_days must be between 1 and 36500 (0 or absent keeps everything)"
            ),
        };
        let retention_sweep = match file.retention_sweep_minutes.unwrap_or(60) {
            0 => None,
            m if (1..=10_080).contains(&m) => Some(time::Duration::minutes(m)),
            _ => bail!("retention_sweep_minutes must be between 1 and 10080 (0 turns sweeps off)"),
        };
        let backup_recipients = file.backup_recipients.unwrap_or_default();
        for r in &backup_recipients {
            if r.parse::<age::x25519::Recipient>().is_err() {
                bail!("backup_recipients: '{r}' is not an age X25519 recipient (age1…)");
            }
        }
        let keep = crate::schedule::Keep {
            daily: file.backup_keep_daily.unwrap_or(7),
            weekly: file.backup_keep_weekly.unwrap_or(4),
            monthly: file.backup_keep_monthly.unwrap_or(12),
        };
        if keep.daily == 0 {
            bail!("backup_keep_daily must be at least 1");
        }
        let backup_schedule = match file.backup_every_hours.unwrap_or(0) {
            0 => None,
            h if h <= 24 * 31 => {
                if backup_recipients.is_empty() {
                    bail!("backup_every_hours needs backup_recipients (the age recipients backups are encrypted to)");
                }
                Some(crate::schedule::Schedule {
                    every: time::Duration::hours(i64::from(h)),
                    dir: rel(file
                        .backup_dir
                        .clone()
                        .unwrap_or_else(|| PathBuf::from("backups"))),
                    copy_dir: file.backup_copy_dir.clone().map(rel),
                    s3: s3_dest.clone(),
                    keep,
                })
            }
            _ => bail!(
                "backup_every_hours must be between 1 and 744 (0 turns scheduled backups off)"
            ),
        };
        let poll = file.outbox_poll_secs.unwrap_or(5);
        if !(1..=3600).contains(&poll) {
            bail!("outbox_poll_secs must be between 1 and 3600");
        }
        let retry = file.outbox_retry_secs.unwrap_or(60);
        if !(1..=3600).contains(&retry) {
            bail!("outbox_retry_secs must be between 1 and 3600");
        }
        let minutes = file.login_token_minutes.unwrap_or(12 * 60);
        if !(5..=60 * 24 * 30).contains(&minutes) {
            bail!("login_token_minutes must be between 5 and 43200");
        }
        let database_pool_size = file.database_pool_size.unwrap_or(10);
        if !(1..=1000).contains(&database_pool_size) {
            bail!("database_pool_size must be between 1 and 1000");
        }
        let key_rotation_days = file.key_rotation_days.unwrap_or(365);
        if key_rotation_days > 3650 {
            bail!("key_rotation_days must be at most 3650 (0: no rotation policy)");
        }
        let advisory_db = std::env::var_os("CUSTOS_ADVISORY_DB")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or(file.advisory_db.clone().map(rel));
        let self_audit_every = match file.self_audit_every_days.unwrap_or(30) {
            0 => None,
            d if (1..=366).contains(&d) => Some(time::Duration::days(d)),
            _ => bail!("self_audit_every_days must be between 1 and 366 (0 turns them off)"),
        };
        let database_url = o.database_url.or(file.database_url);
        // A bad URL is refused here, at start, with the reason.
        custos_store::Location::parse(database_url.as_deref(), data_dir)?;
        Ok(Settings {
            data_dir: data_dir.to_owned(),
            listen,
            database_url,
            database_pool_size,
            insecure_http,
            tls_cert: rel(file
                .tls_cert
                .unwrap_or_else(|| PathBuf::from("tls/cert.pem"))),
            tls_key: rel(file.tls_key.unwrap_or_else(|| PathBuf::from("tls/key.pem"))),
            master_key_file: o
                .master_key_file
                .or(file.master_key_file.map(rel))
                .unwrap_or_else(|| data_dir.join(MASTER_KEY_FILE)),
            log_json,
            request_timeout: Duration::from_secs(timeout),
            body_limit,
            conn_limits: custos_server::ConnLimits {
                max_connections,
                idle: Duration::from_secs(idle_timeout),
                header_read: Duration::from_secs(header_timeout),
            },
            login_token_ttl: time::Duration::minutes(minutes),
            session_idle: time::Duration::minutes(idle),
            session_absolute: time::Duration::hours(hours),
            checkpoint_every: Duration::from_secs(checkpoint_secs),
            anomaly_scan_every: Duration::from_secs(scan_secs),
            anomaly: custos_core::anomaly::AnomalyConfig {
                bulk_read_customers: bulk_customers,
                bulk_read_window: time::Duration::minutes(bulk_minutes),
            },
            smtp_url,
            mail_from,
            public_url,
            audit_retention,
            retention_sweep,
            backup_recipients,
            backup_schedule,
            outbox_poll_every: Duration::from_secs(poll),
            outbox_retry_base: time::Duration::seconds(retry as i64),
            key_rotation_days,
            advisory_db,
            self_audit_every,
        })
    }
}

impl Settings {
    /// Where the data lives: the embedded database in the data dir, or the database URL's.
    pub fn location(&self) -> anyhow::Result<custos_store::Location> {
        let mut l = custos_store::Location::parse(self.database_url.as_deref(), &self.data_dir)?;
        if let custos_store::Location::Postgres(o) = &mut l {
            o.pool_size = self.database_pool_size;
        }
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layering_and_validation() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "listen = \"127.0.0.1:9000\"\nrequest_timeout_secs = 5\n",
        )
        .unwrap();
        let s = Settings::load(dir.path(), Overrides::default()).unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.request_timeout, Duration::from_secs(5));
        assert_eq!(s.tls_cert, dir.path().join("tls/cert.pem"));
        let s = Settings::load(
            dir.path(),
            Overrides {
                listen: Some("127.0.0.1:9100".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.listen.port(), 9100, "flags beat the file");
        let e = Settings::load(
            dir.path(),
            Overrides {
                listen: Some("0.0.0.0:80".into()),
                insecure_http: true,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("loopback"));
        assert_eq!(s.conn_limits, custos_server::ConnLimits::default());
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "request_timeout_secs = 90\nmax_connections = 200\nheader_timeout_secs = 5\n",
        )
        .unwrap();
        let s = Settings::load(dir.path(), Overrides::default()).unwrap();
        assert_eq!(s.conn_limits.max_connections, 200);
        assert_eq!(s.conn_limits.header_read, Duration::from_secs(5));
        assert_eq!(
            s.conn_limits.idle,
            Duration::from_secs(120),
            "a connection waiting on a slow request is not idle"
        );
        for (bad, says) in [
            ("max_connections = 0\n", "max_connections"),
            ("header_timeout_secs = 0\n", "header_timeout_secs"),
            (
                "request_timeout_secs = 60\nidle_timeout_secs = 60\n",
                "idle_timeout_secs",
            ),
        ] {
            std::fs::write(dir.path().join(CONFIG_FILE), bad).unwrap();
            let e = Settings::load(dir.path(), Overrides::default()).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
        std::fs::write(dir.path().join(CONFIG_FILE), "lisen = \"x\"\n").unwrap();
        assert!(
            Settings::load(dir.path(), Overrides::default()).is_err(),
            "unknown keys are refused"
        );
    }
}
