//! What the router reads and marks: claiming unrouted inbound messages,
//! marking them routed. (The bot's turn is applied by
//! `conversation::lifecycle`.)

use super::{Dialect, Store, StoreError, Tx};
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
    pub async fn mark_routed_in(&self, tx: &mut Tx, message_id: i64) -> Result<(), StoreError> {
        tx.execute(MARK_ROUTED, params![message_id, self.now()])
            .await
            .map(|_| ())
    }
}
