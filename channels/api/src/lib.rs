//! Baton's generic HTTP channel.
//!
//! Inbound: an integrator posts [`InboundPayload`] JSON. Outbound: Baton
//! POSTs each reply to the integrator's callback URL, signed per Standard
//! Webhooks ([`WebhookSecret`]), with the same `webhook-id` on every retry
//! so the receiver can drop duplicates.

mod inbound;
mod signature;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use baton_channel::{BoxFuture, Channel, ChannelKind, Delivery, Outbound, SendError, Sent};
pub use inbound::{ContactPayload, FieldError, InboundPayload};
pub use signature::WebhookSecret;

/// Sends replies to `API_CHANNEL_CALLBACK_URL`.
pub struct ApiChannel {
    client: reqwest::Client,
    callback_url: String,
    secret: WebhookSecret,
}

impl ApiChannel {
    pub fn new(client: reqwest::Client, callback_url: String, secret: WebhookSecret) -> Self {
        ApiChannel {
            client,
            callback_url,
            secret,
        }
    }
}

/// The callback body: the Standard Webhooks envelope `{type, timestamp, data}`.
pub fn callback_body(out: &Outbound) -> serde_json::Value {
    serde_json::json!({
        "type": "message.created",
        "timestamp": rfc3339(out.created_at_ms),
        "data": {
            "message_id": out.message_id,
            "conversation_id": out.conversation_id,
            "contact": {"handle": out.to.handle, "name": out.to.name},
            "account": out.account,
            "author": out.author,
            "text": out.text,
            "reply_to": out.reply_to,
            "quick_replies": out.quick_replies,
            "media": out.media,
        }
    })
}

fn rfc3339(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

/// Posts `body` signed to `url`, and classifies the answer. Shared by the
/// reply channel and Baton's event webhooks, which use the same scheme.
pub async fn post_signed(
    client: &reqwest::Client,
    url: &str,
    secret: &WebhookSecret,
    webhook_id: &str,
    body: Vec<u8>,
) -> Result<Sent, SendError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let signature = secret.sign(webhook_id, now, &body);
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", webhook_id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| SendError::retryable(describe(&e)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(Sent {
            channel_message_id: None,
            delivery: Delivery::Delivered,
            detail: Some(status.as_u16().to_string()),
        });
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(baton_channel::parse_retry_after);
    let code = status.as_u16();
    let reason = format!("callback answered HTTP {code}");
    // 408/425/429 and 5xx are the receiver's passing trouble; any other 4xx
    // means it rejects this request and will keep rejecting it.
    if matches!(code, 408 | 425 | 429) || status.is_server_error() {
        Err(SendError::Retryable {
            reason,
            retry_after,
            maybe_sent: false,
        })
    } else {
        Err(SendError::permanent(Some(format!("http_{code}")), reason))
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "callback timed out".into()
    } else if e.is_connect() {
        "could not connect to the callback URL".into()
    } else {
        format!("callback request failed: {e}")
    }
}

impl Channel for ApiChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Api
    }

    fn destination(&self, _out: &Outbound) -> String {
        self.callback_url.clone()
    }

    fn send<'a>(&'a self, out: &'a Outbound) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(async move {
            let body = serde_json::to_vec(&callback_body(out))
                .map_err(|e| SendError::permanent(None, format!("cannot encode: {e}")))?;
            post_signed(
                &self.client,
                &self.callback_url,
                &self.secret,
                &out.idempotency_key,
                body,
            )
            .await
        })
    }
}
