//! SQLite: connection setup, the single writer, statements, rows.
//!
//! SQLite is a library, not a server: a statement takes microseconds. Going
//! through an async driver's worker thread costs two thread handoffs per
//! statement, which on a small machine dominated everything (profiled: ~60 %
//! of the gateway's CPU in context switches). So statements run directly,
//! synchronously, on the calling task — short enough not to stall the
//! runtime — over rusqlite.
//!
//! SQLite allows one writer at a time. All writes go through one connection
//! behind an async mutex: writers queue fairly in-process (no busy-waiting
//! in SQLite's busy handler), take `BEGIN IMMEDIATE`, and never see
//! "database is locked" from each other. Readers use their own connections
//! (WAL lets them read while the writer writes).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, ffi};
use tokio::sync::OwnedMutexGuard;

use super::{Param, SqliteSync, StoreError};

/// How many read connections: one per core the runtime can read from at
/// once (WAL readers do not block each other), between 2 and 8. Each keeps
/// its own page cache, so more than the runtime can use is only memory.
fn readers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

#[derive(Clone)]
pub struct Pools {
    write: Arc<tokio::sync::Mutex<Connection>>,
    /// Empty for an in-memory database (one connection serves both).
    read: Arc<Vec<Mutex<Connection>>>,
    next: Arc<AtomicUsize>,
}

fn path_of(url: &str) -> (String, bool) {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path).to_string();
    let memory = path.is_empty() || path.contains(":memory:") || url.contains("mode=memory");
    (path, memory)
}

fn open(
    path: &str,
    memory: bool,
    read_only: bool,
    sync: SqliteSync,
) -> Result<Connection, StoreError> {
    let conn = if memory {
        Connection::open_in_memory()?
    } else if read_only {
        Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?
    } else {
        Connection::open(path)?
    };
    // Short: statements run on the async runtime's threads, so SQLite's own
    // busy wait must not block one for long. A writer waiting for another
    // process retries `BEGIN IMMEDIATE` with async sleeps instead.
    conn.busy_timeout(Duration::from_millis(if read_only { 1000 } else { 100 }))?;
    conn.set_prepared_statement_cache_capacity(256);
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    // Only the writer commits; `FULL` syncs the write-ahead log at each
    // commit, which the group commit shares among all the writes it holds.
    conn.pragma_update(None, "synchronous", sync.pragma())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // The writer's cache stays valid across its own commits, so it is
    // large. A reader's cache is thrown away whenever it starts a read after
    // any commit (and throwing it away walks all of it), so readers keep a
    // small one and let the OS page cache do the rest. (Memory-mapping was
    // tried: it moved the cost to remapping as the file grew, and mapped
    // pages count against the process's resident memory.)
    let cache_kib = if read_only { 2_000 } else { 8_000 };
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    Ok(conn)
}

/// Turns off SQLite's allocation statistics before the library starts. With
/// them on (the bundled build's default), every allocation SQLite makes
/// takes one process-wide mutex, which profiles showed as lock traffic on
/// every statement. Must run before the first connection opens; later it
/// is refused harmlessly (SQLITE_MISUSE), so a second call does nothing.
fn configure_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is documented as safe to call before
        // sqlite3_initialize and takes one int for MEMSTATUS; the Once keeps
        // it from racing itself, and it opens no connection.
        let rc =
            unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::os::raw::c_int) };
        if rc != ffi::SQLITE_OK {
            tracing::debug!(
                rc,
                "SQLite was already initialised; allocation statistics stay on"
            );
        }
    });
}

/// Opens (creating if missing) the database at `url`: `sqlite://path`,
/// `sqlite:path`, or a bare file path.
pub async fn connect(url: &str, sync: SqliteSync) -> Result<Pools, StoreError> {
    configure_library();

    let (path, memory) = path_of(url);
    let write = open(&path, memory, false, sync)?;
    let mut read = Vec::new();
    if !memory {
        // Checkpoints run on their own thread (below); the writer's own
        // automatic checkpoint stays only as a backstop, far out.
        write.pragma_update(None, "wal_autocheckpoint", BACKSTOP_CHECKPOINT_PAGES)?;
        for _ in 0..readers() {
            read.push(Mutex::new(open(&path, false, true, sync)?));
        }
    }
    let pools = Pools {
        write: Arc::new(tokio::sync::Mutex::new(write)),
        read: Arc::new(read),
        next: Arc::new(AtomicUsize::new(0)),
    };
    if !memory {
        spawn_checkpointer(
            open(&path, false, false, sync)?,
            Arc::downgrade(&pools.read),
        );
    }
    Ok(pools)
}

/// How often the background thread copies the write-ahead log back into
/// the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// The writer checkpoints by itself only if the log grows past this many
/// pages (about 80 MiB), i.e. if the background thread stopped keeping up.
const BACKSTOP_CHECKPOINT_PAGES: i64 = 20_000;

