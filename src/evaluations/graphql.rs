//! The evaluation part of the schema. Resolvers decode ids and hand over to `service`.

use std::collections::BTreeMap;

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::{
    Eligibility, EligibilityStatus, EvaluationHalf, EvaluationVerdict, Flag, NonVoteReason, Period, PeriodStatus,
    ReplacementFlagStatus, RollEntry, Vote,
};
use super::repo;
use super::service::{self, CastVote, CurrentEvaluation, OfficerSummary, OpenPeriod, Results};
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::companies::graphql::{load_company, AssignmentNode, CompanyNode};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::loaders::load_one;
use crate::ids::UserId;

/// This domain's DataLoaders, for the registry in `graphql::loaders`.
pub fn register_loaders(loaders: &mut crate::graphql::loaders::Loaders) {
    loaders.by_key(repo::find_periods, |p: &Period| p.id);
}

/// A half-year evaluation period.
pub struct PeriodNode(pub Period);

/// A half-year evaluation period.
#[Object(name = "EvaluationPeriod")]
impl PeriodNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::EvaluationPeriod, self.0.id)
    }

    /// The year.
    async fn year(&self) -> i32 {
        self.0.year
    }

    /// The half of the year.
    async fn half(&self) -> EvaluationHalf {
        self.0.half
    }

    /// How texts name the period, such as `2026-H1`.
    async fn label(&self) -> String {
        self.0.label()
    }

    /// Scheduled, open or closed.
    async fn status(&self) -> PeriodStatus {
        self.0.status()
    }

    /// When voting opens (or opened).
    async fn opens_at(&self) -> DateTime<Utc> {
        to_utc(self.0.opens_at)
    }

    /// When voting closes by itself.
    async fn closes_at(&self) -> DateTime<Utc> {
        to_utc(self.0.closes_at)
    }

    /// When the period actually opened and the principals were told; null while scheduled.
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.opened_at.map(to_utc)
    }

    /// When the reminder went to principals who had not voted; null until then.
    async fn reminder_sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.reminder_sent_at.map(to_utc)
    }

    /// When votes were frozen; null while not closed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at.map(to_utc)
    }
}

/// A company's vote, as its own principal sees it.
pub struct VoteNode(pub Vote);

/// A company's vote, as its own principal sees it.
#[Object(name = "EvaluationVote")]
impl VoteNode {
    /// Satisfied or unsatisfied.
    async fn verdict(&self) -> EvaluationVerdict {
        self.0.verdict
    }

    /// Why (required for UNSATISFIED).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The officer rated.
    async fn officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.officer_id).await
    }

    /// When the vote was first cast.
    async fn cast_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }

    /// When the vote last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        to_utc(self.0.updated_at)
    }
}

/// The evaluation under way, for a company's principal.
pub struct CurrentEvaluationNode(pub CurrentEvaluation);

/// The evaluation under way, for a company's principal.
#[Object(name = "CurrentEvaluation")]
impl CurrentEvaluationNode {
    /// The open period.
    async fn period(&self) -> PeriodNode {
        PeriodNode(self.0.period.clone())
    }

    /// The company's officer now, on whom a vote is cast; null when it has none.
    async fn officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.officer_id {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The company's vote so far; null until cast.
    async fn my_vote(&self) -> Option<VoteNode> {
        self.0.vote.clone().map(VoteNode)
    }

    /// Until when the vote may be cast or changed.
    async fn closes_at(&self) -> DateTime<Utc> {
        to_utc(self.0.period.closes_at)
    }
}

/// One company's vote, in the admins' results.
pub struct CompanyVoteNode(pub RollEntry);

/// One company's vote, in the admins' results.
#[Object(name = "CompanyEvaluationVote")]
impl CompanyVoteNode {
    /// The company.
    async fn company(&self, ctx: &Context<'_>) -> AppResult<Option<CompanyNode>> {
        load_company(ctx, self.0.company_id).await
    }

