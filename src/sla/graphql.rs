use async_graphql::{Context, Object, SimpleObject};
use chrono::NaiveDate;

use super::model::DayKind;
use super::service::{self, Day};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;

/// A day of the zone's working calendar.
pub struct CalendarDayNode(pub Day);

/// A day of the zone's working calendar.
#[Object(name = "CalendarDay")]
impl CalendarDayNode {
    /// The date, in the zone's time zone.
    async fn date(&self) -> NaiveDate {
        self.0.date
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

#[derive(Default)]
pub struct SlaQuery;

#[Object]
impl SlaQuery {
    /// The working calendar from `from` to `to`, inclusive, at most 366 days (admins).
    async fn calendar_days(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day.")] from: NaiveDate,
        #[graphql(desc = "Last day.")] to: NaiveDate,
    ) -> AppResult<Vec<CalendarDayNode>> {
        let actor = ctx.actor()?;
        Ok(service::days(ctx.state(), actor, from, to)
            .await?
            .into_iter()
            .map(CalendarDayNode)
            .collect())
    }
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
        #[graphql(desc = "The date.")] date: NaiveDate,
        #[graphql(desc = "HOLIDAY or WORKDAY; omit to make it an ordinary day.")] kind: Option<DayKind>,
        #[graphql(desc = "Why, e.g. 春节.")] note: Option<String>,
    ) -> AppResult<SetCalendarDayPayload> {
        let actor = ctx.actor()?;
        let day = service::set_day(ctx.state(), actor, date, kind, note.as_deref()).await?;
        Ok(SetCalendarDayPayload {
            day: CalendarDayNode(day),
        })
    }
}
