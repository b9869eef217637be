//! `/v1/customers`: create, list, search, read, update with `If-Match`, erase, and the
//! customer's timeline records.

use crate::error::{ApiError, ApiResult};
use crate::extract::{idempotency_key, if_match, limit_in, ApiJson, ApiQuery, Auth, Meta};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use custos_api::{
    Customer, CustomerPatch, ErrorCode, NewCustomer, NewRecord, Page, Record, RevealRequest,
    Revealed, SearchResults,
};
use custos_core::ids::{CustomerId, RecordId};
use custos_core::vault::{Created, Idempotency, SearchQuery, PAGE_MAX, SEARCH_MAX};
use serde::Deserialize;
use utoipa::IntoParams;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/customers", get(list).post(create))
        .route("/v1/customers/search", get(search))
        .route("/v1/customers/{id}", get(read).patch(update).delete(erase))
        .route(
            "/v1/customers/{id}/records",
            get(list_records).post(create_record),
        )
        .route("/v1/customers/{id}/reveal", axum::routing::post(reveal))
        .route("/v1/customers/{id}/export", get(export))
        .route("/v1/customers/import", axum::routing::post(import))
        .route("/v1/schemas/customer-export.json", get(export_schema))
}

/// A customer id from a path, or 404.
pub(crate) fn customer_id(s: &str) -> ApiResult<CustomerId> {
    CustomerId::parse(s).ok_or_else(|| ApiError::new(ErrorCode::NotFound, "Customer not found."))
}

fn fingerprint<T: serde::Serialize>(method: &Method, uri: &Uri, body: &T) -> [u8; 32] {
    let mut bytes = format!("{method} {}\n", uri.path()).into_bytes();
    bytes.extend(serde_json::to_vec(body).unwrap_or_default());
    custos_crypto::sha256(&bytes)
}

fn with_etag(status: StatusCode, c: Customer, location: bool) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", c.version)).ok();
    let loc = location
        .then(|| HeaderValue::from_str(&format!("/v1/customers/{}", c.id)).ok())
        .flatten();
    let mut resp = (status, Json(c)).into_response();
    if let Some(e) = etag {
        resp.headers_mut().insert(header::ETAG, e);
    }
    if let Some(l) = loc {
        resp.headers_mut().insert(header::LOCATION, l);
    }
    resp
}

/// Page parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    #[param(format = Uuid)]
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Create a customer.
#[utoipa::path(post, path = "/v1/customers", tag = "customers", request_body = NewCustomer,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "1 to 255 visible ASCII characters; a replay with the same key answers the first result and creates nothing")),
    responses((status = 201, body = Customer, description = "Created"), (status = 200, body = Customer, description = "Replay of an earlier request with the same Idempotency-Key"),
        (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 413, body = custos_api::Problem),
        (status = 415, body = custos_api::Problem), (status = 422, body = custos_api::Problem, description = "unknown_field, invalid_field, card_number_refused, idempotency_key_reused")),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewCustomer>,
) -> ApiResult<Response> {
    let idem = idempotency_key(&headers)?.map(|key| Idempotency {
        key,
        fingerprint: fingerprint(&method, &uri, &body),
    });
    Ok(
        match s
            .vault
            .create_customer(&p, &body.fields, idem, &meta)
            .await?
        {
            Created::New(c) => with_etag(StatusCode::CREATED, c, true),
            Created::Replayed(c) => with_etag(StatusCode::OK, c, true),
        },
    )
}

/// List customers, page by page (roles allowed to list).
#[utoipa::path(get, path = "/v1/customers", tag = "customers", params(PageQuery),
    responses((status = 200, body = Page<Customer>), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Customer>>> {
    let cursor = q
        .cursor
        .as_deref()
        .map(|c| {
            CustomerId::parse(c)
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "The cursor is not valid."))
        })
        .transpose()?;
    let (items, next) = s
        .vault
        .list_customers(&p, cursor, limit_in(q.limit, PAGE_MAX)?, &meta)
        .await?;
    Ok(Json(Page {
        items,
        next_cursor: next.map(|n| n.to_string()),
    }))
}

/// Search parameters: exactly one of `q`, `email`, `phone`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// An e-mail, a phone number, a customer number (`C-000042`) or the start of a name.
    pub q: Option<String>,
    /// Exact e-mail address.
    pub email: Option<String>,
    /// Phone number in any common format.
    pub phone: Option<String>,
    /// At most this many results (1 to 50, default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
}

