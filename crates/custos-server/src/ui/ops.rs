//! The privacy officer's pages: the data-request inbox with its deadlines, the audit viewer
//! with filters and chain verification, alerts, and the incident register with its 72-hour
//! clock and the drafted notifications.

use super::i18n::Tr;
use super::{page, page_with, refusal, Chrome, NoFields, Staff, StaffForm, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use custos_api::incident::{IncidentPatch, IncidentRisk, NewIncident};
use custos_api::request::{DataRequestPatch, NewDataRequest, RequestKind};
use custos_api::ErrorCode;
use custos_core::ids::{AlertId, CustomerId};
use custos_core::policy::Action;
use custos_core::store::AuditFilter;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// The routes of these pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/requests", get(requests).post(open_request))
        .route("/requests/{id}", post(update_request))
        .route("/audit", get(audit))
        .route("/alerts", get(alerts))
        .route("/alerts/{id}", get(alert_deliveries))
        .route("/alerts/{id}/ack", post(acknowledge))
        .route("/incidents", get(incidents).post(open_incident))
        .route("/incidents/{id}", get(incident).post(update_incident))
        .route("/incidents/{id}/notes", post(add_note))
}

fn bad() -> UiError {
    UiError::code(ErrorCode::InvalidRequest)
}

fn uuid_of(s: &str) -> Result<Uuid, UiError> {
    Uuid::try_parse(s).map_err(|_| UiError::code(ErrorCode::NotFound))
}

/// A short, readable form of an id (its last 8 hex digits).
fn short(id: &Uuid) -> String {
    let s = id.simple().to_string();
    s[s.len() - 8..].to_owned()
}

// --- data requests ---------------------------------------------------------------------------

struct RequestLine {
    id: String,
    customer: String,
    customer_short: String,
    kind: String,
    received: String,
    due: String,
    state_label: String,
    identity_check: String,
    overdue: bool,
    open: bool,
    outcome: String,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage {
    c: Chrome,
    lines: Vec<RequestLine>,
    all: bool,
    overdue: usize,
    error: Option<String>,
}

#[derive(Deserialize)]
struct AllQuery {
    #[serde(default)]
    all: Option<String>,
}

fn kind_label(t: &Tr, k: RequestKind) -> String {
    t.label("request-kind", k.as_str())
}

async fn requests(
    State(s): State<AppState>,
    staff: Staff,
    Query(q): Query<AllQuery>,
) -> Result<Response, UiError> {
    page(requests_page(&s, staff, q.all.is_some(), None).await?)
}

async fn requests_page(
    s: &AppState,
    staff: Staff,
    all: bool,
    error: Option<String>,
) -> Result<RequestsPage, UiError> {
    let rows = s.vault.data_requests(&staff.p, !all, &staff.meta).await?;
    let t = &staff.c.t;
    let mut lines: Vec<RequestLine> = rows
        .into_iter()
        .map(|r| RequestLine {
            id: r.id.to_string(),
            customer: r.customer_id.to_string(),
            customer_short: short(&r.customer_id),
            kind: kind_label(t, r.kind),
            received: t.date(&r.received_at),
            due: t.date(&r.due_at),
            state_label: t.label("request-state", &r.state),
            open: r.closed_at.is_none(),
            identity_check: t.label("identity-check", &r.identity_check),
            overdue: r.overdue,
            outcome: r.outcome.unwrap_or_default(),
        })
        .collect();
    // The most urgent first: overdue, then by due date (as listed by the vault).
    lines.sort_by_key(|l| !l.overdue);
    let overdue = lines.iter().filter(|l| l.overdue).count();
    Ok(RequestsPage {
        c: staff.c,
        lines,
        all,
        overdue,
        error,
    })
}

#[derive(Deserialize)]
struct OpenRequestForm {
    customer_id: String,
    kind: String,
    #[serde(default)]
    note: String,
}

async fn open_request(
    State(s): State<AppState>,
    f: StaffForm<OpenRequestForm>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let customer = uuid_of(&form.customer_id)?;
    let kind = RequestKind::parse(&form.kind).ok_or_else(bad)?;
    let note = Some(form.note.trim().to_owned()).filter(|n| !n.is_empty());
    s.vault
        .open_data_request(
            &staff.p,
            NewDataRequest {
                customer_id: customer,
                kind,
                received_at: None,
                note,
            },
            &staff.meta,
        )
        .await?;
    Ok(Redirect::to("/requests?notice=request-opened").into_response())
}

#[derive(Deserialize)]
struct UpdateRequestForm {
    #[serde(default)]
    extend_months: String,
    #[serde(default)]
    extension_reason: String,
    #[serde(default)]
    identity_check: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    outcome: String,
}

async fn update_request(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<UpdateRequestForm>,
) -> Result<Response, UiError> {
    let id = uuid_of(&id)?;
    let StaffForm { staff, form } = f;
    let some = |v: String| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let extend_months = match form.extend_months.trim() {
        "" => None,
        m => Some(m.parse::<u8>().map_err(|_| bad())?),
    };
    let patch = DataRequestPatch {
        identity_check: some(form.identity_check),
        state: some(form.state),
        outcome: some(form.outcome),
        extend_months,
        extension_reason: some(form.extension_reason),
    };
    match s
        .vault
        .update_data_request(&staff.p, id, patch, &staff.meta)
        .await
    {
        Ok(_) => Ok(Redirect::to("/requests?notice=request-updated").into_response()),
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            page_with(status, requests_page(&s, staff, false, Some(error)).await?)
        }
    }
}

