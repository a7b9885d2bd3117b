use std::collections::BTreeMap;

use async_graphql::{Context, Object, SimpleObject};

use super::repo::{DepartmentFigures, Durations};
use super::service::{self, OfficerLine, Stats};
use crate::auth::graphql::UserNode;
use crate::departments::graphql::DepartmentNode;
use crate::departments::model::Department;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::loaders::load_one;
use crate::graphql::pagination::page_request;
use crate::graphql::scalars::Date;
use crate::requests::graphql::CategoryNode;
use crate::requests::model::{Channel, RequestKind, RequestStatus};

/// A share in [0, 1], or null when there is nothing to divide by.
fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Requests counted under one value of a dimension.
#[derive(SimpleObject, Clone, Copy, Default)]
pub struct Tally {
    /// Requests raised in the range.
    pub received: i64,
    /// Of those, resolved by now (answered or resolved, and not reopened since).
    pub resolved: i64,
    /// Of those, gone overdue at some point.
    pub overdue: i64,
}

impl Tally {
    fn add(&mut self, received: i64, resolved: i64, overdue: i64) {
        self.received += received;
        self.resolved += resolved;
        self.overdue += overdue;
    }
}

/// Requests of one kind.
#[derive(SimpleObject)]
pub struct KindTally {
    /// The kind.
    pub kind: RequestKind,
    /// The counts.
    pub count: Tally,
}

/// Requests of one channel.
#[derive(SimpleObject)]
pub struct ChannelTally {
    /// The channel.
    pub channel: Channel,
    /// The counts.
    pub count: Tally,
}

/// Requests now in one status.
#[derive(SimpleObject)]
pub struct StatusTally {
    /// The status the requests are in now.
    pub status: RequestStatus,
    /// The counts.
    pub count: Tally,
}

/// Requests raised in one calendar month (of the zone's time zone).
#[derive(SimpleObject)]
pub struct MonthTally {
    /// `YYYY-MM`.
    pub month: String,
    /// The counts.
    pub count: Tally,
}

/// Requests of one category.
pub struct CategoryTally {
    category_id: i64,
    count: Tally,
}

/// Requests of one category.
#[Object]
impl CategoryTally {
    /// The category.
    async fn category(&self, ctx: &Context<'_>) -> AppResult<Option<CategoryNode>> {
        Ok(load_one::<i64, crate::requests::model::Category>(ctx, self.category_id)
            .await?
            .map(CategoryNode))
    }

    /// The counts.
    async fn count(&self) -> Tally {
        self.count
    }
}

/// How long something took, in seconds.
#[derive(SimpleObject)]
pub struct DurationStats {
    /// How many requests were measured.
    pub count: i64,
    /// The median (nearest rank), null when none.
    pub median_seconds: Option<i64>,
    /// The 90th percentile (nearest rank: the smallest time that 90 % of requests met).
    pub p90_seconds: Option<i64>,
}

impl From<Durations> for DurationStats {
    fn from(d: Durations) -> DurationStats {
        DurationStats {
            count: d.count,
            median_seconds: d.median,
            p90_seconds: d.p90,
        }
    }
}

/// Whether every company has its officer (全覆盖).
#[derive(SimpleObject)]
pub struct CoverageStats {
    /// Active companies.
    pub companies: i64,
    /// Active companies with an active officer.
    pub with_officer: i64,
    /// Active companies without one (listed by `companiesWithoutOfficer`).
    pub without_officer: i64,
    /// `withOfficer / companies`.
    pub rate: Option<f64>,
}

/// The zone's ledger figures over a range of days (admins).
pub struct StatsNode(Stats);

/// The zone's ledger figures over a range of days. Requests count as *received* when raised
/// in the range, *resolved* when their current resolution falls in the range, *confirmed* when
/// the company answered in the range, *overdue* when a limit first passed unmet in the range.
#[Object(name = "LedgerStats")]
impl StatsNode {
    /// First day of the range (the zone's time zone).
    async fn from(&self) -> Date {
        Date(self.0.range.from)
    }

    /// Last day of the range, included.
    async fn to(&self) -> Date {
        Date(self.0.range.to)
    }

