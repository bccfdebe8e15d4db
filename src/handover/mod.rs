//! Handover: divisions and how a conversation finds its division, and the
//! office hours handover messages and due times follow. (The handover
//! actions — assignment, tags, task, closing message, pause, notification —
//! build on this.)

mod division;
mod engine;
mod hours;
mod presence;
pub mod settings;
pub mod timers;

pub use division::{Division, DivisionMatcher, DivisionScore};
pub use engine::Engine;
pub use hours::OfficeHours;
pub use presence::{Presence, SEEN_EVERY_MS};
pub use settings::{Action, HandoverArgs, HandoverConfig};
pub use timers::{ReassignDue, Tick, Timers};
