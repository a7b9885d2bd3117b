-- Days that differ from the default week (Monday to Friday working): public holidays and the
-- make-up working days (调休) on weekends. Dates are ISO strings in the zone's time zone.
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('HOLIDAY', 'WORKDAY')),
    note TEXT NOT NULL DEFAULT '',
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);
