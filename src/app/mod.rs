//! The application shell: builds the state, starts and stops the process, and serves HTTP.
//! It composes the domains (their GraphQL parts into one schema, their loaders into one
//! registry) and owns no rules of its own: every endpoint calls a domain's service.
//!
//! - `startup`: the state, migrations and the first administrator;
//! - `routes`: the route table, the request log and the health checks;
//! - `http`: what every endpoint shares (bearer authentication, the client address, errors
//!   shaped like GraphQL's, bounded bodies);
//! - `schema`: the merged schema and the domains' loader registrations;
//! - `graphql`: `POST /graphql` and the websocket;
//! - `explorer`: the GraphiQL page and its embedded assets;
//! - `attachments`, `ledger`, `personal_data`: the plain HTTP endpoints;
//! - `texts`: every table of reasons and labels, the `labels` query and the tables' test;
//! - `metrics`: `GET /metrics` for Prometheus on its own listener;
//! - `compression`: which answers are worth gzip or brotli.

pub mod attachments;
pub mod compression;
pub mod explorer;
pub mod graphql;
pub mod http;
pub mod ledger;
pub mod metrics;
pub mod personal_data;
pub mod routes;
pub mod schema;
pub mod startup;
pub mod texts;

pub use graphql::with_request_data;
pub use routes::start;
pub use startup::{build_state, prepare, Startup};
