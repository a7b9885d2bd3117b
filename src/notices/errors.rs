//! Why a notice to the zone was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of notices to the zone and their read receipts.
    pub enum NoticesReason {
        NOTICE_NOT_FOUND => "找不到该通知", "notice not found";
        ADMINS_SEND_NOTICES => "只有管理员可以发布通知公告", "only admins send notices to the zone";
        AUDIENCE_NOT_CHOSEN => "请选择接收范围：全部企业，或按行业、区域、标签、重点企业、服务专员筛选", "choose who receives it: all companies, or a filter by industry, area, tags, key enterprises or officer";
        AUDIENCE_AMBIGUOUS => "选择“全部企业”时不能再设置筛选条件", "a notice to all companies takes no filter";
        NO_RECIPIENTS => "没有企业符合所选接收范围，通知未发送", "no company matches the chosen audience; nothing was sent";
        OFFICER_NOT_FOUND => "找不到该服务专员", "no such officer";
        COMPANY_STAFF_READ_NOTICES => "只有企业用户可以标记通知已读", "only company staff mark notices read";
        RECEIPTS_FORBIDDEN => "只有管理员和服务专员可以查看阅读回执", "only admins and officers see read receipts";
    }
}
