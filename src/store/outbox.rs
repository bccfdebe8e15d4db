//! The outbox: everything Baton sends is first a row here, written in the
//! same transaction as the message it belongs to, then claimed under a
//! lease by a delivery worker. A crash leaves the lease to expire and the
//! row to be claimed again, so nothing committed is ever lost.

use baton_channel::{ContactRef, Delivery, MessageKind, Outbound, QuickReply, Sent};
use serde_json::json;

use super::{Dialect, Store, StoreError, Tx};
use crate::conversation::Author;
use crate::params;

/// A message to send to a conversation's customer.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbound {
    pub author: Author,
    pub agent_id: Option<i64>,
    pub text: String,
    pub quick_replies: Vec<QuickReply>,
    /// Channel message id of the customer message this answers.
    pub reply_to: Option<String>,
    pub meta: Option<serde_json::Value>,
    /// Send a template instead of free text.
    pub template: Option<baton_channel::Template>,
    /// An attachment, with `text` as its caption.
    pub media: Option<baton_channel::OutboundMedia>,
}

/// A claimed outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: Option<i64>,
    pub channel: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// The fencing token of this process's claim: the send's outcome is
    /// recorded only while it is still the row's current token.
    pub token: i64,
    /// Until when the claim is held (unix ms), as this process last set it.
    pub lease_until: i64,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The channel accepted the message.
    Sent(Sent),
    /// A retryable failure: try again at `due_at`.
    Retry { due_at: i64, error: String },
    /// Given up on (`dead`): a permanent error or the retry budget spent; or
    /// (`dropped`) a bot message whose conversation a human took over.
    Failed { state: &'static str, reason: String },
}

/// One delivery attempt, for the attempt log.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub started_at: i64,
    pub latency_ms: i64,
    pub detail: Option<String>,
}

/// `CASE` ranking a delivery column the way [`Delivery::rank`] does, so
/// status updates only ever move a message forward.
fn rank_sql(col: &str) -> String {
    let arms: String = Delivery::ALL
        .iter()
        .map(|d| format!(" WHEN '{}' THEN {}", d.as_str(), d.rank()))
        .collect();
    format!("(CASE {col}{arms} ELSE -1 END)")
}

/// A unique idempotency key: the creation time (hex milliseconds) then 16
/// random characters. Time first keeps new keys at the end of the unique
/// index, where inserting is cheap; fully random keys landed all over it.
fn new_key(now_ms: i64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let random: String = (0..16)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect();
    format!("msg_{now_ms:011x}{random}")
}

impl Store {
    /// Inserts outbound messages (in order) and their outbox rows. With `lease_ms`, the
    /// row is born leased to the caller, who dispatches it from memory at
    /// once; should the caller die, the lease expires and a poller takes it.
    pub async fn queue_outbound(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        drafts: &[NewOutbound],
        lease_ms: Option<i64>,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = self
            .insert_outbound(tx, conversation_id, drafts, lease_ms)
            .await?;
        tx.execute(
            "UPDATE conversations SET updated_at = $2 WHERE id = $1",
            params![conversation_id, self.now()],
        )
        .await?;
        Ok(rows)
    }

