//! Named pause points for tests of races. A test arms a point; the code
//! that reaches it tells the test and waits until the test releases it, so
//! "an agent takes over while a reply is held" happens exactly there,
//! instead of inside a timing window the test hopes to hit. In production
//! no point is armed and reaching one costs a branch on `None`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

/// Where the code may be paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Point {
    /// The delivery worker holds a send slot and has waited out pacing;
    /// next it re-checks who owns the conversation, then sends.
    OutboxPaced,
    /// A delivery outcome has been written inside its transaction (with
    /// the provider's message id and any parked statuses applied); next
    /// the transaction commits.
    OutcomeRecorded,
    /// A stored message is about to be routed (its commit is done, the bot
    /// has not been asked).
    BeforeRoute,
    /// An event stream has subscribed to the bus; next it replays the
    /// table from the caller's cursor.
    EventsReplay,
    /// The timers have flagged tasks overdue and recorded their events
    /// inside the transaction; next it commits.
    OverdueFlagged,
}

struct Armed {
    /// Hits to let through before pausing.
    skip: usize,
    reached: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

/// The pause points of one app. `Hooks::default()` arms nothing.
#[doc(hidden)]
#[derive(Clone, Default)]
pub struct Hooks(Option<Arc<Mutex<HashMap<Point, Armed>>>>);

/// A test's handle on an armed point.
#[doc(hidden)]
pub struct Pause {
    point: Point,
    reached: Option<oneshot::Receiver<()>>,
    release: Option<oneshot::Sender<()>>,
}

impl Hooks {
    /// Hooks that tests can arm.
    pub fn armable() -> Self {
        Hooks(Some(Arc::default()))
    }

    /// Pauses the `nth` (1-based) time `point` is reached from now on.
    /// Panics on hooks made by `default()`: the test forgot `armable()`.
    pub fn pause(&self, point: Point, nth: usize) -> Pause {
        let map = self.0.as_ref().expect("Hooks::armable() is needed to arm");
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        let armed = Armed {
            skip: nth.saturating_sub(1),
            reached: reached_tx,
            release: release_rx,
        };
        map.lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(point, armed);
        Pause {
            point,
            reached: Some(reached_rx),
            release: Some(release_tx),
        }
    }

    /// Called by the code at `point`: waits there if a test armed it.
    pub async fn at(&self, point: Point) {
        let Some(map) = &self.0 else { return };
        let armed = {
            let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
            match map.get_mut(&point) {
                Some(a) if a.skip > 0 => {
                    a.skip -= 1;
                    None
                }
                Some(_) => map.remove(&point),
                None => None,
            }
        };
        if let Some(a) = armed {
            let _ = a.reached.send(());
            // A dropped `Pause` releases too.
            let _ = a.release.await;
        }
    }
}

impl Pause {
    /// Waits (up to 15 s) until the code is held at the point.
    pub async fn reached(&mut self) {
        let rx = self.reached.take().expect("reached() once");
        match tokio::time::timeout(Duration::from_secs(15), rx).await {
            Ok(Ok(())) => {}
            _ => panic!("the code never reached {:?}", self.point),
        }
    }

    /// Lets the held code go on.
    pub fn release(mut self) {
        if let Some(tx) = self.release.take() {
            let _ = tx.send(());
        }
    }
}
