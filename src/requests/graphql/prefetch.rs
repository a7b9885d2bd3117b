//! Reading ahead for a page of requests (or one request): what the selection will ask of each
//! request (category, company, officer, who raised it, tasks and their departments, the
//! timeline and who acted in it) is read for all of them in one blocking call, through the
//! loaders' own batch functions, and kept for the request's resolvers (`graphql::loaders`).
//! Without it the home screen took three trips after the page, each after the DataLoader's
//! wait: categories, officers, tasks and events; then departments and the events' actors.
//! Fields the look-ahead does not name (behind a fragment on an interface, say) still resolve
//! through the loaders.

use async_graphql::{Context, Lookahead};

use crate::auth::model::User;
use crate::companies::model::Company;
use crate::departments::model::Department;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{batch_fn, Prefetch};
use crate::ids::{CompanyId, DepartmentId, RequestId, UserId};
use crate::requests::model::{Category, Event, Request, Task};

/// What a selection of `Request` fields will load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Wants {
    category: bool,
    company: bool,
    officer: bool,
    raised_by: bool,
    tasks: bool,
    task_departments: bool,
    events: bool,
    event_actors: bool,
}

impl Wants {
    /// What the selection of one `Request` (a `request(id)` field, or a connection's node) asks.
    pub(super) fn of_request(node: Lookahead<'_>) -> Wants {
        let tasks = node.field("tasks");
        let events = [node.field("lastEvent"), node.field("timeline")];
        Wants {
            category: node.field("category").exists(),
            company: node.field("company").exists(),
            officer: node.field("officer").exists(),
            raised_by: node.field("raisedBy").exists(),
            tasks: tasks.exists(),
            task_departments: tasks.field("department").exists(),
            events: events.iter().any(Lookahead::exists),
            // An event's text and details hide the actor's name from company staff by role,
            // so they read the actor too.
            event_actors: events.iter().any(|e| {
                ["actor", "actorRole", "text", "details"]
                    .iter()
                    .any(|f| e.field(f).exists())
            }),
        }
    }

    /// What a connection of requests asks of each node.
    pub(super) fn of_page(connection: Lookahead<'_>) -> Wants {
        Wants::of_request(connection.field("edges").field("node"))
    }

    fn nothing(&self) -> bool {
        *self == Wants::default()
    }
}

/// Reads what `wants` names for `requests` in one blocking call and keeps it for the resolvers.
pub(super) async fn read_ahead(ctx: &Context<'_>, requests: &[Request], wants: Wants) -> AppResult<()> {
    if requests.is_empty() || wants.nothing() {
        return Ok(());
    }
    let categories = wants.category.then(|| batch_fn::<i64, Category>(ctx));
    let companies = wants.company.then(|| batch_fn::<CompanyId, Company>(ctx));
    let tasks = wants.tasks.then(|| batch_fn::<RequestId, Vec<Task>>(ctx));
    let departments = wants
        .task_departments
        .then(|| batch_fn::<DepartmentId, Department>(ctx));
    let events = wants.events.then(|| batch_fn::<RequestId, Vec<Event>>(ctx));
    let users = (wants.officer || wants.raised_by || wants.event_actors).then(|| batch_fn::<UserId, User>(ctx));

    let request_ids: Vec<RequestId> = requests.iter().map(|r| r.id).collect();
    let category_ids: Vec<i64> = requests.iter().map(|r| r.category_id).collect();
    let company_ids: Vec<CompanyId> = requests.iter().map(|r| r.company_id).collect();
    let mut user_ids: Vec<UserId> = Vec::new();
    if wants.officer {
        user_ids.extend(requests.iter().filter_map(|r| r.officer_id));
    }
    if wants.raised_by {
        user_ids.extend(requests.iter().map(|r| r.raised_by));
    }
    let event_actors = wants.event_actors;
    let prefetch = ctx
        .state()
        .db
        .read(move |conn| {
            let mut prefetch = Prefetch::new();
            if let Some(fetch) = &categories {
                prefetch.fetch(conn, fetch, category_ids)?;
            }
            if let Some(fetch) = &companies {
                prefetch.fetch(conn, fetch, company_ids)?;
            }
            if let Some(fetch) = &tasks {
                let rows = prefetch.fetch(conn, fetch, request_ids.clone())?;
                if let Some(fetch) = &departments {
                    let ids = rows
                        .iter()
                        .flat_map(|(_, tasks)| tasks.iter().filter_map(|t| t.department_id))
                        .collect();
                    prefetch.fetch(conn, fetch, ids)?;
                }
            }
            if let Some(fetch) = &events {
                let rows = prefetch.fetch(conn, fetch, request_ids)?;
                if event_actors {
                    user_ids.extend(
                        rows.iter()
                            .flat_map(|(_, events)| events.iter().filter_map(|e| e.actor_id)),
                    );
                }
            }
            if let Some(fetch) = &users {
                prefetch.fetch(conn, fetch, user_ids)?;
            }
            Ok(prefetch)
        })
        .await?;
    prefetch.keep(ctx);
    Ok(())
}
