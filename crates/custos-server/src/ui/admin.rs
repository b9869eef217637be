//! Administration in the web UI: importing a customer list (upload, check first, the report),
//! POS devices with pairing codes, API tokens, the catalog as declared, retention rules, the
//! marketing audience export, backups and keys.

use super::i18n::Tr;
use super::{page, page_with, refusal, Chrome, NoFields, Staff, StaffForm, UiError};
use crate::error::ApiError;
use crate::routes::imports::MAX_UPLOAD;
use crate::AppState;
use askama::Template;
use axum::extract::{
    DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Request, State,
};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use custos_api::catalog::{Category, FieldType};
use custos_api::retention::RetentionTarget;
use custos_api::{ErrorCode, FileImportReport};
use custos_core::ids::{DeviceId, TokenId};
use custos_core::importing::{ImportOptions, Mapping, Source};
use custos_core::policy::{Access, Action};
use serde::Deserialize;

/// The routes of the administration pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(import_form)
                .post(import)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route(
            "/import/customer",
            post(import_one).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/devices", get(devices).post(register_device))
        .route("/devices/{id}/revoke", post(revoke_device))
        .route("/tokens", get(tokens).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
        .route("/catalog", get(catalog))
        .route("/marketing", get(marketing))
        .route("/backups", get(backups))
        .route("/backups/run", post(run_backup))
        .route("/backups/verify", post(verify_backup))
}

// --- import ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    c: Chrome,
    error: Option<String>,
    report: Option<ReportView>,
    /// The outcome of importing one customer's export: the new customer's id and number,
    /// and what was dropped.
    moved: Option<MovedView>,
    may_export_all: bool,
}

struct MovedView {
    id: String,
    number: String,
    records: String,
    consents: String,
    dropped: String,
}

struct ReportView {
    dry_run: bool,
    file: String,
    layout: String,
    rows: String,
    imported: String,
    updated: String,
    skipped: String,
    consents: String,
    refused: Vec<(u64, String)>,
    duplicates: Vec<(u64, u64, String)>,
    dropped: Vec<(String, String, String)>,
}

fn report_view(t: &Tr, r: FileImportReport, file: String) -> ReportView {
    ReportView {
        dry_run: r.dry_run,
        file,
        layout: r.layout,
        rows: t.num(r.rows as i64),
        imported: t.num(r.imported as i64),
        updated: t.num(r.updated as i64),
        skipped: t.num(r.skipped as i64),
        consents: t.num(r.consents_recorded as i64),
        refused: r
            .refused
            .into_iter()
            .take(200)
            .map(|p| (p.line, p.reason))
            .collect(),
        duplicates: r
            .duplicates
            .into_iter()
            .take(200)
            .map(|d| (d.line, d.same_as_line, d.on))
            .collect(),
        dropped: r
            .columns_dropped
            .into_iter()
            .map(|d| (d.column, d.reason, t.num(d.values as i64)))
            .collect(),
    }
}

fn import_page(
    staff: Staff,
    error: Option<String>,
    report: Option<ReportView>,
    moved: Option<MovedView>,
) -> ImportPage {
    ImportPage {
        may_export_all: staff.p.role.may(Action::CustomerExportAll),
        c: staff.c,
        error,
        report,
        moved,
    }
}

async fn import_form(staff: Staff) -> Result<Response, UiError> {
    staff.require(Action::CustomerImport)?;
    page(import_page(staff, None, None, None))
}

/// The parts of the upload form.
#[derive(Default)]
struct ImportForm {
    csrf: String,
    source: String,
    check_only: bool,
    update: bool,
    file: Option<(String, axum::body::Bytes)>,
    mapping: String,
}

async fn read_import_form(mut m: Multipart) -> Result<ImportForm, ApiError> {
    let mut f = ImportForm::default();
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            crate::routes::imports::too_large()
        } else {
            ApiError::new(ErrorCode::InvalidRequest, "The form cannot be read.")
        }
    };
    while let Some(field) = m.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("upload.csv").to_owned();
                f.file = Some((file_name, field.bytes().await.map_err(unreadable)?));
            }
            "csrf" | "source" | "check_only" | "update" | "mapping" => {
                let text = field.text().await.map_err(unreadable)?;
                match name.as_str() {
                    "csrf" => f.csrf = text,
                    "source" => f.source = text,
                    "check_only" => f.check_only = true,
                    "update" => f.update = true,
                    _ => f.mapping = text,
                }
            }
            _ => {}
        }
    }
    Ok(f)
}

