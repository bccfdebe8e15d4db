//! Follow-up tasks (the handover's `task` action) and conversation tags.

use serde::Serialize;
use serde_json::json;

use super::{Store, StoreError, Tx};
use crate::conversation::Ts;
use crate::params;

/// A follow-up task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub id: i64,
    pub conversation_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub title: String,
    pub description: Option<String>,
    /// `open` or `done`.
    pub status: String,
    pub due_at: Option<Ts>,
    /// Open past its due time (flagged once, with `task.overdue`).
    pub overdue: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// A task to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    pub conversation_id: i64,
    pub assignee_id: Option<i64>,
    pub title: String,
    pub description: Option<String>,
    pub due_at: Option<i64>,
}

pub(super) fn task_from(r: &super::DbRow, now: i64) -> Result<Task, StoreError> {
    let status = r.text("status")?;
    let due_at = r.opt_i64("due_at")?;
    Ok(Task {
        id: r.i64("id")?,
        conversation_id: r.opt_i64("conversation_id")?,
        assignee_id: r.opt_i64("assignee_id")?,
        title: r.text("title")?,
        description: r.opt_text("description")?,
        overdue: status == "open" && due_at.is_some_and(|d| d <= now),
        status,
        due_at: Ts::opt(due_at),
        created_at: Ts(r.i64("created_at")?),
        updated_at: Ts(r.i64("updated_at")?),
    })
}

pub(super) const TASK_COLUMNS: &str =
    "id, conversation_id, assignee_id, title, description, status, due_at, created_at, updated_at";

impl Store {
    /// Creates a task (`task.created`); returns its id.
    pub async fn insert_task(&self, tx: &mut Tx, t: &NewTask) -> Result<i64, StoreError> {
        let now = self.now();
        let id = tx
            .fetch_one(
                "INSERT INTO tasks (conversation_id, assignee_id, title, description, status,
                    due_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'open', $5, $6, $6) RETURNING id",
                params![
                    t.conversation_id,
                    t.assignee_id,
                    t.title.as_str(),
                    &t.description,
                    t.due_at,
                    now
                ],
            )
            .await?
            .i64("id")?;
        tx.event(
            "task.created",
            Some(t.conversation_id),
            json!({"task_id": id, "title": t.title, "assignee_id": t.assignee_id,
                   "due_at": t.due_at.map(Ts)}),
            now,
        )
        .await?;
        Ok(id)
    }

    /// Gives the conversation's open tasks to `assignee_id` (they follow
    /// the conversation on assignment, transfer, reassignment).
    pub async fn reassign_tasks(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        assignee_id: Option<i64>,
    ) -> Result<(), StoreError> {
        tx.execute(
            "UPDATE tasks SET assignee_id = $2, updated_at = $3
             WHERE conversation_id = $1 AND status = 'open'",
            params![conversation_id, assignee_id, self.now()],
        )
        .await?;
        Ok(())
    }

    /// Adds tags to a conversation (present ones are kept once).
    pub async fn add_tags(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        tags: &[String],
    ) -> Result<(), StoreError> {
        for tag in tags {
            tx.execute(
                "INSERT INTO conversation_tags (conversation_id, tag) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                params![conversation_id, tag.as_str()],
            )
            .await?;
        }
        Ok(())
    }
}
