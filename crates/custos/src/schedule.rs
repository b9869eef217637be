//! Scheduled backups: the server writes a backup every `backup_every_hours` into `backup_dir`,
//! copies it to a second destination (`backup_copy_dir`, a mounted disk or network share), keeps
//! them by a rotation policy (the newest of each of the last N days, weeks and months), and
//! raises a `backup_failed` alert when any step fails. The newest good backup's age is what the
//! security dashboard shows.

use anyhow::Context;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// How many backups to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    /// The newest of each of the last this many days.
    pub daily: u32,
    /// The newest of each of the last this many ISO weeks.
    pub weekly: u32,
    /// The newest of each of the last this many months.
    pub monthly: u32,
}

impl Default for Keep {
    fn default() -> Self {
        Keep {
            daily: 7,
            weekly: 4,
            monthly: 12,
        }
    }
}

/// A backup file named by its time: `custos-YYYYMMDD-HHMMSS.backup`.
pub fn file_name(at: OffsetDateTime) -> String {
    format!(
        "custos-{:04}{:02}{:02}-{:02}{:02}{:02}.backup",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The time in a backup file's name.
pub fn time_of(name: &str) -> Option<OffsetDateTime> {
    let core = name.strip_prefix("custos-")?.strip_suffix(".backup")?;
    let fmt = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
    time::PrimitiveDateTime::parse(core, &fmt)
        .ok()
        .map(|t| t.assume_utc())
}

/// The backups in a directory, newest first.
pub fn list(dir: &Path) -> Vec<(PathBuf, OffsetDateTime, u64)> {
    let mut out: Vec<(PathBuf, OffsetDateTime, u64)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let at = time_of(&name)?;
                    let size = e.metadata().ok()?.len();
                    Some((e.path(), at, size))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by_key(|f| std::cmp::Reverse(f.1));
    out
}

/// Which of these backup times a rotation policy keeps: the newest of each of the last
/// `daily` days, `weekly` ISO weeks and `monthly` months (counted from the newest backup), and
/// always the newest one.
pub fn to_keep(times: &[OffsetDateTime], keep: Keep) -> Vec<OffsetDateTime> {
    let mut sorted: Vec<OffsetDateTime> = times.to_vec();
    sorted.sort_by(|a, b| b.cmp(a));
    let mut kept: Vec<OffsetDateTime> = Vec::new();
    let mut bucket = |key: &dyn Fn(OffsetDateTime) -> (i32, u32), n: u32| {
        let mut seen: Vec<(i32, u32)> = Vec::new();
        for t in &sorted {
            let k = key(*t);
            if seen.contains(&k) {
                continue;
            }
            if seen.len() as u32 >= n {
                break;
            }
            seen.push(k);
            if !kept.contains(t) {
                kept.push(*t);
            }
        }
    };
    bucket(&|t| (t.year(), t.ordinal() as u32), keep.daily);
    bucket(
        &|t| {
            let (y, w, _) = t.date().to_iso_week_date();
            (y, w as u32)
        },
        keep.weekly,
    );
    bucket(&|t| (t.year(), t.month() as u32), keep.monthly);
    if let Some(newest) = sorted.first() {
        if !kept.contains(newest) {
            kept.push(*newest);
        }
    }
    kept
}

/// Deletes the backups in `dir` the policy does not keep; answers how many went.
pub fn rotate(dir: &Path, keep: Keep) -> anyhow::Result<usize> {
    let all = list(dir);
    let times: Vec<OffsetDateTime> = all.iter().map(|(_, t, _)| *t).collect();
    let kept = to_keep(&times, keep);
    let mut n = 0;
    for (p, t, _) in all {
        if !kept.contains(&t) {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Copies a finished backup into the second destination (as `.partial`, synced, then renamed).
pub fn copy_to(file: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = file.file_name().context("a backup file has a name")?;
    let dest = dir.join(name);
    let partial = dest.with_extension("partial");
    std::fs::copy(file, &partial)
        .with_context(|| format!("cannot copy the backup to {}", partial.display()))?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, &dest)
        .with_context(|| format!("cannot move the copy to {}", dest.display()))?;
    Ok(dest)
}

/// An S3-compatible object store as an off-site destination (path-style addressing, so it
/// works with AWS S3 and with MinIO, Ceph, Garage and the like).
#[derive(Clone)]
pub struct S3Target {
    /// `https://s3.eu-central-1.amazonaws.com` (plain `http://` only on a loopback address).
    pub endpoint: String,
    /// The region name.
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// A key prefix, e.g. `custos/`.
    pub prefix: String,
    /// The access key id.
    pub access_key: String,
    /// The secret key (never printed).
    pub secret_key: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for S3Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "S3Target({}/{}/{})",
            self.endpoint, self.bucket, self.prefix
        )
    }
}

impl S3Target {
    fn bucket(&self) -> anyhow::Result<Box<s3::Bucket>> {
        let region = s3::Region::Custom {
            region: self.region.clone(),
            endpoint: self.endpoint.clone(),
        };
        let creds = s3::creds::Credentials::new(
            Some(&self.access_key),
            Some(&self.secret_key),
            None,
            None,
            None,
        )
        .map_err(|e| anyhow::anyhow!("S3 credentials: {e}"))?;
        Ok(s3::Bucket::new(&self.bucket, region, creds)
            .map_err(|e| anyhow::anyhow!("S3 bucket {}: {e}", self.bucket))?
            .with_path_style())
    }

    /// Uploads a finished backup (streamed, in parts when large).
    pub async fn upload(&self, file: &Path) -> anyhow::Result<String> {
        let name = file
            .file_name()
            .context("a backup file has a name")?
            .to_string_lossy()
            .into_owned();
        let key = format!("{}{name}", self.prefix);
        let mut f = tokio::fs::File::open(file)
            .await
            .with_context(|| format!("cannot read {}", file.display()))?;
        self.bucket()?
            .put_object_stream(&mut f, &key)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "the upload of {key} to S3 bucket {} failed: {e}",
                    self.bucket
                )
            })?;
        Ok(key)
    }

    /// Downloads a backup from the bucket (to restore from it).
    pub async fn download(&self, key: &str, to: &Path) -> anyhow::Result<u64> {
        let r = self
            .bucket()?
            .get_object(key)
            .await
            .map_err(|e| anyhow::anyhow!("cannot fetch {key} from S3: {e}"))?;
        let bytes = r.bytes();
        std::fs::write(to, bytes).with_context(|| format!("cannot write {}", to.display()))?;
        Ok(bytes.len() as u64)
    }

    /// The backups in the bucket under the prefix, newest first: key, time, size.
    pub async fn list(&self) -> anyhow::Result<Vec<(String, OffsetDateTime, u64)>> {
        let pages = self
            .bucket()?
            .list(self.prefix.clone(), None)
            .await
            .map_err(|e| anyhow::anyhow!("cannot list S3 bucket {}: {e}", self.bucket))?;
        let mut out: Vec<(String, OffsetDateTime, u64)> = pages
            .into_iter()
            .flat_map(|p| p.contents)
            .filter_map(|o| {
                let name = o.key.strip_prefix(&self.prefix)?.to_owned();
                Some((o.key.clone(), time_of(&name)?, o.size))
            })
            .collect();
        out.sort_by_key(|o| std::cmp::Reverse(o.1));
        Ok(out)
    }

    /// Deletes the backups in the bucket the policy does not keep.
    pub async fn rotate(&self, keep: Keep) -> anyhow::Result<usize> {
        let all = self.list().await?;
        let times: Vec<OffsetDateTime> = all.iter().map(|o| o.1).collect();
        let kept = to_keep(&times, keep);
        let bucket = self.bucket()?;
        let mut n = 0;
        for (key, t, _) in all {
            if !kept.contains(&t) {
                bucket
                    .delete_object(&key)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot delete {key} from S3: {e}"))?;
                n += 1;
            }
        }
        Ok(n)
    }
}

