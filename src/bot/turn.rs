//! What one bot turn produces: replies, the failure count, a handover
//! request. The lifecycle module applies it (`conversation::lifecycle`).

/// A message the bot wants to send.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutboundDraft {
    pub text: String,
    pub quick_replies: Vec<baton_channel::QuickReply>,
    pub reply_to: Option<String>,
    /// Kept on the message (e.g. which article answered, whether it asked
    /// for feedback), so the bot can read its own state from history.
    pub meta: Option<serde_json::Value>,
}

/// The bot asks for a human.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverRequest {
    /// `human_requested`, `lack_of_information`, `failed_to_resolve`,
    /// `division_prompt`, `bot_error`.
    pub reason: String,
    pub division: Option<String>,
    pub summary: Option<String>,
}

/// Everything one bot turn changes, applied in one transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BotTurn {
    pub replies: Vec<OutboundDraft>,
    /// The conversation's failure count after this turn, when it changed.
    pub failure_count: Option<i64>,
    pub handover: Option<HandoverRequest>,
}
