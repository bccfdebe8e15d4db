//! Lightweight, rule-based intent helpers for the support bot (English and
//! Indonesian chat language):
//!
//! * [`HumanRequestDetector`]: does the customer ask to be served by a human
//!   (agent, CS, admin, operator, …)?
//! * [`small_talk`]: is the whole message a greeting / thanks / acknowledgement
//!   / yes / no, with nothing else in it?
//! * [`feedback`]: does the message say that the bot's previous answer helped?
//!
//! Everything works on a private normalised form of the message (see
//! `normalize`): lower case, diacritics folded, punctuation turned into
//! clause breaks, stretched letters collapsed ("haloooo" → "halo"), chat
//! spellings mapped to one canonical word ("gak"/"nggak" → "tidak",
//! "sm"/"ama" → "sama", "mimin" → "admin", …), vocatives dropped
//! ("kak", "min", "gan"), and a small typo corrector for the handful of key
//! words the rules depend on ("agnet" → "agent", "sambungkn" → "sambungkan").
//!
//! The rules are general linguistic patterns (verb + preposition + target,
//! word-sense exclusions, negation windows), not lists of sentences. They are
//! tuned for precision: handing a customer to a human costs staff time, and
//! *not* noticing a request is recoverable (the customer will ask again).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};

// ===========================================================================
// Normalisation
// ===========================================================================

/// A message after normalisation: one string per clause (clauses are split at
/// sentence punctuation), tokens separated by single spaces.
struct Normalized {
    clauses: Vec<String>,
    /// The raw text contained a question mark.
    question: bool,
    /// Number of vocatives ("kak", "min", …) that were dropped.
    vocatives: usize,
}

impl Normalized {
    fn full(&self) -> String {
        self.clauses.join(" ")
    }

