//! The one place that changes who owns a conversation. Every transition —
//! the bot's handover, an agent's claim, takeover, transfer, hand-back and
//! resolve, the pause running out, a resolved conversation coming back to
//! life — is a function here over a store transaction: it reads the state
//! under a lock, checks the transition is allowed, writes the new state,
//! its event and any message to the customer together, and says what it
//! did. The router, the agent API, the agents' WhatsApp commands and the
//! timers all call these; nothing else writes `status` or `assignee`.
//!
//! ```text
//!   bot ──handover──► pending ──claim──► open ──transfer──► open
//!    │ ▲                │  ▲               │
//!    │ └──hand back / pause expiry─────────┤
//!    └────────────takeover─────────────────┘
//!   any ──resolve──► resolved ──new customer message──► bot
//!                        └──────claim──────► open
//! ```

use serde_json::json;

use super::{AgentRef, Author, Status, bot_may_speak};
use crate::bot::{BotTurn, HandoverRequest};
use crate::store::{
    ConversationState, HandoverRecord, NewOutbound, OutboxRow, Store, StoreError, Tx,
};

/// Why a transition did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The conversation is not in a state this transition starts from; the
    /// message says what it is in (e.g. "already claimed by Bima").
    #[error("{0}")]
    Conflict(String),
    #[error("no such conversation")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a transition did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Changed {
    /// Nothing had to change (e.g. claiming one's own conversation again).
    pub unchanged: bool,
    /// Messages to the customer written with the change, leased to the
    /// caller for dispatch.
    pub rows: Vec<OutboxRow>,
}

impl Changed {
    fn unchanged() -> Self {
        Changed {
            unchanged: true,
            rows: Vec::new(),
        }
    }
}

/// A message to the customer that goes with a change (the takeover
/// greeting, the hand-back notice, a closing text). An empty text sends
/// nothing.
pub struct Notice<'a> {
    pub text: &'a str,
    pub author: Author,
    pub agent_id: Option<i64>,
    /// Lease the outbox row is born with (the caller dispatches it).
    pub lease_ms: i64,
}

async fn locked(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
) -> Result<ConversationState, LifecycleError> {
    store
        .lock_state(tx, conversation_id)
        .await?
        .ok_or(LifecycleError::NotFound)
}

/// Writes the new state, its event and the notice.
async fn commit_change(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    state: &ConversationState,
    event: &str,
    mut data: serde_json::Value,
    notice: Option<Notice<'_>>,
) -> Result<Changed, LifecycleError> {
    let now = store.now();
    store.write_state(tx, conversation_id, state, now).await?;
    data["status"] = json!(state.status);
    data["assignee_id"] = json!(state.assignee_id);
    tx.event(event, Some(conversation_id), data, now).await?;
    let rows = match notice {
        Some(n) => notify_customer(store, tx, conversation_id, n).await?,
        None => Vec::new(),
    };
    Ok(Changed {
        unchanged: false,
        rows,
    })
}

/// Queues a notice to the customer (nothing for an empty text); returns
/// its outbox rows, leased to the caller.
pub async fn notify_customer(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    n: Notice<'_>,
) -> Result<Vec<OutboxRow>, LifecycleError> {
    if n.text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let draft = NewOutbound {
        author: n.author,
        agent_id: n.agent_id,
        text: n.text.to_string(),
        quick_replies: Vec::new(),
        reply_to: None,
        meta: None,
        template: None,
        media: None,
    };
    Ok(store
        .insert_outbound(tx, conversation_id, &[draft], Some(n.lease_ms))
        .await?)
}

fn conflict_with_owner(state: &ConversationState) -> LifecycleError {
    LifecycleError::Conflict(format!(
        "the conversation is already claimed by {}",
        state.assignee_name.as_deref().unwrap_or("another agent")
    ))
}

/// An `open` conversation another agent owns.
fn owned_by_other(state: &ConversationState, agent_id: i64) -> bool {
    state.status == Status::Open && state.assignee_id.is_some_and(|id| id != agent_id)
}

