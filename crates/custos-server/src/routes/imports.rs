//! `/v1/imports`: a customer list uploaded from the web UI or a script — a Shopify, Fresha or
//! Square export, or any CSV with a mapping — imported (or, with `dry_run`, reported on) row by
//! row; the same engine as `custos import`. `/v1/exports/customers`: the whole list back out in
//! those layouts (the owner's, audited); the same as `custos export`.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Auth, Meta};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::{Json, Router};
use custos_api::{ErrorCode, FileImportReport};
use custos_core::importing::{ImportOptions, Mapping, Source};
use serde::Deserialize;
use utoipa::IntoParams;

/// The largest file accepted here; larger lists go through `custos import` on the server.
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/imports", axum::routing::post(import))
        .route_layer(DefaultBodyLimit::max(MAX_UPLOAD))
        .route("/v1/exports/customers", axum::routing::get(export_list))
}

/// Which layout.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `shopify`, `fresha`, `square` (their import layouts) or `csv` (one column per catalog
    /// field and per consent).
    #[param(pattern = "^(shopify|fresha|square|csv)$")]
    pub format: String,
}

/// The whole customer list as CSV (owner only): for a move to Shopify, Fresha or Square, or the
/// business's own copy. Every customer is named in the audit event, and the export raises an
/// alert for review like every export.
#[utoipa::path(get, path = "/v1/exports/customers", tag = "customers", params(ExportParams),
    responses((status = 200, description = "The list", content_type = "text/csv"), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn export_list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<ExportParams>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    s.vault
        .check_may(&p, custos_core::policy::Action::CustomerExportAll, &meta)
        .await?;
    let format = source_of("format", &q.format)?;
    let list = s.vault.export_customer_list(&p, format, &meta).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        list.file_name.replace('"', "")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        list.csv,
    )
        .into_response())
}

/// How to import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `shopify`, `fresha`, `square` or `csv` (which needs a mapping).
    #[param(pattern = "^(shopify|fresha|square|csv)$")]
    pub source: String,
    /// Report what would happen; write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Change customers already here to the file's values (otherwise left as they are).
    #[serde(default)]
    pub update: bool,
    /// The file's name, kept as the consent events' evidence (a `text/csv` body has none).
    #[serde(default)]
    pub file_name: Option<String>,
}

/// Import a customer list (owner, manager). The body is the file itself (`text/csv`), or a
/// `multipart/form-data` form with the part `file` and, for `csv`, the part `mapping` (a CSV of
/// `column,target` lines: a catalog field, `external_id`, `consent:PURPOSE[:CHANNEL]`, or
/// `drop`). Bad rows are refused with their line, the good ones imported; a re-run adds nothing
/// twice; customers erased here are never brought back.
#[utoipa::path(post, path = "/v1/imports", tag = "customers", params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The exported file, or a multipart form with `file` and `mapping`"),
    responses((status = 200, body = FileImportReport), (status = 400, body = custos_api::Problem), (status = 401, body = custos_api::Problem), (status = 403, body = custos_api::Problem),
        (status = 409, body = custos_api::Problem), (status = 413, body = custos_api::Problem), (status = 415, body = custos_api::Problem), (status = 422, body = custos_api::Problem)),
    security(("bearer" = [])))]
pub async fn import(
    State(s): State<AppState>,
    Auth(p): Auth,
    Meta(meta): Meta,
    ApiQuery(q): ApiQuery<ImportParams>,
    req: Request,
) -> ApiResult<Json<FileImportReport>> {
    // The role first: a refused caller's upload is not read.
    s.vault
        .check_may(&p, custos_core::policy::Action::CustomerImport, &meta)
        .await?;
    let source = source_of("source", &q.source)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (file, mapping, part_name) = if content_type.starts_with("multipart/form-data") {
        read_form(Multipart::from_request(req, &s).await.map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidJson,
                format!("The form cannot be read: {}", e.body_text()),
            )
        })?)
        .await?
    } else if content_type.starts_with("text/csv") || content_type.starts_with("text/plain") {
        let body = Bytes::from_request(req, &s).await.map_err(body_rejected)?;
        (body, None, None)
    } else {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the file as text/csv, or as the part 'file' of a multipart/form-data form.",
        ));
    };
    if file.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "The file is empty.",
        ));
    }
    let mapping = match mapping {
        Some(text) => {
            Some(Mapping::parse(&text).map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e))?)
        }
        None if source == Source::Csv => {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                "A csv import needs a mapping of its columns (the form part 'mapping').",
            ))
        }
        None => None,
    };
    let file_name = clean_file_name(
        &q.file_name
            .or(part_name)
            .unwrap_or_else(|| "upload.csv".into()),
    );
    let opts = ImportOptions {
        source,
        mapping,
        file_name,
        dry_run: q.dry_run,
        update: q.update,
    };
    Ok(Json(
        s.vault
            .import_file(&p, &file, &opts, &|_, _| {}, &meta)
            .await?,
    ))
}

/// The kind of list named by a query parameter.
fn source_of(param: &str, value: &str) -> ApiResult<Source> {
    Source::parse(value).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidQuery,
            format!("{param} must be one of shopify, fresha, square, csv."),
        )
    })
}

/// An uploaded file's name as kept in the report and the consents' evidence: no control
/// characters, at most 200 of them.
pub(crate) fn clean_file_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// An upload over the limit.
pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "The file is larger than {} MiB; import it with `custos import` on the server.",
            MAX_UPLOAD / 1024 / 1024
        ),
    )
}

fn body_rejected(e: axum::extract::rejection::BytesRejection) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::new(ErrorCode::InvalidJson, "The body cannot be read.")
    }
}

/// The parts `file` (with its file name) and `mapping` of a form.
async fn read_form(mut form: Multipart) -> ApiResult<(Bytes, Option<String>, Option<String>)> {
    let mut file = None;
    let mut mapping = None;
    let mut name = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    ApiError::new(
                        ErrorCode::InvalidJson,
                        format!("The form cannot be read: {}", e.body_text()),
                    )
                })
            }
        };
        match field.name() {
            Some("file") => {
                name = field.file_name().map(str::to_owned);
                file = Some(field.bytes().await.map_err(|e| {
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        ApiError::new(
                            ErrorCode::InvalidJson,
                            format!("The part 'file': {}", e.body_text()),
                        )
                    }
                })?);
            }
            Some("mapping") => {
                mapping = Some(field.text().await.map_err(|e| {
                    ApiError::new(
                        ErrorCode::InvalidJson,
                        format!("The part 'mapping': {}", e.body_text()),
                    )
                })?);
            }
            _ => {}
        }
    }
    let file = file
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, "The form has no part 'file'."))?;
    Ok((file, mapping, name))
}
