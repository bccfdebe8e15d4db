//! The delivery worker: sends outbox rows through their channel, records
//! every attempt, retries with jittered capped backoff (honouring
//! `Retry-After`), gives up after the retry budget with the reason on the
//! message, and paces each destination with a rate limiter.
//!
//! Rows reach it two ways: handed over in memory right after the commit
//! that created them (already leased to this process, so there is no
//! polling delay), and by a poller that claims due rows — retries, and
//! anything whose lease expired because a process died mid-send.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baton_channel::{Channel, Outbound, SendError};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{Notify, Semaphore, watch};

use crate::batch::Writer;
use crate::config::OutboxConfig;
use crate::metrics::Metrics;
use crate::store::{Attempt, OutboxRow, Outcome, Store};

/// A channel as the outbox uses it: the sender and its rate limits.
struct Route {
    channel: Arc<dyn Channel>,
    /// Per destination (the provider account/number a message leaves from).
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    /// Per recipient (WhatsApp's pair limit), keyed by destination + handle.
    per_recipient: Option<DefaultKeyedRateLimiter<String>>,
}

/// How a channel's sends are paced.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pacing {
    /// Sends per second per destination.
    pub per_destination: Option<u32>,
    /// One send per this interval per recipient, after a burst of `burst`.
    pub per_recipient: Option<(Duration, u32)>,
}

#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    routes: HashMap<String, Route>,
    /// Sends event webhook rows (channel [`crate::events::WEBHOOK_CHANNEL`]).
    events_webhook: Option<crate::events::EventsWebhook>,
    config: OutboxConfig,
    metrics: Arc<Metrics>,
    permits: Arc<Semaphore>,
    wake: Notify,
    /// Outcomes of attempts are recorded through the hot path's group
    /// commit.
    writer: Writer,
    /// Rows in flight in this process, from dispatch until their task is
    /// done with them: row id → (fencing token of the current claim, lease
    /// end). One task per row: the poller never dispatches a row that is
    /// here (a re-claim only refreshes its token). The renewer keeps these
    /// leases alive however long a row waits (for a send slot, the
    /// per-customer pacing, earlier rows of its conversation), so no other
    /// worker or instance claims it meanwhile.
    held: Mutex<HashMap<i64, (i64, i64)>>,
}

