//! The ledger's numbers (台账统计): requests received and resolved over a date range by kind,
//! category, channel, status and month; resolution, satisfaction and on-time rates; first-reply
//! and resolution times; officers' and departments' performance; coverage. Every figure is one
//! aggregate SQL statement over both backends (percentiles branch per backend); on PostgreSQL the
//! figures of requests come from daily totals kept by triggers (`totals`).

pub mod errors;
pub mod export;
pub mod graphql;
pub mod repo;
pub mod service;
pub mod totals;
