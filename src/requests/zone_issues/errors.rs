//! Why a zone issue step was refused.

crate::reasons! {
    /// Refusals of zone issues (一事多企).
    pub enum ZoneIssueReason {
        ZONE_ISSUE_NOT_FOUND => "找不到该共性问题", "zone issue not found";
        ZONE_ISSUE_TWO_REQUESTS => "合并办理至少需要两个诉求", "a zone issue links at least two requests";
        ZONE_ISSUE_REQUEST_TWICE => "同一诉求不能重复列出", "a request is listed twice";
        ZONE_ISSUE_TOO_MANY => "一次最多合并 {max} 个诉求", "at most {max} requests are linked at once";
        ZONE_ISSUE_ONLY_HANDLERS => "只有服务专员或管理员可以合并诉求", "only officers and admins link requests";
        ZONE_ISSUE_ALREADY_LINKED => "诉求 {number} 已在另一共性问题中", "request {number} already belongs to a zone issue";
        ZONE_ISSUE_NOT_OPEN => "诉求 {number} 当前状态为 {status}，不能合并办理", "request {number} is {status} and cannot be linked";
        ZONE_ISSUE_OWN_TASKS => "诉求 {number} 已单独派单，只有一个已派单的诉求可以作为合并办理的承载诉求", "request {number} was dispatched on its own: only one dispatched request can carry a zone issue";
        ZONE_ISSUE_CARRIER_TASKS => "该共性问题已派单，新加入的诉求不能有自己的部门任务", "the zone issue is dispatched: a request that joins it cannot hold department tasks of its own";
        ZONE_ISSUE_HANDLED => "该共性问题已办结，不能再加入诉求", "the zone issue's handling has ended: no request can join it";
        ZONE_ISSUE_NOT_MEMBER => "该诉求不在任何共性问题中", "the request is not part of a zone issue";
        ZONE_ISSUE_LEAVE_FORBIDDEN => "只有该企业的员工、其服务专员或管理员可以退出合并办理", "only the company's staff, its officer or an admin may take a request out of its zone issue";
    }
}
