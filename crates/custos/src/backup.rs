//! Backups: one file, encrypted with age to X25519 recipients, holding a consistent copy of a
//! data dir taken while the server runs (both databases, the configuration, the audit signing
//! key and the TLS files — never the master key), with a manifest of counts and checksums.
//! `verify` is a restore drill into a scratch dir; `restore` builds a new data dir and applies
//! the erasures made since the backup (their tombstones come from the live data dir, or a file
//! exported from it) before anything can serve it.

use anyhow::{anyhow, bail, Context};
use custos_core::audit::{AuditEvent, RequestMeta};
use custos_core::catalog::Category;
use custos_core::ids::{CustomerId, TenantId};
use custos_core::store::Store;
use custos_store::sqlite::backup::{inventory, snapshot_of, tombstones_in, Inventory, Tombstone};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use time::OffsetDateTime;

/// The format name in a backup's manifest.
pub const FORMAT: &str = "custos-backup/1";
/// The identity file `init` writes.
pub const IDENTITY_FILE: &str = "backup.age-identity";
const MANIFEST: &str = "manifest.json";
/// The files a backup may hold besides its manifest, as paths inside the data dir.
pub const FILES: [&str; 7] = [
    "custos.db",
    "audit.db",
    "custos.toml",
    "audit-signing.key",
    "audit-signing.pub",
    "tls/cert.pem",
    "tls/key.pem",
];
/// The largest file a backup may hold (a sanity bound on what a damaged header may claim).
const MAX_FILE: u64 = 1 << 40;

/// One file in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its path in the data dir.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `custos-backup/1`.
    pub format: String,
    /// The custos version that wrote it.
    pub custos_version: String,
    /// When the copy was taken.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The fingerprints of the master keys that wrap its tenant keys (needed to read it).
    pub master_key_ids: Vec<String>,
    /// Businesses and counts.
    pub inventory: Inventory,
    /// Every file with its size and checksum.
    pub files: Vec<FileEntry>,
}

/// Parses age X25519 recipients (`age1…`).
pub fn recipients(list: &[String]) -> anyhow::Result<Vec<age::x25519::Recipient>> {
    list.iter()
        .map(|r| {
            age::x25519::Recipient::from_str(r.trim())
                .map_err(|_| anyhow!("'{r}' is not an age X25519 recipient (age1…)"))
        })
        .collect()
}

/// Reads age identities from a file (one `AGE-SECRET-KEY-1…` a line; `#` comments).
pub fn read_identities(path: &Path) -> anyhow::Result<Vec<age::x25519::Identity>> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the identity file {}", path.display()))?,
    );
    let ids: Vec<age::x25519::Identity> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            age::x25519::Identity::from_str(l).map_err(|_| {
                anyhow!(
                    "{} holds a line that is not an age identity",
                    path.display()
                )
            })
        })
        .collect::<anyhow::Result<_>>()?;
    if ids.is_empty() {
        bail!("{} holds no age identity", path.display());
    }
    Ok(ids)
}

/// Makes a new age identity, writes it to `path` (mode 0600) and answers its recipient.
pub fn generate_identity(path: &Path, now: OffsetDateTime) -> anyhow::Result<String> {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    let text = zeroize::Zeroizing::new(format!(
        "# custos backup identity, created {}\n# recipient: {recipient}\n# Keep a copy OFF this server: without it no backup can be read.\n{}\n",
        custos_core::values::rfc3339(now),
        id.to_string().expose_secret()
    ));
    crate::write_secret(path, text.as_bytes())?;
    Ok(recipient)
}

fn sha256_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex::encode(h.finalize())))
}

/// A reader that advances a progress bar.
struct Progress<R> {
    inner: R,
    bar: indicatif::ProgressBar,
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

fn bar(total: u64, show: bool, what: &str) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(total);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
    {
        b.set_style(style.progress_chars("=> "));
    }
    b.set_message(what.to_owned());
    b
}

/// What `create` made.
#[derive(Debug)]
pub struct Created {
    /// The manifest.
    pub manifest: Manifest,
    /// The backup file's size.
    pub size: u64,
}

