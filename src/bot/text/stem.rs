// ---------------------------------------------------------------------------
// Stemming
// ---------------------------------------------------------------------------

use std::borrow::Cow;

use super::stem_indonesian::stem_indonesian;
use super::stem_tables::{CLITIC_LOOKALIKES, INDONESIAN_S, MENT_WORDS};
use super::word_set::PROTECTED_SET;

/// Light stemming of one normalized token, English and Indonesian at once.
///
/// Only lowercase ASCII alphabetic tokens of 5+ letters change; anything else
/// is returned as is. In order:
///
/// 1. Clitics: particle -lah/-kah/-pun, then possessive -nya ("garansinya" →
///    "garansi", "passwordnya" → "password"), never on words that end like a
///    root ("masalah", "langkah", "bertanya", "punya").
/// 2. English plural: -sses → -ss, -ies → -y, -es after x/z/ch/sh, -s (not
///    after s, u, i or a: "status", "gratis", "business" and the many
///    Indonesian words in -as stay).
/// 3. English suffixes, first match wins and ends the stemming: -ification
///    → -ify, -ation, -ment ("payment" → "pay"), -ied → -y, -ing, -ed, -ily →
///    -y, -ly; a doubled final consonant then collapses ("shipped" → "ship",
///    "cancelled" → "cancel").
/// 4. Otherwise, unless the word shows English spelling (q, x, th, sh, ph,
///    ch, ck, ou, ee, oo, "tion", doubled consonants other than gg/kk/nn, c,
///    w or y not followed by a vowel), a simplified Nazief–Adriani:
///    possessive -ku/-mu, one derivational suffix (-kan, -an, -i, with the
///    invalid confix pairs me-an, di-an, ter-an, pe-kan, ke-kan, se-kan,
///    pe/ber/ke/se-i refused, and -i after a, i or s only when that leaves a
///    known root: "sampai", "garansi" stay, "melunasi" → "lunas"), then up to
///    three prefixes (me-/mem-/men-/meng-/meny-,
///    pe-/pem-/pen-/peng-/peny-, per-, ber-/be-, ter-, di-, ke-, se-). Every
///    step must leave a plausible Indonesian stem (4+ letters, no English
///    spelling, no consonant cluster at the start other than Cr/Cl/ny/ng/sy/
///    kh/sw, none at the end other than ng/kh), so "service", "discount",
///    "mention", "kembali" and "diskon" keep their first letters.
/// 5. A final "e" after a consonant is dropped ("service" → "servic").
///
/// Nasalized initials are restored so that word families meet:
///
/// * meny-/peny- before a vowel: s ("menyimpan" → "simpan");
/// * mem-/pem- before a vowel: p, or m when that spells a known root
///   ("memesan" → "pesan", "meminta" → "minta");
/// * men-/pen- before a vowel: t, or n for a known root ("menunggu" →
///   "tunggu", "menilai" → "nilai");
/// * meng-/peng- before a vowel: k only for a known root ("pengiriman" →
///   "kirim", "pengembalian" → "kembali", but "mengubah" → "ubah").
///
/// The small root list (`ROOTS`) also stops further stripping ("kembali",
/// "keluar", "selesai").
pub fn stem(t: &str) -> String {
    if t.len() < 5 || !t.bytes().all(|b| b.is_ascii_lowercase()) || is_protected(t) {
        return t.to_owned();
    }
    let w = strip_clitics(t);
    if w.len() < 5 || (w.len() < t.len() && is_protected(w)) {
        return w.to_owned();
    }
    let singular = strip_plural(w);
    if singular.len() < w.len() && is_protected(&singular) {
        return singular.into_owned();
    }
    let w = singular;
    if let Some(s) = strip_english_suffix(&w) {
        return drop_final_e(s);
    }
    if looks_english(w.as_bytes()) {
        return drop_final_e(w.into_owned());
    }
    drop_final_e(stem_indonesian(&w))
}

pub(super) fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

pub(super) fn is_consonant(c: u8) -> bool {
    c.is_ascii_lowercase() && !is_vowel(c)
}

fn is_protected(w: &str) -> bool {
    PROTECTED_SET.contains(w)
}

