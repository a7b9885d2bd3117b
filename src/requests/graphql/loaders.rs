//! The requests' DataLoaders: categories, tasks and events of many requests in one query each.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use crate::db::Db;
use crate::error::AppError;
use crate::ids::RequestId;
use crate::requests::model::{Category, Event, Task};
use crate::requests::repo::{self};

/// This domain's DataLoaders, for the registry in `graphql::loaders`.
pub fn register_loaders(loaders: &mut crate::graphql::loaders::Loaders<'_>) {
    loaders.add(CategoryLoader);
    loaders.add(TasksLoader);
    loaders.add(EventsLoader);
}

/// Batches category look-ups of one request into one query.
pub struct CategoryLoader(pub Db);

impl Loader<i64> for CategoryLoader {
    type Value = Category;
    type Error = AppError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Category>, AppError> {
        let keys = keys.to_vec();
        let rows = self.0.read(move |conn| repo::categories_by_ids(conn, &keys)).await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// Batches the tasks of a page of requests into one query.
pub struct TasksLoader(pub Db);

impl Loader<RequestId> for TasksLoader {
    type Value = Vec<Task>;
    type Error = AppError;

    async fn load(&self, keys: &[RequestId]) -> Result<HashMap<RequestId, Vec<Task>>, AppError> {
        let keys = keys.to_vec();
        let rows = self.0.read(move |conn| repo::tasks_for_requests(conn, &keys)).await?;
        let mut by_request: HashMap<RequestId, Vec<Task>> = HashMap::new();
        for task in rows {
            by_request.entry(task.request_id).or_default().push(task);
        }
        Ok(by_request)
    }
}

/// Batches the timelines of a page of requests into one query.
pub struct EventsLoader(pub Db);

impl Loader<RequestId> for EventsLoader {
    type Value = Vec<Event>;
    type Error = AppError;

    async fn load(&self, keys: &[RequestId]) -> Result<HashMap<RequestId, Vec<Event>>, AppError> {
        let keys = keys.to_vec();
        let rows = self.0.read(move |conn| repo::events_for_requests(conn, &keys)).await?;
        let mut by_request: HashMap<RequestId, Vec<Event>> = HashMap::new();
        for event in rows {
            by_request.entry(event.request_id).or_default().push(event);
        }
        Ok(by_request)
    }
}
