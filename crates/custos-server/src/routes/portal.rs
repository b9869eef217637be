//! The customers' privacy portal under `/privacy/portal`: sign in with a single-use link sent by
//! e-mail (the same answer whether or not the address is known), then see one's data, download
//! it (JSON, CSV, HTML), see who accessed it, give or withdraw consents, ask for a correction or
//! another request, and erase it. Plain server-rendered pages with no script, usable on a
//! phone, in English, German and Polish; every form carries a token bound to the session.

use crate::extract::{cookie, Meta};
use crate::render::{export_sections, page};
use crate::routes::customers::{export_response, ExportFormat};
use crate::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use custos_api::catalog::Channel;
use custos_api::consent::ConsentState;
use custos_api::request::RequestKind;
use custos_core::consents::html_escape;
use custos_core::portal::{PortalErasure, PortalSession};
use custos_core::CoreError;
use serde::Deserialize;
use std::fmt::Write as _;

/// The portal session's cookie.
pub const PORTAL_COOKIE: &str = "__Host-custos_portal";

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/privacy/portal", get(sign_in_page))
        .route("/privacy/portal/link", post(request_link))
        .route("/privacy/portal/open", get(open_page).post(open))
        .route("/privacy/portal/me", get(me))
        .route("/privacy/portal/me/export", get(download))
        .route("/privacy/portal/me/access", get(access))
        .route("/privacy/portal/me/consent", post(consent))
        .route("/privacy/portal/me/request", post(request))
        .route("/privacy/portal/me/erase", post(erase))
        .route("/privacy/portal/logout", post(logout))
}

/// The words of the portal in one language.
pub struct Words {
    title: &'static str,
    notice: &'static str,
    sign_in_intro: &'static str,
    email: &'static str,
    send_link: &'static str,
    link_sent: &'static str,
    open_title: &'static str,
    open_ask: &'static str,
    open_button: &'static str,
    gone: &'static str,
    ended: &'static str,
    download: &'static str,
    access_title: &'static str,
    access_link: &'static str,
    who: &'static str,
    when: &'static str,
    what: &'static str,
    you: &'static str,
    automatic: &'static str,
    consents_title: &'static str,
    give: &'static str,
    withdraw: &'static str,
    consent_saved: &'static str,
    correction_title: &'static str,
    correction_hint: &'static str,
    send_request: &'static str,
    request_saved: &'static str,
    erase_title: &'static str,
    erase_warning: &'static str,
    erase_confirm: &'static str,
    erase_button: &'static str,
    erased: &'static str,
    erase_requested: &'static str,
    erase_held: &'static str,
    logout: &'static str,
    logged_out: &'static str,
    too_many: &'static str,
    bad_email: &'static str,
    bad_form: &'static str,
    back: &'static str,
}

