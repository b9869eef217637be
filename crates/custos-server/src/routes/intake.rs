//! `/privacy/join/{business}`: the public intake form for new customers (a tablet at the
//! counter, or the shop's web site). The privacy notice and the consent choices come first,
//! then the fields; a hidden honeypot, a signed form token and a per-address limit keep scripts
//! out. English, German and Polish; no script at all.

use crate::extract::Meta;
use crate::render::{field_label, page};
use crate::routes::portal::{pick_lang, LangQuery};
use crate::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use custos_api::catalog::{Channel, FieldType};
use custos_core::consents::html_escape;
use custos_core::intake::{IntakeOutcome, IntakeSubmission, IntakeView};
use custos_core::CoreError;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/privacy/join/{business}", get(form).post(submit))
}

struct Words {
    title: &'static str,
    notice: &'static str,
    full_notice: &'static str,
    consents: &'static str,
    consents_hint: &'static str,
    details: &'static str,
    required: &'static str,
    submit: &'static str,
    thanks: &'static str,
    confirm_mail: &'static str,
    portal: &'static str,
    too_many: &'static str,
    stale: &'static str,
    check: &'static str,
    invalid: &'static str,
    unknown: &'static str,
}

fn words(lang: &str) -> Words {
    match lang {
        "de" => Words {
            title: "Anmeldung bei",
            notice: "Bevor Sie beginnen: So werden Ihre Daten verwendet",
            full_notice: "Die vollständigen Datenschutzhinweise",
            consents: "Was dürfen wir Ihnen senden?",
            consents_hint: "Freiwillig. Sie können jede Einwilligung jederzeit widerrufen.",
            details: "Ihre Angaben",
            required: "Pflichtfeld",
            submit: "Anmelden",
            thanks: "Danke, Sie sind angemeldet. Ihre Kundennummer:",
            confirm_mail: "Bitte bestätigen Sie die E-Mail-Einwilligung mit dem Link, den wir Ihnen gesendet haben.",
            portal: "Ihre Daten jederzeit ansehen, herunterladen oder löschen",
            too_many: "Zu viele Anmeldungen von diesem Gerät. Bitte versuchen Sie es später noch einmal.",
            stale: "Das Formular ist veraltet. Bitte füllen Sie es noch einmal aus.",
            check: "Bitte prüfen Sie Ihre Angaben und senden Sie das Formular noch einmal.",
            invalid: "Bitte prüfen Sie Ihre Angaben:",
            unknown: "Dieses Geschäft gibt es hier nicht.",
        },
        "pl" => Words {
            title: "Rejestracja w",
            notice: "Zanim Państwo zaczną: jak wykorzystujemy dane",
            full_notice: "Pełna informacja o przetwarzaniu danych",
            consents: "Co możemy Państwu wysyłać?",
            consents_hint: "Dobrowolnie. Każdą zgodę można w każdej chwili wycofać.",
            details: "Państwa dane",
            required: "pole wymagane",
            submit: "Zarejestruj",
            thanks: "Dziękujemy, rejestracja zakończona. Numer klienta:",
            confirm_mail: "Prosimy potwierdzić zgodę na e-maile linkiem, który wysłaliśmy.",
            portal: "Państwa dane w każdej chwili: podgląd, pobranie, usunięcie",
            too_many: "Zbyt wiele rejestracji z tego urządzenia. Prosimy spróbować później.",
            stale: "Formularz jest nieaktualny. Prosimy wypełnić go ponownie.",
            check: "Prosimy sprawdzić dane i wysłać formularz ponownie.",
            invalid: "Prosimy sprawdzić dane:",
            unknown: "Tej firmy tu nie ma.",
        },
        _ => Words {
            title: "Sign up at",
            notice: "Before you start: how your data is used",
            full_notice: "The full privacy notice",
            consents: "What may we send you?",
            consents_hint: "Optional. You can withdraw any consent at any time.",
            details: "Your details",
            required: "required",
            submit: "Sign up",
            thanks: "Thank you, you are signed up. Your customer number:",
            confirm_mail: "Please confirm the e-mail consent with the link we sent you.",
            portal: "See, download or erase your data at any time",
            too_many: "Too many sign-ups from this device. Please try again later.",
            stale: "The form is out of date. Please fill it in again.",
            check: "Please check your details and send the form again.",
            invalid: "Please check your details:",
            unknown: "There is no such business here.",
        },
    }
}

