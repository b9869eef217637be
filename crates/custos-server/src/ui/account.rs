//! Signing in and one's own account: sign-in with MFA, sign-out, MFA set-up with a QR code and
//! recovery codes, password change, the list of one's sessions and "log out everywhere".

use super::i18n::Lang;
use super::{
    cookie_value, error_text, local_path, page, page_with, Chrome, NoFields, Staff, StaffForm,
    UiError,
};
use crate::error::ApiError;
use crate::extract::request_meta;
use crate::routes::auth::{clear_cookie, set_session_cookie};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use custos_api::ErrorCode;
use custos_core::store::TokenKind;
use custos_core::vault::SecondFactor;
use serde::Deserialize;

/// The cookie that carries the sign-in form's CSRF token before there is a session.
const PRE_COOKIE: &str = "__Host-custos_pre";

/// The routes of sign-in and the account.
pub fn router() -> axum::Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account", get(account))
        .route(
            "/account/password",
            get(password_form).post(change_password),
        )
        .route("/account/mfa", get(mfa_page).post(mfa_enrol))
        .route("/account/mfa/confirm", post(mfa_confirm))
        .route("/account/mfa/disable", post(mfa_disable))
        .route("/account/logout-everywhere", post(logout_everywhere))
}

// --- sign-in ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    username: String,
    business: String,
    error: Option<String>,
    ask_code: bool,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
}

fn next_of(n: Option<String>) -> String {
    n.filter(|n| local_path(n) && !n.starts_with("/login"))
        .unwrap_or_else(|| "/".into())
}

/// The pre-session token: the one in the cookie, or a new one set with the page.
fn pre_token(h: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(v) = cookie_value(h, PRE_COOKIE).filter(|v| v.len() >= 20) {
        return (v.to_owned(), None);
    }
    let v = custos_crypto::random_token_text(24).to_string();
    let c = format!("{PRE_COOKIE}={v}; Path=/; Secure; HttpOnly; SameSite=Strict");
    (v, HeaderValue::from_str(&c).ok())
}

fn login_page(h: &HeaderMap, status: StatusCode, mut p: LoginPage) -> Result<Response, UiError> {
    let (token, set) = pre_token(h);
    p.c.csrf = token;
    let mut resp = page_with(status, p)?;
    if let Some(set) = set {
        resp.headers_mut().insert(header::SET_COOKIE, set);
    }
    Ok(resp)
}

async fn login_form(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Result<Response, UiError> {
    let lang = Lang::of_request(&headers);
    let next = next_of(q.next);
    login_page(
        &headers,
        StatusCode::OK,
        LoginPage {
            c: Chrome::anonymous(lang, &format!("/login?next={}", super::url_encode(&next))),
            next,
            username: String::new(),
            business: String::new(),
            error: None,
            ask_code: false,
        },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    business: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
}

async fn login(State(s): State<AppState>, req: Request) -> Result<Response, UiError> {
    let (parts, body) = req.into_parts();
    let headers = parts.headers.clone();
    let meta = request_meta(&parts);
    let lang = Lang::of_request(&headers);
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| UiError::code(ErrorCode::PayloadTooLarge))?;
    let f: LoginForm = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| UiError::code(ErrorCode::InvalidRequest))?;
    let expected = cookie_value(&headers, PRE_COOKIE).unwrap_or("");
    if expected.is_empty() || !custos_crypto::chain::same(f.csrf.as_bytes(), expected.as_bytes()) {
        return Err(UiError::code(ErrorCode::CsrfFailed));
    }
    let next = next_of(f.next.clone());
    let opt = |v: &str| Some(v.trim()).filter(|v| !v.is_empty()).map(str::to_owned);
    let (code, recovery) = (opt(&f.code), opt(&f.recovery_code));
    let business = opt(&f.business);
    let result = s
        .vault
        .login(
            business.as_deref(),
            f.username.trim(),
            &f.password,
            SecondFactor {
                totp_code: code.as_deref(),
                recovery_code: recovery.as_deref(),
            },
            true,
            &meta,
        )
        .await;
    match result {
        Ok((token, _)) => {
            let mut h =
                set_session_cookie(&token, s.vault.settings().session_absolute.whole_seconds())?;
            // The pre-session token has done its job.
            h.append(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "__Host-custos_pre=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0",
                ),
            );
            Ok((h, Redirect::to(&next)).into_response())
        }
        Err(e) => {
            let e = ApiError::from(e);
            let c = Chrome::anonymous(lang, "/login");
            let ask_code = matches!(e.code(), ErrorCode::MfaRequired | ErrorCode::InvalidMfaCode);
            let status =
                StatusCode::from_u16(e.code().status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let error = Some(error_text(&c.t, &e));
            login_page(
                &headers,
                status,
                LoginPage {
                    c,
                    next,
                    username: f.username.trim().to_owned(),
                    business: business.unwrap_or_default(),
                    error,
                    ask_code,
                },
            )
        }
    }
}

async fn logout(State(s): State<AppState>, f: StaffForm<NoFields>) -> Result<Response, UiError> {
    s.vault.logout(&f.staff.p, &f.staff.meta).await?;
    Ok((clear_cookie(), Redirect::to("/login")).into_response())
}

// --- the account page ------------------------------------------------------------------------

struct SessionLine {
    kind: String,
    started: String,
    last_seen: String,
    expires: String,
    this_one: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    mfa_on: bool,
    recovery_left: u32,
    sessions: Vec<SessionLine>,
}

