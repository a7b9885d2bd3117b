-- Floor of the company home screen: the statements the server runs for myRequests(first: 20)
-- with category, officer, tasks (and their departments) and the last event, as plain SQL.
-- Variables come from the load driver (-D companies=… officers=… departments=…).
\set c random(1, :companies)
\set u :officers + 1 + 3 * :departments + (:c - 1) + (:c - 1) / 2 + 1
SELECT * FROM users WHERE id = :u;
SELECT count(*) FROM requests WHERE company_id = :c;
SELECT * FROM requests WHERE company_id = :c ORDER BY id DESC LIMIT 21;
SELECT * FROM categories WHERE id IN (SELECT category_id FROM requests WHERE company_id = :c ORDER BY id DESC LIMIT 20);
SELECT * FROM users WHERE id IN (SELECT officer_id FROM requests WHERE company_id = :c ORDER BY id DESC LIMIT 20);
SELECT * FROM request_tasks WHERE request_id IN (SELECT id FROM requests WHERE company_id = :c ORDER BY id DESC LIMIT 20) ORDER BY id;
SELECT * FROM request_events WHERE request_id IN (SELECT id FROM requests WHERE company_id = :c ORDER BY id DESC LIMIT 20) ORDER BY id;
SELECT * FROM departments WHERE id IN (SELECT department_id FROM request_tasks WHERE request_id IN (SELECT id FROM requests WHERE company_id = :c ORDER BY id DESC LIMIT 20));
