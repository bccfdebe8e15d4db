//! The ownership router: decides, for each stored inbound message, whether
//! the bot may answer — and if so, asks it and applies its turn.
//!
//! The rule itself lives in [`crate::conversation::bot_may_speak`]; this is
//! the one caller that consults the bot. Messages of one conversation are
//! routed strictly in order (one at a time), different conversations in
//! parallel. Routing is durable: a stored message carries a routing lease,
//! and anything not routed when the process died is claimed again by the
//! recovery loop after restart.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton_channel::BoxFuture;
use tokio::sync::Semaphore;

use crate::batch::Writer;
use crate::bot::{BotTurn, HandoverRequest};
use crate::conversation::lifecycle::{TurnJob, TurnOutcome};
use crate::conversation::{Conversation, Message, bot_may_speak};
use crate::metrics::Metrics;
use crate::outbox::Outbox;
use crate::store::{ROUTING_HISTORY, RoutingView, Store, UnroutedMessage};

/// How long a routing claim lasts before another worker may take over.
const ROUTE_LEASE_MS: i64 = 60_000;

/// What the bot sees when it is asked to answer.
#[derive(Debug, Clone)]
pub struct BotContext {
    pub conversation: Conversation,
    /// The message to answer.
    pub message: Message,
    /// Recent messages of the conversation, oldest first, including this one.
    pub history: Vec<Message>,
}

/// Called just before the bot is asked to answer (e.g. WhatsApp's
/// mark-as-read with a typing indicator). Must not block.
pub type BeforeBot = Arc<dyn Fn(&Conversation, &Message) + Send + Sync>;

/// The bot. It is only ever asked while the conversation is its own.
pub trait Bot: Send + Sync + 'static {
    fn respond<'a>(&'a self, ctx: &'a BotContext) -> BoxFuture<'a, BotTurn>;
}

#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// The bot does not answer messages older than this (a backlog after
    /// downtime); they stay visible to agents.
    pub max_message_age_ms: i64,
    /// Longest the bot may think before the turn becomes a handover.
    pub bot_timeout: Duration,
    /// Conversations routed at once.
    pub concurrency: usize,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            max_message_age_ms: 15 * 60_000,
            bot_timeout: Duration::from_secs(30),
            concurrency: 256,
        }
    }
}

#[derive(Clone)]
pub struct Router {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    bot: Arc<dyn Bot>,
    outbox: Outbox,
    metrics: Arc<Metrics>,
    config: RouterConfig,
    /// Per-conversation queues of message ids waiting to be routed.
    queues: Mutex<Queues>,
    permits: Semaphore,
    before_bot: Option<BeforeBot>,
    /// The handover's actions, run with a turn that hands over.
    handover: Option<Arc<crate::handover::Engine>>,
    /// Bot turns are applied through the hot path's group commit.
    writer: Writer,
}

/// A queued message, with the view its ingest transaction saw when that
/// view is still current.
type Queued = (i64, Option<Arc<RoutingView>>);

#[derive(Default)]
struct Queues {
    by_conversation: HashMap<i64, VecDeque<Queued>>,
    queued: HashSet<i64>,
    /// Failed routings of messages still leased here: message id → attempts.
    retries: HashMap<i64, u32>,
}

/// In-process retries of a routing that failed (the database was briefly
/// unreachable, say) before the message is left to its lease and recovery.
const ROUTE_RETRIES: u32 = 6;

impl Router {
    pub fn new(
        store: Store,
        writer: Writer,
        bot: Arc<dyn Bot>,
        outbox: Outbox,
        metrics: Arc<Metrics>,
        config: RouterConfig,
    ) -> Self {
        let permits = Semaphore::new(config.concurrency.max(1));
        Router {
            inner: Arc::new(Inner {
                store,
                bot,
                outbox,
                metrics,
                config,
                queues: Mutex::new(Queues::default()),
                permits,
                before_bot: None,
                handover: None,
                writer,
            }),
        }
    }

