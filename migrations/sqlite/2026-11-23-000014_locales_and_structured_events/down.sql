ALTER TABLE request_events DROP COLUMN details;
ALTER TABLE departments DROP COLUMN name_en;
ALTER TABLE users DROP COLUMN locale;
