use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{refresh_tokens, users};
use crate::error::{AppError, AppResult};

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

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub role: Role,
    pub phone: String,
    pub name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub company_id: Option<i64>,
    pub department_id: Option<i64>,
    pub principal: bool,
    pub zone_leader: bool,
    pub disabled_at: Option<NaiveDateTime>,
    pub last_login_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Start of the quiet hours, in minutes after midnight in the zone's time zone.
    pub quiet_start_minute: i32,
    /// End of the quiet hours, in minutes after midnight.
    pub quiet_end_minute: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub role: Role,
    pub phone: String,
    pub name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub company_id: Option<i64>,
    pub department_id: Option<i64>,
    pub principal: bool,
    pub zone_leader: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub principal: Option<bool>,
    pub zone_leader: Option<bool>,
    pub company_id: Option<Option<i64>>,
    pub department_id: Option<Option<i64>>,
    pub role: Option<Role>,
    pub disabled_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: i64,
    pub user_id: i64,
    pub family_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken {
    pub user_id: i64,
    pub family_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// The authenticated caller of a request, loaded fresh from the database on every request so a
/// disabled account or a changed role takes effect at once.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub name: String,
    pub company_id: Option<i64>,
    pub department_id: Option<i64>,
    pub principal: bool,
    pub zone_leader: bool,
}

impl Actor {
    pub fn from_user(user: &User) -> Actor {
        Actor {
            user_id: user.id,
            role: user.role,
            name: user.name.clone(),
            company_id: user.company_id,
            department_id: user.department_id,
            principal: user.principal,
            zone_leader: user.zone_leader,
        }
    }

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
            Err(AppError::forbidden(format!(
                "only {} users may do this",
                names.join(" or ")
            )))
        }
    }
}
