-- The statistics' daily totals are kept on PostgreSQL only (see its migration of the same
-- name): on SQLite, a zone's size, the statistics read the requests directly through the
-- indexes on created_at, resolved_at, feedback_at and overdue_at. The same migration exists
-- here so both backends list the same versions.
SELECT 1;