    fn tokens(&self) -> Vec<&str> {
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
fn squeeze(word: &str) -> String {
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

/// Vocatives / terms of address that carry no intent ("makasih ya kak",
/// "sambung ke operator ya min"). Keys are squeezed. "mimin" is *not* here:
/// it names the admin and is mapped to "admin" instead.
const VOCATIVES: &[&str] = &[
    "kak", "ka", "kakak", "min", "gan", "agan", "sis", "sist", "bro", "bang", "bg", "mas", "mba",
    "mbak", "om", "bund", "bunda",
];

/// Chat spellings → canonical form (keys are squeezed; values may be several
/// words). Grouped by purpose.
const ALIASES: &[(&str, &str)] = &[
    // Indonesian negation: every variant becomes "tidak" so one negation rule
    // covers them all.
    ("ga", "tidak"),
    ("gak", "tidak"),
    ("ngak", "tidak"),
    ("nga", "tidak"),
    ("enga", "tidak"),
    ("engak", "tidak"),
    ("gk", "tidak"),
    ("g", "tidak"),
    ("gx", "tidak"),
    ("tdk", "tidak"),
    ("ndak", "tidak"),
    ("nda", "tidak"),
    ("kagak", "tidak"),
    ("kaga", "tidak"),
    ("tak", "tidak"),
    ("gamau", "tidak mau"),
    ("gamao", "tidak mau"),
    ("gausah", "tidak usah"),
    ("gaperlu", "tidak perlu"),
    ("gabisa", "tidak bisa"),
    ("gatau", "tidak tahu"),
    ("gada", "tidak ada"),
    ("gaada", "tidak ada"),
    ("ogah", "tidak mau"),
    // Indonesian function words and pronouns.
    ("sm", "sama"),
    ("ama", "sama"),
    ("org", "orang"),
    ("sy", "saya"),
    ("aku", "saya"),
    ("gue", "saya"),
    ("gua", "saya"),
    ("gw", "saya"),
    ("ane", "saya"),
    ("yg", "yang"),
    ("dgn", "dengan"),
    ("dg", "dengan"),
    ("tlg", "tolong"),
    ("bs", "bisa"),
    ("udh", "sudah"),
    ("udah", "sudah"),
    ("sdh", "sudah"),
    ("blm", "belum"),
    ("gmn", "gimana"),
    ("gmna", "gimana"),
    ("bagaimana", "gimana"),
    ("dmn", "dimana"),
    ("brp", "berapa"),
    ("knp", "kenapa"),
    ("kpn", "kapan"),
    ("jg", "juga"),
    ("saja", "aja"),
    ("pingin", "pengen"),
    ("pgn", "pengen"),
    ("mw", "mau"),
    ("mo", "mau"),
    ("bales", "balas"),
    ("jwb", "jawab"),
    ("tp", "tapi"),
    ("krn", "karena"),
    ("skrg", "sekarang"),
    ("lg", "lagi"),
    ("bgt", "banget"),
    ("ngmg", "ngomong"),
    ("bosen", "bosan"),
    ("males", "malas"),
    ("bener", "benar"),
    ("mimin", "admin"),
    ("atmin", "admin"),
    ("minta2", "minta"),
    // English chat spellings.
    ("u", "you"),
    ("r", "are"),
    ("ur", "your"),
    ("pls", "please"),
    ("plz", "please"),
    ("plis", "please"),
    ("plise", "please"),
    ("pleas", "please"),
    ("wana", "want to"),
    ("wanna", "want to"),
    ("gona", "going to"),
    ("lemme", "let me"),
    ("leme", "let me"),
    ("gime", "give me"),
    ("w", "with"),
    ("thru", "through"),
    ("ppl", "people"),
    ("sum1", "someone"),
    ("some1", "someone"),
    ("any1", "anyone"),
    ("homan", "human"),
    ("cust", "customer"),
    ("costumer", "customer"),
    ("custumer", "customer"),
];

/// Words the rules rely on. A token whose squeezed form equals a word's
/// squeezed form is mapped onto that word ("agentt" → "agent", "okk" → "ok").
/// Words must be listed here to be protected from the typo corrector too.
const VOCAB: &[&str] = &[
    // targets
    "human",
    "humans",
    "agent",
    "agents",
    "agen",
    "admin",
    "admins",
    "someone",
    "somebody",
    "anyone",
    "anybody",
    "person",
    "persons",
    "people",
    "operator",
    "operators",
    "representative",
    "representatives",
    "customer",
    "service",
    "support",
    "staff",
    "staf",
    "supervisor",
    "manager",
    "manusia",
    "petugas",
    "orang",
    "atasan",
    "employee",
    "team",
    // verbs
    "talk",
    "speak",
    "chat",
    "connect",
    "transfer",
    "please",
    "sambungkan",
    "sambungin",
    "hubungkan",
    "hubungin",
    "hubungi",
    "disambungkan",
    "disambungin",
    "dihubungkan",
    "bicara",
    "ngomong",
    "ngobrol",
    "dilayani",
    "panggil",
    // small talk
    "thank",
    "thanks",
    "makasih",
    "terimakasih",
    "hello",
    "halo",
    "hai",
    "good",
    "ok",
    "oke",
    "okay",
    "yes",
    "no",
    "iya",
    "siap",
    "sip",
    "noted",
    "cool",
    "assalamualaikum",
];

/// Key words that the typo corrector may map onto (see [`fuzzy_target`]).
const FUZZY_TARGETS: &str = concat!(
    "human|agent|admin|someone|somebody|person|operator|representative|customer|service|",
    "support|supervisor|manager|manusia|petugas|talk|speak|connect|transfer|please|",
    "sambungkan|sambungin|hubungkan|disambungkan|dihubungkan|makasih|terimakasih|thanks|",
    "assalamualaikum|available",
);

/// Real words that sit one edit away from a fuzzy target and must never be
/// "corrected" into it.
const FUZZY_STOP: &[&str] = &[
    "manage",
    "pleased",
    "humane",
    "persona",
    "sambungan",
    "hubungan",
    "admit",
    "humas",
    "speaks",
    "talks",
    "amin",
    "steak",
    "person's",
];

/// Nouns that take the Indonesian "-nya" suffix in the examples we care about
/// ("adminnya", "cs nya", "jawabannya"): the suffix is split off so the noun is
/// seen by the rules.
const NYA_NOUNS: &[&str] = &[
    "admin",
    "cs",
    "orang",
    "manager",
    "manajer",
    "bot",
    "operator",
    "agen",
    "petugas",
    "staf",
    "manusia",
    "atasan",
    "kurir",
    "jawaban",
    "robot",
    "tim",
    "penjelasan",
    "info",
    "bantuan",
];

struct Lexicon {
    vocatives: HashSet<String>,
    aliases: HashMap<String, &'static str>,
    vocab: HashMap<String, &'static str>,
    fuzzy_stop: HashSet<&'static str>,
    nya_nouns: HashSet<&'static str>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| Lexicon {
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
fn is_vowel_drop(short: &str, long: &str) -> bool {
    let s: Vec<char> = short.chars().collect();
    let l: Vec<char> = long.chars().collect();
    if s.len() >= l.len() {
        return false;
    }
    let mut i = 0;
    for &c in &l {
        if i < s.len() && s[i] == c {
            i += 1;
        } else if !is_vowel(c) {
            return false;
        }
    }
    i == s.len()
}

/// One insertion, deletion or adjacent transposition (any length ≥ 5), or one
/// substitution (length ≥ 7, where a substituted letter is still unambiguous).
fn is_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().min(b.len()) < 5 || a == b {
        return false;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        1 => (0..long.len()).any(|skip| {
            long.iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| c)
                .eq(short.iter())
        }),
        0 => {
            let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match diffs.as_slice() {
                [i] => a.len() >= 7 && *i > 0,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            }
        }
        _ => false,
    }
}

/// Typo correction restricted to [`FUZZY_TARGETS`]: same first letter, and
/// either a vowel-dropped spelling or a single edit. Ambiguous tokens (two
/// targets fit) are left alone.
fn fuzzy_target(token: &str) -> Option<&'static str> {
    if token.chars().count() < 3
        || token.chars().any(|c| !c.is_ascii_alphabetic())
        || LEXICON.fuzzy_stop.contains(token)
    {
        return None;
    }
    let sq = squeeze(token);
    let first = token.chars().next()?;
    // Vowel-dropped spellings are the stronger signal, so they are tried
    // first; a single edit is only a fallback.
    let tests: [&dyn Fn(&str) -> bool; 2] =
        [&|target| is_vowel_drop(&sq, &squeeze(target)), &|target| {
            is_one_edit(token, target)
        }];
    for test in tests {
        let mut hits = FUZZY_TARGETS
            .split('|')
            .filter(|t| t.starts_with(first) && test(t));
        match (hits.next(), hits.next()) {
            (Some(hit), None) => return Some(hit),
            (Some(_), Some(_)) => return None,
            _ => {}
        }
    }
    None
}

/// Canonical form of one token (already lower-cased, punctuation-free).
/// Returns an empty string for vocatives.
fn canonical_token(raw: &str, vocatives: &mut usize) -> String {
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
fn normalize(text: &str) -> Normalized {
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

// ===========================================================================
// Pattern vocabulary shared by the human-request rules
// ===========================================================================
//
// Patterns are written with <PLACEHOLDERS> expanded by `expand`, so each rule
// reads like the construction it describes.

/// Determiners before a target ("a", "your", "seorang", …).
const DET: &str = r"(?:(?:a|an|the|your|some|any|one of your|one of the|seorang|para|si) )?";
/// Pre-nominal adjectives that keep the target human ("a *real* person",
/// "a *live* agent", "*another* agent").
const ADJ: &str = r"(?:(?:real|live|actual|actually|proper|genuine|human|living|qualified|senior|another|other|different|new) )*";
/// Adjectives that make a generic noun ("person", "someone") a target.
const ADJ_REQ: &str = r"(?:(?:real|live|actual|actually|proper|genuine|human|living) )+";
/// Roles that only ever mean "a member of staff / a human" in a support chat.
const T_ROLE: &str = r"(?:human beings?|humans?|live agents?|agents?|agen|operators?|representatives?|reps?|staff(?: members?)?|staf|employees?|pegawai|karyawan|managers?|manajer|supervisors?|atasan|customer (?:services?|support|care)(?: (?:agents?|team|reps?|representatives?|staff|officers?|person|people))?|cs(?: (?:agents?|team|staff|officers?))?|support (?:team|staff|agents?|people|person|desk)|helpdesk|help desk|(?:your|the) (?:support |cs |customer service )?team|tim(?: cs| support| customer service)?|admins?|advisors?|consultants?|specialists?|manusia|petugas)";
/// Generic people nouns: a target only with a qualifying context.
const T_GENERIC: &str = r"(?:someone|somebody|anyone|anybody|persons?|people|orang)";
/// Any target, optionally with the Indonesian "-nya" split off.
const T_ANY: &str = r"(?:<TR>|<TG>)(?: nya)?";
/// Words for the bot itself.
const BOT: &str = r"(?:bots?|robots?|chatbots?|machines?|mesin|ai|automated (?:replies|reply|answers?|system|responses?)|auto reply|autoreply|sistem otomatis)";
/// Post-nominal modifiers ("cs *asli*", "orang *beneran*", "someone *real*").
const POST: &str = r"(?:real|asli|beneran|sungguhan|manusia|langsung|human|yang asli|yang beneran|yang manusia|from (?:your|the) \w+|at \w+|here|now|instead|aja)";
/// Politeness / urgency particles that may close a bare request.
const PART: &str = r"(?:please|tolong|now|dong|aja|ya|deh|sih|yah|lah|asap|immediately|right now|here|segera|sekarang|thanks|thank you|tq|ok|okay|oke|nya|kok|nih)";
/// Courier / logistics brands: "agen JNE", "the agent at JNE".
const COURIER: &str = r"(?:jne|jnt|j t|j and t|sicepat|si cepat|anteraja|ninja|ninja xpress|pos indonesia|pos|tiki|wahana|lion parcel|idexpress|id express|grab|gojek|gosend|grabexpress|shopee express|spx|dhl|fedex|ups|usps|tnt|paxel|rpx)";
/// Mobile carriers: "operator indosat", "operator seluler".
const CARRIER: &str = r"(?:telkomsel|indosat|im3|xl|axis|tri|three|smartfren|byu|by u)";
/// Organisations / places whose staff are not our staff.
const ORG: &str = r"(?:<COURIER>|<CARRIER>|courier|couriers|kurir|ekspedisi|expedition|bank|seluler|cellular|mobile|telco|provider|pulsa|gudang|warehouse|showroom|website|site|web|post office|kantor pos|airport|bandara|hotel|reseller|resmi|grup|group|kantor|akun|perusahaan|company|mall|branch|cabang|pln|pdam|bpjs|wa|whatsapp)";

fn expand(pattern: &str) -> String {
    pattern
        .replace("<T>", T_ANY)
        .replace("<TR>", T_ROLE)
        .replace("<TG>", T_GENERIC)
        .replace("<DET>", DET)
        .replace("<ADJREQ>", ADJ_REQ)
        .replace("<ADJ>", ADJ)
        .replace("<BOT>", BOT)
        .replace("<POST>", POST)
        .replace("<PART>", PART)
        .replace("<ORG>", ORG)
        .replace("<COURIER>", COURIER)
        .replace("<CARRIER>", CARRIER)
}

fn compile(pattern: &str) -> Regex {
    Regex::new(&expand(pattern)).expect("built-in intent pattern must compile")
}

fn compile_all(patterns: &[&str]) -> Vec<Regex> {
    patterns.iter().map(|p| compile(p)).collect()
}

// ===========================================================================
// Human-request rules
// ===========================================================================

/// How a positive match is checked against its left context.
#[derive(Clone, Copy)]
enum Guard {
    /// Negation in the 3 preceding words cancels the match
    /// ("I *don't* need to talk to anyone", "*tidak* mau bicara dengan cs").
    Neg,
    /// Also cancelled by a past/ongoing-time marker, because Indonesian verbs
    /// do not inflect: "kemarin *udah* ngobrol sama cs" reports an event, it
    /// does not request one. A desire word in between ("sudah bilang *mau* …")
    /// restores the request.
    NegPast,
    /// The pattern already encodes its polarity (anti-bot and bare requests).
    None,
}

struct Rule {
    re: Regex,
    guard: Guard,
}

fn rules(specs: &[(&str, Guard)]) -> Vec<Rule> {
    specs
        .iter()
        .map(|(p, g)| Rule {
            re: compile(p),
            guard: *g,
        })
        .collect()
}

/// Word-sense exclusions: spans where a target word does *not* denote our
/// staff are blanked out before any positive rule runs.
static NEUTRALIZERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile_all(&[
        // Compounds where "human"/"orang"/"manusia" is a modifier or part of
        // another noun: "human resources", "human error", "human hair",
        // "orang tua" (parents), "orang lain" (someone else), "manusia silver".
        r"\bhuman (?:resources?|error|errors|hair|eye|eyes|body|skin|rights|nature|trafficking|anatomy|grade|consumption|use|race|life|lives|history|capital|size|sized|scale|shaped|figure|figures|form|like|made|touch)\b",
        r"\bmanusia (?:silver|biasa|purba)\b",
        r"\borang (?:tua|lain|awam|rumah|dalam|kantor)\b",
        r"\b(?:someone|somebody|anyone|anybody|person|people|orang) (?:else|elses|lain)\b",
        // Staff of another organisation: couriers, banks, carriers, the
        // showroom floor, a company account ("agen JNE", "the agent at JNE",
        // "operator seluler", "admin grup wa", "the operator of the courier").
        r"\b(?:agents?|agen|operators?|petugas|staf|staff|admins?|cs|customer service|persons?|people|managers?|employees?|pegawai|karyawan)(?: nya)?(?: (?:of|at|from|dari|di))?(?: (?:the|a|this|that|my|our))? <ORG>\b",
        r"\b(?:<COURIER>|<CARRIER>|courier|delivery|shipping|travel|insurance|estate|sales|secret|reseller|booking|ticket|ticketing|property|bank|ekspedisi|kurir|gudang|warehouse|seluler|pulsa|pln|bpjs|showroom|marketing|field|undercover|talent|recruitment) (?:agents?|agen|operators?|staff|staf|admins?|petugas|cs|customer service)\b",
        // Things *of* a target, not the target: codes, fees, contact details
        // and opening hours ("agent code", "biaya admin", "admin fee",
        // "customer service email", "jam CS", "staff discount").
        r"\b(?:agents?|agen|admins?|cs|customer service|operators?|staff|staf)(?: nya)? (?:code|kode|id|number|numbers|nomor|nomer|fee|fees|charge|charges|cost|costs|biaya|discount|diskon|price|harga|panel|account|akun|login|password|dashboard|email|phone|hours|hotline|address|schedule|jadwal|mode|rights|privileges|access|role|page)\b",
        r"\b(?:kode|biaya|fee|nomor|nomer|no|id|email|jam|discount|diskon|akun|jadwal|alamat|hak|akses|telepon|telp) (?:agen|agents?|admins?|cs|customer service|operators?|staff|staf)\b",
        // Somebody else's staff: "my manager", "our company admin",
        // "atasan saya".
        r"\b(?:my|our|his|her|their)(?: \w+)? <T>",
        r"\b(?:atasan|manager|manajer|bos|boss|teman|temen) (?:saya|kami)\b",
        // Roles and self-descriptions: "become a reseller agent", "works as a
        // customer service agent", "jadi agen", "I am not a human", "saya
        // admin akun …", "saya bukan robot".
        r"\b(?:as|sebagai|menjadi|become|becoming|became|works? as|worked as|working as)(?: (?:a|an|the|seorang))?(?: \w+)? <T>",
        r"\bjadi (?:seorang )?<T>",
        r"\b(?:i am|im|i m|i was|saya|i work as)(?: (?:not|bukan|also|juga|just|only|cuma|hanya|seorang|the|a|an|your|sendiri|ini|adalah))* <ADJ>(?:<T>|<BOT>)",
        // Gratitude formulas: "terima kasih atas bantuan admin", "thanks for
        // the help from your agent" is praise, not a request.
        r"\b(?:atas|for) (?:the |your )?(?:bantuan|help|assistance|support)(?: \w+){0,3}",
    ])
});

/// Strong rules: an explicit request construction. They win over the
/// informational vetoes ("are you human? I want to talk to a human").
static STRONG: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    rules(&[
        // EN speak verb + to/with + target: "talk to a human", "speak with a
        // real person", "chat with an actual person", "talk 2 human". Past
        // forms (talked, spoke) are deliberately absent: they report.
        (
            r"\b(?:talk|speak|chat|converse|communicate)(?: (?:directly|personally|live|now|right now))? (?:to|2|with) <DET><ADJ>(?:<T>|support)\b",
            Guard::Neg,
        ),
        // "is there a person I can talk to"
        (
            r"\b<T> (?:i|we) (?:can|could|may) (?:talk|speak|chat)\b",
            Guard::Neg,
        ),
        // EN connect verbs with an explicit object: "connect me to customer
        // service", "put me through to a live agent", "escalate this to your
        // supervisor", "pass me to a human", "hand me over to your team".
        (
            r"\b(?:connect|transfer|put|pass|hand|switch|redirect|route|forward|escalate|patch|get|move)(?: (?:me|us|this|it|this chat|this conversation|the chat|my (?:case|issue|complaint|ticket|problem|question)))(?: (?:over|through|back|across))? (?:to|with|into|2) <DET><ADJ>(?:<T>|support)\b",
            Guard::Neg,
        ),
        // … or without an object, when the target is unambiguously staff
        // ("transfer to an agent"; but not "transfer to another person", which
        // is about money).
        (
            r"\b(?:connect|transfer|escalate|forward|redirect|switch) (?:to|with|2) <DET><ADJ>(?:<TR>|support)\b",
            Guard::Neg,
        ),
        // "get me a human", "give me someone", "bring a human into this chat".
        (
            r"\b(?:bring|get|give|fetch|grab) (?:me|us) <DET><ADJ><T>",
            Guard::Neg,
        ),
        (
            r"\b(?:bring|get|fetch|grab) <DET><ADJ>(?:<TR>|<ADJREQ><TG>)\b",
            Guard::Neg,
        ),
        // "get someone on the phone", "put a real human on the line".
        (
            r"\b(?:get|put|have) <DET><ADJ><T> on (?:the )?(?:phone|line|call|chat)\b",
            Guard::Neg,
        ),
        // "let a real agent handle this", "let someone from your team check".
        (
            r"\blet <DET><ADJ>(?:<TR>|<ADJREQ><TG>|<TG> from \w+(?: \w+)?) (?:handle|help|take|deal|look|answer|reply|respond|check|assist|talk|speak)\b",
            Guard::Neg,
        ),
        // Passive hand-over: "I'd like to be transferred to customer care",
        // "can I get connected with an agent".
        (
            r"\b(?:be|get|getting|being) (?:transferred|connected|put through|passed|forwarded|redirected|escalated|switched|handed over) (?:to|with) <DET><ADJ>(?:<T>|support)",
            Guard::Neg,
        ),
        // First-person want/need + target: "I want a real human", "I need a
        // human agent", "id like a representative". A bare generic noun needs
        // an adjective or must end the clause ("I need someone to pick it up"
        // is not a request for staff).
        (
            r"(?:^|\b(?:i|we|id|just|really|only|still) )(?:really |just |still |only |would |d )?(?:want|need|like|prefer|require|demand|request|wish)(?: to (?:have|get|see))? <DET><ADJ>(?:<TR>\b|<ADJREQ><TG>\b|<TG>$)",
            Guard::Neg,
        ),
        // "help from a real person", "bantuan dari admin".
        (
            r"\b(?:help|assistance|support|bantuan|dibantu|bantu) (?:from|by|of|dari|oleh|sama) <DET><ADJ><T>",
            Guard::Neg,
        ),
        // "complain to a person", "ask for a human", "request an agent".
        (
            r"\b(?:complain|ask for|asking for|request)(?: (?:directly|personally))?(?: to)? <DET><ADJ><T>",
            Guard::Neg,
        ),
        // "file a complaint with a supervisor".
        (r"\bcomplaints? (?:with|to) <DET><ADJ><T>", Guard::Neg),
        // Bare escalation: "escalate please", "escalate this".
        (
            r"\b(?:escalate|eskalasi)(?: (?:this|it|ini|my (?:case|issue|complaint|ticket|problem)))?(?: (?:please|now|asap|dong|aja))*$",
            Guard::Neg,
        ),
        // Refusing the bot: "stop the bot", "no bot", "I don't want to talk
        // to a bot", "enough with the bot", "ga mau sama bot", "jangan bot",
        // "bosen sama bot", "gamau bot". The bot word must close the clause
        // (or be followed by a new request): "no robot vacuum in stock?" is
        // about a product. "bukan"/"not" are excluded: "saya bukan robot".
        (
            r"\b(?:stop|enough|no more|quit|skip|bypass|without|tanpa|jangan|tidak mau|tidak usah|tidak perlu|bosan|malas|benci|hate|sick of|tired of|done with|fed up with|dont want|do not want|dont like|rather not|instead of)(?: (?:to|talk|speak|chat|with|sama|dengan|ngomong|bicara|ngobrol|chatting|dilayani|deal|be|served|by|oleh|lagi|more|again|any|this|the|a|an|your|stupid|useless))* <BOT>(?: (?:nya|ini|this|lagi|again|anymore|please|dong|deh|aja|ya|lah|terus))*(?: (?:i|we|saya|mau|minta|want|need|give|get|langsung)\b.*)?$",
            Guard::None,
        ),
        (
            r"\bno (?:more )?(?:the |a )?<BOT>(?: (?:please|thanks|pls))*$",
            Guard::None,
        ),
        // A clause that is nothing but the target, optionally preceded by a
        // desire word and followed by particles: "operator", "agent please",
        // "need cs", "real person pls", "minta admin dong", "agen dong",
        // "cs manusia dong", "langsung admin", "i want a real human not a
        // machine".
        (
            r"^(?:(?:ok|okay|oke|hi|hello|halo|hey|yes|ya|iya|so|sorry|please|tolong|just) )*(?:(?:i |we |saya )?(?:really |just |only )?(?:need|want|get me|give me|bring me|would like|d like|id like|can i (?:have|get)|could i (?:have|get)|may i (?:have|get)|minta|mau|butuh|perlu|pengen|ingin|langsung|cuma|hanya)(?: (?:tolong|dong|aja|langsung|sama|ke|dengan))? )?<DET><ADJ><T>(?: <POST>)*(?: <PART>)*(?: (?:not|bukan|instead of|rather than|no|jangan)(?: (?:a|an|the|this|sama|dengan))? <BOT>)?(?: <PART>)*$",
            Guard::None,
        ),
        // ID speak verb + dengan/sama/ke + target: "bicara dengan agen", "mau
        // ngomong sama orang", "bisa chat sama manusia", "nanya ke cs".
        // "ngomongin" (talk about) is a different word and does not match.
        (
            r"\b(?:bicara|berbicara|ngomong|ngobrol|mengobrol|ngechat|chat|chatting|komunikasi|berkomunikasi|bincang|berbincang|nanya|tanya|bertanya|konsultasi|diskusi)(?: langsung)? (?:dengan|sama|ke|kepada|pada) <DET><ADJ><T>",
            Guard::NegPast,
        ),
        // "mau bicara langsung" — to speak *directly* (i.e. not via the bot).
        (
            r"\b(?:bicara|berbicara|ngomong|ngobrol) langsung\b",
            Guard::NegPast,
        ),
        // ID connect verbs: "sambungkan ke operator", "hubungkan saya dengan
        // admin", "alihkan ke agen", "oper ke tim cs", "sambungin cs".
        (
            r"\b(?:di)?(?:sambung|sambungkan|sambungin|hubungkan|hubungin|alihkan|alihin|oper|operin|operkan|teruskan|terusin)(?: (?:saya|kami|chat ini|chat|ini))?(?: (?:ke|dengan|sama|kepada|pada))? <DET><ADJ><T>",
            Guard::NegPast,
        ),
        // … also with the target first: "cs please sambungin".
        (
            r"\b<T>(?: \w+){0,3} (?:di)?(?:sambungkan|sambungin|sambung|hubungkan|hubungin|alihkan|alihin)\b",
            Guard::NegPast,
        ),
        // To be served/helped by: "mau dilayani CS langsung", "pengen dilayani
        // manusia", "bisa dibantu admin langsung?", "butuh bantuan agen".
        (
            r"\b(?:dilayani|dilayanin|layani|dibantu|dibantuin|bantuan|ditangani)(?: langsung)?(?: (?:oleh|sama|dari|dengan))? <DET><ADJ><T>",
            Guard::NegPast,
        ),
        // Summoning: "panggil admin", "panggilin manager nya".
        (
            r"\b(?:panggil|panggilin|panggilkan|dipanggil|datangkan|hadirkan)(?: (?:dong|tolong|aja))? <DET><ADJ><T>",
            Guard::NegPast,
        ),
        // Complaining to: "mau komplain ke cs", "komplain langsung ke admin".
        (
            r"\b(?:komplain|complain|mengadu|ngadu|lapor|melapor|protes)(?: langsung)? (?:ke|sama|kepada|pada|dengan) <DET><ADJ><T>",
            Guard::NegPast,
        ),
        // Asking for a role: "minta admin", "butuh agen", "mau sama admin".
        // Not past-guarded: "sudah minta admin dari tadi" is a repeated ask.
        (
            r"\b(?:minta|butuh|perlu|pengen|ingin|mau)(?: (?:tolong|dong|langsung|sama|ke|dengan))* <DET><ADJ><TR>\b",
            Guard::Neg,
        ),
        // "minta orang" / "minta orang beneran" at the end of a clause.
        (r"\bminta <TG>(?: <POST>)*(?: <PART>)*$", Guard::Neg),
    ])
});

