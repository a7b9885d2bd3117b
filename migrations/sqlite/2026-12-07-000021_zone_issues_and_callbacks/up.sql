-- Zone issues (一事多企): one problem shared by requests of several companies, handled once.
-- The carrier is the member request (the most urgent when linked) whose department tasks,
-- plan and time limit are the issue's; the other members follow its shared steps.
CREATE TABLE zone_issues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    carrier_request_id BIGINT NOT NULL REFERENCES requests (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- When the shared handling ended (resolved, or marked unresolvable) the first time.
    resolved_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX zone_issues_created_idx ON zone_issues (created_at, id);
CREATE INDEX zone_issues_carrier_idx ON zone_issues (carrier_request_id);

-- Which requests belong to a zone issue; a request that leaves keeps its row with `left_at`.
CREATE TABLE zone_issue_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_issue_id BIGINT NOT NULL REFERENCES zone_issues (id),
    request_id BIGINT NOT NULL REFERENCES requests (id),
    linked_by BIGINT NOT NULL REFERENCES users (id),
    linked_at TIMESTAMP NOT NULL,
    left_by BIGINT REFERENCES users (id),
    left_at TIMESTAMP
);
CREATE INDEX zone_issue_members_issue_idx ON zone_issue_members (zone_issue_id, id);
-- A request belongs to at most one zone issue at a time.
CREATE UNIQUE INDEX zone_issue_members_active_idx ON zone_issue_members (request_id) WHERE left_at IS NULL;

-- Callbacks (回访): a request flagged for a call (closed without the company's answer), and the
-- answers an officer or admin recorded on the company's behalf.
CREATE TABLE request_callbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    -- Set when the request was flagged (auto-closed without an answer in the app).
    flagged_at TIMESTAMP,
    -- The answers, once the call was made.
    callee TEXT,
    called_at TIMESTAMP,
    solved BOOLEAN,
    satisfied BOOLEAN,
    comment TEXT,
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TIMESTAMP
);
CREATE INDEX request_callbacks_request_idx ON request_callbacks (request_id, id);
CREATE INDEX request_callbacks_open_idx ON request_callbacks (recorded_at, flagged_at);