    /// Requests raised in the range.
    async fn received(&self) -> i64 {
        self.0.cube.iter().map(|c| c.received).sum()
    }

    /// Of the requests raised in the range, the share resolved by now.
    async fn resolution_rate(&self) -> Option<f64> {
        let received = self.0.cube.iter().map(|c| c.received).sum();
        rate(self.0.cube.iter().map(|c| c.resolved).sum(), received)
    }

    /// Requests resolved in the range (answered or resolved, and not reopened since).
    async fn resolved(&self) -> i64 {
        self.0.outcomes.resolved
    }

    /// Of the requests resolved in the range, how many never went overdue.
    async fn resolved_on_time(&self) -> i64 {
        self.0.outcomes.on_time
    }

    /// Of the requests resolved in the range, the share that never went overdue.
    async fn on_time_rate(&self) -> Option<f64> {
        rate(self.0.outcomes.on_time, self.0.outcomes.resolved)
    }

    /// Requests whose time limit first passed unmet in the range (overdue stays on record).
    async fn overdue(&self) -> i64 {
        self.0.overdue
    }

    /// Confirmations in the range that answered "satisfied?" (closings without feedback do not count).
    async fn satisfaction_answers(&self) -> i64 {
        self.0.feedback.answered
    }

    /// Of those, the answers "satisfied".
    async fn satisfied(&self) -> i64 {
        self.0.feedback.satisfied
    }

    /// Satisfaction rate (满意率): satisfied answers over all answers.
    async fn satisfaction_rate(&self) -> Option<f64> {
        rate(self.0.feedback.satisfied, self.0.feedback.answered)
    }

    /// Zone issues (一事多企) created in the range: problems shared by several companies and
    /// handled once.
    async fn zone_issues(&self) -> i64 {
        self.0.sharing.zone_issues
    }

    /// Of the requests raised in the range, those handled in a zone issue now.
    async fn requests_in_zone_issues(&self) -> i64 {
        self.0.sharing.shared_requests
    }

    /// The problems the requests raised in the range became: each request handled alone counts
    /// once, each zone issue its members became counts once.
    async fn distinct_problems(&self) -> i64 {
        let received: i64 = self.0.cube.iter().map(|c| c.received).sum();
        received - self.0.sharing.shared_requests + self.0.sharing.shared_issues
    }

    /// Of `satisfactionAnswers`, those the company gave in the app.
    async fn app_answers(&self) -> i64 {
        self.0.feedback.answered - self.0.feedback_channels.callback_answers
    }

    /// Of `satisfactionAnswers`, those the company gave by phone, recorded by an officer or
    /// admin (回访).
    async fn callback_answers(&self) -> i64 {
        self.0.feedback_channels.callback_answers
    }

    /// Of the callback answers, the "satisfied" ones.
    async fn callback_satisfied(&self) -> i64 {
        self.0.feedback_channels.callback_satisfied
    }

    /// Of the callback answers, the "solved" ones.
    async fn callback_solved(&self) -> i64 {
        self.0.feedback_channels.callback_solved
    }

    /// Requests flagged for a callback and not called yet (now, whatever the range).
    async fn callbacks_pending(&self) -> i64 {
        self.0.feedback_channels.callbacks_pending
    }

    /// Solved rate (解决率) from confirmations: "solved" answers over all answers.
    async fn solved_rate(&self) -> Option<f64> {
        rate(self.0.feedback.solved, self.0.feedback.solved_answered)
    }

    /// From raising to the first reply, for requests raised in the range that have one.
    async fn first_reply(&self) -> DurationStats {
        self.0.first_reply.clone().into()
    }

    /// From raising to resolution, for requests resolved in the range.
    async fn resolution(&self) -> DurationStats {
        self.0.resolution.clone().into()
    }

    /// Requests raised in the range, by kind.
    async fn by_kind(&self) -> Vec<KindTally> {
        let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
        for c in &self.0.cube {
            tallies
                .entry(&c.kind)
                .or_default()
                .add(c.received, c.resolved, c.overdue);
        }
        RequestKind::ALL
            .iter()
            .map(|kind| KindTally {
                kind: *kind,
                count: tallies.get(kind.as_str()).copied().unwrap_or_default(),
            })
            .collect()
    }

