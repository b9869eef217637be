//! The role × endpoint matrix: every built-in role against every endpoint. Allowed calls
//! succeed; the others answer 403 (never 404 within the business), and no refusal carries a
//! customer's value.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ROLES: [&str; 7] = [
    "owner",
    "manager",
    "staff",
    "clinician",
    "marketing",
    "auditor",
    "device",
];

async fn device_token(app: &TestApp) -> String {
    let reg: Value = app
        .req(Method::POST, "/v1/devices", &app.owner)
        .json(&json!({"name": "POS"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r: Value = app
        .client
        .post(format!("{}/v1/devices/pair", app.base))
        .json(&json!({"code": reg["pairing_code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_role_against_every_endpoint() {
    let app = spawn_with("optician").await;
    let mut tokens = Vec::new();
    for role in ROLES {
        let t = match role {
            "owner" => app.owner.clone(),
            "device" => device_token(&app).await,
            r => app.user(&format!("{r}-user"), r).await,
        };
        tokens.push((role, t));
    }
    let canary = "MatrixCanaryQz";
    for (role, token) in &tokens {
        // A fresh customer per role, so erasure by one role does not hide the next one's answer.
        let c = app.customer(json!({"first_name": canary, "email": "matrix@example.org", "insurance_number": "INS-1"})).await;
        let id = c["id"].as_str().unwrap().to_owned();
        let cases: Vec<(Method, String, Option<Value>, &[&str])> = vec![
            (
                Method::GET,
                "/v1/customers".into(),
                None,
                &["owner", "manager"],
            ),
            (
                Method::POST,
                "/v1/customers".into(),
                Some(json!({"fields": {"first_name": "New"}})),
                &["owner", "manager", "staff", "clinician", "device"],
            ),
            (
                Method::GET,
                "/v1/customers/search?q=matrix".into(),
                None,
                &["owner", "manager", "staff", "clinician", "device"],
            ),
            (
                Method::GET,
                format!("/v1/customers/{id}"),
                None,
                &["owner", "manager", "staff", "clinician", "device"],
            ),
            (
                Method::GET,
                format!("/v1/customers/{id}/records"),
                None,
                &["owner", "manager", "staff", "clinician", "device"],
            ),
            (
                Method::POST,
                format!("/v1/customers/{id}/records"),
                Some(json!({"type": "purchase", "fields": {"amount": 10}})),
                &["owner", "manager", "staff", "clinician", "device"],
            ),
            (
                Method::POST,
                format!("/v1/customers/{id}/records"),
                Some(json!({"type": "eye_exam", "fields": {"sphere_right": -1}})),
                &["owner", "clinician"],
            ),
            (
                Method::POST,
                format!("/v1/customers/{id}/reveal"),
                Some(json!({"fields": ["insurance_number"], "reason": "claim"})),
                &["staff", "clinician"],
            ),
            (
                Method::GET,
                "/v1/catalog".into(),
                None,
                &[
                    "owner",
                    "manager",
                    "staff",
                    "clinician",
                    "marketing",
                    "auditor",
                ],
            ),
            (Method::GET, "/v1/users".into(), None, &["owner", "manager"]),
            (
                Method::GET,
                "/v1/tokens".into(),
                None,
                &["owner", "manager"],
            ),
            (
                Method::GET,
                "/v1/devices".into(),
                None,
                &["owner", "manager"],
            ),
            (
                Method::PATCH,
                "/v1/tenant".into(),
                Some(json!({"require_mfa": true})),
                &["owner"],
            ),
            (Method::GET, "/v1/tenant".into(), None, &ROLES),
            (
                Method::GET,
                format!("/v1/customers/{id}/export"),
                None,
                &["owner", "manager"],
            ),
            (
                Method::GET,
                "/v1/marketing/audience?purpose=newsletter&channel=email".into(),
                None,
                &["owner", "manager", "marketing"],
            ),
            (
                Method::GET,
                format!("/v1/customers/{id}/consents"),
                None,
                &["owner", "manager", "staff", "clinician", "device"],
            ),
            (
                Method::GET,
                "/v1/data-requests".into(),
                None,
                &["owner", "manager"],
            ),
            (
                Method::GET,
                "/v1/retention/rules".into(),
                None,
                &[
                    "owner",
                    "manager",
                    "staff",
                    "clinician",
                    "marketing",
                    "auditor",
                ],
            ),
            (
                Method::POST,
                "/v1/retention/run?dry_run=true".into(),
                None,
                &["owner", "manager"],
            ),
            (
                Method::GET,
                "/v1/retention/runs".into(),
                None,
                &["owner", "manager"],
            ),
            (
                Method::GET,
                "/v1/backups".into(),
                None,
                &["owner", "manager", "auditor"],
            ),
            (
                Method::GET,
                "/v1/compliance/ropa".into(),
                None,
                &["owner", "manager", "auditor"],
            ),
            (
                Method::GET,
                "/v1/compliance/data-map.svg".into(),
                None,
                &["owner", "manager", "auditor"],
            ),
            (
                Method::GET,
                "/v1/compliance/checks".into(),
                None,
                &["owner", "manager", "auditor"],
            ),
            (
                Method::GET,
                "/v1/compliance/self-audits".into(),
                None,
                &["owner", "manager", "auditor"],
            ),
            (
                Method::POST,
                "/v1/compliance/self-audits".into(),
                None,
                &["owner"],
            ),
            (
                Method::PUT,
                "/v1/catalog/recipients".into(),
                Some(json!({"recipients": []})),
                &["owner"],
            ),
            (
                Method::PUT,
                "/v1/catalog/controller".into(),
                Some(json!({"email": "privacy@example.org"})),
                &["owner"],
            ),
            (
                Method::GET,
                "/v1/retention/aggregates".into(),
                None,
                &["owner", "manager"],
            ),
            (
                Method::GET,
                format!("/v1/customers/{id}/export?format=csv"),
                None,
                &["owner", "manager"],
            ),
            (
                Method::GET,
                "/v1/incidents".into(),
                None,
                &["owner", "manager", "auditor"],
            ),
            (
                Method::POST,
                "/v1/incidents".into(),
                Some(json!({"title": "matrix"})),
                &["owner", "manager"],
            ),
            (
                Method::GET,
                "/v1/alerts".into(),
                None,
                &["owner", "manager", "auditor"],
            ),
            (Method::GET, "/v1/auth/whoami".into(), None, &ROLES),
            (
                Method::POST,
                "/v1/imports?source=square&dry_run=true".into(),
                Some(json!("Reference ID,First Name,Last Name,Email Address,Phone Number,Square Customer ID\n,Ola,Lis,ola@example.org,,SQ1\n")),
                &["owner", "manager"],
            ),
            (
                Method::GET,
                "/v1/exports/customers?format=csv".into(),
                None,
                &["owner"],
            ),
            (
                Method::GET,
                "/v1/webhooks".into(),
                None,
                &["owner", "manager"],
            ),
            (
                Method::POST,
                "/v1/webhooks".into(),
                Some(json!({"url": "https://hooks.example.org/custos", "events": ["customer.erased"]})),
                &["owner", "manager"],
            ),
            (
                Method::PATCH,
                format!("/v1/customers/{id}"),
                Some(json!({"fields": {"last_name": "Nowak"}})),
                &["owner", "manager", "staff", "clinician", "device"],
            ),
            (
                Method::DELETE,
                format!("/v1/customers/{id}"),
                None,
                &["owner", "manager"],
            ),
        ];
        for (method, path, body, allowed) in cases {
            let mut r = app.req(method.clone(), &path, token);
            if method == Method::PATCH && path.starts_with("/v1/customers/") {
                let v: Value = app.get(&app.owner, &path).await.json().await.unwrap();
                r = r.header("if-match", format!("\"{}\"", v["version"]));
            }
            if let Some(b) = &body {
                r = match b.as_str() {
                    // A file upload.
                    Some(text) => r.header("content-type", "text/csv").body(text.to_owned()),
                    None => r.json(b),
                };
            }
            let resp = r.send().await.unwrap();
            let status = resp.status();
            let text = resp.text().await.unwrap();
            if allowed.contains(role) {
                assert!(
                    status.is_success(),
                    "{role} {method} {path}: {status} {text}"
                );
            } else {
                // Owners and managers see every category in full, so they have nothing to reveal.
                let expected = if path.ends_with("/reveal") && matches!(*role, "owner" | "manager")
                {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(status, expected, "{role} {method} {path}: {text}");
                assert!(
                    !text.contains(canary) && !text.contains("matrix@") && !text.contains("INS-1"),
                    "{role} {method} {path} leaks: {text}"
                );
            }
        }
        // Put the requirement back for the next role.
        app.req(Method::PATCH, "/v1/tenant", &app.owner)
            .json(&json!({"require_mfa": true}))
            .send()
            .await
            .unwrap();
    }
}
