//! Retention: rules per record type and field category and for inactive customers, applied by
//! sweeps on a moved clock — exactly what expired goes, a legal hold keeps it, anonymisation
//! keeps numbers and no identifier, an interrupted sweep is carried on, every deletion is
//! audited with its rule.

use crate::helpers::*;
use custos_core::store::Store;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

async fn record(app: &TestApp, id: &str, type_: &str, at: &str, fields: Value) -> String {
    let r = app
        .req(
            Method::POST,
            &format!("/v1/customers/{id}/records"),
            &app.owner,
        )
        .json(&json!({"type": type_, "occurred_at": at, "fields": fields}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn records(app: &TestApp, id: &str) -> Vec<Value> {
    let r = app
        .get(&app.owner, &format!("/v1/customers/{id}/records"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn run(app: &TestApp, dry: bool) -> Value {
    let r = app
        .req(
            Method::POST,
            &format!("/v1/retention/run?dry_run={dry}"),
            &app.owner,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

fn outcome<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == rule)
        .unwrap_or_else(|| panic!("no outcome for {rule} in {report}"))
}

fn counts(report: &Value, rule: &str) -> [u64; 5] {
    let o = outcome(report, rule);
    ["due", "deleted", "anonymised", "held", "retained"].map(|k| o[k].as_u64().unwrap())
}

struct Shop {
    ada: String,
    bea: String,
    cyd: String,
    ada_new_purchase: String,
}

/// Ada buys in 2018 and 2023 and visits in 2018; Bea only signs up in 2018; Cyd buys once in
/// 2018. Each has a canary in a field or record.
async fn shop(app: &TestApp, clock: &custos_core::clock::ManualClock) -> Shop {
    let ada = app
        .customer(json!({"first_name": "Ada", "last_name": "Canarya", "email": "ada@example.org", "preferences": "likes PREFCANARY-ADA"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bea = app
        .customer(json!({"first_name": "Bea", "last_name": "Canaryb", "preferences": "likes PREFCANARY-BEA"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cyd = app
        .customer(json!({"first_name": "Cyd", "last_name": "Canaryc", "email": "cyd@example.org"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    record(
        app,
        &ada,
        "purchase",
        "2018-05-10T12:00:00Z",
        json!({"amount": 100, "currency": "EUR", "items": "ITEMCANARY-ADA"}),
    )
    .await;
    record(
        app,
        &ada,
        "visit",
        "2018-05-10T12:00:00Z",
        json!({"note": "VISITCANARY-ADA"}),
    )
    .await;
    record(
        app,
        &cyd,
        "purchase",
        "2018-05-20T12:00:00Z",
        json!({"amount": 30, "currency": "PLN", "items": "ITEMCANARY-CYD"}),
    )
    .await;
    clock.set(datetime!(2023-06-01 10:00 UTC));
    let ada_new_purchase = record(
        app,
        &ada,
        "purchase",
        "2023-06-01T10:00:00Z",
        json!({"amount": 50, "currency": "EUR"}),
    )
    .await;
    Shop {
        ada,
        bea,
        cyd,
        ada_new_purchase,
    }
}

#[tokio::test]
async fn a_sweep_deletes_exactly_what_expired_anonymises_keeps_held_data_and_audits_each_deletion()
{
    let (mut app, clock) = spawn_clocked_tuned("retail", datetime!(2018-05-01 09:00 UTC), |s| {
        s.retention_sweep = None;
    })
    .await;
    app.owner_api_token().await;
    // The retail template for Poland: purchases 6 years (anonymised), visits 3 years,
    // marketing preferences 2 years after the last interaction, inactive customers 3 years.
    let rules: Value = app
        .get(&app.owner, "/v1/retention/rules")
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "purchases_tax",
            "visits",
            "marketing_preferences",
            "inactive_customers"
        ]
    );
    assert!(rules["rules"][0]["legal_reference"]
        .as_str()
        .unwrap()
        .contains("Ordynacja podatkowa"));

    let s = shop(&app, &clock).await;
    let r = app
        .req(
            Method::PUT,
            &format!("/v1/customers/{}/legal-hold", s.bea),
            &app.owner,
        )
        .json(&json!({"reason": "Pending court case about a voucher"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    clock.set(datetime!(2025-01-01 10:00 UTC));

    // A dry run counts and changes nothing.
    let dry = run(&app, true).await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(counts(&dry, "purchases_tax"), [2, 2, 2, 0, 0]);
    assert_eq!(counts(&dry, "visits"), [1, 1, 0, 0, 0]);
    assert_eq!(records(&app, &s.ada).await.len(), 3);
    assert!(app
        .get(&app.owner, "/v1/retention/aggregates")
        .await
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .is_empty());

    let report = run(&app, false).await;
    assert_eq!(report["complete"], true);
    // Ada's and Cyd's 2018 purchases (anonymised), not Ada's 2023 purchase.
    assert_eq!(counts(&report, "purchases_tax"), [2, 2, 2, 0, 0]);
    assert_eq!(counts(&report, "visits"), [1, 1, 0, 0, 0]);
    // Bea has been idle since 2018, but is under a legal hold; Ada came in 2023.
    assert_eq!(counts(&report, "marketing_preferences"), [1, 0, 0, 1, 0]);
    // Cyd is erased; Bea is held.
    assert_eq!(counts(&report, "inactive_customers"), [2, 1, 0, 1, 0]);

    let ada_records = records(&app, &s.ada).await;
    assert_eq!(ada_records.len(), 1);
    assert_eq!(ada_records[0]["id"], s.ada_new_purchase.as_str());
    let ada: Value = app
        .get(&app.owner, &format!("/v1/customers/{}", s.ada))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ada["fields"]["preferences"], "likes PREFCANARY-ADA");
    let bea: Value = app
        .get(&app.owner, &format!("/v1/customers/{}", s.bea))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bea["fields"]["preferences"], "likes PREFCANARY-BEA");
    assert_problem(
        app.get(&app.owner, &format!("/v1/customers/{}", s.cyd))
            .await,
        404,
        "not_found",
    )
    .await;
    assert!(app
        .search(&app.owner, &[("q", "cyd@example.org")])
        .await
        .is_empty());
    assert!(app.search(&app.owner, &[("q", "Canaryc")]).await.is_empty());

    // The aggregates keep the month, the currency, the count and the sum: nobody's name.
    let aggs: Value = app
        .get(&app.owner, "/v1/retention/aggregates")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        aggs,
        json!([
            {"record_type": "purchase", "month": "2018-05", "group": {"currency": "EUR"}, "count": 1, "sums": {"amount": 100.0}},
            {"record_type": "purchase", "month": "2018-05", "group": {"currency": "PLN"}, "count": 1, "sums": {"amount": 30.0}},
        ])
    );
    let text = aggs.to_string();
    for id in [&s.ada, &s.cyd] {
        assert!(!text.contains(id.as_str()));
    }
    assert!(!text.contains("CANARY"));

    // Each deletion is one audit event naming its rule.
    let events = app.audit_bodies();
    let of = |action: &str, rule: &str| {
        events
            .iter()
            .filter(|e| e["action"] == action && e["reason"] == format!("rule:{rule}"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(of("retention.anonymise", "purchases_tax").len(), 2);
    assert_eq!(of("retention.delete", "visits").len(), 1);
    let erased = of("retention.delete", "inactive_customers");
    assert_eq!(erased.len(), 1);
    assert_eq!(erased[0]["customer_ids"], json!([s.cyd]));
    assert_eq!(erased[0]["actor_kind"], "system");

    // Idempotent: a second sweep finds nothing more to do.
    let again = run(&app, false).await;
    for rule in [
        "purchases_tax",
        "visits",
        "marketing_preferences",
        "inactive_customers",
    ] {
        assert_eq!(outcome(&again, rule)["deleted"], 0, "{rule}");
    }
    assert_eq!(
        app.audit_bodies()
            .iter()
            .filter(|e| e["action"].as_str().unwrap().starts_with("retention.")
                && e["action"] != "retention.run")
            .count(),
        4
    );

    // Lift the hold: Bea's preferences go, and (still idle, the removal is no interaction)
    // she is erased.
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/customers/{}/legal-hold", s.bea),
            &app.owner,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let lifted = run(&app, false).await;
    assert_eq!(counts(&lifted, "marketing_preferences"), [1, 1, 0, 0, 0]);
    assert_eq!(counts(&lifted, "inactive_customers"), [1, 1, 0, 0, 0]);
    assert_problem(
        app.get(&app.owner, &format!("/v1/customers/{}", s.bea))
            .await,
        404,
        "not_found",
    )
    .await;

    // The reports are kept; the trail still verifies.
    let runs: Value = app
        .get(&app.owner, "/v1/retention/runs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 3, "dry runs are not kept");
    assert!(verify_chain(&app) > 0);
    let files = {
        app.stop().await;
        app.stored_files()
    };
    let found = find_in_files(
        &files,
        &[
            "ITEMCANARY-CYD".into(),
            "PREFCANARY-BEA".into(),
            "Canaryc".into(),
        ],
    );
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn an_inactive_customer_is_kept_while_records_must_be_kept_and_anonymised_when_asked() {
    let (mut app, clock) = spawn_clocked_tuned("retail", datetime!(2020-01-01 09:00 UTC), |s| {
        s.retention_sweep = None;
    })
    .await;
    app.owner_api_token().await;
    let id = app.customer(json!({"first_name": "Dora"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    record(
        &app,
        &id,
        "purchase",
        "2020-01-01T09:00:00Z",
        json!({"amount": 12.5, "currency": "PLN"}),
    )
    .await;
    // Four years on: idle for more than three, but the purchase must be kept for six.
    clock.set(datetime!(2024-01-05 09:00 UTC));
    let r = run(&app, false).await;
    assert_eq!(counts(&r, "inactive_customers"), [1, 0, 0, 0, 1]);
    assert_eq!(
        app.get(&app.owner, &format!("/v1/customers/{id}"))
            .await
            .status(),
        200
    );

    // The owner changes the rules: inactive customers are anonymised after one year, and
    // purchases kept only two years.
    let mut rules: Value = app
        .get(&app.owner, "/v1/retention/rules")
        .await
        .json()
        .await
        .unwrap();
    for r in rules["rules"].as_array_mut().unwrap() {
        if r["name"] == "inactive_customers" {
            r["keep_days"] = json!(365);
            r["action"] = json!("anonymise");
        }
        if r["name"] == "purchases_tax" {
            r["keep_days"] = json!(3000);
        }
    }
    // Bad rules are refused with the reason, and change nothing.
    let mut bad = rules.clone();
    bad["rules"][0]["applies_to"] = json!({"record_type": "eye_exam"});
    let p = assert_problem(
        app.req(Method::PUT, "/v1/retention/rules", &app.owner)
            .json(&bad)
            .send()
            .await
            .unwrap(),
        422,
        "invalid_request",
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("undeclared record type"),
        "{p}"
    );
    let mut bad = rules.clone();
    bad["rules"][0]["keep_days"] = json!(0);
    assert_problem(
        app.req(Method::PUT, "/v1/retention/rules", &app.owner)
            .json(&bad)
            .send()
            .await
            .unwrap(),
        422,
        "invalid_request",
    )
    .await;
    let staff = app.user("sam", "staff").await;
    assert_problem(
        app.req(Method::PUT, "/v1/retention/rules", &staff)
            .json(&rules)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.req(Method::POST, "/v1/retention/run", &staff)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;

    // With purchases kept 3000 days, Dora is still retained.
    let r = app
        .req(Method::PUT, "/v1/retention/rules", &app.owner)
        .json(&rules)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = run(&app, false).await;
    assert_eq!(counts(&r, "inactive_customers"), [1, 0, 0, 0, 1]);
    // Purchases kept 700 days: the purchase would go by its own rule first; make that rule
    // delete-only to see the customer's anonymisation carry the number.
    for r in rules["rules"].as_array_mut().unwrap() {
        if r["name"] == "purchases_tax" {
            r["keep_days"] = json!(10000);
        }
    }
    rules["rules"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["name"] != "purchases_tax");
    let r = app
        .req(Method::PUT, "/v1/retention/rules", &app.owner)
        .json(&rules)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = run(&app, false).await;
    assert_eq!(counts(&r, "inactive_customers"), [1, 1, 1, 0, 0]);
    assert_eq!(
        app.get(&app.owner, &format!("/v1/customers/{id}"))
            .await
            .status(),
        404
    );
    let aggs: Value = app
        .get(&app.owner, "/v1/retention/aggregates")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        aggs,
        json!([{"record_type": "purchase", "month": "2020-01", "group": {"currency": "PLN"}, "count": 1, "sums": {"amount": 12.5}}])
    );
    let changed = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["action"] == "retention.rules")
        .count();
    assert_eq!(changed, 2);
}

#[tokio::test]
async fn an_interrupted_sweep_is_carried_on_without_counting_anything_twice() {
    let (mut app, clock) = spawn_clocked_tuned("retail", datetime!(2018-05-01 09:00 UTC), |s| {
        s.retention_sweep = None;
    })
    .await;
    app.owner_api_token().await;
    let s = shop(&app, &clock).await;
    let now = datetime!(2025-01-01 10:00 UTC);
    clock.set(now);
    app.stop().await;

    // A sweep that stops after one batch of one item (as a crash would, between batches).
    let (vault, store) = custos::open_vault_with(&app.settings, clock.clone())
        .await
        .unwrap();
    let tenant = vault.resolve_tenant(None).await.unwrap().id;
    let small = custos_core::retention::SweepOptions {
        batch_size: 1,
        max_batches: Some(1),
        pause: std::time::Duration::ZERO,
        dry_run: false,
    };
    let first = vault
        .sweep_tenant(tenant, &small, &Default::default())
        .await
        .unwrap();
    assert!(!first.complete);
    assert_eq!(first.rules[0].deleted, 1, "{first:?}");
    let second = vault
        .sweep_tenant(
            tenant,
            &custos_core::retention::SweepOptions {
                pause: std::time::Duration::ZERO,
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
    assert!(second.complete);
    assert_eq!(second.resumed, Some(first.run_id));
    assert_eq!(
        second.rules[0].deleted, 1,
        "only the purchase the first sweep left"
    );
    let aggs = store.aggregates(tenant).await.unwrap();
    assert_eq!(aggs.iter().map(|a| a.count).sum::<u64>(), 2, "{aggs:?}");
    let _ = tokio::task::spawn_blocking(move || store.close()).await;

    app.restart().await;
    assert_eq!(records(&app, &s.ada).await.len(), 1);
    assert_eq!(
        app.get(&app.owner, &format!("/v1/customers/{}", s.cyd))
            .await
            .status(),
        404
    );
    let runs: Value = app
        .get(&app.owner, "/v1/retention/runs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(runs[0]["resumed"], first.run_id.to_string());
    assert_eq!(runs[1]["complete"], false);
    let _ = (&s.bea, OffsetDateTime::now_utc());
}

#[tokio::test]
async fn the_server_sweeps_by_itself_on_schedule() {
    let (mut app, clock) = spawn_clocked_tuned("retail", datetime!(2018-05-01 09:00 UTC), |s| {
        s.retention_sweep = Some(time::Duration::hours(24));
        s.anomaly_scan_every = std::time::Duration::from_millis(100);
    })
    .await;
    app.owner_api_token().await;
    let s = shop(&app, &clock).await;
    clock.set(datetime!(2025-01-01 10:00 UTC));
    for _ in 0..100 {
        if app
            .get(&app.owner, &format!("/v1/customers/{}", s.cyd))
            .await
            .status()
            == 404
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.get(&app.owner, &format!("/v1/customers/{}", s.cyd))
            .await
            .status(),
        404
    );
    assert_eq!(records(&app, &s.ada).await.len(), 1);
}

#[tokio::test]
async fn a_restricted_customer_is_kept_for_storage_and_legal_claims() {
    let (mut app, clock) = spawn_clocked_tuned("retail", datetime!(2018-01-10 09:00 UTC), |s| {
        s.retention_sweep = None;
    })
    .await;
    app.owner_api_token().await;
    let id = app
        .customer(json!({"first_name": "Rita", "preferences": "likes red"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    record(
        &app,
        &id,
        "purchase",
        "2018-01-10T09:00:00Z",
        json!({"amount": 5, "currency": "PLN"}),
    )
    .await;
    // Art. 18(1)(c): the business no longer needs the data, the customer needs it for a claim.
    let r = app
        .req(
            Method::PUT,
            &format!("/v1/customers/{id}/restriction"),
            &app.owner,
        )
        .json(&json!({"reason": "legal_claims"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    clock.set(datetime!(2026-01-10 09:00 UTC));
    let report = run(&app, false).await;
    assert_eq!(counts(&report, "purchases_tax"), [1, 0, 0, 1, 0]);
    assert_eq!(counts(&report, "marketing_preferences"), [1, 0, 0, 1, 0]);
    assert_eq!(counts(&report, "inactive_customers"), [1, 0, 0, 1, 0]);
    let c: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["restricted"], true);
    assert_eq!(c["fields"]["preferences"], "likes red");
    assert_eq!(records(&app, &id).await.len(), 1);
    // Lifted: the next sweep applies the rules.
    let r = app
        .req(
            Method::DELETE,
            &format!("/v1/customers/{id}/restriction"),
            &app.owner,
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let report = run(&app, false).await;
    assert_eq!(counts(&report, "inactive_customers"), [1, 1, 0, 0, 0]);
    assert_eq!(
        app.get(&app.owner, &format!("/v1/customers/{id}"))
            .await
            .status(),
        404
    );
}
