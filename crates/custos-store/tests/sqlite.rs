//! Store-level tests of the SQLite store: the audit chain links, the outbox survives a crash
//! between the data commit and the chain append, concurrent writers group-commit correctly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use custos_core::audit::{AuditEvent, RequestMeta};
use custos_core::ids::{CustomerId, TenantId};
use custos_core::store::{CustomerRow, IndexEntry, IndexKind, Store, StoreError};
use custos_crypto::chain;
use custos_store::SqlStore;
use std::sync::Arc;
use time::OffsetDateTime;

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

#[tokio::test]
async fn concurrent_writes_and_reads_keep_one_valid_chain() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqlStore::sqlite(dir.path()).unwrap());
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
        let s = store.clone();
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
        "customer numbers are unique and dense"
    );
    assert_eq!(verify(&store).await, 1 + 64 * 2);
}

#[tokio::test]
async fn a_failing_write_in_a_batch_does_not_undo_its_neighbours_nor_leave_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqlStore::sqlite(dir.path()).unwrap());
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
}

fn event_at(action: &str, at: OffsetDateTime) -> AuditEvent {
    AuditEvent::anonymous(action, "system", None, at, &RequestMeta::default())
}

#[tokio::test]
async fn retention_prunes_up_to_a_signed_checkpoint_and_verification_still_holds() {
    use custos_core::trail;
    use custos_crypto::signing::AuditSigningKey;
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::sqlite(dir.path()).unwrap();
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
        trail::checkpoint(&store, &key, at).await.unwrap().unwrap();
    }
    assert!(trail::verify(&store, &public).await.unwrap().ok);

    // Nothing is older than 500 days: nothing to do.
    let none = trail::prune(&store, now - time::Duration::days(500), now, 500)
        .await
        .unwrap();
    assert_eq!(none, None);
    // Keep a year: the old stretch goes, up to its checkpoint at event 10.
    let pruned = trail::prune(&store, now - time::Duration::days(365), now, 365)
        .await
        .unwrap();
    assert_eq!(pruned, Some((10, 10)));
    let first = store.audit_range(1, 1).await.unwrap()[0].seq;
    assert_eq!(first, 11);
    let v = trail::verify(&store, &public).await.unwrap();
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
    let conn = rusqlite::Connection::open(dir.path().join("audit.db")).unwrap();
    conn.execute("DELETE FROM audit_events WHERE seq <= 20", [])
        .unwrap();
    let v = trail::verify(&store, &public).await.unwrap();
    assert!(!v.ok);
    assert!(v.problem.unwrap().contains("no pruning"), "names the cause");
    store.close();
}
