// ---------------------------------------------------------------------------
// Language
// ---------------------------------------------------------------------------

use super::slang::{lookup_affixed_slang, lookup_slang};
use super::word_set::{EN_MARKER_SET, ID_MARKER_SET};
use super::{for_each_raw_token, strip_nge, strip_reduplication};
use Lang::{Any, En, Id};

/// Which language a slang spelling or marker word shows (for [`guess_lang`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lang {
    Id,
    En,
    Any,
}

/// Language guess from raw text: Some("id") / Some("en") / None when unsure,
/// by counting hits in small Indonesian and English marker-word lists (after
/// slang mapping: "brp","gmn","yg","gak","kak","min" count as Indonesian).
///
/// A language wins with at least one hit and at least twice the other's
/// hits; a tie, a close call or no hit at all is None. Shared words ("ok",
/// "transfer", "refund", "promo", "cod", "order") count for neither.
pub fn guess_lang(text: &str) -> Option<&'static str> {
    let (mut id, mut en) = (0usize, 0usize);
    for_each_raw_token(text, |raw| {
        let raw = strip_nge(strip_reduplication(raw));
        let lang = match lookup_slang(raw).or_else(|| lookup_affixed_slang(raw)) {
            Some(entry) => entry.2,
            None if ID_MARKER_SET.contains(raw) => Id,
            None if EN_MARKER_SET.contains(raw) => En,
            None => Any,
        };
        match lang {
            Id => id += 1,
            En => en += 1,
            Any => {}
        }
    });
    if id > 0 && id >= en.saturating_mul(2) {
        Some("id")
    } else if en > 0 && en >= id.saturating_mul(2) {
        Some("en")
    } else {
        None
    }
}

/// Common Indonesian chat words (slang spellings are in [`SLANG`](super::slang::SLANG)).
pub(super) static ID_MARKERS: &[&str] = &[
    "ada",
    "adalah",
    "akan",
    "alamat",
    "anda",
    "apa",
    "apakah",
    "atau",
    "bagaimana",
    "banget",
    "bapak",
    "barang",
    "barangnya",
    "bayar",
    "belum",
    "berapa",
    "besok",
    "bisa",
    "boleh",
    "bu",
    "buat",
    "cara",
    "dan",
    "dari",
    "deh",
    "dengan",
    "di",
    "dimana",
    "dong",
    "gan",
    "halo",
    "harga",
    "hari",
    "harus",
    "ibu",
    "ingin",
    "ini",
    "itu",
    "iya",
    "juga",
    "kak",
    "kakak",
    "kalau",
    "kami",
    "kamu",
    "kan",
    "kapan",
    "karena",
    "kasih",
    "ke",
    "kirim",
    "kita",
    "kok",
    "lagi",
    "mana",
    "mas",
    "masih",
    "mau",
    "mbak",
    "mengapa",
    "min",
    "minta",
    "mohon",
    "nih",
    "pagi",
    "pak",
    "pesanan",
    "pesanannya",
    "saja",
    "sama",
    "sampai",
    "sangat",
    "saya",
    "sekarang",
    "selamat",
    "siang",
    "siapa",
    "sih",
    "sis",
    "sudah",
    "tanya",
    "terima",
    "tetapi",
    "tidak",
    "tolong",
    "uang",
    "untuk",
    "ya",
    "yang",
];

/// Common English chat words (slang spellings are in [`SLANG`](super::slang::SLANG)).
pub(super) static EN_MARKERS: &[&str] = &[
    "a", "about", "already", "am", "an", "and", "are", "arrived", "back", "be", "been", "but",
    "can", "could", "did", "do", "does", "for", "from", "get", "got", "has", "have", "hello",
    "help", "hey", "hi", "how", "i", "if", "in", "is", "it", "its", "just", "me", "my", "need",
    "not", "of", "on", "or", "our", "please", "received", "so", "still", "than", "that", "the",
    "there", "this", "to", "want", "was", "we", "were", "what", "when", "where", "which", "who",
    "why", "will", "with", "would", "yes", "yet", "you", "your",
];
