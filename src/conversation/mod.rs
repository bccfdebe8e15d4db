//! The one conversation model every channel is normalized into.

pub mod lifecycle;
mod ownership;
mod time;

pub use baton_channel::{ChannelKind, Delivery, Media, MessageKind};
pub use ownership::{bot_may_speak, bot_may_speak_sql};
use serde::Serialize;
pub use time::{Clock, SystemClock, Ts, sane_sent_at};

baton_channel::string_enum!(
    /// Who owns the conversation; see DESIGN.md "Conversation ownership".
    Status {
        Bot = "bot",
        Pending = "pending",
        Open = "open",
        Resolved = "resolved",
    }
);

baton_channel::string_enum!(
    Direction {
        In = "in",
        Out = "out",
    }
);

baton_channel::string_enum!(
    Author {
        Customer = "customer",
        Bot = "bot",
        Agent = "agent",
        System = "system",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    pub id: i64,
    pub name: Option<String>,
    pub handle: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    pub id: i64,
    pub channel: ChannelKind,
    /// The business-side identity it arrived at; replies leave from it.
    pub account: Option<String>,
    pub status: Status,
    pub contact: Contact,
    pub division: Option<String>,
    pub assignee: Option<AgentRef>,
    pub tags: Vec<String>,
    pub failure_count: i64,
    pub paused_until: Option<Ts>,
    pub summary: Option<String>,
    /// The customer's own time of their last message (the 24-hour window).
    pub last_inbound_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: i64,
    pub conversation_id: i64,
    pub direction: Direction,
    pub author: Author,
    pub agent_id: Option<i64>,
    pub kind: MessageKind,
    pub text: Option<String>,
    pub media: Option<Media>,
    pub reply_to: Option<String>,
    pub channel_message_id: Option<String>,
    /// Outbound only: how far delivery got.
    pub delivery: Option<Delivery>,
    /// Why delivery failed, for agents.
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
    /// When the customer sent it, by the channel's clock (inbound only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<Ts>,
    pub created_at: Ts,
}