/// An upload to an import page: the role is checked before the upload is read, the form's
/// CSRF token after.
async fn upload(s: &AppState, req: Request) -> Result<(Staff, ImportForm), UiError> {
    let (mut parts, body) = req.into_parts();
    let staff = Staff::from_request_parts(&mut parts, s).await?;
    s.vault
        .check_may(&staff.p, Action::CustomerImport, &staff.meta)
        .await?;
    let req = Request::from_parts(parts, body);
    let form = match Multipart::from_request(req, s).await {
        Ok(m) => read_import_form(m).await?,
        Err(_) => return Err(UiError::code(ErrorCode::UnsupportedMediaType)),
    };
    if !staff.csrf_ok(&form.csrf) {
        return Err(UiError::code(ErrorCode::CsrfFailed));
    }
    Ok((staff, form))
}

async fn import(State(s): State<AppState>, req: Request) -> Result<Response, UiError> {
    let (staff, form) = upload(&s, req).await?;
    let again = |staff: Staff, error: String| {
        page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            import_page(staff, Some(error), None, None),
        )
    };
    let Some(source) = Source::parse(&form.source) else {
        let e = staff.c.t.t("import-choose-source");
        return again(staff, e);
    };
    let (file_name, bytes) = match form.file {
        Some((n, b)) if !b.is_empty() => (n, b),
        _ => {
            let e = staff.c.t.t("import-no-file");
            return again(staff, e);
        }
    };
    let mapping = if form.mapping.trim().is_empty() {
        None
    } else {
        match Mapping::parse(&form.mapping) {
            Ok(m) => Some(m),
            Err(reason) => {
                let e = format!("{} {reason}", staff.c.t.t("import-bad-mapping"));
                return again(staff, e);
            }
        }
    };
    if source == Source::Csv && mapping.is_none() {
        let e = staff.c.t.t("import-needs-mapping");
        return again(staff, e);
    }
    let file_name = crate::routes::imports::clean_file_name(&file_name);
    let opts = ImportOptions {
        source,
        mapping,
        file_name: file_name.clone(),
        dry_run: form.check_only,
        update: form.update,
    };
    match s
        .vault
        .import_file(&staff.p, &bytes, &opts, &|_, _| {}, &staff.meta)
        .await
    {
        Ok(r) => {
            let report = Some(report_view(&staff.c.t, r, file_name));
            page(import_page(staff, None, report, None))
        }
        Err(e) => {
            // The file's own problem (another layout, unreadable) is said in the vault's words.
            let (_, text) = refusal(&staff.c.t, e)?;
            again(staff, text)
        }
    }
}

/// Imports one customer's export (`custos-export/1` JSON, from this or another custos server):
/// a customer moving here with their data (art. 20).
async fn import_one(State(s): State<AppState>, req: Request) -> Result<Response, UiError> {
    let (staff, form) = upload(&s, req).await?;
    let bytes = form.file.map(|(_, b)| b).unwrap_or_default();
    let export: custos_api::CustomerExport = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(_) => {
            let e = staff.c.t.t("import-not-an-export");
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                import_page(staff, Some(e), None, None),
            );
        }
    };
    match s
        .vault
        .import_customer(&staff.p, &export, &staff.meta)
        .await
    {
        Ok(r) => {
            let t = &staff.c.t;
            let mut dropped = r.fields_dropped.clone();
            dropped.extend(r.records_dropped.iter().cloned());
            let moved = MovedView {
                id: r.customer.id.to_string(),
                number: r.customer.number.clone(),
                records: t.num(i64::from(r.records_imported)),
                consents: t.num(i64::from(r.consents_imported)),
                dropped: dropped.join(", "),
            };
            page(import_page(staff, None, None, Some(moved)))
        }
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(status, import_page(staff, error, None, None))
        }
    }
}

