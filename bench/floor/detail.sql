-- Floor of a request's detail with its timeline, as seen by company staff: the request, its
-- category, company, officer, tasks with departments, events with their actors.
\set r random(1, :requests)
\set c random(1, :companies)
\set u :officers + 1 + 3 * :departments + (:c - 1) + (:c - 1) / 2 + 1
SELECT * FROM users WHERE id = :u;
SELECT * FROM requests WHERE id = :r;
SELECT * FROM categories WHERE id = (SELECT category_id FROM requests WHERE id = :r);
SELECT * FROM companies WHERE id = (SELECT company_id FROM requests WHERE id = :r);
SELECT * FROM request_tasks WHERE request_id = :r ORDER BY id;
SELECT * FROM request_events WHERE request_id = :r ORDER BY id;
SELECT * FROM users WHERE id IN (SELECT officer_id FROM requests WHERE id = :r UNION SELECT actor_id FROM request_events WHERE request_id = :r);
SELECT * FROM departments WHERE id IN (SELECT department_id FROM request_tasks WHERE request_id = :r);
