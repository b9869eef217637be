//! Store-level tests, on SQLite and on PostgreSQL (a fresh database per test): the audit chain
//! links under concurrent writers (and, on PostgreSQL, under two instances), SQLite's outbox
//! survives a crash between the data commit and the chain append, and PostgreSQL's row-level
//! security stops a query that forgets its tenant.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use custos_core::audit::{AuditEvent, RequestMeta};
use custos_core::ids::{CustomerId, TenantId};
use custos_core::store::{CustomerRow, IndexEntry, IndexKind, Store, StoreError};
use custos_crypto::chain;
use custos_store::raw::Raw;
use custos_store::sql::Value;
use custos_store::testdb::TestDatabase;
use custos_store::{Location, PgOptions, Scope, SqlStore};
use std::sync::Arc;
use time::OffsetDateTime;

/// A store under test, with what keeps its database alive.
struct Under {
    store: Arc<SqlStore>,
    location: Location,
    _dir: tempfile::TempDir,
    _db: Option<TestDatabase>,
}

impl Under {
    fn sqlite() -> Under {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::Sqlite(dir.path().to_owned());
        Under {
            store: custos_store::open(&location).unwrap(),
            location,
            _dir: dir,
            _db: None,
        }
    }

    fn postgres() -> Under {
        let db = TestDatabase::create();
        let location = Location::Postgres(PgOptions::new(db.url()));
        Under {
            store: custos_store::open(&location).unwrap(),
            location,
            _dir: tempfile::tempdir().unwrap(),
            _db: Some(db),
        }
    }

    /// Another instance on the same database.
    fn another(&self) -> Arc<SqlStore> {
        custos_store::open(&self.location).unwrap()
    }

    fn raw(&self) -> Raw {
        Raw::open(&self.location).unwrap()
    }
}

/// Both stores.
fn both() -> [Under; 2] {
    [Under::sqlite(), Under::postgres()]
}

fn event(action: &str, tenant: Option<TenantId>) -> AuditEvent {
    AuditEvent::anonymous(
        action,
        "system",
        tenant,
        OffsetDateTime::now_utc(),
        &RequestMeta::default(),
    )
}

async fn verify(store: &SqlStore) -> u64 {
    let mut prev = chain::GENESIS;
    let mut n = 0;
    loop {
        let batch = store.audit_range(n + 1, 500).await.unwrap();
        if batch.is_empty() {
            return n;
        }
        for e in batch {
            assert_eq!(e.seq, n + 1, "no gap");
            assert_eq!(
                e.prev_hash, prev,
                "links to the previous event at {}",
                e.seq
            );
            assert_eq!(
                chain::link(&prev, e.seq, &e.body),
                e.hash,
                "hash of event {}",
                e.seq
            );
            prev = e.hash;
            n = e.seq;
        }
    }
}

fn tenant_row(id: TenantId) -> custos_core::store::TenantRow {
    custos_core::store::TenantRow {
        id,
        slug: "t".into(),
        name: "T".into(),
        catalog: custos_core::catalog::template("retail", "PL").unwrap(),
        wrapped_kek: vec![1],
        wrapped_index_key: vec![2],
        kek_version: 1,
        master_key_id: "x".into(),
        require_mfa: false,
        policy: None,
        sealed_contacts: None,
        created_at: OffsetDateTime::now_utc(),
    }
}

fn owner(tenant: TenantId) -> custos_core::store::UserRow {
    custos_core::store::UserRow {
        id: custos_core::ids::UserId::new_at(OffsetDateTime::now_utc()),
        tenant_id: tenant,
        username: "owner".into(),
        password_hash: "x".into(),
        role: "owner".into(),
        disabled: false,
        must_change_password: false,
        mfa_secret: None,
        mfa_enabled: false,
        created_at: OffsetDateTime::now_utc(),
    }
}