/// A clause consisting only of a target ("admin", "live agent").
static BARE_TARGET: LazyLock<Regex> = LazyLock::new(|| compile(r"^<DET><ADJ><T>$"));

/// Vetoes: questions *about* the bot or about CS (its nature, hours,
/// contact details) rather than requests to reach it. They only cancel weak
/// rules.
static VETOES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile_all(&[
        // Nature of the bot: "are you human?", "is this a bot?", "human or
        // ai", "kamu bot ya?", "manusia atau bot?", "am I talking to a robot".
        r"\b(?:are|r) (?:you|u)(?: \w+)? (?:a |an )?(?:real|human|bot|robot|ai|person|machine|automated|live|chatbot|manusia)\b",
        r"\b(?:is|are) (?:this|it|that|these|they|your \w+(?: \w+)?)(?: \w+)? (?:a |an )?(?:real|human|humans|bot|robot|ai|machine|person|people|automated|chatbot)\b",
        r"\b(?:<TR>|<TG>|bot|robot|ai|mesin|machine|chatbot)(?: \w+)? (?:or|atau) (?:a |an )?(?:ai|bot|robot|human|manusia|mesin|orang|machine|person|real|chatbot|automated)\b",
        r"\b(?:kamu|anda|ini|kau|lu|lo|situ)(?: \w+)? (?:bot|robot|manusia|mesin|ai|orang|chatbot)\b",
        r"\bam i (?:talking|speaking|chatting) (?:to|with)\b",
        // Information about CS: opening hours, days, contact channels,
        // response time ("customer service hours?", "cs buka hari minggu",
        // "kapan CS bisa dihubungi", "berapa lama cs bales").
        r"\b(?:hours?|jam|opening|open|opens|close|closes|closed|closing|buka|tutup|operasional|schedule|jadwal|email|e mail|phone|telepon|telp|nomor|nomer|number|hotline|whatsapp|address|alamat|berapa lama|how long|when|kapan|what time|fast respon|respon|response time|reply time|how do i (?:contact|reach)|how to (?:contact|reach)|how can i (?:contact|reach)|cara (?:hubungi|menghubungi|kontak)|sunday|monday|tuesday|wednesday|thursday|friday|saturday|weekends?|holidays?|senin|selasa|rabu|kamis|jumat|sabtu|minggu|libur|tanggal merah|lebaran)\b",
    ])
});

