//! Photos and documents on a request or one of its events: uploaded with the GraphQL multipart
//! request spec, checked by size and by their actual bytes, stored under a configured directory,
//! and served only to those who may see the request.

pub mod errors;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod service;
pub mod storage;