    /// Requests raised in the range, by channel.
    async fn by_channel(&self) -> Vec<ChannelTally> {
        let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
        for c in &self.0.cube {
            tallies
                .entry(&c.channel)
                .or_default()
                .add(c.received, c.resolved, c.overdue);
        }
        Channel::ALL
            .iter()
            .map(|channel| ChannelTally {
                channel: *channel,
                count: tallies.get(channel.as_str()).copied().unwrap_or_default(),
            })
            .collect()
    }

    /// Requests raised in the range, by the status they are in now.
    async fn by_status(&self) -> Vec<StatusTally> {
        let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
        for c in &self.0.cube {
            tallies
                .entry(&c.status)
                .or_default()
                .add(c.received, c.resolved, c.overdue);
        }
        RequestStatus::ALL
            .iter()
            .map(|status| StatusTally {
                status: *status,
                count: tallies.get(status.as_str()).copied().unwrap_or_default(),
            })
            .collect()
    }

    /// Requests raised in the range, by category (only categories with requests).
    async fn by_category(&self) -> Vec<CategoryTally> {
        let mut tallies: BTreeMap<i64, Tally> = BTreeMap::new();
        for c in &self.0.cube {
            tallies
                .entry(c.category_id)
                .or_default()
                .add(c.received, c.resolved, c.overdue);
        }
        tallies
            .into_iter()
            .map(|(category_id, count)| CategoryTally { category_id, count })
            .collect()
    }

    /// Requests raised in the range, by month of the zone's calendar (every month of the range).
    async fn by_month(&self) -> Vec<MonthTally> {
        let mut tallies = vec![Tally::default(); self.0.range.months.len()];
        for c in &self.0.cube {
            if let Some(t) = tallies.get_mut(c.month_index as usize) {
                t.add(c.received, c.resolved, c.overdue);
            }
        }
        self.0
            .range
            .months
            .iter()
            .zip(tallies)
            .map(|((year, month), count)| MonthTally {
                month: format!("{year:04}-{month:02}"),
                count,
            })
            .collect()
    }

    /// Officer coverage of active companies, now.
    async fn coverage(&self) -> CoverageStats {
        let c = &self.0.coverage;
        CoverageStats {
            companies: c.companies,
            with_officer: c.covered,
            without_officer: c.companies - c.covered,
            rate: rate(c.covered, c.companies),
        }
    }
}

/// An officer's verdicts in the latest closed evaluation period.
#[derive(SimpleObject)]
pub struct EvaluationTally {
    /// The period's id.
    pub period_id: async_graphql::ID,
    /// Companies that voted SATISFIED.
    pub satisfied: i64,
    /// Companies that voted UNSATISFIED.
    pub unsatisfied: i64,
    /// Companies that did not vote.
    pub not_voted: i64,
}

/// One officer's work over a range.
pub struct OfficerPerformanceNode(OfficerLine);

crate::connection_types!(
    OfficerPerformanceConnection,
    OfficerPerformanceEdge,
    OfficerPerformanceNode,
    "officers' performance lines"
);

/// One officer's work over a range.
#[Object(name = "OfficerPerformance")]
impl OfficerPerformanceNode {
    /// The officer.
    async fn officer(&self) -> UserNode {
        UserNode(self.0.officer.clone())
    }

    /// Companies the officer serves now.
    async fn companies_served(&self) -> i64 {
        self.0.companies_served
    }

    /// The officer's requests waiting now for the officer or a department (whenever raised).
    async fn open_requests(&self) -> i64 {
        self.0.open_requests
    }

    /// The officer's requests raised in the range.
    async fn received(&self) -> i64 {
        self.0.figures.received
    }

    /// The officer's requests resolved in the range.
    async fn resolved(&self) -> i64 {
        self.0.figures.resolved
    }

    /// The officer's requests whose limit first passed unmet in the range.
    async fn overdue(&self) -> i64 {
        self.0.figures.overdue
    }

    /// Satisfaction answers on the officer's requests confirmed in the range.
    async fn satisfaction_answers(&self) -> i64 {
        self.0.figures.answered
    }

