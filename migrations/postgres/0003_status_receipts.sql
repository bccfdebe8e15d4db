-- Delivery statuses as providers reported them: the idempotency key for
-- status webhooks (id, status), and a parking place for statuses that
-- arrive before the send that produced the id has been recorded.
CREATE TABLE status_receipts (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    delivery    TEXT NOT NULL,
    error       TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (channel, external_id, status)
);
