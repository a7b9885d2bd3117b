//! 直通 zhitong: the GraphQL server behind the app that connects a development zone's companies
//! with their service officers and the departments that act on their requests.

// The merged GraphQL schema's resolvers nest deeper than the default limit of 128.
#![recursion_limit = "256"]

pub mod actor;
pub mod app;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod cli;
pub mod clock;
pub mod companies;
pub mod config;
pub mod db;
pub mod demo;
pub mod departments;
pub mod error;
pub mod evaluations;
pub mod graphql;
pub mod i18n;
pub mod ids;
pub mod knowledge;
pub mod metrics;
pub mod notices;
pub mod notifications;
pub mod policies;
pub mod privacy;
pub mod projects;
pub mod requests;
pub mod search;
pub mod sla;
pub mod spreadsheet;
pub mod state;
pub mod stats;
pub mod text;
pub mod users;
pub mod visits;
pub mod workers;
