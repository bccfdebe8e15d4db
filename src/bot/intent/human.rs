//! The human-request detector: negation / past-time guards on the left
//! context of a match, and the decision order over the rule tables in
//! [`super::human_patterns`].

use regex::{Regex, RegexBuilder};

use super::human_patterns::{BARE_TARGET, Guard, NEUTRALIZERS, Rule, STRONG, VETOES, WEAK};
use super::normalize::{Normalized, normalize};

const NEGATORS: &[&str] = &[
    "not", "dont", "doesnt", "didnt", "never", "tidak", "jangan", "tanpa", "without", "nor",
    "wont", "shouldnt", "belum",
];
const PAST_MARKERS: &[&str] = &[
    "sudah", "pernah", "tadi", "kemarin", "already", "sedang", "barusan",
];
const DESIRE: &[&str] = &[
    "mau", "ingin", "pengen", "minta", "want", "need", "perlu", "butuh", "tolong", "please",
];
/// Words that end the left context of a match ("… but talk to a human").
const BOUNDARIES: &[&str] = &["but", "tapi", "and", "dan", "so", "jadi", "just", "cuma"];

/// Is the match starting at `start` cancelled by its left context?
fn blocked(clause: &str, start: usize, guard: Guard) -> bool {
    if matches!(guard, Guard::None) {
        return false;
    }
    // Walk backwards lazily: only the last few words are ever looked at, so
    // long inputs with many matches stay linear.
    let before = clause.get(..start).unwrap_or("").split_whitespace().rev();
    let mut window: Vec<&str> = Vec::new();
    for w in before {
        if BOUNDARIES.contains(&w) || window.len() == 3 {
            break;
        }
        window.push(w);
    }
    // window is nearest-first
    for (i, w) in window.iter().enumerate() {
        if NEGATORS.contains(w) {
            return true;
        }
        // "no need to talk to …", "no longer want …" (a bare "no" is usually
        // an interjection: "no, i want a human").
        if *w == "no" && i > 0 && matches!(window[i - 1], "need" | "longer" | "more") {
            return true;
        }
    }
    if matches!(guard, Guard::NegPast) {
        for w in &window {
            if DESIRE.contains(w) {
                break;
            }
            if PAST_MARKERS.contains(w) {
                return true;
            }
        }
    }
    false
}

fn any_rule_matches(rules: &[Rule], clause: &str) -> bool {
    rules.iter().any(|rule| {
        rule.re
            .find_iter(clause)
            .any(|m| !blocked(clause, m.start(), rule.guard))
    })
}

/// Detects a customer's request to be handed over to a human.
///
/// Decision order, per message:
/// 1. any `extra` pattern matches the normalised text → request;
/// 2. word-sense exclusions blank out targets that are not our staff
///    (`NEUTRALIZERS`: "agen JNE", "biaya admin", "my manager", "I am not a
///    human");
/// 3. a strong rule matches in some clause and is not cancelled by negation
///    or a past marker in its left context → request (`STRONG`);
/// 4. a veto (question about the bot's nature or about CS hours/contact
///    details) → not a request (`VETOES`);
/// 5. a weak rule (availability, addressing staff) matches → request
///    (`WEAK`).
#[derive(Debug, Clone)]
pub struct HumanRequestDetector {
    extra: Vec<Regex>,
}

impl HumanRequestDetector {
    /// Built-in English + Indonesian patterns plus `extra` regexes (case-insensitive, matched against the normalized text).
    /// Errors name the bad pattern.
    pub fn new(extra: &[String]) -> Result<Self, String> {
        let extra = extra
            .iter()
            .map(|p| {
                RegexBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| format!("invalid human-request pattern {p:?}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(HumanRequestDetector { extra })
    }

    /// True when `text` asks to be served by a human (agent, CS, admin, …).
    pub fn is_human_request(&self, text: &str) -> bool {
        self.is_human_request_of(&normalize(text))
    }

    pub(super) fn is_human_request_of(&self, norm: &Normalized) -> bool {
        if norm.clauses.is_empty() {
            return false;
        }
        let full = norm.full();
        if self.extra.iter().any(|re| re.is_match(&full)) {
            return true;
        }
        let clauses: Vec<String> = norm.clauses.iter().map(|c| neutralize(c)).collect();
        // A clause that is nothing but a target noun is a request on its own
        // ("operator", "agent!! agent!!"), but in front of other content it
        // is a vocative: "admin, pesanan saya belum sampai" addresses whoever
        // reads the chat and asks about an order.
        let vocative: Vec<bool> = clauses.iter().map(|c| BARE_TARGET.is_match(c)).collect();
        let all_bare = vocative.iter().all(|v| *v);
        let considered = || {
            clauses
                .iter()
                .zip(&vocative)
                .filter(move |(_, v)| all_bare || !**v)
                .map(|(c, _)| c.as_str())
        };
        if considered().any(|c| any_rule_matches(&STRONG, c)) {
            return true;
        }
        if VETOES.iter().any(|re| re.is_match(&full)) {
            return false;
        }
        considered().any(|c| any_rule_matches(&WEAK, c))
    }
}

fn neutralize(clause: &str) -> String {
    let mut out = clause.to_string();
    for re in NEUTRALIZERS.iter() {
        if re.is_match(&out) {
            out = re.replace_all(&out, "x").into_owned();
        }
    }
    out
}
