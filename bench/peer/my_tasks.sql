-- The peer's myTasks: PostGraphile's `condition` argument takes equalities only, so an officer's
-- queue (their own requests or their active companies', in the states that wait for them, urgent
-- first, oldest first) is a SQL function, which PostGraphile serves as the connection
-- `peerMyTasks(officer:)` with totalCount, cursors and pageInfo. A zone on PostGraphile would
-- write the same. Like the server, the officer's companies are a list (= ANY), so both arms of
-- the OR use indexes. bench/run creates it in the bench database before starting the peer.
CREATE OR REPLACE FUNCTION peer_my_tasks(officer BIGINT) RETURNS SETOF requests
LANGUAGE sql STABLE AS $$
    SELECT r.* FROM requests r
    WHERE (r.officer_id = officer
           OR r.company_id = ANY(ARRAY(SELECT a.company_id FROM officer_assignments a
                                       WHERE a.officer_id = officer AND a.ended_at IS NULL)))
      AND r.status IN ('SUBMITTED', 'ACCEPTED', 'REOPENED')
    ORDER BY r.urgency DESC, r.id ASC
$$;
