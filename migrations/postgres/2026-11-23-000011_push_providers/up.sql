-- A push provider per device (the service that issued its token), HarmonyOS as a platform, and
-- per delivery: its provider, its notice kind, the end of its retry lifetime, and two more
-- states (FAILED: the provider refused it with a code we keep; HELD: its provider is not
-- configured on this server).
ALTER TABLE devices DROP CONSTRAINT devices_platform_check;
ALTER TABLE devices ADD CONSTRAINT devices_platform_check
    CHECK (platform IN ('ANDROID', 'IOS', 'WEB', 'HARMONY'));
ALTER TABLE devices ADD COLUMN provider TEXT NOT NULL DEFAULT 'FCM'
    CHECK (provider IN ('FCM', 'APNS', 'HUAWEI', 'HONOR', 'XIAOMI', 'OPPO', 'VIVO'));

ALTER TABLE push_deliveries DROP CONSTRAINT push_deliveries_status_check;
ALTER TABLE push_deliveries ADD CONSTRAINT push_deliveries_status_check
    CHECK (status IN ('PENDING', 'SENT', 'DEAD', 'FAILED', 'HELD'));
ALTER TABLE push_deliveries ADD COLUMN provider TEXT NOT NULL DEFAULT 'FCM'
    CHECK (provider IN ('FCM', 'APNS', 'HUAWEI', 'HONOR', 'XIAOMI', 'OPPO', 'VIVO'));
ALTER TABLE push_deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE push_deliveries ADD COLUMN expires_at TIMESTAMP;
UPDATE push_deliveries d SET kind = n.kind FROM notifications n WHERE n.id = d.notification_id;
UPDATE push_deliveries SET expires_at = created_at + INTERVAL '72 hours';
ALTER TABLE push_deliveries ALTER COLUMN expires_at SET NOT NULL;
CREATE INDEX push_deliveries_provider_idx ON push_deliveries (provider, status);