/// Search customers by e-mail, phone, customer number or name prefix.
#[utoipa::path(get, path = "/v1/customers/search", tag = "customers", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn search(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    let query = match (q.q, q.email, q.phone) {
        (Some(v), None, None) => SearchQuery::Any(v),
        (None, Some(v), None) => SearchQuery::Email(v),
        (None, None, Some(v)) => SearchQuery::Phone(v),
        _ => {
            // Each parameter is well formed; the combination is what cannot be carried out.
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                "Give exactly one of q, email or phone.",
            ));
        }
    };
    let items = s
        .vault
        .search(&p, query, limit_in(q.limit, SEARCH_MAX)?, &meta)
        .await?;
    Ok(Json(SearchResults { items }))
}

/// Read a customer; fields filtered and masked for the caller's role.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers", params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = Customer, headers(("ETag" = String, description = "The version, for If-Match"))), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn read(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let c = s.vault.get_customer(&p, customer_id(&id)?, &meta).await?;
    Ok(with_etag(StatusCode::OK, c, false))
}

/// Update a customer: a value sets a field, null removes it. Needs `If-Match`.
#[utoipa::path(patch, path = "/v1/customers/{id}", tag = "customers", request_body = CustomerPatch,
    params(("id" = String, Path, description = "Customer id"), ("If-Match" = String, Header, description = "The version being updated, as in the ETag")),
    responses((status = 200, body = Customer), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem),
        (status = 412, body = custos_api::Problem, description = "version_mismatch"), (status = 422, body = custos_api::Problem), (status = 428, body = custos_api::Problem, description = "precondition_required")),
    security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CustomerPatch>,
) -> ApiResult<Response> {
    let id = customer_id(&id)?;
    let version = if_match(&headers)?;
    let c = s
        .vault
        .update_customer(&p, id, version, &body.fields, &meta)
        .await?;
    Ok(with_etag(StatusCode::OK, c, false))
}

/// Erase a customer (crypto-shredding). 204, then 404 for everyone.
#[utoipa::path(delete, path = "/v1/customers/{id}", tag = "customers", params(("id" = String, Path, description = "Customer id")),
    responses((status = 204, description = "Erased"), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn erase(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.vault.erase_customer(&p, customer_id(&id)?, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A customer's timeline, newest first, only of the categories the role may see.
#[utoipa::path(get, path = "/v1/customers/{id}/records", tag = "records", params(("id" = String, Path, description = "Customer id"), PageQuery),
    responses((status = 200, body = Page<Record>), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem), (status = 404, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn list_records(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Record>>> {
    let cursor = q
        .cursor
        .as_deref()
        .map(|c| {
            RecordId::parse(c)
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "The cursor is not valid."))
        })
        .transpose()?;
    let (items, next) = s
        .vault
        .list_records(
            &p,
            customer_id(&id)?,
            cursor,
            limit_in(q.limit, PAGE_MAX)?,
            &meta,
        )
        .await?;
    Ok(Json(Page {
        items,
        next_cursor: next.map(|n| n.to_string()),
    }))
}

/// Add a timeline record of a declared type.
#[utoipa::path(post, path = "/v1/customers/{id}/records", tag = "records", request_body = NewRecord,
    params(("id" = String, Path, description = "Customer id"), ("Idempotency-Key" = Option<String>, Header, description = "A replay with the same key creates nothing")),
    responses((status = 201, body = Record), (status = 200, body = Record, description = "Replay"), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem, description = "unknown_record_type, unknown_field, invalid_field, card_number_refused")),
    security(("bearer" = [])))]
// Axum handlers take one argument per extractor.
#[allow(clippy::too_many_arguments)]
pub async fn create_record(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewRecord>,
) -> ApiResult<Response> {
    let id = customer_id(&id)?;
    let idem = idempotency_key(&headers)?.map(|key| Idempotency {
        key,
        fingerprint: fingerprint(&method, &uri, &body),
    });
    Ok(
        match s.vault.add_record(&p, id, &body, idem, &meta).await? {
            Created::New(r) => (StatusCode::CREATED, Json(r)).into_response(),
            Created::Replayed(r) => (StatusCode::OK, Json(r)).into_response(),
        },
    )
}