/// Weak rules: availability questions and addressing staff directly. Fine on
/// their own, but cancelled by a veto ("is customer service available on
/// sundays" asks for hours).
static WEAK: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    rules(&[
        // "can an admin help me", "can someone from your team help me",
        // "could customer service call me".
        (
            r"\b(?:can|could|would|will|may|tolong|bisa|please)(?: you)? <DET><ADJ><T>(?: \w+){0,3}? (?:help|assist|handle|check|look|answer|reply|respond|call|contact|bantu|bantuin|balas|jawab|respon)\b",
            Guard::Neg,
        ),
        // Availability: "is a human available to chat", "is there a person i
        // can talk to", "is anyone from support available", "anyone there?".
        (
            r"\b(?:is|are) (?:there )?<DET><ADJ><T>(?: \w+){0,2}? (?:available|online|around|here|there|free|awake|working|i can|we can|to (?:talk|chat|speak|help))\b",
            Guard::Neg,
        ),
        (r"\bis there <DET><ADJ><T>$", Guard::Neg),
        (r"\b<T> (?:available|online|around)\b", Guard::Neg),
        (
            r"^(?:hello |hi |halo )?(?:anyone|anybody|someone|somebody) (?:there|here|home|around|available|online|real)\b",
            Guard::Neg,
        ),
        // ID availability / whereabouts: "ada admin?", "adminnya ada?",
        // "orang asli ada gak?", "cs nya mana?", "admin mana admin",
        // "mana adminnya".
        (
            r"^(?:apakah |apa )?(?:ada|adakah) <DET><ADJ><T>(?: <POST>)*(?: (?:tidak|ya|kah|sih|dong|nih|gitu|disini|di sini|yang online|yang standby|yang bisa (?:bantu|bantuin|balas|jawab)))*$",
            Guard::Neg,
        ),
        (
            r"^<ADJ><T>(?: <POST>)* ada(?: (?:tidak|ya|kah|sih|dong|nih|disini|di sini))*$",
            Guard::Neg,
        ),
        (
            r"\b<TR>(?: nya)?(?: <POST>)? (?:mana|kemana|dimana)\b",
            Guard::Neg,
        ),
        (r"\b(?:mana|kemana) <TR>", Guard::Neg),
        // Asking staff to reply in person: "admin tolong balas", "tolong
        // admin yg bales ya", "mimin tolong bales langsung".
        (
            r"\b<TR>(?: nya)? (?:tolong|yang|dong|aja|please|mohon)(?: \w+)? (?:balas|jawab|respon|reply|answer|respond)\b",
            Guard::Neg,
        ),
        // Contacting: "hubungi operator", "contact a staff member for me",
        // "can customer service call me". Vetoed when it is "how do I
        // contact …".
        (
            r"\b(?:contact|reach|hubungi|kontak|call|ring|phone|message|whatsapp|telpon|telepon) <DET><ADJ><T>",
            Guard::Neg,
        ),
        (
            r"\b<T>(?: \w+)? (?:call|contact|phone|ring|email|hubungi|telpon|telepon|chat) (?:me|us|saya|kami)\b",
            Guard::Neg,
        ),
    ])
});

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
        let norm = normalize(text);
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

