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
//! 4. [`stem`] (only ASCII alphabetic tokens of 5+ letters change).
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
//! * The stemmer is one combined English + Indonesian stemmer; see [`stem`].
//!   Stems are index keys, not words: "service" → "servic", "update" →
//!   "updat" (a Porter-style final "e" is dropped so that "update",
//!   "updates", "updated", "updating" all meet).

use std::borrow::Cow;
use std::sync::LazyLock;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

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

/// A chat spelling inside Indonesian affixes: "dibales" (→ balas),
/// "dapetnya" (→ dapat), "kepake" (→ pakai), "nyampenya" (→ sampai),
/// "kegedean" (→ besar). Tries the prefixes di-/ke-/ter- and the suffixes
/// -nya/-in/-innya (and the ke-…-an confix); the slang word left must have
/// 3+ letters, so short entries ("ga", "lo") never match by accident.
fn lookup_affixed_slang(t: &str) -> Option<&'static SlangEntry> {
    const PREFIXES: [&str; 4] = ["", "di", "ke", "ter"];
    const SUFFIXES: [&str; 4] = ["", "nya", "innya", "in"];
    let core = |rest: &str, suffix: &str| {
        rest.strip_suffix(suffix)
            .filter(|c| c.len() >= 3)
            .and_then(lookup_slang)
    };
    PREFIXES.iter().find_map(|prefix| {
        let rest = t.strip_prefix(prefix)?;
        SUFFIXES
            .iter()
            .filter(|suffix| !(prefix.is_empty() && suffix.is_empty()))
            .find_map(|suffix| core(rest, suffix))
            .or_else(|| (*prefix == "ke").then(|| core(rest, "an")).flatten())
    })
}

