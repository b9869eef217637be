//! Crash consistency (RELIABILITY.md): the real binary is killed with SIGKILL at random moments
//! during a stream of concurrent writes (creates, updates, purchases, erasures, imports, a
//! retention run, a business-key rotation in a second process), restarted, and checked, many
//! times: every acknowledged write is there, nothing unacknowledged is half there, the search
//! index answers what the data holds, a retried create (same Idempotency-Key) makes one
//! customer, an interrupted import finishes by running it again, erased customers stay erased,
//! and the audit chain verifies. `CUSTOS_CRASH_CYCLES` sets the number of kills (default 12).

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Where the writers' imports go: a Shopify export of 2022 (its header line, then rows).
const IMPORT: &str = "/v1/imports?source=shopify&file_name=crash.csv";
const SHOPIFY_2022: &str = "First Name,Last Name,Email,Accepts Email Marketing,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt\n";

/// A small deterministic generator (the run is reproducible from its seed, printed on failure).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    /// Answered 201.
    Created,
    /// Sent, no answer: there or not, but never half there.
    MaybeCreated,
    /// Answered 204.
    Erased,
    /// Erasure sent, no answer.
    MaybeErased,
}

#[derive(Debug, Clone)]
struct Customer {
    email: String,
    first_name: String,
    id: Option<String>,
    state: State,
    version: u64,
    city: Option<String>,
    /// An update sent without an answer: the city is this or `city`.
    maybe_city: Option<String>,
    purchases: u64,
    maybe_purchases: u64,
}

#[derive(Debug, Clone)]
struct Import {
    file: Vec<u8>,
    emails: Vec<String>,
    acked: bool,
}

/// How the unanswered writes turned out (over the whole run).
#[derive(Debug, Default)]
struct Settled {
    creates_there: u64,
    creates_not: u64,
    updates_there: u64,
    updates_not: u64,
    erasures_there: u64,
    erasures_not: u64,
    purchases_there: u64,
    purchases_not: u64,
    imports_rerun: u64,
}

#[derive(Default)]
struct Ledger {
    customers: Vec<Customer>,
    imports: Vec<Import>,
}

/// A transport failure: the server is gone (killed).
struct Gone;

async fn send(r: reqwest::RequestBuilder) -> Result<(StatusCode, Value), Gone> {
    let r = r.send().await.map_err(|_| Gone)?;
    let status = r.status();
    let text = r.text().await.map_err(|_| Gone)?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(json!({"text": text})),
    ))
}

struct Ctx {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Ctx {
    fn req(&self, m: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(m, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(30))
    }

