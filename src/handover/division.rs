//! Which division a conversation belongs to, without an LLM.
//!
//! A division is described by free-text `prompt` ("Alihkan ke agent jika
//! user memiliki keluhan") and `keywords`. Matching is lexical: a keyword
//! phrase in the message, or the prompt's content words (generic handover
//! words removed, a few intent synonyms added). Limits: a prompt is not
//! understood, only its words are; a complaint phrased without any of the
//! words ("this is the third time I write!") is not recognised as one.
//! Keywords are the reliable lever; with an LLM configured the prompts are
//! read by the model instead.

use std::collections::HashSet;

use serde::Serialize;

use crate::bot::text::tokens;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Division {
    pub id: i64,
    pub name: String,
    pub prompt: String,
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DivisionScore {
    pub name: String,
    pub score: f64,
}

/// Words that say "hand over" rather than what about.
const GENERIC: &str = "alihkan alih pindahkan hubungkan sambungkan teruskan oper agent agen admin cs \
    user pengguna customer pelanggan konsumen jika kalau apabila bila ketika saat memiliki punya ada \
    ingin mau minta bertanya tanya soal tentang mengenai terkait divisi division team tim bagian human \
    manusia orang bicara hand over transfer route send forward when whenever if has have having wants \
    want asks ask about regarding related customers users questions question issue issues order orders \
    pesanan pesan produk product products barang item items need needs butuh perlu help bantuan";

/// Intent families: a prompt or keyword using one word also matches the
/// others, across English and Indonesian.
const SYNONYMS: &[&[&str]] = &[
    &[
        "keluhan",
        "komplain",
        "complaint",
        "complain",
        "kecewa",
        "disappointed",
        "marah",
        "angry",
        "kesal",
    ],
    &["tagihan", "billing", "invoice", "faktur"],
    &["refund", "pengembalian dana", "uang kembali", "money back"],
    &["rusak", "broken", "damaged", "cacat", "defective"],
];

struct Prepared {
    name: String,
    phrases: Vec<Vec<String>>,
    prompt_terms: HashSet<String>,
}

pub struct DivisionMatcher {
    divisions: Vec<Prepared>,
}

fn phrase_in(phrase: &[String], msg: &[String]) -> bool {
    !phrase.is_empty() && msg.windows(phrase.len()).any(|w| w == phrase)
}

impl DivisionMatcher {
    pub fn new(divisions: &[Division]) -> Self {
        let generic: HashSet<String> = tokens(GENERIC).into_iter().collect();
        let families: Vec<Vec<Vec<String>>> = SYNONYMS
            .iter()
            .map(|f| f.iter().map(|w| tokens(w)).collect())
            .collect();
        let prepared = divisions
            .iter()
            .map(|d| {
                let mut phrases: Vec<Vec<String>> = d
                    .keywords
                    .iter()
                    .map(|k| tokens(k))
                    .filter(|t| !t.is_empty())
                    .collect();
                let prompt_terms: HashSet<String> = tokens(&d.prompt)
                    .into_iter()
                    .filter(|t| !generic.contains(t) && !t.chars().all(|c| c.is_ascii_digit()))
                    .collect();
                // Expand keywords and prompt words by their intent family.
                for family in &families {
                    let hit = family.iter().any(|member| {
                        phrases.contains(member)
                            || (member.len() == 1 && prompt_terms.contains(&member[0]))
                    });
                    if hit {
                        for member in family {
                            if !phrases.contains(member) {
                                phrases.push(member.clone());
                            }
                        }
                    }
                }
                Prepared {
                    name: d.name.clone(),
                    phrases,
                    prompt_terms,
                }
            })
            .collect();
        DivisionMatcher {
            divisions: prepared,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.divisions.is_empty()
    }

    fn scores(&self, text: &str) -> Vec<DivisionScore> {
        let msg = tokens(text);
        self.divisions
            .iter()
            .map(|d| {
                let phrase_hits = d.phrases.iter().filter(|p| phrase_in(p, &msg)).count();
                let prompt_hits = d.prompt_terms.iter().filter(|t| msg.contains(t)).count();
                // Few content words in a prompt: one is telling. Many: want two.
                let needed = if d.prompt_terms.len() >= 4 { 2 } else { 1 };
                let prompt_score = if prompt_hits >= needed {
                    prompt_hits as f64
                } else {
                    0.0
                };
                DivisionScore {
                    name: d.name.clone(),
                    score: 2.0 * phrase_hits as f64 + prompt_score,
                }
            })
            .collect()
    }

    /// The division whose trigger this one message matches, if any.
    pub fn trigger(&self, text: &str) -> Option<DivisionScore> {
        self.scores(text)
            .into_iter()
            .filter(|s| s.score > 0.0)
            .max_by(|a, b| a.score.total_cmp(&b.score))
    }

    /// The best division for a whole conversation (its customer messages),
    /// with `hint` (e.g. the division of the article the bot found) adding
    /// weight. `None` when nothing points anywhere.
    pub fn best(&self, texts: &[&str], hint: Option<&str>) -> Option<String> {
        let mut totals: Vec<DivisionScore> = self
            .divisions
            .iter()
            .map(|d| DivisionScore {
                name: d.name.clone(),
                score: 0.0,
            })
            .collect();
        for text in texts {
            for (total, s) in totals.iter_mut().zip(self.scores(text)) {
                total.score += s.score;
            }
        }
        if let Some(h) = hint {
            if let Some(t) = totals.iter_mut().find(|t| t.name.eq_ignore_ascii_case(h)) {
                t.score += 1.5;
            }
        }
        totals
            .into_iter()
            .filter(|t| t.score > 0.0)
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .map(|t| t.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn divisions() -> Vec<Division> {
        vec![
            Division {
                id: 1,
                name: "Sales".into(),
                prompt: "Hand over when the customer wants a quote for bulk orders".into(),
                keywords: vec!["wholesale".into(), "grosir".into()],
            },
            Division {
                id: 2,
                name: "Complaints".into(),
                prompt: "Alihkan ke agent jika user memiliki keluhan".into(),
                keywords: vec![],
            },
            Division {
                id: 3,
                name: "Billing".into(),
                prompt: "".into(),
                keywords: vec!["invoice".into(), "double charged".into()],
            },
        ]
    }

    #[test]
    fn complaints_by_prompt_word_and_its_synonyms() {
        let m = DivisionMatcher::new(&divisions());
        for text in [
            "saya mau komplain",
            "ini keluhan saya",
            "I want to file a complaint",
            "saya kecewa banget",
        ] {
            assert_eq!(
                m.trigger(text).map(|s| s.name),
                Some("Complaints".into()),
                "{text}"
            );
        }
    }

    #[test]
    fn keywords_trigger_and_ordinary_questions_do_not() {
        let m = DivisionMatcher::new(&divisions());
        assert_eq!(
            m.trigger("I was double charged on my card").unwrap().name,
            "Billing"
        );
        assert_eq!(m.trigger("harga grosir berapa?").unwrap().name, "Sales");
        for text in [
            "how long does shipping take",
            "jam buka toko",
            "where is my order",
            "hi",
        ] {
            assert!(m.trigger(text).is_none(), "{text}");
        }
    }

    #[test]
    fn best_over_a_conversation_uses_the_hint() {
        let m = DivisionMatcher::new(&divisions());
        assert_eq!(
            m.best(&["where is my order"], Some("billing")),
            Some("Billing".into())
        );
        assert_eq!(m.best(&["where is my order"], None), None);
        assert_eq!(
            m.best(&["hello", "my invoice is wrong"], Some("Sales")),
            Some("Billing".into())
        );
    }
}
