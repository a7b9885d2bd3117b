DROP INDEX sms_deliveries_phone_sent_idx;
DROP INDEX sms_deliveries_due_idx;
DROP TABLE sms_deliveries;
DROP TABLE sms_opt_outs;
DROP TABLE sms_kinds;