    /// Satisfied answers over all answers.
    async fn satisfaction_rate(&self) -> Option<f64> {
        rate(self.0.figures.satisfied, self.0.figures.answered)
    }

    /// The companies' verdicts on the officer in the latest closed evaluation period (null
    /// when none has closed or the officer served no company then).
    async fn last_evaluation(&self) -> Option<EvaluationTally> {
        self.0.last_evaluation.as_ref().map(|e| EvaluationTally {
            period_id: ids::encode(IdKind::EvaluationPeriod, e.period_id),
            satisfied: e.satisfied,
            unsatisfied: e.unsatisfied,
            not_voted: e.not_voted,
        })
    }
}

/// One department's work on the tasks dispatched to it in a range.
pub struct DepartmentPerformanceNode(Department, DepartmentFigures);

crate::connection_types!(
    DepartmentPerformanceConnection,
    DepartmentPerformanceEdge,
    DepartmentPerformanceNode,
    "departments' performance lines"
);

/// One department's work on the tasks dispatched to it (or claimed by it) in a range.
#[Object(name = "DepartmentPerformance")]
impl DepartmentPerformanceNode {
    /// The department.
    async fn department(&self) -> DepartmentNode {
        DepartmentNode(self.0.clone())
    }

    /// Tasks the department held in the range (created then).
    async fn tasks(&self) -> i64 {
        self.1.tasks
    }

    /// Of those, tasks with the department's reply (its plan).
    async fn replied(&self) -> i64 {
        self.1.replied
    }

    /// Replied tasks that never went overdue, over tasks replied or gone overdue.
    async fn on_time_rate(&self) -> Option<f64> {
        rate(self.1.replied_on_time, self.1.judged)
    }

    /// Average seconds from dispatch to the department's reply.
    async fn average_reply_seconds(&self) -> Option<i64> {
        self.1
            .reply_seconds_total
            .filter(|_| self.1.replied > 0)
            .map(|t| t / self.1.replied)
    }

    /// Tasks finished by the department.
    async fn done(&self) -> i64 {
        self.1.done
    }

    /// Average seconds from dispatch to finishing (handling time), over finished tasks.
    async fn average_handling_seconds(&self) -> Option<i64> {
        self.1
            .done_seconds_total
            .filter(|_| self.1.done > 0)
            .map(|t| t / self.1.done)
    }

    /// Tasks the department transferred to another department (转办).
    async fn transfers_out(&self) -> i64 {
        self.1.transferred_out
    }
}

#[derive(Default)]
pub struct StatsQuery;

#[Object]
impl StatsQuery {
    /// The ledger's figures over a range of days in the zone's time zone (admins).
    async fn stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day of the range.")] from: Date,
        #[graphql(desc = "Last day of the range, included.")] to: Date,
    ) -> AppResult<StatsNode> {
        let actor = ctx.actor()?;
        Ok(StatsNode(service::stats(ctx.state(), actor, from.0, to.0).await?))
    }

    /// Each active officer's load and results over a range of days (admins).
    async fn officer_performance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day of the range.")] from: Date,
        #[graphql(desc = "Last day of the range, included.")] to: Date,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<OfficerPerformanceConnection> {
        let actor = ctx.actor()?;
        let page = service::officer_performance(ctx.state(), actor, from.0, to.0, page_request(first, after)?).await?;
        Ok(OfficerPerformanceConnection::from_page(
            page,
            |line| line.officer.id,
            OfficerPerformanceNode,
        ))
    }

    /// Each department's tasks, on-time rate, handling time and transfers over a range (admins).
    async fn department_performance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day of the range.")] from: Date,
        #[graphql(desc = "Last day of the range, included.")] to: Date,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<DepartmentPerformanceConnection> {
        let actor = ctx.actor()?;
        let page =
            service::department_performance(ctx.state(), actor, from.0, to.0, page_request(first, after)?).await?;
        Ok(DepartmentPerformanceConnection::from_page(
            page,
            |(d, _)| d.id,
            |(d, f)| DepartmentPerformanceNode(d, f),
        ))
    }
}
