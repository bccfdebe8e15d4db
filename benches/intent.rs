//! Intent-detection benchmark: the checks the bot runs on every customer
//! message before searching the KB (human request, feedback, small talk),
//! over the labeled questions and phrases in `tests/data`.
//!
//! Run: `cargo bench --bench intent`

use std::time::{Duration, Instant};

use baton::bot::intent::{Analyzed, HumanRequestDetector};

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let mut texts = Vec::new();
    for file in ["kb_eval.tsv", "human_requests.tsv", "smalltalk.tsv"] {
        let data = std::fs::read_to_string(format!("{root}{file}")).expect("eval data");
        texts.extend(
            data.lines()
                .skip(1)
                .filter_map(|l| l.split('\t').next())
                .filter(|q| !q.is_empty())
                .map(str::to_string),
        );
    }
    let detector = HumanRequestDetector::new(&[]).expect("built-in patterns");
    // Warm up lazily built patterns and regex caches.
    for t in &texts {
        std::hint::black_box(detector.is_human_request(t));
    }
    let rounds = 20;
    let mut times = Vec::with_capacity(texts.len() * rounds);
    let begin = Instant::now();
    for _ in 0..rounds {
        for t in &texts {
            let start = Instant::now();
            // What the bot does per message: normalise once, then ask.
            let a = Analyzed::new(t);
            std::hint::black_box(a.is_human_request(&detector));
            std::hint::black_box(a.feedback());
            std::hint::black_box(a.small_talk());
            times.push(start.elapsed());
        }
    }
    let total = begin.elapsed();
    times.sort();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    let mean = total / times.len() as u32;
    println!(
        "intent checks per message ({} texts x {rounds}): mean {:?}, p50 {:?}, p99 {:?}, max {:?}",
        texts.len(),
        mean,
        pct(0.5),
        pct(0.99),
        times.last().copied().unwrap_or(Duration::ZERO)
    );
}
