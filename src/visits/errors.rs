//! Why a visit operation was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of the officers' visits to the companies they serve.
    pub enum VisitsReason {
        VISIT_IN_FUTURE => "走访日期不能晚于今天", "a visit cannot be recorded before it happens";
        VISIT_COMPANY_NOT_SERVED => "服务专员只能记录其服务企业的走访", "officers record visits only to the companies they serve";
        VISITS_OWN_ONLY => "服务专员只能查看自己的走访记录", "officers see their own visits";
        VISITS_NO_COMPANY => "您的账号未关联企业", "your account has no company";
        VISITS_OWN_COMPANY_ONLY => "企业人员只能查看本企业的走访记录", "company staff see their own company's visits";
        VISITS_NOT_FOR_DEPARTMENTS => "职能部门人员无权查看走访记录", "department staff do not see visits";
        VISIT_NOT_FOUND => "找不到该走访记录", "visit not found";
        VISIT_RAISER_ONLY => "只有进行该走访的服务专员可以据此提交诉求", "only the officer who made the visit raises requests from it";
        VISIT_IDEMPOTENCY_KEY_REUSED => "该幂等键已用于另一条诉求，请使用新的键", "this idempotency key was used for another request";
    }
}
