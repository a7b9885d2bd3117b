//! The zone's time-limit configuration: the working-day calendar (holidays and make-up working
//! days) and the policies that set each kind of request's limits, with the working-time
//! arithmetic that turns a policy into due times. It knows nothing of requests: stamping,
//! pausing, extending and sweeping the limits of requests is `requests::time_limits`.

pub mod calendar;
pub mod errors;
pub mod graphql;
pub mod limits;
pub mod model;
pub mod repo;
pub mod service;
