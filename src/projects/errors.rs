//! Why a key-project operation was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of key projects, their procedures, check-ins and boards.
    pub enum ProjectsReason {
        PROJECT_NOT_FOUND => "找不到该重点项目", "key project not found";
        PROJECT_CLOSED => "该重点项目已关闭", "this key project is closed";
        PROJECT_SQUAD_ONLY => "只有项目服务专班成员可以进行此操作", "only the project's squad may do this";
        PROJECT_LIAISON_ONLY => "只有项目联络员可以记录调度", "only the project's liaison records check-ins";
        PROJECT_LIAISON_NOT_OFFICER => "项目联络员必须是在职的服务专员", "the lead liaison must be an active officer";
        PROJECT_MEMBER_INVALID => "专班成员必须是在职的服务专员或部门人员", "squad members must be active officers or department staff";
        PROJECT_COMPANY_NOT_FOUND => "找不到该企业", "company not found";
        PROJECT_INVESTMENT_INVALID => "投资额必须为正数（万元）", "the investment must be a positive number of ten thousand yuan";
        PROJECT_STAGE_NOT_NEXT => "项目阶段只能依次推进到下一阶段", "a project moves only to the next stage";
        PROJECT_TEMPLATE_NOT_FOUND => "找不到该代办事项模板", "procedure template not found";
        PROJECT_TEMPLATE_DAYS_INVALID => "法定办理时限必须为1至365个工作日", "statutory days must be 1 to 365 working days";
        PROJECT_TYPE_INVALID => "事项类型只能包含大写字母、数字和下划线", "a procedure type holds capital letters, digits and underscores only";
        PROJECT_DEPARTMENT_NOT_FOUND => "找不到该部门", "department not found";
        PROCEDURE_NOT_FOUND => "找不到该代办事项", "procedure not found";
        PROCEDURE_STEP_OUT_OF_ORDER => "代办事项须依次提交、受理、办结", "a procedure is submitted, accepted and approved in that order";
        PROCEDURE_TIME_IN_FUTURE => "时间不能晚于当前时间", "the time cannot be in the future";
        PROCEDURE_TIME_BEFORE_PREVIOUS => "时间不能早于上一步", "the time cannot be before the previous step";
        PROCEDURE_HANDLER_INVALID => "代办人必须是项目专班成员", "the handler must be a member of the project's squad";
        PROCEDURE_TOO_MANY_DOCUMENTS => "一个代办事项最多登记50份材料", "a procedure lists at most 50 documents";
        PROJECT_TOO_MANY_MEMBERS => "项目专班最多30名成员", "a squad has at most 30 members";
        PROJECT_TOO_MANY_CONTACTS => "一个项目最多登记20名联系人", "a project lists at most 20 contacts";
        CHECK_IN_IN_FUTURE => "调度时间不能晚于当前时间", "a check-in cannot be recorded before it happens";
        LEADER_NOT_ADMIN => "包联领导必须是在职的管理员", "the zone leader must be an active admin";
        PROJECTS_NO_COMPANY => "您的账号未关联企业", "your account has no company";
        PROJECTS_ADMINS_ONLY => "只有管理员可以查看项目看板", "only admins see the project boards";
        PROJECT_REQUEST_IDEMPOTENCY_KEY_REUSED => "该幂等键已用于另一条诉求，请使用新的键", "this idempotency key was used for another request";
    }
}
