//! What a notification says, in zh-CN and en. Push texts carry no personal data and no request
//! content: a kind, a request number or company name, and a short status line.

pub use crate::i18n::Locale;

/// Every kind of notification the server sends. The stored and pushed kind is `as_str()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// An officer now serves a company (to the officer).
    OfficerAssigned,
    /// An officer no longer serves a company (to that officer).
    OfficerReleased,
    /// The company has a new service officer (to the company's staff).
    CompanyOfficerChanged,
    /// 新的诉求 (New request).
    RequestRaised,
    /// 诉求已受理 (Request accepted).
    RequestAccepted,
    /// 诉求未予受理 (Request declined).
    RequestRejected,
    /// 咨询已答复 (Question answered).
    RequestAnswered,
    /// 诉求已交办 (Request dispatched).
    RequestDispatched,
    /// 诉求办理中 (Request in progress).
    RequestInProgress,
    /// 办理方案已确定 (Plan set).
    RequestPlanned,
    /// 办理进展 (Progress update).
    RequestNote,
    /// 诉求已办结 (Request resolved).
    RequestResolved,
    /// 诉求暂无法解决 (Cannot be solved now).
    RequestUnresolvable,
    /// 诉求已确认办结 (Request closed).
    RequestClosed,
    /// 诉求需重办 (Request reopened).
    RequestReopened,
    /// 诉求已撤回 (Request withdrawn).
    RequestWithdrawn,
    /// 催办提醒 (Request urged).
    RequestUrged,
    /// 诉求已自动办结 (Request closed automatically).
    RequestAutoClosed,
    /// 新的交办任务 (New task).
    TaskDispatched,
    /// 任务已认领 (Task claimed).
    TaskClaimed,
    /// 任务被退回 (Task returned).
    TaskReturned,
    /// 任务已转办 (Task transferred).
    TaskTransferred,
    /// 部门已提交方案 (Plan submitted).
    TaskPlanned,
    /// 部门已办结任务 (Task completed).
    TaskCompleted,
    /// 需补充材料 (Information needed).
    InfoRequested,
    /// 企业已补充材料 (Information provided).
    InfoProvided,
    /// 延期申请待审批 (Extension requested).
    ExtensionRequested,
    /// 延期申请已批准 (Extension approved).
    ExtensionApproved,
    /// 延期申请未批准 (Extension refused).
    ExtensionRefused,
    /// 办理时限提醒 (Due soon).
    DueSoon,
    /// 办理已超期 (Overdue).
    Overdue,
    /// 超期催办 (Chased).
    Chased,
    /// 超期督办 (Under supervision).
    Supervised,
    /// 超期通报 (Reported to the zone's leaders).
    Reprimanded,
    /// 半年评价开始 (Evaluation open), to every company principal.
    EvaluationOpened,
    /// 评价即将截止 (Evaluation closing soon), to principals who have not voted.
    EvaluationClosingSoon,
    /// 专员更换提醒 (Replacement flag), to the admins when a company is unsatisfied.
    ReplacementFlagRaised,
    /// 代办事项即将到期 (Procedure due soon), to its handler and the project's liaison.
    ProcedureDueSoon,
    /// 代办事项已超期 (Procedure overdue), to the squad and the admins.
    ProcedureOverdue,
    /// 代办事项督办 (Procedure under supervision), to the squad, the admins and the leader.
    ProcedureSupervised,
    /// 项目调度未按期 (Check-in missed), to the liaison, then the admins.
    CheckInMissed,
    /// 包联企业督办 (Supervision at a led enterprise), to the enterprise's zone leader.
    LeaderSupervision,
    /// 包联企业不满意评价 (Unsatisfied vote at a led enterprise), to its zone leader.
    LeaderUnsatisfiedVote,
    /// 新政策推送 (A policy for you), to a company's staff when it becomes eligible for a policy.
    PolicyMatched,
    /// 通知公告 (Notice from the zone), to the staff of every company addressed.
    ZoneNotice,
    /// 通知未读提醒 (Unread notice), to the staff of a company that has not read an important one.
    ZoneNoticeReminder,
}