/// The portal's words in `lang` (`en`, `de`, `pl`).
pub fn words(lang: &str) -> Words {
    match lang {
        "de" => Words {
            notice: "Datenschutzhinweise",
            title: "Ihre Daten",
            sign_in_intro: "Geben Sie die E-Mail-Adresse an, die das Geschäft von Ihnen hat. Wir senden Ihnen einen Link, mit dem Sie Ihre Daten sehen, herunterladen, berichtigen lassen oder löschen können.",
            email: "E-Mail-Adresse",
            send_link: "Link senden",
            link_sent: "Wenn diese Adresse bei uns bekannt ist, ist ein Link unterwegs. Er gilt 30 Minuten und nur einmal.",
            open_title: "Anmelden",
            open_ask: "Mit diesem Link melden Sie sich an, um Ihre Daten zu sehen.",
            open_button: "Anmelden",
            gone: "Dieser Link wurde schon benutzt oder ist abgelaufen. Fordern Sie einen neuen an.",
            ended: "Ihre Sitzung ist beendet. Fordern Sie einen neuen Link an.",
            download: "Herunterladen",
            access_title: "Wer hat auf Ihre Daten zugegriffen",
            access_link: "Wer hat auf meine Daten zugegriffen?",
            who: "Wer",
            when: "Wann",
            what: "Was",
            you: "Sie selbst",
            automatic: "automatisch (Speicherfristen)",
            consents_title: "Ihre Einwilligungen",
            give: "Einwilligen",
            withdraw: "Widerrufen",
            consent_saved: "Gespeichert.",
            correction_title: "Berichtigung oder ein anderes Anliegen",
            correction_hint: "Was ist falsch oder was möchten Sie? Das Geschäft antwortet innerhalb eines Monats.",
            send_request: "Anliegen senden",
            request_saved: "Ihr Anliegen ist eingegangen. Es wird beantwortet bis:",
            erase_title: "Meine Daten löschen",
            erase_warning: "Alle Ihre Daten bei diesem Geschäft werden gelöscht: Stammdaten, Verlauf und Einwilligungen. Das lässt sich nicht rückgängig machen.",
            erase_confirm: "Ja, ich möchte, dass meine Daten gelöscht werden.",
            erase_button: "Daten löschen",
            erased: "Ihre Daten sind gelöscht.",
            erase_requested: "Ihr Löschantrag ist eingegangen. Er wird erledigt bis:",
            erase_held: "Ihr Löschantrag ist eingegangen. Ein Teil der Daten muss aus rechtlichen Gründen noch aufbewahrt werden; das Geschäft meldet sich bis:",
            logout: "Abmelden",
            logged_out: "Sie sind abgemeldet.",
            too_many: "Zu viele Versuche. Bitte versuchen Sie es später noch einmal.",
            bad_email: "Das ist keine E-Mail-Adresse.",
            bad_form: "Das Formular war unvollständig oder ist veraltet. Bitte versuchen Sie es noch einmal.",
            back: "Zurück zu Ihren Daten",
        },
        "pl" => Words {
            notice: "Informacja o przetwarzaniu danych",
            title: "Państwa dane",
            sign_in_intro: "Prosimy podać adres e-mail, który zna sklep. Wyślemy link, dzięki któremu można zobaczyć swoje dane, pobrać je, poprosić o sprostowanie lub je usunąć.",
            email: "Adres e-mail",
            send_link: "Wyślij link",
            link_sent: "Jeśli ten adres jest nam znany, link jest już w drodze. Działa 30 minut i tylko raz.",
            open_title: "Logowanie",
            open_ask: "Tym linkiem logują się Państwo, aby zobaczyć swoje dane.",
            open_button: "Zaloguj",
            gone: "Ten link został już użyty lub wygasł. Prosimy poprosić o nowy.",
            ended: "Sesja się zakończyła. Prosimy poprosić o nowy link.",
            download: "Pobierz",
            access_title: "Kto miał dostęp do Państwa danych",
            access_link: "Kto miał dostęp do moich danych?",
            who: "Kto",
            when: "Kiedy",
            what: "Co",
            you: "Państwo",
            automatic: "automatycznie (okresy przechowywania)",
            consents_title: "Państwa zgody",
            give: "Wyrażam zgodę",
            withdraw: "Wycofuję zgodę",
            consent_saved: "Zapisano.",
            correction_title: "Sprostowanie lub inna sprawa",
            correction_hint: "Co jest nieprawidłowe lub czego Państwo sobie życzą? Sklep odpowie w ciągu miesiąca.",
            send_request: "Wyślij",
            request_saved: "Wniosek został przyjęty. Odpowiedź do:",
            erase_title: "Usuń moje dane",
            erase_warning: "Wszystkie Państwa dane w tym sklepie zostaną usunięte: dane podstawowe, historia i zgody. Nie można tego cofnąć.",
            erase_confirm: "Tak, chcę usunąć moje dane.",
            erase_button: "Usuń dane",
            erased: "Państwa dane zostały usunięte.",
            erase_requested: "Wniosek o usunięcie został przyjęty. Zostanie zrealizowany do:",
            erase_held: "Wniosek o usunięcie został przyjęty. Część danych musi być jeszcze przechowywana z przyczyn prawnych; sklep odpowie do:",
            logout: "Wyloguj",
            logged_out: "Wylogowano.",
            too_many: "Zbyt wiele prób. Prosimy spróbować później.",
            bad_email: "To nie jest adres e-mail.",
            bad_form: "Formularz był niekompletny lub nieaktualny. Prosimy spróbować ponownie.",
            back: "Powrót do danych",
        },
        _ => Words {
            notice: "Privacy notice",
            title: "Your data",
            sign_in_intro: "Enter the e-mail address the shop has for you. We will send you a link to see your data, download it, ask for a correction or erase it.",
            email: "E-mail address",
            send_link: "Send the link",
            link_sent: "If this address is known to us, a link is on its way. It works once, for 30 minutes.",
            open_title: "Sign in",
            open_ask: "This link signs you in to see your data.",
            open_button: "Sign in",
            gone: "This link was used already or has expired. Ask for a new one.",
            ended: "Your session has ended. Ask for a new link.",
            download: "Download",
            access_title: "Who accessed your data",
            access_link: "Who accessed my data?",
            who: "Who",
            when: "When",
            what: "What",
            you: "You",
            automatic: "automatic (retention periods)",
            consents_title: "Your consents",
            give: "Give consent",
            withdraw: "Withdraw",
            consent_saved: "Saved.",
            correction_title: "A correction or another request",
            correction_hint: "What is wrong, or what would you like? The shop answers within a month.",
            send_request: "Send",
            request_saved: "Your request has been received. It will be answered by:",
            erase_title: "Erase my data",
            erase_warning: "All your data at this shop will be erased: your profile, your history and your consents. This cannot be undone.",
            erase_confirm: "Yes, I want my data erased.",
            erase_button: "Erase my data",
            erased: "Your data has been erased.",
            erase_requested: "Your erasure request has been received. It will be carried out by:",
            erase_held: "Your erasure request has been received. Some of the data must still be kept for legal reasons; the shop will answer by:",
            logout: "Sign out",
            logged_out: "You are signed out.",
            too_many: "Too many attempts. Please try again later.",
            bad_email: "That is not an e-mail address.",
            bad_form: "The form was incomplete or out of date. Please try again.",
            back: "Back to your data",
        },
    }
}

