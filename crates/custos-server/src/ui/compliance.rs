//! The compliance page: the documents custos writes from what it does (records of processing,
//! the privacy notice in three languages and its versions, the data-flow map), the recipients
//! and contact details they are made from (kept by the owner), and the saved self-audit
//! reports.

use super::security::{lines, Check};
use super::{page, page_with, refusal, Chrome, NoFields, Staff, StaffForm, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use custos_api::catalog::{
    Catalog, Category, Controller, Recipient, RecipientKind, TransferSafeguard,
};
use custos_core::compliance::declared_categories;
use custos_core::policy::Action;

/// The routes of the page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/compliance", get(show))
        .route("/compliance/recipients", post(add_recipient))
        .route("/compliance/recipients/remove", post(remove_recipient))
        .route("/compliance/controller", post(save_controller))
        .route("/compliance/self-audits", post(run_self_audit))
}

const KINDS: [(RecipientKind, &str); 3] = [
    (RecipientKind::Processor, "processor"),
    (RecipientKind::Controller, "controller"),
    (RecipientKind::PublicAuthority, "public_authority"),
];

const SAFEGUARDS: [(TransferSafeguard, &str); 4] = [
    (TransferSafeguard::AdequacyDecision, "adequacy_decision"),
    (
        TransferSafeguard::StandardContractualClauses,
        "standard_contractual_clauses",
    ),
    (
        TransferSafeguard::BindingCorporateRules,
        "binding_corporate_rules",
    ),
    (TransferSafeguard::ExplicitConsent, "explicit_consent"),
];

fn kind_name(k: RecipientKind) -> &'static str {
    KINDS.iter().find(|(x, _)| *x == k).map_or("", |(_, n)| n)
}

fn safeguard_name(s: TransferSafeguard) -> &'static str {
    SAFEGUARDS
        .iter()
        .find(|(x, _)| *x == s)
        .map_or("", |(_, n)| n)
}

struct RecipientLine {
    name: String,
    kind: String,
    purposes: String,
    categories: String,
    country: String,
    safeguard: String,
}

