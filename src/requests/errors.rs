//! Why a request, task, category or extension step was refused: each reason's stable code and
//! its texts.

crate::reasons! {
    /// Refusals of the requests' lifecycle, their tasks, categories and time-limit extensions.
    pub enum RequestsReason {
        INVALID_TRANSITION => "诉求当前状态为 {status}，不能执行 {action}", "{action} is not possible while the request is {status}";
        TASK_INVALID_TRANSITION => "任务当前状态为 {status}，不能执行 {action}", "{action} is not possible while the task is {status}";
        ANSWER_ONLY_CONSULTATIONS => "只有咨询类诉求可以直接答复，其他诉求请派单或办结", "answerRequest is for consultations: dispatch or resolve other requests";
        ALREADY_AWAITING_COMPANY => "该诉求已在等待企业补充材料", "the request already waits for the company's answer";
        NOT_AWAITING_COMPANY => "目前没有需要企业补充的材料", "nobody is waiting for information from the company";
        HANDLED_WITH_ZONE_ISSUE => "该诉求与其他企业的同类诉求合并办理，请在共性问题上办理", "the request is handled with its zone issue: take the step on the zone issue";
        CALLBACK_NOT_DUE => "诉求当前状态为 {status}，无需回访：回访用于已办结待评价或未评价即自动关闭的诉求", "no callback is due while the request is {status}: a callback is recorded on a resolved request, or on one closed automatically without the company's answer";
        CALLBACK_IN_FUTURE => "回访时间不能晚于现在", "the call cannot be in the future";
        CALLBACK_TOO_OLD => "只能记录{days}天内的回访", "a call is recorded within {days} days of being made";
        REQUEST_NOT_FOUND => "找不到该诉求", "request not found";
        TASK_NOT_FOUND => "找不到该任务", "task not found";
        EXTENSION_NOT_FOUND => "找不到该延期申请", "extension not found";
        CATEGORY_NOT_FOUND => "找不到该诉求类别", "category not found";
        COMPANY_NOT_FOUND_FOR_REQUEST => "找不到该企业", "company not found";
        REQUEST_CHANGED => "该诉求已被他人修改（当前版本 {version}），请刷新后重试", "the request was changed by someone else (now version {version}); reload and try again";
        TASK_CHANGED => "该任务已被他人修改，请刷新后重试", "the task was changed by someone else; reload and try again";
        ONLY_HANDLER => "只有该诉求的服务专员或管理员可以执行此操作", "only the request's officer or an admin may do this";
        ONLY_COMPANY => "只有该企业的员工可以执行此操作", "only the company's staff may do this";
        ONLY_COMPANY_OR_ADMIN => "只有该企业的员工或管理员可以执行此操作", "only the company's staff or an admin may do this";
        ONLY_TASK_DEPARTMENT => "只有承办该任务的部门可以执行此操作", "only staff of the department that holds the task may do this";
        ONLY_DEPARTMENTS => "只有部门工作人员可以执行此操作", "only department staff may do this";
        ONLY_HANDLER_OR_TASK_HOLDER => "只有该诉求的服务专员、管理员或承办部门可以执行此操作", "only the request's officer, an admin or a department holding a task on it may do this";
        NOT_YOUR_STEP => "此步骤不由您执行", "this step is not yours to take";
        NO_COMPANY => "您的账号未关联企业", "no company";
        OWN_COMPANY_ONLY => "企业员工只能为本企业提交诉求", "company staff raise requests for their own company";
        APP_CHANNEL_ONLY => "在应用内提交的诉求渠道为 APP", "requests raised in the app use the channel APP";
        COMPANY_REQUIRED => "请指定诉求所属企业", "say which company the request is for";
        CHANNEL_REQUIRED => "请说明诉求来源：HOTLINE、VISIT、GROUP_CHAT 或 OTHER", "say how the request came in: HOTLINE, VISIT, GROUP_CHAT or OTHER";
        APP_CHANNEL_FOR_COMPANIES => "APP 渠道仅用于企业自行提交的诉求，请选择 HOTLINE、VISIT、GROUP_CHAT 或 OTHER", "APP is for requests the company raises itself: use HOTLINE, VISIT, GROUP_CHAT or OTHER";
        DEPARTMENTS_DO_NOT_RAISE => "部门工作人员不提交诉求", "department staff do not raise requests";
        OFFICER_OWN_COMPANIES_ONLY => "服务专员只能为其服务的企业提交诉求", "officers raise requests only for the companies they serve";
        NO_SUCH_CATEGORY => "没有该诉求类别", "no such category";
        CATEGORY_RETIRED => "该诉求类别已停用", "this category is no longer in use";
        MY_TASKS_ROLES => "待办任务仅供服务专员和部门工作人员使用", "myTasks is for officers and department staff";
        WITHIN_HOURS_RANGE => "小时数须在 1 到 720 之间", "between 1 and 720 hours";
        DEPARTMENT_ALREADY_HOLDS_TASK => "贵部门已承办该诉求的一项任务", "your department already holds a task on this request";
        NO_SUCH_DEPARTMENT => "没有该部门", "no such department";
        DEPARTMENT_DISABLED => "该部门已停用", "this department is disabled";
        TARGET_ALREADY_HOLDS_TASK => "该部门已承办该诉求的一项任务", "this department already holds a task on this request";
        NAMED_DEPARTMENT_DISABLED => "{department}已停用", "{department} is disabled";
        NAMED_DEPARTMENT_HOLDS_TASK => "{department}已承办该诉求的一项任务", "{department} already holds a task on this request";
        PLAN_DUE_IN_PAST => "办理计划的完成时间应晚于现在", "a plan's deadline is in the future";
        DEPARTMENTS_OR_POOL => "诉求只能派给指定部门或进入抢单池，二者择一", "a request goes either to departments or to the pool";
        DEPARTMENT_REQUIRED => "请至少指定一个部门（或设置 toPool: true）", "name at least one department (or send toPool: true)";
        DEPARTMENT_TWICE => "同一部门被指定了两次", "a department is named twice";
        LEAD_EXISTS => "该诉求已有主办部门，只能增加协办部门", "the request already has a lead department (主办): add assisting departments only";
        ONE_LEAD_REQUIRED => "请指定且只指定一个主办部门", "name exactly one lead department (主办)";
        COMPANY_NOTES_PUBLIC => "企业员工只能添加公开的进展说明", "company staff write public notes only";
        NO_OPEN_LIMIT => "该任务没有可延期的时限", "the task has no open time limit to extend";
        DEADLINE_PASSED => "延期须在时限届满前申请", "an extension is asked for before the deadline passes";
        EXTENSION_NOT_LATER => "申请的时间应晚于当前时限", "ask for a moment after the current due time";
        EXTENSION_PENDING => "该任务已有一项待审批的延期申请", "an extension for this task already waits for a decision";
        EXTENSION_DECIDED => "该延期申请已审批", "this extension has been decided already";
        CATEGORY_CODE_LENGTH => "类别编码应为 1 到 {max} 个字符", "a category code has 1 to {max} characters";
        CATEGORY_CODE_CHARACTERS => "类别编码只能包含字母、数字、“-”和“_”", "a category code uses only letters, digits, '-' and '_'";
        CATEGORY_CODE_TAKEN => "已有使用该编码的类别", "a category with this code already exists";
    }
}
