//! Business settings that drive alerts (hours, time zone, where alerts go), the off-hours rule,
//! and pushing alerts by e-mail and webhook.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::macros::datetime;

async fn relogin(app: &TestApp) -> (String, String) {
    (
        app.login("owner", OWNER_PW, None).await,
        app.login("sam", USER_PW, None).await,
    )
}

async fn patch_tenant(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.req(Method::PATCH, "/v1/tenant", token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn settings_are_validated_owner_only_and_contacts_stay_sealed() {
    let app = spawn_app().await;
    let staff = app.user("sam", "staff").await;

    let t: Value = app
        .get(&app.owner, "/v1/tenant")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        t["time_zone"], "Europe/Warsaw",
        "the default for a Polish business"
    );
    assert!(t.get("alert_email").is_none());

    for (body, code) in [
        (json!({"time_zone": "Mars/Olympus"}), "invalid_request"),
        (
            json!({"business_hours": {"mon": "18:00-08:00"}}),
            "invalid_request",
        ),
        (
            json!({"business_hours": {"funday": "08:00-18:00"}}),
            "invalid_json",
        ),
        (json!({"alert_email": "not an address"}), "invalid_request"),
        (
            json!({"alert_webhook_url": "http://hooks.example.org/x"}),
            "invalid_request",
        ),
        (json!({"alert_webhook_url": "ftp://x"}), "invalid_request"),
        (json!({}), "invalid_request"),
    ] {
        let r = patch_tenant(&app, &app.owner, body.clone()).await;
        let status = r.status().as_u16();
        assert!(status == 400 || status == 422, "{body}: {status}");
        assert_problem(r, status, code).await;
    }
    assert_problem(
        patch_tenant(&app, &staff, json!({"time_zone": "Europe/Berlin"})).await,
        403,
        "forbidden",
    )
    .await;
    // Nothing changed by the refused requests.
    let t: Value = app
        .get(&app.owner, "/v1/tenant")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["time_zone"], "Europe/Warsaw");

    let r = patch_tenant(
        &app,
        &app.owner,
        json!({"time_zone": "Europe/Berlin", "alert_email": "Security.Desk@Example.org", "alert_webhook_url": "https://hooks.example.org/custos-alerts"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["time_zone"], "Europe/Berlin");
    assert_eq!(t["alert_email"], "Security.Desk@example.org");
    let secret = t["alert_webhook_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64, "a 256-bit key in hex");

    // The secret is answered once; staff do not see where alerts go.
    let t: Value = app
        .get(&app.owner, "/v1/tenant")
        .await
        .json()
        .await
        .unwrap();
    assert!(t.get("alert_webhook_secret").is_none());
    assert_eq!(
        t["alert_webhook_url"],
        "https://hooks.example.org/custos-alerts"
    );
    let s: Value = app.get(&staff, "/v1/tenant").await.json().await.unwrap();
    assert_eq!(s["time_zone"], "Europe/Berlin");
    assert!(s.get("alert_email").is_none() && s.get("alert_webhook_url").is_none());

    // Clearing one contact keeps the other.
    let t: Value = patch_tenant(&app, &app.owner, json!({"alert_webhook_url": null}))
        .await
        .json()
        .await
        .unwrap();
    assert!(t.get("alert_webhook_url").is_none());
    assert_eq!(t["alert_email"], "Security.Desk@example.org");

    // Audited by kind of change, without the addresses; not in the database files in clear.
    let actions: Vec<String> = app
        .audit_bodies()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(actions.contains(&"tenant.hours".to_owned()));
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "tenant.alert_contacts")
            .count(),
        2
    );
    let needles = vec![
        "Security.Desk".to_owned(),
        "hooks.example.org".to_owned(),
        secret,
    ];
    let found = find_in_files(&app.stored_files(), &needles);
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn customer_data_used_outside_business_hours_raises_an_alert() {
    // Monday 23 November 2026, 02:30 UTC = 03:30 in Warsaw.
    let (mut app, clock) = spawn_clocked_tuned("retail", datetime!(2026-11-23 02:30 UTC), |s| {
        s.anomaly_scan_every = std::time::Duration::from_millis(100);
    })
    .await;
    let r = patch_tenant(
        &app,
        &app.owner,
        json!({"business_hours": {"mon": "08:00-18:00", "tue": "08:00-18:00", "wed": "08:00-18:00", "thu": "08:00-18:00", "fri": "08:00-18:00", "sat": "09:00-13:00", "sun": null}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.user("sam", "staff").await;
    let sam_id = app.user_id("sam").await;
    // Logins last 12 hours: log in again after each jump of the clock.

    // Setting things up is not customer data; no alert yet.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(app.alerts_of("off_hours_access").await.is_empty());

    // 09:30 local: within hours, nothing.
    clock.advance(time::Duration::hours(6));
    let (owner, staff) = relogin(&app).await;
    app.owner = owner;
    let c = app.create(&staff, json!({"first_name": "Nina"})).await;
    assert_eq!(c.status(), StatusCode::CREATED);
    let id = c.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(app.alerts_of("off_hours_access").await.is_empty());

    // 21:30 local: after closing, a read raises a warning naming the event.
    clock.advance(time::Duration::hours(12));
    let (owner, staff) = relogin(&app).await;
    app.owner = owner;
    let r = app.get(&staff, &format!("/v1/customers/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let found = app.await_alerts("off_hours_access", 1).await;
    assert_eq!(found.len(), 1);
    let a = &found[0];
    assert_eq!(a["severity"], "warning");
    assert_eq!(a["evidence"]["actor_id"], sam_id.as_str());
    assert_eq!(a["evidence"]["action"], "customer.read");
    assert!(
        a["evidence"]["local_time"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-23 21:30"),
        "{a}"
    );
    let event = app
        .audit_bodies()
        .into_iter()
        .find(|e| e["request_id"] == request_id.as_str())
        .unwrap();
    assert_eq!(a["evidence"]["event_id"], event["id"]);

    // More of the same within the hour: still one alert. Sunday: closed all day.
    app.get(&staff, &format!("/v1/customers/{id}")).await;
    clock.advance(time::Duration::days(5) + time::Duration::hours(14));
    let (owner, staff) = relogin(&app).await;
    app.owner = owner;
    assert_eq!(
        app.get(&staff, &format!("/v1/customers/{id}"))
            .await
            .status(),
        StatusCode::OK
    );
    let found = app.await_alerts("off_hours_access", 2).await;
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0]["evidence"]["local_time"]
            .as_str()
            .unwrap()
            .contains("(Sun)"),
        "{found:?}"
    );
}

async fn grant_break_glass(app: &TestApp, user_id: &str) -> Value {
    let r = app
        .req(Method::POST, "/v1/break-glass", &app.owner)
        .json(&json!({"user_id": user_id, "role": "manager", "minutes": 30, "reason": "covering the manager"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    app.alerts_of("break_glass").await.remove(0)
}

#[tokio::test]
async fn alerts_are_pushed_by_mail_and_by_a_signed_webhook_that_is_retried() {
    use hmac::Mac;
    let smtp = crate::receivers::SmtpServer::start().await;
    let hooks = crate::receivers::HookReceiver::start(1).await;
    let smtp_url = smtp.url();
    let app = spawn_tuned("retail", |s| {
        s.smtp_url = Some(smtp_url);
        s.mail_from = "custos@shop.example".into();
        s.outbox_poll_every = std::time::Duration::from_millis(100);
        s.outbox_retry_base = time::Duration::seconds(1);
    })
    .await;
    let t: Value = patch_tenant(
        &app,
        &app.owner,
        json!({"alert_email": "security@shop.example", "alert_webhook_url": hooks.url()}),
    )
    .await
    .json()
    .await
    .unwrap();
    let secret = t["alert_webhook_secret"].as_str().unwrap().to_owned();
    app.user("sam", "staff").await;
    let sam = app.user_id("sam").await;
    let alert = grant_break_glass(&app, &sam).await;
    let alert_id = alert["id"].as_str().unwrap();

    // The mail: to the alert address, from the configured sender, naming the alert.
    let mails = smtp.wait_for(1).await;
    let m = &mails[0];
    assert_eq!(m.from, "custos@shop.example");
    assert_eq!(m.to, vec!["security@shop.example".to_owned()]);
    let subject = m.header("Subject").unwrap();
    assert!(
        subject.contains("high alert at Test Shop: break_glass"),
        "{subject}"
    );
    let body = m.body();
    assert!(body.contains(alert_id) && body.contains(&sam), "{body}");

    // The webhook: refused once, delivered on the retry, the same delivery id both times,
    // signed over the timestamp and the body with the secret answered once.
    let got = hooks.wait_for(2).await;
    assert_eq!((got[0].status, got[1].status), (500, 204));
    assert_eq!(
        got[0].headers["custos-delivery"],
        got[1].headers["custos-delivery"]
    );
    let h = &got[1];
    assert_eq!(h.headers["custos-event"], "alert.raised");
    let sig = h.headers["custos-signature"].to_str().unwrap();
    let (t_part, v1) = sig.split_once(",v1=").unwrap();
    let ts: i64 = t_part.strip_prefix("t=").unwrap().parse().unwrap();
    assert!((ts - unix_now() as i64).abs() < 60);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{}", h.body).as_bytes());
    assert_eq!(
        v1,
        hex::encode(mac.finalize().into_bytes()),
        "a valid signature"
    );
    let mut forged = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"another secret").unwrap();
    forged.update(format!("{ts}.{}", h.body).as_bytes());
    assert_ne!(v1, hex::encode(forged.finalize().into_bytes()));
    let payload: Value = serde_json::from_str(&h.body).unwrap();
    assert_eq!(payload["type"], "alert.raised");
    assert_eq!(payload["alert"]["id"], alert_id);
    assert_eq!(payload["alert"]["evidence"]["user_id"], sam.as_str());

    // The delivery log.
    let mut log: Value = Value::Null;
    for _ in 0..50 {
        log = app
            .get(&app.owner, &format!("/v1/alerts/{alert_id}/deliveries"))
            .await
            .json()
            .await
            .unwrap();
        if log
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "delivered")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let by = |ch: &str| {
        log.as_array()
            .unwrap()
            .iter()
            .find(|d| d["channel"] == ch)
            .cloned()
            .unwrap()
    };
    let (mail, hook) = (by("email"), by("webhook"));
    assert_eq!(
        (mail["status"].as_str(), mail["attempts"].as_u64()),
        (Some("delivered"), Some(1))
    );
    assert_eq!(
        (hook["status"].as_str(), hook["attempts"].as_u64()),
        (Some("delivered"), Some(2))
    );
    assert_eq!(hook["id"], h.headers["custos-delivery"].to_str().unwrap());

    // The outbox keeps addresses sealed.
    let found = find_in_files(
        &app.stored_files(),
        &["security@shop.example".to_owned(), secret],
    );
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn a_mail_that_cannot_be_sent_stays_pending_with_its_error() {
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", closed.local_addr().unwrap());
    drop(closed);
    let app = spawn_tuned("retail", |s| {
        s.smtp_url = Some(url);
        s.outbox_poll_every = std::time::Duration::from_millis(100);
        s.outbox_retry_base = time::Duration::seconds(60);
    })
    .await;
    patch_tenant(
        &app,
        &app.owner,
        json!({"alert_email": "security@shop.example"}),
    )
    .await;
    app.user("sam", "staff").await;
    let sam = app.user_id("sam").await;
    let alert = grant_break_glass(&app, &sam).await;
    let path = format!("/v1/alerts/{}/deliveries", alert["id"].as_str().unwrap());
    let mut d = Value::Null;
    for _ in 0..100 {
        d = app
            .get(&app.owner, &path)
            .await
            .json::<Value>()
            .await
            .unwrap()[0]
            .clone();
        if d["attempts"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_u64()),
        (Some("pending"), Some(1)),
        "{d}"
    );
    assert!(d["last_error"].as_str().unwrap().starts_with("SMTP"), "{d}");
    assert!(d["next_attempt_at"].is_string());
    // Staff do not read the log (Sam, lifted to manager, now could).
    let staff = app.user("tim", "staff").await;
    assert_problem(app.get(&staff, &path).await, 403, "forbidden").await;
}

#[tokio::test]
async fn every_export_of_customer_data_raises_an_alert() {
    let app = spawn_tuned("retail", |s| {
        s.anomaly_scan_every = std::time::Duration::from_millis(100);
    })
    .await;
    let id = app.customer(json!({"first_name": "Ola"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let manager = app.user("mia", "manager").await;
    let mia = app.user_id("mia").await;
    let r = app
        .get(&manager, &format!("/v1/customers/{id}/export"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let found = app.await_alerts("export", 1).await;
    assert_eq!(found.len(), 1);
    let a = &found[0];
    assert_eq!(a["severity"], "info");
    assert_eq!(a["evidence"]["actor_id"], mia.as_str());
    assert_eq!(a["evidence"]["customers"], 1);
    let event = app
        .audit_bodies()
        .into_iter()
        .find(|e| e["request_id"] == request_id.as_str())
        .unwrap();
    assert_eq!(a["evidence"]["event_id"], event["id"]);
    // A refused export is no export.
    let staff = app.user("sam", "staff").await;
    assert_eq!(
        app.get(&staff, &format!("/v1/customers/{id}/export"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(app.alerts_of("export").await.len(), 1);
    // An audience export is one too, with its size.
    let r = app
        .req(Method::POST, &format!("/v1/customers/{id}/consents"), &app.owner)
        .json(&json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .get(
            &manager,
            "/v1/marketing/audience?purpose=sms_offers&channel=sms",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let found = app.await_alerts("export", 2).await;
    assert_eq!(found[0]["evidence"]["action"], "marketing.audience");
    assert_eq!(
        found[0]["evidence"]["customers"], 0,
        "no phone number: nobody to text"
    );
}
