//! The administration of accounts: creating users, changing their details, role and state,
//! resetting passwords, and who may see whom. Sessions and tokens are in `auth`.

use crate::actor::{Actor, Role};
use crate::auth::model::{NewUser, User, UserChanges};
use crate::auth::service::{clean_name, clean_phone};
use crate::auth::{password, phone, repo};
use crate::companies::repo as companies_repo;
use crate::db::{DbConnection, Page, PageRequest};
use crate::departments::repo as departments_repo;
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, DepartmentId, UserId};
use crate::state::AppState;
use crate::users::errors::UsersReason;

#[derive(Debug, Clone)]
pub struct CreateUser {
    pub role: Role,
    pub phone: String,
    pub name: String,
    pub password: Option<String>,
    pub company_id: Option<CompanyId>,
    pub department_id: Option<DepartmentId>,
    pub principal: bool,
    pub zone_leader: bool,
    /// True when the user keeps this password (the demo seed); otherwise it must be changed
    /// at first login.
    pub password_is_final: bool,
}

/// Checks the organisation links of an account: company staff belong to an active company,
/// department staff to an active department, and nobody else to either.
fn check_links(
    conn: &mut DbConnection,
    role: Role,
    company_id: Option<CompanyId>,
    department_id: Option<DepartmentId>,
) -> AppResult<()> {
    match (role, company_id, department_id) {
        (Role::Company, Some(company_id), None) => {
            let company = companies_repo::find_by_id(conn, company_id)?
                .ok_or_else(|| AppError::bad_field("companyId", UsersReason::USER_COMPANY_UNKNOWN))?;
            if company.disabled_at.is_some() {
                return Err(AppError::bad_field("companyId", UsersReason::USER_COMPANY_DISABLED));
            }
        }
        (Role::Company, _, _) => {
            return Err(AppError::bad_field(
                "companyId",
                UsersReason::USER_COMPANY_LINK_REQUIRED,
            ))
        }
        (Role::Department, None, Some(department_id)) => {
            let department = departments_repo::find_by_id(conn, department_id)?
                .ok_or_else(|| AppError::bad_field("departmentId", UsersReason::USER_DEPARTMENT_UNKNOWN))?;
            if department.disabled_at.is_some() {
                return Err(AppError::bad_field(
                    "departmentId",
                    UsersReason::USER_DEPARTMENT_DISABLED,
                ));
            }
        }
        (Role::Department, _, _) => {
            return Err(AppError::bad_field(
                "departmentId",
                UsersReason::USER_DEPARTMENT_LINK_REQUIRED,
            ))
        }
        (_, None, None) => {}
        (role, _, _) => return Err(AppError::bad_field("role", UsersReason::USER_ROLE_HAS_NO_LINKS).arg("role", role)),
    }
    Ok(())
}

