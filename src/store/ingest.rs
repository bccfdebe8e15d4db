//! Storing inbound customer messages: dedup, contact and conversation
//! upsert, the message itself and its event, for a whole batch in one
//! transaction (group commit: concurrent webhooks share one commit).

use baton_channel::Inbound;
use serde_json::json;

use super::{RoutingView, Store, StoreError, Tx};
use crate::conversation::Status;
use crate::params;
use std::sync::Arc;

/// How long the instance that stored a message has to route it before
/// another (or a restarted) instance may take it over.
pub const ROUTE_LEASE_MS: i64 = 60_000;

/// Recent messages the bot sees with the one it answers.
pub const ROUTING_HISTORY: i64 = 20;

/// What storing one inbound message wrote, before the lifecycle had its
/// say (a resolved conversation comes back to the bot).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredInbound {
    pub message_id: i64,
    pub conversation_id: i64,
    /// The channel message id was seen before; nothing was written.
    pub duplicate: bool,
    /// The conversation it joined is `resolved`.
    pub resolved: bool,
}

/// The conversation an agent starts (see [`Store::conversation_with`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StartedConversation {
    pub id: i64,
    /// It did not exist before.
    pub created: bool,
    pub status: Status,
    /// When the customer last wrote (their clock), if ever.
    pub last_inbound_at: Option<i64>,
}

/// What storing one inbound message did.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    pub message_id: i64,
    pub conversation_id: i64,
    /// The channel message id was seen before; nothing was written.
    pub duplicate: bool,
    /// The router's view of the conversation as this transaction left it
    /// (`None` for duplicates).
    pub view: Option<Arc<RoutingView>>,
}

impl Store {
    /// Stores one inbound message: dedup by its channel id, the contact,
    /// its conversation (created if new), the message, its event.
    pub async fn store_inbound(
        &self,
        tx: &mut Tx,
        m: &Inbound,
    ) -> Result<StoredInbound, StoreError> {
        let now = self.now();
        let channel = m.channel.as_str();
        // The dedup key is checked before any other row is touched (a replay
        // must not reopen a resolved conversation) and written last, with
        // the message id: one write instead of an insert and an update. Two
        // instances racing on PostgreSQL both pass the check; the second
        // insert of the key then fails, the batch is retried item by item,
        // and the retry finds the key.
        let seen = tx
            .fetch_optional(
                "SELECT r.message_id, m.conversation_id FROM inbound_receipts r
                 LEFT JOIN messages m ON m.id = r.message_id
                 WHERE r.channel = $1 AND r.external_id = $2",
                params![channel, m.channel_message_id.as_str()],
            )
            .await?;
        if let Some(row) = seen {
            return Ok(StoredInbound {
                message_id: row.opt_i64("message_id")?.unwrap_or(0),
                conversation_id: row.opt_i64("conversation_id")?.unwrap_or(0),
                duplicate: true,
                resolved: false,
            });
        }
        let contact_id =
            upsert_contact(tx, channel, &m.contact.handle, &m.contact.name, now).await?;
        let sent_at = crate::conversation::sane_sent_at(m.sent_at_ms, now);
        let (conversation_id, created, status) = self
            .conversation_for(tx, contact_id, channel, &m.account, now, Some(sent_at))
            .await?;
        let resolved = status == Status::Resolved;
        let media = m.media.as_ref().map(|x| json!(x).to_string());
        let meta = m.meta.as_ref().map(|x| x.to_string());
        let message_id = tx
            .fetch_one(
                "INSERT INTO messages (conversation_id, direction, author, kind, text, media,
                    reply_to, channel_message_id, meta, sent_at, route_lease_until,
                    created_at, updated_at)
                 VALUES ($1, 'in', 'customer', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
                 RETURNING id",
                params![
                    conversation_id,
                    m.kind.as_str(),
                    &m.text,
                    media,
                    &m.reply_to,
                    m.channel_message_id.as_str(),
                    meta,
                    sent_at,
                    now + ROUTE_LEASE_MS,
                    now
                ],
            )
            .await?
            .i64("id")?;
        tx.execute(
            "INSERT INTO inbound_receipts (channel, external_id, message_id, received_at)
             VALUES ($1, $2, $3, $4)",
            params![channel, m.channel_message_id.as_str(), message_id, now],
        )
        .await?;
        // The 24-hour window counts from the customer's own clock, and a late
        // redelivery of an old message must not move it forward. (A new
        // conversation was created with it.)
        if !created {
            tx.execute(
                "UPDATE conversations SET updated_at = $2,
                last_inbound_at = CASE WHEN last_inbound_at IS NULL OR last_inbound_at < $3
                                       THEN $3 ELSE last_inbound_at END
             WHERE id = $1",
                params![conversation_id, now, sent_at],
            )
            .await?;
        }
        tx.event(
            "message.created",
            Some(conversation_id),
            json!({"message_id": message_id, "direction": "in", "author": "customer",
                   "kind": m.kind, "text": m.text}),
            now,
        )
        .await?;
        Ok(StoredInbound {
            message_id,
            conversation_id,
            duplicate: false,
            resolved,
        })
    }

