-- Quiet hours per user, in minutes after midnight in the zone's time zone.
ALTER TABLE users ADD COLUMN quiet_start_minute INTEGER NOT NULL DEFAULT 1320;
ALTER TABLE users ADD COLUMN quiet_end_minute INTEGER NOT NULL DEFAULT 420;

CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL CHECK (platform IN ('ANDROID', 'IOS', 'WEB')),
    locale TEXT NOT NULL,
    app_version TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX devices_user_idx ON devices (user_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    locale TEXT NOT NULL,
    request_id BIGINT,
    company_id BIGINT,
    urgent BOOLEAN NOT NULL DEFAULT 0,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- The push outbox: one row per notification and device, written in the same transaction as
-- the change that caused it, delivered by the push worker.
CREATE TABLE push_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id BIGINT NOT NULL REFERENCES notifications (id),
    device_id BIGINT,
    token TEXT NOT NULL,
    platform TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'SENT', 'DEAD')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX push_deliveries_due_idx ON push_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX push_deliveries_status_idx ON push_deliveries (status, id);
CREATE INDEX push_deliveries_notification_idx ON push_deliveries (notification_id);
