//! Agents: who they are, their divisions, their token (as a SHA-256 hex
//! hash) and their presence. Nothing here changes a conversation.

use std::collections::HashMap;

use serde::Serialize;

use super::{DbRow, Store, StoreError, Tx};
use crate::conversation::Ts;
use crate::params;

/// A division an agent belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DivisionRef {
    pub id: i64,
    pub name: String,
}

/// An agent as the admin API shows it: never the token or its hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRecord {
    pub id: i64,
    pub name: String,
    /// Digits only, like a WhatsApp `wa_id`.
    pub whatsapp: Option<String>,
    pub email: Option<String>,
    pub divisions: Vec<String>,
    pub active: bool,
    /// What the agent last said with `PUT /agents/me/presence`; whether
    /// they count as away is [`crate::handover::Presence`]'s call.
    pub online: bool,
    pub last_seen_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// The agent behind a valid token (active agents only).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentAuth {
    pub id: i64,
    pub name: String,
    pub online: bool,
    pub divisions: Vec<DivisionRef>,
    pub last_seen_at: Option<i64>,
}

/// An agent assignment may pick: active, online, not away.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRow {
    pub id: i64,
    pub name: String,
    pub whatsapp: Option<String>,
    /// Conversations `open` and assigned to them (for least-busy).
    pub open_count: i64,
    /// Their latest handover (the `handovers` rows naming them), for
    /// breaking ties round robin: never assigned comes first.
    pub last_assigned_at: Option<i64>,
}

/// What a new agent is made of; values already validated and normalised.
#[derive(Debug, Clone, Default)]
pub struct NewAgent {
    pub name: String,
    pub whatsapp: Option<String>,
    pub email: Option<String>,
    pub divisions: Vec<String>,
    /// SHA-256 hex of the token handed out once.
    pub token_hash: String,
}

/// A change to an agent; `None` leaves a field as it is, `Some(None)`
/// clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct AgentPatch {
    pub name: Option<String>,
    pub whatsapp: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub divisions: Option<Vec<String>>,
    pub active: Option<bool>,
    /// A new token's hash: the old token stops working with this commit.
    pub token_hash: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("unknown divisions: {}", .0.join(", "))]
    UnknownDivisions(Vec<String>),
    #[error("the WhatsApp number {0} already belongs to another agent")]
    DuplicateWhatsapp(String),
    #[error("agent not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

const AGENT_COLUMNS: &str =
    "id, name, whatsapp, email, online, active, last_seen_at, created_at, updated_at";

fn record_from(r: &DbRow, divisions: Vec<String>) -> Result<AgentRecord, StoreError> {
    Ok(AgentRecord {
        id: r.i64("id")?,
        name: r.text("name")?,
        whatsapp: r.opt_text("whatsapp")?,
        email: r.opt_text("email")?,
        divisions,
        active: r.i64("active")? != 0,
        online: r.i64("online")? != 0,
        last_seen_at: Ts::opt(r.opt_i64("last_seen_at")?),
        created_at: Ts(r.i64("created_at")?),
        updated_at: Ts(r.i64("updated_at")?),
    })
}

fn is_unique_violation(e: &StoreError) -> bool {
    match e {
        StoreError::Db(sqlx::Error::Database(d)) => d.is_unique_violation(),
        StoreError::Sqlite(s) => super::sqlite::is_unique_violation(s),
        _ => false,
    }
}

