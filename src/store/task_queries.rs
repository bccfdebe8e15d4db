//! Listing, reading and completing tasks (the agents' task list).

use serde_json::json;

use super::tasks::{TASK_COLUMNS, task_from};
use super::{AgentScope, Param, Store, StoreError, Task};
use crate::params;

/// Filters for listing tasks; all optional.
#[derive(Debug, Default, Clone)]
pub struct TaskFilter {
    pub assignee_id: Option<i64>,
    /// `open` or `done`.
    pub status: Option<String>,
    /// `Some(true)`: open and past due; `Some(false)`: not so.
    pub overdue: Option<bool>,
    pub conversation_id: Option<i64>,
    /// Only tasks with an id below this (keyset pagination).
    pub before_id: Option<i64>,
    pub limit: i64,
    /// Only what this agent may see (`None`: everything, the admin).
    pub visible_to: Option<AgentScope>,
}

/// An agent sees the tasks assigned to them and the tasks of the
/// conversations they may see (the rule of `ConversationFilter`). Division
/// ids are integers we read, so inlining them is safe; `$n` is the agent.
fn visibility(scope: &AgentScope, n: usize) -> String {
    let divisions = match scope.division_ids.is_empty() {
        true => String::new(),
        false => format!(
            " OR c.division_id IN ({})",
            scope
                .division_ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    format!(
        " AND (t.assignee_id = ${n} OR (c.id IS NOT NULL AND (c.assignee_id = ${n}
           OR (c.division_id IS NULL AND c.assignee_id IS NULL){divisions})))"
    )
}

fn columns() -> String {
    TASK_COLUMNS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Tasks matching `f`, newest first.
    pub async fn tasks(&self, f: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        let now = self.now();
        let mut sql = format!(
            "SELECT {} FROM tasks t LEFT JOIN conversations c ON c.id = t.conversation_id
             WHERE 1 = 1",
            columns()
        );
        let mut p: Vec<Param> = Vec::new();
        // Binds `v` as the next parameter, writes `cond` with `?` standing
        // for it, and returns its number.
        let mut arg = |sql: &mut String, cond: &str, v: Param<'static>| {
            p.push(v);
            sql.push_str(&cond.replace('?', &format!("${}", p.len())));
            p.len()
        };
        if let Some(a) = f.assignee_id {
            arg(&mut sql, " AND t.assignee_id = ?", a.into());
        }
        if let Some(s) = &f.status {
            arg(&mut sql, " AND t.status = ?", s.clone().into());
        }
        match f.overdue {
            Some(true) => {
                arg(
                    &mut sql,
                    " AND t.status = 'open' AND t.due_at <= ?",
                    now.into(),
                );
            }
            Some(false) => {
                arg(
                    &mut sql,
                    " AND NOT (t.status = 'open' AND t.due_at IS NOT NULL AND t.due_at <= ?)",
                    now.into(),
                );
            }
            None => {}
        }
        if let Some(c) = f.conversation_id {
            arg(&mut sql, " AND t.conversation_id = ?", c.into());
        }
        if let Some(scope) = &f.visible_to {
            let n = arg(&mut sql, "", scope.agent_id.into());
            sql.push_str(&visibility(scope, n));
        }
        if let Some(b) = f.before_id {
            arg(&mut sql, " AND t.id < ?", b.into());
        }
        arg(
            &mut sql,
            " ORDER BY t.id DESC LIMIT ?",
            f.limit.clamp(1, 500).into(),
        );
        let rows = self.db.fetch_all(&sql, &p).await?;
        rows.iter().map(|r| task_from(r, now)).collect()
    }

    /// One task, if `scope` (`None`: the admin) may see it.
    pub async fn task_visible(
        &self,
        id: i64,
        scope: Option<&AgentScope>,
    ) -> Result<Option<Task>, StoreError> {
        let mut sql = format!(
            "SELECT {} FROM tasks t LEFT JOIN conversations c ON c.id = t.conversation_id
             WHERE t.id = $1",
            columns()
        );
        let agent = scope.map(|s| s.agent_id);
        let mut p: Vec<Param> = vec![id.into()];
        if let (Some(scope), Some(agent)) = (scope, agent) {
            p.push(agent.into());
            sql.push_str(&visibility(scope, 2));
        }
        let row = self.db.fetch_optional(&sql, &p).await?;
        row.map(|r| task_from(&r, self.now())).transpose()
    }

    /// Sets a task's status (`open` or `done`) and records `task.updated`;
    /// setting the status it already has changes nothing. Returns the task
    /// as it now is, `NotFound` if there is none.
    pub async fn set_task_status(&self, id: i64, status: &str) -> Result<Task, StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let changed = tx
            .fetch_optional(
                &format!(
                    "UPDATE tasks SET status = $2, updated_at = $3
                     WHERE id = $1 AND status <> $2 RETURNING {TASK_COLUMNS}"
                ),
                params![id, status, now],
            )
            .await?;
        let task = match changed {
            Some(row) => {
                let task = task_from(&row, now)?;
                tx.event(
                    "task.updated",
                    task.conversation_id,
                    json!({"task_id": task.id, "status": task.status, "title": task.title,
                           "assignee_id": task.assignee_id}),
                    now,
                )
                .await?;
                task
            }
            None => {
                let row = tx
                    .fetch_optional(
                        &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"),
                        params![id],
                    )
                    .await?
                    .ok_or(StoreError::NotFound)?;
                task_from(&row, now)?
            }
        };
        tx.commit().await?;
        Ok(task)
    }
}