/// Creates an account. Without a password one is generated, returned once, and must be changed
/// at first login. A new principal takes the flag from the company's previous one.
pub async fn create_user(state: &AppState, actor: &Actor, input: CreateUser) -> AppResult<(User, Option<String>)> {
    actor.require_admin()?;
    let phone = clean_phone(&input.phone)?;
    let name = clean_name("name", &input.name)?;
    if input.principal && input.role != Role::Company {
        return Err(AppError::bad_field(
            "principal",
            UsersReason::PRINCIPAL_NOT_COMPANY_STAFF,
        ));
    }
    if input.zone_leader && input.role != Role::Admin {
        return Err(AppError::bad_field("zoneLeader", UsersReason::ZONE_LEADER_NOT_ADMIN));
    }
    let (password, generated) = match input.password {
        Some(p) => {
            password::check_policy("password", &p, &[&input.phone, &input.name])?;
            (p, None)
        }
        None => {
            let p = password::generate();
            (p.clone(), Some(p))
        }
    };
    let password_hash = password::off_request_thread(move || password::hash(&password)).await?;
    let state2 = state.clone();
    // An admin chose or generated the password: the user replaces it at first login (the demo
    // seed, whose shared password is printed for a walkthrough, keeps it).
    let must_change_password = !input.password_is_final;
    let actor_id = actor.user_id;
    let user = state
        .db
        .write(move |conn| {
            if repo::phone_taken(conn, &phone, None)? {
                return Err(AppError::conflict(UsersReason::USER_PHONE_TAKEN));
            }
            check_links(conn, input.role, input.company_id, input.department_id)?;
            let now = state2.clock.now_naive();
            if input.principal {
                if let Some(company_id) = input.company_id {
                    companies_repo::clear_principal(conn, company_id, now)?;
                }
            }
            let user = repo::insert(
                conn,
                &NewUser {
                    role: input.role,
                    phone,
                    name,
                    password_hash,
                    must_change_password,
                    company_id: input.company_id,
                    department_id: input.department_id,
                    principal: input.principal,
                    zone_leader: input.zone_leader,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            crate::audit::record(conn, actor_id, "createUser", None, Some(&user), now)?;
            Ok(user)
        })
        .await?;
    tracing::info!(user_id = user.id.get(), role = %user.role, by = actor.user_id.get(), "user created");
    Ok((user, generated))
}

#[derive(Debug, Clone, Default)]
pub struct UpdateUser {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub principal: Option<bool>,
    pub zone_leader: Option<bool>,
}

pub async fn update_user(
    state: &AppState,
    actor: &Actor,
    id: UserId,
    version: Option<i32>,
    input: UpdateUser,
) -> AppResult<User> {
    actor.require_admin()?;
    let mut changes = UserChanges::default();
    if let Some(name) = &input.name {
        changes.name = Some(clean_name("name", name)?);
    }
    if let Some(phone) = &input.phone {
        changes.phone = Some(clean_phone(phone)?);
    }
    changes.principal = input.principal;
    changes.zone_leader = input.zone_leader;
    let state2 = state.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let user = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(UsersReason::USER_NOT_FOUND))?;
            if changes.principal == Some(true) && user.role != Role::Company {
                return Err(AppError::bad_field(
                    "principal",
                    UsersReason::PRINCIPAL_NOT_COMPANY_STAFF,
                ));
            }
            if changes.zone_leader == Some(true) && user.role != Role::Admin {
                return Err(AppError::bad_field("zoneLeader", UsersReason::ZONE_LEADER_NOT_ADMIN));
            }
            if let Some(phone) = &changes.phone {
                if repo::phone_taken(conn, phone, Some(id))? {
                    return Err(AppError::conflict(UsersReason::USER_PHONE_TAKEN));
                }
            }
            let now = state2.clock.now_naive();
            if changes.principal == Some(true) && !user.principal {
                if let Some(company_id) = user.company_id {
                    companies_repo::clear_principal(conn, company_id, now)?;
                }
            }
            let updated = repo::update_versioned(conn, id, version, &changes, now)?.ok_or_else(|| {
                AppError::conflict(UsersReason::USER_CHANGED_MEANWHILE).with_version(i64::from(user.version))
            })?;
            crate::audit::record(conn, actor_id, "updateUser", Some(&user), Some(&updated), now)?;
            Ok(updated)
        })
        .await
}

