//! Presence: which agents assignment may choose. An agent is available
//! when active, online (`PUT /api/v1/agents/me/presence`) and not away:
//! seen (any authenticated request, at most one write per
//! [`SEEN_EVERY_MS`]) within `AGENT_AWAY_AFTER`.

use std::time::Duration;

use crate::store::{AgentRow, Store, StoreError};

/// How stale `last_seen_at` may get before a request writes it again.
pub const SEEN_EVERY_MS: i64 = 30_000;

/// The away rule, from `AGENT_AWAY_AFTER`. Cheap to clone.
#[derive(Debug, Clone, Copy, Default)]
pub struct Presence {
    /// `None`: agents never go away.
    pub away_after: Option<Duration>,
}

impl Presence {
    pub fn new(away_after: Option<Duration>) -> Self {
        Presence { away_after }
    }

    /// Agents last seen before this are away (`None`: nobody is).
    pub fn away_cutoff(&self, now: i64) -> Option<i64> {
        self.away_after
            .map(|d| now.saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)))
    }

    pub fn is_away(&self, last_seen_at: Option<i64>, now: i64) -> bool {
        crate::store::is_away(last_seen_at, self.away_cutoff(now))
    }

    /// The agents assignment may choose now in `division_id` (`None`: any
    /// division), least busy first; see [`Store::online_agents`].
    pub async fn online_agents(
        &self,
        store: &Store,
        division_id: Option<i64>,
        now: i64,
    ) -> Result<Vec<AgentRow>, StoreError> {
        store
            .online_agents(division_id, self.away_cutoff(now))
            .await
    }

    /// Marks an authenticated agent seen, at most once per
    /// [`SEEN_EVERY_MS`]; an agent coming back from away fires
    /// `agent.presence_changed`. A failure is logged, never the request's.
    pub async fn seen(&self, store: &Store, agent_id: i64, last_seen_at: Option<i64>) {
        let now = store.now();
        if last_seen_at.is_some_and(|t| now - t < SEEN_EVERY_MS) {
            return;
        }
        let was_away = self.is_away(last_seen_at, now);
        if let Err(e) = store
            .touch_agent(agent_id, now - SEEN_EVERY_MS, was_away)
            .await
        {
            tracing::warn!(agent_id, error = %e, "could not record that the agent was seen");
        }
    }
}