    /// [`Self::queue_outbound`] for a caller that updates the conversation
    /// row itself in the same transaction (a bot turn does).
    pub async fn insert_outbound(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        drafts: &[NewOutbound],
        lease_ms: Option<i64>,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let now = self.now();
        let conv = tx
            .fetch_one(
                "SELECT c.channel, c.account, ct.handle, ct.name FROM conversations c
                 JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = $1",
                params![conversation_id],
            )
            .await?;
        let channel = conv.text("channel")?;
        let to = ContactRef {
            handle: conv.text("handle")?,
            name: conv.opt_text("name")?,
        };
        let account = conv.opt_text("account")?;
        let mut rows = Vec::with_capacity(drafts.len());
        for m in drafts {
            let meta = m.meta.as_ref().map(|v| v.to_string());
            let kind = m.media.as_ref().map_or(MessageKind::Text, |x| x.kind);
            let media = m
                .media
                .as_ref()
                .map(|x| json!({"id": x.id, "url": x.link, "filename": x.filename}).to_string());
            let message_id = tx
                .fetch_one(
                    "INSERT INTO messages (conversation_id, direction, author, agent_id, kind, text,
                        reply_to, delivery, meta, media, routed_at, created_at, updated_at)
                     VALUES ($1, 'out', $2, $3, $4, $5, $6, 'queued', $7, $9, $8, $8, $8) RETURNING id",
                    params![
                        conversation_id,
                        m.author.as_str(),
                        m.agent_id,
                        kind.as_str(),
                        m.text.as_str(),
                        &m.reply_to,
                        meta,
                        now,
                        media
                    ],
                )
                .await?
                .i64("id")?;
            let out = Outbound {
                message_id,
                conversation_id,
                idempotency_key: new_key(now),
                to: to.clone(),
                account: account.clone(),
                author: m.author.as_str().to_string(),
                text: m.text.clone(),
                reply_to: m.reply_to.clone(),
                quick_replies: m.quick_replies.clone(),
                created_at_ms: now,
                template: m.template.clone(),
                media: m.media.clone(),
            };
            let payload = serde_json::to_string(&out)
                .map_err(|e| StoreError::Decode(format!("outbound payload: {e}")))?;
            let id = tx
                .fetch_one(
                    "INSERT INTO outbox (message_id, channel, payload, idempotency_key, due_at,
                        lease_until, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $5, $5) RETURNING id",
                    params![
                        message_id,
                        channel.as_str(),
                        payload.as_str(),
                        out.idempotency_key.as_str(),
                        now,
                        lease_ms.map(|l| now + l)
                    ],
                )
                .await?
                .i64("id")?;
            tx.event(
                "message.created",
                Some(conversation_id),
                json!({"message_id": message_id, "direction": "out", "author": m.author,
                       "agent_id": m.agent_id, "text": m.text, "delivery": "queued"}),
                now,
            )
            .await?;
            rows.push(OutboxRow {
                id,
                message_id: Some(message_id),
                channel: channel.clone(),
                payload,
                attempts: 0,
                token: 0,
                lease_until: lease_ms.map_or(0, |l| now + l),
            });
        }
        Ok(rows)
    }

    /// Claims up to `limit` due rows whose lease is free, leasing them for
    /// `lease_ms` under a new fencing token. Several workers (or instances)
    /// never hold the same row at once, and a holder whose lease ran out
    /// can no longer record an outcome for it.
    pub async fn claim_outbox(
        &self,
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let now = self.now();
        let lock = match self.dialect() {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET lease_until = $1, updated_at = $2, lease_token = lease_token + 1
             WHERE id IN (
                SELECT id FROM outbox WHERE state = 'pending' AND due_at <= $2
                  AND (lease_until IS NULL OR lease_until <= $2)
                ORDER BY due_at, id LIMIT $3 {lock})
             RETURNING id, message_id, channel, payload, attempts, lease_token, lease_until"
        );
        let mut tx = self.begin().await?;
        let rows = tx
            .fetch_all(&sql, params![now + lease_ms, now, limit])
            .await?;
        tx.commit().await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(OutboxRow {
                    id: r.i64("id")?,
                    message_id: r.opt_i64("message_id")?,
                    channel: r.text("channel")?,
                    payload: r.text("payload")?,
                    attempts: r.i64("attempts")?,
                    token: r.i64("lease_token")?,
                    lease_until: r.i64("lease_until")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    /// Extends the leases this process holds (`(id, token)`) to
    /// `now + lease_ms`, in one transaction. Per row: the new lease end, or
    /// `None` when the claim is no longer this process's (another claimed
    /// it after the lease ran out, or it is finished).
    pub async fn renew_leases(
        &self,
        held: &[(i64, i64)],
        lease_ms: i64,
    ) -> Result<Vec<Option<i64>>, StoreError> {
        let now = self.now();
        let until = now + lease_ms;
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(held.len());
        for &(id, token) in held {
            let n = tx
                .execute(
                    "UPDATE outbox SET lease_until = $3, updated_at = $4
                     WHERE id = $1 AND lease_token = $2 AND state = 'pending'
                       AND lease_until IS NOT NULL",
                    params![id, token, until, now],
                )
                .await?;
            out.push((n == 1).then_some(until));
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn log_attempt(
        &self,
        tx: &mut Tx,
        row: &OutboxRow,
        outcome: &str,
        a: &Attempt,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO outbox_attempts (outbox_id, attempt, started_at, latency_ms, outcome, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
            params![row.id, row.attempts + 1, a.started_at, a.latency_ms, outcome, &a.detail],
        )
        .await?;
        Ok(())
    }

    /// Moves a message's delivery forward (never back) and emits an event
    /// when it moved. Returns whether it moved.
    pub async fn advance_delivery(
        &self,
        tx: &mut Tx,
        message_id: i64,
        delivery: Delivery,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "UPDATE messages SET delivery = $2, error = COALESCE($3, error), updated_at = $4
                 WHERE id = $1 AND {} < $5 RETURNING conversation_id",
                rank_sql("delivery")
            )
        });
        let moved = tx
            .fetch_optional(
                &SQL,
                params![
                    message_id,
                    delivery.as_str(),
                    error,
                    now,
                    delivery.rank() as i64
                ],
            )
            .await?;
        let Some(row) = moved else {
            return Ok(false);
        };
        tx.event(
            "message.delivery_changed",
            Some(row.i64("conversation_id")?),
            json!({"message_id": message_id, "delivery": delivery, "error": error}),
            now,
        )
        .await?;
        Ok(true)
    }

    /// A send was accepted: the message gets the channel's id, its error
    /// cleared and its delivery moved forward, in one statement. The
    /// event goes out when the delivery is now what the send reported —
    /// it was `queued` until this outcome in every ordinary case; a
    /// repeated outcome for the same row would repeat the event, which
    /// says nothing new but nothing wrong.
    pub(super) async fn record_sent(
        &self,
        tx: &mut Tx,
        message_id: i64,
        sent: &Sent,
        now: i64,
    ) -> Result<(), StoreError> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "UPDATE messages SET channel_message_id = COALESCE($2, channel_message_id),
                    error = NULL, updated_at = $3,
                    delivery = CASE WHEN {} < $5 THEN $4 ELSE delivery END
                 WHERE id = $1 RETURNING conversation_id, delivery",
                rank_sql("delivery")
            )
        });
        let row = tx
            .fetch_optional(
                &SQL,
                params![
                    message_id,
                    &sent.channel_message_id,
                    now,
                    sent.delivery.as_str(),
                    sent.delivery.rank() as i64
                ],
            )
            .await?;
        let Some(row) = row else {
            return Ok(());
        };
        if row.opt_text("delivery")?.as_deref() == Some(sent.delivery.as_str()) {
            tx.event(
                "message.delivery_changed",
                Some(row.i64("conversation_id")?),
                json!({"message_id": message_id, "delivery": sent.delivery, "error": null}),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Records how delivery attempts ended, many in one transaction (group
    /// commit). Returns, per item, whether it was recorded.
    pub async fn record_outcomes(
        &self,
        batch: &[(OutboxRow, Outcome, Attempt)],
    ) -> Result<Vec<bool>, StoreError> {
        Ok(self
            .apply_batch(batch)
            .await?
            .into_iter()
            .zip(batch)
            .map(|(r, (row, _, _))| match r {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!(outbox_id = row.id, error = %e, "recording a delivery outcome failed");
                    false
                }
            })
            .collect())
    }

    async fn record_outcome(
        &self,
        tx: &mut Tx,
        row: &OutboxRow,
        outcome: &Outcome,
        a: &Attempt,
    ) -> Result<(), StoreError> {
        let now = self.now();
        match outcome {
            // A send that happened is recorded even if the claim was taken
            // over meanwhile (the message did go out): `done` ends the row
            // for every holder. Only a row already finished is left alone.
            Outcome::Sent(sent) => {
                let n = tx
                    .execute(
                        "UPDATE outbox SET state = 'done', attempts = attempts + 1,
                            lease_until = NULL, lease_token = lease_token + 1,
                            last_error = NULL, updated_at = $2
                         WHERE id = $1 AND state = 'pending'",
                        params![row.id, now],
                    )
                    .await?;
                if n == 0 {
                    tracing::warn!(
                        outbox_id = row.id,
                        "a send finished for a row already finished by another claim"
                    );
                    return Ok(());
                }
                self.log_attempt(tx, row, "sent", a).await?;
                if let Some(mid) = row.message_id {
                    self.record_sent(tx, mid, sent, now).await?;
                    if let Some(external) = &sent.channel_message_id {
                        self.apply_parked_statuses(tx, &row.channel, mid, external)
                            .await?;
                    }
                }
            }
            // Anything short of a send is recorded only under the current
            // claim: a stale holder's late failure must not undo a newer
            // claim's `done`, nor reschedule a row someone else now holds.
            Outcome::Retry { due_at, error } => {
                let n = tx
                    .execute(
                        "UPDATE outbox SET attempts = attempts + 1, lease_until = NULL, due_at = $2,
                            last_error = $3, updated_at = $4
                         WHERE id = $1 AND lease_token = $5 AND state = 'pending'",
                        params![row.id, *due_at, error.as_str(), now, row.token],
                    )
                    .await?;
                if n == 0 {
                    return Ok(());
                }
                self.log_attempt(tx, row, "retry", a).await?;
            }
            Outcome::Failed { state, reason } => {
                let n = tx
                    .execute(
                        "UPDATE outbox SET state = $2, attempts = attempts + 1, lease_until = NULL,
                            last_error = $3, updated_at = $4
                         WHERE id = $1 AND lease_token = $5 AND state = 'pending'",
                        params![row.id, *state, reason.as_str(), now, row.token],
                    )
                    .await?;
                if n == 0 {
                    return Ok(());
                }
                self.log_attempt(tx, row, state, a).await?;
                if let Some(mid) = row.message_id {
                    self.advance_delivery(tx, mid, Delivery::Failed, Some(reason))
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Rows not yet sent or given up on; the `outbox depth` metric.
    pub async fn outbox_depth(&self) -> Result<i64, StoreError> {
        self.db
            .fetch_optional(
                "SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'",
                &[],
            )
            .await?
            .map_or(Ok(0), |r| r.i64("n"))
    }

    /// The state of a claim, read right before its row is sent: the lease
    /// end while `token` is still the row's current claim and the row is
    /// unfinished (else `None`), and whether the bot may speak in the row's
    /// conversation now (the ownership rule, for a bot message's last
    /// check).
    pub async fn claim_state(
        &self,
        id: i64,
        token: i64,
        conversation_id: i64,
    ) -> Result<Option<(i64, bool)>, StoreError> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "SELECT o.lease_until,
                    (SELECT COUNT(*) FROM conversations WHERE id = $3 AND {}) AS bot_ok
                 FROM outbox o
                 WHERE o.id = $1 AND o.lease_token = $2 AND o.state = 'pending'
                   AND o.lease_until IS NOT NULL",
                crate::conversation::bot_may_speak_sql("$4")
            )
        });
        let row = self
            .db
            .fetch_optional(&SQL, params![id, token, conversation_id, self.now()])
            .await?;
        row.map(|r| Ok((r.i64("lease_until")?, r.i64("bot_ok")? > 0)))
            .transpose()
    }
}

impl super::tx::BatchItem for (OutboxRow, Outcome, Attempt) {
    type Out = ();
    fn apply<'a>(
        &'a self,
        store: &'a Store,
        tx: &'a mut Tx,
    ) -> baton_channel::BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(store.record_outcome(tx, &self.0, &self.1, &self.2))
    }
}
