//! The OpenAPI document (`/v1/openapi.json`) and its browsable view (`/docs`), Swagger UI served
//! from the binary: nothing loads from a CDN.

use crate::AppState;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
    modifiers(&BearerAuth),
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

/// The routes: `/v1/openapi.json` and `/docs`.
pub fn router() -> Router<AppState> {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    Router::new().merge(SwaggerUi::new("/docs").url("/v1/openapi.json", doc))
}