// ===========================================================================
// Small talk
// ===========================================================================

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Ack,
    Yes,
    No,
}

/// Phrase category while scanning a message; `Filler` phrases carry no
/// meaning of their own ("so", "for the help", "ya", "bye").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Talk(SmallTalk),
    Filler,
}

// Small-talk phrase lists, `|`-separated, written in normalised form (the
// table builder normalises and squeezes them like user input, so "thank u"
// and "thankss" meet "thank you" / "thanks").

/// Greetings and pings ("p" and "punten" are Indonesian chat openers).
const GREETING_PHRASES: &str = concat!(
    "hi|hello|helo|halo|hai|hey|heya|hiya|hei|yo|howdy|greetings|hola|sup|wassup|whats up|",
    "good morning|good afternoon|good evening|good day|morning|evening|afternoon|gm|",
    "selamat pagi|selamat siang|selamat sore|selamat malam|met pagi|met siang|met sore|",
    "met malam|pagi|siang|sore|malam|permisi|misi|punten|assalamualaikum|assalamu alaikum|",
    "assalamualaikum wr wb|assalamualaikum warahmatullahi wabarakatuh|salam|waalaikumsalam|p|",
    "ping|excuse me",
);

/// Thanks (English, Indonesian, Javanese "matur nuwun", Sundanese "hatur nuhun").
const THANKS_PHRASES: &str = concat!(
    "thanks|thank you|thank|thankyou|thx|thnx|thanx|tx|ty|tysm|tyvm|tq|tks|tengkyu|",
    "many thanks|much appreciated|appreciated|appreciate it|i appreciate it|",
    "really appreciate it|cheers|makasih|makasi|mksh|terima kasih|terimakasih|trimakasih|",
    "trima kasih|trims|suwun|matur nuwun|matur suwun|hatur nuhun|nuhun|kamsia",
);

/// Acknowledgements: the customer took note, without answering yes/no.
const ACK_PHRASES: &str = concat!(
    "ok|okay|oke|okey|okie|okie dokie|oki doki|okeh|okei|oce|oc|k|noted|got it|gotcha|",
    "alright|all right|cool|understood|i understand|i see|i get it|right|makes sense|",
    "that makes sense|fair enough|roger|roger that|copy that|fine|great|nice|good|awesome|",
    "sip|siap|baik|baiklah|oh gitu|oh begitu|gitu|begitu|gitu ya|paham|ngerti|mengerti|",
    "mantap|mantul|oalah|wokeh|sudah paham",
);

/// Affirmative answers, including "it helped" / "sudah jelas".
const YES_PHRASES: &str = concat!(
    "yes|yeah|yea|yep|yup|ya|iya|iyap|iye|yoi|sure|of course|absolutely|definitely|correct|",
    "exactly|thats right|that is right|thats correct|indeed|it did|it does|it helped|",
    "that helped|helped|thats what i needed|that is what i needed|thats it|that solved it|",
    "solved|that works|perfect|betul|benar|tepat|sudah jelas|jelas|membantu|sangat membantu|",
    "cukup membantu|tentu",
);

/// Negative answers, including "not what I asked" / "masih bingung".
const NO_PHRASES: &str = concat!(
    "no|nope|nah|nay|not really|it didnt|no it didnt|it did not|didnt help|did not help|",
    "doesnt help|that didnt help|it didnt help|not helpful|unhelpful|wrong|wrong answer|",
    "thats wrong|thats not it|that is not it|thats not what i asked|not what i asked|",
    "thats not what i meant|not what i meant|still confused|im still confused|",
    "i dont understand|i dont get it|not quite|tidak|bukan|bukan itu|bukan itu maksud saya|",
    "bukan begitu|bukan gitu|tidak membantu|kurang membantu|belum jelas|kurang jelas|",
    "tidak jelas|masih bingung|bingung|salah|tidak paham|tidak ngerti|belum|tidak juga|",
    "tidak nyambung|tidak sama sekali",
);

