//! The owner's security dashboard (each check with its state and what to do about it) and the
//! administration hub that lists the pages a role may use.

use super::{page, Chrome, Staff, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use custos_api::retention::RetentionTarget;
use custos_core::policy::Action;

/// The routes of the dashboard and the hub.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/security", get(dashboard))
        .route("/admin", get(hub))
}

/// How a check stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Ok,
    Warn,
    Bad,
}

/// One line of the dashboard.
struct Check {
    level: &'static str,
    level_label: String,
    title: String,
    state: String,
    fix: String,
    link: Option<(&'static str, String)>,
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
    let t = &staff.c.t;
    let p = &staff.p;
    let mut checks = Vec::new();
    let mut add = |level: Level, key: &str, state: String, link: Option<(&'static str, &str)>| {
        let (lv, label) = match level {
            Level::Ok => ("ok", t.t("check-ok")),
            Level::Warn => ("warn", t.t("check-warn")),
            Level::Bad => ("bad", t.t("check-bad")),
        };
        checks.push(Check {
            level: lv,
            level_label: label,
            title: t.t(&format!("check-{key}")),
            state,
            fix: if level == Level::Ok {
                String::new()
            } else {
                t.t(&format!("check-{key}-fix"))
            },
            link: link.map(|(href, k)| (href, t.t(k))),
        });
    };

    // Two-step sign-in: required by the business, and who has it.
    let settings = s.vault.tenant_settings(p).await?;
    let users = s.vault.users(p).await?;
    let active: Vec<_> = users.iter().filter(|u| !u.disabled).collect();
    let with_mfa = active.iter().filter(|u| u.mfa_enabled).count();
    let mfa_state = t.a(
        "check-mfa-state",
        "n",
        &format!("{with_mfa}/{}", active.len()),
    );
    let level = if with_mfa == active.len() {
        Level::Ok
    } else if settings.tenant.require_mfa {
        Level::Warn
    } else {
        Level::Bad
    };
    add(level, "mfa", mfa_state, Some(("/settings", "nav-settings")));

    // Backups: the newest one, its age against the schedule, a copy elsewhere.
    let backup = s.backups.as_ref().map(|probe| probe());
    let (level, state) = match &backup {
        Some(b) => match (&b.newest, b.newest_age_seconds, b.every_hours) {
            (Some(n), Some(age), Some(h)) if age <= h * 3600 * 2 && b.last_error.is_none() => (
                Level::Ok,
                t.a("check-backup-state", "date", &t.datetime(&n.created_at)),
            ),
            (Some(n), _, _) => (
                Level::Bad,
                t.a("check-backup-state", "date", &t.datetime(&n.created_at)),
            ),
            (None, _, _) => (Level::Bad, t.t("backups-none")),
        },
        None => (Level::Bad, t.t("backups-none")),
    };
    add(level, "backup", state, Some(("/backups", "nav-backups")));
    let offsite = backup.as_ref().is_some_and(|b| !b.copies.is_empty());
    add(
        if offsite { Level::Ok } else { Level::Warn },
        "offsite",
        t.t(if offsite {
            "check-offsite-yes"
        } else {
            "check-offsite-no"
        }),
        Some(("/backups", "nav-backups")),
    );

    // The business key's age against a yearly rotation.
    if let Some(k) = s
        .vault
        .key_status()
        .await?
        .into_iter()
        .find(|k| k.slug == p.tenant_slug)
    {
        let days = (s.vault.now() - k.created_at).whole_days();
        let level = if k.rewrap_pending || !k.master_available {
            Level::Bad
        } else if days > 365 {
            Level::Warn
        } else {
            Level::Ok
        };
        add(
            level,
            "keys",
            t.n("check-keys-state", days),
            Some(("/backups", "nav-backups")),
        );
    }

    // TLS and its certificate.
    match s.tls_expires_at {
        Some(until) => {
            let days = (until - s.vault.now()).whole_days();
            let level = if days < 7 {
                Level::Bad
            } else if days < 30 {
                Level::Warn
            } else {
                Level::Ok
            };
            add(
                level,
                "tls",
                t.a("check-tls-state", "date", &t.date(&until)),
                None,
            );
        }
        None => add(Level::Warn, "tls", t.t("check-tls-off"), None),
    }

    // Open alerts and overdue data requests.
    let open_alerts = s.vault.alerts(p, true, Some(500)).await?.len();
    add(
        if open_alerts == 0 {
            Level::Ok
        } else {
            Level::Warn
        },
        "alerts",
        t.n("check-alerts-state", open_alerts as i64),
        Some(("/alerts", "nav-alerts")),
    );
    let overdue = s
        .vault
        .data_requests(p, true, &staff.meta)
        .await?
        .iter()
        .filter(|r| r.overdue)
        .count();
    add(
        if overdue == 0 { Level::Ok } else { Level::Bad },
        "requests",
        t.n("requests-overdue-count", overdue as i64),
        Some(("/requests", "nav-requests")),
    );

    // Retention: a rule limits every kind of data the business holds.
    let catalog = s.vault.catalog(p).await?;
    let limited = !catalog.retention.is_empty();
    let everything = catalog
        .retention
        .iter()
        .any(|r| matches!(r.applies_to, RetentionTarget::InactiveCustomers));
    add(
        if everything {
            Level::Ok
        } else if limited {
            Level::Warn
        } else {
            Level::Bad
        },
        "retention",
        t.n("check-retention-state", catalog.retention.len() as i64),
        Some(("/retention", "nav-retention")),
    );

    // API tokens that never expire.
    let forever = s
        .vault
        .tokens(p)
        .await?
        .iter()
        .filter(|k| k.expires_at.is_none())
        .count();
    add(
        if forever == 0 { Level::Ok } else { Level::Warn },
        "tokens",
        t.n("check-tokens-state", forever as i64),
        Some(("/tokens", "nav-tokens")),
    );

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
const PAGES: [(&str, &str, Action); 12] = [
    ("/security", "nav-security", Action::TenantManage),
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
            "mfa",
            "backup",
            "offsite",
            "keys",
            "tls",
            "alerts",
            "requests",
            "retention",
            "tokens",
        ] {
            assert!(t.has(&format!("check-{key}")), "{key}");
            assert!(t.has(&format!("check-{key}-fix")), "{key} fix");
        }
        for (_, key, _) in PAGES {
            assert!(t.has(key), "{key}");
            assert!(t.has(&format!("{key}-about")), "{key}-about");
        }
    }
}
