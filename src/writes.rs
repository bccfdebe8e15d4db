//! The hot path's writes as one type, so a single group commit can carry
//! all of them: stored inbound messages, bot turns and delivery outcomes
//! share a transaction (and its commit, the expensive part of a write on
//! SQLite) instead of queueing for the one write lock in three streams.
//! Each composes the store's persistence with the lifecycle's decisions.

use std::sync::Arc;

use baton_channel::Inbound;

use crate::conversation::lifecycle::{self, LifecycleError, TurnJob, TurnOutcome};
use crate::store::{
    Attempt, BatchItem, Ingested, OutboxRow, Outcome, ROUTING_HISTORY, Store, StoreError, Tx,
};

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

/// Lifecycle errors inside a batch: a conflict cannot happen on this path
/// (a bot turn that lost the conversation is `Dropped`, not an error).
fn store_error(e: LifecycleError) -> StoreError {
    match e {
        LifecycleError::Store(e) => e,
        LifecycleError::NotFound => StoreError::NotFound,
        LifecycleError::Conflict(m) => StoreError::Conflict(m),
    }
}

/// Stores an inbound message; a resolved conversation it joins starts a
/// new bot cycle; then reads the router's view as this transaction leaves
/// it.
async fn ingest(store: &Store, tx: &mut Tx, m: &Inbound) -> Result<Ingested, StoreError> {
    let stored = store.store_inbound(tx, m).await?;
    if stored.duplicate {
        return Ok(Ingested {
            message_id: stored.message_id,
            conversation_id: stored.conversation_id,
            duplicate: true,
            view: None,
        });
    }
    if stored.resolved {
        lifecycle::reopen(store, tx, stored.conversation_id)
            .await
            .map_err(store_error)?;
    }
    let view = store
        .routing_view_in(
            tx,
            stored.conversation_id,
            stored.message_id,
            ROUTING_HISTORY,
        )
        .await?;
    Ok(Ingested {
        message_id: stored.message_id,
        conversation_id: stored.conversation_id,
        duplicate: false,
        view: view.map(Arc::new),
    })
}

impl BatchItem for Inbound {
    type Out = Ingested;
    fn apply<'a>(
        &'a self,
        store: &'a Store,
        tx: &'a mut Tx,
    ) -> baton_channel::BoxFuture<'a, Result<Ingested, StoreError>> {
        Box::pin(ingest(store, tx, self))
    }
}

impl BatchItem for TurnJob {
    type Out = TurnOutcome;
    fn apply<'a>(
        &'a self,
        store: &'a Store,
        tx: &'a mut Tx,
    ) -> baton_channel::BoxFuture<'a, Result<TurnOutcome, StoreError>> {
        Box::pin(async move {
            lifecycle::apply_bot_turn(store, tx, self)
                .await
                .map_err(store_error)
        })
    }
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

/// Applies hot-path writes in one transaction (group commit); a write
/// that fails, fails alone.
pub async fn apply_writes(
    store: &Store,
    writes: &[Write],
) -> Result<Vec<Result<Written, StoreError>>, StoreError> {
    store.apply_batch(writes).await
}

/// Stores a batch of inbound messages in one transaction (group commit);
/// an item that fails, fails alone.
pub async fn ingest_batch(
    store: &Store,
    items: &[Inbound],
) -> Result<Vec<Result<Ingested, StoreError>>, StoreError> {
    store.apply_batch(items).await
}

/// Applies one bot turn in a transaction of its own.
pub async fn apply_bot_turn(store: &Store, job: TurnJob) -> Result<TurnOutcome, StoreError> {
    let mut out = store.apply_batch(&[job]).await?;
    out.pop().unwrap_or(Ok(TurnOutcome::Dropped))
}
