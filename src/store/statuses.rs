//! Delivery statuses reported by channels, and contact identity changes.

use baton_channel::{Delivery, StatusUpdate};

use super::{Store, StoreError, Tx};
use crate::params;

/// Statuses one batch may park for sends not recorded yet. A status only
/// outruns the recording of its own send, so a real batch parks a few; a
/// body of hundreds of unknown ids would otherwise be stored row for row.
pub const MAX_PARKED_PER_BATCH: usize = 64;

impl Store {
    /// Applies a batch of statuses in one transaction. Each (id, status) is
    /// applied once; progress never moves backwards; a status for a message
    /// whose send is not recorded yet is kept and applied when it is.
    /// Returns how many moved a message forward.
    pub async fn apply_statuses(
        &self,
        updates: &[StatusUpdate],
        raw: &[&str],
    ) -> Result<usize, StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut moved = 0;
        let (mut parked, mut dropped) = (0, 0);
        // Every id's lock first, in one order: two webhooks naming the same
        // ids in different orders would otherwise wait on each other.
        let mut ids: Vec<(&str, &str)> = updates
            .iter()
            .map(|u| (u.channel.as_str(), u.channel_message_id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for (channel, id) in ids {
            self.lock_external_id(&mut tx, channel, id).await?;
        }
        for (u, raw_status) in updates.iter().zip(raw) {
            let target = tx
                .fetch_optional(
                    "SELECT id FROM messages WHERE channel_message_id = $1 AND direction = 'out'",
                    params![u.channel_message_id.as_str()],
                )
                .await?
                .map(|r| r.i64("id"))
                .transpose()?;
            let target = match (target, &u.idempotency_key) {
                (None, Some(key)) => self.settle_by_key(&mut tx, u, key, now).await?,
                (target, _) => target,
            };
            if target.is_none() && parked >= MAX_PARKED_PER_BATCH {
                dropped += 1;
                continue;
            }
            let fresh = tx
                .fetch_optional(
                    "INSERT INTO status_receipts (channel, external_id, status, delivery, error, received_at)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING status",
                    params![u.channel.as_str(), u.channel_message_id.as_str(), *raw_status, u.delivery.as_str(), &u.error, now],
                )
                .await?;
            if fresh.is_none() {
                continue;
            }
            if target.is_none() {
                parked += 1;
            }
            if let Some(id) = target {
                if self
                    .advance_delivery(&mut tx, id, u.delivery, u.error.as_deref())
                    .await?
                {
                    moved += 1;
                }
            }
        }
        tx.commit().await?;
        if dropped > 0 {
            tracing::warn!(
                dropped,
                kept = parked,
                "statuses for messages this gateway has not sent; only the first were kept"
            );
        }
        Ok(moved)
    }

    /// Deletes receipts nobody needs any more: statuses parked for a send
    /// that was never recorded (a status outruns its send by moments, so
    /// after `parked_ms` it never will be), and every receipt older than
    /// `kept_ms` (Meta stops retrying a webhook after seven days; a later
    /// replay could only repeat progress, which never moves backwards).
    /// Returns how many were deleted.
    pub async fn prune_status_receipts(
        &self,
        parked_ms: i64,
        kept_ms: i64,
    ) -> Result<u64, StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let parked = tx
            .execute(
                "DELETE FROM status_receipts WHERE received_at < $1 AND NOT EXISTS (
                    SELECT 1 FROM messages m
                    WHERE m.channel_message_id = status_receipts.external_id AND m.direction = 'out')",
                params![now - parked_ms],
            )
            .await?;
        let old = tx
            .execute(
                "DELETE FROM status_receipts WHERE received_at < $1",
                params![now - kept_ms],
            )
            .await?;
        tx.commit().await?;
        Ok(parked + old)
    }

    /// A status names our send by its idempotency key while the send's own
    /// answer (with the provider's id) never reached us — it timed out, or
    /// the connection dropped after the request left. The provider has the
    /// message: record its id and finish the outbox row, so the retry
    /// waiting for this confirmation never duplicates it. Returns the
    /// message the status is about.
    async fn settle_by_key(
        &self,
        tx: &mut Tx,
        u: &StatusUpdate,
        key: &str,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        // The id is taken only by a message still without one (checked in
        // the same statement, so a retry's send recorded concurrently keeps
        // its own id).
        let Some(row) = tx
            .fetch_optional(
                "UPDATE messages SET channel_message_id = $3, updated_at = $4
                 WHERE id = (SELECT message_id FROM outbox WHERE idempotency_key = $1 AND channel = $2)
                   AND channel_message_id IS NULL
                 RETURNING id",
                params![key, u.channel.as_str(), u.channel_message_id.as_str(), now],
            )
            .await?
        else {
            return Ok(None);
        };
        let message_id = row.i64("id")?;
        // A row still waiting to be retried is finished: the provider has
        // the message. (One given up on or dropped keeps its state.)
        let settled = tx
            .execute(
                "UPDATE outbox SET state = 'done', lease_until = NULL,
                    lease_token = lease_token + 1, last_error = NULL, updated_at = $2
                 WHERE idempotency_key = $1 AND state = 'pending'",
                params![key, now],
            )
            .await?;
        if settled == 1 {
            tracing::info!(
                message_id,
                "a send whose answer was lost was confirmed by the provider's status"
            );
        }
        let sent = baton_channel::Sent {
            channel_message_id: Some(u.channel_message_id.clone()),
            delivery: Delivery::Sent,
            detail: None,
        };
        self.record_sent(tx, message_id, &sent, now).await?;
        Ok(Some(message_id))
    }

    /// After a send recorded its provider id: statuses that raced ahead of
    /// it are applied now.
    pub(super) async fn apply_parked_statuses(
        &self,
        tx: &mut Tx,
        channel: &str,
        message_id: i64,
        external_id: &str,
    ) -> Result<(), StoreError> {
        self.lock_external_id(tx, channel, external_id).await?;
        // Keyed like the table's primary key, so this is an index lookup.
        let parked = tx
            .fetch_all(
                "SELECT delivery, error FROM status_receipts WHERE channel = $1 AND external_id = $2",
                params![channel, external_id],
            )
            .await?;
        for row in parked {
            let delivery: Delivery = row.parse("delivery")?;
            let error = row.opt_text("error")?;
            self.advance_delivery(tx, message_id, delivery, error.as_deref())
                .await?;
        }
        Ok(())
    }

    /// On PostgreSQL a status and the recording of its send's provider id
    /// can run in concurrent transactions, neither seeing the other's
    /// uncommitted rows: the status would be parked after the send looked
    /// for parked ones, and never applied. Both take this lock on the id
    /// before looking, so whichever comes second sees what the first
    /// committed. (SQLite has one writer; nothing runs concurrently.)
    async fn lock_external_id(
        &self,
        tx: &mut Tx,
        channel: &str,
        external_id: &str,
    ) -> Result<(), StoreError> {
        if self.dialect() == super::Dialect::Postgres {
            // Two-key form: a key space apart from the migration lock's.
            tx.execute(
                "SELECT pg_advisory_xact_lock(4242002, hashtext($1 || ':' || $2))",
                params![channel, external_id],
            )
            .await?;
        }
        Ok(())
    }

    /// A customer changed their number (or user id): their contact follows.
    /// When the new identity already has a contact, both are kept and the
    /// change is only logged (merging histories is an agent's decision).
    pub async fn change_contact_handle(
        &self,
        channel: &str,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let taken = tx
            .fetch_optional(
                "SELECT id FROM contacts WHERE channel = $1 AND handle = $2",
                params![channel, new],
            )
            .await?
            .is_some();
        if taken {
            tracing::warn!(
                channel,
                "contact changed identity to one that already exists; not merged"
            );
            return Ok(false);
        }
        let n = tx
            .execute(
                "UPDATE contacts SET handle = $3, updated_at = $4 WHERE channel = $1 AND handle = $2",
                params![channel, old, new, now],
            )
            .await?;
        tx.event(
            "contact.updated",
            None,
            serde_json::json!({"channel": channel, "old_handle": old, "new_handle": new}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(n > 0)
    }
}
