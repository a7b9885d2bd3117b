//! Handling departments (承办部门): urban management, power supply, water, education, …

pub mod errors;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod service;
