//! Delivery statuses reported by channels, and contact identity changes.

use baton_channel::{Delivery, StatusUpdate};

use super::{Store, StoreError, Tx};
use crate::params;

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
        for (u, raw_status) in updates.iter().zip(raw) {
            self.lock_external_id(&mut tx, u.channel.as_str(), &u.channel_message_id)
                .await?;
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
            let target = tx
                .fetch_optional(
                    "SELECT id FROM messages WHERE channel_message_id = $1 AND direction = 'out'",
                    params![u.channel_message_id.as_str()],
                )
                .await?;
            if let Some(row) = target {
                if self
                    .advance_delivery(&mut tx, row.i64("id")?, u.delivery, u.error.as_deref())
                    .await?
                {
                    moved += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(moved)
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
