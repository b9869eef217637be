//! Retention in the web UI: the rules (how long each kind of data is kept, and what happens
//! then) edited by the owner, a sweep checked first or run now, and the past sweeps.

use super::i18n::Tr;
use super::{page, page_with, refusal, Chrome, Staff, StaffForm, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use custos_api::catalog::{Catalog, Category};
use custos_api::retention::{RetentionAction, RetentionReport, RetentionRule, RetentionTarget};
use custos_api::ErrorCode;
use custos_core::policy::Action;
use custos_core::retention::SweepOptions;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The routes of the retention page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/retention", get(show).post(save))
        .route("/retention/run", post(run))
}

/// A rule's target as a form value: `record:visit`, `category:address`, `inactive`.
fn target_value(t: &RetentionTarget) -> String {
    match t {
        RetentionTarget::RecordType(n) => format!("record:{n}"),
        RetentionTarget::Category(c) => format!("category:{}", c.as_str()),
        RetentionTarget::InactiveCustomers => "inactive".into(),
    }
}

fn parse_target(s: &str) -> Option<RetentionTarget> {
    match s.split_once(':') {
        Some(("record", n)) if !n.is_empty() => Some(RetentionTarget::RecordType(n.to_owned())),
        Some(("category", c)) => Category::parse(c).map(RetentionTarget::Category),
        None if s == "inactive" => Some(RetentionTarget::InactiveCustomers),
        _ => None,
    }
}

fn target_label(t: &Tr, target: &RetentionTarget) -> String {
    match target {
        RetentionTarget::RecordType(n) => t.label("rtype", n),
        RetentionTarget::Category(c) => t.label("category", c.as_str()),
        RetentionTarget::InactiveCustomers => t.t("retention-inactive"),
    }
}

/// Everything a rule can apply to in this catalog.
fn targets(t: &Tr, c: &Catalog) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = c
        .record_types
        .iter()
        .map(|r| RetentionTarget::RecordType(r.name.clone()))
        .chain({
            let mut cats: Vec<Category> = c.fields.iter().map(|f| f.category).collect();
            cats.sort();
            cats.dedup();
            cats.into_iter().map(RetentionTarget::Category)
        })
        .chain([RetentionTarget::InactiveCustomers])
        .map(|x| (target_value(&x), target_label(t, &x)))
        .collect();
    out.dedup();
    out
}

struct RuleRow {
    index: usize,
    name: String,
    target: String,
    target_label: String,
    keep_days: u32,
    action: String,
    reference: String,
}

struct RunLine {
    when: String,
    dry_run: bool,
    complete: bool,
    rules: Vec<(String, u64, u64, u64, u64)>,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    c: Chrome,
    rules: Vec<RuleRow>,
    targets: Vec<(String, String)>,
    actions: Vec<(String, String)>,
    may_edit: bool,
    may_run: bool,
    report: Option<RunLine>,
    history: Vec<RunLine>,
    /// What anonymisation kept: per entry type and month, the group and how many.
    aggregates: Vec<(String, String, String, String)>,
    error: Option<String>,
}