fn form_html(
    slug: &str,
    lang: &str,
    v: &IntakeView,
    values: &BTreeMap<String, String>,
    error: Option<&str>,
) -> String {
    let w = words(lang);
    let mut out = String::new();
    if let Some(e) = error {
        let _ = write!(
            out,
            "<p role=\"alert\" class=\"note\">{} {}</p>",
            html_escape(w.invalid),
            html_escape(e)
        );
    }
    let _ = write!(
        out,
        "<section aria-labelledby=\"notice\"><h2 id=\"notice\">{}</h2>",
        html_escape(w.notice)
    );
    for (h, text) in &v.notice {
        let _ = write!(out, "<h3>{}</h3>", html_escape(h));
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > 1 {
            out.push_str("<ul>");
            for l in lines {
                let _ = write!(out, "<li>{}</li>", html_escape(l));
            }
            out.push_str("</ul>");
        } else {
            let _ = write!(out, "<p>{}</p>", html_escape(text));
        }
    }
    let _ = write!(
        out,
        "<p><a href=\"{}\">{} (v{})</a></p></section>",
        html_escape(&super::portal::notice_href(Some(slug), lang)),
        html_escape(w.full_notice),
        v.notice_version
    );
    let _ = write!(
        out,
        "<form method=\"post\" action=\"/privacy/join/{slug}\"><input type=\"hidden\" name=\"ft\" value=\"{ft}\"><input type=\"hidden\" name=\"lang\" value=\"{lang}\">",
        slug = html_escape(slug),
        ft = html_escape(&v.form_token),
    );
    if !v.consents.is_empty() {
        let _ = write!(
            out,
            "<fieldset><legend>{}</legend><p>{}</p>",
            html_escape(w.consents),
            html_escape(w.consents_hint)
        );
        for (n, c) in v.consents.iter().enumerate() {
            let value = format!("{}:{}", c.purpose, c.channel.map_or("", |ch| ch.as_str()));
            let _ = write!(
                out,
                "<p><label><input type=\"checkbox\" id=\"c{n}\" name=\"consent\" value=\"{value}\"> {text} <small>({channel})</small></label></p>",
                value = html_escape(&value),
                text = html_escape(&c.text),
                channel = html_escape(c.channel.map_or("-", |ch| ch.as_str())),
            );
        }
        out.push_str("</fieldset>");
    }
    let _ = write!(out, "<h2>{}</h2>", html_escape(w.details));
    for f in &v.fields {
        let id = format!("f_{}", f.name);
        let current = values.get(&f.name).map(String::as_str).unwrap_or("");
        let req = if f.required { " required" } else { "" };
        let _ = write!(
            out,
            "<label for=\"{id}\">{label}{star}</label>",
            label = html_escape(&field_label(&f.name, lang)),
            star = if f.required {
                format!(" <small>({})</small>", html_escape(w.required))
            } else {
                String::new()
            },
        );
        match &f.type_ {
            FieldType::Enum { values: options } => {
                let _ = write!(
                    out,
                    "<select id=\"{id}\" name=\"{id}\"{req}><option value=\"\"></option>"
                );
                for o in options {
                    let sel = if o == current { " selected" } else { "" };
                    let _ = write!(out, "<option{sel}>{}</option>", html_escape(o));
                }
                out.push_str("</select>");
            }
            t => {
                let (kind, extra) = match t {
                    FieldType::Email => ("email", " autocomplete=\"email\"".to_owned()),
                    FieldType::Phone => ("tel", " autocomplete=\"tel\"".to_owned()),
                    FieldType::Date => ("date", String::new()),
                    FieldType::Country => (
                        "text",
                        " maxlength=\"2\" autocomplete=\"country\"".to_owned(),
                    ),
                    FieldType::Text { max_len } => ("text", format!(" maxlength=\"{max_len}\"")),
                    _ => ("text", String::new()),
                };
                let _ = write!(
                    out,
                    "<input type=\"{kind}\" id=\"{id}\" name=\"{id}\" value=\"{v}\"{extra}{req}>",
                    v = html_escape(current)
                );
            }
        }
    }
    // People do not see this field; scripts fill it in.
    let _ = write!(
        out,
        "<div class=\"hp\" aria-hidden=\"true\"><label for=\"website\">Website</label><input type=\"text\" id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div><p><button type=\"submit\">{}</button></p></form><p><a href=\"/privacy/portal?lang={lang}&amp;b={slug}\">{}</a></p>",
        html_escape(w.submit),
        html_escape(w.portal),
        slug = html_escape(slug),
    );
    out
}

