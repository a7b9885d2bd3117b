//! What a repeated request or task step answers: the rows its first run answered, read again
//! (`db::idempotency`).

use super::*;
use crate::db::Replay;

fn request(conn: &mut DbConnection, id: RequestId) -> AppResult<Request> {
    repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(RequestsReason::REQUEST_NOT_FOUND))
}

fn task(conn: &mut DbConnection, id: TaskId) -> AppResult<Task> {
    repo::find_task(conn, id)?.ok_or_else(|| AppError::not_found(RequestsReason::TASK_NOT_FOUND))
}

impl Replay for Request {
    type Ref = RequestId;

    fn reference(&self) -> RequestId {
        self.id
    }

    fn replay(conn: &mut DbConnection, id: RequestId) -> AppResult<Request> {
        request(conn, id)
    }
}

/// A task step's task and request.
impl Replay for (Task, Request) {
    type Ref = (TaskId, RequestId);

    fn reference(&self) -> (TaskId, RequestId) {
        (self.0.id, self.1.id)
    }

    fn replay(conn: &mut DbConnection, (task_id, request_id): (TaskId, RequestId)) -> AppResult<Self> {
        Ok((task(conn, task_id)?, request(conn, request_id)?))
    }
}

/// A dispatch's request and the tasks it created.
impl Replay for (Request, Vec<Task>) {
    type Ref = (RequestId, Vec<TaskId>);

    fn reference(&self) -> (RequestId, Vec<TaskId>) {
        (self.0.id, self.1.iter().map(|t| t.id).collect())
    }

    fn replay(conn: &mut DbConnection, (request_id, task_ids): (RequestId, Vec<TaskId>)) -> AppResult<Self> {
        let tasks = task_ids
            .into_iter()
            .map(|id| task(conn, id))
            .collect::<AppResult<Vec<_>>>()?;
        Ok((request(conn, request_id)?, tasks))
    }
}