    /// Its verdict.
    async fn verdict(&self) -> Option<EvaluationVerdict> {
        self.0.verdict
    }

    /// Its reason.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

/// A company without a vote, and why.
pub struct NonVotingNode(pub RollEntry);

/// A company without a vote, and why.
#[Object(name = "NonVotingCompany")]
impl NonVotingNode {
    /// The company.
    async fn company(&self, ctx: &Context<'_>) -> AppResult<Option<CompanyNode>> {
        load_company(ctx, self.0.company_id).await
    }

    /// Why it has no vote.
    async fn reason(&self) -> Option<NonVoteReason> {
        self.0.absence
    }
}

/// One officer's results in a period.
pub struct OfficerResultNode {
    officer_id: UserId,
    entries: Vec<RollEntry>,
}

impl OfficerResultNode {
    fn count(&self, verdict: EvaluationVerdict) -> i32 {
        self.entries.iter().filter(|e| e.verdict == Some(verdict)).count() as i32
    }
}

/// One officer's results in a period.
#[Object(name = "OfficerEvaluationResult")]
impl OfficerResultNode {
    /// The officer.
    async fn officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.officer_id).await
    }

    /// Companies the officer was rated by or served without a vote.
    async fn companies(&self) -> i32 {
        self.entries.len() as i32
    }

    /// SATISFIED votes.
    async fn satisfied(&self) -> i32 {
        self.count(EvaluationVerdict::Satisfied)
    }

    /// UNSATISFIED votes.
    async fn unsatisfied(&self) -> i32 {
        self.count(EvaluationVerdict::Unsatisfied)
    }

    /// Share of the companies that voted, from 0 to 1.
    async fn participation(&self) -> f64 {
        let voted = self.entries.iter().filter(|e| e.verdict.is_some()).count();
        voted as f64 / self.entries.len().max(1) as f64
    }

    /// Each company's vote (admins see everything).
    async fn votes(&self) -> Vec<CompanyVoteNode> {
        self.entries
            .iter()
            .filter(|e| e.verdict.is_some())
            .cloned()
            .map(CompanyVoteNode)
            .collect()
    }

    /// Companies that did not vote, with the reason.
    async fn non_voting_companies(&self) -> Vec<NonVotingNode> {
        self.entries
            .iter()
            .filter(|e| e.verdict.is_none())
            .cloned()
            .map(NonVotingNode)
            .collect()
    }
}

/// A period's results: a fixed record once closed, the standing so far while open.
pub struct ResultsNode(pub Results);

/// A period's results: a fixed record once closed, the standing so far while open.
#[Object(name = "EvaluationResults")]
impl ResultsNode {
    /// The period.
    async fn period(&self) -> PeriodNode {
        PeriodNode(self.0.period.clone())
    }

    /// True once the period closed and the results can no longer change.
    async fn final_(&self) -> bool {
        self.0.period.status() == PeriodStatus::Closed
    }

    /// Per officer, by officer id.
    async fn officers(&self) -> Vec<OfficerResultNode> {
        let mut by_officer: BTreeMap<UserId, Vec<RollEntry>> = BTreeMap::new();
        for entry in &self.0.entries {
            if let Some(officer_id) = entry.officer_id {
                by_officer.entry(officer_id).or_default().push(entry.clone());
            }
        }
        by_officer
            .into_iter()
            .map(|(officer_id, entries)| OfficerResultNode { officer_id, entries })
            .collect()
    }

    /// Companies that had no officer to rate.
    async fn companies_without_officer(&self) -> Vec<NonVotingNode> {
        self.0
            .entries
            .iter()
            .filter(|e| e.officer_id.is_none())
            .cloned()
            .map(NonVotingNode)
            .collect()
    }
}

/// A replacement flag: an UNSATISFIED vote asks for the officer to be replaced at the company.
pub struct FlagNode(pub Flag);

