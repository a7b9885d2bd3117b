use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::model::{DayKind, LimitUnit, SlaPolicy, SlaSubject};
use super::service::{self, Day, Limit};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Date;
use crate::requests::model::Urgency;

/// A day of the zone's working calendar.
pub struct CalendarDayNode(pub Day);

/// A day of the zone's working calendar.
#[Object(name = "CalendarDay")]
impl CalendarDayNode {
    /// The date, in the zone's time zone.
    async fn date(&self) -> Date {
        Date(self.0.date)
    }

    /// True when time limits run on this day.
    async fn working(&self) -> bool {
        self.0.working
    }

    /// How the day differs from the ordinary week (null for an ordinary day).
    async fn kind(&self) -> Option<DayKind> {
        self.0.special.as_ref().map(|d| d.kind)
    }

    /// Why, e.g. 国庆节 or 国庆调休.
    async fn note(&self) -> Option<&str> {
        self.0.special.as_ref().map(|d| d.note.as_str())
    }
}

/// A time limit: an amount of a unit.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "TimeLimitInput")]
pub struct TimeLimit {
    /// How many units (0 with SAME_DAY).
    pub amount: i32,
    /// The unit.
    pub unit: LimitUnit,
}

/// The time limits of one kind of request (or of a department's reply), with or without
/// higher-level coordination.
pub struct SlaPolicyNode(pub SlaPolicy);

/// The time limits of one kind of request (or of a department's reply), with or without
/// higher-level coordination.
#[Object(name = "SlaPolicy")]
impl SlaPolicyNode {
    /// What the policy applies to.
    async fn subject(&self) -> SlaSubject {
        self.0.subject
    }

    /// The urgency tier the policy applies to.
    async fn urgency(&self) -> Urgency {
        self.0.urgency
    }

    /// True for problems that need higher approval (needs_coordination).
    async fn coordinated(&self) -> bool {
        self.0.coordinated
    }

    /// Limit for the first reply (a plan: who, how, by when; for consultations the answer).
    async fn first_reply(&self) -> TimeLimit {
        TimeLimit {
            amount: self.0.first_reply_amount,
            unit: self.0.first_reply_unit,
        }
    }

    /// Limit for the resolution (null for a department's task).
    async fn resolve(&self) -> Option<TimeLimit> {
        match (self.0.resolve_amount, self.0.resolve_unit) {
            (Some(amount), Some(unit)) => Some(TimeLimit { amount, unit }),
            _ => None,
        }
    }

    /// When the policy last changed.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        crate::clock::to_utc(self.0.updated_at)
    }
}

#[derive(Default)]
pub struct SlaQuery;

#[Object]
impl SlaQuery {
    /// The working calendar from `from` to `to`, inclusive, at most 366 days (admins).
    async fn calendar_days(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day.")] from: Date,
        #[graphql(desc = "Last day.")] to: Date,
    ) -> AppResult<Vec<CalendarDayNode>> {
        let actor = ctx.actor()?;
        Ok(service::days(ctx.state(), actor, from.0, to.0)
            .await?
            .into_iter()
            .map(CalendarDayNode)
            .collect())
    }

    /// Every time-limit policy (admins).
    async fn sla_policies(&self, ctx: &Context<'_>) -> AppResult<Vec<SlaPolicyNode>> {
        let actor = ctx.actor()?;
        Ok(service::policies(ctx.state(), actor)
            .await?
            .into_iter()
            .map(SlaPolicyNode)
            .collect())
    }
}

/// The policy after the change.
#[derive(SimpleObject)]
pub struct SetSlaPolicyPayload {
    /// The policy.
    pub policy: SlaPolicyNode,
}

/// The day after the change.
#[derive(SimpleObject)]
pub struct SetCalendarDayPayload {
    /// The day.
    pub day: CalendarDayNode,
}

#[derive(Default)]
pub struct SlaMutation;

#[Object]
impl SlaMutation {
    /// Marks a day a public holiday or a make-up working day (调休), or, with no kind, an
    /// ordinary day again (admins).
    async fn set_calendar_day(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date.")] date: Date,
        #[graphql(desc = "HOLIDAY or WORKDAY; omit to make it an ordinary day.")] kind: Option<DayKind>,
        #[graphql(desc = "Why, e.g. 春节.")] note: Option<String>,
    ) -> AppResult<SetCalendarDayPayload> {
        let actor = ctx.actor()?;
        let day = service::set_day(ctx.state(), actor, date.0, kind, note.as_deref()).await?;
        Ok(SetCalendarDayPayload {
            day: CalendarDayNode(day),
        })
    }

    /// Changes one time-limit policy (admins). Requests already raised keep their due times.
    async fn set_sla_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the policy applies to.")] subject: SlaSubject,
        #[graphql(desc = "The coordinated (true) or ordinary (false) tier.")] coordinated: bool,
        #[graphql(desc = "The urgency tier.", default_with = "Urgency::Normal")] urgency: Urgency,
        #[graphql(desc = "Limit for the first reply.")] first_reply: TimeLimit,
        #[graphql(desc = "Limit for the resolution (omit for DEPARTMENT_TASK).")] resolve: Option<TimeLimit>,
    ) -> AppResult<SetSlaPolicyPayload> {
        let actor = ctx.actor()?;
        let to_limit = |l: TimeLimit| Limit {
            amount: l.amount,
            unit: l.unit,
        };
        let policy = service::set_policy(
            ctx.state(),
            actor,
            subject,
            coordinated,
            urgency,
            to_limit(first_reply),
            resolve.map(to_limit),
        )
        .await?;
        Ok(SetSlaPolicyPayload {
            policy: SlaPolicyNode(policy),
        })
    }
}
