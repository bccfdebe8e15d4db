-- The knowledge base lives in the database so every instance serves the same
-- articles; each instance keeps an in-memory search index built from it.
CREATE TABLE kb_articles (
    slug        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    lang        TEXT,
    tags        TEXT NOT NULL DEFAULT '[]',
    keywords    TEXT NOT NULL DEFAULT '[]',
    division    TEXT,
    translation TEXT,
    -- 'file' (imported from BATON_KB_DIR) or 'api' (written through the admin API)
    source      TEXT NOT NULL DEFAULT 'file',
    updated_at  BIGINT NOT NULL
);
