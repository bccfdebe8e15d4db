//! What the router writes: claiming unrouted inbound messages, and the
//! bot's turn (replies, failure count, handover) applied atomically under
//! the ownership rule.

use serde_json::json;

use super::{Dialect, NewOutbound, OutboxRow, Store, StoreError, Tx};
use crate::conversation::{Author, bot_may_speak_sql};
use crate::params;

/// An inbound message waiting to be routed.
#[derive(Debug, Clone, PartialEq)]
pub struct UnroutedMessage {
    pub message_id: i64,
    pub conversation_id: i64,
    /// The conversation as the transaction that stored the message left it;
    /// `None` when the router has to read it (messages recovered after a
    /// restart).
    pub view: Option<std::sync::Arc<super::RoutingView>>,
}

const MARK_ROUTED: &str = "UPDATE messages SET routed_at = $2 WHERE id = $1";

/// A message the bot wants to send.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutboundDraft {
    pub text: String,
    pub quick_replies: Vec<baton_channel::QuickReply>,
    pub reply_to: Option<String>,
    /// Kept on the message (e.g. which article answered, whether it asked
    /// for feedback), so the bot can read its own state from history.
    pub meta: Option<serde_json::Value>,
}

/// The bot asks for a human.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverRequest {
    /// `human_requested`, `lack_of_information`, `failed_to_resolve`,
    /// `division_prompt`, `bot_error`.
    pub reason: String,
    pub division: Option<String>,
    pub summary: Option<String>,
}

/// Everything one bot turn changes, applied in one transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BotTurn {
    pub replies: Vec<OutboundDraft>,
    /// The conversation's failure count after this turn, when it changed.
    pub failure_count: Option<i64>,
    pub handover: Option<HandoverRequest>,
}

/// A bot turn waiting to be applied: for the message it answers, in its
/// conversation, with the lease its outbox rows are born with.
#[derive(Debug, Clone)]
pub struct TurnJob {
    pub message_id: i64,
    pub conversation_id: i64,
    pub turn: BotTurn,
    pub lease_ms: i64,
}

impl super::tx::BatchItem for TurnJob {
    type Out = TurnOutcome;
    fn apply<'a>(
        &'a self,
        store: &'a Store,
        tx: &'a mut super::Tx,
    ) -> baton_channel::BoxFuture<'a, Result<TurnOutcome, StoreError>> {
        Box::pin(store.apply_turn(
            tx,
            self.message_id,
            self.conversation_id,
            &self.turn,
            self.lease_ms,
        ))
    }
}

/// The result of applying a bot turn.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnOutcome {
    /// Applied; these outbox rows are leased to the caller for dispatch.
    Applied(Vec<OutboxRow>),
    /// The conversation was no longer the bot's: nothing was written but the
    /// routed mark.
    Dropped,
}

