//! The command line (API.md, "Command line"). Exit status: 0 success, 1 the operation failed
//! (message on stderr), 2 bad usage.

use crate::config::Overrides;
use crate::{init, settings, start, InitOptions};
use anyhow::{anyhow, Context};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use zeroize::Zeroizing;

/// custos: a privacy-first customer-data server for small businesses.
#[derive(Debug, Parser)]
#[command(name = "custos", version, about, long_about = None)]
pub struct Cli {
    /// The data dir (config, keys, databases).
    #[arg(
        long,
        global = true,
        env = "CUSTOS_DATA_DIR",
        default_value = "./custos-data"
    )]
    pub data_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new data dir: config, master key, TLS certificate, database, one business and its owner.
    Init {
        /// The business name.
        #[arg(long, env = "CUSTOS_BUSINESS", default_value = "My Business")]
        business: String,
        /// A short name for the business (a–z, 0–9, '-'); derived from the name when left out.
        #[arg(long, env = "CUSTOS_TENANT")]
        slug: Option<String>,
        /// The template: retail, salon, subscription or optician.
        #[arg(long, env = "CUSTOS_TEMPLATE", default_value = "retail", value_parser = ["retail", "salon", "subscription", "optician"])]
        template: String,
        /// The owner's username.
        #[arg(long, env = "CUSTOS_OWNER", default_value = "owner")]
        owner: String,
        /// Default country for phone numbers without a country code (ISO 3166-1 alpha-2).
        #[arg(long, env = "CUSTOS_COUNTRY", default_value = "DE")]
        country: String,
        /// PostgreSQL instead of the embedded database: postgres://USER@HOST/DB (kept in
        /// custos.toml).
        #[arg(long, env = "CUSTOS_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Run the server.
    Serve {
        /// Listen address (default 127.0.0.1:8443).
        #[arg(long, env = "CUSTOS_LISTEN")]
        listen: Option<String>,
        /// Database URL (default: the embedded database in the data dir).
        #[arg(long, env = "CUSTOS_DATABASE_URL")]
        database_url: Option<String>,
        /// Plain HTTP instead of TLS; accepted only on a loopback address.
        #[arg(long, env = "CUSTOS_INSECURE_HTTP")]
        insecure_http: bool,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Businesses hosted in this data dir.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check the server and each business (TLS, two-step sign-in, backups and restore drills,
    /// keys, retention, inactive staff, tokens, overdue requests, open alerts, the audit chain,
    /// known vulnerabilities of this build); each finding with its severity and fix. Exits 1
    /// while a high-severity finding stands.
    Doctor {
        /// Only this business (short name).
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Compliance documents made from the catalog and configuration.
    Compliance {
        #[command(subcommand)]
        command: ComplianceCommand,
    },
    /// Retention: apply the businesses' retention rules.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Keys: their status, and rotation of the master key.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Move a shop's data to another store (the embedded database to PostgreSQL, or back)
    /// without decrypting anything; verifies every table's count and the audit trail. Stop
    /// the server first; afterwards point database_url at the new store.
    MigrateStore {
        /// The store to copy from (default: the data dir's own): sqlite:///DIR or postgres://…
        #[arg(long)]
        from: Option<String>,
        /// The store to copy into, which must be empty: postgres://USER@HOST/DB or sqlite:///DIR.
        #[arg(long)]
        to: String,
    },
    /// Import a customer list: a Shopify, Fresha or Square export, or any CSV with a mapping of
    /// its columns. Re-running a file (or an interrupted import) adds nothing twice.
    Import {
        /// shopify, fresha, square or csv.
        #[arg(value_parser = ["shopify", "fresha", "square", "csv"])]
        source: String,
        /// The exported file (UTF-8 CSV).
        file: PathBuf,
        /// Report what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// For csv: the mapping of its columns, a CSV of `column,target` lines (target: a
        /// catalog field, external_id, consent:PURPOSE[:CHANNEL], or drop).
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Change customers already here to the file's values (otherwise left as they are).
        #[arg(long)]
        update: bool,
        /// The business (short name); needed when the data dir hosts several.
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
        /// Print the whole report as JSON instead of the summary.
        #[arg(long)]
        json: bool,
    },
    /// Export the whole customer list (plaintext personal data: keep the file safe): in the
    /// import layout of Shopify, Fresha or Square for a move, or as csv with one column per
    /// catalog field and consent. Audited.
    Export {
        /// shopify, fresha, square or csv.
        #[arg(value_parser = ["shopify", "fresha", "square", "csv"])]
        format: String,
        /// The file to write (created with mode 0600; must not exist).
        #[arg(long)]
        out: PathBuf,
        /// The business (short name); needed when the data dir hosts several.
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
    },
    /// Backups: create, verify (a restore drill), restore into a new data dir.
    Backup {
        #[command(subcommand)]
        command: BackupCommand,
    },
}

/// `custos keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// The master keys and every business's key: ids, versions, ages, what they wrap.
    Status,
    /// Rotate a key online (resumable: run it again after an interruption).
    #[command(group(clap::ArgGroup::new("key").required(true).args(["master", "tenant"])))]
    Rotate {
        /// The master key: every business's keys are rewrapped under a new one; the old one is
        /// kept as retired (older backups need it).
        #[arg(long, conflicts_with = "tenant")]
        master: bool,
        /// A business's key (by short name): a new version, every customer key rewrapped under
        /// it in batches.
        #[arg(long)]
        tenant: Option<String>,
    },
}

/// `custos backup …`
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Write a backup of the data dir (while the server runs), encrypted with age to the
    /// recipients in backup_recipients (or --recipient).
    Create {
        /// The backup file to write (never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// An age recipient (age1…) instead of those in the config; may be repeated.
        #[arg(long)]
        recipient: Vec<String>,
    },
    /// A restore drill: decrypt, check the manifest and every checksum, restore into a scratch
    /// dir and verify its audit trail. Exit status 1 on any problem.
    Verify {
        /// The backup file.
        file: PathBuf,
        /// The age identity file (e.g. backup.age-identity).
        #[arg(long)]
        identity: PathBuf,
        /// Also check that this master key opens every business's keys.
        #[arg(long)]
        master_key: Option<PathBuf>,
    },
    /// Restore a backup into a new data dir (--data-dir, which must not exist or be empty),
    /// erasing again every customer erased since the backup.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// The age identity file.
        #[arg(long)]
        identity: PathBuf,
        /// The master key of the backed-up data dir.
        #[arg(long, env = "CUSTOS_MASTER_KEY_FILE")]
        master_key: PathBuf,
        /// The live (or last) data dir, whose tombstones name the erasures since the backup.
        #[arg(long, conflicts_with_all = ["tombstones", "no_tombstones"])]
        live_data_dir: Option<PathBuf>,
        /// Tombstones exported with `custos backup tombstones`.
        #[arg(long, conflicts_with = "no_tombstones")]
        tombstones: Option<PathBuf>,
        /// No data dir survived and no tombstones were exported: restore without them.
        #[arg(long)]
        no_tombstones: bool,
    },
    /// Export the erasure tombstones of the data dir (ids and times only), to keep beside the
    /// backups.
    Tombstones {
        /// Where to write (JSON Lines).
        #[arg(long)]
        out: PathBuf,
    },
}

