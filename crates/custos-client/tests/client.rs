//! The client against a real custos server over TLS with its self-signed certificate pinned:
//! search and sale, cache hits and expiry, eviction on erasure (a 404 or a `customer.erased`
//! webhook), `If-Match`, retries that reuse their idempotency key, and a POS process that
//! leaves no file behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use custos::config::{Overrides, Settings};
use custos::{InitOptions, Running};
use custos_client::{Client, Error};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zeroize::Zeroizing;

const OWNER_PW: &str = "correct horse battery staple";

struct Shop {
    _dir: tempfile::TempDir,
    data: PathBuf,
    running: Option<Running>,
    base: String,
    cert: Vec<u8>,
    http: reqwest::Client,
    owner: String,
}

impl Shop {
    async fn start(tune: impl FnOnce(&mut Settings)) -> Shop {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        custos::init(InitOptions {
            data_dir: data.clone(),
            business: "Client Shop".into(),
            slug: Some("client-shop".into()),
            template: "retail".into(),
            owner: "owner".into(),
            country: "PL".into(),
            owner_password: Some(Zeroizing::new(OWNER_PW.into())),
            database_url: None,
        })
        .await
        .unwrap();
        let mut settings = Settings::load(
            &data,
            Overrides {
                listen: Some("127.0.0.1:0".into()),
                ..Default::default()
            },
        )
        .unwrap();
        settings.retention_sweep = None;
        tune(&mut settings);
        let running = custos::start(settings, false).await.unwrap();
        let cert = std::fs::read(data.join("tls/cert.pem")).unwrap();
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&cert).unwrap())
            .resolve("localhost", running.addr)
            .build()
            .unwrap();
        let base = format!("https://localhost:{}", running.addr.port());
        let v: Value = http
            .post(format!("{base}/v1/auth/token"))
            .json(&json!({"username": "owner", "password": OWNER_PW}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let owner = v["token"].as_str().unwrap().to_owned();
        Shop {
            _dir: dir,
            data,
            running: Some(running),
            base,
            cert,
            http,
            owner,
        }
    }

    fn addr(&self) -> std::net::SocketAddr {
        self.running.as_ref().unwrap().addr
    }

    async fn owner_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.owner);
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send().await.unwrap()
    }

    async fn customer(&self, fields: Value) -> Value {
        let r = self
            .owner_call(
                reqwest::Method::POST,
                "/v1/customers",
                Some(json!({ "fields": fields })),
            )
            .await;
        assert_eq!(r.status(), 201);
        r.json().await.unwrap()
    }

    async fn pairing_code(&self, name: &str) -> String {
        let r = self
            .owner_call(
                reqwest::Method::POST,
                "/v1/devices",
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        v["pairing_code"].as_str().unwrap().to_owned()
    }

    /// A paired POS client with the certificate pinned.
    async fn pos(&self, ttl: Duration) -> Client {
        let code = self
            .pairing_code(&format!("till-{}", uuid::Uuid::now_v7()))
            .await;
        let mut c = Client::builder(&self.base)
            .pin_certificate_pem(&self.cert)
            .unwrap()
            .resolve("localhost", self.addr())
            .cache_ttl(ttl)
            .retries(3, Duration::from_millis(50))
            .build()
            .unwrap();
        let token = c.pair(&code).await.unwrap();
        assert!(token.len() > 20);
        c
    }

    fn count(&self, table: &str) -> i64 {
        let s = Settings::load(&self.data, Overrides::default()).unwrap();
        custos_store::raw::Raw::open(&s.location().unwrap())
            .unwrap()
            .scalar(
                custos_store::Scope::System,
                false,
                &format!("SELECT count(*) FROM {table}"),
            )
            .unwrap()
    }
}

/// Webhooks received: signature header and body.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

