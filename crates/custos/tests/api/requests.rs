//! Data requests: the calendar-month deadline, extensions with reasons, identity check and
//! outcome, and alerts as the deadline nears and passes.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::macros::datetime;

#[tokio::test]
async fn a_request_is_due_in_a_calendar_month_extends_with_reasons_and_alerts() {
    let (mut app, clock) = spawn_clocked_tuned("retail", datetime!(2027-01-31 10:00 UTC), |s| {
        s.anomaly_scan_every = std::time::Duration::from_millis(100);
    })
    .await;
    let r = app
        .req(Method::POST, "/v1/tokens", &app.owner)
        .json(&json!({"name": "requests", "role": "owner"}))
        .send()
        .await
        .unwrap();
    let owner: String = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Alerts are read with it too: logins end after 12 hours and the clock jumps by weeks.
    app.owner = owner.clone();
    let staff = app.user("sam", "staff").await;
    let id = app.customer(json!({"first_name": "Hanna"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = |token: String, body: Value| {
        let app = &app;
        async move {
            app.req(Method::POST, "/v1/data-requests", &token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let patch = |token: String, rid: String, body: Value| {
        let app = &app;
        async move {
            app.req(Method::PATCH, &format!("/v1/data-requests/{rid}"), &token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };

    // Refusals first: nothing is recorded by them.
    assert_problem(
        post(staff.clone(), json!({"customer_id": id, "kind": "erasure"})).await,
        403,
        "forbidden",
    )
    .await;
    for (body, status, code) in [
        (
            json!({"customer_id": "0190f5c6-0000-7000-8000-000000000000", "kind": "access"}),
            404,
            "not_found",
        ),
        (
            json!({"customer_id": id, "kind": "gossip"}),
            400,
            "invalid_json",
        ),
        (
            json!({"customer_id": id, "kind": "access", "received_at": "2027-03-01T00:00:00Z"}),
            422,
            "invalid_request",
        ),
    ] {
        assert_problem(post(owner.clone(), body).await, status, code).await;
    }

    // Received on 31 January: due at the end of February.
    let r = post(
        owner.clone(),
        json!({"customer_id": id, "kind": "erasure", "note": "asked at the counter"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let dr: Value = r.json().await.unwrap();
    let rid = dr["id"].as_str().unwrap().to_owned();
    assert_eq!(dr["due_at"], "2027-02-28T10:00:00Z");
    assert_eq!(
        (
            dr["state"].as_str(),
            dr["identity_check"].as_str(),
            dr["overdue"].as_bool()
        ),
        (Some("open"), Some("pending"), Some(false))
    );
    assert_eq!(dr["note"], "asked at the counter");

    // A week before the deadline: a warning, once.
    clock.advance(time::Duration::days(22));
    let soon = app.await_alerts("data_request_due_soon", 1).await;
    assert_eq!(soon[0]["evidence"]["data_request_id"], rid.as_str());
    assert_eq!(soon[0]["severity"], "warning");

    // Extensions: with a reason, two months at most in all.
    assert_problem(
        patch(owner.clone(), rid.clone(), json!({"extend_months": 1})).await,
        422,
        "invalid_request",
    )
    .await;
    let r = patch(
        owner.clone(),
        rid.clone(),
        json!({"extend_months": 1, "extension_reason": "The archive is at the other shop."}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let dr: Value = r.json().await.unwrap();
    assert_eq!(dr["due_at"], "2027-03-31T10:00:00Z");
    assert_eq!(dr["extended_months"], 1);
    assert_problem(
        patch(
            owner.clone(),
            rid.clone(),
            json!({"extend_months": 2, "extension_reason": "more"}),
        )
        .await,
        422,
        "invalid_request",
    )
    .await;
    // 1 + 255 months once wrapped to 0 in u8 and passed the two-month check.
    assert_problem(
        patch(
            owner.clone(),
            rid.clone(),
            json!({"extend_months": 255, "extension_reason": "more"}),
        )
        .await,
        422,
        "invalid_request",
    )
    .await;
    let r = app
        .req(Method::GET, "/v1/data-requests", &owner)
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    let dr = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == rid.as_str())
        .unwrap();
    assert_eq!(dr["due_at"], "2027-03-31T10:00:00Z");
    assert_eq!(dr["extended_months"], 1);

    // Past the extended deadline: overdue, and a high alert.
    clock.advance(time::Duration::days(40));
    let over = app.await_alerts("data_request_overdue", 1).await;
    assert_eq!(
        (
            over[0]["severity"].as_str(),
            over[0]["evidence"]["kind"].as_str()
        ),
        (Some("high"), Some("erasure"))
    );
    let open: Value = app
        .get(&owner, "/v1/data-requests?open=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open[0]["overdue"], true);

    // Closing needs an outcome and a verified identity.
    assert_problem(
        patch(owner.clone(), rid.clone(), json!({"state": "completed"})).await,
        422,
        "invalid_request",
    )
    .await;
    assert_problem(
        patch(
            owner.clone(),
            rid.clone(),
            json!({"state": "completed", "outcome": "Erased on 2 April."}),
        )
        .await,
        422,
        "invalid_request",
    )
    .await;
    let r = patch(owner.clone(), rid.clone(), json!({"identity_check": "verified", "state": "completed", "outcome": "Erased on 2 April."})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let dr: Value = r.json().await.unwrap();
    assert_eq!(
        (dr["state"].as_str(), dr["overdue"].as_bool()),
        (Some("completed"), Some(false))
    );
    assert!(dr["closed_at"].is_string());
    assert_problem(
        patch(owner.clone(), rid.clone(), json!({"outcome": "again"})).await,
        409,
        "conflict",
    )
    .await;
    let open: Value = app
        .get(&owner, "/v1/data-requests?open=true")
        .await
        .json()
        .await
        .unwrap();
    assert!(open.as_array().unwrap().is_empty());

    // An extension decided after the first month is refused.
    let late: Value = post(
        owner.clone(),
        json!({"customer_id": id, "kind": "access", "received_at": "2027-02-01T09:00:00Z"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_problem(
        patch(
            owner.clone(),
            late["id"].as_str().unwrap().to_owned(),
            json!({"extend_months": 1, "extension_reason": "busy"}),
        )
        .await,
        422,
        "invalid_request",
    )
    .await;

    // Texts are sealed; the trail has the kinds and states only.
    let found = find_in_files(
        &app.stored_files(),
        &[
            "asked at the counter".to_owned(),
            "archive is at the other shop".to_owned(),
        ],
    );
    assert!(found.is_empty(), "{found:?}");
    let actions: Vec<String> = app
        .audit_bodies()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"data_request.open".to_owned())
            && actions.contains(&"data_request.update".to_owned())
    );
}
