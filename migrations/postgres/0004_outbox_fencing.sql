-- Fencing token for outbox leases: every claim increments it, and a send's
-- outcome is written only while the token it was claimed with is current,
-- so a holder whose lease was taken over can never overwrite the newer one.
ALTER TABLE outbox ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;
