DROP TABLE sla_policies;
