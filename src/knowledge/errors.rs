//! Why a knowledge-base step was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of the knowledge base.
    pub enum KnowledgeReason {
        ANSWER_NOT_FOUND => "找不到该问答", "knowledge-base answer not found";
        HANDLERS_PUBLISH_ANSWERS => "只有服务专员和管理员可以发布问答", "only officers and admins publish answers";
        OFFICERS_PUBLISH_FROM_REQUESTS => "服务专员须从已答复的咨询发布问答", "officers publish answers from an answered consultation";
        CATEGORY_REQUIRED => "请选择问答所属类别", "say which category the answer belongs to";
        NOT_A_CONSULTATION => "只有咨询类诉求可以发布为问答", "only consultations can be published as answers";
        CONSULTATION_NOT_ANSWERED => "该咨询尚未办结，不能发布", "the consultation is not resolved yet";
        ALREADY_PUBLISHED => "该咨询已发布为问答", "this consultation was already published";
        ANSWER_NAMES_COMPANY => "问答中不能出现企业名称或信用代码（发现“{name}”），请改写后发布", "an answer must not name the company (found \"{name}\"); rewrite it";
        ANSWER_HOLDS_PHONE => "问答中不能出现电话号码", "an answer must not hold a phone number";
        ANSWER_WITHDRAWN => "该问答已撤回", "the answer was withdrawn";
        WITHDRAW_OWN_OR_ADMIN => "只有发布人或管理员可以撤回问答", "only its publisher or an admin withdraws an answer";
        SAY_ANSWER_OR_POLICY => "请指定一条问答或一项政策（二选一）", "give one answer or one policy, not both";
        COMPANY_STAFF_FIND => "只有企业用户可以标记“已找到答案”", "only company staff mark an answer as found";
        POLICY_NOT_TOLD => "该政策未推送给本企业", "this policy was not delivered to your company";
        SUMMARY_FOR_HANDLERS => "只有服务专员和管理员可以查看知识库统计", "only officers and admins see the knowledge-base figures";
        WITHDRAWN_FOR_HANDLERS => "只有服务专员和管理员可以查看已撤回的问答", "only officers and admins see withdrawn answers";
        FIRST_RANGE => "条数应在 1 到 {max} 之间", "first must be between 1 and {max}";
    }
}
