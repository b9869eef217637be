//! Hostile input (RELIABILITY.md): what an attacker sends gets a 4xx problem or a closed
//! connection, never a 5xx, a crash, an echo of what it sent, or a resource held for ever.
//! SQL injection is tried here by hand in every parameter of search and list, and by sqlmap in
//! `.ci/run` (scripts/attack); fuzzing of the parsers is in fuzz/.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type Tls = tokio_rustls::client::TlsStream<TcpStream>;

fn addr_of(app: &TestApp) -> std::net::SocketAddr {
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    ([127, 0, 0, 1], port).into()
}

/// A TLS connection to the app on which the test writes raw bytes.
async fn tls(app: &TestApp) -> Tls {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(app.data.join("tls/cert.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = TcpStream::connect(addr_of(app)).await.unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

/// Sends raw bytes and reads until the server closes (or 10 s pass): the whole answer.
async fn raw(app: &TestApp, bytes: &[u8]) -> String {
    let mut s = tls(app).await;
    s.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads until the server closes the connection; answers how long that took, or `None` if it
/// was still open after `within`.
async fn closed_within(s: &mut Tls, within: Duration) -> Option<Duration> {
    let t0 = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within.saturating_sub(t0.elapsed()), s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(t0.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

fn status_of(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn deep_huge_and_odd_json_is_a_problem_not_a_crash() {
    let app = spawn_app().await;
    let deep_array = "[".repeat(100_000);
    let deep_field = format!(
        "{{\"fields\": {{\"note\": {}1{}}}}}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let deep_object = format!("{}{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let cases: Vec<(&str, String)> = vec![
        ("deep array", deep_array),
        ("deep field value", deep_field),
        ("deep object", deep_object),
        ("huge number", "{\"fields\": {\"note\": 1e999999}}".into()),
        (
            "lone surrogate",
            "{\"fields\": {\"note\": \"\\ud800\"}}".into(),
        ),
        (
            "NUL in a name",
            "{\"fields\": {\"first_name\": \"a\\u0000b\"}}".into(),
        ),
        ("trailing garbage", "{\"fields\": {}} {\"x\": 1}".into()),
        ("a bare string", "\"fields\"".into()),
        ("nothing", String::new()),
    ];
    for (what, body) in cases {
        let r = app
            .req(Method::POST, "/v1/customers", &app.owner)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert!((400..500).contains(&status), "{what}: {status}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{what}"
        );
        let p: Value = r.json().await.unwrap();
        assert!(p["code"].as_str().is_some(), "{what}: {p}");
    }
    // The server is still whole: a normal create works.
    let c = app.customer(json!({"first_name": "After"})).await;
    assert_eq!(c["fields"]["first_name"], "After");
}

/// What the OpenAPI document promises about bodies and queries holds both ways (found by
/// schemathesis): an array is not an object, `7.0` is the integer 7, a page size outside its
/// documented range is refused, and a search naming two keys is refused as such.
#[tokio::test]
async fn bodies_and_queries_are_read_as_the_document_says() {
    let app = spawn_app().await;
    let send = |m: Method, path: &str, body: &str| {
        app.req(m, path, &app.owner)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
    };
    // serde would read a struct from an array of its fields.
    for (m, path) in [
        (Method::PUT, "/v1/catalog/controller"),
        (Method::PATCH, "/v1/tenant"),
        (Method::POST, "/v1/customers"),
    ] {
        let p = assert_problem(
            send(m, path, "[null, null]").await.unwrap(),
            400,
            "invalid_json",
        )
        .await;
        assert_eq!(p["detail"], "The body must be a JSON object.", "{path}");
    }
    let p = assert_problem(
        send(Method::POST, "/v1/customers", "[1").await.unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert_eq!(p["detail"], "The body is not valid JSON.");
    // A number with a zero fraction is the integer; a real fraction is still refused.
    let mut rules: Value = app
        .get(&app.owner, "/v1/retention/rules")
        .await
        .json()
        .await
        .unwrap();
    rules["rules"][0]["keep_days"] = json!(4000.0);
    let body = serde_json::to_string(&rules).unwrap();
    assert!(body.contains("4000.0"), "{body}");
    let r = send(Method::PUT, "/v1/retention/rules", &body)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let now: Value = app
        .get(&app.owner, "/v1/retention/rules")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["rules"][0]["keep_days"], 4000);
    let half = body.replace("4000.0", "4000.5");
    let p = assert_problem(
        send(Method::PUT, "/v1/retention/rules", &half)
            .await
            .unwrap(),
        400,
        "invalid_json",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("keep_days"), "{p}");
    // Page sizes: 1 to the documented maximum.
    for (path, max) in [
        ("/v1/customers", 200),
        ("/v1/customers/search?q=ann&", 50),
        ("/v1/audit", 1000),
        ("/v1/alerts", 500),
    ] {
        let sep = if path.ends_with('&') { "" } else { "?" };
        for bad in [0, max + 1] {
            let p = assert_problem(
                app.get(&app.owner, &format!("{path}{sep}limit={bad}"))
                    .await,
                400,
                "invalid_query",
            )
            .await;
            assert_eq!(p["detail"], format!("limit must be 1 to {max}."), "{path}");
        }
        let r = app
            .get(&app.owner, &format!("{path}{sep}limit={max}"))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    // Each search key is well formed; two at once is a request that cannot be carried out.
    assert_problem(
        app.get(&app.owner, "/v1/customers/search?q=ann&email=a%40b.example")
            .await,
        422,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn invalid_utf8_and_control_bytes_in_urls_and_headers_are_refused() {
    let app = spawn_app().await;
    for path in [
        "/v1/customers/search?q=%FF%FE",
        "/v1/customers/search?email=%C0%AF%40x.de",
        "/v1/customers/search?q=%00",
        "/v1/customers/search?q=a%0D%0ASet-Cookie:%20x=1",
        "/v1/customers?limit=%FF",
        "/v1/customers?cursor=%00%01",
        "/v1/customers/%FF%FE",
        "/v1/customers/%00",
        "/v1/customers/..%2F..%2Fv1%2Fusers",
    ] {
        let r = app.get(&app.owner, path).await;
        let status = r.status().as_u16();
        assert!(
            (400..500).contains(&status) || status == 200,
            "{path}: {status}"
        );
        assert!(r.headers().get("set-cookie").is_none(), "{path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("Set-Cookie"), "{path} echoed: {body}");
    }
    // Bytes a client library would refuse to send, sent raw.
    let tok = &app.owner;
    for (what, req) in [
        (
            "bare CR in a header",
            format!("GET /v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {tok}\r\nX-A: a\rInjected: 1\r\nConnection: close\r\n\r\n"),
        ),
        (
            "obsolete line folding",
            format!("GET /v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {tok}\r\nX-A: a\r\n Injected: 1\r\nConnection: close\r\n\r\n"),
        ),
        (
            "NUL in a header",
            format!("GET /v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {tok}\0x\r\nConnection: close\r\n\r\n"),
        ),
        (
            "invalid UTF-8 in the path",
            "GET /v1/customers/\u{FF}\u{FE} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".into(),
        ),
        (
            "a huge header",
            format!("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(512 * 1024)),
        ),
        (
            "ten thousand headers",
            format!("GET /healthz HTTP/1.1\r\nHost: localhost\r\n{}Connection: close\r\n\r\n", "X-H: 1\r\n".repeat(10_000)),
        ),
        (
            "conflicting lengths (request smuggling)",
            "POST /v1/auth/token HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /v1/users HTTP/1.1\r\nHost: localhost\r\n\r\n".into(),
        ),
    ] {
        let answer = raw(&app, req.as_bytes()).await;
        let status = status_of(&answer);
        assert!(
            status == 0 || (400..500).contains(&status),
            "{what}: {}",
            answer.lines().next().unwrap_or("")
        );
        assert!(!answer.contains("Injected"), "{what}: echoed");
        assert_eq!(
            answer.matches("HTTP/1.1 ").count().min(1),
            answer.matches("HTTP/1.1 ").count(),
            "{what}: one answer, no smuggled second request"
        );
    }
    assert_eq!(app.get(&app.owner, "/v1/customers").await.status(), 200);
}

#[tokio::test]
async fn sql_injection_in_every_search_and_list_parameter_is_only_data() {
    let app = spawn_app().await;
    let c = app
        .customer(json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org"}))
        .await;
    let other = app
        .customer(
            json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.org"}),
        )
        .await;
    let payloads = [
        "' OR '1'='1",
        "' OR 1=1 --",
        "\"; DROP TABLE customers; --",
        "1; SELECT pg_sleep(5)",
        "' UNION SELECT username, password_hash FROM users --",
        "%' AND 1=CAST((SELECT version()) AS int) --",
        "ada' /*",
        "\\",
    ];
    let params: [(&str, &str); 9] = [
        ("/v1/customers/search", "q"),
        ("/v1/customers/search", "email"),
        ("/v1/customers/search", "phone"),
        ("/v1/customers/search", "number"),
        ("/v1/customers/search", "external_id"),
        ("/v1/customers", "limit"),
        ("/v1/customers", "cursor"),
        ("/v1/customers", "sort"),
        ("/v1/audit", "kind"),
    ];
    let t0 = Instant::now();
    for (path, param) in params {
        for p in payloads {
            let r = app
                .req(Method::GET, path, &app.owner)
                .query(&[(param, p)])
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            assert!(status < 500, "{path}?{param}={p}: {status} {body}");
            assert!(
                !body.contains("argon2")
                    && !body.contains("PostgreSQL")
                    && !body.contains("SQLite"),
                "{path}?{param}={p}: {body}"
            );
            if status == 200 && path.ends_with("search") {
                // A payload is a query like any other: it finds what its words name (the
                // type-ahead reads "ada' /*" as the word "ada"), never everyone.
                let v: Value = serde_json::from_str(&body).unwrap();
                for hit in v["items"].as_array().unwrap() {
                    assert_ne!(hit["id"], other["id"], "{param}={p} found everyone: {v}");
                    assert!(p.to_lowercase().contains("ada"), "{param}={p}: {v}");
                }
            }
        }
    }
    assert!(
        t0.elapsed() < Duration::from_secs(60),
        "no injected sleep ran"
    );
    // The data is whole.
    let r = app
        .get(
            &app.owner,
            &format!("/v1/customers/{}", c["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.search(&app.owner, &[("q", "lovelace")]).await.len(), 1);
}

#[tokio::test]
async fn path_traversal_reaches_no_file() {
    let app = spawn_app().await;
    for path in [
        "/assets/../../../../etc/passwd",
        "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%2f..%2f..%2fCargo.toml",
        "/assets/%252e%252e%252fCargo.toml",
        "/assets/app.css%00.js",
        "/assets/....//....//etc/passwd",
        "/docs/../../etc/passwd",
        "/docs/swagger-ui/..%2f..%2f..%2fetc%2fpasswd",
        "/docs/%2e%2e%2f%2e%2e%2fcustos.toml",
        "/privacy/..%2f..%2fmaster.key",
        "/static/../master.key",
        "//etc/passwd",
        "/\\..\\..\\etc\\passwd",
    ] {
        let r = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!((400..500).contains(&status), "{path}: {status}");
        for secret in [
            "root:x:0:0",
            "[package]",
            "master_key",
            "BEGIN PRIVATE KEY",
            "listen =",
        ] {
            assert!(!body.contains(secret), "{path} served {secret}");
        }
    }
    // Raw, without a client normalising the dots away.
    let answer = raw(
        &app,
        b"GET /assets/../../../../etc/passwd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!((400..500).contains(&status_of(&answer)), "{answer}");
    assert!(!answer.contains("root:x:0:0"));
}

#[tokio::test]
async fn trace_is_refused_and_cors_stays_closed() {
    let app = spawn_app().await;
    let trace = Method::from_bytes(b"TRACE").unwrap();
    for path in ["/", "/healthz", "/v1/customers"] {
        let r = app
            .client
            .request(trace.clone(), format!("{}{path}", app.base))
            .bearer_auth(&app.owner)
            .header("x-secret-header", "EchoMeBack")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "TRACE {path}");
        assert!(
            !r.text().await.unwrap().contains("EchoMeBack"),
            "TRACE {path} echoed"
        );
    }
    // A preflight from another site: no CORS grant, whatever it asks for.
    let r = app
        .client
        .request(Method::OPTIONS, format!("{}/v1/customers", app.base))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "preflight: {}", r.status());
    for h in r.headers().keys() {
        assert!(
            !h.as_str().starts_with("access-control-"),
            "preflight granted {h}"
        );
    }
    // A simple cross-site request is answered without any CORS header, so a browser hides it.
    for path in ["/v1/customers", "/healthz", "/privacy/test-shop"] {
        let r = app
            .req(Method::GET, path, &app.owner)
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        for h in r.headers().keys() {
            assert!(
                !h.as_str().starts_with("access-control-"),
                "{path} sent {h}"
            );
        }
    }
}

#[tokio::test]
async fn security_headers_on_every_kind_of_answer() {
    let app = spawn_app().await;
    let c = app.customer(json!({"first_name": "Headers"})).await;
    let id = c["id"].as_str().unwrap();
    let checks: Vec<(Method, String)> = vec![
        (Method::GET, format!("/v1/customers/{id}")),
        (Method::GET, "/v1/customers/search?q=head".into()),
        (Method::GET, format!("/v1/customers/{id}/export")),
        (Method::GET, "/v1/audit".into()),
        (Method::GET, "/".into()),
        (Method::GET, "/login".into()),
        (Method::GET, "/assets/app.css".into()),
        (Method::GET, "/docs".into()),
        (Method::GET, "/privacy/test-shop".into()),
        (Method::GET, "/v1/nothing".into()),
        (Method::DELETE, "/healthz".into()),
    ];
    for (m, path) in checks {
        let r = app.req(m.clone(), &path, &app.owner).send().await.unwrap();
        let h = r.headers();
        let what = format!("{m} {path} ({})", r.status());
        assert!(
            h["strict-transport-security"]
                .to_str()
                .unwrap()
                .contains("max-age=63072000"),
            "{what}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
        assert_eq!(h["x-frame-options"], "DENY", "{what}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{what}"
        );
        if path.starts_with("/v1/") || path.starts_with("/privacy") {
            assert_eq!(
                h["cache-control"], "no-store",
                "personal data is never cached: {what}"
            );
        }
        assert!(h.get("server").is_none(), "no server banner: {what}");
    }
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_connections_are_bounded() {
    let app = spawn_tuned("retail", |s| {
        s.conn_limits = custos_server::ConnLimits {
            max_connections: 6,
            idle: Duration::from_secs(3),
            header_read: Duration::from_secs(1),
        };
    })
    .await;
    // The reqwest client of the app keeps a connection of its own; let it go idle and close.
    tokio::time::sleep(Duration::from_secs(4)).await;

    // Headers that never end.
    let mut s = tls(&app).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let t = closed_within(&mut s, Duration::from_secs(8)).await;
    assert!(t.is_some(), "an unfinished header block is cut off");

    // Headers trickled a byte at a time (each byte resets no timer).
    let mut s = tls(&app).await;
    let trickle = async {
        for b in
            b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        {
            if s.write_all(&[*b]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    };
    let t0 = Instant::now();
    let cut = trickle.await
        || closed_within(&mut s, Duration::from_secs(1))
            .await
            .is_some();
    assert!(cut, "a trickling client is cut off");
    assert!(
        t0.elapsed() < Duration::from_secs(8),
        "by the header timeout: {:?}",
        t0.elapsed()
    );

    // A finished request, then silence: hyper waits for the next request's header lines
    // against the same timer, so an idle keep-alive connection goes after the header timeout.
    let mut s = tls(&app).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let t = closed_within(&mut s, Duration::from_secs(10)).await;
    assert!(
        t.is_some_and(|t| t < Duration::from_secs(5)),
        "an idle keep-alive connection is closed: {t:?}"
    );

    // A TLS handshake, then not one byte: before its first bytes hyper has no timer (it is
    // still deciding between HTTP/1 and HTTP/2); the idle limit (3 s here) closes it.
    let mut s = tls(&app).await;
    let t = closed_within(&mut s, Duration::from_secs(10)).await;
    assert!(
        t.is_some_and(|t| t >= Duration::from_secs(2)),
        "a silent connection is closed after the idle time: {t:?}"
    );

    // Bounded: with every slot taken by silent connections, one more is closed at once...
    let mut held = Vec::new();
    for _ in 0..6 {
        held.push(TcpStream::connect(addr_of(&app)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(addr_of(&app)).await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(2), extra.read(&mut buf)).await;
    assert!(
        matches!(n, Ok(Ok(0)) | Ok(Err(_))),
        "a connection over the limit is closed at once: {n:?}"
    );
    // ...and the silent ones are closed in their turn, so that the server answers again.
    for mut h in held {
        let n = tokio::time::timeout(Duration::from_secs(15), h.read(&mut buf)).await;
        assert!(
            matches!(n, Ok(Ok(0)) | Ok(Err(_))),
            "a silent connection is closed: {n:?}"
        );
    }
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn log_injection_through_usernames_and_values_reaches_no_log_line() {
    let mut server = ProcessApp::start("retail", "Log Shop").await;
    let marker = "InjectedLogLineQz";
    let forged = format!(
        "x\n{{\"level\":\"ERROR\",\"fields\":{{\"message\":\"{marker}\"}}}}\r\n\u{1b}[31m{marker}"
    );
    let r = server
        .client
        .post(format!("{}/v1/auth/token", server.base))
        .json(&json!({"username": forged, "password": "a wrong password for sure"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let token = server
        .login(json!({"username": "owner", "password": OWNER_PW}))
        .await;
    let token = token["token"].as_str().unwrap().to_owned();
    let r = server
        .req(Method::POST, "/v1/customers", &token)
        .json(&json!({"fields": {"first_name": forged, "note": forged}}))
        .send()
        .await
        .unwrap();
    assert!(r.status().as_u16() < 500, "{}", r.status());
    let r = server
        .req(Method::POST, "/v1/users", &token)
        .json(&json!({"username": forged, "password": USER_PW, "role": "staff"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let r = server
        .req(Method::GET, "/v1/customers/search", &token)
        .query(&[("q", forged.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().as_u16() < 500);
    server.stop().await;
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.lines().count() > 3, "the server logged its requests");
    for line in log.lines() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("every log line is one JSON object ({e}): {line}"));
        assert!(v["level"].is_string(), "{line}");
    }
    let leaks: Vec<&str> = log.lines().filter(|l| l.contains(marker)).collect();
    assert!(
        leaks.is_empty(),
        "what a client sends is never logged: {leaks:#?}"
    );
    assert!(!log.contains('\u{1b}'), "no terminal escapes in the log");
}

#[tokio::test]
async fn a_request_refused_on_its_headers_gets_its_answer_after_sending_its_body() {
    // A client that sends its whole body before reading (a POS app posting with an expired
    // token, schemathesis, Python's requests) must read the 401, not a reset connection; and
    // the connection stays usable. The pause lets the server answer on the headers alone.
    let app = spawn_app().await;
    for path in ["/v1/customers", "/v1/customers/import"] {
        let body = vec![b'a'; 256 * 1024];
        let mut s = tls(&app).await;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).await.unwrap();
        s.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut sent = Ok(());
        for chunk in body.chunks(16 * 1024) {
            sent = s.write_all(chunk).await;
            if sent.is_err() {
                break;
            }
            s.flush().await.unwrap_or(());
        }
        assert!(sent.is_ok(), "{path}: the body could not be sent: {sent:?}");
        // A second request on the same connection.
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
        let answer = String::from_utf8_lossy(&out);
        assert_eq!(status_of(&answer), 401, "{path}: {answer}");
        assert!(
            answer.contains("\"unauthorized\""),
            "{path}: not the problem body: {answer}"
        );
        let second = answer
            .match_indices("HTTP/1.1 ")
            .nth(1)
            .map(|(i, _)| &answer[i..])
            .unwrap_or("");
        assert_eq!(status_of(second), 200, "{path}: no second answer: {answer}");
    }
}