/// Division ids for `names` (exact name first, else the one name equal
/// ignoring case); every name that matches none is reported.
async fn resolve_divisions(tx: &mut Tx, names: &[String]) -> Result<Vec<i64>, AgentError> {
    let rows = tx.fetch_all("SELECT id, name FROM divisions", &[]).await?;
    let all = rows
        .iter()
        .map(|r| Ok((r.i64("id")?, r.text("name")?)))
        .collect::<Result<Vec<(i64, String)>, StoreError>>()?;
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        let name = name.trim();
        let exact = all.iter().find(|(_, n)| n == name);
        let folded: Vec<_> = all
            .iter()
            .filter(|(_, n)| n.to_lowercase() == name.to_lowercase())
            .collect();
        match (exact, folded.as_slice()) {
            (Some((id, _)), _) | (None, [(id, _)]) => {
                if !ids.contains(id) {
                    ids.push(*id)
                }
            }
            _ => unknown.push(name.to_string()),
        }
    }
    if unknown.is_empty() {
        Ok(ids)
    } else {
        Err(AgentError::UnknownDivisions(unknown))
    }
}

async fn check_whatsapp(tx: &mut Tx, number: &str, own_id: i64) -> Result<(), AgentError> {
    let taken = tx
        .fetch_optional(
            "SELECT id FROM agents WHERE whatsapp = $1 AND id <> $2",
            params![number, own_id],
        )
        .await?;
    match taken {
        Some(_) => Err(AgentError::DuplicateWhatsapp(number.to_string())),
        None => Ok(()),
    }
}

