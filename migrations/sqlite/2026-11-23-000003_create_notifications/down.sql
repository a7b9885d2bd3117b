DROP TABLE push_deliveries;
DROP TABLE notifications;
DROP TABLE devices;
ALTER TABLE users DROP COLUMN quiet_end_minute;
ALTER TABLE users DROP COLUMN quiet_start_minute;
