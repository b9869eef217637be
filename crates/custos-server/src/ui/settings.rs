//! The business's settings in the web UI (two-step sign-in for everyone, time zone and opening
//! hours, where alerts go, self-service erasure) and the webhooks to connected systems.

use super::{page, page_with, refusal, Chrome, NoFields, Staff, StaffForm, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use custos_api::{BusinessHours, ErrorCode, NewWebhook, WEBHOOK_EVENTS};
use custos_core::policy::Action;
use custos_core::settings::SettingsUpdate;
use uuid::Uuid;

/// The routes of these pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(show).post(save))
        .route("/webhooks", get(webhooks).post(create_webhook))
        .route("/webhooks/{id}", get(deliveries))
        .route("/webhooks/{id}/delete", post(delete_webhook))
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_of(h: &BusinessHours, d: &str) -> Option<String> {
    match d {
        "mon" => h.mon.clone(),
        "tue" => h.tue.clone(),
        "wed" => h.wed.clone(),
        "thu" => h.thu.clone(),
        "fri" => h.fri.clone(),
        "sat" => h.sat.clone(),
        _ => h.sun.clone(),
    }
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    c: Chrome,
    require_mfa: bool,
    time_zone: String,
    hours: Vec<(&'static str, String, String)>,
    alert_email: String,
    alert_webhook_url: String,
    self_service_erasure: bool,
    new_secret: Option<String>,
    error: Option<String>,
}

async fn settings_page(
    s: &AppState,
    staff: Staff,
    new_secret: Option<String>,
    error: Option<String>,
) -> Result<SettingsPage, UiError> {
    staff.require(Action::TenantManage)?;
    let st = s.vault.tenant_settings(&staff.p).await?;
    let t = &staff.c.t;
    let hours = DAYS
        .iter()
        .map(|d| {
            (
                *d,
                t.label("day", d),
                day_of(&st.policy.business_hours, d).unwrap_or_default(),
            )
        })
        .collect();
    let contacts = st.contacts.unwrap_or_default();
    Ok(SettingsPage {
        c: staff.c,
        require_mfa: st.tenant.require_mfa,
        time_zone: st.policy.time_zone,
        hours,
        alert_email: contacts.email.unwrap_or_default(),
        alert_webhook_url: contacts.webhook_url.unwrap_or_default(),
        self_service_erasure: st.policy.self_service_erasure,
        new_secret,
        error,
    })
}

async fn show(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    page(settings_page(&s, staff, None, None).await?)
}

async fn save(
    State(s): State<AppState>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let get = |k: &str| super::form_value(&form, k).map(str::to_owned);
    let day = |d: &str| get(&format!("hours.{d}")).filter(|v| !v.is_empty());
    let hours = BusinessHours {
        mon: day("mon"),
        tue: day("tue"),
        wed: day("wed"),
        thu: day("thu"),
        fri: day("fri"),
        sat: day("sat"),
        sun: day("sun"),
    };
    let optional = |k: &str| Some(get(k).filter(|v| !v.is_empty()));
    let update = SettingsUpdate {
        require_mfa: Some(get("require_mfa").is_some()),
        time_zone: get("time_zone").filter(|v| !v.is_empty()),
        business_hours: Some(hours),
        alert_email: optional("alert_email"),
        alert_webhook_url: optional("alert_webhook_url"),
        self_service_erasure: Some(get("self_service_erasure").is_some()),
    };
    match s.vault.update_settings(&staff.p, update, &staff.meta).await {
        Ok(st) => match st.new_webhook_secret {
            // A new alert webhook's secret is shown once, on the page itself.
            Some(secret) => page(settings_page(&s, staff, Some(secret), None).await?),
            None => Ok(Redirect::to("/settings?notice=settings-saved").into_response()),
        },
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(status, settings_page(&s, staff, None, error).await?)
        }
    }
}

// --- webhooks --------------------------------------------------------------------------------

struct HookLine {
    id: String,
    url: String,
    events: String,
    description: String,
    created: String,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    c: Chrome,
    hooks: Vec<HookLine>,
    events: Vec<(&'static str, String)>,
    new_secret: Option<(String, String)>,
    error: Option<String>,
}

async fn webhooks_page(
    s: &AppState,
    staff: Staff,
    new_secret: Option<(String, String)>,
    error: Option<String>,
) -> Result<WebhooksPage, UiError> {
    staff.require(Action::WebhookManage)?;
    let t = &staff.c.t;
    let hooks = s
        .vault
        .webhooks(&staff.p)
        .await?
        .into_iter()
        .map(|h| HookLine {
            id: h.id.to_string(),
            events: h
                .events
                .iter()
                .map(|e| t.label("event", &e.replace('.', "-")))
                .collect::<Vec<_>>()
                .join(", "),
            description: h.description.unwrap_or_default(),
            created: t.date(&h.created_at),
            url: h.url,
        })
        .collect();
    let events = WEBHOOK_EVENTS
        .iter()
        .map(|e| (*e, t.label("event", &e.replace('.', "-"))))
        .collect();
    Ok(WebhooksPage {
        c: staff.c,
        hooks,
        events,
        new_secret,
        error,
    })
}

async fn webhooks(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    page(webhooks_page(&s, staff, None, None).await?)
}

async fn create_webhook(
    State(s): State<AppState>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let get = |k: &str| super::form_value(&form, k).unwrap_or("").to_owned();
    let new = NewWebhook {
        url: get("url"),
        events: form
            .iter()
            .filter(|(k, _)| k == "event")
            .map(|(_, v)| v.clone())
            .collect(),
        description: Some(get("description")).filter(|d| !d.is_empty()),
    };
    match s.vault.create_webhook(&staff.p, new, &staff.meta).await {
        Ok(h) => {
            let secret = h.secret.unwrap_or_default();
            page(webhooks_page(&s, staff, Some((h.url, secret)), None).await?)
        }
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(status, webhooks_page(&s, staff, None, error).await?)
        }
    }
}

async fn delete_webhook(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<NoFields>,
) -> Result<Response, UiError> {
    let id = Uuid::try_parse(&id).map_err(|_| UiError::code(ErrorCode::NotFound))?;
    s.vault
        .delete_webhook(&f.staff.p, id, &f.staff.meta)
        .await?;
    Ok(Redirect::to("/webhooks?notice=webhook-deleted").into_response())
}

/// One delivery of a webhook or alert.
pub(crate) struct DeliveryLine {
    /// The event or channel.
    pub what: String,
    /// When it was queued.
    pub created: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Its state.
    pub status: String,
}

/// The deliveries of one webhook or alert.
#[derive(Template)]
#[template(path = "deliveries.html")]
pub(crate) struct DeliveriesPage {
    pub c: Chrome,
    pub title: String,
    pub back: (&'static str, String),
    pub lines: Vec<DeliveryLine>,
}

async fn deliveries(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = Uuid::try_parse(&id).map_err(|_| UiError::code(ErrorCode::NotFound))?;
    let rows = s.vault.webhook_deliveries(&staff.p, id).await?;
    let t = &staff.c.t;
    let lines = rows
        .into_iter()
        .map(|d| DeliveryLine {
            what: d
                .event
                .as_deref()
                .map(|e| t.label("event", &e.replace('.', "-")))
                .unwrap_or_default(),
            created: t.datetime(&d.created_at),
            attempts: d.attempts,
            status: t.label("delivery", &d.status),
        })
        .collect();
    page(DeliveriesPage {
        title: t.t("webhook-deliveries"),
        back: ("/webhooks", t.t("webhooks-title")),
        c: staff.c,
        lines,
    })
}
