ALTER TABLE attachments DROP COLUMN thumbnail;
ALTER TABLE attachments DROP COLUMN thumbnail_type;
