//! Accounts: login and tokens, passwords, and the administration of users.

use chrono::{DateTime, Duration, Utc};

use super::model::{Actor, NewRefreshToken, NewUser, Role, User, UserChanges};
use super::throttle::{self, Key};
use super::{password, phone, repo, tokens};
use crate::companies::repo as companies_repo;
use crate::db::{DbConnection, Page, PageRequest};
use crate::departments::repo as departments_repo;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const MAX_NAME_CHARS: usize = 50;
const WRONG_CREDENTIALS: &str = "wrong phone number or password";
/// A refresh token presented again this soon after its exchange is a retry (the phone never
/// got the answer), not a stolen copy: it gets a new pair instead of ending the session.
pub const REFRESH_RETRY_WINDOW: Duration = Duration::seconds(30);

/// What a successful login or refresh hands to the phone.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub user: User,
}

pub fn clean_name(field: &str, name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::bad_field(field, "a name cannot be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::bad_field(
            field,
            format!("a name has at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::bad_field(field, "a name cannot contain control characters"));
    }
    Ok(name.to_string())
}

fn clean_phone(input: &str) -> AppResult<String> {
    phone::normalize(input).map_err(|why| AppError::bad_field("phone", why))
}

/// Opens a new session (a new refresh-token family) for `user` inside the caller's transaction.
fn open_session(conn: &mut DbConnection, state: &AppState, user: User, family_id: String) -> AppResult<Session> {
    let now = state.clock.now();
    let (refresh_token, token_hash) = tokens::new_refresh_token();
    let refresh_expires_at = now + Duration::from_std(state.config.refresh_token_ttl).unwrap_or(Duration::days(30));
    repo::insert_refresh_token(
        conn,
        &NewRefreshToken {
            user_id: user.id,
            family_id,
            token_hash,
            created_at: state.clock.now_naive(),
            expires_at: refresh_expires_at.naive_utc(),
        },
    )?;
    let access_expires_at = now + Duration::from_std(state.config.access_token_ttl).unwrap_or(Duration::minutes(15));
    let access_token = state.jwt.issue_access_token(user.id, now, access_expires_at)?;
    Ok(Session {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
        user,
    })
}

fn new_family() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Logs in. Each attempt is charged to the phone number and to the client address before the
/// password is checked (see `throttle`); a locked phone or address gets `TOO_MANY_REQUESTS`,
/// whether or not an account has that number.
pub async fn login(
    state: &AppState,
    phone_input: &str,
    password_input: &str,
    client_address: Option<&str>,
) -> AppResult<Session> {
    let phone = clean_phone(phone_input)?;
    let mut keys = vec![Key::phone(&phone)];
    keys.extend(client_address.map(Key::address));
    let clock = state.clock.clone();
    let (charged, found) = {
        let (keys, phone) = (keys.clone(), phone.clone());
        state
            .db
            .write(move |conn| {
                let now = clock.now_naive();
                // A lock on one key must not charge the others.
                for key in &keys {
                    if let Some(retry_after) = throttle::locked_for(conn, key, now)? {
                        return Ok((Err(retry_after), None));
                    }
                }
                for key in &keys {
                    if let Err(retry_after) = throttle::register_attempt(conn, key, now)? {
                        return Ok((Err(retry_after), None));
                    }
                }
                Ok((Ok(()), repo::find_by_phone(conn, &phone)?))
            })
            .await?
    };
    if let Err(retry_after) = charged {
        return Err(AppError::TooManyRequests(format!(
            "too many failed logins; try again in {retry_after} seconds or ask the zone administration to unlock"
        )));
    }
    let password_input = password_input.to_string();
    let verified = password::off_request_thread(move || {
        Ok(match found {
            None => {
                password::verify_against_dummy(&password_input);
                None
            }
            Some(user) if password::verify(&password_input, &user.password_hash) => Some(user),
            Some(_) => None,
        })
    })
    .await?;
    let Some(user) = verified else {
        tracing::info!(phone = %phone::mask(&phone), "login refused: wrong phone number or password");
        return Err(AppError::Unauthenticated(WRONG_CREDENTIALS.into()));
    };
    if user.disabled_at.is_some() {
        return Err(AppError::Unauthenticated(
            "this account is disabled; contact the zone administration".into(),
        ));
    }
    tracing::info!(user_id = user.id, phone = %phone::mask(&user.phone), "login");
    let state2 = state.clone();
    state
        .db
        .write(move |conn| {
            let now = state2.clock.now_naive();
            for key in &keys {
                throttle::record_success(conn, key, now)?;
            }
            repo::touch_last_login(conn, user.id, now)?;
            let user = repo::find_by_id(conn, user.id)?.ok_or_else(|| AppError::not_found("user"))?;
            open_session(conn, &state2, user, new_family())
        })
        .await
}

/// Lifts the login lock of a phone number and/or a client address (admins). Returns how many
/// records were cleared.
pub async fn lift_login_lockout(
    state: &AppState,
    actor: &Actor,
    phone_input: Option<&str>,
    address: Option<&str>,
) -> AppResult<usize> {
    actor.require_admin()?;
    let mut keys = Vec::new();
    if let Some(phone_input) = phone_input {
        keys.push(Key::phone(&clean_phone(phone_input)?));
    }
    if let Some(address) = address.map(str::trim).filter(|a| !a.is_empty()) {
        keys.push(Key::address(address));
    }
    if keys.is_empty() {
        return Err(AppError::bad_input("give a phone number, an address or both"));
    }
    let labels: Vec<String> = keys.iter().map(|k| k.label.clone()).collect();
    let lifted = state
        .db
        .write(move |conn| {
            let mut lifted = 0;
            for key in &keys {
                lifted += usize::from(throttle::lift(conn, key)?);
            }
            Ok(lifted)
        })
        .await?;
    tracing::info!(by = actor.user_id, keys = ?labels, lifted, "login lock lifted");
    Ok(lifted)
}

/// Phone numbers (masked) and addresses locked now (admins).
pub async fn login_lockouts(state: &AppState, actor: &Actor, limit: i64) -> AppResult<Vec<throttle::Throttle>> {
    actor.require_admin()?;
    let now = state.clock.now_naive();
    state.db.read(move |conn| throttle::list_locked(conn, now, limit)).await
}

enum RefreshOutcome {
    Rotated(Box<Session>),
    Refused(&'static str),
}

/// Exchanges a refresh token for a new pair. A token exchanged again within
/// `REFRESH_RETRY_WINDOW` is a retry and gets another pair of the same session; later, it means
/// the token was copied: the whole family is revoked, logging out every holder.
pub async fn refresh(state: &AppState, presented: &str) -> AppResult<Session> {
    let token_hash = tokens::hash_refresh_token(presented.trim());
    let state2 = state.clone();
    let outcome = state
        .db
        .write(move |conn| {
            let now = state2.clock.now_naive();
            let Some(token) = repo::find_refresh_token(conn, &token_hash)? else {
                return Ok(RefreshOutcome::Refused(
                    "the refresh token is not recognised; log in again",
                ));
            };
            if token.revoked_at.is_some() {
                return Ok(RefreshOutcome::Refused("the session has ended; log in again"));
            }
            // Not yet exchanged (or exchanged by a concurrent request a moment ago): go on.
            let exchanged_at = match token.rotated_at {
                None if repo::mark_rotated(conn, token.id, now)? => None,
                None => Some(now),
                Some(at) => Some(at),
            };
            if exchanged_at.is_some_and(|at| now - at <= REFRESH_RETRY_WINDOW) {
                tracing::info!(
                    user_id = token.user_id,
                    "refresh token presented again within the retry window"
                );
            }
            if exchanged_at.is_some_and(|at| now - at > REFRESH_RETRY_WINDOW) {
                let revoked = repo::revoke_family(conn, &token.family_id, now)?;
                tracing::warn!(
                    user_id = token.user_id,
                    revoked,
                    "refresh token reused; session family revoked"
                );
                return Ok(RefreshOutcome::Refused(
                    "the refresh token was already used; log in again",
                ));
            }
            if token.expires_at <= now {
                return Ok(RefreshOutcome::Refused("the session has expired; log in again"));
            }
            let user = repo::find_by_id(conn, token.user_id)?.ok_or_else(|| AppError::not_found("user"))?;
            if user.disabled_at.is_some() {
                repo::revoke_family(conn, &token.family_id, now)?;
                return Ok(RefreshOutcome::Refused("this account is disabled"));
            }
            open_session(conn, &state2, user, token.family_id).map(|s| RefreshOutcome::Rotated(Box::new(s)))
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated(session) => Ok(*session),
        RefreshOutcome::Refused(why) => Err(AppError::Unauthenticated(why.into())),
    }
}

/// Ends the session the refresh token belongs to and returns its user. Unknown tokens are
/// accepted silently.
pub async fn logout(state: &AppState, presented: &str) -> AppResult<Option<i64>> {
    let token_hash = tokens::hash_refresh_token(presented.trim());
    let clock = state.clock.clone();
    state
        .db
        .write(move |conn| match repo::find_refresh_token(conn, &token_hash)? {
            Some(token) => {
                repo::revoke_family(conn, &token.family_id, clock.now_naive())?;
                Ok(Some(token.user_id))
            }
            None => Ok(None),
        })
        .await
}

/// Changes the caller's password, ends every other session and opens a fresh one.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    old_password: &str,
    new_password: &str,
) -> AppResult<Session> {
    password::check_policy(new_password)?;
    if old_password == new_password {
        return Err(AppError::bad_field(
            "newPassword",
            "the new password must differ from the old one",
        ));
    }
    let user_id = actor.user_id;
    let user = state
        .db
        .read(move |conn| repo::find_by_id(conn, user_id))
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let (old, new) = (old_password.to_string(), new_password.to_string());
    let stored = user.password_hash.clone();
    let new_hash = password::off_request_thread(move || {
        if !password::verify(&old, &stored) {
            return Err(AppError::bad_field("oldPassword", "the current password is wrong"));
        }
        password::hash(&new)
    })
    .await?;
    let state2 = state.clone();
    state
        .db
        .write(move |conn| {
            let now = state2.clock.now_naive();
            repo::set_password(conn, user_id, &new_hash, false, now)?;
            repo::revoke_all_for_user(conn, user_id, now)?;
            let user = repo::find_by_id(conn, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
            open_session(conn, &state2, user, new_family())
        })
        .await
}

/// Loads the caller behind a verified access token; disabled accounts are refused at once.
pub async fn actor_for_token(state: &AppState, token: &str) -> AppResult<Actor> {
    let user_id = state.jwt.verify_access_token(token, state.clock.now())?;
    let user = state.db.read(move |conn| repo::find_by_id(conn, user_id)).await?;
    match user {
        Some(user) if user.disabled_at.is_none() => Ok(Actor::from_user(&user)),
        Some(_) => Err(AppError::Unauthenticated("this account is disabled".into())),
        None => Err(AppError::Unauthenticated("the access token is not valid".into())),
    }
}

#[derive(Debug, Clone)]
pub struct CreateUser {
    pub role: Role,
    pub phone: String,
    pub name: String,
    pub password: Option<String>,
    pub company_id: Option<i64>,
    pub department_id: Option<i64>,
    pub principal: bool,
    pub zone_leader: bool,
}

/// Checks the organisation links of an account: company staff belong to an active company,
/// department staff to an active department, and nobody else to either.
fn check_links(
    conn: &mut DbConnection,
    role: Role,
    company_id: Option<i64>,
    department_id: Option<i64>,
) -> AppResult<()> {
    match (role, company_id, department_id) {
        (Role::Company, Some(company_id), None) => {
            let company = companies_repo::find_by_id(conn, company_id)?
                .ok_or_else(|| AppError::bad_field("companyId", "no such company"))?;
            if company.disabled_at.is_some() {
                return Err(AppError::bad_field("companyId", "the company is disabled"));
            }
        }
        (Role::Company, _, _) => {
            return Err(AppError::bad_field(
                "companyId",
                "company staff need a companyId and no departmentId",
            ))
        }
        (Role::Department, None, Some(department_id)) => {
            let department = departments_repo::find_by_id(conn, department_id)?
                .ok_or_else(|| AppError::bad_field("departmentId", "no such department"))?;
            if department.disabled_at.is_some() {
                return Err(AppError::bad_field("departmentId", "the department is disabled"));
            }
        }
        (Role::Department, _, _) => {
            return Err(AppError::bad_field(
                "departmentId",
                "department staff need a departmentId and no companyId",
            ))
        }
        (_, None, None) => {}
        (role, _, _) => {
            return Err(AppError::bad_field(
                "role",
                format!("{role} users belong to no company or department"),
            ))
        }
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
            "only company staff can be a company's principal",
        ));
    }
    if input.zone_leader && input.role != Role::Admin {
        return Err(AppError::bad_field("zoneLeader", "only admins can be zone leaders"));
    }
    let (password, generated) = match input.password {
        Some(p) => {
            password::check_policy(&p)?;
            (p, None)
        }
        None => {
            let p = password::generate();
            (p.clone(), Some(p))
        }
    };
    let password_hash = password::off_request_thread(move || password::hash(&password)).await?;
    let state2 = state.clone();
    let must_change_password = generated.is_some();
    let actor_id = actor.user_id;
    let user = state
        .db
        .write(move |conn| {
            if repo::phone_taken(conn, &phone, None)? {
                return Err(AppError::conflict("another account already uses this phone number"));
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
    tracing::info!(user_id = user.id, role = %user.role, by = actor.user_id, "user created");
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
    id: i64,
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
            let user = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
            if changes.principal == Some(true) && user.role != Role::Company {
                return Err(AppError::bad_field(
                    "principal",
                    "only company staff can be a company's principal",
                ));
            }
            if changes.zone_leader == Some(true) && user.role != Role::Admin {
                return Err(AppError::bad_field("zoneLeader", "only admins can be zone leaders"));
            }
            if let Some(phone) = &changes.phone {
                if repo::phone_taken(conn, phone, Some(id))? {
                    return Err(AppError::conflict("another account already uses this phone number"));
                }
            }
            let now = state2.clock.now_naive();
            if changes.principal == Some(true) && !user.principal {
                if let Some(company_id) = user.company_id {
                    companies_repo::clear_principal(conn, company_id, now)?;
                }
            }
            let updated = repo::update_versioned(conn, id, version, &changes, now)?
                .ok_or_else(|| AppError::conflict("the user was changed by someone else; reload and try again"))?;
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
    id: i64,
    role: Role,
    company_id: Option<i64>,
    department_id: Option<i64>,
) -> AppResult<User> {
    actor.require_admin()?;
    if id == actor.user_id {
        return Err(AppError::bad_input("you cannot change your own role"));
    }
    let state2 = state.clone();
    let by = actor.user_id;
    state
        .db
        .write(move |conn| {
            let user = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
            if user.role == role && user.company_id == company_id && user.department_id == department_id {
                return Ok(user);
            }
            if user.role == Role::Officer && role != Role::Officer {
                let serving = repo::active_assignment_counts(conn, &[id])?
                    .first()
                    .map_or(0, |(_, n)| *n);
                if serving > 0 {
                    return Err(AppError::conflict(format!(
                        "this officer still serves {serving} companies: assign them another officer first"
                    )));
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
                repo::update_versioned(conn, id, None, &changes, now)?.ok_or_else(|| AppError::not_found("user"))?;
            let revoked = repo::revoke_all_for_user(conn, id, now)?;
            tracing::info!(user_id = id, from = %user.role, to = %role, by, revoked, "role changed; sessions revoked");
            Ok(updated)
        })
        .await
}

/// Disables or re-enables an account. Disabling ends its sessions at once.
pub async fn set_disabled(state: &AppState, actor: &Actor, id: i64, disabled: bool) -> AppResult<User> {
    actor.require_admin()?;
    if disabled && id == actor.user_id {
        return Err(AppError::bad_input("you cannot disable your own account"));
    }
    let state2 = state.clone();
    let actor_id = actor.user_id;
    state
        .db
        .write(move |conn| {
            let user = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
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
            let updated =
                repo::update_versioned(conn, id, None, &changes, now)?.ok_or_else(|| AppError::not_found("user"))?;
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
pub async fn reset_password(state: &AppState, actor: &Actor, id: i64) -> AppResult<(User, String)> {
    actor.require_admin()?;
    let generated = password::generate();
    let to_hash = generated.clone();
    let password_hash = password::off_request_thread(move || password::hash(&to_hash)).await?;
    let clock = state.clock.clone();
    let actor_id = actor.user_id;
    let user = state
        .db
        .write(move |conn| {
            let before = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
            let now = clock.now_naive();
            repo::set_password(conn, id, &password_hash, true, now)?;
            repo::revoke_all_for_user(conn, id, now)?;
            let after = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
            crate::audit::record(conn, actor_id, "resetPassword", Some(&before), Some(&after), now)?;
            Ok(after)
        })
        .await?;
    Ok((user, generated))
}

/// A user as `actor` may see them: admins see everyone; others see themselves, their
/// colleagues, and the officer of their company (or, for officers, staff of their companies).
pub async fn visible_user(state: &AppState, actor: &Actor, id: i64) -> AppResult<User> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            let user = repo::find_by_id(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
            if can_see_user(conn, &actor, &user)? {
                Ok(user)
            } else {
                Err(AppError::not_found("user"))
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
        return Err(AppError::conflict(format!(
            "no active admin exists and phone {} is taken by another account: create one with `zhitong create-admin`",
            phone::mask(phone)
        )));
    }
    let generated = password::generate();
    let password_hash = password::hash(&generated)?;
    repo::insert(
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
    Ok(Some(generated))
}

/// `zhitong create-admin`: creates an admin, or resets the password of an existing admin.
pub fn create_admin(
    conn: &mut DbConnection,
    phone_input: &str,
    name: &str,
    password_input: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<User> {
    let phone = clean_phone(phone_input)?;
    let name = clean_name("name", name)?;
    password::check_policy(password_input)?;
    let password_hash = password::hash(password_input)?;
    if let Some(existing) = repo::find_by_phone(conn, &phone)? {
        if existing.role != Role::Admin {
            return Err(AppError::conflict(format!(
                "{} belongs to a {} account",
                phone::mask(&phone),
                existing.role
            )));
        }
        repo::set_password(conn, existing.id, &password_hash, false, now)?;
        repo::revoke_all_for_user(conn, existing.id, now)?;
        let changes = UserChanges {
            name: Some(name),
            disabled_at: Some(None),
            ..Default::default()
        };
        return repo::update_versioned(conn, existing.id, None, &changes, now)?
            .ok_or_else(|| AppError::not_found("user"));
    }
    repo::insert(
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
    )
}
