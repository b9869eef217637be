//! Every 4xx the API answers, with its stable code and a whole problem body.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn field_errors_name_the_field() {
    let app = spawn_app().await;
    let p = assert_problem(
        app.create(&app.owner, json!({"first_name": "Ann", "shoe_size": 42}))
            .await,
        422,
        "unknown_field",
    )
    .await;
    assert_eq!(p["field"], "shoe_size");
    assert_eq!(
        p["detail"],
        "The field 'shoe_size' is not declared for this business."
    );
    assert_eq!(p["title"], "Field not in catalog");

    for (fields, field) in [
        (
            json!({"first_name": "Ann", "email": "not-an-address"}),
            "email",
        ),
        (json!({"first_name": "Ann", "phone": "12"}), "phone"),
        (
            json!({"first_name": "Ann", "birth_date": "28.02.1990"}),
            "birth_date",
        ),
        (json!({"first_name": 42}), "first_name"),
        (json!({"first_name": "Ann", "country": "Narnia"}), "country"),
        (json!({"first_name": "   "}), "first_name"),
        (json!({"first_name": "x".repeat(101)}), "first_name"),
        (json!({"last_name": "Only"}), "first_name"),
    ] {
        let p = assert_problem(
            app.create(&app.owner, fields.clone()).await,
            422,
            "invalid_field",
        )
        .await;
        assert_eq!(p["field"], field, "{fields}");
        assert!(p["detail"].as_str().unwrap().contains(field));
    }
    for note in [
        "card 4111111111111111",
        "4111-1111-1111-1111",
        "Visa 4012 8888 8888 1881 exp 12/29",
    ] {
        let p = assert_problem(
            app.create(&app.owner, json!({"first_name": "Ann", "note": note}))
                .await,
            422,
            "card_number_refused",
        )
        .await;
        assert_eq!(p["field"], "note");
        assert!(!p.to_string().contains("1111"), "the number is not echoed");
    }
    // A required field cannot be removed.
    let c = app.customer(json!({"first_name": "Ann"})).await;
    let p = assert_problem(
        app.patch(
            &app.owner,
            c["id"].as_str().unwrap(),
            Some("\"1\""),
            json!({"first_name": null}),
        )
        .await,
        422,
        "invalid_field",
    )
    .await;
    assert_eq!(p["field"], "first_name");
    let p = assert_problem(
        app.patch(
            &app.owner,
            c["id"].as_str().unwrap(),
            Some("\"1\""),
            json!({}),
        )
        .await,
        422,
        "invalid_request",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("no field"));
    // Nothing of the refused writes was stored.
    let list: serde_json::Value = app
        .get(&app.owner, "/v1/customers")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn malformed_requests() {
    let app = spawn_app().await;
    let post = |body: &'static str, ct: Option<&'static str>| {
        let mut r = app
            .req(Method::POST, "/v1/customers", &app.owner)
            .body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        r.send()
    };
    assert_problem(
        post("{\"fields\": {", Some("application/json"))
            .await
            .unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert_problem(
        post("{\"fields\": []}", Some("application/json"))
            .await
            .unwrap(),
        400,
        "invalid_json",
    )
    .await;
    let p = assert_problem(
        post(
            "{\"fields\": \"Secret Canary Value\"}",
            Some("application/json"),
        )
        .await
        .unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert!(
        !p.to_string().contains("Secret Canary"),
        "shape errors do not echo values: {p}"
    );
    let p = assert_problem(
        post("{\"fieldz\": {}}", Some("application/json"))
            .await
            .unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("fieldz"));
    assert_problem(
        post("{\"fields\": {}}", None).await.unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    assert_problem(
        post("{\"fields\": {}}", Some("text/plain")).await.unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    let big = format!(
        "{{\"fields\": {{\"note\": \"{}\"}}}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let r = app
        .req(Method::POST, "/v1/customers", &app.owner)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(r, 413, "payload_too_large").await;
    let r = app
        .req(Method::POST, "/v1/customers", &app.owner)
        .header("content-type", "application/json")
        .body(vec![b'{', 0xff, 0xfe, b'}'])
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "invalid_json").await;
}

#[tokio::test]
async fn auth_path_and_method_errors() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/v1/customers", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"custos\"");
    assert_problem(r, 401, "unauthorized").await;
    for bad in [
        "cst_nottherightlength",
        "Bearer",
        &format!("cst_{}", "A".repeat(43)),
    ] {
        assert_problem(app.get(bad, "/v1/customers").await, 401, "unauthorized").await;
    }
    let r = app
        .client
        .post(format!("{}/v1/auth/token", app.base))
        .json(&json!({"username": "owner", "password": "wrong password for the owner"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "invalid_credentials").await;
    let r = app
        .client
        .post(format!("{}/v1/auth/token", app.base))
        .json(&json!({"username": "nobody", "password": "wrong password for the owner"}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 401, "invalid_credentials").await;
    assert_eq!(
        p["detail"], "The username or password is wrong.",
        "same answer whether or not the user exists"
    );

    assert_problem(
        app.get(&app.owner, "/v1/customers/not-a-uuid").await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(
            &app.owner,
            "/v1/customers/0190f5c6-0000-7000-8000-000000000000",
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&app.owner, "/v1/nothing-here").await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.req(Method::PUT, "/v1/customers", &app.owner)
            .send()
            .await
            .unwrap(),
        405,
        "method_not_allowed",
    )
    .await;

    let marketing = app.user("mia", "marketing").await;
    let c = app
        .customer(json!({"first_name": "Hidden", "email": "hidden@example.org"}))
        .await;
    let p = assert_problem(
        app.get(
            &marketing,
            &format!("/v1/customers/{}", c["id"].as_str().unwrap()),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert!(!p.to_string().contains("Hidden") && !p.to_string().contains("hidden@"));

    assert_problem(
        app.req(Method::GET, "/v1/customers/search", &app.owner)
            .query(&[("q", "a"), ("email", "b@c.de")])
            .send()
            .await
            .unwrap(),
        422,
        "invalid_request",
    )
    .await;
    assert_problem(
        app.req(Method::GET, "/v1/customers/search", &app.owner)
            .send()
            .await
            .unwrap(),
        422,
        "invalid_request",
    )
    .await;
    assert_problem(
        app.req(Method::GET, "/v1/customers/search", &app.owner)
            .query(&[("email", "not an e-mail")])
            .send()
            .await
            .unwrap(),
        422,
        "invalid_request",
    )
    .await;
    assert_problem(
        app.req(Method::GET, "/v1/customers/search", &app.owner)
            .query(&[("q", "x"), ("bogus", "1")])
            .send()
            .await
            .unwrap(),
        400,
        "invalid_query",
    )
    .await;

    let r = app
        .req(Method::POST, "/v1/users", &app.owner)
        .json(&json!({"username": "mia", "password": USER_PW, "role": "staff"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 409, "conflict").await;
    let r = app
        .req(Method::POST, "/v1/users", &app.owner)
        .json(&json!({"username": "kim", "password": "short", "role": "staff"}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 422, "password_refused").await;
    assert!(p["detail"].as_str().unwrap().contains("15 characters"));
    let r = app
        .req(Method::POST, "/v1/users", &app.owner)
        .json(&json!({"username": "kim", "password": USER_PW, "role": "root"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, "invalid_request").await;
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = spawn_app().await;
    for path in ["/healthz", "/v1/customers", "/v1/nothing"] {
        let r = app.get(&app.owner, path).await;
        let h = r.headers();
        assert!(h["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age="));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-store");
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(h["x-request-id"].len(), 32);
    }
}