/// `bot → pending`: the bot (or a rule) asks for a human. Records the
/// handover with its reason, division and summary; a conversation already
/// waiting for or owned by a human is left as it is (a second handover is
/// a no-op). Returns the handover's id when one was recorded; its actions
/// and its `handover.requested` event follow (`handover::Engine`, or
/// [`announce_handover`] without one).
pub async fn hand_over(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    request: &HandoverRequest,
    failure_count: Option<i64>,
) -> Result<Option<i64>, LifecycleError> {
    let mut state = locked(store, tx, conversation_id).await?;
    if state.status != Status::Bot {
        return Ok(None);
    }
    let division_id = match &request.division {
        Some(name) => store.division_id_in(tx, name).await?,
        None => None,
    };
    state.status = Status::Pending;
    state.division_id = division_id.or(state.division_id);
    state.summary = request.summary.clone().or(state.summary);
    if let Some(n) = failure_count {
        state.failure_count = n;
    }
    let now = store.now();
    store.write_state(tx, conversation_id, &state, now).await?;
    let record = HandoverRecord {
        reason: request.reason.clone(),
        division_id: state.division_id,
        agent_id: None,
        summary: state.summary.clone(),
        actions: json!([]),
    };
    let id = store
        .insert_handover(tx, conversation_id, &record, now)
        .await?;
    Ok(Some(id))
}

/// The `handover.requested` event of a handover that ran no actions.
pub async fn announce_handover(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    handover_id: i64,
    request: &HandoverRequest,
) -> Result<(), LifecycleError> {
    tx.event(
        "handover.requested",
        Some(conversation_id),
        json!({"handover_id": handover_id, "reason": request.reason,
               "division": request.division, "summary": request.summary,
               "actions": [], "status": "pending"}),
        store.now(),
    )
    .await?;
    Ok(())
}

/// `pending → open` (or `resolved → open`): an agent takes a conversation
/// that waits for a human. Claiming one's own conversation again changes
/// nothing; one another agent owns is a conflict naming them; one the bot
/// is handling must be taken over instead.
pub async fn claim(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    agent: Option<&AgentRef>,
    notice: Option<Notice<'_>>,
) -> Result<Changed, LifecycleError> {
    let refused = (
        Status::Bot,
        "the bot is handling this conversation: take it over instead",
    );
    open_for(
        store,
        tx,
        conversation_id,
        agent,
        notice,
        refused,
        "conversation.claimed",
    )
    .await
}

/// `bot|pending → open`: an agent takes the conversation straight away;
/// the bot falls silent from this commit on.
pub async fn take_over(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    agent: Option<&AgentRef>,
    notice: Option<Notice<'_>>,
) -> Result<Changed, LifecycleError> {
    let refused = (
        Status::Resolved,
        "the conversation is resolved: claim it to reopen it",
    );
    open_for(
        store,
        tx,
        conversation_id,
        agent,
        notice,
        refused,
        "conversation.taken_over",
    )
    .await
}

/// `→ open` for `agent` (claim and takeover differ only in the status they
/// refuse and their event).
async fn open_for(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    agent: Option<&AgentRef>,
    notice: Option<Notice<'_>>,
    (refused, why): (Status, &str),
    event: &str,
) -> Result<Changed, LifecycleError> {
    let mut state = locked(store, tx, conversation_id).await?;
    if agent.is_some_and(|a| owned_by_other(&state, a.id)) {
        return Err(conflict_with_owner(&state));
    }
    if state.status == Status::Open {
        return Ok(Changed::unchanged());
    }
    if state.status == refused {
        return Err(LifecycleError::Conflict(why.into()));
    }
    state.status = Status::Open;
    state.assignee_id = agent.map(|a| a.id);
    state.assigned_at = Some(store.now());
    commit_change(
        store,
        tx,
        conversation_id,
        &state,
        event,
        json!({"agent": agent}),
        notice,
    )
    .await
}

/// A human writes to the customer: a conversation the bot or the queue
/// has is taken over first (with the greeting), one another agent owns is
/// a conflict naming them, a resolved one must be claimed first; the bot's
/// pause is pushed to `paused_until` (when given). All under one lock, so
/// nothing can move the conversation between the check and the message.
pub async fn agent_speaks(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    agent: Option<&AgentRef>,
    greeting: Option<Notice<'_>>,
    paused_until: Option<i64>,
) -> Result<Changed, LifecycleError> {
    let state = locked(store, tx, conversation_id).await?;
    if agent.is_some_and(|a| owned_by_other(&state, a.id)) {
        return Err(conflict_with_owner(&state));
    }
    let mut changed = match state.status {
        Status::Resolved => {
            return Err(LifecycleError::Conflict(
                "the conversation is resolved: claim it to reopen it".into(),
            ));
        }
        Status::Bot | Status::Pending => {
            take_over(store, tx, conversation_id, agent, greeting).await?
        }
        Status::Open => Changed::unchanged(),
    };
    if paused_until.is_some() {
        pause(store, tx, conversation_id, paused_until).await?;
        changed.unchanged = false;
    }
    Ok(changed)
}