/// `custos retention …`
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Apply every retention rule of every business now (or of one, with --tenant), in bounded
    /// batches; prints what each rule did.
    Run {
        /// Count what would be deleted, delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Only this business (short name).
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
    },
}

/// `custos compliance …`
#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// The records of processing activities (GDPR art. 30): JSON, or a printable HTML page.
    Ropa {
        /// The business (short name); may be left out when the data dir holds one.
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
        /// json or html.
        #[arg(long, default_value = "json", value_parser = ["json", "html"])]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The privacy notice (GDPR art. 13) as Markdown or HTML.
    PrivacyNotice {
        /// The business (short name); may be left out when the data dir holds one.
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
        /// en, de or pl.
        #[arg(long, default_value = "en", value_parser = ["en", "de", "pl"])]
        lang: String,
        /// markdown or html.
        #[arg(long, default_value = "markdown", value_parser = ["markdown", "html"])]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The data-flow map as SVG.
    DataMap {
        /// The business (short name); may be left out when the data dir holds one.
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `custos user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff user. The password comes from CUSTOS_USER_PASSWORD, a prompt, or is generated.
    Add {
        /// Username.
        #[arg(long)]
        username: String,
        /// Role: owner, manager, staff, clinician, marketing, auditor or device.
        #[arg(long)]
        role: String,
        /// The business (short name); may be left out when the data dir holds one.
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
    },
    /// Clear the login throttle of an account at once (the recovery path when someone keeps
    /// guessing a password, e.g. the owner's).
    Unlock {
        /// Username.
        #[arg(long)]
        username: String,
        /// The business (short name).
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
    },
}

/// `custos audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain and every signed checkpoint; exit status 1 on any break. With
    /// `--export`, verify an exported file instead, offline.
    Verify {
        /// The audit public key (hex); default: `audit-signing.pub` in the data dir.
        #[arg(long)]
        public_key: Option<PathBuf>,
        /// An exported trail (JSON Lines or CSV) to verify instead of the data dir.
        #[arg(long)]
        export: Option<PathBuf>,
    },
    /// Export the trail with its hashes and signed checkpoints (JSON Lines or CSV).
    Export {
        /// Where to write.
        #[arg(long)]
        out: PathBuf,
        /// The format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: crate::audit_export::Format,
    },
}

/// `custos tenant …`
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Add a business with its owner. The password comes from CUSTOS_OWNER_PASSWORD, a prompt, or is generated.
    Add {
        /// A short name (a–z, 0–9, '-').
        #[arg(long)]
        slug: String,
        /// The business name.
        #[arg(long)]
        business: String,
        /// The template: retail, salon, subscription or optician.
        #[arg(long, default_value = "retail", value_parser = ["retail", "salon", "subscription", "optician"])]
        template: String,
        /// The owner's username.
        #[arg(long, default_value = "owner")]
        owner: String,
        /// Default country for phone numbers.
        #[arg(long, default_value = "DE")]
        country: String,
    },
    /// List the businesses.
    List,
}

/// `custos token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token acting as a user; prints the token once.
    Create {
        /// The user the token acts as (with that user's role).
        #[arg(long)]
        user: String,
        /// A name for the token (e.g. the integration it is for).
        #[arg(long)]
        name: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
        /// The business (short name).
        #[arg(long, env = "CUSTOS_TENANT")]
        tenant: Option<String>,
    },
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // Blocking work (database reads, password hashing, file I/O) runs on at most 32 threads:
    // the store admits 8 readers at a time anyway, and each thread that lived keeps some heap.
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(32)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("custos: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custos: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn password_from(env: &str, prompt: &str) -> anyhow::Result<Option<Zeroizing<String>>> {
    if let Ok(p) = std::env::var(env) {
        return Ok(Some(Zeroizing::new(p)));
    }
    if std::io::stdin().is_terminal() {
        let a = Zeroizing::new(rpassword::prompt_password(prompt)?);
        let b = Zeroizing::new(rpassword::prompt_password("Repeat it: ")?);
        if *a != *b {
            return Err(anyhow!("the two passwords differ"));
        }
        return Ok(Some(a));
    }
    Ok(None)
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init {
            business,
            slug,
            template,
            owner,
            country,
            database_url,
        } => {
            let owner_password = password_from(
                "CUSTOS_OWNER_PASSWORD",
                "Owner password (at least 15 characters): ",
            )?;
            let report = init(InitOptions {
                data_dir: cli.data_dir.clone(),
                business,
                slug,
                template,
                owner: owner.clone(),
                country,
                owner_password,
                database_url: database_url.clone(),
            })
            .await?;
            match &database_url {
                None => println!(
                    "Created {} for the business '{}'.",
                    cli.data_dir.display(),
                    report.slug
                ),
                Some(url) => println!(
                    "Created {} for the business '{}', its data in {}.",
                    cli.data_dir.display(),
                    report.slug,
                    custos_store::pg::redact(url)
                ),
            }
            if let Some(pw) = report.generated_password {
                println!("The owner '{owner}' has the password:\n\n    {}\n\nIt is shown this once. Log in and keep it in a password manager.", &*pw);
            }
            println!(
                "Keep a copy of {dir}/master.key OFF this machine: without it no backup can be read.\nKeep {dir}/backup.age-identity off this machine too, apart from the master key: it decrypts the backups.\nStart the server with: custos serve --data-dir {dir}",
                dir = cli.data_dir.display()
            );
            Ok(())
        }
        Command::Serve {
            listen,
            database_url,
            insecure_http,
        } => {
            let s = settings(
                &cli.data_dir,
                Overrides {
                    listen,
                    database_url,
                    insecure_http,
                    master_key_file: std::env::var_os("CUSTOS_MASTER_KEY_FILE").map(PathBuf::from),
                    log_format: std::env::var("CUSTOS_LOG_FORMAT").ok(),
                    smtp_url: std::env::var("CUSTOS_SMTP_URL").ok(),
                    mail_from: std::env::var("CUSTOS_MAIL_FROM").ok(),
                    public_url: std::env::var("CUSTOS_PUBLIC_URL").ok(),
                },
            )?;
            crate::telemetry::init(s.log_json);
            let running = start(s, true).await?;
            let scheme = if running.tls { "https" } else { "http" };
            tracing::info!(address = %running.addr, "custos {} listening on {scheme}://{}", env!("CARGO_PKG_VERSION"), running.addr);
            running.wait().await
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    tenant,
                },
        } => {
            let (vault, t) = admin(&cli.data_dir, tenant.as_deref()).await?;
            let given = password_from(
                "CUSTOS_USER_PASSWORD",
                &format!("Password for {username}: "),
            )?;
            let pw = given
                .clone()
                .unwrap_or_else(|| custos_crypto::random_token_text(18));
            vault
                .add_user(None, t.id, &username, &pw, &role, &Default::default())
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("Added {username} ({role}) to {}.", t.slug);
            if given.is_none() {
                println!("Password (shown once): {}", &*pw);
            }
            Ok(())
        }
        Command::User {
            command: UserCommand::Unlock { username, tenant },
        } => {
            let (vault, t) = admin(&cli.data_dir, tenant.as_deref()).await?;
            vault
                .unlock(t.id, &username)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!(
                "Cleared the failed logins of {username} in {}; they can log in again now.",
                t.slug
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { public_key, export },
        } => {
            let v = if let Some(file) = export {
                let key_path =
                    public_key.ok_or_else(|| anyhow!("give --public-key with --export"))?;
                let public = std::fs::read_to_string(&key_path).with_context(|| {
                    format!("cannot read the audit public key {}", key_path.display())
                })?;
                crate::audit_export::verify_export(&file, public.trim())?
            } else {
                let s = settings(&cli.data_dir, admin_overrides())?;
                let key_path = public_key.unwrap_or_else(|| s.data_dir.join("audit-signing.pub"));
                let public = std::fs::read_to_string(&key_path).with_context(|| {
                    format!("cannot read the audit public key {}", key_path.display())
                })?;
                let location = s.location()?;
                let store = custos_store::open_async(&location).await?;
                let v = custos_core::trail::verify(store.as_ref(), public.trim())
                    .await
                    .map_err(|e| anyhow!("{e}"));
                store.close();
                v?
            };
            if v.ok {
                println!(
                    "ok: {} events, {} signed checkpoints, no break",
                    v.events, v.checkpoints
                );
                Ok(())
            } else {
                Err(anyhow!(
                    "BROKEN at event {}: {}",
                    v.first_bad.unwrap_or(0),
                    v.problem.unwrap_or_default()
                ))
            }
        }
        Command::Audit {
            command: AuditCommand::Export { out, format },
        } => {
            let s = settings(&cli.data_dir, admin_overrides())?;
            let public = std::fs::read_to_string(s.data_dir.join("audit-signing.pub"))
                .context("cannot read audit-signing.pub")?;
            let location = s.location()?;
            let store = custos_store::open_async(&location).await?;
            let file = std::fs::File::create(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let r =
                crate::audit_export::export(store.as_ref(), public.trim(), format, &mut w).await;
            store.close();
            let n = r?;
            eprintln!(
                "Exported {n} events with their checkpoints to {}.",
                out.display()
            );
            Ok(())
        }
        Command::Tenant {
            command:
                TenantCommand::Add {
                    slug,
                    business,
                    template,
                    owner,
                    country,
                },
        } => {
            let s = settings(&cli.data_dir, admin_overrides())?;
            let given = password_from(
                "CUSTOS_OWNER_PASSWORD",
                "Owner password (at least 15 characters): ",
            )?;
            let pw = given
                .clone()
                .unwrap_or_else(|| custos_crypto::random_token_text(18));
            crate::add_tenant(&s, &slug, &business, &template, &country, &owner, &pw).await?;
            println!("Added the business '{slug}' with its owner '{owner}'.");
            if given.is_none() {
                println!("Owner password (shown once): {}", &*pw);
            }
            Ok(())
        }
        Command::Retention {
            command: RetentionCommand::Run { dry_run, tenant },
        } => {
            let s = settings(&cli.data_dir, admin_overrides())?;
            let (vault, store) = crate::open_vault(&s).await?;
            let opts = custos_core::retention::SweepOptions {
                dry_run,
                pause: std::time::Duration::ZERO,
                ..Default::default()
            };
            let r = match tenant {
                Some(slug) => match vault.resolve_tenant(Some(&slug)).await {
                    Ok(t) => vault
                        .sweep_tenant(t.id, &opts, &Default::default())
                        .await
                        .map(|r| vec![(t.slug, r)]),
                    Err(e) => Err(e),
                },
                None => vault.sweep_all(&opts).await,
            };
            let st = store.clone();
            let _ = tokio::task::spawn_blocking(move || st.close()).await;
            let reports = r.map_err(|e| anyhow!("{e}"))?;
            print!("{}", crate::retention_table(&reports));
            Ok(())
        }
        Command::Doctor { tenant, json } => doctor(&cli.data_dir, tenant.as_deref(), json).await,
        Command::Compliance { command } => compliance(&cli.data_dir, command).await,
        Command::MigrateStore { from, to } => {
            let s = settings(&cli.data_dir, admin_overrides())?;
            let from = match from {
                Some(u) => custos_store::Location::parse(Some(&u), &s.data_dir)?,
                None => s.location()?,
            };
            let to = custos_store::Location::parse(Some(&to), &s.data_dir)?;
            let public = std::fs::read_to_string(s.data_dir.join("audit-signing.pub"))
                .context("cannot read audit-signing.pub (the audit public key) in the data dir")?;
            let report = crate::migrate::migrate_store(
                &from,
                &to,
                public.trim(),
                std::io::stderr().is_terminal(),
            )
            .await?;
            println!("{report}");
            Ok(())
        }
        Command::Backup { command } => backup(&cli.data_dir, command).await,
        Command::Export {
            format,
            out,
            tenant,
        } => {
            let format = custos_core::importing::Source::parse(&format)
                .ok_or_else(|| anyhow!("unknown format {format}"))?;
            let s = settings(&cli.data_dir, admin_overrides())?;
            let (vault, store) = crate::open_vault(&s).await?;
            let r = async {
                let t = vault
                    .resolve_tenant(tenant.as_deref())
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                let p = custos_core::policy::Principal::command_line(t.id, &t.slug);
                let meta = custos_core::audit::RequestMeta {
                    request_id: Some(format!("cli-export-{}", uuid::Uuid::now_v7())),
                    client_addr: None,
                };
                vault
                    .export_customer_list(&p, format, &meta)
                    .await
                    .map_err(|e| anyhow!("{e}"))
            }
            .await;
            let st = store.clone();
            let _ = tokio::task::spawn_blocking(move || st.close()).await;
            let list = r?;
            crate::write_secret(&out, &list.csv)?;
            eprintln!(
                "{} customers written to {} — plaintext personal data: keep it safe, delete it when done.",
                list.customers,
                out.display()
            );
            Ok(())
        }
        Command::Import {
            source,
            file,
            dry_run,
            mapping,
            update,
            tenant,
            json,
        } => {
            let source = custos_core::importing::Source::parse(&source)
                .ok_or_else(|| anyhow!("unknown source {source}"))?;
            let mapping = match &mapping {
                Some(m) => Some(
                    custos_core::importing::Mapping::parse(
                        &std::fs::read_to_string(m)
                            .with_context(|| format!("reading the mapping {}", m.display()))?,
                    )
                    .map_err(|e| anyhow!("{e}"))?,
                ),
                None if source == custos_core::importing::Source::Csv => {
                    return Err(anyhow!(
                        "a csv import needs --mapping FILE (one `column,target` line per column)"
                    ))
                }
                None => None,
            };
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let s = settings(&cli.data_dir, admin_overrides())?;
            let (vault, store) = crate::open_vault(&s).await?;
            let opts = custos_core::importing::ImportOptions {
                source,
                mapping,
                file_name: file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                dry_run,
                update,
            };
            let r = crate::import_file(&vault, tenant.as_deref(), &bytes, &opts).await;
            let st = store.clone();
            let _ = tokio::task::spawn_blocking(move || st.close()).await;
            let report = r?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", crate::import_summary(&report));
            }
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Status,
        } => {
            let s = settings(&cli.data_dir, admin_overrides())?;
            print!("{}", crate::keys::status(&s).await?);
            Ok(())
        }
        Command::Keys {
            command:
                KeysCommand::Rotate {
                    master: false,
                    tenant: Some(slug),
                },
        } => {
            let s = settings(&cli.data_dir, admin_overrides())?;
            let (vault, store) = crate::open_vault(&s).await?;
            let r = async {
                let t = vault.resolve_tenant(Some(&slug)).await?;
                vault
                    .rotate_tenant_key(t.id, 500, &Default::default())
                    .await
            }
            .await;
            let st = store.clone();
            let _ = tokio::task::spawn_blocking(move || st.close()).await;
            let r = r.map_err(crate::key_error)?;
            println!(
                "The key of '{slug}' is now version {}{}: {} customer keys rewrapped.",
                r.to,
                if r.resumed {
                    " (an interrupted rotation finished)"
                } else {
                    ""
                },
                r.rewrapped
            );
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { master, .. },
        } => {
            if !master {
                anyhow::bail!("say which key to rotate: --master, or --tenant SLUG");
            }
            let s = settings(&cli.data_dir, admin_overrides())?;
            let r = crate::keys::rotate_master(&s).await?;
            println!(
                "The master key is now {} ({} businesses rewrapped). The old key {} is kept in {}: older backups need it. Keep a copy of the new master key OFF this machine.",
                r.new_id,
                r.tenants,
                r.old_id,
                crate::keys::FileMasterKeys::new(&s.master_key_file)
                    .retired_path(&r.old_id)
                    .display()
            );
            Ok(())
        }
        Command::Tenant {
            command: TenantCommand::List,
        } => {
            let s = settings(&cli.data_dir, admin_overrides())?;
            let (vault, store) = crate::open_vault(&s).await?;
            let r = vault.store().tenants().await;
            store.close();
            for t in r.map_err(|e| anyhow!("{e}"))? {
                println!(
                    "{}\t{}\t{}\t{}",
                    t.slug,
                    t.catalog.template,
                    t.created_at.date(),
                    t.name
                );
            }
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    user,
                    name,
                    expires_days,
                    tenant,
                },
        } => {
            let (vault, t) = admin(&cli.data_dir, tenant.as_deref()).await?;
            let ttl = expires_days.map(|d| time::Duration::days(i64::from(d)));
            let (token, expires) = vault
                .create_api_token(t.id, &user, &name, ttl)
                .await
                .map_err(|e| anyhow!("token create: {e}"))?;
            println!("{}", &*token);
            match expires {
                Some(e) => {
                    eprintln!("Token '{name}' for {user} expires {e}. It is shown this once.")
                }
                None => {
                    eprintln!("Token '{name}' for {user} does not expire. It is shown this once.")
                }
            }
            Ok(())
        }
    }
}

