//! Pattern vocabulary shared by the human-request rules (the feedback rules
//! reuse the compiler).
//!
//! Patterns are written with `<PLACEHOLDERS>` expanded by `expand`, so each rule
//! reads like the construction it describes.

use regex::Regex;

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

pub(super) fn compile(pattern: &str) -> Regex {
    Regex::new(&expand(pattern)).expect("built-in intent pattern must compile")
}

pub(super) fn compile_all(patterns: &[&str]) -> Vec<Regex> {
    patterns.iter().map(|p| compile(p)).collect()
}
