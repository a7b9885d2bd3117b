//! Who is calling: the role of an account and the authenticated caller every service checks
//! its rules against. It is shared by every domain and depends on none.

use crate::error::{AppError, AppResult, CoreReason};
use crate::ids::{CompanyId, DepartmentId, UserId};

crate::stored_enum!(
    /// What a user does in the zone.
    Role {
        /// Staff of one company: raises and follows the company's requests.
        Company => "COMPANY",
        /// Service officer (企业服务专员) assigned to companies.
        Officer => "OFFICER",
        /// Staff of a handling department (承办部门).
        Department => "DEPARTMENT",
        /// Zone management and the hotline desk.
        Admin => "ADMIN",
    }
);

crate::labels!(Role {
    Company => "企业", "company";
    Officer => "服务专员", "service officer";
    Department => "承办部门", "department";
    Admin => "管理员", "administrator";
});

/// The authenticated caller of a request, loaded fresh from the database on every request so a
/// disabled account or a changed role takes effect at once.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub name: String,
    pub company_id: Option<CompanyId>,
    pub department_id: Option<DepartmentId>,
    pub principal: bool,
    pub zone_leader: bool,
    /// The caller's own language (an `Accept-Language` header may override it per request).
    pub locale: crate::i18n::Locale,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn require_admin(&self) -> AppResult<()> {
        self.require_role(&[Role::Admin])
    }

    pub fn require_role(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
            Err(AppError::forbidden(CoreReason::ROLE_REQUIRED).arg("roles", names.join(" or ")))
        }
    }
}
