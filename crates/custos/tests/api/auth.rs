//! Login tokens, whoami, logout, the catalog and the documentation endpoints.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[tokio::test]
async fn login_whoami_logout() {
    let app = spawn_app().await;
    let who: Value = app
        .get(&app.owner, "/v1/auth/whoami")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(who["kind"], "user");
    assert_eq!(who["name"], "owner");
    assert_eq!(who["role"], "owner");
    assert_eq!(who["tenant"], "test-shop");
    assert!(app.owner.starts_with("cst_"));
    let r = app
        .req(Method::POST, "/v1/auth/logout", &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get(&app.owner, "/v1/auth/whoami").await,
        401,
        "unauthorized",
    )
    .await;
    let actions: Vec<Value> = app
        .audit_bodies()
        .into_iter()
        .map(|e| e["action"].clone())
        .collect();
    assert!(actions.contains(&"auth.login".into()) && actions.contains(&"auth.logout".into()));
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_passwords_with_argon2id() {
    let app = spawn_app().await;
    let raw = app.raw();
    let phc: String = raw
        .with(custos_store::Scope::System, false, |db| {
            db.query_row(
                "SELECT password_hash FROM users WHERE username = 'owner'",
                (),
                |r| r.get(0),
            )
        })
        .unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    let hashes: Vec<Vec<u8>> = raw
        .with(custos_store::Scope::System, false, |db| {
            db.query_map("SELECT hash FROM tokens", (), |r| r.get(0))?
                .collect()
        })
        .unwrap();
    assert!(!hashes.is_empty());
    for h in hashes {
        assert_eq!(h.len(), 32);
        assert!(!h
            .windows(8)
            .any(|w| app.owner.as_bytes().windows(8).any(|t| t == w)));
    }
    let stored = app.stored_bytes();
    assert!(!stored
        .windows(app.owner.len())
        .any(|w| w == app.owner.as_bytes()));
}

#[tokio::test]
async fn catalog_health_and_docs() {
    let app = spawn_with("optician").await;
    let cat: Value = app
        .get(&app.owner, "/v1/catalog")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cat["template"], "optician");
    assert_eq!(cat["default_country"], "PL");
    let exam = cat["record_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "eye_exam")
        .unwrap();
    assert_eq!(exam["category"], "health");
    assert_eq!(exam["special"], true);
    assert!(cat["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "newsletter" && p["lawful_basis"] == "consent"));

    let h: Value = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["status"], "ok");
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let doc: Value = app
        .client
        .get(format!("{}/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/v1/customers",
        "/v1/customers/{id}",
        "/v1/customers/search",
        "/v1/customers/{id}/records",
        "/v1/customers/{id}/reveal",
        "/v1/auth/token",
        "/v1/auth/session",
        "/v1/auth/sessions",
        "/v1/auth/logout",
        "/v1/auth/logout-everywhere",
        "/v1/auth/whoami",
        "/v1/auth/password",
        "/v1/auth/mfa/enrol",
        "/v1/auth/mfa/confirm",
        "/v1/auth/mfa/disable",
        "/v1/catalog",
        "/v1/users",
        "/v1/users/{id}",
        "/v1/users/{id}/reset-password",
        "/v1/users/{id}/compromised",
        "/v1/tokens",
        "/v1/tokens/{id}",
        "/v1/devices",
        "/v1/devices/pair",
        "/v1/devices/{id}",
        "/v1/roles",
        "/v1/roles/{name}",
        "/v1/tenant",
        "/v1/alerts",
        "/v1/alerts/{id}/ack",
        "/v1/alerts/{id}/deliveries",
        "/v1/break-glass",
        "/v1/break-glass/{id}",
        "/v1/customers/{id}/export",
        "/v1/customers/import",
        "/v1/imports",
        "/v1/exports/customers",
        "/v1/webhooks",
        "/v1/webhooks/{id}",
        "/v1/webhooks/{id}/deliveries",
        "/v1/schemas/customer-export.json",
        "/v1/customers/{id}/consents",
        "/v1/customers/{id}/objection",
        "/v1/customers/{id}/restriction",
        "/v1/customers/{id}/legal-hold",
        "/v1/marketing/audience",
        "/v1/marketing/consents",
        "/v1/data-requests",
        "/v1/data-requests/{id}",
        "/v1/retention/rules",
        "/v1/backups",
        "/v1/compliance/ropa",
        "/v1/compliance/data-map.svg",
        "/v1/compliance/privacy-notice",
        "/v1/compliance/checks",
        "/v1/compliance/self-audits",
        "/v1/catalog/recipients",
        "/v1/catalog/controller",
        "/v1/retention/run",
        "/v1/retention/runs",
        "/v1/retention/aggregates",
        "/v1/incidents",
        "/v1/incidents/{id}",
        "/v1/incidents/{id}/updates",
        "/v1/incidents/{id}/affected",
        "/v1/incidents/{id}/draft",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["securitySchemes"]["session"].is_object());
    // Every answer the shared layers can give is documented, problems as problem+json.
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            for (status, answer) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = answer["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                }
            }
            // A parameter "in path" that the path does not name is one no client can send.
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().unwrap();
                assert_eq!(
                    param["in"] == "path",
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path}: parameter {name} is {}",
                    param["in"]
                );
            }
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured {
                for status in ["401", "403"] {
                    assert!(responses.contains_key(status), "{method} {path} {status}");
                }
            }
            if op["requestBody"].is_object() {
                for status in ["400", "413", "415"] {
                    assert!(responses.contains_key(status), "{method} {path} {status}");
                }
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path} 404");
            }
            assert!(
                responses["503"]["headers"]["Retry-After"].is_object(),
                "{method} {path} 503 with Retry-After"
            );
        }
    }
    assert!(operations > 90, "{operations} operations");
    let ids: std::collections::BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), operations, "operation ids are unique");
    assert!(ids.contains("get_v1_customers_id"));
    // And the server answers as documented: a problem is application/problem+json.
    let r = app
        .client
        .get(format!("{}/v1/customers", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let r = app
        .client
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger"), "Swagger UI is served");
    for cdn in ["unpkg", "jsdelivr", "cdnjs", "https://"] {
        assert!(!html.contains(cdn), "the docs page loads {cdn}");
    }
    let js = app
        .client
        .get(format!("{}/docs/swagger-ui-bundle.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        js.status(),
        StatusCode::OK,
        "the bundle comes from the binary"
    );
}
