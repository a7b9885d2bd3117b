-- A push provider per device (the service that issued its token), HarmonyOS as a platform, and
-- per delivery: its provider, its notice kind, the end of its retry lifetime, and two more
-- states (FAILED: the provider refused it with a code we keep; HELD: its provider is not
-- configured on this server). SQLite cannot alter a CHECK constraint: both tables are rebuilt.
CREATE TABLE devices_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL CHECK (platform IN ('ANDROID', 'IOS', 'WEB', 'HARMONY')),
    locale TEXT NOT NULL,
    app_version TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    provider TEXT NOT NULL DEFAULT 'FCM'
        CHECK (provider IN ('FCM', 'APNS', 'HUAWEI', 'HONOR', 'XIAOMI', 'OPPO', 'VIVO'))
);
INSERT INTO devices_new (id, user_id, token, platform, locale, app_version, created_at, last_seen_at, provider)
    SELECT id, user_id, token, platform, locale, app_version, created_at, last_seen_at, 'FCM' FROM devices;
DROP INDEX devices_user_idx;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;
CREATE INDEX devices_user_idx ON devices (user_id);

CREATE TABLE push_deliveries_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id BIGINT NOT NULL REFERENCES notifications (id),
    device_id BIGINT,
    token TEXT NOT NULL,
    platform TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'SENT', 'DEAD', 'FAILED', 'HELD')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    provider TEXT NOT NULL DEFAULT 'FCM'
        CHECK (provider IN ('FCM', 'APNS', 'HUAWEI', 'HONOR', 'XIAOMI', 'OPPO', 'VIVO')),
    kind TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMP NOT NULL
);
INSERT INTO push_deliveries_new (id, notification_id, device_id, token, platform, title, body, status, attempts,
        next_attempt_at, locked_until, last_error, sent_at, created_at, updated_at, provider, kind, expires_at)
    SELECT d.id, d.notification_id, d.device_id, d.token, d.platform, d.title, d.body, d.status, d.attempts,
        d.next_attempt_at, d.locked_until, d.last_error, d.sent_at, d.created_at, d.updated_at, 'FCM',
        COALESCE((SELECT n.kind FROM notifications n WHERE n.id = d.notification_id), ''),
        datetime(d.created_at, '+72 hours')
    FROM push_deliveries d;
DROP INDEX push_deliveries_due_idx;
DROP INDEX push_deliveries_status_idx;
DROP INDEX push_deliveries_notification_idx;
DROP TABLE push_deliveries;
ALTER TABLE push_deliveries_new RENAME TO push_deliveries;
CREATE INDEX push_deliveries_due_idx ON push_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX push_deliveries_status_idx ON push_deliveries (status, id);
CREATE INDEX push_deliveries_notification_idx ON push_deliveries (notification_id);
CREATE INDEX push_deliveries_provider_idx ON push_deliveries (provider, status);
