//! Companies of the zone, their staff's principal, and the officer assigned to each (with history).

pub mod credit_code;
pub mod errors;
pub mod graphql;
pub mod model;
pub mod profile;
pub mod repo;
pub mod service;
