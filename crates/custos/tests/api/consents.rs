//! Consents: the history with its evidence, the double opt-in over real SMTP with a signed,
//! expiring link, one-click unsubscribe (RFC 8058) without logging in.

use crate::helpers::*;
use crate::receivers::SmtpServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn consent(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.req(Method::POST, &format!("/v1/customers/{id}/consents"), token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn current(app: &TestApp, id: &str, purpose: &str, channel: &str) -> Value {
    let c: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}/consents"))
        .await
        .json()
        .await
        .unwrap();
    c["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["purpose"] == purpose && s["channel"] == channel)
        .cloned()
        .unwrap_or(Value::Null)
}

/// The link in a mail body that starts with `prefix`.
fn link_in(body: &str, prefix: &str) -> String {
    body.split_whitespace()
        .find(|w| w.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} link in {body}"))
        .to_owned()
}

#[tokio::test]
async fn double_opt_in_over_smtp_then_one_click_unsubscribe() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_tuned("retail", |s| {
        s.smtp_url = Some(url);
        s.mail_from = "Test Shop <shop@example.org>".into();
        s.outbox_poll_every = std::time::Duration::from_millis(100);
    })
    .await;
    let c = app
        .customer(json!({"first_name": "Zofia", "email": "zofia@example.org"}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let staff = app.user("sam", "staff").await;

    let r = consent(
        &app,
        &staff,
        &id,
        json!({"purpose": "newsletter", "channel": "email", "state": "given", "method": "in_store"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let rec: Value = r.json().await.unwrap();
    assert_eq!(rec["status"]["state"], "pending_confirmation");
    assert_eq!(rec["event"]["text_version"], 1);
    assert_eq!(
        rec["event"]["lang"], "pl",
        "a Polish business asks in Polish"
    );
    assert!(rec["event"]["evidence"]["client_address_hash"].is_string());
    assert_eq!(rec["event"]["recorded_by_kind"], "user");

    // The confirmation mail, with RFC 8058 headers.
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.to, vec!["zofia@example.org".to_owned()]);
    assert_eq!(mail.from, "shop@example.org");
    let body = mail.body();
    assert!(body.contains("Tak, chcę otrzymywać newsletter"), "{body}");
    let confirm = link_in(&body, &format!("{}/privacy/consent/confirm?t=", app.base));
    let unsubscribe = link_in(&body, &format!("{}/privacy/unsubscribe?t=", app.base));
    assert_eq!(
        mail.header("List-Unsubscribe").unwrap(),
        format!("<{unsubscribe}>")
    );
    assert_eq!(
        mail.header("List-Unsubscribe-Post").unwrap(),
        "List-Unsubscribe=One-Click"
    );

    // Following the link shows a button; a GET alone (a mail scanner) changes nothing.
    let page = app.client.get(&confirm).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<form method=\"post\"") && html.contains("Test Shop"),
        "{html}"
    );
    assert_eq!(
        current(&app, &id, "newsletter", "email").await["state"],
        "pending_confirmation"
    );
    assert_eq!(
        audience(&app, &app.owner, "newsletter", "email")
            .await
            .len(),
        1,
        "pending is not consent"
    );
    // A tampered token is refused.
    let mut bad = confirm.clone();
    bad.pop();
    bad.push(if confirm.ends_with('A') { 'B' } else { 'A' });
    let r = app.client.post(&bad).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Pressing the button (no login) makes it given, with the confirmation as evidence.
    let token = confirm.split_once("t=").unwrap().1.to_owned();
    let r = app
        .client
        .post(format!("{}/privacy/consent/confirm", app.base))
        .form(&[("t", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("potwierdzona"));
    let now = current(&app, &id, "newsletter", "email").await;
    assert_eq!(now["state"], "given");
    let history: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}/consents"))
        .await
        .json()
        .await
        .unwrap();
    let events = history["history"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["method"], "double_opt_in");
    assert_eq!(events[1]["recorded_by_kind"], "customer");
    assert!(events[1]["evidence"]["confirmed_at"].is_string());
    assert_eq!(events[1]["text_version"], 1);
    // Confirming twice changes nothing.
    let r = app
        .client
        .post(format!("{}/privacy/consent/confirm", app.base))
        .form(&[("t", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let aud = audience(&app, &app.owner, "newsletter", "email").await;
    assert_eq!(aud.len(), 2);
    assert_eq!(aud[1][4], "zofia@example.org");
    assert!(aud[1][5].starts_with(&format!("{}/privacy/unsubscribe?t=", app.base)));

    // The export carries the consents with their evidence.
    let e: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}/export"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["consents"]["history"].as_array().unwrap().len(), 2);
    assert_eq!(e["consents"]["history"][1]["method"], "double_opt_in");

    // A mail client's one-click unsubscribe: POST to the header's URL, no login.
    let r = app
        .client
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let now = current(&app, &id, "newsletter", "email").await;
    assert_eq!(now["state"], "withdrawn");
    assert_eq!(
        audience(&app, &app.owner, "newsletter", "email")
            .await
            .len(),
        1
    );
    let history: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}/consents"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["history"][2]["method"], "unsubscribe_link");

    // The audit trail names the customer's own actions, never the address.
    let bodies = app.audit_bodies();
    for a in [
        "consent.record",
        "consent.confirm",
        "consent.withdraw",
        "consent.read",
    ] {
        assert!(bodies.iter().any(|e| e["action"] == a), "{a}");
    }
    assert!(!serde_json::to_string(&bodies).unwrap().contains("zofia@"));
    // The outbox kept the address sealed.
    let found = find_in_files(&app.stored_files(), &["zofia@example.org".to_owned()]);
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn consent_input_is_checked_and_staff_record_withdrawals() {
    let app = spawn_app().await;
    let id = app
        .customer(json!({"first_name": "Ola", "phone": "+48601234567"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ok =
        json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"});
    for (patch, code) in [
        (json!({"purpose": "service"}), "invalid_request"),
        (json!({"purpose": "profiling"}), "invalid_request"),
        (
            json!({"channel": "email", "purpose": "sms_offers"}),
            "invalid_request",
        ),
        (json!({"channel": null}), "invalid_request"),
        (json!({"state": "pending_confirmation"}), "invalid_request"),
        (json!({"state": "maybe"}), "invalid_json"),
        (json!({"method": "telepathy"}), "invalid_request"),
        (json!({"text_version": 9}), "invalid_request"),
        (json!({"lang": "fr"}), "invalid_request"),
        (
            json!({"purpose": "newsletter", "channel": "email"}),
            "invalid_request",
        ),
    ] {
        let mut body = ok.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = consent(&app, &app.owner, &id, body.clone()).await;
        let status = r.status().as_u16();
        assert!(status == 400 || status == 422, "{body}: {status}");
        let p = assert_problem(r, status, code).await;
        if body["purpose"] == "newsletter" {
            assert!(p["detail"].as_str().unwrap().contains("e-mail"), "{p}");
        }
    }
    // Nothing was recorded by the refusals.
    let c: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}/consents"))
        .await
        .json()
        .await
        .unwrap();
    assert!(c["history"].as_array().unwrap().is_empty());

    // SMS consent needs no mail confirmation; a withdrawal is one request.
    let r = consent(&app, &app.owner, &id, ok.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["status"]["state"], "given");
    let staff = app.user("sam", "staff").await;
    let r = consent(
        &app,
        &staff,
        &id,
        json!({"purpose": "sms_offers", "channel": "sms", "state": "withdrawn", "method": "in_store"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        current(&app, &id, "sms_offers", "sms").await["state"],
        "withdrawn"
    );
    // Imports record the source file as evidence.
    let r = consent(
        &app,
        &app.owner,
        &id,
        json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "import", "source": "customers_export.csv"}),
    )
    .await;
    let rec: Value = r.json().await.unwrap();
    assert_eq!(rec["event"]["evidence"]["source"], "customers_export.csv");
    // Roles without customer access cannot record or read.
    let auditor = app.user("audrey", "auditor").await;
    assert_problem(consent(&app, &auditor, &id, ok).await, 403, "forbidden").await;
    assert_problem(
        app.get(&auditor, &format!("/v1/customers/{id}/consents"))
            .await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn an_unconfirmed_request_expires_and_erasure_drops_its_mail() {
    // No SMTP server: the mail stays in the outbox.
    let (app, clock) = spawn_clocked("retail").await;
    let id = app
        .customer(json!({"first_name": "Ewa", "email": "ewa@example.org"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rec: Value = consent(
        &app,
        &app.owner,
        &id,
        json!({"purpose": "newsletter", "channel": "email", "state": "given", "method": "web_form", "lang": "de"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(rec["status"]["state"], "pending_confirmation");
    let count = |app: &TestApp| app.sql_count("SELECT count(*) FROM deliveries");
    assert_eq!(count(&app), 1);

    clock.advance(time::Duration::days(8));
    let owner = app.login("owner", OWNER_PW, None).await;
    let c: Value = app
        .get(&owner, &format!("/v1/customers/{id}/consents"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["current"][0]["state"], "withdrawn", "{c}");

    let r = app
        .req(Method::DELETE, &format!("/v1/customers/{id}"), &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(count(&app), 0, "the unsent mail went with the customer");
}

async fn audience(app: &TestApp, token: &str, purpose: &str, channel: &str) -> Vec<Vec<String>> {
    let r = app
        .get(
            token,
            &format!("/v1/marketing/audience?purpose={purpose}&channel={channel}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let head: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let mut rows = vec![head];
    for rec in rd.records() {
        rows.push(rec.unwrap().iter().map(String::from).collect());
    }
    rows
}

#[tokio::test]
async fn the_audience_holds_exactly_the_customers_whose_consent_counts_now() {
    let (app, clock) = spawn_clocked("retail").await;
    // Tokens that outlive the clock's jumps.
    let token = |role: &'static str| {
        let app = &app;
        async move {
            let r = app
                .req(Method::POST, "/v1/tokens", &app.owner)
                .json(&json!({"name": format!("aud-{role}"), "role": role}))
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()["token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let owner = token("owner").await;
    let marketing = token("marketing").await;
    let staff = token("staff").await;
    let mut ids = std::collections::BTreeMap::new();
    for (name, phone) in [
        ("Ada", "+48601000001"),
        ("Bea", "+48601000002"),
        ("Cyd", "+48601000003"),
        ("Dot", "+48601000004"),
        ("Eve", "+48601000005"),
        ("Gus", "+48601000007"),
    ] {
        let c: Value = app
            .req(Method::POST, "/v1/customers", &owner)
            .json(&json!({"fields": {"first_name": name, "phone": phone, "email": format!("{}@example.org", name.to_lowercase())}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = c["id"].as_str().unwrap().to_owned();
        let r = consent(&app, &staff, &id, json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.insert(name, id);
    }
    let everyone = audience(&app, &marketing, "sms_offers", "sms").await;
    assert_eq!(
        everyone[0],
        vec![
            "customer_id",
            "number",
            "first_name",
            "last_name",
            "phone",
            "unsubscribe_url"
        ],
        "only what an SMS needs"
    );
    assert_eq!(everyone.len(), 7);
    assert!(!everyone
        .iter()
        .flatten()
        .any(|c| c.contains("@example.org")));

    // Bea withdraws, Cyd objects to direct marketing, Dot is restricted, Eve is erased.
    consent(
        &app,
        &staff,
        &ids["Bea"],
        json!({"purpose": "sms_offers", "channel": "sms", "state": "withdrawn", "method": "phone"}),
    )
    .await;
    let r = app
        .req(
            Method::POST,
            &format!("/v1/customers/{}/objection", ids["Cyd"]),
            &staff,
        )
        .json(&json!({"method": "email"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .req(
            Method::PUT,
            &format!("/v1/customers/{}/restriction", ids["Dot"]),
            &owner,
        )
        .json(&json!({"reason": "accuracy_contested"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_problem(
        app.req(
            Method::PUT,
            &format!("/v1/customers/{}/restriction", ids["Dot"]),
            &staff,
        )
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/customers/{}", ids["Eve"]),
            &owner,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let names =
        |rows: &[Vec<String>]| -> Vec<String> { rows[1..].iter().map(|r| r[2].clone()).collect() };
    assert_eq!(
        names(&audience(&app, &marketing, "sms_offers", "sms").await),
        vec!["Ada", "Gus"]
    );

    // The objection covers every marketing purpose; a later consent counts again.
    let c: Value = app
        .get(&owner, &format!("/v1/customers/{}/consents", ids["Cyd"]))
        .await
        .json()
        .await
        .unwrap();
    let sms = c["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["purpose"] == "sms_offers")
        .unwrap();
    assert_eq!(sms["state"], "withdrawn");
    // Lifting Dot's restriction brings Dot back.
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/customers/{}/restriction", ids["Dot"]),
            &owner,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        names(&audience(&app, &marketing, "sms_offers", "sms").await),
        vec!["Ada", "Dot", "Gus"]
    );

    // Two years without dealings: consent lapses (730 days), unless the customer came by.
    clock.advance(time::Duration::days(700));
    let r = app
        .req(
            Method::POST,
            &format!("/v1/customers/{}/records", ids["Ada"]),
            &staff,
        )
        .json(&json!({"type": "purchase", "fields": {"amount": 12}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    clock.advance(time::Duration::days(31));
    assert_eq!(
        names(&audience(&app, &marketing, "sms_offers", "sms").await),
        vec!["Ada"]
    );
    let c: Value = app
        .get(&owner, &format!("/v1/customers/{}/consents", ids["Gus"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["current"][0]["state"], "lapsed");
    // Reported, so they can be asked again.
    let rep: Value = app
        .get(&marketing, "/v1/marketing/consents?purpose=sms_offers")
        .await
        .json()
        .await
        .unwrap();
    let sms = &rep["channels"][0];
    assert_eq!(sms["channel"], "sms");
    assert_eq!(
        (
            sms["given"].as_u64(),
            sms["withdrawn"].as_u64(),
            sms["lapsed"].as_u64()
        ),
        (Some(1), Some(2), Some(2)),
        "{rep}"
    );
    let lapsed: Vec<&str> = sms["lapsed_customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["customer_id"].as_str().unwrap())
        .collect();
    assert!(lapsed.contains(&ids["Gus"].as_str()) && lapsed.contains(&ids["Dot"].as_str()));

    // Who may: marketing, owner, manager; not staff. Bad input is refused.
    assert_problem(
        app.get(
            &staff,
            "/v1/marketing/audience?purpose=sms_offers&channel=sms",
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    for (q, code) in [
        ("purpose=service&channel=email", "invalid_request"),
        ("purpose=sms_offers&channel=email", "invalid_request"),
        ("purpose=sms_offers&channel=pigeon", "invalid_query"),
        ("purpose=sms_offers", "invalid_query"),
    ] {
        let r = app
            .get(&marketing, &format!("/v1/marketing/audience?{q}"))
            .await;
        let status = r.status().as_u16();
        assert!(status == 400 || status == 422, "{q}: {status}");
        assert_problem(r, status, code).await;
    }
    // Each export is audited with exactly who was in it.
    let last = app
        .audit_bodies()
        .into_iter()
        .rev()
        .find(|e| e["action"] == "marketing.audience" && e["outcome"] == "ok")
        .unwrap();
    assert_eq!(last["customer_ids"], json!([ids["Ada"]]));
    assert!(last["reason"].as_str().unwrap().contains("1 customers"));
}
