//! The time limits of requests and their department tasks: stamping due times from the zone's
//! policies (`deadlines`), extensions asked by departments (`extensions`), and the sweeper
//! that fires reminders, overdue marks and the supervision ladder (`sweeper`). The zone's
//! calendar and policies themselves are configuration, in `sla`.

pub mod deadlines;
pub mod extensions;
pub mod model;
pub mod repo;
pub mod sweeper;