/// Opens the data dir's vault for an administrative command and resolves the business named
/// (or the only one). The store closes when the vault is dropped.
async fn admin(
    data_dir: &std::path::Path,
    tenant: Option<&str>,
) -> anyhow::Result<(
    std::sync::Arc<custos_core::Vault>,
    custos_core::store::TenantRow,
)> {
    let s = settings(data_dir, admin_overrides())?;
    let (vault, _store) = crate::open_vault(&s).await?;
    let t = vault
        .resolve_tenant(tenant)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    Ok((vault, t))
}

/// `custos doctor`: the checks of every business (or one), printed; an error while a
/// high-severity finding stands.
async fn doctor(
    data_dir: &std::path::Path,
    tenant: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    use custos_api::compliance::Severity;
    let s = settings(data_dir, admin_overrides())?;
    let posture = crate::posture(&s)?;
    let (vault, store) = crate::open_vault(&s).await?;
    let tenants = match tenant {
        Some(slug) => vec![vault
            .resolve_tenant(Some(slug))
            .await
            .map_err(|e| anyhow!("{e}"))?],
        None => vault.store().tenants().await.map_err(|e| anyhow!("{e}"))?,
    };
    let mut reports = Vec::new();
    for t in &tenants {
        reports.push(
            vault
                .run_checks(t, &posture)
                .await
                .map_err(|e| anyhow!("doctor: {e}"))?,
        );
    }
    let st = store.clone();
    let _ = tokio::task::spawn_blocking(move || st.close()).await;
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        print!("{}", crate::doctor_table(&reports));
    }
    let high: usize = reports
        .iter()
        .flat_map(|r| r.findings.iter())
        .filter(|f| f.severity == Severity::High)
        .count();
    if high > 0 {
        return Err(anyhow!(
            "{high} high-severity finding{} stand{}: fix {} first",
            if high == 1 { "" } else { "s" },
            if high == 1 { "s" } else { "" },
            if high == 1 { "it" } else { "them" }
        ));
    }
    Ok(())
}

