CREATE TABLE evaluation_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    half TEXT NOT NULL CHECK (half IN ('H1', 'H2')),
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    reminder_sent_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (closes_at > opens_at),
    UNIQUE (year, half)
);

CREATE TABLE evaluation_votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period_id BIGINT NOT NULL REFERENCES evaluation_periods (id),
    company_id BIGINT NOT NULL REFERENCES companies (id),
    officer_id BIGINT NOT NULL REFERENCES users (id),
    voter_id BIGINT NOT NULL REFERENCES users (id),
    verdict TEXT NOT NULL CHECK (verdict IN ('SATISFIED', 'UNSATISFIED')),
    reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (verdict = 'SATISFIED' OR reason IS NOT NULL),
    UNIQUE (period_id, company_id)
);
CREATE INDEX evaluation_votes_officer_idx ON evaluation_votes (officer_id, period_id);

-- The fixed record written when a period closes: one row per company in the evaluation.
CREATE TABLE evaluation_roll (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period_id BIGINT NOT NULL REFERENCES evaluation_periods (id),
    company_id BIGINT NOT NULL REFERENCES companies (id),
    officer_id BIGINT REFERENCES users (id),
    verdict TEXT CHECK (verdict IN ('SATISFIED', 'UNSATISFIED')),
    reason TEXT,
    absence TEXT CHECK (absence IN ('NO_OFFICER', 'NO_PRINCIPAL', 'NOT_VOTED')),
    CHECK ((verdict IS NULL) <> (absence IS NULL)),
    UNIQUE (period_id, company_id)
);

CREATE TABLE replacement_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period_id BIGINT NOT NULL REFERENCES evaluation_periods (id),
    company_id BIGINT NOT NULL REFERENCES companies (id),
    officer_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('OPEN', 'RESOLVED', 'WITHDRAWN')),
    reason TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by BIGINT REFERENCES users (id),
    resolution_note TEXT,
    new_officer_id BIGINT REFERENCES users (id)
);
CREATE INDEX replacement_flags_company_idx ON replacement_flags (company_id, status);
CREATE INDEX replacement_flags_status_idx ON replacement_flags (status, id);

CREATE TABLE award_eligibility (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    officer_id BIGINT NOT NULL REFERENCES users (id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('UNDER_REVIEW', 'ELIGIBLE', 'INELIGIBLE')),
    note TEXT NOT NULL DEFAULT '',
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (officer_id, year)
);