// --- audit -----------------------------------------------------------------------------------

struct AuditLine {
    seq: u64,
    at: String,
    actor: String,
    action: String,
    customers: Vec<(String, String)>,
    target: String,
    reason: String,
    outcome: String,
}

struct VerifyResult {
    ok: bool,
    events: String,
    checkpoints: String,
    first_bad: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    lines: Vec<AuditLine>,
    /// The people whose actions can be picked (id, name), when the role may know them.
    actors: Vec<(String, String)>,
    actor: String,
    customer_id: String,
    action: String,
    from: String,
    to: String,
    older: Option<String>,
    verify: Option<VerifyResult>,
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: Option<u64>,
    #[serde(default)]
    verify: Option<String>,
}

/// A `YYYY-MM-DD` form value as the start of that day (UTC); `end` for the start of the next.
fn day(s: &str, end: bool) -> Result<Option<OffsetDateTime>, UiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &fmt).map_err(|_| bad())?;
    let d = if end {
        d.next_day().ok_or_else(bad)?
    } else {
        d
    };
    Ok(Some(d.midnight().assume_utc()))
}

async fn audit(
    State(s): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Response, UiError> {
    staff.require(Action::AuditRead)?;
    let customer = if q.customer_id.trim().is_empty() {
        None
    } else {
        Some(CustomerId::from_uuid(uuid_of(q.customer_id.trim())?))
    };
    let actor = if q.actor.trim().is_empty() {
        None
    } else {
        Some(uuid_of(q.actor.trim())?)
    };
    let filter = AuditFilter {
        customer,
        actor,
        action: Some(q.action.trim().to_owned()).filter(|a| !a.is_empty()),
        from: day(&q.from, false)?,
        to: day(&q.to, true)?,
        before: q.before,
    };
    let (items, next) = s
        .vault
        .audit_events(&staff.p, filter, Some(100), &staff.meta)
        .await?;
    let verify = if q.verify.is_some() {
        let v = s
            .vault
            .verify_audit(&staff.p, &s.audit_public_key, &staff.meta)
            .await?;
        let t = &staff.c.t;
        Some(VerifyResult {
            ok: v.ok,
            events: t.num(v.events as i64),
            checkpoints: t.num(v.checkpoints as i64),
            first_bad: v.first_bad.map(|n| n.to_string()).unwrap_or_default(),
        })
    } else {
        None
    };
    // Names for the actors this role may know; ids otherwise.
    let names: std::collections::HashMap<Uuid, String> = match s.vault.users(&staff.p).await {
        Ok(users) => users
            .into_iter()
            .map(|u| (u.id.as_uuid(), u.username))
            .collect(),
        Err(_) => Default::default(),
    };
    let t = &staff.c.t;
    let lines = items
        .into_iter()
        .map(|(seq, e)| AuditLine {
            seq,
            at: t.datetime(&e.at),
            actor: match e.actor_id {
                Some(id) => format!(
                    "{} ({})",
                    names.get(&id).cloned().unwrap_or_else(|| short(&id)),
                    e.actor_role.as_deref().unwrap_or(&e.actor_kind)
                ),
                None => e.actor_kind.clone(),
            },
            action: e.action,
            customers: e
                .customer_ids
                .iter()
                .take(5)
                .map(|c| (c.to_string(), short(c)))
                .collect(),
            target: e.target.unwrap_or_default(),
            reason: e.reason.unwrap_or_default(),
            outcome: serde_json::to_value(e.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        })
        .collect();
    let mut actors: Vec<(String, String)> = names
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    actors.sort_by(|a, b| a.1.cmp(&b.1));
    let older = next.map(|before| {
        format!(
            "/audit?customer_id={}&actor={}&action={}&from={}&to={}&before={before}",
            super::url_encode(q.customer_id.trim()),
            super::url_encode(q.actor.trim()),
            super::url_encode(q.action.trim()),
            super::url_encode(q.from.trim()),
            super::url_encode(q.to.trim())
        )
    });
    page(AuditPage {
        c: staff.c,
        lines,
        actors,
        actor: q.actor.trim().to_owned(),
        customer_id: q.customer_id.trim().to_owned(),
        action: q.action.trim().to_owned(),
        from: q.from.trim().to_owned(),
        to: q.to.trim().to_owned(),
        older,
        verify,
    })
}

// --- alerts ----------------------------------------------------------------------------------

struct AlertLine {
    id: String,
    at: String,
    kind: String,
    severity: String,
    severity_label: String,
    message: String,
    acknowledged: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    c: Chrome,
    lines: Vec<AlertLine>,
    all: bool,
    may_incident: bool,
}

async fn alerts(
    State(s): State<AppState>,
    staff: Staff,
    Query(q): Query<AllQuery>,
) -> Result<Response, UiError> {
    let all = q.all.is_some();
    let rows = s.vault.alerts(&staff.p, !all, Some(200)).await?;
    let t = &staff.c.t;
    let lines = rows
        .into_iter()
        .map(|a| AlertLine {
            id: a.id.to_string(),
            at: t.datetime(&a.created_at),
            kind: t.label("alert-kind", &a.kind),
            severity_label: t.label("severity", &a.severity),
            severity: a.severity,
            message: a.message,
            acknowledged: a
                .acknowledged
                .map(|(at, _)| t.datetime(&at))
                .unwrap_or_default(),
        })
        .collect();
    let may_incident = staff.p.role.may(Action::IncidentManage);
    page(AlertsPage {
        c: staff.c,
        lines,
        all,
        may_incident,
    })
}

async fn acknowledge(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<NoFields>,
) -> Result<Response, UiError> {
    let id = AlertId::parse(&id).ok_or_else(|| UiError::code(ErrorCode::NotFound))?;
    s.vault
        .acknowledge_alert(&f.staff.p, id, &f.staff.meta)
        .await?;
    Ok(Redirect::to("/alerts?notice=alert-acknowledged").into_response())
}

/// Where an alert was sent (e-mail, webhook) and how that went.
async fn alert_deliveries(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = AlertId::parse(&id).ok_or_else(|| UiError::code(ErrorCode::NotFound))?;
    let rows = s.vault.deliveries(&staff.p, &format!("alert:{id}")).await?;
    let t = &staff.c.t;
    let lines = rows
        .into_iter()
        .map(|d| super::settings::DeliveryLine {
            what: t.label("delivery-channel", &d.channel),
            created: t.datetime(&d.created_at),
            attempts: d.attempts,
            status: t.label("delivery", &d.status),
        })
        .collect();
    page(super::settings::DeliveriesPage {
        title: t.t("alert-deliveries"),
        back: ("/alerts?all=1", t.t("alerts-title")),
        c: staff.c,
        lines,
    })
}

// --- incidents -------------------------------------------------------------------------------

struct IncidentLine {
    id: String,
    title: String,
    status: String,
    risk: String,
    aware: String,
    deadline: String,
    left: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct IncidentsPage {
    c: Chrome,
    lines: Vec<IncidentLine>,
    may_manage: bool,
    error: Option<String>,
    alert: String,
}

fn risk_name(r: IncidentRisk) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Hours and minutes left on the 72-hour clock, or how long it is past.
fn time_left(t: &Tr, seconds: Option<i64>, overdue: bool) -> String {
    match seconds {
        Some(s) if s > 0 && !overdue => {
            let (h, m) = (s / 3600, (s % 3600) / 60);
            t.a("incident-left", "time", &format!("{h} h {m:02} min"))
        }
        Some(_) if overdue => t.t("incident-overdue"),
        _ => t.t("incident-no-clock"),
    }
}

async fn incidents_page(
    s: &AppState,
    staff: Staff,
    error: Option<String>,
    alert: String,
) -> Result<IncidentsPage, UiError> {
    let rows = s.vault.incidents(&staff.p, &staff.meta).await?;
    let t = &staff.c.t;
    let lines = rows
        .into_iter()
        .map(|i| IncidentLine {
            id: i.id.to_string(),
            left: time_left(t, i.seconds_left, i.overdue),
            status: t.label("incident-status", &i.status),
            risk: t.label("risk", &risk_name(i.risk)),
            aware: t.datetime(&i.aware_at),
            deadline: t.datetime(&i.deadline),
            overdue: i.overdue,
            title: i.title,
        })
        .collect();
    Ok(IncidentsPage {
        may_manage: staff.p.role.may(Action::IncidentManage),
        c: staff.c,
        lines,
        error,
        alert,
    })
}

#[derive(Deserialize)]
struct AlertRef {
    #[serde(default)]
    alert: String,
}

async fn incidents(
    State(s): State<AppState>,
    staff: Staff,
    Query(q): Query<AlertRef>,
) -> Result<Response, UiError> {
    page(incidents_page(&s, staff, None, q.alert).await?)
}

#[derive(Deserialize)]
struct NewIncidentForm {
    title: String,
    #[serde(default)]
    nature: String,
    #[serde(default)]
    alert: String,
}

async fn open_incident(
    State(s): State<AppState>,
    f: StaffForm<NewIncidentForm>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let alert_ids = if form.alert.trim().is_empty() {
        Vec::new()
    } else {
        vec![uuid_of(form.alert.trim())?]
    };
    let new = NewIncident {
        title: form.title.trim().to_owned(),
        aware_at: None,
        alert_ids,
        scope: None,
        nature: Some(form.nature.trim().to_owned()).filter(|n| !n.is_empty()),
        consequences: None,
        measures: None,
        contact: None,
        risk: None,
    };
    match s.vault.open_incident(&staff.p, new, &staff.meta).await {
        Ok(i) => Ok(
            Redirect::to(&format!("/incidents/{}?notice=incident-opened", i.id)).into_response(),
        ),
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(status, incidents_page(&s, staff, error, form.alert).await?)
        }
    }
}

struct Draft {
    audience: String,
    subject: String,
    text: String,
}

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    c: Chrome,
    id: String,
    title: String,
    status: String,
    risk: String,
    risk_name: String,
    aware: String,
    deadline: String,
    left: String,
    overdue: bool,
    authority_required: bool,
    customers_required: bool,
    nature: String,
    consequences: String,
    measures: String,
    affected: String,
    authority_notified: String,
    drafts: Vec<Draft>,
    risks: Vec<(String, String)>,
    may_manage: bool,
    customers_notified: String,
    closed: String,
    /// The notes: when, kind, text.
    notes: Vec<(String, String, String)>,
    /// The customers whose data the scope reached: id, short id, categories, accesses.
    affected_list: Vec<(String, String, String, u64)>,
}

async fn incident(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = uuid_of(&id)?;
    let i = s.vault.incident(&staff.p, id, &staff.meta).await?;
    let t = &staff.c.t;
    let lang = t.lang.code();
    let mut drafts = Vec::new();
    for audience in ["authority", "customers"] {
        let d = s
            .vault
            .incident_draft(&staff.p, id, audience, lang, &staff.meta)
            .await?;
        drafts.push(Draft {
            audience: t.label("draft-for", audience),
            subject: d.subject,
            text: d.text,
        });
    }
    let risks = [
        IncidentRisk::Unassessed,
        IncidentRisk::Unlikely,
        IncidentRisk::Risk,
        IncidentRisk::HighRisk,
    ]
    .into_iter()
    .map(|r| {
        let n = risk_name(r);
        (n.clone(), t.label("risk", &n))
    })
    .collect();
    let affected_list = match s.vault.incident_affected(&staff.p, id, &staff.meta).await {
        Ok(set) => set
            .customers
            .iter()
            .take(200)
            .map(|c| {
                (
                    c.id.to_string(),
                    short(&c.id),
                    c.categories
                        .iter()
                        .map(|k| t.label("category", k.as_str()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    c.accesses,
                )
            })
            .collect(),
        // An incident without a scope names no customers yet.
        Err(custos_core::CoreError::Invalid(_) | custos_core::CoreError::NotFound(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let affected = i
        .affected
        .as_ref()
        .map(|a| t.n("incident-affected-count", a.customers as i64))
        .unwrap_or_default();
    page(IncidentPage {
        id: i.id.to_string(),
        left: time_left(t, i.seconds_left, i.overdue),
        status: t.label("incident-status", &i.status),
        risk: t.label("risk", &risk_name(i.risk)),
        risk_name: risk_name(i.risk),
        aware: t.datetime(&i.aware_at),
        deadline: t.datetime(&i.deadline),
        overdue: i.overdue,
        authority_required: i.authority_notification_required,
        customers_required: i.customer_notice_required,
        nature: i.nature.unwrap_or_default(),
        consequences: i.consequences.unwrap_or_default(),
        measures: i.measures.unwrap_or_default(),
        affected,
        authority_notified: t.datetime_opt(&i.authority_notified_at),
        customers_notified: t.datetime_opt(&i.customers_notified_at),
        closed: t.datetime_opt(&i.closed_at),
        notes: i
            .updates
            .iter()
            .map(|u| {
                (
                    t.datetime(&u.at),
                    t.label("note-kind", &u.kind),
                    u.text.clone(),
                )
            })
            .collect(),
        affected_list,
        title: i.title,
        drafts,
        risks,
        may_manage: staff.p.role.may(Action::IncidentManage),
        c: staff.c,
    })
}

#[derive(Deserialize)]
struct IncidentForm {
    #[serde(default)]
    risk: String,
    #[serde(default)]
    consequences: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    notified: Option<String>,
    #[serde(default)]
    customers_notified: Option<String>,
    #[serde(default)]
    close: Option<String>,
}

async fn update_incident(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<IncidentForm>,
) -> Result<Response, UiError> {
    let id = uuid_of(&id)?;
    let StaffForm { staff, form } = f;
    let risk = if form.risk.is_empty() {
        None
    } else {
        Some(
            serde_json::from_value::<IncidentRisk>(serde_json::Value::String(form.risk))
                .map_err(|_| bad())?,
        )
    };
    let text = |v: String| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let patch = IncidentPatch {
        risk,
        consequences: text(form.consequences),
        measures: text(form.measures),
        authority_notified_at: form.notified.map(|_| s.vault.now()),
        customers_notified_at: form.customers_notified.map(|_| s.vault.now()),
        closed: form.close.map(|_| true),
        ..Default::default()
    };
    match s
        .vault
        .update_incident(&staff.p, id, patch, &staff.meta)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/incidents/{id}?notice=incident-updated")).into_response())
        }
        // E.g. a late notification needs its delay reason first: said on the incidents page.
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            page_with(
                status,
                incidents_page(&s, staff, Some(error), String::new()).await?,
            )
        }
    }
}

#[derive(Deserialize)]
struct NoteForm {
    kind: String,
    text: String,
}

async fn add_note(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<NoteForm>,
) -> Result<Response, UiError> {
    let id = uuid_of(&id)?;
    let StaffForm { staff, form } = f;
    s.vault
        .add_incident_update(
            &staff.p,
            id,
            custos_api::incident::NewIncidentUpdate {
                kind: form.kind,
                text: form.text.trim().to_owned(),
            },
            &staff.meta,
        )
        .await?;
    Ok(Redirect::to(&format!("/incidents/{id}?notice=incident-updated#notes")).into_response())
}
