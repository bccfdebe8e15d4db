//! The bot. Until the knowledge-base bot lands, the gateway ships a minimal
//! one that acknowledges each message, so the whole path (ingest → router
//! → outbox → channel) runs end to end.

use baton_channel::BoxFuture;

use crate::router::{Bot, BotContext};
use crate::store::{BotTurn, OutboundDraft};

/// Replies to every customer message with a fixed acknowledgement.
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
                    quick_replies: Vec::new(),
                    reply_to: ctx.message.channel_message_id.clone(),
                }],
                ..BotTurn::default()
            }
        })
    }
}
