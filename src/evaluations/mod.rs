//! Twice-yearly officer evaluation (半年评价): periods, the principals' votes, replacement flags,
//! award eligibility, and the job that opens, reminds and closes periods on time.

pub mod errors;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod service;
pub mod worker;
