//! Officers' visits to their companies (走访): when, whom they met, internal notes, and the
//! requests raised from problems found on site (channel VISIT); visit coverage for admins.

pub mod errors;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod service;
