use super::normalize::{fuzzy_target, normalize};
use super::{HumanRequestDetector, SmallTalk, feedback, small_talk};

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
    let d = HumanRequestDetector::new(&["\\bmanusia dong\\b".into(), "HOTLINE SEKARANG".into()])
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