struct Report {
    date: String,
    trigger: String,
    level: &'static str,
    level_label: String,
    counts: String,
    checks: Vec<Check>,
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    c: Chrome,
    owner: bool,
    slug: String,
    notice_version: u32,
    notice_versions: Vec<(u32, String)>,
    recipients: Vec<RecipientLine>,
    kinds: Vec<(&'static str, String)>,
    safeguards: Vec<(&'static str, String)>,
    purposes: Vec<(String, String)>,
    categories: Vec<(&'static str, String)>,
    controller: Controller,
    reports: Vec<Report>,
    error: Option<String>,
}

async fn compliance_page(
    s: &AppState,
    staff: Staff,
    error: Option<String>,
) -> Result<CompliancePage, UiError> {
    staff.require(Action::AuditRead)?;
    let catalog: Catalog = s.vault.catalog(&staff.p).await?;
    let reports = s.vault.self_audits(&staff.p, 24).await?;
    let t = &staff.c.t;
    let recipients = catalog
        .recipients
        .iter()
        .map(|r| RecipientLine {
            name: r.name.clone(),
            kind: t.label("recipient-kind", kind_name(r.kind)),
            purposes: r
                .purposes
                .iter()
                .map(|p| t.label("purpose", p))
                .collect::<Vec<_>>()
                .join(", "),
            categories: r
                .categories
                .iter()
                .map(|c| t.label("category", c.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            country: r.country.clone(),
            safeguard: r
                .safeguard
                .map(|x| t.label("safeguard", safeguard_name(x)))
                .unwrap_or_default(),
        })
        .collect();
    let reports = reports
        .iter()
        .map(|r| {
            let checks = lines(t, &r.checks.findings, false);
            let count = |level: &str| checks.iter().filter(|c| c.level == level).count() as i64;
            let (level, label) = match r.checks.worst {
                custos_api::compliance::Severity::High => ("bad", "check-bad"),
                custos_api::compliance::Severity::Medium => ("warn", "check-warn"),
                custos_api::compliance::Severity::Low => ("low", "check-low"),
                custos_api::compliance::Severity::Ok => ("ok", "check-ok"),
            };
            Report {
                date: t.datetime(&r.checks.checked_at),
                trigger: t.label("self-audit-trigger", &r.trigger),
                level,
                level_label: t.t(label),
                counts: format!(
                    "{} · {}",
                    t.n("compliance-count-bad", count("bad")),
                    t.n("compliance-count-warn", count("warn"))
                ),
                checks,
            }
        })
        .collect();
    Ok(CompliancePage {
        owner: staff.p.role.may(Action::TenantManage),
        slug: staff.p.tenant_slug.clone(),
        notice_version: custos_core::compliance::current_notice_version(&catalog),
        notice_versions: catalog
            .notice_versions
            .iter()
            .rev()
            .map(|v| (v.version, t.date(&v.since)))
            .collect(),
        recipients,
        kinds: KINDS
            .iter()
            .map(|(_, n)| (*n, t.label("recipient-kind", n)))
            .collect(),
        safeguards: SAFEGUARDS
            .iter()
            .map(|(_, n)| (*n, t.label("safeguard", n)))
            .collect(),
        purposes: catalog
            .purposes
            .iter()
            .map(|p| (p.name.clone(), t.label("purpose", &p.name)))
            .collect(),
        categories: declared_categories(&catalog)
            .into_iter()
            .map(|c| (c.as_str(), t.label("category", c.as_str())))
            .collect(),
        controller: catalog.controller,
        reports,
        error,
        c: staff.c,
    })
}

async fn show(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    page(compliance_page(&s, staff, None).await?)
}

/// Shows a refusal on the page itself (a 4xx), or the error page.
async fn refused(
    s: &AppState,
    staff: Staff,
    e: custos_core::CoreError,
) -> Result<Response, UiError> {
    let (status, error) = refusal(&staff.c.t, e)?;
    page_with(status, compliance_page(s, staff, Some(error)).await?)
}

async fn add_recipient(
    State(s): State<AppState>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    staff.require(Action::TenantManage)?;
    let get = |k: &str| super::form_value(&form, k).unwrap_or("").to_owned();
    let all = |k: &str| -> Vec<String> {
        form.iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let kind = KINDS
        .iter()
        .find(|(_, n)| *n == get("kind"))
        .map_or(RecipientKind::Processor, |(k, _)| *k);
    let safeguard = SAFEGUARDS
        .iter()
        .find(|(_, n)| *n == get("safeguard"))
        .map(|(x, _)| *x);
    let new = Recipient {
        name: get("name"),
        kind,
        purposes: all("purpose"),
        categories: all("category")
            .iter()
            .filter_map(|c| Category::parse(c))
            .collect(),
        country: get("country").to_ascii_uppercase(),
        safeguard,
    };
    let mut list = s.vault.catalog(&staff.p).await?.recipients;
    list.push(new);
    match s.vault.set_recipients(&staff.p, list, &staff.meta).await {
        Ok(_) => Ok(Redirect::to("/compliance?notice=compliance-recipient-added").into_response()),
        Err(e) => refused(&s, staff, e).await,
    }
}

async fn remove_recipient(
    State(s): State<AppState>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    staff.require(Action::TenantManage)?;
    let name = super::form_value(&form, "name").unwrap_or("").to_owned();
    let mut list = s.vault.catalog(&staff.p).await?.recipients;
    list.retain(|r| r.name != name);
    match s.vault.set_recipients(&staff.p, list, &staff.meta).await {
        Ok(_) => {
            Ok(Redirect::to("/compliance?notice=compliance-recipient-removed").into_response())
        }
        Err(e) => refused(&s, staff, e).await,
    }
}

async fn save_controller(
    State(s): State<AppState>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    staff.require(Action::TenantManage)?;
    let get = |k: &str| super::form_value(&form, k).map(str::to_owned);
    let c = Controller {
        legal_name: get("legal_name"),
        address: get("address"),
        email: get("email"),
        phone: get("phone"),
        representative: get("representative"),
        dpo: get("dpo"),
    };
    match s.vault.set_controller(&staff.p, c, &staff.meta).await {
        Ok(_) => Ok(Redirect::to("/compliance?notice=compliance-controller-saved").into_response()),
        Err(e) => refused(&s, staff, e).await,
    }
}

async fn run_self_audit(
    State(s): State<AppState>,
    f: StaffForm<NoFields>,
) -> Result<Response, UiError> {
    let staff = f.staff;
    staff.require(Action::TenantManage)?;
    s.vault
        .save_self_audit(&staff.p, &s.posture(), "on_demand", &staff.meta)
        .await?;
    Ok(Redirect::to("/compliance?notice=compliance-self-audit-saved#self-audits").into_response())
}
