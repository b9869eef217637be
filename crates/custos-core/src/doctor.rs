//! The self-check behind `custos doctor`, the security dashboard and the monthly self-audit
//! report: each check looks at one thing that keeps customers' data safe or an obligation met,
//! and says how it stands, how much that matters, and the fix in one sentence.

use crate::audit::{AuditEvent, Outcome, RequestMeta};
use crate::compliance::{declared_categories, Posture};
use crate::error::CoreError;
use crate::ids::TenantId;
use crate::policy::{Action, Principal};
use crate::store::{AuditFilter, SelfAuditRow, TenantRow};
use crate::vault::{forbidden, Vault};
use custos_api::catalog::Category;
use custos_api::compliance::{Checks, Finding, SelfAudit, Severity};
use custos_api::retention::RetentionTarget;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Staff accounts without a sign-in for this long are inactive.
pub const INACTIVE_STAFF_DAYS: i64 = 90;
/// A restore drill older than this is due again.
pub const RESTORE_DRILL_DAYS: i64 = 90;
/// Every code a finding can carry (translated views have a message for each).
pub const CODES: [&str; 39] = [
    "alerts_high",
    "alerts_none",
    "alerts_open",
    "audit_broken",
    "audit_intact",
    "backup_failed",
    "backup_none",
    "backup_recent",
    "backup_stale",
    "backup_unscheduled",
    "drill_never",
    "drill_old",
    "drill_recent",
    "keys_fresh",
    "keys_master_missing",
    "keys_old",
    "keys_rewrap_pending",
    "mfa_all",
    "mfa_optional",
    "mfa_pending",
    "offsite_off",
    "offsite_on",
    "requests_on_time",
    "requests_overdue",
    "retention_all",
    "retention_gaps",
    "retention_none",
    "staff_active",
    "staff_inactive",
    "tls_expired",
    "tls_expiring",
    "tls_off",
    "tls_self_signed",
    "tls_valid",
    "tokens_expire",
    "tokens_forever",
    "version_clean",
    "version_unchecked",
    "version_vulnerable",
];

/// How often the scheduled self-audit runs by default.
pub const SELF_AUDIT_DAYS: i64 = 30;

fn finding(check: &str, severity: Severity, code: &str, state: String) -> Finding {
    Finding {
        check: check.to_owned(),
        severity,
        code: code.to_owned(),
        state,
        fix: None,
        count: None,
        total: None,
        at: None,
    }
}

/// Builds a finding's optional parts.
trait Build: Sized {
    fn fix(self, fix: &str) -> Self;
    fn count(self, n: i64) -> Self;
    fn total(self, n: i64) -> Self;
    fn at(self, t: OffsetDateTime) -> Self;
}

impl Build for Finding {
    fn fix(mut self, fix: &str) -> Self {
        if self.severity != Severity::Ok {
            self.fix = Some(fix.to_owned());
        }
        self
    }
    fn count(mut self, n: i64) -> Self {
        self.count = Some(n);
        self
    }
    fn total(mut self, n: i64) -> Self {
        self.total = Some(n);
        self
    }
    fn at(mut self, t: OffsetDateTime) -> Self {
        self.at = Some(t);
        self
    }
}

fn day(t: OffsetDateTime) -> String {
    t.date().to_string()
}

