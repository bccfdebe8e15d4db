//! The handover's environment: which actions run in which order, the texts
//! customers get, the pause, tags and the follow-up task.

use std::time::Duration;

use clap::Args;

use crate::config::parse_duration;

/// Handover settings as given (flattened into the gateway's settings).
#[derive(Clone, Args)]
pub struct HandoverArgs {
    /// Actions a handover runs, in order (at most 6, each once): `assign`,
    /// `tag`, `task`, `message`, `pause`, `notify`.
    #[arg(
        long,
        env = "HANDOVER_ACTIONS",
        default_value = "assign,tag,task,message,pause,notify"
    )]
    pub handover_actions: String,
    /// Tags a handover adds, comma-separated.
    #[arg(long, env = "HANDOVER_TAGS", default_value = "human_handover")]
    pub handover_tags: String,
    /// When the handover's follow-up task is due.
    #[arg(long, env = "HANDOVER_TASK_DUE", default_value = "24h")]
    pub handover_task_due: String,
    /// How long the bot stays silent, counted from the last human message
    /// (`0`: until an agent hands back).
    #[arg(long, env = "HANDOVER_PAUSE", default_value = "30m")]
    pub handover_pause: String,
    /// Told to the customer when the conversation is handed over (empty:
    /// nothing).
    #[arg(
        long,
        env = "HANDOVER_MESSAGE",
        default_value = "Thank you! Someone from the team will get back to you."
    )]
    pub handover_message: String,
    /// Told when an agent takes the conversation over; `{agent}` is their
    /// name (empty: nothing).
    #[arg(
        long,
        env = "TAKEOVER_MESSAGE",
        default_value = "Your conversation is now handled by our Customer Service. I'm {agent} ready to assist you."
    )]
    pub takeover_message: String,
    /// Told when an agent hands the conversation back to the bot (empty:
    /// nothing).
    #[arg(
        long,
        env = "HANDBACK_MESSAGE",
        default_value = "Thank you for contacting us. Your conversation is now back to being handled by AI assistant. If you need help again, don't hesitate to ask!"
    )]
    pub handback_message: String,
    /// Told at a handover when no agent of the division is online.
    #[arg(
        long,
        env = "HANDOVER_OFFLINE_MESSAGE",
        default_value = "Thank you! Our team is not online right now; we will get back to you as soon as someone is."
    )]
    pub handover_offline_message: String,
    /// Told at a handover outside `OFFICE_HOURS` (at most once per
    /// conversation per day).
    #[arg(
        long,
        env = "HANDOVER_OUT_OF_HOURS_MESSAGE",
        default_value = "Thank you! We are outside our office hours right now; we will get back to you when we open."
    )]
    pub handover_out_of_hours_message: String,
    /// How a handover picks an agent: `least_busy` (fewest open
    /// conversations, ties round robin), `round_robin`, or `pool` (nobody:
    /// the division's agents claim from its queue).
    #[arg(long, env = "ASSIGN_STRATEGY", default_value = "least_busy")]
    pub assign_strategy: String,
    /// An assigned agent who has not answered within this loses the
    /// conversation to the next available agent (`0`: never).
    #[arg(long, env = "HANDOVER_REASSIGN_AFTER", default_value = "10m")]
    pub handover_reassign_after: String,
}

/// How a handover picks an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssignStrategy {
    #[default]
    LeastBusy,
    RoundRobin,
    Pool,
}

impl std::str::FromStr for AssignStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "least_busy" => Ok(AssignStrategy::LeastBusy),
            "round_robin" => Ok(AssignStrategy::RoundRobin),
            "pool" => Ok(AssignStrategy::Pool),
            other => Err(format!("`{other}` is not a strategy")),
        }
    }
}

/// One handover action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Assign,
    Tag,
    Task,
    Message,
    Pause,
    Notify,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Assign => "assign",
            Action::Tag => "tag",
            Action::Task => "task",
            Action::Message => "message",
            Action::Pause => "pause",
            Action::Notify => "notify",
        }
    }
}

impl std::str::FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "assign" => Action::Assign,
            "tag" => Action::Tag,
            "task" => Action::Task,
            "message" => Action::Message,
            "pause" => Action::Pause,
            "notify" => Action::Notify,
            other => {
                return Err(format!(
                    "unknown action `{other}` (expected assign, tag, task, message, pause, notify)"
                ));
            }
        })
    }
}