/// Phrases with no meaning of their own, allowed around small talk:
/// particles and interjections ("deh", "oh", "so"), intensifiers ("very
/// much", "banyak"), addressees ("bot", "there", "admin"), closings ("bye")
/// and what a thanks is for ("for the help", "atas bantuannya").
const FILLER_PHRASES: &str = concat!(
    "ya|yah|deh|dong|sih|kok|lah|nih|ah|oh|o|hm|um|uh|well|wow|eh|hehe|haha|wkwk|lol|so|very|",
    "much|really|too|again|then|and|dan|also|juga|sekali|banget|sangat|at all|a lot|a ton|",
    "so much|very much|banyak|k|please|bot|there|guys|team|everyone|all|sir|maam|madam|dear|",
    "friend|admin|bye|goodbye|see you|dadah|for the help|for your help|for helping|",
    "for the info|for the information|for your time|for that|for everything|for the answer|",
    "atas bantuannya|atas bantuan nya|atas infonya|atas info nya|atas informasinya|",
    "atas jawabannya|infonya|info nya|bantuannya|bantuan nya|informasinya",
);

/// Words that never fill the "addressee" slot after a greeting ("hi
/// tokoloka"): question words and content words of a real request.
const NOT_ADDRESSEE: &[&str] = &[
    "what", "where", "how", "when", "why", "who", "which", "apa", "dimana", "kapan", "gimana",
    "berapa", "kenapa", "siapa", "mana", "refund", "order", "resi", "ongkir",
];

/// Phrase table: squeezed token sequences, longest first.
static PHRASES: LazyLock<Vec<(Vec<String>, Part)>> = LazyLock::new(|| {
    let mut table: Vec<(Vec<String>, Part)> = Vec::new();
    let groups: [(&str, Part); 6] = [
        (GREETING_PHRASES, Part::Talk(SmallTalk::Greeting)),
        (THANKS_PHRASES, Part::Talk(SmallTalk::Thanks)),
        (ACK_PHRASES, Part::Talk(SmallTalk::Ack)),
        (YES_PHRASES, Part::Talk(SmallTalk::Yes)),
        (NO_PHRASES, Part::Talk(SmallTalk::No)),
        (FILLER_PHRASES, Part::Filler),
    ];
    for (phrases, part) in groups {
        for phrase in phrases.split('|') {
            let mut ignored = 0;
            let toks: Vec<String> = phrase
                .split_whitespace()
                .map(|t| squeeze(&canonical_token(t, &mut ignored)))
                .flat_map(|t| t.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                .collect();
            table.push((toks, part));
        }
    }
    // Longest first; among equal lengths a category beats a filler (so "ya"
    // at the start is Yes, and "k" alone is Ack).
    table.sort_by_key(|(toks, part)| (std::cmp::Reverse(toks.len()), *part == Part::Filler));
    table
});

/// Maximum number of tokens a small-talk message may have.
const SMALL_TALK_MAX_TOKENS: usize = 8;

/// Split a message into small-talk phrases; `None` as soon as something else
/// is found (a question, a request, any content word).
fn small_talk_parts(norm: &Normalized) -> Option<Vec<SmallTalk>> {
    let tokens: Vec<String> = norm.tokens().iter().map(|t| squeeze(t)).collect();
    if tokens.is_empty() {
        // Only vocatives ("kak?", "min"): a call for attention.
        return (norm.vocatives > 0).then(|| vec![SmallTalk::Greeting]);
    }
    if tokens.len() > SMALL_TALK_MAX_TOKENS {
        return None;
    }
    let mut found: Vec<SmallTalk> = Vec::new();
    let mut i = 0;
    'scan: while i < tokens.len() {
        for (phrase, part) in PHRASES.iter() {
            if tokens[i..].starts_with(phrase) {
                match part {
                    // "ya"/"k" after other content is a particle
                    // ("makasih ya", "halo kk"), not an answer.
                    Part::Talk(SmallTalk::Yes | SmallTalk::Ack)
                        if !found.is_empty()
                            && matches!(phrase.as_slice(), [w] if w == "ya" || w == "k") => {}
                    Part::Talk(kind) => found.push(*kind),
                    Part::Filler => {}
                }
                i += phrase.len();
                continue 'scan;
            }
        }
        // One trailing addressee after a greeting or thanks: "hi tokoloka",
        // "thanks john".
        let tok = tokens[i].as_str();
        let after_social = matches!(found.last(), Some(SmallTalk::Greeting | SmallTalk::Thanks));
        if i + 1 == tokens.len()
            && after_social
            && tok.len() >= 2
            && tok.chars().all(|c| c.is_alphabetic())
            && !NOT_ADDRESSEE.contains(&tok)
        {
            break;
        }
        return None;
    }
    (!found.is_empty()).then_some(found)
}

/// Some(kind) only when the whole message is small talk (≤ ~6 words, no real question). "hi, how long does shipping take?" → None.
pub fn small_talk(text: &str) -> Option<SmallTalk> {
    let parts = small_talk_parts(&normalize(text))?;
    let has = |k: SmallTalk| parts.contains(&k);
    // Priority: a refusal dominates ("no thanks"), thanks dominates
    // acknowledgements ("ok thanks", "great, thanks"), an answer dominates
    // an acknowledgement ("ok yes"), a greeting is the weakest.
    if has(SmallTalk::No) {
        return (!has(SmallTalk::Yes)).then_some(SmallTalk::No);
    }
    [
        SmallTalk::Thanks,
        SmallTalk::Yes,
        SmallTalk::Ack,
        SmallTalk::Greeting,
    ]
    .into_iter()
    .find(|k| has(*k))
}

// ===========================================================================
// Feedback on the previous answer
// ===========================================================================

/// Maximum length (tokens) of a feedback message.
const FEEDBACK_MAX_TOKENS: usize = 14;

