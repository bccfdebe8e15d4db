//! Schema migrations, embedded in the binary: one file per change under
//! `migrations/sqlite` and `migrations/postgres`, the same names in both.

use super::{Db, Dialect, Store, StoreError};

struct Migration {
    version: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($name:literal) => {
        Migration {
            version: $name,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../../migrations/postgres/", $name, ".sql")),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!("0001_init"),
    migration!("0002_kb"),
    migration!("0003_status_receipts"),
    migration!("0004_outbox_fencing"),
    migration!("0005_status_receipts_age"),
    migration!("0006_handover"),
];

impl Store {
    /// Applies every migration not yet applied, each in its own transaction.
    /// Safe to run from several instances at once: PostgreSQL serializes
    /// them on an advisory lock, SQLite on its write lock.
    pub async fn migrate(&self) -> Result<Vec<&'static str>, StoreError> {
        self.db
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                &[],
            )
            .await?;
        let mut applied = Vec::new();
        for m in MIGRATIONS {
            if self.apply(m).await? {
                applied.push(m.version);
            }
        }
        Ok(applied)
    }

    async fn apply(&self, m: &Migration) -> Result<bool, StoreError> {
        let mut tx = self.db.begin_write().await?;
        if self.db.dialect() == Dialect::Postgres {
            // Any constant key; it only has to be the same for every instance.
            tx.execute("SELECT pg_advisory_xact_lock(4242001)", &[])
                .await?;
        }
        let done = tx
            .fetch_optional(
                "SELECT version FROM schema_migrations WHERE version = $1",
                crate::params![m.version],
            )
            .await?;
        if done.is_some() {
            return Ok(false);
        }
        let script = match self.db {
            Db::Sqlite(_) => m.sqlite,
            Db::Postgres(_) => m.postgres,
        };
        tx.execute_script(script)
            .await
            .map_err(|e| StoreError::Migration(m.version.into(), e.to_string()))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
            crate::params![m.version, self.now()],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, "applied migration");
        Ok(true)
    }
}