fn strip_clitics(w: &str) -> &str {
    let mut w = w;
    if !CLITIC_LOOKALIKES.iter().any(|k| w.ends_with(k)) {
        for particle in ["lah", "kah", "pun"] {
            if let Some(s) = w.strip_suffix(particle).filter(|s| s.len() >= 4) {
                w = s;
                break;
            }
        }
    }
    if let Some(s) = w
        .strip_suffix("nya")
        .filter(|s| s.len() >= 4 && !CLITIC_LOOKALIKES.iter().any(|k| w.ends_with(k)))
    {
        w = s;
    }
    // Colloquial (Jakarta) "-in" for "-kan"/"-i": dibatalin, balikin,
    // masukin, kirimin. English "-ain"/"-ein" words (explain, protein) and
    // short ones (admin, login, within) are left alone.
    if let Some(s) = w
        .strip_suffix("in")
        .filter(|s| s.len() >= 5 && !w.ends_with("ain") && !w.ends_with("ein"))
    {
        w = s;
    }
    w
}

fn strip_plural(w: &str) -> Cow<'_, str> {
    if w.ends_with("sses") || w.ends_with("xes") || w.ends_with("zes") {
        return Cow::Borrowed(w.strip_suffix("es").unwrap_or(w));
    }
    if w.ends_with("ches") || w.ends_with("shes") {
        return Cow::Borrowed(w.strip_suffix("es").unwrap_or(w));
    }
    if let Some(s) = w.strip_suffix("ies") {
        return Cow::Owned(format!("{s}y"));
    }
    match w.strip_suffix('s') {
        Some(s)
            if !s.ends_with(['s', 'u', 'i', 'a'])
                && !INDONESIAN_S.iter().any(|k| w.ends_with(k)) =>
        {
            Cow::Borrowed(s)
        }
        _ => Cow::Borrowed(w),
    }
}

fn has_vowel(s: &str) -> bool {
    s.bytes().any(|c| is_vowel(c) || c == b'y')
}

fn strip_english_suffix(w: &str) -> Option<String> {
    if let Some(s) = w.strip_suffix("ification").filter(|s| s.len() >= 3) {
        return Some(format!("{s}ify"));
    }
    if let Some(s) = w.strip_suffix("ation").filter(|s| s.len() >= 5) {
        return Some(collapse_double(s));
    }
    if let Some(s) = w
        .strip_suffix("ment")
        .filter(|s| s.len() >= 3 && !MENT_WORDS.contains(&w))
    {
        return Some(s.to_owned());
    }
    if let Some(s) = w.strip_suffix("ied").filter(|s| s.len() >= 2) {
        return Some(format!("{s}y"));
    }
    if let Some(s) = w
        .strip_suffix("ing")
        .filter(|s| s.len() >= 3 && has_vowel(s))
    {
        return Some(collapse_double(s));
    }
    if let Some(s) = w
        .strip_suffix("ed")
        .filter(|s| s.len() >= 3 && has_vowel(s) && !s.ends_with('e'))
    {
        return Some(collapse_double(s));
    }
    if let Some(s) = w.strip_suffix("ily").filter(|s| s.len() >= 3) {
        return Some(format!("{s}y"));
    }
    if let Some(s) = w
        .strip_suffix("ly")
        .filter(|s| s.len() >= 4 && !s.ends_with('p'))
    {
        return Some(s.to_owned());
    }
    None
}

/// "shipp" → "ship", "cancell" → "cancel"; "add", "staff", "process" stay.
fn collapse_double(s: &str) -> String {
    let doubled = match s.as_bytes() {
        [.., a, b] => a == b && matches!(b, b'b' | b'd' | b'g' | b'm' | b'n' | b'p' | b'r' | b't'),
        _ => false,
    };
    if (doubled && s.len() >= 4) || (s.len() >= 6 && s.ends_with("ell")) {
        let mut out = s.to_owned();
        out.pop();
        out
    } else {
        s.to_owned()
    }
}

fn drop_final_e(mut s: String) -> String {
    let drop = matches!(s.as_bytes(), [.., c, b'e'] if is_consonant(*c)) && s.len() >= 5;
    if drop {
        s.pop();
    }
    s
}

/// Spelling that (practically) never occurs in Indonesian words.
pub(super) fn looks_english(b: &[u8]) -> bool {
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied();
        let prev = i.checked_sub(1).and_then(|j| b.get(j)).copied();
        match c {
            b'q' | b'x' => return true,
            b'c' | b'w' | b'y' if !next.is_some_and(is_vowel) => return true,
            b'h' if matches!(prev, Some(b't' | b's' | b'p' | b'w')) => return true,
            // "gh", but not the "ngh" of meng-/peng- + h.
            b'h' if prev == Some(b'g')
                && i.checked_sub(2).and_then(|j| b.get(j)) != Some(&b'n') =>
            {
                return true;
            }
            b'o' if next == Some(b'u') => return true,
            _ => {}
        }
        if next == Some(c) && !matches!(c, b'a' | b'i' | b'u' | b'g' | b'k' | b'n') {
            return true;
        }
    }
    b.windows(4).any(|w| w == b"tion")
}