fn id_of(v: &Value) -> uuid::Uuid {
    uuid::Uuid::parse_str(v["id"].as_str().unwrap()).unwrap()
}

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn a_till_finds_a_customer_from_memory_and_records_a_sale() {
    let shop = Shop::start(|_| {}).await;
    let zofia = shop
        .customer(
            json!({"first_name": "Zofia", "last_name": "Wójcik", "email": "zofia@example.org"}),
        )
        .await;
    let pos = shop.pos(Duration::from_secs(60)).await;
    let found = pos.search("Wójcik").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, id_of(&zofia));
    // The device's role sees contact data masked.
    assert!(found[0].masked.contains(&"email".to_owned()));
    assert_ne!(found[0].fields["email"], "zofia@example.org");
    // Opening the customer found comes from memory, twice.
    let c = pos.customer(found[0].id).await.unwrap();
    let again = pos.customer(found[0].id).await.unwrap();
    assert_eq!(
        (c.version, again.fields["first_name"].as_str()),
        (1, Some("Zofia"))
    );
    let s = pos.cache_stats();
    assert_eq!((s.hits, s.misses, s.entries), (2, 0, 1));
    // A sale.
    let sale: custos_api::NewRecord = serde_json::from_value(
        json!({"type": "purchase", "fields": {"amount": 42.5, "currency": "PLN"}}),
    )
    .unwrap();
    let r = pos.add_record(c.id, &sale).await.unwrap();
    let records = pos.records(c.id).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].id, r.id);
    assert_eq!(records[0].fields["amount"], 42.5);
    // A new customer at the till, then a change with If-Match.
    let new = pos
        .create_customer(fields(json!({"first_name": "Jan", "last_name": "Nowak"})))
        .await
        .unwrap();
    let changed = pos
        .update_customer(
            new.id,
            new.version,
            fields(json!({"last_name": "Nowak-Kos"})),
        )
        .await
        .unwrap();
    assert_eq!(changed.version, 2);
    assert_eq!(
        pos.customer(new.id).await.unwrap().fields["last_name"],
        "Nowak-Kos",
        "the cache has the new version"
    );
    // Against the old version: stale, and out of the cache.
    let e = pos
        .update_customer(new.id, 1, fields(json!({"last_name": "Overwritten"})))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Stale), "{e}");
    let before = pos.cache_stats().misses;
    assert_eq!(
        pos.customer(new.id).await.unwrap().fields["last_name"],
        "Nowak-Kos"
    );
    assert_eq!(
        pos.cache_stats().misses,
        before + 1,
        "read again from the server"
    );
    // Bad input is the server's clear answer, not a panic.
    let e = pos
        .create_customer(fields(json!({"shoe_size": 42})))
        .await
        .unwrap_err();
    match e {
        Error::Api { status, code, .. } => {
            assert_eq!((status, code.as_str()), (422, "unknown_field"))
        }
        other => panic!("{other}"),
    }
    // Consents at the till.
    let consent: custos_api::consent::NewConsent = serde_json::from_value(
        json!({"purpose": "sms_offers", "channel": "sms", "state": "given", "method": "in_store"}),
    )
    .unwrap();
    let ev = pos.record_consent(c.id, &consent).await.unwrap();
    assert_eq!(ev.method, "in_store");
    assert_eq!(pos.consents(c.id).await.unwrap().history.len(), 1);
}

