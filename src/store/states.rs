//! A conversation's ownership state as rows: read under a lock, written
//! back whole. What a change may be is decided by `conversation::lifecycle`,
//! the only caller of [`Store::write_state`].

use super::{Dialect, Store, StoreError, Tx};
use crate::conversation::Status;
use crate::params;

/// Who owns a conversation and since when the bot may speak again.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationState {
    pub status: Status,
    pub assignee_id: Option<i64>,
    /// The assignee's name (read only; for messages such as "already
    /// claimed by …").
    pub assignee_name: Option<String>,
    pub division_id: Option<i64>,
    pub paused_until: Option<i64>,
    pub failure_count: i64,
    pub summary: Option<String>,
    /// When the assignee was given it (reassignment after silence).
    pub assigned_at: Option<i64>,
}

/// What a division changes about its handovers (admin API); `None` keeps
/// the global setting.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DivisionOverrides {
    pub handover_message: Option<String>,
    pub offline_message: Option<String>,
    pub out_of_hours_message: Option<String>,
    /// `HANDOVER_ACTIONS` for this division.
    pub actions: Option<String>,
}

/// A handover as recorded: the reason, where it went, every action's
/// outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverRecord {
    pub reason: String,
    pub division_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub summary: Option<String>,
    /// `[{"action", "outcome": "ok|skipped|failed", "detail"}]`.
    pub actions: serde_json::Value,
}

impl Store {
    /// The conversation's state, locked for the rest of the transaction on
    /// PostgreSQL (`FOR UPDATE`; SQLite's one writer already excludes
    /// every other writer). `None` if there is no such conversation.
    pub async fn lock_state(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
    ) -> Result<Option<ConversationState>, StoreError> {
        let lock = match self.dialect() {
            Dialect::Postgres => " FOR UPDATE OF c",
            Dialect::Sqlite => "",
        };
        let sql = format!(
            "SELECT c.status, c.assignee_id, a.name AS assignee_name, c.division_id,
                c.paused_until, c.failure_count, c.summary, c.assigned_at
             FROM conversations c LEFT JOIN agents a ON a.id = c.assignee_id
             WHERE c.id = $1{lock}"
        );
        let Some(r) = tx.fetch_optional(&sql, params![conversation_id]).await? else {
            return Ok(None);
        };
        Ok(Some(ConversationState {
            status: r.parse("status")?,
            assignee_id: r.opt_i64("assignee_id")?,
            assignee_name: r.opt_text("assignee_name")?,
            division_id: r.opt_i64("division_id")?,
            paused_until: r.opt_i64("paused_until")?,
            failure_count: r.i64("failure_count")?,
            summary: r.opt_text("summary")?,
            assigned_at: r.opt_i64("assigned_at")?,
        }))
    }

    /// Writes a conversation's whole state back.
    pub async fn write_state(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        s: &ConversationState,
        now: i64,
    ) -> Result<(), StoreError> {
        tx.execute(
            "UPDATE conversations SET status = $2, assignee_id = $3, division_id = $4,
                paused_until = $5, failure_count = $6, summary = $7, updated_at = $8,
                assigned_at = $9
             WHERE id = $1",
            params![
                conversation_id,
                s.status.as_str(),
                s.assignee_id,
                s.division_id,
                s.paused_until,
                s.failure_count,
                &s.summary,
                now,
                s.assigned_at
            ],
        )
        .await?;
        Ok(())
    }

    /// Records a handover; returns its id.
    pub async fn insert_handover(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        h: &HandoverRecord,
        now: i64,
    ) -> Result<i64, StoreError> {
        tx.fetch_one(
            "INSERT INTO handovers (conversation_id, reason, division_id, agent_id, summary,
                actions, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![
                conversation_id,
                h.reason.as_str(),
                h.division_id,
                h.agent_id,
                &h.summary,
                h.actions.to_string(),
                now
            ],
        )
        .await?
        .i64("id")
    }

    /// Completes a handover's record: who got it, how every action went.
    pub async fn complete_handover(
        &self,
        tx: &mut Tx,
        handover_id: i64,
        agent_id: Option<i64>,
        actions: &serde_json::Value,
    ) -> Result<(), StoreError> {
        tx.execute(
            "UPDATE handovers SET agent_id = $2, actions = $3 WHERE id = $1",
            params![handover_id, agent_id, actions.to_string()],
        )
        .await?;
        Ok(())
    }

    /// A division's handover overrides.
    pub async fn division_overrides(
        &self,
        tx: &mut Tx,
        division_id: i64,
    ) -> Result<DivisionOverrides, StoreError> {
        let Some(r) = tx
            .fetch_optional(
                "SELECT handover_message, offline_message, out_of_hours_message, actions
                 FROM divisions WHERE id = $1",
                params![division_id],
            )
            .await?
        else {
            return Ok(DivisionOverrides::default());
        };
        Ok(DivisionOverrides {
            handover_message: r.opt_text("handover_message")?,
            offline_message: r.opt_text("offline_message")?,
            out_of_hours_message: r.opt_text("out_of_hours_message")?,
            actions: r.opt_text("actions")?,
        })
    }

