//! The staff web UI: server-rendered pages (askama) over the same `Vault` use cases as the API,
//! with a session cookie and a CSRF token in every form, in English, German and Polish. Pages
//! work without JavaScript; htmx (embedded) only makes the search type-ahead.

pub mod account;
pub mod admin;
pub mod assets;
pub mod compliance;
pub mod customers;
pub mod i18n;
pub mod ops;
pub mod retention;
pub mod security;
pub mod settings;
pub mod staff;

use crate::error::{current_request_id, ApiError};
use crate::extract::{cookie, request_meta, session_cookie};
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use custos_api::ErrorCode;
use custos_core::audit::RequestMeta;
use custos_core::policy::{Action, Principal};
use custos_core::vault::Via;
use custos_core::CoreError;
use i18n::{Lang, Tr, LANG_COOKIE};
use serde::de::DeserializeOwned;
use serde::Deserialize;

tokio::task_local! {
    /// The language of the current UI request (set by the UI layer), for error pages.
    static UI_LANG: Lang;
}

/// The current UI request's language (English outside one).
pub fn current_lang() -> Lang {
    UI_LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// The routes of the web UI.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/language", get(language))
        .merge(account::router())
        .merge(customers::router())
        .merge(staff::router())
        .merge(ops::router())
        .merge(admin::router())
        .merge(security::router())
        .merge(compliance::router())
        .merge(retention::router())
        .merge(settings::router())
        .layer(middleware::from_fn(lang_layer))
        .merge(assets::router())
}

async fn lang_layer(req: Request, next: Next) -> Response {
    let lang = Lang::of_request(req.headers());
    UI_LANG.scope(lang, next.run(req)).await
}

/// The landing page: customer search for those who search, the account page for the others.
async fn home(staff: Staff) -> Response {
    let to = if staff.p.role.may(Action::CustomerSearch) {
        "/customers"
    } else if staff.p.role.may(Action::AuditRead) {
        "/audit"
    } else if staff.p.role.may(Action::UserManage) {
        "/staff"
    } else {
        "/account"
    };
    Redirect::to(to).into_response()
}

#[derive(Deserialize)]
struct LanguageQuery {
    lang: String,
    #[serde(default)]
    back: Option<String>,
}

/// Sets the language cookie and goes back to the page the switch was on.
async fn language(Query(q): Query<LanguageQuery>) -> Response {
    let back = q
        .back
        .filter(|b| local_path(b))
        .unwrap_or_else(|| "/".into());
    let Some(lang) = Lang::parse(&q.lang) else {
        return Redirect::to(&back).into_response();
    };
    let mut resp = Redirect::to(&back).into_response();
    let c = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; Secure",
        lang.code()
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// A path on this server (`/x`, not `//host` or `https://…`): the only place redirects go.
pub fn local_path(p: &str) -> bool {
    p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") && !p.contains(['\r', '\n'])
}

// --- the frame of every page ----------------------------------------------------------------

/// One entry of the navigation.
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// Its label.
    pub label: String,
    /// Whether it is the current section.
    pub current: bool,
}

/// One entry of the language switcher.
pub struct LangItem {
    /// The link that switches.
    pub href: String,
    /// The language's own name.
    pub name: &'static str,
    /// Its tag.
    pub code: &'static str,
    /// Whether it is the page's language.
    pub current: bool,
}

/// What every page shows around its content: language, navigation, who is signed in, the
/// CSRF token for forms.
pub struct Chrome {
    /// Translation and formatting.
    pub t: Tr,
    /// The session's CSRF token (empty on pages without a session).
    pub csrf: String,
    /// The signed-in user's name, if any.
    pub user: Option<String>,
    /// Their role.
    pub role: String,
    /// The business's name.
    pub business: String,
    /// The navigation, for the user's role.
    pub nav: Vec<NavItem>,
    /// The language switcher.
    pub langs: Vec<LangItem>,
    /// A confirmation to show once (after a redirect).
    pub notice: Option<String>,
}