    /// Sets the hook run before each bot answer. Only before sharing.
    pub fn with_before_bot(mut self, hook: BeforeBot) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.before_bot = Some(hook);
        }
        self
    }

    /// Sets the handover engine. Only before sharing.
    pub fn with_handover(mut self, engine: Arc<crate::handover::Engine>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.handover = Some(engine);
        }
        self
    }

    /// Queues a stored message for routing.
    ///
    /// The view from the ingest transaction is used only when nothing else
    /// of the conversation is queued or being routed: then nothing the
    /// router does can have changed the conversation since (a bot turn
    /// commits on the same writer queue as the conversation's messages,
    /// before the hook that submits the next message). Behind another message it may be stale (that message's
    /// turn may hand over or count a failure), so it is read again.
    pub fn submit(&self, m: UnroutedMessage) {
        let start_worker = {
            let mut q = self.inner.queues.lock().unwrap_or_else(|p| p.into_inner());
            if !q.queued.insert(m.message_id) {
                return;
            }
            match q.by_conversation.get_mut(&m.conversation_id) {
                Some(queue) => {
                    queue.push_back((m.message_id, None));
                    false
                }
                None => {
                    q.by_conversation
                        .insert(m.conversation_id, VecDeque::from([(m.message_id, m.view)]));
                    true
                }
            }
        };
        if start_worker {
            let this = self.clone();
            tokio::spawn(async move { this.drain(m.conversation_id).await });
        }
    }

    /// Routes one conversation's queue in order, then retires.
    async fn drain(self, conversation_id: i64) {
        let _permit = self.inner.permits.acquire().await;
        loop {
            let (next, view) = {
                let mut q = self.inner.queues.lock().unwrap_or_else(|p| p.into_inner());
                let next = q
                    .by_conversation
                    .get_mut(&conversation_id)
                    .and_then(VecDeque::pop_front);
                match next {
                    Some(next) => {
                        q.queued.remove(&next.0);
                        next
                    }
                    None => {
                        q.by_conversation.remove(&conversation_id);
                        return;
                    }
                }
            };
            match self.route(next, conversation_id, view).await {
                Ok(()) => self.forget_retries(next),
                Err(e) => self.retry_later(next, conversation_id, &e),
            }
        }
    }

    fn queues(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.inner.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn forget_retries(&self, message_id: i64) {
        let mut q = self.queues();
        if !q.retries.is_empty() {
            q.retries.remove(&message_id);
        }
    }

    /// Routes the message again after a backoff (0.5 s doubling), while its
    /// lease is still this process's, instead of leaving it for a minute
    /// until the lease runs out. Routing twice is harmless: a bot turn
    /// applies only to a message nobody has routed yet.
    fn retry_later(&self, message_id: i64, conversation_id: i64, e: &crate::store::StoreError) {
        let attempt = {
            let mut q = self.queues();
            let n = q.retries.entry(message_id).or_insert(0);
            *n += 1;
            let attempt = *n;
            if attempt > ROUTE_RETRIES {
                q.retries.remove(&message_id);
            }
            attempt
        };
        if attempt > ROUTE_RETRIES {
            tracing::error!(message_id, error = %e, "routing failed again; left to recovery once its lease expires");
            return;
        }
        tracing::warn!(message_id, attempt, error = %e, "routing failed; retrying");
        let this = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500 << (attempt - 1))).await;
            this.submit(UnroutedMessage {
                message_id,
                conversation_id,
                view: None,
            });
        });
    }

    async fn route(
        &self,
        message_id: i64,
        conversation_id: i64,
        view: Option<Arc<RoutingView>>,
    ) -> Result<(), crate::store::StoreError> {
        let inner = &self.inner;
        let store = &inner.store;
        store.hooks().at(crate::hooks::Point::BeforeRoute).await;
        let view = match view {
            Some(v) => Arc::unwrap_or_clone(v),
            None => {
                store
                    .routing_view(conversation_id, message_id, ROUTING_HISTORY)
                    .await?
            }
        };
        let RoutingView {
            conversation,
            message,
            history,
        } = view;
        let contact = crate::batch::contact_key(conversation.channel, &conversation.contact.handle);
        let now = store.now();
        if !bot_may_speak(
            conversation.status,
            conversation.paused_until.map(|t| t.0),
            now,
        ) {
            // A human owns it (or it waits for one): the bot stays silent and
            // the message is simply visible to agents.
            return self.mark_routed(contact, message_id).await;
        }
        let sent_at = message.sent_at.unwrap_or(message.created_at).0;
        if now - sent_at > inner.config.max_message_age_ms {
            tracing::info!(message_id, "too old for the bot to answer; left for agents");
            return self.mark_routed(contact, message_id).await;
        }
        if let Some(hook) = &inner.before_bot {
            hook(&conversation, &message);
        }
        let ctx = BotContext {
            conversation,
            message,
            history,
        };
        let turn =
            match tokio::time::timeout(inner.config.bot_timeout, inner.bot.respond(&ctx)).await {
                Ok(turn) => turn,
                Err(_) => BotTurn {
                    handover: Some(HandoverRequest {
                        reason: "bot_error".into(),
                        division: None,
                        summary: Some("The bot did not answer in time.".into()),
                    }),
                    ..BotTurn::default()
                },
            };
        if let Some(h) = &turn.handover {
            inner.metrics.handover(&h.reason);
        }
        let applied = inner
            .writer
            .turn(
                contact,
                TurnJob {
                    message_id,
                    conversation_id,
                    turn,
                    lease_ms: inner.outbox.lease_ms(),
                    handover: inner.handover.clone(),
                },
            )
            .await?;
        match applied {
            TurnOutcome::Applied(rows) => inner.outbox.dispatch(rows),
            TurnOutcome::Dropped => {
                tracing::info!(
                    message_id,
                    "the conversation changed hands while the bot was thinking; reply dropped"
                );
            }
        }
        Ok(())
    }

    async fn mark_routed(
        &self,
        contact: u64,
        message_id: i64,
    ) -> Result<(), crate::store::StoreError> {
        self.inner.writer.routed(contact, message_id).await
    }

    /// Claims and routes messages nobody is routing: at startup (what a
    /// crash left behind) and then periodically.
    pub async fn recover(&self) -> Result<usize, crate::store::StoreError> {
        let mut total = 0;
        loop {
            let batch = self.inner.store.claim_unrouted(200, ROUTE_LEASE_MS).await?;
            if batch.is_empty() {
                return Ok(total);
            }
            total += batch.len();
            for m in batch {
                self.submit(m);
            }
        }
    }

    pub fn spawn_recovery(&self, every: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                match this.recover().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(count = n, "recovered unrouted messages"),
                    Err(e) => tracing::warn!(error = %e, "recovering unrouted messages failed"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }
}
