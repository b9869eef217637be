//! `/v1/compliance`: the documents custos writes from what it actually does — the records of
//! processing activities (art. 30), the data-flow map, the privacy notice (art. 13) — and the
//! self-check (`custos doctor`'s findings) with its saved monthly reports.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Auth, Meta};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use custos_api::catalog::Controller;
use custos_api::compliance::{Checks, Recipients, Ropa, SelfAudit};
use custos_api::ErrorCode;
use custos_core::compliance::NoticeLinks;
use serde::Deserialize;
use utoipa::IntoParams;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/compliance/ropa", get(ropa))
        .route("/v1/compliance/data-map.svg", get(data_map))
        .route("/v1/compliance/privacy-notice", get(privacy_notice))
        .route("/v1/compliance/checks", get(checks))
        .route(
            "/v1/compliance/self-audits",
            get(self_audits).post(run_self_audit),
        )
        .route("/v1/catalog/recipients", put(set_recipients))
        .route("/v1/catalog/controller", put(set_controller))
}

/// How a document is wanted.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RopaQuery {
    /// `json` (the default) or `html` (a printable page: print it to PDF from a browser).
    #[serde(default)]
    #[param(pattern = "^(json|html)$")]
    pub format: Option<String>,
}

fn html_response(body: String) -> Response {
    let mut r = axum::response::Html(body).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The records of processing activities (GDPR art. 30(1) a–g) from the catalog and the
/// server's configuration (owner, manager, auditor).
#[utoipa::path(get, path = "/v1/compliance/ropa", tag = "compliance", params(RopaQuery),
    responses((status = 200, description = "JSON, or a printable HTML page with format=html",
            content((Ropa = "application/json"), (String = "text/html"))),
        (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn ropa(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<RopaQuery>,
) -> ApiResult<Response> {
    let html = match q.format.as_deref() {
        None | Some("json") => false,
        Some("html") => true,
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "format must be json or html.",
            ))
        }
    };
    let r = s.vault.ropa(&p, &s.posture(), &meta).await?;
    Ok(if html {
        html_response(custos_core::compliance::ropa_html(&r))
    } else {
        Json(r).into_response()
    })
}

/// A picture of where personal data enters and leaves, drawn from the live configuration
/// (owner, manager, auditor).
#[utoipa::path(get, path = "/v1/compliance/data-map.svg", tag = "compliance",
    responses((status = 200, content_type = "image/svg+xml", body = String),
        (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn data_map(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<Response> {
    let (business, flows) = s.vault.data_flows(&p, &s.posture(), &meta).await?;
    let svg = custos_core::compliance::data_map_svg(&business, &flows);
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

/// Which notice.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    /// `en`, `de` or `pl` (default: the business's language).
    #[serde(default)]
    #[param(pattern = "^(en|de|pl)$")]
    pub lang: Option<String>,
    /// `html` (the default) or `markdown`.
    #[serde(default)]
    #[param(pattern = "^(html|markdown)$")]
    pub format: Option<String>,
    /// The business's short name, on a server that hosts several.
    #[serde(default)]
    pub business: Option<String>,
}

/// The privacy notice (GDPR art. 13) in plain language, public. `Custos-Notice-Version` says
/// its version, which consents record.
#[utoipa::path(get, path = "/v1/compliance/privacy-notice", tag = "compliance", params(NoticeQuery),
    responses((status = 200, description = "HTML, or Markdown with format=markdown",
            content((String = "text/html"), (String = "text/markdown")),
            headers(("custos-notice-version" = u32, description = "The notice's version"))),
        (status = 400, body = custos_api::Problem), (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem, description = "invalid_request: an unknown language")))]
pub async fn privacy_notice(
    State(s): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> ApiResult<Response> {
    let markdown = match q.format.as_deref() {
        None | Some("html") => false,
        Some("markdown") | Some("md") => true,
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "format must be html or markdown.",
            ))
        }
    };
    let slug = q.business.as_deref();
    let lang = match q.lang.as_deref() {
        Some(l) => l.to_owned(),
        None => preferred_lang(&headers, &s, slug).await?,
    };
    let base = match slug {
        Some(b) => format!(
            "/v1/compliance/privacy-notice?business={}",
            crate::ui::url_encode(b)
        ),
        None => "/v1/compliance/privacy-notice".to_owned(),
    };
    let links = NoticeLinks {
        base,
        portal: Some(match slug {
            Some(b) => format!("/privacy/portal?b={}&lang={lang}", crate::ui::url_encode(b)),
            None => format!("/privacy/portal?lang={lang}"),
        }),
    };
    let n = s
        .vault
        .privacy_notice(slug, &lang, s.compliance.mail_relay.as_deref(), &links)
        .await?;
    let mut r = if markdown {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            n.markdown,
        )
            .into_response()
    } else {
        html_response(n.html)
    };
    if let Ok(v) = HeaderValue::from_str(&n.version.to_string()) {
        r.headers_mut()
            .insert(header::HeaderName::from_static("custos-notice-version"), v);
    }
    r.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(match n.lang.as_str() {
            "de" => "de",
            "pl" => "pl",
            _ => "en",
        }),
    );
    Ok(r)
}

