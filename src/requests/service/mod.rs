//! Rules for requests: who may raise, see and move them, checked against the state machine of
//! `lifecycle`, each change committed with its timeline event in one transaction. By operation:
//! `access` (who may see and do what), `apply` (how a step is written), `raise`, `steps` (the
//! request's own steps), `tasks` (department task steps) and `queries`.

use crate::requests::errors::RequestsReason;
use chrono::{Datelike, Duration, NaiveDateTime};
use chrono_tz::Tz;

use crate::actor::{Actor, Role};
use crate::companies::repo as companies_repo;
use crate::db::{DbConnection, Once, Page, PageRequest, Tx};
use crate::departments::repo as departments_repo;
use crate::error::{AppError, AppResult};
use crate::ids::{RequestId, TaskId};
use crate::requests::events::{self, Entry};
use crate::requests::lifecycle::{self, Action, Outcome, Party};
use crate::requests::model::{
    Channel, EventKind, NewRequest, NewTask, Request, RequestChanges, RequestKind, RequestStatus, Task, TaskChanges,
    TaskStatus, Urgency,
};
use crate::requests::repo::{self, Awaiting, RequestFilter, Scope};
use crate::requests::time_limits::deadlines;
use crate::requests::timeline::{EventDepartment, EventDetails};
use crate::state::AppState;
use crate::text::{multi_line, single_line, TextRule};

pub const MAX_TITLE_CHARS: usize = 100;
/// A request's title and the other one-line fields (a filing number, who is responsible).
pub(super) const TITLE: TextRule = single_line(MAX_TITLE_CHARS);
pub(super) const SHORT: TextRule = single_line(MAX_SHORT_CHARS);
/// Descriptions, answers, results: the long texts.
pub(super) const LONG: TextRule = multi_line(MAX_DESCRIPTION_CHARS);
/// Reasons, notes, questions, messages.
pub(super) const NOTE: TextRule = multi_line(MAX_TEXT_CHARS);
pub(super) const IDEMPOTENCY_KEY: TextRule = single_line(MAX_IDEMPOTENCY_KEY_CHARS);
pub const MAX_DESCRIPTION_CHARS: usize = 5_000;
pub const MAX_TEXT_CHARS: usize = 2_000;
pub const MAX_SHORT_CHARS: usize = 100;
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 100;
/// A request left RESOLVED this long without the company's confirmation closes by itself.
pub const AUTO_CLOSE_AFTER_DAYS: i64 = 7;

mod access;
mod apply;
mod badges;
mod callbacks;
mod queries;
mod raise;
mod replay;
mod steps;
mod tasks;
mod zone_issues;

use apply::*;

/// The idempotency key of one lifecycle step, named by its mutation in `lifecycle`'s table.
pub(super) fn once(
    actor: &Actor,
    key: Option<&str>,
    action: Action,
    arguments: &impl serde::Serialize,
) -> AppResult<Option<Once>> {
    Once::new(actor.user_id, key, lifecycle::step(action).mutation, arguments)
}

pub use access::*;
pub use badges::*;

pub use callbacks::*;
pub use queries::*;
pub use raise::*;
pub use steps::*;
pub use tasks::*;
pub use zone_issues::*;
