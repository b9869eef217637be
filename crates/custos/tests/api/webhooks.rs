//! Webhooks to connected systems: subscriptions, the events they get (ids only), signatures,
//! retries, the delivery log, and `customer.erased` telling a booking app to erase too.

use crate::helpers::*;
use crate::receivers::HookReceiver;
use hmac::Mac;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> Value {
    let r = app
        .req(Method::POST, "/v1/webhooks", &app.owner)
        .json(&json!({"url": url, "events": events, "description": "booking app"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

fn verify(secret: &str, h: &crate::receivers::Hook) -> bool {
    let sig = h.headers["custos-signature"].to_str().unwrap();
    let Some((t_part, v1)) = sig.split_once(",v1=") else {
        return false;
    };
    let ts = t_part.strip_prefix("t=").unwrap_or("");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{}", h.body).as_bytes());
    hex::encode(mac.finalize().into_bytes()) == v1
}

async fn deliveries(app: &TestApp, id: &str, n: usize, done: bool) -> Vec<Value> {
    for _ in 0..100 {
        let v: Vec<Value> = app
            .get(&app.owner, &format!("/v1/webhooks/{id}/deliveries"))
            .await
            .json()
            .await
            .unwrap();
        if v.len() >= n && (!done || v.iter().all(|d| d["status"] != "pending")) {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} deliveries of {id}");
}

#[tokio::test]
async fn customer_events_reach_a_subscriber_signed_with_ids_only_and_are_retried() {
    // The receiver refuses the first POST: the retry brings it.
    let hooks = HookReceiver::start(1).await;
    let app = spawn_tuned("retail", |s| {
        s.outbox_poll_every = std::time::Duration::from_millis(100);
        s.outbox_retry_base = time::Duration::seconds(1);
    })
    .await;
    // Before the subscription: not sent.
    app.customer(json!({"first_name": "Before"})).await;
    let w = subscribe(
        &app,
        &hooks.url(),
        &[
            "customer.created",
            "customer.updated",
            "customer.erased",
            "consent.changed",
            "data_request.opened",
        ],
    )
    .await;
    let secret = w["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() > 30);
    let id = w["id"].as_str().unwrap().to_owned();
    // The secret is shown once.
    let list: Vec<Value> = app
        .get(&app.owner, "/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].get("secret").is_none(), "{list:?}");
    assert_eq!(list[0]["url"], hooks.url());
    assert_eq!(list[0]["description"], "booking app");

    let canary = "WebhookCanaryWiśniewska";
    let c = app
        .customer(json!({"first_name": canary, "email": "hook.canary@example.org"}))
        .await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let r = app
        .patch(&app.owner, &cid, Some("\"1\""), json!({"city": "Poznań"}))
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .req(Method::POST, &format!("/v1/customers/{cid}/consents"), &app.owner)
        .json(&json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .req(Method::POST, "/v1/data-requests", &app.owner)
        .json(&json!({"customer_id": cid, "kind": "erasure"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let request: Value = r.json().await.unwrap();
    let r = app
        .req(Method::DELETE, &format!("/v1/customers/{cid}"), &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    // Five events, the first one twice (refused, then retried).
    let got = hooks.wait_for(6).await;
    assert_eq!(got[0].status, 500);
    let retried: Vec<_> = got[1..]
        .iter()
        .filter(|h| h.headers["custos-delivery"] == got[0].headers["custos-delivery"])
        .collect();
    assert_eq!(retried.len(), 1, "the refused delivery comes again, once");
    assert_eq!(retried[0].status, 204);
    assert_eq!(retried[0].body, got[0].body);
    let delivered: Vec<&crate::receivers::Hook> = got.iter().filter(|h| h.status == 204).collect();
    let mut types: Vec<String> = Vec::new();
    for h in &delivered {
        assert!(verify(&secret, h), "a valid signature");
        assert!(!verify("whsec_another", h));
        let body: Value = serde_json::from_str(&h.body).unwrap();
        assert_eq!(body["customer_id"], cid.as_str());
        assert_eq!(body["business"], "test-shop");
        assert_eq!(body["id"], h.headers["custos-delivery"].to_str().unwrap());
        assert_eq!(body["type"], h.headers["custos-event"].to_str().unwrap());
        assert!(
            !h.body.contains(canary) && !h.body.contains("hook.canary"),
            "ids only: {}",
            h.body
        );
        if body["type"] == "data_request.opened" {
            assert_eq!(body["data_request_id"], request["id"]);
        }
        types.push(body["type"].as_str().unwrap().to_owned());
    }
    // (The refused one came again after the others.)
    types.sort();
    assert_eq!(
        types,
        [
            "consent.changed",
            "customer.created",
            "customer.erased",
            "customer.updated",
            "data_request.opened",
        ]
    );

    // The delivery log: each event, the customer, the failed attempt and its error.
    let log = deliveries(&app, &id, 5, true).await;
    assert_eq!(log.len(), 5, "{log:?}");
    assert_eq!(log[0]["event"], "customer.created");
    assert_eq!(log[0]["customer_id"], cid.as_str());
    assert_eq!(log[0]["attempts"], 2, "refused once, then delivered");
    assert!(log[1..].iter().all(|d| d["attempts"] == 1));
    assert!(log.iter().all(|d| d["status"] == "delivered"));
    assert!(!serde_json::to_string(&log).unwrap().contains(&secret));

    // Nothing of the webhook's secret or URL in plaintext where it is stored.
    let stored = app.stored_bytes();
    assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()));
}

#[tokio::test]
async fn only_subscribed_events_go_out_and_an_ended_subscription_gets_nothing() {
    let erased_only = HookReceiver::start(0).await;
    let other = HookReceiver::start(0).await;
    let app = spawn_tuned("retail", |s| {
        s.outbox_poll_every = std::time::Duration::from_millis(100);
    })
    .await;
    let a = subscribe(&app, &erased_only.url(), &["customer.erased"]).await;
    let b = subscribe(&app, &other.url(), &["customer.created"]).await;
    // An import's new customers are created ones.
    let file = "Reference ID,First Name,Last Name,Email Address,Phone Number,Square Customer ID\n,Ala,Ma,ala@example.org,,SQ-1\n,Ola,Ma,ola@example.org,,SQ-2\n";
    let r = app
        .req(Method::POST, "/v1/imports?source=square", &app.owner)
        .header("content-type", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got = other.wait_for(2).await;
    assert!(got
        .iter()
        .all(|h| h.headers["custos-event"] == "customer.created"));
    let ala = app
        .search(&app.owner, &[("email", "ala@example.org")])
        .await;
    let ala_id = ala[0]["id"].as_str().unwrap();
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/customers/{ala_id}"),
            &app.owner,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let got = erased_only.wait_for(1).await;
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(
        (body["type"].as_str(), body["customer_id"].as_str()),
        (Some("customer.erased"), Some(ala_id))
    );
    // Ended: nothing more, and the log stays.
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/webhooks/{}", b["id"].as_str().unwrap()),
            &app.owner,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    app.customer(json!({"first_name": "After"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(other.wait_for(2).await.len(), 2, "nothing after the end");
    assert_eq!(erased_only.wait_for(1).await.len(), 1, "no other type");
    let log = deliveries(&app, b["id"].as_str().unwrap(), 2, true).await;
    assert_eq!(log.len(), 2);
    let list: Vec<Value> = app
        .get(&app.owner, "/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], a["id"]);
}

#[tokio::test]
async fn subscriptions_are_checked_and_kept_from_other_roles_and_businesses() {
    let app = spawn_app().await;
    for (body, why) in [
        (
            json!({"url": "http://hooks.example.org/x", "events": ["customer.erased"]}),
            "https",
        ),
        (
            json!({"url": "ftp://x", "events": ["customer.erased"]}),
            "https",
        ),
        (
            json!({"url": "https://hooks.example.org/x", "events": []}),
            "Name the events",
        ),
        (
            json!({"url": "https://hooks.example.org/x", "events": ["customer.deleted"]}),
            "customer.deleted",
        ),
        (
            json!({"url": "https://hooks.example.org/x", "events": ["customer.erased"], "description": "a\nb"}),
            "description",
        ),
    ] {
        let r = app
            .req(Method::POST, "/v1/webhooks", &app.owner)
            .json(&body)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 422, "invalid_request").await;
        assert!(p["detail"].as_str().unwrap().contains(why), "{body}: {p}");
    }
    let r = app
        .req(Method::POST, "/v1/webhooks", &app.owner)
        .json(&json!({"url": "https://x.example", "events": ["customer.erased"], "secret": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "unknown fields are refused");
    let staff = app.user("hook-staff", "staff").await;
    let r = app
        .req(Method::POST, "/v1/webhooks", &staff)
        .json(&json!({"url": "https://x.example", "events": ["customer.erased"]}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    assert_problem(app.get(&staff, "/v1/webhooks").await, 403, "forbidden").await;
    let w = subscribe(
        &app,
        "https://hooks.example.org/custos",
        &["customer.erased"],
    )
    .await;
    let id = w["id"].as_str().unwrap();
    // Another business sees none of it.
    custos::add_tenant(
        &app.settings,
        "other-shop",
        "Other Shop",
        "retail",
        "PL",
        "owner",
        OWNER_PW,
    )
    .await
    .unwrap();
    let other = app.login("owner", OWNER_PW, Some("other-shop")).await;
    let list: Vec<Value> = app.get(&other, "/v1/webhooks").await.json().await.unwrap();
    assert!(list.is_empty());
    assert_problem(
        app.get(&other, &format!("/v1/webhooks/{id}/deliveries"))
            .await,
        404,
        "not_found",
    )
    .await;
    let r = app
        .req(Method::DELETE, &format!("/v1/webhooks/{id}"), &other)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
    assert_problem(
        app.get(&app.owner, "/v1/webhooks/not-an-id/deliveries")
            .await,
        404,
        "not_found",
    )
    .await;
    let r = app
        .req(Method::DELETE, &format!("/v1/webhooks/{id}"), &app.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app
        .req(Method::DELETE, &format!("/v1/webhooks/{id}"), &app.owner)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not_found").await;
    let events: Vec<String> = app
        .audit_bodies()
        .iter()
        .filter(|e| e["outcome"] == "ok")
        .filter_map(|e| {
            e["action"]
                .as_str()
                .filter(|a| a.starts_with("webhook."))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(events, ["webhook.create", "webhook.delete"]);
}
