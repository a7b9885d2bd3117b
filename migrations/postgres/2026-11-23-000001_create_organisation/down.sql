DROP TABLE refresh_tokens;
DROP TABLE officer_assignments;
DROP TABLE users;
DROP TABLE departments;
DROP TABLE companies;
