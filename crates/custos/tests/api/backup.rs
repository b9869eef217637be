//! Backups: an online backup, changes and erasures after it, a restore into a new data dir with
//! the erasures applied (fields byte-identical, the trail verifying); and every kind of bad
//! backup or key refused with a clear message, touching nothing.

use crate::cli::{custos, stderr};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::Path;

fn run(args: &[&str]) -> std::process::Output {
    custos(args, &[])
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

async fn customer_json(app: &TestApp, token: &str, id: &str) -> Value {
    let r = app.get(token, &format!("/v1/customers/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// The retired master keys of a data dir.
fn retired_keys(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("master.key.retired-")
        })
        .collect()
}

/// The fields of these customers as a server on a restored data dir answers them.
async fn restored_fields(dir: &Path, ids: &[String]) -> Vec<Value> {
    let (running, client, base) = serve(dir).await;
    let token: Value = client
        .post(format!("{base}/v1/auth/token"))
        .json(&json!({"username": "owner", "password": OWNER_PW}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for id in ids {
        let r = client
            .get(format!("{base}/v1/customers/{id}"))
            .bearer_auth(token["token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{id}");
        out.push(r.json::<Value>().await.unwrap()["fields"].clone());
    }
    running.stop().await.unwrap();
    out
}

/// A server on a restored data dir.
async fn serve(dir: &Path) -> (custos::Running, reqwest::Client, String) {
    let settings = custos::config::Settings::load(
        dir,
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
    (running, client, base)
}

#[tokio::test]
async fn a_restore_brings_back_the_backup_without_the_customers_erased_since() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    let canaries: Vec<String> = (0..5).map(|i| format!("Backupcanary{i}")).collect();
    for (i, c) in canaries.iter().enumerate() {
        let v = app
            .customer(json!({"first_name": "Ola", "last_name": c, "email": format!("ola{i}@example.org"), "phone": format!("60155500{i}"), "preferences": "teal ✓ and “quotes”"}))
            .await;
        let id = v["id"].as_str().unwrap().to_owned();
        let r = app
            .req(Method::POST, &format!("/v1/customers/{id}/records"), &app.owner)
            .json(&json!({"type": "purchase", "fields": {"amount": 10 + i, "currency": "PLN", "items": format!("item {c}")}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(id);
    }
    let mut before = Vec::new();
    for id in &ids {
        before.push(customer_json(&app, &app.owner, id).await);
    }
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("shop.backup");
    // Online: the server keeps running (and serving) while the backup is taken.
    let (d, f) = (s(&app.data).to_owned(), s(&file).to_owned());
    let o = tokio::task::spawn_blocking(move || {
        run(&["backup", "create", "--data-dir", &d, "--out", &f])
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("5 customers, 5 records"));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1"));
    let found = find_in_files(std::slice::from_ref(&file), &canaries);
    assert!(found.is_empty(), "{found:?}");

    // After the backup: one changed, two erased, one new.
    let r = app
        .patch(
            &app.owner,
            &ids[0],
            Some(&format!("\"{}\"", before[0]["version"])),
            json!({"city": "Gdańsk"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    for id in &ids[1..3] {
        let r = app
            .req(Method::DELETE, &format!("/v1/customers/{id}"), &app.owner)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let late = app.customer(json!({"first_name": "Late"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The tombstones, exported to keep beside the backups (ids and times only).
    let graves = work.path().join("tombstones.jsonl");
    let o = run(&[
        "backup",
        "tombstones",
        "--data-dir",
        s(&app.data),
        "--out",
        s(&graves),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&graves).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains(&ids[1]) && text.contains(&ids[2]) && !text.contains("Backupcanary"));

    // A restore drill passes.
    let identity = app.data.join("backup.age-identity");
    let master = app.data.join("master.key");
    let o = run(&[
        "backup",
        "verify",
        s(&file),
        "--identity",
        s(&identity),
        "--master-key",
        s(&master),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("the audit trail verifies"));

    // Restore into a new dir, as on another machine: the backup, its identity, the master key.
    let elsewhere = tempfile::tempdir().unwrap();
    let key_copy = elsewhere.path().join("master.key");
    std::fs::copy(&master, &key_copy).unwrap();
    let id_copy = elsewhere.path().join("id.txt");
    std::fs::copy(&identity, &id_copy).unwrap();
    let new_dir = elsewhere.path().join("restored");
    let o = run(&[
        "backup",
        "restore",
        s(&file),
        "--data-dir",
        s(&new_dir),
        "--identity",
        s(&id_copy),
        "--master-key",
        s(&key_copy),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "no restore without saying where the erasures are"
    );
    assert!(stderr(&o).contains("--tombstones"));
    assert!(!new_dir.exists());
    let o = run(&[
        "backup",
        "restore",
        s(&file),
        "--data-dir",
        s(&new_dir),
        "--identity",
        s(&id_copy),
        "--master-key",
        s(&key_copy),
        "--tombstones",
        s(&graves),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("2 erased again"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // Never over a data dir.
    let o = run(&[
        "backup",
        "restore",
        s(&file),
        "--data-dir",
        s(&new_dir),
        "--identity",
        s(&id_copy),
        "--master-key",
        s(&key_copy),
        "--no-tombstones",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not empty"));
    let o = run(&["audit", "verify", "--data-dir", s(&new_dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let (running, client, base) = serve(&new_dir).await;
    let token: Value = client
        .post(format!("{base}/v1/auth/token"))
        .json(&json!({"username": "owner", "password": OWNER_PW}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let get = |id: String| {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        async move {
            client
                .get(format!("{base}/v1/customers/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    for (i, id) in ids.iter().enumerate() {
        let r = get(id.clone()).await;
        if i == 1 || i == 2 {
            assert_eq!(
                r.status(),
                StatusCode::NOT_FOUND,
                "erased after the backup: {id}"
            );
        } else {
            assert_eq!(r.status(), StatusCode::OK);
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["fields"], before[i]["fields"], "byte-identical fields");
            assert_eq!(v["version"], before[i]["version"]);
        }
    }
    assert_eq!(
        get(late).await.status(),
        StatusCode::NOT_FOUND,
        "made after the backup"
    );
    let v: Value = client
        .get(format!("{base}/v1/audit/verify"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true, "{v}");
    // The re-erasures are in the restored trail.
    let events: Value = client
        .get(format!("{base}/v1/audit?action=customer.erase"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reasons: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert_eq!(
        reasons
            .iter()
            .filter(|r| **r == "restore:tombstone")
            .count(),
        2,
        "{events}"
    );
    running.stop().await.unwrap();
    let found = find_in_files(&files_under(&new_dir), &canaries);
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn damaged_backups_and_wrong_keys_are_refused_touching_nothing() {
    let app = spawn_app().await;
    app.customer(json!({"first_name": "Kept"})).await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("b.age");
    let o = run(&[
        "backup",
        "create",
        "--data-dir",
        s(&app.data),
        "--out",
        s(&file),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A backup never overwrites a file.
    let o = run(&[
        "backup",
        "create",
        "--data-dir",
        s(&app.data),
        "--out",
        s(&file),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("never overwrites"));

    let identity = app.data.join("backup.age-identity");
    let master = app.data.join("master.key");
    let bytes = std::fs::read(&file).unwrap();
    let flipped = work.path().join("flipped.age");
    let mut f = bytes.clone();
    let mid = f.len() / 2;
    f[mid] ^= 0x01;
    std::fs::write(&flipped, &f).unwrap();
    let truncated = work.path().join("truncated.age");
    std::fs::write(&truncated, &bytes[..bytes.len() - 100]).unwrap();
    let garbage = work.path().join("garbage.age");
    std::fs::write(&garbage, b"this is not a backup").unwrap();
    // Another data dir: another identity and another master key.
    let other = tempfile::tempdir().unwrap();
    let od = other.path().join("d");
    let o = custos(
        &["init", "--data-dir", s(&od)],
        &[("CUSTOS_OWNER_PASSWORD", OWNER_PW)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let wrong_id = od.join("backup.age-identity");
    let wrong_key = od.join("master.key");

    let cases: Vec<(&Path, &Path, &Path, &str)> = vec![
        (&flipped, &identity, &master, "damaged"),
        (&truncated, &identity, &master, "damaged or truncated"),
        (&garbage, &identity, &master, "not a custos backup"),
        (
            &file,
            &wrong_id,
            &master,
            "not encrypted to the given identity",
        ),
        (&file, &identity, &wrong_key, "master key"),
    ];
    for (backup, id, key, says) in cases {
        let o = run(&[
            "backup",
            "verify",
            s(backup),
            "--identity",
            s(id),
            "--master-key",
            s(key),
        ]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "verify {}: {}",
            backup.display(),
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(says),
            "verify {} says: {}",
            backup.display(),
            stderr(&o)
        );
        let target = work.path().join("restored");
        let o = run(&[
            "backup",
            "restore",
            s(backup),
            "--data-dir",
            s(&target),
            "--identity",
            s(id),
            "--master-key",
            s(key),
            "--no-tombstones",
        ]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "restore {}: {}",
            backup.display(),
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(says),
            "restore {} says: {}",
            backup.display(),
            stderr(&o)
        );
        assert!(!target.exists(), "nothing restored");
        let left: Vec<_> = std::fs::read_dir(work.path())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".custos-restore")
            })
            .collect();
        assert!(left.is_empty(), "no staging left behind");
    }
    // The good backup still verifies, and the live data dir was never touched.
    let o = run(&[
        "backup",
        "verify",
        s(&file),
        "--identity",
        s(&identity),
        "--master-key",
        s(&master),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        app.get(&app.owner, "/v1/customers").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn master_key_rotation_keeps_every_customer_readable_before_and_after_restoring_an_older_backup(
) {
    let mut app = spawn_app().await;
    let mut ids = Vec::new();
    for name in ["Rota", "Rotb", "Rotc"] {
        ids.push(app.customer(json!({"first_name": name, "email": format!("{}@example.org", name.to_lowercase())})).await["id"].as_str().unwrap().to_owned());
    }
    let mut before = Vec::new();
    for id in &ids {
        before.push(customer_json(&app, &app.owner, id).await);
    }
    let work = tempfile::tempdir().unwrap();
    let old_backup = work.path().join("old.age");
    let o = run(&[
        "backup",
        "create",
        "--data-dir",
        s(&app.data),
        "--out",
        s(&old_backup),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let old_id = std::fs::read_to_string(app.data.join("master.key")).unwrap();

    // Rotate while the server runs: it keeps serving every customer.
    let d = s(&app.data).to_owned();
    let o =
        tokio::task::spawn_blocking(move || run(&["keys", "rotate", "--master", "--data-dir", &d]))
            .await
            .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 businesses rewrapped"));
    assert_ne!(
        std::fs::read_to_string(app.data.join("master.key")).unwrap(),
        old_id
    );
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            customer_json(&app, &app.owner, id).await["fields"],
            before[i]["fields"]
        );
    }
    let late = app.customer(json!({"first_name": "Afterrotation"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // And after a restart with the new key file.
    app.restart().await;
    app.owner = app.login("owner", OWNER_PW, None).await;
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            customer_json(&app, &app.owner, id).await["fields"],
            before[i]["fields"]
        );
    }
    assert_eq!(
        customer_json(&app, &app.owner, &late).await["fields"]["first_name"],
        "Afterrotation"
    );
    let o = run(&["keys", "status", "--data-dir", s(&app.data)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let status = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        status.contains("retired") && status.contains("test-shop"),
        "{status}"
    );
    assert!(!status.contains("missing"), "{status}");

    // The older backup needs the retired key, and says so.
    let retired = retired_keys(&app.data);
    assert_eq!(retired.len(), 1);
    let identity = app.data.join("backup.age-identity");
    let target = work.path().join("restored");
    let o = run(&[
        "backup",
        "restore",
        s(&old_backup),
        "--data-dir",
        s(&target),
        "--identity",
        s(&identity),
        "--master-key",
        s(&app.data.join("master.key")),
        "--live-data-dir",
        s(&app.data),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("wrapped under the master key"),
        "{}",
        stderr(&o)
    );
    assert!(!target.exists());
    let o = run(&[
        "backup",
        "restore",
        s(&old_backup),
        "--data-dir",
        s(&target),
        "--identity",
        s(&identity),
        "--master-key",
        s(&retired[0]),
        "--live-data-dir",
        s(&app.data),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let restored = restored_fields(&target, &ids).await;
    for (i, fields) in restored.iter().enumerate() {
        assert_eq!(*fields, before[i]["fields"]);
    }

    // A second rotation: two retired keys, the trail records both.
    let o = run(&["keys", "rotate", "--master", "--data-dir", s(&app.data)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    app.restart().await;
    app.owner = app.login("owner", OWNER_PW, None).await;
    assert_eq!(
        customer_json(&app, &app.owner, &ids[0]).await["fields"],
        before[0]["fields"]
    );
    let rotations = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["action"] == "key.rotate_master")
        .count();
    assert_eq!(rotations, 2);
    assert!(verify_chain(&app) > 0);
}

#[tokio::test]
async fn business_key_rotation_rewraps_customer_keys_online_and_older_backups_still_restore() {
    let mut app = spawn_app().await;
    let mut ids = Vec::new();
    for name in ["Kia", "Kib", "Kic"] {
        let id = app
            .customer(json!({"first_name": name, "phone": "601 222 333"}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = app
            .req(
                Method::POST,
                &format!("/v1/customers/{id}/records"),
                &app.owner,
            )
            .json(&json!({"type": "visit", "fields": {"note": format!("visit of {name}")}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(id);
    }
    // Things sealed under the business key itself: a legal hold's reason, a request's note.
    let r = app
        .req(
            Method::PUT,
            &format!("/v1/customers/{}/legal-hold", ids[0]),
            &app.owner,
        )
        .json(&json!({"reason": "Sealed reason before rotation"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .req(Method::POST, "/v1/data-requests", &app.owner)
        .json(&json!({"customer_id": ids[1], "kind": "access", "note": "Sealed note before rotation"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let mut before = Vec::new();
    for id in &ids {
        before.push(customer_json(&app, &app.owner, id).await);
    }
    let work = tempfile::tempdir().unwrap();
    let old_backup = work.path().join("v1.age");
    let o = run(&[
        "backup",
        "create",
        "--data-dir",
        s(&app.data),
        "--out",
        s(&old_backup),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // Rotate while the server runs (its cache still holds version 1).
    let d = s(&app.data).to_owned();
    let o = tokio::task::spawn_blocking(move || {
        run(&["keys", "rotate", "--tenant", "test-shop", "--data-dir", &d])
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("now version 2") && out.contains("3 customer keys rewrapped"),
        "{out}"
    );
    // The server has not noticed yet: a customer it creates now is wrapped under version 1,
    // which stays in the ring; the status says a rewrap waits, and running the rotation again
    // finishes it without a new version.
    let fresh = app.customer(json!({"first_name": "Afterkey"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = run(&["keys", "status", "--data-dir", s(&app.data)]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("wait to be rewrapped"));
    let o = run(&[
        "keys",
        "rotate",
        "--tenant",
        "test-shop",
        "--data-dir",
        s(&app.data),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("version 2 (an interrupted rotation finished): 1 customer keys rewrapped"),
        "{out}"
    );
    check(&app, &ids, &before).await;
    let o = run(&["keys", "status", "--data-dir", s(&app.data)]);
    let status = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        status.contains("test-shop")
            && status.contains("       2 ")
            && !status.contains("wait to be rewrapped"),
        "{status}"
    );

    // Again, then the master key too (which carries the older versions along); after a restart
    // everything still opens.
    let o = run(&[
        "keys",
        "rotate",
        "--tenant",
        "test-shop",
        "--data-dir",
        s(&app.data),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("4 customer keys rewrapped"));
    let o = run(&["keys", "rotate", "--master", "--data-dir", s(&app.data)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    app.restart().await;
    app.owner = app.login("owner", OWNER_PW, None).await;
    check(&app, &ids, &before).await;
    assert_eq!(
        customer_json(&app, &app.owner, &fresh).await["fields"]["first_name"],
        "Afterkey"
    );
    let rotations = app
        .audit_bodies()
        .into_iter()
        .filter(|e| e["action"] == "key.rotate_tenant")
        .count();
    assert_eq!(rotations, 2);
    assert!(verify_chain(&app) > 0);

    // The backup from before every rotation restores with the key of its time.
    let retired = retired_keys(&app.data);
    let target = work.path().join("restored");
    let o = run(&[
        "backup",
        "restore",
        s(&old_backup),
        "--data-dir",
        s(&target),
        "--identity",
        s(&app.data.join("backup.age-identity")),
        "--master-key",
        s(&retired[0]),
        "--live-data-dir",
        s(&app.data),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let restored = restored_fields(&target, &ids).await;
    for (i, fields) in restored.iter().enumerate() {
        assert_eq!(*fields, before[i]["fields"]);
    }
}

/// Every customer as before, with its record, and what is sealed under the business key.
async fn check(app: &TestApp, ids: &[String], before: &[Value]) {
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            customer_json(app, &app.owner, id).await["fields"],
            before[i]["fields"]
        );
        let recs: Value = app
            .get(&app.owner, &format!("/v1/customers/{id}/records"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(recs["items"].as_array().unwrap().len(), 1);
    }
    let hold: Value = app
        .get(&app.owner, &format!("/v1/customers/{}/legal-hold", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hold["reason"], "Sealed reason before rotation");
    let reqs: Value = app
        .get(&app.owner, "/v1/data-requests")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reqs[0]["note"], "Sealed note before rotation");
}

async fn wait_for(mut ok: impl FnMut() -> bool, what: &str) {
    for _ in 0..100 {
        if ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("not within ten seconds: {what}");
}

#[tokio::test]
async fn the_server_backs_up_on_schedule_copies_off_site_rotates_and_alerts_on_failure() {
    use custos::schedule::{list, Keep, Schedule};
    let work = tempfile::tempdir().unwrap();
    let (local, offsite) = (work.path().join("local"), work.path().join("offsite"));
    let (l2, o2) = (local.clone(), offsite.clone());
    let (mut app, clock) = spawn_clocked_tuned(
        "retail",
        time::macros::datetime!(2026-03-02 02:00 UTC),
        move |s| {
            s.anomaly_scan_every = std::time::Duration::from_millis(100);
            s.backup_schedule = Some(Schedule {
                every: time::Duration::hours(24),
                dir: l2,
                copy_dir: Some(o2),
                s3: None,
                keep: Keep {
                    daily: 2,
                    weekly: 1,
                    monthly: 1,
                },
            });
        },
    )
    .await;
    app.owner_api_token().await;
    app.customer(json!({"first_name": "Scheduled"})).await;

    // The first backup at start (none is recent), copied to the second destination.
    wait_for(
        || list(&local).len() == 1 && list(&offsite).len() == 1,
        "the first backup",
    )
    .await;
    let st: Value = app
        .get(&app.owner, "/v1/backups")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["scheduled"], true);
    assert_eq!(st["every_hours"], 24);
    assert_eq!(st["newest"]["name"], "custos-20260302-020000.backup");
    assert_eq!(st["copies"].as_array().unwrap().len(), 1);
    assert!(st["newest_age_seconds"].as_i64().unwrap() < 60);
    assert!(st["last_error"].is_null());
    let o = run(&[
        "backup",
        "verify",
        s(&list(&offsite)[0].0),
        "--identity",
        s(&app.data.join("backup.age-identity")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Nothing more within the day; the next day, the next one; the rotation keeps two.
    clock.advance(time::Duration::hours(12));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(list(&local).len(), 1);
    clock.advance(time::Duration::hours(12));
    wait_for(
        || {
            list(&local)
                .first()
                .is_some_and(|f| f.1 == time::macros::datetime!(2026-03-03 02:00 UTC))
        },
        "the second backup",
    )
    .await;
    clock.advance(time::Duration::hours(24));
    wait_for(
        || {
            list(&local)
                .first()
                .is_some_and(|f| f.1 == time::macros::datetime!(2026-03-04 02:00 UTC))
        },
        "the third backup",
    )
    .await;
    wait_for(
        || list(&local).len() == 2 && list(&offsite).len() == 2,
        "rotation in both places",
    )
    .await;
    // The auditor sees it; staff do not.
    let auditor = app.user("aud", "auditor").await;
    assert_eq!(
        app.get(&auditor, "/v1/backups").await.status(),
        StatusCode::OK
    );
    let staff = app.user("sam", "staff").await;
    assert_problem(app.get(&staff, "/v1/backups").await, 403, "forbidden").await;

    // The second destination goes away (a share not mounted): the copy fails, an alert rises.
    std::fs::remove_dir_all(&offsite).unwrap();
    std::fs::write(&offsite, b"not a directory").unwrap();
    clock.advance(time::Duration::hours(24));
    let alerts = app.await_alerts("backup_failed", 1).await;
    assert_eq!(alerts[0]["severity"], "high");
    let st: Value = app
        .get(&app.owner, "/v1/backups")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        st["last_error"].as_str().unwrap().contains("offsite"),
        "{st}"
    );
}

/// A local S3-compatible server (moto, from PyPI), stopped when dropped.
struct S3Server {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn s3_server() -> Option<S3Server> {
    // `python3 -m moto.server`, wherever pip put it.
    let found = std::process::Command::new("python3")
        .args(["-c", "import moto.server"])
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "moto_server is needed for the S3 test in CI (pip install 'moto[server]')"
        );
        eprintln!(
            "skipping the S3 test: moto_server is not installed (pip install 'moto[server]')"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = S3Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..150 {
        if reqwest::get(&server.endpoint).await.is_ok() {
            return Some(server);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("moto_server did not start");
}

async fn s3_keys(endpoint: &str, bucket: &str, prefix: &str) -> Vec<String> {
    let xml = reqwest::get(format!("{endpoint}/{bucket}?list-type=2&prefix={prefix}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    xml.split("<Key>")
        .skip(1)
        .filter_map(|s| s.split("</Key>").next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn scheduled_backups_go_to_an_s3_compatible_object_store() {
    use custos::schedule::{Keep, S3Target, Schedule};
    let Some(s3) = s3_server().await else { return };
    let endpoint = s3.endpoint.clone();
    let r = reqwest::Client::new()
        .put(format!("{endpoint}/custos-offsite"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "bucket: {}", r.status());
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("local");
    let (l2, e2) = (local.clone(), endpoint.clone());
    let (mut app, clock) = spawn_clocked_tuned(
        "retail",
        time::macros::datetime!(2026-05-04 01:00 UTC),
        move |s| {
            s.anomaly_scan_every = std::time::Duration::from_millis(100);
            s.backup_schedule = Some(Schedule {
                every: time::Duration::hours(24),
                dir: l2,
                copy_dir: None,
                s3: Some(S3Target {
                    endpoint: e2,
                    region: "us-east-1".into(),
                    bucket: "custos-offsite".into(),
                    prefix: "shop-1/".into(),
                    access_key: "test".into(),
                    secret_key: zeroize::Zeroizing::new("test-secret".into()),
                }),
                keep: Keep {
                    daily: 2,
                    weekly: 1,
                    monthly: 1,
                },
            });
        },
    )
    .await;
    app.owner_api_token().await;
    app.customer(json!({"first_name": "Offsite", "last_name": "S3canary"}))
        .await;

    let mut keys = Vec::new();
    for _ in 0..100 {
        keys = s3_keys(&endpoint, "custos-offsite", "shop-1/").await;
        if !keys.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        keys,
        vec!["shop-1/custos-20260504-010000.backup".to_owned()]
    );
    // What the object store holds is the encrypted backup itself: it verifies, nothing readable.
    let target = S3Target {
        endpoint: endpoint.clone(),
        region: "us-east-1".into(),
        bucket: "custos-offsite".into(),
        prefix: "shop-1/".into(),
        access_key: "test".into(),
        secret_key: zeroize::Zeroizing::new("test-secret".into()),
    };
    let listed = target.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    let fetched = work.path().join("fetched.backup");
    target.download(&keys[0], &fetched).await.unwrap();
    let bytes = std::fs::read(&fetched).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1"));
    assert!(!bytes.windows(8).any(|w| w == b"S3canary"));

    let o = run(&[
        "backup",
        "verify",
        s(&fetched),
        "--identity",
        s(&app.data.join("backup.age-identity")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // Two more days: the rotation keeps two there too.
    for day in [5, 6] {
        clock.advance(time::Duration::hours(24));
        let want = format!("shop-1/custos-202605{day:02}-010000.backup");
        let mut ok = false;
        for _ in 0..100 {
            if s3_keys(&endpoint, "custos-offsite", "shop-1/")
                .await
                .contains(&want)
            {
                ok = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(ok, "{want}");
    }
    let mut keys = Vec::new();
    for _ in 0..50 {
        keys = s3_keys(&endpoint, "custos-offsite", "shop-1/").await;
        if keys.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(!keys.contains(&"shop-1/custos-20260504-010000.backup".to_owned()));

    // The object store goes away: the next backup's upload fails and says so.
    drop(s3);
    clock.advance(time::Duration::hours(24));
    let alerts = app.await_alerts("backup_failed", 1).await;
    assert!(
        alerts[0]["message"].as_str().unwrap().contains("S3"),
        "{alerts:?}"
    );
}
