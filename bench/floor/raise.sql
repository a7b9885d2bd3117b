-- Floor of raiseRequest by a company's principal: in one transaction the look-ups, the number,
-- the request, its RAISED event with pg_notify, and the notifications with their push
-- deliveries for the officer and the company's other staff; then the detail the app reads back.
\set c random(1, :companies)
\set u :officers + 1 + 3 * :departments + (:c - 1) + (:c - 1) / 2 + 1
\set cat random(1, 12)
SELECT * FROM users WHERE id = :u;
BEGIN;
SELECT * FROM requests WHERE raised_by = :u AND idempotency_key = 'floor-' || :run || '-' || :client_id || '-' || random();
SELECT * FROM companies WHERE id = :c;
SELECT officer_id AS officer FROM officer_assignments WHERE company_id = :c AND ended_at IS NULL \gset
SELECT * FROM categories WHERE id = :cat;
INSERT INTO request_counters (year, last_number) VALUES (2999, 1) ON CONFLICT (year) DO UPDATE SET last_number = request_counters.last_number + 1 RETURNING last_number AS n \gset
INSERT INTO requests (number, company_id, raised_by, channel, kind, category_id, urgency, title, description, officer_id, status, idempotency_key, created_at, updated_at)
  VALUES ('QY-2999-' || lpad(:n::text, 6, '0'), :c, :u, 'APP', 'PROBLEM', :cat, 'NORMAL', '夜间生产经常跳闸', '10 kV 线路故障，影响夜班生产，请尽快协调供电公司排查。', :officer, 'SUBMITTED', 'floor-' || :run || '-' || :n, now(), now()) RETURNING id AS r \gset
SELECT pg_notify('zhitong_bench_floor_' || current_schema(), '{"request_id":' || :r || ',"company_id":' || :c || '}');
INSERT INTO request_events (request_id, kind, actor_id, text, internal, to_status, created_at) VALUES (:r, 'RAISED', :u, 'raised by 企业用户 via APP', false, 'SUBMITTED', now()) RETURNING *;
SELECT * FROM request_tasks WHERE request_id = :r ORDER BY id;
SELECT officer_id FROM officer_assignments WHERE company_id = :c AND ended_at IS NULL;
SELECT * FROM users WHERE id IN (:officer);
SELECT * FROM devices WHERE user_id IN (:officer);
INSERT INTO notifications (user_id, kind, title, body, locale, request_id, company_id, urgent, created_at) VALUES (:officer, 'REQUEST_RAISED', '新诉求', '企业提交了新诉求', 'zh-CN', :r, :c, false, now()) RETURNING id AS note \gset
INSERT INTO push_deliveries (notification_id, device_id, token, platform, provider, kind, title, body, status, next_attempt_at, expires_at, created_at, updated_at) SELECT :note, id, token, platform, provider, 'REQUEST_RAISED', '新诉求', '企业提交了新诉求', 'PENDING', now(), now() + INTERVAL '1 day', now(), now() FROM devices WHERE user_id = :officer;
SELECT count(*) FROM users WHERE company_id = :c;
SELECT * FROM users WHERE company_id = :c ORDER BY id LIMIT 10001;
SELECT * FROM users WHERE id IN (SELECT id FROM users WHERE company_id = :c AND id <> :u);
SELECT * FROM devices WHERE user_id IN (SELECT id FROM users WHERE company_id = :c AND id <> :u);
WITH n AS (INSERT INTO notifications (user_id, kind, title, body, locale, request_id, company_id, urgent, created_at) SELECT id, 'REQUEST_RAISED', '诉求已提交', '诉求已提交', 'zh-CN', :r, :c, false, now() FROM users WHERE company_id = :c AND id <> :u RETURNING id, user_id)
  INSERT INTO push_deliveries (notification_id, device_id, token, platform, provider, kind, title, body, status, next_attempt_at, expires_at, created_at, updated_at) SELECT n.id, d.id, d.token, d.platform, d.provider, 'REQUEST_RAISED', '诉求已提交', '诉求已提交', 'PENDING', now(), now() + INTERVAL '1 day', now(), now() FROM n JOIN devices d ON d.user_id = n.user_id;
COMMIT;
SELECT * FROM categories WHERE id = :cat;
SELECT * FROM companies WHERE id = :c;
SELECT * FROM users WHERE id IN (:officer, :u);
SELECT * FROM request_tasks WHERE request_id = :r ORDER BY id;
SELECT * FROM request_events WHERE request_id = :r ORDER BY id;