/// `custos compliance …`
async fn compliance(data_dir: &std::path::Path, command: ComplianceCommand) -> anyhow::Result<()> {
    use custos_core::compliance as c;
    let write = |out: Option<PathBuf>, text: String| -> anyhow::Result<()> {
        match out {
            Some(p) => {
                std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))
            }
            None => {
                print!("{text}");
                Ok(())
            }
        }
    };
    let s = settings(data_dir, admin_overrides())?;
    let meta = custos_core::audit::RequestMeta::default();
    match command {
        ComplianceCommand::Ropa {
            tenant,
            format,
            out,
        } => {
            let posture = crate::posture(&s)?;
            let (vault, t) = admin(data_dir, tenant.as_deref()).await?;
            let p = custos_core::policy::Principal::command_line(t.id, &t.slug);
            let r = vault
                .ropa(&p, &posture, &meta)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let text = if format == "html" {
                c::ropa_html(&r)
            } else {
                serde_json::to_string_pretty(&r)? + "\n"
            };
            write(out, text)
        }
        ComplianceCommand::PrivacyNotice {
            tenant,
            lang,
            format,
            out,
        } => {
            let (vault, t) = admin(data_dir, tenant.as_deref()).await?;
            let base = s.public_url.clone().unwrap_or_default();
            let links = c::NoticeLinks {
                base: format!("{base}/v1/compliance/privacy-notice?business={}", t.slug),
                portal: Some(format!("{base}/privacy/portal?b={}&lang={lang}", t.slug)),
            };
            let relay = crate::mail_relay(&s);
            let n = vault
                .privacy_notice(Some(&t.slug), &lang, relay.as_deref(), &links)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            write(out, if format == "html" { n.html } else { n.markdown })
        }
        ComplianceCommand::DataMap { tenant, out } => {
            let posture = crate::posture(&s)?;
            let (vault, t) = admin(data_dir, tenant.as_deref()).await?;
            let p = custos_core::policy::Principal::command_line(t.id, &t.slug);
            let (business, flows) = vault
                .data_flows(&p, &posture, &meta)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            write(out, c::data_map_svg(&business, &flows))
        }
    }
}