/// Gives an account another role (with the company or department that role needs). Its refresh
/// tokens are revoked: every session must log in again under the new role. An officer who still
/// serves companies keeps the role until they have another officer.
pub async fn change_role(
    state: &AppState,
    actor: &Actor,
    id: UserId,
    role: Role,
    company_id: Option<CompanyId>,
    department_id: Option<DepartmentId>,
) -> AppResult<User> {
    actor.require_admin()?;
    if id == actor.user_id {
        return Err(AppError::bad_input(UsersReason::OWN_ROLE_UNCHANGEABLE));
    }
    let state2 = state.clone();
    let by = actor.user_id;
    state
        .db
        .write(move |conn| {
            let user = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(UsersReason::USER_NOT_FOUND))?;
            if user.role == role && user.company_id == company_id && user.department_id == department_id {
                return Ok(user);
            }
            if user.role == Role::Officer && role != Role::Officer {
                let serving = repo::active_assignment_counts(conn, &[id])?
                    .first()
                    .map_or(0, |(_, n)| *n);
                if serving > 0 {
                    return Err(AppError::conflict(UsersReason::OFFICER_STILL_SERVES).arg("count", serving));
                }
            }
            check_links(conn, role, company_id, department_id)?;
            let now = state2.clock.now_naive();
            let changes = UserChanges {
                role: Some(role),
                company_id: Some(company_id),
                department_id: Some(department_id),
                principal: (role != Role::Company || user.company_id != company_id).then_some(false),
                zone_leader: (role != Role::Admin).then_some(false),
                ..Default::default()
            };
            let updated =
                repo::update_versioned(conn, id, None, &changes, now)?.ok_or_else(|| AppError::not_found(UsersReason::USER_NOT_FOUND))?;
            let revoked = repo::revoke_all_for_user(conn, id, now)?;
            crate::audit::record(conn, by, "changeUserRole", Some(&user), Some(&updated), now)?;
            tracing::info!(user_id = id.get(), from = %user.role, to = %role, by = by.get(), revoked, "role changed; sessions revoked");
            Ok(updated)
        })
        .await
}

/// Disables or re-enables an account. Disabling ends its sessions at once.
pub async fn set_disabled(state: &AppState, actor: &Actor, id: UserId, disabled: bool) -> AppResult<User> {
    actor.require_admin()?;
    if disabled && id == actor.user_id {
        return Err(AppError::bad_input(UsersReason::OWN_ACCOUNT_UNDISABLEABLE));
    }
    let state2 = state.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let user = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(UsersReason::USER_NOT_FOUND))?;
            let now = state2.clock.now_naive();
            if disabled == user.disabled_at.is_some() {
                return Ok(user);
            }
            if !disabled {
                check_links(conn, user.role, user.company_id, user.department_id)?;
            }
            let changes = UserChanges {
                disabled_at: Some(disabled.then_some(now)),
                ..Default::default()
            };
            let updated = repo::update_versioned(conn, id, None, &changes, now)?
                .ok_or_else(|| AppError::not_found(UsersReason::USER_NOT_FOUND))?;
            if disabled {
                repo::revoke_all_for_user(conn, id, now)?;
            }
            let action = if disabled { "disableUser" } else { "enableUser" };
            crate::audit::record(conn, actor_id, action, Some(&user), Some(&updated), now)?;
            Ok(updated)
        })
        .await
}

/// Gives an account a new generated password (returned once) and ends its sessions.
pub async fn reset_password(state: &AppState, actor: &Actor, id: UserId) -> AppResult<(User, String)> {
    actor.require_admin()?;
    let generated = password::generate();
    let to_hash = generated.clone();
    let password_hash = password::off_request_thread(move || password::hash(&to_hash)).await?;
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    let user = state
        .db
        .write(move |conn| {
            let before = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(UsersReason::USER_NOT_FOUND))?;
            let now = clock.now_naive();
            repo::set_password(conn, id, &password_hash, true, now)?;
            repo::revoke_all_for_user(conn, id, now)?;
            let after = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(UsersReason::USER_NOT_FOUND))?;
            crate::audit::record(conn, actor_id, "resetPassword", Some(&before), Some(&after), now)?;
            Ok(after)
        })
        .await?;
    Ok((user, generated))
}

/// A user as `actor` may see them: admins see everyone; others see themselves, their
/// colleagues, and the officer of their company (or, for officers, staff of their companies).
pub async fn visible_user(state: &AppState, actor: &Actor, id: UserId) -> AppResult<User> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let user = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found(UsersReason::USER_NOT_FOUND))?;
            if can_see_user(conn, &actor, &user)? {
                Ok(user)
            } else {
                Err(AppError::not_found(UsersReason::USER_NOT_FOUND))
            }
        })
        .await
}

