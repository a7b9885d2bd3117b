-- One row per signed-in device: a refresh-token family and what the user sees of it in
-- mySessions. An access token names its session; ending the session refuses the token at once.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL UNIQUE,
    device TEXT,
    platform TEXT,
    address TEXT,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX sessions_user_idx ON sessions (user_id, ended_at);

-- The sessions open before this migration keep working: one row per live family.
INSERT INTO sessions (user_id, family_id, created_at, last_used_at)
SELECT user_id, family_id, MIN(created_at), MAX(created_at)
FROM refresh_tokens
WHERE revoked_at IS NULL
GROUP BY user_id, family_id;

-- A user's TOTP second factor (RFC 6238): the secret being enrolled, then the confirmed one,
-- and the last time step accepted (a code is accepted once).
CREATE TABLE second_factors (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    pending_secret TEXT,
    secret TEXT,
    enabled_at TIMESTAMP,
    last_step INTEGER,
    updated_at TIMESTAMP NOT NULL
);

-- Single-use recovery codes of a second factor, kept as SHA-256 hashes.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);