    /// Notes that the conversation got the out-of-hours message on the
    /// office's local `date`; false if it already had it that day.
    pub async fn note_out_of_hours(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        date: &str,
    ) -> Result<bool, StoreError> {
        Ok(tx
            .execute(
                "UPDATE conversations SET out_of_hours_notified_on = $2
                 WHERE id = $1 AND (out_of_hours_notified_on IS NULL OR out_of_hours_notified_on <> $2)",
                params![conversation_id, date],
            )
            .await?
            == 1)
    }

    /// The customer's name (or handle) in a conversation, for task titles.
    pub async fn customer_label(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
    ) -> Result<String, StoreError> {
        let r = tx
            .fetch_one(
                "SELECT ct.name, ct.handle FROM conversations c
                 JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = $1",
                params![conversation_id],
            )
            .await?;
        Ok(r.opt_text("name")?
            .filter(|n| !n.trim().is_empty())
            .map_or(r.text("handle")?, |n| n))
    }

    /// Counts the conversations waiting unassigned in the agent's
    /// divisions' queues (and in no division) and records
    /// `queue.waiting` for them; returns the count.
    pub async fn announce_waiting(&self, agent_id: i64) -> Result<i64, StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let n = tx
            .fetch_one(
                "SELECT COUNT(*) AS n FROM conversations c
                 WHERE c.status = 'pending' AND c.assignee_id IS NULL
                   AND (c.division_id IS NULL OR c.division_id IN
                        (SELECT division_id FROM agent_divisions WHERE agent_id = $1))",
                params![agent_id],
            )
            .await?
            .i64("n")?;
        tx.event(
            "queue.waiting",
            None,
            serde_json::json!({"agent_id": agent_id, "waiting": n}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Waiting conversations whose assignee got them before `cutoff` and
    /// has not taken them: `(conversation, division, assignee)`.
    pub async fn due_reassignments(
        &self,
        cutoff: i64,
        limit: i64,
    ) -> Result<Vec<(i64, Option<i64>, i64)>, StoreError> {
        self.db
            .fetch_all(
                "SELECT id, division_id, assignee_id FROM conversations
                 WHERE status = 'pending' AND assignee_id IS NOT NULL AND assigned_at <= $1
                 ORDER BY assigned_at LIMIT $2",
                params![cutoff, limit],
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.i64("id")?,
                    r.opt_i64("division_id")?,
                    r.i64("assignee_id")?,
                ))
            })
            .collect()
    }

    /// A division's id by name.
    pub async fn division_id_in(&self, tx: &mut Tx, name: &str) -> Result<Option<i64>, StoreError> {
        tx.fetch_optional("SELECT id FROM divisions WHERE name = $1", params![name])
            .await?
            .map(|r| r.i64("id"))
            .transpose()
    }

    /// An agent who may work (exists, not deactivated).
    pub async fn active_agent(
        &self,
        agent_id: i64,
    ) -> Result<Option<crate::conversation::AgentRef>, StoreError> {
        self.db
            .fetch_optional(
                "SELECT id, name FROM agents WHERE id = $1 AND active <> 0",
                params![agent_id],
            )
            .await?
            .map(|r| {
                Ok(crate::conversation::AgentRef {
                    id: r.i64("id")?,
                    name: r.text("name")?,
                })
            })
            .transpose()
    }

    /// An internal note on a conversation: a message for agents only
    /// (`meta.note`), never queued for the customer. Returns its id.
    pub async fn insert_note(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        agent_id: Option<i64>,
        text: &str,
    ) -> Result<i64, StoreError> {
        let now = self.now();
        let id = tx
            .fetch_one(
                "INSERT INTO messages (conversation_id, direction, author, agent_id, kind, text,
                    meta, routed_at, created_at, updated_at)
                 VALUES ($1, 'out', 'agent', $2, 'text', $3, $4, $5, $5, $5) RETURNING id",
                params![conversation_id, agent_id, text, r#"{"note":true}"#, now],
            )
            .await?
            .i64("id")?;
        tx.event(
            "message.created",
            Some(conversation_id),
            serde_json::json!({"message_id": id, "direction": "out", "author": "agent",
                   "agent_id": agent_id, "text": text, "note": true}),
            now,
        )
        .await?;
        Ok(id)
    }

    /// Marks an inbound message routed unless someone already did; returns
    /// whether this call did.
    pub async fn mark_routed_once(&self, tx: &mut Tx, message_id: i64) -> Result<bool, StoreError> {
        Ok(tx
            .execute(
                "UPDATE messages SET routed_at = $2 WHERE id = $1 AND routed_at IS NULL",
                params![message_id, self.now()],
            )
            .await?
            == 1)
    }
}
