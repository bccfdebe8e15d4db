//! Handover: divisions and how a conversation finds its division. (The
//! handover actions — assignment, tags, task, closing message, pause,
//! notification — build on this.)

mod division;
pub mod settings;

pub use division::{Division, DivisionMatcher, DivisionScore};
pub use settings::{Action, HandoverArgs, HandoverConfig};
