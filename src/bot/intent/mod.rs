//! Lightweight, rule-based intent helpers for the support bot (English and
//! Indonesian chat language):
//!
//! * [`HumanRequestDetector`]: does the customer ask to be served by a human
//!   (agent, CS, admin, operator, …)?
//! * [`small_talk`](fn@small_talk): is the whole message a greeting / thanks
//!   / acknowledgement / yes / no, with nothing else in it?
//! * [`feedback`]: does the message say that the bot's previous answer helped?
//!
//! Everything works on a private normalised form of the message (see
//! `normalize`): lower case, diacritics folded, punctuation turned into
//! clause breaks, stretched letters collapsed ("haloooo" → "halo"), chat
//! spellings mapped to one canonical word ("gak"/"nggak" → "tidak",
//! "sm"/"ama" → "sama", "mimin" → "admin", …), vocatives dropped
//! ("kak", "min", "gan"), and a small typo corrector for the handful of key
//! words the rules depend on ("agnet" → "agent", "sambungkn" → "sambungkan").
//!
//! The rules are general linguistic patterns (verb + preposition + target,
//! word-sense exclusions, negation windows), not lists of sentences. They are
//! tuned for precision: handing a customer to a human costs staff time, and
//! *not* noticing a request is recoverable (the customer will ask again).

mod human;
mod human_patterns;
mod lexicon;
mod normalize;
mod patterns;
mod small_talk;

pub use human::HumanRequestDetector;
pub use small_talk::{SmallTalk, feedback, small_talk};

/// One customer message, normalised once for all the intent checks (the
/// bot asks up to three of them per message; normalising is a good part of
/// each).
pub struct Analyzed(normalize::Normalized);

impl Analyzed {
    pub fn new(text: &str) -> Self {
        Analyzed(normalize::normalize(text))
    }

    /// [`HumanRequestDetector::is_human_request`] on this message.
    pub fn is_human_request(&self, detector: &HumanRequestDetector) -> bool {
        detector.is_human_request_of(&self.0)
    }

    /// [`feedback`] on this message.
    pub fn feedback(&self) -> Option<bool> {
        small_talk::feedback_of(&self.0)
    }

    /// [`small_talk`](fn@small_talk) on this message.
    pub fn small_talk(&self) -> Option<SmallTalk> {
        small_talk::small_talk_of(&self.0)
    }
}

#[cfg(test)]
mod tests;
