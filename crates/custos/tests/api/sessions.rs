//! Web sessions (cookie, CSRF, idle and absolute timeouts, log out everywhere) and POS devices
//! (pairing, revocation, audited under their own name), with a clock the test moves.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::Duration;

struct Session {
    cookie: String,
    csrf: String,
}

async fn session(app: &TestApp, user: &str, pw: &str) -> Session {
    let r = app
        .client
        .post(format!("{}/v1/auth/session", app.base))
        .json(&json!({"username": user, "password": pw}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in [
        "__Host-custos_session=cst_",
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=43200",
    ] {
        assert!(set.contains(attr), "{attr} missing in {set}");
    }
    assert!(!set.contains("Domain"), "__Host- cookies carry no Domain");
    let cookie = set.split(';').next().unwrap().to_owned();
    let v: Value = r.json().await.unwrap();
    Session {
        cookie,
        csrf: v["csrf_token"].as_str().unwrap().to_owned(),
    }
}

fn with(
    app: &TestApp,
    m: Method,
    path: &str,
    s: &Session,
    csrf: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut r = app
        .client
        .request(m, format!("{}{path}", app.base))
        .header("cookie", &s.cookie);
    if let Some(c) = csrf {
        r = r.header("x-csrf-token", c);
    }
    r
}

#[tokio::test]
async fn sessions_use_a_host_cookie_with_csrf_and_end_by_themselves() {
    let (app, clock) = spawn_clocked("retail").await;
    let s = session(&app, "owner", OWNER_PW).await;
    let who: Value = with(&app, Method::GET, "/v1/auth/whoami", &s, None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(who["kind"], "user");
    // Changes need the CSRF token; reads do not.
    let body = json!({"fields": {"first_name": "Cookie"}});
    assert_problem(
        with(&app, Method::POST, "/v1/customers", &s, None)
            .json(&body)
            .send()
            .await
            .unwrap(),
        403,
        "csrf_failed",
    )
    .await;
    assert_problem(
        with(&app, Method::POST, "/v1/customers", &s, Some("forged"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        403,
        "csrf_failed",
    )
    .await;
    let other = session(&app, "owner", OWNER_PW).await;
    assert_ne!(other.cookie, s.cookie, "a new id at every login");
    assert_problem(
        with(&app, Method::POST, "/v1/customers", &s, Some(&other.csrf))
            .json(&body)
            .send()
            .await
            .unwrap(),
        403,
        "csrf_failed",
    )
    .await;
    assert_eq!(
        with(&app, Method::POST, "/v1/customers", &s, Some(&s.csrf))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    // A session is only a cookie; a bearer token is never a cookie.
    let value = s.cookie.split_once('=').unwrap().1;
    assert_problem(app.get(value, "/v1/auth/whoami").await, 401, "unauthorized").await;
    let bearer_as_cookie = Session {
        cookie: format!("__Host-custos_session={}", app.owner),
        csrf: String::new(),
    };
    assert_problem(
        with(
            &app,
            Method::GET,
            "/v1/auth/whoami",
            &bearer_as_cookie,
            None,
        )
        .send()
        .await
        .unwrap(),
        401,
        "unauthorized",
    )
    .await;

    // Idle timeout 30 minutes: use keeps it alive, 31 idle minutes end it.
    for _ in 0..3 {
        clock.advance(Duration::minutes(29));
        assert_eq!(
            with(&app, Method::GET, "/v1/auth/whoami", &s, None)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
    clock.advance(Duration::minutes(31));
    let p = assert_problem(
        with(&app, Method::GET, "/v1/auth/whoami", &s, None)
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("without use"));

    // Absolute timeout 12 hours, however busy.
    let busy = session(&app, "owner", OWNER_PW).await;
    for _ in 0..(11 * 60 / 20) {
        clock.advance(Duration::minutes(20));
        assert_eq!(
            with(&app, Method::GET, "/v1/auth/whoami", &busy, None)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
    clock.advance(Duration::minutes(61));
    assert_problem(
        with(&app, Method::GET, "/v1/auth/whoami", &busy, None)
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn logout_and_logout_everywhere() {
    let app = spawn_app().await;
    let a = session(&app, "owner", OWNER_PW).await;
    let b = session(&app, "owner", OWNER_PW).await;
    let api: Value = app
        .req(Method::POST, "/v1/tokens", &app.owner)
        .json(&json!({"name": "sync"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api = api["token"].as_str().unwrap().to_owned();
    let list: Value = with(&app, Method::GET, "/v1/auth/sessions", &a, None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3, "two sessions and the bearer login: {list:?}");
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(!serde_json::to_string(list).unwrap().contains("cst_"));

    assert_problem(
        with(&app, Method::POST, "/v1/auth/logout", &a, None)
            .send()
            .await
            .unwrap(),
        403,
        "csrf_failed",
    )
    .await;
    let r = with(&app, Method::POST, "/v1/auth/logout", &a, Some(&a.csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_problem(
        with(&app, Method::GET, "/v1/auth/whoami", &a, None)
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(
        with(&app, Method::GET, "/v1/auth/whoami", &b, None)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let r = with(
        &app,
        Method::POST,
        "/v1/auth/logout-everywhere",
        &b,
        Some(&b.csrf),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(
        with(&app, Method::GET, "/v1/auth/whoami", &b, None)
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.get(&app.owner, "/v1/auth/whoami").await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.get(&api, "/v1/auth/whoami").await.status(),
        StatusCode::OK,
        "API tokens are not sessions"
    );
}

#[tokio::test]
async fn devices_pair_once_act_under_their_name_and_are_revoked_at_once() {
    let (app, clock) = spawn_clocked("retail").await;
    let meg = app.user("meg", "manager").await;
    let staff = app.user("sam", "staff").await;
    assert_problem(
        app.req(Method::POST, "/v1/devices", &staff)
            .json(&json!({"name": "Till 1"}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let r = app
        .req(Method::POST, "/v1/devices", &meg)
        .json(&json!({"name": "Till 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let reg: Value = r.json().await.unwrap();
    let code = reg["pairing_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 14);
    let device_id = reg["id"].as_str().unwrap().to_owned();
    assert_problem(
        app.req(Method::POST, "/v1/devices", &meg)
            .json(&json!({"name": "Till 1"}))
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;

    let pair = |c: String| {
        app.client
            .post(format!("{}/v1/devices/pair", app.base))
            .json(&json!({"code": c}))
            .send()
    };
    assert_problem(
        pair("wrong-code-here".into()).await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let r = pair(code.to_uppercase().replace('-', "")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let paired: Value = r.json().await.unwrap();
    let till = paired["token"].as_str().unwrap().to_owned();
    assert_eq!(paired["device"]["id"], device_id.as_str());
    assert_problem(pair(code.clone()).await.unwrap(), 401, "unauthorized").await;

    let who: Value = app
        .get(&till, "/v1/auth/whoami")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            who["kind"].as_str(),
            who["role"].as_str(),
            who["name"].as_str(),
            who["id"].as_str()
        ),
        (
            Some("device"),
            Some("device"),
            Some("Till 1"),
            Some(device_id.as_str())
        )
    );
    let c = app
        .create(
            &till,
            json!({"first_name": "Walk-in", "phone": "601 222 333"}),
        )
        .await;
    assert_eq!(c.status(), StatusCode::CREATED);
    let ev = app
        .audit_bodies()
        .into_iter()
        .find(|e| e["action"] == "customer.create")
        .unwrap();
    assert_eq!(ev["actor_kind"], "device");
    assert_eq!(ev["actor_id"], device_id.as_str());
    for path in ["/v1/devices", "/v1/users", "/v1/tokens", "/v1/customers"] {
        assert_problem(app.get(&till, path).await, 403, "forbidden").await;
    }
    // The manager who registered it leaving does not stop the till.
    let meg_id = app.user_id("meg").await;
    app.req(Method::PATCH, &format!("/v1/users/{meg_id}"), &app.owner)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.get(&till, "/v1/auth/whoami").await.status(),
        StatusCode::OK
    );

    // Lost tablet: revoked, refused on its very next request.
    let list: Value = app
        .get(&app.owner, "/v1/devices")
        .await
        .json()
        .await
        .unwrap();
    assert!(list[0]["paired_at"].is_string());
    assert!(!list.to_string().contains("pairing_code") && !list.to_string().contains("cst_"));
    assert_eq!(
        app.req(
            Method::DELETE,
            &format!("/v1/devices/{device_id}"),
            &app.owner
        )
        .send()
        .await
        .unwrap()
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&till, "/v1/auth/whoami").await, 401, "unauthorized").await;
    let list: Value = app
        .get(&app.owner, "/v1/devices")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["revoked"], true);
    // The lost tablet still trying is an alert, raised once.
    assert_problem(
        app.get(&till, "/v1/customers/search?q=walk").await,
        401,
        "unauthorized",
    )
    .await;
    let alerts: Value = app
        .get(&app.owner, "/v1/alerts")
        .await
        .json()
        .await
        .unwrap();
    let revoked: Vec<&Value> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "revoked_credential")
        .collect();
    assert_eq!(revoked.len(), 1, "{alerts}");
    assert_eq!(
        (
            revoked[0]["severity"].as_str(),
            revoked[0]["evidence"]["actor_id"].as_str()
        ),
        (Some("high"), Some(device_id.as_str()))
    );
    assert!(app
        .audit_bodies()
        .iter()
        .any(|e| e["action"] == "auth.refused" && e["actor_id"] == device_id.as_str()));

    // A pairing code lasts 15 minutes.
    let reg: Value = app
        .req(Method::POST, "/v1/devices", &app.owner)
        .json(&json!({"name": "Till 2"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    clock.advance(Duration::minutes(16));
    assert_problem(
        pair(reg["pairing_code"].as_str().unwrap().to_owned())
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let actions: Vec<String> = app
        .audit_bodies()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for a in ["device.register", "device.pair", "device.revoke"] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}

#[tokio::test]
async fn break_glass_lifts_a_role_for_a_while_and_raises_an_alert() {
    let (app, clock) = spawn_clocked("retail").await;
    app.customer(json!({"first_name": "Ewa"})).await;
    let sam = app.user("sam", "staff").await;
    let sam_id = app.user_id("sam").await;
    assert_problem(app.get(&sam, "/v1/customers").await, 403, "forbidden").await;

    let grant = |token: &str, body: Value| {
        app.req(Method::POST, "/v1/break-glass", token)
            .json(&body)
            .send()
    };
    let meg = app.user("meg", "manager").await;
    assert_problem(grant(&meg, json!({"user_id": sam_id, "role": "manager", "minutes": 60, "reason": "covering today"})).await.unwrap(), 403, "forbidden").await;
    for (body, status, code) in [
        (
            json!({"user_id": sam_id, "role": "manager", "minutes": 0, "reason": "covering today"}),
            422,
            "invalid_request",
        ),
        (
            json!({"user_id": sam_id, "role": "manager", "minutes": 481, "reason": "covering today"}),
            422,
            "invalid_request",
        ),
        (
            json!({"user_id": sam_id, "role": "manager", "minutes": 60, "reason": " "}),
            422,
            "invalid_request",
        ),
        (
            json!({"user_id": sam_id, "role": "wizard", "minutes": 60, "reason": "covering today"}),
            422,
            "invalid_request",
        ),
        (
            json!({"user_id": "0190f5c6-0000-7000-8000-000000000000", "role": "manager", "minutes": 60, "reason": "covering today"}),
            404,
            "not_found",
        ),
    ] {
        assert_problem(grant(&app.owner, body).await.unwrap(), status, code).await;
    }
    assert_problem(app.get(&sam, "/v1/alerts").await, 403, "forbidden").await;
    let r = grant(&app.owner, json!({"user_id": sam_id, "role": "manager", "minutes": 60, "reason": "covering for the manager today"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let g: Value = r.json().await.unwrap();

    // Raised at once, high, with the grant as evidence.
    let alerts: Value = app
        .get(&app.owner, "/v1/alerts?open=true")
        .await
        .json()
        .await
        .unwrap();
    let a = &alerts[0];
    assert_eq!(
        (a["kind"].as_str(), a["severity"].as_str()),
        (Some("break_glass"), Some("high"))
    );
    assert_eq!(a["evidence"]["grant_id"], g["id"]);

    // Elevated on the next request; every event says so.
    let who: Value = app.get(&sam, "/v1/auth/whoami").await.json().await.unwrap();
    assert_eq!(
        (who["role"].as_str(), who["break_glass"].as_bool()),
        (Some("manager"), Some(true))
    );
    assert_eq!(
        app.get(&sam, "/v1/customers").await.status(),
        StatusCode::OK
    );
    let ev = app
        .audit_bodies()
        .into_iter()
        .rev()
        .find(|e| e["action"] == "customer.list")
        .unwrap();
    assert_eq!(
        (ev["actor_role"].as_str(), ev["reason"].as_str()),
        (Some("manager"), Some("break-glass"))
    );
    let active: Value = app
        .get(&app.owner, "/v1/break-glass")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active.as_array().unwrap().len(), 1);

    // It ends by itself.
    clock.advance(Duration::minutes(61));
    assert_problem(app.get(&sam, "/v1/customers").await, 403, "forbidden").await;
    let active: Value = app
        .get(&app.owner, "/v1/break-glass")
        .await
        .json()
        .await
        .unwrap();
    assert!(active.as_array().unwrap().is_empty());

    // Or earlier, by the owner.
    let g: Value = grant(
        &app.owner,
        json!({"user_id": sam_id, "role": "manager", "minutes": 30, "reason": "one more time"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        app.get(&sam, "/v1/customers").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.req(
            Method::DELETE,
            &format!("/v1/break-glass/{}", g["id"].as_str().unwrap()),
            &app.owner
        )
        .send()
        .await
        .unwrap()
        .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&sam, "/v1/customers").await, 403, "forbidden").await;

    // Alerts are acknowledged once.
    let id = a["id"].as_str().unwrap();
    assert_eq!(
        app.req(Method::POST, &format!("/v1/alerts/{id}/ack"), &app.owner)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.req(Method::POST, &format!("/v1/alerts/{id}/ack"), &app.owner)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    let open: Value = app
        .get(&app.owner, "/v1/alerts?open=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        open.as_array().unwrap().len(),
        1,
        "the second grant's alert is still open"
    );
    let auditor = app.user("ada", "auditor").await;
    assert_eq!(
        app.get(&auditor, "/v1/alerts").await.status(),
        StatusCode::OK
    );
}
