//! Scale-out: two instances on one PostgreSQL database behave as one server (sessions,
//! optimistic concurrency, idempotency, revocation), background jobs run on one instance at a
//! time and move when it stops, and a shop moves from the embedded store to PostgreSQL with
//! `custos migrate-store`. These run on PostgreSQL whatever store the rest of the suite uses.

use crate::cli::{custos, stderr};
use crate::helpers::*;
use custos_store::testdb::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_sessions_versions_idempotency_and_revocation() {
    let app = spawn_on_postgres(|_| {}).await;
    let mut b = app.another_instance().await;

    // A session made on one works on the other.
    let token = app.login("owner", OWNER_PW, None).await;
    let r = b
        .req(Method::GET, "/v1/customers", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // An idempotent create replayed to the other instance creates nothing.
    let body = json!({"fields": {"first_name": "Jadwiga", "email": "jadwiga@example.org"}});
    let first = app
        .req(Method::POST, "/v1/customers", &token)
        .header("idempotency-key", "pos-1-sale-9")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = b
        .req(Method::POST, "/v1/customers", &token)
        .header("idempotency-key", "pos-1-sale-9")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "a replay, not a second customer"
    );
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.sql_count("SELECT count(*) FROM customers"), 1);

    // Concurrent updates of the same version from both: exactly one wins, the other is told.
    let path = format!("/v1/customers/{}", first["id"].as_str().unwrap());
    for round in 0..5 {
        let version = first["version"].as_u64().unwrap() + round;
        let etag = format!("\"{version}\"");
        let one = app
            .req(Method::PATCH, &path, &token)
            .header("if-match", &etag)
            .json(&json!({"fields": {"first_name": format!("A{round}")}}))
            .send();
        let two = b
            .req(Method::PATCH, &path, &token)
            .header("if-match", &etag)
            .json(&json!({"fields": {"first_name": format!("B{round}")}}))
            .send();
        let (one, two) = tokio::join!(one, two);
        let mut codes = [
            one.unwrap().status().as_u16(),
            two.unwrap().status().as_u16(),
        ];
        codes.sort();
        assert_eq!(codes, [200, 412], "round {round}");
    }
    let now: Value = b
        .req(Method::GET, &path, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        now["version"].as_u64(),
        Some(first["version"].as_u64().unwrap() + 5)
    );

    // Logging out on one ends the session on both.
    let r = b
        .req(Method::POST, "/v1/auth/logout", &token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let r = app.get(&token, "/v1/customers").await;
    assert_problem(r, 401, "unauthorized").await;

    // Both wrote into one audit chain, which verifies.
    b.stop().await;
    assert!(verify_chain(&app) > 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_background_job_runs_on_one_instance_and_moves_when_it_stops() {
    let quick = |s: &mut custos::config::Settings| {
        s.anomaly_scan_every = Duration::from_millis(100);
        s.checkpoint_every = Duration::from_millis(200);
        s.retention_sweep = Some(time::Duration::minutes(60));
    };
    let mut app = spawn_on_postgres(quick).await;
    let wanted = ["anomaly-scan", "audit-checkpoint", "retention"];
    let a_jobs = jobs_when(&app.client, &app.base, &wanted).await;
    assert!(
        wanted.iter().all(|j| a_jobs.iter().any(|x| x == j)),
        "the first instance runs the jobs: {a_jobs:?}"
    );
    let mut b = app.another_instance().await;
    // Many ticks later the second still runs none of them.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(b.jobs().await, Vec::<String>::new());
    assert_eq!(app.jobs().await, a_jobs);

    app.stop().await;
    let b_jobs = jobs_when(&b.client, &b.base, &wanted).await;
    assert!(
        wanted.iter().all(|j| b_jobs.iter().any(|x| x == j)),
        "the jobs moved to the second instance: {b_jobs:?}"
    );
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_moves_from_the_embedded_store_to_postgres() {
    // Always from SQLite, whatever the suite runs on.
    let db = TestDatabase::create();
    let mut app = spawn_on_sqlite().await;
    let mut ids = Vec::new();
    for i in 0..30 {
        let c = app
            .customer(json!({"first_name": format!("Moved{i}"), "email": format!("moved{i}@example.org")}))
            .await;
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    let before: Value = app
        .get(&app.owner, "/v1/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    app.stop().await;
    let d = app.data.to_str().unwrap().to_owned();

    // Bad input: a URL of no known kind, and no --to at all.
    let o = custos(
        &["migrate-store", "--data-dir", &d, "--to", "mysql://x/y"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown database URL scheme"),
        "{}",
        stderr(&o)
    );
    let o = custos(&["migrate-store", "--data-dir", &d], &[]);
    assert_eq!(o.status.code(), Some(2));

    let o = custos(&["migrate-store", "--data-dir", &d, "--to", db.url()], &[]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(out.contains("customers") && out.contains("30"), "{out}");
    assert!(out.contains("the audit trail verifies"), "{out}");
    assert!(!out.contains("secret"), "no password in the report");

    // Again into the same database: refused, nothing changed.
    let o = custos(&["migrate-store", "--data-dir", &d, "--to", db.url()], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("empty store"), "{}", stderr(&o));

    // The shop now runs on PostgreSQL: every customer opens, the trail continues and verifies.
    app.settings.database_url = Some(db.url().to_owned());
    app.restart().await;
    app.owner = app.login("owner", OWNER_PW, None).await;
    for id in &ids {
        let r = app.get(&app.owner, &format!("/v1/customers/{id}")).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let after: Value = app
        .get(&app.owner, "/v1/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["ok"], true, "{after}");
    assert!(after["events"].as_u64() > before["events"].as_u64());
    assert_eq!(
        custos_store::raw::Raw::open(&app.settings.location().unwrap())
            .unwrap()
            .scalar(
                custos_store::Scope::System,
                false,
                "SELECT count(*) FROM customers"
            )
            .unwrap(),
        30
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_on_one_instance_is_seen_on_the_other_within_seconds() {
    let app = spawn_on_postgres(|_| {}).await;
    let mut b = app.another_instance().await;
    let read_rules = |base: &str, client: &reqwest::Client| {
        let (url, client, token) = (
            format!("{base}/v1/retention/rules"),
            client.clone(),
            app.owner.clone(),
        );
        async move {
            let v: Value = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v
        }
    };
    // The second instance has the business's catalog in memory now.
    let mut rules = read_rules(&b.base, &b.client).await;
    for r in rules["rules"].as_array_mut().unwrap() {
        if r["name"] == "inactive_customers" {
            r["keep_days"] = json!(400);
        }
    }
    let r = app
        .req(Method::PUT, "/v1/retention/rules", &app.owner)
        .json(&rules)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let seen = |v: &Value| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "inactive_customers" && r["keep_days"] == 400)
    };
    assert!(
        seen(&read_rules(&app.base, &app.client).await),
        "at once where it was made"
    );
    let started = std::time::Instant::now();
    loop {
        if seen(&read_rules(&b.base, &b.client).await) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the other instance still has the old rules"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.stop().await;
}

#[test]
fn init_against_a_database_that_already_serves_businesses_is_refused() {
    let db = TestDatabase::create();
    let scratch = tempfile::tempdir().unwrap();
    let first = scratch.path().join("first");
    let second = scratch.path().join("second");
    let init = |dir: &std::path::Path, url: &str| {
        custos(
            &[
                "init",
                "--data-dir",
                dir.to_str().unwrap(),
                "--business",
                "Second Shop",
                "--database-url",
                url,
            ],
            &[("CUSTOS_OWNER_PASSWORD", OWNER_PW)],
        )
    };
    let o = init(&first, db.url());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("its data in postgres://"), "{out}");
    let config = std::fs::read_to_string(first.join("custos.toml")).unwrap();
    assert!(config.contains(db.url()), "the URL is kept in custos.toml");
    assert!(
        !first.join("custos.db").exists(),
        "no embedded database beside it"
    );

    // A second init on the same database would put businesses under two master keys.
    let o = init(&second, db.url());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("already holds businesses"),
        "{}",
        stderr(&o)
    );
    assert!(
        std::fs::read_dir(&second)
            .map(|mut d| d.next().is_none())
            .unwrap_or(true),
        "nothing half-made is left behind"
    );
    // A URL of no known kind is refused before anything is made.
    let o = init(&scratch.path().join("third"), "mysql://h/db");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown database URL scheme"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_login_throttle_and_totp_replay_hold_across_instances() {
    let app = spawn_on_postgres(|_| {}).await;
    let mut b = app.another_instance().await;
    let wrong = json!({"username": "owner", "password": "wrong password, long enough"});
    // Five failures spread over both instances: as many as on one.
    for i in 0..5 {
        let r = if i % 2 == 0 {
            app.try_login(wrong.clone()).await
        } else {
            b.client
                .post(format!("{}/v1/auth/token", b.base))
                .json(&wrong)
                .send()
                .await
                .unwrap()
        };
        assert_problem(r, 401, "invalid_credentials").await;
    }
    // Now even the right password waits, on either instance.
    let right = json!({"username": "owner", "password": OWNER_PW});
    assert_problem(app.try_login(right.clone()).await, 429, "rate_limited").await;
    let r = b
        .client
        .post(format!("{}/v1/auth/token", b.base))
        .json(&right)
        .send()
        .await
        .unwrap();
    assert_problem(r, 429, "rate_limited").await;

    // A TOTP code used on one instance does not work again on the other.
    let sam = app.user("sam", "staff").await;
    let (secret, _, confirmed_at) = app.enrol_mfa(&sam).await;
    let next = custos_crypto::totp::code_at(&secret, confirmed_at + 30).unwrap();
    let with_code = json!({"username": "sam", "password": USER_PW, "totp_code": next});
    assert_eq!(
        app.try_login(with_code.clone()).await.status(),
        StatusCode::OK
    );
    let r = b
        .client
        .post(format!("{}/v1/auth/token", b.base))
        .json(&with_code)
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "invalid_mfa_code").await;
    b.stop().await;
}
