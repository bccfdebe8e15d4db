//! Knowledge-base articles in the database.

use super::{Store, StoreError};
use crate::bot::article::Article;
use crate::params;

fn article_from(r: &super::DbRow) -> Result<Article, StoreError> {
    Ok(Article {
        slug: r.text("slug")?,
        title: r.text("title")?,
        body: r.text("body")?,
        lang: r.opt_text("lang")?,
        tags: r.json("tags")?.unwrap_or_default(),
        keywords: r.json("keywords")?.unwrap_or_default(),
        division: r.opt_text("division")?,
        translation: r.opt_text("translation")?,
    })
}

/// Changes when any article changes: instances compare it to know when to
/// rebuild their search index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KbVersion {
    pub count: i64,
    pub last_update: i64,
}

impl Store {
    pub async fn kb_articles(&self) -> Result<Vec<Article>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT slug, title, body, lang, tags, keywords, division, translation
                 FROM kb_articles ORDER BY slug",
                &[],
            )
            .await?;
        rows.iter().map(article_from).collect()
    }

    pub async fn kb_version(&self) -> Result<KbVersion, StoreError> {
        let row = self
            .db
            .fetch_optional(
                "SELECT COUNT(*) AS n, COALESCE(MAX(updated_at), 0) AS last FROM kb_articles",
                &[],
            )
            .await?;
        Ok(match row {
            Some(r) => KbVersion {
                count: r.i64("n")?,
                last_update: r.i64("last")?,
            },
            None => KbVersion::default(),
        })
    }

    async fn put_article_tx(
        &self,
        tx: &mut super::Tx,
        a: &Article,
        source: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let tags = serde_json::to_string(&a.tags).unwrap_or_else(|_| "[]".into());
        let keywords = serde_json::to_string(&a.keywords).unwrap_or_else(|_| "[]".into());
        tx.execute(
            "INSERT INTO kb_articles (slug, title, body, lang, tags, keywords, division, translation, source, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (slug) DO UPDATE SET title = excluded.title, body = excluded.body,
                lang = excluded.lang, tags = excluded.tags, keywords = excluded.keywords,
                division = excluded.division, translation = excluded.translation,
                source = excluded.source, updated_at = excluded.updated_at",
            params![
                a.slug.as_str(),
                a.title.as_str(),
                a.body.as_str(),
                &a.lang,
                tags,
                keywords,
                &a.division,
                &a.translation,
                source,
                now
            ],
        )
        .await?;
        Ok(())
    }

    /// Creates or replaces one article (admin API). Returns whether it was new.
    pub async fn put_article(&self, a: &Article) -> Result<bool, StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let existed = tx
            .fetch_optional(
                "SELECT slug FROM kb_articles WHERE slug = $1",
                params![a.slug.as_str()],
            )
            .await?
            .is_some();
        self.put_article_tx(&mut tx, a, "api", now).await?;
        tx.event("kb.updated", None, serde_json::json!({"slug": a.slug}), now)
            .await?;
        tx.commit().await?;
        Ok(!existed)
    }

    pub async fn delete_article(&self, slug: &str) -> Result<(), StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let n = tx
            .execute("DELETE FROM kb_articles WHERE slug = $1", params![slug])
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.event(
            "kb.updated",
            None,
            serde_json::json!({"slug": slug, "deleted": true}),
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Imports a folder's articles: each one is created or replaced, and
    /// articles that came from files but are no longer among them are
    /// removed (articles written through the API are kept). One transaction.
    pub async fn import_articles(
        &self,
        articles: &[Article],
    ) -> Result<(usize, usize), StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        for a in articles {
            self.put_article_tx(&mut tx, a, "file", now).await?;
        }
        let existing = tx
            .fetch_all("SELECT slug FROM kb_articles WHERE source = 'file'", &[])
            .await?;
        let mut removed = 0;
        for row in existing {
            let slug = row.text("slug")?;
            if !articles.iter().any(|a| a.slug == slug) {
                tx.execute(
                    "DELETE FROM kb_articles WHERE slug = $1",
                    params![slug.as_str()],
                )
                .await?;
                removed += 1;
            }
        }
        tx.event(
            "kb.updated",
            None,
            serde_json::json!({"imported": articles.len(), "removed": removed}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((articles.len(), removed))
    }
}
