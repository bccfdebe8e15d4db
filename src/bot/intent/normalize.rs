//! Normalisation: turns a raw chat message into the canonical clause/token
//! form all rules work on (see the module documentation of [`super`]). The
//! word tables it relies on live in [`super::lexicon`].

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::lexicon::{ALIASES, FUZZY_STOP, FUZZY_TARGETS, NYA_NOUNS, VOCAB, VOCATIVES};

/// A message after normalisation: one string per clause (clauses are split at
/// sentence punctuation), tokens separated by single spaces.
pub(super) struct Normalized {
    pub(super) clauses: Vec<String>,
    /// The raw text contained a question mark.
    pub(super) question: bool,
    /// Number of vocatives ("kak", "min", …) that were dropped.
    pub(super) vocatives: usize,
}

impl Normalized {
    pub(super) fn full(&self) -> String {
        self.clauses.join(" ")
    }

    pub(super) fn tokens(&self) -> Vec<&str> {
        self.clauses
            .iter()
            .flat_map(|c| c.split_whitespace())
            .collect()
    }
}

/// Fold the common Latin diacritics onto their base letter ("café" → "cafe").
fn fold_diacritic(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Collapse runs of three or more identical characters to one
/// ("haloooo" → "halo", "thxxx" → "thx") while keeping real doubles
/// ("good", "staff").
fn collapse_runs(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let run = j - i;
        let keep = if run >= 3 { 1 } else { run };
        for _ in 0..keep {
            out.push(c);
        }
        i = j;
    }
    out
}