/// `open → open`: the owner (or the admin, `from = None`) hands the
/// conversation to another agent, with a note for them. A waiting
/// conversation may be transferred too (it opens for the new agent).
pub async fn transfer(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    from: Option<&AgentRef>,
    to: &AgentRef,
    note: &str,
) -> Result<Changed, LifecycleError> {
    let mut state = locked(store, tx, conversation_id).await?;
    if !matches!(state.status, Status::Open | Status::Pending) {
        return Err(LifecycleError::Conflict(format!(
            "a conversation in status `{}` cannot be transferred",
            state.status
        )));
    }
    if let Some(from) = from {
        if owned_by_other(&state, from.id) {
            return Err(conflict_with_owner(&state));
        }
    }
    if state.status == Status::Open && state.assignee_id == Some(to.id) {
        return Ok(Changed::unchanged());
    }
    let previous = state.assignee_id;
    state.status = Status::Open;
    state.assignee_id = Some(to.id);
    state.assigned_at = Some(store.now());
    commit_change(
        store,
        tx,
        conversation_id,
        &state,
        "conversation.transferred",
        json!({"from_agent_id": previous, "agent": to, "note": note}),
        None,
    )
    .await
}

/// Assigns a waiting conversation to an agent (the handover's `assign`
/// action, reassignment after silence), or unassigns it (`None`, back to
/// the division's queue): it stays `pending` until the agent claims it or
/// replies.
pub async fn assign(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    agent: Option<&AgentRef>,
) -> Result<Changed, LifecycleError> {
    let mut state = locked(store, tx, conversation_id).await?;
    if state.status != Status::Pending {
        return Err(LifecycleError::Conflict(format!(
            "only a waiting conversation is assigned (it is `{}`)",
            state.status
        )));
    }
    let to = agent.map(|a| a.id);
    if state.assignee_id == to {
        return Ok(Changed::unchanged());
    }
    let previous = state.assignee_id;
    state.assignee_id = to;
    state.assigned_at = to.map(|_| store.now());
    commit_change(
        store,
        tx,
        conversation_id,
        &state,
        "conversation.assigned",
        json!({"from_agent_id": previous, "agent": agent}),
        None,
    )
    .await
}

/// `open|pending → bot`: a human gives the conversation back to the bot,
/// which starts afresh (no pause, failures forgotten). An agent can hand
/// back only what nobody else owns.
pub async fn hand_back(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    by: Option<&AgentRef>,
    notice: Option<Notice<'_>>,
) -> Result<Changed, LifecycleError> {
    let mut state = locked(store, tx, conversation_id).await?;
    match state.status {
        Status::Bot => return Ok(Changed::unchanged()),
        Status::Resolved => {
            return Err(LifecycleError::Conflict(
                "the conversation is resolved".into(),
            ));
        }
        Status::Open | Status::Pending => {}
    }
    if by.is_some_and(|a| owned_by_other(&state, a.id)) {
        return Err(conflict_with_owner(&state));
    }
    state.status = Status::Bot;
    state.assignee_id = None;
    state.paused_until = None;
    state.failure_count = 0;
    commit_change(
        store,
        tx,
        conversation_id,
        &state,
        "conversation.handed_back",
        json!({"agent_id": by.map(|a| a.id)}),
        notice,
    )
    .await
}

/// The pause ran out and no agent owns the conversation: it returns to the
/// bot (`bot.resumed`). A conversation an agent owns (`open` with an
/// assignee) keeps waiting for them; one whose pause was pushed further
/// (an agent wrote meanwhile) is not due yet.
pub async fn expire_pause(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
) -> Result<Changed, LifecycleError> {
    let mut state = locked(store, tx, conversation_id).await?;
    let now = store.now();
    let due = state.paused_until.is_some_and(|t| t <= now);
    let owned = state.status == Status::Open && state.assignee_id.is_some();
    if !due || owned || !matches!(state.status, Status::Pending | Status::Open) {
        return Ok(Changed::unchanged());
    }
    state.status = Status::Bot;
    state.assignee_id = None;
    state.paused_until = None;
    state.failure_count = 0;
    commit_change(
        store,
        tx,
        conversation_id,
        &state,
        "bot.resumed",
        json!({"reason": "pause_expired"}),
        None,
    )
    .await
}

/// Sets when the bot may speak again (the handover's `pause` action; every
/// agent message pushes it on). `None` clears it.
pub async fn pause(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    until: Option<i64>,
) -> Result<Changed, LifecycleError> {
    let mut state = locked(store, tx, conversation_id).await?;
    if state.paused_until == until {
        return Ok(Changed::unchanged());
    }
    state.paused_until = until;
    store
        .write_state(tx, conversation_id, &state, store.now())
        .await?;
    Ok(Changed::default())
}

