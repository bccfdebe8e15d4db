//! Human-request detection and small talk against the labeled tables in
//! tests/data (both languages), through the public API the bot uses.

use std::path::Path;

use baton::bot::intent::{HumanRequestDetector, SmallTalk, small_talk};

fn table(name: &str) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .expect("table");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c[0].to_string(), c[1].to_string(), c[2].to_string())
        })
        .collect()
}

#[test]
fn human_requests_in_english_and_indonesian() {
    let rows = table("human_requests.tsv");
    for lang in ["en", "id"] {
        for label in ["human", "no"] {
            let n = rows.iter().filter(|r| r.2 == lang && r.1 == label).count();
            assert!(n >= 40, "{lang}/{label}: only {n} rows");
        }
    }
    let detector = HumanRequestDetector::new(&[]).unwrap();
    let wrong: Vec<String> = rows
        .iter()
        .filter(|(text, label, _)| detector.is_human_request(text) != (label == "human"))
        .map(|(text, label, lang)| format!("[{lang}] expected {label}: {text}"))
        .collect();
    println!(
        "human-request table: {} of {} right",
        rows.len() - wrong.len(),
        rows.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn extra_patterns_extend_detection_and_bad_ones_are_refused() {
    let d = HumanRequestDetector::new(&["code (red|merah)".into()]).unwrap();
    assert!(d.is_human_request("CODE RED please"));
    assert!(d.is_human_request("kode merah? code merah!"));
    assert!(
        !HumanRequestDetector::new(&[])
            .unwrap()
            .is_human_request("code red please")
    );
    assert!(HumanRequestDetector::new(&["(unclosed".into()]).is_err());
}

#[test]
fn small_talk_table() {
    let rows = table("smalltalk.tsv");
    let wrong: Vec<String> = rows
        .iter()
        .filter(|(text, label, _)| {
            let got = match small_talk(text) {
                Some(SmallTalk::Greeting) => "greeting",
                Some(SmallTalk::Thanks) => "thanks",
                Some(SmallTalk::Ack) => "ack",
                Some(SmallTalk::Yes) => "yes",
                Some(SmallTalk::No) => "no",
                None => "none",
            };
            got != label
        })
        .map(|(text, label, lang)| format!("[{lang}] expected {label}: {text}"))
        .collect();
    println!(
        "small-talk table: {} of {} right",
        rows.len() - wrong.len(),
        rows.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The bot normalises a message once for all checks (`Analyzed`); that must
/// give exactly what the per-text functions give, on every labeled text.
#[test]
fn one_normalisation_answers_like_the_per_text_checks() {
    use baton::bot::intent::{Analyzed, feedback};
    let detector = HumanRequestDetector::new(&[]).unwrap();
    let mut checked = 0;
    for file in ["human_requests.tsv", "smalltalk.tsv", "kb_eval.tsv"] {
        for (text, _, _) in table(file) {
            let a = Analyzed::new(&text);
            assert_eq!(
                a.is_human_request(&detector),
                detector.is_human_request(&text),
                "{text}"
            );
            assert_eq!(a.feedback(), feedback(&text), "{text}");
            assert_eq!(a.small_talk(), small_talk(&text), "{text}");
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} texts");
}
