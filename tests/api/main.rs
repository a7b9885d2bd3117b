//! Integration tests: each drives a real server over HTTP with the GraphQL documents a phone or
//! the explorer would send, on SQLite and (when configured) PostgreSQL.

mod helpers;

mod accounts;
mod authorization;
mod first_run;
mod hostile_input;
mod organisation;
mod requests;
mod requests_docs;
mod requests_live;
mod requests_migrations;
mod requests_operations;
mod requests_queries;
mod requests_rules;
mod requests_ws;
mod schema;