/// Checkpointing on a thread of its own. SQLite's automatic checkpoint runs
/// inside whichever COMMIT crosses the threshold, on the one writer
/// connection: everything queued behind the write lock then waits for page
/// copies and an fsync. A passive checkpoint from another connection does
/// the same work without blocking the writer or readers. The thread stops
/// once the pools it serves are gone.
fn spawn_checkpointer(conn: Connection, alive: std::sync::Weak<Vec<Mutex<Connection>>>) {
    let spawned = std::thread::Builder::new()
        .name("baton-checkpoint".into())
        .spawn(move || {
            while alive.strong_count() > 0 {
                std::thread::sleep(CHECKPOINT_EVERY);
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    if !is_busy(&e) {
                        tracing::warn!(error = %e, "background WAL checkpoint failed");
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the checkpoint thread; the writer will checkpoint");
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked)
    )
}

/// A unique-constraint violation (e.g. a duplicate division name).
pub fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
        || f.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

/// A result row, with its values copied out of SQLite.
pub struct LiteRow {
    columns: Arc<Vec<String>>,
    values: Vec<Value>,
}

impl LiteRow {
    fn value(&self, col: &str) -> Result<&Value, StoreError> {
        self.columns
            .iter()
            .position(|c| c == col)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| StoreError::Decode(format!("no column {col}")))
    }

    pub fn opt_i64(&self, col: &str) -> Result<Option<i64>, StoreError> {
        match self.value(col)? {
            Value::Null => Ok(None),
            Value::Integer(i) => Ok(Some(*i)),
            Value::Real(f) => Ok(Some(*f as i64)),
            other => Err(StoreError::Decode(format!(
                "column {col}: expected an integer, found {other:?}"
            ))),
        }
    }

    pub fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        match self.value(col)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            Value::Integer(i) => Ok(Some(i.to_string())),
            other => Err(StoreError::Decode(format!(
                "column {col}: expected text, found {other:?}"
            ))),
        }
    }
}

fn bind_and_run(
    conn: &Connection,
    sql: &str,
    params: &[Param<'_>],
    rows: bool,
) -> Result<(Vec<LiteRow>, u64), StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    // `$N` placeholders are named parameters to SQLite, numbered in order
    // of first appearance; bind each to the N-th value.
    for i in 1..=stmt.parameter_count() {
        let n: usize = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$').or_else(|| name.strip_prefix('?')))
            .and_then(|n| n.parse().ok())
            .unwrap_or(i);
        let p = params
            .get(n - 1)
            .ok_or_else(|| StoreError::Decode(format!("no value for parameter ${n}")))?;
        match p {
            Param::Int(v) => stmt.raw_bind_parameter(i, v)?,
            Param::Text(v) => stmt.raw_bind_parameter(i, v.as_deref())?,
        }
    }
    if !rows {
        let n = stmt.raw_execute()?;
        return Ok((Vec::new(), n as u64));
    }
    let columns: Arc<Vec<String>> =
        Arc::new(stmt.column_names().iter().map(|c| c.to_string()).collect());
    let width = columns.len();
    let mut out = Vec::new();
    let mut query = stmt.raw_query();
    while let Some(row) = query.next()? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(row.get::<_, Value>(i)?);
        }
        out.push(LiteRow {
            columns: columns.clone(),
            values,
        });
    }
    Ok((out, 0))
}

impl Pools {
    /// A read outside any transaction.
    pub async fn fetch_all(&self, sql: &str, p: &[Param<'_>]) -> Result<Vec<LiteRow>, StoreError> {
        self.with_reader(|conn| bind_and_run(conn, sql, p, true).map(|r| r.0))
            .await
    }

    /// Several reads in one read transaction: one consistent snapshot, and
    /// one shared-lock acquisition instead of one per statement (after a
    /// commit, starting a read revalidates the connection's cache, which is
    /// the expensive part of a small read).
    pub async fn read_batch(
        &self,
        queries: &[(&str, &[Param<'_>])],
    ) -> Result<Vec<Vec<LiteRow>>, StoreError> {
        self.with_reader(|conn| {
            conn.execute_batch("BEGIN")?;
            let out = queries
                .iter()
                .map(|(sql, p)| bind_and_run(conn, sql, p, true).map(|r| r.0))
                .collect::<Result<Vec<_>, _>>();
            // A read transaction has nothing to undo; ending it either way
            // releases the snapshot.
            let end = conn.execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
            let out = out?;
            end?;
            Ok(out)
        })
        .await
    }

    /// Runs `f` on a read connection: any free one, else the next in turn.
    async fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.read.is_empty() {
            let conn = self.write.lock().await;
            return f(&conn);
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for k in 0..self.read.len() {
            if let Ok(conn) = self.read[(start + k) % self.read.len()].try_lock() {
                return f(&conn);
            }
        }
        let conn = self.read[start % self.read.len()]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&conn)
    }

    /// `BEGIN IMMEDIATE` takes the write lock up front, so a transaction never
    /// fails half-way on a lock upgrade. Another process (a `baton kb
    /// import` beside the server) may hold it past the busy timeout; retry.
    pub async fn begin_write(&self) -> Result<LiteTx, StoreError> {
        let conn = self.write.clone().lock_owned().await;
        let mut delay = Duration::from_millis(20);
        for attempt in 0..12 {
            match conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => return Ok(LiteTx { conn, open: true }),
                Err(e) if is_busy(&e) && attempt < 11 => {
                    tracing::warn!("database is busy; retrying in {delay:?}");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Decode(
            "unreachable: BEGIN retries exhausted".into(),
        ))
    }
}

/// An open write transaction; dropped without `commit` it rolls back.
pub struct LiteTx {
    conn: OwnedMutexGuard<Connection>,
    open: bool,
}

impl LiteTx {
    pub fn fetch_all(&mut self, sql: &str, p: &[Param<'_>]) -> Result<Vec<LiteRow>, StoreError> {
        bind_and_run(&self.conn, sql, p, true).map(|r| r.0)
    }

    pub fn execute(&mut self, sql: &str, p: &[Param<'_>]) -> Result<u64, StoreError> {
        bind_and_run(&self.conn, sql, p, false).map(|r| r.1)
    }

    pub fn execute_script(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.conn.execute_batch(sql)?)
    }

    pub fn commit(mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for LiteTx {
    fn drop(&mut self) {
        if self.open {
            // An error or a cancelled task: undo, and leave the connection
            // clean for the next writer.
            if let Err(e) = self.conn.execute_batch("ROLLBACK") {
                tracing::error!(error = %e, "rolling back a SQLite transaction failed");
            }
        }
    }
}
