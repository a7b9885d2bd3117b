-- The database's own limit for the company home screen: the whole screen of one company as JSON
-- in ONE statement (the same 20 requests, newest first, with category, officer, tasks with their
-- departments, the last event, the total count and the page info), built by PostgreSQL with
-- json_build_object/json_agg. No token look-up, no access rules: what the database can do at best.
-- Variables come from the load driver (-D companies=…).
\set c random(1, :companies)
WITH page AS (
    SELECT * FROM requests WHERE company_id = :c ORDER BY id DESC LIMIT 21
), shown AS (
    SELECT * FROM page ORDER BY id DESC LIMIT 20
)
SELECT json_build_object(
    'totalCount', (SELECT count(*) FROM requests WHERE company_id = :c),
    'edges', COALESCE((
        SELECT json_agg(json_build_object(
            'cursor', r.id,
            'node', json_build_object(
                'id', r.id, 'number', r.number, 'status', r.status, 'kind', r.kind,
                'urgency', r.urgency, 'title', r.title,
                'category', json_build_object('id', c.id, 'name', c.name),
                'officer', CASE WHEN o.id IS NULL THEN NULL
                                ELSE json_build_object('id', o.id, 'name', o.name, 'phone', o.phone) END,
                'tasks', (
                    SELECT COALESCE(json_agg(json_build_object(
                        'id', t.id, 'lead', t.lead, 'status', t.status,
                        'department', CASE WHEN d.id IS NULL THEN NULL
                                           ELSE json_build_object('id', d.id, 'name', d.name) END
                    ) ORDER BY t.id), '[]'::json)
                    FROM request_tasks t LEFT JOIN departments d ON d.id = t.department_id
                    WHERE t.request_id = r.id),
                'lastEvent', (
                    SELECT json_build_object('kind', e.kind, 'text', e.text, 'at', e.created_at)
                    FROM request_events e WHERE e.request_id = r.id ORDER BY e.id DESC LIMIT 1),
                'version', r.version, 'updatedAt', r.updated_at)
        ) ORDER BY r.id DESC)
        FROM shown r
        JOIN categories c ON c.id = r.category_id
        LEFT JOIN users o ON o.id = r.officer_id), '[]'::json),
    'pageInfo', json_build_object(
        'hasNextPage', (SELECT count(*) > 20 FROM page),
        'endCursor', (SELECT min(id) FROM shown))
);