/// `?lang=` on the portal's pages.
#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    /// `en`, `de` or `pl`.
    #[serde(default)]
    pub lang: Option<String>,
    /// The business (short name), where the server hosts several.
    #[serde(default)]
    pub b: Option<String>,
    /// What was just done (`consent`), to say so.
    #[serde(default)]
    pub done: Option<String>,
}

/// The language to answer in: asked for, else the browser's first of en/de/pl, else `fallback`.
pub fn pick_lang(asked: Option<&str>, headers: &HeaderMap, fallback: &'static str) -> &'static str {
    let known = |l: &str| match l {
        "en" => Some("en"),
        "de" => Some("de"),
        "pl" => Some("pl"),
        _ => None,
    };
    if let Some(l) = asked.and_then(known) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .filter_map(|part| part.split(';').next())
                .map(|tag| {
                    tag.trim()
                        .split('-')
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase()
                })
                .find_map(|t| known(&t))
        })
        .unwrap_or(fallback)
}

/// A consent's state in words.
fn state_word(s: Option<ConsentState>, lang: &str) -> &'static str {
    match (s, lang) {
        (Some(ConsentState::Given), "de") => "Einwilligung erteilt",
        (Some(ConsentState::Given), "pl") => "zgoda wyrażona",
        (Some(ConsentState::Given), _) => "consent given",
        (Some(ConsentState::PendingConfirmation), "de") => "wartet auf Ihre Bestätigung per E-Mail",
        (Some(ConsentState::PendingConfirmation), "pl") => "czeka na potwierdzenie e-mailem",
        (Some(ConsentState::PendingConfirmation), _) => "waiting for your confirmation by e-mail",
        (Some(ConsentState::Lapsed), "de") => "abgelaufen (lange kein Kontakt)",
        (Some(ConsentState::Lapsed), "pl") => "wygasła (długi brak kontaktu)",
        (Some(ConsentState::Lapsed), _) => "lapsed (no dealings for a long time)",
        (_, "de") => "keine Einwilligung",
        (_, "pl") => "brak zgody",
        (_, _) => "no consent",
    }
}

