DROP INDEX push_deliveries_provider_idx;
UPDATE push_deliveries SET status = 'DEAD' WHERE status = 'FAILED';
UPDATE push_deliveries SET status = 'PENDING' WHERE status = 'HELD';
ALTER TABLE push_deliveries DROP CONSTRAINT push_deliveries_status_check;
ALTER TABLE push_deliveries ADD CONSTRAINT push_deliveries_status_check
    CHECK (status IN ('PENDING', 'SENT', 'DEAD'));
ALTER TABLE push_deliveries DROP COLUMN expires_at;
ALTER TABLE push_deliveries DROP COLUMN kind;
ALTER TABLE push_deliveries DROP COLUMN provider;
ALTER TABLE devices DROP COLUMN provider;
UPDATE devices SET platform = 'ANDROID' WHERE platform = 'HARMONY';
ALTER TABLE devices DROP CONSTRAINT devices_platform_check;
ALTER TABLE devices ADD CONSTRAINT devices_platform_check CHECK (platform IN ('ANDROID', 'IOS', 'WEB'));