/// Validated handover settings.
#[derive(Debug, Clone)]
pub struct HandoverConfig {
    pub actions: Vec<Action>,
    pub tags: Vec<String>,
    pub task_due: Duration,
    /// `None`: the bot stays silent until an agent hands back.
    pub pause: Option<Duration>,
    pub message: String,
    pub takeover_message: String,
    pub handback_message: String,
    pub offline_message: String,
    pub out_of_hours_message: String,
    pub strategy: AssignStrategy,
    /// `None`: an assigned agent keeps the conversation however long.
    pub reassign_after: Option<Duration>,
}

impl Default for HandoverConfig {
    fn default() -> Self {
        HandoverConfig {
            actions: vec![
                Action::Assign,
                Action::Tag,
                Action::Task,
                Action::Message,
                Action::Pause,
                Action::Notify,
            ],
            tags: vec!["human_handover".into()],
            task_due: Duration::from_secs(24 * 3600),
            pause: Some(Duration::from_secs(30 * 60)),
            message: String::new(),
            takeover_message: String::new(),
            handback_message: String::new(),
            offline_message: String::new(),
            out_of_hours_message: String::new(),
            strategy: AssignStrategy::LeastBusy,
            reassign_after: Some(Duration::from_secs(600)),
        }
    }
}

/// `HANDOVER_ACTIONS`: known names, each once, at most six.
pub fn parse_actions(s: &str) -> Result<Vec<Action>, String> {
    let mut out: Vec<Action> = Vec::new();
    for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let action: Action = name.parse()?;
        if out.contains(&action) {
            return Err(format!("`{name}` is listed twice"));
        }
        out.push(action);
    }
    if out.len() > 6 {
        return Err("at most 6 actions".into());
    }
    Ok(out)
}

impl HandoverArgs {
    /// Validates; each problem names its variable.
    pub fn validate(&self) -> Result<HandoverConfig, Vec<String>> {
        let mut problems = Vec::new();
        let mut check = |var: &str, form: &str, r: Result<Duration, String>| {
            r.map_err(|e| problems.push(format!("{var}: {e} (expected {form})")))
                .ok()
        };
        let task_due = check(
            "HANDOVER_TASK_DUE",
            "a duration such as 24h",
            parse_duration(&self.handover_task_due),
        );
        let pause = check(
            "HANDOVER_PAUSE",
            "a duration such as 30m, or 0",
            parse_duration(&self.handover_pause),
        );
        let reassign_after = check(
            "HANDOVER_REASSIGN_AFTER",
            "a duration such as 10m, or 0",
            parse_duration(&self.handover_reassign_after),
        );
        let strategy = self
            .assign_strategy
            .parse::<AssignStrategy>()
            .map_err(|e| {
                problems.push(format!(
                    "ASSIGN_STRATEGY: {e} (expected least_busy, round_robin or pool)"
                ))
            })
            .ok();
        let actions = parse_actions(&self.handover_actions)
            .map_err(|e| {
                problems.push(format!(
                    "HANDOVER_ACTIONS: {e} (expected a comma-separated list of assign, tag, task, message, pause, notify)"
                ))
            })
            .ok();
        let (Some(task_due), Some(pause), Some(actions), Some(reassign_after), Some(strategy)) =
            (task_due, pause, actions, reassign_after, strategy)
        else {
            return Err(problems);
        };
        Ok(HandoverConfig {
            actions,
            tags: self
                .handover_tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect(),
            task_due,
            pause: (!pause.is_zero()).then_some(pause),
            message: self.handover_message.trim().to_string(),
            takeover_message: self.takeover_message.trim().to_string(),
            handback_message: self.handback_message.trim().to_string(),
            offline_message: self.handover_offline_message.trim().to_string(),
            out_of_hours_message: self.handover_out_of_hours_message.trim().to_string(),
            strategy,
            reassign_after: (!reassign_after.is_zero()).then_some(reassign_after),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_known_unique_and_at_most_six() {
        assert_eq!(
            parse_actions("tag, message").unwrap(),
            [Action::Tag, Action::Message]
        );
        assert!(parse_actions("tag,fax").unwrap_err().contains("`fax`"));
        assert!(parse_actions("tag,tag").unwrap_err().contains("twice"));
        assert!(parse_actions("").unwrap().is_empty());
    }
}
