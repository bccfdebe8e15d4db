//! The knowledge-base search index: BM25F over title, keywords/tags and
//! body, with typo-tolerant term lookup.
//!
//! Scores are reported as *confidence*: the BM25 score divided by the best
//! score the query's terms could reach (each term's idf × (k1 + 1)), so
//! 1.0 means every query term matched strongly and unknown words pull it
//! down. That makes one threshold work for short and long questions alike.

use std::collections::HashMap;

use super::article::Article;
use super::synonyms::terms as tokens;
use super::text::{edit_distance_within, typo_budget};

const K1: f32 = 1.2;
/// Field weights and length normalization (title, keywords, body).
const WEIGHTS: [f32; 3] = [3.0, 2.5, 1.0];
const B: [f32; 3] = [0.3, 0.3, 0.75];
/// A fuzzy (typo) match counts this much of an exact one.
const FUZZY: f32 = 0.7;
/// Confidence credit for a matched word: half for being there at all, half
/// growing with how strongly (field, frequency) the article has it.
const SAT_FLOOR: f32 = 0.5;
/// Very common words still count a little toward "best possible".
const IDF_FLOOR: f32 = 0.1;
/// Confidence added per multi-word keyword phrase found verbatim (max 2):
/// authors put customers' own phrasings there.
const PHRASE_BONUS: f32 = 0.1;
/// The same evidence also ranks: each such phrase (max 2) multiplies the
/// score by 1 + this. Two words in the author's order beat the same two
/// words scattered ("cod refund" vs "refuse cod" + "refund" in the body);
/// 0.2 lets a phrase break near-ties without overturning a clearly better
/// match (0.1 was too weak to flip any ranking, 0.4 did no better).
const PHRASE_RANK: f32 = 0.2;
/// Up to this many query words an unknown word weighs in full; beyond, its
/// weight shrinks as `SHORT_QUERY / words`. In a three-word question an
/// unknown word is likely the subject ("gift wrap orders"); in a chatty
/// nine-word one it is mostly context (a city, an app, "legit").
const SHORT_QUERY: f32 = 3.0;

/// How much a word the KB has never seen counts against a match, relative
/// to the rarest known word: short ones are mostly abbreviations and chat
/// spellings ("smth", "hrs"), long ones mostly real subjects the KB lacks
/// ("wattage", "dropship", "lowongan").
fn unknown_weight(token: &str) -> f32 {
    let len = token.chars().count();
    if token.chars().any(|c| c.is_ascii_digit()) {
        1.0
    } else if len <= 4 {
        0.5
    } else if len >= 6 {
        1.5
    } else {
        1.0
    }
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    tf: [u16; 3],
}

pub struct Index {
    pub(super) articles: Vec<Article>,
    vocab: HashMap<String, u32>,
    terms: Vec<String>,
    /// Term ids by character length, for typo lookups.
    by_len: Vec<Vec<u32>>,
    /// Which characters each term contains (see [`char_mask`]).
    masks: Vec<u64>,
    postings: Vec<Vec<Posting>>,
    idf: Vec<f32>,
    /// Field lengths per document and their averages.
    lens: Vec<[f32; 3]>,
    avg: [f32; 3],
    /// Multi-word keyword phrases of each article, as terms.
    phrases: Vec<Vec<Vec<String>>>,
    /// Keyword phrases of stop words plus at most one term, as plain words.
    verbatim: Vec<Vec<Vec<String>>>,
    /// What a word the KB does not know weighs in "best possible".
    unknown_idf: f32,
}

/// One ranked article.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: usize,
    /// BM25F score: ranks.
    pub score: f32,
    /// Share of the query explained by this article, 0–1: decides.
    pub confidence: f32,
}