/// The scheduled-backup settings.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// How often.
    pub every: time::Duration,
    /// Where backups are written.
    pub dir: PathBuf,
    /// The second destination.
    pub copy_dir: Option<PathBuf>,
    /// An S3-compatible object store as a further destination.
    pub s3: Option<S3Target>,
    /// The rotation policy.
    pub keep: Keep,
}

/// One scheduled backup: write, copy, rotate both places. Answers the backup's path.
pub fn run_once(
    data_dir: &Path,
    source: &custos_store::Location,
    recipients: &[age::x25519::Recipient],
    s: &Schedule,
    now: OffsetDateTime,
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(&s.dir)
        .with_context(|| format!("cannot create {}", s.dir.display()))?;
    let out = s.dir.join(file_name(now));
    crate::backup::create(data_dir, source, &out, recipients, now, false)?;
    if let Some(copy) = &s.copy_dir {
        copy_to(&out, copy)?;
        rotate(copy, s.keep)?;
    }
    rotate(&s.dir, s.keep)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn names_carry_their_time() {
        let t = datetime!(2026-11-28 03:04:05 UTC);
        assert_eq!(file_name(t), "custos-20261128-030405.backup");
        assert_eq!(time_of(&file_name(t)), Some(t));
        assert_eq!(time_of("custos-2026.backup"), None);
        assert_eq!(time_of("notes.txt"), None);
    }

    #[test]
    fn rotation_keeps_the_newest_of_days_weeks_and_months() {
        // Nightly backups at 02:00 for 400 days, plus a second one on the newest day.
        let start = datetime!(2025-10-25 02:00 UTC);
        let mut times: Vec<OffsetDateTime> =
            (0..400).map(|d| start + time::Duration::days(d)).collect();
        let newest = start + time::Duration::days(399) + time::Duration::hours(12);
        times.push(newest);
        let kept = to_keep(&times, Keep::default());
        assert!(kept.contains(&newest));
        // 7 days (the newest day counts once, with its newer backup), then weekly and monthly
        // picks overlap the daily ones where they fall on the same day.
        let days: std::collections::BTreeSet<_> = kept.iter().map(|t| t.date()).collect();
        assert_eq!(days.len(), kept.len(), "one per day at most");
        let last7 = (0..7).map(|d| newest.date() - time::Duration::days(d));
        for d in last7 {
            assert!(days.contains(&d), "{d} kept");
        }
        let months: std::collections::BTreeSet<_> =
            kept.iter().map(|t| (t.year(), t.month() as u8)).collect();
        assert_eq!(months.len(), 12, "{months:?}");
        assert!(kept.len() <= 7 + 4 + 12);
        assert!(!kept.contains(&times[0]), "the oldest goes");
        assert_eq!(to_keep(&[], Keep::default()), Vec::<OffsetDateTime>::new());
    }

    #[test]
    fn rotating_a_directory_removes_only_backups_the_policy_drops() {
        let dir = tempfile::tempdir().unwrap();
        let start = datetime!(2026-01-01 02:00 UTC);
        for d in 0..30 {
            std::fs::write(
                dir.path().join(file_name(start + time::Duration::days(d))),
                b"x",
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("keep-me.txt"), b"not a backup").unwrap();
        let keep = Keep {
            daily: 3,
            weekly: 2,
            monthly: 1,
        };
        let removed = rotate(dir.path(), keep).unwrap();
        let left = list(dir.path());
        assert_eq!(removed + left.len(), 30);
        assert!(left.len() <= 6 && left.len() >= 3, "{left:?}");
        assert!(dir.path().join("keep-me.txt").exists());
        assert_eq!(left[0].1, start + time::Duration::days(29));
    }
}
