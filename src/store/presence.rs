//! Agent presence: online/offline, last seen, and the agents assignment
//! may choose from. Whether a quiet agent counts as away is decided by the
//! caller's cutoff (`AGENT_AWAY_AFTER`, see `handover::Presence`).

use serde_json::json;

use super::agents::{AgentRecord, AgentRow};
use super::{Store, StoreError, Tx};
use crate::params;

/// The event fired when an agent's presence changes.
pub const PRESENCE_CHANGED: &str = "agent.presence_changed";

/// Whether an agent seen last at `last_seen` is away, given the cutoff
/// (`None`: agents never go away).
pub fn is_away(last_seen: Option<i64>, away_cutoff: Option<i64>) -> bool {
    match away_cutoff {
        None => false,
        Some(cutoff) => last_seen.is_none_or(|t| t < cutoff),
    }
}

async fn presence_event(
    tx: &mut Tx,
    record: &AgentRecord,
    online: bool,
    cause: &str,
    now: i64,
) -> Result<(), StoreError> {
    tx.event(
        PRESENCE_CHANGED,
        None,
        json!({"agent_id": record.id, "name": record.name, "online": online,
               "away": false, "divisions": record.divisions, "cause": cause}),
        now,
    )
    .await
}

impl Store {
    /// Sets an agent's presence and marks them seen now. Fires
    /// [`PRESENCE_CHANGED`] when that changes what assignment sees: online
    /// ↔ offline, or online again after being away (last seen before
    /// `away_cutoff`).
    pub async fn set_presence(
        &self,
        agent_id: i64,
        online: bool,
        away_cutoff: Option<i64>,
    ) -> Result<AgentRecord, StoreError> {
        let now = self.now();
        let before = self.agent(agent_id).await?;
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE agents SET online = $2, last_seen_at = $3, updated_at = $3
                 WHERE id = $1 AND active = 1",
                params![agent_id, online, now],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let was_available =
            before.online && !is_away(before.last_seen_at.map(|t| t.0), away_cutoff);
        if was_available != online {
            presence_event(&mut tx, &before, online, "presence", now).await?;
        }
        tx.commit().await?;
        self.agent(agent_id).await
    }

    /// Marks an agent seen now, if their last sighting is older than
    /// `stale_before` (so a busy agent costs one write per interval, not
    /// one per request). An online agent who was away (`was_away`) is
    /// available again: that fires [`PRESENCE_CHANGED`]. Returns whether
    /// it wrote.
    pub async fn touch_agent(
        &self,
        agent_id: i64,
        stale_before: i64,
        was_away: bool,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                "UPDATE agents SET last_seen_at = $2
                 WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < $3)",
                params![agent_id, now, stale_before],
            )
            .await?;
        if n > 0 && was_away {
            let record = self.agent(agent_id).await?;
            if record.online {
                presence_event(&mut tx, &record, true, "activity", now).await?;
            }
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// The agents assignment may choose: active, online, seen since
    /// `away_cutoff` (`None`: nobody is away), and in `division_id`
    /// (`None`: any agent, for a conversation without a division). Least
    /// busy first (fewest `open` conversations assigned to them), ties
    /// broken round robin (longest since their last handover, never first),
    /// then by id.
    pub async fn online_agents(
        &self,
        division_id: Option<i64>,
        away_cutoff: Option<i64>,
    ) -> Result<Vec<AgentRow>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT a.id, a.name, a.whatsapp,
                    (SELECT COUNT(*) FROM conversations c
                     WHERE c.assignee_id = a.id AND c.status = 'open') AS open_count,
                    (SELECT MAX(h.created_at) FROM handovers h
                     WHERE h.agent_id = a.id) AS last_assigned_at
                 FROM agents a
                 WHERE a.active = 1 AND a.online = 1
                   AND ($1 = 0 OR EXISTS (SELECT 1 FROM agent_divisions ad
                        WHERE ad.agent_id = a.id AND ad.division_id = $1))
                   AND ($2 = 0 OR a.last_seen_at >= $2)",
                params![division_id.unwrap_or(0), away_cutoff.unwrap_or(0)],
            )
            .await?;
        let mut agents = rows
            .iter()
            .map(|r| {
                Ok(AgentRow {
                    id: r.i64("id")?,
                    name: r.text("name")?,
                    whatsapp: r.opt_text("whatsapp")?,
                    open_count: r.i64("open_count")?,
                    last_assigned_at: r.opt_i64("last_assigned_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        agents.sort_by_key(|a| (a.open_count, a.last_assigned_at.unwrap_or(i64::MIN), a.id));
        Ok(agents)
    }
}
