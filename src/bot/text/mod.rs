//! Text normalization for the knowledge-base search (English + Indonesian).
//!
//! [`tokens`] turns a query or an article into search terms, in this order:
//!
//! 1. Unicode NFKD with combining marks dropped ("café" → "cafe",
//!    "ﬁ" → "fi", "ＲＥＦＵＮＤ" → "refund"), then full Unicode lowercase.
//!    Invisible format characters (soft hyphen, zero-width joiner and
//!    non-joiner, word joiner, bidi controls, BOM, variation selectors, tag
//!    characters) are dropped without splitting the word they sit in;
//!    U+200B ZERO WIDTH SPACE is a space.
//! 2. Split on every char that is not [`char::is_alphanumeric`]. An
//!    apostrophe (`'`, `’`, `ʼ`, `` ` ``, `´`, …) between two alphanumerics
//!    is dropped first ("didn't" → "didnt", "what's" → "whats"); anywhere
//!    else it splits. "2x24" stays one token; a "2" marking reduplication
//!    ("barang2", "dikirim2") is dropped.
//! 3. Chat slang is mapped, whole token, to one canonical word (or two:
//!    "ongkir" → "ongkos", "kirim"); "terima kasih" becomes "thanks". Then
//!    stop words ([`is_stopword`]) are removed, and so are one-char tokens
//!    unless numeric (done after the slang step, which changes nothing for
//!    the output: the one-letter slang words "u" and "r" map to stop words).
//! 4. [`stem`](stem()) (only ASCII alphabetic tokens of 5+ letters change).
//!
//! # Decisions
//!
//! * **Question words are stop words**, in both languages: what, how, when,
//!   where, why, which, who / apa, apakah, bagaimana, berapa, kapan, dimana,
//!   mana, mengapa, siapa, plus "cara" (how/way), "much", "many". The search
//!   is keyword based and they occur in nearly every question, so they only
//!   add noise. `tokens("brp ongkir ke medan kak?")` is
//!   `["ongkos", "kirim", "medan"]`.
//! * **Negation is kept**: "tidak" (gak, ga, nggak, tdk, …), "belum" and
//!   English "not" (didn't, don't, can't, won't, … all map to "not"), since
//!   "pesanan belum sampai" / "order not received" is what the customer asks
//!   about. "sudah"/"already" are stop words.
//! * **Thanks is kept** as the single token "thanks": thx, tq, ty, tks,
//!   thank, thanks, thankyou, makasih, mksh, trims, terimakasih,
//!   "terima kasih" all become "thanks" (small-talk detection can use it).
//!   Greetings (halo, hai, hi, hello, hey, selamat, permisi) are stop words.
//! * Canonical slang targets: saya (sy, aku, gw, gue, ane), tidak (see above),
//!   sudah (udh, udah, sdh, dah), belum (blm, belom), bagaimana (gmn,
//!   gimana, bgmn), berapa (brp), mengapa (knp, napa, kenapa), kalau (kalo,
//!   klo, kl), tetapi (tp, tapi), karena (krn, karna), saja (aja, aj), sama
//!   (sm, ama), sampai (sampe, smpe, nyampe), pesanan (pesenan, psnan), pesan
//!   (pesen), barang (brg), harga (hrg), transfer (tf, trf), rekening (rek,
//!   norek), kirim (kirimin, ngirim), kembali (balikin, dibalikin), cek
//!   (ngecek, dicek, mengecek, pengecekan), telepon (telp, tlp, nelpon),
//!   whatsapp (wa), please (pls, plz), you (u), your (ur), are (r), not
//!   (English negative contractions). See the `SLANG` table for the full list.
//! * **Colloquial affixes around chat spellings**: a leading "nge-" is
//!   dropped when 3+ letters remain ("ngebales", "ngerefund" → "refund"),
//!   and a slang spelling wrapped in di-/ke-/ter- and -nya/-in/-innya (or
//!   ke-…-an) maps like the bare spelling ("dibales" → "balas", "dapetnya"
//!   → "dapat", "nyampenya" → "sampai"). Jakarta e-for-a spellings (malem,
//!   tuker, cepet, dapet, bales) and common nasal forms (nambah, nuker,
//!   nyoba, nerima, mesen) are in the slang table.
//! * **English irregular past forms** map to their base (paid → pay, sent →
//!   send, bought → buy, forgot → forget, lost → lose, …), so "paid" meets
//!   "payment" the way "ordered" meets "order".
//! * **Fillers are stop words**: indefinite pronouns (someone, anyone, …),
//!   "guys", "kindly", the all-purpose verbs use/used/using, pakai, say/says/
//!   said, tell, know, let, and Indonesian fillers dulu, gitu, gini, begitu,
//!   begini, kemana, darimana. They occur in questions about anything and
//!   in many articles ("How do I use a voucher code?"), so they only pull
//!   questions toward whichever article happens to repeat them.
//! * The stemmer is one combined English + Indonesian stemmer; see [`stem`](stem()).
//!   Stems are index keys, not words: "service" → "servic", "update" →
//!   "updat" (a Porter-style final "e" is dropped so that "update",
//!   "updates", "updated", "updating" all meet).

