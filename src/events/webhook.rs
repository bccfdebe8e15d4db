//! Signed event webhooks: each committed event a webhook is configured for
//! becomes an outbox row in the same transaction (see `Tx::commit`), and
//! the delivery worker posts it to `EVENTS_WEBHOOK_URL` per Standard
//! Webhooks, retrying like any other outbox row.

use std::collections::HashSet;

use baton_channel::{SendError, Sent};
use baton_channel_api::{WebhookSecret, post_signed};
use serde::{Deserialize, Serialize};

use super::Event;

/// The outbox `channel` of event webhook rows (they have no message).
pub const WEBHOOK_CHANNEL: &str = "events";

/// Which events become webhook rows. The store holds one when a webhook is
/// configured; without one, committing events costs nothing extra.
#[derive(Debug, Clone, Default)]
pub struct WebhookKinds {
    /// `None`: every kind.
    only: Option<HashSet<String>>,
}

impl WebhookKinds {
    /// `kinds`: the `EVENTS_WEBHOOK_KINDS` list; `None` sends every kind.
    pub fn new(kinds: Option<Vec<String>>) -> Self {
        WebhookKinds {
            only: kinds.map(|k| k.into_iter().collect()),
        }
    }

    pub fn wants(&self, kind: &str) -> bool {
        self.only.as_ref().is_none_or(|k| k.contains(kind))
    }
}

/// An event webhook row's outbox payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookPayload {
    /// `evt_<event id>`: the same on every retry, so receivers can drop
    /// duplicates.
    pub webhook_id: String,
    /// The Standard Webhooks envelope `{type, timestamp, data}`; `data` is
    /// the event as the SSE stream shows it.
    pub body: serde_json::Value,
}

impl WebhookPayload {
    pub fn of(event: &Event) -> Self {
        WebhookPayload {
            webhook_id: webhook_id(event.id),
            body: serde_json::json!({
                "type": event.kind,
                "timestamp": event.created_at,
                "data": event,
            }),
        }
    }
}

/// The `webhook-id` (and outbox idempotency key) of an event.
pub fn webhook_id(event_id: i64) -> String {
    format!("evt_{event_id}")
}

/// Posts event webhook rows to `EVENTS_WEBHOOK_URL`.
pub struct EventsWebhook {
    client: reqwest::Client,
    url: String,
    secret: WebhookSecret,
}

impl EventsWebhook {
    pub fn new(client: reqwest::Client, url: String, secret: WebhookSecret) -> Self {
        EventsWebhook {
            client,
            url,
            secret,
        }
    }

    /// Sends one row's payload (as stored), signed; the error says whether
    /// a retry may help.
    pub async fn send(&self, payload: &str) -> Result<Sent, SendError> {
        let p: WebhookPayload = serde_json::from_str(payload)
            .map_err(|e| SendError::permanent(None, format!("unreadable event payload: {e}")))?;
        let body = serde_json::to_vec(&p.body)
            .map_err(|e| SendError::permanent(None, format!("cannot encode: {e}")))?;
        post_signed(&self.client, &self.url, &self.secret, &p.webhook_id, body).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Ts;

    #[test]
    fn kinds_filter_and_payload_shape() {
        let all = WebhookKinds::new(None);
        assert!(all.wants("message.created"));
        let some = WebhookKinds::new(Some(vec!["handover.requested".into()]));
        assert!(some.wants("handover.requested") && !some.wants("message.created"));
        let e = Event {
            id: 42,
            kind: "message.created".into(),
            conversation_id: Some(7),
            data: serde_json::json!({"text": "hi"}),
            created_at: Ts(0),
        };
        let p = WebhookPayload::of(&e);
        assert_eq!(p.webhook_id, "evt_42");
        assert_eq!(p.body["type"], "message.created");
        assert_eq!(p.body["timestamp"], "1970-01-01T00:00:00.000Z");
        assert_eq!(p.body["data"]["id"], 42);
        assert_eq!(p.body["data"]["conversation_id"], 7);
        assert_eq!(p.body["data"]["data"]["text"], "hi");
    }
}
