//! Group commit for any kind of write: callers submit jobs and wait for
//! their result; one task takes whatever has queued up and hands it to a
//! batch function (one transaction). Under load many small writes share a
//! commit, which on SQLite is most of the cost of a write.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use baton_channel::Inbound;
use tokio::sync::{mpsc, oneshot};

use crate::conversation::lifecycle::{TurnJob, TurnOutcome};
use crate::metrics::Metrics;
use crate::store::{Attempt, Dialect, Ingested, OutboxRow, Outcome, Store, StoreError};
use crate::writes::{Write, Written, apply_writes};

pub struct WriteQueue<J, R> {
    tx: mpsc::Sender<(J, oneshot::Sender<R>)>,
}

impl<J, R> Clone for WriteQueue<J, R> {
    fn clone(&self) -> Self {
        WriteQueue {
            tx: self.tx.clone(),
        }
    }
}

/// How long the loop waits for more jobs before committing, once it finds
/// several already waiting (the sign of load; a lone job commits at once).
/// A commit writes every page the batch touched, so fewer, larger commits
/// cost less per job. Measured with the WhatsApp benchmark (10 s runs):
///
/// | linger | webhooks/s | webhook p99 | reply p99 | writer busy | writes/commit |
/// |---|---|---|---|---|---|
/// | none   | 4,551 | 24.0 ms | 36.7 ms | 82 % | 15 |
/// | 150 µs | 4,524 | 20.5 ms | 31.9 ms | 66 % | 23 |
/// | 400 µs | 4,407 | 32.2 ms | 41.7 ms | 62 % | 30 |
const LINGER: std::time::Duration = std::time::Duration::from_micros(150);

fn linger_for(waiting: usize) -> Option<std::time::Duration> {
    (waiting > 1).then_some(LINGER)
}

/// Runs the batching loop on a thread of its own (with a one-thread
/// runtime), or as a task if no thread can be started.
///
/// Why: on SQLite a batch is synchronous work of a millisecond or so; as a
/// task it held one of the runtime's few workers for that long, stalling
/// the HTTP and routing tasks queued behind it. (On the benchmark the
/// change moved throughput within noise; it also lets the linger below be
/// a precise sleep.) The loop ends, and the thread with it, when every
/// sender is dropped.
fn run_on_own_thread(work: impl Future<Output = ()> + Send + 'static) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "no runtime for the writer thread; writing from a task");
            tokio::spawn(work);
            return;
        }
    };
    let (give, take) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("baton-writer".into())
        .spawn(move || {
            if let Ok(work) = take.recv() {
                runtime.block_on(work);
            }
        });
    match spawned {
        Ok(_) => {
            let _ = give.send(work);
        }
        Err(e) => {
            tracing::warn!(error = %e, "no writer thread; writing from a task");
            tokio::spawn(work);
        }
    }
}

