// ---------------------------------------------------------------------------
// Stemming: the Indonesian part (see `stem`)
// ---------------------------------------------------------------------------

use super::stem::{is_consonant, is_vowel, looks_english};
use super::word_set::ROOT_SET;

fn is_root(w: &str) -> bool {
    ROOT_SET.contains(w)
}

/// Whether `first` followed by `rest` is in
/// [`ROOTS`](super::stem_tables::ROOTS), without allocating.
pub(super) fn is_root_with(first: u8, rest: &str) -> bool {
    let mut buf = [0u8; 24];
    let Some(word) = buf.get_mut(..=rest.len()) else {
        return false; // longer than any root
    };
    if let Some((head, tail)) = word.split_first_mut() {
        *head = first;
        tail.copy_from_slice(rest.as_bytes());
    }
    std::str::from_utf8(word).is_ok_and(is_root)
}

/// Whether `b` can be an Indonesian stem (see [`stem`](super::stem())).
fn plausible_id(b: &[u8]) -> bool {
    let (&[c0, c1, ..], &[.., y, z]) = (b, b) else {
        return false;
    };
    if b.len() < 4 || looks_english(b) || !b.iter().any(|&c| is_vowel(c)) {
        return false;
    }
    let start_ok = !(is_consonant(c0) && is_consonant(c1))
        || matches!(c1, b'r' | b'l')
        || matches!(
            (c0, c1),
            (b'n', b'y') | (b'n', b'g') | (b's', b'y') | (b'k', b'h') | (b's', b'w')
        );
    let end_ok =
        !(is_consonant(y) && is_consonant(z)) || matches!((y, z), (b'n', b'g') | (b'k', b'h'));
    start_ok && end_ok
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prefix {
    Me,
    Pe,
    Per,
    Ber,
    Ter,
    Di,
    Ke,
    Se,
}

/// Which letter a nasal prefix swallowed.
#[derive(Clone, Copy, Debug)]
enum Restore {
    Nothing,
    /// meny-/peny- + vowel: s.
    S,
    /// meng-/peng- + vowel: k if that spells a known root.
    K,
    /// mem-/pem- + vowel: m if that spells a known root, else p.
    P,
    /// men-/pen- + vowel: n if that spells a known root, else t.
    T,
}

/// The prefix `w` starts with, how many bytes it takes, and what to restore.
fn prefix_rule(w: &[u8]) -> Option<(Prefix, usize, Restore)> {
    use Prefix::*;
    use Restore::*;
    let vowel_at = |i: usize| w.get(i).copied().is_some_and(is_vowel);
    let consonant_at = |i: usize| w.get(i).copied().is_some_and(is_consonant);
    let rule = match *w {
        [b'm', b'e', b'n', b'y', ..] if vowel_at(4) => (Me, 4, S),
        [b'p', b'e', b'n', b'y', ..] if vowel_at(4) => (Pe, 4, S),
        [b'm', b'e', b'n', b'g', ..] if vowel_at(4) => (Me, 4, K),
        [b'p', b'e', b'n', b'g', ..] if vowel_at(4) => (Pe, 4, K),
        [b'm', b'e', b'n', b'g', ..] if consonant_at(4) => (Me, 4, Nothing),
        [b'p', b'e', b'n', b'g', ..] if consonant_at(4) => (Pe, 4, Nothing),
        [b'm', b'e', b'm', ..] if vowel_at(3) => (Me, 3, P),
        [b'p', b'e', b'm', ..] if vowel_at(3) => (Pe, 3, P),
        [b'm', b'e', b'm', b'b' | b'f' | b'v' | b'p', ..] => (Me, 3, Nothing),
        [b'p', b'e', b'm', b'b' | b'f' | b'v' | b'p', ..] => (Pe, 3, Nothing),
        // The p of a pr- root goes too: "pemrosesan", "pemrograman".
        [b'm', b'e', b'm', b'r', ..] => (Me, 3, P),
        [b'p', b'e', b'm', b'r', ..] => (Pe, 3, P),
        [b'm', b'e', b'n', ..] if vowel_at(3) => (Me, 3, T),
        [b'p', b'e', b'n', ..] if vowel_at(3) => (Pe, 3, T),
        [b'm', b'e', b'n', b'c' | b'd' | b'j' | b't' | b'z', ..] => (Me, 3, Nothing),
        [b'p', b'e', b'n', b'c' | b'd' | b'j' | b't' | b'z', ..] => (Pe, 3, Nothing),
        [b'm', b'e', b'l' | b'r' | b'w' | b'y', ..] => (Me, 2, Nothing),
        [b'p', b'e', b'r', ..] => (Per, 3, Nothing),
        [b'p', b'e', b'l' | b'w' | b'y', ..] => (Pe, 2, Nothing),
        [b'p', b'e', c, b'e', b'r', ..] if is_consonant(c) => (Pe, 2, Nothing),
        [b'b', b'e', b'r', ..] => (Ber, 3, Nothing),
        [b'b', b'e', c, b'e', b'r', ..] if is_consonant(c) => (Ber, 2, Nothing),
        [b't', b'e', b'r', ..] => (Ter, 3, Nothing),
        [b'd', b'i', ..] => (Di, 2, Nothing),
        [b'k', b'e', ..] => (Ke, 2, Nothing),
        [b's', b'e', ..] => (Se, 2, Nothing),
        _ => return None,
    };
    Some(rule)
}

/// Writes `word` without its first `len` bytes, with the restored letter.
fn remove_prefix(word: &str, len: usize, restore: Restore, out: &mut String) {
    let rest = word.get(len..).unwrap_or("");
    let letter = match restore {
        Restore::Nothing => None,
        Restore::S => Some('s'),
        Restore::K => is_root_with(b'k', rest).then_some('k'),
        Restore::P => Some(if is_root_with(b'm', rest) { 'm' } else { 'p' }),
        Restore::T => Some(if is_root_with(b'n', rest) { 'n' } else { 't' }),
    };
    out.clear();
    out.extend(letter);
    out.push_str(rest);
}

/// Strips up to three prefixes from `word` into `cur`; whether any went.
fn strip_prefixes(word: &str, cur: &mut String, scratch: &mut String) -> bool {
    cur.clear();
    cur.push_str(word);
    let mut last: Option<Prefix> = None;
    for _ in 0..3 {
        if is_root(cur) {
            break;
        }
        let Some((prefix, len, restore)) = prefix_rule(cur.as_bytes()) else {
            break;
        };
        if last == Some(prefix) {
            break;
        }
        remove_prefix(cur, len, restore, scratch);
        if !plausible_id(scratch.as_bytes()) && !is_root(scratch) {
            break;
        }
        std::mem::swap(cur, scratch);
        last = Some(prefix);
    }
    last.is_some()
}

fn suffix_allowed(prefix: Option<Prefix>, suffix: &str) -> bool {
    use Prefix::*;
    match suffix {
        "kan" => !matches!(prefix, Some(Pe | Ke | Se)),
        "an" => !matches!(prefix, Some(Me | Di | Ter)),
        "i" => matches!(prefix, None | Some(Me | Di | Ter | Per)),
        _ => false,
    }
}

/// Possessive -ku/-mu, one derivational suffix, prefixes (see [`stem`](super::stem())).
///
/// Each allowed suffix is tried (-kan, -an, -i) and then none; the first
/// result that is a known root wins, else the first with a suffix and a
/// prefix removed, else the first with only a suffix removed, else the word
/// with only its prefixes removed.
pub(super) fn stem_indonesian(w: &str) -> String {
    if is_root(w) {
        return w.to_owned();
    }
    let w = match w.strip_suffix("ku").or_else(|| w.strip_suffix("mu")) {
        Some(s) if s.len() >= 4 && s.bytes().last().is_some_and(is_consonant) => s,
        _ => w,
    };
    let prefix = prefix_rule(w.as_bytes()).map(|(p, _, _)| p);
    // me-, di- and ter- are nearly always prefixes: with them a suffix only
    // goes together with the prefix.
    let strong = matches!(prefix, Some(Prefix::Me | Prefix::Di | Prefix::Ter));
    let mut cur = String::with_capacity(w.len() + 1);
    let mut scratch = String::with_capacity(w.len() + 1);
    let mut with_prefix: Option<String> = None;
    let mut suffix_only: Option<String> = None;
    for suffix in ["kan", "an", "i"] {
        let Some(base) = w.strip_suffix(suffix) else {
            continue;
        };
        if is_root(base) {
            return base.to_owned();
        }
        if base.len() < 4 || !suffix_allowed(prefix, suffix) {
            continue;
        }
        let stripped = strip_prefixes(base, &mut cur, &mut scratch);
        if is_root(&cur) {
            return cur;
        }
        // -i after a, i or s is nearly always part of the root (pakai, sampai,
        // garansi, konfirmasi) unless a root says otherwise (melunasi).
        let root_final_i = suffix == "i" && base.ends_with(['a', 'i', 's']);
        if root_final_i || (strong && !stripped) || !plausible_id(cur.as_bytes()) {
            continue;
        }
        let slot = if stripped {
            &mut with_prefix
        } else {
            &mut suffix_only
        };
        if slot.is_none() {
            *slot = Some(cur.clone());
        }
    }
    strip_prefixes(w, &mut cur, &mut scratch);
    if is_root(&cur) {
        return cur;
    }
    with_prefix.or(suffix_only).unwrap_or(cur)
}
