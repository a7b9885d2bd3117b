DROP INDEX request_tasks_created_idx;
DROP INDEX requests_feedback_idx;
DROP INDEX requests_resolved_at_idx;
DROP INDEX requests_created_idx;
DROP TABLE visit_requests;
DROP TABLE visits;
DROP TABLE audit_log;
