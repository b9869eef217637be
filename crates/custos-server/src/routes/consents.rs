//! `/v1/customers/{id}/consents` (the consent history and new events), and the customers'
//! links under `/privacy/`: confirming a double opt-in and unsubscribing (RFC 8058 one-click),
//! both without logging in.

use super::customers::customer_id;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth, Meta};
use crate::render::{defuse, page};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use custos_api::catalog::Channel;
use custos_api::consent::{
    ConsentEvent, ConsentStatus, Consents, LegalHold, NewConsent, NewLegalHold, NewObjection,
    NewRestriction, Restriction,
};
use custos_core::consents::{html_escape, LinkOutcome};
use custos_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/customers/{id}/consents", get(list).post(record))
        .route("/privacy/consent/confirm", get(confirm_page).post(confirm))
        .route(
            "/privacy/unsubscribe",
            get(unsubscribe_page).post(unsubscribe),
        )
        .route("/v1/customers/{id}/objection", axum::routing::post(object))
        .route(
            "/v1/customers/{id}/restriction",
            get(restriction).put(restrict).delete(lift),
        )
        .route(
            "/v1/customers/{id}/legal-hold",
            get(legal_hold).put(place_hold).delete(lift_hold),
        )
        .route("/v1/marketing/audience", get(audience))
        .route("/v1/marketing/consents", get(report))
}

/// The answer to a new consent event: the event and the state it led to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Recorded {
    /// The event.
    pub event: ConsentEvent,
    /// The resulting state (`pending_confirmation` while a double opt-in waits).
    pub status: ConsentStatus,
}

/// A customer's consents: the current state per purpose and channel and every event.
#[utoipa::path(get, path = "/v1/customers/{id}/consents", tag = "consents", params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = Consents), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<Json<Consents>> {
    Ok(Json(s.vault.consents(&p, customer_id(&id)?, &meta).await?))
}

/// Record a consent given or withdrawn. E-mail consent starts a double opt-in.
#[utoipa::path(post, path = "/v1/customers/{id}/consents", tag = "consents", params(("id" = String, Path, description = "Customer id")), request_body = NewConsent,
    responses((status = 201, body = Recorded), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn record(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(body): ApiJson<NewConsent>,
) -> ApiResult<(StatusCode, Json<Recorded>)> {
    let (event, status) = s
        .vault
        .record_consent(&p, customer_id(&id)?, body, &meta)
        .await?;
    Ok((StatusCode::CREATED, Json(Recorded { event, status })))
}

/// The link's token.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    /// The signed token.
    #[serde(default)]
    pub t: String,
}

/// The token from a form body (`t=…`), whatever else it holds (RFC 8058's
/// `List-Unsubscribe=One-Click`) and whatever its content type: tokens are base64url and a dot,
/// which need no decoding.
fn form_token(body: &[u8]) -> Option<String> {
    std::str::from_utf8(body)
        .ok()?
        .split(['&', '\n', '\r'])
        .find_map(|pair| pair.strip_prefix("t="))
        .map(str::to_owned)
}

struct Words {
    confirm_title: &'static str,
    confirm_ask: &'static str,
    confirm_button: &'static str,
    confirmed: &'static str,
    unsub_title: &'static str,
    unsub_ask: &'static str,
    unsub_button: &'static str,
    unsubscribed: &'static str,
    bad: &'static str,
}

fn words(lang: &str) -> Words {
    match lang {
        "de" => Words {
            confirm_title: "Anmeldung bestätigen",
            confirm_ask: "Bitte bestätigen Sie Ihre Einwilligung:",
            confirm_button: "Ja, ich bestätige",
            confirmed: "Danke, Ihre Einwilligung ist bestätigt.",
            unsub_title: "Abmelden",
            unsub_ask: "Möchten Sie sich abmelden von:",
            unsub_button: "Abmelden",
            unsubscribed: "Sie sind abgemeldet. Sie erhalten dazu keine Nachrichten mehr.",
            bad: "Dieser Link ist ungültig oder abgelaufen.",
        },
        "pl" => Words {
            confirm_title: "Potwierdzenie zapisu",
            confirm_ask: "Prosimy potwierdzić zgodę na:",
            confirm_button: "Tak, potwierdzam",
            confirmed: "Dziękujemy, zgoda została potwierdzona.",
            unsub_title: "Rezygnacja",
            unsub_ask: "Czy chcą Państwo zrezygnować z:",
            unsub_button: "Rezygnuję",
            unsubscribed: "Rezygnacja przyjęta. Nie będą Państwo otrzymywać tych wiadomości.",
            bad: "Ten link jest nieprawidłowy lub wygasł.",
        },
        _ => Words {
            confirm_title: "Confirm your subscription",
            confirm_ask: "Please confirm your consent to:",
            confirm_button: "Yes, I confirm",
            confirmed: "Thank you, your consent is confirmed.",
            unsub_title: "Unsubscribe",
            unsub_ask: "Do you want to unsubscribe from:",
            unsub_button: "Unsubscribe",
            unsubscribed: "You are unsubscribed and will not receive these messages any more.",
            bad: "This link is not valid or has expired.",
        },
    }
}

