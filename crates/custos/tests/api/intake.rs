//! The public intake form: the privacy notice and consent choices before the fields, a
//! customer created with consents (e-mail by double opt-in over SMTP), and scripts kept out by
//! a honeypot, a minimum fill time, a stale-form check and a per-address limit.

use crate::helpers::*;
use crate::receivers::SmtpServer;
use reqwest::StatusCode;
use serde_json::Value;

fn token_in(html: &str) -> String {
    let at = html.find("name=\"ft\" value=\"").expect("a form token") + 17;
    html[at..].split('"').next().unwrap().to_owned()
}

async fn form(app: &TestApp, query: &str) -> (StatusCode, String) {
    let r = app
        .page_client()
        .get(format!("{}/privacy/join/test-shop{query}", app.base))
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn post(app: &TestApp, pairs: &[(&str, &str)]) -> (StatusCode, String) {
    let r = app
        .page_client()
        .post(format!("{}/privacy/join/test-shop", app.base))
        .form(pairs)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn customers(app: &TestApp) -> Vec<Value> {
    let v: Value = app
        .get(&app.owner, "/v1/customers")
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_new_customer_signs_up_with_consents_after_reading_the_notice() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let (mut app, clock) = spawn_clocked_tuned("retail", time::OffsetDateTime::now_utc(), |s| {
        s.smtp_url = Some(url);
        s.outbox_poll_every = std::time::Duration::from_millis(100);
        s.anomaly_scan_every = std::time::Duration::from_millis(100);
    })
    .await;
    app.owner_api_token().await;

    // The shop is closed all week: staff access raises the off-hours alert, a customer signing
    // up online does not.
    let closed = serde_json::json!({"business_hours": {"mon": null, "tue": null, "wed": null, "thu": null, "fri": null, "sat": null, "sun": null}});
    let r = app
        .req(reqwest::Method::PATCH, "/v1/tenant", &app.owner)
        .json(&closed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A Polish business: the form speaks Polish; the notice and the consents come first.
    let (st, html) = form(&app, "").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("lang=\"pl\""));
    let notice = html.find("Zanim Państwo zaczną").unwrap();
    let consents = html.find("Co możemy Państwu wysyłać?").unwrap();
    let fields = html.find("id=\"f_first_name\"").unwrap();
    assert!(
        notice < consents && consents < fields,
        "notice, consents, then fields"
    );
    for s in [
        "Administrator danych",
        "Ordynacja podatkowa",
        "Tak, chcę otrzymywać newsletter",
        "name=\"website\"",
        "Imię",
        "/privacy/portal?lang=pl",
    ] {
        assert!(html.contains(s), "{s} missing");
    }
    assert!(
        !html.contains("f_note") && !html.contains("<script"),
        "staff notes are not asked of customers"
    );
    let ft = token_in(&html);

    let good: Vec<(&str, &str)> = vec![
        ("ft", &ft),
        ("lang", "pl"),
        ("f_first_name", "Ola"),
        ("f_last_name", "Intakecanary"),
        ("f_email", "ola@example.org"),
        ("f_phone", "601 555 444"),
        ("f_city", ""),
        ("consent", "newsletter:email"),
        ("consent", "sms_offers:sms"),
        ("website", ""),
    ];
    // Sent faster than anyone reads (a script, or autofill): shown again to check, with what
    // was typed, nothing stored.
    let (st, text) = post(&app, &good).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text.contains("Prosimy sprawdzić dane") && text.contains("value=\"Intakecanary\""),
        "{text}"
    );
    assert!(customers(&app).await.is_empty());
    clock.advance(time::Duration::seconds(20));
    // The honeypot filled in: answered like a success, nothing stored.
    let mut bot = good.clone();
    bot.retain(|(k, _)| *k != "website");
    bot.push(("website", "http://spam.example"));
    let (st, text) = post(&app, &bot).await;
    assert_eq!(st, StatusCode::OK);
    assert!(text.contains("Dziękujemy"));
    assert!(customers(&app).await.is_empty());
    assert_eq!(
        app.audit_bodies()
            .iter()
            .filter(|e| e["action"] == "intake.refused")
            .count(),
        2
    );

    // Bad input is shown again with the reason and the values typed; nothing stored.
    let mut missing = good.clone();
    missing.retain(|(k, _)| *k != "f_first_name");
    let (st, text) = post(&app, &missing).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text.contains("first_name") && text.contains("value=\"Intakecanary\""),
        "{text}"
    );
    for (k, v) in [
        ("f_note", "staff only"),
        ("f_loyalty_number", "4111 1111 1111 1111"),
        ("consent", "accounting:"),
        ("f_email", "not-an-address"),
    ] {
        let mut bad = good.clone();
        bad.push((k, v));
        let (st, text) = post(&app, &bad).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{k}={v}");
        assert!(
            !text.contains("4111 1111"),
            "a card number is never shown back"
        );
    }
    assert!(customers(&app).await.is_empty());

    // The real sign-up.
    let (st, text) = post(&app, &good).await;
    assert_eq!(st, StatusCode::OK, "{text}");
    assert!(
        text.contains("C-000001") && text.contains("potwierdzić"),
        "{text}"
    );
    let all = customers(&app).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["fields"]["phone"], "+48601555444");
    let id = all[0]["id"].as_str().unwrap();
    let c: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}/consents"))
        .await
        .json()
        .await
        .unwrap();
    let state = |purpose: &str| {
        c["current"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["purpose"] == purpose)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state("newsletter"), "pending_confirmation");
    assert_eq!(state("sms_offers"), "given");
    for h in c["history"].as_array().unwrap() {
        assert_eq!(h["method"], "web_form");
        assert_eq!(h["recorded_by_kind"], "customer");
        // The privacy notice in force when the form was sent (its first version).
        assert_eq!(h["notice_version"], 1);
        assert_eq!(h["evidence"]["notice_version"], 1);
        assert_eq!(h["lang"], "pl");
    }
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.to, vec!["ola@example.org".to_owned()]);
    assert!(mail.body().contains("/privacy/consent/confirm?t="));
    let created = app
        .audit_bodies()
        .into_iter()
        .find(|e| e["action"] == "customer.create")
        .unwrap();
    assert_eq!(
        (created["actor_kind"].as_str(), created["reason"].as_str()),
        (Some("customer"), Some("intake_form"))
    );

    let read = app.get(&app.owner, &format!("/v1/customers/{id}")).await;
    assert_eq!(read.status(), StatusCode::OK);
    app.await_alerts("off_hours_access", 1).await;
    // Let the scanner pass the sign-up's events (it scans every 100 ms).
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let alerts = app.alerts_of("off_hours_access").await;
    assert!(!alerts.is_empty());
    assert!(
        alerts
            .iter()
            .all(|a| a["evidence"]["actor_kind"] != "customer"),
        "{alerts:?}"
    );

    // A form left open for hours is refused as out of date.
    clock.advance(time::Duration::hours(3));
    let (st, text) = post(&app, &good).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("nieaktualny"));

    // At most ten sign-ups an hour from one address.
    let (_, html) = form(&app, "?lang=en").await;
    let ft = token_in(&html);
    clock.advance(time::Duration::seconds(10));
    let mut limited = None;
    for n in 0..12 {
        let email = format!("n{n}@example.org");
        let (st, _) = post(
            &app,
            &[
                ("ft", &ft),
                ("f_first_name", "Many"),
                ("f_email", &email),
                ("website", ""),
            ],
        )
        .await;
        if st == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(n);
            break;
        }
        assert_eq!(st, StatusCode::OK);
    }
    assert!(limited.is_some_and(|n| n <= 10), "{limited:?}");
    let (st, _) = post(
        &app,
        &[("ft", &ft), ("f_first_name", "Late"), ("website", "")],
    )
    .await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "still limited");

    // English on request; an unknown business is a 404 page.
    assert!(html.contains("Before you start") && html.contains("First name"));
    let r = app
        .page_client()
        .get(format!("{}/privacy/join/nope", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