/// A replacement flag: an UNSATISFIED vote asks for the officer to be replaced at the company.
#[Object(name = "ReplacementFlag")]
impl FlagNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::ReplacementFlag, self.0.id)
    }

    /// The period of the vote.
    async fn period(&self, ctx: &Context<'_>) -> AppResult<Option<PeriodNode>> {
        Ok(load_one::<i64, Period>(ctx, self.0.period_id).await?.map(PeriodNode))
    }

    /// The company.
    async fn company(&self, ctx: &Context<'_>) -> AppResult<Option<CompanyNode>> {
        load_company(ctx, self.0.company_id).await
    }

    /// The officer to replace (whose account may since have been disabled).
    async fn officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.officer_id).await
    }

    /// Open, resolved or withdrawn.
    async fn status(&self) -> ReplacementFlagStatus {
        self.0.status
    }

    /// The company's reason.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// When the flag was raised.
    async fn raised_at(&self) -> DateTime<Utc> {
        to_utc(self.0.raised_at)
    }

    /// When it was resolved or withdrawn.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at.map(to_utc)
    }

    /// The admin's note on the replacement.
    async fn resolution_note(&self) -> Option<&str> {
        self.0.resolution_note.as_deref()
    }

    /// The admin who replaced the officer.
    async fn resolved_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.resolved_by {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The officer who took the company over.
    async fn new_officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.new_officer_id {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// An officer's award eligibility for a year.
pub struct EligibilityNode(pub Eligibility);

/// An officer's award eligibility for a year.
#[Object(name = "AwardEligibility")]
impl EligibilityNode {
    /// The officer.
    async fn officer(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.officer_id).await
    }

    /// The year.
    async fn year(&self) -> i32 {
        self.0.year
    }

    /// Under review, eligible or ineligible.
    async fn status(&self) -> EligibilityStatus {
        self.0.status
    }

    /// The admin's note on the determination.
    async fn note(&self) -> &str {
        &self.0.note
    }

    /// The admin who decided; null while under review.
    async fn decided_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.decided_by {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// When the admin decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at.map(to_utc)
    }
}

/// An officer's own totals for a closed period: never which company voted what.
#[derive(SimpleObject)]
#[graphql(name = "OfficerEvaluationSummary")]
pub struct SummaryNode {
    /// The period.
    pub period: PeriodNode,
    /// Companies the officer served or was rated by.
    pub companies: i32,
    /// Companies that voted.
    pub voted: i32,
    /// SATISFIED votes.
    pub satisfied: i32,
    /// UNSATISFIED votes.
    pub unsatisfied: i32,
}

impl From<OfficerSummary> for SummaryNode {
    fn from(s: OfficerSummary) -> SummaryNode {
        SummaryNode {
            period: PeriodNode(s.period),
            companies: s.companies,
            voted: s.voted,
            satisfied: s.satisfied,
            unsatisfied: s.unsatisfied,
        }
    }
}

/// An officer who could take a company over, and how many companies they serve now.
#[derive(SimpleObject)]
pub struct SuggestedOfficer {
    /// The officer.
    pub officer: UserNode,
    /// Companies the officer serves now.
    pub companies: i32,
}

#[derive(Default)]
pub struct EvaluationQuery;

#[Object]
impl EvaluationQuery {
    /// Every evaluation period, newest first (admins).
    async fn evaluation_periods(&self, ctx: &Context<'_>) -> AppResult<Vec<PeriodNode>> {
        let actor = ctx.actor()?;
        Ok(service::list_periods(ctx.state(), actor)
            .await?
            .into_iter()
            .map(PeriodNode)
            .collect())
    }

    /// A period's results per officer (admins).
    async fn evaluation_results(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The period's id.")] period_id: ID,
    ) -> AppResult<ResultsNode> {
        let actor = ctx.actor()?;
        let period_id = ids::decode(IdKind::EvaluationPeriod, &period_id, "periodId")?;
        Ok(ResultsNode(service::results(ctx.state(), actor, period_id).await?))
    }

    /// Replacement flags, oldest first (admins).
    async fn replacement_flags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only flags in this state; all when omitted.")] status: Option<ReplacementFlagStatus>,
    ) -> AppResult<Vec<FlagNode>> {
        let actor = ctx.actor()?;
        Ok(service::flags(ctx.state(), actor, status)
            .await?
            .into_iter()
            .map(FlagNode)
            .collect())
    }

    /// The least-loaded active officers who could take the company over, never a flagged one (admins).
    async fn suggested_officers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] company_id: ID,
        #[graphql(desc = "How many (default 5, at most 20).")] first: Option<i32>,
    ) -> AppResult<Vec<SuggestedOfficer>> {
        let actor = ctx.actor()?;
        let company_id = ids::decode(IdKind::Company, &company_id, "companyId")?;
        Ok(
            service::suggested_officers(ctx.state(), actor, company_id, first.unwrap_or(5))
                .await?
                .into_iter()
                .map(|(user, load)| SuggestedOfficer {
                    officer: UserNode(user),
                    companies: load as i32,
                })
                .collect(),
        )
    }

    /// Officers' award eligibility determinations and reviews (admins).
    async fn award_eligibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this year.")] year: Option<i32>,
        #[graphql(desc = "Only this officer.")] officer_id: Option<ID>,
    ) -> AppResult<Vec<EligibilityNode>> {
        let actor = ctx.actor()?;
        let officer_id = officer_id
            .map(|id| ids::decode(IdKind::User, &id, "officerId"))
            .transpose()?;
        Ok(service::eligibility(ctx.state(), actor, year, officer_id)
            .await?
            .into_iter()
            .map(EligibilityNode)
            .collect())
    }

    /// The evaluation open now, for a company's principal; null when none is open.
    async fn current_evaluation(&self, ctx: &Context<'_>) -> AppResult<Option<CurrentEvaluationNode>> {
        let actor = ctx.actor()?;
        Ok(service::current_evaluation(ctx.state(), actor)
            .await?
            .map(CurrentEvaluationNode))
    }

    /// The calling officer's totals per closed period, newest first: never which company voted what.
    async fn my_evaluation_summary(&self, ctx: &Context<'_>) -> AppResult<Vec<SummaryNode>> {
        let actor = ctx.actor()?;
        Ok(service::my_summary(ctx.state(), actor)
            .await?
            .into_iter()
            .map(SummaryNode::from)
            .collect())
    }
}

