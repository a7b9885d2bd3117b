-- The audit log of admin actions, officers' visits to their companies, and the indexes the
-- ledger's statistics read by.

-- One row per admin action, written in the transaction of the change it records.
-- `before_json` and `after_json` are JSON snapshots of the target (null when created or removed).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, id);

-- An officer's visit to a company it serves (走访). `notes` are internal: the company's staff
-- see the date, the officer and the people met, never the notes.
CREATE TABLE visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    officer_id BIGINT NOT NULL REFERENCES users (id),
    company_id BIGINT NOT NULL REFERENCES companies (id),
    visited_on TEXT NOT NULL,
    people_met TEXT NOT NULL,
    notes TEXT NOT NULL,
    idempotency_key TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX visits_officer_idx ON visits (officer_id, visited_on);
CREATE INDEX visits_company_idx ON visits (company_id, visited_on);
CREATE UNIQUE INDEX visits_idempotency_idx ON visits (officer_id, idempotency_key);

-- Requests raised from problems found on a visit (channel VISIT).
CREATE TABLE visit_requests (
    visit_id BIGINT NOT NULL REFERENCES visits (id),
    request_id BIGINT NOT NULL REFERENCES requests (id),
    PRIMARY KEY (visit_id, request_id)
);
CREATE UNIQUE INDEX visit_requests_request_idx ON visit_requests (request_id);

-- Statistics select requests by when they were raised, resolved and confirmed.
CREATE INDEX requests_created_idx ON requests (created_at);
CREATE INDEX requests_resolved_at_idx ON requests (resolved_at);
CREATE INDEX requests_feedback_idx ON requests (feedback_at);
CREATE INDEX request_tasks_created_idx ON request_tasks (created_at);
