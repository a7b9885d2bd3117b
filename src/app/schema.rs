//! The schema: each domain contributes its query, mutation and subscription objects and its
//! DataLoaders, merged here.

use async_graphql::{MergedObject, MergedSubscription, Schema};

use crate::attachments::graphql::{AttachmentMutation, AttachmentQuery};
use crate::audit::graphql::AuditQuery;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::companies::graphql::{CompanyMutation, CompanyQuery};
use crate::departments::graphql::{DepartmentMutation, DepartmentQuery};
use crate::evaluations::graphql::{EvaluationMutation, EvaluationQuery};
use crate::graphql::loaders::{self, Registration};
use crate::graphql::{errors, limits, validation};
use crate::notices::graphql::{NoticeMutation, NoticeQuery};
use crate::notifications::graphql::{NotificationMutation, NotificationQuery, NotificationSubscription};
use crate::notifications::sms::graphql::{SmsMutation, SmsQuery};
use crate::policies::graphql::{PolicyMutation, PolicyQuery};
use crate::privacy::graphql::{PrivacyMutation, PrivacyQuery};
use crate::projects::graphql::{ProjectMutation, ProjectQuery};
use crate::requests::callbacks::graphql::{CallbackMutation, CallbackQuery};
use crate::requests::graphql::{
    RequestMutation, RequestQuery, RequestSubscription, SupervisionMutation, SupervisionQuery,
};
use crate::requests::zone_issues::graphql::{ZoneIssueMutation, ZoneIssueQuery};
use crate::sla::graphql::{SlaMutation, SlaQuery};
use crate::state::AppState;
use crate::stats::graphql::StatsQuery;
use crate::users::graphql::{UsersMutation, UsersQuery};
use crate::visits::graphql::{VisitMutation, VisitQuery};

/// Everything that can be read.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    AuthQuery,
    UsersQuery,
    CompanyQuery,
    DepartmentQuery,
    NotificationQuery,
    SmsQuery,
    RequestQuery,
    AttachmentQuery,
    SlaQuery,
    SupervisionQuery,
    EvaluationQuery,
    AuditQuery,
    StatsQuery,
    VisitQuery,
    PrivacyQuery,
    super::texts::TextsQuery,
    ProjectQuery,
    PolicyQuery,
    NoticeQuery,
    ZoneIssueQuery,
    CallbackQuery,
    crate::requests::graphql::SimilarQuery,
    crate::knowledge::graphql::KnowledgeQuery,
);

/// Everything that can be changed.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    AuthMutation,
    UsersMutation,
    CompanyMutation,
    DepartmentMutation,
    NotificationMutation,
    SmsMutation,
    RequestMutation,
    AttachmentMutation,
    SlaMutation,
    SupervisionMutation,
    EvaluationMutation,
    VisitMutation,
    PrivacyMutation,
    ProjectMutation,
    PolicyMutation,
    NoticeMutation,
    ZoneIssueMutation,
    CallbackMutation,
    crate::knowledge::graphql::KnowledgeMutation,
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
        .extension(validation::DocumentLimits)
        .extension(crate::graphql::restriction::Restrictions);
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL committed as `schema.graphql`, with each scalar's `@specifiedBy` URL.
pub fn sdl() -> String {
    build_schema(None).sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// Every domain's loader registration (see `graphql::loaders`).
const LOADERS: &[Registration] = &[
    crate::auth::graphql::register_loaders,
    crate::companies::graphql::register_loaders,
    crate::departments::graphql::register_loaders,
    crate::evaluations::graphql::register_loaders,
    crate::notifications::graphql::register_loaders,
    crate::requests::graphql::register_loaders,
];

/// Adds the DataLoaders of every domain to a request's (or a websocket session's) data.
pub fn register_loaders(state: &AppState, data: &mut async_graphql::Data) {
    static REGISTRY: std::sync::OnceLock<std::sync::Arc<loaders::Registry>> = std::sync::OnceLock::new();
    let registry = REGISTRY.get_or_init(|| std::sync::Arc::new(loaders::Registry::new(LOADERS)));
    loaders::install(registry, &state.db, data);
}
