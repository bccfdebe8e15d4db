//! The knowledge base as the bot and the search endpoint see it: the
//! current index, the answer rule (threshold, language twin), a query
//! cache, and keeping the index in step with the database.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Serialize;

use super::article::Article;
use super::index::Index;
use super::text::guess_lang;
use crate::store::{KbVersion, Store, StoreError};

/// One search result as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KbHit {
    pub slug: String,
    pub title: String,
    /// Confidence, 0–1, three decimals.
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KbResult {
    /// The article the bot would answer with; `None` is a KB miss.
    pub answer: Option<KbHit>,
    pub hits: Vec<KbHit>,
}

struct Current {
    index: Arc<Index>,
    version: KbVersion,
}

pub struct Kb {
    current: RwLock<Current>,
    cache: moka::sync::Cache<String, Arc<KbResult>>,
    /// Minimum confidence for an answer (see README "Thresholds").
    pub threshold: f32,
}

impl Kb {
    pub fn new(threshold: f32) -> Kb {
        Kb {
            current: RwLock::new(Current {
                index: Arc::new(Index::build(Vec::new())),
                version: KbVersion::default(),
            }),
            cache: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(600))
                .build(),
            threshold,
        }
    }

    pub fn index(&self) -> Arc<Index> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .index
            .clone()
    }

    /// Replaces the index (and forgets cached results).
    pub fn rebuild(&self, articles: Vec<Article>, version: KbVersion) {
        let index = Arc::new(Index::build(articles));
        {
            let mut cur = self.current.write().unwrap_or_else(|p| p.into_inner());
            cur.index = index;
            cur.version = version;
        }
        self.cache.invalidate_all();
    }

    /// Rebuilds from the database when it changed since the last build.
    pub async fn sync(&self, store: &Store) -> Result<bool, StoreError> {
        let version = store.kb_version().await?;
        let known = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .version;
        if version == known {
            return Ok(false);
        }
        let articles = store.kb_articles().await?;
        self.rebuild(articles, version);
        Ok(true)
    }

    /// The article with this slug in the current index.
    pub fn article(&self, slug: &str) -> Option<Article> {
        self.index()
            .articles
            .iter()
            .find(|a| a.slug == slug)
            .cloned()
    }

    /// Searches and applies the answer rule. Cached per normalized query.
    pub fn search(&self, text: &str) -> Arc<KbResult> {
        let key = text.trim().to_lowercase();
        if let Some(hit) = self.cache.get(&key) {
            return hit;
        }
        let result = Arc::new(self.compute(text));
        self.cache.insert(key, result.clone());
        result
    }

    fn compute(&self, text: &str) -> KbResult {
        let index = self.index();
        let found = index.search(text, 5);
        let hit = |doc: usize, score: f32| {
            let a = &index.articles[doc];
            KbHit {
                slug: a.slug.clone(),
                title: a.title.clone(),
                score: (f64::from(score) * 1000.0).round() / 1000.0,
            }
        };
        let hits: Vec<KbHit> = found.iter().map(|h| hit(h.doc, h.confidence)).collect();
        let answer = found
            .first()
            .filter(|h| h.confidence >= self.threshold)
            .map(|h| {
                let doc = twin_in(&index, h.doc, guess_lang(text)).unwrap_or(h.doc);
                hit(doc, h.confidence)
            });
        KbResult { answer, hits }
    }
}

/// The translation of article `doc` into `lang`, if the KB has one.
fn twin_in(index: &Index, doc: usize, lang: Option<&str>) -> Option<usize> {
    let lang = lang?;
    let a = &index.articles[doc];
    if a.lang.as_deref() == Some(lang) {
        return None;
    }
    // Twins point at their original with `translation`; the original may
    // be either side of the pair.
    let family = a.translation.as_deref().unwrap_or(a.slug.as_str());
    index.articles.iter().position(|b| {
        b.lang.as_deref() == Some(lang)
            && (b.slug == family || b.translation.as_deref() == Some(family))
    })
}
