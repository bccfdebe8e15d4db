//! Knowledge-base search benchmark: a 1,000-article KB built from the demo
//! articles plus generated ones, queried with the labeled eval questions.
//! Reports index rebuild time, search latency p50/p99 (uncached: every
//! query goes to the index) and the memory the index takes.
//!
//! Run: `cargo bench --bench kb_search`

use std::path::Path;
use std::time::Instant;

use baton::bot::article::{Article, load_dir};
use baton::bot::index::Index;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Deterministic pseudo-random words, so runs compare.
fn generated(n: usize, seed: u64) -> Vec<Article> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let syllables = [
        "ka", "ri", "mo", "pe", "lan", "tu", "sen", "da", "bo", "ne", "gi", "ra", "shi", "po",
        "vel", "tor", "an", "kir", "bay", "ter",
    ];
    let word = |rng: &mut fastrand::Rng| -> String {
        (0..rng.usize(2..4))
            .map(|_| syllables[rng.usize(..syllables.len())])
            .collect()
    };
    (0..n)
        .map(|i| {
            let title: Vec<String> = (0..6).map(|_| word(&mut rng)).collect();
            let body: Vec<String> = (0..150).map(|_| word(&mut rng)).collect();
            let keywords: Vec<String> = (0..8).map(|_| word(&mut rng)).collect();
            Article {
                slug: format!("gen-{i}"),
                title: title.join(" "),
                body: body.join(" "),
                lang: Some(if i % 2 == 0 { "en" } else { "id" }.into()),
                tags: vec![word(&mut rng)],
                keywords,
                division: None,
                translation: None,
            }
        })
        .collect()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut articles, _) = load_dir(&root.join("kb")).expect("demo kb");
    let demo = articles.len();
    articles.extend(generated(1000 - demo, 42));
    let queries: Vec<String> = std::fs::read_to_string(root.join("tests/data/kb_eval.tsv"))
        .expect("eval set")
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next().map(str::to_string))
        .collect();

    let before = rss_kib();
    let mut builds = Vec::new();
    let mut index = Index::build(Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        index = Index::build(articles.clone());
        builds.push(t.elapsed());
    }
    let after = rss_kib();
    builds.sort();

    let mut lat = Vec::new();
    let mut found = 0usize;
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    'outer: for _round in 0..50 {
        for q in &queries {
            let t = Instant::now();
            let hits = index.search(q, 5);
            lat.push(t.elapsed());
            found += hits.len().min(1);
            if Instant::now() > deadline {
                break 'outer;
            }
        }
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
    println!(
        "kb_search: {} articles ({} demo), {} queries timed",
        index.len(),
        demo,
        lat.len()
    );
    println!(
        "  index rebuild: median {:?}, worst {:?}",
        builds[builds.len() / 2],
        builds[builds.len() - 1]
    );
    println!(
        "  search latency: p50 {:?}, p99 {:?}, max {:?}",
        pct(0.5),
        pct(0.99),
        lat[lat.len() - 1]
    );
    println!(
        "  process RSS: {} KiB before the index, {} KiB after (index + articles ≈ {} KiB)",
        before,
        after,
        after.saturating_sub(before)
    );
    println!("  queries with at least one hit: {found}");
}
