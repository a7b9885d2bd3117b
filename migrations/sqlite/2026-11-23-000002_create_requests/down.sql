DROP TABLE request_events;
DROP TABLE request_tasks;
DROP TABLE requests;
DROP TABLE request_counters;
DROP TABLE categories;
