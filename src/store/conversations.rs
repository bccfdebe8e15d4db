//! Reading conversations and messages, and the status changes agents make.

use super::{DbRow, Param, Store, StoreError, Tx};
use crate::conversation::{AgentRef, Contact, Conversation, Message, Status, Ts};
use crate::params;

const CONVERSATION_SELECT: &str = "
    SELECT c.id, c.channel, c.account, c.status, c.failure_count, c.paused_until,
           c.summary, c.last_inbound_at, c.created_at, c.updated_at,
           c.contact_id, ct.handle AS contact_handle, ct.name AS contact_name,
           d.name AS division_name, c.assignee_id, a.name AS assignee_name
    FROM conversations c
    JOIN contacts ct ON ct.id = c.contact_id
    LEFT JOIN divisions d ON d.id = c.division_id
    LEFT JOIN agents a ON a.id = c.assignee_id";

macro_rules! message_columns {
    () => {
        "id, conversation_id, direction, author, agent_id, kind, text, media, reply_to,
         channel_message_id, delivery, error, meta, sent_at, created_at"
    };
}
const MESSAGE_BY_ID: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages WHERE id = $1"
);
const RECENT_MESSAGES: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2"
);

/// Filters for listing conversations; all optional.
#[derive(Debug, Default, Clone)]
pub struct ConversationFilter {
    pub status: Option<Status>,
    pub division: Option<String>,
    pub assignee_id: Option<i64>,
    pub tag: Option<String>,
    /// Only conversations with an id below this (keyset pagination).
    pub before_id: Option<i64>,
    pub limit: i64,
    /// Only what this agent may see (`None`: everything, the admin).
    pub visible_to: Option<AgentScope>,
}

/// What an agent may see: conversations of their divisions, those assigned
/// to them, and those with neither a division nor an assignee (nobody's
/// yet, so every agent's). The same rule as `http::Caller::can_see`.
#[derive(Debug, Default, Clone)]
pub struct AgentScope {
    pub agent_id: i64,
    pub division_ids: Vec<i64>,
}