// --- devices ---------------------------------------------------------------------------------

struct DeviceLine {
    id: String,
    name: String,
    created: String,
    state: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "devices.html")]
struct DevicesPage {
    c: Chrome,
    lines: Vec<DeviceLine>,
    new_code: Option<(String, String, String)>,
    error: Option<String>,
}

async fn devices_page(
    s: &AppState,
    staff: Staff,
    new_code: Option<(String, String, String)>,
    error: Option<String>,
) -> Result<DevicesPage, UiError> {
    let rows = s.vault.devices(&staff.p).await?;
    let t = &staff.c.t;
    let lines = rows
        .into_iter()
        .map(|d| DeviceLine {
            id: d.id.to_string(),
            created: t.datetime(&d.created_at),
            state: if d.revoked {
                t.t("device-revoked")
            } else if let Some(at) = d.paired_at {
                t.a("device-paired", "date", &t.datetime(&at))
            } else {
                t.a(
                    "device-waiting",
                    "date",
                    &t.datetime_opt(&d.pairing_expires_at),
                )
            },
            revoked: d.revoked,
            name: d.name,
        })
        .collect();
    Ok(DevicesPage {
        c: staff.c,
        lines,
        new_code,
        error,
    })
}

async fn devices(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    page(devices_page(&s, staff, None, None).await?)
}

#[derive(Deserialize)]
struct NameForm {
    name: String,
}

async fn register_device(
    State(s): State<AppState>,
    f: StaffForm<NameForm>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    match s
        .vault
        .register_device(&staff.p, form.name.trim(), &staff.meta)
        .await
    {
        Ok((d, code)) => {
            let t = &staff.c.t;
            let until = t.datetime_opt(&d.pairing_expires_at);
            page(devices_page(&s, staff, Some((d.name, code.to_string(), until)), None).await?)
        }
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(status, devices_page(&s, staff, None, error).await?)
        }
    }
}

async fn revoke_device(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<NoFields>,
) -> Result<Response, UiError> {
    let id = DeviceId::parse(&id).ok_or_else(|| UiError::code(ErrorCode::NotFound))?;
    s.vault.revoke_device(&f.staff.p, id, &f.staff.meta).await?;
    Ok(Redirect::to("/devices?notice=device-revoked").into_response())
}

// --- tokens ----------------------------------------------------------------------------------

struct TokenLine {
    id: String,
    name: String,
    role: String,
    created: String,
    expires: String,
    last_seen: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    c: Chrome,
    lines: Vec<TokenLine>,
    new_token: Option<(String, String)>,
    roles: Vec<(String, String)>,
    error: Option<String>,
}

async fn tokens_page(
    s: &AppState,
    staff: Staff,
    new_token: Option<(String, String)>,
    error: Option<String>,
) -> Result<TokensPage, UiError> {
    let rows = s.vault.tokens(&staff.p).await?;
    let t = &staff.c.t;
    let lines = rows
        .into_iter()
        .map(|r| TokenLine {
            id: r.id.to_string(),
            role: t.label("role", &r.role),
            created: t.datetime(&r.created_at),
            expires: r
                .expires_at
                .map_or_else(|| t.t("token-never"), |e| t.datetime(&e)),
            last_seen: t.datetime_opt(&r.last_seen_at),
            name: r.name,
        })
        .collect();
    // A token acts with at most its maker's role.
    let roles = custos_core::policy::BUILTIN_ROLES
        .iter()
        .filter_map(|n| custos_core::policy::Role::builtin(n))
        .filter(|r| r.name != "device" && r.within(&staff.p.role))
        .map(|r| (r.name.clone(), t.label("role", &r.name)))
        .collect();
    Ok(TokensPage {
        c: staff.c,
        lines,
        new_token,
        roles,
        error,
    })
}

async fn tokens(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    page(tokens_page(&s, staff, None, None).await?)
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    role: String,
    #[serde(default)]
    days: String,
}

