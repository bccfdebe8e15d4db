//! The handover summary for the agent, without an LLM: what the customer
//! asked, what the bot answered, and why it hands over.

use crate::conversation::{Author, Message};

fn reason_text(reason: &str) -> &str {
    match reason {
        "human_requested" => "the customer asked for a person",
        "lack_of_information" => "the knowledge base has no answer",
        "failed_to_resolve" => "the bot's answers did not help",
        "division_prompt" => "the message matched a division's handover rule",
        "bot_error" => "the bot failed",
        other => other,
    }
}

fn clip(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// `history` is oldest first and includes the message being answered.
pub fn extractive(history: &[Message], reason: &str) -> String {
    let asked: Vec<String> = history
        .iter()
        .filter(|m| m.author == Author::Customer)
        .filter_map(|m| m.text.as_deref())
        .filter(|t| t.split_whitespace().count() >= 3)
        .map(|t| format!("\"{}\"", clip(t, 140)))
        .collect();
    let answered: Vec<String> = history
        .iter()
        .filter(|m| m.author == Author::Bot)
        .filter_map(|m| {
            m.meta
                .as_ref()?
                .get("article_title")?
                .as_str()
                .map(str::to_string)
        })
        .collect();
    let mut out = String::new();
    match asked.len() {
        0 => out.push_str("The customer wrote only short messages."),
        _ => {
            let last: Vec<String> = asked.iter().rev().take(3).rev().cloned().collect();
            out.push_str(&format!("Customer asked: {}.", last.join("; ")));
        }
    }
    if answered.is_empty() {
        out.push_str(" The bot gave no knowledge-base answer.");
    } else {
        let mut seen = answered.clone();
        seen.dedup();
        out.push_str(&format!(" The bot answered with: {}.", seen.join("; ")));
    }
    out.push_str(&format!(" Handed over because {}.", reason_text(reason)));
    out
}