/// The period after a change.
#[derive(SimpleObject)]
pub struct EvaluationPeriodPayload {
    /// The period.
    pub period: PeriodNode,
}

/// The vote as recorded.
#[derive(SimpleObject)]
pub struct CastEvaluationVotePayload {
    /// The period voted in.
    pub period: PeriodNode,
    /// The company's vote.
    pub vote: VoteNode,
}

/// The company with its new officer, and the flags resolved.
#[derive(SimpleObject)]
pub struct ReplaceOfficerPayload {
    /// The company.
    pub company: CompanyNode,
    /// The new, active assignment (its reason carries the note).
    pub assignment: AssignmentNode,
    /// The flags this replacement resolved.
    pub resolved_flags: Vec<FlagNode>,
}

/// The determination as recorded.
#[derive(SimpleObject)]
pub struct AwardEligibilityPayload {
    /// The officer's eligibility for the year.
    pub eligibility: EligibilityNode,
}

#[derive(Default)]
pub struct EvaluationMutation;

#[Object]
impl EvaluationMutation {
    /// Opens a half-year evaluation period, or schedules it when `opensAt` is ahead (admins).
    /// Opening pushes a reminder to every company principal.
    async fn open_evaluation_period(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: i32,
        #[graphql(desc = "The half of the year; one period per half-year.")] half: EvaluationHalf,
        #[graphql(desc = "When voting opens; now or earlier opens it at once.")] opens_at: DateTime<Utc>,
        #[graphql(desc = "When voting closes by itself; after opensAt and in the future.")] closes_at: DateTime<Utc>,
    ) -> AppResult<EvaluationPeriodPayload> {
        let actor = ctx.actor()?;
        let input = OpenPeriod {
            year,
            half,
            opens_at,
            closes_at,
        };
        Ok(EvaluationPeriodPayload {
            period: PeriodNode(service::open_period(ctx.state(), actor, input).await?),
        })
    }