/// The answer did not help.
static NEGATIVE_FEEDBACK: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile_all(&[
        // Negated verbs that can only be about the answer: "that didn't
        // help", "doesn't answer my question", "not helpful".
        r"\b(?:didnt|did not|doesnt|does not|dont|do not|wasnt|was not|isnt|is not|hasnt|has not|havent|cant|can not|cannot|not|never)(?: \w+){0,2}? (?:help|helped|helpful|useful|relevant|answer|answered|make sense|understand|get it)\b",
        // Verbs that could be about anything ("my code isn't working") count
        // only with the answer/suggestion as subject: "it still doesn't
        // work", "that did not fix it", "this is not correct".
        r"\b(?:it|that|this|still)(?: still)? (?:didnt|doesnt|does not|did not|isnt|is not|wasnt|was not|cant|can not|cannot)(?: \w+)? (?:work|working|fix|fixed|solve|solved|clear|correct|right)\b",
        r"\bnot what (?:i|we) (?:asked|meant|mean|need|needed|wanted|want|was asking|was looking for)\b",
        // A short verdict on the answer: "wrong", "that's wrong", "wrong
        // answer", "totally irrelevant" (but not "I got the wrong item").
        r"^(?:\w+ ){0,2}(?:wrong|incorrect|irrelevant|unrelated|useless|unhelpful|off topic)(?: (?:answer|info|information|reply|response|again|bot))?$",
        r"\b(?:thats|that is|this is|its|it is) not (?:it|right|correct|what|the answer|my question)\b",
        r"\b(?:still|im still|i am still) (?:confused|lost|stuck|not)\b",
        r"\byou (?:misunderstood|dont understand|didnt understand|got it wrong|dont get it)\b",
        r"\bmakes? no sense\b",
        // Leading "no" + correction: "no, I meant …", "bukan, maksud saya …".
        r"^(?:no|nope|nah|tidak|bukan)\b.*\b(?:i meant|i mean|maksud saya|maksudnya|maksud aku|yang saya maksud)\b",
        // Indonesian: "ga membantu", "jawabannya ga nyambung", "bukan itu
        // maksud saya", "masih bingung", "belum jelas", "kamu salah".
        r"\btidak (?:\w+ )?(?:membantu|bantu|nyambung|menjawab|relevan|berguna|menyelesaikan)\b",
        r"\b(?:jawaban|penjelasan|info)(?: nya)?(?: (?:kamu|bot|anda|ini|itu))? (?:tidak|salah|kurang|bukan|ngawur|aneh|melenceng|belum)\b",
        r"\b(?:masih|tetap|tetep) (?:tidak|belum) (?:bisa|berhasil|jalan|jelas|paham|ngerti|mengerti)\b",
        r"\b(?:masih|tetap|tetep) bingung\b",
        r"^(?:\w+ ){0,2}(?:tidak|belum|kurang) (?:jelas|paham|ngerti|mengerti|tepat)(?: \w+)?$",
        r"\bbukan itu\b",
        r"\bbukan (?:ini |itu |begitu |gitu )?(?:yang )?(?:saya |aku )?(?:maksud|tanya|tanyakan|cari|mau|butuh)\b",
        r"\bbukan (?:jawaban|maksud)\b",
        r"\b(?:kurang|belum) (?:jelas|membantu|tepat|nyambung)\b",
        r"^(?:\w+ ){0,2}(?:salah|ngawur|melenceng)(?: (?:jawab|jawaban|nya|itu|deh|banget|lagi|tuh|bot))*$",
        r"\bmaksud (?:saya|aku) bukan\b",
    ])
});

/// The answer helped.
static POSITIVE_FEEDBACK: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile_all(&[
        // "that solved it", "this helps", "your answer worked".
        r"\b(?:that|this|it|you|your answer|the answer|that answer)(?: (?:really|totally|definitely|did|has|have))? (?:helped|helps|solved|fixed|answered|answers|worked|works|did it|did the trick|clears it up|cleared it up)\b",
        r"\b(?:very helpful|so helpful|helpful|useful|makes sense|problem solved|all clear|got it now|understood now|clear now)\b",
        r"\b(?:thats|that is|exactly) what i (?:needed|wanted|was looking for|asked|meant)\b",
        // Indonesian: "ya membantu", "sudah jelas", "jelas sekarang",
        // "sudah bisa", "terjawab", "itu yang saya cari".
        r"\bmembantu\b",
        r"\b(?:sudah|sangat|cukup|jadi|lebih) (?:jelas|paham|ngerti|mengerti|membantu|terjawab|beres|bisa|berhasil)\b",
        r"\bterjawab\b",
        r"\b(?:jelas|paham|ngerti|mengerti) (?:sekarang|kok|banget|sekali)\b",
        r"\b(?:berhasil|bisa) (?:sekarang|kok)\b",
        r"\b(?:itu|ini) (?:dia|yang saya (?:cari|maksud|butuh|butuhkan))\b",
        r"\b(?:jawaban|penjelasan|info)(?: nya)? (?:membantu|jelas|pas|tepat|sesuai|benar|oke|mantap)\b",
    ])
});

/// Some(true) when the message says the bot's previous answer helped ("yes", "ya membantu", "that solved it", "sudah jelas"),
/// Some(false) when it says it did not help ("no", "that didn't help", "bukan itu", "ga membantu", "masih bingung", "not what I asked", "salah"),
/// None otherwise. May reuse small_talk's Yes/No but must also catch longer phrasings (up to ~12 words) like
/// "no that's not what I asked", "bukan itu maksud saya", "jawabannya ga nyambung".
///
/// Plain thanks / acknowledgements ("thanks", "ok") return `None`: they close
/// the topic without saying whether it was solved; combine with
/// [`small_talk`] if they should count as positive.
pub fn feedback(text: &str) -> Option<bool> {
    let norm = normalize(text);
    let tokens = norm.tokens().len();
    if tokens == 0 || tokens > FEEDBACK_MAX_TOKENS {
        return None;
    }
    if let Some(parts) = small_talk_parts(&norm) {
        let yes = parts.contains(&SmallTalk::Yes);
        let no = parts.contains(&SmallTalk::No);
        if yes != no {
            return Some(yes);
        }
    }
    let full = norm.full();
    if NEGATIVE_FEEDBACK.iter().any(|re| re.is_match(&full)) {
        return Some(false);
    }
    // A question that mentions "helpful"/"jelas" asks something new
    // ("is this membership helpful?").
    if norm.question {
        return None;
    }
    POSITIVE_FEEDBACK
        .iter()
        .any(|re| re.is_match(&full))
        .then_some(true)
}