/// A channel in words.
fn channel_word(c: Option<Channel>, lang: &str) -> &'static str {
    match (c, lang) {
        (Some(Channel::Email), "de") => "E-Mail",
        (Some(Channel::Email), _) => "e-mail",
        (Some(Channel::Sms), _) => "SMS",
        (Some(Channel::Phone), "de") => "Telefon",
        (Some(Channel::Phone), "pl") => "telefon",
        (Some(Channel::Phone), _) => "phone",
        (Some(Channel::Post), "de") => "Post",
        (Some(Channel::Post), "pl") => "poczta",
        (Some(Channel::Post), _) => "post",
        (Some(Channel::Whatsapp), _) => "WhatsApp",
        (None, "de") => "Einwilligung",
        (None, "pl") => "zgoda",
        (None, _) => "consent",
    }
}

fn status(mut r: Response, s: StatusCode) -> Response {
    *r.status_mut() = s;
    r
}

fn sign_in_form(w: &Words, lang: &str, business: Option<&str>) -> String {
    format!(
        "<p>{intro}</p><form method=\"post\" action=\"/privacy/portal/link\"><input type=\"hidden\" name=\"lang\" value=\"{lang}\">{b}<label for=\"email\">{email}</label><input type=\"email\" id=\"email\" name=\"email\" required autocomplete=\"email\"><p><button type=\"submit\">{send}</button></p></form><p><a href=\"{notice_href}\">{notice}</a></p>",
        notice_href = html_escape(&notice_href(business, lang)),
        notice = html_escape(w.notice),
        intro = html_escape(w.sign_in_intro),
        lang = html_escape(lang),
        b = business.map_or(String::new(), |b| format!("<input type=\"hidden\" name=\"b\" value=\"{}\">", html_escape(b))),
        email = html_escape(w.email),
        send = html_escape(w.send_link),
    )
}

/// The address of a business's privacy notice in `lang`.
pub fn notice_href(business: Option<&str>, lang: &str) -> String {
    match business {
        Some(b) => format!(
            "/v1/compliance/privacy-notice?business={}&lang={lang}",
            crate::ui::url_encode(b)
        ),
        None => format!("/v1/compliance/privacy-notice?lang={lang}"),
    }
}

/// The sign-in page: one field, the e-mail address.
pub async fn sign_in_page(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let lang = pick_lang(q.lang.as_deref(), &headers, "en");
    let w = words(lang);
    page(lang, w.title, sign_in_form(&w, lang, q.b.as_deref()))
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    /// The address.
    pub email: String,
    /// The page's language.
    #[serde(default)]
    pub lang: Option<String>,
    /// The business, where the server hosts several.
    #[serde(default)]
    pub b: Option<String>,
}