/// The language asked for by the browser, else the business's own.
async fn preferred_lang(
    headers: &HeaderMap,
    s: &AppState,
    slug: Option<&str>,
) -> ApiResult<String> {
    if let Some(l) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .map(|part| part.split(';').next().unwrap_or("").trim())
                .map(|tag| tag.split('-').next().unwrap_or("").to_ascii_lowercase())
                .find(|tag| custos_core::compliance::LANGS.contains(&tag.as_str()))
        })
    {
        return Ok(l);
    }
    let t = s.vault.resolve_tenant(slug).await?;
    Ok(custos_core::consents::business_lang(&t.catalog.default_country).to_owned())
}

/// The self-check as it stands now: every finding with its severity and fix (owner, manager,
/// auditor).
#[utoipa::path(get, path = "/v1/compliance/checks", tag = "compliance",
    responses((status = 200, body = Checks), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn checks(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<Json<Checks>> {
    Ok(Json(s.vault.checks(&p, &s.posture(), &meta).await?))
}

/// The saved self-audit reports, newest first (owner, manager, auditor).
#[utoipa::path(get, path = "/v1/compliance/self-audits", tag = "compliance",
    responses((status = 200, body = Vec<SelfAudit>), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn self_audits(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<SelfAudit>>> {
    Ok(Json(s.vault.self_audits(&p, 100).await?))
}

/// Run the self-check now and save it as a report (owner).
#[utoipa::path(post, path = "/v1/compliance/self-audits", tag = "compliance",
    responses((status = 201, body = SelfAudit), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn run_self_audit(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
) -> ApiResult<(StatusCode, Json<SelfAudit>)> {
    let r = s
        .vault
        .save_self_audit(&p, &s.posture(), "on_demand", &meta)
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Replace the declared recipients of personal data (owner). A recipient outside the EU/EEA
/// needs its transfer safeguard.
#[utoipa::path(put, path = "/v1/catalog/recipients", tag = "catalog", request_body = Recipients,
    responses((status = 200, body = Recipients), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem),
        (status = 403, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn set_recipients(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<Recipients>,
) -> ApiResult<Json<Recipients>> {
    Ok(Json(Recipients {
        recipients: s.vault.set_recipients(&p, body.recipients, &meta).await?,
    }))
}

/// Replace the business's contact details as controller (owner): shown in the privacy notice
/// and the records of processing.
#[utoipa::path(put, path = "/v1/catalog/controller", tag = "catalog", request_body = Controller,
    responses((status = 200, body = Controller), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem),
        (status = 403, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn set_controller(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<Controller>,
) -> ApiResult<Json<Controller>> {
    Ok(Json(s.vault.set_controller(&p, body, &meta).await?))
}
