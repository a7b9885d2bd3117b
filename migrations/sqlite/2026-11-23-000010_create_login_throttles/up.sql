-- Failed-login counters and lockouts, per phone number and per client address. The phone is
-- kept only as a SHA-256 hash plus a masked label (138****0000) for the admins' list.
CREATE TABLE login_throttles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL CHECK (scope IN ('PHONE', 'ADDRESS')),
    key_hash TEXT NOT NULL,
    label TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    window_started_at TIMESTAMP NOT NULL,
    lockouts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (scope, key_hash)
);
CREATE INDEX login_throttles_locked_idx ON login_throttles (locked_until);
