-- Time limits per kind of request (and for a department's reply to its task), with and without
-- higher-level coordination. Each limit is an amount of a unit: clock hours on working days,
-- working days, or the same working day.
CREATE TABLE sla_policies (
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

-- The defaults of the zone's rules: consultations answered the same working day; problems a
-- department can decide in 24 hours; problems needing higher approval a reply in 48 hours and
-- resolution in 5 working days; a department replies to its task within 3 working days.
INSERT INTO sla_policies (subject, coordinated, first_reply_amount, first_reply_unit, resolve_amount, resolve_unit, updated_at) VALUES
    ('CONSULTATION', 0, 0, 'SAME_DAY', 0, 'SAME_DAY', '2026-11-23 00:00:00'),
    ('CONSULTATION', 1, 0, 'SAME_DAY', 0, 'SAME_DAY', '2026-11-23 00:00:00'),
    ('PROBLEM', 0, 24, 'HOURS', 24, 'HOURS', '2026-11-23 00:00:00'),
    ('PROBLEM', 1, 48, 'HOURS', 5, 'WORKING_DAYS', '2026-11-23 00:00:00'),
    ('SUGGESTION', 0, 24, 'HOURS', 24, 'HOURS', '2026-11-23 00:00:00'),
    ('SUGGESTION', 1, 48, 'HOURS', 5, 'WORKING_DAYS', '2026-11-23 00:00:00'),
    ('COMPLAINT', 0, 24, 'HOURS', 24, 'HOURS', '2026-11-23 00:00:00'),
    ('COMPLAINT', 1, 48, 'HOURS', 5, 'WORKING_DAYS', '2026-11-23 00:00:00'),
    ('DEPARTMENT_TASK', 0, 3, 'WORKING_DAYS', NULL, NULL, '2026-11-23 00:00:00'),
    ('DEPARTMENT_TASK', 1, 3, 'WORKING_DAYS', NULL, NULL, '2026-11-23 00:00:00');
