//! Group commit for any kind of write: callers submit jobs and wait for
//! their result; one task takes whatever has queued up and hands it to a
//! batch function (one transaction). Under load many small writes share a
//! commit, which on SQLite is most of the cost of a write.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

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

impl<J: Send + 'static, R: Send + 'static> WriteQueue<J, R> {
    /// Starts the batching task. `apply` gets up to `max` jobs and must
    /// return one result per job, in order.
    pub fn start<F, Fut>(max: usize, mut apply: F) -> Self
    where
        F: FnMut(Vec<J>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<R>> + Send,
    {
        let (tx, mut rx) = mpsc::channel::<(J, oneshot::Sender<R>)>(max * 16);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max);
            while rx.recv_many(&mut batch, max).await > 0 {
                let (jobs, waiters): (Vec<J>, Vec<oneshot::Sender<R>>) = batch.drain(..).unzip();
                let results = apply(jobs).await;
                for (waiter, result) in waiters.into_iter().zip(results) {
                    // The caller may have gone away; the write stands.
                    let _ = waiter.send(result);
                }
            }
        });
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
