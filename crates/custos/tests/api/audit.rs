//! Tamper evidence: the trail is altered, deleted from, inserted into, reordered, truncated and
//! rewritten directly in the database; `custos audit verify` catches each, names the first bad
//! position and exits 1. An untouched trail verifies, through the CLI and the API.

use crate::helpers::*;
use custos_store::sql::{Db, DbError};
use custos_store::testdb::TestDatabase;
use custos_store::{params, Scope};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn verify(data: &Path) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_custos"))
        .args(["audit", "verify", "--data-dir", data.to_str().unwrap()])
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

type Row = (i64, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

fn row(c: &Db<'_>, seq: i64) -> Row {
    c.query_row(
        "SELECT seq, id, body, prev_hash, hash FROM audit_events WHERE seq = ?1",
        [seq],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .unwrap()
}

fn count(c: &Db<'_>) -> i64 {
    c.query_row("SELECT max(seq) FROM audit_events", (), |r| r.get(0))
        .unwrap()
}

/// A copy of a stopped app's data dir and store, to tamper with: on PostgreSQL a copy of its
/// database, named in the copy's configuration.
fn copy_app(app: &TestApp, dir: &Path) -> Option<TestDatabase> {
    copy_dir(&app.data, dir);
    let db = app.db.as_ref()?.copy_of();
    let config = dir.join("custos.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let old = app.db.as_ref().unwrap().url();
    assert!(text.contains(old));
    std::fs::write(&config, text.replace(old, db.url())).unwrap();
    Some(db)
}

/// Runs `f` on the audit trail of the store of a data dir, in one transaction.
fn tamper_with(dir: &Path, f: impl FnOnce(&Db<'_>) -> Result<(), DbError> + Send) {
    raw_of(dir).with(Scope::System, true, f).unwrap();
}

#[tokio::test]
async fn every_kind_of_tampering_is_caught_and_located() {
    let mut app = spawn_app().await;
    for i in 0..6 {
        let c = app
            .customer(json!({"first_name": format!("Audit{i}")}))
            .await;
        app.get(
            &app.owner,
            &format!("/v1/customers/{}", c["id"].as_str().unwrap()),
        )
        .await;
    }
    let v: Value = app
        .get(&app.owner, "/v1/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["events"].as_u64().unwrap() > 12);
    let staff = app.user("sam", "staff").await;
    assert_problem(app.get(&staff, "/v1/audit/verify").await, 403, "forbidden").await;
    app.stop().await; // signs a final checkpoint

    let (code, out) = verify(&app.data);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("signed checkpoints"), "{out}");

    let scratch = tempfile::tempdir().unwrap();
    let mut n_case = 0;
    let mut copies = Vec::new();
    let mut case = |name: &str, tamper: &(dyn Fn(&Db<'_>, i64) + Sync)| -> (i32, String) {
        n_case += 1;
        let dir: PathBuf = scratch.path().join(format!("{n_case}-{name}"));
        copies.push(copy_app(&app, &dir));
        tamper_with(&dir, |c| {
            let n = count(c);
            tamper(c, n);
            Ok(())
        });
        verify(&dir)
    };

    let (code, out) = case("altered", &|c, _| {
        let (_, _, mut body, _, _) = row(c, 5);
        body[10] ^= 1;
        c.execute(
            "UPDATE audit_events SET body = ?1 WHERE seq = 5",
            params![body],
        )
        .unwrap();
    });
    assert_eq!(code, 1);
    assert!(
        out.contains("BROKEN at event 5") && out.contains("altered"),
        "{out}"
    );

    let (code, out) = case("deleted", &|c, _| {
        c.execute("DELETE FROM audit_events WHERE seq = 5", ())
            .unwrap();
    });
    assert_eq!(code, 1);
    assert!(
        out.contains("BROKEN at event 5") && out.contains("missing"),
        "{out}"
    );

    let (code, out) = case("inserted", &|c, n| {
        for s in (5..=n).rev() {
            c.execute("UPDATE audit_events SET seq = seq + 1 WHERE seq = ?1", [s])
                .unwrap();
        }
        let (_, _, _, _, prev) = row(c, 4);
        let prev: [u8; 32] = prev.try_into().unwrap();
        let fake = br#"{"action":"nothing.to.see"}"#.to_vec();
        let h = custos_crypto::chain::link(&prev, 5, &fake);
        c.execute("INSERT INTO audit_events (seq, id, tenant_id, at, action, actor_id, body, prev_hash, hash) VALUES (5, ?4, NULL, 0, 'x', NULL, ?1, ?2, ?3)", params![fake, prev.to_vec(), h.to_vec(), vec![0_u8]]).unwrap();
    });
    assert_eq!(code, 1);
    assert!(
        out.contains("BROKEN at event 6") && out.contains("does not link"),
        "{out}"
    );

    let (code, out) = case("reordered", &|c, _| {
        let a = row(c, 5);
        let b = row(c, 6);
        c.execute("DELETE FROM audit_events WHERE seq IN (5, 6)", ())
            .unwrap();
        for (seq, r) in [(5, &b), (6, &a)] {
            c.execute("INSERT INTO audit_events (seq, id, tenant_id, at, action, actor_id, body, prev_hash, hash) VALUES (?1, ?2, NULL, 0, 'x', NULL, ?3, ?4, ?5)", params![seq, r.1, r.2, r.3, r.4]).unwrap();
        }
    });
    assert_eq!(code, 1);
    assert!(
        out.contains("BROKEN at event 5") && out.contains("does not link"),
        "{out}"
    );

    let truncated_at = raw_of(&app.data)
        .with(Scope::System, true, |c| Ok(count(c)))
        .unwrap()
        - 2;
    let (code, out) = case("truncated", &|c, n| {
        c.execute("DELETE FROM audit_events WHERE seq > ?1", [n - 3])
            .unwrap();
    });
    assert_eq!(code, 1);
    assert!(
        out.contains(&format!("BROKEN at event {truncated_at}")) && out.contains("truncated"),
        "{out}"
    );

    // Rewritten: altered at 3, and every hash after it recomputed; only the signed checkpoint
    // can tell.
    let (code, out) = case("rewritten", &|c, n| {
        let (_, _, mut body, prev, _) = row(c, 3);
        body[10] ^= 1;
        let mut prev: [u8; 32] = prev.try_into().unwrap();
        for s in 3..=n {
            let b = if s == 3 { body.clone() } else { row(c, s).2 };
            let h = custos_crypto::chain::link(&prev, s as u64, &b);
            c.execute(
                "UPDATE audit_events SET body = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
                params![b, prev.to_vec(), h.to_vec(), s],
            )
            .unwrap();
            prev = h;
        }
    });
    assert_eq!(code, 1);
    assert!(
        // init signed the head at event 2, so the rewritten stretch is located from event 3.
        out.contains("BROKEN at event 3")
            && out.contains("events 3..=")
            && out.contains("rewritten"),
        "{out}"
    );

    let (code, out) = case("forged checkpoint", &|c, _| {
        c.execute(
            "UPDATE audit_checkpoints SET signature = ?1",
            params![vec![0_u8; 64]],
        )
        .unwrap();
    });
    assert_eq!(code, 1);
    assert!(out.contains("no valid signature"), "{out}");

    // And the running server says the same about a broken trail.
    let dir = scratch.path().join("served");
    let _copy = copy_app(&app, &dir);
    tamper_with(&dir, |c| {
        c.execute("DELETE FROM audit_events WHERE seq = 7", ())
            .map(|_| ())
    });
    let settings = custos::config::Settings::load(
        &dir,
        custos::config::Overrides {
            listen: Some("127.0.0.1:0".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let running = custos::start(settings, false).await.unwrap();
    let cert =
        reqwest::Certificate::from_pem(&std::fs::read(dir.join("tls/cert.pem")).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(cert)
        .resolve("localhost", running.addr)
        .build()
        .unwrap();
    let base = format!("https://localhost:{}", running.addr.port());
    let t: Value = client
        .post(format!("{base}/v1/auth/token"))
        .json(&json!({"username": "owner", "password": OWNER_PW}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = client
        .request(Method::GET, format!("{base}/v1/audit/verify"))
        .bearer_auth(t["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["first_bad"].as_u64()),
        (Some(false), Some(7)),
        "{v}"
    );
    let alerts: Value = client
        .get(format!("{base}/v1/alerts"))
        .bearer_auth(t["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let failed = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "audit_verification_failed")
        .expect("an alert");
    assert_eq!(
        (
            failed["severity"].as_str(),
            failed["evidence"]["first_bad"].as_u64()
        ),
        (Some("critical"), Some(7))
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn the_trail_is_queried_by_customer_actor_action_and_time() {
    let app = spawn_app().await;
    let a = app
        .customer(json!({"first_name": "QueryCanaryA", "email": "qa@example.org"}))
        .await;
    let b = app.customer(json!({"first_name": "QueryCanaryB"})).await;
    let (a_id, b_id) = (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    );
    let staff = app.user("sam", "staff").await;
    let sam_id = app
        .get(&staff, "/v1/auth/whoami")
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&staff, &format!("/v1/customers/{a_id}")).await;
    app.get(&staff, &format!("/v1/customers/{a_id}")).await;
    app.search(&staff, &[("email", "qa@example.org")]).await;
    let reg: Value = app
        .req(Method::POST, "/v1/devices", &app.owner)
        .json(&json!({"name": "Till"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let till: Value = app
        .client
        .post(format!("{}/v1/devices/pair", app.base))
        .json(&json!({"code": reg["pairing_code"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    app.get(
        till["token"].as_str().unwrap(),
        &format!("/v1/customers/{b_id}"),
    )
    .await;

    let q = |query: String| {
        let app = &app;
        async move {
            let r = app.get(&app.owner, &format!("/v1/audit?{query}")).await;
            assert_eq!(r.status(), StatusCode::OK, "{query}");
            r.json::<Value>().await.unwrap()
        }
    };
    let for_a = q(format!("customer_id={a_id}")).await;
    let text = for_a.to_string();
    assert!(
        !text.contains("QueryCanary") && !text.contains("qa@example.org"),
        "no values in the trail"
    );
    let actions: Vec<(String, String)> = for_a["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor_role"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("customer.search", "staff"),
            ("customer.read", "staff"),
            ("customer.read", "staff"),
            ("customer.create", "owner")
        ]
        .map(|(x, y)| (x.to_owned(), y.to_owned())),
        "newest first"
    );
    let by_sam = q(format!("actor={sam_id}&action=customer.read")).await;
    assert_eq!(by_sam["items"].as_array().unwrap().len(), 2);
    let customer_events = q("action=customer.".into()).await;
    assert!(customer_events["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action"].as_str().unwrap().starts_with("customer.")));
    // Reading the trail about A is itself an event about A; page through the customer actions.
    let first = q(format!("customer_id={a_id}&action=customer.&limit=2")).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = q(format!(
        "customer_id={a_id}&action=customer.&limit=2&cursor={cursor}"
    ))
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert!(rest["next_cursor"].is_null());
    assert!(rest["items"][0]["seq"].as_u64().unwrap() < first["items"][1]["seq"].as_u64().unwrap());
    assert!(q("from=2099-01-01T00:00:00Z".into()).await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!q("to=2099-01-01T00:00:00Z".into()).await["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // Who accessed B: the till, by its device id.
    let history: Value = app
        .get(&app.owner, &format!("/v1/customers/{b_id}/access-history"))
        .await
        .json()
        .await
        .unwrap();
    let read = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "customer.read")
        .unwrap();
    assert_eq!(
        (read["actor_kind"].as_str(), read["actor_id"].as_str()),
        (Some("device"), till["device"]["id"].as_str())
    );
    assert!(read["request_id"].as_str().is_some_and(|r| r.len() == 32));

    assert_problem(app.get(&staff, "/v1/audit").await, 403, "forbidden").await;
    assert_problem(
        app.get(&staff, &format!("/v1/customers/{a_id}/access-history"))
            .await,
        403,
        "forbidden",
    )
    .await;
    let auditor = app.user("ada", "auditor").await;
    assert_eq!(
        app.get(&auditor, "/v1/audit").await.status(),
        StatusCode::OK
    );
    assert_problem(
        app.get(&app.owner, "/v1/audit?cursor=abc").await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get(&app.owner, "/v1/audit?from=yesterday").await,
        400,
        "invalid_query",
    )
    .await;
    assert!(
        app.audit_bodies()
            .iter()
            .any(|e| e["action"] == "audit.read"),
        "reading the trail is audited"
    );

    // Another business sees none of it.
    custos::add_tenant(
        &app.settings,
        "other",
        "Other Shop",
        "retail",
        "PL",
        "owner",
        OWNER_PW,
    )
    .await
    .unwrap();
    let other = app.login("owner", OWNER_PW, Some("other")).await;
    let theirs: Value = app
        .get(&other, &format!("/v1/audit?customer_id={a_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_export_verifies_offline_with_only_the_public_key() {
    let mut app = spawn_app().await;
    for i in 0..4 {
        app.customer(json!({"first_name": format!("Export{i}")}))
            .await;
    }
    app.stop().await;
    let d = app.data.to_str().unwrap().to_owned();
    let auditor = tempfile::tempdir().unwrap();
    let key = auditor.path().join("audit-signing.pub");
    std::fs::copy(app.data.join("audit-signing.pub"), &key).unwrap();
    let key = key.to_str().unwrap().to_owned();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_custos"))
            .args(args)
            .output()
            .unwrap();
        (
            o.status.code().unwrap(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    };
    for format in ["jsonl", "csv"] {
        let file = auditor.path().join(format!("trail.{format}"));
        let f = file.to_str().unwrap();
        let (code, out) = run(&[
            "audit",
            "export",
            "--data-dir",
            &d,
            "--format",
            format,
            "--out",
            f,
        ]);
        assert_eq!(code, 0, "{out}");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("Export0"), "no personal values in an export");
        assert!(
            text.contains("checkpoint"),
            "the checkpoints travel with the export"
        );
        let (code, out) = run(&["audit", "verify", "--export", f, "--public-key", &key]);
        assert_eq!(code, 0, "{format}: {out}");
        assert!(out.contains("no break"), "{out}");

        // Tampered: one event's action changed.
        let tampered = auditor.path().join(format!("tampered.{format}"));
        // Every occurrence is tried: in CSV the first is a readable column, the second the
        // hashed bytes; either must be caught.
        for nth in 0..2 {
            let pos = text.match_indices("customer.create").nth(nth).unwrap().0;
            let mut changed = text.clone();
            changed.replace_range(pos..pos + "customer.create".len(), "customer.xreate");
            std::fs::write(&tampered, changed).unwrap();
            let (code, out) = run(&[
                "audit",
                "verify",
                "--export",
                tampered.to_str().unwrap(),
                "--public-key",
                &key,
            ]);
            assert_eq!(code, 1, "{format} #{nth}: {out}");
            assert!(out.contains("altered"), "{format} #{nth}: {out}");
        }

        // Truncated: the last event dropped, the checkpoint kept.
        let lines: Vec<&str> = text.lines().collect();
        let last_event = lines
            .iter()
            .rposition(|l| !l.contains("checkpoint"))
            .unwrap();
        let shorter: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != last_event)
            .map(|(_, l)| *l)
            .collect();
        let truncated = auditor.path().join(format!("truncated.{format}"));
        std::fs::write(&truncated, shorter.join("\n")).unwrap();
        let (code, out) = run(&[
            "audit",
            "verify",
            "--export",
            truncated.to_str().unwrap(),
            "--public-key",
            &key,
        ]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("truncated"), "{format}: {out}");
    }
    let (code, out) = run(&[
        "audit",
        "verify",
        "--export",
        "/nonexistent",
        "--public-key",
        &key,
    ]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = run(&["audit", "verify", "--export", &key]);
    assert_eq!(code, 1);
    assert!(out.contains("--public-key"), "{out}");
}

#[tokio::test]
async fn one_actor_reading_many_customers_raises_an_alert() {
    let app = spawn_tuned("retail", |s| {
        s.anomaly_scan_every = std::time::Duration::from_millis(100);
        s.anomaly.bulk_read_customers = 5;
    })
    .await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(
            app.customer(json!({"first_name": format!("Bulk{i}")}))
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let staff = app.user("sam", "staff").await;
    let sam_id = app
        .get(&staff, "/v1/auth/whoami")
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Five customers: at the threshold, no alert.
    for id in &ids[..5] {
        app.get(&staff, &format!("/v1/customers/{id}")).await;
    }
    let bulk = |app: &TestApp| {
        let token = app.owner.clone();
        let url = format!("{}/v1/alerts", app.base);
        let client = app.client.clone();
        async move {
            let all: Value = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            all.as_array()
                .unwrap()
                .iter()
                .filter(|a| a["kind"] == "bulk_reads")
                .cloned()
                .collect::<Vec<Value>>()
        }
    };
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(bulk(&app).await.is_empty(), "five is not more than five");
    // The sixth distinct customer crosses it; the scanner picks it up within a few scans.
    app.get(&staff, &format!("/v1/customers/{}", ids[5])).await;
    app.get(&staff, &format!("/v1/customers/{}", ids[6])).await;
    let mut found = Vec::new();
    for _ in 0..50 {
        found = bulk(&app).await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "one alert per actor and hour");
    let a = &found[0];
    assert_eq!(
        (a["severity"].as_str(), a["evidence"]["actor_id"].as_str()),
        (Some("high"), Some(sam_id.as_str()))
    );
    // Counting stops past the threshold: a lower bound, named as one.
    assert_eq!(a["evidence"]["customers_at_least"], 6);
    assert_eq!(a["evidence"]["threshold"], 5);
    assert!(
        a["evidence"]["events_to"].as_u64().unwrap()
            >= a["evidence"]["events_from"].as_u64().unwrap()
    );
    // The owner's own writes are not reads: no alert about the owner.
    let owner_id = app
        .get(&app.owner, "/v1/auth/whoami")
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .clone();
    assert!(!found.iter().any(|a| a["evidence"]["actor_id"] == owner_id));
}

#[tokio::test]
async fn a_session_touching_every_endpoint_leaves_one_event_per_access_and_no_value() {
    let app = spawn_with("optician").await;
    let staff = app.user("cov-staff", "staff").await;
    let clinician = app.user("cov-clin", "clinician").await;
    let staff_id = app.user_id("cov-staff").await;
    let canaries = [
        "CoverageCanaryFirst",
        "CoverageCanaryLast",
        "coverage.canary@example.org",
        "+48601777888",
        "CoverageCanaryNote",
        "CoverageCanaryExam",
        "INS-COVERAGE",
    ];
    // (token, method, path, body, the action its event must carry)
    let mut calls: Vec<(String, Method, String, Option<Value>, &str)> = vec![(
        app.owner.clone(),
        Method::POST,
        "/v1/customers".into(),
        Some(
            json!({"fields": {"first_name": canaries[0], "last_name": canaries[1], "email": canaries[2], "phone": "601 777 888", "note": canaries[4], "insurance_number": canaries[6]}}),
        ),
        "customer.create",
    )];
    let mut seen: Vec<(String, &str, String)> = Vec::new();
    let mut id = String::new();
    let mut i = 0;
    while i < calls.len() {
        let (token, method, path, body, action) = calls[i].clone();
        let mut r = app.req(method.clone(), &path, &token);
        if method == Method::PATCH {
            r = r.header("if-match", "\"1\"");
        }
        if let Some(b) = &body {
            r = match b.as_str() {
                // A file upload.
                Some(text) => r.header("content-type", "text/csv").body(text.to_owned()),
                None => r.json(b),
            };
        }
        let resp = r.send().await.unwrap();
        assert!(
            resp.status().is_success(),
            "{method} {path}: {}",
            resp.status()
        );
        let rid = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        let text = resp.text().await.unwrap();
        seen.push((rid, action, format!("{method} {path}")));
        if i == 0 {
            id = serde_json::from_str::<Value>(&text).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let c = format!("/v1/customers/{id}");
            calls.extend([
                (
                    app.owner.clone(),
                    Method::GET,
                    c.clone(),
                    None,
                    "customer.read",
                ),
                (
                    app.owner.clone(),
                    Method::PATCH,
                    c.clone(),
                    Some(json!({"fields": {"city": "Toruń"}})),
                    "customer.update",
                ),
                (
                    staff.clone(),
                    Method::GET,
                    "/v1/customers/search?q=coverage.canary@example.org".into(),
                    None,
                    "customer.search",
                ),
                (
                    staff.clone(),
                    Method::GET,
                    "/v1/customers/search?phone=601777888".into(),
                    None,
                    "customer.search",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/customers".into(),
                    None,
                    "customer.list",
                ),
                (
                    clinician.clone(),
                    Method::POST,
                    format!("{c}/records"),
                    Some(json!({"type": "eye_exam", "fields": {"remarks": canaries[5]}})),
                    "record.create",
                ),
                (
                    staff.clone(),
                    Method::POST,
                    format!("{c}/records"),
                    Some(json!({"type": "purchase", "fields": {"amount": 10}})),
                    "record.create",
                ),
                (
                    clinician.clone(),
                    Method::GET,
                    format!("{c}/records"),
                    None,
                    "record.read",
                ),
                (
                    staff.clone(),
                    Method::POST,
                    format!("{c}/reveal"),
                    Some(json!({"fields": ["insurance_number"], "reason": "claim"})),
                    "customer.reveal",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    format!("{c}/access-history"),
                    None,
                    "audit.read",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/audit/verify".into(),
                    None,
                    "audit.verify",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/compliance/ropa".into(),
                    None,
                    "compliance.ropa",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/compliance/data-map.svg".into(),
                    None,
                    "compliance.data_map",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/compliance/checks".into(),
                    None,
                    "compliance.checks",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/compliance/self-audits".into(),
                    None,
                    "compliance.self_audit",
                ),
                (
                    app.owner.clone(),
                    Method::PUT,
                    "/v1/catalog/controller".into(),
                    Some(json!({"email": "privacy@example.org"})),
                    "catalog.controller",
                ),
                (
                    app.owner.clone(),
                    Method::PUT,
                    "/v1/catalog/recipients".into(),
                    Some(json!({"recipients": [{"name": "Accountant", "kind": "controller", "purposes": ["accounting"], "categories": ["purchase"], "country": "PL"}]})),
                    "catalog.recipients",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/tokens".into(),
                    Some(json!({"name": "cov"})),
                    "token.create",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/roles".into(),
                    Some(json!({"name": "cov_role", "actions": ["customer.read"]})),
                    "role.create",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/devices".into(),
                    Some(json!({"name": "cov-till"})),
                    "device.register",
                ),
                (
                    staff.clone(),
                    Method::POST,
                    format!("{c}/consents"),
                    Some(json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"})),
                    "consent.record",
                ),
                (
                    staff.clone(),
                    Method::GET,
                    format!("{c}/consents"),
                    None,
                    "consent.read",
                ),
                (
                    staff.clone(),
                    Method::POST,
                    format!("{c}/objection"),
                    Some(json!({"method": "in_store"})),
                    "consent.object",
                ),
                (
                    app.owner.clone(),
                    Method::PUT,
                    format!("{c}/restriction"),
                    Some(json!({"reason": "accuracy_contested"})),
                    "customer.restrict",
                ),
                (
                    staff.clone(),
                    Method::GET,
                    format!("{c}/restriction"),
                    None,
                    "restriction.read",
                ),
                (
                    app.owner.clone(),
                    Method::DELETE,
                    format!("{c}/restriction"),
                    None,
                    "customer.unrestrict",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/marketing/audience?purpose=sms_offers&channel=sms".into(),
                    None,
                    "marketing.audience",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/marketing/consents?purpose=sms_offers".into(),
                    None,
                    "marketing.report",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/data-requests".into(),
                    Some(json!({"customer_id": id, "kind": "access", "note": canaries[4]})),
                    "data_request.open",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/data-requests".into(),
                    None,
                    "data_request.read",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/retention/run?dry_run=true".into(),
                    None,
                    "retention.run",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    format!("{c}/export"),
                    None,
                    "customer.export",
                ),
                (
                    app.owner.clone(),
                    Method::PATCH,
                    "/v1/tenant".into(),
                    Some(json!({"time_zone": "Europe/Berlin"})),
                    "tenant.hours",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/incidents".into(),
                    Some(json!({"title": "coverage", "nature": canaries[4], "scope": {"actors": [staff_id], "from": "2020-01-01T00:00:00Z"}})),
                    "incident.open",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/imports?source=square".into(),
                    Some(json!(format!(
                        "Reference ID,First Name,Last Name,Email Address,Phone Number,Memo,Square Customer ID,Email Subscription Status\n,{},{},imported.{},,{},SQ-COVERAGE,subscribed\n",
                        canaries[0], canaries[1], canaries[2], canaries[4]
                    ))),
                    "customer.import",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/webhooks".into(),
                    Some(json!({"url": "https://hooks.example.org/custos", "events": ["customer.erased"]})),
                    "webhook.create",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/exports/customers?format=shopify".into(),
                    None,
                    "customer.export_all",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    "/v1/imports?source=square&dry_run=true".into(),
                    Some(json!(format!(
                        "Reference ID,First Name,Email Address,Square Customer ID\n,{},x.{},SQ-2\n",
                        canaries[0], canaries[2]
                    ))),
                    "customer.import",
                ),
                (
                    app.owner.clone(),
                    Method::DELETE,
                    c.clone(),
                    None,
                    "customer.erase",
                ),
            ]);
        }
        if action == "incident.open" {
            let inc = format!(
                "/v1/incidents/{}",
                serde_json::from_str::<Value>(&text).unwrap()["id"]
                    .as_str()
                    .unwrap()
            );
            calls.extend([
                (
                    app.owner.clone(),
                    Method::GET,
                    "/v1/incidents".into(),
                    None,
                    "incident.read",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    inc.clone(),
                    None,
                    "incident.read",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    format!("{inc}/affected"),
                    None,
                    "incident.affected",
                ),
                (
                    app.owner.clone(),
                    Method::GET,
                    format!("{inc}/draft?audience=authority&lang=pl"),
                    None,
                    "incident.draft",
                ),
                (
                    app.owner.clone(),
                    Method::POST,
                    format!("{inc}/updates"),
                    Some(json!({"kind": "follow_up", "text": canaries[1]})),
                    "incident.follow_up",
                ),
                (
                    app.owner.clone(),
                    Method::PATCH,
                    inc.clone(),
                    Some(json!({"measures": canaries[0]})),
                    "incident.update",
                ),
            ]);
        }
        i += 1;
    }
    assert!(!id.is_empty());
    let bodies = app.audit_bodies();
    for (rid, action, call) in &seen {
        let events: Vec<&Value> = bodies
            .iter()
            .filter(|e| e["request_id"] == rid.as_str())
            .collect();
        assert_eq!(
            events.len(),
            1,
            "{call}: one event per access, got {events:?}"
        );
        let e = events[0];
        assert_eq!(e["action"], *action, "{call}");
        assert!(
            e["actor_id"].is_string() && e["actor_role"].is_string(),
            "{call}: an actor"
        );
        assert_eq!(e["outcome"], "ok", "{call}");
    }
    let trail = serde_json::to_string(&bodies).unwrap();
    for c in canaries {
        assert!(!trail.contains(c), "{c} is in the audit trail");
    }
    assert!(!trail.contains("601777888"), "no phone in any form");
}

#[tokio::test]
async fn retention_prunes_old_events_and_the_trail_still_verifies() {
    let start = time::OffsetDateTime::now_utc();
    let (app, clock) = spawn_clocked_tuned("retail", start, |s| {
        s.anomaly_scan_every = std::time::Duration::from_millis(100);
        s.audit_retention = Some(time::Duration::days(30));
        // The monthly self-audit would add its own event as the month passes.
        s.self_audit_every = None;
    })
    .await;
    let c = app.customer(json!({"first_name": "Old"})).await;
    let id = c["id"].as_str().unwrap().to_owned();
    // Nothing is old enough yet.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let before = app.audit_bodies();
    assert!(before.iter().all(|e| e["action"] != "audit.prune"));
    let first_action = before[0]["action"].as_str().unwrap().to_owned();

    // A month and a day later the events that `init` covered with its signed checkpoint go.
    clock.advance(time::Duration::days(31));
    let mut after = Vec::new();
    for _ in 0..100 {
        after = app.audit_bodies();
        if after.iter().any(|e| e["action"] == "audit.prune") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let prune = after
        .iter()
        .find(|e| e["action"] == "audit.prune")
        .expect("a pruning is recorded");
    assert!(prune["target"].as_str().unwrap().starts_with("seq:"));
    assert!(
        after.len() < before.len(),
        "events were removed: {} then {}",
        before.len(),
        after.len()
    );
    assert_ne!(after[0]["action"].as_str().unwrap(), first_action);
    let owner = app.login("owner", OWNER_PW, None).await;
    let v: Value = app
        .get(&owner, "/v1/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true, "{v}");
    // Later events (the customer's creation, after the checkpoint) are kept.
    assert!(after
        .iter()
        .any(|e| e["action"] == "customer.create" && e["customer_ids"][0] == id.as_str()));
}
