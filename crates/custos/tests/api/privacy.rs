//! Privacy invariants, tested: no plaintext personal data in the database files, their WALs, the
//! logs or any error body; a ciphertext moved to another customer's row does not open.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn find_canaries(files: &[PathBuf], canaries: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap_or_default();
        for c in canaries {
            if bytes.windows(c.len()).any(|w| w == c.as_bytes()) {
                found.push(format!("{c} in {}", f.display()));
            }
        }
    }
    found
}

#[tokio::test]
async fn no_canary_in_database_wal_logs_or_error_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_custos");
    let st = Command::new(bin)
        .args([
            "init",
            "--data-dir",
            data.to_str().unwrap(),
            "--business",
            "Canary Salon",
            "--template",
            "salon",
            "--country",
            "PL",
        ])
        .env("CUSTOS_OWNER_PASSWORD", OWNER_PW)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = dir.path().join("server.log");
    let mut server = Command::new(bin)
        .args([
            "serve",
            "--data-dir",
            data.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("CUSTOS_LOG", "debug")
        .env("CUSTOS_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let cert =
        reqwest::Certificate::from_pem(&std::fs::read(data.join("tls/cert.pem")).unwrap()).unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(cert)
        .resolve("localhost", addr)
        .build()
        .unwrap();
    let base = format!("https://localhost:{port}");
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "server did not come up");
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
    let req = |m: Method, p: &str| client.request(m, format!("{base}{p}")).bearer_auth(&token);

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
    let found = find_canaries(&files_under(&data), &canaries);
    assert!(found.is_empty(), "plaintext found while running: {found:?}");

    let t0 = std::time::Instant::now();
    let st = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    // Wait on a blocking thread: the client's connection task must stay able to answer the
    // server's GOAWAY, as a live client would.
    let exit = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
    assert!(t0.elapsed() < Duration::from_secs(10), "an idle keep-alive connection must not hold the shutdown for the whole grace period ({:?})", t0.elapsed());

    let mut files = files_under(&data);
    files.push(log_path.clone());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.matches("\"request\"").count() > 40,
        "the log has the request lines it should be scanned for"
    );
    let found = find_canaries(&files, &canaries);
    assert!(
        found.is_empty(),
        "plaintext found after shutdown: {found:?}"
    );
    // And the data is really there (the scan is not of an empty database).
    let c = rusqlite::Connection::open(data.join("custos.db")).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap();
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
    let db = rusqlite::Connection::open(app.data.join("custos.db")).unwrap();
    let row = |id: &Vec<u8>| {
        db.query_row(
            "SELECT sealed, wrapped_dek FROM customers WHERE id = ?1",
            [id],
            |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )
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
        db.execute(
            "UPDATE customers SET sealed = ?1, wrapped_dek = ?2 WHERE id = ?3",
            rusqlite::params![sealed, dek, uuid(&b_id)],
        )
        .unwrap();
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
    db.execute(
        "UPDATE customers SET sealed = ?1, wrapped_dek = ?2 WHERE id = ?3",
        rusqlite::params![b_sealed, b_dek, uuid(&b_id)],
    )
    .unwrap();
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
