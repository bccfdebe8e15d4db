use baton::bot::article::load_dir;
use baton::bot::index::Index;
use baton::bot::text::tokens;
fn main() {
    let (articles, _) = load_dir(std::path::Path::new("kb")).unwrap();
    let idx = Index::build(articles.clone());
    for q in std::env::args().skip(1) {
        let hits = idx.search(&q, 3);
        println!("{q:?} -> {:?}", tokens(&q));
        for h in hits { println!("   {} {:.3}", articles[h.doc].slug, h.confidence); }
    }
}
