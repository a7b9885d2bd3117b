DROP INDEX login_throttles_updated_idx;
DROP INDEX refresh_tokens_expires_idx;
DROP INDEX sms_deliveries_updated_idx;
DROP INDEX push_deliveries_updated_idx;
DROP INDEX notifications_read_at_idx;
DROP TABLE personal_data_erasures;
