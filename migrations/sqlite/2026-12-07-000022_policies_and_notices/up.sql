-- Company profiles (企业画像): the fields policies are matched on.
CREATE TABLE company_profiles (
    company_id BIGINT PRIMARY KEY NOT NULL REFERENCES companies (id),
    scale TEXT CHECK (scale IN ('LARGE', 'MEDIUM', 'SMALL', 'MICRO')),
    employees INTEGER CHECK (employees >= 0),
    revenue_band TEXT CHECK (revenue_band IN ('BELOW_5M', 'FROM_5M_TO_20M', 'FROM_20M_TO_100M', 'FROM_100M_TO_400M', 'ABOVE_400M')),
    industry_code TEXT NOT NULL DEFAULT '',
    area TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    version INTEGER NOT NULL DEFAULT 1,
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- Policy items (政策) and their eligibility rules (JSON over profile fields).
CREATE TABLE policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    summary TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    eligibility TEXT NOT NULL,
    without_application BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'WITHDRAWN')),
    published_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX policies_status_idx ON policies (status);

-- The policy's documents: the issuing body's published files.
CREATE TABLE policy_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id BIGINT NOT NULL REFERENCES policies (id),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX policy_documents_policy_idx ON policy_documents (policy_id, position);

-- Packages (政策包) group policy items.
CREATE TABLE policy_packages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE policy_package_items (
    package_id BIGINT NOT NULL REFERENCES policy_packages (id),
    policy_id BIGINT NOT NULL REFERENCES policies (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (package_id, policy_id)
);

-- One row per policy and company told of it: the uptake funnel (政策兑现).
CREATE TABLE policy_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id BIGINT NOT NULL REFERENCES policies (id),
    company_id BIGINT NOT NULL REFERENCES companies (id),
    delivered_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    asked_at TIMESTAMP,
    request_id BIGINT REFERENCES requests (id),
    applied_at TIMESTAMP,
    granted_at TIMESTAMP,
    granted_amount BIGINT,
    granted_by BIGINT REFERENCES users (id),
    grant_note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX policy_deliveries_once_idx ON policy_deliveries (policy_id, company_id);
CREATE INDEX policy_deliveries_company_idx ON policy_deliveries (company_id);

-- One row that publishing and profile changes update first: they take turns, so neither misses
-- the other's change.
CREATE TABLE policy_matching (
    id INTEGER PRIMARY KEY NOT NULL,
    rounds BIGINT NOT NULL
);
INSERT INTO policy_matching (id, rounds) VALUES (1, 0);

-- Notices to the zone (通知公告) and their read receipts, one per company addressed.
CREATE TABLE zone_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category TEXT NOT NULL CHECK (category IN ('POLICY', 'OUTAGE', 'MEETING', 'OTHER')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    important BOOLEAN NOT NULL DEFAULT FALSE,
    audience TEXT NOT NULL,
    sent_by BIGINT NOT NULL REFERENCES users (id),
    sent_at TIMESTAMP NOT NULL
);
CREATE TABLE zone_notice_recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id BIGINT NOT NULL REFERENCES zone_notices (id),
    company_id BIGINT NOT NULL REFERENCES companies (id),
    read_at TIMESTAMP,
    read_by BIGINT REFERENCES users (id),
    reminded_at TIMESTAMP
);
CREATE UNIQUE INDEX zone_notice_recipients_once_idx ON zone_notice_recipients (notice_id, company_id);
CREATE INDEX zone_notice_recipients_company_idx ON zone_notice_recipients (company_id);
