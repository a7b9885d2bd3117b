//! The GraphQL face of requests: node types, queries, mutations, subscriptions, and the time
//! limits as the apps see them.

mod loaders;
mod mutations;
mod nodes;
mod queries;
mod subscriptions;
mod time_limits;

pub use loaders::{register_loaders, CategoryLoader, EventsLoader, TasksLoader};
pub use mutations::RequestMutation;
pub use mutations::RequestPayload;
pub use nodes::{CategoryNode, EventNode, RequestConnection, RequestNode, TaskNode};
pub use queries::RequestQuery;
pub use subscriptions::RequestSubscription;
pub use time_limits::{ExtensionNode, SlaStatus, SupervisionMutation, SupervisionQuery};