/// Writes a backup of `data_dir` to `out` (refused if it exists), encrypted to `recipients`.
/// The copy is taken while the server runs; the file appears under its name only once
/// complete and synced.
pub fn create(
    data_dir: &Path,
    source: &custos_store::Location,
    out: &Path,
    recipients: &[age::x25519::Recipient],
    now: OffsetDateTime,
    progress: bool,
) -> anyhow::Result<Created> {
    if recipients.is_empty() {
        bail!("no backup recipient: set backup_recipients in custos.toml (init writes one) or pass --recipient age1…");
    }
    if out.exists() {
        bail!("{} exists; a backup never overwrites a file", out.display());
    }
    let scratch = tempfile::Builder::new()
        .prefix(".backup-")
        .tempdir_in(data_dir)
        .with_context(|| format!("cannot make a scratch dir in {}", data_dir.display()))?;
    snapshot_of(source, scratch.path()).map_err(|e| anyhow!("{e}"))?;
    let inv = inventory(scratch.path()).map_err(|e| anyhow!("{e}"))?;
    let mut sources: Vec<(String, PathBuf)> = Vec::new();
    for name in FILES {
        let p = if name.ends_with(".db") {
            scratch.path().join(name)
        } else {
            data_dir.join(name)
        };
        if p.exists() {
            sources.push((name.to_owned(), p));
        }
    }
    let mut files = Vec::new();
    for (name, p) in &sources {
        let (size, sha256) = sha256_file(p)?;
        files.push(FileEntry {
            name: name.clone(),
            size,
            sha256,
        });
    }
    let mut master_key_ids: Vec<String> = inv
        .tenants
        .iter()
        .map(|t| t.master_key_id.clone())
        .collect();
    master_key_ids.sort();
    master_key_ids.dedup();
    let manifest = Manifest {
        format: FORMAT.into(),
        custos_version: env!("CARGO_PKG_VERSION").into(),
        created_at: now,
        master_key_ids,
        inventory: inv,
        files,
    };
    let manifest_json = serde_json::to_vec_pretty(&manifest)?;
    let partial = out.with_extension("partial");
    let result = (|| -> anyhow::Result<u64> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)
            .with_context(|| format!("cannot create {}", partial.display()))?;
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| anyhow!("cannot encrypt: {e}"))?;
        let writer = encryptor.wrap_output(BufWriter::new(file))?;
        let mut tar = tar::Builder::new(writer);
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest_json.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(now.unix_timestamp().max(0) as u64);
        header.set_cksum();
        tar.append_data(&mut header, MANIFEST, manifest_json.as_slice())?;
        let total: u64 = manifest.files.iter().map(|f| f.size).sum();
        let b = bar(total, progress, "backup");
        for (name, p) in &sources {
            let f = std::fs::File::open(p)?;
            let size = f.metadata()?.len();
            let mut header = tar::Header::new_gnu();
            header.set_size(size);
            header.set_mode(0o600);
            header.set_mtime(now.unix_timestamp().max(0) as u64);
            header.set_cksum();
            tar.append_data(
                &mut header,
                name,
                Progress {
                    inner: BufReader::new(f),
                    bar: b.clone(),
                },
            )?;
        }
        b.finish_and_clear();
        let writer = tar.into_inner()?;
        let mut inner = writer.finish()?;
        inner.flush()?;
        let file = inner.into_inner().map_err(|e| anyhow!("{}", e.error()))?;
        file.sync_all()?;
        Ok(file.metadata()?.len())
    })();
    match result {
        Ok(size) => {
            std::fs::rename(&partial, out)
                .with_context(|| format!("cannot move the backup to {}", out.display()))?;
            Ok(Created { manifest, size })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Reads every byte of a decrypting reader, so that age authenticates the whole stream (a
/// truncated file is caught at its last chunk).
fn drain(mut r: impl Read) -> std::io::Result<()> {
    std::io::copy(&mut r, &mut std::io::sink()).map(|_| ())
}

fn damaged(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("the backup is damaged or truncated ({e}); nothing was restored")
}

/// Decrypts a backup into `into` and checks it: every file of the manifest present, with its
/// size and checksum, nothing else. Answers the manifest.
pub fn extract(
    file: &Path,
    identities: &[age::x25519::Identity],
    into: &Path,
    progress: bool,
) -> anyhow::Result<Manifest> {
    let f = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let total = f.metadata()?.len();
    let b = bar(total, progress, "reading");
    let reader = BufReader::new(Progress {
        inner: f,
        bar: b.clone(),
    });
    let decryptor = age::Decryptor::new_buffered(reader).map_err(|_| {
        anyhow!(
            "{} is not a custos backup (not an age-encrypted file)",
            file.display()
        )
    })?;
    let stream = decryptor
        .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => anyhow!(
                "this backup is not encrypted to the given identity; use the identity whose recipient is in backup_recipients when the backup was made"
            ),
            other => damaged(other),
        })?;
    let manifest = unpack(stream, into)?;
    b.finish_and_clear();
    Ok(manifest)
}

/// Unpacks a backup's decrypted archive into `into` and checks it against its manifest (the
/// second half of [`extract`], on its own for the fuzz target `backup_archive`).
pub fn unpack(stream: impl Read, into: &Path) -> anyhow::Result<Manifest> {
    let mut archive = tar::Archive::new(stream);
    let mut found: Vec<FileEntry> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    for entry in archive.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let name = entry
            .path()
            .map_err(damaged)?
            .to_string_lossy()
            .into_owned();
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(damaged(format!("unexpected entry '{name}'")));
        }
        if name == MANIFEST {
            let mut buf = Vec::new();
            (&mut entry)
                .take(16 << 20)
                .read_to_end(&mut buf)
                .map_err(damaged)?;
            manifest =
                Some(serde_json::from_slice(&buf).map_err(|e| damaged(format!("manifest: {e}")))?);
            continue;
        }
        if !FILES.contains(&name.as_str()) || found.iter().any(|f| f.name == name) {
            return Err(damaged(format!("unexpected entry '{name}'")));
        }
        let dest = into.join(&name);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        // Everything of a data dir is private: keys, databases, configuration.
        let mut out = BufWriter::new(
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&dest)
                .with_context(|| format!("cannot write {}", dest.display()))?,
        );
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut size = 0u64;
        loop {
            let k = entry.read(&mut buf).map_err(damaged)?;
            if k == 0 {
                break;
            }
            h.update(&buf[..k]);
            out.write_all(&buf[..k])?;
            size += k as u64;
            if size > MAX_FILE {
                return Err(damaged("a file larger than any backup holds"));
            }
        }
        out.flush()?;
        found.push(FileEntry {
            name,
            size,
            sha256: hex::encode(h.finalize()),
        });
    }
    drain(archive.into_inner()).map_err(damaged)?;
    let manifest = manifest.ok_or_else(|| damaged("no manifest"))?;
    if manifest.format != FORMAT {
        bail!(
            "this backup's format is '{}', which this version of custos does not read",
            manifest.format
        );
    }
    for want in &manifest.files {
        let got = found
            .iter()
            .find(|f| f.name == want.name)
            .ok_or_else(|| damaged(format!("'{}' is missing", want.name)))?;
        if got != want {
            return Err(damaged(format!(
                "'{}' does not match its checksum",
                want.name
            )));
        }
    }
    if found.len() != manifest.files.len() {
        return Err(damaged("it holds files its manifest does not list"));
    }
    for needed in ["custos.db", "audit.db"] {
        if !found.iter().any(|f| f.name == needed) {
            return Err(damaged(format!("'{needed}' is missing")));
        }
    }
    // The copy's own counts must be the manifest's.
    let inv = inventory(into).map_err(damaged)?;
    if inv != manifest.inventory {
        return Err(damaged(
            "its databases do not hold what the manifest counts",
        ));
    }
    Ok(manifest)
}

