//! The command line: exit statuses and messages, a token made while the server runs, and clean
//! shutdown under concurrent writes.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::process::{Command, Output};

pub(crate) fn custos(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_custos"));
    c.args(args)
        .env_remove("CUSTOS_DATA_DIR")
        .env_remove("CUSTOS_OWNER_PASSWORD")
        .env_remove("CUSTOS_USER_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn exit_statuses_and_messages() {
    let o = custos(&["frobnicate"], &[]);
    assert_eq!(o.status.code(), Some(2), "bad usage");
    let o = custos(&["init", "--template", "bakery"], &[]);
    assert_eq!(o.status.code(), Some(2), "unknown template is bad usage");
    for args in [
        &["keys", "rotate"][..],
        &["keys", "rotate", "--master", "--tenant", "x"],
        &["backup", "verify", "f.backup"],
        &["retention", "run", "--dry-run", "--now"],
    ] {
        let o = custos(args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?} is bad usage");
    }

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let d = data.to_str().unwrap();
    let o = custos(
        &["init", "--data-dir", d, "--owner", "anna"],
        &[("CUSTOS_OWNER_PASSWORD", "anna-is-my-password-ok")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("must not contain the username"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_dir(&data).unwrap().count(),
        0,
        "a failed init leaves nothing behind"
    );

    let o = custos(&["init", "--data-dir", d], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("shown this once"),
        "a generated password is printed: {out}"
    );
    use std::os::unix::fs::PermissionsExt;
    for (f, mode) in [
        ("master.key", 0o600),
        ("audit-signing.key", 0o600),
        ("tls/key.pem", 0o600),
    ] {
        assert_eq!(
            std::fs::metadata(data.join(f))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            mode,
            "{f}"
        );
    }
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );

    let o = custos(&["audit", "verify", "--data-dir", d], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("1 signed checkpoints"),
        "init signs the first checkpoint"
    );

    let o = custos(&["init", "--data-dir", d], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));

    let o = custos(
        &[
            "serve",
            "--data-dir",
            d,
            "--insecure-http",
            "--listen",
            "0.0.0.0:0",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("loopback"), "{}", stderr(&o));
    let o = custos(
        &["serve", "--data-dir", d, "--database-url", "mysql://db/x"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown database URL scheme"),
        "{}",
        stderr(&o)
    );
    let o = custos(
        &[
            "serve",
            "--data-dir",
            dir.path().join("nope").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("custos init"), "{}", stderr(&o));

    std::fs::set_permissions(
        data.join("master.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let o = custos(&["serve", "--data-dir", d], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    std::fs::set_permissions(
        data.join("master.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();

    let other = tempfile::tempdir().unwrap();
    let o = custos(
        &[
            "init",
            "--data-dir",
            other.path().join("x").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = custos(
        &["tenant", "list", "--data-dir", d],
        &[(
            "CUSTOS_MASTER_KEY_FILE",
            other.path().join("x/master.key").to_str().unwrap(),
        )],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("master key"),
        "a wrong master key is refused at once: {}",
        stderr(&o)
    );

    let o = custos(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--username",
            "sam",
            "--role",
            "wizard",
        ],
        &[("CUSTOS_USER_PASSWORD", USER_PW)],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Unknown role"), "{}", stderr(&o));
    let o = custos(&["tenant", "list", "--data-dir", d], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("my-business\tretail\t"));
}

#[tokio::test]
async fn cli_writes_while_the_server_runs_share_one_valid_chain() {
    let app = spawn_app().await;
    app.customer(json!({"first_name": "Before"})).await;
    let d = app.data.to_str().unwrap();
    let o = custos(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--username",
            "pos",
            "--role",
            "device",
        ],
        &[("CUSTOS_USER_PASSWORD", USER_PW)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = custos(
        &[
            "token",
            "create",
            "--data-dir",
            d,
            "--user",
            "pos",
            "--name",
            "till 1",
            "--expires-days",
            "30",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let token = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("cst_"));
    let who: Value = app
        .get(&token, "/v1/auth/whoami")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(who["kind"], "token");
    assert_eq!(who["role"], "device");
    assert_eq!(who["name"], "till 1");
    let r = app
        .create(
            &token,
            json!({"first_name": "After", "phone": "601 000 111"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(verify_chain(&app), app.audit_bodies().len());
    let o = custos(
        &[
            "token",
            "create",
            "--data-dir",
            d,
            "--user",
            "ghost",
            "--name",
            "x",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[tokio::test]
async fn shutdown_finishes_in_flight_writes_and_loses_none() {
    let mut app = spawn_app().await;
    let mut handles = Vec::new();
    for i in 0..200 {
        let req = app
            .req(Method::POST, "/v1/customers", &app.owner)
            .json(&json!({"fields": {"first_name": format!("Inflight{i}")}}));
        handles.push(tokio::spawn(async move { req.send().await }));
    }
    // Stop as soon as the first write is acknowledged: the server is then busy with the rest.
    for _ in 0..5000 {
        if handles.iter().any(|h| h.is_finished()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let unfinished = handles.iter().filter(|h| !h.is_finished()).count();
    assert!(
        unfinished > 0,
        "the stop must come while writes are in flight"
    );
    app.stop().await;
    let mut acknowledged = Vec::new();
    for h in handles {
        // A request the server never received fails at the transport (refused stream) and is
        // safe to retry; one it received must be finished, never answered with an error.
        if let Ok(r) = h.await.unwrap() {
            assert_eq!(r.status(), StatusCode::CREATED);
            acknowledged.push(
                r.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    assert!(!acknowledged.is_empty());
    app.restart().await;
    for id in &acknowledged {
        assert_eq!(
            app.get(&app.owner, &format!("/v1/customers/{id}"))
                .await
                .status(),
            StatusCode::OK,
            "acknowledged {id} was lost"
        );
    }
    let all: Value = app
        .get(&app.owner, "/v1/customers?limit=200")
        .await
        .json()
        .await
        .unwrap();
    assert!(all["items"].as_array().unwrap().len() >= acknowledged.len());
    assert_eq!(verify_chain(&app), app.audit_bodies().len());
}

#[tokio::test]
async fn retention_runs_from_the_command_line_while_the_server_runs() {
    let app = spawn_app().await;
    let id = app.customer(json!({"first_name": "Olaf"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for at in ["2010-01-05T10:00:00Z", "2026-01-05T10:00:00Z"] {
        let r = app
            .req(Method::POST, &format!("/v1/customers/{id}/records"), &app.owner)
            .json(&json!({"type": "purchase", "occurred_at": at, "fields": {"amount": 10, "currency": "EUR"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let d = app.data.to_str().unwrap().to_owned();
    let run = |args: Vec<&'static str>| {
        let d = d.clone();
        tokio::task::spawn_blocking(move || {
            let mut all = vec!["retention", "run", "--data-dir", d.as_str()];
            all.extend(args);
            custos(&all, &[])
        })
    };
    let o = run(vec!["--dry-run"]).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("test-shop: dry run, nothing changed"), "{out}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("purchases_tax"))
        .unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols[1..6], ["anonymise", "1", "1", "1", "0"], "{line}");
    let records: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}/records"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        records["items"].as_array().unwrap().len(),
        2,
        "a dry run changes nothing"
    );

    let o = run(vec![]).await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("test-shop: applied"));
    let records: Value = app
        .get(&app.owner, &format!("/v1/customers/{id}/records"))
        .await
        .json()
        .await
        .unwrap();
    let items = records["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["occurred_at"], "2026-01-05T10:00:00Z");
    // The command line's events joined the server's chain, which still verifies.
    let v: Value = app
        .get(&app.owner, "/v1/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert!(app
        .audit_bodies()
        .iter()
        .any(|e| e["action"] == "retention.anonymise"));

    let o = run(vec!["--tenant", "no-such-shop"]).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
}
