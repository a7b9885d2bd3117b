-- Personal-data erasure (PIPL): whose data was erased, when and by whom. The account row
-- stays (masked) for the record of government work.
CREATE TABLE personal_data_erasures (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    erased_by BIGINT REFERENCES users (id),
    erased_at TIMESTAMP NOT NULL
);
-- The retention purge finds old rows by these.
CREATE INDEX notifications_read_at_idx ON notifications (read_at) WHERE read_at IS NOT NULL;
CREATE INDEX push_deliveries_updated_idx ON push_deliveries (updated_at) WHERE status <> 'PENDING';
CREATE INDEX sms_deliveries_updated_idx ON sms_deliveries (updated_at) WHERE status <> 'PENDING';
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
CREATE INDEX login_throttles_updated_idx ON login_throttles (updated_at);