fn conversation_from(row: &DbRow, tags: Vec<String>) -> Result<Conversation, StoreError> {
    let assignee = match row.opt_i64("assignee_id")? {
        Some(id) => Some(AgentRef {
            id,
            name: row.opt_text("assignee_name")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Conversation {
        id: row.i64("id")?,
        channel: row.parse("channel")?,
        account: row.opt_text("account")?,
        status: row.parse("status")?,
        contact: Contact {
            id: row.i64("contact_id")?,
            name: row.opt_text("contact_name")?,
            handle: row.text("contact_handle")?,
        },
        division: row.opt_text("division_name")?,
        assignee,
        tags,
        failure_count: row.i64("failure_count")?,
        paused_until: Ts::opt(row.opt_i64("paused_until")?),
        summary: row.opt_text("summary")?,
        last_inbound_at: Ts::opt(row.opt_i64("last_inbound_at")?),
        created_at: Ts(row.i64("created_at")?),
        updated_at: Ts(row.i64("updated_at")?),
    })
}

pub(super) fn message_from(row: &DbRow) -> Result<Message, StoreError> {
    Ok(Message {
        id: row.i64("id")?,
        conversation_id: row.i64("conversation_id")?,
        direction: row.parse("direction")?,
        author: row.parse("author")?,
        agent_id: row.opt_i64("agent_id")?,
        kind: row.parse("kind")?,
        text: row.opt_text("text")?,
        media: row.json("media")?,
        reply_to: row.opt_text("reply_to")?,
        channel_message_id: row.opt_text("channel_message_id")?,
        delivery: match row.opt_text("delivery")? {
            Some(d) => Some(d.parse().map_err(StoreError::Decode)?),
            None => None,
        },
        error: row.opt_text("error")?,
        meta: row.json("meta")?,
        sent_at: Ts::opt(row.opt_i64("sent_at")?),
        created_at: Ts(row.i64("created_at")?),
    })
}

impl Store {
    pub async fn conversation(&self, id: i64) -> Result<Conversation, StoreError> {
        let (sql, tags) = conversation_queries();
        let mut rows = self
            .db
            .read_batch(&[(sql, params![id]), (tags, params![id])])
            .await?
            .into_iter();
        conversation_of(rows.next(), rows.next())
    }

    /// What the router reads before asking the bot, from one snapshot: the
    /// conversation, the message to answer, and the `limit` most recent
    /// messages (oldest first).
    pub async fn routing_view(
        &self,
        conversation_id: i64,
        message_id: i64,
        limit: i64,
    ) -> Result<RoutingView, StoreError> {
        let (sql, tags) = conversation_queries();
        let mut rows = self
            .db
            .read_batch(&[
                (sql, params![conversation_id]),
                (tags, params![conversation_id]),
                (RECENT_MESSAGES, params![conversation_id, limit]),
                (MESSAGE_BY_ID, params![message_id]),
            ])
            .await?
            .into_iter();
        RoutingView::from_rows(
            message_id,
            rows.next(),
            rows.next(),
            rows.next(),
            rows.next(),
        )
    }

    /// The same view read inside a write transaction, right after the
    /// message was stored. The writer's pages are warm; a reader connection
    /// starts every read transaction with an empty cache while writes
    /// commit (SQLite drops a connection's cache when another one changed
    /// the database), which made the separate read cost several times more.
    pub async fn routing_view_in(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        message_id: i64,
        limit: i64,
    ) -> Result<Option<RoutingView>, StoreError> {
        let (sql, tags) = conversation_queries();
        let conversation = tx.fetch_all(sql, params![conversation_id]).await?;
        let tags = tx.fetch_all(tags, params![conversation_id]).await?;
        let recent = tx
            .fetch_all(RECENT_MESSAGES, params![conversation_id, limit])
            .await?;
        // The message just stored is the newest of its conversation, so it
        // is in `recent`; looked up by id only if not.
        let message = if recent
            .first()
            .is_some_and(|r| r.i64("id").ok() == Some(message_id))
        {
            None
        } else {
            Some(tx.fetch_all(MESSAGE_BY_ID, params![message_id]).await?)
        };
        // History rows that do not decode are left out by `from_rows`; if
        // the conversation row itself does not, the new message must still
        // be stored: the router then reads the view and reports the problem.
        match RoutingView::from_rows(
            message_id,
            Some(conversation),
            Some(tags),
            Some(recent),
            message,
        ) {
            Ok(view) => Ok(Some(view)),
            Err(e) => {
                tracing::warn!(conversation_id, message_id, error = %e, "routing view not readable at ingest");
                Ok(None)
            }
        }
    }

    pub async fn conversations(
        &self,
        f: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError> {
        let mut sql = format!("{CONVERSATION_SELECT} WHERE 1 = 1");
        let mut p: Vec<Param> = Vec::new();
        let mut arg = |sql: &mut String, cond: &str, v: Param<'static>| {
            p.push(v);
            sql.push_str(&cond.replace('?', &format!("${}", p.len())));
        };
        if let Some(s) = f.status {
            arg(&mut sql, " AND c.status = ?", s.as_str().into());
        }
        if let Some(d) = &f.division {
            arg(&mut sql, " AND d.name = ?", d.clone().into());
        }
        if let Some(a) = f.assignee_id {
            arg(&mut sql, " AND c.assignee_id = ?", a.into());
        }
        if let Some(t) = &f.tag {
            arg(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM conversation_tags t WHERE t.conversation_id = c.id AND t.tag = ?)",
                t.clone().into(),
            );
        }
        if let Some(scope) = &f.visible_to {
            // Division ids are integers we read, so inlining them is safe.
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
            arg(
                &mut sql,
                &format!(
                    " AND (c.assignee_id = ? OR (c.division_id IS NULL AND c.assignee_id IS NULL){divisions})"
                ),
                scope.agent_id.into(),
            );
        }
        if let Some(b) = f.before_id {
            arg(&mut sql, " AND c.id < ?", b.into());
        }
        arg(
            &mut sql,
            " ORDER BY c.id DESC LIMIT ?",
            f.limit.clamp(1, 500).into(),
        );
        let rows = self.db.fetch_all(&sql, &p).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.i64("id")).collect::<Result<_, _>>()?;
        let mut tags = self.tags_of(&ids).await?;
        rows.iter()
            .map(|row| {
                let id = row.i64("id")?;
                let t = tags
                    .iter_mut()
                    .find(|(cid, _)| *cid == id)
                    .map(|(_, t)| std::mem::take(t))
                    .unwrap_or_default();
                conversation_from(row, t)
            })
            .collect()
    }

    async fn tags_of(&self, ids: &[i64]) -> Result<Vec<(i64, Vec<String>)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are integers we produced, so inlining them is safe.
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "SELECT conversation_id, tag FROM conversation_tags
                     WHERE conversation_id IN ({list}) ORDER BY conversation_id, tag"
                ),
                &[],
            )
            .await?;
        let mut out: Vec<(i64, Vec<String>)> = Vec::new();
        for r in rows {
            let cid = r.i64("conversation_id")?;
            let tag = r.text("tag")?;
            match out.last_mut() {
                Some((last, tags)) if *last == cid => tags.push(tag),
                _ => out.push((cid, vec![tag])),
            }
        }
        Ok(out)
    }

    /// A conversation's messages, oldest first; `limit` most recent ones.
    pub async fn messages(
        &self,
        conversation_id: i64,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        messages_of(
            self.db
                .fetch_all(RECENT_MESSAGES, params![conversation_id, limit])
                .await?,
        )
    }

    pub async fn message(&self, id: i64) -> Result<Message, StoreError> {
        let row = self
            .db
            .fetch_optional(MESSAGE_BY_ID, params![id])
            .await?
            .ok_or(StoreError::NotFound)?;
        message_from(&row)
    }
}