fn admin_overrides() -> Overrides {
    Overrides {
        database_url: std::env::var("CUSTOS_DATABASE_URL").ok(),
        master_key_file: std::env::var_os("CUSTOS_MASTER_KEY_FILE").map(PathBuf::from),
        ..Default::default()
    }
}

async fn backup(data_dir: &std::path::Path, command: BackupCommand) -> anyhow::Result<()> {
    use crate::backup as b;
    let now = time::OffsetDateTime::now_utc();
    let progress = std::io::stderr().is_terminal();
    match command {
        BackupCommand::Create { out, recipient } => {
            let s = settings(data_dir, admin_overrides())?;
            let list = if recipient.is_empty() {
                s.backup_recipients.clone()
            } else {
                recipient
            };
            let recipients = b::recipients(&list)?;
            let started = std::time::Instant::now();
            let dir = s.data_dir.clone();
            let source = s.location()?;
            let c = tokio::task::spawn_blocking(move || {
                b::create(&dir, &source, &out, &recipients, now, progress).map(|c| (c, out))
            })
            .await
            .context("backup task")??;
            let (c, out) = c;
            let inv = &c.manifest.inventory;
            println!(
                "Wrote {} ({} bytes) in {:.1} s: {} businesses, {} customers, {} records, {} audit events, {} tombstones.",
                out.display(),
                c.size,
                started.elapsed().as_secs_f64(),
                inv.tenants.len(),
                inv.customers,
                inv.records,
                inv.audit_events,
                inv.tombstones
            );
            Ok(())
        }
        BackupCommand::Verify {
            file,
            identity,
            master_key,
        } => {
            let v = b::verify(&file, &identity, master_key.as_deref(), progress).await?;
            let inv = &v.manifest.inventory;
            println!(
                "OK: {} from {} holds {} businesses, {} customers, {} records; every checksum matches; the audit trail verifies ({} events, {} signed checkpoints){}.",
                file.display(),
                custos_core::values::rfc3339(v.manifest.created_at),
                inv.tenants.len(),
                inv.customers,
                inv.records,
                v.events,
                v.checkpoints,
                if master_key.is_some() { "; the master key opens every business's keys" } else { "" }
            );
            Ok(())
        }
        BackupCommand::Restore {
            file,
            identity,
            master_key,
            live_data_dir,
            tombstones,
            no_tombstones,
        } => {
            let erasures = match (live_data_dir, tombstones, no_tombstones) {
                (Some(d), _, _) => b::Erasures::DataDir(d),
                (_, Some(f), _) => b::Erasures::File(f),
                (_, _, true) => b::Erasures::None,
                _ => anyhow::bail!(
                    "say where the erasures made since the backup are, so that no erased customer comes back: --live-data-dir DIR (the data dir in use) or --tombstones FILE (from `custos backup tombstones`); --no-tombstones only if neither survived"
                ),
            };
            let r = b::restore(
                &file,
                &identity,
                data_dir,
                &master_key,
                &erasures,
                now,
                progress,
            )
            .await?;
            println!(
                "Restored {} into {}: {} customers from the backup, {} erased again since; the audit trail verifies ({} events). Start it with: custos serve --data-dir {}",
                file.display(),
                data_dir.display(),
                r.manifest.inventory.customers,
                r.erased_again,
                r.events,
                data_dir.display()
            );
            if r.database_url_removed {
                println!(
                    "The backup came from a PostgreSQL store; this data dir holds it in its embedded database. To serve it from PostgreSQL again, copy it into an empty database: custos migrate-store --data-dir {} --to postgres://USER@HOST/DB",
                    data_dir.display()
                );
            }
            Ok(())
        }
        BackupCommand::Tombstones { out } => {
            let s = settings(data_dir, admin_overrides())?;
            let f = std::fs::File::create(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let mut w = std::io::BufWriter::new(f);
            let n = b::export_tombstones(&s.location()?, &mut w)?;
            w.into_inner()
                .map_err(|e| anyhow!("{}", e.error()))?
                .sync_all()?;
            eprintln!("Exported {n} tombstones to {}.", out.display());
            Ok(())
        }
    }
}
