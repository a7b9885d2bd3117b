-- Due times stamped on requests and department tasks from the SLA policies, the clock pauses
-- while waiting on the company, extensions, and the supervision ladder's record.

ALTER TABLE requests ADD COLUMN needs_coordination BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN first_reply_due_at TIMESTAMP;
-- When 75 % of the first-reply limit has passed (the reminder's moment).
ALTER TABLE requests ADD COLUMN first_reply_remind_at TIMESTAMP;
ALTER TABLE requests ADD COLUMN first_replied_at TIMESTAMP;
ALTER TABLE requests ADD COLUMN resolve_due_at TIMESTAMP;
ALTER TABLE requests ADD COLUMN resolve_remind_at TIMESTAMP;
-- Set while the handlers wait on the company for information: the clock stands still.
ALTER TABLE requests ADD COLUMN awaiting_company_since TIMESTAMP;
ALTER TABLE requests ADD COLUMN paused_seconds BIGINT NOT NULL DEFAULT 0;
-- The first moment one of the request's own limits passed unmet; never cleared.
ALTER TABLE requests ADD COLUMN overdue_at TIMESTAMP;
CREATE INDEX requests_first_reply_remind_idx ON requests (first_reply_remind_at);
CREATE INDEX requests_resolve_remind_idx ON requests (resolve_remind_at);
CREATE INDEX requests_overdue_idx ON requests (overdue_at);

-- A department's reply (sign-for and plan) to its task.
ALTER TABLE request_tasks ADD COLUMN reply_due_at TIMESTAMP;
ALTER TABLE request_tasks ADD COLUMN reply_remind_at TIMESTAMP;
ALTER TABLE request_tasks ADD COLUMN replied_at TIMESTAMP;
ALTER TABLE request_tasks ADD COLUMN overdue_at TIMESTAMP;
CREATE INDEX request_tasks_reply_remind_idx ON request_tasks (reply_remind_at);

-- Policies are keyed by urgency too; the defaults are the same for both until an admin says
-- otherwise.
CREATE TABLE sla_policies_by_urgency (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL CHECK (subject IN ('CONSULTATION', 'PROBLEM', 'SUGGESTION', 'COMPLAINT', 'DEPARTMENT_TASK')),
    coordinated BOOLEAN NOT NULL,
    urgency TEXT NOT NULL CHECK (urgency IN ('NORMAL', 'URGENT')),
    first_reply_amount INTEGER NOT NULL,
    first_reply_unit TEXT NOT NULL CHECK (first_reply_unit IN ('HOURS', 'WORKING_DAYS', 'SAME_DAY')),
    resolve_amount INTEGER,
    resolve_unit TEXT CHECK (resolve_unit IN ('HOURS', 'WORKING_DAYS', 'SAME_DAY')),
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (subject, coordinated, urgency)
);
INSERT INTO sla_policies_by_urgency (subject, coordinated, urgency, first_reply_amount, first_reply_unit, resolve_amount, resolve_unit, updated_by, updated_at)
    SELECT subject, coordinated, 'NORMAL', first_reply_amount, first_reply_unit, resolve_amount, resolve_unit, updated_by, updated_at FROM sla_policies;
INSERT INTO sla_policies_by_urgency (subject, coordinated, urgency, first_reply_amount, first_reply_unit, resolve_amount, resolve_unit, updated_by, updated_at)
    SELECT subject, coordinated, 'URGENT', first_reply_amount, first_reply_unit, resolve_amount, resolve_unit, updated_by, updated_at FROM sla_policies;
DROP TABLE sla_policies;
ALTER TABLE sla_policies_by_urgency RENAME TO sla_policies;

-- A department's request for more time (延期) on its task, and the admin's decision.
CREATE TABLE sla_extensions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    task_id BIGINT NOT NULL REFERENCES request_tasks (id),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    previous_due_at TIMESTAMP NOT NULL,
    requested_due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REFUSED')),
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sla_extensions_task_idx ON sla_extensions (task_id, id);
CREATE INDEX sla_extensions_status_idx ON sla_extensions (status, id);

-- Each threshold the sweeper passes, once: the unique key makes a second instance (or a second
-- run) insert nothing, and only the inserting transaction writes the event and its pushes.
-- `target` is `request:<id>` or `task:<id>`.
CREATE TABLE sla_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    task_id BIGINT REFERENCES request_tasks (id),
    target TEXT NOT NULL,
    deadline TEXT NOT NULL CHECK (deadline IN ('FIRST_REPLY', 'RESOLVE', 'TASK_REPLY')),
    stage TEXT NOT NULL CHECK (stage IN ('REMINDER', 'OVERDUE', 'CHASING', 'SUPERVISION', 'REPRIMAND')),
    due_at TIMESTAMP NOT NULL,
    fired_at TIMESTAMP NOT NULL,
    UNIQUE (target, deadline, due_at, stage)
);
CREATE INDEX sla_alerts_request_idx ON sla_alerts (request_id, id);
