//! The store's contract, run on SQLite always and on PostgreSQL by .ci/run.

mod common;

use std::sync::Arc;

use baton::conversation::SystemClock;
use baton::store::{NewOutbound, Store};
use baton_channel::{ChannelKind, ContactRef, Delivery, Inbound, MessageKind};
use common::Backend;

async fn store(backend: Backend) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = common::database_url(backend, &dir).await;
    (
        Store::open(&url, 4, Arc::new(SystemClock)).await.unwrap(),
        dir,
    )
}

/// A plausible send time (2025): implausible ones are replaced by the
/// receive time at ingest.
const SENT_AT: i64 = 1_750_000_000_000;

fn inbound(id: &str, handle: &str) -> Inbound {
    Inbound {
        channel: ChannelKind::Api,
        channel_message_id: id.into(),
        account: None,
        contact: ContactRef {
            handle: handle.into(),
            name: Some("Ani".into()),
        },
        kind: MessageKind::Text,
        text: Some("hello".into()),
        media: None,
        reply_to: None,
        sent_at_ms: Some(SENT_AT),
        meta: None,
    }
}

/// A plain agent reply "hi".
fn agent_draft() -> NewOutbound {
    NewOutbound {
        author: baton::conversation::Author::Agent,
        agent_id: None,
        text: "hi".into(),
        quick_replies: vec![],
        reply_to: None,
        meta: None,
        template: None,
        media: None,
    }
}

async fn ingest_dedups_and_groups_by_contact(backend: Backend) {
    let (s, _dir) = store(backend).await;
    let out = baton::writes::ingest_batch(
        &s,
        &[
            inbound("a", "+1"),
            inbound("b", "+1"),
            inbound("a", "+1"),
            inbound("c", "+2"),
        ],
    )
    .await
    .unwrap();
    let out: Vec<_> = out.into_iter().map(Result::unwrap).collect();
    assert!(!out[0].duplicate && !out[1].duplicate && out[2].duplicate && !out[3].duplicate);
    assert_eq!(out[2].message_id, out[0].message_id);
    assert_eq!(out[0].conversation_id, out[1].conversation_id);
    assert_ne!(out[0].conversation_id, out[3].conversation_id);
    let conv = s.conversation(out[0].conversation_id).await.unwrap();
    assert_eq!(conv.contact.handle, "+1");
    assert_eq!(conv.contact.name.as_deref(), Some("Ani"));
    assert_eq!(conv.last_inbound_at.map(|t| t.0), Some(SENT_AT));
    assert_eq!(s.messages(conv.id, 10).await.unwrap().len(), 2);
    // Migrations are idempotent.
    assert!(s.migrate().await.unwrap().is_empty());
}

async fn resolved_conversation_restarts_a_bot_cycle(backend: Backend) {
    let (s, _dir) = store(backend).await;
    let first = baton::writes::ingest_batch(&s, &[inbound("r1", "+3")])
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    s.db()
        .execute(
            "UPDATE conversations SET status = 'resolved', failure_count = 2 WHERE id = $1",
            baton::params![first.conversation_id],
        )
        .await
        .unwrap();
    let second = baton::writes::ingest_batch(&s, &[inbound("r2", "+3")])
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    assert_eq!(
        second.conversation_id, first.conversation_id,
        "same conversation, history kept"
    );
    let conv = s.conversation(first.conversation_id).await.unwrap();
    assert_eq!(conv.status.as_str(), "bot");
    assert_eq!(conv.failure_count, 0);
}

