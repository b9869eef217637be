//! The OpenAPI document (`/v1/openapi.json`) and its browsable view (`/docs`), Swagger UI served
//! from the binary: nothing loads from a CDN.

use crate::AppState;
use axum::Router;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Header, ObjectBuilder, Ref, RefOr, Response, Type};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

/// The OpenAPI document of the custos API.
#[derive(OpenApi)]
#[openapi(
    info(title = "custos", description = "A privacy-first customer-data server for small businesses."),
    paths(
        super::health::healthz, super::health::readyz,
        super::auth::token, super::auth::logout, super::auth::whoami,
        super::catalog::catalog,
        super::customers::create, super::customers::list, super::customers::search, super::customers::read,
        super::customers::update, super::customers::erase, super::customers::list_records, super::customers::create_record,
        super::users::create, super::users::list, super::users::read, super::users::update, super::users::reset_password, super::users::compromised,
        super::tokens::create, super::tokens::list, super::tokens::revoke, super::auth::change_password, super::customers::reveal, super::customers::export, super::customers::import, super::imports::import, super::imports::export_list, super::webhooks::create, super::webhooks::list, super::webhooks::remove, super::webhooks::deliveries, super::customers::export_schema, super::consents::list, super::consents::record, super::consents::object, super::consents::restriction, super::consents::restrict, super::consents::lift, super::consents::audience, super::consents::report, super::consents::legal_hold, super::consents::place_hold, super::consents::lift_hold, super::requests::list, super::requests::open, super::requests::update, super::auth::mfa_enrol, super::auth::mfa_confirm, super::auth::mfa_disable, super::tenant::read, super::tenant::update, super::auth::session, super::auth::sessions, super::auth::logout_everywhere,
        super::devices::register, super::devices::list, super::devices::pair, super::devices::revoke, super::roles::list, super::roles::create, super::roles::remove, super::alerts::list_alerts, super::alerts::acknowledge, super::alerts::deliveries, super::alerts::list_grants, super::alerts::grant, super::alerts::end, super::audit::verify, super::audit::list, super::audit::access_history,
        super::incidents::list, super::incidents::open, super::incidents::read, super::incidents::update, super::incidents::add_update, super::incidents::affected, super::incidents::draft,
        super::backups::status,
        super::retention::rules, super::retention::set_rules, super::retention::run, super::retention::runs, super::retention::aggregates,
        super::compliance::ropa, super::compliance::data_map, super::compliance::privacy_notice, super::compliance::checks, super::compliance::self_audits, super::compliance::run_self_audit, super::compliance::set_recipients, super::compliance::set_controller,
    ),
    components(schemas(custos_api::Problem)),
    modifiers(&BearerAuth, &CommonResponses, &OperationIds, &ClosedVariants),
    tags((name = "customers"), (name = "records"), (name = "auth"), (name = "catalog"), (name = "users"), (name = "tokens"), (name = "tenant"), (name = "devices"), (name = "roles"), (name = "alerts"), (name = "break-glass"), (name = "audit"), (name = "incidents"), (name = "consents"), (name = "data-requests"), (name = "retention"), (name = "backups"), (name = "webhooks"), (name = "compliance"), (name = "health"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "__Host-custos_session",
                    "The web session; state-changing requests also need X-CSRF-Token.",
                ),
            )),
        );
    }
}

/// Completes each operation with the answers the server's shared layers give, whatever the
/// handler: a problem body is `application/problem+json`; a secured operation may answer 401 and
/// 403; one with a body 400 (not JSON, wrong shape), 413 and 415; one with query or header
/// parameters 400; one with path parameters 404 (no such resource, or an id that names none);
/// one that checks a secret 429 with `Retry-After`; and every operation 503 with `Retry-After`
/// while the database is unreachable or the server is shutting down. An answer the handler
/// documents itself keeps its description.
struct CommonResponses;

const PROBLEM_REF: &str = "#/components/schemas/Problem";
const PROBLEM_TYPE: &str = "application/problem+json";

/// The operations that check a secret and slow down repeated failures (the account's and the
/// address's throttle): they may answer 429 with `Retry-After`.
const THROTTLED: [&str; 6] = [
    "/v1/auth/token",
    "/v1/auth/session",
    "/v1/auth/password",
    "/v1/auth/mfa/confirm",
    "/v1/auth/mfa/disable",
    "/v1/devices/pair",
];

