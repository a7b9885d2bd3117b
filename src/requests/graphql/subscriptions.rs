//! Following requests live.

use async_graphql::{Context, Subscription, ID};
use futures_util::{Stream, StreamExt};

use crate::actor::Role;
use crate::db::shared::SharedReads;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::ids::{RequestId, UserId};
use crate::requests::service::{self};
use crate::state::AppState;

use super::nodes::*;

/// Whether a change should reach a subscriber, and the request as the subscriber may see it.
/// The subscriptions of one person that hear the same forwarding of a change (`seq`) share one
/// read.
pub(super) async fn visible_update(
    state: &AppState,
    user_id: UserId,
    request_id: RequestId,
    seq: u64,
) -> Option<async_graphql::Result<RequestNode>> {
    use futures_util::FutureExt;
    let read_state = state.clone();
    let read = move || async move { service::for_subscriber(&read_state, user_id, request_id).await }.boxed();
    let reads = state
        .shared_reads
        .get::<SharedReads<(UserId, RequestId, u64), Option<crate::requests::model::Request>>>();
    match reads.get((user_id, request_id, seq), read).await {
        Ok(Some(request)) => Some(Ok(RequestNode(request))),
        Ok(None) => None,
        Err(error) => Some(Err(error.into())),
    }
}

#[derive(Default)]
pub struct RequestSubscription;

#[Subscription]
impl RequestSubscription {
    /// The request as it is now, then again after each change (a step, a note, an urge), with
    /// the same visibility as the `request` query.
    async fn request_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RequestNode>>> {
        let actor = ctx.actor()?.clone();
        let state = ctx.state().clone();
        let id = ids::decode::<RequestId>(IdKind::Request, &id, "id")?;
        // Listen first, so no change between the snapshot and the subscription is lost.
        let changes = state.db.live().changes().await;
        let now = RequestNode(service::get(&state, &actor, id).await?);
        let user_id = actor.user_id;
        let later = changes
            .filter(move |(_, change)| futures_util::future::ready(change.request_id == id))
            .filter_map(move |(seq, change)| {
                let state = state.clone();
                async move { visible_update(&state, user_id, change.request_id, seq).await }
            });
        Ok(futures_util::stream::once(async move { Ok(now) }).chain(later))
    }

    /// Every change to a request the caller may see: their company's for company staff, those
    /// they handle for officers, those with their department's task for department staff, all
    /// for admins.
    async fn my_request_updates(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RequestNode>>> {
        let actor = ctx.actor()?.clone();
        let state = ctx.state().clone();
        let company_only = (actor.role == Role::Company).then_some(actor.company_id);
        let user_id = actor.user_id;
        Ok(state
            .db
            .live()
            .changes()
            .await
            .filter(move |(_, change)| {
                futures_util::future::ready(company_only.is_none_or(|own| own == Some(change.company_id)))
            })
            .filter_map(move |(seq, change)| {
                let state = state.clone();
                async move { visible_update(&state, user_id, change.request_id, seq).await }
            }))
    }
}
