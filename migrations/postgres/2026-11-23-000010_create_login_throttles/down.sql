DROP INDEX login_throttles_locked_idx;
DROP TABLE login_throttles;
