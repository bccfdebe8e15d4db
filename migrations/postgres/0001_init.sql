-- Baton's first schema; the PostgreSQL twin of migrations/sqlite/0001_init.sql.
-- Times are unix milliseconds computed in Rust (an injectable clock).

CREATE TABLE divisions (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    prompt      TEXT NOT NULL DEFAULT '',
    keywords    TEXT NOT NULL DEFAULT '[]',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE agents (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    whatsapp    TEXT UNIQUE,
    email       TEXT,
    token_hash  TEXT NOT NULL UNIQUE,
    online      BIGINT NOT NULL DEFAULT 0,
    active      BIGINT NOT NULL DEFAULT 1,
    last_seen_at BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE agent_divisions (
    agent_id    BIGINT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    division_id BIGINT NOT NULL REFERENCES divisions(id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, division_id)
);

CREATE TABLE contacts (
    id          BIGSERIAL PRIMARY KEY,
    channel     TEXT NOT NULL,
    handle      TEXT NOT NULL,
    name        TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (channel, handle)
);

CREATE TABLE conversations (
    id              BIGSERIAL PRIMARY KEY,
    channel         TEXT NOT NULL,
    account         TEXT,
    contact_id      BIGINT NOT NULL REFERENCES contacts(id),
    status          TEXT NOT NULL DEFAULT 'bot',
    division_id     BIGINT REFERENCES divisions(id) ON DELETE SET NULL,
    assignee_id     BIGINT REFERENCES agents(id) ON DELETE SET NULL,
    failure_count   BIGINT NOT NULL DEFAULT 0,
    paused_until    BIGINT,
    summary         TEXT,
    last_inbound_at BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX conversations_contact ON conversations (contact_id, id);
CREATE INDEX conversations_status ON conversations (status, updated_at);

CREATE TABLE conversation_tags (
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    tag             TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tag);

CREATE TABLE messages (
    id                 BIGSERIAL PRIMARY KEY,
    conversation_id    BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    direction          TEXT NOT NULL,
    author             TEXT NOT NULL,
    agent_id           BIGINT REFERENCES agents(id) ON DELETE SET NULL,
    kind               TEXT NOT NULL,
    text               TEXT,
    media              TEXT,
    reply_to           TEXT,
    channel_message_id TEXT,
    delivery           TEXT,
    error              TEXT,
    meta               TEXT,
    sent_at            BIGINT,
    -- Inbound customer messages wait here until the router has handled them;
    -- the lease lets a restarted (or another) instance pick up abandoned ones.
    routed_at          BIGINT,
    route_lease_until  BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_channel_id ON messages (channel_message_id);
CREATE INDEX messages_unrouted ON messages (route_lease_until) WHERE routed_at IS NULL AND direction = 'in';

-- One row per accepted inbound provider message: the deduplication key.
CREATE TABLE inbound_receipts (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    message_id  BIGINT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (channel, external_id)
);

CREATE TABLE handovers (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    reason          TEXT NOT NULL,
    division_id     BIGINT REFERENCES divisions(id) ON DELETE SET NULL,
    agent_id        BIGINT REFERENCES agents(id) ON DELETE SET NULL,
    summary         TEXT,
    actions         TEXT NOT NULL DEFAULT '[]',
    created_at      BIGINT NOT NULL
);
CREATE INDEX handovers_conversation ON handovers (conversation_id);

CREATE TABLE tasks (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT REFERENCES conversations(id) ON DELETE CASCADE,
    assignee_id     BIGINT REFERENCES agents(id) ON DELETE SET NULL,
    title           TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open',
    due_at          BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX tasks_assignee ON tasks (assignee_id, status);

CREATE TABLE events (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    conversation_id BIGINT,
    data            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX events_conversation ON events (conversation_id);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    message_id      BIGINT REFERENCES messages(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    due_at          BIGINT NOT NULL,
    lease_until     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'pending';

CREATE TABLE outbox_attempts (
    id          BIGSERIAL PRIMARY KEY,
    outbox_id   BIGINT NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    started_at  BIGINT NOT NULL,
    latency_ms  BIGINT NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT
);
CREATE INDEX outbox_attempts_outbox ON outbox_attempts (outbox_id);
