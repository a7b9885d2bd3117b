//! The GraphQL schema: each domain contributes its query and mutation objects, merged here.

pub mod context;
pub mod errors;
pub mod ids;
pub mod limits;
pub mod pagination;
pub mod validation;

use async_graphql::{MergedObject, MergedSubscription, Schema};

use crate::attachments::graphql::{AttachmentMutation, AttachmentQuery};
use crate::audit::graphql::AuditQuery;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::companies::graphql::{CompanyMutation, CompanyQuery};
use crate::departments::graphql::{DepartmentMutation, DepartmentQuery};
use crate::evaluations::graphql::{EvaluationMutation, EvaluationQuery};
use crate::notifications::graphql::{NotificationMutation, NotificationQuery, NotificationSubscription};
use crate::requests::graphql::{RequestMutation, RequestQuery, RequestSubscription};
use crate::sla::graphql::{SlaMutation, SlaQuery, SupervisionMutation, SupervisionQuery};
use crate::state::AppState;
use crate::stats::graphql::StatsQuery;
use crate::visits::graphql::{VisitMutation, VisitQuery};

/// Everything that can be read.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    AuthQuery,
    CompanyQuery,
    DepartmentQuery,
    NotificationQuery,
    RequestQuery,
    AttachmentQuery,
    SlaQuery,
    SupervisionQuery,
    EvaluationQuery,
    AuditQuery,
    StatsQuery,
    VisitQuery,
);

/// Everything that can be changed.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    AuthMutation,
    CompanyMutation,
    DepartmentMutation,
    NotificationMutation,
    RequestMutation,
    AttachmentMutation,
    SlaMutation,
    SupervisionMutation,
    EvaluationMutation,
    VisitMutation,
);

/// Everything that can be followed live (over graphql-ws at `/graphql/ws`).
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(RequestSubscription, NotificationSubscription);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with its limits. `state` is absent only when printing the SDL.
pub fn build_schema(state: Option<AppState>) -> AppSchema {
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), Default::default())
        .limit_depth(limits::MAX_DEPTH)
        .limit_complexity(limits::MAX_COMPLEXITY)
        .limit_directives(limits::MAX_DIRECTIVES)
        .limit_recursive_depth(limits::MAX_RECURSIVE_DEPTH)
        .extension(errors::ErrorCodes)
        .extension(validation::DocumentLimits);
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL committed as `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
