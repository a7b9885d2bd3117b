//! Key projects from signing to production (重点项目全生命周期服务): the project and its squad
//! (a lead liaison and members among officers and department staff), the company's contacts,
//! the stages, the procedures handled on the company's behalf (代办) against their statutory
//! working days, the check-in rhythm and its sweeper, the zone leader of each key enterprise
//! (领导包联), and the boards. See docs/projects.md.

pub mod errors;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod service;
pub mod sweeper;