impl Index {
    pub fn build(articles: Vec<Article>) -> Index {
        let mut vocab: HashMap<String, u32> = HashMap::new();
        let mut terms: Vec<String> = Vec::new();
        let mut postings: Vec<Vec<Posting>> = Vec::new();
        let mut lens = Vec::with_capacity(articles.len());
        for (doc, a) in articles.iter().enumerate() {
            let keywords = format!("{} {}", a.keywords.join(" "), a.tags.join(" "));
            let fields = [tokens(&a.title), tokens(&keywords), tokens(&a.body)];
            lens.push(fields.each_ref().map(|f| f.len() as f32));
            let mut tf: HashMap<u32, [u16; 3]> = HashMap::new();
            for (f, toks) in fields.iter().enumerate() {
                for t in toks {
                    let id = *vocab.entry(t.clone()).or_insert_with(|| {
                        terms.push(t.clone());
                        postings.push(Vec::new());
                        (terms.len() - 1) as u32
                    });
                    let e = tf.entry(id).or_default();
                    e[f] = e[f].saturating_add(1);
                }
            }
            for (id, tf) in tf {
                postings[id as usize].push(Posting {
                    doc: doc as u32,
                    tf,
                });
            }
        }
        let n = articles.len().max(1) as f32;
        let idf: Vec<f32> = postings
            .iter()
            .map(|p| (1.0 + (n - p.len() as f32 + 0.5) / (p.len() as f32 + 0.5)).ln())
            .collect();
        let max_idf = (1.0 + (n + 0.5) / 0.5).ln();
        let mut avg = [0f32; 3];
        for l in &lens {
            for f in 0..3 {
                avg[f] += l[f] / n;
            }
        }
        let masks: Vec<u64> = terms.iter().map(|t| char_mask(t)).collect();
        let mut by_len: Vec<Vec<u32>> = Vec::new();
        for (id, t) in terms.iter().enumerate() {
            let len = t.chars().count();
            if by_len.len() <= len {
                by_len.resize(len + 1, Vec::new());
            }
            by_len[len].push(id as u32);
        }
        let phrases: Vec<Vec<Vec<String>>> = articles
            .iter()
            .map(|a| {
                a.keywords
                    .iter()
                    .map(|k| tokens(k))
                    .filter(|t| t.len() >= 2)
                    .collect()
            })
            .collect();
        // Phrases made mostly of stop words ("where is my order") leave at
        // most one term behind, so the term form above cannot see them; they
        // are matched word for word instead.
        let verbatim: Vec<Vec<Vec<String>>> = articles
            .iter()
            .map(|a| {
                a.keywords
                    .iter()
                    .filter(|k| tokens(k).len() < 2)
                    .map(|k| plain_words(k))
                    .filter(|w| w.len() >= 2)
                    .collect()
            })
            .collect();
        let unknown_idf = max_idf;
        Index {
            phrases,
            verbatim,
            unknown_idf,
            articles,
            vocab,
            terms,
            by_len,
            masks,
            postings,
            idf,
            lens,
            avg,
        }
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// Term ids a query token matches, with their weight: itself when known,
    /// else vocabulary terms within its typo budget.
    fn lookup(&self, token: &str) -> Vec<(u32, f32)> {
        if let Some(id) = self.vocab.get(token) {
            return vec![(*id, 1.0)];
        }
        let len = token.chars().count();
        let budget = typo_budget(len);
        if budget == 0 {
            return Vec::new();
        }
        let mut found = Vec::new();
        let mask = char_mask(token);
        for l in len.saturating_sub(budget)..=len + budget {
            for id in self.by_len.get(l).into_iter().flatten() {
                // One edit changes at most two characters' presence: a cheap
                // test that skips most of the vocabulary.
                if (self.masks[*id as usize] ^ mask).count_ones() as usize > 2 * budget {
                    continue;
                }
                let term = &self.terms[*id as usize];
                if let Some(d) = edit_distance_within(token, term, budget) {
                    found.push((*id, d));
                }
            }
        }
        // Keep the closest few, so a typo does not match half the vocabulary.
        found.sort_by_key(|(_, d)| *d);
        let best = found.first().map(|(_, d)| *d).unwrap_or(0);
        found
            .into_iter()
            .filter(|(_, d)| *d == best)
            .take(3)
            .map(|(id, _)| (id, FUZZY))
            .collect()
    }

    /// Ranks articles for `query`, best first (at most `limit`).
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let ordered = tokens(query);
        let words = plain_words(query);
        let mut q = ordered.clone();
        q.sort();
        q.dedup();
        if q.is_empty() || self.articles.is_empty() {
            return Vec::new();
        }
        let mut scores = vec![0f32; self.articles.len()];
        let mut cover = vec![0f32; self.articles.len()];
        let mut best_possible = 0f32;
        let unknown_scale = (SHORT_QUERY / q.len() as f32).min(1.0);
        for token in &q {
            let matches = self.lookup(token);
            // An unknown word counts as a rare one the KB does not have.
            let weight = matches
                .iter()
                .map(|(id, w)| self.idf[*id as usize] * w)
                .fold(0f32, f32::max);
            best_possible += if matches.is_empty() {
                unknown_weight(token) * self.unknown_idf * unknown_scale
            } else {
                weight.max(IDF_FLOOR)
            };
            let mut seen: Vec<(usize, f32)> = Vec::new();
            for (id, w) in matches {
                let idf = self.idf[id as usize];
                for p in &self.postings[id as usize] {
                    let doc = p.doc as usize;
                    let mut tf = 0f32;
                    for f in 0..3 {
                        if p.tf[f] > 0 {
                            let norm = 1.0 - B[f] + B[f] * self.lens[doc][f] / self.avg[f].max(1.0);
                            tf += WEIGHTS[f] * p.tf[f] as f32 / norm;
                        }
                    }
                    let sat = tf / (tf + K1);
                    scores[doc] += idf * w * sat * (K1 + 1.0);
                    let c = idf * w * (SAT_FLOOR + (1.0 - SAT_FLOOR) * sat);
                    match seen.iter_mut().find(|(d, _)| *d == doc) {
                        Some((_, best)) => *best = best.max(c),
                        None => seen.push((doc, c)),
                    }
                }
            }
            for (doc, c) in seen {
                cover[doc] += c;
            }
        }
        let mut hits: Vec<Hit> = scores
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > 0.0)
            .map(|(doc, s)| {
                let contains = |seq: &[String], p: &Vec<String>| {
                    seq.windows(p.len()).any(|w| w == p.as_slice())
                };
                let phrase_hits = (self.phrases[doc]
                    .iter()
                    .filter(|p| contains(&ordered, p))
                    .count()
                    + self.verbatim[doc]
                        .iter()
                        .filter(|p| contains(&words, p))
                        .count())
                .min(2) as f32;
                Hit {
                    doc,
                    score: s * (1.0 + PHRASE_RANK * phrase_hits),
                    confidence: if best_possible > 0.0 {
                        (cover[doc] / best_possible + PHRASE_BONUS * phrase_hits).min(1.0)
                    } else {
                        0.0
                    },
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        hits.truncate(limit);
        hits
    }
}

/// Lower-case words, apostrophes dropped ("don't" → "dont"), split at
/// anything that is not a letter or digit: a phrase as the customer typed it.
fn plain_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}'))
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A bit per character class present in a term (letters, digits, the rest
/// folded together), for the typo lookup's pre-filter.
fn char_mask(term: &str) -> u64 {
    term.chars().fold(0u64, |m, c| {
        let bit = match c {
            'a'..='z' => c as u32 - 'a' as u32,
            '0'..='9' => 26 + (c as u32 - '0' as u32),
            other => 36 + (other as u32 % 28),
        };
        m | (1 << bit)
    })
}
