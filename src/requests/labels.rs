//! The labels the apps show for the requests' enum values, in each language (one table per
//! enum; a value without its two labels does not compile).

use super::model::{Channel, EventKind, RequestKind, RequestStatus, TaskStatus};

crate::labels!(Channel {
    App => "企业自主提交", "in the app";
    Hotline => "热线", "hotline";
    Visit => "走访", "visit";
    GroupChat => "服务群", "group chat";
    Other => "其他", "other";
});

crate::labels!(RequestKind {
    Consultation => "咨询", "consultation";
    Problem => "问题", "problem";
    Suggestion => "建议", "suggestion";
    Complaint => "投诉", "complaint";
});

crate::labels!(RequestStatus {
    Submitted => "待受理", "submitted";
    Accepted => "已受理", "accepted";
    Dispatched => "已派单", "dispatched";
    InProgress => "办理中", "in progress";
    Resolved => "已办结", "resolved";
    Closed => "已关闭", "closed";
    Rejected => "不予受理", "rejected";
    Withdrawn => "已撤回", "withdrawn";
    Unresolvable => "暂不能解决", "cannot be resolved";
    Reopened => "重办", "reopened";
});

crate::labels!(TaskStatus {
    Pooled => "待认领", "in the pool";
    Dispatched => "待签收", "dispatched";
    Signed => "已签收", "signed for";
    Planned => "办理中", "planned";
    Done => "已完成", "done";
    Returned => "已退单", "returned";
    Transferred => "已转办", "transferred";
});

crate::labels!(EventKind {
    Raised => "提交诉求", "raised";
    Accepted => "受理", "accepted";
    Rejected => "不予受理", "rejected";
    Answered => "答复", "answered";
    Dispatched => "派单", "dispatched";
    Pooled => "进入抢单池", "put in the pool";
    Claimed => "认领", "claimed";
    Signed => "签收", "signed for";
    Returned => "退单", "returned";
    Transferred => "转办", "transferred";
    Planned => "提交办理计划", "plan given";
    Completed => "部门办结", "task finished";
    Note => "进展说明", "progress note";
    Resolved => "办结", "resolved";
    Unresolvable => "暂不能解决", "cannot be resolved";
    Closed => "关闭", "closed";
    Reopened => "重办", "reopened";
    Withdrawn => "撤回", "withdrawn";
    Urged => "催办", "urged";
    AutoClosed => "自动关闭", "closed automatically";
    InfoRequested => "请企业补充材料", "information asked";
    InfoProvided => "企业补充材料", "information given";
    ExtensionRequested => "申请延期", "extension asked";
    ExtensionApproved => "延期获批", "extension approved";
    ExtensionRefused => "延期未获批", "extension refused";
    DueReminder => "即将到期提醒", "due soon";
    Overdue => "超期", "overdue";
    Chased => "催办", "chased";
    Supervised => "督办", "supervised";
    Reprimanded => "通报", "reprimanded";
    ZoneIssueLinked => "合并办理", "handled with other companies";
    ZoneIssueLeft => "退出合并办理", "handled on its own";
    CallbackRecorded => "回访", "callback";
});
