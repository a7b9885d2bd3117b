//! The contract's own scalars, named and described for the apps rather than after a Rust type:
//! `Date` (a calendar day) and `JSON` (the audit log's snapshots). `DateTime` (RFC 3339, always
//! in UTC) and `Upload` (the GraphQL multipart request) come from async-graphql with their
//! `@specifiedBy` URLs.
//!
//! async-graphql takes a scalar's description from the doc comment of its `ScalarType` impl and
//! prints `@specifiedBy(url:)` from `specified_by_url`
//! (https://docs.rs/async-graphql/latest/async_graphql/attr.Scalar.html).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar day, in the zone's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl Date {
    /// The day from exactly `YYYY-MM-DD` (four-digit year, two-digit month and day).
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        let shape = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape {
            return None;
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(Date)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Date {
        Date(date)
    }
}

/// A calendar day without a time or a time zone, in the zone's calendar (Asia/Shanghai): the
/// string `YYYY-MM-DD`, RFC 3339 `full-date` (four-digit year, two-digit month and day), e.g.
/// `2026-03-02`. Anything else is refused with `BAD_USER_INPUT`.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => Date::parse(text)
                .ok_or_else(|| InputValueError::custom(format!("`{text}` is not a date in the form YYYY-MM-DD"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if Date::parse(text).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

/// A JSON value, as the audit log's snapshots.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub serde_json::Value);

/// Any JSON value (RFC 8259): an object, an array, a string, a number, `true`, `false` or
/// `null`, sent as itself (not as a string holding JSON).
#[Scalar(name = "JSON", specified_by_url = "https://www.rfc-editor.org/rfc/rfc8259")]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        value
            .into_json()
            .map(Json)
            .map_err(|e| InputValueError::custom(format!("not a JSON value: {e}")))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert_eq!(Date::parse("2026-03-02").unwrap().to_string(), "2026-03-02");
        for wrong in [
            "2026-3-2",
            "2026-02-30",
            "20260302",
            "2026-03-02T00:00:00Z",
            "+2026-03-02",
            " 2026-03-02",
            "２０２６-03-02",
        ] {
            assert!(Date::parse(wrong).is_none(), "{wrong} was accepted");
        }
    }
}
