//! The administration of accounts (admins create users, link them to their company or
//! department, change roles, disable and re-enable them, reset passwords), and which accounts
//! each role may see. Logging in and tokens are `auth`'s.

pub mod errors;
pub mod graphql;
pub mod service;
