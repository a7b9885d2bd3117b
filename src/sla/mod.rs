//! Time limits: the zone's working-day calendar (this module), and the working-time arithmetic
//! the request deadlines are computed with.

pub mod calendar;
pub mod deadlines;
pub mod extensions;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod service;
pub mod sweeper;