/// One conversation by id (`$1`), and its tags. Built once: statements are
/// cached by their text.
fn conversation_queries() -> (&'static str, &'static str) {
    static ONE: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{CONVERSATION_SELECT} WHERE c.id = $1"));
    (
        ONE.as_str(),
        "SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id = $1 ORDER BY tag",
    )
}

fn conversation_of(
    row: Option<Vec<DbRow>>,
    tags: Option<Vec<DbRow>>,
) -> Result<Conversation, StoreError> {
    let row = row
        .and_then(|r| r.into_iter().next())
        .ok_or(StoreError::NotFound)?;
    let tags = tags
        .unwrap_or_default()
        .iter()
        .map(|r| r.text("tag"))
        .collect::<Result<Vec<_>, _>>()?;
    conversation_from(&row, tags)
}

/// What the router needs to decide who answers a message, and what the bot
/// sees when it does.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingView {
    pub conversation: Conversation,
    /// The message to answer.
    pub message: Message,
    /// The most recent messages, oldest first, including `message`.
    pub history: Vec<Message>,
}

impl RoutingView {
    fn from_rows(
        message_id: i64,
        conversation: Option<Vec<DbRow>>,
        tags: Option<Vec<DbRow>>,
        recent: Option<Vec<DbRow>>,
        message: Option<Vec<DbRow>>,
    ) -> Result<Self, StoreError> {
        let conversation = conversation_of(conversation, tags)?;
        // History is context: a row this version cannot decode is left out
        // (and reported) rather than stopping the conversation's routing.
        let mut history: Vec<Message> = recent
            .unwrap_or_default()
            .iter()
            .filter_map(|row| match message_from(row) {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::warn!(conversation_id = conversation.id, error = %e, "a message in the history does not decode; left out");
                    None
                }
            })
            .collect();
        history.reverse();
        let message = match message.and_then(|r| r.into_iter().next()) {
            Some(row) => message_from(&row)?,
            None => history
                .iter()
                .rev()
                .find(|m| m.id == message_id)
                .cloned()
                .ok_or(StoreError::NotFound)?,
        };
        Ok(RoutingView {
            conversation,
            message,
            history,
        })
    }
}

/// Newest-first rows to oldest-first messages.
fn messages_of(rows: Vec<DbRow>) -> Result<Vec<Message>, StoreError> {
    let mut out = rows
        .iter()
        .map(message_from)
        .collect::<Result<Vec<_>, _>>()?;
    out.reverse();
    Ok(out)
}

impl Store {
    /// A conversation's handovers, oldest first, as JSON objects.
    pub async fn handovers(&self, conversation_id: i64) -> Result<serde_json::Value, StoreError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT h.id, h.reason, d.name AS division, h.agent_id, h.summary, h.actions,
                        h.created_at
                 FROM handovers h LEFT JOIN divisions d ON d.id = h.division_id
                 WHERE h.conversation_id = $1 ORDER BY h.id",
                params![conversation_id],
            )
            .await?;
        let list = rows
            .iter()
            .map(|r| {
                Ok(serde_json::json!({
                    "id": r.i64("id")?,
                    "reason": r.text("reason")?,
                    "division": r.opt_text("division")?,
                    "agent_id": r.opt_i64("agent_id")?,
                    "summary": r.opt_text("summary")?,
                    "actions": r.json::<serde_json::Value>("actions")?.unwrap_or_default(),
                    "created_at": Ts(r.i64("created_at")?),
                }))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(serde_json::Value::Array(list))
    }
}
