-- The reader's language: each user's own locale (zh-CN unless they choose English), the
-- departments' English names (optional: a reader in English sees the Chinese name without one),
-- and the timeline's parts as a typed JSON payload, from which the event's text is rendered
-- in the reader's language. Events written before this migration have no payload and keep
-- their text as written.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en'));
ALTER TABLE departments ADD COLUMN name_en TEXT;
ALTER TABLE request_events ADD COLUMN details TEXT;