fn action_value(a: RetentionAction) -> String {
    serde_json::to_value(a)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn run_line(t: &Tr, r: &RetentionReport) -> RunLine {
    RunLine {
        when: t.datetime(&r.started_at),
        dry_run: r.dry_run,
        complete: r.complete,
        rules: r
            .rules
            .iter()
            .map(|o| (o.rule.clone(), o.due, o.deleted, o.anonymised, o.held))
            .collect(),
    }
}

async fn retention_page(
    s: &AppState,
    staff: Staff,
    report: Option<RetentionReport>,
    error: Option<String>,
) -> Result<RetentionPage, UiError> {
    let catalog = s.vault.catalog(&staff.p).await?;
    let may_run = staff.p.role.may(Action::RetentionManage);
    let (history, aggregates) = if may_run {
        (
            s.vault.retention_history(&staff.p, &staff.meta).await?,
            s.vault.aggregates(&staff.p, &staff.meta).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let t = &staff.c.t;
    let rules = catalog
        .retention
        .iter()
        .enumerate()
        .map(|(index, r)| RuleRow {
            index,
            name: r.name.clone(),
            target: target_value(&r.applies_to),
            target_label: target_label(t, &r.applies_to),
            keep_days: r.keep_days,
            action: action_value(r.action),
            reference: r.legal_reference.clone(),
        })
        .collect();
    let actions = [RetentionAction::Delete, RetentionAction::Anonymise]
        .into_iter()
        .map(|a| {
            let v = action_value(a);
            (v.clone(), t.label("retention-action", &v))
        })
        .collect();
    let aggregates = aggregates
        .iter()
        .rev()
        .take(100)
        .map(|a| {
            let pairs = |m: &serde_json::Map<String, serde_json::Value>| {
                m.iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => format!("{}: {s}", t.field(k)),
                        other => format!("{}: {other}", t.field(k)),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (
                format!("{} · {}", t.label("rtype", &a.record_type), a.month),
                pairs(&a.group),
                t.num(a.count as i64),
                pairs(&a.sums),
            )
        })
        .collect();
    Ok(RetentionPage {
        aggregates,
        targets: targets(t, &catalog),
        report: report.as_ref().map(|r| run_line(t, r)),
        history: history
            .iter()
            .rev()
            .take(10)
            .map(|r| run_line(t, r))
            .collect(),
        rules,
        actions,
        may_edit: staff.p.role.may(Action::TenantManage),
        may_run,
        error,
        c: staff.c,
    })
}

async fn show(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    staff.require(Action::CatalogRead)?;
    page(retention_page(&s, staff, None, None).await?)
}

/// The rules as sent: `r<i>.<part>` for each row, `new.<part>` for one more.
fn rules_of(form: &[(String, String)]) -> Result<Vec<RetentionRule>, UiError> {
    let bad = || UiError::code(ErrorCode::InvalidRequest);
    let mut rows: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in form {
        if let Some((row, part)) = k.split_once('.') {
            if row == "new"
                || row
                    .strip_prefix('r')
                    .is_some_and(|i| i.parse::<u32>().is_ok())
            {
                rows.entry(row.to_owned())
                    .or_default()
                    .insert(part.to_owned(), v.clone());
            }
        }
    }
    let mut rules = Vec::new();
    for (row, parts) in rows {
        let get = |p: &str| {
            parts
                .get(p)
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        if parts.contains_key("remove") {
            continue;
        }
        let name = get("name");
        if row == "new" && name.is_empty() {
            continue;
        }
        let keep_days: u32 = get("keep").parse().map_err(|_| bad())?;
        let action =
            serde_json::from_value::<RetentionAction>(serde_json::Value::String(get("action")))
                .map_err(|_| bad())?;
        rules.push(RetentionRule {
            name,
            applies_to: parse_target(&get("target")).ok_or_else(bad)?,
            keep_days,
            action,
            legal_reference: get("reference"),
        });
    }
    Ok(rules)
}

async fn save(
    State(s): State<AppState>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let rules = rules_of(&form)?;
    match s
        .vault
        .set_retention_rules(&staff.p, rules, &staff.meta)
        .await
    {
        Ok(_) => Ok(Redirect::to("/retention?notice=retention-saved").into_response()),
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(status, retention_page(&s, staff, None, error).await?)
        }
    }
}

#[derive(Deserialize)]
struct RunForm {
    #[serde(default)]
    dry_run: Option<String>,
}

async fn run(State(s): State<AppState>, f: StaffForm<RunForm>) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let opts = SweepOptions {
        dry_run: form.dry_run.is_some(),
        ..Default::default()
    };
    let report = s.vault.run_retention(&staff.p, &opts, &staff.meta).await?;
    page(retention_page(&s, staff, Some(report), None).await?)
}
