//! The request state machine in one place: for each step, who may take it, from which states,
//! and where it leads. The service asks `check` before every change, and `docs/requests.md` is
//! generated from the same tables (`markdown`), so the rules and their documentation agree.

use super::model::{RequestStatus, TaskStatus};
use crate::error::{AppError, AppResult};
use crate::requests::errors::RequestsReason;

use RequestStatus::*;

/// One step a person (or the system) can take on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Accept,
    Reject,
    Answer,
    Dispatch,
    Claim,
    Sign,
    Return,
    Transfer,
    Plan,
    Complete,
    Note,
    Resolve,
    MarkUnresolvable,
    Confirm,
    Withdraw,
    Urge,
    AutoClose,
    AskCompany,
    AnswerCompanyQuestion,
}

/// Who may take a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The request's officer (recorded at raise time, or the company's officer now) or an admin.
    Handler,
    /// Staff of the department that holds the task.
    TaskDepartment,
    /// Staff of any department (claiming from the pool).
    AnyDepartment,
    /// The request's officer, an admin, or staff of a department holding an active task on it.
    HandlerOrTaskHolder,
    /// Staff of the request's company.
    Company,
    /// Staff of the request's company, or an admin supervising it.
    CompanyOrAdmin,
    /// Anyone who may see the request (company staff only publicly).
    Viewer,
    /// The auto-close worker.
    System,
}

/// Where a step leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    To(RequestStatus),
    Unchanged,
    /// `DISPATCHED` or `REOPENED` move to `IN_PROGRESS`; other states stay.
    Starts,
    /// `ACCEPTED` or `REOPENED` move to `DISPATCHED`; other states stay.
    Dispatches,
    /// `ACCEPTED` when no active lead task remains, otherwise unchanged.
    BackToOfficerWithoutLead,
    /// `RESOLVED` when every active lead task is done, otherwise `IN_PROGRESS`.
    ResolvesWhenLeadsDone,
    /// `CLOSED` when solved and satisfied, otherwise `REOPENED` (重办).
    ClosesOrReopens,
}

pub struct Step {
    pub action: Action,
    pub mutation: &'static str,
    pub by: Party,
    pub from: &'static [RequestStatus],
    pub outcome: Outcome,
    /// For task steps: the task states it applies to and the task state it leaves.
    pub task: Option<(&'static [TaskStatus], TaskStatus)>,
}

const OPEN: &[RequestStatus] = &[Submitted, Accepted, Dispatched, InProgress, Reopened];
const HANDLING: &[RequestStatus] = &[Dispatched, InProgress, Reopened];

pub const STEPS: &[Step] = &[
    Step {
        action: Action::Accept,
        mutation: "acceptRequest",
        by: Party::Handler,
        from: &[Submitted],
        outcome: Outcome::To(Accepted),
        task: None,
    },
    Step {
        action: Action::Reject,
        mutation: "rejectRequest",
        by: Party::Handler,
        from: &[Submitted, Accepted],
        outcome: Outcome::To(Rejected),
        task: None,
    },
    Step {
        action: Action::Answer,
        mutation: "answerRequest",
        by: Party::Handler,
        from: &[Accepted, Reopened],
        outcome: Outcome::To(Resolved),
        task: None,
    },
    Step {
        action: Action::Dispatch,
        mutation: "dispatchRequest",
        by: Party::Handler,
        from: &[Accepted, Dispatched, InProgress, Reopened],
        outcome: Outcome::Dispatches,
        task: None,
    },
    Step {
        action: Action::Claim,
        mutation: "claimTask",
        by: Party::AnyDepartment,
        from: HANDLING,
        outcome: Outcome::Starts,
        task: Some((&[TaskStatus::Pooled], TaskStatus::Signed)),
    },
    Step {
        action: Action::Sign,
        mutation: "signTask",
        by: Party::TaskDepartment,
        from: HANDLING,
        outcome: Outcome::Starts,
        task: Some((&[TaskStatus::Dispatched], TaskStatus::Signed)),
    },
    Step {
        action: Action::Return,
        mutation: "returnTask",
        by: Party::TaskDepartment,
        from: HANDLING,
        outcome: Outcome::BackToOfficerWithoutLead,
        task: Some((&[TaskStatus::Dispatched, TaskStatus::Signed], TaskStatus::Returned)),
    },
    Step {
        action: Action::Transfer,
        mutation: "transferTask",
        by: Party::TaskDepartment,
        from: HANDLING,
        outcome: Outcome::Unchanged,
        task: Some((
            &[TaskStatus::Dispatched, TaskStatus::Signed, TaskStatus::Planned],
            TaskStatus::Transferred,
        )),
    },
    Step {
        action: Action::Plan,
        mutation: "submitPlan",
        by: Party::TaskDepartment,
        from: HANDLING,
        outcome: Outcome::Starts,
        task: Some((&[TaskStatus::Signed, TaskStatus::Planned], TaskStatus::Planned)),
    },
    Step {
        action: Action::Complete,
        mutation: "completeTask",
        by: Party::TaskDepartment,
        from: &[InProgress, Reopened],
        outcome: Outcome::ResolvesWhenLeadsDone,
        task: Some((&[TaskStatus::Planned], TaskStatus::Done)),
    },
    Step {
        action: Action::Note,
        mutation: "addProgressNote",
        by: Party::Viewer,
        from: &[Submitted, Accepted, Dispatched, InProgress, Resolved, Reopened],
        outcome: Outcome::Unchanged,
        task: None,
    },
    Step {
        action: Action::Resolve,
        mutation: "resolveRequest",
        by: Party::Handler,
        from: &[Accepted, Dispatched, InProgress, Reopened],
        outcome: Outcome::To(Resolved),
        task: None,
    },
    Step {
        action: Action::MarkUnresolvable,
        mutation: "markUnresolvable",
        by: Party::Handler,
        from: OPEN,
        outcome: Outcome::To(Unresolvable),
        task: None,
    },
    Step {
        action: Action::Confirm,
        mutation: "confirmResolution",
        by: Party::Company,
        from: &[Resolved],
        outcome: Outcome::ClosesOrReopens,
        task: None,
    },
    Step {
        action: Action::Withdraw,
        mutation: "withdrawRequest",
        by: Party::Company,
        from: OPEN,
        outcome: Outcome::To(Withdrawn),
        task: None,
    },
    Step {
        action: Action::Urge,
        mutation: "urgeRequest",
        by: Party::CompanyOrAdmin,
        from: OPEN,
        outcome: Outcome::Unchanged,
        task: None,
    },
    Step {
        action: Action::AskCompany,
        mutation: "requestInformation",
        by: Party::HandlerOrTaskHolder,
        from: &[Accepted, Dispatched, InProgress, Reopened],
        outcome: Outcome::Unchanged,
        task: None,
    },
    Step {
        action: Action::AnswerCompanyQuestion,
        mutation: "provideInformation",
        by: Party::Company,
        from: &[Accepted, Dispatched, InProgress, Reopened],
        outcome: Outcome::Unchanged,
        task: None,
    },
    Step {
        action: Action::AutoClose,
        mutation: "auto-close worker (7 days after RESOLVED)",
        by: Party::System,
        from: &[Resolved],
        outcome: Outcome::To(Closed),
        task: None,
    },
];

pub fn step(action: Action) -> &'static Step {
    STEPS
        .iter()
        .find(|s| s.action == action)
        .expect("every action has a step")
}