/// Sends a sign-in link; answers the same whether or not the address is known.
pub async fn request_link(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    form: Result<Form<LinkForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        let lang = pick_lang(None, &headers, "en");
        let w = words(lang);
        return status(
            page(lang, w.title, format!("<p>{}</p>", html_escape(w.bad_form))),
            StatusCode::BAD_REQUEST,
        );
    };
    let lang = pick_lang(f.lang.as_deref(), &headers, "en");
    let w = words(lang);
    match s
        .vault
        .portal_request_link(
            f.b.as_deref().filter(|b| !b.is_empty()),
            &f.email,
            lang,
            &meta,
        )
        .await
    {
        Ok(()) => page(
            lang,
            w.title,
            format!("<p>{}</p>", html_escape(w.link_sent)),
        ),
        Err(CoreError::RateLimited(secs)) => {
            let mut r = status(
                page(lang, w.title, format!("<p>{}</p>", html_escape(w.too_many))),
                StatusCode::TOO_MANY_REQUESTS,
            );
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Err(CoreError::Invalid(_)) => status(
            page(
                lang,
                w.title,
                format!(
                    "<p role=\"alert\">{}</p>{}",
                    html_escape(w.bad_email),
                    sign_in_form(&w, lang, f.b.as_deref())
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(CoreError::NotFound(_)) => status(
            page(lang, w.title, format!("<p>{}</p>", html_escape(w.bad_form))),
            StatusCode::NOT_FOUND,
        ),
        Err(e) => failure(lang, e),
    }
}

fn failure(lang: &str, e: CoreError) -> Response {
    let w = words(lang);
    match e {
        CoreError::Gone(_) => status(
            page(lang, w.title, format!("<p>{}</p>", html_escape(w.gone))),
            StatusCode::GONE,
        ),
        CoreError::Unauthorized(_) => status(
            page(
                lang,
                w.title,
                format!(
                    "<p>{}</p><p><a href=\"/privacy/portal?lang={lang}\">{}</a></p>",
                    html_escape(w.ended),
                    html_escape(w.send_link)
                ),
            ),
            StatusCode::UNAUTHORIZED,
        ),
        CoreError::Invalid(_) | CoreError::Field(_) | CoreError::Restricted => status(
            page(lang, w.title, format!("<p>{}</p>", html_escape(w.bad_form))),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        other => {
            tracing::error!(error = %other, "privacy portal");
            status(
                page(
                    lang,
                    w.title,
                    "<p>The service is temporarily unavailable.</p>".into(),
                ),
                StatusCode::SERVICE_UNAVAILABLE,
            )
        }
    }
}

/// A link's token.
#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    /// The token.
    #[serde(default)]
    pub t: String,
    /// The page's language.
    #[serde(default)]
    pub lang: Option<String>,
}

/// The page a sign-in link opens: a button, since mail scanners follow links on their own.
pub async fn open_page(headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    let lang = pick_lang(q.lang.as_deref(), &headers, "en");
    let w = words(lang);
    page(
        lang,
        w.open_title,
        format!(
            "<p>{ask}</p><form method=\"post\" action=\"/privacy/portal/open\"><input type=\"hidden\" name=\"t\" value=\"{t}\"><input type=\"hidden\" name=\"lang\" value=\"{lang}\"><button type=\"submit\">{button}</button></form>",
            ask = html_escape(w.open_ask),
            t = html_escape(&q.t),
            button = html_escape(w.open_button),
        ),
    )
}

/// Spends the link, sets the session cookie and goes to the customer's page.
pub async fn open(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    form: Result<Form<TokenQuery>, FormRejection>,
) -> Response {
    let f = form.map(|Form(f)| f).unwrap_or_default();
    let lang = pick_lang(f.lang.as_deref(), &headers, "en");
    match s.vault.portal_open(&f.t, &meta).await {
        Ok((token, _)) => {
            let mut r = Redirect::to(&format!("/privacy/portal/me?lang={lang}")).into_response();
            let c = format!(
                "{PORTAL_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
                &*token,
                custos_core::portal::SESSION_TTL.whole_seconds()
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => failure(lang, e),
    }
}

async fn session(s: &AppState, headers: &HeaderMap) -> Result<PortalSession, CoreError> {
    let token = cookie(headers, PORTAL_COOKIE).ok_or(CoreError::Unauthorized("no session"))?;
    s.vault.portal_session(token).await
}

fn csrf_field(ps: &PortalSession) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        html_escape(ps.csrf_token())
    )
}

fn check_csrf(ps: &PortalSession, sent: &str) -> Result<(), CoreError> {
    if custos_crypto::chain::same(ps.csrf_token().as_bytes(), sent.as_bytes()) {
        Ok(())
    } else {
        Err(CoreError::Invalid("csrf".into()))
    }
}

/// The signed-in customer's page: their data, consents, downloads and requests.
pub async fn me(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = pick_lang(q.lang.as_deref(), &headers, "en");
    let ps = match session(&s, &headers).await {
        Ok(ps) => ps,
        Err(e) => return failure(lang, e),
    };
    let w = words(lang);
    let export = match s.vault.portal_export(&ps, false, lang, &meta).await {
        Ok(e) => e,
        Err(e) => return failure(lang, e),
    };
    let purposes = match s.vault.portal_consent_choices(&ps, lang).await {
        Ok(p) => p,
        Err(e) => return failure(lang, e),
    };
    let mut body = String::new();
    if q.done.as_deref() == Some("consent") {
        let _ = write!(
            body,
            "<p role=\"status\" class=\"note\">{}</p>",
            html_escape(w.consent_saved)
        );
    }
    let _ = write!(
        body,
        "<p><strong>{}</strong></p><p>{}: <a href=\"/privacy/portal/me/export?format=json\">JSON</a> · <a href=\"/privacy/portal/me/export?format=csv\">CSV</a> · <a href=\"/privacy/portal/me/export?format=html&amp;lang={lang}\">HTML</a> · <a href=\"/privacy/portal/me/access?lang={lang}\">{}</a></p>",
        html_escape(&ps.business),
        html_escape(w.download),
        html_escape(w.access_link),
    );
    let _ = write!(body, "<h2>{}</h2>", html_escape(w.consents_title));
    for c in &purposes {
        let current = export
            .consents
            .current
            .iter()
            .find(|st| st.purpose == c.purpose && st.channel == c.channel)
            .map(|st| st.state);
        let given = current == Some(ConsentState::Given);
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/privacy/portal/me/consent\" class=\"note\"><p>{text}</p><p>{state}</p>{csrf}<input type=\"hidden\" name=\"lang\" value=\"{lang}\"><input type=\"hidden\" name=\"purpose\" value=\"{purpose}\"><input type=\"hidden\" name=\"channel\" value=\"{channel}\"><input type=\"hidden\" name=\"state\" value=\"{next}\"><button type=\"submit\">{button}</button></form>",
            text = html_escape(&c.text),
            state = html_escape(&format!("{}: {}", channel_word(c.channel, lang), state_word(current, lang))),
            csrf = csrf_field(&ps),
            purpose = html_escape(&c.purpose),
            channel = c.channel.map_or("", |ch| ch.as_str()),
            next = if given { "withdrawn" } else { "given" },
            button = html_escape(if given { w.withdraw } else { w.give }),
        );
    }
    body.push_str(&export_sections(&export, lang));
    let _ = write!(
        body,
        "<h2>{title}</h2><form method=\"post\" action=\"/privacy/portal/me/request\">{csrf}<input type=\"hidden\" name=\"lang\" value=\"{lang}\"><input type=\"hidden\" name=\"kind\" value=\"rectification\"><label for=\"note\">{hint}</label><textarea id=\"note\" name=\"note\" rows=\"4\" maxlength=\"2000\" required></textarea><p><button type=\"submit\">{send}</button></p></form>",
        title = html_escape(w.correction_title),
        csrf = csrf_field(&ps),
        hint = html_escape(w.correction_hint),
        send = html_escape(w.send_request),
    );
    let _ = write!(
        body,
        "<h2>{title}</h2><form method=\"post\" action=\"/privacy/portal/me/erase\">{csrf}<input type=\"hidden\" name=\"lang\" value=\"{lang}\"><p>{warning}</p><p><label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> {confirm}</label></p><p><button type=\"submit\">{button}</button></p></form>",
        title = html_escape(w.erase_title),
        csrf = csrf_field(&ps),
        warning = html_escape(w.erase_warning),
        confirm = html_escape(w.erase_confirm),
        button = html_escape(w.erase_button),
    );
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/privacy/portal/logout\">{csrf}<input type=\"hidden\" name=\"lang\" value=\"{lang}\"><p><button type=\"submit\">{logout}</button></p></form>",
        csrf = csrf_field(&ps),
        logout = html_escape(w.logout),
    );
    page(lang, w.title, body)
}

/// `?format=` of a download.
#[derive(Debug, Default, Deserialize)]
pub struct DownloadQuery {
    /// `json`, `csv` or `html`.
    #[serde(default)]
    pub format: Option<String>,
    /// The HTML's language.
    #[serde(default)]
    pub lang: Option<String>,
}

/// The customer's own export.
pub async fn download(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    Query(q): Query<DownloadQuery>,
) -> Response {
    let lang = pick_lang(q.lang.as_deref(), &headers, "en");
    let Ok(format) = ExportFormat::parse(q.format.as_deref(), None) else {
        return failure(lang, CoreError::Invalid("format".into()));
    };
    let ps = match session(&s, &headers).await {
        Ok(ps) => ps,
        Err(e) => return failure(lang, e),
    };
    match s.vault.portal_export(&ps, true, lang, &meta).await {
        Ok(e) => export_response(&e, format, lang),
        Err(e) => failure(lang, e),
    }
}

/// Who accessed the customer's data, by role, and when.
pub async fn access(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = pick_lang(q.lang.as_deref(), &headers, "en");
    let w = words(lang);
    let ps = match session(&s, &headers).await {
        Ok(ps) => ps,
        Err(e) => return failure(lang, e),
    };
    let entries = match s.vault.portal_access_history(&ps, &meta).await {
        Ok(e) => e,
        Err(e) => return failure(lang, e),
    };
    let mut body = format!(
        "<p><a href=\"/privacy/portal/me?lang={lang}\">{}</a></p><div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        html_escape(w.back),
        html_escape(w.when),
        html_escape(w.who),
        html_escape(w.what)
    );
    for e in entries {
        let who = match e.who.as_str() {
            "you" => w.you.to_owned(),
            "custos" => w.automatic.to_owned(),
            role => format!("{} ({role})", ps.business),
        };
        let cats: Vec<&str> = e.categories.iter().map(|c| c.as_str()).collect();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}{}</td></tr>",
            html_escape(&crate::render::human_time(e.at)),
            html_escape(&who),
            html_escape(&e.action),
            if cats.is_empty() {
                String::new()
            } else {
                format!(" — {}", html_escape(&cats.join(", ")))
            }
        );
    }
    body.push_str("</tbody></table></div>");
    page(lang, w.access_title, body)
}

