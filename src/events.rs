//! The event bus: every state change is a row in `events` (written in the
//! same transaction as the change) and, once committed, a message on an
//! in-process broadcast that the SSE streams listen to ([`stream`]).
//! Webhooks do not listen: their outbox rows are written in the event's
//! own transaction ([`webhook`]), so none is lost to a crash.

pub mod stream;
mod webhook;

use serde::Serialize;
use tokio::sync::broadcast;

pub use webhook::{EventsWebhook, WEBHOOK_CHANNEL, WebhookKinds, WebhookPayload, webhook_id};

use crate::conversation::Ts;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: i64,
    /// `message.created`, `message.updated`, `conversation.created`,
    /// `conversation.updated`, `handover.created`, …
    pub kind: String,
    pub conversation_id: Option<i64>,
    pub data: serde_json::Value,
    pub created_at: Ts,
}

/// Publishes committed events. Slow subscribers lose the oldest events
/// (they can re-read them from the table), never block the publisher.
#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl EventBus {
    pub fn new() -> Self {
        EventBus {
            tx: broadcast::channel(4096).0,
        }
    }

    pub fn publish(&self, event: Event) {
        // No subscribers is normal.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}
