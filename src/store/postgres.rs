//! PostgreSQL specifics: connection setup and decoding. Transactions use
//! PostgreSQL's row locks (`FOR UPDATE SKIP LOCKED` in the claim queries),
//! so several Baton instances can share one database.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::StoreError;

pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?)
}
