//! A write transaction that also carries the events it produced, so they
//! are published exactly when (and only if) the change commits.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{DbTx, Param, StoreError};
use crate::conversation::Ts;
use crate::events::{Event, EventBus, WebhookKinds};

pub struct Tx {
    inner: DbTx,
    /// Events recorded so far, written together just before the commit.
    events: Vec<Event>,
    bus: EventBus,
    /// Set when an events webhook is configured: the events it wants get
    /// their outbox rows in this same transaction.
    webhook: Option<Arc<WebhookKinds>>,
}

/// Events are inserted in multi-row statements of these sizes (largest
/// first), so a busy transaction pays a few statements for its events
/// rather than one each, while only three statement texts ever exist (they
/// are cached by text).
const EVENT_CHUNKS: [usize; 3] = [32, 8, 1];

impl Tx {
    pub(super) fn new(inner: DbTx, bus: EventBus, webhook: Option<Arc<WebhookKinds>>) -> Self {
        Tx {
            inner,
            events: Vec::new(),
            bus,
            webhook,
        }
    }

    /// Records an event in this transaction. It is written at commit, gets
    /// its id then, and is published once the commit succeeded.
    pub async fn event(
        &mut self,
        kind: &str,
        conversation_id: Option<i64>,
        data: serde_json::Value,
        now: i64,
    ) -> Result<(), StoreError> {
        self.events.push(Event {
            id: 0,
            kind: kind.to_string(),
            conversation_id,
            data,
            created_at: Ts(now),
        });
        Ok(())
    }

    /// Inserts the pending events and gives each its id.
    async fn write_events(&mut self) -> Result<(), StoreError> {
        let mut rest: &mut [Event] = &mut self.events;
        while !rest.is_empty() {
            let size = EVENT_CHUNKS
                .into_iter()
                .find(|n| *n <= rest.len())
                .unwrap_or(1);
            let (chunk, tail) = rest.split_at_mut(size);
            let data: Vec<String> = chunk.iter().map(|e| e.data.to_string()).collect();
            let mut params = Vec::with_capacity(size * 4);
            for (e, d) in chunk.iter().zip(&data) {
                params.push(Param::from(e.kind.as_str()));
                params.push(Param::from(e.conversation_id));
                params.push(Param::from(d.as_str()));
                params.push(Param::from(e.created_at.0));
            }
            let rows = self
                .inner
                .fetch_all(insert_events_sql(size), &params)
                .await?;
            // Ids are handed out in VALUES order within one statement; the
            // order RETURNING lists them in is not promised, so sort.
            let mut ids = rows
                .iter()
                .map(|r| r.i64("id"))
                .collect::<Result<Vec<_>, _>>()?;
            if ids.len() != size {
                return Err(StoreError::Decode(format!(
                    "inserted {size} events, got {} ids back",
                    ids.len()
                )));
            }
            ids.sort_unstable();
            for (e, id) in chunk.iter_mut().zip(ids) {
                e.id = id;
            }
            rest = tail;
        }
        Ok(())
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.write_events().await?;
        if let Some(kinds) = &self.webhook
            && let Some(last) = self.events.last()
        {
            let now = last.created_at.0;
            super::events::insert_webhook_rows(&mut self.inner, kinds, &self.events, now).await?;
        }
        self.inner.commit().await?;
        for e in self.events {
            self.bus.publish(e);
        }
        Ok(())
    }
}

/// `INSERT INTO events … VALUES (…), (…) RETURNING id` for `rows` rows;
/// built once per size.
fn insert_events_sql(rows: usize) -> &'static str {
    static SQL: std::sync::LazyLock<Vec<(usize, String)>> = std::sync::LazyLock::new(|| {
        EVENT_CHUNKS
            .iter()
            .map(|&n| {
                let values: Vec<String> = (0..n)
                    .map(|i| {
                        let b = i * 4;
                        format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4)
                    })
                    .collect();
                (
                    n,
                    format!(
                        "INSERT INTO events (kind, conversation_id, data, created_at) VALUES {} RETURNING id",
                        values.join(", ")
                    ),
                )
            })
            .collect()
    });
    SQL.iter()
        .find(|(n, _)| *n == rows)
        .map(|(_, sql)| sql.as_str())
        .unwrap_or("")
}

impl Deref for Tx {
    type Target = DbTx;
    fn deref(&self) -> &DbTx {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut DbTx {
        &mut self.inner
    }
}

/// One unit of a batched write (see [`Store::apply_batch`]).
pub trait BatchItem: Sync {
    type Out: Send;
    fn apply<'a>(
        &'a self,
        store: &'a super::Store,
        tx: &'a mut Tx,
    ) -> baton_channel::BoxFuture<'a, Result<Self::Out, StoreError>>;
}