/// The TLS check, from the certificate's expiry.
pub fn tls_finding(
    expires: Option<OffsetDateTime>,
    self_signed: bool,
    now: OffsetDateTime,
) -> Finding {
    const FIX: &str =
        "Install a renewed certificate (tls_cert and tls_key in custos.toml) and restart custos.";
    match expires {
        None => finding(
            "tls",
            Severity::Medium,
            "tls_off",
            "custos serves plain HTTP on loopback; connections are encrypted only if the proxy in front of it terminates TLS.".into(),
        )
        .fix("Make sure the proxy in front of custos serves HTTPS only, or let custos serve TLS itself."),
        Some(until) => {
            let days = (until - now).whole_days();
            let (severity, code, state) = if until <= now {
                (Severity::High, "tls_expired", format!("The TLS certificate expired on {}.", day(until)))
            } else if days < 7 {
                (Severity::High, "tls_expiring", format!("The TLS certificate expires on {} (in {days} days).", day(until)))
            } else if days < 30 {
                (Severity::Medium, "tls_expiring", format!("The TLS certificate expires on {} (in {days} days).", day(until)))
            } else if self_signed {
                (Severity::Low, "tls_self_signed", format!("The TLS certificate is self-signed (valid until {}): browsers warn, and the privacy portal and intake form look untrustworthy to customers.", day(until)))
            } else {
                (Severity::Ok, "tls_valid", format!("The TLS certificate is valid until {}.", day(until)))
            };
            let fix = if code == "tls_self_signed" {
                "Install a certificate from a certificate authority (e.g. Let's Encrypt) in tls_cert and tls_key, or serve custos behind a proxy that has one."
            } else {
                FIX
            };
            finding("tls", severity, code, state).fix(fix).count(days.max(0)).at(until)
        }
    }
}

