-- Key projects from signing to production (docs/projects.md): the project and its squad, the
-- company's contacts, the stage history, the procedures handled on the company's behalf (代办)
-- against their statutory working days, the check-in rhythm, and the zone leader of each key
-- enterprise (领导包联).

-- The zone leader (an admin) who looks after a key enterprise.
CREATE TABLE company_leaders (
    company_id BIGINT PRIMARY KEY REFERENCES companies (id),
    leader_id BIGINT NOT NULL REFERENCES users (id),
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- The statutory working days of each type of procedure, kept by the admins.
CREATE TABLE procedure_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    procedure_type TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    statutory_days INTEGER NOT NULL,
    department_id BIGINT REFERENCES departments (id),
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE key_projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    name TEXT NOT NULL,
    investment_wan BIGINT NOT NULL,
    industry TEXT NOT NULL,
    location TEXT NOT NULL,
    stage TEXT NOT NULL,
    stage_since TIMESTAMP NOT NULL,
    rhythm TEXT NOT NULL,
    rhythm_since TIMESTAMP NOT NULL,
    lead_liaison_id BIGINT NOT NULL REFERENCES users (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE INDEX key_projects_company_idx ON key_projects (company_id);

-- The squad's members besides the lead liaison (officers and department staff).
CREATE TABLE project_members (
    project_id BIGINT NOT NULL REFERENCES key_projects (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (project_id, user_id)
);

-- The company's people the squad deals with.
CREATE TABLE project_contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES key_projects (id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    title TEXT NOT NULL
);
CREATE INDEX project_contacts_project_idx ON project_contacts (project_id);

CREATE TABLE project_stage_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES key_projects (id),
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    note TEXT NOT NULL,
    changed_by BIGINT NOT NULL REFERENCES users (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX project_stage_changes_project_idx ON project_stage_changes (project_id);

-- A procedure handled on the company's behalf (代办). The statutory clock runs from acceptance
-- on the zone's working calendar; working_days_taken is stamped at approval.
CREATE TABLE project_procedures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES key_projects (id),
    stage TEXT NOT NULL,
    procedure_type TEXT NOT NULL,
    name TEXT NOT NULL,
    department_id BIGINT REFERENCES departments (id),
    statutory_days INTEGER NOT NULL,
    handler_id BIGINT REFERENCES users (id),
    documents TEXT NOT NULL,
    submitted_at TIMESTAMP,
    accepted_at TIMESTAMP,
    approved_at TIMESTAMP,
    due_at TIMESTAMP,
    remind_at TIMESTAMP,
    overdue_at TIMESTAMP,
    working_days_taken INTEGER,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX project_procedures_project_idx ON project_procedures (project_id);
CREATE INDEX project_procedures_remind_idx ON project_procedures (remind_at);

-- Each threshold of a procedure's limit fired once (like sla_alerts for requests).
CREATE TABLE procedure_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    procedure_id BIGINT NOT NULL REFERENCES project_procedures (id),
    stage TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    fired_at TIMESTAMP NOT NULL,
    UNIQUE (procedure_id, stage, due_at)
);

CREATE TABLE project_checkins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES key_projects (id),
    stage TEXT NOT NULL,
    kind TEXT NOT NULL,
    findings TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    checked_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX project_checkins_project_idx ON project_checkins (project_id, checked_at);

-- A missed check-in window, told once to the liaison and once to the admins.
CREATE TABLE checkin_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES key_projects (id),
    window_start TIMESTAMP NOT NULL,
    level TEXT NOT NULL,
    fired_at TIMESTAMP NOT NULL,
    UNIQUE (project_id, window_start, level)
);

-- Requests raised from a project's findings, with the stage they were raised in.
CREATE TABLE project_requests (
    request_id BIGINT PRIMARY KEY REFERENCES requests (id),
    project_id BIGINT NOT NULL REFERENCES key_projects (id),
    stage TEXT NOT NULL
);
CREATE INDEX project_requests_project_idx ON project_requests (project_id);
