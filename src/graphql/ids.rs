//! Opaque IDs: a short type prefix and the row id (`cmp_12`), so an id of one kind is never
//! taken for another.

use async_graphql::ID;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    User,
    Company,
    Department,
    Assignment,
    Device,
    Notification,
    PushDelivery,
    SmsDelivery,
    Category,
    Request,
    Task,
    Event,
    Attachment,
    EvaluationPeriod,
    ReplacementFlag,
    Extension,
    AuditEntry,
    Visit,
}

impl IdKind {
    fn prefix(self) -> &'static str {
        match self {
            IdKind::User => "usr",
            IdKind::Company => "cmp",
            IdKind::Department => "dep",
            IdKind::Assignment => "asg",
            IdKind::Device => "dev",
            IdKind::Notification => "ntf",
            IdKind::PushDelivery => "psh",
            IdKind::SmsDelivery => "sms",
            IdKind::Category => "cat",
            IdKind::Request => "req",
            IdKind::Task => "tsk",
            IdKind::Event => "evt",
            IdKind::Attachment => "att",
            IdKind::EvaluationPeriod => "evp",
            IdKind::ReplacementFlag => "rfl",
            IdKind::Extension => "ext",
            IdKind::AuditEntry => "aud",
            IdKind::Visit => "vis",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            IdKind::User => "user",
            IdKind::Company => "company",
            IdKind::Department => "department",
            IdKind::Assignment => "assignment",
            IdKind::Device => "device",
            IdKind::Notification => "notification",
            IdKind::PushDelivery => "push delivery",
            IdKind::SmsDelivery => "SMS delivery",
            IdKind::Category => "category",
            IdKind::Request => "request",
            IdKind::Task => "task",
            IdKind::Event => "event",
            IdKind::Attachment => "attachment",
            IdKind::EvaluationPeriod => "evaluation period",
            IdKind::ReplacementFlag => "replacement flag",
            IdKind::Extension => "extension",
            IdKind::AuditEntry => "audit log entry",
            IdKind::Visit => "visit",
        }
    }
}

pub fn encode(kind: IdKind, id: impl Into<i64>) -> ID {
    ID(format!("{}_{}", kind.prefix(), id.into()))
}

/// The row id inside an opaque id, as the typed id the caller expects (`RequestId`,
/// `CompanyId`, … or a plain `i64` for rows without one); `field` names the argument for the
/// error.
pub fn decode<T: From<i64>>(kind: IdKind, id: &ID, field: &str) -> AppResult<T> {
    id.strip_prefix(kind.prefix())
        .and_then(|rest| rest.strip_prefix('_'))
        .and_then(|digits| digits.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .map(T::from)
        .ok_or_else(|| AppError::bad_field(field, format!("{:?} is not a {} id", id.as_str(), kind.noun())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let id = encode(IdKind::Company, 12);
        assert_eq!(id.as_str(), "cmp_12");
        assert_eq!(decode::<i64>(IdKind::Company, &id, "id").unwrap(), 12);
        assert!(decode::<i64>(IdKind::User, &id, "id").is_err());
        assert!(decode::<i64>(IdKind::Company, &ID("cmp_".into()), "id").is_err());
        assert!(decode::<i64>(IdKind::Company, &ID("cmp_-1".into()), "id").is_err());
        assert!(decode::<i64>(IdKind::Company, &ID("cmp12".into()), "id").is_err());
    }
}
