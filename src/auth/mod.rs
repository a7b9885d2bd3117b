//! Accounts: users and roles, passwords, access and refresh tokens.

pub mod cache;
pub mod errors;
pub mod graphql;
pub mod model;
pub mod password;
pub mod phone;
pub mod repo;
pub mod second_factor;
pub mod service;
pub mod throttle;
pub mod tokens;
