//! Master keys from files, and `custos keys`: the status of every key, and the rotation of the
//! master key (every business's keys rewrapped online, resumable; the old key kept, retired,
//! for older backups).

use anyhow::Context;
use custos_core::keys::MasterKeySource;
use custos_core::CoreError;
use custos_crypto::Key32;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The master keys in files: `master.key` (or the file `CUSTOS_MASTER_KEY_FILE` names), the
/// key a rotation moves to (`<file>.next`) and retired keys (`<file>.retired-<id>`) beside it.
/// Files others may read are refused.
pub struct FileMasterKeys {
    path: PathBuf,
}

impl FileMasterKeys {
    /// The keys around `path`.
    pub fn new(path: &Path) -> Self {
        FileMasterKeys {
            path: path.to_owned(),
        }
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(suffix);
        self.path.with_file_name(name)
    }

    /// The file a rotation writes the next key to.
    pub fn next_path(&self) -> PathBuf {
        self.sibling(".next")
    }

    /// The file a retired key is kept in.
    pub fn retired_path(&self, id: &str) -> PathBuf {
        self.sibling(&format!(".retired-{id}"))
    }

    /// The retired keys' files.
    pub fn retired(&self) -> Vec<PathBuf> {
        let prefix = format!(
            "{}.retired-",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

fn internal(e: anyhow::Error) -> CoreError {
    CoreError::Internal(format!("{e:#}"))
}

impl MasterKeySource for FileMasterKeys {
    fn current(&self) -> Result<Key32, CoreError> {
        crate::read_master_key(&self.path).map_err(internal)
    }

    fn all(&self) -> Result<Vec<Key32>, CoreError> {
        let mut keys = vec![self.current()?];
        let next = self.next_path();
        let mut others = self.retired();
        if next.exists() {
            others.insert(0, next);
        }
        for p in others {
            keys.push(crate::read_master_key(&p).map_err(internal)?);
        }
        Ok(keys)
    }
}

/// What a master-key rotation did.
#[derive(Debug)]
pub struct Rotated {
    /// The new key's id.
    pub new_id: String,
    /// The retired key's id.
    pub old_id: String,
    /// Businesses rewrapped.
    pub tenants: u32,
}

fn sync_dir(p: &Path) {
    if let Some(dir) = p.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Rotates the master key: writes the next key (or takes the one an interrupted rotation left),
/// rewraps every business's keys under it (online: a running server finds both keys), then
/// makes it the current key and keeps the old one as retired (older backups need it).
pub async fn rotate_master(s: &crate::config::Settings) -> anyhow::Result<Rotated> {
    let files = FileMasterKeys::new(&s.master_key_file);
    let old = crate::read_master_key(&s.master_key_file)?;
    let next_path = files.next_path();
    let next = if next_path.exists() {
        crate::read_master_key(&next_path)?
    } else {
        let k = Key32::generate();
        crate::write_secret(&next_path, format!("{}\n", &*k.to_hex()).as_bytes())?;
        sync_dir(&next_path);
        k
    };
    let (vault, store) = crate::open_vault_from(
        s,
        Arc::new(FileMasterKeys::new(&s.master_key_file)),
        Arc::new(custos_core::clock::SystemClock),
    )
    .await?;
    let meta = custos_core::audit::RequestMeta::default();
    let result = async {
        let mut n = vault
            .rewrap_tenants(&next, &meta)
            .await
            .map_err(crate::key_error)?;
        if old.fingerprint() != next.fingerprint() {
            // Keep the old key first (a crash here leaves three files; a rerun finishes).
            let retired = files.retired_path(&old.fingerprint());
            if !retired.exists() {
                crate::write_secret(&retired, format!("{}\n", &*old.to_hex()).as_bytes())?;
            }
            std::fs::rename(&next_path, &s.master_key_file)
                .with_context(|| format!("cannot move {} into place", next_path.display()))?;
            sync_dir(&s.master_key_file);
        }
        // Businesses added meanwhile under the old key.
        n += vault
            .rewrap_tenants(&next, &meta)
            .await
            .map_err(crate::key_error)?;
        Ok::<_, anyhow::Error>(n)
    }
    .await;
    let st = store.clone();
    let _ = tokio::task::spawn_blocking(move || st.close()).await;
    Ok(Rotated {
        new_id: next.fingerprint(),
        old_id: old.fingerprint(),
        tenants: result?,
    })
}

/// The key status as a table: the master keys (current, next, retired) with their ages, and
/// every business's key with the master key wrapping it and how many customer keys it wraps.
pub async fn status(s: &crate::config::Settings) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let files = FileMasterKeys::new(&s.master_key_file);
    let mut out = String::new();
    let now = std::time::SystemTime::now();
    let age_of = |p: &Path| -> String {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .map_or_else(|| "?".into(), |d| format!("{} days", d.as_secs() / 86_400))
    };
    let mut rows = vec![("current", s.master_key_file.clone())];
    if files.next_path().exists() {
        rows.push(("next (rotation under way)", files.next_path()));
    }
    for p in files.retired() {
        rows.push(("retired", p));
    }
    let _ = writeln!(out, "master keys:");
    for (what, p) in rows {
        let id = crate::read_master_key(&p)?.fingerprint();
        let _ = writeln!(
            out,
            "  {id}  {what:<26} {:>10} old  {}",
            age_of(&p),
            p.display()
        );
    }
    let inv =
        custos_store::sqlite::backup::inventory_in(&custos_store::raw::Raw::open(&s.location()?)?)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (vault, store) = crate::open_vault(s).await?;
    let st = vault.key_status().await;
    let _ = tokio::task::spawn_blocking(move || store.close()).await;
    let _ = writeln!(out, "business keys:");
    let _ = writeln!(
        out,
        "  {:<24} {:>7} {:<18} {:>10} {:>10}  older versions",
        "business", "version", "wrapped under", "customers", "created"
    );
    for t in st.map_err(crate::key_error)? {
        let customers = inv
            .tenants
            .iter()
            .find(|x| x.slug == t.slug)
            .map_or(0, |x| x.customers);
        let older = if t.older_versions.is_empty() {
            "-".to_owned()
        } else {
            t.older_versions
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let _ = writeln!(
            out,
            "  {:<24} {:>7} {:<18} {:>10} {:>10}  {older}{}{}",
            t.slug,
            t.kek_version,
            t.master_key_id,
            customers,
            t.created_at.date(),
            if t.rewrap_pending {
                "  (customer keys wait to be rewrapped: run keys rotate --tenant again)"
            } else {
                ""
            },
            if t.master_available {
                ""
            } else {
                "  (master key missing!)"
            }
        );
    }
    Ok(out)
}
