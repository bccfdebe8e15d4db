//! The inbound pipeline: dedup → store (group commit) → hand to the router.
//!
//! Webhook handlers call [`Ingestor::ingest`], which resolves only after the
//! message is committed, so a 2xx is never sent for something that could
//! still be lost. Writes go through the hot path's [`Writer`]: whatever has
//! accumulated (other webhooks, bot turns, delivery outcomes) commits as one
//! transaction, so under load hundreds of webhooks share a commit.

use std::sync::Arc;
use std::time::Duration;

use baton_channel::{ChannelKind, Inbound};

use crate::batch::Writer;
use crate::metrics::Metrics;
use crate::router::Router;
use crate::store::{Ingested, UnroutedMessage};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The message could not be stored; the caller should answer 5xx so
    /// the provider redelivers.
    #[error("could not store the message: {0}")]
    Store(#[from] crate::store::StoreError),
}

#[derive(Clone)]
pub struct Ingestor {
    writer: Writer,
    /// Recently seen (channel, message id) → result, so provider retries are
    /// answered without touching the database. The unique key in
    /// `inbound_receipts` stays the source of truth. `None` only in tests
    /// of that key (`AppOptions::inbound_cache`).
    seen: Option<moka::sync::Cache<(ChannelKind, String), Ingested>>,
}

impl Ingestor {
    /// Stores through `writer` (group commit shared with the rest of the
    /// hot path) and hands each newly stored message to `router` right
    /// after its commit. Without `cache`, every delivery meets the
    /// database's unique key.
    pub fn start(writer: Writer, router: Router, metrics: Arc<Metrics>, cache: bool) -> Self {
        let seen: moka::sync::Cache<(ChannelKind, String), Ingested> = moka::sync::Cache::builder()
            // Meta often delivers the same webhook twice within seconds;
            // later retries (hours) meet the unique key instead. A small
            // cache covers the first case without growing with traffic (at
            // 100k entries it was a quarter of the memory under load).
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(15 * 60))
            .build();
        let seen = cache.then_some(seen);
        let cache = seen.clone();
        writer.on_ingested(Box::new(move |item: &Inbound, done: &Ingested| {
            // The cache keeps ids only: the routing view is for the router.
            if let Some(cache) = &cache {
                cache.insert(
                    (item.channel, item.channel_message_id.clone()),
                    Ingested {
                        view: None,
                        ..done.clone()
                    },
                );
            }
            if !done.duplicate {
                metrics.inbound(item.channel);
                router.submit(UnroutedMessage {
                    message_id: done.message_id,
                    conversation_id: done.conversation_id,
                    view: done.view.clone(),
                });
            }
        }));
        Ingestor { writer, seen }
    }

    /// Stores one message; resolves once it is committed (or known).
    pub async fn ingest(&self, item: Inbound) -> Result<Ingested, IngestError> {
        let key = (item.channel, item.channel_message_id.clone());
        if let Some(known) = self.seen.as_ref().and_then(|s| s.get(&key)) {
            return Ok(Ingested {
                duplicate: true,
                ..known
            });
        }
        self.writer.ingest(item).await.map_err(|e| {
            tracing::error!(error = %e, "storing an inbound message failed");
            IngestError::Store(e)
        })
    }

    /// Stores several messages (a provider's batch) concurrently, so they
    /// share a commit; results are in input order.
    pub async fn ingest_all(&self, items: Vec<Inbound>) -> Vec<Result<Ingested, IngestError>> {
        futures_util::future::join_all(items.into_iter().map(|i| self.ingest(i))).await
    }
}
