//! SQLite specifics: connection setup, the single writer, decoding.
//!
//! SQLite allows one writer at a time. Rather than let many pooled
//! connections race for the write lock (each loser sleeping in SQLite's busy
//! handler), all writes go through a pool of exactly one connection: writers
//! queue fairly in-process, and readers use their own pool (WAL lets them
//! read while the writer writes).

use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::StoreError;

#[derive(Clone)]
pub struct Pools {
    pub read: SqlitePool,
    pub write: SqlitePool,
}

/// Opens (creating if missing) the database at `url`: `sqlite://path`,
/// `sqlite:path`, or a bare file path.
pub async fn connect(url: &str) -> Result<Pools, StoreError> {
    let url = if url.starts_with("sqlite:") {
        url.to_string()
    } else {
        format!("sqlite://{url}")
    };
    let options = SqliteConnectOptions::from_str(&url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        .pragma("temp_store", "memory")
        .pragma("cache_size", "-16000");
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    // No ping before each acquire: a local file connection does not go
    // stale, and the ping doubled the round trips of every statement.
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.clone())
        .await?;
    // An in-memory database exists once per connection: share the writer.
    let read = if in_memory {
        write.clone()
    } else {
        SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?
    };
    Ok(Pools { read, write })
}

/// `BEGIN IMMEDIATE` takes the write lock up front, so a transaction never
/// fails half-way on a lock upgrade. Another process (a `baton kb import`
/// beside the server) may hold it past the busy timeout; retry then.
pub async fn begin_write(pools: &Pools) -> Result<sqlx::Transaction<'static, Sqlite>, StoreError> {
    let mut delay = Duration::from_millis(20);
    for _ in 0..8 {
        match pools.write.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => return Ok(tx),
            Err(e) if is_busy(&e) => {
                tracing::warn!("database is busy; retrying in {delay:?}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(pools.write.begin_with("BEGIN IMMEDIATE").await?)
}

fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            matches!(
                db.code().as_deref(),
                Some("5" | "6" | "517" | "261" | "262")
            ) || db.message().contains("locked")
        }
        _ => false,
    }
}
