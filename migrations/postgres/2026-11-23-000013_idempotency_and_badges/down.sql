DROP INDEX request_events_created_idx;
DROP INDEX requests_updated_idx;
DROP INDEX notifications_request_unread_idx;
DROP INDEX idempotency_keys_created_idx;
DROP TABLE idempotency_keys;
