//! The inbound pipeline: dedup → store (group commit) → hand to the router.
//!
//! Webhook handlers call [`Ingestor::ingest`], which resolves only after the
//! message is committed, so a 2xx is never sent for something that could
//! still be lost. One writer task drains a queue and commits whatever has
//! accumulated as one transaction: under load, hundreds of concurrent
//! webhooks share a commit instead of queuing for one each.

use std::sync::Arc;
use std::time::Duration;

use baton_channel::{ChannelKind, Inbound};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;
use crate::router::Router;
use crate::store::{Ingested, Store, UnroutedMessage};

/// Most messages committed in one transaction.
const MAX_BATCH: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The message could not be stored; the caller should answer 5xx so
    /// the provider redelivers.
    #[error("could not store the message: {0}")]
    Store(String),
    #[error("the gateway is shutting down")]
    ShuttingDown,
}

struct Job {
    item: Inbound,
    done: oneshot::Sender<Result<Ingested, IngestError>>,
}

#[derive(Clone)]
pub struct Ingestor {
    queue: mpsc::Sender<Job>,
    /// Recently seen (channel, message id) → result, so provider retries are
    /// answered without touching the database. The unique key in
    /// `inbound_receipts` stays the source of truth.
    seen: moka::sync::Cache<(ChannelKind, String), Ingested>,
}

impl Ingestor {
    pub fn start(store: Store, router: Router, metrics: Arc<Metrics>) -> Self {
        let (queue, rx) = mpsc::channel(8192);
        let seen = moka::sync::Cache::builder()
            .max_capacity(100_000)
            .time_to_live(Duration::from_secs(3600))
            .build();
        tokio::spawn(writer(store, router, metrics, rx, seen.clone()));
        Ingestor { queue, seen }
    }

    /// Stores one message; resolves once it is committed (or known).
    pub async fn ingest(&self, item: Inbound) -> Result<Ingested, IngestError> {
        let key = (item.channel, item.channel_message_id.clone());
        if let Some(known) = self.seen.get(&key) {
            return Ok(Ingested {
                duplicate: true,
                ..known
            });
        }
        let (done, rx) = oneshot::channel();
        self.queue
            .send(Job { item, done })
            .await
            .map_err(|_| IngestError::ShuttingDown)?;
        rx.await.map_err(|_| IngestError::ShuttingDown)?
    }

    /// Stores several messages (a provider's batch) concurrently, so they
    /// share a commit; results are in input order.
    pub async fn ingest_all(&self, items: Vec<Inbound>) -> Vec<Result<Ingested, IngestError>> {
        futures_util::future::join_all(items.into_iter().map(|i| self.ingest(i))).await
    }
}

async fn writer(
    store: Store,
    router: Router,
    metrics: Arc<Metrics>,
    mut rx: mpsc::Receiver<Job>,
    seen: moka::sync::Cache<(ChannelKind, String), Ingested>,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let items: Vec<Inbound> = batch.iter().map(|j| j.item.clone()).collect();
        match store.ingest_batch(&items).await {
            Ok(results) => {
                for (job, result) in batch.drain(..).zip(results) {
                    let reply = match result {
                        Ok(done) => {
                            seen.insert(
                                (job.item.channel, job.item.channel_message_id.clone()),
                                done.clone(),
                            );
                            if !done.duplicate {
                                metrics.inbound(job.item.channel);
                                router.submit(UnroutedMessage {
                                    message_id: done.message_id,
                                    conversation_id: done.conversation_id,
                                });
                            }
                            Ok(done)
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "storing an inbound message failed");
                            Err(IngestError::Store(e.to_string()))
                        }
                    };
                    // The caller may have gone away (client disconnect): the
                    // message is stored regardless, which is what we want.
                    let _ = job.done.send(reply);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, size = batch.len(), "storing an inbound batch failed");
                for job in batch.drain(..) {
                    let _ = job.done.send(Err(IngestError::Store(e.to_string())));
                }
            }
        }
    }
}
