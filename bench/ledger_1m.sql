-- Bulk data for timing the ledger on PostgreSQL: 2,000 companies, 100 officers, 20
-- departments, 1,000,000 requests over the year before 2026-11-23 and 450,000 department
-- tasks. Run after `zhitong migrate` and `zhitong create-admin` on an empty database:
--   psql -h 127.0.0.1 -U postgres -d zhitong_stats -f bench/ledger_1m.sql
-- Times and outcomes follow fixed patterns of the row number, so the figures repeat.

BEGIN;

INSERT INTO users (role, phone, name, password_hash, must_change_password, created_at, updated_at)
SELECT 'OFFICER', '139' || lpad(n::text, 8, '0'), '专员' || n, 'x', FALSE, '2025-11-01', '2025-11-01'
FROM generate_series(1, 100) AS n;

INSERT INTO departments (name, description, created_at, updated_at)
SELECT '部门' || n, '', '2025-11-01', '2025-11-01' FROM generate_series(1, 20) AS n;

INSERT INTO companies (name, credit_code, industry, address, key_enterprise, created_at, updated_at)
SELECT '企业' || n || '有限公司', 'BENCH' || lpad(n::text, 13, '0'), '制造业', '', n % 7 = 0, '2025-11-01', '2025-11-01'
FROM generate_series(1, 2000) AS n;

-- Every company but the last 20 has an officer.
INSERT INTO officer_assignments (company_id, officer_id, reason, started_at)
SELECT c.id, o.id, 'bench', '2025-11-01'
FROM companies c
JOIN users o ON o.role = 'OFFICER' AND o.phone = '139' || lpad((1 + (c.id % 100))::text, 8, '0')
WHERE c.id <= 1980;

CREATE TEMP TABLE bench_requests AS
SELECT n,
       1 + (n % 1980) AS company_id,
       TIMESTAMP '2025-11-23 00:00:00' + (n * INTERVAL '31.536 seconds') AS created_at,
       CASE n % 20
           WHEN 0 THEN 'SUBMITTED' WHEN 1 THEN 'ACCEPTED' WHEN 2 THEN 'DISPATCHED' WHEN 3 THEN 'IN_PROGRESS'
           WHEN 4 THEN 'IN_PROGRESS' WHEN 5 THEN 'RESOLVED' WHEN 6 THEN 'REJECTED' WHEN 7 THEN 'WITHDRAWN'
           WHEN 8 THEN 'UNRESOLVABLE' WHEN 9 THEN 'REOPENED' ELSE 'CLOSED' END AS status,
       (ARRAY['CONSULTATION', 'PROBLEM', 'PROBLEM', 'SUGGESTION', 'COMPLAINT'])[1 + n % 5] AS kind,
       (ARRAY['APP', 'APP', 'HOTLINE', 'VISIT', 'GROUP_CHAT', 'OTHER'])[1 + n % 6] AS channel
FROM generate_series(1, 1000000) AS n;

INSERT INTO requests (number, company_id, raised_by, channel, kind, category_id, urgency, title, description,
                      officer_id, status, solved, satisfied, no_feedback, feedback_at, resolved_at, closed_at,
                      created_at, updated_at, first_replied_at, overdue_at)
SELECT 'QY-B-' || lpad(b.n::text, 7, '0'),
       b.company_id,
       a.officer_id,
       b.channel,
       b.kind,
       1 + b.n % 12,
       CASE WHEN b.n % 11 = 0 THEN 'URGENT' ELSE 'NORMAL' END,
       '诉求标题，含逗号 ' || b.n,
       '诉求内容第一行' || E'\n' || '第二行 "引号" ' || b.n,
       a.officer_id,
       b.status,
       CASE WHEN b.status IN ('CLOSED', 'REOPENED') THEN b.status = 'CLOSED' END,
       CASE WHEN b.status = 'CLOSED' AND b.n % 7 <> 0 THEN b.n % 10 <> 0
            WHEN b.status = 'REOPENED' THEN FALSE END,
       b.status = 'CLOSED' AND b.n % 7 = 0,
       CASE WHEN (b.status = 'CLOSED' AND b.n % 7 <> 0) OR b.status = 'REOPENED'
            THEN b.created_at + ((b.n % 400000) * INTERVAL '1 second') + INTERVAL '1 day' END,
       CASE WHEN b.status IN ('RESOLVED', 'CLOSED') THEN b.created_at + ((b.n % 400000) * INTERVAL '1 second') END,
       CASE WHEN b.status = 'CLOSED' THEN b.created_at + ((b.n % 400000) * INTERVAL '1 second') + INTERVAL '1 day' END,
       b.created_at,
       b.created_at,
       CASE WHEN b.status NOT IN ('SUBMITTED', 'REJECTED', 'WITHDRAWN')
            THEN b.created_at + ((b.n % 7200) * INTERVAL '1 second') END,
       CASE WHEN b.n % 9 = 0 THEN b.created_at + INTERVAL '1 day' END
FROM bench_requests b
JOIN officer_assignments a ON a.company_id = b.company_id AND a.ended_at IS NULL;

-- One task for every other request that reached a department.
INSERT INTO request_tasks (request_id, department_id, lead, status, created_at, updated_at, replied_at, overdue_at)
SELECT r.id,
       (SELECT min(id) FROM departments) + r.id % 20,
       TRUE,
       CASE WHEN r.status IN ('RESOLVED', 'CLOSED') THEN 'DONE'
            WHEN r.id % 13 = 0 THEN 'TRANSFERRED'
            WHEN r.status = 'DISPATCHED' THEN 'DISPATCHED' ELSE 'PLANNED' END,
       r.created_at + INTERVAL '1 hour',
       r.created_at + INTERVAL '1 hour' + ((r.id % 300000) * INTERVAL '1 second'),
       CASE WHEN r.status <> 'DISPATCHED' THEN r.created_at + INTERVAL '1 hour' + ((r.id % 200000) * INTERVAL '1 second') END,
       CASE WHEN r.id % 17 = 0 THEN r.created_at + INTERVAL '4 days' END
FROM requests r
WHERE r.status IN ('DISPATCHED', 'IN_PROGRESS', 'RESOLVED', 'CLOSED', 'REOPENED') AND r.id % 2 = 0
   OR r.status IN ('DISPATCHED', 'IN_PROGRESS', 'REOPENED');

COMMIT;

VACUUM ANALYZE;
