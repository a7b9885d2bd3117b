//! Notifications: the inbox (the source of truth), devices, and the push outbox delivered through
//! Firebase Cloud Messaging's HTTP v1 API by a background worker, and the SMS outbox for the
//! critical kinds (`sms`).

pub mod errors;
pub mod graphql;
pub mod model;
pub mod push;
pub mod quiet;
pub mod repo;
pub mod service;
pub mod sms;
pub mod texts;
pub mod worker;
