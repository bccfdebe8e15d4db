//! The handover's actions, run in the transaction that hands the
//! conversation over, in the configured order: `assign` (an online agent
//! of the division, least busy or round robin; none in pool mode), `tag`,
//! `task` (due in `HANDOVER_TASK_DUE` by the office's clock), `message`
//! (the handover text; the offline text when nobody is online; the
//! out-of-hours text, at most once a day), `pause`, `notify`. Each action's
//! outcome (ok / skipped / failed, with why) goes into the handover's
//! record and its `handover.requested` event. State changes go through the
//! lifecycle; this module only decides what to ask of it.

use std::sync::Arc;

use serde_json::{Value, json};

use super::settings::{Action, AssignStrategy, HandoverConfig, parse_actions};
use super::{OfficeHours, Presence};
use crate::bot::HandoverRequest;
use crate::conversation::lifecycle::{self, LifecycleError, Notice};
use crate::conversation::{AgentRef, Author};
use crate::store::{NewTask, OutboxRow, Store, Tx};

/// The handover's policy, shared by the router and the agent API.
pub struct Engine {
    pub config: Arc<HandoverConfig>,
    pub office: OfficeHours,
    pub presence: Presence,
}

/// One action's outcome, as recorded.
fn outcome(action: Action, result: &str, detail: impl Into<String>) -> Value {
    let detail: String = detail.into();
    json!({"action": action.as_str(), "outcome": result,
           "detail": (!detail.is_empty()).then_some(detail)})
}

impl Engine {
    /// Reassignment after silence: a waiting conversation whose assignee
    /// has not taken it within `HANDOVER_REASSIGN_AFTER` goes to the next
    /// available agent of its division (`conversation.assigned` names both;
    /// `agent.notified` tells the new one). With nobody else available it
    /// stays where it is. Returns how many moved.
    pub async fn reassign_due(&self, store: &Store, now: i64) -> Result<usize, LifecycleError> {
        let Some(after) = self.config.reassign_after else {
            return Ok(0);
        };
        let due = store
            .due_reassignments(now - after.as_millis() as i64, 100)
            .await?;
        let mut moved = 0;
        for (conversation_id, division_id, current) in due {
            let online = self.presence.online_agents(store, division_id, now).await?;
            let Some(next) = online.iter().find(|a| a.id != current) else {
                continue;
            };
            let agent = AgentRef {
                id: next.id,
                name: next.name.clone(),
            };
            let mut tx = store.begin().await?;
            // Re-checked under the lock: claimed or moved meanwhile → skip.
            let still = store.lock_state(&mut tx, conversation_id).await?;
            if still.is_none_or(|s| {
                s.assignee_id != Some(current) || s.status != crate::conversation::Status::Pending
            }) {
                continue;
            }
            lifecycle::assign(store, &mut tx, conversation_id, Some(&agent)).await?;
            store
                .reassign_tasks(&mut tx, conversation_id, Some(agent.id))
                .await?;
            tx.event(
                "agent.notified",
                Some(conversation_id),
                json!({"agent_ids": [agent.id], "reason": "reassigned",
                       "from_agent_id": current}),
                now,
            )
            .await?;
            tx.commit().await?;
            moved += 1;
        }
        Ok(moved)
    }