mod distance;
mod lang;
mod normalize;
mod slang;
mod stem;
mod stem_indonesian;
mod stem_tables;
mod stopwords;
mod word_set;

#[cfg(test)]
mod tests;

pub use distance::{edit_distance_within, typo_budget};
pub use lang::guess_lang;
pub use stem::stem;

use normalize::for_each_raw_token;
use slang::{lookup_affixed_slang, lookup_slang};
use word_set::STOPWORD_SET;

// ---------------------------------------------------------------------------
// tokens
// ---------------------------------------------------------------------------

/// A query or document term after normalization.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Where the previous raw token put a "terima", to fold "terima kasih".
    let mut terima_at: Option<usize> = None;
    for_each_raw_token(text, |raw| {
        let raw = strip_nge(strip_reduplication(raw));
        let words: &[&str] = match lookup_slang(raw).or_else(|| lookup_affixed_slang(raw)) {
            Some(entry) => entry.1,
            None => std::slice::from_ref(&raw),
        };
        let previous = terima_at.take();
        if words == ["kasih"] && previous.is_some_and(|i| i + 1 == out.len()) {
            if let Some(last) = out.last_mut() {
                "thanks".clone_into(last);
            }
            return;
        }
        for &word in words {
            if is_stopword(word) || is_single_non_numeric(word) {
                continue;
            }
            if words == ["terima"] {
                terima_at = Some(out.len());
            }
            out.push(stem(word));
        }
    });
    out
}

/// Whether `t` (a normalized token, after slang mapping) carries no meaning
/// for the search.
pub fn is_stopword(t: &str) -> bool {
    STOPWORD_SET.contains(t)
}

/// Chat writes Indonesian reduplication with a 2: "barang2" (barang-barang),
/// "dikirim2", "hati2". A word of 3+ ASCII letters then "2" loses the "2";
/// codes like "ps2", "mp3", "2x24" stay.
fn strip_reduplication(t: &str) -> &str {
    match t.strip_suffix('2') {
        Some(w) if w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()) => w,
        _ => t,
    }
}

/// Colloquial "nge-" (ngebales, ngeretur, ngerefund, ngetrack) only marks
/// an active verb; the rest is the word, often a chat spelling or an
/// English loan the Indonesian stemmer would not touch. The slang table is
/// consulted first, so listed forms ("ngecek") keep their mapping; at least
/// three letters must remain ("ngeri" stays).
fn strip_nge(t: &str) -> &str {
    match t.strip_prefix("nge") {
        Some(rest) if rest.len() >= 3 && lookup_slang(t).is_none() => rest,
        _ => t,
    }
}

fn is_single_non_numeric(t: &str) -> bool {
    let mut chars = t.chars();
    match (chars.next(), chars.next()) {
        (None, _) => true,
        (Some(c), None) => !c.is_numeric(),
        _ => false,
    }
}
