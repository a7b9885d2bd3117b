//! Zone issues (一事多企): one problem raised by several companies, handled once. An officer or
//! admin links the requests; one of them, the carrier, holds the department tasks, the plan and
//! the time limit, and every shared step on it is copied, as a public event, onto the other
//! members (`follow`), whose companies are told in their own language. Each member keeps its
//! company, confirmation and reopening. The rules are in `requests::service::zone_issues`;
//! docs/zone-issues.md explains them for operators and app teams.

pub mod errors;
pub mod follow;
pub mod graphql;
pub mod model;
pub mod repo;