/// `any → resolved`, with an optional closing text to the customer.
pub async fn resolve(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
    by: Option<&AgentRef>,
    notice: Option<Notice<'_>>,
) -> Result<Changed, LifecycleError> {
    let mut state = locked(store, tx, conversation_id).await?;
    if state.status == Status::Resolved {
        return Ok(Changed::unchanged());
    }
    if by.is_some_and(|a| owned_by_other(&state, a.id)) {
        return Err(conflict_with_owner(&state));
    }
    state.status = Status::Resolved;
    state.paused_until = None;
    commit_change(
        store,
        tx,
        conversation_id,
        &state,
        "conversation.resolved",
        json!({"agent_id": by.map(|a| a.id)}),
        notice,
    )
    .await
}

/// `resolved → bot`: the customer wrote again; a fresh bot cycle starts in
/// the same conversation (history kept).
pub async fn reopen(
    store: &Store,
    tx: &mut Tx,
    conversation_id: i64,
) -> Result<(), LifecycleError> {
    let mut state = locked(store, tx, conversation_id).await?;
    if state.status != Status::Resolved {
        return Ok(());
    }
    state.status = Status::Bot;
    state.assignee_id = None;
    state.paused_until = None;
    state.failure_count = 0;
    commit_change(
        store,
        tx,
        conversation_id,
        &state,
        "conversation.reopened",
        json!({}),
        None,
    )
    .await?;
    Ok(())
}

/// A bot turn waiting to be applied: for the message it answers, in its
/// conversation, with the lease its outbox rows are born with.
#[derive(Clone)]
pub struct TurnJob {
    pub message_id: i64,
    pub conversation_id: i64,
    pub turn: BotTurn,
    pub lease_ms: i64,
    /// Runs the handover's actions when the turn hands over.
    pub handover: Option<std::sync::Arc<crate::handover::Engine>>,
}

impl std::fmt::Debug for TurnJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnJob")
            .field("message_id", &self.message_id)
            .field("conversation_id", &self.conversation_id)
            .field("turn", &self.turn)
            .finish_non_exhaustive()
    }
}

/// The result of applying a bot turn.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnOutcome {
    /// Applied; these outbox rows are leased to the caller for dispatch.
    Applied(Vec<OutboxRow>),
    /// The conversation was no longer the bot's, or the message was routed
    /// already: nothing was written but the routed mark.
    Dropped,
}

/// Applies a bot turn for a message — only if nobody routed it yet and the
/// conversation is still the bot's (the ownership rule, under the lock),
/// so a takeover that happened while the bot was thinking wins.
pub async fn apply_bot_turn(
    store: &Store,
    tx: &mut Tx,
    job: &TurnJob,
) -> Result<TurnOutcome, LifecycleError> {
    if !store.mark_routed_once(tx, job.message_id).await? {
        return Ok(TurnOutcome::Dropped);
    }
    let mut state = locked(store, tx, job.conversation_id).await?;
    let now = store.now();
    if !bot_may_speak(state.status, state.paused_until, now) {
        return Ok(TurnOutcome::Dropped);
    }
    let turn = &job.turn;
    if let Some(n) = turn.failure_count {
        state.failure_count = n;
    }
    store
        .write_state(tx, job.conversation_id, &state, now)
        .await?;
    let drafts: Vec<NewOutbound> = turn
        .replies
        .iter()
        .map(|r| NewOutbound {
            author: Author::Bot,
            agent_id: None,
            text: r.text.clone(),
            quick_replies: r.quick_replies.clone(),
            reply_to: r.reply_to.clone(),
            meta: r.meta.clone(),
            template: None,
            media: None,
        })
        .collect();
    let mut rows = if drafts.is_empty() {
        Vec::new()
    } else {
        store
            .insert_outbound(tx, job.conversation_id, &drafts, Some(job.lease_ms))
            .await?
    };
    if let Some(count) = turn.failure_count {
        tx.event(
            "conversation.updated",
            Some(job.conversation_id),
            json!({"failure_count": count}),
            now,
        )
        .await?;
    }
    if let Some(h) = &turn.handover {
        if let Some(id) = hand_over(store, tx, job.conversation_id, h, turn.failure_count).await? {
            match &job.handover {
                Some(engine) => {
                    let notices = engine
                        .run(store, tx, job.conversation_id, id, h, job.lease_ms)
                        .await?;
                    rows.extend(notices);
                }
                None => announce_handover(store, tx, job.conversation_id, id, h).await?,
            }
        }
    }
    Ok(TurnOutcome::Applied(rows))
}
