//! Staff accounts, password rules, API tokens, reveal with a reason, and login throttling.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn user_id(app: &TestApp, username: &str) -> String {
    app.user_id(username).await
}

async fn try_login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.try_login(json!({"username": username, "password": password}))
        .await
}

#[tokio::test]
async fn accounts_are_managed_and_changes_apply_on_the_next_request() {
    let app = spawn_app().await;
    let c = app.customer(json!({"first_name": "Kasia"})).await;
    let cpath = format!("/v1/customers/{}", c["id"].as_str().unwrap());
    let sam = app.user("sam", "staff").await;
    let users: Value = app.get(&app.owner, "/v1/users").await.json().await.unwrap();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["owner", "sam"]);
    assert!(!users.to_string().contains("argon2"), "no hash on the wire");
    let id = user_id(&app, "sam").await;
    let one: Value = app
        .get(&app.owner, &format!("/v1/users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["role"], "staff");
    assert_eq!(one["disabled"], false);

    // A role change applies to the very next request of the user's login token.
    assert_eq!(app.get(&sam, &cpath).await.status(), StatusCode::OK);
    let r = app
        .req(Method::PATCH, &format!("/v1/users/{id}"), &app.owner)
        .json(&json!({"role": "marketing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_problem(app.get(&sam, &cpath).await, 403, "forbidden").await;

    // Disabling refuses the next request, and enabling again does not revive the old token.
    let r = app
        .req(Method::PATCH, &format!("/v1/users/{id}"), &app.owner)
        .json(&json!({"disabled": true, "role": "staff"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_problem(app.get(&sam, "/v1/auth/whoami").await, 401, "unauthorized").await;
    assert_problem(
        try_login(&app, "sam", USER_PW).await,
        401,
        "invalid_credentials",
    )
    .await;
    let r = app
        .req(Method::PATCH, &format!("/v1/users/{id}"), &app.owner)
        .json(&json!({"disabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_problem(app.get(&sam, "/v1/auth/whoami").await, 401, "unauthorized").await;
    let sam = app.login("sam", USER_PW, None).await;
    assert_eq!(app.get(&sam, &cpath).await.status(), StatusCode::OK);

    // Limits: a manager cannot touch the owner or grant health access; nobody disables
    // themselves; the last owner stays.
    let meg = app.user("meg", "manager").await;
    let owner_id = user_id(&app, "owner").await;
    assert_problem(
        app.req(Method::PATCH, &format!("/v1/users/{owner_id}"), &meg)
            .json(&json!({"disabled": true}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.req(Method::PATCH, &format!("/v1/users/{id}"), &meg)
            .json(&json!({"role": "clinician"}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.req(Method::PATCH, &format!("/v1/users/{owner_id}"), &app.owner)
            .json(&json!({"disabled": true}))
            .send()
            .await
            .unwrap(),
        422,
        "invalid_request",
    )
    .await;
    assert_problem(
        app.req(Method::PATCH, &format!("/v1/users/{owner_id}"), &app.owner)
            .json(&json!({"role": "manager"}))
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_problem(
        app.req(Method::PATCH, &format!("/v1/users/{id}"), &app.owner)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        422,
        "invalid_request",
    )
    .await;
    assert_problem(app.get(&sam, "/v1/users").await, 403, "forbidden").await;
    assert_problem(
        app.get(&app.owner, "/v1/users/0190f5c6-0000-7000-8000-000000000000")
            .await,
        404,
        "not_found",
    )
    .await;
    let actions: Vec<String> = app
        .audit_bodies()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "user.create",
        "user.role_change",
        "user.disable",
        "user.enable",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}

#[tokio::test]
async fn password_reset_forces_a_change_and_compromised_revokes_everything() {
    let app = spawn_app().await;
    let sam = app.user("sam", "staff").await;
    let id = user_id(&app, "sam").await;
    let temp = "temporary passphrase for him";
    let r = app
        .req(
            Method::POST,
            &format!("/v1/users/{id}/reset-password"),
            &app.owner,
        )
        .json(&json!({"password": temp}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&sam, "/v1/auth/whoami").await, 401, "unauthorized").await;
    let sam = app.login("sam", temp, None).await;
    let who: Value = app.get(&sam, "/v1/auth/whoami").await.json().await.unwrap();
    assert_eq!(who["name"], "sam");
    let p = assert_problem(
        app.create(&sam, json!({"first_name": "X"})).await,
        403,
        "password_change_required",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("/v1/auth/password"));
    assert_problem(
        app.get(&sam, "/v1/catalog").await,
        403,
        "password_change_required",
    )
    .await;

    let change = |cur: &str, new: &str| {
        app.req(Method::POST, "/v1/auth/password", &sam)
            .json(&json!({"current_password": cur, "new_password": new}))
            .send()
    };
    assert_problem(
        change("not the current one", "a brand new passphrase")
            .await
            .unwrap(),
        401,
        "invalid_credentials",
    )
    .await;
    assert_problem(change(temp, temp).await.unwrap(), 422, "invalid_request").await;
    let p = assert_problem(
        change(temp, "password").await.unwrap(),
        422,
        "password_refused",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("at least 15"));
    assert_eq!(
        change(temp, "a brand new passphrase")
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.create(&sam, json!({"first_name": "Now"}))
            .await
            .status(),
        StatusCode::CREATED,
        "the same session goes on"
    );

    // Compromised: login and API tokens all stop; a password change is required.
    let o = app
        .req(Method::POST, "/v1/tokens", &app.owner)
        .json(&json!({"name": "sync"}))
        .send()
        .await
        .unwrap();
    let api: Value = o.json().await.unwrap();
    let api = api["token"].as_str().unwrap().to_owned();
    let owner_id = user_id(&app, "owner").await;
    let meg = app.user("meg", "manager").await;
    assert_problem(
        app.req(
            Method::POST,
            &format!("/v1/users/{owner_id}/compromised"),
            &meg,
        )
        .send()
        .await
        .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let r = app
        .req(
            Method::POST,
            &format!("/v1/users/{id}/compromised"),
            &app.owner,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&sam, "/v1/auth/whoami").await, 401, "unauthorized").await;
    let sam2 = app.login("sam", "a brand new passphrase", None).await;
    assert_problem(
        app.get(&sam2, "/v1/catalog").await,
        403,
        "password_change_required",
    )
    .await;
    assert_eq!(
        app.get(&api, "/v1/auth/whoami").await.status(),
        StatusCode::OK,
        "other users' tokens are untouched"
    );
}

#[tokio::test]
async fn password_rules_give_their_reason() {
    let app = spawn_app().await;
    let add = |username: &str, password: &str| {
        app.req(Method::POST, "/v1/users", &app.owner)
            .json(&json!({"username": username, "password": password, "role": "staff"}))
            .send()
    };
    for (user, pw, reason) in [
        ("kim", "fourteen chars", "at least 15"),
        ("kim", "1qaz2wsx3edc4rfv", "commonly used"),
        ("kim", "123456789987654321", "commonly used"),
        ("kimberly", "I am Kimberly and this is long", "username"),
        ("kim", "the test shop is the best", "business name"),
    ] {
        let p = assert_problem(add(user, pw).await.unwrap(), 422, "password_refused").await;
        assert!(p["detail"].as_str().unwrap().contains(reason), "{pw}: {p}");
        assert!(!p.to_string().contains(pw), "the password is not echoed");
    }
    let long = "zażółć gęślą jaźń — a passphrase with spaces, Unicode 🦊 and more than sixty-four characters in it";
    assert!(long.chars().count() > 64);
    assert_eq!(
        add("ula", long).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.login("ula", long, None).await.len(),
        47,
        "any Unicode, no truncation"
    );
    // The NFKC form logs in too (a full-width digit typed on another keyboard).
    assert_eq!(
        add("vic", "fullwidth digits 123 here")
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        try_login(&app, "vic", "fullwidth digits １２３ here")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        try_login(&app, "vic", "fullwidth digits 124 here")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_problem(
        add("wes", &"y".repeat(1025)).await.unwrap(),
        422,
        "password_refused",
    )
    .await;
}

#[tokio::test]
async fn api_tokens_are_scoped_listed_and_revoked() {
    let app = spawn_app().await;
    let r = app
        .req(Method::POST, "/v1/tokens", &app.owner)
        .json(&json!({"name": "booking app", "role": "staff", "expires_in_days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert_eq!(created["role"], "staff");
    assert!(created["expires_at"].is_string());
    let who: Value = app
        .get(&token, "/v1/auth/whoami")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(who["kind"], "token");
    assert_eq!(who["role"], "staff");
    assert_eq!(who["name"], "booking app");
    assert_eq!(
        app.create(&token, json!({"first_name": "Via", "last_name": "Token"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_problem(app.get(&token, "/v1/customers").await, 403, "forbidden").await;
    assert_problem(app.get(&token, "/v1/tokens").await, 403, "forbidden").await;

    let list = app
        .get(&app.owner, "/v1/tokens")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !list.contains("cst_"),
        "listing never shows a token: {list}"
    );
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "login tokens are not listed"
    );
    assert_eq!(list[0]["name"], "booking app");
    let db = app.stored_bytes();
    assert!(
        !db.windows(token.len()).any(|w| w == token.as_bytes()),
        "stored hashed"
    );

    let id = created["id"].as_str().unwrap();
    assert_eq!(
        app.req(Method::DELETE, &format!("/v1/tokens/{id}"), &app.owner)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.get(&token, "/v1/auth/whoami").await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.req(Method::DELETE, &format!("/v1/tokens/{id}x"), &app.owner)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;

    // Scope: never more than the creator holds, and never more than its user holds now.
    let meg = app.user("meg", "manager").await;
    let r = app
        .req(Method::POST, "/v1/tokens", &meg)
        .json(&json!({"name": "x", "role": "owner"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    let r = app
        .req(Method::POST, "/v1/tokens", &meg)
        .json(&json!({"name": "reports"}))
        .send()
        .await
        .unwrap();
    let megs: Value = r.json().await.unwrap();
    let megs = megs["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&megs, "/v1/customers").await.status(),
        StatusCode::OK
    );
    let meg_id = user_id(&app, "meg").await;
    app.req(Method::PATCH, &format!("/v1/users/{meg_id}"), &app.owner)
        .json(&json!({"role": "staff"}))
        .send()
        .await
        .unwrap();
    assert_problem(app.get(&megs, "/v1/auth/whoami").await, 401, "unauthorized").await;
    let _ = meg;
    for bad in [
        json!({"name": ""}),
        json!({"name": "x", "expires_in_days": 0}),
        json!({"name": "x", "role": "wizard"}),
    ] {
        assert_problem(
            app.req(Method::POST, "/v1/tokens", &app.owner)
                .json(&bad)
                .send()
                .await
                .unwrap(),
            422,
            "invalid_request",
        )
        .await;
    }
}

#[tokio::test]
async fn masked_fields_are_revealed_with_a_reason_and_audited() {
    let app = spawn_with("optician").await;
    let c = app.customer(json!({"first_name": "Olga", "email": "olga@example.org", "insurance_number": "INS-778899"})).await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}/reveal");
    let staff = app.user("sam", "staff").await;
    let masked: Value = app
        .get(&staff, &format!("/v1/customers/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(masked["fields"]["insurance_number"], "I•••");
    let r = app
        .req(Method::POST, &path, &staff)
        .json(&json!({"fields": ["insurance_number"], "reason": "insurance claim for new lenses"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["fields"], json!({"insurance_number": "INS-778899"}));
    let ev = app
        .audit_bodies()
        .into_iter()
        .find(|e| e["action"] == "customer.reveal")
        .unwrap();
    assert_eq!(ev["reason"], "insurance claim for new lenses");
    assert_eq!(ev["customer_ids"], json!([id]));
    assert_eq!(ev["categories"], json!(["payment_reference"]));
    assert!(!ev.to_string().contains("INS-778899"));

    assert_problem(
        app.req(Method::POST, &path, &staff)
            .json(&json!({"fields": ["insurance_number"], "reason": " "}))
            .send()
            .await
            .unwrap(),
        422,
        "invalid_request",
    )
    .await;
    assert_problem(
        app.req(Method::POST, &path, &staff)
            .json(&json!({"fields": ["email"], "reason": "just curious"}))
            .send()
            .await
            .unwrap(),
        422,
        "invalid_request",
    )
    .await;
    assert_problem(
        app.req(Method::POST, &path, &staff)
            .json(&json!({"fields": ["shoe_size"], "reason": "just curious"}))
            .send()
            .await
            .unwrap(),
        422,
        "unknown_field",
    )
    .await;
    let device = app.user("till", "device").await;
    assert_problem(
        app.req(Method::POST, &path, &device)
            .json(&json!({"fields": ["email"], "reason": "calling back"}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let reveals = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["action"] == "customer.reveal")
        .count();
    assert_eq!(reveals, 2, "the granted reveal and the device's denied one");
}

#[tokio::test]
async fn failed_logins_are_throttled_without_revealing_accounts() {
    // Time stands still, so the waits cannot run out between two attempts on a busy machine.
    let (app, clock) = spawn_clocked("retail").await;
    for name in ["owner", "nobody-here"] {
        for _ in 0..5 {
            assert_problem(
                try_login(&app, name, "wrong password, long enough").await,
                401,
                "invalid_credentials",
            )
            .await;
        }
        let r = try_login(&app, name, OWNER_PW).await;
        assert!(
            r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                >= 1
        );
        let p = assert_problem(r, 429, "rate_limited").await;
        assert!(p["detail"].as_str().unwrap().contains("try again in"));
    }
    // The recovery path: the command line clears it at once.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_custos"))
        .args([
            "user",
            "unlock",
            "--data-dir",
            app.data.to_str().unwrap(),
            "--username",
            "owner",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        try_login(&app, "owner", OWNER_PW).await.status(),
        StatusCode::OK
    );
    let failed = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["action"] == "auth.login" && e["outcome"] == "failed")
        .count();
    assert_eq!(failed, 10);
    // Per client address: many names tried from one address are slowed down too.
    for i in 0..20 {
        try_login(&app, &format!("guess{i}"), "wrong password, long enough").await;
    }
    assert_problem(
        try_login(&app, "owner", OWNER_PW).await,
        429,
        "rate_limited",
    )
    .await;
    // The waits end by themselves (at most 15 minutes).
    clock.advance(time::Duration::minutes(16));
    assert_eq!(
        try_login(&app, "owner", OWNER_PW).await.status(),
        StatusCode::OK
    );
    // Throttling raised alerts, once per subject and hour, naming what was attacked.
    let alerts: Value = app
        .get(&app.owner, "/v1/alerts")
        .await
        .json()
        .await
        .unwrap();
    let repeated: Vec<&Value> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "repeated_failures")
        .collect();
    let subjects: Vec<String> = repeated
        .iter()
        .map(|a| a["evidence"]["subject"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        subjects.iter().any(|s| s.ends_with(":owner")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.ends_with(":nobody-here")),
        "{subjects:?}"
    );
    assert!(
        repeated.iter().any(|a| a["evidence"]["kind"] == "addr"),
        "the address too"
    );
    assert_eq!(
        subjects.iter().filter(|s| s.ends_with(":owner")).count(),
        1,
        "raised once, not per attempt"
    );
}

#[tokio::test]
async fn custom_roles_are_built_from_the_same_permissions() {
    let app = spawn_with("salon").await;
    let c = app.customer(json!({"first_name": "Rita", "email": "rita@example.org", "allergies": "RoleCanary latex"})).await;
    let id = c["id"].as_str().unwrap();
    let roles: Value = app.get(&app.owner, "/v1/roles").await.json().await.unwrap();
    let builtin: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["builtin"] == true)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        builtin,
        [
            "owner",
            "manager",
            "staff",
            "clinician",
            "marketing",
            "auditor",
            "device"
        ]
    );
    let staff = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "staff")
        .unwrap();
    assert_eq!(staff["categories"]["payment_reference"], "masked");
    assert!(staff["categories"].get("health").is_none());

    let define = |body: Value| {
        app.req(Method::POST, "/v1/roles", &app.owner)
            .json(&body)
            .send()
    };
    let r = define(json!({"name": "greeter", "actions": ["customer.search", "customer.read"], "categories": {"identity": "full", "contact": "masked"}})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .req(Method::POST, "/v1/users", &app.owner)
        .json(&json!({"username": "gia", "password": USER_PW, "role": "greeter"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let gia = app.login("gia", USER_PW, None).await;
    let v: Value = app
        .get(&gia, &format!("/v1/customers/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["fields"]["first_name"], "Rita");
    assert_eq!(v["fields"]["email"], "r•••@example.org");
    assert!(
        !v.to_string().contains("RoleCanary"),
        "health only when named"
    );
    assert_problem(
        app.create(&gia, json!({"first_name": "No"})).await,
        403,
        "forbidden",
    )
    .await;

    // Health data is granted by naming the category, and only then.
    let r = define(json!({"name": "colourist", "actions": ["customer.read"], "categories": {"identity": "full", "health": "full"}})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let gia_id = user_id(&app, "gia").await;
    let r = app
        .req(Method::PATCH, &format!("/v1/users/{gia_id}"), &app.owner)
        .json(&json!({"role": "colourist"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = app
        .get(&gia, &format!("/v1/customers/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["fields"]["allergies"], "RoleCanary latex",
        "the change applied on the next request"
    );

    for (body, status, code) in [
        (json!({"name": "staff", "actions": []}), 409, "conflict"),
        (json!({"name": "greeter", "actions": []}), 409, "conflict"),
        (
            json!({"name": "x", "actions": ["customer.fly"]}),
            422,
            "invalid_request",
        ),
        (
            json!({"name": "x", "actions": [], "categories": {"souls": "full"}}),
            422,
            "invalid_request",
        ),
        (
            json!({"name": "x", "actions": [], "categories": {"identity": "some"}}),
            422,
            "invalid_request",
        ),
        (
            json!({"name": "Bad Name", "actions": []}),
            422,
            "invalid_request",
        ),
    ] {
        assert_problem(define(body).await.unwrap(), status, code).await;
    }
    let meg = app.user("meg", "manager").await;
    assert_problem(
        app.req(Method::POST, "/v1/roles", &meg)
            .json(&json!({"name": "y", "actions": []}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.req(Method::DELETE, "/v1/roles/colourist", &app.owner)
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_problem(
        app.req(Method::DELETE, "/v1/roles/owner", &app.owner)
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_eq!(
        app.req(Method::DELETE, "/v1/roles/greeter", &app.owner)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.req(Method::DELETE, "/v1/roles/greeter", &app.owner)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    let actions: Vec<String> = app
        .audit_bodies()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"role.create".to_owned()) && actions.contains(&"role.delete".to_owned())
    );
}
