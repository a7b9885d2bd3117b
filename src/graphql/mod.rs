//! The GraphQL plumbing every domain's resolvers use: the caller in the context, error codes,
//! opaque ids, document limits, pagination and the loader registry. The schema itself is
//! composed in `app::schema`.

pub mod context;
pub mod errors;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod pagination;
pub mod restriction;
pub mod scalars;
pub mod validation;