async fn account(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    let mfa_on = s.vault.mfa_enabled(&staff.p).await?;
    let recovery_left = if mfa_on {
        s.vault.recovery_codes_left(&staff.p).await?
    } else {
        0
    };
    let t = &staff.c.t;
    let sessions = s
        .vault
        .sessions(&staff.p)
        .await?
        .into_iter()
        .map(|r| SessionLine {
            kind: t.t(if r.kind == TokenKind::Session {
                "session-kind-browser"
            } else {
                "session-kind-login"
            }),
            started: t.datetime(&r.created_at),
            last_seen: t.datetime_opt(&r.last_seen_at),
            expires: t.datetime_opt(&r.expires_at),
            this_one: Some(r.id) == staff.p.token_id,
        })
        .collect();
    page(AccountPage {
        c: staff.c,
        mfa_on,
        recovery_left,
        sessions,
    })
}

async fn logout_everywhere(
    State(s): State<AppState>,
    f: StaffForm<NoFields>,
) -> Result<Response, UiError> {
    s.vault.logout_everywhere(&f.staff.p, &f.staff.meta).await?;
    Ok((clear_cookie(), Redirect::to("/login")).into_response())
}

// --- password --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    required: bool,
    error: Option<String>,
}

async fn password_form(staff: Staff) -> Result<Response, UiError> {
    let required = staff.p.must_change_password;
    page(PasswordPage {
        c: staff.c,
        required,
        error: None,
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(
    State(s): State<AppState>,
    f: StaffForm<PasswordForm>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let result = if form.new != form.repeat {
        Err(staff.c.t.t("password-mismatch"))
    } else {
        s.vault
            .change_password(&staff.p, &form.current, &form.new, &staff.meta)
            .await
            .map_err(|e| error_text(&staff.c.t, &ApiError::from(e)))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/account?notice=password-changed").into_response()),
        Err(error) => {
            let required = staff.p.must_change_password;
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                PasswordPage {
                    c: staff.c,
                    required,
                    error: Some(error),
                },
            )
        }
    }
}

// --- MFA -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    c: Chrome,
    required: bool,
    /// The business requires MFA: it cannot be turned off.
    business_requires: bool,
    enabled: bool,
    /// The QR code (a `data:` URL of the SVG the server made) and the secret, while enrolling.
    qr_svg: Option<String>,
    /// A code was wrong: ask again for the secret shown before.
    confirming: bool,
    secret: String,
    error: Option<String>,
    recovery_codes: Vec<String>,
}

impl MfaPage {
    /// The page for `staff` with nothing shown yet: not enrolled, no code asked, no error.
    fn of(staff: Staff) -> MfaPage {
        MfaPage {
            business_requires: false,
            required: staff.p.mfa_enrolment_required,
            c: staff.c,
            enabled: false,
            qr_svg: None,
            confirming: false,
            secret: String::new(),
            error: None,
            recovery_codes: Vec::new(),
        }
    }
}

async fn mfa_page(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    page(mfa_status_page(&s, staff, None).await?)
}

async fn mfa_status_page(
    s: &AppState,
    staff: Staff,
    error: Option<String>,
) -> Result<MfaPage, UiError> {
    let enabled = s.vault.mfa_enabled(&staff.p).await?;
    let business_requires = s.vault.business_requires_mfa(&staff.p).await?;
    Ok(MfaPage {
        business_requires,
        enabled,
        error,
        ..MfaPage::of(staff)
    })
}

async fn mfa_disable(
    State(s): State<AppState>,
    f: StaffForm<ConfirmForm>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    match s
        .vault
        .mfa_disable(&staff.p, form.code.trim(), &staff.meta)
        .await
    {
        Ok(()) => Ok(Redirect::to("/account?notice=mfa-off").into_response()),
        Err(e) => {
            let (status, error) = super::refusal(&staff.c.t, e)?;
            page_with(status, mfa_status_page(&s, staff, Some(error)).await?)
        }
    }
}

fn enrolment_page(staff: Staff, e: custos_core::mfa::Enrolment) -> MfaPage {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(e.qr_svg.as_bytes());
    MfaPage {
        qr_svg: Some(format!("data:image/svg+xml;base64,{data}")),
        secret: e.secret.to_string(),
        ..MfaPage::of(staff)
    }
}

async fn mfa_enrol(State(s): State<AppState>, f: StaffForm<NoFields>) -> Result<Response, UiError> {
    let e = s.vault.mfa_enrol(&f.staff.p, &f.staff.meta).await?;
    page(enrolment_page(f.staff, e))
}

#[derive(Deserialize)]
struct ConfirmForm {
    code: String,
}

async fn mfa_confirm(
    State(s): State<AppState>,
    f: StaffForm<ConfirmForm>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    match s
        .vault
        .mfa_confirm(&staff.p, form.code.trim(), &staff.meta)
        .await
    {
        Ok(codes) => page(MfaPage {
            required: false,
            enabled: true,
            recovery_codes: codes.iter().map(|c| c.to_string()).collect(),
            ..MfaPage::of(staff)
        }),
        Err(e) => {
            // A wrong code: the secret already scanned stays pending; ask again.
            let error = Some(error_text(&staff.c.t, &ApiError::from(e)));
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                MfaPage {
                    confirming: true,
                    error,
                    ..MfaPage::of(staff)
                },
            )
        }
    }
}
