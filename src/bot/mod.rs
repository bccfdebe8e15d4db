//! The bot: answers from the knowledge base, notices when the customer
//! wants a person, counts its failures, and asks for a handover (with a
//! reason, a division and a summary) when it cannot help.
//!
//! It never decides whether it may speak — the router only asks it while
//! the conversation is its own (see `conversation::bot_may_speak`).

pub mod article;
mod flow;
pub mod index;
pub mod intent;
pub mod kb;
pub mod llm;
mod replies;
mod summary;
pub mod synonyms;
pub mod text;
mod turn;

use std::sync::Arc;
use std::time::Duration;

use baton_channel::BoxFuture;

pub use flow::KbBot;

use crate::router::{Bot, BotContext};
pub use turn::{BotTurn, HandoverRequest, OutboundDraft};

/// How the bot behaves (environment: `BOT_*`, `HANDOVER_ON_KB_MISS`,
/// `BATON_DEFAULT_DIVISION`).
#[derive(Debug, Clone)]
pub struct BotConfig {
    /// Failures before handing over (`failed_to_resolve`).
    pub max_failures: i64,
    /// Hand over at the first KB miss (`lack_of_information`).
    pub handover_on_kb_miss: bool,
    pub default_division: Option<String>,
    /// How long divisions are cached between reads.
    pub divisions_ttl: Duration,
}

impl Default for BotConfig {
    fn default() -> Self {
        BotConfig {
            max_failures: 2,
            handover_on_kb_miss: true,
            default_division: None,
            divisions_ttl: Duration::from_secs(5),
        }
    }
}

/// Replies to every customer message with a fixed acknowledgement: a
/// stand-in for tests that need a bot which always answers.
pub struct Acknowledger {
    pub text: String,
}

impl Default for Acknowledger {
    fn default() -> Self {
        Acknowledger {
            text: "Thanks for your message, we have received it.".into(),
        }
    }
}

impl Bot for Acknowledger {
    fn respond<'a>(&'a self, ctx: &'a BotContext) -> BoxFuture<'a, BotTurn> {
        Box::pin(async move {
            BotTurn {
                replies: vec![OutboundDraft {
                    text: self.text.clone(),
                    reply_to: ctx.message.channel_message_id.clone(),
                    ..OutboundDraft::default()
                }],
                ..BotTurn::default()
            }
        })
    }
}

/// Shared so the HTTP layer can search and reload the same knowledge base.
pub type SharedKb = Arc<kb::Kb>;
