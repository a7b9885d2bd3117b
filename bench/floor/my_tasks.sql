-- Floor of an officer's myTasks queue: what waits for the officer (new, accepted, reopened) on
-- the requests they handle, urgent first, with company, tasks, departments, last event and actor.
-- Like the server, the officer's companies are a list (= ANY), so both arms of the OR use indexes.
\set o random(2, :officers + 1)
SELECT * FROM users WHERE id = :o;
SELECT company_id FROM officer_assignments WHERE officer_id = :o AND ended_at IS NULL;
SELECT count(*) FROM requests WHERE (officer_id = :o OR company_id = ANY(ARRAY(SELECT company_id FROM officer_assignments WHERE officer_id = :o AND ended_at IS NULL))) AND status IN ('SUBMITTED', 'ACCEPTED', 'REOPENED');
SELECT company_id FROM officer_assignments WHERE officer_id = :o AND ended_at IS NULL;
SELECT * FROM requests WHERE (officer_id = :o OR company_id = ANY(ARRAY(SELECT company_id FROM officer_assignments WHERE officer_id = :o AND ended_at IS NULL))) AND status IN ('SUBMITTED', 'ACCEPTED', 'REOPENED') ORDER BY urgency DESC, id ASC LIMIT 21;
SELECT * FROM companies WHERE id IN (SELECT company_id FROM (SELECT id, company_id, urgency FROM requests WHERE (officer_id = :o OR company_id = ANY(ARRAY(SELECT company_id FROM officer_assignments WHERE officer_id = :o AND ended_at IS NULL))) AND status IN ('SUBMITTED', 'ACCEPTED', 'REOPENED') ORDER BY urgency DESC, id ASC LIMIT 20) p);
SELECT * FROM request_tasks WHERE request_id IN (SELECT id FROM requests WHERE (officer_id = :o OR company_id = ANY(ARRAY(SELECT company_id FROM officer_assignments WHERE officer_id = :o AND ended_at IS NULL))) AND status IN ('SUBMITTED', 'ACCEPTED', 'REOPENED') ORDER BY urgency DESC, id ASC LIMIT 20) ORDER BY id;
SELECT * FROM request_events WHERE request_id IN (SELECT id FROM requests WHERE (officer_id = :o OR company_id = ANY(ARRAY(SELECT company_id FROM officer_assignments WHERE officer_id = :o AND ended_at IS NULL))) AND status IN ('SUBMITTED', 'ACCEPTED', 'REOPENED') ORDER BY urgency DESC, id ASC LIMIT 20) ORDER BY id;
SELECT * FROM users WHERE id IN (SELECT actor_id FROM request_events WHERE request_id IN (SELECT id FROM requests WHERE (officer_id = :o OR company_id = ANY(ARRAY(SELECT company_id FROM officer_assignments WHERE officer_id = :o AND ended_at IS NULL))) AND status IN ('SUBMITTED', 'ACCEPTED', 'REOPENED') ORDER BY urgency DESC, id ASC LIMIT 20));
SELECT * FROM departments WHERE id IN (SELECT department_id FROM request_tasks WHERE request_id IN (SELECT id FROM requests WHERE (officer_id = :o OR company_id = ANY(ARRAY(SELECT company_id FROM officer_assignments WHERE officer_id = :o AND ended_at IS NULL))) AND status IN ('SUBMITTED', 'ACCEPTED', 'REOPENED') ORDER BY urgency DESC, id ASC LIMIT 20));