/// The form again (a new token), with what was typed and why it was not taken.
async fn again(
    s: &AppState,
    slug: &str,
    lang: &str,
    values: &BTreeMap<String, String>,
    message: &str,
) -> Response {
    let w = words(lang);
    let body = match s.vault.intake_form(slug, lang).await {
        Ok(v) => form_html(slug, lang, &v, values, Some(message)),
        Err(_) => String::new(),
    };
    with_status(page(lang, w.title, body), StatusCode::UNPROCESSABLE_ENTITY)
}

fn with_status(mut r: Response, s: StatusCode) -> Response {
    *r.status_mut() = s;
    r
}

/// The intake form.
pub async fn form(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let fallback = s.vault.intake_lang(&slug).await;
    let lang = pick_lang(q.lang.as_deref(), &headers, fallback);
    let w = words(lang);
    match s.vault.intake_form(&slug, lang).await {
        Ok(v) => page(
            lang,
            &format!("{} {}", w.title, v.business),
            form_html(&slug, lang, &v, &BTreeMap::new(), None),
        ),
        Err(_) => with_status(page(lang, w.unknown, String::new()), StatusCode::NOT_FOUND),
    }
}

/// A sign-up.
pub async fn submit(
    State(s): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let fallback = s.vault.intake_lang(&slug).await;
    let pairs = body.map(|Form(p)| p).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let lang = pick_lang(Some(&get("lang")), &headers, fallback);
    let w = words(lang);
    let mut sub = IntakeSubmission {
        lang: lang.to_owned(),
        form_token: get("ft"),
        honeypot: get("website"),
        ..Default::default()
    };
    for (k, v) in &pairs {
        if let Some(name) = k.strip_prefix("f_") {
            sub.fields.insert(name.to_owned(), v.clone());
        } else if k == "consent" {
            let (purpose, channel) = v.split_once(':').unwrap_or((v.as_str(), ""));
            let channel = if channel.is_empty() {
                None
            } else {
                Channel::parse(channel)
            };
            sub.consents.push((purpose.to_owned(), channel));
        }
    }
    let values = sub.fields.clone();
    match s.vault.intake_submit(&slug, sub, &meta).await {
        Ok(IntakeOutcome::Created { number, confirmation_sent }) => page(
            lang,
            w.title,
            format!(
                "<p role=\"status\">{} <strong>{}</strong></p>{}<p><a href=\"/privacy/portal?lang={lang}&amp;b={slug}\">{}</a></p>",
                html_escape(w.thanks),
                html_escape(&number),
                if confirmation_sent { format!("<p>{}</p>", html_escape(w.confirm_mail)) } else { String::new() },
                html_escape(w.portal),
                slug = html_escape(&slug),
            ),
        ),
        // Told like a success, so that a script learns nothing.
        Ok(IntakeOutcome::Ignored) => page(lang, w.title, format!("<p role=\"status\">{}</p>", html_escape(w.thanks))),
        Err(CoreError::RateLimited(secs)) => {
            let mut r = with_status(page(lang, w.title, format!("<p>{}</p>", html_escape(w.too_many))), StatusCode::TOO_MANY_REQUESTS);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Err(CoreError::NotFound(_)) => with_status(page(lang, w.unknown, String::new()), StatusCode::NOT_FOUND),
        Ok(IntakeOutcome::TooFast) => again(&s, &slug, lang, &values, w.check).await,
        Err(CoreError::Gone(_)) => again(&s, &slug, lang, &values, w.stale).await,
        Err(e @ (CoreError::Field(_) | CoreError::Invalid(_))) => {
            let mut values = values;
            // What looks like a card number is not even shown back.
            if let CoreError::Field(custos_core::catalog::FieldError::CardNumber(f)) = &e {
                values.remove(f);
            }
            again(&s, &slug, lang, &values, &e.to_string()).await
        }
        Err(e) => {
            tracing::error!(error = %e, "intake form");
            with_status(page(lang, w.title, "<p>The service is temporarily unavailable.</p>".into()), StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}