/// A form the signed-in customer posts: its session token and language.
trait Posted {
    fn csrf(&self) -> &str;
    fn lang(&self) -> Option<&str>;
}

macro_rules! posted_form {
    ($($t:ty),*) => {$(
        impl Posted for $t {
            fn csrf(&self) -> &str {
                &self.csrf
            }
            fn lang(&self) -> Option<&str> {
                self.lang.as_deref()
            }
        }
    )*};
}
posted_form!(ConsentForm, RequestForm, EraseForm, LogoutForm);

/// The signed-in customer of a form post, the language and the form — or the page that says
/// why not (a broken form, no session, a wrong form token).
async fn posted<F: Posted>(
    s: &AppState,
    headers: &HeaderMap,
    form: Result<Form<F>, FormRejection>,
) -> Result<(PortalSession, &'static str, F), Response> {
    let Ok(Form(f)) = form else {
        let fallback = pick_lang(None, headers, "en");
        return Err(failure(fallback, CoreError::Invalid("form".into())));
    };
    let lang = pick_lang(f.lang(), headers, "en");
    let ps = session(s, headers).await.map_err(|e| failure(lang, e))?;
    check_csrf(&ps, f.csrf()).map_err(|e| failure(lang, e))?;
    Ok((ps, lang, f))
}

