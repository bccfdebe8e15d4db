//! Small-talk and feedback classification.

use std::sync::LazyLock;

use regex::Regex;

use super::normalize::{Normalized, canonical_token, normalize, squeeze};
use super::patterns::compile_all;

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
    small_talk_of(&normalize(text))
}

pub(super) fn small_talk_of(norm: &Normalized) -> Option<SmallTalk> {
    let parts = small_talk_parts(norm)?;
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
    feedback_of(&normalize(text))
}

pub(super) fn feedback_of(norm: &Normalized) -> Option<bool> {
    let tokens = norm.tokens().len();
    if tokens == 0 || tokens > FEEDBACK_MAX_TOKENS {
        return None;
    }
    if let Some(parts) = small_talk_parts(norm) {
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
