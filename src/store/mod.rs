//! Storage: one `Store` over SQLite or PostgreSQL.
//!
//! Every query is written once (runtime SQL, `$1` placeholders) and runs on
//! both backends through [`db`]; the few places where the dialects differ
//! branch on [`Dialect`]. Domain operations live in files named for what
//! they touch: `ingest.rs`, `conversations.rs`, `outbox.rs`, `routing.rs`; `writes.rs`
//! gathers the hot path's writes into one type for group commit.

mod agents;
mod conversations;
mod db;
mod divisions;
mod events;
mod ingest;
mod kb;
mod migrate;
mod outbox;
mod postgres;
mod presence;
mod routing;
mod sqlite;
mod states;
mod statuses;
mod task_queries;
mod tasks;
mod timers;
pub use statuses::MAX_PARKED_PER_BATCH;
mod tx;

use std::sync::Arc;

pub use agents::{AgentAuth, AgentError, AgentPatch, AgentRecord, AgentRow, DivisionRef, NewAgent};
pub use conversations::{AgentScope, ConversationFilter, RoutingView};
pub use db::{Db, DbRow, DbTx, Dialect, Param};
pub use ingest::{Ingested, ROUTING_HISTORY, StartedConversation, StoredInbound};
pub use kb::KbVersion;
pub use outbox::{Attempt, NewOutbound, OutboxRow, Outcome};
pub use presence::{PRESENCE_CHANGED, is_away};
pub use routing::UnroutedMessage;
pub use states::{ConversationState, DivisionOverrides, HandoverRecord};
pub use task_queries::TaskFilter;
pub use tasks::{NewTask, Task};
pub use timers::OverdueTask;
pub use tx::{BatchItem, Tx};

use crate::conversation::Clock;
use crate::events::EventBus;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("unexpected data in the database: {0}")]
    Decode(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("migration {0} failed: {1}")]
    Migration(String, String),
    /// A whole batch failed (the database is unreachable, say), or the
    /// writer has stopped: every write of it gets this.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

/// How the store connects.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    /// PostgreSQL pool size.
    pub max_connections: u32,
    /// How long a PostgreSQL query waits for a connection before failing
    /// (while the database is down, callers get an error fast instead of
    /// hanging).
    pub acquire_timeout: std::time::Duration,
    pub sqlite_sync: SqliteSync,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            max_connections: 16,
            acquire_timeout: std::time::Duration::from_secs(1),
            sqlite_sync: SqliteSync::Full,
        }
    }
}

/// When a SQLite commit reaches the disk (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// Every commit is on disk before it returns (the write-ahead log is
    /// synced): an acknowledged webhook survives a power loss.
    #[default]
    Full,
    /// Commits reach the disk at checkpoints: safe against a crash of the
    /// process, but a power loss may drop the last transactions.
    Normal,
}

impl SqliteSync {
    pub fn pragma(self) -> &'static str {
        match self {
            SqliteSync::Full => "FULL",
            SqliteSync::Normal => "NORMAL",
        }
    }
}

impl std::str::FromStr for SqliteSync {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(SqliteSync::Full),
            "normal" => Ok(SqliteSync::Normal),
            other => Err(format!("`{other}` is neither `full` nor `normal`")),
        }
    }
}

/// Baton's storage. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Db,
    clock: Arc<dyn Clock>,
    bus: EventBus,
    hooks: crate::hooks::Hooks,
    /// Which events become webhook outbox rows (`None`: no webhook).
    webhook: Option<Arc<crate::events::WebhookKinds>>,
}

impl Store {
    /// Connects to `url` (`postgres://…` selects PostgreSQL, anything else
    /// is a SQLite file) and brings the schema up to date.
    pub async fn open(
        url: &str,
        max_connections: u32,
        clock: Arc<dyn Clock>,
    ) -> Result<Store, StoreError> {
        let options = OpenOptions {
            max_connections,
            ..OpenOptions::default()
        };
        Self::open_with(url, &options, clock).await
    }

    /// [`Self::open`] with every connection setting chosen.
    pub async fn open_with(
        url: &str,
        options: &OpenOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Store, StoreError> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Db::Postgres(postgres::connect(url, options).await?)
        } else {
            Db::Sqlite(sqlite::connect(url, options.sqlite_sync).await?)
        };
        let store = Store {
            db,
            clock,
            bus: EventBus::new(),
            hooks: crate::hooks::Hooks::default(),
            webhook: None,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Test pause points, shared by everything holding this store.
    #[doc(hidden)]
    pub fn with_hooks(mut self, hooks: crate::hooks::Hooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// Queues a webhook outbox row for every committed event `kinds` wants,
    /// in the transaction that records the event. Set once at startup.
    pub fn with_events_webhook(mut self, kinds: crate::events::WebhookKinds) -> Self {
        self.webhook = Some(Arc::new(kinds));
        self
    }

    #[doc(hidden)]
    pub fn hooks(&self) -> &crate::hooks::Hooks {
        &self.hooks
    }

    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn events(&self) -> &EventBus {
        &self.bus
    }

    /// Begins a write transaction whose events publish on commit.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(Tx::new(
            self.db.begin_write().await?,
            self.bus.clone(),
            self.webhook.clone(),
        ))
    }

    /// Frees routing and outbox leases (see `app::run_with` for why only
    /// on SQLite).
    pub async fn release_leases_after_restart(&self) -> Result<(), StoreError> {
        if self.dialect() != Dialect::Sqlite {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        tx.execute(
            "UPDATE messages SET route_lease_until = 0
             WHERE routed_at IS NULL AND direction = 'in'",
            &[],
        )
        .await?;
        tx.execute(
            "UPDATE outbox SET lease_until = NULL WHERE state = 'pending'",
            &[],
        )
        .await?;
        tx.commit().await
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await
    }

    pub async fn close(&self) {
        self.db.close().await
    }

    /// Direct access for the few modules that own tables of their own.
    pub fn db(&self) -> &Db {
        &self.db
    }
}