impl super::Store {
    /// Group commit: applies every item in one transaction. If any item
    /// fails, that transaction is rolled back and each item is applied in
    /// a transaction of its own, so one bad item fails alone. (Cheaper than
    /// a savepoint per item: failures are rare, statements are not.)
    pub async fn apply_batch<B: BatchItem>(
        &self,
        items: &[B],
    ) -> Result<Vec<Result<B::Out, StoreError>>, StoreError> {
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item.apply(self, &mut tx).await {
                Ok(v) => out.push(Ok(v)),
                Err(e) => {
                    tracing::warn!(error = %e, size = items.len(), "a batched write failed; retrying its items one by one");
                    out.clear();
                    break;
                }
            }
        }
        if out.len() == items.len() {
            tx.commit().await?;
            return Ok(out);
        }
        drop(tx); // rolls back
        for item in items {
            let mut tx = self.begin().await?;
            match item.apply(self, &mut tx).await {
                Ok(v) => {
                    tx.commit().await?;
                    out.push(Ok(v));
                }
                Err(e) => out.push(Err(e)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::conversation::SystemClock;
    use crate::params;
    use crate::store::Store;

    /// Creates a division; fails (after writing!) when told to.
    struct Item(&'static str, bool);

    impl BatchItem for Item {
        type Out = &'static str;
        fn apply<'a>(
            &'a self,
            store: &'a Store,
            tx: &'a mut Tx,
        ) -> baton_channel::BoxFuture<'a, Result<&'static str, StoreError>> {
            Box::pin(async move {
                tx.execute(
                    "INSERT INTO divisions (name, created_at, updated_at) VALUES ($1, $2, $2)",
                    params![self.0, store.now()],
                )
                .await?;
                if self.1 {
                    return Err(StoreError::Conflict(format!("{} refused", self.0)));
                }
                Ok(self.0)
            })
        }
    }

    #[tokio::test]
    async fn a_failing_item_fails_alone_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("b.db").display());
        let store = Store::open(&url, 1, Arc::new(SystemClock)).await.unwrap();
        let out = store
            .apply_batch(&[Item("A", false), Item("B", true), Item("C", false)])
            .await
            .unwrap();
        assert_eq!(out[0].as_ref().unwrap(), &"A");
        assert!(matches!(out[1], Err(StoreError::Conflict(_))));
        assert_eq!(out[2].as_ref().unwrap(), &"C");
        let names: Vec<String> = store
            .divisions()
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["A", "C"], "B's partial write was rolled back");
        // The happy path commits everything in one go.
        let out = store
            .apply_batch(&[Item("D", false), Item("E", false)])
            .await
            .unwrap();
        assert!(out.iter().all(Result::is_ok));
        assert_eq!(store.divisions().await.unwrap().len(), 4);
    }

    #[tokio::test]
    async fn events_are_written_in_order_at_commit_and_published_with_their_ids() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("e.db").display());
        let store = Store::open(&url, 1, Arc::new(SystemClock)).await.unwrap();
        let mut bus = store.events().subscribe();
        // 45 = 32 + 8 + 5 × 1: every statement size is used.
        let mut tx = store.begin().await.unwrap();
        for i in 0..45 {
            tx.event("test.event", Some(i), serde_json::json!({"n": i}), 1)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let rows = store
            .db
            .fetch_all("SELECT id, conversation_id FROM events ORDER BY id", &[])
            .await
            .unwrap();
        let stored: Vec<(i64, i64)> = rows
            .iter()
            .map(|r| (r.i64("id").unwrap(), r.i64("conversation_id").unwrap()))
            .collect();
        assert_eq!(stored.len(), 45);
        for (n, (_, conversation)) in stored.iter().enumerate() {
            assert_eq!(*conversation, n as i64, "stored in the order recorded");
        }
        for (id, conversation) in stored {
            let e = bus.recv().await.unwrap();
            assert_eq!((e.id, e.conversation_id), (id, Some(conversation)));
            assert_eq!(e.data["n"], conversation);
        }
        // A rolled-back transaction writes and publishes nothing.
        let mut tx = store.begin().await.unwrap();
        tx.event("test.lost", None, serde_json::json!({}), 1)
            .await
            .unwrap();
        drop(tx);
        assert!(bus.try_recv().is_err());
        let n = store
            .db
            .fetch_all("SELECT id FROM events WHERE kind = 'test.lost'", &[])
            .await
            .unwrap();
        assert!(n.is_empty());
    }
}
