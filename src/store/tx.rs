//! A write transaction that also carries the events it produced, so they
//! are published exactly when (and only if) the change commits.

use std::ops::{Deref, DerefMut};

use super::{DbTx, StoreError};
use crate::conversation::Ts;
use crate::events::{Event, EventBus};
use crate::params;

pub struct Tx {
    inner: DbTx,
    events: Vec<Event>,
    bus: EventBus,
}

impl Tx {
    pub(super) fn new(inner: DbTx, bus: EventBus) -> Self {
        Tx {
            inner,
            events: Vec::new(),
            bus,
        }
    }

    /// Records an event in this transaction.
    pub async fn event(
        &mut self,
        kind: &str,
        conversation_id: Option<i64>,
        data: serde_json::Value,
        now: i64,
    ) -> Result<(), StoreError> {
        let id = self
            .inner
            .fetch_one(
                "INSERT INTO events (kind, conversation_id, data, created_at)
                 VALUES ($1, $2, $3, $4) RETURNING id",
                params![kind, conversation_id, data.to_string(), now],
            )
            .await?
            .i64("id")?;
        self.events.push(Event {
            id,
            kind: kind.to_string(),
            conversation_id,
            data,
            created_at: Ts(now),
        });
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await?;
        for e in self.events {
            self.bus.publish(e);
        }
        Ok(())
    }
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
pub(super) trait BatchItem: Sync {
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
    pub(super) async fn apply_batch<B: BatchItem>(
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
}