impl Chrome {
    /// The frame of a page without a session (sign-in, errors).
    pub fn anonymous(lang: Lang, path: &str) -> Chrome {
        Chrome {
            t: Tr::new(lang, "UTC"),
            csrf: String::new(),
            user: None,
            role: String::new(),
            business: String::new(),
            nav: Vec::new(),
            langs: lang_items(lang, path),
            notice: None,
        }
    }

    /// The page's language tag.
    pub fn lang(&self) -> &'static str {
        self.t.lang.code()
    }
}

fn lang_items(lang: Lang, path: &str) -> Vec<LangItem> {
    let back = if local_path(path) { path } else { "/" };
    let back: String = url_encode(back);
    Lang::ALL
        .into_iter()
        .map(|l| LangItem {
            href: format!("/language?lang={}&back={back}", l.code()),
            name: l.native_name(),
            code: l.code(),
            current: l == lang,
        })
        .collect()
}

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const SECTIONS: [(&str, &str, Action); 6] = [
    ("/customers", "nav-customers", Action::CustomerSearch),
    ("/customers/new", "nav-new-customer", Action::CustomerCreate),
    ("/requests", "nav-requests", Action::DataRequestManage),
    ("/audit", "nav-audit", Action::AuditRead),
    ("/alerts", "nav-alerts", Action::AuditRead),
    ("/incidents", "nav-incidents", Action::AuditRead),
];

/// The pages reached from the administration hub (its navigation entry is current on them).
const ADMIN_PATHS: [&str; 10] = [
    "/admin",
    "/security",
    "/compliance",
    "/staff",
    "/devices",
    "/tokens",
    "/catalog",
    "/import",
    "/marketing",
    "/backups",
];

fn nav_for(t: &Tr, p: &Principal, path: &str) -> Vec<NavItem> {
    let current = SECTIONS
        .iter()
        .filter(|(href, _, _)| path == *href || path.starts_with(&format!("{href}/")))
        .map(|(href, _, _)| *href)
        .max_by_key(|h| h.len());
    let mut nav: Vec<NavItem> = SECTIONS
        .iter()
        .filter(|(_, _, a)| p.role.may(*a))
        .map(|(href, key, _)| NavItem {
            href,
            label: t.t(key),
            current: current == Some(*href),
        })
        .collect();
    if security::any_admin(p) {
        nav.push(NavItem {
            href: "/admin",
            label: t.t("nav-admin"),
            current: ADMIN_PATHS
                .iter()
                .any(|a| path == *a || path.starts_with(&format!("{a}/"))),
        });
    }
    nav.push(NavItem {
        href: "/account",
        label: t.t("nav-account"),
        current: path.starts_with("/account"),
    });
    nav
}

// --- the signed-in staff member --------------------------------------------------------------

/// A signed-in staff member (session cookie), with the frame of the page they asked for. No
/// session, an expired one, or one of a user who must first change their password or set up
/// MFA is sent where they have to go.
pub struct Staff {
    /// Who.
    pub p: Principal,
    /// Request id and address, for audit events.
    pub meta: RequestMeta,
    /// The page frame.
    pub c: Chrome,
    session: String,
}

impl Staff {
    /// Whether the CSRF token sent with a form is this session's.
    fn csrf_ok(&self, sent: &str) -> bool {
        custos_crypto::chain::same(
            sent.as_bytes(),
            custos_crypto::csrf_token(&self.session).as_bytes(),
        )
    }

