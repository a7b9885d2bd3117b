use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{award_eligibility, evaluation_periods, evaluation_roll, evaluation_votes, replacement_flags};
use crate::ids::{CompanyId, UserId};

crate::stored_enum!(
    /// A half of the year.
    EvaluationHalf {
        /// January to June.
        H1 => "H1",
        /// July to December.
        H2 => "H2",
    }
);

crate::stored_enum!(
    /// A principal's verdict on the company's officer: nothing in between.
    EvaluationVerdict {
        /// 满意.
        Satisfied => "SATISFIED",
        /// 不满意: a reason is required, and the officer is flagged for replacement.
        Unsatisfied => "UNSATISFIED",
    }
);

crate::stored_enum!(
    /// Why a company has no vote in a period.
    NonVoteReason {
        /// The company had no service officer to rate.
        NoOfficer => "NO_OFFICER",
        /// The company has no active principal, who alone may vote.
        NoPrincipal => "NO_PRINCIPAL",
        /// The principal did not vote.
        NotVoted => "NOT_VOTED",
    }
);

crate::stored_enum!(
    /// Where a replacement flag stands.
    ReplacementFlagStatus {
        /// The officer must be replaced at the company.
        Open => "OPEN",
        /// The company was reassigned through `replaceOfficer`.
        Resolved => "RESOLVED",
        /// The company changed its vote to SATISFIED before the period closed.
        Withdrawn => "WITHDRAWN",
    }
);

crate::stored_enum!(
    /// An officer's award eligibility (评优资格) for a year.
    EligibilityStatus {
        /// An UNSATISFIED vote put it under review; an admin has not decided yet.
        UnderReview => "UNDER_REVIEW",
        /// An admin found the officer eligible.
        Eligible => "ELIGIBLE",
        /// An admin found the officer not eligible.
        Ineligible => "INELIGIBLE",
    }
);

/// Whether a period takes votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum PeriodStatus {
    /// Opens by itself at `opensAt`.
    Scheduled,
    /// Takes votes until `closesAt` (or until an admin closes it).
    Open,
    /// Votes are frozen; the results are a fixed record.
    Closed,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evaluation_periods)]
pub struct Period {
    pub id: i64,
    pub year: i32,
    pub half: EvaluationHalf,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub opened_at: Option<NaiveDateTime>,
    pub reminder_sent_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
}

impl Period {
    pub fn status(&self) -> PeriodStatus {
        if self.closed_at.is_some() {
            PeriodStatus::Closed
        } else if self.opened_at.is_some() {
            PeriodStatus::Open
        } else {
            PeriodStatus::Scheduled
        }
    }

    /// `2026-H1`: how texts name the period.
    pub fn label(&self) -> String {
        format!("{}-{}", self.year, self.half)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = evaluation_periods)]
pub struct NewPeriod {
    pub year: i32,
    pub half: EvaluationHalf,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub opened_at: Option<NaiveDateTime>,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evaluation_votes)]
pub struct Vote {
    pub id: i64,
    pub period_id: i64,
    pub company_id: CompanyId,
    pub officer_id: UserId,
    pub voter_id: UserId,
    pub verdict: EvaluationVerdict,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = evaluation_votes)]
pub struct NewVote {
    pub period_id: i64,
    pub company_id: CompanyId,
    pub officer_id: UserId,
    pub voter_id: UserId,
    pub verdict: EvaluationVerdict,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One company's line in a period's results: its vote, or why it has none.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluation_roll)]
pub struct RollEntry {
    pub period_id: i64,
    pub company_id: CompanyId,
    pub officer_id: Option<UserId>,
    pub verdict: Option<EvaluationVerdict>,
    pub reason: Option<String>,
    pub absence: Option<NonVoteReason>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = replacement_flags)]
pub struct Flag {
    pub id: i64,
    pub period_id: i64,
    pub company_id: CompanyId,
    pub officer_id: UserId,
    pub status: ReplacementFlagStatus,
    pub reason: String,
    pub raised_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<UserId>,
    pub resolution_note: Option<String>,
    pub new_officer_id: Option<UserId>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = replacement_flags)]
pub struct NewFlag {
    pub period_id: i64,
    pub company_id: CompanyId,
    pub officer_id: UserId,
    pub status: ReplacementFlagStatus,
    pub reason: String,
    pub raised_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = award_eligibility)]
pub struct Eligibility {
    pub id: i64,
    pub officer_id: UserId,
    pub year: i32,
    pub status: EligibilityStatus,
    pub note: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl crate::audit::Audited for Period {
    const TARGET: &'static str = "evaluationPeriod";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "year": self.year, "half": self.half.as_str(), "opensAt": self.opens_at,
            "closesAt": self.closes_at, "openedAt": self.opened_at, "closedAt": self.closed_at,
        })
    }
}

impl crate::audit::Audited for Flag {
    const TARGET: &'static str = "replacementFlag";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "periodId": self.period_id, "companyId": self.company_id, "officerId": self.officer_id,
            "status": self.status.as_str(), "resolvedAt": self.resolved_at,
            "resolutionNote": self.resolution_note, "newOfficerId": self.new_officer_id,
        })
    }
}

impl crate::audit::Audited for Eligibility {
    const TARGET: &'static str = "awardEligibility";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "officerId": self.officer_id, "year": self.year, "status": self.status.as_str(),
            "note": self.note,
        })
    }
}
