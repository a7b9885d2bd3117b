-- A small preview of each photo (JPEG, PNG, WebP; at most 320 pixels a side), made on upload
-- for the apps' list screens. It is kept in the row, not in the file store, so an upload writes
-- one object and a store that fails half-way leaves neither a row nor half an attachment.
-- NULL for documents, HEIC photos and images that cannot be decoded.
ALTER TABLE attachments ADD COLUMN thumbnail_type TEXT;
ALTER TABLE attachments ADD COLUMN thumbnail BYTEA;