async fn set_divisions(tx: &mut Tx, agent_id: i64, ids: &[i64]) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM agent_divisions WHERE agent_id = $1",
        params![agent_id],
    )
    .await?;
    for d in ids {
        tx.execute(
            "INSERT INTO agent_divisions (agent_id, division_id) VALUES ($1, $2)",
            params![agent_id, *d],
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Division names per agent (`None`: every agent).
    async fn agent_divisions(
        &self,
        agent_id: Option<i64>,
    ) -> Result<HashMap<i64, Vec<DivisionRef>>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT ad.agent_id, d.id, d.name FROM agent_divisions ad
                 JOIN divisions d ON d.id = ad.division_id
                 WHERE ($1 = 0 OR ad.agent_id = $1) ORDER BY d.name",
                params![agent_id.unwrap_or(0)],
            )
            .await?;
        let mut out: HashMap<i64, Vec<DivisionRef>> = HashMap::new();
        for r in rows {
            out.entry(r.i64("agent_id")?)
                .or_default()
                .push(DivisionRef {
                    id: r.i64("id")?,
                    name: r.text("name")?,
                });
        }
        Ok(out)
    }

    pub async fn agents(&self) -> Result<Vec<AgentRecord>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &format!("SELECT {AGENT_COLUMNS} FROM agents ORDER BY id"),
                &[],
            )
            .await?;
        let mut divisions = self.agent_divisions(None).await?;
        rows.iter()
            .map(|r| {
                let names = divisions
                    .remove(&r.i64("id")?)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|d| d.name)
                    .collect();
                record_from(r, names)
            })
            .collect()
    }

    pub async fn agent(&self, id: i64) -> Result<AgentRecord, StoreError> {
        let row = self
            .db
            .fetch_optional(
                &format!("SELECT {AGENT_COLUMNS} FROM agents WHERE id = $1"),
                params![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let names = self
            .agent_divisions(Some(id))
            .await?
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|d| d.name)
            .collect();
        record_from(&row, names)
    }

    pub async fn create_agent(&self, a: &NewAgent) -> Result<AgentRecord, AgentError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let division_ids = resolve_divisions(&mut tx, &a.divisions).await?;
        if let Some(w) = &a.whatsapp {
            check_whatsapp(&mut tx, w, 0).await?;
        }
        let row = tx
            .fetch_one(
                "INSERT INTO agents (name, whatsapp, email, token_hash, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                params![
                    a.name.as_str(),
                    &a.whatsapp,
                    &a.email,
                    a.token_hash.as_str(),
                    now
                ],
            )
            .await
            .map_err(|e| duplicate(e, &a.whatsapp))?;
        let id = row.i64("id")?;
        set_divisions(&mut tx, id, &division_ids).await?;
        tx.commit().await?;
        Ok(self.agent(id).await?)
    }

    pub async fn update_agent(&self, id: i64, p: &AgentPatch) -> Result<AgentRecord, AgentError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let exists = tx
            .fetch_optional("SELECT id FROM agents WHERE id = $1", params![id])
            .await?;
        if exists.is_none() {
            return Err(AgentError::NotFound);
        }
        if let Some(names) = &p.divisions {
            let ids = resolve_divisions(&mut tx, names).await?;
            set_divisions(&mut tx, id, &ids).await?;
        }
        if let Some(Some(w)) = &p.whatsapp {
            check_whatsapp(&mut tx, w, id).await?;
        }
        let (set_whatsapp, whatsapp) = split(&p.whatsapp);
        let (set_email, email) = split(&p.email);
        tx.execute(
            "UPDATE agents SET name = COALESCE($2, name),
                whatsapp = CASE WHEN $3 = 1 THEN $4 ELSE whatsapp END,
                email = CASE WHEN $5 = 1 THEN $6 ELSE email END,
                active = COALESCE($7, active),
                online = CASE WHEN $7 = 0 THEN 0 ELSE online END,
                token_hash = COALESCE($8, token_hash),
                updated_at = $9
             WHERE id = $1",
            params![
                id,
                p.name.as_deref(),
                set_whatsapp,
                whatsapp,
                set_email,
                email,
                p.active.map(i64::from),
                p.token_hash.as_deref(),
                now
            ],
        )
        .await
        .map_err(|e| duplicate(e, &whatsapp.map(str::to_string)))?;
        tx.commit().await?;
        Ok(self.agent(id).await?)
    }

    /// Deactivates an agent: their token stops working with this commit
    /// (its hash is replaced by `revoked_hash`, which no token hashes to),
    /// they go offline, and their WhatsApp number is freed for another
    /// agent. The row stays, so messages, handovers and tasks that name
    /// them keep their history.
    pub async fn deactivate_agent(&self, id: i64, revoked_hash: &str) -> Result<(), AgentError> {
        let now = self.now();
        let n = self
            .db
            .execute(
                "UPDATE agents SET active = 0, online = 0, whatsapp = NULL, token_hash = $2,
                    updated_at = $3 WHERE id = $1",
                params![id, revoked_hash, now],
            )
            .await?;
        if n == 0 {
            return Err(AgentError::NotFound);
        }
        Ok(())
    }

    /// The active agent whose token hashes to `token_hash` (SHA-256 hex).
    pub async fn agent_by_token(&self, token_hash: &str) -> Result<Option<AgentAuth>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT a.id, a.name, a.online, a.last_seen_at, d.id AS division_id,
                        d.name AS division_name
                 FROM agents a
                 LEFT JOIN agent_divisions ad ON ad.agent_id = a.id
                 LEFT JOIN divisions d ON d.id = ad.division_id
                 WHERE a.token_hash = $1 AND a.active = 1
                 ORDER BY d.name",
                params![token_hash],
            )
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let mut divisions = Vec::new();
        for r in &rows {
            if let (Some(id), Some(name)) =
                (r.opt_i64("division_id")?, r.opt_text("division_name")?)
            {
                divisions.push(DivisionRef { id, name });
            }
        }
        Ok(Some(AgentAuth {
            id: first.i64("id")?,
            name: first.text("name")?,
            online: first.i64("online")? != 0,
            divisions,
            last_seen_at: first.opt_i64("last_seen_at")?,
        }))
    }
}

/// `(1, value)` to set an optional column, `(0, None)` to keep it.
fn split(v: &Option<Option<String>>) -> (i64, Option<&str>) {
    match v {
        Some(inner) => (1, inner.as_deref()),
        None => (0, None),
    }
}

fn duplicate(e: StoreError, whatsapp: &Option<String>) -> AgentError {
    match (is_unique_violation(&e), whatsapp) {
        // Two writers passed the check at once; the unique key caught it.
        (true, Some(w)) => AgentError::DuplicateWhatsapp(w.clone()),
        _ => AgentError::Store(e),
    }
}
