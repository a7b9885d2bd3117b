-- Idempotency keys of the mutations a phone may send again after a lost answer: one row per
-- (user, key), written in the same transaction as the mutation's change. The operation and a
-- SHA-256 of its arguments refuse the same key reused for something else; result_ref names the
-- rows the first answer returned. Rows are purged after the retention window (72 hours).
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    operation TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    result_ref TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
-- Per-request unread badges: a reader's unread notifications about a request.
CREATE INDEX notifications_request_unread_idx ON notifications (user_id, request_id) WHERE read_at IS NULL;
-- Catching up after being offline: requests changed since a time.
CREATE INDEX requests_updated_idx ON requests (updated_at);
CREATE INDEX request_events_created_idx ON request_events (created_at);
