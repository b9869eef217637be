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
    let found = find_in_files(&files_under(&app.data), &needles);
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
