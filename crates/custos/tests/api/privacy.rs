//! Privacy invariants, tested: no plaintext personal data in the database files, their WALs, the
//! logs or any error body; a ciphertext moved to another customer's row does not open.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn no_canary_in_database_wal_logs_or_error_bodies() {
    let mut server = ProcessApp::start("salon", "Canary Salon").await;
    let token = server
        .login(json!({"username": "owner", "password": OWNER_PW}))
        .await;
    let token = token["token"].as_str().unwrap().to_owned();
    let req = |m: Method, p: &str| server.req(m, p, &token);

    let mut canaries: Vec<String> = Vec::new();
    let mut error_bodies = Vec::new();
    for i in 0..5 {
        let first = format!("Kanarek{i}Qz");
        let last = format!("Wróbelczyk{i}Qz");
        let email = format!("canary{i}.bird@example.org");
        let phone = format!("+4860155000{i}");
        let note = format!("NoteCanary{i}Qz private");
        let allergy = format!("AllergyCanary{i}Qz");
        let street = format!("Canarystreet{i}Qz 5");
        let c: Value = req(Method::POST, "/v1/customers")
            .json(&json!({"fields": {"first_name": first, "last_name": last, "email": email, "phone": phone, "note": note, "allergies": allergy, "street": street}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = c["id"].as_str().unwrap().to_owned();
        assert_eq!(c["fields"]["first_name"], first);
        let r = req(Method::PATCH, &format!("/v1/customers/{id}"))
            .header("if-match", "\"1\"")
            .json(&json!({"fields": {"city": format!("CityCanary{i}Qz")}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = req(Method::POST, &format!("/v1/customers/{id}/records")).json(&json!({"type": "appointment", "fields": {"service": format!("ServiceCanary{i}Qz"), "price": 120}})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(
            req(Method::GET, &format!("/v1/customers/{id}"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        let hits: Value = req(Method::GET, "/v1/customers/search")
            .query(&[("email", email.as_str())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(hits["items"].as_array().unwrap().len(), 1);
        let hits: Value = req(Method::GET, "/v1/customers/search")
            .query(&[("q", &first[..6])])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(!hits["items"].as_array().unwrap().is_empty());
        canaries.extend([
            first,
            last.clone(),
            email,
            phone.clone(),
            phone[3..].to_owned(),
            note,
            allergy,
            street,
            format!("CityCanary{i}Qz"),
            format!("ServiceCanary{i}Qz"),
            "Wróbelczyk".to_owned(),
        ]);
    }
    // The newer records about customers: consents (an e-mail double opt-in waits in the
    // outbox), a data request, a legal hold, an incident, where alerts go.
    let hits: Value = req(Method::GET, "/v1/customers/search")
        .query(&[("email", "canary0.bird@example.org")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first_id = hits["items"][0]["id"].as_str().unwrap().to_owned();
    for (path, body) in [
        (
            format!("/v1/customers/{first_id}/consents"),
            json!({"purpose": "newsletter", "channel": "email", "state": "given", "method": "web_form"}),
        ),
        (
            format!("/v1/customers/{first_id}/consents"),
            json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "import", "source": "customers_export.csv"}),
        ),
        (
            "/v1/data-requests".to_owned(),
            json!({"customer_id": first_id, "kind": "access", "note": "RequestNoteCanaryQz"}),
        ),
        (
            "/v1/incidents".to_owned(),
            json!({"title": "IncidentTitleCanaryQz", "nature": "IncidentNatureCanaryQz"}),
        ),
    ] {
        let r = req(Method::POST, &path).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{path}");
    }
    let r = req(Method::PUT, &format!("/v1/customers/{first_id}/legal-hold"))
        .json(&json!({"reason": "HoldReasonCanaryQz"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = req(Method::PATCH, "/v1/tenant")
        .json(&json!({"alert_email": "alerts.canaryqz@example.org", "alert_webhook_url": "https://hooks.example.org/CanaryPathQz"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    canaries.extend(
        [
            "RequestNoteCanaryQz",
            "IncidentTitleCanaryQz",
            "IncidentNatureCanaryQz",
            "HoldReasonCanaryQz",
            "alerts.canaryqz",
            "CanaryPathQz",
        ]
        .map(String::from),
    );

    // Refused writes with canary values: the error bodies must not echo them.
    for body in [
        json!({"fields": {"first_name": "ErrCanaryQz", "email": "ErrCanaryQz-not-an-email"}}),
        json!({"fields": {"first_name": "ErrCanaryQz", "phone": "ErrCanaryQz"}}),
        json!({"fields": {"first_name": "ErrCanaryQz", "birth_date": "ErrCanaryQz"}}),
        json!({"fields": {"first_name": "ErrCanaryQz", "note": "ErrCanaryQz 4111 1111 1111 1111"}}),
        json!({"fields": {"first_name": "ErrCanaryQz", "country": "ErrCanaryQz"}}),
        json!({"fields": "ErrCanaryQz"}),
        json!({"fields": {"first_name": ["ErrCanaryQz"]}}),
    ] {
        let r = req(Method::POST, "/v1/customers")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error());
        error_bodies.push(r.text().await.unwrap());
    }
    let r = req(Method::GET, "/v1/customers/search")
        .query(&[("email", "ErrCanaryQz@@x")])
        .send()
        .await
        .unwrap();
    error_bodies.push(r.text().await.unwrap());
    let r = req(Method::GET, "/v1/customers/search")
        .query(&[("phone", "ErrCanaryQz")])
        .send()
        .await
        .unwrap();
    error_bodies.push(r.text().await.unwrap());
    for b in &error_bodies {
        assert!(
            !b.contains("ErrCanaryQz"),
            "an error body echoes a value: {b}"
        );
    }
    canaries.push("ErrCanaryQz".into());

    // While running: the database files and their WALs.
    let found = find_in_files(&stored_files(&server.data), &canaries);
    assert!(found.is_empty(), "plaintext found while running: {found:?}");

    server.stop().await;
    let files = server.files();
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(
        log.matches("\"request\"").count() > 40,
        "the log has the request lines it should be scanned for"
    );
    let found = find_in_files(&files, &canaries);
    assert!(
        found.is_empty(),
        "plaintext found after shutdown: {found:?}"
    );
    // And the data is really there (the scan is not of an empty database).
    let n = sql_count(&server.data, "SELECT count(*) FROM customers");
    assert_eq!(n, 5);
}

#[tokio::test]
async fn a_ciphertext_moved_to_another_row_does_not_open() {
    let mut app = spawn_app().await;
    let a = app
        .customer(json!({"first_name": "Alicja", "email": "alicja@example.org"}))
        .await;
    let b = app
        .customer(json!({"first_name": "Bogdan", "email": "bogdan@example.org"}))
        .await;
    let (a_id, b_id) = (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    );
    app.stop().await;
    let uuid = |s: &str| uuid::Uuid::parse_str(s).unwrap().as_bytes().to_vec();
    let raw = app.raw();
    let system = custos_store::Scope::System;
    let row = |id: &Vec<u8>| {
        raw.with(system, false, |db| {
            db.query_row(
                "SELECT sealed, wrapped_dek FROM customers WHERE id = ?1",
                [id],
                |r| Ok((r.get::<Vec<u8>>(0)?, r.get::<Vec<u8>>(1)?)),
            )
        })
        .unwrap()
    };
    let put = |sealed: &Vec<u8>, dek: &Vec<u8>, id: &Vec<u8>| {
        raw.with(system, false, |db| {
            db.execute(
                "UPDATE customers SET sealed = ?1, wrapped_dek = ?2 WHERE id = ?3",
                [sealed, dek, id],
            )
        })
        .unwrap()
    };
    let (a_sealed, a_dek) = row(&uuid(&a_id));
    let (b_sealed, b_dek) = row(&uuid(&b_id));

    // Variant 1: A's fields in B's row (B's key). Variant 2: A's fields and A's wrapped key.
    for (sealed, dek) in [
        (&a_sealed, &b_dek),
        (&a_sealed, &a_dek),
        (&b_sealed, &a_dek),
    ] {
        put(sealed, dek, &uuid(&b_id));
        app.restart().await;
        let r = app.get(&app.owner, &format!("/v1/customers/{b_id}")).await;
        let body = assert_problem(r, 500, "internal").await;
        assert!(!body.to_string().contains("Alicja") && !body.to_string().contains("Bogdan"));
        assert!(
            !body["detail"].as_str().unwrap().contains("crypto"),
            "no internals in a 5xx"
        );
        app.stop().await;
    }
    // Put B back: it opens again, so the failures above came from the move alone.
    put(&b_sealed, &b_dek, &uuid(&b_id));
    app.restart().await;
    let v: Value = app
        .get(&app.owner, &format!("/v1/customers/{b_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["fields"]["first_name"], "Bogdan");
    let v: Value = app
        .get(&app.owner, &format!("/v1/customers/{a_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["fields"]["first_name"], "Alicja");
}

#[tokio::test]
async fn no_secret_is_stored_or_logged_in_plaintext() {
    let mut server = ProcessApp::start("retail", "Secret Shop").await;
    let mut secrets: Vec<String> = vec![OWNER_PW.into()];
    let owner = server
        .login(json!({"username": "owner", "password": OWNER_PW}))
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    secrets.push(owner.clone());
    let post = |path: &str, token: &str, body: Value| {
        server.req(Method::POST, path, token).json(&body).send()
    };

    // A staff account, its password changed, a failed login with a near-miss password.
    let first_pw = "SecretPassphraseForStaffQz";
    assert_eq!(
        post(
            "/v1/users",
            &owner,
            json!({"username": "sam", "password": first_pw, "role": "staff"})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::CREATED
    );
    let sam = server
        .login(json!({"username": "sam", "password": first_pw}))
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_pw = "AnotherSecretPassphraseQz";
    assert_eq!(
        post(
            "/v1/auth/password",
            &sam,
            json!({"current_password": first_pw, "new_password": new_pw})
        )
        .await
        .unwrap()
        .status(),
        StatusCode::NO_CONTENT
    );
    let wrong = "WrongButSecretPassphraseQz";
    let r = server
        .client
        .post(format!("{}/v1/auth/token", server.base))
        .json(&json!({"username": "sam", "password": wrong}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    secrets.extend([
        first_pw.to_owned(),
        new_pw.to_owned(),
        wrong.to_owned(),
        sam,
    ]);

    // MFA: the secret, the codes, a login with a recovery code.
    let e: Value = post("/v1/auth/mfa/enrol", &owner, json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let b32 = e["secret"].as_str().unwrap().to_owned();
    let raw = custos_crypto::totp::decode_base32(&b32).unwrap().to_vec();
    let code = custos_crypto::totp::code_at(&raw, unix_now()).unwrap();
    let codes: Value = post("/v1/auth/mfa/confirm", &owner, json!({"code": code}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<String> = codes["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    server
        .login(json!({"username": "owner", "password": OWNER_PW, "recovery_code": codes[0]}))
        .await;
    secrets.push(b32);
    for c in &codes {
        secrets.push(c.clone());
        secrets.push(c.replace('-', ""));
    }

    // An API token, a device's pairing code and token, a web session and its CSRF token.
    let api: Value = post("/v1/tokens", &owner, json!({"name": "sync"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    secrets.push(api["token"].as_str().unwrap().to_owned());
    let dev: Value = post("/v1/devices", &owner, json!({"name": "Till"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pairing = dev["pairing_code"].as_str().unwrap().to_owned();
    let paired: Value = server
        .client
        .post(format!("{}/v1/devices/pair", server.base))
        .json(&json!({"code": pairing}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    secrets.extend([
        pairing.clone(),
        pairing.replace('-', ""),
        paired["token"].as_str().unwrap().to_owned(),
    ]);
    let code2 = custos_crypto::totp::code_at(&raw, unix_now() + 30).unwrap();
    let r = server
        .client
        .post(format!("{}/v1/auth/session", server.base))
        .json(&json!({"username": "owner", "password": OWNER_PW, "totp_code": code2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let csrf: Value = r.json().await.unwrap();
    secrets.extend([cookie, csrf["csrf_token"].as_str().unwrap().to_owned()]);

    server.stop().await;
    let files = server.files();
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(
        log.matches("\"request\"").count() >= 12,
        "the log has the lines it is scanned for"
    );
    let found = find_in_files(&files, &secrets);
    assert!(found.is_empty(), "secrets in plaintext: {found:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            !bytes.windows(raw.len()).any(|w| w == &raw[..]),
            "the raw TOTP secret is in {}",
            f.display()
        );
    }
}