async fn create_token(
    State(s): State<AppState>,
    f: StaffForm<TokenForm>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let ttl = match form.days.trim() {
        "" => None,
        d => Some(time::Duration::days(
            d.parse::<i64>()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or_else(|| UiError::code(ErrorCode::InvalidRequest))?,
        )),
    };
    match s
        .vault
        .create_token(
            &staff.p,
            form.name.trim(),
            Some(form.role.as_str()),
            ttl,
            &staff.meta,
        )
        .await
    {
        Ok((text, row)) => {
            page(tokens_page(&s, staff, Some((row.name, text.to_string())), None).await?)
        }
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(status, tokens_page(&s, staff, None, error).await?)
        }
    }
}

async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<NoFields>,
) -> Result<Response, UiError> {
    let id = TokenId::parse(&id).ok_or_else(|| UiError::code(ErrorCode::NotFound))?;
    s.vault
        .revoke_api_token(&f.staff.p, id, &f.staff.meta)
        .await?;
    Ok(Redirect::to("/tokens?notice=token-revoked").into_response())
}

// --- catalog, retention, marketing -----------------------------------------------------------

struct FieldLine {
    label: String,
    name: String,
    category: String,
    kind: String,
    purposes: String,
    flags: String,
    access: String,
}

struct PurposeLine {
    name: String,
    label: String,
    basis: String,
    channels: String,
    lapses: String,
    texts: Vec<(String, String, String)>,
}

struct RuleLine {
    name: String,
    applies_to: String,
    keep: String,
    action: String,
    reference: String,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    c: Chrome,
    template: String,
    fields: Vec<FieldLine>,
    record_types: Vec<(String, String, Vec<FieldLine>)>,
    purposes: Vec<PurposeLine>,
    rules: Vec<RuleLine>,
    uncovered: Vec<String>,
}

fn field_line(t: &Tr, staff: &Staff, d: &custos_api::catalog::FieldDef) -> FieldLine {
    let kind = match &d.type_ {
        FieldType::Text { max_len } => format!("text ≤ {max_len}"),
        FieldType::Number { .. } => "number".into(),
        FieldType::Enum { values } => values.join(" | "),
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
            .unwrap_or_default(),
    };
    let mut flags = Vec::new();
    if d.required {
        flags.push(t.t("catalog-required"));
    }
    if d.searchable {
        flags.push(t.t("catalog-searchable"));
    }
    if d.special {
        flags.push(t.t("catalog-special"));
    }
    FieldLine {
        label: t.field(&d.name),
        name: d.name.clone(),
        category: t.label("category", d.category.as_str()),
        kind,
        purposes: d
            .purposes
            .iter()
            .map(|p| t.label("purpose", p))
            .collect::<Vec<_>>()
            .join(", "),
        flags: flags.join(", "),
        access: t.t(match staff.p.role.access(d.category) {
            Access::Full => "access-full",
            Access::Masked => "access-masked",
            Access::None => "access-none",
        }),
    }
}

