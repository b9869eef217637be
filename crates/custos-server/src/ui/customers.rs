//! Customers in the web UI: search as you type, the profile (fields by category, masked ones
//! revealed for a stated reason, the timeline, consents with their evidence), the new-customer
//! form made from the catalog with the privacy information and consent choices, editing with
//! conflict handling, export and erasure.

use super::i18n::Tr;
use super::{error_text, from_htmx, page, page_with, refusal, Chrome, Staff, StaffForm, UiError};
use crate::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use custos_api::catalog::{Catalog, Category, Channel, FieldDef, FieldType};
use custos_api::consent::{ConsentState, NewConsent};
use custos_api::{Customer, NewRecord};
use custos_core::ids::CustomerId;
use custos_core::policy::{Access, Action, Principal};
use custos_core::vault::{Created, Idempotency, SearchQuery};
use custos_core::CoreError;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The routes of the customer pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(search).post(search_posted))
        .route("/customers/new", get(new_form).post(create))
        .route("/customers/{id}", get(profile))
        .route("/customers/{id}/reveal", post(reveal))
        .route("/customers/{id}/edit", get(edit_form).post(edit))
        .route("/customers/{id}/records", post(add_record))
        .route("/customers/{id}/consents", post(consent))
        .route("/customers/{id}/erase", get(erase_form).post(erase))
        .route("/customers/{id}/hold", post(place_hold))
        .route("/customers/{id}/hold/lift", post(lift_hold))
        .route("/customers/{id}/restriction", post(restrict))
        .route("/customers/{id}/restriction/lift", post(lift_restriction))
        .route("/customers/{id}/objection", post(object))
}

fn parse_id(id: &str) -> Result<CustomerId, UiError> {
    CustomerId::parse(id).ok_or_else(|| UiError::code(custos_api::ErrorCode::NotFound))
}

/// The customer's display name from what the role sees.
fn display_name(c: &Customer) -> String {
    let part = |k: &str| c.fields.get(k).and_then(Value::as_str).unwrap_or("");
    let name = format!("{} {}", part("first_name"), part("last_name"));
    let name = name.trim();
    if name.is_empty() {
        c.number.clone()
    } else {
        name.to_owned()
    }
}

// --- search ----------------------------------------------------------------------------------

struct Hit {
    id: String,
    number: String,
    name: String,
    email: String,
    phone: String,
    restricted: bool,
}

#[derive(Template)]
#[template(path = "customers.html")]
struct SearchPage {
    c: Chrome,
    q: String,
    hits: Vec<Hit>,
    searched: bool,
    may_create: bool,
    may_list: bool,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "customer_hits.html")]
struct HitsFragment {
    c: Chrome,
    hits: Vec<Hit>,
    searched: bool,
    next: Option<String>,
}