impl Outbox {
    pub fn new(store: Store, writer: Writer, config: OutboxConfig, metrics: Arc<Metrics>) -> Self {
        let permits = Arc::new(Semaphore::new(config.concurrency));
        Outbox {
            inner: Arc::new(Inner {
                store,
                routes: HashMap::new(),
                events_webhook: None,
                config,
                metrics,
                permits,
                wake: Notify::new(),
                writer,
                held: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The lease rows are born with and claimed under.
    pub fn lease_ms(&self) -> i64 {
        self.inner.config.lease.as_millis() as i64
    }

    /// Whether messages can be sent on `kind` (its channel is configured).
    pub fn sends(&self, kind: &str) -> bool {
        self.inner.routes.contains_key(kind)
    }

    /// Registers a channel with its pacing. Only valid before the outbox is
    /// shared.
    pub fn with_channel(mut self, channel: Arc<dyn Channel>, pacing: Pacing) -> Self {
        let limiter = pacing
            .per_destination
            .and_then(NonZeroU32::new)
            .map(|n| RateLimiter::keyed(Quota::per_second(n)));
        let per_recipient = pacing.per_recipient.and_then(|(every, burst)| {
            let quota = Quota::with_period(every)?.allow_burst(NonZeroU32::new(burst)?);
            Some(RateLimiter::keyed(quota))
        });
        let kind = channel.kind().as_str().to_string();
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.routes.insert(
                kind,
                Route {
                    channel,
                    limiter,
                    per_recipient,
                },
            );
        }
        self
    }

    /// Sends event webhook rows with `webhook`. Only valid before the
    /// outbox is shared.
    pub fn with_events_webhook(mut self, webhook: crate::events::EventsWebhook) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.events_webhook = Some(webhook);
        }
        self
    }

    /// Sends rows this process already holds the lease on. Rows of one
    /// conversation go out one after another, in order (a bot answer and
    /// its follow-up question must not swap); conversations in parallel.
    /// A row already in flight here is not sent twice: its entry takes the
    /// new claim's token and the task that has it carries on.
    pub fn dispatch(&self, rows: Vec<OutboxRow>) {
        let rows = self.hold(rows);
        let mut groups: Vec<(Option<i64>, Vec<OutboxRow>)> = Vec::new();
        for row in rows {
            let conversation = serde_json::from_str::<serde_json::Value>(&row.payload)
                .ok()
                .and_then(|v| v["conversation_id"].as_i64());
            match groups
                .iter_mut()
                .find(|(c, _)| c.is_some() && *c == conversation)
            {
                Some((_, list)) => list.push(row),
                None => groups.push((conversation, vec![row])),
            }
        }
        for (_, list) in groups {
            self.send_in_order(list);
        }
    }

    fn send_in_order(&self, rows: Vec<OutboxRow>) {
        // Released as each row is done, and all at once should the task
        // end early (a panic): a row left in `held` would be renewed forever
        // and never claimed again.
        let mut guard = Released {
            outbox: self.clone(),
            ids: rows.iter().rev().map(|r| r.id).collect(),
        };
        tokio::spawn(async move {
            for row in rows {
                guard.outbox.deliver(&row).await;
                guard.ids.pop();
                guard.outbox.held().remove(&row.id);
            }
        });
    }

    /// Wakes the poller (e.g. after rows were queued without a lease).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Claims due rows until stopped; then waits up to `grace` for sends in
    /// flight to finish.
    pub async fn run_poller(
        self,
        every: Duration,
        mut stop: watch::Receiver<bool>,
        grace: Duration,
    ) {
        loop {
            match self.inner.store.claim_outbox(100, self.lease_ms()).await {
                Ok(rows) if !rows.is_empty() => {
                    let full = rows.len() == 100;
                    self.dispatch(rows);
                    if full {
                        continue;
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "claiming outbox rows failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = self.inner.wake.notified() => {}
                _ = stop.changed() => break,
            }
        }
        // Every send holds a permit: taking all of them means all are done.
        let all = self.inner.config.concurrency as u32;
        match tokio::time::timeout(grace, self.inner.permits.acquire_many(all)).await {
            Ok(_) => tracing::info!("outbox drained"),
            Err(_) => tracing::warn!(
                "shutdown grace ran out with sends in flight; their leases will expire and they will be retried"
            ),
        }
    }

    async fn deliver(&self, row: &OutboxRow) {
        let result = match self.inner.permits.clone().acquire_owned().await {
            Ok(_permit) => self.try_deliver(row).await,
            Err(_) => Ok(()),
        };
        if let Err(e) = result {
            // The outcome could not be recorded; the lease will expire and
            // the row will be sent again (at least once, never lost).
            tracing::error!(outbox_id = row.id, error = %e, "recording a delivery failed");
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (i64, i64)>> {
        // A panic while holding this lock cannot leave the map half
        // updated (single inserts and removals), so a poisoned lock is
        // still good to use.
        self.inner.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers claimed rows as in flight here; returns those that were
    /// not already (the others only take the new claim's token).
    fn hold(&self, rows: Vec<OutboxRow>) -> Vec<OutboxRow> {
        let mut held = self.held();
        rows.into_iter()
            .filter(|r| held.insert(r.id, (r.token, r.lease_until)).is_none())
            .collect()
    }

    /// The token of this process's current claim on a row in flight here.
    fn token(&self, id: i64) -> Option<i64> {
        self.held().get(&id).map(|(token, _)| *token)
    }

    /// The last check before a row is handed to its channel, one read: is
    /// the claim still this process's (a status may have settled the row,
    /// another instance may have claimed it), with at least half a lease
    /// to go (renewed here if not), and — for a bot message — may the bot
    /// still speak (the ownership rule: a takeover committed before this
    /// read wins). The renewer keeps the lease alive during the send.
    async fn send_check(
        &self,
        row: &OutboxRow,
        conversation_id: i64,
        by_bot: bool,
    ) -> Result<SendCheck, crate::store::StoreError> {
        let Some(token) = self.token(row.id) else {
            return Ok(SendCheck::NotOurs);
        };
        let store = &self.inner.store;
        let Some((until, bot_may_speak)) =
            store.claim_state(row.id, token, conversation_id).await?
        else {
            self.held().remove(&row.id);
            return Ok(SendCheck::NotOurs);
        };
        if by_bot && !bot_may_speak {
            return Ok(SendCheck::HumanOwns);
        }
        let lease = self.lease_ms();
        if until - store.now() < lease / 2 {
            let renewed = store.renew_leases(&[(row.id, token)], lease).await?;
            if self.note_renewals(&[(row.id, token)], &renewed) == 0 {
                return Ok(SendCheck::NotOurs);
            }
        }
        Ok(SendCheck::Send)
    }

    /// Applies the result of a renewal to the held map; returns how many
    /// claims are still ours.
    fn note_renewals(&self, asked: &[(i64, i64)], renewed: &[Option<i64>]) -> usize {
        let mut held = self.held();
        let mut kept = 0;
        for (&(id, token), until) in asked.iter().zip(renewed) {
            let Some(entry) = held.get_mut(&id).filter(|(t, _)| *t == token) else {
                continue;
            };
            match until {
                Some(u) => {
                    entry.1 = *u;
                    kept += 1;
                }
                None => {
                    tracing::warn!(
                        outbox_id = id,
                        "lost the claim on an outbox row; not sending it"
                    );
                    held.remove(&id);
                }
            }
        }
        kept
    }

    /// Keeps the leases of held rows alive: every quarter lease, renews
    /// those with less than half a lease left.
    pub async fn run_renewer(self, mut stop: watch::Receiver<bool>) {
        let lease = self.lease_ms();
        let every = Duration::from_millis((lease / 4).max(1) as u64);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => return,
            }
            let now = self.inner.store.now();
            let due: Vec<(i64, i64)> = self
                .held()
                .iter()
                .filter(|(_, (_, until))| until - now < lease / 2)
                .map(|(id, (token, _))| (*id, *token))
                .collect();
            for chunk in due.chunks(500) {
                match self.inner.store.renew_leases(chunk, lease).await {
                    Ok(renewed) => {
                        self.note_renewals(chunk, &renewed);
                    }
                    Err(e) => tracing::warn!(error = %e, "renewing outbox leases failed"),
                }
            }
        }
    }

    async fn try_deliver(&self, row: &OutboxRow) -> Result<(), crate::store::StoreError> {
        let started_at = self.inner.store.now();
        let clock = Instant::now();
        let Some((outcome, detail)) = self.attempt(row).await? else {
            return Ok(());
        };
        let attempt = Attempt {
            started_at,
            latency_ms: clock.elapsed().as_millis() as i64,
            detail,
        };
        let label = match &outcome {
            Outcome::Sent(_) => "sent",
            Outcome::Retry { .. } => "retry",
            Outcome::Failed { state, .. } => state,
        };
        self.inner.metrics.outbound(label, attempt.latency_ms);
        let wake_after = match &outcome {
            Outcome::Retry { due_at, .. } => {
                Some(Duration::from_millis((*due_at - started_at).max(0) as u64))
            }
            _ => None,
        };
        self.record(row, outcome, attempt).await?;
        // Short retry waits are kept in memory; the poller covers the rest.
        if let Some(wait) = wake_after.filter(|w| *w < Duration::from_secs(2)) {
            let this = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                this.wake();
            });
        }
        Ok(())
    }

    /// Records an attempt's outcome, retrying (100 ms doubling to 5 s, for
    /// up to two minutes) while the database cannot take it: a send that
    /// happened but was not recorded would be sent again once its lease
    /// ran out. The row stays held (its lease renewed) meanwhile.
    async fn record(
        &self,
        row: &OutboxRow,
        outcome: Outcome,
        attempt: Attempt,
    ) -> Result<(), crate::store::StoreError> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut wait = Duration::from_millis(100);
        loop {
            // Under the current claim: this process's poller may have
            // re-claimed the row (a new token) while the database was away.
            let mut current = row.clone();
            current.token = self.token(row.id).unwrap_or(row.token);
            let result = self
                .inner
                .writer
                .outcome(current, outcome.clone(), attempt.clone())
                .await;
            match result {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() + wait < deadline => {
                    tracing::warn!(outbox_id = row.id, error = %e, "recording a delivery outcome failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    return Err(crate::store::StoreError::Decode(format!(
                        "the outcome was not recorded: {e}"
                    )));
                }
            }
        }
    }

    /// One delivery attempt, up to its outcome (and a detail for the log);
    /// `None` when the row's claim passed to another worker meanwhile (it
    /// sends the row, and records its outcome).
    async fn attempt(
        &self,
        row: &OutboxRow,
    ) -> Result<Option<(Outcome, Option<String>)>, crate::store::StoreError> {
        let inner = &self.inner;
        let store = &inner.store;
        let dead = |reason: String| Outcome::Failed {
            state: "dead",
            reason,
        };
        if row.channel == crate::events::WEBHOOK_CHANNEL {
            return self.attempt_event(row).await;
        }
        let out: Outbound = match serde_json::from_str(&row.payload) {
            Ok(o) => o,
            Err(e) => {
                return Ok(Some((
                    dead(format!("unreadable outbox payload: {e}")),
                    None,
                )));
            }
        };
        let Some(route) = inner.routes.get(&row.channel) else {
            return Ok(Some((
                dead(format!(
                    "the {} channel is not configured for sending",
                    row.channel
                )),
                None,
            )));
        };
        // Paced, never dropped: a send waits for its turn.
        let destination = route.channel.destination(&out);
        if let Some(pair) = &route.per_recipient {
            pair.until_key_ready(&format!("{destination}/{}", out.to.handle))
                .await;
        }
        if let Some(limiter) = &route.limiter {
            limiter.until_key_ready(&destination).await;
        }
        store.hooks().at(crate::hooks::Point::OutboxPaced).await;
        // However long the row waited, it is handed to its channel only
        // under a claim that is still this process's, and a bot reply only
        // while the bot may speak (a second bubble held back by the
        // per-customer limit too).
        match self
            .send_check(row, out.conversation_id, out.author == "bot")
            .await?
        {
            SendCheck::Send => {}
            SendCheck::NotOurs => return Ok(None),
            SendCheck::HumanOwns => {
                let reason = "not sent: a human took over the conversation".to_string();
                return Ok(Some((
                    Outcome::Failed {
                        state: "dropped",
                        reason,
                    },
                    None,
                )));
            }
        }
        let result =
            match tokio::time::timeout(inner.config.send_timeout, route.channel.send(&out)).await {
                Ok(r) => r,
                Err(_) => Err(SendError::maybe_sent("send timed out")),
            };
        Ok(Some(self.outcome_of(
            row,
            route.channel.confirmation_wait(),
            result,
        )))
    }

    /// One attempt at an event webhook row: no pacing, no ownership rule
    /// (it is no message to a customer), the same claim check and retries.
    async fn attempt_event(
        &self,
        row: &OutboxRow,
    ) -> Result<Option<(Outcome, Option<String>)>, crate::store::StoreError> {
        let inner = &self.inner;
        let Some(webhook) = &inner.events_webhook else {
            let reason = "EVENTS_WEBHOOK_URL is not configured".to_string();
            return Ok(Some((
                Outcome::Failed {
                    state: "dead",
                    reason,
                },
                None,
            )));
        };
        match self.send_check(row, 0, false).await? {
            SendCheck::Send => {}
            SendCheck::NotOurs | SendCheck::HumanOwns => return Ok(None),
        }
        let result =
            match tokio::time::timeout(inner.config.send_timeout, webhook.send(&row.payload)).await
            {
                Ok(r) => r,
                Err(_) => Err(SendError::maybe_sent("send timed out")),
            };
        Ok(Some(self.outcome_of(row, None, result)))
    }

    /// What a send's result means for its row: sent, retried after a
    /// backoff, or given up on.
    fn outcome_of(
        &self,
        row: &OutboxRow,
        confirmation_wait: Option<Duration>,
        result: Result<baton_channel::Sent, SendError>,
    ) -> (Outcome, Option<String>) {
        let inner = &self.inner;
        let store = &inner.store;
        let dead = |reason: String| Outcome::Failed {
            state: "dead",
            reason,
        };
        match result {
            Ok(sent) => {
                let detail = sent.detail.clone();
                (Outcome::Sent(sent), detail)
            }
            Err(SendError::Retryable {
                reason,
                retry_after,
                maybe_sent,
            }) => {
                // The provider may already have it: give its report of the
                // send time to arrive (and settle the row) before a retry
                // that would duplicate the message.
                let retry_after = match confirmation_wait {
                    Some(wait) if maybe_sent => Some(retry_after.unwrap_or_default().max(wait)),
                    _ => retry_after,
                };
                if row.attempts + 1 >= inner.config.max_attempts as i64 {
                    let why = format!("gave up after {} attempts: {reason}", row.attempts + 1);
                    (dead(why), Some(reason))
                } else {
                    let wait =
                        backoff(&inner.config, row.attempts).max(retry_after.unwrap_or_default());
                    let due_at = store.now() + wait.as_millis() as i64;
                    (
                        Outcome::Retry {
                            due_at,
                            error: reason.clone(),
                        },
                        Some(reason),
                    )
                }
            }
            Err(SendError::Permanent { code, reason }) => {
                let why = match code {
                    Some(c) => format!("{c}: {reason}"),
                    None => reason,
                };
                (dead(why.clone()), Some(why))
            }
        }
    }
}