/// The backup, restore-drill and off-site checks.
fn backup_findings(
    posture: &Posture,
    last_drill: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Vec<Finding> {
    let mut out = Vec::new();
    const FIX: &str = "Turn on scheduled backups (backup_every_hours and backup_dir in custos.toml) and check the server log for why the last one failed.";
    match &posture.backups {
        None => out.push(
            finding(
                "backup",
                Severity::High,
                "backup_unscheduled",
                "Scheduled backups are off.".into(),
            )
            .fix(FIX),
        ),
        Some(b) => {
            let every = b.every_hours.unwrap_or(24).max(1);
            out.push(match (b.newest, &b.last_error) {
                (_, Some(e)) => finding(
                    "backup",
                    Severity::High,
                    "backup_failed",
                    format!("The last scheduled backup failed: {e}"),
                )
                .fix(FIX),
                (None, None) => finding("backup", Severity::High, "backup_none", "No backup has been taken yet.".into()).fix(FIX),
                (Some(t), None) => {
                    let hours = (now - t).whole_hours();
                    if hours > every * 2 {
                        finding(
                            "backup",
                            Severity::High,
                            "backup_stale",
                            format!("The newest backup is from {} ({hours} hours old; one is due every {every} hours).", day(t)),
                        )
                        .fix(FIX)
                        .count(hours)
                        .at(t)
                    } else {
                        finding("backup", Severity::Ok, "backup_recent", format!("The newest backup is {hours} hours old.")).count(hours).at(t)
                    }
                }
            });
            out.push(if b.offsite {
                finding("offsite", Severity::Ok, "offsite_on", "Backups are copied to a second destination.".into())
            } else {
                finding("offsite", Severity::Medium, "offsite_off", "Backups stay on this machine only.".into())
                    .fix("Set backup_copy_dir (another disk or a network share) or an S3-compatible store, so a lost machine does not lose the data.")
            });
        }
    }
    const DRILL: &str = "Run the restore drill (Backups → Check, or `custos backup verify FILE`) so you know the backups restore.";
    out.push(match last_drill {
        None => finding(
            "restore_drill",
            Severity::Medium,
            "drill_never",
            "No backup has been test-restored.".into(),
        )
        .fix(DRILL),
        Some(t) => {
            let days = (now - t).whole_days();
            if days > RESTORE_DRILL_DAYS {
                finding(
                    "restore_drill",
                    Severity::Medium,
                    "drill_old",
                    format!("The last restore drill was {days} days ago."),
                )
                .fix(DRILL)
                .count(days)
                .at(t)
            } else {
                finding(
                    "restore_drill",
                    Severity::Ok,
                    "drill_recent",
                    format!("A backup was test-restored {days} days ago."),
                )
                .count(days)
                .at(t)
            }
        }
    });
    out
}

/// The retention check: a rule limits every category the business holds.
fn retention_finding(tenant: &TenantRow) -> Finding {
    let c = &tenant.catalog;
    const FIX: &str = "Give every kind of data a retention rule (Retention page or PUT /v1/retention/rules), at least one for inactive customers.";
    if c.retention.is_empty() {
        return finding(
            "retention",
            Severity::High,
            "retention_none",
            "No retention rule is set: data is kept forever.".into(),
        )
        .fix(FIX);
    }
    let catch_all = c
        .retention
        .iter()
        .any(|r| matches!(r.applies_to, RetentionTarget::InactiveCustomers));
    let covered = |cat: Category| {
        c.retention.iter().any(|r| match &r.applies_to {
            RetentionTarget::Category(x) => *x == cat,
            RetentionTarget::RecordType(t) => c
                .record_types
                .iter()
                .any(|rt| &rt.name == t && rt.category == cat),
            RetentionTarget::InactiveCustomers => c.fields.iter().any(|f| f.category == cat),
        })
    };
    let uncovered: Vec<&str> = declared_categories(c)
        .into_iter()
        .filter(|cat| !covered(*cat))
        .map(Category::as_str)
        .collect();
    if !catch_all || !uncovered.is_empty() {
        let mut state = if uncovered.is_empty() {
            "No rule erases inactive customers".to_owned()
        } else {
            format!(
                "No rule limits how long these categories are kept: {}",
                uncovered.join(", ")
            )
        };
        state.push('.');
        return finding("retention", Severity::Medium, "retention_gaps", state)
            .fix(FIX)
            .count(uncovered.len() as i64);
    }
    finding(
        "retention",
        Severity::Ok,
        "retention_all",
        format!(
            "{} retention rules limit every category.",
            c.retention.len()
        ),
    )
    .count(c.retention.len() as i64)
}

impl Vault {
    /// The checks of one business and this server, as they stand now (no permission check:
    /// callers check first).
    pub async fn run_checks(
        &self,
        tenant: &TenantRow,
        posture: &Posture,
    ) -> Result<Checks, CoreError> {
        let now = self.clock.now();
        let tid = tenant.id;
        let mut f = vec![tls_finding(
            posture.tls_expires_at,
            posture.tls_self_signed,
            now,
        )];

        // Two-step sign-in.
        let users = self.store.users(tid).await?;
        let active: Vec<_> = users.iter().filter(|u| !u.disabled).collect();
        let with = active.iter().filter(|u| u.mfa_enabled).count() as i64;
        let n = active.len() as i64;
        let state = format!("{with} of {n} active staff accounts use two-step sign-in");
        f.push(
            if with == n {
                finding("mfa", Severity::Ok, "mfa_all", format!("{state}."))
            } else if tenant.require_mfa {
                finding("mfa", Severity::Medium, "mfa_pending", format!("{state}; it is required, so the others set it up at their next sign-in."))
                    .fix("Ask the remaining staff to sign in now and set up two-step sign-in.")
            } else {
                finding("mfa", Severity::High, "mfa_optional", format!("{state}, and the business does not require it."))
                    .fix("Require two-step sign-in for every staff account (Settings, or PATCH /v1/tenant with require_mfa).")
            }
            .count(with)
            .total(n),
        );

        // Backups, the restore drill and the off-site copy.
        let drill = self
            .last_event(tid, "backup.verify", now - Duration::days(3650), None)
            .await?;
        f.extend(backup_findings(posture, drill, now));

        // Keys against the rotation policy.
        if let Some(k) = self
            .key_status()
            .await?
            .into_iter()
            .find(|k| k.slug == tenant.slug)
        {
            let days = (now - k.created_at).whole_days();
            const FIX: &str =
                "Rotate the business key (custos keys rotate --tenant) and let the re-wrap finish.";
            f.push(if !k.master_available {
                finding("keys", Severity::High, "keys_master_missing", "A key of this business is wrapped under a master key this server does not hold.".into()).fix(FIX)
            } else if k.rewrap_pending {
                finding("keys", Severity::High, "keys_rewrap_pending", "A key rotation has not finished: some customers are still under the old key.".into()).fix(FIX)
            } else if posture.key_rotation_days > 0 && days > i64::from(posture.key_rotation_days) {
                finding("keys", Severity::Medium, "keys_old", format!("The business key is {days} days old; the policy rotates it every {} days.", posture.key_rotation_days)).fix(FIX).count(days)
            } else {
                finding("keys", Severity::Ok, "keys_fresh", format!("The business key is {days} days old.")).count(days)
            });
        }

        f.push(retention_finding(tenant));

        // Staff accounts nobody has signed in with for a long time.
        let since = now - Duration::days(INACTIVE_STAFF_DAYS);
        let mut inactive = 0i64;
        for u in active.iter().filter(|u| u.created_at < since) {
            if self
                .last_event(tid, "auth.login", since, Some(u.id.as_uuid()))
                .await?
                .is_none()
            {
                inactive += 1;
            }
        }
        f.push(if inactive > 0 {
            finding("inactive_staff", Severity::Medium, "staff_inactive", format!("{inactive} active staff accounts have not signed in for {INACTIVE_STAFF_DAYS} days."))
                .fix("Disable the accounts of people who no longer work here (Staff page or `custos user disable`).")
        } else {
            finding("inactive_staff", Severity::Ok, "staff_active", format!("Every active staff account signed in within {INACTIVE_STAFF_DAYS} days."))
        }.count(inactive));

        // API tokens that never expire.
        let forever = self
            .store
            .api_tokens(tid)
            .await?
            .iter()
            .filter(|k| !k.revoked && k.expires_at.is_none())
            .count() as i64;
        f.push(if forever > 0 {
            finding("tokens", Severity::Medium, "tokens_forever", format!("{forever} API tokens never expire."))
                .fix("Replace tokens that never expire with ones that do, and revoke those no longer used.")
        } else {
            finding("tokens", Severity::Ok, "tokens_expire", "Every API token expires.".into())
        }.count(forever));

        // Data requests past their legal deadline.
        let requests = self.store.data_requests(tid).await?;
        let open = requests.iter().filter(|r| r.closed_at.is_none());
        let overdue = open.clone().filter(|r| now > r.due_at).count() as i64;
        f.push(if overdue > 0 {
            finding("requests", Severity::High, "requests_overdue", format!("{overdue} data requests are past their legal deadline."))
                .fix("Answer the overdue requests today (Requests page), or extend them with a reason where the law allows.")
        } else {
            finding("requests", Severity::Ok, "requests_on_time", format!("{} open data requests, none overdue.", open.count()))
        }.count(overdue));

        // Alerts nobody has looked at.
        let alerts = self.store.alerts(tid, true, 1000).await?;
        let high = alerts.iter().filter(|a| a.severity == "high").count() as i64;
        let n_alerts = alerts.len() as i64;
        const ALERT_FIX: &str = "Look at each open alert and acknowledge it; open an incident if personal data may have been exposed.";
        f.push(
            if high > 0 {
                finding(
                    "alerts",
                    Severity::High,
                    "alerts_high",
                    format!("{n_alerts} alerts are open, {high} of them high."),
                )
                .fix(ALERT_FIX)
            } else if n_alerts > 0 {
                finding(
                    "alerts",
                    Severity::Medium,
                    "alerts_open",
                    format!("{n_alerts} alerts are open."),
                )
                .fix(ALERT_FIX)
            } else {
                finding(
                    "alerts",
                    Severity::Ok,
                    "alerts_none",
                    "No alert is open.".into(),
                )
            }
            .count(n_alerts),
        );

        // The audit trail's chain.
        if !posture.audit_public_key.is_empty() {
            let v = crate::trail::verify(self.store.as_ref(), &posture.audit_public_key).await?;
            f.push(if v.ok {
                finding("audit", Severity::Ok, "audit_intact", format!("The audit trail's {} events verify.", v.events)).count(v.events as i64)
            } else {
                finding("audit", Severity::High, "audit_broken", format!("The audit trail does not verify (first bad event: {}).", v.first_bad.map_or("?".into(), |s| s.to_string())))
                    .fix("Treat this as a possible breach: keep the database as it is, run `custos audit verify`, and open an incident.")
            });
        }

        // Known vulnerabilities of this build.
        f.push(match &posture.advisories {
            None => finding("version", Severity::Low, "version_unchecked", format!("custos {} was not checked against a known-vulnerabilities list.", env!("CARGO_PKG_VERSION")))
                .fix("Point advisory_db in custos.toml at a copy of the RustSec advisory database and keep it current."),
            Some(list) if list.is_empty() => finding("version", Severity::Ok, "version_clean", format!("No known vulnerability affects custos {} or the libraries it contains.", env!("CARGO_PKG_VERSION"))),
            Some(list) => {
                let ids: Vec<String> = list.iter().map(|v| format!("{} ({} {})", v.id, v.package, v.version)).collect();
                finding("version", Severity::High, "version_vulnerable", format!("Known vulnerabilities affect this build: {}.", ids.join(", ")))
                    .fix("Update custos to a release that carries the fixed versions.")
                    .count(list.len() as i64)
            }
        });

        f.sort_by_key(|x| std::cmp::Reverse(x.severity));
        let worst = f.first().map_or(Severity::Ok, |x| x.severity);
        Ok(Checks {
            checked_at: now,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            business: tenant.name.clone(),
            findings: f,
            worst,
        })
    }

    /// The time of the newest successful event `action` in the tenant since `from`, by `actor`.
    async fn last_event(
        &self,
        tenant: TenantId,
        action: &str,
        from: OffsetDateTime,
        actor: Option<Uuid>,
    ) -> Result<Option<OffsetDateTime>, CoreError> {
        let mut before = None;
        loop {
            let filter = AuditFilter {
                action: Some(action.to_owned()),
                actor,
                from: Some(from),
                before,
                ..AuditFilter::default()
            };
            let rows = self.store.audit_query(tenant, filter, 50).await?;
            if rows.is_empty() {
                return Ok(None);
            }
            for (seq, body) in &rows {
                before = Some(*seq);
                if let Ok(ev) = serde_json::from_slice::<AuditEvent>(body) {
                    if ev.outcome == Outcome::Ok {
                        return Ok(Some(ev.at));
                    }
                }
            }
        }
    }

    /// The checks of the principal's business (owner, manager, auditor). Audited.
    pub async fn checks(
        &self,
        p: &Principal,
        posture: &Posture,
        meta: &RequestMeta,
    ) -> Result<Checks, CoreError> {
        p.active()?;
        if !p.role.may(Action::AuditRead) {
            return Err(forbidden(Action::AuditRead));
        }
        let tenant = self.tenant_row(p.tenant_id).await?;
        let c = self.run_checks(&tenant, posture).await?;
        self.store
            .append_audit(vec![AuditEvent::by(
                p,
                "compliance.checks",
                self.clock.now(),
                meta,
            )])
            .await?;
        Ok(c)
    }

    async fn tenant_row(&self, id: TenantId) -> Result<TenantRow, CoreError> {
        self.store
            .tenant(id)
            .await?
            .ok_or(CoreError::NotFound("Business"))
    }

    /// Runs the checks and saves them as a self-audit report (the owner, or the schedule).
    pub async fn save_self_audit(
        &self,
        p: &Principal,
        posture: &Posture,
        trigger: &str,
        meta: &RequestMeta,
    ) -> Result<SelfAudit, CoreError> {
        p.active()?;
        if !p.role.may(Action::TenantManage) {
            return Err(forbidden(Action::TenantManage));
        }
        let tenant = self.tenant_row(p.tenant_id).await?;
        let checks = self.run_checks(&tenant, posture).await?;
        let report = SelfAudit {
            id: Uuid::now_v7(),
            trigger: trigger.to_owned(),
            checks,
        };
        let mut ev = AuditEvent::by(p, "compliance.self_audit", self.clock.now(), meta)
            .target(format!("self_audit:{}", report.id));
        ev.reason = Some(format!("worst:{}", report.checks.worst.as_str()));
        self.store
            .insert_self_audit(
                SelfAuditRow {
                    id: report.id,
                    tenant_id: p.tenant_id,
                    at: report.checks.checked_at,
                    report: serde_json::to_string(&report)
                        .map_err(|e| CoreError::Internal(e.to_string()))?,
                },
                ev,
            )
            .await?;
        Ok(report)
    }

    /// The saved self-audit reports, newest first (owner, manager, auditor).
    pub async fn self_audits(
        &self,
        p: &Principal,
        limit: u32,
    ) -> Result<Vec<SelfAudit>, CoreError> {
        p.active()?;
        if !p.role.may(Action::AuditRead) {
            return Err(forbidden(Action::AuditRead));
        }
        self.store
            .self_audits(p.tenant_id, limit.clamp(1, 500))
            .await?
            .iter()
            .map(|r| {
                serde_json::from_str(&r.report).map_err(|e| CoreError::Internal(e.to_string()))
            })
            .collect()
    }

    /// Saves a scheduled self-audit for every business whose newest report (or, before the
    /// first, its creation) is `every` ago or longer; answers the businesses audited.
    pub async fn scheduled_self_audits(
        &self,
        posture: &Posture,
        every: Duration,
    ) -> Result<Vec<(String, Severity)>, CoreError> {
        let now = self.clock.now();
        let mut done = Vec::new();
        for t in self.store.tenants().await? {
            let newest = self.store.self_audits(t.id, 1).await?;
            let since = newest.first().map_or(t.created_at, |r| r.at);
            if now - since < every {
                continue;
            }
            let p = Principal::command_line(t.id, &t.slug);
            let r = self
                .save_self_audit(&p, posture, "scheduled", &RequestMeta::default())
                .await?;
            done.push((t.slug.clone(), r.checks.worst));
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_written_here_is_listed() {
        let src = include_str!("doctor.rs");
        let mut seen = 0;
        for (i, _) in src.match_indices("Severity::") {
            let rest = &src[i..];
            let Some(q) = rest.find('"') else { continue };
            // The variant, then only a comma and white space before the code in quotes.
            let tail = rest[..q].trim_start_matches(|c: char| c.is_alphanumeric() || c == ':');
            if tail.trim() != "," {
                continue;
            }
            let code: String = rest[q + 1..].chars().take_while(|c| *c != '"').collect();
            if code.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !code.is_empty() {
                assert!(CODES.contains(&code.as_str()), "{code} is not in CODES");
                seen += 1;
            }
        }
        assert!(seen >= CODES.len(), "only {seen} codes found in the source");
    }

    #[test]
    fn the_certificate_check_grades_by_days_left() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1000);
        let at = |d: i64| tls_finding(Some(now + Duration::days(d)), false, now);
        assert_eq!(at(365).severity, Severity::Ok);
        assert!(at(365).fix.is_none());
        assert_eq!(at(20).severity, Severity::Medium);
        assert_eq!(at(3).severity, Severity::High);
        assert_eq!(at(-1).code, "tls_expired");
        assert!(at(3).fix.is_some());
        assert_eq!(tls_finding(None, false, now).code, "tls_off");
        let own = tls_finding(Some(now + Duration::days(365)), true, now);
        assert_eq!(
            (own.code.as_str(), own.severity),
            ("tls_self_signed", Severity::Low)
        );
        assert!(own.fix.unwrap().contains("certificate authority"));
        // Expiring beats self-signed: the nearer danger is told.
        assert_eq!(
            tls_finding(Some(now + Duration::days(3)), true, now).code,
            "tls_expiring"
        );
    }

    #[test]
    fn backups_are_graded_by_age_error_and_copy() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1000);
        let posture = |newest: Option<OffsetDateTime>, offsite: bool, err: Option<&str>| Posture {
            backups: Some(crate::compliance::BackupFacts {
                every_hours: Some(24),
                newest,
                offsite,
                last_error: err.map(str::to_owned),
            }),
            ..Posture::default()
        };
        let f = backup_findings(
            &posture(Some(now - Duration::hours(3)), true, None),
            None,
            now,
        );
        assert_eq!(f[0].code, "backup_recent");
        assert_eq!(f[1].code, "offsite_on");
        assert_eq!(f[2].code, "drill_never");
        let f = backup_findings(
            &posture(Some(now - Duration::hours(72)), false, None),
            Some(now),
            now,
        );
        assert_eq!(
            (f[0].code.as_str(), f[0].severity),
            ("backup_stale", Severity::High)
        );
        assert_eq!(f[1].severity, Severity::Medium);
        assert_eq!(f[2].code, "drill_recent");
        let f = backup_findings(&posture(None, true, Some("disk full")), None, now);
        assert!(f[0].state.contains("disk full"));
        let f = backup_findings(&Posture::default(), None, now);
        assert_eq!(f[0].code, "backup_unscheduled");
    }
}