#[derive(Deserialize)]
struct SearchForm {
    #[serde(default)]
    q: String,
    /// Browse every customer (roles that may list), from this cursor on.
    #[serde(default)]
    all: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

fn hit_of(c: &Customer) -> Hit {
    let get = |k: &str| {
        c.fields
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Hit {
        id: c.id.to_string(),
        number: c.number.clone(),
        name: display_name(c),
        email: get("email"),
        phone: get("phone"),
        restricted: c.restricted,
    }
}

async fn search(
    State(s): State<AppState>,
    headers: HeaderMap,
    staff: Staff,
    Query(f): Query<SearchForm>,
) -> Result<Response, UiError> {
    results(&s, &headers, staff, f).await
}

/// The search form is posted (with its CSRF token), so that what was typed — a name, an
/// e-mail, a phone number — stays out of addresses, the browser's history and proxy logs.
async fn search_posted(
    State(s): State<AppState>,
    headers: HeaderMap,
    f: StaffForm<SearchForm>,
) -> Result<Response, UiError> {
    results(&s, &headers, f.staff, f.form).await
}

async fn results(
    s: &AppState,
    headers: &HeaderMap,
    staff: Staff,
    f: SearchForm,
) -> Result<Response, UiError> {
    let q = f.q.trim().to_owned();
    let browsing = q.is_empty() && f.all.is_some();
    let searched = !q.is_empty() || browsing;
    let mut next = None;
    let hits = if browsing {
        let cursor = match f.after.as_deref() {
            Some(a) => Some(parse_id(a)?),
            None => None,
        };
        let (items, more) = s
            .vault
            .list_customers(&staff.p, cursor, Some(50), &staff.meta)
            .await?;
        next = more.map(|c| format!("/customers?all=1&after={c}"));
        items.iter().map(hit_of).collect()
    } else if searched {
        s.vault
            .search(&staff.p, SearchQuery::Any(q.clone()), Some(25), &staff.meta)
            .await?
            .iter()
            .map(hit_of)
            .collect()
    } else {
        staff.require(Action::CustomerSearch)?;
        Vec::new()
    };
    if from_htmx(headers) {
        return page(HitsFragment {
            c: staff.c,
            hits,
            searched,
            next,
        });
    }
    let may_create = staff.p.role.may(Action::CustomerCreate);
    let may_list = staff.p.role.may(Action::CustomerList);
    page(SearchPage {
        c: staff.c,
        q,
        hits,
        searched,
        may_create,
        may_list,
        next,
    })
}

// --- inputs made from the catalog ------------------------------------------------------------

/// One form input for a catalog field.
pub struct Input {
    /// The form name (`f.<field>`).
    pub name: String,
    /// The field name.
    pub field: String,
    /// Its label.
    pub label: String,
    /// `text`, `email`, `tel`, `date`, `number`, `select`, `checkbox`, `textarea`, `country`,
    /// `datetime-local`.
    pub kind: &'static str,
    /// The value shown.
    pub value: String,
    /// The choices of a select.
    pub options: Vec<(String, String)>,
    /// Required.
    pub required: bool,
    /// Longest text.
    pub max_len: u32,
    /// The role writes but cannot read it: left empty, it stays as it is.
    pub masked: bool,
    /// The stored value the form started from (edits send only what differs from it).
    pub original: String,
}

fn input_for(t: &Tr, def: &FieldDef, value: Option<&Value>, masked: bool) -> Input {
    let (kind, max_len, options) = match &def.type_ {
        FieldType::Text { max_len } if *max_len > 200 => ("textarea", *max_len, Vec::new()),
        FieldType::Text { max_len } => ("text", *max_len, Vec::new()),
        FieldType::Email => ("email", 254, Vec::new()),
        FieldType::Phone => ("tel", 32, Vec::new()),
        FieldType::Date => ("date", 10, Vec::new()),
        FieldType::Number { .. } => ("number", 32, Vec::new()),
        FieldType::Enum { values } => (
            "select",
            0,
            values
                .iter()
                .map(|v| (v.clone(), t.label("value", v)))
                .collect(),
        ),
        FieldType::Bool => ("checkbox", 0, Vec::new()),
        FieldType::Country => ("country", 2, Vec::new()),
    };
    let value = match value {
        Some(_) if masked => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    };
    Input {
        name: format!("f.{}", def.name),
        field: def.name.clone(),
        label: t.field(&def.name),
        kind,
        original: value.clone(),
        value,
        options,
        required: def.required,
        max_len,
        masked,
    }
}

/// A form value as the catalog's JSON type; `None` for an empty value.
fn typed(def: &FieldDef, text: &str) -> Option<Value> {
    let text = text.trim();
    match &def.type_ {
        FieldType::Bool => Some(Value::Bool(matches!(text, "on" | "true" | "1"))),
        _ if text.is_empty() => None,
        FieldType::Number { .. } => Some(
            text.replace(',', ".")
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(text.to_owned()), Value::Number),
        ),
        _ => Some(Value::String(text.to_owned())),
    }
}

/// The `f.<field>` values of a form.
fn field_values(form: &[(String, String)]) -> BTreeMap<String, String> {
    form.iter()
        .filter_map(|(k, v)| k.strip_prefix("f.").map(|f| (f.to_owned(), v.clone())))
        .collect()
}

fn one(form: &[(String, String)], key: &str) -> String {
    super::form_value(form, key).unwrap_or("").to_owned()
}

fn writable(p: &Principal, def: &FieldDef) -> bool {
    p.role.access(def.category) != Access::None
}

fn category_label(t: &Tr, c: Category) -> String {
    t.label("category", c.as_str())
}

fn channel_label(t: &Tr, c: Option<Channel>) -> String {
    c.map_or_else(|| t.t("channel-none"), |c| t.label("channel", c.as_str()))
}

fn state_label(t: &Tr, s: ConsentState) -> String {
    t.label("consent-state", s.as_str())
}

fn wire_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

// --- new customer ----------------------------------------------------------------------------

struct Group {
    label: String,
    inputs: Vec<Input>,
}

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

struct ConsentOffer {
    purpose_label: String,
    text: String,
    version: String,
    choices: Vec<Choice>,
}

struct Notice {
    label: String,
    basis: String,
    description: String,
}

#[derive(Template)]
#[template(path = "customer_new.html")]
struct NewPage {
    c: Chrome,
    groups: Vec<Group>,
    offers: Vec<ConsentOffer>,
    notices: Vec<Notice>,
    idem: String,
    error: Option<String>,
}

fn groups_of(
    t: &Tr,
    p: &Principal,
    catalog: &Catalog,
    values: &BTreeMap<String, Value>,
    masked: &[String],
) -> Vec<Group> {
    let mut by_cat: BTreeMap<Category, Vec<Input>> = BTreeMap::new();
    for def in catalog.fields.iter().filter(|d| writable(p, d)) {
        let is_masked = masked.contains(&def.name) || p.role.access(def.category) == Access::Masked;
        by_cat.entry(def.category).or_default().push(input_for(
            t,
            def,
            values.get(&def.name),
            is_masked,
        ));
    }
    by_cat
        .into_iter()
        .map(|(cat, inputs)| Group {
            label: category_label(t, cat),
            inputs,
        })
        .collect()
}

fn new_page(
    staff: Staff,
    catalog: &Catalog,
    values: &BTreeMap<String, Value>,
    chosen: &[String],
    error: Option<String>,
) -> NewPage {
    let t = &staff.c.t;
    let groups = groups_of(t, &staff.p, catalog, values, &[]);
    let lang = t.lang.code();
    let offers = catalog
        .purposes
        .iter()
        .filter(|p| p.lawful_basis.is_consent())
        .map(|p| {
            let text = p.current_text(lang).or_else(|| p.consent_texts.first());
            let channels: Vec<Option<Channel>> = if p.channels.is_empty() {
                vec![None]
            } else {
                p.channels.iter().copied().map(Some).collect()
            };
            ConsentOffer {
                purpose_label: t.label("purpose", &p.name),
                text: text.map(|x| x.text.clone()).unwrap_or_default(),
                version: text.map(|x| x.version.to_string()).unwrap_or_default(),
                choices: channels
                    .into_iter()
                    .map(|ch| {
                        let value = format!("{}:{}", p.name, ch.map_or("", |c| c.as_str()));
                        Choice {
                            checked: chosen.contains(&value),
                            label: channel_label(t, ch),
                            value,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let notices = catalog
        .purposes
        .iter()
        .map(|p| Notice {
            label: t.label("purpose", &p.name),
            basis: t.label("basis", &wire_name(&p.lawful_basis)),
            description: t.label("purpose-description", &p.name),
        })
        .collect();
    NewPage {
        idem: custos_crypto::random_token_text(24).to_string(),
        c: staff.c,
        groups,
        offers,
        notices,
        error,
    }
}

async fn new_form(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    staff.require(Action::CustomerCreate)?;
    let catalog = s.vault.catalog(&staff.p).await?;
    page(new_page(staff, &catalog, &BTreeMap::new(), &[], None))
}

fn plain_of(catalog: &Catalog, values: &BTreeMap<String, String>) -> BTreeMap<String, Value> {
    let mut plain = BTreeMap::new();
    for def in &catalog.fields {
        if let Some(v) = values.get(&def.name).and_then(|v| typed(def, v)) {
            plain.insert(def.name.clone(), v);
        }
    }
    plain
}

async fn create(
    State(s): State<AppState>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let catalog = s.vault.catalog(&staff.p).await?;
    let values = field_values(&form);
    let plain = plain_of(&catalog, &values);
    let chosen: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "consent")
        .map(|(_, v)| v.clone())
        .collect();
    let idem = one(&form, "idem");
    let fingerprint = custos_crypto::sha256(
        serde_json::to_string(&(&plain, &chosen))
            .unwrap_or_default()
            .as_bytes(),
    );
    let idem = (idem.len() >= 16).then_some(Idempotency {
        key: format!("ui:{idem}"),
        fingerprint,
    });
    let created = match s
        .vault
        .create_customer(&staff.p, &plain, idem, &staff.meta)
        .await
    {
        Ok(Created::New(c)) => c,
        // The same form sent twice (a double click, the back button): the first one stands.
        Ok(Created::Replayed(c)) => {
            return Ok(Redirect::to(&format!("/customers/{}", c.id)).into_response())
        }
        Err(e) => {
            let error = Some(error_text(&staff.c.t, &ApiError::from(e)));
            let shown: BTreeMap<String, Value> = values
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                new_page(staff, &catalog, &shown, &chosen, error),
            );
        }
    };
    let id = CustomerId::from_uuid(created.id);
    let mut notice = "customer-created";
    for choice in &chosen {
        if record_choice(&s, &staff, id, choice, ConsentState::Given, "in_store")
            .await
            .is_err()
        {
            notice = "customer-created-consent-failed";
        }
    }
    Ok(Redirect::to(&format!("/customers/{id}?notice={notice}")).into_response())
}

async fn record_choice(
    s: &AppState,
    staff: &Staff,
    id: CustomerId,
    choice: &str,
    state: ConsentState,
    method: &str,
) -> Result<ConsentState, CoreError> {
    let (purpose, channel) = choice.split_once(':').unwrap_or((choice, ""));
    let channel = if channel.is_empty() {
        None
    } else {
        Some(
            serde_json::from_value::<Channel>(Value::String(channel.to_owned()))
                .map_err(|_| CoreError::Invalid("Unknown channel.".into()))?,
        )
    };
    let (_, status) = s
        .vault
        .record_consent(
            &staff.p,
            id,
            NewConsent {
                purpose: purpose.to_owned(),
                channel,
                state,
                method: method.to_owned(),
                text_version: None,
                lang: Some(staff.c.t.lang.code().to_owned()),
                source: Some("web UI".into()),
                notice_version: None,
            },
            &staff.meta,
        )
        .await?;
    Ok(status.state)
}

// --- the profile -----------------------------------------------------------------------------

struct Shown {
    field: String,
    label: String,
    value: String,
    masked: bool,
}

struct ShownGroup {
    label: String,
    fields: Vec<Shown>,
}

struct RecordLine {
    label: String,
    when: String,
    fields: Vec<(String, String)>,
}

struct RecordForm {
    type_name: String,
    label: String,
    inputs: Vec<Input>,
}

struct ConsentLine {
    /// Purpose and channel, for the buttons' names (`Newsletter (E-mail)`).
    name: String,
    purpose_label: String,
    channel_label: String,
    state: String,
    state_label: String,
    since: String,
    choice: String,
    given: bool,
}

struct HistoryLine {
    when: String,
    purpose_label: String,
    channel_label: String,
    state_label: String,
    method_label: String,
    text_version: String,
    evidence: String,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct ProfilePage {
    c: Chrome,
    id: String,
    number: String,
    name: String,
    restricted: bool,
    created: String,
    updated: String,
    groups: Vec<ShownGroup>,
    masked: Vec<(String, String)>,
    revealed: bool,
    records: Vec<RecordLine>,
    record_forms: Vec<RecordForm>,
    consents: Vec<ConsentLine>,
    history: Vec<HistoryLine>,
    may_update: bool,
    may_records: bool,
    may_export: bool,
    may_erase: bool,
    may_audit: bool,
    may_requests: bool,
    /// The legal hold's reason and since when, for roles that may erase.
    hold: Option<(String, String)>,
    /// Why processing is restricted, and since when.
    restriction: Option<(String, String)>,
    request_kinds: Vec<(String, String)>,
    error: Option<String>,
}

fn show_value(t: &Tr, def: Option<&FieldDef>, v: &Value, masked: bool) -> String {
    match v {
        Value::Bool(b) => t.t(if *b { "yes" } else { "no" }),
        Value::String(s) if !masked && matches!(def.map(|d| &d.type_), Some(FieldType::Date)) => {
            t.iso_date(s)
        }
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

async fn profile_page(
    s: &AppState,
    staff: Staff,
    id: CustomerId,
    revealed: BTreeMap<String, Value>,
    error: Option<String>,
) -> Result<ProfilePage, UiError> {
    let c = s.vault.get_customer(&staff.p, id, &staff.meta).await?;
    let catalog = s.vault.catalog(&staff.p).await?;
    let role = &staff.p.role;
    let may_records = role.may(Action::RecordRead);
    let records = if may_records {
        s.vault
            .list_records(&staff.p, id, None, Some(100), &staff.meta)
            .await?
            .0
    } else {
        Vec::new()
    };
    let consents = s.vault.consents(&staff.p, id, &staff.meta).await?;
    let t = &staff.c.t;
    let hold = if role.may(Action::CustomerErase) {
        match s.vault.legal_hold(&staff.p, id, &staff.meta).await {
            Ok(h) => Some((h.reason, t.datetime(&h.since))),
            Err(CoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let restriction = if c.restricted {
        match s.vault.restriction(&staff.p, id, &staff.meta).await {
            Ok(r) => Some((r.reason, t.datetime(&r.since))),
            Err(CoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let mut groups: BTreeMap<Category, Vec<Shown>> = BTreeMap::new();
    for def in catalog.fields.iter() {
        if role.access(def.category) == Access::None {
            continue;
        }
        let (value, masked) = match (revealed.get(&def.name), c.fields.get(&def.name)) {
            (Some(v), _) => (show_value(t, Some(def), v, false), false),
            (None, Some(v)) => {
                let masked = c.masked.contains(&def.name);
                (show_value(t, Some(def), v, masked), masked)
            }
            (None, None) => (String::new(), false),
        };
        groups.entry(def.category).or_default().push(Shown {
            field: def.name.clone(),
            label: t.field(&def.name),
            value,
            masked,
        });
    }
    let masked: Vec<(String, String)> = c
        .masked
        .iter()
        .filter(|f| !revealed.contains_key(*f))
        .map(|f| (f.clone(), t.field(f)))
        .collect();
    let records = records
        .iter()
        .map(|r| {
            let def = catalog.record_types.iter().find(|d| d.name == r.type_);
            RecordLine {
                label: t.label("rtype", &r.type_),
                when: t.datetime(&r.occurred_at),
                fields: r
                    .fields
                    .iter()
                    .map(|(k, v)| {
                        let fdef = def.and_then(|d| d.fields.iter().find(|f| &f.name == k));
                        (t.field(k), show_value(t, fdef, v, r.masked.contains(k)))
                    })
                    .collect(),
            }
        })
        .collect();
    let record_forms = if role.may(Action::RecordCreate) {
        catalog
            .record_types
            .iter()
            .filter(|d| role.access(d.category) != Access::None)
            .map(|d| RecordForm {
                type_name: d.name.clone(),
                label: t.label("rtype", &d.name),
                inputs: d
                    .fields
                    .iter()
                    .map(|f| input_for(t, f, None, false))
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut lines: Vec<ConsentLine> = consents
        .current
        .iter()
        .map(|st| ConsentLine {
            name: format!(
                "{} ({})",
                t.label("purpose", &st.purpose),
                channel_label(t, st.channel)
            ),
            purpose_label: t.label("purpose", &st.purpose),
            channel_label: channel_label(t, st.channel),
            state: st.state.as_str().to_owned(),
            state_label: state_label(t, st.state),
            since: t.datetime(&st.since),
            choice: format!("{}:{}", st.purpose, st.channel.map_or("", |c| c.as_str())),
            given: matches!(
                st.state,
                ConsentState::Given | ConsentState::PendingConfirmation
            ),
        })
        .collect();
    // Purposes resting on consent that have no event yet can be given here too.
    for p in catalog
        .purposes
        .iter()
        .filter(|p| p.lawful_basis.is_consent())
    {
        let channels: Vec<Option<Channel>> = if p.channels.is_empty() {
            vec![None]
        } else {
            p.channels.iter().copied().map(Some).collect()
        };
        for ch in channels {
            let choice = format!("{}:{}", p.name, ch.map_or("", |c| c.as_str()));
            if lines.iter().any(|l| l.choice == choice) {
                continue;
            }
            lines.push(ConsentLine {
                name: format!("{} ({})", t.label("purpose", &p.name), channel_label(t, ch)),
                purpose_label: t.label("purpose", &p.name),
                channel_label: channel_label(t, ch),
                state: "none".into(),
                state_label: t.t("consent-state-none"),
                since: String::new(),
                choice,
                given: false,
            });
        }
    }
    let history = consents
        .history
        .iter()
        .rev()
        .map(|h| HistoryLine {
            when: t.datetime(&h.at),
            purpose_label: t.label("purpose", &h.purpose),
            channel_label: channel_label(t, h.channel),
            state_label: state_label(t, h.state),
            method_label: t.label("method", &h.method),
            text_version: h.text_version.map(|v| v.to_string()).unwrap_or_default(),
            evidence: evidence_text(&h.evidence),
        })
        .collect();
    Ok(ProfilePage {
        id: c.id.to_string(),
        number: c.number.clone(),
        name: display_name(&c),
        restricted: c.restricted,
        created: t.datetime(&c.created_at),
        updated: t.datetime(&c.updated_at),
        groups: groups
            .into_iter()
            .map(|(cat, fields)| ShownGroup {
                label: category_label(t, cat),
                fields,
            })
            .collect(),
        revealed: !revealed.is_empty(),
        masked,
        records,
        record_forms,
        consents: lines,
        history,
        may_update: role.may(Action::CustomerUpdate),
        may_records,
        may_export: role.may(Action::CustomerExport),
        may_erase: role.may(Action::CustomerErase),
        may_audit: role.may(Action::AuditRead),
        may_requests: role.may(Action::DataRequestManage),
        hold,
        restriction,
        request_kinds: [
            "access",
            "portability",
            "rectification",
            "erasure",
            "restriction",
            "objection",
        ]
        .iter()
        .map(|k| ((*k).to_owned(), t.label("request-kind", k)))
        .collect(),
        error,
        c: staff.c,
    })
}

/// The evidence of a consent event as one line: its keys and values, never nested JSON.
fn evidence_text(v: &Value) -> String {
    match v {
        Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

async fn profile(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    page(profile_page(&s, staff, id, BTreeMap::new(), None).await?)
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    fields: String,
}

async fn reveal(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<RevealForm>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let StaffForm { staff, form } = f;
    let fields: Vec<String> = form
        .fields
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    match s
        .vault
        .reveal(&staff.p, id, &fields, &form.reason, &staff.meta)
        .await
    {
        Ok(values) => page(profile_page(&s, staff, id, values, None).await?),
        Err(e @ (CoreError::Invalid(_) | CoreError::Field(_))) => {
            let error = Some(error_text(&staff.c.t, &ApiError::from(e)));
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                profile_page(&s, staff, id, BTreeMap::new(), error).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_record(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let StaffForm { staff, form } = f;
    let catalog = s.vault.catalog(&staff.p).await?;
    let type_ = one(&form, "type");
    let Some(def) = catalog.record_types.iter().find(|d| d.name == type_) else {
        return Err(UiError::code(custos_api::ErrorCode::UnknownRecordType));
    };
    let values = field_values(&form);
    let mut fields = BTreeMap::new();
    for fdef in &def.fields {
        if let Some(v) = values.get(&fdef.name).and_then(|v| typed(fdef, v)) {
            fields.insert(fdef.name.clone(), v);
        }
    }
    let when = one(&form, "occurred_at");
    let occurred_at = if when.trim().is_empty() {
        None
    } else {
        Some(
            staff
                .c
                .t
                .parse_local(&when)
                .ok_or_else(|| UiError::code(custos_api::ErrorCode::InvalidRequest))?,
        )
    };
    let new = NewRecord {
        type_,
        occurred_at,
        fields,
    };
    match s
        .vault
        .add_record(&staff.p, id, &new, None, &staff.meta)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/customers/{id}?notice=record-added#timeline")).into_response(),
        ),
        Err(e @ (CoreError::Invalid(_) | CoreError::Field(_))) => {
            let error = Some(error_text(&staff.c.t, &ApiError::from(e)));
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                profile_page(&s, staff, id, BTreeMap::new(), error).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ConsentForm {
    choice: String,
    state: String,
    /// How the customer said it: in the shop (default), by phone, on paper.
    #[serde(default)]
    method: String,
}

async fn consent(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<ConsentForm>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let StaffForm { staff, form } = f;
    let state = match form.state.as_str() {
        "given" => ConsentState::Given,
        "withdrawn" => ConsentState::Withdrawn,
        _ => return Err(UiError::code(custos_api::ErrorCode::InvalidRequest)),
    };
    let method = match form.method.as_str() {
        "" => "in_store",
        m @ ("in_store" | "phone" | "paper" | "web_form") => m,
        _ => return Err(UiError::code(custos_api::ErrorCode::InvalidRequest)),
    };
    let now = record_choice(&s, &staff, id, &form.choice, state, method).await?;
    let notice = match now {
        ConsentState::PendingConfirmation => "consent-pending",
        ConsentState::Withdrawn => "consent-withdrawn",
        _ => "consent-given",
    };
    Ok(Redirect::to(&format!("/customers/{id}?notice={notice}#consents")).into_response())
}

// --- edit ------------------------------------------------------------------------------------

struct Conflict {
    label: String,
    mine: String,
    theirs: String,
}

#[derive(Template)]
#[template(path = "customer_edit.html")]
struct EditPage {
    c: Chrome,
    id: String,
    number: String,
    name: String,
    version: u64,
    groups: Vec<Group>,
    conflicts: Vec<Conflict>,
    error: Option<String>,
}

async fn edit_page(
    s: &AppState,
    staff: Staff,
    id: CustomerId,
    mine: Option<&BTreeMap<String, String>>,
    conflicts: Vec<Conflict>,
    error: Option<String>,
) -> Result<EditPage, UiError> {
    staff.require(Action::CustomerUpdate)?;
    let c = s.vault.get_customer(&staff.p, id, &staff.meta).await?;
    let catalog = s.vault.catalog(&staff.p).await?;
    let mut groups = groups_of(&staff.c.t, &staff.p, &catalog, &c.fields, &c.masked);
    // After a conflict the form starts from what is stored now, with this person's entries in
    // the fields they changed: saving again sends exactly those.
    if let Some(mine) = mine {
        for i in groups.iter_mut().flat_map(|g| g.inputs.iter_mut()) {
            if let Some(v) = mine.get(&i.field) {
                i.value = v.clone();
            }
        }
    }
    Ok(EditPage {
        id: c.id.to_string(),
        number: c.number.clone(),
        name: display_name(&c),
        version: c.version,
        groups,
        conflicts,
        error,
        c: staff.c,
    })
}

async fn edit_form(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    page(edit_page(&s, staff, id, None, Vec::new(), None).await?)
}

async fn edit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let StaffForm { staff, form } = f;
    let version: u64 = one(&form, "version")
        .parse()
        .map_err(|_| UiError::code(custos_api::ErrorCode::InvalidRequest))?;
    let catalog = s.vault.catalog(&staff.p).await?;
    let values = field_values(&form);
    let originals: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("o.").map(|f| (f.to_owned(), v.clone())))
        .collect();
    // Only what the person changed goes into the update: a field left as it was shown is not
    // sent, a masked field left empty stays, an emptied field is removed.
    let mut patch = BTreeMap::new();
    for def in catalog.fields.iter().filter(|d| writable(&staff.p, d)) {
        let shown = originals.get(&def.name).map(String::as_str);
        let now = values.get(&def.name).map(String::as_str).unwrap_or("");
        let is_bool = matches!(def.type_, FieldType::Bool);
        if is_bool {
            let was = shown == Some("true");
            let on = matches!(now, "on" | "true");
            if was != on && shown.is_some() {
                patch.insert(def.name.clone(), Value::Bool(on));
            }
            continue;
        }
        match shown {
            Some(s) if s.trim() == now.trim() => {}
            None if now.trim().is_empty() => {}
            _ => {
                patch.insert(def.name.clone(), typed(def, now).unwrap_or(Value::Null));
            }
        }
    }
    if patch.is_empty() {
        return Ok(
            Redirect::to(&format!("/customers/{id}?notice=nothing-changed")).into_response(),
        );
    }
    match s
        .vault
        .update_customer(&staff.p, id, version, &patch, &staff.meta)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/customers/{id}?notice=customer-saved")).into_response())
        }
        Err(CoreError::VersionMismatch { .. }) => {
            // Someone else saved first: show their values beside these, keep these in the form.
            let now = s.vault.get_customer(&staff.p, id, &staff.meta).await?;
            let t = &staff.c.t;
            let conflicts = patch
                .keys()
                .filter_map(|k| {
                    let def = catalog.fields.iter().find(|d| &d.name == k);
                    let stored = now.fields.get(k);
                    let raw = match stored {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Null) | None => String::new(),
                        Some(v) => v.to_string(),
                    };
                    let mine = values.get(k).cloned().unwrap_or_default();
                    (raw.trim() != mine.trim()).then(|| Conflict {
                        label: t.field(k),
                        theirs: stored
                            .map(|v| show_value(t, def, v, now.masked.contains(k)))
                            .unwrap_or_default(),
                        mine,
                    })
                })
                .collect();
            let error = Some(t.t("edit-conflict"));
            let mine: BTreeMap<String, String> = patch
                .keys()
                .filter_map(|k| values.get(k).map(|v| (k.clone(), v.clone())))
                .collect();
            page_with(
                StatusCode::CONFLICT,
                edit_page(&s, staff, id, Some(&mine), conflicts, error).await?,
            )
        }
        Err(e @ (CoreError::Invalid(_) | CoreError::Field(_))) => {
            let error = Some(error_text(&staff.c.t, &ApiError::from(e)));
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_page(&s, staff, id, Some(&values), Vec::new(), error).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

// --- erase -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "customer_erase.html")]
struct ErasePage {
    c: Chrome,
    id: String,
    number: String,
    name: String,
    error: Option<String>,
}

async fn erase_page(
    s: &AppState,
    staff: Staff,
    id: CustomerId,
    error: Option<String>,
) -> Result<ErasePage, UiError> {
    staff.require(Action::CustomerErase)?;
    let c = s.vault.get_customer(&staff.p, id, &staff.meta).await?;
    Ok(ErasePage {
        id: c.id.to_string(),
        number: c.number.clone(),
        name: display_name(&c),
        error,
        c: staff.c,
    })
}

async fn erase_form(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    page(erase_page(&s, staff, id, None).await?)
}

#[derive(Deserialize)]
struct EraseForm {
    #[serde(default)]
    confirm: String,
}

async fn erase(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<EraseForm>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let StaffForm { staff, form } = f;
    staff.require(Action::CustomerErase)?;
    let c = s.vault.get_customer(&staff.p, id, &staff.meta).await?;
    // Typing the customer number is the confirmation: no erasure by a stray click.
    if !form.confirm.trim().eq_ignore_ascii_case(&c.number) {
        let error = Some(staff.c.t.t("erase-confirm-wrong"));
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            erase_page(&s, staff, id, error).await?,
        );
    }
    s.vault.erase_customer(&staff.p, id, &staff.meta).await?;
    Ok(Redirect::to("/customers?notice=customer-erased").into_response())
}

// --- protection: legal hold, restriction, objection ------------------------------------------

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// After a protective change: back to the profile, or the profile again with the vault's
/// refusal (a reason too short, a hold already placed…).
async fn after(
    s: &AppState,
    staff: Staff,
    id: CustomerId,
    result: Result<(), CoreError>,
    notice: &str,
) -> Result<Response, UiError> {
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/customers/{id}?notice={notice}#protection")).into_response(),
        ),
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            page_with(
                status,
                profile_page(s, staff, id, BTreeMap::new(), Some(error)).await?,
            )
        }
    }
}

async fn place_hold(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<ReasonForm>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let StaffForm { staff, form } = f;
    let r = s
        .vault
        .place_legal_hold(&staff.p, id, form.reason.trim(), &staff.meta)
        .await
        .map(|_| ());
    after(&s, staff, id, r, "hold-placed").await
}

async fn lift_hold(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<super::NoFields>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let r = s.vault.lift_legal_hold(&f.staff.p, id, &f.staff.meta).await;
    after(&s, f.staff, id, r, "hold-lifted").await
}

async fn restrict(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<ReasonForm>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let StaffForm { staff, form } = f;
    let r = s
        .vault
        .restrict(&staff.p, id, form.reason.trim(), &staff.meta)
        .await
        .map(|_| ());
    after(&s, staff, id, r, "restricted").await
}

async fn lift_restriction(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<super::NoFields>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let r = s
        .vault
        .lift_restriction(&f.staff.p, id, &f.staff.meta)
        .await;
    after(&s, f.staff, id, r, "restriction-lifted").await
}

async fn object(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<super::NoFields>,
) -> Result<Response, UiError> {
    let id = parse_id(&id)?;
    let r = s
        .vault
        .object_to_marketing(
            &f.staff.p,
            id,
            custos_api::consent::NewObjection {
                method: "in_store".into(),
            },
            &f.staff.meta,
        )
        .await;
    after(&s, f.staff, id, r, "objection-recorded").await
}