    /// Refuses unless the role may do `action` (for pages that only read what the vault does
    /// not guard itself, e.g. the role matrix).
    pub fn require(&self, action: Action) -> Result<(), UiError> {
        if self.p.role.may(action) {
            Ok(())
        } else {
            Err(UiError::from(CoreError::Forbidden(
                "Your role may not do this.".into(),
            )))
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = UiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_owned();
        // After signing in, back to the page asked for; a form sent with an expired session
        // is not replayed (its address answers only POST): back to the start instead.
        let next = if parts.method == axum::http::Method::GET {
            parts
                .uri
                .path_and_query()
                .map_or_else(|| path.clone(), |pq| pq.as_str().to_owned())
        } else {
            "/".to_owned()
        };
        let to_login = || UiError::Redirect(format!("/login?next={}", url_encode(&next)));
        let Some(session) = session_cookie(&parts.headers).map(str::to_owned) else {
            return Err(to_login());
        };
        let meta = request_meta(parts);
        let p = match state.vault.authenticate(&session, Via::Cookie, &meta).await {
            Ok(p) => p,
            Err(CoreError::Unauthorized(_)) => return Err(to_login()),
            Err(e) => return Err(e.into()),
        };
        if p.must_change_password && path != "/account/password" && path != "/logout" {
            return Err(UiError::Redirect("/account/password".into()));
        }
        if !p.must_change_password
            && p.mfa_enrolment_required
            && !path.starts_with("/account/mfa")
            && path != "/logout"
        {
            return Err(UiError::Redirect("/account/mfa".into()));
        }
        let (business, tz) = state.vault.business_of(&p).await?;
        let lang = Lang::of_request(&parts.headers);
        let t = Tr::new(lang, &tz);
        let notice = Query::<NoticeQuery>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.notice)
            .map(|n| format!("notice-{n}"))
            .filter(|k| t.has(k))
            .map(|k| t.t(&k));
        let c = Chrome {
            nav: nav_for(&t, &p, &path),
            langs: lang_items(lang, &next),
            csrf: custos_crypto::csrf_token(&session),
            user: Some(p.name.clone()),
            role: p.role.name.clone(),
            business,
            notice,
            t,
        };
        Ok(Staff {
            p,
            meta,
            c,
            session,
        })
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

/// A signed-in staff member and a form they sent, whose `csrf` field must be the session's.
pub struct StaffForm<T> {
    /// Who.
    pub staff: Staff,
    /// The form.
    pub form: T,
}

/// A form with nothing but its CSRF token (sign out, set up MFA…).
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for StaffForm<T> {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, 1024 * 1024)
            .await
            .map_err(|_| UiError::code(ErrorCode::PayloadTooLarge))?;
        let sent: CsrfField = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| UiError::code(ErrorCode::InvalidRequest))?;
        if !staff.csrf_ok(&sent.csrf) {
            return Err(UiError::code(ErrorCode::CsrfFailed));
        }
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| UiError::code(ErrorCode::InvalidRequest))?;
        Ok(StaffForm { staff, form })
    }
}

// --- errors ----------------------------------------------------------------------------------

/// Why a page could not be shown: a redirect (sign in first, set up MFA…) or an error page in
/// the request's language with the request id.
#[derive(Debug)]
pub enum UiError {
    /// Go there instead (303).
    Redirect(String),
    /// Show an error page.
    Error(ApiError),
}

impl UiError {
    /// An error page for `code`.
    pub fn code(code: ErrorCode) -> UiError {
        UiError::Error(ApiError::new(code, code.title()))
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> Self {
        UiError::Error(e.into())
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError::Error(e)
    }
}

impl From<askama::Error> for UiError {
    fn from(e: askama::Error) -> Self {
        UiError::Error(ApiError::internal(e))
    }
}

/// The translated sentence for an error, naming the field when there is one.
pub fn error_text(t: &Tr, e: &ApiError) -> String {
    let key = format!("error-{}", e.code().as_str().replace('_', "-"));
    let text = t.t(&key);
    match e.field() {
        Some(f) => format!("{} ({})", text, t.field(f)),
        None => text,
    }
}

/// A refusal the person can act on, shown on the page they were on: its status and sentence
/// (translated, then the vault's own words where they name what to fix). What is not about
/// the input (not signed in, not allowed, gone, a server fault) becomes the error page.
pub fn refusal(t: &Tr, e: impl Into<ApiError>) -> Result<(StatusCode, String), UiError> {
    let e: ApiError = e.into();
    let status = e.code().status();
    if status >= 500 || matches!(status, 401 | 403 | 404) {
        return Err(UiError::Error(e));
    }
    let text = match e.code() {
        ErrorCode::InvalidRequest | ErrorCode::Conflict | ErrorCode::PasswordRefused => {
            format!("{} {}", error_text(t, &e), e.detail())
        }
        _ => error_text(t, &e),
    };
    Ok((
        StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        text,
    ))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    message: String,
    request_id: String,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        match self {
            UiError::Redirect(to) => Redirect::to(&to).into_response(),
            UiError::Error(e) => {
                let status = StatusCode::from_u16(e.code().status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let c = Chrome::anonymous(current_lang(), "/");
                let page = ErrorPage {
                    message: error_text(&c.t, &e),
                    status: status.as_u16(),
                    request_id: current_request_id(),
                    c,
                };
                match page.render() {
                    Ok(html) => (status, html_headers(), html).into_response(),
                    Err(_) => e.into_response(),
                }
            }
        }
    }
}

fn html_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h
}