impl Store {
    /// Claims inbound messages nobody is routing (never routed, lease
    /// expired), oldest first, leasing them to the caller.
    pub async fn claim_unrouted(
        &self,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<UnroutedMessage>, StoreError> {
        let now = self.now();
        let lock = match self.dialect() {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = format!(
            "UPDATE messages SET route_lease_until = $1 WHERE id IN (
                SELECT id FROM messages WHERE routed_at IS NULL AND direction = 'in'
                  AND route_lease_until <= $2 ORDER BY id LIMIT $3 {lock})
             RETURNING id, conversation_id"
        );
        let mut tx = self.begin().await?;
        let rows = tx
            .fetch_all(&sql, params![now + lease_ms, now, limit])
            .await?;
        tx.commit().await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(UnroutedMessage {
                    message_id: r.i64("id")?,
                    conversation_id: r.i64("conversation_id")?,
                    view: None,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by_key(|m| m.message_id);
        Ok(out)
    }

    /// Marks a message routed without a bot turn (the bot was not asked).
    pub async fn mark_routed(&self, message_id: i64) -> Result<(), StoreError> {
        self.db
            .execute(MARK_ROUTED, params![message_id, self.now()])
            .await
            .map(|_| ())
    }

    /// [`Store::mark_routed`] inside a transaction (the hot path's group
    /// commit).
    pub(super) async fn mark_routed_in(
        &self,
        tx: &mut Tx,
        message_id: i64,
    ) -> Result<(), StoreError> {
        tx.execute(MARK_ROUTED, params![message_id, self.now()])
            .await
            .map(|_| ())
    }

    /// Applies a bot turn for `message_id` — but only if the conversation is
    /// still the bot's (the ownership rule, checked under the write lock),
    /// so a takeover that happened while the bot was thinking wins.
    pub async fn apply_bot_turn(
        &self,
        message_id: i64,
        conversation_id: i64,
        turn: &BotTurn,
        lease_ms: i64,
    ) -> Result<TurnOutcome, StoreError> {
        let job = TurnJob {
            message_id,
            conversation_id,
            turn: turn.clone(),
            lease_ms,
        };
        // Batches of turns go through `Store::apply_writes` (the writer);
        // this is the same path for one.
        let mut out = self.apply_batch(&[job]).await?;
        out.pop().unwrap_or(Ok(TurnOutcome::Dropped))
    }

    async fn apply_turn(
        &self,
        tx: &mut super::Tx,
        message_id: i64,
        conversation_id: i64,
        turn: &BotTurn,
        lease_ms: i64,
    ) -> Result<TurnOutcome, StoreError> {
        let now = self.now();
        let first = tx
            .execute(
                "UPDATE messages SET routed_at = $2 WHERE id = $1 AND routed_at IS NULL",
                params![message_id, now],
            )
            .await?;
        if first == 0 {
            // Another worker routed it already (its lease had expired).
            return Ok(TurnOutcome::Dropped);
        }
        let owned = tx
            .execute(
                &format!(
                    "UPDATE conversations SET updated_at = $2,
                        failure_count = COALESCE($3, failure_count)
                     WHERE id = $1 AND {}",
                    bot_may_speak_sql("$2")
                ),
                params![conversation_id, now, turn.failure_count],
            )
            .await?;
        if owned == 0 {
            return Ok(TurnOutcome::Dropped);
        }
        let drafts: Vec<NewOutbound> = turn
            .replies
            .iter()
            .map(|r| NewOutbound {
                author: Author::Bot,
                agent_id: None,
                text: r.text.clone(),
                quick_replies: r.quick_replies.clone(),
                reply_to: r.reply_to.clone(),
                meta: r.meta.clone(),
                template: None,
                media: None,
            })
            .collect();
        let rows = if drafts.is_empty() {
            Vec::new()
        } else {
            // The ownership update above already touched the conversation.
            self.insert_outbound(tx, conversation_id, &drafts, Some(lease_ms))
                .await?
        };
        if let Some(count) = turn.failure_count {
            tx.event(
                "conversation.updated",
                Some(conversation_id),
                json!({"failure_count": count}),
                now,
            )
            .await?;
        }
        if let Some(h) = &turn.handover {
            self.record_handover(tx, conversation_id, h, turn.failure_count, now)
                .await?;
        }
        Ok(TurnOutcome::Applied(rows))
    }

    /// `bot → pending` with the handover fact. The handover actions
    /// (assignment, tags, task, message, pause, notify) hook in here.
    async fn record_handover(
        &self,
        tx: &mut super::Tx,
        conversation_id: i64,
        h: &HandoverRequest,
        failure_count: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let division_id = match &h.division {
            Some(name) => tx
                .fetch_optional(
                    "SELECT id FROM divisions WHERE name = $1",
                    params![name.as_str()],
                )
                .await?
                .map(|r| r.i64("id"))
                .transpose()?,
            None => None,
        };
        tx.execute(
            "UPDATE conversations SET status = 'pending', division_id = COALESCE($2, division_id),
                summary = COALESCE($3, summary), updated_at = $4 WHERE id = $1",
            params![conversation_id, division_id, &h.summary, now],
        )
        .await?;
        let id = tx
            .fetch_one(
                "INSERT INTO handovers (conversation_id, reason, division_id, summary, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                params![
                    conversation_id,
                    h.reason.as_str(),
                    division_id,
                    &h.summary,
                    now
                ],
            )
            .await?
            .i64("id")?;
        tx.event(
            "handover.created",
            Some(conversation_id),
            json!({"handover_id": id, "reason": h.reason, "division": h.division,
                   "summary": h.summary, "status": "pending",
                   "failure_count": failure_count}),
            now,
        )
        .await
    }
}
