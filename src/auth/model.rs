use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::actor::{Actor, Role};
use crate::db::schema::{login_throttles, refresh_tokens, users};
use crate::ids::{CompanyId, DepartmentId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub role: Role,
    pub phone: String,
    pub name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub company_id: Option<CompanyId>,
    pub department_id: Option<DepartmentId>,
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
    /// The language the server writes in for this user.
    pub locale: crate::i18n::Locale,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub role: Role,
    pub phone: String,
    pub name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub company_id: Option<CompanyId>,
    pub department_id: Option<DepartmentId>,
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
    pub company_id: Option<Option<CompanyId>>,
    pub department_id: Option<Option<DepartmentId>>,
    pub role: Option<Role>,
    pub disabled_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: i64,
    pub user_id: UserId,
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
    pub user_id: UserId,
    pub family_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl Actor {
    /// The caller behind a user's account.
    pub fn from_user(user: &User) -> Actor {
        Actor {
            user_id: user.id,
            role: user.role,
            name: user.name.clone(),
            company_id: user.company_id,
            department_id: user.department_id,
            principal: user.principal,
            zone_leader: user.zone_leader,
            locale: user.locale,
        }
    }
}

impl crate::audit::Audited for User {
    const TARGET: &'static str = "user";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "role": self.role.as_str(), "phone": self.phone, "name": self.name,
            "companyId": self.company_id, "departmentId": self.department_id,
            "principal": self.principal, "zoneLeader": self.zone_leader,
            "mustChangePassword": self.must_change_password,
            "disabledAt": self.disabled_at, "version": self.version,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttles)]
/// A phone number's or client address's failed logins and locks.
pub struct Throttle {
    pub id: i64,
    pub scope: String,
    pub key_hash: String,
    pub label: String,
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub lockouts: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = login_throttles)]
pub struct NewThrottle<'a> {
    pub scope: &'a str,
    pub key_hash: &'a str,
    pub label: &'a str,
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub lockouts: i32,
    pub updated_at: NaiveDateTime,
}

/// What the audit log keeps of a lifted login lock: the keys as admins see them (the masked
/// phone number, the client address) and how many were locked or counting failures.
pub struct LockoutLift {
    pub keys: Vec<String>,
    pub lifted: usize,
}

impl crate::audit::Audited for LockoutLift {
    const TARGET: &'static str = "loginLockout";
    fn target_id(&self) -> String {
        self.keys.join(",")
    }
    fn snapshot(&self) -> Value {
        json!({ "keys": self.keys, "lifted": self.lifted })
    }
}