#[tokio::test]
async fn entries_expire_and_an_erased_customer_leaves_the_cache() {
    let shop = Shop::start(|s| {
        s.outbox_poll_every = Duration::from_millis(100);
    })
    .await;
    let a = shop.customer(json!({"first_name": "Ada"})).await;
    let pos = shop.pos(Duration::from_millis(400)).await;
    pos.customer(id_of(&a)).await.unwrap();
    pos.customer(id_of(&a)).await.unwrap();
    assert_eq!((pos.cache_stats().hits, pos.cache_stats().misses), (1, 1));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(pos.cache_stats().entries, 0, "expired entries are gone");
    pos.customer(id_of(&a)).await.unwrap();
    assert_eq!(
        pos.cache_stats().misses,
        2,
        "after the TTL it is fetched again"
    );

    // Erased while cached: the server's 404 evicts it.
    let r = shop
        .owner_call(
            reqwest::Method::DELETE,
            &format!("/v1/customers/{}", id_of(&a)),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(matches!(
        pos.customer(id_of(&a)).await,
        Err(Error::NotFound)
    ));
    assert_eq!(pos.cache_stats().entries, 0);

    // The `customer.erased` webhook evicts at once, well within the TTL.
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    let sig = headers["custos-signature"]
                        .to_str()
                        .unwrap_or("")
                        .to_owned();
                    sink.lock().unwrap().push((sig, body.to_vec()));
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let r = shop
        .owner_call(
            reqwest::Method::POST,
            "/v1/webhooks",
            Some(json!({"url": hook_url, "events": ["customer.erased"]})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let pos = shop.pos(Duration::from_secs(600)).await;
    let b = shop.customer(json!({"first_name": "Bea"})).await;
    pos.customer(id_of(&b)).await.unwrap();
    assert_eq!(pos.cache_stats().entries, 1);
    let r = shop
        .owner_call(
            reqwest::Method::DELETE,
            &format!("/v1/customers/{}", id_of(&b)),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    let mut hook = None;
    for _ in 0..100 {
        if let Some(h) = received.lock().unwrap().first().cloned() {
            hook = Some(h);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (sig, body) = hook.expect("the erasure is announced");
    // A forged or altered one is refused and evicts nothing.
    assert!(matches!(
        pos.apply_webhook(&sig, &body, "whsec_wrong"),
        Err(Error::BadSignature)
    ));
    assert_eq!(pos.cache_stats().entries, 1);
    let ev = pos.apply_webhook(&sig, &body, &secret).unwrap();
    assert_eq!(
        (ev.type_.as_str(), ev.customer_id),
        ("customer.erased", id_of(&b))
    );
    assert_eq!(pos.cache_stats().entries, 0, "evicted at once");
    assert!(matches!(
        pos.customer(id_of(&b)).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn a_lost_answer_is_retried_with_the_same_idempotency_key_and_nothing_twice() {
    let shop = Shop::start(|_| {}).await;
    // A proxy with the shop's own certificate that passes each request on but loses the
    // answer of the first write (a dropped connection in a shop's Wi-Fi).
    let upstream = shop.base.clone();
    let http = shop.http.clone();
    let keys: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let seen = keys.clone();
    let proxy = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (http, upstream, seen) = (http.clone(), upstream.clone(), seen.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let key = parts
                .headers
                .get("idempotency-key")
                .map(|v| v.to_str().unwrap().to_owned());
            let mut r = http.request(
                parts.method.clone(),
                format!(
                    "{upstream}{}",
                    parts.uri.path_and_query().map_or("/", |p| p.as_str())
                ),
            );
            for (k, v) in &parts.headers {
                if k != "host" {
                    r = r.header(k, v);
                }
            }
            let resp = r.body(body.to_vec()).send().await.unwrap();
            let status = resp.status();
            let text = resp.bytes().await.unwrap();
            let first = {
                let mut s = seen.lock().unwrap();
                if let Some(k) = &key {
                    s.push((parts.uri.path().to_owned(), k.clone()));
                }
                key.is_some() && s.len() == 1
            };
            if first {
                // Done upstream; the answer never arrives.
                return axum::response::Response::builder()
                    .status(502)
                    .body(axum::body::Body::empty())
                    .unwrap();
            }
            axum::response::Response::builder()
                .status(status.as_u16())
                .header("content-type", "application/json")
                .body(axum::body::Body::from(text))
                .unwrap()
        }
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_addr = listener.local_addr().unwrap();
    let tls = custos_server::tls_config(
        &shop.data.join("tls/cert.pem"),
        &shop.data.join("tls/key.pem"),
    )
    .unwrap();
    tokio::spawn(custos_server::serve(
        listener,
        proxy,
        Some(tls),
        custos_server::ConnLimits::default(),
        std::future::pending(),
        Duration::from_secs(1),
    ));

    let code = shop.pairing_code("till-proxy").await;
    let mut pos = Client::builder(&format!("https://localhost:{}", proxy_addr.port()))
        .pin_certificate_pem(&shop.cert)
        .unwrap()
        .resolve("localhost", proxy_addr)
        .retries(3, Duration::from_millis(20))
        .build()
        .unwrap();
    pos.pair(&code).await.unwrap();
    let before = shop.count("customers");
    let c = pos
        .create_customer(fields(json!({"first_name": "Once"})))
        .await
        .unwrap();
    assert_eq!(shop.count("customers"), before + 1, "created once");
    let k = keys.lock().unwrap().clone();
    assert_eq!(k.len(), 2, "sent twice: {k:?}");
    assert_eq!(k[0], k[1], "with the same key");
    assert_eq!(c.fields["first_name"], "Once");
    // A sale the same way: one record.
    let sale: custos_api::NewRecord = serde_json::from_value(
        json!({"type": "purchase", "fields": {"amount": 10, "currency": "EUR"}}),
    )
    .unwrap();
    keys.lock().unwrap().clear();
    pos.add_record(c.id, &sale).await.unwrap();
    assert_eq!(pos.records(c.id).await.unwrap().len(), 1);
    // A server that is not there: a clear error after the retries, no panic.
    let dead = Client::builder("https://localhost:9")
        .pin_certificate_pem(&shop.cert)
        .unwrap()
        .resolve("localhost", "127.0.0.1:9".parse().unwrap())
        .retries(1, Duration::from_millis(10))
        .build()
        .unwrap();
    assert!(matches!(dead.search("x").await, Err(Error::Transport(_))));
    assert!(matches!(
        Client::builder("http://shop.local").build(),
        Err(Error::Config(_))
    ));
    assert!(Client::builder("https://shop.local")
        .pin_certificate_pem(b"not a certificate")
        .is_err());
}

/// Files under a directory, recursively.
fn files_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.push(p.clone());
            out.extend(files_in(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn the_pos_program_leaves_no_file_behind() {
    let shop = Shop::start(|_| {}).await;
    shop.customer(
        json!({"first_name": "Kasia", "last_name": "Wrona", "email": "kasia@example.org"}),
    )
    .await;
    let code = shop.pairing_code("till-files").await;
    let r = shop
        .http
        .post(format!("{}/v1/devices/pair", shop.base))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The example is built next to this test.
    let exe = std::env::current_exe().unwrap();
    let pos = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples")
        .join("pos");
    assert!(pos.exists(), "{} is built with the tests", pos.display());
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(&pos);
    cmd.args(["demo", "Wrona", "19.99", "PLN"])
        .current_dir(work.path())
        .env_clear()
        .env("HOME", home.path())
        .env("TMPDIR", work.path())
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_DATA_HOME", home.path().join(".local/share"))
        .env(
            "CUSTOS_URL",
            format!("https://localhost:{}", shop.addr().port()),
        )
        .env("CUSTOS_DEVICE_TOKEN", &token)
        .env(
            "CUSTOS_PINNED_CERT",
            String::from_utf8(shop.cert.clone()).unwrap(),
        );
    // Off this thread: the server answers on it.
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("sale recorded"), "{stdout}");
    assert!(stdout.contains("cache: 2 hits, 0 misses"), "{stdout}");
    assert_eq!(
        files_in(home.path()),
        Vec::<PathBuf>::new(),
        "nothing in HOME"
    );
    assert_eq!(
        files_in(work.path()),
        Vec::<PathBuf>::new(),
        "nothing in the working dir"
    );
    assert_eq!(shop.count("records"), 1);
}
