//! The thin layer that lets one set of SQL serve both backends.
//!
//! Queries are plain runtime SQL with `$1` placeholders, which SQLite and
//! PostgreSQL both accept. Parameters are a small closed set of types
//! ([`Param`]) and rows are read through [`DbRow`], so the store's domain
//! code is written once; `sqlite.rs` (rusqlite, statements run in place) and
//! `postgres.rs` (sqlx) hold what really differs.

use std::borrow::Cow;

use super::{StoreError, postgres, sqlite};

/// Which SQL dialect a query is for, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A bound parameter. Nulls carry their type because PostgreSQL insists.
#[derive(Debug, Clone)]
pub enum Param<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(Some(v))
    }
}
impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        Param::Int(v)
    }
}
impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Int(Some(v as i64))
    }
}
impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(Some(Cow::Borrowed(v)))
    }
}
impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(Some(Cow::Borrowed(v.as_str())))
    }
}
impl From<String> for Param<'_> {
    fn from(v: String) -> Self {
        Param::Text(Some(Cow::Owned(v)))
    }
}
impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Param::Text(v.map(Cow::Borrowed))
    }
}
impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Param::Text(v.as_deref().map(Cow::Borrowed))
    }
}
impl From<Option<String>> for Param<'_> {
    fn from(v: Option<String>) -> Self {
        Param::Text(v.map(Cow::Owned))
    }
}

/// `params![a, b, c]` builds a parameter list from values of mixed types.
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::store::Param::from($v)),*][..] };
}

/// A result row from either backend.
pub enum DbRow {
    Sqlite(sqlite::LiteRow),
    Postgres(sqlx::postgres::PgRow),
}

impl DbRow {
    pub fn opt_i64(&self, col: &str) -> Result<Option<i64>, StoreError> {
        match self {
            DbRow::Sqlite(r) => r.opt_i64(col),
            DbRow::Postgres(r) => postgres::get(r, col),
        }
    }

    pub fn i64(&self, col: &str) -> Result<i64, StoreError> {
        self.opt_i64(col)?
            .ok_or_else(|| StoreError::Decode(format!("column {col} is NULL")))
    }

    pub fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        match self {
            DbRow::Sqlite(r) => r.opt_text(col),
            DbRow::Postgres(r) => postgres::get(r, col),
        }
    }

    pub fn text(&self, col: &str) -> Result<String, StoreError> {
        self.opt_text(col)?
            .ok_or_else(|| StoreError::Decode(format!("column {col} is NULL")))
    }

    /// A text column holding a closed vocabulary (status, kind…).
    pub fn parse<T: std::str::FromStr<Err = String>>(&self, col: &str) -> Result<T, StoreError> {
        self.text(col)?.parse().map_err(StoreError::Decode)
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self, col: &str) -> Result<Option<T>, StoreError> {
        match self.opt_text(col)? {
            None => Ok(None),
            Some(s) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|e| StoreError::Decode(format!("column {col}: {e}"))),
        }
    }
}

/// The connection pools of one backend.
#[derive(Clone)]
pub enum Db {
    Sqlite(sqlite::Pools),
    Postgres(sqlx::PgPool),
}

/// An open write transaction; dropped without `commit` it rolls back.
pub enum DbTx {
    Sqlite(sqlite::LiteTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Db {
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    pub async fn fetch_all(&self, sql: &str, p: &[Param<'_>]) -> Result<Vec<DbRow>, StoreError> {
        match self {
            Db::Sqlite(pools) => Ok(pools
                .fetch_all(sql, p)
                .await?
                .into_iter()
                .map(DbRow::Sqlite)
                .collect()),
            Db::Postgres(pool) => postgres::fetch_all(pool, sql, p).await,
        }
    }

    pub async fn fetch_optional(
        &self,
        sql: &str,
        p: &[Param<'_>],
    ) -> Result<Option<DbRow>, StoreError> {
        Ok(self.fetch_all(sql, p).await?.into_iter().next())
    }

    /// Several reads at once, each query's rows in order: on SQLite from one
    /// snapshot (one read transaction), on PostgreSQL over one connection.
    pub async fn read_batch(
        &self,
        queries: &[(&str, &[Param<'_>])],
    ) -> Result<Vec<Vec<DbRow>>, StoreError> {
        match self {
            Db::Sqlite(pools) => Ok(pools
                .read_batch(queries)
                .await?
                .into_iter()
                .map(|rows| rows.into_iter().map(DbRow::Sqlite).collect())
                .collect()),
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                let mut out = Vec::with_capacity(queries.len());
                for (sql, p) in queries {
                    out.push(postgres::fetch_all(&mut *conn, sql, p).await?);
                }
                Ok(out)
            }
        }
    }

    /// A single-statement write, in its own transaction.
    pub async fn execute(&self, sql: &str, p: &[Param<'_>]) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = tx.execute(sql, p).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Begins a write transaction. On SQLite this is `BEGIN IMMEDIATE` on the
    /// single writer connection, retried while another process holds the
    /// lock, so callers never see "database is locked".
    pub async fn begin_write(&self) -> Result<DbTx, StoreError> {
        match self {
            Db::Sqlite(pools) => pools.begin_write().await.map(DbTx::Sqlite),
            Db::Postgres(pool) => Ok(DbTx::Postgres(pool.begin().await?)),
        }
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.fetch_all("SELECT 1 AS one", &[]).await.map(|_| ())
    }

    pub async fn close(&self) {
        match self {
            // SQLite connections close when the last handle is dropped.
            Db::Sqlite(_) => {}
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl DbTx {
    pub async fn fetch_all(
        &mut self,
        sql: &str,
        p: &[Param<'_>],
    ) -> Result<Vec<DbRow>, StoreError> {
        match self {
            DbTx::Sqlite(tx) => Ok(tx
                .fetch_all(sql, p)?
                .into_iter()
                .map(DbRow::Sqlite)
                .collect()),
            DbTx::Postgres(tx) => postgres::fetch_all(&mut **tx, sql, p).await,
        }
    }

    pub async fn fetch_optional(
        &mut self,
        sql: &str,
        p: &[Param<'_>],
    ) -> Result<Option<DbRow>, StoreError> {
        Ok(self.fetch_all(sql, p).await?.into_iter().next())
    }

    pub async fn fetch_one(&mut self, sql: &str, p: &[Param<'_>]) -> Result<DbRow, StoreError> {
        self.fetch_optional(sql, p)
            .await?
            .ok_or_else(|| StoreError::Decode("query returned no row".into()))
    }

    pub async fn execute(&mut self, sql: &str, p: &[Param<'_>]) -> Result<u64, StoreError> {
        match self {
            DbTx::Sqlite(tx) => tx.execute(sql, p),
            DbTx::Postgres(tx) => postgres::execute(&mut **tx, sql, p).await,
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            DbTx::Sqlite(tx) => tx.commit()?,
            DbTx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Runs several `;`-separated statements without parameters.
    pub async fn execute_script(&mut self, sql: &str) -> Result<(), StoreError> {
        match self {
            DbTx::Sqlite(tx) => tx.execute_script(sql)?,
            DbTx::Postgres(tx) => {
                sqlx::Executor::execute(&mut **tx, sql).await?;
            }
        }
        Ok(())
    }
}