/// Whether `action` may be taken on a request in `status`.
pub fn check(status: RequestStatus, action: Action) -> AppResult<&'static Step> {
    let step = step(action);
    if step.from.contains(&status) {
        Ok(step)
    } else {
        Err(AppError::bad_input(RequestsReason::INVALID_TRANSITION)
            .arg("action", step.mutation)
            .arg("status", status))
    }
}

/// Whether a task step may be taken on a task in `status`; returns the task's next state.
pub fn check_task(status: TaskStatus, action: Action) -> AppResult<TaskStatus> {
    let step = step(action);
    match step.task {
        Some((from, to)) if from.contains(&status) => Ok(to),
        _ => Err(AppError::bad_input(RequestsReason::TASK_INVALID_TRANSITION)
            .arg("action", step.mutation)
            .arg("status", status)
            .reported_as(RequestsReason::INVALID_TRANSITION)),
    }
}

/// The request's next state after a step whose outcome does not depend on other tasks.
pub fn next_status(status: RequestStatus, outcome: Outcome) -> RequestStatus {
    match outcome {
        Outcome::To(next) => next,
        Outcome::Starts if matches!(status, Dispatched | Reopened) => InProgress,
        Outcome::Dispatches if matches!(status, Accepted | Reopened) => Dispatched,
        _ => status,
    }
}

fn party_text(party: Party) -> &'static str {
    match party {
        Party::Handler => "the request's officer, or an admin",
        Party::TaskDepartment => "staff of the task's department",
        Party::AnyDepartment => "staff of any department",
        Party::HandlerOrTaskHolder => "the request's officer, an admin, or staff of a department holding a task on it",
        Party::Company => "staff of the request's company",
        Party::CompanyOrAdmin => "staff of the request's company, or an admin (督办)",
        Party::Viewer => "anyone who may see the request (company staff: public notes only)",
        Party::System => "the system",
    }
}

fn outcome_text(outcome: Outcome) -> String {
    match outcome {
        Outcome::To(status) => format!("`{status}`"),
        Outcome::Unchanged => "unchanged".into(),
        Outcome::Starts => "`IN_PROGRESS` (from `DISPATCHED` or `REOPENED`), otherwise unchanged".into(),
        Outcome::Dispatches => "`DISPATCHED` (from `ACCEPTED` or `REOPENED`), otherwise unchanged".into(),
        Outcome::BackToOfficerWithoutLead => {
            "`ACCEPTED` when no active lead task remains (the officer re-dispatches), otherwise unchanged".into()
        }
        Outcome::ResolvesWhenLeadsDone => {
            "`RESOLVED` when every active lead task is `DONE`, otherwise `IN_PROGRESS`".into()
        }
        Outcome::ClosesOrReopens => "`CLOSED` when solved and satisfied, otherwise `REOPENED`".into(),
    }
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// The who-may-do-which-step-in-which-state table of `docs/requests.md`.
pub fn markdown() -> String {
    let mut out =
        String::from("| step | who | request states | task states | request becomes |\n|---|---|---|---|---|\n");
    for step in STEPS {
        let task = match step.task {
            Some((from, to)) => format!("{} → `{to}`", list(from)),
            None => "—".into(),
        };
        let name = if step.by == Party::System {
            step.mutation.to_string()
        } else {
            format!("`{}`", step.mutation)
        };
        out.push_str(&format!(
            "| {name} | {} | {} | {} | {} |\n",
            party_text(step.by),
            list(step.from),
            task,
            outcome_text(step.outcome)
        ));
    }
    out
}
