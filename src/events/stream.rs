//! One caller's event stream: the events after a cursor replayed from the
//! table, then live ones, with no gap and no duplicate between the two.
//!
//! The bus is subscribed to *before* the table is read, so an event
//! committed during the replay is either in the replay or on the bus (or
//! both: duplicates are dropped by id). Ids are not published in id order
//! (two transactions may publish in the other order than they committed,
//! and on PostgreSQL ids are handed out before commit), so duplicates are
//! recognised by the set of ids already sent, not by "id <= the last one".

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use baton_channel::BoxFuture;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, watch};

use super::Event;
use crate::store::{Store, StoreError};

/// What a caller may see. The admin sees everything ([`Everything`]); an
/// agent's implementation decides from the event (its `conversation_id`:
/// the conversation's division and assignee) — it may look them up, hence
/// async. Invisible events are skipped, and never end the stream.
pub trait Visibility: Send + Sync + 'static {
    fn visible<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, bool>;
}

/// Every event (the admin token).
pub struct Everything;

impl Visibility for Everything {
    fn visible<'a>(&'a self, _: &'a Event) -> BoxFuture<'a, bool> {
        Box::pin(async { true })
    }
}

/// How streams run; shared by all of them.
#[derive(Clone)]
pub struct StreamOptions {
    /// Also read new rows from the table this often: events committed by
    /// another instance (PostgreSQL) never reach this process's bus.
    pub poll_every: Option<Duration>,
    /// Streams end when this turns true (shutdown would otherwise wait for
    /// every open stream).
    pub stop: watch::Receiver<bool>,
}

/// Rows per replay page.
const PAGE: i64 = 500;
/// Ids remembered as sent; beyond this the oldest is forgotten and
/// anything at or below it counts as sent.
const REMEMBERED: usize = 16_384;

/// Starts a stream of the events after `after` (`None`: the events
/// committed after this call returns) that `visibility` allows. It ends
/// when the receiver is dropped, at shutdown, or when the database fails
/// (the client reconnects with its last id and loses nothing).
///
/// The stream's starting point is fixed before this returns (so before the
/// caller answers the request): an event committed once the client has
/// its response is never missed.
pub async fn start(
    store: Store,
    after: Option<i64>,
    visibility: Arc<dyn Visibility>,
    options: StreamOptions,
) -> Result<mpsc::Receiver<Event>, StoreError> {
    // Before the table is read: see the module comment.
    let live = store.events().subscribe();
    let floor = match after {
        Some(id) => id,
        None => store.last_event_id().await?,
    };
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        if let Err(e) = pump(&store, live, floor, &*visibility, options, &tx).await {
            tracing::warn!(error = %e, "event stream ended: reading events failed");
        }
    });
    Ok(rx)
}

/// Ids sent so far: everything at or below `floor`, and those in `above`.
struct Sent {
    floor: i64,
    above: BTreeSet<i64>,
}

impl Sent {
    /// Records `id`; false when it was already sent.
    fn insert(&mut self, id: i64) -> bool {
        if id <= self.floor || !self.above.insert(id) {
            return false;
        }
        while self.above.len() > REMEMBERED {
            if let Some(oldest) = self.above.pop_first() {
                self.floor = oldest;
            }
        }
        true
    }

    /// Where to read the table from: the highest id sent.
    fn cursor(&self) -> i64 {
        self.above.last().copied().unwrap_or(self.floor)
    }
}

/// Why the pump stopped on its own: the receiver went away.
struct Gone;

async fn emit(
    e: Event,
    sent: &mut Sent,
    visibility: &dyn Visibility,
    out: &mpsc::Sender<Event>,
) -> Result<(), Gone> {
    if sent.insert(e.id) && visibility.visible(&e).await {
        out.send(e).await.map_err(|_| Gone)?;
    }
    Ok(())
}

/// Sends every row after the cursor, page by page.
async fn catch_up(
    store: &Store,
    sent: &mut Sent,
    visibility: &dyn Visibility,
    out: &mpsc::Sender<Event>,
) -> Result<Result<(), Gone>, StoreError> {
    loop {
        let page = store.events_after(sent.cursor(), PAGE).await?;
        let full = page.len() as i64 == PAGE;
        for e in page {
            if emit(e, sent, visibility, out).await.is_err() {
                return Ok(Err(Gone));
            }
        }
        if !full {
            return Ok(Ok(()));
        }
    }
}

async fn pump(
    store: &Store,
    mut live: tokio::sync::broadcast::Receiver<Event>,
    floor: i64,
    visibility: &dyn Visibility,
    mut options: StreamOptions,
    out: &mpsc::Sender<Event>,
) -> Result<(), StoreError> {
    store.hooks().at(crate::hooks::Point::EventsReplay).await;
    let mut sent = Sent {
        floor,
        above: BTreeSet::new(),
    };
    if catch_up(store, &mut sent, visibility, out).await?.is_err() {
        return Ok(());
    }
    let mut poll = options.poll_every.map(|every| {
        let mut t = tokio::time::interval(every);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    loop {
        tokio::select! {
            _ = options.stop.changed() => return Ok(()),
            _ = out.closed() => return Ok(()),
            received = live.recv() => match received {
                Ok(e) => {
                    if emit(e, &mut sent, visibility, out).await.is_err() {
                        return Ok(());
                    }
                }
                // Too slow for the bus: what it dropped is in the table.
                Err(RecvError::Lagged(_)) => {
                    if catch_up(store, &mut sent, visibility, out).await?.is_err() {
                        return Ok(());
                    }
                }
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = async { if let Some(t) = poll.as_mut() { t.tick().await; } else { std::future::pending::<()>().await } } => {
                if catch_up(store, &mut sent, visibility, out).await?.is_err() {
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_ids_are_recognised_in_any_order() {
        let mut s = Sent {
            floor: 10,
            above: BTreeSet::new(),
        };
        assert!(!s.insert(10), "at or below the cursor the client gave");
        assert!(s.insert(13));
        assert!(s.insert(11), "a lower id published late is still new");
        assert!(!s.insert(13));
        assert_eq!(s.cursor(), 13);
        for id in 100..100 + REMEMBERED as i64 + 5 {
            s.insert(id);
        }
        assert_eq!(s.above.len(), REMEMBERED);
        assert!(!s.insert(12), "below what is remembered counts as sent");
    }
}
