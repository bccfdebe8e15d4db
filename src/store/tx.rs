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