/// A consent button's form.
#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    csrf: String,
    purpose: String,
    #[serde(default)]
    channel: String,
    state: String,
    #[serde(default)]
    lang: Option<String>,
}

/// Gives or withdraws a consent, then back to the page.
pub async fn consent(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    form: Result<Form<ConsentForm>, FormRejection>,
) -> Response {
    let (ps, lang, f) = match posted(&s, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let channel = if f.channel.is_empty() {
        None
    } else {
        match Channel::parse(&f.channel) {
            Some(c) => Some(c),
            None => return failure(lang, CoreError::Invalid("channel".into())),
        }
    };
    let give = match f.state.as_str() {
        "given" => true,
        "withdrawn" => false,
        _ => return failure(lang, CoreError::Invalid("state".into())),
    };
    match s
        .vault
        .portal_consent(&ps, &f.purpose, channel, give, lang, &meta)
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/privacy/portal/me?lang={lang}&done=consent")).into_response()
        }
        Err(e) => failure(lang, e),
    }
}

/// A request's form.
#[derive(Debug, Deserialize)]
pub struct RequestForm {
    csrf: String,
    kind: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

/// Opens a data request (a correction, or another of the customer's rights).
pub async fn request(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    form: Result<Form<RequestForm>, FormRejection>,
) -> Response {
    let (ps, lang, f) = match posted(&s, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let w = words(lang);
    // Erasure has its own form (self-service or a request, as the business decides).
    let kind = match RequestKind::parse(&f.kind) {
        Some(k) if k != RequestKind::Erasure => k,
        _ => return failure(lang, CoreError::Invalid("kind".into())),
    };
    match s.vault.portal_request(&ps, kind, f.note, &meta).await {
        Ok(due) => page(
            lang,
            w.title,
            format!(
                "<p>{} {}</p><p><a href=\"/privacy/portal/me?lang={lang}\">{}</a></p>",
                html_escape(w.request_saved),
                due.date(),
                html_escape(w.back)
            ),
        ),
        Err(e) => failure(lang, e),
    }
}

/// The erasure form.
#[derive(Debug, Deserialize)]
pub struct EraseForm {
    csrf: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    lang: Option<String>,
}

fn clear_cookie(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "__Host-custos_portal=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    r
}

/// Erases the customer (self-service) or opens an erasure request.
pub async fn erase(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    form: Result<Form<EraseForm>, FormRejection>,
) -> Response {
    let (ps, lang, f) = match posted(&s, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let w = words(lang);
    if f.confirm != "yes" {
        return failure(lang, CoreError::Invalid("confirm".into()));
    }
    match s.vault.portal_erase(&ps, &meta).await {
        Ok(PortalErasure::Erased) => clear_cookie(page(
            lang,
            w.title,
            format!("<p>{}</p>", html_escape(w.erased)),
        )),
        Ok(PortalErasure::Requested(due)) => page(
            lang,
            w.title,
            format!(
                "<p>{} {}</p><p><a href=\"/privacy/portal/me?lang={lang}\">{}</a></p>",
                html_escape(w.erase_requested),
                due.date(),
                html_escape(w.back)
            ),
        ),
        Ok(PortalErasure::Held(due)) => page(
            lang,
            w.title,
            format!(
                "<p>{} {}</p><p><a href=\"/privacy/portal/me?lang={lang}\">{}</a></p>",
                html_escape(w.erase_held),
                due.date(),
                html_escape(w.back)
            ),
        ),
        Err(e) => failure(lang, e),
    }
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: String,
    #[serde(default)]
    lang: Option<String>,
}

/// Ends the session.
pub async fn logout(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    let (ps, lang, _) = match posted(&s, &headers, form).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let w = words(lang);
    match s.vault.portal_logout(&ps, &meta).await {
        Ok(()) => clear_cookie(page(
            lang,
            w.title,
            format!("<p>{}</p>", html_escape(w.logged_out)),
        )),
        Err(e) => failure(lang, e),
    }
}