    /// The writers' import: a Shopify export of 2022.
    fn import(&self, file: Vec<u8>) -> reqwest::RequestBuilder {
        self.req(Method::POST, IMPORT)
            .header("content-type", "text/csv")
            .body(file)
    }
}

/// One writer until the server dies under it.
async fn writer(ctx: std::sync::Arc<Ctx>, w: u64, cycle: u64, seed: u64, mut l: Ledger) -> Ledger {
    let mut rng = Rng(seed | 1);
    let mut n = 0u64;
    loop {
        n += 1;
        let live: Vec<usize> = (0..l.customers.len())
            .filter(|i| {
                let c = &l.customers[*i];
                c.state == State::Created && c.maybe_city.is_none()
            })
            .collect();
        let op = rng.below(100);
        let r = if op < 40 || live.is_empty() {
            let email = format!("c{cycle}w{w}n{n}@crash.example");
            let first_name = format!("Crash{cycle}w{w}n{n}");
            let r = send(
                ctx.req(Method::POST, "/v1/customers")
                    .header("idempotency-key", email.clone())
                    .json(&json!({"fields": {"first_name": first_name, "email": email}})),
            )
            .await;
            let mut c = Customer {
                email,
                first_name,
                id: None,
                state: State::MaybeCreated,
                version: 1,
                city: None,
                maybe_city: None,
                purchases: 0,
                maybe_purchases: 0,
            };
            if let Ok((status, body)) = &r {
                assert_eq!(*status, StatusCode::CREATED, "create: {body}");
                c.id = Some(body["id"].as_str().unwrap().to_owned());
                c.state = State::Created;
            }
            l.customers.push(c);
            r.map(|_| ())
        } else if op < 65 {
            let c = &mut l.customers[live[rng.below(live.len() as u64) as usize]];
            let city = format!("City{cycle}w{w}n{n}");
            let id = c.id.clone().unwrap();
            let r = send(
                ctx.req(Method::PATCH, &format!("/v1/customers/{id}"))
                    .header("if-match", format!("\"{}\"", c.version))
                    .json(&json!({"fields": {"city": city}})),
            )
            .await;
            match &r {
                Ok((status, body)) => {
                    assert_eq!(*status, StatusCode::OK, "update: {body}");
                    c.version += 1;
                    c.city = Some(city);
                }
                Err(_) => c.maybe_city = Some(city),
            }
            r.map(|_| ())
        } else if op < 85 {
            let c = &mut l.customers[live[rng.below(live.len() as u64) as usize]];
            let id = c.id.clone().unwrap();
            let r = send(
                ctx.req(Method::POST, &format!("/v1/customers/{id}/records"))
                    .json(
                        &json!({"type": "purchase", "fields": {"amount": 9.5, "currency": "EUR"}}),
                    ),
            )
            .await;
            match &r {
                Ok((status, body)) => {
                    assert_eq!(*status, StatusCode::CREATED, "purchase: {body}");
                    c.purchases += 1;
                }
                Err(_) => c.maybe_purchases += 1,
            }
            r.map(|_| ())
        } else if op < 95 {
            let c = &mut l.customers[live[rng.below(live.len() as u64) as usize]];
            let id = c.id.clone().unwrap();
            let r = send(ctx.req(Method::DELETE, &format!("/v1/customers/{id}"))).await;
            match &r {
                Ok((status, body)) => {
                    assert_eq!(*status, StatusCode::NO_CONTENT, "erase: {body}");
                    c.state = State::Erased;
                }
                Err(_) => c.state = State::MaybeErased,
            }
            r.map(|_| ())
        } else {
            let emails: Vec<String> = (0..40)
                .map(|i| format!("imp{cycle}w{w}n{n}r{i}@crash.example"))
                .collect();
            let mut file = String::from(SHOPIFY_2022);
            for (i, e) in emails.iter().enumerate() {
                file.push_str(&format!(
                    "Imported{i},Row{n},{e},no,,,,Importville,,,,,,,no,0,0,,,no\n"
                ));
            }
            let file = file.into_bytes();
            let r = send(ctx.import(file.clone())).await;
            let acked = match &r {
                Ok((status, body)) => {
                    assert_eq!(*status, StatusCode::OK, "import: {body}");
                    true
                }
                Err(_) => false,
            };
            l.imports.push(Import {
                file,
                emails,
                acked,
            });
            r.map(|_| ())
        };
        if r.is_err() {
            return l;
        }
    }
}

/// An answer the server must give (it is up again after the restart).
async fn answered(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
    match send(r).await {
        Ok(a) => a,
        Err(Gone) => panic!("the server did not answer after its restart"),
    }
}

async fn search_email(ctx: &Ctx, email: &str) -> Vec<Value> {
    let (status, body) = answered(
        ctx.req(Method::GET, "/v1/customers/search")
            .query(&[("email", email)]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

/// After a restart: the ledger against what the server holds. Settles every uncertainty (a
/// maybe becomes a yes or a no) so that the next cycle starts from known state.
async fn check(ctx: &Ctx, l: &mut Ledger, seed: u64, n: &mut Settled) {
    for c in &mut l.customers {
        let mut found = search_email(ctx, &c.email).await;
        match c.state {
            State::Erased => {
                assert!(
                    found.is_empty(),
                    "seed {seed}: erased {} came back",
                    c.email
                );
                let (status, _) = answered(ctx.req(
                    Method::GET,
                    &format!("/v1/customers/{}", c.id.as_ref().unwrap()),
                ))
                .await;
                assert_eq!(
                    status,
                    StatusCode::NOT_FOUND,
                    "seed {seed}: erased {} readable",
                    c.email
                );
                continue;
            }
            State::MaybeErased => {
                let (status, _) = answered(ctx.req(
                    Method::GET,
                    &format!("/v1/customers/{}", c.id.as_ref().unwrap()),
                ))
                .await;
                if status == StatusCode::NOT_FOUND {
                    assert!(
                        found.is_empty(),
                        "seed {seed}: erased {} still indexed",
                        c.email
                    );
                    c.state = State::Erased;
                    n.erasures_there += 1;
                    continue;
                }
                n.erasures_not += 1;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(
                    found.len(),
                    1,
                    "seed {seed}: {} not erased, so indexed",
                    c.email
                );
                c.state = State::Created;
            }
            State::MaybeCreated => {
                assert!(found.len() <= 1, "seed {seed}: {} twice", c.email);
                if found.is_empty() {
                    n.creates_not += 1;
                } else {
                    n.creates_there += 1;
                }
                // The client retries with the same Idempotency-Key, as a till would.
                let (status, body) = answered(
                    ctx.req(Method::POST, "/v1/customers")
                        .header("idempotency-key", c.email.clone())
                        .json(&json!({"fields": {"first_name": c.first_name, "email": c.email}})),
                )
                .await;
                assert!(
                    status == StatusCode::CREATED || status == StatusCode::OK,
                    "retry: {status} {body}"
                );
                let id = body["id"].as_str().unwrap().to_owned();
                if let Some(f) = found.first() {
                    assert_eq!(
                        f["id"], id,
                        "seed {seed}: the retry answered the customer made before the kill"
                    );
                }
                found = search_email(ctx, &c.email).await;
                assert_eq!(
                    found.len(),
                    1,
                    "seed {seed}: one customer for {} after the retry",
                    c.email
                );
                c.id = Some(id);
                c.state = State::Created;
            }
            State::Created => {}
        }
        // A customer that exists: whole, readable, indexed once, with what was acknowledged.
        assert_eq!(found.len(), 1, "seed {seed}: {} indexed once", c.email);
        let id = c.id.clone().unwrap();
        assert_eq!(found[0]["id"], id.as_str());
        let (status, body) = answered(ctx.req(Method::GET, &format!("/v1/customers/{id}"))).await;
        assert_eq!(status, StatusCode::OK, "seed {seed}: {body}");
        assert_eq!(
            body["fields"]["first_name"],
            c.first_name.as_str(),
            "seed {seed}"
        );
        assert_eq!(body["fields"]["email"], c.email.as_str(), "seed {seed}");
        let city = body["fields"]["city"].as_str().map(str::to_owned);
        let version = body["version"].as_u64().unwrap();
        if let Some(m) = c.maybe_city.take() {
            assert!(
                city == c.city || city.as_deref() == Some(m.as_str()),
                "seed {seed}: {} has city {city:?}, neither {:?} nor {m}",
                c.email,
                c.city
            );
            if city.as_deref() == Some(m.as_str()) {
                n.updates_there += 1;
            } else {
                n.updates_not += 1;
            }
            c.city = city.clone();
        }
        assert_eq!(
            city, c.city,
            "seed {seed}: {} lost an acknowledged update",
            c.email
        );
        assert!(version >= c.version, "seed {seed}: version went back");
        c.version = version;
        let (status, recs) = answered(ctx.req(
            Method::GET,
            &format!("/v1/customers/{id}/records?limit=200"),
        ))
        .await;
        assert_eq!(status, StatusCode::OK);
        let recs_n = recs["items"].as_array().unwrap().len() as u64;
        assert!(
            recs_n >= c.purchases && recs_n <= c.purchases + c.maybe_purchases,
            "seed {seed}: {} has {recs_n} purchases, acknowledged {} (+{} unanswered)",
            c.email,
            c.purchases,
            c.maybe_purchases
        );
        n.purchases_there += recs_n - c.purchases;
        n.purchases_not += c.purchases + c.maybe_purchases - recs_n;
        c.purchases = recs_n;
        c.maybe_purchases = 0;
    }
    for imp in &mut l.imports {
        if !imp.acked {
            // Whole chunks or nothing; running it again finishes it and adds nothing twice.
            let (status, body) = answered(ctx.import(imp.file.clone())).await;
            assert_eq!(status, StatusCode::OK, "seed {seed}: re-run import: {body}");
            imp.acked = true;
            n.imports_rerun += 1;
        }
        for e in &imp.emails {
            let found = search_email(ctx, e).await;
            assert_eq!(found.len(), 1, "seed {seed}: imported {e} once");
        }
    }
    let (status, v) = answered(ctx.req(Method::GET, "/v1/audit/verify")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        v["ok"], true,
        "seed {seed}: the audit chain verifies after a kill: {v}"
    );
}

#[tokio::test]
async fn sigkill_at_random_points_loses_no_acknowledged_write() {
    let cycles: u64 = std::env::var("CUSTOS_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let seed: u64 = std::env::var("CUSTOS_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| unix_now() ^ 0x9E37_79B9_7F4A_7C15);
    eprintln!("crash test: {cycles} cycles, seed {seed} (CUSTOS_CRASH_SEED to replay)");
    let mut server = ProcessApp::start("retail", "Crash Shop").await;
    let token = server
        .login(json!({"username": "owner", "password": OWNER_PW}))
        .await;
    let token = token["token"].as_str().unwrap().to_owned();
    let mut rng = Rng(seed | 1);
    const WRITERS: u64 = 4;
    let mut ledgers: Vec<Ledger> = (0..WRITERS).map(|_| Ledger::default()).collect();
    let mut rotations = 0;
    let mut settled = Settled::default();
    for cycle in 0..cycles {
        let ctx = std::sync::Arc::new(Ctx {
            client: server.new_client(),
            base: server.base.clone(),
            token: token.clone(),
        });
        let mut tasks = Vec::new();
        for (w, l) in std::mem::take(&mut ledgers).into_iter().enumerate() {
            tasks.push(tokio::spawn(writer(
                ctx.clone(),
                w as u64,
                cycle,
                rng.next(),
                l,
            )));
        }
        // Every third cycle a retention run, and a key rotation in its own process, die too.
        let mut rotation = None;
        if cycle % 3 == 1 {
            let _ = ctx.req(Method::POST, "/v1/retention/run").send().await;
            rotation = Some(server.cli(&["keys", "rotate", "--tenant", "crash-shop"]));
        }
        tokio::time::sleep(Duration::from_millis(150 + rng.below(1200))).await;
        server.kill();
        if let Some(mut r) = rotation {
            let _ = r.kill();
            let _ = r.wait();
        }
        for t in tasks {
            ledgers.push(t.await.expect("a writer failed its checks"));
        }
        server.restart().await;
        if cycle % 3 == 1 {
            // An interrupted rotation is finished by running it again.
            let out = server
                .cli(&["keys", "rotate", "--tenant", "crash-shop"])
                .wait_with_output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            rotations += 1;
        }
        let ctx = Ctx {
            client: server.new_client(),
            base: server.base.clone(),
            token: token.clone(),
        };
        for l in &mut ledgers {
            check(&ctx, l, seed, &mut settled).await;
        }
    }
    let total: usize = ledgers.iter().map(|l| l.customers.len()).sum();
    let erased = ledgers
        .iter()
        .flat_map(|l| &l.customers)
        .filter(|c| c.state == State::Erased)
        .count();
    let imported: usize = ledgers.iter().map(|l| l.imports.len()).sum();
    eprintln!(
        "crash test: {cycles} kills survived, {total} customers ({erased} erased), {imported} imports, {rotations} key rotations, seed {seed}"
    );
    eprintln!("crash test: writes unanswered at a kill, as found after it: {settled:?}");
    assert!(total > cycles as usize, "the writers wrote");
    let by_state: BTreeMap<String, usize> =
        ledgers
            .iter()
            .flat_map(|l| &l.customers)
            .fold(BTreeMap::new(), |mut m, c| {
                *m.entry(format!("{:?}", c.state)).or_default() += 1;
                m
            });
    assert!(
        by_state.keys().all(|k| k == "Created" || k == "Erased"),
        "every uncertainty settled: {by_state:?}"
    );
}
