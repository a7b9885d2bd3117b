//! The GraphQL face of requests: node types, queries, mutations, subscriptions, and the time
//! limits as the apps see them.

mod mutations;
mod nodes;
mod prefetch;
mod queries;
mod similar;
mod subscriptions;
mod time_limits;

pub use mutations::DispatchDepartmentInput;
pub use mutations::RequestMutation;
pub use mutations::RequestPayload;
pub use nodes::{CategoryNode, EventNode, RequestConnection, RequestNode, TaskNode};
pub use queries::RequestQuery;
pub use similar::{CallerInput, CallerNode, SimilarQuery, SimilarRequestNode};
pub use subscriptions::RequestSubscription;
pub use time_limits::{ExtensionNode, SlaStatus, SupervisionMutation, SupervisionQuery};

use crate::requests::model::{Category, Event, Task};
use crate::requests::repo;

/// This domain's DataLoaders, for the registry in `graphql::loaders`: categories by id, and the
/// tasks and the timeline of many requests, one query each.
pub fn register_loaders(loaders: &mut crate::graphql::loaders::Loaders) {
    loaders.by_key(repo::categories_by_ids, |c: &Category| c.id);
    loaders.grouped(repo::tasks_for_requests, |t: &Task| t.request_id);
    loaders.grouped(repo::events_for_requests, |e: &Event| e.request_id);
}
