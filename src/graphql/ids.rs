//! Opaque IDs: a short type prefix and the row id (`cmp_12`), so an id of one kind is never
//! taken for another.

use async_graphql::ID;

use crate::error::{AppError, AppResult, CoreReason};

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
    Session,
    Project,
    Procedure,
    ProcedureTemplate,
    CheckIn,
    Policy,
    PolicyPackage,
    ZoneNotice,
    ZoneIssue,
    KnowledgeAnswer,
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
            IdKind::Session => "ses",
            IdKind::Project => "prj",
            IdKind::Procedure => "prc",
            IdKind::ProcedureTemplate => "ptp",
            IdKind::CheckIn => "chk",
            IdKind::Policy => "pol",
            IdKind::PolicyPackage => "ppk",
            IdKind::ZoneNotice => "znt",
            IdKind::ZoneIssue => "zis",
            IdKind::KnowledgeAnswer => "kna",
        }
    }

    /// What an id of this kind names, in `locale`.
    pub fn noun(self, locale: crate::i18n::Locale) -> &'static str {
        match self {
            IdKind::User => locale.pick("用户", "user"),
            IdKind::Company => locale.pick("企业", "company"),
            IdKind::Department => locale.pick("部门", "department"),
            IdKind::Assignment => locale.pick("分管记录", "assignment"),
            IdKind::Device => locale.pick("设备", "device"),
            IdKind::Notification => locale.pick("通知", "notification"),
            IdKind::PushDelivery => locale.pick("推送", "push delivery"),
            IdKind::SmsDelivery => locale.pick("短信", "SMS delivery"),
            IdKind::Category => locale.pick("类别", "category"),
            IdKind::Request => locale.pick("诉求", "request"),
            IdKind::Task => locale.pick("任务", "task"),
            IdKind::Event => locale.pick("事件", "event"),
            IdKind::Attachment => locale.pick("附件", "attachment"),
            IdKind::EvaluationPeriod => locale.pick("评价期", "evaluation period"),
            IdKind::ReplacementFlag => locale.pick("更换标记", "replacement flag"),
            IdKind::Extension => locale.pick("延期申请", "extension"),
            IdKind::AuditEntry => locale.pick("审计记录", "audit log entry"),
            IdKind::Visit => locale.pick("走访", "visit"),
            IdKind::Session => locale.pick("会话", "session"),
            IdKind::Project => locale.pick("重点项目", "key project"),
            IdKind::Procedure => locale.pick("代办事项", "procedure"),
            IdKind::ProcedureTemplate => locale.pick("代办事项模板", "procedure template"),
            IdKind::CheckIn => locale.pick("项目调度", "check-in"),
            IdKind::Policy => locale.pick("政策", "policy"),
            IdKind::PolicyPackage => locale.pick("政策包", "policy package"),
            IdKind::ZoneNotice => locale.pick("通知公告", "notice"),
            IdKind::ZoneIssue => locale.pick("共性问题", "zone issue"),
            IdKind::KnowledgeAnswer => locale.pick("知识库问答", "knowledge-base answer"),
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
        .ok_or_else(|| {
            AppError::bad_field(field, CoreReason::INVALID_ID)
                .arg("id", format!("{:?}", id.as_str()))
                .arg("kind", kind.noun(crate::i18n::current()))
        })
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
