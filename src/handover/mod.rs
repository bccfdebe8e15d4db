//! Handover: divisions and how a conversation finds its division. (The
//! handover actions — assignment, tags, task, closing message, pause,
//! notification — build on this.)

mod division;
mod presence;

pub use division::{Division, DivisionMatcher, DivisionScore};
pub use presence::{Presence, SEEN_EVERY_MS};
