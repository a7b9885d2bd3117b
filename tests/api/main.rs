//! Integration tests: each drives a real server over HTTP with the GraphQL documents a phone or
//! the explorer would send, on SQLite and (when configured) PostgreSQL.

mod fake_apns;
mod fake_fcm;
mod fake_huawei;
mod fake_oppo;
mod fake_push;
mod fake_vivo;
mod fake_xiaomi;
mod helpers;

mod accounts;
mod attachments;
mod audit;
mod authorization;
mod calendar;
mod crash_recovery;
mod evaluations;
mod first_run;
mod fuzz;
mod hardening_faults;
mod hardening_limits;
mod hardening_login;
mod hardening_logs;
mod hardening_shutdown;
mod hostile_input;
mod ledger_csv;
mod migrations;
mod notifications;
mod organisation;
mod process;
mod properties;
mod push_providers;
mod request_notifications;
mod requests;
mod requests_docs;
mod requests_live;
mod requests_operations;
mod requests_queries;
mod requests_rules;
mod requests_ws;
mod schema;
mod seed_demo;
mod stats;
mod time_limits;
mod visits;