/// Collapse every run of identical characters ("okk" → "ok", "thankss" →
/// "thanks", "good" → "god"). Only used as a lookup key, on both sides.
pub(super) fn squeeze(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut prev = None;
    for c in word.chars() {
        if prev != Some(c) {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

/// A typo target and its squeezed spelling.
type FuzzyTarget = (&'static str, String);

struct Lexicon {
    /// The typo targets with their squeezed spelling, by first letter:
    /// [`fuzzy_target`] runs for every unknown token of every message, so the
    /// per-target work is done once here.
    fuzzy: HashMap<u8, Vec<FuzzyTarget>>,
    vocatives: HashSet<String>,
    aliases: HashMap<String, &'static str>,
    vocab: HashMap<String, &'static str>,
    fuzzy_stop: HashSet<&'static str>,
    nya_nouns: HashSet<&'static str>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| Lexicon {
    fuzzy: FUZZY_TARGETS.split('|').filter(|t| !t.is_empty()).fold(
        HashMap::new(),
        |mut by_first, t| {
            by_first
                .entry(t.as_bytes()[0])
                .or_insert_with(Vec::new)
                .push((t, squeeze(t)));
            by_first
        },
    ),
    vocatives: VOCATIVES.iter().map(|v| squeeze(v)).collect(),
    aliases: ALIASES.iter().map(|(k, v)| (squeeze(k), *v)).collect(),
    vocab: VOCAB.iter().map(|w| (squeeze(w), *w)).collect(),
    fuzzy_stop: FUZZY_STOP.iter().copied().collect(),
    nya_nouns: NYA_NOUNS.iter().copied().collect(),
});

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// `short` is `long` with one or more vowels deleted ("humn" / "human",
/// "sambungkn" / "sambungkan", "pls" / "please"): the usual chat shorthand.
/// Both are ASCII (checked by the caller).
fn is_vowel_drop(short: &[u8], long: &[u8]) -> bool {
    if short.len() >= long.len() {
        return false;
    }
    let mut i = 0;
    for &c in long {
        if i < short.len() && short[i] == c {
            i += 1;
        } else if !is_vowel(c as char) {
            return false;
        }
    }
    i == short.len()
}

/// One insertion, deletion or adjacent transposition (any length ≥ 5), or one
/// substitution (length ≥ 7, where a substituted letter is still unambiguous).
/// Both are ASCII (checked by the caller).
fn is_one_edit(a: &[u8], b: &[u8]) -> bool {
    if a.len().min(b.len()) < 5 || a == b {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        1 => {
            // The first difference is the only place a letter can be skipped.
            let at = short
                .iter()
                .zip(long)
                .position(|(x, y)| x != y)
                .unwrap_or(short.len());
            short[at..] == long[at + 1..]
        }
        0 => {
            let mut diffs = (0..a.len()).filter(|&i| a[i] != b[i]);
            match (diffs.next(), diffs.next(), diffs.next()) {
                (Some(i), None, _) => a.len() >= 7 && i > 0,
                (Some(i), Some(j), None) => j == i + 1 && a[i] == b[j] && a[j] == b[i],
                _ => false,
            }
        }
        _ => false,
    }
}

/// Typo correction restricted to [`FUZZY_TARGETS`]: same first letter, and
/// either a vowel-dropped spelling or a single edit. Ambiguous tokens (two
/// targets fit) are left alone.
pub(super) fn fuzzy_target(token: &str) -> Option<&'static str> {
    if token.len() < 3
        || !token.bytes().all(|c| c.is_ascii_alphabetic())
        || LEXICON.fuzzy_stop.contains(token)
    {
        return None;
    }
    let candidates = LEXICON.fuzzy.get(&token.as_bytes()[0])?;
    let sq = squeeze(token);
    // Vowel-dropped spellings are the stronger signal, so they are tried
    // first; a single edit is only a fallback.
    let tests: [&dyn Fn(&FuzzyTarget) -> bool; 2] = [
        &|(_, squeezed)| is_vowel_drop(sq.as_bytes(), squeezed.as_bytes()),
        &|(target, _)| is_one_edit(token.as_bytes(), target.as_bytes()),
    ];
    for test in tests {
        let mut hits = candidates.iter().filter(|c| test(c));
        match (hits.next(), hits.next()) {
            (Some((hit, _)), None) => return Some(hit),
            (Some(_), Some(_)) => return None,
            _ => {}
        }
    }
    None
}

/// Canonical form of one token (already lower-cased, punctuation-free).
/// Returns an empty string for vocatives.
pub(super) fn canonical_token(raw: &str, vocatives: &mut usize) -> String {
    let tok = collapse_runs(raw);
    let sq = squeeze(&tok);
    if LEXICON.vocatives.contains(&sq) {
        *vocatives += 1;
        return String::new();
    }
    if let Some(alias) = LEXICON.aliases.get(&sq) {
        return (*alias).to_string();
    }
    if let Some(word) = LEXICON.vocab.get(&sq) {
        return (*word).to_string();
    }
    if let Some(stem) = tok.strip_suffix("nya").filter(|s| s.chars().count() >= 2) {
        let mut ignored = 0;
        let stem = canonical_token(stem, &mut ignored);
        if LEXICON.nya_nouns.contains(stem.as_str()) {
            return format!("{stem} nya");
        }
    }
    if let Some(target) = fuzzy_target(&tok) {
        return target.to_string();
    }
    tok
}

/// See the module documentation. Clause breaks: `. , ; ! ? :` newlines and
/// brackets. Apostrophes are deleted (not spaced) so "don't" → "dont",
/// "assalamu'alaikum" → "assalamualaikum".
pub(super) fn normalize(text: &str) -> Normalized {
    let mut raw_clauses: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut question = false;
    for c in text.to_lowercase().chars() {
        let c = fold_diacritic(c);
        match c {
            '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => {}
            '?' | '.' | ',' | ';' | '!' | ':' | '\n' | '\r' | '(' | ')' | '[' | ']' | '|' => {
                if c == '?' {
                    question = true;
                }
                raw_clauses.push(std::mem::take(&mut cur));
            }
            c if c.is_alphanumeric() => cur.push(c),
            _ => cur.push(' '),
        }
    }
    raw_clauses.push(cur);

    let mut vocatives = 0;
    let mut clauses = Vec::new();
    for raw in raw_clauses {
        let words: Vec<String> = raw
            .split_whitespace()
            .map(|t| canonical_token(t, &mut vocatives))
            .filter(|t| !t.is_empty())
            .collect();
        if !words.is_empty() {
            clauses.push(words.join(" "));
        }
    }
    Normalized {
        clauses,
        question,
        vocatives,
    }
}
