//! Callbacks (回访): an officer or admin calls the company and records its answers (solved?
//! satisfied?) on its behalf. A request closed automatically without the company's answer in
//! the app is flagged for a callback. The rules are in `requests::service::callbacks`;
//! docs/zone-issues.md (section "Callbacks") explains them.

pub mod graphql;
pub mod model;
pub mod repo;
