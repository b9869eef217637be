//! The owner's security dashboard (each check with its state and what to do about it) and the
//! administration hub that lists the pages a role may use.

use super::{page, Chrome, Staff, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use custos_api::compliance::{Finding, Severity};
use custos_core::policy::Action;

/// The routes of the dashboard and the hub.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/security", get(dashboard))
        .route("/admin", get(hub))
}

/// One line of the dashboard.
pub(crate) struct Check {
    pub(crate) level: &'static str,
    pub(crate) level_label: String,
    pub(crate) title: String,
    pub(crate) state: String,
    pub(crate) fix: String,
    pub(crate) link: Option<(&'static str, String)>,
}

/// The page that fixes what a check looks at.
fn link_of(check: &str) -> Option<(&'static str, &'static str)> {
    Some(match check {
        "mfa" => ("/settings", "nav-settings"),
        "backup" | "offsite" | "restore_drill" | "keys" => ("/backups", "nav-backups"),
        "retention" => ("/retention", "nav-retention"),
        "inactive_staff" => ("/staff", "nav-staff"),
        "tokens" => ("/tokens", "nav-tokens"),
        "requests" => ("/requests", "nav-requests"),
        "alerts" => ("/alerts", "nav-alerts"),
        "audit" => ("/audit", "nav-audit"),
        _ => return None,
    })
}

/// The findings as dashboard lines, in the page's language.
pub(crate) fn lines(t: &super::i18n::Tr, findings: &[Finding], links: bool) -> Vec<Check> {
    findings
        .iter()
        .map(|f| {
            let key = f.check.replace('_', "-");
            let (level, label) = match f.severity {
                Severity::Ok => ("ok", "check-ok"),
                Severity::Low => ("low", "check-low"),
                Severity::Medium => ("warn", "check-warn"),
                Severity::High => ("bad", "check-bad"),
            };
            Check {
                level,
                level_label: t.t(label),
                title: t.t(&format!("check-{key}")),
                state: t.finding(f),
                fix: match f.severity {
                    Severity::Ok => String::new(),
                    // A fix for this very state where there is one, else the check's.
                    _ => {
                        let own = format!("check-fix-{}", f.code.replace('_', "-"));
                        let general = format!("check-{key}-fix");
                        t.t(if t.has(&own) { &own } else { &general })
                    }
                },
                link: link_of(&f.check)
                    .filter(|_| links && f.severity != Severity::Ok)
                    .map(|(href, k)| (href, t.t(k))),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "security.html")]
struct DashboardPage {
    c: Chrome,
    checks: Vec<Check>,
    version: &'static str,
    bad: usize,
}

async fn dashboard(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    staff.require(Action::TenantManage)?;
    let report = s.vault.checks(&staff.p, &s.posture(), &staff.meta).await?;
    let checks = lines(&staff.c.t, &report.findings, true);
    let bad = checks.iter().filter(|c| c.level == "bad").count();
    page(DashboardPage {
        c: staff.c,
        checks,
        version: env!("CARGO_PKG_VERSION"),
        bad,
    })
}

/// One page of the administration hub.
struct Entry {
    href: &'static str,
    label: String,
    about: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct HubPage {
    c: Chrome,
    entries: Vec<Entry>,
}

/// The administration pages, with the action that opens each.
const PAGES: [(&str, &str, Action); 13] = [
    ("/security", "nav-security", Action::TenantManage),
    ("/compliance", "nav-compliance", Action::AuditRead),
    ("/settings", "nav-settings", Action::TenantManage),
    ("/staff", "nav-staff", Action::UserManage),
    ("/devices", "nav-devices", Action::DeviceManage),
    ("/tokens", "nav-tokens", Action::TokenManage),
    ("/webhooks", "nav-webhooks", Action::WebhookManage),
    ("/catalog", "nav-catalog", Action::CatalogRead),
    ("/retention", "nav-retention", Action::CatalogRead),
    ("/import", "nav-import", Action::CustomerImport),
    ("/marketing", "nav-marketing", Action::MarketingAudience),
    ("/backups", "nav-backups", Action::AuditRead),
    (
        "/v1/exports/customers?format=csv",
        "nav-export-all",
        Action::CustomerExportAll,
    ),
];

/// Whether the role may open any administration page.
pub fn any_admin(p: &custos_core::policy::Principal) -> bool {
    PAGES.iter().any(|(_, _, a)| p.role.may(*a))
}

async fn hub(staff: Staff) -> Result<Response, UiError> {
    let t = &staff.c.t;
    let entries: Vec<Entry> = PAGES
        .iter()
        .filter(|(_, _, a)| staff.p.role.may(*a))
        .map(|(href, key, _)| Entry {
            href,
            label: t.t(key),
            about: t.t(&format!("{key}-about")),
        })
        .collect();
    if entries.is_empty() {
        return Err(UiError::from(custos_core::CoreError::Forbidden(
            "Your role has no administration pages.".into(),
        )));
    }
    page(HubPage {
        c: staff.c,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::{Lang, Tr};

    #[test]
    fn every_check_and_page_has_its_messages() {
        let t = Tr::new(Lang::En, "UTC");
        for key in [
            "tls",
            "mfa",
            "backup",
            "offsite",
            "restore_drill",
            "keys",
            "retention",
            "inactive_staff",
            "tokens",
            "requests",
            "alerts",
            "audit",
            "version",
        ] {
            let key = key.replace('_', "-");
            assert!(t.has(&format!("check-{key}")), "{key}");
            assert!(t.has(&format!("check-{key}-fix")), "{key} fix");
        }
        for code in custos_core::doctor::CODES {
            let code = code.replace('_', "-");
            assert!(t.has(&format!("check-state-{code}")), "{code}");
        }
        for (_, key, _) in PAGES {
            assert!(t.has(key), "{key}");
            assert!(t.has(&format!("{key}-about")), "{key}-about");
        }
    }
}
