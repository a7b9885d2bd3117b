//! Why a department's change or view was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of the zone's departments.
    pub enum DepartmentsReason {
        DEPARTMENT_NOT_FOUND => "找不到该部门", "department not found";
        DEPARTMENT_NAME_TAKEN => "已有同名部门", "a department with this name already exists";
        DEPARTMENT_CHANGED_MEANWHILE => "该部门信息已被他人修改（当前版本 {version}），请刷新后重试", "the department was changed by someone else (now version {version}); reload and try again";
        DEPARTMENT_STAFF_FORBIDDEN => "只有管理员和本部门人员可以查看部门人员", "only admins and the department's staff see its staff";
    }
}
