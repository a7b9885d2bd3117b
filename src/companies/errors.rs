//! Why a company's or an officer assignment's change was refused: each reason's stable code and
//! its texts.

crate::reasons! {
    /// Refusals of companies, their credit codes and their officers' assignments.
    pub enum CompaniesReason {
        COMPANY_NOT_FOUND => "找不到该企业", "company not found";
        COMPANY_DISABLED => "该企业已停用", "the company is disabled";
        COMPANY_CHANGED_MEANWHILE => "该企业信息已被他人修改（当前版本 {version}），请刷新后重试", "the company was changed by someone else (now version {version}); reload and try again";
        CREDIT_CODE_LENGTH => "统一社会信用代码应为 18 位", "a unified social credit code has 18 characters";
        CREDIT_CODE_BAD_CHARACTER => "统一社会信用代码中不能出现“{character}”（不使用 I、O、S、V、Z）", "'{character}' cannot appear in a unified social credit code (I, O, S, V and Z are never used)";
        CREDIT_CODE_BAD_REGION => "统一社会信用代码第 3 至 8 位应为行政区划数字", "characters 3 to 8 of a unified social credit code are the region's digits";
        CREDIT_CODE_CHECK_FAILED => "统一社会信用代码校验位不正确，请检查是否输错", "the check character of this unified social credit code is wrong; look for a typo";
        CREDIT_CODE_TAKEN => "已有企业使用该统一社会信用代码", "a company with this unified social credit code already exists";
        OFFICER_UNKNOWN => "找不到该服务专员", "no such officer";
        ASSIGNEE_NOT_OFFICER => "该用户不是服务专员", "this user is not a service officer";
        OFFICER_ACCOUNT_DISABLED => "该服务专员的账号已停用", "this officer's account is disabled";
        OFFICER_ALREADY_SERVES => "该服务专员已在服务该企业", "this officer already serves the company";
        ASSIGNMENT_CHANGED_MEANWHILE => "该专员指派已被他人修改，请刷新后重试", "the assignment was changed by someone else; reload and try again";
        OFFICER_LISTS_OWN_COMPANIES => "服务专员只能查看自己服务的企业", "officers list only the companies they serve";
        DEPARTMENT_SEES_COMPANIES_BY_TASKS => "部门用户请通过办理任务查看企业", "department staff see companies through their tasks";
        INDUSTRY_CODE_INVALID => "行业代码“{code}”不符合国民经济行业分类（GB/T 4754），应为门类字母加 2 至 4 位数字，如 C3360", "\"{code}\" is not a national industry classification (GB/T 4754) code: a section letter and 2 to 4 digits, such as C3360";
        TOO_MANY_TAGS => "标签最多 {max} 个", "at most {max} tags";
        EMPLOYEES_OUT_OF_RANGE => "从业人数应为 0 至 10,000,000 之间的整数", "employees must be a whole number from 0 to 10,000,000";
        PROFILE_EDIT_FORBIDDEN => "只有管理员和该企业的服务专员可以修改企业画像", "only admins and the company's officer change its profile";
        PROFILE_CHANGED_MEANWHILE => "企业画像已被他人修改（当前版本 {version}），请刷新后重试", "the company profile was changed by someone else (now version {version}); reload and try again";
        ASSIGNMENT_HISTORY_FORBIDDEN => "只有管理员和该企业的服务专员可以查看指派记录", "only admins and the company's officer see its assignment history";
    }
}
