CREATE TABLE devices_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL CHECK (platform IN ('ANDROID', 'IOS', 'WEB')),
    locale TEXT NOT NULL,
    app_version TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
INSERT INTO devices_old (id, user_id, token, platform, locale, app_version, created_at, last_seen_at)
    SELECT id, user_id, token, CASE platform WHEN 'HARMONY' THEN 'ANDROID' ELSE platform END, locale,
        app_version, created_at, last_seen_at FROM devices;
DROP INDEX devices_user_idx;
DROP TABLE devices;
ALTER TABLE devices_old RENAME TO devices;
CREATE INDEX devices_user_idx ON devices (user_id);

CREATE TABLE push_deliveries_old (
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
INSERT INTO push_deliveries_old (id, notification_id, device_id, token, platform, title, body, status, attempts,
        next_attempt_at, locked_until, last_error, sent_at, created_at, updated_at)
    SELECT id, notification_id, device_id, token, platform, title, body,
        CASE status WHEN 'FAILED' THEN 'DEAD' WHEN 'HELD' THEN 'PENDING' ELSE status END, attempts,
        next_attempt_at, locked_until, last_error, sent_at, created_at, updated_at FROM push_deliveries;
DROP INDEX push_deliveries_due_idx;
DROP INDEX push_deliveries_status_idx;
DROP INDEX push_deliveries_notification_idx;
DROP INDEX push_deliveries_provider_idx;
DROP TABLE push_deliveries;
ALTER TABLE push_deliveries_old RENAME TO push_deliveries;
CREATE INDEX push_deliveries_due_idx ON push_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX push_deliveries_status_idx ON push_deliveries (status, id);
CREATE INDEX push_deliveries_notification_idx ON push_deliveries (notification_id);
