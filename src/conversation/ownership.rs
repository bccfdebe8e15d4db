//! The ownership rule, in one place: the bot may speak only while the
//! conversation is in `bot` status and not paused. The router asks
//! [`bot_may_speak`] before it consults the bot; the store re-checks the same
//! rule with [`bot_may_speak_sql`] inside the transaction that queues a bot
//! reply, and the delivery worker once more before a bot message leaves, so
//! a human takeover that lands while the bot is thinking always wins.

use super::Status;

pub fn bot_may_speak(status: Status, paused_until_ms: Option<i64>, now_ms: i64) -> bool {
    status == Status::Bot && paused_until_ms.is_none_or(|until| until <= now_ms)
}

/// The same rule as a SQL condition on the `conversations` table, with the
/// current time bound as parameter `$now` (e.g. `"$2"`).
pub fn bot_may_speak_sql(now: &str) -> String {
    format!("status = 'bot' AND (paused_until IS NULL OR paused_until <= {now})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unpaused_bot_conversation_lets_the_bot_speak() {
        assert!(bot_may_speak(Status::Bot, None, 100));
        assert!(bot_may_speak(Status::Bot, Some(100), 100));
        assert!(!bot_may_speak(Status::Bot, Some(101), 100));
        for s in [Status::Pending, Status::Open, Status::Resolved] {
            assert!(!bot_may_speak(s, None, 100), "{s}");
        }
    }
}
