//! The timer scheduler: every tick it reads from the database what is due
//! — pauses that ran out, tasks past their due time, (once plugged in)
//! assignees silent too long — and acts on each. Timers are rows, so a
//! restart finds them, and with several instances on one PostgreSQL each
//! timer is acted on once: pause expiry re-checks the conversation under
//! its row lock (`lifecycle::expire_pause`), and the overdue flag is a
//! conditional update (`Store::flag_overdue_tasks`).

use std::sync::Arc;
use std::time::Duration;

use baton_channel::BoxFuture;
use tokio::sync::watch;

use crate::conversation::lifecycle;
use crate::outbox::Outbox;
use crate::store::{OverdueTask, Store};

/// How many timers of each kind one tick handles; the rest wait for the
/// next tick (oldest first), so a backlog cannot stall the loop.
const PER_TICK: i64 = 100;

/// Reassignment after silence (`HANDOVER_REASSIGN_AFTER`): given `now`
/// (ms), moves every conversation whose assignee has been silent too long
/// to the next available agent and says how many it moved. Built by the
/// handover engine (`handover::reassign_due`) and plugged in with
/// [`Timers::with_reassign`]; without one, nothing is reassigned.
pub type ReassignDue = Arc<dyn Fn(i64) -> BoxFuture<'static, anyhow::Result<usize>> + Send + Sync>;

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tick {
    /// Conversations returned to the bot (`bot.resumed`).
    pub resumed: Vec<i64>,
    /// Tasks flagged overdue (`task.overdue`).
    pub overdue: Vec<OverdueTask>,
    /// Conversations reassigned after silence.
    pub reassigned: usize,
}

/// The scheduler. Cheap to clone.
#[derive(Clone)]
pub struct Timers {
    store: Store,
    outbox: Outbox,
    reassign: Option<ReassignDue>,
}

impl Timers {
    pub fn new(store: Store, outbox: Outbox) -> Self {
        Timers {
            store,
            outbox,
            reassign: None,
        }
    }

    /// Plugs in reassignment after silence (see [`ReassignDue`]).
    pub fn with_reassign(mut self, reassign: ReassignDue) -> Self {
        self.reassign = Some(reassign);
        self
    }

    /// Ticks every `every` until `stop` turns true; a tick in progress is
    /// finished first.
    pub async fn run(self, every: Duration, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            self.tick().await;
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// One pass over everything due now. Failures are logged and retried
    /// on the next tick: the timers stay in the database until acted on.
    pub async fn tick(&self) -> Tick {
        let now = self.store.now();
        let resumed = self.expire_pauses(now).await;
        let overdue = match self.store.flag_overdue_tasks(now, PER_TICK).await {
            Ok(tasks) => tasks,
            Err(e) => {
                tracing::warn!(error = %e, "flagging overdue tasks failed");
                Vec::new()
            }
        };
        for t in &overdue {
            tracing::info!(task_id = t.id, conversation_id = ?t.conversation_id, "task overdue");
        }
        let reassigned = match &self.reassign {
            Some(reassign) => reassign(now).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "reassignment after silence failed");
                0
            }),
            None => 0,
        };
        Tick {
            resumed,
            overdue,
            reassigned,
        }
    }

    /// Returns to the bot every conversation whose pause ran out, each in
    /// its own transaction (one failure does not hold back the others).
    async fn expire_pauses(&self, now: i64) -> Vec<i64> {
        let due = match self.store.due_pauses(now, PER_TICK).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "reading due pauses failed");
                return Vec::new();
            }
        };
        let mut resumed = Vec::new();
        for id in due {
            match self.expire_one(id).await {
                Ok(true) => {
                    tracing::info!(conversation_id = id, "pause over: back to the bot");
                    resumed.push(id);
                }
                // Another instance (or an agent) got there first.
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(conversation_id = id, error = %e, "pause expiry failed")
                }
            }
        }
        resumed
    }

    async fn expire_one(&self, id: i64) -> Result<bool, lifecycle::LifecycleError> {
        let mut tx = self.store.begin().await?;
        let changed = lifecycle::expire_pause(&self.store, &mut tx, id).await?;
        tx.commit().await?;
        let resumed = !changed.unchanged;
        self.outbox.dispatch(changed.rows);
        Ok(resumed)
    }
}