// ===========================================================================
// Tests
// ===========================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> HumanRequestDetector {
        HumanRequestDetector::new(&[]).expect("built-in detector")
    }

    #[test]
    fn normalization() {
        let n = normalize("Haloooo KAK, nggak mau sm bot!!! Thxxx");
        assert_eq!(n.clauses, vec!["halo", "tidak mau sama bot", "thx"]);
        let n = normalize("I don't want   the agnet; sambungkn ke admn");
        assert_eq!(
            n.clauses,
            vec!["i dont want the agent", "sambungkan ke admin"]
        );
        assert_eq!(normalize("adminnya ada?").clauses, vec!["admin nya ada"]);
        assert_eq!(normalize("Café").clauses, vec!["cafe"]);
        assert!(normalize("?!,").clauses.is_empty());
    }

    #[test]
    fn fuzzy_is_conservative() {
        assert_eq!(fuzzy_target("humn"), Some("human"));
        assert_eq!(fuzzy_target("agnet"), Some("agent"));
        assert_eq!(fuzzy_target("somone"), Some("someone"));
        assert_eq!(fuzzy_target("admit"), None);
        assert_eq!(fuzzy_target("amin"), None);
        assert_eq!(fuzzy_target("manage"), None);
        assert_eq!(fuzzy_target("dmn"), None);
    }

    #[test]
    fn extra_patterns() {
        let d =
            HumanRequestDetector::new(&["\\bmanusia dong\\b".into(), "HOTLINE SEKARANG".into()])
                .expect("valid extras");
        assert!(d.is_human_request("hotline sekarang!"));
        let err = HumanRequestDetector::new(&["(unclosed".into()])
            .err()
            .unwrap_or_default();
        assert!(err.contains("(unclosed"), "{err}");
    }

    /// Compact labelled table (both languages). The first 40 rows were written
    /// independently of the rule design as a held-out check against
    /// overfitting; the rest are representative rows of the TSV table.
    const HUMAN_TABLE: &[(&str, bool)] = &[
        // held-out: requests
        ("Could I please speak to someone on your staff?", true),
        ("I'd rather chat with a human than this bot", true),
        ("Get a real human on the line please", true),
        ("please transfer this chat to a live operator", true),
        (
            "I need to talk to an employee, not an automated reply",
            true,
        ),
        ("human agent now!!!", true),
        ("can you escalate my case to a supervisor?", true),
        ("I want a representative", true),
        ("let me talk with somebody from customer service", true),
        ("is anyone from support available?", true),
        ("saya ingin berbicara dengan customer service", true),
        ("tolong hubungkan saya dengan admin", true),
        ("pengen ngobrol langsung sama cs nya", true),
        ("bisa minta tolong dialihkan ke petugas?", true),
        ("mimin, aku butuh orang beneran bukan bot", true),
        ("males ngomong sama bot, mana adminnya", true),
        ("cs dong kak", true),
        ("tolong sambungkan saya ke agen manusia", true),
        ("mau disambungin ke operator aja", true),
        ("saya mau dilayani sama petugas", true),
        // held-out: not requests
        ("are you a real human or a chatbot?", false),
        ("my travel agent booked the wrong address", false),
        ("what's the phone number for customer service?", false),
        (
            "the customer service agent I talked to last week was great",
            false,
        ),
        (
            "I don't need to talk to anyone, just send me the invoice",
            false,
        ),
        ("is there an admin fee for bank transfers", false),
        ("this product is safe for human skin", false),
        ("let me talk about the warranty first", false),
        ("which operator is used for delivery to papua", false),
        ("I am the store manager, I want to order in bulk", false),
        ("kamu ini robot atau orang sih?", false),
        ("nomor telepon cs berapa ya", false),
        ("agen sicepat di kota saya tutup", false),
        (
            "saya tidak perlu bicara dengan admin, cuma mau cek resi",
            false,
        ),
        ("biaya admin untuk cicilan berapa persen", false),
        ("orang rumah saya yang akan terima paketnya", false),
        (
            "kemarin sudah ngobrol sama cs, katanya refund diproses",
            false,
        ),
        ("jam berapa admin online?", false),
        ("saya mau bicara soal pengembalian dana", false),
        ("operator indosat saya sinyalnya jelek", false),
        // representative table rows: requests
        ("talk to a human", true),
        ("agent please", true),
        ("operator", true),
        ("stop the bot, human please", true),
        ("i dont want to talk to a bot", true),
        ("tlk to agent", true),
        ("humn please", true),
        ("can someone from your team help me", true),
        ("is a human available to chat", true),
        ("bring a human into this chat", true),
        ("minta admin dong", true),
        ("ga mau sama bot", true),
        ("aku mau komplain ke cs", true),
        ("cs nya mana? mau bicara langsung", true),
        ("sambungkn ke admn", true),
        ("orang asli ada gak? mau nanya langsung", true),
        ("tolong admin yg bales ya", true),
        ("admin mana admin", true),
        ("panggil manager nya", true),
        ("kak tolong oper ke tim cs", true),
        // representative table rows: not requests
        ("I am not a human", false),
        ("human resources department address?", false),
        ("are you human?", false),
        ("my agent code is 123", false),
        ("customer service hours?", false),
        ("i want to talk about my refund", false),
        ("ok thanks, no need for a human", false),
        (
            "i don't need an agent, just tell me if cod is available",
            false,
        ),
        ("the operator of the courier lost my package", false),
        ("my manager asked me to order 10 chargers", false),
        ("saya bukan robot", false),
        ("jam operasional CS kapan?", false),
        ("biaya admin transfer", false),
        ("kamu manusia bukan?", false),
        ("agen JNE terdekat dimana", false),
        ("ga perlu admin, cuma mau tanya ongkir", false),
        ("kemarin udah dibantu admin, makasih", false),
        ("saya mau ngomongin soal refund", false),
        ("operator seluler sy telkomsel, otp ga masuk", false),
        ("kapan CS bisa dihubungi", false),
    ];

    #[test]
    fn human_requests() {
        let d = detector();
        let wrong: Vec<_> = HUMAN_TABLE
            .iter()
            .filter(|(text, want)| d.is_human_request(text) != *want)
            .collect();
        assert!(wrong.is_empty(), "mismatches: {wrong:#?}");
    }

    #[test]
    fn human_edge_cases() {
        let d = detector();
        assert!(!d.is_human_request(""));
        assert!(!d.is_human_request("   ?!  "));
        assert!(!d.is_human_request("no robot vacuum in stock?"));
        assert!(!d.is_human_request("i want someone else to pick it up"));
        assert!(d.is_human_request("are you human? i want to talk to a human"));
        assert!(d.is_human_request("no, i want a human"));
        assert!(!d.is_human_request("i dont want to talk to a human, just answer"));
        assert!(d.is_human_request("agent!! agent!!"));
        // very long input must not panic
        let long = "tolong ".repeat(5000);
        assert!(!d.is_human_request(&long));
        let blocked_many = "dont talk to a human ".repeat(5000);
        assert!(!d.is_human_request(&blocked_many));
        assert_eq!(small_talk(&long), None);
        assert_eq!(feedback(&long), None);
    }

    const SMALL_TALK_TABLE: &[(&str, Option<SmallTalk>)] = &[
        ("hello there", Some(SmallTalk::Greeting)),
        ("Haloooo kak", Some(SmallTalk::Greeting)),
        ("selamat sore min", Some(SmallTalk::Greeting)),
        ("assalamu'alaikum", Some(SmallTalk::Greeting)),
        ("p", Some(SmallTalk::Greeting)),
        ("hi tokoloka", Some(SmallTalk::Greeting)),
        ("kak?", Some(SmallTalk::Greeting)),
        ("thanks!", Some(SmallTalk::Thanks)),
        ("thank you so much", Some(SmallTalk::Thanks)),
        ("thxxx", Some(SmallTalk::Thanks)),
        ("makasih ya min", Some(SmallTalk::Thanks)),
        ("terima kasih atas bantuannya", Some(SmallTalk::Thanks)),
        ("ok thanks", Some(SmallTalk::Thanks)),
        ("okk", Some(SmallTalk::Ack)),
        ("got it", Some(SmallTalk::Ack)),
        ("oke siap", Some(SmallTalk::Ack)),
        ("oh gitu", Some(SmallTalk::Ack)),
        ("yes please", Some(SmallTalk::Yes)),
        ("iya kak", Some(SmallTalk::Yes)),
        ("sudah jelas", Some(SmallTalk::Yes)),
        ("nope", Some(SmallTalk::No)),
        ("that's not what i asked", Some(SmallTalk::No)),
        ("nggak", Some(SmallTalk::No)),
        ("bukan itu maksud saya", Some(SmallTalk::No)),
        ("hi, how long does shipping take?", None),
        ("thanks, and can i pay with ovo?", None),
        ("yes i want to cancel my order", None),
        ("halo kak, ongkir ke medan brp?", None),
        ("makasih, tapi link reset nya ga masuk", None),
        ("", None),
    ];

    #[test]
    fn small_talk_table() {
        let wrong: Vec<_> = SMALL_TALK_TABLE
            .iter()
            .map(|(text, want)| (text, want, small_talk(text)))
            .filter(|(_, want, got)| *want != got)
            .collect();
        assert!(wrong.is_empty(), "mismatches: {wrong:#?}");
    }

    #[test]
    fn feedback_table() {
        let cases: &[(&str, Option<bool>)] = &[
            ("yes", Some(true)),
            ("ya membantu", Some(true)),
            ("that solved it", Some(true)),
            ("sudah jelas", Some(true)),
            ("ok that makes sense now, thanks", Some(true)),
            ("jelas sekarang, makasih kak", Some(true)),
            ("no", Some(false)),
            ("that didn't help", Some(false)),
            ("bukan itu", Some(false)),
            ("ga membantu", Some(false)),
            ("masih bingung", Some(false)),
            ("not what I asked", Some(false)),
            ("salah", Some(false)),
            ("no that's not what I asked", Some(false)),
            ("bukan itu maksud saya", Some(false)),
            ("jawabannya ga nyambung", Some(false)),
            ("no, i meant the tracking number", Some(false)),
            ("it still doesn't work after i reset it", Some(false)),
            ("thanks", None),
            ("where is my order", None),
            ("yes but how long is the warranty", None),
            ("no i didnt get my refund yet", None),
            ("is the membership helpful?", None),
            ("", None),
        ];
        let wrong: Vec<_> = cases
            .iter()
            .map(|(text, want)| (text, want, feedback(text)))
            .filter(|(_, want, got)| *want != got)
            .collect();
        assert!(wrong.is_empty(), "mismatches: {wrong:#?}");
    }
}
