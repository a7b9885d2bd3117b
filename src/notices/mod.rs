//! Notices to the zone (通知公告): policy notices, outage warnings, meetings, sent by admins to
//! all companies or a filtered set, with read receipts per company and a reminder to companies
//! that have not read an important one (`worker::run_once`). docs/policies.md.

pub mod errors;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod service;
pub mod worker;
