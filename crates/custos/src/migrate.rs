//! `custos migrate-store`: a shop that grew out of the embedded database moves to PostgreSQL
//! (or back) with its data as stored, ciphertext included, so no key is needed and nothing is
//! ever decrypted on the way. Both stores are brought to this version's schema first (the
//! source's leftover audit outbox is drained into its trail), then every table is copied in key
//! order in batches; the counts of every table are compared inside the copy's transactions and
//! the copied audit trail is verified, signed checkpoints included.

use anyhow::{anyhow, bail, Context};
use custos_store::copy::{copy_all, Copied};
use custos_store::raw::Raw;
use custos_store::Location;
use std::fmt;

/// What a migration did.
#[derive(Debug)]
pub struct Migrated {
    /// Where from and to (passwords hidden).
    pub from: String,
    pub to: String,
    /// Rows per table.
    pub copied: Copied,
    /// Audit events verified in the new store.
    pub events: u64,
    /// Signed checkpoints verified in the new store.
    pub checkpoints: u64,
}

impl fmt::Display for Migrated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Copied {} into {}:", self.from, self.to)?;
        for (table, n) in &self.copied.tables {
            if *n > 0 {
                writeln!(f, "  {table:<22} {n:>10}")?;
            }
        }
        writeln!(
            f,
            "Every table's count matches; the audit trail verifies ({} events, {} signed checkpoints).",
            self.events, self.checkpoints
        )?;
        write!(
            f,
            "Now set database_url = \"{}\" in custos.toml (or CUSTOS_DATABASE_URL) and start the server.",
            self.to
        )
    }
}

/// Opens a store once (schema brought up to date, SQLite's outbox drained) and closes it.
async fn prepare(location: &Location, create: bool) -> anyhow::Result<()> {
    if let Location::Sqlite(dir) = location {
        if create {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    let store = custos_store::open_async(location)
        .await
        .map_err(|e| anyhow!("{location}: {e}"))?;
    let st = store.clone();
    let _ = tokio::task::spawn_blocking(move || st.close()).await;
    Ok(())
}

/// Copies the store at `from` into the empty store at `to` and verifies the result.
pub async fn migrate_store(
    from: &Location,
    to: &Location,
    audit_public_key: &str,
    progress: bool,
) -> anyhow::Result<Migrated> {
    if from == to {
        bail!("--from and --to name the same store");
    }
    if let Location::Sqlite(dir) = from {
        if !dir.join(custos_store::sqlite::DATA_FILE).is_file() {
            bail!("{from} holds no custos database");
        }
    }
    prepare(from, false).await?;
    prepare(to, true).await?;
    let (src, dst) = (Raw::open(from)?, Raw::open(to)?);
    let bar = if progress {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg:>22} [{bar:40}] {pos}/{len} ({eta})")
                .map_err(|e| anyhow!("{e}"))?
                .progress_chars("=> "),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let b = bar.clone();
    let copied = tokio::task::spawn_blocking(move || {
        copy_all(&src, &dst, &mut |table, done, total| {
            if done == 0 {
                b.set_message(table.to_owned());
                b.set_length(total);
            }
            b.set_position(done);
        })
    })
    .await
    .map_err(|e| anyhow!("the copy stopped: {e}"))?
    .map_err(|e| anyhow!("the copy failed and was rolled back: {e}"))?;
    bar.finish_and_clear();
    let store = custos_store::open_async(to)
        .await
        .map_err(|e| anyhow!("{to}: {e}"))?;
    let v = custos_core::trail::verify(store.as_ref(), audit_public_key).await;
    let st = store.clone();
    let _ = tokio::task::spawn_blocking(move || st.close()).await;
    let v = v.map_err(|e| anyhow!("{e}"))?;
    if !v.ok {
        bail!(
            "the copied audit trail does not verify at event {}: {}",
            v.first_bad.unwrap_or(0),
            v.problem.unwrap_or_default()
        );
    }
    Ok(Migrated {
        from: from.to_string(),
        to: to.to_string(),
        copied,
        events: v.events,
        checkpoints: v.checkpoints,
    })
}
