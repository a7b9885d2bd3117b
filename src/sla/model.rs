use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::calendar_days;

crate::stored_enum!(
    /// How a calendar day differs from the ordinary week.
    DayKind {
        /// A public holiday: no working day even on a weekday.
        Holiday => "HOLIDAY",
        /// A make-up working day (调休): a working day even on a weekend.
        Workday => "WORKDAY",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_days)]
pub struct CalendarDay {
    /// `YYYY-MM-DD` in the zone's time zone.
    pub day: String,
    pub kind: DayKind,
    pub note: String,
    pub updated_by: Option<i64>,
    pub updated_at: NaiveDateTime,
}
