use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::actor::{Actor, Role};
use crate::db::schema::{login_throttles, recovery_codes, refresh_tokens, second_factors, sessions, users};
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
/// A signed-in device: one refresh-token family, named by the access tokens issued for it.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: UserId,
    pub family_id: String,
    /// What the phone called itself at login (a model name), if it said.
    pub device: Option<String>,
    /// ANDROID, IOS, HARMONY, WEB, … as the client said at login.
    pub platform: Option<String>,
    /// The client address at login, masked (203.0.113.*).
    pub address: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSessionRow {
    pub user_id: UserId,
    pub family_id: String,
    pub device: Option<String>,
    pub platform: Option<String>,
    pub address: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
}

impl crate::audit::Audited for SessionRow {
    const TARGET: &'static str = "session";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "userId": self.user_id, "device": self.device, "platform": self.platform,
            "address": self.address, "createdAt": self.created_at, "lastUsedAt": self.last_used_at,
            "endedAt": self.ended_at,
        })
    }
}

/// A user's TOTP second factor: the secret being enrolled, then the confirmed one.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = second_factors)]
pub struct SecondFactor {
    pub user_id: UserId,
    /// Base32 secret shown at enrolment, not yet confirmed by a code.
    pub pending_secret: Option<String>,
    /// Base32 secret of the confirmed factor.
    pub secret: Option<String>,
    pub enabled_at: Option<NaiveDateTime>,
    /// The last 30-second step whose code was accepted: a code is accepted once.
    pub last_step: Option<i64>,
    pub updated_at: NaiveDateTime,
}

impl SecondFactor {
    pub fn enabled(&self) -> bool {
        self.enabled_at.is_some() && self.secret.is_some()
    }
}

/// What the audit log keeps of a second factor: whether it is on, never the secret.
#[derive(Debug, Clone)]
pub struct SecondFactorAudit {
    pub user_id: UserId,
    pub enabled: bool,
    pub recovery_codes_left: i64,
}

impl crate::audit::Audited for SecondFactorAudit {
    const TARGET: &'static str = "secondFactor";
    fn target_id(&self) -> String {
        self.user_id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({ "userId": self.user_id, "enabled": self.enabled, "recoveryCodesLeft": self.recovery_codes_left })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = recovery_codes)]
pub struct NewRecoveryCode {
    pub user_id: UserId,
    pub code_hash: String,
    pub created_at: NaiveDateTime,
}