fn form(action: &str, token: &str, ask: &str, o: &LinkOutcome, button: &str) -> String {
    format!(
        "<p>{ask}</p><p><strong>{purpose}</strong> — {business}</p><form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"t\" value=\"{token}\"><button type=\"submit\">{button}</button></form>",
        purpose = html_escape(&o.purpose),
        business = html_escape(&o.business),
        token = html_escape(token),
    )
}

fn failed(e: CoreError) -> Response {
    let status = match e {
        CoreError::Gone(_) => StatusCode::GONE,
        CoreError::NotFound(_) | CoreError::Invalid(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    let w = words("en");
    let mut r = page(
        "en",
        w.bad,
        format!("<p>{}</p>", html_escape(&e.to_string())),
    );
    *r.status_mut() = status;
    r
}

/// The two kinds of link a customer follows.
#[derive(Clone, Copy)]
enum Link {
    Confirm,
    Unsubscribe,
}

impl Link {
    fn action(self) -> &'static str {
        match self {
            Link::Confirm => "/privacy/consent/confirm",
            Link::Unsubscribe => "/privacy/unsubscribe",
        }
    }

    /// Title, question, button and the words after it is done.
    fn words(self, w: &Words) -> [&'static str; 4] {
        match self {
            Link::Confirm => [
                w.confirm_title,
                w.confirm_ask,
                w.confirm_button,
                w.confirmed,
            ],
            Link::Unsubscribe => [w.unsub_title, w.unsub_ask, w.unsub_button, w.unsubscribed],
        }
    }
}

/// The page a link opens: a button, since mail scanners follow links on their own.
async fn show(s: AppState, token: String, link: Link) -> Response {
    match s.vault.describe_link(&token).await {
        Ok(o) => {
            let [title, ask, button, _] = link.words(&words(&o.lang));
            page(&o.lang, title, form(link.action(), &token, ask, &o, button))
        }
        Err(e) => failed(e),
    }
}

/// The button's POST (or a mail client's one-click POST).
async fn act(
    s: AppState,
    meta: custos_core::audit::RequestMeta,
    token: String,
    link: Link,
) -> Response {
    let done = match link {
        Link::Confirm => s.vault.confirm_consent(&token, &meta).await,
        Link::Unsubscribe => s.vault.unsubscribe(&token, &meta).await,
    };
    match done {
        Ok(o) => {
            let [title, _, _, finished] = link.words(&words(&o.lang));
            page(&o.lang, title, format!("<p>{finished}</p>"))
        }
        Err(e) => failed(e),
    }
}

/// The confirmation page.
pub async fn confirm_page(State(s): State<AppState>, Query(q): Query<LinkQuery>) -> Response {
    show(s, q.t, Link::Confirm).await
}

/// Confirms a double opt-in.
pub async fn confirm(
    State(s): State<AppState>,
    Meta(meta): Meta,
    Query(q): Query<LinkQuery>,
    body: axum::body::Bytes,
) -> Response {
    act(s, meta, form_token(&body).unwrap_or(q.t), Link::Confirm).await
}

/// The unsubscribe page.
pub async fn unsubscribe_page(State(s): State<AppState>, Query(q): Query<LinkQuery>) -> Response {
    show(s, q.t, Link::Unsubscribe).await
}

/// Unsubscribes: the page's button, or a mail client's RFC 8058 one-click POST to the URL
/// from `List-Unsubscribe` (the token in the query, `List-Unsubscribe=One-Click` in the body).
pub async fn unsubscribe(
    State(s): State<AppState>,
    Meta(meta): Meta,
    Query(q): Query<LinkQuery>,
    body: axum::body::Bytes,
) -> Response {
    act(s, meta, form_token(&body).unwrap_or(q.t), Link::Unsubscribe).await
}

/// The customer objects to direct marketing (art. 21(2)): every marketing purpose stops at once.
#[utoipa::path(post, path = "/v1/customers/{id}/objection", tag = "consents", params(("id" = String, Path, description = "Customer id")), request_body = NewObjection,
    responses((status = 204, description = "Recorded"), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn object(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(body): ApiJson<NewObjection>,
) -> ApiResult<StatusCode> {
    s.vault
        .object_to_marketing(&p, customer_id(&id)?, body, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The customer's restriction of processing (art. 18), if any.
#[utoipa::path(get, path = "/v1/customers/{id}/restriction", tag = "consents", params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = Restriction), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn restriction(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<Json<Restriction>> {
    Ok(Json(
        s.vault.restriction(&p, customer_id(&id)?, &meta).await?,
    ))
}

/// Restrict processing (owner, manager): the customer appears in no audience meanwhile.
#[utoipa::path(put, path = "/v1/customers/{id}/restriction", tag = "consents", params(("id" = String, Path, description = "Customer id")), request_body = NewRestriction,
    responses((status = 200, body = Restriction), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn restrict(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(body): ApiJson<NewRestriction>,
) -> ApiResult<Json<Restriction>> {
    Ok(Json(
        s.vault
            .restrict(&p, customer_id(&id)?, &body.reason, &meta)
            .await?,
    ))
}

/// Lift the restriction.
#[utoipa::path(delete, path = "/v1/customers/{id}/restriction", tag = "consents", params(("id" = String, Path, description = "Customer id")),
    responses((status = 204, description = "Lifted"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn lift(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    s.vault
        .lift_restriction(&p, customer_id(&id)?, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which audience.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AudienceQuery {
    /// A purpose resting on consent, e.g. `newsletter`.
    pub purpose: String,
    /// One of its channels.
    pub channel: Channel,
}

/// The customers whose consent to the purpose on the channel counts now, as CSV: only the
/// fields the channel needs and an unsubscribe link each (owner, manager, marketing). Audited
/// with its size; raises an `export` alert.
#[utoipa::path(get, path = "/v1/marketing/audience", tag = "consents", params(AudienceQuery),
    responses((status = 200, description = "CSV", content_type = "text/csv"), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn audience(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<AudienceQuery>,
) -> ApiResult<Response> {
    let a = s.vault.audience(&p, &q.purpose, q.channel, &meta).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| {
        tracing::error!(error = %e, "audience CSV");
        crate::error::ApiError::new(
            custos_api::ErrorCode::Internal,
            "The audience could not be written.",
        )
    };
    w.write_record(&a.columns).map_err(internal)?;
    for row in &a.rows {
        w.write_record(row.iter().map(|c| defuse(c)))
            .map_err(internal)?;
    }
    let bytes = w.into_inner().map_err(|e| {
        tracing::error!(error = %e, "audience CSV");
        crate::error::ApiError::new(
            custos_api::ErrorCode::Internal,
            "The audience could not be written.",
        )
    })?;
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"audience-{}-{}.csv\"",
        q.purpose
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', ""),
        q.channel.as_str()
    )) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// Which purpose.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// A purpose resting on consent.
    pub purpose: String,
}

/// How consents to a purpose stand per channel, with the lapsed ones to ask again.
#[utoipa::path(get, path = "/v1/marketing/consents", tag = "consents", params(ReportQuery),
    responses((status = 200, body = custos_api::consent::ConsentReport), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn report(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<ReportQuery>,
) -> ApiResult<Json<custos_api::consent::ConsentReport>> {
    Ok(Json(s.vault.consent_report(&p, &q.purpose, &meta).await?))
}

/// The customer's legal hold, if any (owner, manager).
#[utoipa::path(get, path = "/v1/customers/{id}/legal-hold", tag = "consents", params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = LegalHold), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn legal_hold(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<Json<LegalHold>> {
    Ok(Json(
        s.vault.legal_hold(&p, customer_id(&id)?, &meta).await?,
    ))
}

/// Place a legal hold (owner, manager): the data is kept, erasure answers 409 `legal_hold`.
#[utoipa::path(put, path = "/v1/customers/{id}/legal-hold", tag = "consents", params(("id" = String, Path, description = "Customer id")), request_body = NewLegalHold,
    responses((status = 200, body = LegalHold), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn place_hold(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(body): ApiJson<NewLegalHold>,
) -> ApiResult<Json<LegalHold>> {
    Ok(Json(
        s.vault
            .place_legal_hold(&p, customer_id(&id)?, &body.reason, &meta)
            .await?,
    ))
}

/// Lift the legal hold.
#[utoipa::path(delete, path = "/v1/customers/{id}/legal-hold", tag = "consents", params(("id" = String, Path, description = "Customer id")),
    responses((status = 204, description = "Lifted"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)), security(("bearer" = [])))]
pub async fn lift_hold(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    s.vault
        .lift_legal_hold(&p, customer_id(&id)?, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
