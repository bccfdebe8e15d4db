//! The hot path's writes as one type, so a single group commit can carry
//! all of them: stored inbound messages, bot turns and delivery outcomes
//! share a transaction (and its commit, the expensive part of a write on
//! SQLite) instead of queueing for the one write lock in three streams.

use baton_channel::Inbound;

use super::tx::BatchItem;
use super::{Attempt, Ingested, OutboxRow, Outcome, Store, StoreError, TurnJob, TurnOutcome, Tx};

/// One write of the hot path.
#[derive(Debug, Clone)]
pub enum Write {
    /// Store an inbound customer message.
    Ingest(Inbound),
    /// Apply a bot turn under the ownership rule.
    Turn(TurnJob),
    /// Record how a delivery attempt ended.
    Outcome(Box<(OutboxRow, Outcome, Attempt)>),
    /// Mark an inbound message routed without a bot turn (a human owns the
    /// conversation, or the message is too old for the bot).
    Routed(i64),
}

/// What a [`Write`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    Ingested(Ingested),
    Turn(TurnOutcome),
    Recorded,
}

impl BatchItem for Write {
    type Out = Written;
    fn apply<'a>(
        &'a self,
        store: &'a Store,
        tx: &'a mut Tx,
    ) -> baton_channel::BoxFuture<'a, Result<Written, StoreError>> {
        Box::pin(async move {
            Ok(match self {
                Write::Ingest(m) => Written::Ingested(m.apply(store, tx).await?),
                Write::Turn(t) => Written::Turn(t.apply(store, tx).await?),
                Write::Outcome(o) => {
                    o.apply(store, tx).await?;
                    store.hooks().at(crate::hooks::Point::OutcomeRecorded).await;
                    Written::Recorded
                }
                Write::Routed(message_id) => {
                    store.mark_routed_in(tx, *message_id).await?;
                    Written::Recorded
                }
            })
        })
    }
}

impl Store {
    /// Applies hot-path writes in one transaction (group commit); a write
    /// that fails, fails alone.
    pub async fn apply_writes(
        &self,
        writes: &[Write],
    ) -> Result<Vec<Result<Written, StoreError>>, StoreError> {
        self.apply_batch(writes).await
    }
}
