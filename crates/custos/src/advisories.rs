//! This build against a known-vulnerabilities list: every package compiled into custos (read
//! from the workspace's `Cargo.lock`, embedded at build time), custos itself included, looked up
//! in a copy of the RustSec advisory database (`crates/NAME/RUSTSEC-*.md`, TOML front matter).
//! An advisory counts when it is neither informational (unmaintained, unsound) nor withdrawn and
//! the version is in neither its `patched` nor its `unaffected` ranges — what `cargo audit`
//! reports as a vulnerability.

use anyhow::Context;
use custos_core::compliance::KnownVulnerability;
use serde::Deserialize;
use std::path::Path;

/// The lock file this binary was built from.
const LOCK: &str = include_str!("../../../Cargo.lock");

/// The packages (name, version) compiled into this build.
pub fn packages() -> Vec<(String, String)> {
    packages_of(LOCK)
}

fn packages_of(lock: &str) -> Vec<(String, String)> {
    #[derive(Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Package>,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
        version: String,
    }
    toml::from_str::<Lock>(lock)
        .map(|l| l.package.into_iter().map(|p| (p.name, p.version)).collect())
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct Advisory {
    advisory: Head,
    #[serde(default)]
    versions: Versions,
}

#[derive(Deserialize)]
struct Head {
    id: String,
    package: String,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
}

#[derive(Deserialize, Default)]
struct Versions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// The advisory in one file: its front matter and its title (the first `# ` heading).
fn parse(text: &str) -> Option<(Advisory, String)> {
    let rest = text.strip_prefix("```toml")?;
    let (front, body) = rest.split_once("\n```")?;
    let adv: Advisory = toml::from_str(front).ok()?;
    let title = body
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or("")
        .trim()
        .to_owned();
    Some((adv, title))
}

/// Whether `version` lies in any of `ranges`.
fn within(version: &semver::Version, ranges: &[String]) -> bool {
    ranges.iter().any(|r| {
        semver::VersionReq::parse(r)
            .map(|req| req.matches(version))
            .unwrap_or(false)
    })
}

/// The vulnerabilities the database at `db` knows in `packages`.
pub fn scan_packages(
    db: &Path,
    packages: &[(String, String)],
) -> anyhow::Result<Vec<KnownVulnerability>> {
    let crates = db.join("crates");
    if !crates.is_dir() {
        anyhow::bail!(
            "{} is not an advisory database (it has no crates/ directory)",
            db.display()
        );
    }
    let mut out = Vec::new();
    for (name, version) in packages {
        let dir = crates.join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let Ok(v) = semver::Version::parse(version) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_none_or(|x| x != "md") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let Some((a, title)) = parse(&text) else {
                continue;
            };
            if a.advisory.package != *name
                || a.advisory.informational.is_some()
                || a.advisory.withdrawn.is_some()
                || within(&v, &a.versions.patched)
                || within(&v, &a.versions.unaffected)
            {
                continue;
            }
            out.push(KnownVulnerability {
                id: a.advisory.id,
                package: name.clone(),
                version: version.clone(),
                title,
                patched: a.versions.patched.join(" or "),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.id == b.id && a.package == b.package && a.version == b.version);
    Ok(out)
}

/// The vulnerabilities the database at `db` knows in this build.
pub fn scan(db: &Path) -> anyhow::Result<Vec<KnownVulnerability>> {
    scan_packages(db, &packages())
}

/// The configured list's findings: `None` without a list (or when it cannot be read, which is
/// logged).
pub fn check(db: Option<&Path>) -> Option<Vec<KnownVulnerability>> {
    let db = db?;
    match scan(db) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot check this build against the advisory database");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn advisory(dir: &Path, package: &str, id: &str, extra: &str, patched: &str) {
        let d = dir.join("crates").join(package);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join(format!("{id}.md")),
            format!("```toml\n[advisory]\nid = \"{id}\"\npackage = \"{package}\"\ndate = \"2026-01-01\"\n{extra}\n[versions]\npatched = [\"{patched}\"]\n```\n\n# A flaw in {package}\n\nDetails.\n"),
        )
        .unwrap();
    }

    #[test]
    fn the_lock_file_is_embedded_with_custos_itself() {
        let p = packages();
        assert!(
            p.iter().any(|(n, _)| n == "custos"),
            "custos is in its own lock file"
        );
        assert!(p.iter().any(|(n, _)| n == "rustls"));
    }

    #[test]
    fn vulnerable_versions_are_found_and_patched_informational_or_withdrawn_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        advisory(dir.path(), "demo", "RUSTSEC-2099-0001", "", ">= 1.2.0");
        advisory(
            dir.path(),
            "demo",
            "RUSTSEC-2099-0002",
            "informational = \"unmaintained\"",
            ">= 9.0.0",
        );
        advisory(
            dir.path(),
            "demo",
            "RUSTSEC-2099-0003",
            "withdrawn = \"2026-02-01\"",
            ">= 9.0.0",
        );
        advisory(dir.path(), "other", "RUSTSEC-2099-0004", "", ">= 9.0.0");
        let old = scan_packages(dir.path(), &[("demo".into(), "1.1.9".into())]).unwrap();
        assert_eq!(old.len(), 1);
        assert_eq!(old[0].id, "RUSTSEC-2099-0001");
        assert_eq!(old[0].title, "A flaw in demo");
        assert_eq!(old[0].patched, ">= 1.2.0");
        let new = scan_packages(dir.path(), &[("demo".into(), "1.2.0".into())]).unwrap();
        assert!(new.is_empty());
        assert!(scan_packages(&dir.path().join("missing"), &[]).is_err());
    }

    /// The offline RustSec database beside the repository (`../shared/advisory-db`), which
    /// `.ci/run` also audits against.
    #[test]
    fn the_shared_database_is_read() {
        let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/advisory-db");
        assert!(db.is_dir(), "{} is missing", db.display());
        // time 0.1.45 is the version RUSTSEC-2020-0071 names as affected.
        let v = scan_packages(&db, &[("time".into(), "0.1.45".into())]).unwrap();
        assert!(v.iter().any(|a| a.id == "RUSTSEC-2020-0071"), "{v:?}");
    }
}
