CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    disabled_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

INSERT INTO categories (code, name, name_en, created_at, updated_at) VALUES
    ('permits', '审批许可', 'Permits and approvals', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('water', '供水', 'Water supply', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('power', '供电', 'Power supply', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('gas', '供气', 'Gas supply', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('land', '土地', 'Land', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('construction', '工程建设', 'Construction', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('transport', '交通物流', 'Transport and logistics', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('labour', '用工招聘', 'Labour and hiring', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('schooling', '子女入学', 'Schooling', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('finance', '融资金融', 'Finance', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('policy', '政策咨询', 'Policy', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
    ('environment', '生态环境', 'Environment', '2026-11-23 00:00:00', '2026-11-23 00:00:00');

-- The last readable number handed out per year; incremented inside the raising transaction.
CREATE TABLE request_counters (
    year INTEGER PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    raised_by BIGINT NOT NULL REFERENCES users (id),
    channel TEXT NOT NULL CHECK (channel IN ('APP', 'HOTLINE', 'VISIT', 'GROUP_CHAT', 'OTHER')),
    kind TEXT NOT NULL CHECK (kind IN ('CONSULTATION', 'PROBLEM', 'SUGGESTION', 'COMPLAINT')),
    category_id BIGINT NOT NULL REFERENCES categories (id),
    urgency TEXT NOT NULL CHECK (urgency IN ('NORMAL', 'URGENT')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    officer_id BIGINT REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('SUBMITTED', 'ACCEPTED', 'DISPATCHED', 'IN_PROGRESS', 'RESOLVED', 'CLOSED', 'REJECTED', 'WITHDRAWN', 'UNRESOLVABLE', 'REOPENED')),
    idempotency_key TEXT,
    answer TEXT,
    filing_number TEXT,
    solved BOOLEAN,
    satisfied BOOLEAN,
    feedback_comment TEXT,
    no_feedback BOOLEAN NOT NULL DEFAULT 0,
    feedback_at TIMESTAMP,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- A phone retrying a raise with the same key gets the first request back.
CREATE UNIQUE INDEX requests_idempotency_idx ON requests (raised_by, idempotency_key);
CREATE INDEX requests_company_idx ON requests (company_id, id);
CREATE INDEX requests_officer_idx ON requests (officer_id, id);
CREATE INDEX requests_status_idx ON requests (status, id);
CREATE INDEX requests_resolved_idx ON requests (status, resolved_at);

CREATE TABLE request_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    -- Null while the task waits in the open pool for a department to claim it.
    department_id BIGINT REFERENCES departments (id),
    lead BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('POOLED', 'DISPATCHED', 'SIGNED', 'PLANNED', 'DONE', 'RETURNED', 'TRANSFERRED')),
    note TEXT NOT NULL DEFAULT '',
    responsible TEXT,
    approach TEXT,
    due_at TIMESTAMP,
    result TEXT,
    reason TEXT,
    dispatched_by BIGINT REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((status = 'POOLED') = (department_id IS NULL))
);
CREATE INDEX request_tasks_request_idx ON request_tasks (request_id, id);
CREATE INDEX request_tasks_department_idx ON request_tasks (department_id, status);
CREATE INDEX request_tasks_status_idx ON request_tasks (status);

CREATE TABLE request_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    task_id BIGINT REFERENCES request_tasks (id),
    kind TEXT NOT NULL,
    -- Null for the system (automatic closing).
    actor_id BIGINT REFERENCES users (id),
    text TEXT NOT NULL,
    internal BOOLEAN NOT NULL,
    from_status TEXT,
    to_status TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX request_events_request_idx ON request_events (request_id, id);
