//! MFA with TOTP: enrolment, single-use codes with one step of skew, recovery codes, the
//! business-wide requirement, secrets encrypted at rest.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn login(app: &TestApp, user: &str, pw: &str, extra: Value) -> reqwest::Response {
    let mut body = json!({"username": user, "password": pw});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.try_login(body).await
}

#[tokio::test]
async fn enrolment_login_replay_skew_and_recovery_codes() {
    let app = spawn_app().await;
    let sam = app.user("sam", "staff").await;
    let r = app
        .req(Method::POST, "/v1/auth/mfa/enrol", &sam)
        .send()
        .await
        .unwrap();
    let e: Value = r.json().await.unwrap();
    let uri = e["otpauth_uri"].as_str().unwrap();
    // SHA-1, 6 digits and 30 s are the Key URI format's defaults, so the URI may leave them out.
    assert!(
        uri.starts_with("otpauth://totp/custos%20Test%20Shop:sam?")
            && uri.contains(&format!("secret={}", e["secret"].as_str().unwrap()))
            && uri.contains("issuer="),
        "{uri}"
    );
    for (k, v) in [("algorithm", "SHA1"), ("digits", "6"), ("period", "30")] {
        assert!(
            !uri.contains(&format!("{k}=")) || uri.contains(&format!("{k}={v}")),
            "{uri}"
        );
    }
    assert!(
        e["qr_svg"].as_str().unwrap().starts_with("<?xml")
            || e["qr_svg"].as_str().unwrap().contains("<svg")
    );
    let secret = custos_crypto::totp::decode_base32(e["secret"].as_str().unwrap()).unwrap();
    assert_eq!(secret.len(), 20, "160-bit secret");
    let bad = app
        .req(Method::POST, "/v1/auth/mfa/confirm", &sam)
        .json(&json!({"code": "000000"}))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 401, "invalid_mfa_code").await;
    let now = unix_now();
    let code = custos_crypto::totp::code_at(&secret, now).unwrap();
    let r = app
        .req(Method::POST, "/v1/auth/mfa/confirm", &sam)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let codes: Value = r.json().await.unwrap();
    let codes: Vec<String> = codes["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);
    assert!(codes
        .iter()
        .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
    assert_problem(
        app.req(Method::POST, "/v1/auth/mfa/enrol", &sam)
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;

    // The password comes first; then the code is required.
    assert_problem(
        login(&app, "sam", "wrong password for sam!!", json!({})).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_problem(
        login(&app, "sam", USER_PW, json!({})).await,
        401,
        "mfa_required",
    )
    .await;
    // The code used for the confirmation does not work a second time.
    assert_problem(
        login(&app, "sam", USER_PW, json!({"totp_code": code})).await,
        401,
        "invalid_mfa_code",
    )
    .await;
    // The next step's code works (one step of skew), once.
    let next = custos_crypto::totp::code_at(&secret, now + 30).unwrap();
    assert_eq!(
        login(&app, "sam", USER_PW, json!({"totp_code": next}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        login(&app, "sam", USER_PW, json!({"totp_code": next})).await,
        401,
        "invalid_mfa_code",
    )
    .await;
    let far = custos_crypto::totp::code_at(&secret, now + 150).unwrap();
    assert_problem(
        login(&app, "sam", USER_PW, json!({"totp_code": far})).await,
        401,
        "invalid_mfa_code",
    )
    .await;

    // Recovery codes: each works once, with or without the dash.
    let rc = codes[0].replace('-', "").to_uppercase();
    let r = login(&app, "sam", USER_PW, json!({"recovery_code": rc})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_problem(
        login(&app, "sam", USER_PW, json!({"recovery_code": codes[0]})).await,
        401,
        "invalid_mfa_code",
    )
    .await;

    // Nothing secret at rest: not the TOTP secret, not a recovery code.
    let db = app.stored_bytes();
    let b32 = e["secret"].as_str().unwrap();
    assert!(!db.windows(b32.len()).any(|w| w == b32.as_bytes()));
    assert!(!db.windows(secret.len()).any(|w| w == &secret[..]));
    for c in &codes {
        let plain = c.replace('-', "");
        assert!(!db.windows(plain.len()).any(|w| w == plain.as_bytes()));
    }
    let audit = app.audit_bodies();
    assert!(audit.iter().any(|e| e["action"] == "user.mfa_on"));
    assert!(audit
        .iter()
        .any(|e| e["action"] == "auth.mfa" && e["outcome"] == "failed"));
    assert!(audit.iter().any(|e| e["action"] == "auth.recovery_code"));
}

#[tokio::test]
async fn turning_mfa_off_needs_a_fresh_code() {
    let app = spawn_app().await;
    let ann = app.user("ann", "staff").await;
    let (secret, _, confirmed_at) = app.enrol_mfa(&ann).await; // spends that step
    let used = custos_crypto::totp::code_at(&secret, confirmed_at).unwrap();
    let off = |code: String| {
        app.req(Method::POST, "/v1/auth/mfa/disable", &ann)
            .json(&json!({"code": code}))
            .send()
    };
    assert_problem(off(used).await.unwrap(), 401, "invalid_mfa_code").await;
    let next = custos_crypto::totp::code_at(&secret, confirmed_at + 30).unwrap();
    assert_eq!(off(next).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(
        login(&app, "ann", USER_PW, json!({})).await.status(),
        StatusCode::OK,
        "no code needed any more"
    );
    assert_problem(off("123456".into()).await.unwrap(), 422, "invalid_request").await;
    assert!(app
        .audit_bodies()
        .iter()
        .any(|e| e["action"] == "user.mfa_off"));
}

#[tokio::test]
async fn a_business_can_require_mfa_and_the_optician_template_does() {
    let app = spawn_with("optician").await;
    let settings: Value = app
        .get(&app.owner, "/v1/tenant")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        settings["require_mfa"], true,
        "health data: MFA from the start"
    );
    // A fresh account must enrol before it does anything else.
    let r = app
        .req(Method::POST, "/v1/users", &app.owner)
        .json(&json!({"username": "dr-ola", "password": USER_PW, "role": "clinician"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let ola = app.login("dr-ola", USER_PW, None).await;
    let who: Value = app.get(&ola, "/v1/auth/whoami").await.json().await.unwrap();
    assert_eq!(who["mfa_enrolment_required"], true);
    assert_problem(
        app.get(&ola, "/v1/catalog").await,
        403,
        "mfa_enrolment_required",
    )
    .await;
    let (secret, _, _) = app.enrol_mfa(&ola).await;
    assert_eq!(app.get(&ola, "/v1/catalog").await.status(), StatusCode::OK);
    assert_problem(
        app.req(Method::POST, "/v1/auth/mfa/disable", &ola)
            .json(&json!({"code": "123456"}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    // With MFA on, 8 characters are enough for a new password.
    let code = custos_crypto::totp::code_at(&secret, unix_now() + 30).unwrap();
    let ola = login(&app, "dr-ola", USER_PW, json!({"totp_code": code}))
        .await
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .req(Method::POST, "/v1/auth/password", &ola)
        .json(&json!({"current_password": USER_PW, "new_password": "Ola8char"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_owner_turns_the_requirement_on() {
    let app = spawn_app().await;
    let sam = app.user("sam", "staff").await;
    let api: Value = app
        .req(Method::POST, "/v1/tokens", &app.owner)
        .json(&json!({"name": "shop sync", "role": "staff"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api = api["token"].as_str().unwrap().to_owned();
    assert_problem(
        app.req(Method::PATCH, "/v1/tenant", &sam)
            .json(&json!({"require_mfa": true}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let r = app
        .req(Method::PATCH, "/v1/tenant", &app.owner)
        .json(&json!({"require_mfa": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["require_mfa"], true);
    assert_problem(
        app.get(&sam, "/v1/catalog").await,
        403,
        "mfa_enrolment_required",
    )
    .await;
    assert_problem(
        app.get(&app.owner, "/v1/catalog").await,
        403,
        "mfa_enrolment_required",
    )
    .await;
    assert_eq!(
        app.get(&api, "/v1/catalog").await.status(),
        StatusCode::OK,
        "integrations' tokens are not asked to enrol"
    );
    app.enrol_mfa(&sam).await;
    assert_eq!(app.get(&sam, "/v1/catalog").await.status(), StatusCode::OK);
    assert!(app
        .audit_bodies()
        .iter()
        .any(|e| e["action"] == "tenant.require_mfa"));
}
