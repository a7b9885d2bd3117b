//! Why a policy, package or uptake step was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of policies, packages and the uptake funnel.
    pub enum PoliciesReason {
        POLICY_NOT_FOUND => "找不到该政策", "policy not found";
        PACKAGE_NOT_FOUND => "找不到该政策包", "policy package not found";
        ADMINS_MANAGE_POLICIES => "只有管理员可以发布和管理政策", "only admins publish and manage policies";
        POLICY_CHANGED_MEANWHILE => "该政策已被他人修改（当前版本 {version}），请刷新后重试", "the policy was changed by someone else (now version {version}); reload and try again";
        POLICY_NOT_DRAFT => "政策已发布，不能再修改内容；如需调整请撤回后重新发布新政策", "a published policy cannot be edited; withdraw it and publish a new one";
        POLICY_WITHDRAWN => "该政策已撤回", "the policy was withdrawn";
        POLICY_EXPIRED => "该政策已过有效期", "the policy is past its validity";
        VALIDITY_REVERSED => "有效期起始日期不能晚于截止日期", "the validity cannot start after it ends";
        EMPLOYEE_BOUNDS_REVERSED => "从业人数下限应小于上限", "the lower employee bound must be below the upper one";
        DOCUMENT_URL_INVALID => "文件链接应以 https:// 或 http:// 开头", "a document link starts with https:// or http://";
        TOO_MANY_DOCUMENTS => "每项政策最多 {max} 个文件", "at most {max} documents per policy";
        TOO_MANY_POLICIES_IN_PACKAGE => "每个政策包最多 {max} 项政策", "at most {max} policies per package";
        NOT_ELIGIBLE_OR_NOT_TOLD => "该企业尚未收到此政策", "the company has not been told of this policy";
        COMPANY_STAFF_ONLY => "只有企业用户可以进行此操作", "only company staff do this";
        OFFICER_OWN_COMPANIES => "服务专员只能处理自己服务企业的政策兑现", "officers handle uptake only for the companies they serve";
        NO_APPLICATION_NEEDED => "该政策免申即享，无需申请", "this policy is granted without application";
        NOT_APPLIED_YET => "企业尚未申报该政策，不能登记兑现", "the company has not applied for this policy yet";
        ALREADY_GRANTED => "该政策已登记兑现", "the grant was already recorded";
        AMOUNT_NEGATIVE => "兑现金额不能为负数", "the amount cannot be negative";
        COMPANY_ID_REQUIRED => "请指定企业", "say which company";
        FUNNEL_FORBIDDEN => "只有管理员和服务专员可以查看政策兑现情况", "only admins and officers see policy uptake";
    }
}