fn customer(tenant: TenantId) -> CustomerRow {
    let now = OffsetDateTime::now_utc();
    CustomerRow {
        restricted: false,
        id: CustomerId::new_at(now),
        tenant_id: tenant,
        number: 0,
        kek_version: 1,
        wrapped_dek: vec![9; 57],
        sealed: vec![0],
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_and_reads_keep_one_valid_chain() {
    for under in both() {
        concurrent_writes(&under, under.store.clone(), under.store.clone()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_keep_one_valid_chain() {
    let under = Under::postgres();
    concurrent_writes(&under, under.store.clone(), under.another()).await;
}

/// 64 customers created (and read) at once, alternating between two handles on the store.
async fn concurrent_writes(under: &Under, one: Arc<SqlStore>, other: Arc<SqlStore>) {
    let store = under.store.clone();
    let t = TenantId::new_at(OffsetDateTime::now_utc());
    store
        .insert_tenant(
            tenant_row(t),
            owner(t),
            vec![event("tenant.create", Some(t))],
        )
        .await
        .unwrap();
    let mut handles = Vec::new();
    for i in 0..64 {
        let s = if i % 2 == 0 {
            one.clone()
        } else {
            other.clone()
        };
        handles.push(tokio::spawn(async move {
            let c = customer(t);
            let idx = vec![IndexEntry {
                kind: IndexKind::Email,
                hash: [i as u8; 16],
            }];
            let n = s
                .insert_customer(
                    c.clone(),
                    idx,
                    None,
                    event("customer.create", Some(t)).customers([c.id.as_uuid()]),
                )
                .await
                .unwrap();
            s.append_audit(vec![
                event("customer.read", Some(t)).customers([c.id.as_uuid()])
            ])
            .await
            .unwrap();
            n
        }));
    }
    let mut numbers = Vec::new();
    for h in handles {
        numbers.push(h.await.unwrap());
    }
    numbers.sort();
    assert_eq!(
        numbers,
        (1..=64).collect::<Vec<i64>>(),
        "customer numbers are unique and dense ({:?})",
        store.dialect()
    );
    assert_eq!(verify(&store).await, 1 + 64 * 2);
}

#[tokio::test]
async fn a_failing_write_in_a_batch_does_not_undo_its_neighbours_nor_leave_an_event() {
    for under in both() {
        failing_write(under.store.clone()).await;
    }
}

async fn failing_write(store: Arc<SqlStore>) {
    let t = TenantId::new_at(OffsetDateTime::now_utc());
    store
        .insert_tenant(tenant_row(t), owner(t), vec![])
        .await
        .unwrap();
    // A duplicate username fails; the good user next to it is kept.
    let good = owner(t);
    let mut good2 = owner(t);
    good2.username = "second".into();
    let a = store.insert_user(good, event("user.create", Some(t)));
    let b = store.insert_user(good2, event("user.create", Some(t)));
    let (a, b) = tokio::join!(a, b);
    assert!(matches!(a, Err(StoreError::Conflict(_))));
    assert!(b.is_ok());
    assert!(store.user_by_name(t, "second").await.unwrap().is_some());
    assert_eq!(
        verify(&store).await,
        1,
        "only the successful write's event is in the chain"
    );
}

#[tokio::test]
async fn events_left_in_the_outbox_by_a_crash_are_appended_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let t = TenantId::new_at(OffsetDateTime::now_utc());
    {
        let store = SqlStore::sqlite(dir.path()).unwrap();
        store
            .insert_tenant(
                tenant_row(t),
                owner(t),
                vec![event("tenant.create", Some(t))],
            )
            .await
            .unwrap();
        store.close();
    }
    // Simulate a crash after a write committed with its event in the outbox, before the chain
    // append: the row is in custos.db's outbox, not in audit.db.
    let lost = event("customer.update", Some(t));
    {
        let db = rusqlite::Connection::open(dir.path().join("custos.db")).unwrap();
        db.execute(
            "INSERT INTO audit_outbox (id, body) VALUES (?1, ?2)",
            rusqlite::params![
                lost.id.as_uuid().as_bytes().to_vec(),
                lost.canonical_bytes()
            ],
        )
        .unwrap();
    }
    let store = SqlStore::sqlite(dir.path()).unwrap();
    assert_eq!(verify(&store).await, 2);
    let last = store.audit_range(2, 1).await.unwrap();
    let ev: AuditEvent = serde_json::from_slice(&last[0].body).unwrap();
    assert_eq!(ev, lost);
    let db = rusqlite::Connection::open(dir.path().join("custos.db")).unwrap();
    let left: i64 = db
        .query_row("SELECT count(*) FROM audit_outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
    // Opening again appends nothing twice.
    store.close();
    let store = SqlStore::sqlite(dir.path()).unwrap();
    assert_eq!(verify(&store).await, 2);
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    SqlStore::sqlite(dir.path()).unwrap().close();
    let db = rusqlite::Connection::open(dir.path().join("custos.db")).unwrap();
    db.pragma_update(None, "user_version", 99).unwrap();
    drop(db);
    let err = SqlStore::sqlite(dir.path()).err().unwrap().to_string();
    assert!(err.contains("newer than this binary"), "{err}");

    let under = Under::postgres();
    under.store.close();
    under
        .raw()
        .execute(
            Scope::System,
            false,
            "INSERT INTO custos_schema (version) VALUES (99)",
            vec![],
        )
        .unwrap();
    let err = custos_store::open(&under.location)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("newer than this binary"), "{err}");
}

#[tokio::test]
async fn two_instances_starting_together_migrate_once() {
    let db = TestDatabase::create();
    let location = Location::Postgres(PgOptions::new(db.url()));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let l = location.clone();
            std::thread::spawn(move || custos_store::open(&l).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let raw = Raw::open(&location).unwrap();
    assert_eq!(
        raw.scalar(Scope::System, false, "SELECT count(*) FROM custos_schema")
            .unwrap(),
        custos_store::pg::schema::MIGRATIONS.len() as i64
    );
}

#[tokio::test]
async fn row_level_security_stops_a_query_that_forgets_its_tenant() {
    let under = Under::postgres();
    assert!(
        under.store.rls_enforced(),
        "the test role is an ordinary one"
    );
    let (a, b) = (
        TenantId::new_at(OffsetDateTime::now_utc()),
        TenantId::new_at(OffsetDateTime::now_utc()),
    );
    for (t, slug) in [(a, "a"), (b, "b")] {
        let mut row = tenant_row(t);
        row.slug = slug.into();
        under
            .store
            .insert_tenant(row, owner(t), vec![])
            .await
            .unwrap();
        for _ in 0..3 {
            let c = customer(t);
            under
                .store
                .insert_customer(c.clone(), vec![], None, event("customer.create", Some(t)))
                .await
                .unwrap();
        }
    }
    let raw = under.raw();
    let unscoped = "SELECT count(*) FROM customers";
    assert_eq!(raw.scalar(Scope::System, false, unscoped).unwrap(), 6);
    // A query in tenant A's transaction that forgets `WHERE tenant_id = ?` sees A's rows only,
    // and one that names B's rows outright sees none.
    assert_eq!(raw.scalar(Scope::Tenant(a), false, unscoped).unwrap(), 3);
    let b_hex = hex_of(b);
    assert_eq!(
        raw.scalar(
            Scope::Tenant(a),
            false,
            &format!("SELECT count(*) FROM customers WHERE tenant_id = decode('{b_hex}', 'hex')")
        )
        .unwrap(),
        0
    );
    for table in ["users", "tenants", "audit_events"] {
        let rows = raw
            .query(
                Scope::Tenant(a),
                false,
                &format!(
                    "SELECT count(*) FROM {table} WHERE {} = decode('{b_hex}', 'hex')",
                    if table == "tenants" {
                        "id"
                    } else {
                        "tenant_id"
                    }
                ),
                vec![],
            )
            .unwrap();
        assert_eq!(rows[0][0], Value::Int(0), "{table}");
    }
    // Nor can it change or delete B's rows, or write a row in B's name.
    assert_eq!(
        raw.execute(Scope::Tenant(a), false, "DELETE FROM customers", vec![])
            .unwrap(),
        3
    );
    assert_eq!(
        raw.scalar(Scope::System, false, unscoped).unwrap(),
        3,
        "B's rows are all there"
    );
    let c = customer(b);
    let err = raw
        .execute(
            Scope::Tenant(a),
            false,
            "INSERT INTO customers (id, tenant_id, number, kek_version, wrapped_dek, sealed, version, created_at, updated_at) VALUES (?1, ?2, 99, 1, ?3, ?3, 1, 0, 0)",
            vec![
                Value::Blob(c.id.as_uuid().as_bytes().to_vec()),
                Value::Blob(b.as_uuid().as_bytes().to_vec()),
                Value::Blob(vec![0]),
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    // A transaction that names no tenant at all sees nothing.
    let none = custos_store::raw::Raw::open(&under.location)
        .unwrap()
        .with(Scope::Tenant(a), false, |db| {
            db.execute_batch("SET LOCAL custos.tenant = ''")?;
            db.query_row(unscoped, (), |r| r.get::<i64>(0))
        })
        .unwrap();
    assert_eq!(none, 0);
}

fn hex_of(t: TenantId) -> String {
    t.as_uuid()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn event_at(action: &str, at: OffsetDateTime) -> AuditEvent {
    AuditEvent::anonymous(action, "system", None, at, &RequestMeta::default())
}

#[tokio::test]
async fn retention_prunes_up_to_a_signed_checkpoint_and_verification_still_holds() {
    for under in both() {
        prune_and_verify(&under).await;
    }
}

async fn prune_and_verify(under: &Under) {
    use custos_core::trail;
    use custos_crypto::signing::AuditSigningKey;
    let store = under.store.clone();
    let key = AuditSigningKey::generate();
    let public = key.public_hex();
    let now = OffsetDateTime::now_utc();
    let old = now - time::Duration::days(400);
    let middle = now - time::Duration::days(200);
    // 10 old events, signed; 10 middle-aged, signed; 5 recent, signed.
    for (at, n) in [(old, 10), (middle, 10), (now, 5)] {
        for i in 0..n {
            store
                .append_audit(vec![event_at(&format!("test.{i}"), at)])
                .await
                .unwrap();
        }
        trail::checkpoint(store.as_ref(), &key, at)
            .await
            .unwrap()
            .unwrap();
    }
    assert!(trail::verify(store.as_ref(), &public).await.unwrap().ok);

    // Nothing is older than 500 days: nothing to do.
    let none = trail::prune(store.as_ref(), now - time::Duration::days(500), now, 500)
        .await
        .unwrap();
    assert_eq!(none, None);
    // Keep a year: the old stretch goes, up to its checkpoint at event 10.
    let pruned = trail::prune(store.as_ref(), now - time::Duration::days(365), now, 365)
        .await
        .unwrap();
    assert_eq!(pruned, Some((10, 10)));
    let first = store.audit_range(1, 1).await.unwrap()[0].seq;
    assert_eq!(first, 11);
    let v = trail::verify(store.as_ref(), &public).await.unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(
        v.events, 26,
        "the last position, the pruning recorded as event 26"
    );
    let last = store.audit_range(26, 1).await.unwrap();
    let rec: AuditEvent = serde_json::from_slice(&last[0].body).unwrap();
    assert_eq!(
        (rec.action.as_str(), rec.target.as_deref()),
        ("audit.prune", Some("seq:10"))
    );

    // Someone removes more, up to the next signed checkpoint, to hide events: caught, since
    // no pruning of those is on record.
    under
        .raw()
        .execute(
            Scope::System,
            true,
            "DELETE FROM audit_events WHERE seq <= 20",
            vec![],
        )
        .unwrap();
    let v = trail::verify(store.as_ref(), &public).await.unwrap();
    assert!(!v.ok);
    assert!(v.problem.unwrap().contains("no pruning"), "names the cause");
    store.close();
}

#[tokio::test]
async fn both_schemas_have_the_same_tables_and_columns() {
    let lite = Under::sqlite();
    let pg = Under::postgres();
    let tables = |u: &Under, audit: bool| {
        let sql = match u.store.dialect() {
            custos_store::Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            }
            custos_store::Dialect::Postgres => {
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            }
        };
        u.raw()
            .with(Scope::System, audit, |db| {
                db.query_map(sql, (), |r| r.get::<String>(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap()
    };
    let mut in_lite: Vec<String> = [false, true]
        .into_iter()
        .flat_map(|audit| tables(&lite, audit))
        .filter(|t| t != "audit_outbox")
        .collect();
    let mut in_pg: Vec<String> = tables(&pg, false)
        .into_iter()
        .filter(|t| t != "custos_schema")
        .collect();
    let mut copied: Vec<String> = custos_store::copy::TABLES
        .iter()
        .map(|t| t.name.to_owned())
        .collect();
    in_lite.sort();
    in_pg.sort();
    copied.sort();
    assert_eq!(in_lite, in_pg);
    assert_eq!(in_lite, copied, "the copy knows every table");
    for table in custos_store::copy::TABLES {
        let cols = |u: &Under| {
            u.raw()
                .with(Scope::System, table.audit, |db| {
                    custos_store::copy::columns(db, table.name)
                })
                .unwrap()
        };
        assert_eq!(cols(&lite), cols(&pg), "{}", table.name);
    }
}

/// A store with a bit of everything the copy must carry: two tenants, customers with index
/// entries, events for each, a checkpoint.
async fn populate(store: &SqlStore) {
    for slug in ["one", "two"] {
        let t = TenantId::new_at(OffsetDateTime::now_utc());
        let mut row = tenant_row(t);
        row.slug = slug.into();
        store
            .insert_tenant(row, owner(t), vec![event("tenant.create", Some(t))])
            .await
            .unwrap();
        // More than one batch of index entries.
        for i in 0..700_u32 {
            let c = customer(t);
            let idx = vec![
                IndexEntry {
                    kind: IndexKind::Email,
                    hash: [
                        (i % 251) as u8,
                        (i / 251) as u8,
                        1,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                    ],
                },
                IndexEntry {
                    kind: IndexKind::Phone,
                    hash: [
                        (i % 251) as u8,
                        (i / 251) as u8,
                        2,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                    ],
                },
            ];
            store
                .insert_customer(
                    c.clone(),
                    idx,
                    None,
                    event("customer.create", Some(t)).customers([c.id.as_uuid()]),
                )
                .await
                .unwrap();
        }
    }
    let key = custos_crypto::signing::AuditSigningKey::generate();
    custos_core::trail::checkpoint(store, &key, OffsetDateTime::now_utc())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_copies_to_the_other_kind_and_back_unchanged() {
    let lite = Under::sqlite();
    populate(&lite.store).await;
    let pg = Under::postgres();
    let back = Under::sqlite();
    let (from, to, again) = (lite.raw(), pg.raw(), back.raw());
    let (there, home) = std::thread::scope(|s| {
        s.spawn(|| {
            let mut seen = Vec::new();
            let there = custos_store::copy::copy_all(&from, &to, &mut |t, done, total| {
                assert!(done <= total);
                seen.push(t.to_owned());
            })
            .unwrap();
            assert!(
                seen.iter().any(|t| t == "blind_index"),
                "progress is reported"
            );
            let home = custos_store::copy::copy_all(&to, &again, &mut |_, _, _| {}).unwrap();
            (there, home)
        })
        .join()
        .unwrap()
    });
    assert_eq!(there, home);
    let count = |name: &str| there.tables.iter().find(|(t, _)| *t == name).unwrap().1;
    assert_eq!(count("customers"), 1400);
    assert_eq!(count("blind_index"), 2800);
    assert_eq!(count("audit_events"), 2 + 1400);
    // Every value is the same, byte for byte, in the same order.
    for table in custos_store::copy::TABLES {
        let key = table.key.join(", ");
        let sql = format!("SELECT * FROM {} ORDER BY {key}", table.name);
        let a = lite
            .raw()
            .query(Scope::System, table.audit, &sql, vec![])
            .unwrap();
        let b = back
            .raw()
            .query(Scope::System, table.audit, &sql, vec![])
            .unwrap();
        assert_eq!(a, b, "{}", table.name);
    }
    // The copy on PostgreSQL is a working store: same chain, same customers.
    let n = verify(&pg.store).await;
    assert_eq!(n, verify(&lite.store).await);
    // A copy never goes over data.
    let err = std::thread::scope(|s| {
        s.spawn(|| custos_store::copy::copy_all(&from, &to, &mut |_, _, _| {}))
            .join()
            .unwrap()
    })
    .unwrap_err();
    assert!(err.to_string().contains("empty store"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_lease_is_held_by_one_instance_and_passes_on_when_it_goes() {
    let under = Under::postgres();
    let (a, b) = (under.store.clone(), under.another());
    let mut held = a
        .lease("retention")
        .await
        .unwrap()
        .expect("the first asks, the first gets");
    assert!(held.alive().await);
    assert!(
        b.lease("retention").await.unwrap().is_none(),
        "one holder at a time"
    );
    assert!(
        b.lease("backup").await.unwrap().is_some(),
        "each job has its own lease"
    );
    drop(held);
    let mut moved = None;
    for _ in 0..50 {
        if let Some(l) = b.lease("retention").await.unwrap() {
            moved = Some(l);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        moved.is_some(),
        "the lease passes on once its holder lets go"
    );
    // On SQLite one process serves the data dir: always granted.
    let lite = Under::sqlite();
    assert!(lite.store.lease("retention").await.unwrap().is_some());
}

/// TLS to PostgreSQL with rustls: `sslmode=require` verifies the server's certificate (the test
/// server's self-signed one is refused), `sslrootcert` adds a CA (and then it connects and the
/// session is encrypted), and without `sslmode` loopback stays plain text. Needs the test
/// server's TLS on with Debian's certificate for `localhost`, as a fresh install has it.
#[tokio::test]
async fn tls_to_the_database_is_verified() {
    let db = TestDatabase::create();
    let cert = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    assert!(
        std::path::Path::new(cert).exists(),
        "the test server's certificate {cert} is missing"
    );
    let base = db.url().replace("@127.0.0.1:", "@localhost:");
    let with = |q: &str| {
        let sep = if base.contains('?') { '&' } else { '?' };
        Location::Postgres(PgOptions::new(&format!("{base}{sep}hostaddr=127.0.0.1{q}")))
    };
    // No CA for it: refused, and the reason is the certificate.
    let err = custos_store::open(&with("&sslmode=require"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.to_lowercase().contains("certificate") || err.contains("UnknownIssuer"),
        "{err}"
    );
    // With its certificate as the root: connected over TLS.
    let tls = with(&format!("&sslmode=require&sslrootcert={cert}"));
    let store = custos_store::open(&tls).unwrap();
    store.close();
    let encrypted = Raw::open(&tls)
        .unwrap()
        .with(Scope::System, false, |db| {
            db.query_row(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                (),
                |r| r.get::<bool>(0),
            )
        })
        .unwrap();
    assert!(encrypted, "the session is encrypted");
    // Loopback without sslmode: plain.
    let plain = Raw::open(&with(""))
        .unwrap()
        .with(Scope::System, false, |db| {
            db.query_row(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                (),
                |r| r.get::<bool>(0),
            )
        })
        .unwrap();
    assert!(!plain);
    // A file that is no certificate is a clear error at once.
    let bad = with("&sslmode=require&sslrootcert=/etc/hostname");
    let err = custos_store::open(&bad).err().unwrap().to_string();
    assert!(err.contains("sslrootcert"), "{err}");
}

#[tokio::test]
async fn the_bulk_read_count_is_per_actor_window_and_read_and_stops_at_its_cap() {
    for under in both() {
        bulk_read_count(&under).await;
    }
}

async fn bulk_read_count(under: &Under) {
    let store = under.store.clone();
    let tenant = TenantId::new_at(OffsetDateTime::now_utc());
    let now = OffsetDateTime::now_utc();
    let fresh = || CustomerId::new_at(now).as_uuid();
    let (a, b) = (fresh(), fresh());
    let c: Vec<uuid::Uuid> = (0..9).map(|_| fresh()).collect();
    let ev = |action: &str, actor: uuid::Uuid, at: OffsetDateTime, ids: &[uuid::Uuid]| {
        let mut e =
            AuditEvent::anonymous(action, "user", Some(tenant), at, &RequestMeta::default())
                .customers(ids.iter().copied());
        e.actor_id = Some(actor);
        e
    };
    let recent = now - time::Duration::minutes(1);
    store
        .append_audit(vec![
            ev("customer.read", a, recent, &c[0..1]),
            ev("customer.read", a, recent, &c[0..1]),
            ev("customer.search", a, recent, &c[1..4]),
            ev("record.read", a, recent, &c[4..5]),
            // Not a read; another actor; before the window.
            ev("customer.update", a, recent, &c[5..6]),
            ev("customer.read", b, recent, &c[6..7]),
            ev("customer.read", a, now - time::Duration::hours(1), &c[7..8]),
        ])
        .await
        .unwrap();
    // Another tenant's event by the same actor does not count either.
    let mut other = ev("customer.read", a, recent, &c[8..9]);
    other.tenant_id = Some(TenantId::new_at(now));
    store.append_audit(vec![other]).await.unwrap();
    let from = now - time::Duration::minutes(10);
    let count = |actor, at_most| store.customers_read_by(tenant, actor, from, now, at_most);
    assert_eq!(count(a, 100).await.unwrap(), 5, "c0 (twice), c1–c3, c4");
    assert_eq!(count(a, 3).await.unwrap(), 3, "stops at its cap");
    assert_eq!(count(b, 100).await.unwrap(), 1);
    assert_eq!(
        store
            .customers_read_by(tenant, a, now - time::Duration::hours(2), now, 100)
            .await
            .unwrap(),
        6,
        "a wider window takes the older read"
    );
    store.close();
}
