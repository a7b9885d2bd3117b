//! Why an account's administration was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of creating, changing, disabling and showing accounts.
    pub enum UsersReason {
        USER_NOT_FOUND => "找不到该用户", "user not found";
        USER_COMPANY_UNKNOWN => "找不到该企业", "no such company";
        USER_COMPANY_DISABLED => "该企业已停用", "the company is disabled";
        USER_COMPANY_LINK_REQUIRED => "企业用户须选择所属企业，且不能选择部门", "company staff need a companyId and no departmentId";
        USER_DEPARTMENT_UNKNOWN => "找不到该部门", "no such department";
        USER_DEPARTMENT_DISABLED => "该部门已停用", "the department is disabled";
        USER_DEPARTMENT_LINK_REQUIRED => "部门用户须选择所属部门，且不能选择企业", "department staff need a departmentId and no companyId";
        USER_ROLE_HAS_NO_LINKS => "{role} 角色的用户不隶属于任何企业或部门", "{role} users belong to no company or department";
        PRINCIPAL_NOT_COMPANY_STAFF => "只有企业用户可以担任企业负责人", "only company staff can be a company's principal";
        ZONE_LEADER_NOT_ADMIN => "只有管理员可以担任园区领导", "only admins can be zone leaders";
        USER_PHONE_TAKEN => "该手机号已被其他账号使用", "another account already uses this phone number";
        USER_CHANGED_MEANWHILE => "该用户信息已被他人修改（当前版本 {version}），请刷新后重试", "the user was changed by someone else (now version {version}); reload and try again";
        OWN_ROLE_UNCHANGEABLE => "不能修改自己的角色", "you cannot change your own role";
        OWN_ACCOUNT_UNDISABLEABLE => "不能停用自己的账号", "you cannot disable your own account";
        OFFICER_STILL_SERVES => "该专员仍在服务 {count} 家企业，请先为这些企业指派其他专员", "this officer still serves {count} companies: assign them another officer first";
        FIRST_ADMIN_PHONE_TAKEN => "系统尚无可用的管理员，且手机号 {phone} 已被其他账号使用，请使用 `zhitong create-admin` 创建管理员", "no active admin exists and phone {phone} is taken by another account: create one with `zhitong create-admin`";
        ADMIN_PHONE_TAKEN => "手机号 {phone} 已属于 {role} 角色的账号", "{phone} belongs to a {role} account";
    }
}
