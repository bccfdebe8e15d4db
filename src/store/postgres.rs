//! PostgreSQL specifics: connection setup and decoding. Transactions use
//! PostgreSQL's row locks (`FOR UPDATE SKIP LOCKED` in the claim queries),
//! so several Baton instances can share one database.

use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions, PgRow};
use sqlx::{Executor, Postgres, Row};

use super::{DbRow, OpenOptions, Param, StoreError};

pub async fn connect(url: &str, options: &OpenOptions) -> Result<PgPool, StoreError> {
    Ok(PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        .connect(url)
        .await?)
}

fn bind<'q>(
    sql: &'q str,
    params: &'q [Param<'q>],
) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    let mut q = sqlx::query(sql);
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.as_deref()),
        };
    }
    q
}

pub async fn fetch_all<'e, E>(e: E, sql: &str, p: &[Param<'_>]) -> Result<Vec<DbRow>, StoreError>
where
    E: Executor<'e, Database = Postgres>,
{
    let rows = e.fetch_all(bind(sql, p)).await?;
    Ok(rows.into_iter().map(DbRow::Postgres).collect())
}

pub async fn execute<'e, E>(e: E, sql: &str, p: &[Param<'_>]) -> Result<u64, StoreError>
where
    E: Executor<'e, Database = Postgres>,
{
    Ok(e.execute(bind(sql, p)).await?.rows_affected())
}

pub fn get<T>(row: &PgRow, col: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(col)
        .map_err(|e| StoreError::Decode(format!("column {col}: {e}")))
}