/// The result of a restore drill.
#[derive(Debug)]
pub struct Verified {
    /// The manifest.
    pub manifest: Manifest,
    /// Audit events verified.
    pub events: u64,
    /// Signed checkpoints checked.
    pub checkpoints: u64,
}

async fn check_trail(store: &dyn Store, dir: &Path) -> anyhow::Result<(u64, u64)> {
    let public = std::fs::read_to_string(dir.join("audit-signing.pub"))
        .map_err(|_| damaged("it holds no audit public key"))?;
    let v = custos_core::trail::verify(store, public.trim())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    if !v.ok {
        bail!(
            "the backup's audit trail does not verify: broken at event {} ({})",
            v.first_bad.unwrap_or(0),
            v.problem.unwrap_or_default()
        );
    }
    Ok((v.events, v.checkpoints))
}

/// A restore drill: decrypts into a scratch dir, checks the manifest and every checksum, opens
/// the copy and verifies its audit trail (and, given the master key, that every business's keys
/// open). Nothing outside the scratch dir is touched.
pub async fn verify(
    file: &Path,
    identity: &Path,
    master_key: Option<&Path>,
    progress: bool,
) -> anyhow::Result<Verified> {
    let ids = read_identities(identity)?;
    let master = master_key.map(crate::read_master_key).transpose()?;
    let scratch = tempfile::Builder::new()
        .prefix("custos-verify-")
        .tempdir()?;
    let manifest = extract(file, &ids, scratch.path(), progress)?;
    if let Some(m) = &master {
        check_master(&manifest, m)?;
    }
    let store =
        custos_store::open_async(&custos_store::Location::Sqlite(scratch.path().to_owned()))
            .await
            .map_err(damaged)?;
    let r = check_trail(store.as_ref(), scratch.path()).await;
    let opened = match (&master, &r) {
        (Some(m), Ok(_)) => {
            let vault = custos_core::Vault::new(
                store.clone(),
                custos_crypto::Key32::from_hex(&m.to_hex()).map_err(|e| anyhow!("{e}"))?,
                std::sync::Arc::new(custos_core::clock::SystemClock),
                Default::default(),
            );
            vault
                .check_master_key()
                .await
                .map(|_| ())
                .map_err(|e| anyhow!("{e}"))
        }
        _ => Ok(()),
    };
    let st = store.clone();
    let _ = tokio::task::spawn_blocking(move || st.close()).await;
    let (events, checkpoints) = r?;
    opened?;
    Ok(Verified {
        manifest,
        events,
        checkpoints,
    })
}