    /// The conversation an agent starts with `handle` on `channel`
    /// (`account`: which of our numbers/addresses): the contact is found or
    /// created (a given `name` replaces the stored one, as on ingest), and
    /// so is its conversation
    /// (created in status `bot`, with no inbound time: the customer never
    /// wrote). Its status and ownership are the lifecycle's to change.
    pub async fn conversation_with(
        &self,
        tx: &mut Tx,
        channel: &str,
        handle: &str,
        name: &Option<String>,
        account: &Option<String>,
    ) -> Result<StartedConversation, StoreError> {
        let now = self.now();
        let contact_id = upsert_contact(tx, channel, handle, name, now).await?;
        let (id, created, status) = self
            .conversation_for(tx, contact_id, channel, account, now, None)
            .await?;
        let last_inbound_at = tx
            .fetch_one(
                "SELECT last_inbound_at FROM conversations WHERE id = $1",
                params![id],
            )
            .await?
            .opt_i64("last_inbound_at")?;
        Ok(StartedConversation {
            id,
            created,
            status,
            last_inbound_at,
        })
    }

    /// The contact's conversation on this account, created if new (with
    /// `last_inbound` as its last inbound time); whether it was created,
    /// and its status.
    async fn conversation_for(
        &self,
        tx: &mut Tx,
        contact_id: i64,
        channel: &str,
        account: &Option<String>,
        now: i64,
        last_inbound: Option<i64>,
    ) -> Result<(i64, bool, Status), StoreError> {
        let existing = tx
            .fetch_optional(
                "SELECT id, status FROM conversations
                 WHERE contact_id = $1 AND COALESCE(account, '') = COALESCE($2, '')
                 ORDER BY id DESC LIMIT 1",
                params![contact_id, account],
            )
            .await?;
        if let Some(row) = existing {
            return Ok((row.i64("id")?, false, row.parse::<Status>("status")?));
        }
        let id = tx
            .fetch_one(
                "INSERT INTO conversations (channel, account, contact_id, status, last_inbound_at,
                    created_at, updated_at)
                 VALUES ($1, $2, $3, 'bot', $5, $4, $4) RETURNING id",
                params![channel, account, contact_id, now, last_inbound],
            )
            .await?
            .i64("id")?;
        tx.event(
            "conversation.created",
            Some(id),
            json!({"status": "bot"}),
            now,
        )
        .await?;
        Ok((id, true, Status::Bot))
    }
}

/// The contact `handle` on `channel`, created if new; a given name
/// replaces the stored one.
async fn upsert_contact(
    tx: &mut Tx,
    channel: &str,
    handle: &str,
    name: &Option<String>,
    now: i64,
) -> Result<i64, StoreError> {
    tx.fetch_one(
        "INSERT INTO contacts (channel, handle, name, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (channel, handle) DO UPDATE
         SET name = COALESCE(excluded.name, contacts.name), updated_at = excluded.updated_at
         RETURNING id",
        params![channel, handle, name, now],
    )
    .await?
    .i64("id")
}