/// What the last check before a send found.
enum SendCheck {
    Send,
    /// The claim passed to another worker, or the row was settled.
    NotOurs,
    /// A bot message whose conversation a human owns now.
    HumanOwns,
}

/// Removes a group's remaining rows (last first) from `held` when its task
/// ends, however it ends.
struct Released {
    outbox: Outbox,
    ids: Vec<i64>,
}

impl Drop for Released {
    fn drop(&mut self) {
        let mut held = self.outbox.held();
        for id in &self.ids {
            held.remove(id);
        }
    }
}

/// Exponential backoff from `retry_base`, capped at `retry_max`, with
/// "equal jitter" (half fixed, half random) so retries of many rows spread
/// out instead of arriving together.
pub fn backoff(cfg: &OutboxConfig, attempts_before: i64) -> Duration {
    let exp = attempts_before.clamp(0, 30) as u32;
    let raw = cfg.retry_base.saturating_mul(1u32 << exp.min(20));
    let capped = raw.min(cfg.retry_max);
    let half = capped / 2;
    half + half.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let cfg = OutboxConfig {
            max_attempts: 10,
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            concurrency: 1,
            send_timeout: Duration::from_secs(1),
            lease: Duration::from_secs(60),
        };
        for attempt in 0..40 {
            let d = backoff(&cfg, attempt);
            let nominal = Duration::from_secs(1u64 << attempt.min(20)).min(Duration::from_secs(60));
            assert!(d >= nominal / 2 && d <= nominal, "attempt {attempt}: {d:?}");
        }
    }
}