/// An item's operations with their methods.
fn operations(item: &mut PathItem) -> [(&'static str, &mut Option<Operation>); 5] {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("patch", &mut item.patch),
    ]
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let throttled = THROTTLED.contains(&path.as_str());
            for (_, op) in operations(item) {
                if let Some(op) = op {
                    complete(op, throttled);
                }
            }
        }
    }
}

/// Unique operation ids (`get_v1_customers_id`): handlers in different modules share names,
/// and an OpenAPI operation id must be unique. (Links from a 201 to the operations on what it
/// created would help clients and schemathesis's stateful phase; utoipa 5.5 serialises a
/// link's `operationId` as `operation_id`, so they wait.)
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, op) in operations(item) {
                if let Some(op) = op {
                    let id = format!(
                        "{method}_{}",
                        path.trim_start_matches('/')
                            .replace(['/', '-', '.'], "_")
                            .replace(['{', '}'], "")
                    );
                    op.operation_id = Some(id);
                }
            }
        }
    }
}

fn complete(op: &mut Operation, throttled: bool) {
    for answer in op.responses.responses.values_mut() {
        if let RefOr::T(r) = answer {
            r.content = std::mem::take(&mut r.content)
                .into_iter()
                .map(|(media, content)| match &content.schema {
                    Some(RefOr::Ref(s)) if s.ref_location == PROBLEM_REF => {
                        (PROBLEM_TYPE.to_owned(), content)
                    }
                    _ => (media, content),
                })
                .collect();
        }
    }
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let params = op.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
    let mut common: Vec<(u16, &str)> = Vec::new();
    if op.request_body.is_some() {
        common.push((
            400,
            "invalid_json: the body is not JSON or not of this shape",
        ));
        common.push((413, "payload_too_large"));
        common.push((
            415,
            "unsupported_media_type: the body is not application/json",
        ));
    }
    if has(ParameterIn::Query) {
        common.push((400, "invalid_query"));
    }
    if has(ParameterIn::Header) {
        common.push((400, "invalid_header"));
    }
    if secured {
        common.push((401, "unauthorized: no credentials, or no longer valid ones"));
        common.push((403, "forbidden: the caller's role may not do this"));
    }
    if has(ParameterIn::Path) {
        common.push((404, "not_found"));
    }
    if throttled {
        common.push((429, "rate_limited: too many failed attempts"));
    }
    common.push((
        503,
        "unavailable: the database cannot be reached or the server is stopping",
    ));
    for (status, description) in common {
        let answer = op
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                let mut answer = Response::new(description);
                answer.content.insert(
                    PROBLEM_TYPE.to_owned(),
                    Content::new(Some(RefOr::Ref(Ref::new(PROBLEM_REF)))),
                );
                RefOr::T(answer)
            });
        if let (429 | 503, RefOr::T(answer)) = (status, answer) {
            let mut after = Header::new(ObjectBuilder::new().schema_type(Type::Integer));
            after.description = Some("Seconds to wait before trying again".to_owned());
            answer.headers.insert("Retry-After".to_owned(), after);
        }
    }
}

/// A serde enum variant with data is an object of exactly one key (`{"record_type": "purchase"}`);
/// utoipa documents it without saying that other keys are refused, so a client (or schemathesis)
/// would take `{"record_type": "purchase", "x": 1}` for valid. This closes such variants.
struct ClosedVariants;

impl Modify for ClosedVariants {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{AdditionalProperties, Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for schema in components.schemas.values_mut() {
            let RefOr::T(Schema::OneOf(one_of)) = schema else {
                continue;
            };
            for variant in &mut one_of.items {
                if let RefOr::T(Schema::Object(o)) = variant {
                    if o.properties.len() == 1
                        && o.required.len() == 1
                        && o.properties.contains_key(&o.required[0])
                        && o.additional_properties.is_none()
                    {
                        o.additional_properties =
                            Some(Box::new(AdditionalProperties::FreeForm(false)));
                    }
                }
            }
        }
    }
}

/// The routes: `/v1/openapi.json` and `/docs`.
pub fn router() -> Router<AppState> {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    Router::new().merge(SwaggerUi::new("/docs").url("/v1/openapi.json", doc))
}