impl NoticeKind {
    pub const ALL: &'static [NoticeKind] = &[
        NoticeKind::OfficerAssigned,
        NoticeKind::OfficerReleased,
        NoticeKind::CompanyOfficerChanged,
        NoticeKind::EvaluationOpened,
        NoticeKind::EvaluationClosingSoon,
        NoticeKind::ReplacementFlagRaised,
        NoticeKind::ProcedureDueSoon,
        NoticeKind::ProcedureOverdue,
        NoticeKind::ProcedureSupervised,
        NoticeKind::CheckInMissed,
        NoticeKind::LeaderSupervision,
        NoticeKind::LeaderUnsatisfiedVote,
        NoticeKind::PolicyMatched,
        NoticeKind::ZoneNotice,
        NoticeKind::ZoneNoticeReminder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::OfficerAssigned => "OFFICER_ASSIGNED",
            NoticeKind::OfficerReleased => "OFFICER_RELEASED",
            NoticeKind::CompanyOfficerChanged => "COMPANY_OFFICER_CHANGED",
            NoticeKind::RequestRaised => "REQUEST_RAISED",
            NoticeKind::RequestAccepted => "REQUEST_ACCEPTED",
            NoticeKind::RequestRejected => "REQUEST_REJECTED",
            NoticeKind::RequestAnswered => "REQUEST_ANSWERED",
            NoticeKind::RequestDispatched => "REQUEST_DISPATCHED",
            NoticeKind::RequestInProgress => "REQUEST_IN_PROGRESS",
            NoticeKind::RequestPlanned => "REQUEST_PLANNED",
            NoticeKind::RequestNote => "REQUEST_NOTE",
            NoticeKind::RequestResolved => "REQUEST_RESOLVED",
            NoticeKind::RequestUnresolvable => "REQUEST_UNRESOLVABLE",
            NoticeKind::RequestClosed => "REQUEST_CLOSED",
            NoticeKind::RequestReopened => "REQUEST_REOPENED",
            NoticeKind::RequestWithdrawn => "REQUEST_WITHDRAWN",
            NoticeKind::RequestUrged => "REQUEST_URGED",
            NoticeKind::RequestAutoClosed => "REQUEST_AUTO_CLOSED",
            NoticeKind::TaskDispatched => "TASK_DISPATCHED",
            NoticeKind::TaskClaimed => "TASK_CLAIMED",
            NoticeKind::TaskReturned => "TASK_RETURNED",
            NoticeKind::TaskTransferred => "TASK_TRANSFERRED",
            NoticeKind::TaskPlanned => "TASK_PLANNED",
            NoticeKind::TaskCompleted => "TASK_COMPLETED",
            NoticeKind::InfoRequested => "INFO_REQUESTED",
            NoticeKind::InfoProvided => "INFO_PROVIDED",
            NoticeKind::ExtensionRequested => "EXTENSION_REQUESTED",
            NoticeKind::ExtensionApproved => "EXTENSION_APPROVED",
            NoticeKind::ExtensionRefused => "EXTENSION_REFUSED",
            NoticeKind::DueSoon => "DUE_SOON",
            NoticeKind::Overdue => "OVERDUE",
            NoticeKind::Chased => "CHASED",
            NoticeKind::Supervised => "SUPERVISED",
            NoticeKind::Reprimanded => "REPRIMANDED",
            NoticeKind::EvaluationOpened => "EVALUATION_OPENED",
            NoticeKind::EvaluationClosingSoon => "EVALUATION_CLOSING_SOON",
            NoticeKind::ReplacementFlagRaised => "REPLACEMENT_FLAG_RAISED",
            NoticeKind::ProcedureDueSoon => "PROCEDURE_DUE_SOON",
            NoticeKind::ProcedureOverdue => "PROCEDURE_OVERDUE",
            NoticeKind::ProcedureSupervised => "PROCEDURE_SUPERVISED",
            NoticeKind::CheckInMissed => "CHECK_IN_MISSED",
            NoticeKind::LeaderSupervision => "LEADER_SUPERVISION",
            NoticeKind::LeaderUnsatisfiedVote => "LEADER_UNSATISFIED_VOTE",
            NoticeKind::PolicyMatched => "POLICY_MATCHED",
            NoticeKind::ZoneNotice => "ZONE_NOTICE",
            NoticeKind::ZoneNoticeReminder => "ZONE_NOTICE_REMINDER",
        }
    }

    /// Title in Chinese, title in English and the English status line of request notices.
    fn request_texts(self) -> Option<(&'static str, &'static str, &'static str)> {
        use NoticeKind::*;
        Some(match self {
            RequestRaised => ("新的诉求", "New request", "a new request was raised"),
            RequestAccepted => ("诉求已受理", "Request accepted", "accepted by your service officer"),
            RequestRejected => (
                "诉求未予受理",
                "Request declined",
                "declined; see the reason in the app",
            ),
            RequestAnswered => ("咨询已答复", "Question answered", "your question was answered"),
            RequestDispatched => (
                "诉求已交办",
                "Request dispatched",
                "sent to the departments that act on it",
            ),
            RequestInProgress => ("诉求办理中", "Request in progress", "a department is handling it"),
            RequestPlanned => ("办理方案已确定", "Plan set", "who handles it, how and by when is set"),
            RequestNote => ("办理进展", "Progress update", "there is news on it"),
            RequestResolved => ("诉求已办结", "Request resolved", "resolved; please confirm the result"),
            RequestUnresolvable => (
                "诉求暂无法解决",
                "Cannot be solved now",
                "cannot be solved under current policy; see the explanation",
            ),
            RequestClosed => ("诉求已确认办结", "Request closed", "the company confirmed the result"),
            RequestReopened => (
                "诉求需重办",
                "Request reopened",
                "not solved or not satisfied: to be handled again",
            ),
            RequestWithdrawn => ("诉求已撤回", "Request withdrawn", "withdrawn by the company"),
            RequestUrged => ("催办提醒", "Request urged", "urged on; please act"),
            RequestAutoClosed => (
                "诉求已自动办结",
                "Request closed automatically",
                "closed after 7 days without feedback",
            ),
            TaskDispatched => (
                "新的交办任务",
                "New task",
                "assigned to your department; please sign for it",
            ),
            TaskClaimed => ("任务已认领", "Task claimed", "claimed from the pool by a department"),
            TaskReturned => (
                "任务被退回",
                "Task returned",
                "a department returned its task; please dispatch again",
            ),
            TaskTransferred => ("任务已转办", "Task transferred", "a task moved to another department"),
            TaskPlanned => ("部门已提交方案", "Plan submitted", "a department submitted its plan"),
            TaskCompleted => ("部门已完成任务", "Task completed", "a department finished its task"),
            InfoRequested => (
                "需补充材料",
                "Information needed",
                "your service officer needs more information; please reply in the app",
            ),
            InfoProvided => (
                "企业已补充材料",
                "Information provided",
                "the company answered; the time limits run again",
            ),
            ExtensionRequested => (
                "延期申请待审批",
                "Extension requested",
                "a department asks for more time; please decide",
            ),
            ExtensionApproved => (
                "延期申请已批准",
                "Extension approved",
                "the extension was granted; the due time moved",
            ),
            ExtensionRefused => (
                "延期申请未批准",
                "Extension refused",
                "the extension was refused; the due time stands",
            ),
            DueSoon => (
                "办理时限提醒",
                "Due soon",
                "most of the time limit has passed; please act",
            ),
            Overdue => ("办理已超期", "Overdue", "a time limit has passed"),
            Chased => ("超期催办", "Chased", "overdue and not yet acted on; please act now"),
            Supervised => (
                "超期督办",
                "Under supervision",
                "overdue; the administration supervises it",
            ),
            Reprimanded => (
                "超期通报",
                "Reported to the zone's leaders",
                "long overdue; reported to the zone's leaders",
            ),
            OfficerAssigned
            | OfficerReleased
            | CompanyOfficerChanged
            | EvaluationOpened
            | EvaluationClosingSoon
            | ReplacementFlagRaised
            | ProcedureDueSoon
            | ProcedureOverdue
            | ProcedureSupervised
            | CheckInMissed
            | LeaderSupervision
            | LeaderUnsatisfiedVote => return None,
            PolicyMatched | ZoneNotice | ZoneNoticeReminder => return None,
        })
    }

    /// Title and body of this kind about `subject` (a request number or a company name).
    pub fn render(self, locale: Locale, subject: &str) -> (String, String) {
        use Locale::*;
        use NoticeKind::*;
        if let Some((zh_title, en_title, en_line)) = self.request_texts() {
            return match locale {
                ZhCn => (zh_title.to_string(), format!("诉求 {subject}：{zh_title}")),
                En => (en_title.to_string(), format!("{subject}: {en_line}")),
            };
        }
        let (title, body) = match (self, locale) {
            (OfficerAssigned, ZhCn) => ("新的服务企业", format!("您已被指派为「{subject}」的企业服务专员")),
            (OfficerAssigned, En) => (
                "New company to serve",
                format!("You are now the service officer of {subject}"),
            ),
            (OfficerReleased, ZhCn) => ("服务企业调整", format!("您已不再担任「{subject}」的企业服务专员")),
            (OfficerReleased, En) => ("Company reassigned", format!("You no longer serve {subject}")),
            (CompanyOfficerChanged, ZhCn) => (
                "服务专员变更",
                "贵企业的服务专员已更换，请在应用中查看联系方式".to_string(),
            ),
            (CompanyOfficerChanged, En) => (
                "Your service officer changed",
                "Your company has a new service officer; see the app for contact details".to_string(),
            ),
            (EvaluationOpened, ZhCn) => (
                "半年评价开始",
                format!("{subject} 服务专员评价已开始，请为贵企业的服务专员评价"),
            ),
            (EvaluationOpened, En) => (
                "Officer evaluation open",
                format!("The {subject} evaluation is open: please rate your service officer"),
            ),
            (EvaluationClosingSoon, ZhCn) => (
                "评价即将截止",
                format!("{subject} 服务专员评价将于3天后截止，您尚未评价"),
            ),
            (EvaluationClosingSoon, En) => (
                "Evaluation closes soon",
                format!("The {subject} evaluation closes in 3 days and you have not voted"),
            ),
            (ReplacementFlagRaised, ZhCn) => ("专员更换待处理", format!("「{subject}」对服务专员不满意，需更换专员")),
            (ReplacementFlagRaised, En) => (
                "Officer replacement needed",
                format!("{subject} is unsatisfied with its officer, who must be replaced"),
            ),
            (ProcedureDueSoon, ZhCn) => ("代办事项即将到期", format!("{subject}：代办事项的法定时限即将届满")),
            (ProcedureDueSoon, En) => (
                "Procedure due soon",
                format!("{subject}: most of a procedure's statutory time has passed"),
            ),
            (ProcedureOverdue, ZhCn) => ("代办事项已超期", format!("{subject}：代办事项已超过法定时限")),
            (ProcedureOverdue, En) => (
                "Procedure overdue",
                format!("{subject}: a procedure has passed its statutory time"),
            ),
            (ProcedureSupervised, ZhCn) => ("代办事项督办", format!("{subject}：代办事项超期，已进入督办")),
            (ProcedureSupervised, En) => (
                "Procedure under supervision",
                format!("{subject}: an overdue procedure is under supervision"),
            ),
            (CheckInMissed, ZhCn) => ("项目调度未按期", format!("{subject}：本周期尚未记录调度走访")),
            (CheckInMissed, En) => (
                "Check-in missed",
                format!("{subject}: no check-in was recorded in the last period"),
            ),
            (LeaderSupervision, ZhCn) => ("包联企业督办", format!("您包联的企业事项已进入督办：{subject}")),
            (LeaderSupervision, En) => (
                "Supervision at your enterprise",
                format!("A matter of the enterprise you lead is under supervision: {subject}"),
            ),
            (LeaderUnsatisfiedVote, ZhCn) => (
                "包联企业不满意评价",
                format!("您包联的企业「{subject}」对服务专员不满意"),
            ),
            (LeaderUnsatisfiedVote, En) => (
                "Unsatisfied vote at your enterprise",
                format!("{subject}, the enterprise you lead, is unsatisfied with its officer"),
            ),
            (PolicyMatched, ZhCn) => (
                "新政策推送",
                format!("贵企业符合政策「{subject}」的条件，请在应用中查看"),
            ),
            (PolicyMatched, En) => (
                "A policy for your company",
                format!("Your company qualifies for the policy \"{subject}\"; see the app"),
            ),
            (ZoneNotice, ZhCn) => ("通知公告", format!("园区发布通知：{subject}")),
            (ZoneNotice, En) => ("Notice from the zone", format!("The zone sent a notice: {subject}")),
            (ZoneNoticeReminder, ZhCn) => ("通知未读提醒", format!("重要通知「{subject}」尚未阅读，请及时查看")),
            (ZoneNoticeReminder, En) => (
                "Unread notice",
                format!("The important notice \"{subject}\" has not been read yet; please read it"),
            ),
            // Request notices were rendered above.
            (_, ZhCn) | (_, En) => (self.as_str(), subject.to_string()),
        };
        (title.to_string(), body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_both_languages() {
        for kind in NoticeKind::ALL {
            let (zh_title, zh_body) = kind.render(Locale::ZhCn, "甲公司");
            let (en_title, en_body) = kind.render(Locale::En, "甲公司");
            assert!(!zh_title.is_empty() && !zh_body.is_empty() && !en_title.is_empty() && !en_body.is_empty());
            assert_ne!(zh_title, en_title, "{kind:?}");
        }
    }
}
