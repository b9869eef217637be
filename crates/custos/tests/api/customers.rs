//! Create, read, update with If-Match, erase, idempotency, pagination, records.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn create_read_patch_erase() {
    let app = spawn_app().await;
    let r = app.create(&app.owner, json!({"first_name": "Zofia", "last_name": "Wójcik", "email": " Zofia@Example.ORG ", "phone": "601 234 567", "birth_date": "1990-02-28"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let c: Value = r.json().await.unwrap();
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/customers/{id}"));
    assert_eq!(c["number"], "C-000001");
    assert_eq!(c["version"], 1);
    assert_eq!(
        c["fields"],
        json!({"first_name": "Zofia", "last_name": "Wójcik", "email": "Zofia@example.org", "phone": "+48601234567", "birth_date": "1990-02-28"})
    );
    assert_eq!(c["masked"], json!([]));

    let r = app.get(&app.owner, &location).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let read: Value = r.json().await.unwrap();
    assert_eq!(read["fields"], c["fields"]);

    let r = app
        .patch(
            &app.owner,
            &id,
            Some("\"1\""),
            json!({"last_name": "Nowak", "birth_date": null, "city": "Kraków"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["fields"]["last_name"], "Nowak");
    assert_eq!(updated["fields"]["city"], "Kraków");
    assert!(
        updated["fields"].get("birth_date").is_none(),
        "null removes the field"
    );
    let read: Value = app.get(&app.owner, &location).await.json().await.unwrap();
    assert_eq!(read["fields"], updated["fields"]);
    // The index follows the update: the old name is gone, the new one is found.
    assert!(app.search(&app.owner, &[("q", "wojcik")]).await.is_empty());
    assert_eq!(app.search(&app.owner, &[("q", "nowak")]).await.len(), 1);

    let r = app
        .req(Method::DELETE, &location, &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&app.owner, &location).await, 404, "not_found").await;
    assert_problem(
        app.patch(&app.owner, &id, Some("\"2\""), json!({"city": "Łódź"}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.req(Method::DELETE, &location, &app.owner)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    assert!(app
        .search(&app.owner, &[("email", "zofia@example.org")])
        .await
        .is_empty());
    assert!(app.search(&app.owner, &[("q", "zofia")]).await.is_empty());
    assert!(app
        .search(&app.owner, &[("q", "C-000001")])
        .await
        .is_empty());

    // Every step left its audit event, with the request id and no values.
    let actions: Vec<String> = app
        .audit_bodies()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "customer.create",
        "customer.read",
        "customer.update",
        "customer.erase",
        "customer.search",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "no {a} event in {actions:?}"
        );
    }
    let erase = app
        .audit_bodies()
        .into_iter()
        .find(|e| e["action"] == "customer.erase")
        .unwrap();
    assert_eq!(erase["customer_ids"], json!([id]));
    assert_eq!(erase["actor_role"], "owner");
    assert!(erase["request_id"].as_str().is_some_and(|r| r.len() == 32));
}

#[tokio::test]
async fn idempotent_replay_creates_nothing() {
    let app = spawn_app().await;
    let body = json!({"fields": {"first_name": "Jan", "email": "jan@example.org"}});
    let send = |key: &'static str, body: Value| {
        let app = &app;
        async move {
            app.req(Method::POST, "/v1/customers", &app.owner)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send("pos-7-sale-1", body.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send("pos-7-sale-1", body.clone()).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["number"], first["number"]);
    let list: Value = app
        .get(&app.owner, "/v1/customers")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "the replay created nothing"
    );

    let other = send("pos-7-sale-1", json!({"fields": {"first_name": "Other"}})).await;
    assert_problem(other, 422, "idempotency_key_reused").await;
    let r = app
        .req(Method::POST, "/v1/customers", &app.owner)
        .header("idempotency-key", "")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "invalid_header").await;

    // Concurrent duplicates (a POS retrying while the first is in flight) create one customer.
    let mut handles = Vec::new();
    for _ in 0..8 {
        let req = app
            .req(Method::POST, "/v1/customers", &app.owner)
            .header("idempotency-key", "burst")
            .json(&json!({"fields": {"first_name": "Burst"}}));
        handles.push(tokio::spawn(async move {
            req.send().await.unwrap().json::<Value>().await.unwrap()
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        ids.push(h.await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one customer for one key");
    let list: Value = app
        .get(&app.owner, "/v1/customers")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn stale_if_match_is_refused() {
    let app = spawn_app().await;
    let c = app.customer(json!({"first_name": "Ewa"})).await;
    let id = c["id"].as_str().unwrap();
    assert_problem(
        app.patch(&app.owner, id, None, json!({"city": "Gdańsk"}))
            .await,
        428,
        "precondition_required",
    )
    .await;
    assert_problem(
        app.patch(&app.owner, id, Some("yesterday"), json!({"city": "Gdańsk"}))
            .await,
        400,
        "invalid_header",
    )
    .await;
    assert_eq!(
        app.patch(&app.owner, id, Some("\"1\""), json!({"city": "Gdańsk"}))
            .await
            .status(),
        StatusCode::OK
    );
    let stale = assert_problem(
        app.patch(&app.owner, id, Some("\"1\""), json!({"city": "Sopot"}))
            .await,
        412,
        "version_mismatch",
    )
    .await;
    assert!(stale["detail"]
        .as_str()
        .unwrap()
        .contains("current version is 2"));
    let read: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        read["fields"]["city"], "Gdańsk",
        "the stale update changed nothing"
    );

    // Two concurrent updates from the same version: exactly one wins.
    let a = app.patch(&app.owner, id, Some("\"2\""), json!({"city": "A"}));
    let b = app.patch(&app.owner, id, Some("\"2\""), json!({"city": "B"}));
    let (a, b) = tokio::join!(a, b);
    let mut statuses = vec![a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 412]);
}

#[tokio::test]
async fn list_pages_with_a_cursor() {
    let app = spawn_app().await;
    for name in ["Ala", "Ola", "Ela"] {
        app.customer(json!({"first_name": name})).await;
    }
    let p1: Value = app
        .get(&app.owner, "/v1/customers?limit=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2: Value = app
        .get(
            &app.owner,
            &format!("/v1/customers?limit=2&cursor={cursor}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert!(p2["next_cursor"].is_null());
    let mut names: Vec<String> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2["items"].as_array().unwrap())
        .map(|c| c["fields"]["first_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["Ala", "Ela", "Ola"]);
    assert_problem(
        app.get(&app.owner, "/v1/customers?cursor=nonsense").await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get(&app.owner, "/v1/customers?limit=-1").await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn records_on_the_timeline() {
    let app = spawn_app().await;
    let c = app.customer(json!({"first_name": "Piotr"})).await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}/records");
    for (i, amount) in [12.5, 99.0, 7.25].iter().enumerate() {
        let r = app
            .req(Method::POST, &path, &app.owner)
            .json(&json!({"type": "purchase", "occurred_at": format!("2026-11-0{}T10:00:00Z", i + 1), "fields": {"amount": amount, "currency": "PLN", "items": "glasses case"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let page: Value = app
        .get(&app.owner, &format!("{path}?limit=2"))
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["type"], "purchase");
    assert_eq!(items[0]["fields"]["amount"], 7.25, "newest first");
    let rest: Value = app
        .get(
            &app.owner,
            &format!("{path}?cursor={}", page["next_cursor"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"][0]["fields"]["amount"], 12.5);

    let bad = app
        .req(Method::POST, &path, &app.owner)
        .json(&json!({"type": "haircut", "fields": {}}))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 422, "unknown_record_type").await;
    let bad = app
        .req(Method::POST, &path, &app.owner)
        .json(&json!({"type": "purchase", "fields": {"amount": -3}}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(bad, 422, "invalid_field").await;
    assert_eq!(p["field"], "amount");
    let bad = app
        .req(Method::POST, &path, &app.owner)
        .json(&json!({"type": "purchase", "fields": {"items": "paid with 4111 1111 1111 1111"}}))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 422, "card_number_refused").await;

    // Idempotent record creation.
    let send = || {
        app.req(Method::POST, &path, &app.owner)
            .header("idempotency-key", "sale-42")
            .json(&json!({"type": "visit", "fields": {"note": "fitting"}}))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    let all: Value = app.get(&app.owner, &path).await.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 4);

    // Erasure takes the records with it.
    assert_eq!(
        app.req(Method::DELETE, &format!("/v1/customers/{id}"), &app.owner)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&app.owner, &path).await, 404, "not_found").await;
}

#[tokio::test]
async fn an_export_holds_everything_the_role_may_see_in_full_and_names_the_rest() {
    let app = spawn_with("optician").await;
    let c = app
        .customer(json!({"first_name": "Zofia", "last_name": "Wójcik", "email": "zofia@example.org", "insurance_number": "INS-EXPORT-1", "note": "prefers mornings"}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    for (t, fields) in [
        (
            "eye_exam",
            json!({"sphere_right": -1.25, "remarks": "stable"}),
        ),
        ("purchase", json!({"amount": 120})),
    ] {
        let r = app
            .req(
                Method::POST,
                &format!("/v1/customers/{id}/records"),
                &app.owner,
            )
            .json(&json!({"type": t, "fields": fields}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let path = format!("/v1/customers/{id}/export");

    let r = app.get(&app.owner, &path).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("customer-C-000001.json"));
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["format"], "custos-export/1");
    assert_eq!(e["business"], "Test Shop");
    assert_eq!(e["customer"]["fields"]["insurance_number"], "INS-EXPORT-1");
    assert_eq!(e["customer"]["fields"]["email"], "zofia@example.org");
    assert_eq!(e["customer"]["masked"], json!([]));
    let types: Vec<&str> = e["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 2);
    assert!(types.contains(&"eye_exam") && types.contains(&"purchase"));
    assert_eq!(e["omitted_categories"], json!([]));
    // The art. 15(1) information: purposes with their bases, categories held, recipients,
    // retention, rights, complaint, source, automated decisions.
    let info = &e["information"];
    assert_eq!(info["controller"], "Test Shop");
    let purposes = info["purposes"].as_array().unwrap();
    let health = purposes
        .iter()
        .find(|p| p["name"] == "health_records")
        .unwrap();
    assert_eq!(health["lawful_basis"], "health_care");
    assert!(health["categories"]
        .as_array()
        .unwrap()
        .contains(&json!("health")));
    for c in [
        "identity",
        "contact",
        "health",
        "purchase",
        "payment_reference",
        "note",
    ] {
        assert!(
            info["categories"].as_array().unwrap().contains(&json!(c)),
            "{c}"
        );
    }
    for k in [
        "recipients",
        "retention",
        "complaint",
        "source",
        "automated_decisions",
    ] {
        assert!(info[k].as_str().unwrap().len() > 20, "{k}");
    }
    assert!(info["rights"].as_array().unwrap().len() >= 6);

    // A manager sees no health data: the eye exam is left out and health named as omitted.
    let manager = app.user("mia", "manager").await;
    let e: Value = app.get(&manager, &path).await.json().await.unwrap();
    let types: Vec<&str> = e["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["purchase"]);
    assert_eq!(e["omitted_categories"], json!(["health"]));
    assert!(!e["information"]["categories"]
        .as_array()
        .unwrap()
        .contains(&json!("health")));
    assert!(!e.to_string().contains("stable"));

    // Staff may not export; other formats are not there yet; unknown customers are 404.
    let staff = app.user("sam", "staff").await;
    assert_problem(app.get(&staff, &path).await, 403, "forbidden").await;
    assert_problem(
        app.get(&app.owner, &format!("{path}?format=xml")).await,
        422,
        "invalid_request",
    )
    .await;
    assert_problem(
        app.get(
            &app.owner,
            "/v1/customers/0190f5c6-0000-7000-8000-000000000000/export",
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // Audited with the customer and the categories, no value.
    let exports: Vec<Value> = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["action"] == "customer.export" && e["outcome"] == "ok")
        .collect();
    assert_eq!(exports.len(), 2);
    assert_eq!(exports[0]["customer_ids"], json!([id]));
    assert!(exports[0]["categories"]
        .as_array()
        .unwrap()
        .contains(&json!("health")));
    assert!(!exports[1]["categories"]
        .as_array()
        .unwrap()
        .contains(&json!("health")));
    assert!(!serde_json::to_string(&exports)
        .unwrap()
        .contains("INS-EXPORT-1"));
}

#[tokio::test]
async fn a_restricted_customer_is_stored_but_not_changed_and_only_the_owner_sees_it() {
    let app = spawn_app().await;
    let c = app
        .customer(json!({"first_name": "Rita", "email": "rita@example.org"}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/customers/{id}");
    let manager = app.user("mia", "manager").await;
    let staff = app.user("sam", "staff").await;
    let r = app
        .req(Method::PUT, &format!("{path}/restriction"), &app.owner)
        .json(&json!({"reason": "Rita called, angry"}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 422, "invalid_request").await;
    assert!(p["detail"].as_str().unwrap().contains("art. 18(1)"));
    let r = app
        .req(Method::PUT, &format!("{path}/restriction"), &app.owner)
        .json(&json!({"reason": "accuracy_contested"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The owner reads it, marked; others are told why not.
    let v: Value = app.get(&app.owner, &path).await.json().await.unwrap();
    assert_eq!(v["restricted"], true);
    assert_problem(app.get(&manager, &path).await, 409, "restricted").await;
    assert_problem(
        app.get(&staff, &format!("{path}/records")).await,
        409,
        "restricted",
    )
    .await;
    // Search finds it for the owner only; the manager's list leaves it out.
    assert_eq!(
        app.search(&app.owner, &[("email", "rita@example.org")])
            .await
            .len(),
        1
    );
    assert!(app
        .search(&staff, &[("email", "rita@example.org")])
        .await
        .is_empty());
    let list: Value = app
        .get(&manager, "/v1/customers")
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["id"] != id.as_str()));
    // Nobody changes it, the owner included.
    let r = app
        .req(Method::PATCH, &path, &app.owner)
        .header("if-match", "\"1\"")
        .json(&json!({"fields": {"first_name": "Rita-Maria"}}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 409, "restricted").await;
    let r = app
        .req(Method::POST, &format!("{path}/records"), &app.owner)
        .json(&json!({"type": "purchase", "fields": {"amount": 5}}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 409, "restricted").await;
    // The customer's own rights still work: export and erasure.
    assert_eq!(
        app.get(&manager, &format!("{path}/export")).await.status(),
        StatusCode::OK
    );
    let denied: Vec<Value> = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["outcome"] == "denied" && e["reason"] == "restricted")
        .collect();
    assert_eq!(denied.len(), 4, "each refusal is audited");
    // Lifting it restores everything.
    let r = app
        .req(Method::DELETE, &format!("{path}/restriction"), &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&manager, &path).await.status(), StatusCode::OK);
    let r = app
        .req(Method::DELETE, &path, &manager)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_legal_hold_stops_erasure_until_lifted() {
    let app = spawn_app().await;
    let id = app.customer(json!({"first_name": "Lena"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/customers/{id}");
    let staff = app.user("sam", "staff").await;
    let put = |token: String, body: Value| {
        let app = &app;
        let url = format!("{path}/legal-hold");
        async move {
            app.req(Method::PUT, &url, &token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    assert_problem(
        put(staff.clone(), json!({"reason": "x"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        put(app.owner.clone(), json!({"reason": "  "})).await,
        422,
        "invalid_request",
    )
    .await;
    let r = put(
        app.owner.clone(),
        json!({"reason": "Canary-Claim: warranty dispute, court case 12/27"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let h: Value = r.json().await.unwrap();
    assert!(h["reason"].as_str().unwrap().contains("warranty dispute"));

    let p = assert_problem(
        app.req(Method::DELETE, &path, &app.owner)
            .send()
            .await
            .unwrap(),
        409,
        "legal_hold",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("legal hold"), "{p}");
    assert_eq!(
        app.get(&app.owner, &path).await.status(),
        StatusCode::OK,
        "still there"
    );
    assert!(
        find_in_files(&app.stored_files(), &["Canary-Claim".to_owned()]).is_empty(),
        "the reason is sealed"
    );

    let r = app
        .req(Method::DELETE, &format!("{path}/legal-hold"), &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get(&app.owner, &format!("{path}/legal-hold")).await,
        404,
        "not_found",
    )
    .await;
    let r = app
        .req(Method::DELETE, &path, &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}
