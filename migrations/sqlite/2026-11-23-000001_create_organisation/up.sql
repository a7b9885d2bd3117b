CREATE TABLE companies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    industry TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    key_enterprise BOOLEAN NOT NULL DEFAULT 0,
    disabled_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX companies_name_idx ON companies (lower(name));

CREATE TABLE departments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    disabled_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    role TEXT NOT NULL CHECK (role IN ('COMPANY', 'OFFICER', 'DEPARTMENT', 'ADMIN')),
    phone TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT 0,
    company_id BIGINT REFERENCES companies (id),
    department_id BIGINT REFERENCES departments (id),
    principal BOOLEAN NOT NULL DEFAULT 0,
    zone_leader BOOLEAN NOT NULL DEFAULT 0,
    disabled_at TIMESTAMP,
    last_login_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((role = 'COMPANY') = (company_id IS NOT NULL)),
    CHECK ((role = 'DEPARTMENT') = (department_id IS NOT NULL)),
    CHECK (NOT principal OR role = 'COMPANY')
);
CREATE INDEX users_company_idx ON users (company_id);
CREATE INDEX users_department_idx ON users (department_id);
CREATE INDEX users_role_idx ON users (role, id);

CREATE TABLE officer_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    officer_id BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL DEFAULT '',
    assigned_by BIGINT REFERENCES users (id),
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason TEXT,
    ended_by BIGINT REFERENCES users (id)
);
-- Exactly one active officer per company, enforced by the database.
CREATE UNIQUE INDEX officer_assignments_one_active_idx ON officer_assignments (company_id) WHERE ended_at IS NULL;
CREATE INDEX officer_assignments_officer_active_idx ON officer_assignments (officer_id) WHERE ended_at IS NULL;
CREATE INDEX officer_assignments_company_idx ON officer_assignments (company_id, id);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