/// Reveal fields the caller's role sees masked, stating why; the reveal is audited with the reason.
#[utoipa::path(post, path = "/v1/customers/{id}/reveal", tag = "customers", request_body = RevealRequest, params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, body = Revealed), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn reveal(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevealRequest>,
) -> ApiResult<Json<Revealed>> {
    let id = customer_id(&id)?;
    let fields = s
        .vault
        .reveal(&p, id, &body.fields, &body.reason, &meta)
        .await?;
    Ok(Json(Revealed {
        id: id.as_uuid(),
        fields,
    }))
}

/// Export format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (the default, following the JSON Schema at `/v1/schemas/customer-export.json`),
    /// `csv` (one value per row) or `html` (a page to read or print).
    pub format: Option<String>,
    /// The language of the HTML page: `en`, `de` or `pl` (default: the business's).
    pub lang: Option<String>,
}

/// Everything held about a customer, unmasked, for an access or portability request (owner,
/// manager); audited, and raises an `export` alert.
#[utoipa::path(get, path = "/v1/customers/{id}/export", tag = "customers", params(("id" = String, Path, description = "Customer id"), ExportQuery),
    responses((status = 200, description = "The export", content((custos_api::CustomerExport = "application/json"), (String = "text/csv"), (String = "text/html"))),
        (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 404, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn export(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let id = customer_id(&id)?;
    let format = ExportFormat::parse(q.format.as_deref(), q.lang.as_deref())?;
    let export = s
        .vault
        .export_customer_in(&p, id, q.lang.as_deref(), &meta)
        .await?;
    let lang = export.lang.clone();
    Ok(export_response(&export, format, &lang))
}

/// The three forms of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// JSON (`custos-export/1`).
    Json,
    /// CSV, one value per row.
    Csv,
    /// An HTML page.
    Html,
}

impl ExportFormat {
    /// Parses `format` (and checks `lang`).
    pub fn parse(format: Option<&str>, lang: Option<&str>) -> ApiResult<Self> {
        if lang.is_some_and(|l| !matches!(l, "en" | "de" | "pl")) {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                "lang must be en, de or pl.",
            ));
        }
        match format {
            None | Some("json") => Ok(ExportFormat::Json),
            Some("csv") => Ok(ExportFormat::Csv),
            Some("html") => Ok(ExportFormat::Html),
            Some(_) => Err(ApiError::new(
                ErrorCode::InvalidRequest,
                "format must be json, csv or html.",
            )),
        }
    }
}

/// An export as a download in the asked form.
pub fn export_response(
    export: &custos_api::CustomerExport,
    format: ExportFormat,
    lang: &str,
) -> Response {
    let (body, content_type, ext) = match format {
        ExportFormat::Json => (
            serde_json::to_string_pretty(export).unwrap_or_default(),
            "application/json",
            "json",
        ),
        ExportFormat::Csv => (
            crate::render::export_csv(export),
            "text/csv; charset=utf-8",
            "csv",
        ),
        ExportFormat::Html => (
            crate::render::export_html(export, lang),
            "text/html; charset=utf-8",
            "html",
        ),
    };
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"customer-{}.{ext}\"",
        export.customer.number
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Import a customer's export (`custos-export/1`) from another business as a new customer
/// (owner, manager): fields and records this business declares, and the consent history for its
/// purposes; everything else is left out and listed.
#[utoipa::path(post, path = "/v1/customers/import", tag = "customers", request_body = custos_api::CustomerExport,
    responses((status = 201, body = custos_api::ImportReport), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 409, body = custos_api::Problem), (status = 413, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn import(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<custos_api::CustomerExport>,
) -> ApiResult<(StatusCode, Json<custos_api::ImportReport>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.vault.import_customer(&p, &body, &meta).await?),
    ))
}

/// The JSON Schema of a customer export (`custos-export/1`).
#[utoipa::path(get, path = "/v1/schemas/customer-export.json", tag = "customers",
    responses((status = 200, description = "JSON Schema (draft 2020-12)", content_type = "application/schema+json")))]
pub async fn export_schema() -> Response {
    let mut r = custos_api::EXPORT_SCHEMA.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/schema+json"),
    );
    r
}