fn can_see_user(conn: &mut DbConnection, actor: &Actor, user: &User) -> AppResult<bool> {
    if actor.is_admin() || actor.user_id == user.id {
        return Ok(true);
    }
    Ok(match actor.role {
        Role::Company => {
            (user.role == Role::Company && user.company_id == actor.company_id)
                || (user.role == Role::Officer
                    && actor.company_id.map_or(Ok(false), |c| {
                        companies_repo::active_officer_id(conn, c).map(|o| o == Some(user.id))
                    })?)
        }
        Role::Officer => {
            user.role == Role::Company
                && user.company_id.map_or(Ok(false), |c| {
                    companies_repo::active_officer_id(conn, c).map(|o| o == Some(actor.user_id))
                })?
        }
        Role::Department => user.role == Role::Department && user.department_id == actor.department_id,
        Role::Admin => true,
    })
}

pub async fn list_users(
    state: &AppState,
    actor: &Actor,
    filter: repo::UserFilter,
    page: PageRequest,
) -> AppResult<Page<User>> {
    actor.require_admin()?;
    state.db.read(move |conn| repo::list(conn, &filter, page)).await
}

/// Creates the first administrator when the database has none: returns the generated password.
pub fn ensure_first_admin(
    conn: &mut DbConnection,
    phone: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<Option<String>> {
    if repo::any_active_admin(conn)? {
        return Ok(None);
    }
    if repo::phone_taken(conn, phone, None)? {
        return Err(AppError::conflict(UsersReason::FIRST_ADMIN_PHONE_TAKEN).arg("phone", phone::mask(phone)));
    }
    let generated = password::generate();
    let password_hash = password::hash(&generated)?;
    let admin = repo::insert(
        conn,
        &NewUser {
            role: Role::Admin,
            phone: phone.to_string(),
            name: "Administrator".into(),
            password_hash,
            must_change_password: true,
            company_id: None,
            department_id: None,
            principal: false,
            zone_leader: false,
            created_at: now,
            updated_at: now,
        },
    )?;
    crate::audit::record(conn, None, "createFirstAdmin", None, Some(&admin), now)?;
    Ok(Some(generated))
}

/// `zhitong create-admin`: creates an admin, or resets the password of an existing admin.
pub fn create_admin(
    conn: &mut crate::db::Tx<'_>,
    phone_input: &str,
    name: &str,
    password_input: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<User> {
    let phone = clean_phone(phone_input)?;
    let name = clean_name("name", name)?;
    password::check_policy("password", password_input, &[phone_input, &name])?;
    let password_hash = password::hash(password_input)?;
    if let Some(existing) = repo::find_by_phone(conn, &phone)? {
        if existing.role != Role::Admin {
            return Err(AppError::conflict(UsersReason::ADMIN_PHONE_TAKEN)
                .arg("phone", phone::mask(&phone))
                .arg("role", existing.role));
        }
        repo::set_password(conn, existing.id, &password_hash, false, now)?;
        repo::revoke_all_for_user(conn, existing.id, now)?;
        let changes = UserChanges {
            name: Some(name),
            disabled_at: Some(None),
            ..Default::default()
        };
        let updated = repo::update_versioned(conn, existing.id, None, &changes, now)?
            .ok_or_else(|| AppError::not_found(UsersReason::USER_NOT_FOUND))?;
        crate::audit::record(
            conn,
            None,
            "resetAdminFromCommandLine",
            Some(&existing),
            Some(&updated),
            now,
        )?;
        return Ok(updated);
    }
    let created = repo::insert(
        conn,
        &NewUser {
            role: Role::Admin,
            phone,
            name,
            password_hash,
            must_change_password: false,
            company_id: None,
            department_id: None,
            principal: false,
            zone_leader: false,
            created_at: now,
            updated_at: now,
        },
    )?;
    crate::audit::record(conn, None, "createAdminFromCommandLine", None, Some(&created), now)?;
    Ok(created)
}