/// A rendered page as a 200 response.
pub fn page(t: impl Template) -> Result<Response, UiError> {
    Ok((html_headers(), t.render()?).into_response())
}

/// A rendered page with another status (a form shown again with its error).
pub fn page_with(status: StatusCode, t: impl Template) -> Result<Response, UiError> {
    Ok((status, html_headers(), t.render()?).into_response())
}

/// The first value of `key` in a form sent as pairs, trimmed.
pub fn form_value<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim())
}

/// Whether the request came from htmx (then a fragment is answered, not a page).
pub fn from_htmx(h: &HeaderMap) -> bool {
    h.get("hx-request").is_some_and(|v| v == "true")
}

/// The value of a cookie (re-exported for the pages).
pub fn cookie_value<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookie(h, name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use custos_api::catalog::{Category, Channel};
    use custos_api::consent::ConsentState;
    use custos_api::request::RequestKind;

    /// Messages whose ids are made at run time (error codes, notices, catalog names) exist in
    /// English, hence, by the catalog tests, in German and Polish too.
    #[test]
    fn every_name_the_pages_label_has_a_message() {
        let t = Tr::new(Lang::En, "UTC");
        let mut missing = Vec::new();
        let mut need = |id: String| {
            if !t.has(&id) {
                missing.push(id);
            }
        };
        for code in ErrorCode::ALL {
            need(format!("error-{}", code.as_str().replace('_', "-")));
        }
        for role in custos_core::policy::BUILTIN_ROLES {
            need(format!("role-{role}"));
        }
        for a in Action::ALL {
            need(format!("perm-{}", a.as_str().replace(['.', '_'], "-")));
        }
        for c in Category::ALL {
            need(format!("category-{}", c.as_str().replace('_', "-")));
        }
        for c in Channel::ALL {
            need(format!("channel-{}", c.as_str()));
        }
        for s in [
            ConsentState::Given,
            ConsentState::PendingConfirmation,
            ConsentState::Withdrawn,
            ConsentState::Lapsed,
        ] {
            need(format!("consent-state-{}", s.as_str().replace('_', "-")));
        }
        for m in custos_core::consents::METHODS.iter().chain(&[
            "double_opt_in",
            "unsubscribe_link",
            "email",
        ]) {
            need(format!("method-{}", m.replace('_', "-")));
        }
        for n in [
            "customer-created",
            "customer-created-consent-failed",
            "customer-saved",
            "nothing-changed",
            "customer-erased",
            "record-added",
            "request-opened",
            "request-updated",
            "alert-acknowledged",
            "incident-opened",
            "incident-updated",
            "device-revoked",
            "token-revoked",
            "retention-saved",
            "settings-saved",
            "mfa-off",
            "user-compromised",
            "role-created",
            "role-deleted",
            "grant-given",
            "grant-ended",
            "webhook-deleted",
            "hold-placed",
            "hold-lifted",
            "restricted",
            "restriction-lifted",
            "objection-recorded",
            "consent-given",
            "consent-pending",
            "consent-withdrawn",
            "user-created",
            "user-changed",
            "password-reset",
            "password-changed",
            "compliance-recipient-added",
            "compliance-recipient-removed",
            "compliance-controller-saved",
            "compliance-self-audit-saved",
        ] {
            need(format!("notice-{n}"));
        }
        for k in ["processor", "controller", "public_authority"] {
            need(format!("recipient-kind-{}", k.replace('_', "-")));
        }
        for k in [
            "adequacy_decision",
            "standard_contractual_clauses",
            "binding_corporate_rules",
            "explicit_consent",
        ] {
            need(format!("safeguard-{}", k.replace('_', "-")));
        }
        for k in ["scheduled", "on_demand"] {
            need(format!("self-audit-trigger-{}", k.replace('_', "-")));
        }
        for (_, key, _) in SECTIONS {
            need(key.to_owned());
        }
        need("nav-admin".to_owned());
        for e in custos_api::WEBHOOK_EVENTS {
            need(format!("event-{}", e.replace(['.', '_'], "-")));
        }
        for k in ["follow_up", "delay_reason"] {
            need(format!("note-kind-{}", k.replace('_', "-")));
        }
        for ch in ["email", "webhook"] {
            need(format!("delivery-channel-{ch}"));
        }
        for d in ["pending", "delivered", "failed"] {
            need(format!("delivery-{d}"));
        }
        for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
            need(format!("day-{d}"));
        }
        for g in [
            "accuracy_contested",
            "unlawful_processing",
            "legal_claims",
            "objection_pending",
        ] {
            need(format!("restriction-ground-{}", g.replace('_', "-")));
        }
        for a in ["delete", "anonymise"] {
            need(format!("retention-action-{a}"));
        }
        for k in [
            "session-kind-browser",
            "session-kind-login",
            "yes",
            "no",
            "matrix-yes",
            "matrix-no",
            "access-full",
            "access-masked",
            "access-none",
        ] {
            need(k.to_owned());
        }
        for k in [
            "access",
            "portability",
            "rectification",
            "erasure",
            "restriction",
            "objection",
        ] {
            let kind = RequestKind::parse(k).unwrap();
            need(format!("request-kind-{}", kind.as_str()));
        }
        for st in ["open", "in_progress", "completed", "refused"] {
            need(format!("request-state-{}", st.replace('_', "-")));
        }
        for st in ["pending", "verified", "failed"] {
            need(format!("identity-check-{st}"));
        }
        for k in [
            "repeated_failures",
            "revoked_credential",
            "bulk_reads",
            "off_hours_access",
            "export",
            "break_glass",
            "audit_verification_failed",
            "backup_failed",
            "data_request_due_soon",
            "data_request_overdue",
        ] {
            need(format!("alert-kind-{}", k.replace('_', "-")));
        }
        for sev in ["info", "warning", "high", "critical"] {
            need(format!("severity-{sev}"));
        }
        for st in ["open", "notified", "closed"] {
            need(format!("incident-status-{st}"));
        }
        for r in ["unassessed", "unlikely", "risk", "high-risk"] {
            need(format!("risk-{r}"));
        }
        for a in ["authority", "customers"] {
            need(format!("draft-for-{a}"));
        }
        for name in custos_core::catalog::TEMPLATES {
            let c = custos_core::catalog::template(name, "DE").unwrap();
            for f in c
                .fields
                .iter()
                .chain(c.record_types.iter().flat_map(|r| &r.fields))
            {
                need(format!("field-{}", f.name.replace('_', "-")));
                if let custos_api::catalog::FieldType::Enum { values } = &f.type_ {
                    if f.name != "currency" {
                        for v in values {
                            need(format!("value-{}", v.replace('_', "-")));
                        }
                    }
                }
            }
            for r in &c.record_types {
                need(format!("rtype-{}", r.name.replace('_', "-")));
            }
            for p in &c.purposes {
                need(format!("purpose-{}", p.name.replace('_', "-")));
                need(format!("purpose-description-{}", p.name.replace('_', "-")));
                let basis = serde_json::to_value(p.lawful_basis).unwrap();
                need(format!(
                    "basis-{}",
                    basis.as_str().unwrap().replace('_', "-")
                ));
            }
        }
        assert!(missing.is_empty(), "no message for {missing:?}");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert!(local_path("/customers?q=a"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/a\r\nSet-Cookie: x",
        ] {
            assert!(!local_path(bad), "{bad}");
        }
    }
}