impl<J: Send + 'static, R: Send + 'static> WriteQueue<J, R> {
    /// Starts the batching loop, as a task or (`own_thread`) on a thread of
    /// its own. `apply` gets up to `max` jobs and must return one result
    /// per job, in order.
    pub fn start<F, Fut>(max: usize, own_thread: bool, mut apply: F) -> Self
    where
        F: FnMut(Vec<J>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<R>> + Send,
    {
        let (tx, mut rx) = mpsc::channel::<(J, oneshot::Sender<R>)>(max * 16);
        let work = async move {
            let mut batch = Vec::with_capacity(max);
            while rx.recv_many(&mut batch, max).await > 0 {
                if let Some(linger) = linger_for(batch.len()) {
                    if own_thread {
                        // This thread is the loop's alone, and the runtime's
                        // timer only counts whole milliseconds.
                        std::thread::sleep(linger);
                    } else {
                        tokio::time::sleep(linger).await;
                    }
                    while batch.len() < max {
                        match rx.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                }
                let (jobs, waiters): (Vec<J>, Vec<oneshot::Sender<R>>) = batch.drain(..).unzip();
                let results = apply(jobs).await;
                for (waiter, result) in waiters.into_iter().zip(results) {
                    // The caller may have gone away; the write stands.
                    let _ = waiter.send(result);
                }
            }
        };
        if own_thread {
            run_on_own_thread(work);
        } else {
            tokio::spawn(work);
        }
        WriteQueue { tx }
    }

    /// Submits a job and waits for its result; `None` when the queue has
    /// shut down.
    pub async fn run(&self, job: J) -> Option<R> {
        let (done, wait) = oneshot::channel();
        self.tx.send((job, done)).await.ok()?;
        wait.await.ok()
    }
}

/// Most writes committed in one transaction.
const MAX_WRITES: usize = 512;

/// Run by the writer right after the commit that stored (or recognised)
/// an inbound message, so routing starts even if the webhook's caller has
/// gone away.
pub type IngestHook = Box<dyn Fn(&Inbound, &Ingested) + Send + Sync>;

/// The hot path's group commit: inbound messages, bot turns and delivery
/// outcomes, whatever has queued up, in one transaction. (Three queues used
/// to contend for SQLite's single write lock, each paying its own commit;
/// profiles showed commits as a third of the writer's time.)
///
/// SQLite has one writer. PostgreSQL takes several transactions at once, and
/// one writer there spent nearly all its time waiting on round trips, so it
/// gets [`POSTGRES_WRITERS`] queues. Writes are spread by customer: every
/// write about one contact's conversation (its messages, the bot's turns,
/// routed marks) goes to the same queue, in order, so batches on different
/// queues lock different contact and conversation rows and never wait on
/// (or deadlock with) each other. Spread at random, 200 concurrent posts
/// from 50 customers took 4–5 s instead of 1.3 s: lock waits and deadlock
/// timeouts. Delivery outcomes touch only their own outbox and message rows
/// and are spread by row.
#[derive(Clone)]
pub struct Writer {
    queues: Arc<[WriteQueue<Write, Result<Written, StoreError>>]>,
    on_ingested: Arc<OnceLock<IngestHook>>,
}

/// Group-commit queues on PostgreSQL (each holds a pool connection while it
/// commits; the default pool has 16).
pub const POSTGRES_WRITERS: usize = 4;

/// Which writer queue handles a customer's writes: the same for every write
/// about one contact.
pub fn contact_key(channel: baton_channel::ChannelKind, handle: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    channel.as_str().hash(&mut h);
    handle.hash(&mut h);
    h.finish()
}

fn unexpected(w: Written) -> StoreError {
    StoreError::Decode(format!("unexpected write result {w:?}"))
}

impl Writer {
    pub fn start(store: Store, metrics: Arc<Metrics>) -> Self {
        let on_ingested: Arc<OnceLock<IngestHook>> = Arc::new(OnceLock::new());
        // SQLite writes are synchronous: they get a thread of their own.
        // PostgreSQL writes wait on the network like any other task.
        let sqlite = store.dialect() == Dialect::Sqlite;
        let count = if sqlite { 1 } else { POSTGRES_WRITERS };
        let queues: Vec<_> = (0..count)
            .map(|_| Self::queue(store.clone(), metrics.clone(), on_ingested.clone(), sqlite))
            .collect();
        Writer {
            queues: queues.into(),
            on_ingested,
        }
    }

    fn queue(
        store: Store,
        metrics: Arc<Metrics>,
        hook: Arc<OnceLock<IngestHook>>,
        own_thread: bool,
    ) -> WriteQueue<Write, Result<Written, StoreError>> {
        // The hook starts routing tasks, which belong on the main runtime
        // even when the writer runs on its own thread.
        let main = tokio::runtime::Handle::current();
        WriteQueue::start(MAX_WRITES, own_thread, move |writes: Vec<Write>| {
            let (store, hook, metrics, main) =
                (store.clone(), hook.clone(), metrics.clone(), main.clone());
            async move {
                let started = std::time::Instant::now();
                let applied = apply_writes(&store, &writes).await;
                metrics.write_batch(writes.len(), started.elapsed().as_micros() as u64);
                let results = match applied {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::error!(error = %e, size = writes.len(), "a batch of writes failed");
                        let e = e.to_string();
                        return writes
                            .iter()
                            .map(|_| Err(StoreError::Unavailable(e.clone())))
                            .collect();
                    }
                };
                writes
                    .iter()
                    .zip(results)
                    .map(|(write, mut result)| {
                        if let (Write::Ingest(m), Ok(Written::Ingested(done))) =
                            (write, &mut result)
                        {
                            if let Some(hook) = hook.get() {
                                let _main = main.enter();
                                hook(m, done);
                            }
                            // The routing view went to the router; the
                            // webhook's caller only needs the ids.
                            done.view = None;
                        }
                        result
                    })
                    .collect()
            }
        })
    }

    /// Sets what runs after each stored inbound message. Once.
    pub fn on_ingested(&self, hook: IngestHook) {
        if self.on_ingested.set(hook).is_err() {
            tracing::warn!("the ingest hook was already set; keeping the first");
        }
    }

    async fn run(&self, key: u64, write: Write) -> Result<Written, StoreError> {
        self.queues[(key % self.queues.len() as u64) as usize]
            .run(write)
            .await
            .unwrap_or_else(|| {
                Err(StoreError::Unavailable(
                    "the gateway is shutting down".into(),
                ))
            })
    }

    /// Stores an inbound message; resolves once committed.
    pub async fn ingest(&self, m: Inbound) -> Result<Ingested, StoreError> {
        let key = contact_key(m.channel, &m.contact.handle);
        match self.run(key, Write::Ingest(m)).await? {
            Written::Ingested(done) => Ok(done),
            other => Err(unexpected(other)),
        }
    }

    /// Applies a bot turn; resolves once committed. `contact` is the
    /// conversation's [`contact_key`].
    pub async fn turn(&self, contact: u64, job: TurnJob) -> Result<TurnOutcome, StoreError> {
        match self.run(contact, Write::Turn(job)).await? {
            Written::Turn(outcome) => Ok(outcome),
            other => Err(unexpected(other)),
        }
    }

    /// Marks an inbound message routed without a bot turn; resolves once
    /// committed. (Each of these used to be a transaction of its own: every
    /// message to a conversation a human owns paid a commit.)
    pub async fn routed(&self, contact: u64, message_id: i64) -> Result<(), StoreError> {
        match self.run(contact, Write::Routed(message_id)).await? {
            Written::Recorded => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// Records a delivery attempt's outcome; resolves once committed.
    pub async fn outcome(
        &self,
        row: OutboxRow,
        outcome: Outcome,
        attempt: Attempt,
    ) -> Result<(), StoreError> {
        let key = row.id as u64;
        match self
            .run(key, Write::Outcome(Box::new((row, outcome, attempt))))
            .await?
        {
            Written::Recorded => Ok(()),
            other => Err(unexpected(other)),
        }
    }
}
