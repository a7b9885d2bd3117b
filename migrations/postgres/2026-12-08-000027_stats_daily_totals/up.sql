-- The statistics' daily totals (src/stats/totals.rs). A full year of `stats` over 1,000,000
-- requests took 1.4–2.0 s of scans and sorts; the totals answer it from a few hundred thousand
-- narrow rows, exactly: they are kept by triggers in the same transaction as every change to
-- a request, whatever code path makes it, so they cannot drift from the requests.
--
-- Days are the zone's calendar days (`stats_zone`, set by the server at start from its
-- configured time zone, which rebuilds the totals when it changes; while it is NULL nothing is
-- kept and the statistics read the requests directly). A window of whole days in the zone is
-- then a range of `day`. The triggers only append rows (+n for what a change adds, -n for what
-- it takes away), so no two transactions wait on one row; the fold job sums each day's rows
-- into one row per key (`folded`), and every read sums all rows of its days, so an answer is
-- exact whether or not the fold has run.

CREATE TABLE stats_zone (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    time_zone TEXT
);
INSERT INTO stats_zone (time_zone) VALUES (NULL);

-- Requests raised per day, by what the received cube shows.
CREATE TABLE stats_received (
    day DATE NOT NULL,
    kind TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    resolved BOOLEAN NOT NULL,
    overdue BOOLEAN NOT NULL,
    n BIGINT NOT NULL,
    folded BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX stats_received_day_idx ON stats_received (day);
CREATE INDEX stats_received_unfolded_idx ON stats_received (day) WHERE NOT folded;

-- Outcomes per day of their own time: RESOLVED (a: never overdue), FEEDBACK (a: satisfied,
-- b: solved, each NULL when not answered) and OVERDUE.
CREATE TABLE stats_outcomes (
    fact TEXT NOT NULL CHECK (fact IN ('RESOLVED', 'FEEDBACK', 'OVERDUE')),
    day DATE NOT NULL,
    a BOOLEAN,
    b BOOLEAN,
    n BIGINT NOT NULL,
    folded BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX stats_outcomes_day_idx ON stats_outcomes (fact, day);
CREATE INDEX stats_outcomes_unfolded_idx ON stats_outcomes (day) WHERE NOT folded;

-- Durations in whole seconds, counted per day and bucket (the seconds cut to two significant
-- digits: stats_bucket): FIRST_REPLY by the day raised, RESOLUTION by the day resolved. A
-- percentile finds its bucket here, then its exact value among that bucket's requests through
-- the indexes below.
CREATE TABLE stats_durations (
    measure TEXT NOT NULL CHECK (measure IN ('FIRST_REPLY', 'RESOLUTION')),
    day DATE NOT NULL,
    bucket BIGINT NOT NULL,
    n BIGINT NOT NULL,
    folded BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX stats_durations_day_idx ON stats_durations (measure, day);
CREATE INDEX stats_durations_unfolded_idx ON stats_durations (day) WHERE NOT folded;

CREATE INDEX requests_first_reply_seconds_idx
    ON requests ((CAST(ROUND(EXTRACT(EPOCH FROM (first_replied_at - created_at))) AS BIGINT)), created_at)
    WHERE first_replied_at IS NOT NULL;
CREATE INDEX requests_resolution_seconds_idx
    ON requests ((CAST(ROUND(EXTRACT(EPOCH FROM (resolved_at - created_at))) AS BIGINT)), resolved_at)
    WHERE resolved_at IS NOT NULL;

-- The zone's calendar day of a UTC timestamp.
CREATE FUNCTION stats_day(at TIMESTAMP, zone TEXT) RETURNS DATE
LANGUAGE SQL STABLE AS $$ SELECT ((at AT TIME ZONE 'UTC') AT TIME ZONE zone)::date $$;

-- Seconds cut to two significant digits (below 100: themselves): 123456 -> 120000.
CREATE FUNCTION stats_bucket(d BIGINT) RETURNS BIGINT
LANGUAGE SQL IMMUTABLE AS $$
    SELECT CASE WHEN d < 100 THEN d
                ELSE d - d % CAST(10::numeric ^ (length(d::text) - 2) AS BIGINT) END
$$;

-- The counted columns of a request row, with +1 (the row is added) or -1 (taken away).
CREATE TYPE stats_row AS (
    sign BIGINT, created_at TIMESTAMP, kind TEXT, category_id BIGINT, channel TEXT, status TEXT,
    resolved_at TIMESTAMP, overdue_at TIMESTAMP, feedback_at TIMESTAMP, satisfied BOOLEAN,
    solved BOOLEAN, first_replied_at TIMESTAMP
);

-- Appends what `changed` adds to the totals and takes away from them.
CREATE FUNCTION stats_apply(zone TEXT, changed stats_row[]) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_received (day, kind, category_id, channel, status, resolved, overdue, n)
    SELECT stats_day(c.created_at, zone), c.kind, c.category_id, c.channel, c.status,
           c.resolved_at IS NOT NULL, c.overdue_at IS NOT NULL, SUM(c.sign)
    FROM unnest(changed) c
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING SUM(c.sign) <> 0;

    INSERT INTO stats_outcomes (fact, day, a, b, n)
    SELECT f.fact, f.day, f.a, f.b, SUM(f.sign) FROM (
        SELECT 'RESOLVED' AS fact, stats_day(c.resolved_at, zone) AS day, c.overdue_at IS NULL AS a,
               NULL::boolean AS b, c.sign
        FROM unnest(changed) c WHERE c.resolved_at IS NOT NULL
        UNION ALL
        SELECT 'FEEDBACK', stats_day(c.feedback_at, zone), c.satisfied, c.solved, c.sign
        FROM unnest(changed) c WHERE c.feedback_at IS NOT NULL
        UNION ALL
        SELECT 'OVERDUE', stats_day(c.overdue_at, zone), NULL, NULL, c.sign
        FROM unnest(changed) c WHERE c.overdue_at IS NOT NULL
    ) f
    GROUP BY 1, 2, 3, 4
    HAVING SUM(f.sign) <> 0;

    INSERT INTO stats_durations (measure, day, bucket, n)
    SELECT d.measure, d.day, d.bucket, SUM(d.sign) FROM (
        SELECT 'FIRST_REPLY' AS measure, stats_day(c.created_at, zone) AS day,
               stats_bucket(CAST(ROUND(EXTRACT(EPOCH FROM (c.first_replied_at - c.created_at))) AS BIGINT)) AS bucket,
               c.sign
        FROM unnest(changed) c WHERE c.first_replied_at IS NOT NULL
        UNION ALL
        SELECT 'RESOLUTION', stats_day(c.resolved_at, zone),
               stats_bucket(CAST(ROUND(EXTRACT(EPOCH FROM (c.resolved_at - c.created_at))) AS BIGINT)),
               c.sign
        FROM unnest(changed) c WHERE c.resolved_at IS NOT NULL
    ) d
    GROUP BY 1, 2, 3
    HAVING SUM(d.sign) <> 0;
END
$$;

-- The statement-level triggers: the rows a statement inserted, deleted or changed (in a
-- counted column) go through stats_apply with their signs.
CREATE FUNCTION stats_requests_changed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT;
    changed stats_row[];
BEGIN
    SELECT time_zone INTO zone FROM stats_zone;
    IF zone IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        changed := ARRAY(
            SELECT ROW(1, created_at, kind, category_id, channel, status, resolved_at, overdue_at,
                       feedback_at, satisfied, solved, first_replied_at)::stats_row
            FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := ARRAY(
            SELECT ROW(-1, created_at, kind, category_id, channel, status, resolved_at, overdue_at,
                       feedback_at, satisfied, solved, first_replied_at)::stats_row
            FROM old_rows);
    ELSE
        changed := ARRAY(
            SELECT s.r
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES
                (ROW(-1, o.created_at, o.kind, o.category_id, o.channel, o.status, o.resolved_at,
                     o.overdue_at, o.feedback_at, o.satisfied, o.solved, o.first_replied_at)::stats_row),
                (ROW(1, n.created_at, n.kind, n.category_id, n.channel, n.status, n.resolved_at,
                     n.overdue_at, n.feedback_at, n.satisfied, n.solved, n.first_replied_at)::stats_row)
            ) AS s (r)
            WHERE (o.created_at, o.kind, o.category_id, o.channel, o.status, o.resolved_at,
                   o.overdue_at, o.feedback_at, o.satisfied, o.solved, o.first_replied_at)
                  IS DISTINCT FROM
                  (n.created_at, n.kind, n.category_id, n.channel, n.status, n.resolved_at,
                   n.overdue_at, n.feedback_at, n.satisfied, n.solved, n.first_replied_at));
    END IF;
    IF cardinality(changed) > 0 THEN
        PERFORM stats_apply(zone, changed);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER stats_requests_inserted AFTER INSERT ON requests
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_requests_changed();
CREATE TRIGGER stats_requests_updated AFTER UPDATE ON requests
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_requests_changed();
CREATE TRIGGER stats_requests_deleted AFTER DELETE ON requests
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_requests_changed();
