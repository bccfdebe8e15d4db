//! What the timers find due: pauses that ran out, tasks past their due
//! time. Timers are rows, not in-memory sleeps, so a restart (or another
//! instance) finds them; each query is written so that only one instance
//! acts on each timer.

use serde::Serialize;
use serde_json::json;

use super::{Store, StoreError};
use crate::conversation::Ts;
use crate::params;

/// A task the timers just flagged overdue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueTask {
    pub id: i64,
    pub conversation_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub title: String,
    pub due_at: Option<Ts>,
}

impl Store {
    /// Conversations whose pause ran out by `now` and that may return to
    /// the bot: waiting ones (`pending`) and `open` ones nobody owns. An
    /// `open` conversation with an assignee keeps its agent, so it is not a
    /// candidate (it would otherwise be looked at again every tick). Oldest
    /// pause first. `lifecycle::expire_pause` re-checks each under its lock.
    pub async fn due_pauses(&self, now: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT id FROM conversations
                 WHERE paused_until IS NOT NULL AND paused_until <= $1
                   AND (status = 'pending' OR (status = 'open' AND assignee_id IS NULL))
                 ORDER BY paused_until, id LIMIT $2",
                params![now, limit.max(1)],
            )
            .await?;
        rows.iter().map(|r| r.i64("id")).collect()
    }

    /// Flags open tasks past their due time (at most `limit`) and records
    /// `task.overdue` for each, in one transaction. The flag is set by a
    /// conditional `UPDATE … WHERE overdue_at IS NULL … RETURNING`: when
    /// two instances race, the second one's update finds the row flagged
    /// (PostgreSQL re-checks the condition after the first commits; SQLite
    /// has one writer at a time), so each task fires exactly once.
    pub async fn flag_overdue_tasks(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<OverdueTask>, StoreError> {
        let mut tx = self.begin().await?;
        let rows = tx
            .fetch_all(
                "UPDATE tasks SET overdue_at = $1
                 WHERE id IN (SELECT id FROM tasks
                              WHERE status = 'open' AND overdue_at IS NULL AND due_at <= $1
                              ORDER BY due_at, id LIMIT $2)
                   AND status = 'open' AND overdue_at IS NULL
                 RETURNING id, conversation_id, assignee_id, title, due_at",
                params![now, limit.max(1)],
            )
            .await?;
        let mut flagged = rows
            .iter()
            .map(|r| {
                Ok(OverdueTask {
                    id: r.i64("id")?,
                    conversation_id: r.opt_i64("conversation_id")?,
                    assignee_id: r.opt_i64("assignee_id")?,
                    title: r.text("title")?,
                    due_at: Ts::opt(r.opt_i64("due_at")?),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // RETURNING's order is not promised; events go out by task id.
        flagged.sort_by_key(|t| t.id);
        for t in &flagged {
            tx.event(
                "task.overdue",
                t.conversation_id,
                json!({"task_id": t.id, "title": t.title, "assignee_id": t.assignee_id,
                       "due_at": t.due_at}),
                now,
            )
            .await?;
        }
        self.hooks.at(crate::hooks::Point::OverdueFlagged).await;
        tx.commit().await?;
        Ok(flagged)
    }
}
