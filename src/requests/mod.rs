//! Requests (诉求工单): intake, the lifecycle from raising to closing, dispatch to departments,
//! the timeline, and what each role sees.

pub mod callbacks;
pub mod categories;
pub mod errors;
pub mod events;
pub mod graphql;
pub mod labels;
pub mod lifecycle;
pub mod model;
pub mod notices;
pub mod repo;
pub mod service;
pub mod similar;
pub mod time_limits;
pub mod timeline;
pub mod worker;
pub mod zone_issues;
