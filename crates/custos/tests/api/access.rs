//! Roles and categories: who sees what, masked or not at all; tenants never see each other.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn a_role_that_may_not_read_a_category_never_receives_it() {
    let app = spawn_with("salon").await;
    let c = app.customer(json!({"first_name": "Maja", "email": "maja@example.org", "phone": "601 234 567", "allergies": "AllergyCanary PPD hair dye"})).await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}");
    assert_eq!(
        c["fields"]["allergies"], "AllergyCanary PPD hair dye",
        "the owner holds health access"
    );

    let staff = app.user("sam", "staff").await;
    let r = app.get(&staff, &path).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert!(
        !body.contains("AllergyCanary"),
        "staff never receives health data: {body}"
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v["fields"].get("allergies").is_none());
    assert_eq!(v["fields"]["email"], "maja@example.org");
    // Found by search, still without the health field.
    let hits = app.search(&staff, &[("q", "maja")]).await;
    assert!(!hits[0].to_string().contains("AllergyCanary"));
    // Staff may not write health either, nor list or erase.
    assert_problem(
        app.patch(&staff, id, Some("\"1\""), json!({"allergies": "none"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(app.get(&staff, "/v1/customers").await, 403, "forbidden").await;
    assert_problem(
        app.req(Method::DELETE, &path, &staff).send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;

    // The device sees contact data masked, and no address or note.
    let device = app.user("till-1", "device").await;
    let v: Value = app.get(&device, &path).await.json().await.unwrap();
    assert_eq!(v["fields"]["phone"], "•••• •••• 567");
    assert_eq!(v["fields"]["email"], "m•••@example.org");
    let mut masked: Vec<String> = serde_json::from_value(v["masked"].clone()).unwrap();
    masked.sort();
    assert_eq!(masked, ["email", "phone"]);
    assert!(!v.to_string().contains("AllergyCanary"));
    assert!(!v.to_string().contains("maja@"));

    // Marketing and auditors read no profile.
    for role in ["marketing", "auditor"] {
        let t = app.user(&format!("{role}-1"), role).await;
        let p = assert_problem(app.get(&t, &path).await, 403, "forbidden").await;
        assert!(!p.to_string().contains("Maja"));
        assert_problem(
            app.req(Method::GET, "/v1/customers/search", &t)
                .query(&[("q", "maja")])
                .send()
                .await
                .unwrap(),
            403,
            "forbidden",
        )
        .await;
    }
    // Denials are audited.
    assert!(app
        .audit_bodies()
        .iter()
        .any(|e| e["outcome"] == "denied" && e["actor_role"] == "marketing"));
}

#[tokio::test]
async fn clinicians_see_eye_exams_staff_do_not() {
    let app = spawn_with("optician").await;
    let c = app
        .customer(json!({"first_name": "Olga", "insurance_number": "INS-778899"}))
        .await;
    let id = c["id"].as_str().unwrap();
    let records = format!("/v1/customers/{id}/records");
    let clinician = app.user("dr-ola", "clinician").await;
    let staff = app.user("sam", "staff").await;
    let exam = json!({"type": "eye_exam", "fields": {"sphere_right": -1.25, "cylinder_right": -0.5, "axis_right": 90, "sphere_left": -1.0, "pupillary_distance": 63, "remarks": "ExamCanary stable"}});
    assert_problem(
        app.req(Method::POST, &records, &staff)
            .json(&exam)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let r = app
        .req(Method::POST, &records, &clinician)
        .json(&exam)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .req(Method::POST, &records, &staff)
        .json(&json!({"type": "purchase", "fields": {"amount": 300, "currency": "PLN"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    let seen: Value = app.get(&clinician, &records).await.json().await.unwrap();
    let types: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 2);
    assert!(types.contains(&"eye_exam"));
    let body = app.get(&staff, &records).await.text().await.unwrap();
    assert!(
        !body.contains("eye_exam") && !body.contains("ExamCanary"),
        "staff do not learn an exam exists: {body}"
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);

    // Payment references: masked for staff, full for the owner.
    let v: Value = app
        .get(&staff, &format!("/v1/customers/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["fields"]["insurance_number"], "I•••");
    assert!(v["masked"]
        .as_array()
        .unwrap()
        .contains(&json!("insurance_number")));

    // A manager may not hand out health access.
    let manager = app.user("meg", "manager").await;
    let r = app
        .req(Method::POST, "/v1/users", &manager)
        .json(&json!({"username": "eve", "password": USER_PW, "role": "clinician"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    let r = app
        .req(Method::POST, "/v1/users", &manager)
        .json(&json!({"username": "eve", "password": USER_PW, "role": "staff"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn another_tenants_customer_does_not_exist() {
    let app = spawn_app().await;
    let c = app
        .customer(json!({"first_name": "Tenant", "last_name": "One", "email": "one@example.org"}))
        .await;
    let id = c["id"].as_str().unwrap();
    custos::add_tenant(
        &app.settings,
        "other-shop",
        "Other Shop",
        "retail",
        "PL",
        "owner",
        OWNER_PW,
    )
    .await
    .unwrap();
    let other = app.login("owner", OWNER_PW, Some("other-shop")).await;
    let who: Value = app
        .get(&other, "/v1/auth/whoami")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(who["tenant"], "other-shop");

    let path = format!("/v1/customers/{id}");
    assert_problem(app.get(&other, &path).await, 404, "not_found").await;
    assert_problem(
        app.patch(&other, id, Some("\"1\""), json!({"first_name": "Hijack"}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.req(Method::DELETE, &path, &other).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.req(Method::POST, &format!("{path}/records"), &other)
            .json(&json!({"type": "visit", "fields": {}}))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    assert!(app
        .search(&other, &[("email", "one@example.org")])
        .await
        .is_empty());
    assert!(app.search(&other, &[("q", "tenant")]).await.is_empty());
    assert!(app.search(&other, &[("q", "C-000001")]).await.is_empty());
    let list: Value = app.get(&other, "/v1/customers").await.json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    // Customer numbers are per tenant.
    let mine = app
        .create(&other, json!({"first_name": "Second"}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(mine["number"], "C-000001");
    // And the first tenant's customer is untouched.
    let v: Value = app.get(&app.owner, &path).await.json().await.unwrap();
    assert_eq!(v["fields"]["first_name"], "Tenant");
    // With two tenants, login must name one.
    let r = app
        .client
        .post(format!("{}/v1/auth/token", app.base))
        .json(&json!({"username": "owner", "password": OWNER_PW}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_request").await;
}