fn check_master(manifest: &Manifest, key: &custos_crypto::Key32) -> anyhow::Result<()> {
    let id = key.fingerprint();
    if let Some(other) = manifest.master_key_ids.iter().find(|m| **m != id) {
        bail!("this backup's keys are wrapped under the master key {other}; the given master key is {id}");
    }
    Ok(())
}

/// Where the erasures made since a backup come from.
#[derive(Debug, Clone)]
pub enum Erasures {
    /// A file written by `custos backup tombstones` (JSON Lines).
    File(PathBuf),
    /// The live data dir itself.
    DataDir(PathBuf),
    /// None survive (the live data dir is lost): said explicitly.
    None,
}

/// The tombstones of a live store (SQLite files or a PostgreSQL database).
fn live_tombstones(source: &custos_store::Location) -> anyhow::Result<Vec<Tombstone>> {
    tombstones_in(&custos_store::raw::Raw::open(source)?).map_err(|e| anyhow!("{e}"))
}

/// Reads tombstones from their source.
pub fn load_tombstones(from: &Erasures) -> anyhow::Result<Vec<Tombstone>> {
    match from {
        Erasures::None => Ok(Vec::new()),
        Erasures::DataDir(d) => {
            crate::config::Settings::load(d, crate::config::Overrides::default())
                .and_then(|s| s.location())
                .and_then(|l| live_tombstones(&l))
                .map_err(|e| anyhow!("cannot read the tombstones of {}: {e}", d.display()))
        }
        Erasures::File(f) => {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?;
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(n, l)| {
                    serde_json::from_str(l).map_err(|e| {
                        anyhow!("{} line {}: not a tombstone ({e})", f.display(), n + 1)
                    })
                })
                .collect()
        }
    }
}

