DROP TABLE sla_alerts;
DROP TABLE sla_extensions;

CREATE TABLE sla_policies_by_kind (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL CHECK (subject IN ('CONSULTATION', 'PROBLEM', 'SUGGESTION', 'COMPLAINT', 'DEPARTMENT_TASK')),
    coordinated BOOLEAN NOT NULL,
    first_reply_amount INTEGER NOT NULL,
    first_reply_unit TEXT NOT NULL CHECK (first_reply_unit IN ('HOURS', 'WORKING_DAYS', 'SAME_DAY')),
    resolve_amount INTEGER,
    resolve_unit TEXT CHECK (resolve_unit IN ('HOURS', 'WORKING_DAYS', 'SAME_DAY')),
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (subject, coordinated)
);
INSERT INTO sla_policies_by_kind (subject, coordinated, first_reply_amount, first_reply_unit, resolve_amount, resolve_unit, updated_by, updated_at)
    SELECT subject, coordinated, first_reply_amount, first_reply_unit, resolve_amount, resolve_unit, updated_by, updated_at
    FROM sla_policies WHERE urgency = 'NORMAL';
DROP TABLE sla_policies;
ALTER TABLE sla_policies_by_kind RENAME TO sla_policies;

DROP INDEX request_tasks_reply_remind_idx;
ALTER TABLE request_tasks DROP COLUMN overdue_at;
ALTER TABLE request_tasks DROP COLUMN replied_at;
ALTER TABLE request_tasks DROP COLUMN reply_remind_at;
ALTER TABLE request_tasks DROP COLUMN reply_due_at;

DROP INDEX requests_overdue_idx;
DROP INDEX requests_resolve_remind_idx;
DROP INDEX requests_first_reply_remind_idx;
ALTER TABLE requests DROP COLUMN overdue_at;
ALTER TABLE requests DROP COLUMN paused_seconds;
ALTER TABLE requests DROP COLUMN awaiting_company_since;
ALTER TABLE requests DROP COLUMN resolve_remind_at;
ALTER TABLE requests DROP COLUMN resolve_due_at;
ALTER TABLE requests DROP COLUMN first_replied_at;
ALTER TABLE requests DROP COLUMN first_reply_remind_at;
ALTER TABLE requests DROP COLUMN first_reply_due_at;
ALTER TABLE requests DROP COLUMN needs_coordination;
