-- SMS for what must not be missed. `sms_kinds` lists the notice kinds sent as SMS (admins
-- change it); `sms_opt_outs` the users who turned SMS off for the kinds that are not mandatory;
-- `sms_deliveries` is the SMS outbox, written in the same transaction as the notification, one
-- row per notification (so one per recipient and phone), delivered by the SMS job.
CREATE TABLE sms_kinds (
    kind TEXT PRIMARY KEY NOT NULL,
    mandatory BOOLEAN NOT NULL DEFAULT FALSE,
    overrides_quiet_hours BOOLEAN NOT NULL DEFAULT FALSE,
    urgent_only BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO sms_kinds (kind, mandatory, overrides_quiet_hours, urgent_only) VALUES
    ('REQUEST_RAISED', TRUE, TRUE, TRUE),
    ('OVERDUE', TRUE, FALSE, FALSE),
    ('SUPERVISED', TRUE, FALSE, FALSE),
    ('REPRIMANDED', TRUE, FALSE, FALSE);

CREATE TABLE sms_opt_outs (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sms_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id BIGINT NOT NULL UNIQUE REFERENCES notifications (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    phone TEXT NOT NULL,
    kind TEXT NOT NULL,
    request_number TEXT NOT NULL,
    overrides_quiet_hours BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'HELD_UNCONFIGURED', 'HELD_DAILY_CAP', 'EXPIRED')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    expire_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    provider TEXT,
    provider_code TEXT,
    provider_message_id TEXT,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sms_deliveries_due_idx ON sms_deliveries (status, next_attempt_at);
CREATE INDEX sms_deliveries_phone_sent_idx ON sms_deliveries (phone, sent_at);
