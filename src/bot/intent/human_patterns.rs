//! Human-request rules: the word-sense exclusions, strong rules, vetoes and
//! weak rules applied by [`super::HumanRequestDetector`].

use std::sync::LazyLock;

use regex::Regex;

use super::patterns::{compile, compile_all};

/// How a positive match is checked against its left context.
#[derive(Clone, Copy)]
pub(super) enum Guard {
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

pub(super) struct Rule {
    pub(super) re: Regex,
    pub(super) guard: Guard,
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
pub(super) static NEUTRALIZERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
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
pub(super) static STRONG: LazyLock<Vec<Rule>> = LazyLock::new(|| {
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
pub(super) static BARE_TARGET: LazyLock<Regex> = LazyLock::new(|| compile(r"^<DET><ADJ><T>$"));

/// Vetoes: questions *about* the bot or about CS (its nature, hours,
/// contact details) rather than requests to reach it. They only cancel weak
/// rules.
pub(super) static VETOES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
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
pub(super) static WEAK: LazyLock<Vec<Rule>> = LazyLock::new(|| {
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
