//! Reading the events table (the SSE stream's replay and polling) and
//! writing event webhook rows into the outbox at commit.

use std::sync::LazyLock;

use super::{DbRow, DbTx, Param, Store, StoreError};
use crate::conversation::Ts;
use crate::events::{Event, WEBHOOK_CHANNEL, WebhookKinds, WebhookPayload, webhook_id};
use crate::params;

impl Store {
    /// Up to `limit` events with an id above `after`, in id order.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>, StoreError> {
        self.db
            .fetch_all(
                "SELECT id, kind, conversation_id, data, created_at FROM events
                 WHERE id > $1 ORDER BY id LIMIT $2",
                params![after, limit],
            )
            .await?
            .iter()
            .map(event_of)
            .collect()
    }

    /// The highest event id committed so far (0 when there is none).
    pub async fn last_event_id(&self) -> Result<i64, StoreError> {
        let row = self
            .db
            .fetch_optional("SELECT MAX(id) AS id FROM events", &[])
            .await?;
        Ok(row
            .map(|r| r.opt_i64("id"))
            .transpose()?
            .flatten()
            .unwrap_or(0))
    }
}

fn event_of(r: &DbRow) -> Result<Event, StoreError> {
    let data = r.text("data")?;
    Ok(Event {
        id: r.i64("id")?,
        kind: r.text("kind")?,
        conversation_id: r.opt_i64("conversation_id")?,
        data: serde_json::from_str(&data)
            .map_err(|e| StoreError::Decode(format!("event data: {e}")))?,
        created_at: Ts(r.i64("created_at")?),
    })
}

/// Rows per multi-row insert (largest first), as for the events.
const CHUNKS: [usize; 3] = [32, 8, 1];

/// Inserts an outbox row for each event (with its id) `kinds` wants, due
/// now. The row's idempotency key is the event's `webhook-id`, so an event
/// can never be queued twice.
pub(super) async fn insert_webhook_rows(
    tx: &mut DbTx,
    kinds: &WebhookKinds,
    events: &[Event],
    now: i64,
) -> Result<(), StoreError> {
    let mut rows = Vec::new();
    for e in events.iter().filter(|e| kinds.wants(&e.kind)) {
        let payload = serde_json::to_string(&WebhookPayload::of(e))
            .map_err(|err| StoreError::Decode(format!("event webhook payload: {err}")))?;
        rows.push((payload, webhook_id(e.id)));
    }
    let mut rest = rows.as_slice();
    while !rest.is_empty() {
        let size = CHUNKS.into_iter().find(|n| *n <= rest.len()).unwrap_or(1);
        let (chunk, tail) = rest.split_at(size);
        let mut params = Vec::with_capacity(size * 4);
        for (payload, key) in chunk {
            params.push(Param::from(WEBHOOK_CHANNEL));
            params.push(Param::from(payload.as_str()));
            params.push(Param::from(key.as_str()));
            params.push(Param::from(now));
        }
        tx.execute(insert_sql(size), &params).await?;
        rest = tail;
    }
    Ok(())
}

/// `INSERT INTO outbox … VALUES (…), (…)` for `rows` rows; built once per
/// size so only three statement texts exist (they are cached by text).
fn insert_sql(rows: usize) -> &'static str {
    static SQL: LazyLock<Vec<(usize, String)>> = LazyLock::new(|| {
        CHUNKS
            .iter()
            .map(|&n| {
                let values: Vec<String> = (0..n)
                    .map(|i| {
                        let b = i * 4;
                        format!("(${}, ${}, ${}, ${d}, ${d}, ${d})", b + 1, b + 2, b + 3, d = b + 4)
                    })
                    .collect();
                (
                    n,
                    format!(
                        "INSERT INTO outbox (channel, payload, idempotency_key, due_at, created_at, updated_at) VALUES {}",
                        values.join(", ")
                    ),
                )
            })
            .collect()
    });
    SQL.iter()
        .find(|(n, _)| *n == rows)
        .map(|(_, sql)| sql.as_str())
        .unwrap_or("")
}