fn is_single_non_numeric(t: &str) -> bool {
    let mut chars = t.chars();
    match (chars.next(), chars.next()) {
        (None, _) => true,
        (Some(c), None) => !c.is_numeric(),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Normalizing and splitting
// ---------------------------------------------------------------------------

/// Calls `emit` with each normalized (NFKD, unmarked, lowercase) token,
/// before slang mapping, stop words and stemming.
fn for_each_raw_token(text: &str, emit: impl FnMut(&str)) {
    let mut splitter = Splitter {
        word: String::with_capacity(32),
        after_apostrophe: false,
        emit,
    };
    for c in text.chars() {
        splitter.push(c);
    }
    splitter.end_word();
}

struct Splitter<F: FnMut(&str)> {
    word: String,
    /// An apostrophe followed the last char of `word`: it is dropped if a
    /// letter or digit comes next, else it ends the word.
    after_apostrophe: bool,
    emit: F,
}

impl<F: FnMut(&str)> Splitter<F> {
    fn push(&mut self, c: char) {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                self.after_apostrophe = false;
                self.word.push(c.to_ascii_lowercase());
            } else if is_apostrophe(c) {
                self.apostrophe();
            } else {
                self.end_word();
            }
        } else if is_ignorable(c) {
            // Invisible: neither a letter nor a break.
        } else if is_apostrophe(c) {
            self.apostrophe();
        } else {
            decompose_compatible(c, |d| self.push_decomposed(d));
        }
    }

    fn push_decomposed(&mut self, d: char) {
        if is_combining_mark(d) || is_ignorable(d) {
            return;
        }
        if is_apostrophe(d) {
            self.apostrophe();
            return;
        }
        for l in d.to_lowercase() {
            if is_combining_mark(l) {
                continue;
            }
            if l.is_alphanumeric() {
                self.after_apostrophe = false;
                self.word.push(l);
            } else {
                self.end_word();
            }
        }
    }

    fn apostrophe(&mut self) {
        if self.word.is_empty() || self.after_apostrophe {
            self.end_word();
        } else {
            self.after_apostrophe = true;
        }
    }

    fn end_word(&mut self) {
        self.after_apostrophe = false;
        if !self.word.is_empty() {
            (self.emit)(&self.word);
            self.word.clear();
        }
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`'
            | '\u{00B4}'
            | '\u{02B9}'
            | '\u{02BB}'
            | '\u{02BC}'
            | '\u{02BD}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201B}'
            | '\u{2032}'
            | '\u{FF07}'
    )
}

/// Default-ignorable format characters (minus U+200B, which is a space).
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200C}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

// ---------------------------------------------------------------------------
// Word tables
// ---------------------------------------------------------------------------

/// The word tables below are sorted static slices (readable, checked by a
/// test); lookups go through these hash sets, built once on first use,
/// because `tokens` does a dozen lookups per word.
static SLANG_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(SLANG.iter().map(|e| e.0)));
static STOPWORD_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(STOPWORDS.iter().copied()));
static PROTECTED_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(PROTECTED.iter().copied()));
static ROOT_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(ROOTS.iter().copied()));
static ID_MARKER_SET: LazyLock<WordSet> =
    LazyLock::new(|| WordSet::new(ID_MARKERS.iter().copied()));
static EN_MARKER_SET: LazyLock<WordSet> =
    LazyLock::new(|| WordSet::new(EN_MARKERS.iter().copied()));

/// An open-addressing hash set of static words (FNV-1a, linear probing,
/// at most half full), answering with the word's index in its table.
struct WordSet {
    slots: Vec<Option<(&'static str, usize)>>,
}

impl WordSet {
    fn new(words: impl ExactSizeIterator<Item = &'static str>) -> Self {
        let size = (words.len() * 2).next_power_of_two().max(16);
        let mut slots = vec![None; size];
        for (index, word) in words.enumerate() {
            let mut i = fnv1a(word) & (size - 1);
            while let Some(Some(_)) = slots.get(i) {
                i = (i + 1) & (size - 1);
            }
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some((word, index));
            }
        }
        WordSet { slots }
    }

    fn find(&self, word: &str) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut i = fnv1a(word) & mask;
        // Never loops forever: at least half the slots are empty.
        while let Some(Some((w, index))) = self.slots.get(i) {
            if *w == word {
                return Some(*index);
            }
            i = (i + 1) & mask;
        }
        None
    }

    fn contains(&self, word: &str) -> bool {
        self.find(word).is_some()
    }
}

fn fnv1a(word: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    // Fold the high bits in: the mask keeps only the low ones.
    (hash ^ (hash >> 32)) as usize
}

// ---------------------------------------------------------------------------
// Slang and stop words
// ---------------------------------------------------------------------------

/// Which language a slang spelling or marker word shows (for [`guess_lang`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    Id,
    En,
    Any,
}

use Lang::{Any, En, Id};

type SlangEntry = (&'static str, &'static [&'static str], Lang);

fn lookup_slang(t: &str) -> Option<&'static SlangEntry> {
    SLANG_SET.find(t).and_then(|i| SLANG.get(i))
}

/// Chat spelling → canonical word(s), sorted by spelling.
/// The canonical forms are listed in the module documentation; outputs that
/// are stop words (saya, sudah, bagaimana, please, you, …) vanish after the
/// mapping but still tell [`guess_lang`] the language.
static SLANG: &[SlangEntry] = &[
    ("abis", &["habis"], Id),
    ("abt", &["about"], En),
    ("acc", &["account"], En),
    ("acct", &["account"], En),
    ("addr", &["address"], En),
    ("aint", &["not"], En),
    ("aj", &["saja"], Id),
    ("aja", &["saja"], Id),
    ("ajah", &["saja"], Id),
    ("ak", &["saya"], Id),
    ("aku", &["saya"], Id),
    ("ama", &["sama"], Id),
    ("ampe", &["sampai"], Id),
    ("ane", &["saya"], Id),
    ("aq", &["saya"], Id),
    ("arent", &["not"], En),
    ("bales", &["balas"], Id),
    ("balesan", &["balasan"], Id),
    ("balesin", &["balas"], Id),
    ("balikin", &["kembali"], Id),
    ("bantuin", &["bantu"], Id),
    ("batalin", &["batal"], Id),
    ("bayarin", &["bayar"], Id),
    ("bbrp", &["beberapa"], Id),
    ("bc", &["because"], En),
    ("bcoz", &["because"], En),
    ("bcs", &["because"], En),
    ("beliin", &["beli"], Id),
    ("belom", &["belum"], Id),
    ("bener", &["benar"], Id),
    ("bentar", &["sebentar"], Id),
    ("bgm", &["bagaimana"], Id),
    ("bgmn", &["bagaimana"], Id),
    ("bgt", &["banget"], Id),
    ("bikin", &["buat"], Id),
    ("bikinin", &["buat"], Id),
    ("bkn", &["bukan"], Id),
    ("blas", &["balas"], Id),
    ("blm", &["belum"], Id),
    ("blom", &["belum"], Id),
    ("bls", &["balas"], Id),
    ("blum", &["belum"], Id),
    ("bngt", &["banget"], Id),
    ("bnr", &["benar"], Id),
    ("bought", &["buy"], En),
    ("brapa", &["berapa"], Id),
    ("brg", &["barang"], Id),
    ("brng", &["barang"], Id),
    ("brought", &["bring"], En),
    ("brp", &["berapa"], Id),
    ("bs", &["bisa"], Id),
    ("bsa", &["bisa"], Id),
    ("bsk", &["besok"], Id),
    ("byr", &["bayar"], Id),
    ("came", &["come"], En),
    ("cannot", &["not"], En),
    ("cant", &["not"], En),
    ("cariin", &["cari"], Id),
    ("cepet", &["cepat"], Id),
    ("chose", &["choose"], En),
    ("chosen", &["choose"], En),
    ("cm", &["hanya"], Id),
    ("couldnt", &["not"], En),
    ("coz", &["because"], En),
    ("cuma", &["hanya"], Id),
    ("cuman", &["hanya"], Id),
    ("cuz", &["because"], En),
    ("dah", &["sudah"], Id),
    ("dapet", &["dapat"], Id),
    ("dateng", &["datang"], Id),
    ("dg", &["dengan"], Id),
    ("dgn", &["dengan"], Id),
    ("dibalikin", &["kembali"], Id),
    ("dicek", &["cek"], Id),
    ("dicekin", &["cek"], Id),
    ("didnt", &["not"], En),
    ("dikirimin", &["kirim"], Id),
    ("dikit", &["sedikit"], Id),
    ("dipake", &["pakai"], Id),
    ("dmn", &["dimana"], Id),
    ("dmna", &["dimana"], Id),
    ("doang", &["saja"], Id),
    ("doesnt", &["not"], En),
    ("donk", &["dong"], Id),
    ("dont", &["not"], En),
    ("dpt", &["dapat"], Id),
    ("dr", &["dari"], Id),
    ("dri", &["dari"], Id),
    ("dtg", &["datang"], Id),
    ("duit", &["uang"], Id),
    ("emang", &["memang"], Id),
    ("emg", &["memang"], Id),
    ("engga", &["tidak"], Id),
    ("enggak", &["tidak"], Id),
    ("forgot", &["forget"], En),
    ("forgotten", &["forget"], En),
    ("found", &["find"], En),
    ("ga", &["tidak"], Id),
    ("gaada", &["tidak", "ada"], Id),
    ("gabisa", &["tidak", "bisa"], Id),
    ("gak", &["tidak"], Id),
    ("gakbisa", &["tidak", "bisa"], Id),
    ("gantiin", &["ganti"], Id),
    ("gave", &["give"], En),
    ("gbs", &["tidak", "bisa"], Id),
    ("gede", &["besar"], Id),
    ("gimana", &["bagaimana"], Id),
    ("given", &["give"], En),
    ("gk", &["tidak"], Id),
    ("gmana", &["bagaimana"], Id),
    ("gmn", &["bagaimana"], Id),
    ("gmna", &["bagaimana"], Id),
    ("gonna", &["will"], En),
    ("gotta", &["must"], En),
    ("gua", &["saya"], Id),
    ("gue", &["saya"], Id),
    ("gw", &["saya"], Id),
    ("gx", &["tidak"], Id),
    ("hadnt", &["not"], En),
    ("hasnt", &["not"], En),
    ("havent", &["not"], En),
    ("hrg", &["harga"], Id),
    ("hrga", &["harga"], Id),
    ("hv", &["have"], En),
    ("ilang", &["hilang"], Id),
    ("im", &["i"], En),
    ("isnt", &["not"], En),
    ("jd", &["jadi"], Id),
    ("jdi", &["jadi"], Id),
    ("jg", &["juga"], Id),
    ("jga", &["juga"], Id),
    ("jt", &["juta"], Id),
    ("jwb", &["jawab"], Id),
    ("jwbn", &["jawaban"], Id),
    ("kagak", &["tidak"], Id),
    ("kalo", &["kalau"], Id),
    ("kalu", &["kalau"], Id),
    ("karna", &["karena"], Id),
    ("kasi", &["kasih"], Id),
    ("kayak", &["seperti"], Id),
    ("kek", &["seperti"], Id),
    ("kelar", &["selesai"], Id),
    ("kemaren", &["kemarin"], Id),
    ("kenapa", &["mengapa"], Id),
    ("kept", &["keep"], En),
    ("ketemu", &["temu"], Id),
    ("kirimin", &["kirim"], Id),
    ("kl", &["kalau"], Id),
    ("klo", &["kalau"], Id),
    ("klu", &["kalau"], Id),
    ("kmrn", &["kemarin"], Id),
    ("knp", &["mengapa"], Id),
    ("kpn", &["kapan"], Id),
    ("krn", &["karena"], Id),
    ("krna", &["karena"], Id),
    ("kyk", &["seperti"], Id),
    ("lg", &["lagi"], Id),
    ("lgi", &["lagi"], Id),
    ("liat", &["lihat"], Id),
    ("lo", &["kamu"], Id),
    ("loe", &["kamu"], Id),
    ("lost", &["lose"], En),
    ("lu", &["kamu"], Id),
    ("made", &["make"], En),
    ("makasi", &["thanks"], Id),
    ("makasih", &["thanks"], Id),
    ("malem", &["malam"], Id),
    ("masi", &["masih"], Id),
    ("mengecek", &["cek"], Id),
    ("mesen", &["pesan"], Id),
    ("mgg", &["minggu"], Id),
    ("minjem", &["pinjam"], Id),
    ("mkasih", &["thanks"], Id),
    ("mksh", &["thanks"], Id),
    ("mmg", &["memang"], Id),
    ("mo", &["mau"], Id),
    ("msg", &["message"], En),
    ("msh", &["masih"], Id),
    ("nambah", &["tambah"], Id),
    ("nambahin", &["tambah"], Id),
    ("nanya", &["tanya"], Id),
    ("nanyain", &["tanya"], Id),
    ("napa", &["mengapa"], Id),
    ("nda", &["tidak"], Id),
    ("ndak", &["tidak"], Id),
    ("nelpon", &["telepon"], Id),
    ("nerima", &["terima"], Id),
    ("ngak", &["tidak"], Id),
    ("ngambil", &["ambil"], Id),
    ("ngasih", &["kasih"], Id),
    ("ngecek", &["cek"], Id),
    ("ngembaliin", &["kembali"], Id),
    ("ngga", &["tidak"], Id),
    ("nggak", &["tidak"], Id),
    ("ngirim", &["kirim"], Id),
    ("ngirimin", &["kirim"], Id),
    ("nmr", &["nomor"], Id),
    ("nomer", &["nomor"], Id),
    ("norek", &["rekening"], Id),
    ("nuker", &["tukar"], Id),
    ("nunggu", &["tunggu"], Id),
    ("nungguin", &["tunggu"], Id),
    ("nyampe", &["sampai"], Id),
    ("nyari", &["cari"], Id),
    ("nyoba", &["coba"], Id),
    ("ok", &["ok"], Any),
    ("okay", &["ok"], Any),
    ("oke", &["ok"], Any),
    ("okey", &["ok"], Any),
    ("ongkir", &["ongkos", "kirim"], Id),
    ("ongkirnya", &["ongkos", "kirim"], Id),
    ("paid", &["pay"], En),
    ("pake", &["pakai"], Id),
    ("pd", &["pada"], Id),
    ("pengecekan", &["cek"], Id),
    ("pengen", &["ingin"], Id),
    ("pesen", &["pesan"], Id),
    ("pesenan", &["pesanan"], Id),
    ("pgn", &["ingin"], Id),
    ("pingin", &["ingin"], Id),
    ("pkg", &["package"], En),
    ("pkt", &["paket"], Id),
    ("pls", &["please"], En),
    ("plss", &["please"], En),
    ("plz", &["please"], En),
    ("ppl", &["people"], En),
    ("psanan", &["pesanan"], Id),
    ("psn", &["pesan"], Id),
    ("psnan", &["pesanan"], Id),
    ("pw", &["password"], En),
    ("pwd", &["password"], En),
    ("r", &["are"], En),
    ("rb", &["ribu"], Id),
    ("rek", &["rekening"], Id),
    ("sampe", &["sampai"], Id),
    ("sbg", &["sebagai"], Id),
    ("sblm", &["sebelum"], Id),
    ("sbntr", &["sebentar"], Id),
    ("sdh", &["sudah"], Id),
    ("sdikit", &["sedikit"], Id),
    ("sent", &["send"], En),
    ("shouldnt", &["not"], En),
    ("sip", &["ok"], Any),
    ("skrg", &["sekarang"], Id),
    ("skrng", &["sekarang"], Id),
    ("sm", &["sama"], Id),
    ("smp", &["sampai"], Id),
    ("smpai", &["sampai"], Id),
    ("smpe", &["sampai"], Id),
    ("spent", &["spend"], En),
    ("spt", &["seperti"], Id),
    ("stlh", &["setelah"], Id),
    ("stole", &["steal"], En),
    ("stolen", &["steal"], En),
    ("sy", &["saya"], Id),
    ("sya", &["saya"], Id),
    ("tak", &["tidak"], Id),
    ("taken", &["take"], En),
    ("tapi", &["tetapi"], Id),
    ("tau", &["tahu"], Id),
    ("tdk", &["tidak"], Id),
    ("telp", &["telepon"], Id),
    ("telpon", &["telepon"], Id),
    ("temen", &["teman"], Id),
    ("tengkyu", &["thanks"], Id),
    ("terimakasih", &["thanks"], Id),
    ("tf", &["transfer"], Any),
    ("tgl", &["tanggal"], Id),
    ("thank", &["thanks"], En),
    ("thanks", &["thanks"], En),
    ("thanku", &["thanks"], En),
    ("thankyou", &["thanks"], En),
    ("thn", &["tahun"], Id),
    ("thx", &["thanks"], En),
    ("tks", &["thanks"], Any),
    ("tlg", &["tolong"], Id),
    ("tlp", &["telepon"], Id),
    ("tmr", &["tomorrow"], En),
    ("tmrw", &["tomorrow"], En),
    ("told", &["tell"], En),
    ("tolongin", &["tolong"], Id),
    ("took", &["take"], En),
    ("tp", &["tetapi"], Id),
    ("tpi", &["tetapi"], Id),
    ("tq", &["thanks"], Any),
    ("trf", &["transfer"], Any),
    ("trimakasih", &["thanks"], Id),
    ("trims", &["thanks"], Id),
    ("trs", &["terus"], Id),
    ("trus", &["terus"], Id),
    ("tuker", &["tukar"], Id),
    ("tukerin", &["tukar"], Id),
    ("ty", &["thanks"], En),
    ("u", &["you"], En),
    ("udah", &["sudah"], Id),
    ("udh", &["sudah"], Id),
    ("untk", &["untuk"], Id),
    ("ur", &["your"], En),
    ("urs", &["yours"], En),
    ("utk", &["untuk"], Id),
    ("wa", &["whatsapp"], Id),
    ("wanna", &["want"], En),
    ("wasnt", &["not"], En),
    ("wat", &["what"], En),
    ("went", &["go"], En),
    ("werent", &["not"], En),
    ("whats", &["what"], En),
    ("wont", &["not"], En),
    ("wouldnt", &["not"], En),
    ("written", &["write"], En),
    ("wrote", &["write"], En),
    ("yg", &["yang"], Id),
];

/// Canonical words removed from the token stream (after slang mapping),
/// sorted.
static STOPWORDS: &[&str] = &[
    "a",
    "about",
    "ada",
    "adalah",
    "after",
    "again",
    "agar",
    "akan",
    "all",
    "already",
    "also",
    "am",
    "an",
    "and",
    "anda",
    "any",
    "anybody",
    "anyone",
    "apa",
    "apabila",
    "apakah",
    "are",
    "as",
    "at",
    "atau",
    "bagaimana",
    "bahwa",
    "bang",
    "banget",
    "bapak",
    "be",
    "beberapa",
    "because",
    "been",
    "before",
    "begini",
    "begitu",
    "berapa",
    "besok",
    "bila",
    "bisa",
    "boleh",
    "bro",
    "bu",
    "but",
    "by",
    "can",
    "cara",
    "could",
    "dan",
    "dari",
    "darimana",
    "dear",
    "deh",
    "dengan",
    "di",
    "dia",
    "did",
    "dimana",
    "do",
    "does",
    "doing",
    "done",
    "dong",
    "dulu",
    "everybody",
    "everyone",
    "for",
    "from",
    "gan",
    "get",
    "gini",
    "gitu",
    "got",
    "guys",
    "had",
    "hai",
    "halo",
    "hanya",
    "harus",
    "has",
    "have",
    "having",
    "hello",
    "here",
    "hey",
    "hi",
    "how",
    "i",
    "ibu",
    "if",
    "ill",
    "in",
    "ingin",
    "ini",
    "into",
    "is",
    "it",
    "its",
    "itu",
    "ive",
    "iya",
    "jadi",
    "jangan",
    "jika",
    "juga",
    "just",
    "ka",
    "kah",
    "kak",
    "kakak",
    "kalau",
    "kami",
    "kamu",
    "kan",
    "kapan",
    "karena",
    "ke",
    "kemana",
    "kemarin",
    "kepada",
    "ketika",
    "kindly",
    "kita",
    "kk",
    "know",
    "kok",
    "lagi",
    "lah",
    "let",
    "lets",
    "lho",
    "like",
    "loh",
    "madam",
    "maka",
    "mana",
    "many",
    "mas",
    "masih",
    "mau",
    "may",
    "mba",
    "mbak",
    "me",
    "memang",
    "mengapa",
    "mengenai",
    "mereka",
    "might",
    "mimin",
    "min",
    "mohon",
    "much",
    "must",
    "my",
    "namun",
    "nanti",
    "need",
    "nih",
    "now",
    "nya",
    "of",
    "ok",
    "oleh",
    "om",
    "on",
    "or",
    "our",
    "pada",
    "padahal",
    "pak",
    "pakai",
    "permisi",
    "please",
    "pun",
    "punya",
    "really",
    "said",
    "saja",
    "sama",
    "sangat",
    "say",
    "saya",
    "says",
    "sebagai",
    "sebelum",
    "sebentar",
    "sedang",
    "sehingga",
    "sekarang",
    "selamat",
    "seperti",
    "serta",
    "setelah",
    "shall",
    "should",
    "si",
    "siapa",
    "sih",
    "sir",
    "sis",
    "sist",
    "sista",
    "so",
    "some",
    "somebody",
    "someone",
    "still",
    "sudah",
    "supaya",
    "tadi",
    "tante",
    "tell",
    "tentang",
    "terus",
    "tetapi",
    "than",
    "that",
    "thats",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "today",
    "tolong",
    "tomorrow",
    "too",
    "tuh",
    "untuk",
    "us",
    "use",
    "used",
    "uses",
    "using",
    "very",
    "want",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "would",
    "ya",
    "yaa",
    "yah",
    "yang",
    "yes",
    "yesterday",
    "yet",
    "you",
    "your",
    "youre",
    "yours",
    "yuk",
];

// ---------------------------------------------------------------------------
// Stemming
// ---------------------------------------------------------------------------

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

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

fn is_consonant(c: u8) -> bool {
    c.is_ascii_lowercase() && !is_vowel(c)
}

fn is_protected(w: &str) -> bool {
    PROTECTED_SET.contains(w)
}

fn is_root(w: &str) -> bool {
    ROOT_SET.contains(w)
}

/// Whether `first` followed by `rest` is in [`ROOTS`], without allocating.
fn is_root_with(first: u8, rest: &str) -> bool {
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

/// Words the stemmer leaves alone: Indonesian words that end like English
/// inflections, English words the suffix rules would spoil, canonical forms.
static PROTECTED: &[&str] = &[
    "always",
    "anjing",
    "anything",
    "asing",
    "banding",
    "bening",
    "daging",
    "dinding",
    "during",
    "evening",
    "everything",
    "family",
    "genting",
    "guling",
    "hening",
    "hundred",
    "kambing",
    "keliling",
    "kencing",
    "kering",
    "kucing",
    "kuning",
    "masing",
    "miring",
    "morning",
    "nothing",
    "ongkos",
    "penting",
    "perhaps",
    "piring",
    "pusing",
    "rekening",
    "runding",
    "samping",
    "saring",
    "series",
    "sering",
    "something",
    "species",
    "tanding",
    "thanks",
];

/// Indonesian roots: the targets of nasal restoration (k-, m-, n-initial
/// roots hidden by meng-/mem-/men-) and roots that look prefixed or
/// suffixed but are not. A root is never stripped further.
static ROOTS: &[&str] = &[
    "adu",
    "aju",
    "atas",
    "awas",
    "batas",
    "beritahu",
    "dinas",
    "divisi",
    "isi",
    "kabar",
    "kalah",
    "kasih",
    "kecewa",
    "kelola",
    "keluar",
    "keluh",
    "kemas",
    "kembali",
    "kena",
    "kenal",
    "kendala",
    "kendali",
    "kerja",
    "ketahu",
    "kira",
    "kirim",
    "komentar",
    "komplain",
    "konfirmasi",
    "kontak",
    "kontrol",
    "koordinasi",
    "koreksi",
    "kosong",
    "kuasa",
    "kumpul",
    "kunci",
    "kunjung",
    "kurang",
    "kutip",
    "lunas",
    "maaf",
    "main",
    "makan",
    "malu",
    "marah",
    "masak",
    "masalah",
    "masuk",
    "menang",
    "milik",
    "minta",
    "mohon",
    "muat",
    "mudah",
    "mulai",
    "naik",
    "nama",
    "nanti",
    "nikah",
    "nikmat",
    "nilai",
    "nonaktif",
    "percaya",
    "periksa",
    "perlu",
    "pertama",
    "selesai",
    "sesuai",
    "setuju",
    "terang",
    "terus",
];

/// Word endings that look like a particle but belong to the root.
static CLITIC_LOOKALIKES: &[&str] = &[
    "ampun", "belah", "himpun", "istilah", "jumlah", "kalah", "langkah", "lelah", "nikah", "olah",
    "punya", "rumpun", "salah", "tanya", "telah",
];

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
    if !CLITIC_LOOKALIKES.iter().any(|k| w.ends_with(k)) {
        if let Some(s) = w.strip_suffix("nya").filter(|s| s.len() >= 4) {
            w = s;
        }
    }
    // Colloquial (Jakarta) "-in" for "-kan"/"-i": dibatalin, balikin,
    // masukin, kirimin. English "-ain"/"-ein" words (explain, protein) and
    // short ones (admin, login, within) are left alone.
    if !w.ends_with("ain") && !w.ends_with("ein") {
        if let Some(s) = w.strip_suffix("in").filter(|s| s.len() >= 5) {
            w = s;
        }
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

/// Indonesian word endings in -s that the plural rule must leave alone
/// (also inside prefixed forms: "diproses", "mengakses").
static INDONESIAN_S: &[&str] = &[
    "akses", "ekspres", "indeks", "kompleks", "konteks", "kurs", "ongkos", "proses", "sukses",
    "teks",
];

/// English words that end in -ment without it being a suffix.
static MENT_WORDS: &[&str] = &[
    "argument",
    "cement",
    "comment",
    "complement",
    "compliment",
    "document",
    "element",
    "experiment",
    "fragment",
    "garment",
    "implement",
    "moment",
    "segment",
    "supplement",
];

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
    if let Some(s) = w.strip_suffix("ment").filter(|s| s.len() >= 3) {
        if !MENT_WORDS.contains(&w) {
            return Some(s.to_owned());
        }
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
fn looks_english(b: &[u8]) -> bool {
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

/// Whether `b` can be an Indonesian stem (see [`stem`]).
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

/// Possessive -ku/-mu, one derivational suffix, prefixes (see [`stem`]).
///
/// Each allowed suffix is tried (-kan, -an, -i) and then none; the first
/// result that is a known root wins, else the first with a suffix and a
/// prefix removed, else the first with only a suffix removed, else the word
/// with only its prefixes removed.
fn stem_indonesian(w: &str) -> String {
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

// ---------------------------------------------------------------------------
// Typos
// ---------------------------------------------------------------------------

/// Levenshtein distance with early exit: returns None if distance > max.
pub fn edit_distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        bounded_levenshtein(a.as_bytes(), b.as_bytes(), max)
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        bounded_levenshtein(&a, &b, max)
    }
}

fn bounded_levenshtein<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    // Common prefix and suffix cost nothing.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (
        a.get(prefix..).unwrap_or(&[]),
        b.get(prefix..).unwrap_or(&[]),
    );
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let a = a.get(..a.len() - suffix).unwrap_or(&[]);
    let b = b.get(..b.len() - suffix).unwrap_or(&[]);
    // `a` is the shorter one.
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (n, m) = (a.len(), b.len());
    if m - n > max {
        return None;
    }
    if n == 0 {
        return Some(m);
    }
    // One row of the DP table over `b`, only the diagonal band of half-width
    // `max` computed; values are capped at `cap` (anything above max).
    let cap = max.saturating_add(1);
    let mut stack = [0usize; 64];
    let mut heap = Vec::new();
    let row: &mut [usize] = if m < stack.len() {
        &mut stack[..=m]
    } else {
        heap.resize(m + 1, 0);
        &mut heap
    };
    for (j, cell) in row.iter_mut().enumerate() {
        *cell = j.min(cap);
    }
    for (i, x) in a.iter().enumerate() {
        let i = i + 1;
        let lo = i.saturating_sub(max).max(1);
        let hi = i.saturating_add(max).min(m);
        // D[i][lo-1]: the first column, or outside the band.
        let mut left = if lo == 1 { i.min(cap) } else { cap };
        let mut diagonal = row[lo - 1];
        row[lo - 1] = left;
        let mut best = left;
        for (j, y) in b.iter().enumerate().take(hi).skip(lo - 1) {
            let up = row[j + 1];
            let substitution = diagonal.saturating_add(usize::from(x != y));
            let value = substitution
                .min(up.saturating_add(1))
                .min(left.saturating_add(1))
                .min(cap);
            diagonal = up;
            row[j + 1] = value;
            left = value;
            best = best.min(value);
        }
        if hi < m {
            row[hi + 1] = cap;
        }
        if best > max {
            return None;
        }
    }
    Some(row[m]).filter(|d| *d <= max)
}

/// The typo budget for a query term of this many chars: 0 for ≤ 3, 1 for
/// 4..=7, 2 for ≥ 8.
pub fn typo_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

// ---------------------------------------------------------------------------
// Language
// ---------------------------------------------------------------------------

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

/// Common Indonesian chat words (slang spellings are in [`SLANG`]).
static ID_MARKERS: &[&str] = &[
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

/// Common English chat words (slang spellings are in [`SLANG`]).
static EN_MARKERS: &[&str] = &[
    "a", "about", "already", "am", "an", "and", "are", "arrived", "back", "be", "been", "but",
    "can", "could", "did", "do", "does", "for", "from", "get", "got", "has", "have", "hello",
    "help", "hey", "hi", "how", "i", "if", "in", "is", "it", "its", "just", "me", "my", "need",
    "not", "of", "on", "or", "our", "please", "received", "so", "still", "than", "that", "the",
    "there", "this", "to", "want", "was", "we", "were", "what", "when", "where", "which", "who",
    "why", "will", "with", "would", "yes", "yet", "you", "your",
];

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<String> {
        tokens(text)
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        let keys: Vec<&str> = SLANG.iter().map(|e| e.0).collect();
        for (name, list) in [
            ("SLANG", keys.as_slice()),
            ("STOPWORDS", STOPWORDS),
            ("PROTECTED", PROTECTED),
            ("ROOTS", ROOTS),
            ("ID_MARKERS", ID_MARKERS),
            ("EN_MARKERS", EN_MARKERS),
        ] {
            for pair in list.windows(2) {
                assert!(pair[0] < pair[1], "{name} not sorted/unique at {:?}", pair);
            }
        }
    }

    #[test]
    fn word_sets_match_their_tables() {
        for (set, table) in [
            (&*STOPWORD_SET, STOPWORDS),
            (&*PROTECTED_SET, PROTECTED),
            (&*ROOT_SET, ROOTS),
            (&*ID_MARKER_SET, ID_MARKERS),
            (&*EN_MARKER_SET, EN_MARKERS),
        ] {
            for (i, w) in table.iter().enumerate() {
                assert_eq!(set.find(w), Some(i), "{w}");
                assert!(!set.contains(&format!("{w}x")));
            }
        }
        for (i, e) in SLANG.iter().enumerate() {
            assert_eq!(SLANG_SET.find(e.0), Some(i));
        }
        assert!(!ROOT_SET.contains("") && !SLANG_SET.contains("zzzz"));
        assert!(
            is_root_with(b'k', "irim")
                && !is_root_with(b'k', "")
                && !is_root_with(b'k', &"a".repeat(50))
        );
    }

    #[test]
    fn slang_outputs_are_normalized_words() {
        for (from, to, _) in SLANG {
            assert!(!to.is_empty(), "{from}");
            assert_eq!(toks(from).len(), toks(from).len());
            for w in *to {
                assert!(
                    !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                    "{from} → {w}"
                );
                // A canonical form is not itself a (different) slang spelling.
                assert!(
                    lookup_slang(w).is_none_or(|e| e.1 == [*w]),
                    "{from} → {w} is slang"
                );
            }
        }
    }

    #[test]
    fn required_slang_mappings() {
        let required: &[(&[&str], &[&str])] = &[
            (&["brp"], &["berapa"]),
            (&["gmn", "gimana", "bgmn"], &["bagaimana"]),
            (&["yg"], &["yang"]),
            (&["sy", "aku", "gw", "gue"], &["saya"]),
            (&["bs"], &["bisa"]),
            (&["dgn", "dg"], &["dengan"]),
            (
                &["tdk", "gak", "ga", "nggak", "ngga", "enggak", "gk", "tak"],
                &["tidak"],
            ),
            (&["udh", "udah", "sdh"], &["sudah"]),
            (&["blm", "belom"], &["belum"]),
            (&["krn", "karna"], &["karena"]),
            (&["utk"], &["untuk"]),
            (&["tp", "tapi"], &["tetapi"]),
            (&["jg"], &["juga"]),
            (&["aja", "aj"], &["saja"]),
            (&["kalo", "klo", "kl"], &["kalau"]),
            (&["dmn"], &["dimana"]),
            (&["kpn"], &["kapan"]),
            (&["knp", "napa", "kenapa"], &["mengapa"]),
            (&["mo"], &["mau"]),
            (&["trs", "trus"], &["terus"]),
            (&["sm", "ama"], &["sama"]),
            (&["bgt"], &["banget"]),
            (&["tlg"], &["tolong"]),
            (
                &[
                    "thx",
                    "tks",
                    "makasih",
                    "mksh",
                    "trims",
                    "thanks",
                    "thank",
                    "terimakasih",
                ],
                &["thanks"],
            ),
            (&["ongkir"], &["ongkos", "kirim"]),
            (&["tf"], &["transfer"]),
            (&["rek", "norek"], &["rekening"]),
            (&["pesenan", "psnan"], &["pesanan"]),
            (&["brg"], &["barang"]),
            (&["hrg"], &["harga"]),
            (&["dr"], &["dari"]),
            (&["pd"], &["pada"]),
            (&["lg", "lgi"], &["lagi"]),
            (&["sampe", "smpe", "nyampe"], &["sampai"]),
            (&["dtg"], &["datang"]),
            (&["kirimin"], &["kirim"]),
            (&["bales", "blas"], &["balas"]),
            (&["pls", "plz"], &["please"]),
            (&["u"], &["you"]),
            (&["ur"], &["your"]),
            (&["r"], &["are"]),
        ];
        for (spellings, canonical) in required {
            for s in *spellings {
                assert_eq!(lookup_slang(s).map(|e| e.1), Some(*canonical), "{s}");
            }
        }
        // Identity spellings need no entry: they are already canonical.
        for w in ["bisa", "untuk", "dimana", "mau", "cod", "gratis"] {
            assert!(lookup_slang(w).is_none(), "{w}");
        }
        for w in [
            "dong",
            "deh",
            "sih",
            "kak",
            "ka",
            "kakak",
            "min",
            "mimin",
            "gan",
            "sis",
            "bang",
            "ya",
            "yah",
            "nih",
            "tuh",
            "lah",
            "kah",
            "pun",
            "loh",
            "kok",
            "halo",
            "hi",
            "hello",
            "the",
            "a",
            "an",
            "is",
            "are",
            "to",
            "of",
            "for",
            "my",
            "i",
            "me",
            "you",
            "your",
            "it",
            "do",
            "does",
            "did",
            "can",
            "could",
            "would",
            "will",
            "please",
            "on",
            "in",
            "at",
            "and",
            "or",
            "be",
            "this",
            "that",
            "with",
            "what",
            "how",
            "when",
            "where",
            "why",
            "yang",
            "di",
            "ke",
            "dari",
            "dan",
            "atau",
            "ini",
            "itu",
            "saya",
            "aku",
            "anda",
            "kamu",
            "apa",
            "apakah",
            "bagaimana",
            "berapa",
        ] {
            // "aku" is slang for "saya"; everything else is a stop word as is.
            let canonical = lookup_slang(w).map_or(w, |e| e.1[0]);
            assert!(is_stopword(canonical), "{w}");
        }
    }

    #[test]
    fn slang_and_stop_words() {
        // Question words are stop words, so "brp" (→ "berapa") goes too.
        assert_eq!(
            toks("brp ongkir ke medan kak?"),
            ["ongkos", "kirim", "medan"]
        );
        assert_eq!(toks("gratis ongkir"), ["gratis", "ongkos", "kirim"]);
        assert_eq!(
            toks("sy udh tf tp blm masuk"),
            ["transfer", "belum", "masuk"]
        );
        assert_eq!(
            toks("gmn cara tf ke rek bca?"),
            ["transfer", "rekening", "bca"]
        );
        assert_eq!(toks("pesanan gak nyampe min"), ["pesan", "tidak", "sampai"]);
        assert_eq!(
            toks("kok barangnya blm dtg sih kak"),
            ["barang", "belum", "datang"]
        );
        assert_eq!(toks("hrg brg ini brp?"), ["harga", "barang"]);
        assert_eq!(toks("tlg kirimin norek dong"), ["kirim", "rekening"]);
        assert_eq!(
            toks("pesenan sy udah dibayar tp statusnya blm berubah"),
            ["pesan", "bayar", "status", "belum", "ubah"]
        );
        assert_eq!(toks("halo kak, mau tanya dong"), ["tanya"]);
        assert_eq!(toks("COD bisa?"), ["cod"]);
        assert_eq!(
            toks("barang2 yg kmrn blm dikirim2"),
            ["barang", "belum", "kirim"]
        );
        assert_eq!(toks("ps2 mp3 2x24 a2"), ["ps2", "mp3", "2x24", "a2"]);
        assert_eq!(
            toks("kak knp blm ada balesan dr admin?"),
            ["belum", "balas", "admin"]
        );
        assert_eq!(toks("gabisa login"), ["tidak", "login"]);
        // Thanks in any spelling is one canonical token.
        for thanks in [
            "makasih kak",
            "terima kasih ya",
            "Terima  kasih!",
            "thx",
            "Thank you so much",
            "thanks!!",
            "trims gan",
            "tq",
        ] {
            assert_eq!(toks(thanks), ["thanks"], "{thanks}");
        }
        assert_eq!(toks("sudah terima barangnya"), ["terima", "barang"]);
        assert_eq!(toks("kasih tau ya"), ["kasih", "tahu"]);
        // English chat.
        assert_eq!(toks("pls help, where is my order?"), ["help", "order"]);
        assert_eq!(toks("can u check ur system"), ["check", "system"]);
        assert_eq!(
            toks("What's the status of my refund?"),
            ["status", "refund"]
        );
        assert!(is_stopword("yang") && is_stopword("the") && is_stopword("berapa"));
        assert!(!is_stopword("tidak") && !is_stopword("not") && !is_stopword("thanks"));
    }

    #[test]
    fn diacritics_and_compatibility_forms() {
        assert_eq!(toks("Café"), ["cafe"]);
        assert_eq!(toks("ﬁle"), ["file"]);
        assert_eq!(toks("ＲＥＦＵＮＤ"), ["refund"]);
        assert_eq!(toks("Crème Brûlée"), ["crem", "brulee"]);
        assert_eq!(toks("PEMBAYARAN"), ["bayar"]);
        assert_eq!(toks("Straße İstanbul"), ["straße", "istanbul"]);
        assert_eq!(toks("①②"), ["12"]);
        assert_eq!(toks("x² ½"), ["x2", "1", "2"]);
    }

    #[test]
    fn punctuation_apostrophes_digits() {
        assert_eq!(toks("I didn't get it"), ["not"]);
        assert_eq!(toks("I didn’t get it"), ["not"]);
        assert_eq!(toks("what's the fee?"), ["fee"]);
        assert_eq!(toks("customer's orders"), ["customer", "order"]);
        assert_eq!(toks("'quoted' words'"), ["quot", "word"]);
        assert_eq!(toks("rock''n"), ["rock"]);
        assert_eq!(
            toks("refund...status!!!(urgent)"),
            ["refund", "status", "urgent"]
        );
        assert_eq!(
            toks("order 14, 2x24 jam / 5 hari"),
            ["order", "14", "2x24", "jam", "5", "hari"]
        );
        assert_eq!(toks("a b c 7 x"), ["7"]);
        assert_eq!(toks("e-mail"), ["mail"]);
        assert_eq!(toks("barang-barang"), ["barang", "barang"]);
        assert_eq!(toks(""), Vec::<String>::new());
        assert_eq!(toks("  ,.;!?  "), Vec::<String>::new());
    }

    #[test]
    fn invisible_characters() {
        // Joiners and soft hyphens inside a word do not split it.
        assert_eq!(toks("pem\u{00AD}bayaran"), ["bayar"]);
        assert_eq!(toks("ref\u{200D}und"), ["refund"]);
        assert_eq!(toks("\u{FEFF}refund\u{200F}"), ["refund"]);
        // The zero width space is a space.
        assert_eq!(toks("refund\u{200B}status"), ["refund", "status"]);
    }

    #[test]
    fn indonesian_word_families() {
        let families: &[(&str, &[&str])] = &[
            (
                "kirim",
                &[
                    "pengiriman",
                    "dikirim",
                    "kirim",
                    "mengirim",
                    "kiriman",
                    "dikirimkan",
                ],
            ),
            (
                "bayar",
                &["pembayaran", "bayar", "dibayar", "membayar", "dibayarkan"],
            ),
            (
                "kembali",
                &["pengembalian", "dikembalikan", "kembali", "mengembalikan"],
            ),
            (
                "pesan",
                &[
                    "pesanan",
                    "memesan",
                    "dipesan",
                    "pesan",
                    "pemesanan",
                    "pesanannya",
                ],
            ),
            ("garansi", &["garansi", "garansinya"]),
            (
                "batal",
                &[
                    "pembatalan",
                    "dibatalkan",
                    "batal",
                    "batalkan",
                    "membatalkan",
                ],
            ),
            (
                "tanya",
                &[
                    "pertanyaan",
                    "bertanya",
                    "ditanyakan",
                    "menanyakan",
                    "tanya",
                ],
            ),
            (
                "simpan",
                &["menyimpan", "penyimpanan", "disimpan", "simpan"],
            ),
            ("tunggu", &["menunggu", "ditunggu", "tunggu"]),
            ("langgan", &["pelanggan", "langganan", "berlangganan"]),
            ("baik", &["perbaikan", "memperbaiki", "diperbaiki"]),
            ("layan", &["layanan", "pelayanan", "melayani"]),
            (
                "masalah",
                &["masalah", "bermasalah", "permasalahan", "masalahnya"],
            ),
            (
                "selesai",
                &["selesai", "menyelesaikan", "penyelesaian", "diselesaikan"],
            ),
            ("hubung", &["menghubungi", "dihubungi", "hubungi"]),
            ("minta", &["minta", "meminta", "permintaan", "diminta"]),
            ("masuk", &["masuk", "memasukkan", "dimasukkan", "termasuk"]),
            ("kerja", &["kerja", "bekerja", "pekerjaan", "mengerjakan"]),
            ("terima", &["terima", "menerima", "diterima", "penerimaan"]),
            ("pakai", &["pakai", "memakai", "dipakai", "pemakaian"]),
            ("sampai", &["sampai", "menyampaikan", "disampaikan"]),
            ("lacak", &["lacak", "melacak", "dilacak", "pelacakan"]),
            ("tolak", &["tolak", "menolak", "ditolak", "penolakan"]),
            ("lunas", &["lunas", "melunasi", "dilunasi", "pelunasan"]),
            ("aju", &["ajukan", "mengajukan", "diajukan", "pengajuan"]),
            ("proses", &["proses", "diproses", "memproses", "pemrosesan"]),
            ("akses", &["akses", "diakses", "mengakses"]),
        ];
        for (root, words) in families {
            for w in *words {
                assert_eq!(stem(w), *root, "{w}");
            }
        }
    }

    #[test]
    fn english_word_families() {
        let pairs = [
            ("shipping", "ship"),
            ("shipped", "ship"),
            ("ships", "ship"),
            ("shipment", "ship"),
            ("refunds", "refund"),
            ("refunded", "refund"),
            ("refunding", "refund"),
            ("deliveries", "delivery"),
            ("returns", "return"),
            ("returned", "return"),
            ("tracking", "track"),
            ("tracked", "track"),
            ("payment", "pay"),
            ("payments", "pay"),
            ("cancelled", "cancel"),
            ("canceled", "cancel"),
            ("cancellation", "cancel"),
            ("cancelling", "cancel"),
            ("cancels", "cancel"),
            ("charged", "charg"),
            ("charges", "charg"),
            ("charge", "charg"),
            ("updated", "updat"),
            ("update", "updat"),
            ("addresses", "address"),
            ("verified", "verify"),
            ("verification", "verify"),
            ("replies", "reply"),
            ("confirmation", "confirm"),
            ("confirmed", "confirm"),
        ];
        for (word, want) in pairs {
            assert_eq!(stem(word), want, "{word}");
        }
    }

    #[test]
    fn stems_across_both_languages() {
        let pairs = [
            // English words the Indonesian rules must not touch.
            ("human", "human"),
            ("agent", "agent"),
            ("service", "servic"),
            ("services", "servic"),
            ("operator", "operator"),
            ("admin", "admin"),
            ("voucher", "voucher"),
            ("status", "status"),
            ("address", "address"),
            ("process", "process"),
            ("business", "business"),
            ("discount", "discount"),
            ("mention", "mention"),
            ("member", "member"),
            ("server", "server"),
            ("seller", "seller"),
            ("percent", "percent"),
            ("digital", "gital"), // consistent, if not pretty: "digitals" too
            ("pending", "pend"),
            ("reply", "reply"),
            ("family", "family"),
            ("comments", "comment"),
            ("really", "real"),
            ("password", "password"),
            ("passwordnya", "password"),
            ("ordernya", "order"),
            // Indonesian words the English rules must not touch.
            ("manusia", "manusia"),
            ("kembali", "kembali"),
            ("bisa", "bisa"),
            ("garansi", "garansi"),
            ("promo", "promo"),
            ("gratis", "gratis"),
            ("rekening", "rekening"),
            ("penting", "penting"),
            ("ongkos", "ongkos"),
            ("lunas", "lunas"),
            ("balas", "balas"),
            ("dibalas", "balas"),
            ("diskon", "diskon"),
            ("kendala", "kendala"),
            ("keluar", "keluar"),
            ("mengeluarkan", "keluar"),
            ("tersedia", "sedia"),
            ("keamanan", "aman"),
            ("kerusakan", "rusak"),
            ("kebijakan", "bijak"),
            ("menjadi", "jadi"),
            ("terjadi", "jadi"),
            ("medan", "medan"),
            ("tidak", "tidak"),
            ("belum", "belum"),
            ("konfirmasi", "konfirmasi"),
            ("dikonfirmasi", "konfirmasi"),
            ("mengkonfirmasi", "konfirmasi"),
            ("mengonfirmasi", "konfirmasi"),
            ("pertanyaan", "tanya"),
            ("diproses", "proses"),
            ("proses", "proses"),
            ("pemrosesan", "proses"),
            ("teruskan", "terus"),
            ("mentransfer", "transfer"),
            ("ditransfer", "transfer"),
            ("diupdate", "updat"),
            ("berlaku", "laku"),
            ("dilakukan", "laku"),
            ("langkah", "langkah"),
            ("menilai", "nilai"),
            ("penilaian", "nilai"),
            ("memiliki", "milik"),
            ("pemilik", "milik"),
            // Short or non-ASCII tokens are returned as they are.
            ("cod", "cod"),
            ("2x24", "2x24"),
            ("straße", "straße"),
            ("Refunds", "Refunds"),
        ];
        for (word, want) in pairs {
            assert_eq!(stem(word), want, "{word}");
        }
    }

    #[test]
    fn edit_distance() {
        assert_eq!(edit_distance_within("shiping", "shipping", 1), Some(1));
        assert_eq!(edit_distance_within("pasword", "password", 1), Some(1));
        assert_eq!(edit_distance_within("refnd", "refund", 1), Some(1));
        assert_eq!(edit_distance_within("abc", "xyz", 1), None);
        assert_eq!(edit_distance_within("abc", "xyz", 3), Some(3));
        assert_eq!(edit_distance_within("same", "same", 0), Some(0));
        assert_eq!(edit_distance_within("", "", 0), Some(0));
        assert_eq!(edit_distance_within("", "abc", 3), Some(3));
        assert_eq!(edit_distance_within("", "abc", 2), None);
        assert_eq!(edit_distance_within("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance_within("kitten", "sitting", 2), None);
        assert_eq!(edit_distance_within("pengiriman", "pengirman", 2), Some(1));
        assert_eq!(edit_distance_within("transfer", "trasnfer", 2), Some(2));
        assert_eq!(edit_distance_within("flaw", "lawn", 2), Some(2));
        assert_eq!(edit_distance_within("ab", "ba", usize::MAX), Some(2));
        // Chars, not bytes.
        assert_eq!(edit_distance_within("café", "cafe", 1), Some(1));
        assert_eq!(edit_distance_within("naïve", "naive", 1), Some(1));
        assert_eq!(edit_distance_within("日本語", "日本", 1), Some(1));
        assert_eq!(edit_distance_within("😀😀", "😀😃", 1), Some(1));
        assert_eq!(edit_distance_within("مرحبا", "مرحب", 1), Some(1));
        // Symmetric, and agrees with the unbounded distance.
        let words = [
            "refund", "refnud", "rfund", "shipping", "shpiping", "pesanan", "pesan", "", "x",
        ];
        for a in words {
            for b in words {
                let full = naive(a, b);
                for max in 0..5 {
                    let want = (full <= max).then_some(full);
                    assert_eq!(edit_distance_within(a, b, max), want, "{a} {b} {max}");
                    assert_eq!(edit_distance_within(b, a, max), want, "{b} {a} {max}");
                }
            }
        }
    }

    fn naive(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, x) in a.iter().enumerate() {
            let mut row = vec![i + 1; b.len() + 1];
            for (j, y) in b.iter().enumerate() {
                row[j + 1] = (prev[j] + usize::from(x != y))
                    .min(prev[j + 1] + 1)
                    .min(row[j] + 1);
            }
            prev = row;
        }
        prev[b.len()]
    }

    #[test]
    fn typo_budgets() {
        assert_eq!(
            (0..=10).map(typo_budget).collect::<Vec<_>>(),
            [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
        );
    }

    #[test]
    fn language_guess() {
        let indonesian = [
            "kak brp ongkir ke medan?",
            "pesanan saya blm sampai nih, udah 5 hari",
            "gmn cara refund ya min?",
            "sy udh tf tp status msh belum dibayar",
            "halo kak, barangnya rusak, bisa retur gak?",
            "kapan paket saya dikirim?",
            "min, voucher gratis ongkir ga bisa dipake",
            "mau tanya, bisa COD ke Surabaya?",
            "tolong cek pesanan saya dong, nomor resinya gak muncul",
            "makasih kak atas bantuannya 🙏",
        ];
        let english = [
            "Hi, where is my order? It's been 5 days.",
            "How do I get a refund for a damaged item?",
            "can u check the status of my package pls",
            "I want to cancel my order",
            "My payment went through but the order still shows unpaid",
            "Do you ship to Singapore?",
            "thx for the help!",
            "The tracking number doesn't work",
            "Is cash on delivery available in Jakarta?",
            "hello, i was charged twice for the same order",
        ];
        for m in indonesian {
            assert_eq!(guess_lang(m), Some("id"), "{m}");
        }
        for m in english {
            assert_eq!(guess_lang(m), Some("en"), "{m}");
        }
        for unsure in [
            "",
            "ok",
            "👍",
            "COD",
            "refund",
            "promo voucher",
            "ok thanks kak",
            "12345",
        ] {
            assert_eq!(guess_lang(unsure), None, "{unsure}");
        }
        assert_eq!(guess_lang("kak my order belum sampai"), Some("id"));
    }

    #[test]
    fn odd_unicode_never_panics() {
        let mut samples: Vec<String> = [
            "",
            "😀👍🏽👨‍👩‍👧‍👦🇮🇩 refund 🙏",
            "مرحبا، أين طلبي؟ ١٢٣",
            "שלום, איפה ההזמנה שלי?",
            "\u{202E}dnufer\u{202C} \u{2066}status\u{2069}",
            "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}",
            "Z̵̡̢͇͔̀͌a̸̛͓̟͐l̶̢̛̞g̷̨̛o̴̢̧̍ t̷e̵x̶t̴",
            "e\u{301}\u{302}\u{303}\u{304}",
            "\u{301}\u{302}leading marks",
            "ǅǈǋ ﬀﬃﬄ ㍿ ㌀ ﷺ ẞ İı ŉ",
            "日本語のテキスト 한국어 텍스트 ไทย",
            "'''’’’``´´",
            "a'b'c'd",
            "\0\u{1}\u{7f}\u{80}\u{9f}",
            "\u{10FFFF}\u{E0001}\u{E007F}\u{FFFD}",
            "nyanyanya lahlahlah kahkah punpunpun",
            "memperbaikilahnya dipertanggungjawabkannya",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        samples.push("a".repeat(10_000));
        samples.push("é".repeat(10_000));
        samples.push("👍".repeat(10_000));
        samples.push("pengembalian ".repeat(1_000));
        samples.push("\u{301}".repeat(10_000));
        samples.push("ﷺ".repeat(10_000));
        samples.push("menyeng".repeat(2_000));
        // Pseudo-random chars from every plane.
        let mut seed: u32 = 0x9E37_79B9;
        let mut random = String::new();
        while random.chars().count() < 10_000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let c = match seed % 4 {
                0 => char::from_u32(seed % 0x80),
                1 => char::from_u32(seed % 0x3000),
                2 => char::from_u32(seed % 0x11_0000),
                _ => ['\'', '’', '\u{200D}', '\u{301}', ' ', 'n', 'y', 'a']
                    .get((seed % 8) as usize)
                    .copied(),
            };
            random.extend(c);
        }
        samples.push(random);
        for s in &samples {
            let t = tokens(s);
            for token in &t {
                assert!(!token.is_empty());
                let _ = stem(token);
                let _ = edit_distance_within(token, "refund", typo_budget(token.chars().count()));
            }
            let _ = stem(s);
            let _ = guess_lang(s);
            let _ = is_stopword(s);
            let _ = edit_distance_within(s, "pengembalian", 2);
            let _ = edit_distance_within(s, s, 0);
        }
        // Long inputs through the edit distance, bounded and unbounded.
        let long_a = "ab".repeat(5_000);
        let long_b = "ba".repeat(5_000);
        assert_eq!(edit_distance_within(&long_a, &long_b, 2), Some(2));
        assert_eq!(edit_distance_within(&long_a, &long_b, 1), None);
        assert_eq!(edit_distance_within(&long_a, &long_a, 0), Some(0));
        let (a, b) = ("é".repeat(1_000), "e".repeat(1_000));
        assert_eq!(edit_distance_within(&a, &b, usize::MAX), Some(1_000));
        assert_eq!(
            edit_distance_within(&"x".repeat(10_000), "", 10_000),
            Some(10_000)
        );
    }

    #[test]
    fn colloquial_affixes_around_chat_spellings() {
        // A slang spelling inside di-/ke-/ter- and -nya/-in/-innya.
        assert_eq!(toks("dibales"), ["balas"]);
        assert_eq!(toks("dibalesin"), ["balas"]);
        assert_eq!(toks("dapetnya"), ["dapat"]);
        // "kepake" is "pakai", a stop word like "use".
        assert_eq!(
            lookup_affixed_slang("kepake").map(|e| e.1),
            Some(&["pakai"][..])
        );
        assert_eq!(toks("nyampenya"), ["sampai"]);
        assert_eq!(toks("kegedean"), ["besar"]);
        // nge- goes, leaving a slang spelling or a loanword.
        assert_eq!(toks("ngebales"), ["balas"]);
        assert_eq!(toks("ngerefund"), ["refund"]);
        assert_eq!(toks("ngecek"), ["cek"]);
        assert_eq!(strip_nge("ngeri"), "ngeri");
        // Plain words are untouched.
        assert_eq!(toks("dikirimnya"), ["kirim"]);
        assert_eq!(toks("admin login"), ["admin", "login"]);
        assert!(lookup_affixed_slang("ga").is_none() && lookup_affixed_slang("diga").is_none());
    }

    #[test]
    fn english_irregular_verbs_meet_their_base() {
        assert_eq!(toks("paid"), toks("payment"));
        assert_eq!(toks("sent"), toks("send"));
        assert_eq!(toks("bought"), toks("buy"));
        assert_eq!(toks("forgot"), toks("forget"));
        assert_eq!(toks("lost"), toks("lose"));
    }

    #[test]
    fn fillers_are_stop_words() {
        assert_eq!(toks("can someone tell me"), Vec::<String>::new());
        assert_eq!(toks("which couriers do u use"), ["courier"]);
        assert_eq!(toks("bisa keep dulu gitu"), ["keep"]);
        assert_eq!(toks("kirim kemana"), ["kirim"]);
    }
}
