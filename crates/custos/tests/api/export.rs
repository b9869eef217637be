//! The art. 15/20 export in its three forms: JSON that follows the published JSON Schema and
//! carries every art. 15(1) item, CSV a spreadsheet opens safely, HTML a person reads; and the
//! round trip of an export into another business.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn seeded(app: &TestApp) -> String {
    let id = app
        .customer(json!({
            "first_name": "Zofia", "last_name": "Wójcik", "email": "zofia@example.org",
            "phone": "601 234 567", "city": "Kraków", "preferences": "likes <b>green</b>",
            "note": "=HYPERLINK(\"http://evil\")"
        }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (t, at, fields) in [
        (
            "purchase",
            "2026-03-01T10:00:00Z",
            json!({"amount": 249.99, "currency": "PLN", "items": "Okulary"}),
        ),
        ("visit", "2026-04-02T11:00:00Z", json!({"note": "Fitting"})),
    ] {
        let r = app
            .req(
                Method::POST,
                &format!("/v1/customers/{id}/records"),
                &app.owner,
            )
            .json(&json!({"type": t, "occurred_at": at, "fields": fields}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    for body in [
        json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"}),
        json!({"purpose": "birthday_greetings", "channel": "post", "state": "given", "method": "paper"}),
        json!({"purpose": "birthday_greetings", "channel": "post", "state": "withdrawn", "method": "phone"}),
    ] {
        let r = app
            .req(
                Method::POST,
                &format!("/v1/customers/{id}/consents"),
                &app.owner,
            )
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
    }
    id
}

async fn export(app: &TestApp, token: &str, id: &str, q: &str) -> reqwest::Response {
    let r = app
        .get(token, &format!("/v1/customers/{id}/export{q}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r
}

#[tokio::test]
async fn the_json_export_follows_its_schema_and_carries_every_article_15_item() {
    let app = spawn_app().await;
    let id = seeded(&app).await;
    let schema: Value = app
        .client
        .get(format!("{}/v1/schemas/customer-export.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    // The business is Polish: the information comes in Polish unless asked otherwise.
    let pl: Value = export(&app, &app.owner, &id, "?format=json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pl["lang"], "pl");
    assert!(pl["information"]["complaint"]
        .as_str()
        .unwrap()
        .contains("UODO"));
    assert!(pl["information"]["retention"]
        .as_str()
        .unwrap()
        .contains("6 lat"));
    assert!(validator.is_valid(&pl));
    let e: Value = export(&app, &app.owner, &id, "?format=json&lang=en")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["lang"], "en");
    let errors: Vec<String> = validator.iter_errors(&e).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema is strict: an unknown member or a masked value would fail it.
    let mut bad = e.clone();
    bad["customer"]["masked"] = json!(["phone"]);
    assert!(!validator.is_valid(&bad));
    let mut bad = e.clone();
    bad["surprise"] = json!(1);
    assert!(!validator.is_valid(&bad));

    assert_eq!(e["customer"]["fields"]["phone"], "+48601234567");
    assert_eq!(e["records"].as_array().unwrap().len(), 2);
    assert_eq!(e["consents"]["history"].as_array().unwrap().len(), 3);
    let i = &e["information"];
    // (a) purposes with lawful bases, (b) categories, (c) recipients, (d) retention with the
    // rules and their legal references, (e) rights, (f) complaint, (g) source, (h) automated
    // decisions.
    let purposes = i["purposes"].as_array().unwrap();
    assert!(purposes
        .iter()
        .any(|p| p["name"] == "service" && p["lawful_basis"] == "contract"));
    assert!(purposes
        .iter()
        .any(|p| p["name"] == "accounting" && p["lawful_basis"] == "legal_obligation"));
    for c in [
        "identity",
        "contact",
        "address",
        "preference",
        "note",
        "purchase",
        "appointment",
    ] {
        assert!(
            i["categories"].as_array().unwrap().contains(&json!(c)),
            "{c}"
        );
    }
    assert!(i["recipients"].as_str().unwrap().contains("Test Shop"));
    let retention = i["retention"].as_str().unwrap();
    assert!(
        retention.contains("'purchase'") && retention.contains("Ordynacja podatkowa"),
        "{retention}"
    );
    assert_eq!(i["retention_rules"].as_array().unwrap().len(), 4);
    let rights = i["rights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    for art in [
        "art. 15",
        "art. 16",
        "art. 17",
        "art. 18",
        "art. 20",
        "art. 21",
        "art. 7(3)",
    ] {
        assert!(rights.contains(art), "{art}");
    }
    assert!(i["complaint"]
        .as_str()
        .unwrap()
        .contains("supervisory authority"));
    assert!(i["source"].as_str().unwrap().contains("from you"));
    assert!(i["automated_decisions"]
        .as_str()
        .unwrap()
        .contains("No decision"));

    // A manager's export of an optician's customer leaves health out and still follows the
    // schema.
    let optician = spawn_with("optician").await;
    let c = optician
        .customer(json!({"first_name": "Ewa", "insurance_number": "INS-9"}))
        .await;
    let cid = c["id"].as_str().unwrap();
    let r = optician
        .req(
            Method::POST,
            &format!("/v1/customers/{cid}/records"),
            &optician.owner,
        )
        .json(&json!({"type": "eye_exam", "fields": {"sphere_right": -1.25}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let manager = optician.user("mia", "manager").await;
    let e: Value = export(&optician, &manager, cid, "")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        validator.is_valid(&e),
        "{:?}",
        validator
            .iter_errors(&e)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    assert!(e["omitted_categories"]
        .as_array()
        .unwrap()
        .contains(&json!("health")));
    assert!(e["records"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn csv_and_html_exports_are_safe_to_open_and_readable() {
    let app = spawn_app().await;
    let id = seeded(&app).await;
    let r = export(&app, &app.owner, &id, "?format=csv").await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("customer-C-000001.csv"));
    let text = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rd.headers().unwrap(),
        vec!["section", "item", "field", "value"]
    );
    let rows: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let value = |section: &str, field: &str| {
        rows.iter()
            .find(|r| r[0] == section && r[2] == field)
            .map(|r| r[3].clone())
            .unwrap_or_else(|| panic!("no {section}/{field}"))
    };
    assert_eq!(value("customer", "last_name"), "Wójcik");
    assert_eq!(
        value("customer", "phone"),
        "+48601234567",
        "a phone number stays a number"
    );
    assert_eq!(
        value("customer", "note"),
        "'=HYPERLINK(\"http://evil\")",
        "a formula is defused"
    );
    assert_eq!(value("record", "amount"), "249.99");
    assert!(rows
        .iter()
        .any(|r| r[0] == "consent" && r[1] == "sms_offers:sms" && r[3] == "given"));
    assert!(rows
        .iter()
        .any(|r| r[0] == "consent" && r[1] == "birthday_greetings:post" && r[3] == "withdrawn"));
    for item in [
        "controller",
        "recipients",
        "retention",
        "rights",
        "complaint",
        "source",
        "automated_decisions",
    ] {
        assert!(
            rows.iter().any(|r| r[0] == "information" && r[1] == item),
            "{item}"
        );
    }

    let r = export(&app, &app.owner, &id, "?format=html").await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    // Polish business: Polish words by default; values escaped, never markup.
    assert!(
        html.contains("<html lang=\"pl\">") && html.contains("Państwa dane"),
        "{html}"
    );
    assert!(html.contains("Wójcik") && html.contains("likes &lt;b&gt;green&lt;/b&gt;"));
    assert!(!html.contains("<b>green</b>") && !html.contains("<script"));
    let de = export(&app, &app.owner, &id, "?format=html&lang=de")
        .await
        .text()
        .await
        .unwrap();
    assert!(de.contains("Ihre Daten") && de.contains("Speicherdauer"));
    let en = export(&app, &app.owner, &id, "?format=html&lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("Your rights") && en.contains("Okulary"));

    for (q, status, code) in [
        ("?format=pdf", 422, "invalid_request"),
        ("?format=html&lang=fr", 422, "invalid_request"),
        ("?colour=red", 400, "invalid_query"),
    ] {
        let r = app
            .get(&app.owner, &format!("/v1/customers/{id}/export{q}"))
            .await;
        assert_problem(r, status, code).await;
    }
    // Each export is audited.
    let exports = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["action"] == "customer.export")
        .count();
    assert_eq!(exports, 4);
}

#[tokio::test]
async fn an_export_moves_into_another_business_and_nothing_undeclared_comes_along() {
    let app = spawn_app().await;
    let id = seeded(&app).await;
    let staff = app.user("sam", "staff").await;
    let original: Value = export(&app, &app.owner, &id, "")
        .await
        .json()
        .await
        .unwrap();
    custos::add_tenant(
        &app.settings,
        "salon-two",
        "Salon Two",
        "salon",
        "DE",
        "owner",
        OWNER_PW,
    )
    .await
    .unwrap();
    let other = app.login("owner", OWNER_PW, Some("salon-two")).await;
    let import = |token: String, body: Value| {
        let app = &app;
        async move {
            app.req(Method::POST, "/v1/customers/import", &token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let r = import(other.clone(), original.clone()).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let report: Value = r.json().await.unwrap();
    // The salon declares no `preferences` (it has `preferred_stylist`) and no `visit`... it
    // does declare visits and purchases; preferences are dropped and listed.
    assert_eq!(report["fields_dropped"], json!(["preferences"]));
    assert_eq!(report["records_imported"], 2);
    assert_eq!(report["consents_imported"], 3);
    let new_id = report["customer"]["id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, id);

    let moved: Value = export(&app, &other, &new_id, "")
        .await
        .json()
        .await
        .unwrap();
    let mut expect_fields = original["customer"]["fields"].clone();
    expect_fields.as_object_mut().unwrap().remove("preferences");
    assert_eq!(moved["customer"]["fields"], expect_fields);
    let strip = |records: &Value| -> Vec<Value> {
        records
            .as_array()
            .unwrap()
            .iter()
            .map(|r| json!({"type": r["type"], "occurred_at": r["occurred_at"], "fields": r["fields"]}))
            .collect()
    };
    let (mut a, mut b) = (strip(&original["records"]), strip(&moved["records"]));
    a.sort_by_key(|v| v.to_string());
    b.sort_by_key(|v| v.to_string());
    assert_eq!(a, b);
    let states = |e: &Value| -> Vec<(String, String, String)> {
        let mut v: Vec<_> = e["consents"]["current"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["purpose"].to_string(),
                    s["channel"].to_string(),
                    s["state"].to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(states(&original), states(&moved));
    assert!(moved["consents"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["method"] == "import"));
    assert_eq!(
        moved["consents"]["history"][0]["at"],
        original["consents"]["history"][0]["at"]
    );
    // Searchable in the new business.
    let found = app.search(&other, &[("q", "Wójcik")]).await;
    assert_eq!(found.len(), 1);

    // Importing the same person again is refused as a duplicate; staff may not import;
    // something that is no export is refused; nothing of these is stored.
    assert_problem(
        import(other.clone(), original.clone()).await,
        409,
        "conflict",
    )
    .await;
    assert_problem(import(staff, original.clone()).await, 403, "forbidden").await;
    let mut wrong = original.clone();
    wrong["format"] = json!("something-else/1");
    assert_problem(import(other.clone(), wrong).await, 422, "invalid_request").await;
    assert_problem(
        import(other.clone(), json!({"hello": "world"})).await,
        400,
        "invalid_json",
    )
    .await;

    // Erased in the first business: its export never brings it back there.
    let r = app
        .req(Method::DELETE, &format!("/v1/customers/{id}"), &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let p = assert_problem(
        import(app.owner.clone(), original.clone()).await,
        409,
        "conflict",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("erased"));
    assert!(app.search(&app.owner, &[("q", "Wójcik")]).await.is_empty());
}