    /// Closes a period now: votes are frozen and the results become a fixed record (admins).
    async fn close_evaluation_period(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The period's id.")] id: ID,
    ) -> AppResult<EvaluationPeriodPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::EvaluationPeriod, &id, "id")?;
        Ok(EvaluationPeriodPayload {
            period: PeriodNode(service::close_period(ctx.state(), actor, id).await?),
        })
    }

    /// Casts or changes the company's vote on its current officer (the company's principal).
    async fn cast_evaluation_vote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Satisfied or unsatisfied.")] verdict: EvaluationVerdict,
        #[graphql(desc = "Why; required for UNSATISFIED (at most 500 characters).")] reason: Option<String>,
        #[graphql(desc = "The officer meant; refused unless it is the company's officer now.")] officer_id: Option<ID>,
        #[graphql(
            desc = "A client-generated key (e.g. a UUID): a repeat with the same key returns the first vote and changes nothing."
        )]
        idempotency_key: Option<String>,
    ) -> AppResult<CastEvaluationVotePayload> {
        let actor = ctx.actor()?;
        let officer_id = officer_id
            .map(|id| ids::decode(IdKind::User, &id, "officerId"))
            .transpose()?;
        let input = CastVote {
            verdict,
            reason,
            officer_id,
            idempotency_key,
        };
        let (period, vote) = service::cast_vote(ctx.state(), actor, input).await?;
        Ok(CastEvaluationVotePayload {
            period: PeriodNode(period),
            vote: VoteNode(vote),
        })
    }

    /// Resolves the company's open replacement flags by reassigning it to another officer
    /// (admins). The company, the old officer and the new one are notified.
    async fn replace_officer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company's id.")] company_id: ID,
        #[graphql(desc = "The officer to take it over; never the flagged one.")] new_officer_id: ID,
        #[graphql(desc = "Why (kept in the assignment history and on the flag).")] note: String,
    ) -> AppResult<ReplaceOfficerPayload> {
        let actor = ctx.actor()?;
        let company_id = ids::decode(IdKind::Company, &company_id, "companyId")?;
        let new_officer_id = ids::decode(IdKind::User, &new_officer_id, "newOfficerId")?;
        let (company, assignment, flags) =
            service::replace_officer(ctx.state(), actor, company_id, new_officer_id, &note).await?;
        Ok(ReplaceOfficerPayload {
            company: CompanyNode(company),
            assignment: AssignmentNode(assignment),
            resolved_flags: flags.into_iter().map(FlagNode).collect(),
        })
    }

    /// Records an admin's determination of an officer's award eligibility for a year (admins).
    async fn set_award_eligibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The officer's user id.")] officer_id: ID,
        #[graphql(desc = "The year.")] year: i32,
        #[graphql(desc = "Whether the officer is eligible.")] eligible: bool,
        #[graphql(desc = "Why (required).")] note: String,
    ) -> AppResult<AwardEligibilityPayload> {
        let actor = ctx.actor()?;
        let officer_id = ids::decode(IdKind::User, &officer_id, "officerId")?;
        Ok(AwardEligibilityPayload {
            eligibility: EligibilityNode(
                service::set_eligibility(ctx.state(), actor, officer_id, year, eligible, &note).await?,
            ),
        })
    }
}