    /// Runs the actions for a handover just recorded (`handover_id`);
    /// returns the customer's message rows for dispatch.
    pub async fn run(
        &self,
        store: &Store,
        tx: &mut Tx,
        conversation_id: i64,
        handover_id: i64,
        request: &HandoverRequest,
        lease_ms: i64,
    ) -> Result<Vec<OutboxRow>, LifecycleError> {
        let now = store.now();
        let state = store
            .lock_state(tx, conversation_id)
            .await?
            .ok_or(LifecycleError::NotFound)?;
        let overrides = match state.division_id {
            Some(d) => store.division_overrides(tx, d).await?,
            None => Default::default(),
        };
        let actions = match overrides.actions.as_deref().map(parse_actions) {
            Some(Ok(list)) => list,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "a division's action list is invalid; using HANDOVER_ACTIONS");
                self.config.actions.clone()
            }
            None => self.config.actions.clone(),
        };
        let online = self
            .presence
            .online_agents(store, state.division_id, now)
            .await?;
        let open = self.office.is_open(now);
        let mut chosen: Option<AgentRef> = None;
        let mut rows = Vec::new();
        let mut record = Vec::new();
        for action in actions {
            let result = match action {
                Action::Assign => {
                    let pick = match self.config.strategy {
                        AssignStrategy::Pool => None,
                        AssignStrategy::LeastBusy => online.first(),
                        AssignStrategy::RoundRobin => {
                            online.iter().min_by_key(|a| (a.last_assigned_at, a.id))
                        }
                    };
                    match (pick, self.config.strategy) {
                        (_, AssignStrategy::Pool) => {
                            outcome(action, "skipped", "pool: the division's agents claim it")
                        }
                        (None, _) => {
                            outcome(action, "skipped", "no agent of the division is online")
                        }
                        (Some(a), _) => {
                            let agent = AgentRef {
                                id: a.id,
                                name: a.name.clone(),
                            };
                            lifecycle::assign(store, tx, conversation_id, Some(&agent)).await?;
                            let result = outcome(action, "ok", agent.name.clone());
                            chosen = Some(agent);
                            result
                        }
                    }
                }
                Action::Tag => {
                    store
                        .add_tags(tx, conversation_id, &self.config.tags)
                        .await?;
                    outcome(action, "ok", self.config.tags.join(","))
                }
                Action::Task => {
                    let who = store.customer_label(tx, conversation_id).await?;
                    let due = self
                        .office
                        .due_in(now, self.config.task_due.as_millis() as i64);
                    let task = NewTask {
                        conversation_id,
                        assignee_id: chosen.as_ref().map(|a| a.id),
                        title: format!("Follow up with {who} ({})", request.reason),
                        description: state.summary.clone(),
                        due_at: Some(due),
                    };
                    let id = store.insert_task(tx, &task).await?;
                    outcome(action, "ok", format!("task {id}"))
                }
                Action::Message => {
                    let (kind, text) = if !open {
                        let date = self.office.local_date(now);
                        if !store.note_out_of_hours(tx, conversation_id, &date).await? {
                            record.push(outcome(
                                action,
                                "skipped",
                                "the out-of-hours message was already sent today",
                            ));
                            continue;
                        }
                        (
                            "out_of_hours",
                            overrides
                                .out_of_hours_message
                                .clone()
                                .unwrap_or_else(|| self.config.out_of_hours_message.clone()),
                        )
                    } else if online.is_empty() {
                        (
                            "offline",
                            overrides
                                .offline_message
                                .clone()
                                .unwrap_or_else(|| self.config.offline_message.clone()),
                        )
                    } else {
                        (
                            "handover",
                            overrides
                                .handover_message
                                .clone()
                                .unwrap_or_else(|| self.config.message.clone()),
                        )
                    };
                    if text.trim().is_empty() {
                        outcome(action, "skipped", format!("the {kind} message is empty"))
                    } else {
                        let notice = Notice {
                            text: &text,
                            author: Author::System,
                            agent_id: None,
                            lease_ms,
                        };
                        rows.extend(
                            lifecycle::notify_customer(store, tx, conversation_id, notice).await?,
                        );
                        outcome(action, "ok", kind)
                    }
                }
                Action::Pause => match self.config.pause {
                    Some(p) => {
                        let until = now + p.as_millis() as i64;
                        lifecycle::pause(store, tx, conversation_id, Some(until)).await?;
                        let at = json!(crate::conversation::Ts(until));
                        outcome(
                            action,
                            "ok",
                            format!("until {}", at.as_str().unwrap_or_default()),
                        )
                    }
                    None => outcome(action, "ok", "until an agent hands back"),
                },
                Action::Notify => {
                    let agents: Vec<i64> = match (&chosen, self.config.strategy) {
                        (Some(a), _) => vec![a.id],
                        (None, AssignStrategy::Pool) => online.iter().map(|a| a.id).collect(),
                        (None, _) => Vec::new(),
                    };
                    if agents.is_empty() {
                        outcome(
                            action,
                            "skipped",
                            "nobody to notify: the conversation waits in its division's queue",
                        )
                    } else {
                        tx.event(
                            "agent.notified",
                            Some(conversation_id),
                            json!({"agent_ids": agents, "handover_id": handover_id,
                                   "reason": request.reason, "summary": state.summary}),
                            now,
                        )
                        .await?;
                        outcome(action, "ok", format!("{} agent(s)", agents.len()))
                    }
                }
            };
            record.push(result);
        }
        let actions = Value::Array(record);
        let agent_id = chosen.as_ref().map(|a| a.id);
        store
            .complete_handover(tx, handover_id, agent_id, &actions)
            .await?;
        tx.event(
            "handover.requested",
            Some(conversation_id),
            json!({"handover_id": handover_id, "reason": request.reason,
                   "division": request.division, "summary": state.summary,
                   "agent": chosen, "actions": actions, "status": "pending",
                   "failure_count": state.failure_count,
                   "office_open": open}),
            now,
        )
        .await?;
        Ok(rows)
    }
}