async fn catalog(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    let cat = s.vault.catalog(&staff.p).await?;
    let t = &staff.c.t;
    let fields = cat
        .fields
        .iter()
        .map(|d| field_line(t, &staff, d))
        .collect();
    let record_types = cat
        .record_types
        .iter()
        .map(|r| {
            (
                t.label("rtype", &r.name),
                t.label("category", r.category.as_str()),
                r.fields.iter().map(|d| field_line(t, &staff, d)).collect(),
            )
        })
        .collect();
    let purposes = cat
        .purposes
        .iter()
        .map(|p| PurposeLine {
            name: p.name.clone(),
            label: t.label("purpose", &p.name),
            basis: t.label(
                "basis",
                &serde_json::to_value(p.lawful_basis)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ),
            channels: p
                .channels
                .iter()
                .map(|c| t.label("channel", c.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            lapses: p
                .consent_lapses_after_days
                .map(|d| t.n("catalog-lapses", d as i64))
                .unwrap_or_default(),
            texts: p
                .consent_texts
                .iter()
                .map(|x| (x.lang.clone(), x.version.to_string(), x.text.clone()))
                .collect(),
        })
        .collect();
    let rules = cat
        .retention
        .iter()
        .map(|r| RuleLine {
            name: r.name.clone(),
            applies_to: match &r.applies_to {
                RetentionTarget::RecordType(n) => t.label("rtype", n),
                RetentionTarget::Category(c) => t.label("category", c.as_str()),
                RetentionTarget::InactiveCustomers => t.t("retention-inactive"),
            },
            keep: t.n("retention-days", r.keep_days as i64),
            action: t.label(
                "retention-action",
                &serde_json::to_value(r.action)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ),
            reference: r.legal_reference.clone(),
        })
        .collect();
    // Categories holding fields or records that no rule limits: kept until erased.
    let mut held: Vec<Category> = cat
        .fields
        .iter()
        .map(|f| f.category)
        .chain(cat.record_types.iter().map(|r| r.category))
        .collect();
    held.sort();
    held.dedup();
    let covers_all = cat
        .retention
        .iter()
        .any(|r| matches!(r.applies_to, RetentionTarget::InactiveCustomers));
    let uncovered = if covers_all {
        Vec::new()
    } else {
        held.into_iter()
            .filter(|c| {
                !cat.retention.iter().any(|r| match &r.applies_to {
                    RetentionTarget::Category(x) => x == c,
                    RetentionTarget::RecordType(n) => cat
                        .record_types
                        .iter()
                        .any(|rt| &rt.name == n && rt.category == *c),
                    RetentionTarget::InactiveCustomers => true,
                })
            })
            .map(|c| t.label("category", c.as_str()))
            .collect()
    };
    page(CatalogPage {
        template: cat.template.clone(),
        c: staff.c,
        fields,
        record_types,
        purposes,
        rules,
        uncovered,
    })
}

#[derive(Template)]
#[template(path = "marketing.html")]
struct MarketingPage {
    c: Chrome,
    choices: Vec<(String, String)>,
    /// Per marketing purpose and channel: label, given, waiting, withdrawn, lapsed.
    report: Vec<(String, String, String, String, String)>,
}

async fn marketing(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    staff.require(Action::MarketingAudience)?;
    let cat = s.vault.catalog(&staff.p).await?;
    let t = &staff.c.t;
    let mut report = Vec::new();
    for p in cat.purposes.iter().filter(|p| p.marketing) {
        let r = s
            .vault
            .consent_report(&staff.p, &p.name, &staff.meta)
            .await?;
        for ch in r.channels {
            report.push((
                format!(
                    "{} — {}",
                    t.label("purpose", &p.name),
                    t.label("channel", ch.channel.as_str())
                ),
                t.num(ch.given as i64),
                t.num(ch.pending_confirmation as i64),
                t.num(ch.withdrawn as i64),
                t.num(ch.lapsed as i64),
            ));
        }
    }
    let choices = cat
        .purposes
        .iter()
        .filter(|p| p.marketing)
        .flat_map(|p| {
            p.channels.iter().map(move |c| {
                (
                    format!("purpose={}&channel={}", p.name, c.as_str()),
                    format!(
                        "{} — {}",
                        t.label("purpose", &p.name),
                        t.label("channel", c.as_str())
                    ),
                )
            })
        })
        .collect();
    page(MarketingPage {
        c: staff.c,
        choices,
        report,
    })
}

// --- backups and keys ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "backups.html")]
struct BackupsPage {
    c: Chrome,
    scheduled: bool,
    every: String,
    newest: String,
    newest_stale: bool,
    local: Vec<(String, String, String)>,
    copies: Vec<(String, String, String)>,
    last_error: String,
    keys: Vec<(String, String, String, bool)>,
    /// The owner of the only business on this server may take and check backups here.
    may_operate: bool,
    /// The outcome of "take now" or "check" (good, text).
    outcome: Option<(bool, String)>,
}

async fn backups(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    page(backups_page(&s, staff, None).await?)
}

async fn backups_page(
    s: &AppState,
    staff: Staff,
    outcome: Option<(bool, String)>,
) -> Result<BackupsPage, UiError> {
    staff.require(Action::AuditRead)?;
    let may_operate = s.backup_control.is_some()
        && staff.p.role.may(Action::TenantManage)
        && s.vault.hosts_one_business().await?;
    let t = &staff.c.t;
    let st = s.backups.as_ref().map(|probe| probe());
    let file = |f: &crate::routes::backups::BackupFile| {
        (
            f.name.clone(),
            t.datetime(&f.created_at),
            t.a("backup-size", "n", &t.num((f.size / 1024).max(1) as i64)),
        )
    };
    let keys = if staff.p.role.may(Action::TenantManage) {
        s.vault
            .key_status()
            .await?
            .into_iter()
            .filter(|k| k.slug == staff.p.tenant_slug)
            .map(|k| {
                (
                    k.kek_version.to_string(),
                    t.date(&k.created_at),
                    k.master_key_id,
                    k.master_available && !k.rewrap_pending,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let (scheduled, every, newest, newest_stale, local, copies, last_error) = match &st {
        Some(b) => (
            b.scheduled,
            b.every_hours
                .map(|h| t.n("backup-every", h))
                .unwrap_or_default(),
            b.newest
                .as_ref()
                .map(|n| t.datetime(&n.created_at))
                .unwrap_or_default(),
            match (b.newest_age_seconds, b.every_hours) {
                (Some(age), Some(h)) => age > h * 3600 * 2,
                (None, _) => true,
                _ => false,
            },
            b.local.iter().map(file).collect(),
            b.copies.iter().map(file).collect(),
            b.last_error.clone().unwrap_or_default(),
        ),
        None => (
            false,
            String::new(),
            String::new(),
            true,
            Vec::new(),
            Vec::new(),
            String::new(),
        ),
    };
    Ok(BackupsPage {
        c: staff.c,
        scheduled,
        every,
        newest,
        newest_stale,
        local,
        copies,
        last_error,
        keys,
        may_operate,
        outcome,
    })
}

/// The backup control, for the owner of the only business here.
async fn operator(
    s: &AppState,
    staff: &Staff,
) -> Result<std::sync::Arc<dyn crate::routes::backups::BackupControl>, UiError> {
    staff.require(Action::TenantManage)?;
    match &s.backup_control {
        Some(c) if s.vault.hosts_one_business().await? => Ok(c.clone()),
        _ => Err(UiError::from(custos_core::CoreError::Forbidden(
            "Backups of a server with several businesses are the operator's.".into(),
        ))),
    }
}

async fn run_backup(
    State(s): State<AppState>,
    f: StaffForm<NoFields>,
) -> Result<Response, UiError> {
    let staff = f.staff;
    let control = operator(&s, &staff).await?;
    let result = control.run_now().await;
    let (ok, target) = match &result {
        Ok(name) => (true, format!("backup:{name}")),
        Err(_) => (false, "backup".to_owned()),
    };
    s.vault
        .record_operation(&staff.p, "backup.create", target, ok, &staff.meta)
        .await?;
    let t = &staff.c.t;
    let outcome = match result {
        Ok(name) => (true, t.a("backup-taken", "name", &name)),
        Err(e) => (false, format!("{} {e}", t.t("backups-failed"))),
    };
    page(backups_page(&s, staff, Some(outcome)).await?)
}

#[derive(Deserialize)]
struct VerifyForm {
    name: String,
}

async fn verify_backup(
    State(s): State<AppState>,
    f: StaffForm<VerifyForm>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let control = operator(&s, &staff).await?;
    let result = control.verify(form.name.clone()).await;
    s.vault
        .record_operation(
            &staff.p,
            "backup.verify",
            format!("backup:{}", form.name.chars().take(100).collect::<String>()),
            result.is_ok(),
            &staff.meta,
        )
        .await?;
    let t = &staff.c.t;
    let outcome = match result {
        Ok(v) => (
            true,
            format!(
                "{} {}",
                t.a("backup-verified", "name", &form.name),
                t.a("audit-verify-ok", "n", &t.num(v.events as i64))
            ),
        ),
        Err(e) => (
            false,
            format!("{} {e}", t.a("backup-not-verified", "name", &form.name)),
        ),
    };
    page(backups_page(&s, staff, Some(outcome)).await?)
}