/// Writes the tombstones of a data dir as JSON Lines (ids and times only).
pub fn export_tombstones(
    source: &custos_store::Location,
    out: &mut impl Write,
) -> anyhow::Result<usize> {
    let all = live_tombstones(source)?;
    for t in &all {
        serde_json::to_writer(&mut *out, t)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(all.len())
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The manifest.
    pub manifest: Manifest,
    /// Customers erased again by tombstones newer than the backup.
    pub erased_again: u64,
    /// Audit events verified after the restore.
    pub events: u64,
    /// The backup's configuration named a database (PostgreSQL); the restored dir serves its
    /// own embedded copy instead (`custos migrate-store` moves it to PostgreSQL).
    pub database_url_removed: bool,
}

/// Restores a backup into a new data dir (refused if it exists and is not empty): decrypts and
/// checks it, puts the master key beside it, applies every tombstone (so no erased customer
/// comes back), verifies the trail and signs its head. On any failure nothing is left behind.
pub async fn restore(
    file: &Path,
    identity: &Path,
    new_dir: &Path,
    master_key: &Path,
    erasures: &Erasures,
    now: OffsetDateTime,
    progress: bool,
) -> anyhow::Result<Restored> {
    if new_dir.exists()
        && std::fs::read_dir(new_dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} exists and is not empty; a restore never goes over a data dir",
            new_dir.display()
        );
    }
    let ids = read_identities(identity)?;
    let master = crate::read_master_key(master_key)?;
    let graves = load_tombstones(erasures)?;
    let parent = match new_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".custos-restore-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot make a staging dir in {}", parent.display()))?;
    let dir = staging.path();
    let manifest = extract(file, &ids, dir, progress)?;
    check_master(&manifest, &master)?;
    // The restored data is in this dir's embedded database, whatever store the backup came
    // from: the configuration must not point at the live PostgreSQL database.
    let config = dir.join(crate::config::CONFIG_FILE);
    let was_postgres = match std::fs::read_to_string(&config) {
        Ok(text) => {
            let kept: Vec<&str> = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("database_url"))
                .collect();
            let changed = kept.len() != text.lines().count();
            if changed {
                std::fs::write(&config, kept.join("\n") + "\n")?;
            }
            changed
        }
        Err(_) => false,
    };
    crate::write_secret(
        &dir.join(crate::config::MASTER_KEY_FILE),
        format!("{}\n", &*master.to_hex()).as_bytes(),
    )?;
    let store = custos_store::open_async(&custos_store::Location::Sqlite(dir.to_owned()))
        .await
        .map_err(damaged)?;
    let work = async {
        let vault = custos_core::Vault::new(
            store.clone(),
            master,
            std::sync::Arc::new(custos_core::clock::SystemClock),
            Default::default(),
        );
        vault
            .check_master_key()
            .await
            .map_err(|e| anyhow!("{e}: is this the master key of this backup?"))?;
        let mut erased_again = 0u64;
        let meta = RequestMeta::default();
        for t in &graves {
            let tenant = TenantId::from_uuid(t.tenant_id);
            let mut ev =
                AuditEvent::anonymous("customer.erase", "system", Some(tenant), now, &meta)
                    .customers([t.customer_id])
                    .categories(Category::ALL);
            ev.reason = Some("restore:tombstone".into());
            if store
                .apply_tombstone(
                    tenant,
                    CustomerId::from_uuid(t.customer_id),
                    t.erased_at,
                    ev,
                )
                .await
                .map_err(|e| anyhow!("{e}"))?
            {
                erased_again += 1;
            }
        }
        let (events, _) = check_trail(store.as_ref(), dir).await?;
        let key = crate::read_audit_key(&dir.join(crate::config::AUDIT_KEY_FILE))?;
        custos_core::trail::checkpoint(store.as_ref(), &key, now)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        Ok::<_, anyhow::Error>((erased_again, events))
    }
    .await;
    let st = store.clone();
    let _ = tokio::task::spawn_blocking(move || st.close()).await;
    let (erased_again, events) = work?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    if new_dir.exists() {
        std::fs::remove_dir(new_dir)?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, new_dir)
        .with_context(|| format!("cannot move the restored data dir to {}", new_dir.display()))?;
    Ok(Restored {
        manifest,
        erased_again,
        events,
        database_url_removed: was_postgres,
    })
}
