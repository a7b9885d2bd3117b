//! Why a time-limit policy change was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of the time-limit policies.
    pub enum SlaReason {
        SLA_HOURS_OUT_OF_RANGE => "时限应为 1 至 {max} 小时", "between 1 and {max} hours";
        SLA_WORKING_DAYS_OUT_OF_RANGE => "时限应为 1 至 {max} 个工作日", "between 1 and {max} working days";
        SLA_SAME_DAY_AMOUNT => "当日办结的时限数值应为 0", "the same day takes amount 0";
        SLA_TASK_REPLY_ONLY => "部门任务只设答复时限", "a department task has a reply limit only";
        SLA_RESOLVE_REQUIRED => "诉求须设置办结时限", "a request needs a resolution limit";
        SLA_POLICY_NOT_FOUND => "找不到该时限规则", "policy not found";
    }
}