async fn delivery_only_moves_forward_and_leases_are_exclusive(backend: Backend) {
    let (s, _dir) = store(backend).await;
    let got = baton::writes::ingest_batch(&s, &[inbound("d1", "+4")])
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    let draft = agent_draft();
    let mut tx = s.begin().await.unwrap();
    let row = s
        .queue_outbound(
            &mut tx,
            got.conversation_id,
            std::slice::from_ref(&draft),
            None,
        )
        .await
        .unwrap();
    s.queue_outbound(
        &mut tx,
        got.conversation_id,
        std::slice::from_ref(&draft),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let a = s.claim_outbox(1, 60_000).await.unwrap();
    let b = s.claim_outbox(10, 60_000).await.unwrap();
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_ne!(a[0].id, b[0].id);
    assert!(
        s.claim_outbox(10, 60_000).await.unwrap().is_empty(),
        "leased rows are not claimed twice"
    );
    assert_eq!(s.outbox_depth().await.unwrap(), 2);

    let mid = row[0].message_id.unwrap();
    let mut tx = s.begin().await.unwrap();
    assert!(
        s.advance_delivery(&mut tx, mid, Delivery::Read, None)
            .await
            .unwrap()
    );
    assert!(
        !s.advance_delivery(&mut tx, mid, Delivery::Delivered, None)
            .await
            .unwrap()
    );
    assert!(
        !s.advance_delivery(&mut tx, mid, Delivery::Sent, None)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(s.message(mid).await.unwrap().delivery, Some(Delivery::Read));
}

async fn unrouted_messages_are_claimed_once(backend: Backend) {
    let (s, _dir) = store(backend).await;
    baton::writes::ingest_batch(&s, &[inbound("u1", "+5"), inbound("u2", "+5")])
        .await
        .unwrap();
    // Fresh messages are leased to the instance that stored them.
    assert!(s.claim_unrouted(10, 60_000).await.unwrap().is_empty());
    s.release_leases_after_restart().await.unwrap();
    if backend == Backend::Postgres {
        // PostgreSQL keeps leases (instances share it); expire them by hand.
        s.db()
            .execute("UPDATE messages SET route_lease_until = 0", &[])
            .await
            .unwrap();
    }
    let claimed = s.claim_unrouted(10, 60_000).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(s.claim_unrouted(10, 60_000).await.unwrap().is_empty());
    s.mark_routed(claimed[0].message_id).await.unwrap();
}

on_both_backends!(
    ingest_dedups_and_groups_by_contact,
    resolved_conversation_restarts_a_bot_cycle,
    delivery_only_moves_forward_and_leases_are_exclusive,
    unrouted_messages_are_claimed_once,
);

async fn a_status_that_outruns_its_send_is_applied_later(backend: Backend) {
    let (s, _dir) = store(backend).await;
    a_status_that_outruns_its_send_is_applied_later_on(&s).await;
}

async fn a_status_that_outruns_its_send_is_applied_later_on(s: &Store) {
    let got = baton::writes::ingest_batch(s, &[inbound("p1", "+6")])
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    let draft = agent_draft();
    let mut tx = s.begin().await.unwrap();
    let row = s
        .queue_outbound(
            &mut tx,
            got.conversation_id,
            std::slice::from_ref(&draft),
            None,
        )
        .await
        .unwrap()
        .remove(0);
    tx.commit().await.unwrap();
    // The provider's "read" arrives before we recorded the send's id...
    let status = baton_channel::StatusUpdate {
        channel: ChannelKind::Api,
        channel_message_id: "ext-123".into(),
        delivery: Delivery::Read,
        error: None,
        at_ms: None,
        idempotency_key: None,
    };
    assert_eq!(
        s.apply_statuses(std::slice::from_ref(&status), &["read"])
            .await
            .unwrap(),
        0,
        "parked"
    );
    // ...and a replay of it changes nothing.
    assert_eq!(
        s.apply_statuses(std::slice::from_ref(&status), &["read"])
            .await
            .unwrap(),
        0
    );
    let sent = baton_channel::Sent {
        channel_message_id: Some("ext-123".into()),
        delivery: Delivery::Sent,
        detail: None,
    };
    let attempt = baton::store::Attempt {
        started_at: 0,
        latency_ms: 1,
        detail: None,
    };
    let ok = s
        .record_outcomes(&[(row.clone(), baton::store::Outcome::Sent(sent), attempt)])
        .await
        .unwrap();
    assert_eq!(ok, [true]);
    let m = s.message(row.message_id.unwrap()).await.unwrap();
    assert_eq!(m.channel_message_id.as_deref(), Some("ext-123"));
    assert_eq!(
        m.delivery,
        Some(Delivery::Read),
        "the parked status was applied"
    );
}

/// Receipts do not pile up: statuses parked for sends never recorded go
/// after an hour, every receipt after a week.
async fn status_receipts_are_pruned_by_age(backend: Backend) {
    let (s, _dir) = store(backend).await;
    a_status_that_outruns_its_send_is_applied_later_on(&s).await;
    let unknown = baton_channel::StatusUpdate {
        channel: ChannelKind::Api,
        channel_message_id: "ext-nobody".into(),
        delivery: Delivery::Read,
        error: None,
        at_ms: None,
        idempotency_key: None,
    };
    s.apply_statuses(std::slice::from_ref(&unknown), &["read"])
        .await
        .unwrap();
    let receipts = || async {
        s.db()
            .fetch_all(
                "SELECT external_id FROM status_receipts ORDER BY external_id",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.text("external_id").unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(receipts().await, ["ext-123", "ext-nobody"]);
    const HOUR: i64 = 3_600_000;
    assert_eq!(
        s.prune_status_receipts(HOUR, 168 * HOUR).await.unwrap(),
        0,
        "all fresh"
    );
    let age = |ms: i64| {
        let s = &s;
        async move {
            s.db()
                .execute(
                    "UPDATE status_receipts SET received_at = $1",
                    baton::params![s.now() - ms],
                )
                .await
                .unwrap();
        }
    };
    age(2 * HOUR).await;
    assert_eq!(s.prune_status_receipts(HOUR, 168 * HOUR).await.unwrap(), 1);
    assert_eq!(
        receipts().await,
        ["ext-123"],
        "the parked one for nobody went"
    );
    age(169 * HOUR).await;
    assert_eq!(s.prune_status_receipts(HOUR, 168 * HOUR).await.unwrap(), 1);
    assert!(receipts().await.is_empty());
}

on_both_backends!(
    a_status_that_outruns_its_send_is_applied_later,
    status_receipts_are_pruned_by_age
);

/// Fencing: a claim that ran out and was taken over can no longer record
/// an outcome, so a late failure of the first holder never undoes the
/// second holder's `done`, and a renewal by the stale holder fails.
async fn a_stale_claim_never_overwrites_a_newer_one(backend: Backend) {
    use baton::store::{Attempt, Outcome};
    let (s, _dir) = store(backend).await;
    let got = baton::writes::ingest_batch(&s, &[inbound("f1", "+7")])
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    let mut tx = s.begin().await.unwrap();
    s.queue_outbound(
        &mut tx,
        got.conversation_id,
        std::slice::from_ref(&agent_draft()),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // A zero-length lease runs out at once: the second claim takes over.
    let first = s.claim_outbox(10, 0).await.unwrap().remove(0);
    let second = s.claim_outbox(10, 60_000).await.unwrap().remove(0);
    assert_eq!(first.id, second.id);
    assert!(second.token > first.token, "each claim has a new token");
    assert_eq!(
        s.renew_leases(
            &[(first.id, first.token), (second.id, second.token)],
            60_000
        )
        .await
        .unwrap()
        .iter()
        .map(Option::is_some)
        .collect::<Vec<_>>(),
        [false, true],
        "only the current claim renews"
    );
    let attempt = || Attempt {
        started_at: 0,
        latency_ms: 1,
        detail: None,
    };
    let sent = baton_channel::Sent {
        channel_message_id: Some("ext-new".into()),
        delivery: Delivery::Sent,
        detail: None,
    };
    let failed = Outcome::Failed {
        state: "dead",
        reason: "late failure".into(),
    };
    let retry = Outcome::Retry {
        due_at: 0,
        error: "late retry".into(),
    };
    // The stale holder cannot reschedule the row the new holder sends.
    s.record_outcomes(&[(first.clone(), retry, attempt())])
        .await
        .unwrap();
    s.record_outcomes(&[(second.clone(), Outcome::Sent(sent), attempt())])
        .await
        .unwrap();
    s.record_outcomes(&[(first.clone(), failed, attempt())])
        .await
        .unwrap();
    let row = s
        .db()
        .fetch_optional(
            "SELECT state, attempts FROM outbox WHERE id = $1",
            baton::params![first.id],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.text("state").unwrap(), "done");
    assert_eq!(row.i64("attempts").unwrap(), 1, "only the send is counted");
    let m = s.message(first.message_id.unwrap()).await.unwrap();
    assert_eq!(m.delivery, Some(Delivery::Sent));
    assert_eq!(m.channel_message_id.as_deref(), Some("ext-new"));
    assert_eq!(m.error, None);
}

on_both_backends!(a_stale_claim_never_overwrites_a_newer_one);

/// An acknowledged write survives a power loss by default: the writer
/// syncs each commit (`synchronous=FULL`, 2); `BATON_SQLITE_SYNC=normal`
/// (1) is an explicit opt-out.
#[tokio::test]
async fn sqlite_syncs_every_commit_unless_told_otherwise() {
    use baton::store::{OpenOptions, SqliteSync};
    for (sync, expected) in [(None, 2), (Some(SqliteSync::Normal), 1)] {
        let dir = tempfile::tempdir().unwrap();
        let url = common::database_url(Backend::Sqlite, &dir).await;
        let s = match sync {
            None => Store::open(&url, 1, Arc::new(SystemClock)).await.unwrap(),
            Some(sqlite_sync) => {
                let options = OpenOptions {
                    sqlite_sync,
                    ..OpenOptions::default()
                };
                Store::open_with(&url, &options, Arc::new(SystemClock))
                    .await
                    .unwrap()
            }
        };
        let mut tx = s.begin().await.unwrap();
        let level = tx
            .fetch_one("PRAGMA synchronous", &[])
            .await
            .unwrap()
            .i64("synchronous")
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(level, expected, "{sync:?}");
        s.close().await;
    }
}
