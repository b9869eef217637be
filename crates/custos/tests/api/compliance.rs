//! Compliance documents and the self-check through the real server: the records of processing
//! (art. 30) for every template and after catalog changes, the data-flow map, the privacy notice
//! in three languages with its versions (and consents that record them), the doctor's findings
//! appearing and disappearing, and the saved self-audit reports.

use crate::cli::{custos, stderr};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn json_of(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.get(token, path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn put(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.req(Method::PUT, path, &app.owner)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn finding<'a>(checks: &'a Value, check: &str) -> &'a Value {
    checks["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} finding in {checks}"))
}

#[tokio::test]
async fn the_records_of_processing_hold_every_art_30_item_for_each_template() {
    for template in ["retail", "salon", "subscription", "optician"] {
        let app = spawn_with(template).await;
        let r = json_of(&app, &app.owner, "/v1/compliance/ropa").await;
        assert_eq!(r["format"], "custos-ropa/1");
        // (a) the controller.
        assert_eq!(r["controller"]["name"], "Test Shop", "{template}");
        let catalog = json_of(&app, &app.owner, "/v1/catalog").await;
        let activities = r["activities"].as_array().unwrap();
        // (b) one activity per declared purpose, each with its lawful basis.
        assert_eq!(
            activities.len(),
            catalog["purposes"].as_array().unwrap().len(),
            "{template}"
        );
        for a in activities {
            assert!(!a["purpose"].as_str().unwrap().is_empty());
            assert!(!a["description"].as_str().unwrap().is_empty());
            assert!(a["lawful_basis_reference"]
                .as_str()
                .unwrap()
                .starts_with("GDPR art. "));
            // (c) data subjects; (d) recipients; (e) transfers; (f) time limits.
            assert!(!a["data_subjects"].as_array().unwrap().is_empty());
            assert!(a["transfers"].is_array());
            assert!(
                !a["retention"].as_array().unwrap().is_empty(),
                "{template}: {} has no time limit",
                a["purpose"]
            );
        }
        let service = activities
            .iter()
            .find(|a| a["purpose"] == "service")
            .unwrap();
        let cats: Vec<&str> = service["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["category"].as_str().unwrap())
            .collect();
        for c in ["identity", "contact", "address"] {
            assert!(cats.contains(&c), "{template}: service lacks {c}");
        }
        assert!(service["recipients"][0]
            .as_str()
            .unwrap()
            .starts_with("Staff of Test Shop by role"));
        if template == "optician" {
            let health = activities
                .iter()
                .find(|a| a["purpose"] == "health_records")
                .unwrap();
            assert_eq!(health["lawful_basis"], "health_care");
            assert_eq!(health["categories"][0]["category"], "health");
            assert_eq!(health["categories"][0]["special"], true);
            assert!(health["categories"][0]["fields"]
                .as_array()
                .unwrap()
                .contains(&json!("eye_exam.sphere_right")));
        }
        // (f) and (g): the rules, and the measures switched on now.
        assert_eq!(r["retention"], catalog["retention"]);
        let measures: Vec<(&str, bool)> = r["security_measures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["name"].as_str().unwrap(), m["active"].as_bool().unwrap()))
            .collect();
        for on in [
            "encryption_at_rest",
            "encryption_in_transit",
            "audit_trail",
            "access_control",
        ] {
            assert!(
                measures.contains(&(on, true)),
                "{template}: {on} {measures:?}"
            );
        }
        // The template's MFA default shows as it is.
        assert!(measures.contains(&("two_step_sign_in", template == "optician")));
        // No backups are scheduled in these tests, and the record says so.
        assert!(measures.contains(&("encrypted_backups", false)));
        // The printable page names every item.
        let r = app.get(&app.owner, "/v1/compliance/ropa?format=html").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = r.text().await.unwrap();
        for item in [
            "(a) Controller",
            "(b) Purpose",
            "(c) Data subjects",
            "(c) Personal data",
            "(d) Recipients",
            "(e) Third-country transfers",
            "(f) Time limits for erasure",
            "(g) Technical and organisational security measures",
            "@media print",
        ] {
            assert!(html.contains(item), "{template}: {item} missing");
        }
    }
}

#[tokio::test]
async fn the_records_and_the_notice_change_when_the_catalog_changes() {
    let app = spawn_app().await;
    let before = json_of(&app, &app.owner, "/v1/compliance/ropa").await;
    assert_eq!(before["notice_version"], 1);
    assert_eq!(before["recipients"], json!([]));
    assert!(
        before["gaps"].as_array().unwrap().len() >= 2,
        "{}",
        before["gaps"]
    );

    let r = put(
        &app,
        "/v1/catalog/recipients",
        json!({"recipients": [
            {"name": "Mailjet", "kind": "processor", "purposes": ["newsletter"], "categories": ["contact"], "country": "fr"},
            {"name": "Cloud Mailer Inc.", "kind": "processor", "purposes": ["newsletter"], "categories": ["contact", "identity"], "country": "US", "safeguard": "standard_contractual_clauses"},
            {"name": "Biuro Rachunkowe", "kind": "controller", "purposes": ["accounting"], "categories": ["purchase"], "country": "PL"}
        ]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(
        saved["recipients"][0]["country"], "FR",
        "countries are upper-cased"
    );
    let r = put(
        &app,
        "/v1/catalog/controller",
        json!({"legal_name": "Test Shop sp. z o.o.", "address": "ul. Długa 1, 00-001 Warszawa", "email": "privacy@test-shop.example", "dpo": "iod@test-shop.example"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    let after = json_of(&app, &app.owner, "/v1/compliance/ropa").await;
    assert_eq!(after["controller"]["legal_name"], "Test Shop sp. z o.o.");
    assert_eq!(after["controller"]["dpo"], "iod@test-shop.example");
    assert_eq!(after["gaps"], json!([]));
    assert_eq!(after["recipients"].as_array().unwrap().len(), 3);
    assert_eq!(after["transfers"].as_array().unwrap().len(), 1);
    assert_eq!(after["transfers"][0]["recipient"], "Cloud Mailer Inc.");
    assert_eq!(
        after["transfers"][0]["safeguard"],
        "standard_contractual_clauses"
    );
    let newsletter = after["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["purpose"] == "newsletter")
        .unwrap();
    let recipients = newsletter["recipients"].to_string();
    assert!(recipients.contains("Mailjet") && recipients.contains("Cloud Mailer Inc."));
    assert!(
        !recipients.contains("Biuro Rachunkowe"),
        "only the purpose's recipients"
    );
    assert_eq!(newsletter["transfers"][0]["country"], "US");
    // The recipients changed what the notice says: a new version; the contact details too.
    assert_eq!(after["notice_version"], 3);

    // A retention change shows in both documents.
    let mut rules = json_of(&app, &app.owner, "/v1/retention/rules").await;
    let purchases = rules["rules"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["name"] == "purchases_tax")
        .unwrap();
    purchases["keep_days"] = json!(1827);
    let r = put(&app, "/v1/retention/rules", rules).await;
    assert_eq!(r.status(), StatusCode::OK);
    let last = json_of(&app, &app.owner, "/v1/compliance/ropa").await;
    assert_eq!(last["notice_version"], 4);
    let rule = last["retention"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "purchases_tax")
        .unwrap();
    assert_eq!(rule["keep_days"], 1827);
    let catalog = json_of(&app, &app.owner, "/v1/catalog").await;
    let versions: Vec<u64> = catalog["notice_versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3, 4]);
    // Saving the same again makes no new version.
    let r = put(
        &app,
        "/v1/catalog/controller",
        json!({"legal_name": "Test Shop sp. z o.o.", "address": "ul. Długa 1, 00-001 Warszawa", "email": "privacy@test-shop.example", "dpo": "iod@test-shop.example"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let again = json_of(&app, &app.owner, "/v1/compliance/ropa").await;
    assert_eq!(again["notice_version"], 4);
}

#[tokio::test]
async fn bad_recipients_and_contact_details_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let base = json!({"name": "X", "kind": "processor", "purposes": ["newsletter"], "categories": ["contact"], "country": "DE"});
    let with = |k: &str, v: Value| {
        let mut r = base.clone();
        r[k] = v;
        json!({"recipients": [r]})
    };
    for (body, status, code) in [
        (with("country", json!("US")), 422, "invalid_request"),
        (
            with("safeguard", json!("adequacy_decision")),
            422,
            "invalid_request",
        ),
        (
            with("purposes", json!(["astrology"])),
            422,
            "invalid_request",
        ),
        (with("purposes", json!([])), 422, "invalid_request"),
        (
            with("categories", json!(["health"])),
            422,
            "invalid_request",
        ),
        (with("country", json!("Germany")), 422, "invalid_request"),
        (with("name", json!("   ")), 422, "invalid_request"),
        (with("kind", json!("friend")), 400, "invalid_json"),
        (json!({"recipients": [base, base]}), 422, "invalid_request"),
        (json!({"recipients": [], "extra": 1}), 400, "invalid_json"),
    ] {
        let r = put(&app, "/v1/catalog/recipients", body.clone()).await;
        let p = assert_problem(r, status, code).await;
        assert!(!p["detail"].as_str().unwrap_or("").is_empty(), "{body}");
    }
    let r = put(
        &app,
        "/v1/catalog/controller",
        json!({"email": "not an address"}),
    )
    .await;
    assert_problem(r, 422, "invalid_request").await;
    let r = put(
        &app,
        "/v1/catalog/controller",
        json!({"address": "x".repeat(501)}),
    )
    .await;
    assert_problem(r, 422, "invalid_request").await;
    let catalog = json_of(&app, &app.owner, "/v1/catalog").await;
    assert_eq!(catalog["recipients"], json!([]));
    assert_eq!(catalog["notice_versions"].as_array().unwrap().len(), 1);
    let r = app.get(&app.owner, "/v1/compliance/ropa?format=pdf").await;
    assert_problem(r, 400, "invalid_query").await;
    let r = app
        .client
        .get(format!("{}/v1/compliance/privacy-notice?lang=fr", app.base))
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_request").await;
    let r = app
        .client
        .get(format!(
            "{}/v1/compliance/privacy-notice?business=nobody",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Every element's text, in document order; fails on markup that is not well-formed XML.
fn svg_texts(svg: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut texts = Vec::new();
    let mut text = String::new();
    let mut depth = 0i32;
    let mut root = None;
    loop {
        let event = reader.read_event().unwrap();
        if matches!(
            event,
            Event::Start(_) | Event::End(_) | Event::Empty(_) | Event::Eof
        ) && !text.is_empty()
        {
            texts.push(std::mem::take(&mut text));
        }
        match event {
            Event::Start(e) => {
                if root.is_none() {
                    root = Some(String::from_utf8(e.name().as_ref().to_vec()).unwrap());
                }
                depth += 1;
            }
            Event::End(_) => depth -= 1,
            Event::Text(t) => text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => text.push_str(match &*r as &[u8] {
                b"amp" => "&",
                b"lt" => "<",
                b"gt" => ">",
                b"quot" => "\"",
                b"#39" => "'",
                other => panic!("unexpected entity {}", String::from_utf8_lossy(other)),
            }),
            Event::Eof => break,
            _ => {}
        }
        assert!(depth >= 0, "unbalanced markup");
    }
    assert_eq!(depth, 0, "unclosed elements");
    assert_eq!(root.as_deref(), Some("svg"));
    texts
}

#[tokio::test]
async fn the_data_map_is_well_formed_svg_naming_every_source_and_destination() {
    let app = spawn_with("salon").await;
    let r = app
        .req(Method::POST, "/v1/devices", &app.owner)
        .json(&json!({"name": "Front desk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .req(Method::POST, "/v1/webhooks", &app.owner)
        .json(&json!({"url": "https://hooks.booking.example/custos?key=secret", "events": ["customer.erased"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = put(
        &app,
        "/v1/catalog/recipients",
        json!({"recipients": [{"name": "Salon & Co <Accounting>", "kind": "controller", "purposes": ["accounting"], "categories": ["purchase"], "country": "PL"}]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.get(&app.owner, "/v1/compliance/data-map.svg").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("image/svg+xml"));
    let svg = r.text().await.unwrap();
    let texts = svg_texts(&svg).join("\n");
    for source in [
        "POS and booking devices",
        "0 paired of 1 registered",
        "Staff web UI",
        "Integrations (API tokens)",
        "Intake form",
        "Imports",
        "Privacy portal",
    ] {
        assert!(texts.contains(source), "source {source} missing");
    }
    for destination in [
        "Customer exports",
        "Marketing audiences",
        "Webhook hooks.booking.example",
        "Backups",
        "Salon & Co <Accounting>",
    ] {
        assert!(
            texts.contains(destination),
            "destination {destination} missing"
        );
    }
    // The categories held, the special one marked; never a webhook's secret query.
    assert!(texts.contains("health — special category"));
    assert!(!svg.contains("key=secret"));
    // A role without the audit trail may not see it.
    let staff = app.user("stylist", "staff").await;
    let r = app.get(&staff, "/v1/compliance/data-map.svg").await;
    assert_problem(r, 403, "forbidden").await;
}

#[tokio::test]
async fn the_privacy_notice_exists_in_three_languages_and_follows_the_retention_rules() {
    let app = spawn_app().await;
    let public = |q: &str| {
        let url = format!("{}/v1/compliance/privacy-notice?{q}", app.base);
        let c = app.client.clone();
        async move { c.get(url).send().await.unwrap() }
    };
    // PL business: purchases are kept 6 years under Polish tax law.
    for (lang, title, six, rights) in [
        (
            "en",
            "Privacy notice of Test Shop",
            "Records of type &#39;purchase&#39;: 6 years",
            "Erasure (art. 17).",
        ),
        (
            "de",
            "Datenschutzhinweise von Test Shop",
            "Einträge der Art „purchase“: 6 Jahre",
            "Löschung (Art. 17).",
        ),
        (
            "pl",
            "Informacja o przetwarzaniu danych osobowych – Test Shop",
            "Wpisy typu „purchase”: 6 lat",
            "Usunięcie danych (art. 17).",
        ),
    ] {
        let r = public(&format!("lang={lang}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-language"], lang);
        assert_eq!(r.headers()["custos-notice-version"], "1");
        assert!(r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store"));
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        assert!(html.contains(title), "{lang}: {title}");
        assert!(html.contains(six), "{lang}: retention period missing");
        assert!(html.contains(rights), "{lang}: rights missing");
        let md = public(&format!("lang={lang}&format=markdown")).await;
        assert!(md.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown"));
        let md = md.text().await.unwrap();
        assert!(md.starts_with("# "), "{lang}");
        assert!(md.contains(&six.replace("&#39;", "'")), "{lang}");
    }
    // Without lang, the browser's language is used.
    let r = app
        .client
        .get(format!("{}/v1/compliance/privacy-notice", app.base))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-language"], "de");

    // Five years instead of six: the notice says so, in every language, as a new version.
    let mut rules = json_of(&app, &app.owner, "/v1/retention/rules").await;
    for r in rules["rules"].as_array_mut().unwrap() {
        if r["name"] == "purchases_tax" {
            r["keep_days"] = json!(5 * 365 + 2);
        }
    }
    assert_eq!(put(&app, "/v1/retention/rules", rules).await.status(), 200);
    // Recipients and contact details show too, escaped.
    let r = put(
        &app,
        "/v1/catalog/recipients",
        json!({"recipients": [{"name": "<b>Mail</b> Ltd", "kind": "processor", "purposes": ["newsletter"], "categories": ["contact"], "country": "GB", "safeguard": "adequacy_decision"}]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = put(
        &app,
        "/v1/catalog/controller",
        json!({"email": "privacy@test-shop.example", "address": "ul. Długa 1, Warszawa"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    for (lang, five, transfer) in [
        (
            "en",
            "Records of type &#39;purchase&#39;: 5 years",
            "outside the EU/EEA",
        ),
        (
            "de",
            "Einträge der Art „purchase“: 5 Jahre",
            "außerhalb der EU",
        ),
        ("pl", "Wpisy typu „purchase”: 5 lat", "poza UE/EOG"),
    ] {
        let r = public(&format!("business=test-shop&lang={lang}")).await;
        assert_eq!(r.headers()["custos-notice-version"], "4");
        let html = r.text().await.unwrap();
        assert!(html.contains(five), "{lang}");
        assert!(
            !html.contains(&five.replace(": 5 ", ": 6 ")),
            "{lang}: the old period is still told"
        );
        assert!(html.contains(transfer), "{lang}: the transfer is not told");
        assert!(
            html.contains("&lt;b&gt;Mail&lt;/b&gt; Ltd"),
            "{lang}: not escaped"
        );
        assert!(!html.contains("<b>Mail"));
        assert!(html.contains("privacy@test-shop.example"));
    }
}

#[tokio::test]
async fn consents_record_the_notice_version_and_the_forms_link_to_the_notice() {
    let app = spawn_app().await;
    let c = app
        .customer(json!({"first_name": "Ola", "email": "ola@example.org", "phone": "+48601234567"}))
        .await;
    let id = c["id"].as_str().unwrap();
    let consent = |body: Value| {
        app.req(
            Method::POST,
            &format!("/v1/customers/{id}/consents"),
            &app.owner,
        )
        .json(&body)
        .send()
    };
    let r = consent(
        json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = consent(json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store", "notice_version": 2})).await.unwrap();
    assert_problem(r, 422, "invalid_request").await;
    // A new notice version; a consent given on a tablet still showing version 1 says so.
    let r = put(
        &app,
        "/v1/catalog/controller",
        json!({"email": "privacy@test-shop.example"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = consent(json!({"purpose": "sms_offers", "channel": "sms", "state": "withdrawn", "method": "in_store"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = consent(json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store", "notice_version": 1})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let h = json_of(&app, &app.owner, &format!("/v1/customers/{id}/consents")).await;
    let versions: Vec<Value> = h["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["notice_version"].clone())
        .collect();
    assert_eq!(versions, [json!(1), json!(2), json!(1)]);
    // The intake form and the portal link to the notice.
    let form = app
        .client
        .get(format!("{}/privacy/join/test-shop?lang=en", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("/v1/compliance/privacy-notice?business=test-shop&amp;lang=en"));
    assert!(form.contains("The full privacy notice (v2)"));
    let portal = app
        .client
        .get(format!("{}/privacy/portal?b=test-shop&lang=pl", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(portal.contains("/v1/compliance/privacy-notice?business=test-shop&amp;lang=pl"));
}

#[tokio::test]
async fn doctor_findings_appear_and_disappear_through_the_api() {
    let (app, clock) = spawn_clocked("retail").await;
    let checks = json_of(&app, &app.owner, "/v1/compliance/checks").await;
    // Retail does not require MFA and the owner has none: high.
    let mfa = finding(&checks, "mfa");
    assert_eq!(mfa["severity"], "high");
    assert_eq!(mfa["code"], "mfa_optional");
    assert!(!mfa["fix"].as_str().unwrap().is_empty());
    assert_eq!(checks["worst"], "high");
    assert_eq!(checks["findings"][0]["severity"], "high", "worst first");
    // The certificate `init` made is self-signed: worth knowing, no more.
    let tls = finding(&checks, "tls");
    assert_eq!(
        (tls["code"].as_str(), tls["severity"].as_str()),
        (Some("tls_self_signed"), Some("low"))
    );
    for (check, code) in [
        ("tokens", "tokens_expire"),
        ("retention", "retention_all"),
        ("inactive_staff", "staff_active"),
        ("requests", "requests_on_time"),
        ("alerts", "alerts_none"),
        ("audit", "audit_intact"),
    ] {
        let f = finding(&checks, check);
        assert_eq!(
            (f["code"].as_str().unwrap(), f["severity"].as_str().unwrap()),
            (code, "ok")
        );
        assert!(f.get("fix").is_none());
    }

    // A finding of each other kind made, then mended.
    let token: Value = app
        .req(Method::POST, "/v1/tokens", &app.owner)
        .json(&json!({"name": "forever"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = put(&app, "/v1/retention/rules", json!({"rules": []})).await;
    assert_eq!(r.status(), 200);
    let clerk = app.user("clerk", "staff").await;
    let c = app.customer(json!({"first_name": "Ada"})).await;
    let request: Value = app
        .req(Method::POST, "/v1/data-requests", &app.owner)
        .json(&json!({"customer_id": c["id"], "kind": "access"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let checks = json_of(&app, &app.owner, "/v1/compliance/checks").await;
    assert_eq!(finding(&checks, "tokens")["code"], "tokens_forever");
    assert_eq!(finding(&checks, "tokens")["count"], 1);
    assert_eq!(finding(&checks, "retention")["code"], "retention_none");
    assert_eq!(finding(&checks, "retention")["severity"], "high");

    // 400 days on: the request is overdue, the clerk has not signed in since, and the
    // business key is older than the yearly rotation policy.
    clock.advance(time::Duration::days(400));
    let owner = app.login("owner", OWNER_PW, None).await;
    let checks = json_of(&app, &owner, "/v1/compliance/checks").await;
    let keys = finding(&checks, "keys");
    assert_eq!(
        (keys["code"].as_str(), keys["severity"].as_str()),
        (Some("keys_old"), Some("medium"))
    );
    assert!(keys["count"].as_i64().unwrap() >= 399, "{keys}");
    assert_eq!(finding(&checks, "requests")["code"], "requests_overdue");
    assert_eq!(finding(&checks, "requests")["severity"], "high");
    let inactive = finding(&checks, "inactive_staff");
    assert_eq!(
        (inactive["code"].as_str(), inactive["count"].as_i64()),
        (Some("staff_inactive"), Some(1))
    );

    // Mended: the request answered, the token revoked, rules back, the clerk signs in.
    let r = app
        .req(Method::PATCH, &format!("/v1/data-requests/{}", request["id"].as_str().unwrap()), &owner)
        .json(&json!({"identity_check": "verified", "state": "completed", "outcome": "Sent the export."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/tokens/{}", token["id"].as_str().unwrap()),
            &owner,
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    drop(clerk);
    let clerk = app.login("clerk", USER_PW, None).await;
    // Two-step sign-in set up (a code of the server's clock): the last high finding goes.
    let r = app
        .req(Method::POST, "/v1/auth/mfa/enrol", &owner)
        .send()
        .await
        .unwrap();
    let e: Value = r.json().await.unwrap();
    let secret = custos_crypto::totp::decode_base32(e["secret"].as_str().unwrap()).unwrap();
    let at = custos_core::clock::Clock::now(clock.as_ref()).unix_timestamp() as u64;
    let code = custos_crypto::totp::code_at(&secret, at).unwrap();
    let r = app
        .req(Method::POST, "/v1/auth/mfa/confirm", &owner)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let checks = json_of(&app, &owner, "/v1/compliance/checks").await;
    let mfa = finding(&checks, "mfa");
    assert_eq!(
        (mfa["count"].as_i64(), mfa["total"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        mfa["code"], "mfa_optional",
        "the clerk has none and it is not required"
    );
    // Required for everyone: the clerk sets it up at the next sign-in; no longer high.
    let r = app
        .req(Method::PATCH, "/v1/tenant", &owner)
        .json(&json!({"require_mfa": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(clerk);
    let template = custos_core::catalog::template("retail", "PL").unwrap();
    let r = app
        .req(Method::PUT, "/v1/retention/rules", &owner)
        .json(&json!({"rules": template.retention}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let checks = json_of(&app, &owner, "/v1/compliance/checks").await;
    for (check, code) in [
        ("requests", "requests_on_time"),
        ("tokens", "tokens_expire"),
        ("retention", "retention_all"),
        ("inactive_staff", "staff_active"),
        ("mfa", "mfa_pending"),
    ] {
        assert_eq!(finding(&checks, check)["code"], code, "{check}");
    }
    assert_eq!(finding(&checks, "mfa")["severity"], "medium");
}

#[tokio::test]
async fn self_audit_reports_are_saved_on_demand_and_monthly_and_listed() {
    let (app, clock) = spawn_clocked_tuned("retail", time::OffsetDateTime::now_utc(), |s| {
        s.anomaly_scan_every = std::time::Duration::from_millis(200);
    })
    .await;
    let auditor = app.user("auditor-ingrid", "auditor").await;
    let staff = app.user("staff-samuel", "staff").await;
    assert_eq!(
        json_of(&app, &auditor, "/v1/compliance/self-audits").await,
        json!([])
    );
    let r = app
        .req(Method::POST, "/v1/compliance/self-audits", &auditor)
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    let r = app.get(&staff, "/v1/compliance/self-audits").await;
    assert_problem(r, 403, "forbidden").await;
    let r = app
        .req(Method::POST, "/v1/compliance/self-audits", &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let made: Value = r.json().await.unwrap();
    assert_eq!(made["trigger"], "on_demand");
    let list = json_of(&app, &auditor, "/v1/compliance/self-audits").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], made["id"]);
    assert_eq!(list[0]["checks"]["findings"], made["checks"]["findings"]);

    // A month on, the schedule saves one by itself (once).
    clock.advance(time::Duration::days(31));
    let mut scheduled = Vec::new();
    for _ in 0..100 {
        let owner = app.login("owner", OWNER_PW, None).await;
        let list = json_of(&app, &owner, "/v1/compliance/self-audits").await;
        scheduled = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["trigger"] == "scheduled")
            .cloned()
            .collect();
        if !scheduled.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(scheduled.len(), 1, "no scheduled report was saved");
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let owner = app.login("owner", OWNER_PW, None).await;
    let list = json_of(&app, &owner, "/v1/compliance/self-audits").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "one report a month, not one a scan"
    );
    // Reports hold no personal data (staff names included): counts and codes only.
    assert_eq!(app.sql_count("SELECT count(*) FROM self_audits"), 2);
    let stored = app.sql_count(
        "SELECT count(*) FROM self_audits WHERE report LIKE '%ingrid%' OR report LIKE '%samuel%'",
    );
    assert_eq!(stored, 0);
}

/// Writes a certificate for `localhost` valid from a day ago for `days` days, with its key:
/// self-signed, or signed by a certificate authority of its own.
fn write_certificate(dir: &std::path::Path, days: i64, by_a_ca: bool) {
    let now = time::OffsetDateTime::now_utc();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(days);
    let cert = if by_a_ca {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Test Certificate Authority");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca.self_signed(&ca_key).unwrap();
        params.signed_by(&key, &ca, &ca_key).unwrap()
    } else {
        params.self_signed(&key).unwrap()
    };
    std::fs::write(dir.join("tls/cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("tls/key.pem"), key.serialize_pem()).unwrap();
}

fn doctor(data: &std::path::Path, env: &[(&str, &str)]) -> (Option<i32>, Value, String) {
    let o = custos(
        &["doctor", "--json", "--data-dir", data.to_str().unwrap()],
        env,
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    (o.status.code(), v[0].clone(), stderr(&o))
}

#[tokio::test]
async fn custos_doctor_exits_non_zero_while_a_high_finding_stands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Kept to the end: the database is dropped with it.
    let db = test_database();
    custos::init(custos::InitOptions {
        data_dir: data.clone(),
        business: "Optik Nord".into(),
        slug: Some("optik".into()),
        template: "optician".into(),
        owner: "owner".into(),
        country: "DE".into(),
        owner_password: Some(zeroize::Zeroizing::new(OWNER_PW.into())),
        database_url: db.as_ref().map(|d| d.url().to_owned()),
    })
    .await
    .unwrap();
    // A fresh data dir has no scheduled backups: high.
    let (code, r, err) = doctor(&data, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("high-severity"), "{err}");
    assert_eq!(finding(&r, "backup")["code"], "backup_unscheduled");
    assert_eq!(finding(&r, "version")["code"], "version_unchecked");

    // Daily backups with a copy elsewhere, but the newest is from 2020: stale.
    let mut config = std::fs::read_to_string(data.join("custos.toml")).unwrap();
    config.push_str("backup_every_hours = 24\nbackup_copy_dir = \"offsite\"\n");
    std::fs::write(data.join("custos.toml"), config).unwrap();
    let backups = data.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    std::fs::write(backups.join("custos-20200101-000000.backup"), b"x").unwrap();
    let (code, r, _) = doctor(&data, &[]);
    assert_eq!(code, Some(1));
    let b = finding(&r, "backup");
    assert_eq!(
        (b["code"].as_str(), b["severity"].as_str()),
        (Some("backup_stale"), Some("high"))
    );
    assert_eq!(finding(&r, "offsite")["code"], "offsite_on");

    // A backup from an hour ago: nothing high is left (MFA is pending, the drill not run).
    let recent =
        custos::schedule::file_name(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
    std::fs::write(backups.join(recent), b"x").unwrap();
    let (code, r, err) = doctor(&data, &[]);
    assert_eq!(code, Some(0), "{err}: {r}");
    assert_eq!(finding(&r, "backup")["code"], "backup_recent");
    assert_eq!(r["worst"], "medium");

    // A certificate expiring in three days: high; renewed for a year: fine again.
    let original = (
        std::fs::read(data.join("tls/cert.pem")).unwrap(),
        std::fs::read(data.join("tls/key.pem")).unwrap(),
    );
    write_certificate(&data, 3, false);
    let (code, r, _) = doctor(&data, &[]);
    assert_eq!(code, Some(1));
    let tls = finding(&r, "tls");
    assert_eq!(
        (tls["code"].as_str(), tls["severity"].as_str()),
        (Some("tls_expiring"), Some("high"))
    );
    assert!(tls["count"].as_i64().unwrap() <= 3);
    write_certificate(&data, 365, true);
    let (code, r, _) = doctor(&data, &[]);
    assert_eq!(code, Some(0));
    let tls = finding(&r, "tls");
    assert_eq!(
        (tls["code"].as_str(), tls["severity"].as_str()),
        (Some("tls_valid"), Some("ok"))
    );
    // The self-signed one `init` made is only worth knowing about.
    write_certificate(&data, 365, false);
    let (code, r, _) = doctor(&data, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(finding(&r, "tls")["code"], "tls_self_signed");
    std::fs::write(data.join("tls/cert.pem"), original.0).unwrap();
    std::fs::write(data.join("tls/key.pem"), original.1).unwrap();

    // A known vulnerability in this very build (an advisory against custos itself): high.
    let db = dir.path().join("advisory-db");
    let adv = db.join("crates/custos");
    std::fs::create_dir_all(&adv).unwrap();
    std::fs::write(
        adv.join("RUSTSEC-2099-0001.md"),
        "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"custos\"\ndate = \"2099-01-01\"\n\n[versions]\npatched = [\">= 99.0.0\"]\n```\n\n# custos leaks everything\n",
    )
    .unwrap();
    let (code, r, _) = doctor(&data, &[("CUSTOS_ADVISORY_DB", db.to_str().unwrap())]);
    assert_eq!(code, Some(1));
    let v = finding(&r, "version");
    assert_eq!(v["code"], "version_vulnerable");
    assert!(v["state"].as_str().unwrap().contains("RUSTSEC-2099-0001"));
    // Patched in this version: nothing known affects it.
    std::fs::write(
        adv.join("RUSTSEC-2099-0001.md"),
        "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"custos\"\ndate = \"2099-01-01\"\n\n[versions]\npatched = [\">= 0.0.1\"]\n```\n\n# fixed long ago\n",
    )
    .unwrap();
    let (code, r, _) = doctor(&data, &[("CUSTOS_ADVISORY_DB", db.to_str().unwrap())]);
    assert_eq!(code, Some(0));
    assert_eq!(finding(&r, "version")["code"], "version_clean");

    // The documents from the command line.
    let o = custos(
        &[
            "compliance",
            "privacy-notice",
            "--lang",
            "pl",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout)
        .contains("Informacja o przetwarzaniu danych osobowych – Optik Nord"));
    let out = dir.path().join("ropa.html");
    let o = custos(
        &[
            "compliance",
            "ropa",
            "--format",
            "html",
            "--out",
            out.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("(g) Technical and organisational security measures"));
    let o = custos(
        &[
            "compliance",
            "data-map",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    svg_texts(&String::from_utf8_lossy(&o.stdout));
    let o = custos(
        &[
            "compliance",
            "ropa",
            "--format",
            "pdf",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "bad usage");
}
