use crate::i18n::Locale;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{
    NewRecoveryCode, NewRefreshToken, NewSessionRow, NewThrottle, NewUser, RefreshToken, SecondFactor, SessionRow,
    Throttle, User, UserChanges,
};
use crate::actor::Role;
use crate::db::schema::{
    login_throttles, officer_assignments, recovery_codes, refresh_tokens, second_factors, sessions, users,
};
use crate::db::{like_pattern, lower, DbConnection, Effect, Page, PageRequest, Tx};
use crate::error::AppResult;
use crate::ids::{CompanyId, DepartmentId, UserId};

pub fn find_by_id(conn: &mut DbConnection, id: UserId) -> AppResult<Option<User>> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

pub fn find_by_ids(conn: &mut DbConnection, ids: &[UserId]) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select(User::as_select())
        .load(conn)?)
}

pub fn find_by_phone(conn: &mut DbConnection, phone: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::phone.eq(phone))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn phone_taken(conn: &mut DbConnection, phone: &str, except_id: Option<UserId>) -> AppResult<bool> {
    let mut query = users::table
        .filter(users::phone.eq(phone))
        .select(users::id)
        .into_boxed();
    if let Some(id) = except_id {
        query = query.filter(users::id.ne(id));
    }
    Ok(query.first::<i64>(conn).optional()?.is_some())
}

pub fn any_active_admin(conn: &mut DbConnection) -> AppResult<bool> {
    let found = users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::disabled_at.is_null())
        .select(users::id)
        .first::<i64>(conn)
        .optional()?;
    Ok(found.is_some())
}

pub fn insert(conn: &mut DbConnection, new: &NewUser) -> AppResult<User> {
    Ok(diesel::insert_into(users::table)
        .values(new)
        .returning(users::all_columns)
        .get_result(conn)?)
}

/// Applies `changes` if the row still has `expected_version`; `None` when it does not.
/// The account change is announced (`Effect::AccountChanged`) when a row changed.
pub fn update_versioned(
    tx: &mut Tx<'_>,
    id: UserId,
    expected_version: Option<i32>,
    changes: &UserChanges,
    now: NaiveDateTime,
) -> AppResult<Option<User>> {
    let target = users::table.filter(users::id.eq(id));
    let updated = match expected_version {
        Some(version) => diesel::update(target.filter(users::version.eq(version)))
            .set((
                changes,
                users::version.eq(users::version + 1),
                users::updated_at.eq(now),
            ))
            .returning(users::all_columns)
            .get_result(&mut **tx)
            .optional()?,
        None => diesel::update(target)
            .set((
                changes,
                users::version.eq(users::version + 1),
                users::updated_at.eq(now),
            ))
            .returning(users::all_columns)
            .get_result(&mut **tx)
            .optional()?,
    };
    if updated.is_some() {
        tx.after_commit(Effect::AccountChanged(id));
    }
    Ok(updated)
}

/// Sets the password (announcing the account change).
pub fn set_password(
    tx: &mut Tx<'_>,
    id: UserId,
    password_hash: &str,
    must_change: bool,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::must_change_password.eq(must_change),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now),
        ))
        .execute(&mut **tx)?;
    tx.after_commit(Effect::AccountChanged(id));
    Ok(())
}

pub fn set_quiet_hours(conn: &mut DbConnection, id: UserId, start: i32, end: i32, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::quiet_start_minute.eq(start),
            users::quiet_end_minute.eq(end),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sets the user's language (announcing the account change: the caller carries it).
pub fn set_locale(tx: &mut Tx<'_>, id: UserId, locale: Locale, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set((users::locale.eq(locale), users::updated_at.eq(now)))
        .execute(&mut **tx)?;
    tx.after_commit(Effect::AccountChanged(id));
    Ok(())
}

pub fn touch_last_login(conn: &mut DbConnection, id: UserId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(now))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub company_id: Option<CompanyId>,
    pub department_id: Option<DepartmentId>,
    pub search: Option<String>,
    pub include_disabled: bool,
}

fn filtered(filter: &UserFilter) -> users::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut query = users::table.into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(company_id) = filter.company_id {
        query = query.filter(users::company_id.eq(company_id));
    }
    if let Some(department_id) = filter.department_id {
        query = query.filter(users::department_id.eq(department_id));
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        let pattern = like_pattern(search.trim());
        query = query.filter(
            lower(users::name)
                .like(pattern.clone())
                .escape('\\')
                .or(users::phone.like(pattern).escape('\\')),
        );
    }
    if !filter.include_disabled {
        query = query.filter(users::disabled_at.is_null());
    }
    query
}

/// A page of the service officers (disabled ones left out).
pub fn officers(conn: &mut DbConnection, page: PageRequest) -> AppResult<Page<User>> {
    let filter = UserFilter {
        role: Some(crate::actor::Role::Officer),
        ..Default::default()
    };
    list(conn, &filter, page)
}

pub fn list(conn: &mut DbConnection, filter: &UserFilter, page: PageRequest) -> AppResult<Page<User>> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let mut query = filtered(filter)
        .select(User::as_select())
        .order(users::id.asc())
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        query = query.filter(users::id.gt(after));
    }
    Ok(Page::from_rows(query.load(conn)?, page, total))
}

/// How many companies each officer serves now.
pub fn active_assignment_counts(conn: &mut DbConnection, officer_ids: &[UserId]) -> AppResult<Vec<(UserId, i64)>> {
    Ok(officer_assignments::table
        .filter(officer_assignments::officer_id.eq_any(officer_ids))
        .filter(officer_assignments::ended_at.is_null())
        .group_by(officer_assignments::officer_id)
        .select((officer_assignments::officer_id, diesel::dsl::count_star()))
        .load(conn)?)
}

pub fn insert_refresh_token(conn: &mut DbConnection, new: &NewRefreshToken) -> AppResult<()> {
    diesel::insert_into(refresh_tokens::table).values(new).execute(conn)?;
    Ok(())
}

pub fn find_refresh_token(conn: &mut DbConnection, token_hash: &str) -> AppResult<Option<RefreshToken>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a token used; false when another request used it first.
pub fn mark_rotated(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<bool> {
    let rows = diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::rotated_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(now))
    .execute(conn)?;
    Ok(rows == 1)
}

/// Ends one session: its refresh tokens stop working, its access tokens and websockets at once
/// (the websockets hear of it through the live bus when the transaction commits).
pub fn revoke_family(tx: &mut Tx<'_>, family_id: &str, now: NaiveDateTime) -> AppResult<usize> {
    let revoked = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(&mut **tx)?;
    let ended: Vec<UserId> = diesel::update(
        sessions::table
            .filter(sessions::family_id.eq(family_id))
            .filter(sessions::ended_at.is_null()),
    )
    .set(sessions::ended_at.eq(now))
    .returning(sessions::user_id)
    .get_results(&mut **tx)?;
    for user_id in ended {
        tx.after_commit(Effect::SessionsEnded(user_id));
    }
    Ok(revoked)
}

/// Ends every session of a user (see `revoke_family`).
pub fn revoke_all_for_user(tx: &mut Tx<'_>, user_id: UserId, now: NaiveDateTime) -> AppResult<usize> {
    let revoked = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(&mut **tx)?;
    let ended = diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::ended_at.is_null()),
    )
    .set(sessions::ended_at.eq(now))
    .execute(&mut **tx)?;
    if ended > 0 || revoked > 0 {
        tx.after_commit(Effect::SessionsEnded(user_id));
    }
    Ok(revoked)
}

// Sessions (one per refresh-token family).

pub fn insert_session(conn: &mut DbConnection, new: &NewSessionRow) -> AppResult<SessionRow> {
    Ok(diesel::insert_into(sessions::table)
        .values(new)
        .returning(sessions::all_columns)
        .get_result(conn)?)
}

pub fn find_session(conn: &mut DbConnection, id: i64) -> AppResult<Option<SessionRow>> {
    Ok(sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_session_by_family(conn: &mut DbConnection, family_id: &str) -> AppResult<Option<SessionRow>> {
    Ok(sessions::table
        .filter(sessions::family_id.eq(family_id))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Notes a refresh of the session.
pub fn touch_session(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// The user's open sessions, the most recently used first.
pub fn open_sessions(conn: &mut DbConnection, user_id: UserId) -> AppResult<Vec<SessionRow>> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null())
        .order((sessions::last_used_at.desc(), sessions::id.desc()))
        .select(SessionRow::as_select())
        .load(conn)?)
}

// Second factors and their recovery codes.

pub fn find_second_factor(conn: &mut DbConnection, user_id: UserId) -> AppResult<Option<SecondFactor>> {
    Ok(second_factors::table
        .find(user_id)
        .select(SecondFactor::as_select())
        .first(conn)
        .optional()?)
}

/// Keeps `secret` as the one being enrolled (replacing an earlier unconfirmed one).
pub fn set_pending_second_factor(
    conn: &mut DbConnection,
    user_id: UserId,
    secret: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let updated = diesel::update(second_factors::table.find(user_id))
        .set((
            second_factors::pending_secret.eq(secret),
            second_factors::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(second_factors::table)
            .values(&SecondFactor {
                user_id,
                pending_secret: Some(secret.to_string()),
                secret: None,
                enabled_at: None,
                last_step: None,
                updated_at: now,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Turns the pending secret into the factor, with `step` as its first accepted code.
/// (Announcing the account change: an admin's restriction to enrol lifts.)
pub fn enable_second_factor(tx: &mut Tx<'_>, user_id: UserId, step: i64, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(second_factors::table.find(user_id))
        .set((
            second_factors::secret.eq(second_factors::pending_secret),
            second_factors::pending_secret.eq(None::<String>),
            second_factors::enabled_at.eq(now),
            second_factors::last_step.eq(step),
            second_factors::updated_at.eq(now),
        ))
        .execute(&mut **tx)?;
    tx.after_commit(Effect::AccountChanged(user_id));
    Ok(())
}

/// Records `step` as used; false when it (or a later one) was used already, so a code
/// is accepted once even by two racing logins.
pub fn claim_step(conn: &mut DbConnection, user_id: UserId, step: i64, now: NaiveDateTime) -> AppResult<bool> {
    let claimed = diesel::update(
        second_factors::table.find(user_id).filter(
            second_factors::last_step
                .is_null()
                .or(second_factors::last_step.lt(step)),
        ),
    )
    .set((second_factors::last_step.eq(step), second_factors::updated_at.eq(now)))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// Removes the factor and its recovery codes (announcing the account change).
pub fn delete_second_factor(tx: &mut Tx<'_>, user_id: UserId) -> AppResult<bool> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id))).execute(&mut **tx)?;
    let deleted = diesel::delete(second_factors::table.find(user_id)).execute(&mut **tx)? > 0;
    tx.after_commit(Effect::AccountChanged(user_id));
    Ok(deleted)
}

/// Replaces the user's recovery codes.
pub fn replace_recovery_codes(conn: &mut DbConnection, user_id: UserId, codes: &[NewRecoveryCode]) -> AppResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id))).execute(conn)?;
    for code in codes {
        diesel::insert_into(recovery_codes::table).values(code).execute(conn)?;
    }
    Ok(())
}

/// Uses up a recovery code; false when it is not one of the user's unused codes.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    user_id: UserId,
    code_hash: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let used = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(code_hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(used == 1)
}

pub fn unused_recovery_codes(conn: &mut DbConnection, user_id: UserId) -> AppResult<i64> {
    Ok(recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}

// Login throttles (see `throttle`).

pub fn find_throttle(conn: &mut DbConnection, scope: &str, key_hash: &str) -> AppResult<Option<Throttle>> {
    Ok(login_throttles::table
        .filter(login_throttles::scope.eq(scope))
        .filter(login_throttles::key_hash.eq(key_hash))
        .select(Throttle::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts the row unless one exists for the key. A concurrent first use on PostgreSQL makes
/// one insert fail on the unique key; the savepoint keeps the transaction usable.
pub fn insert_throttle_if_absent(conn: &mut DbConnection, new: &NewThrottle<'_>) -> AppResult<()> {
    let inserted = conn.transaction::<_, diesel::result::Error, _>(|conn| {
        diesel::insert_into(login_throttles::table).values(new).execute(conn)
    });
    match inserted {
        Ok(_) | Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// Starts a new counting window (unless another attempt restarted it already).
pub fn restart_throttle_window(
    conn: &mut DbConnection,
    id: i64,
    window_started_at: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(
        login_throttles::table
            .filter(login_throttles::id.eq(id))
            .filter(login_throttles::window_started_at.eq(window_started_at)),
    )
    .set((
        login_throttles::failures.eq(0),
        login_throttles::window_started_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Counts one failure while fewer than `max` are counted and the key is not locked; false when
/// it could not be counted. The conditions keep the count right when attempts race.
pub fn count_throttled_failure(conn: &mut DbConnection, id: i64, max: i32, now: NaiveDateTime) -> AppResult<bool> {
    let counted = diesel::update(
        login_throttles::table
            .filter(login_throttles::id.eq(id))
            .filter(login_throttles::failures.lt(max))
            .filter(
                login_throttles::locked_until
                    .is_null()
                    .or(login_throttles::locked_until.le(now)),
            ),
    )
    .set((
        login_throttles::failures.eq(login_throttles::failures + 1),
        login_throttles::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(counted == 1)
}

/// Locks the key until `until` if it has reached `max` failures; true for the attempt that
/// locked it.
pub fn lock_throttle(
    conn: &mut DbConnection,
    id: i64,
    max: i32,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let locked = diesel::update(
        login_throttles::table
            .filter(login_throttles::id.eq(id))
            .filter(login_throttles::failures.ge(max)),
    )
    .set((
        login_throttles::failures.eq(0),
        login_throttles::lockouts.eq(login_throttles::lockouts + 1),
        login_throttles::locked_until.eq(until),
        login_throttles::window_started_at.eq(now),
        login_throttles::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(locked == 1)
}

/// Forgets the key's failures, lockouts and lock.
pub fn clear_throttle(conn: &mut DbConnection, scope: &str, key_hash: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        login_throttles::table
            .filter(login_throttles::scope.eq(scope))
            .filter(login_throttles::key_hash.eq(key_hash)),
    )
    .set((
        login_throttles::failures.eq(0),
        login_throttles::lockouts.eq(0),
        login_throttles::locked_until.eq(None::<NaiveDateTime>),
        login_throttles::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Gives back one counted failure of the key.
pub fn refund_throttled_failure(
    conn: &mut DbConnection,
    scope: &str,
    key_hash: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(
        login_throttles::table
            .filter(login_throttles::scope.eq(scope))
            .filter(login_throttles::key_hash.eq(key_hash))
            .filter(login_throttles::failures.gt(0)),
    )
    .set((
        login_throttles::failures.eq(login_throttles::failures - 1),
        login_throttles::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Deletes the key's row; true if there was one.
pub fn delete_throttle(conn: &mut DbConnection, scope: &str, key_hash: &str) -> AppResult<bool> {
    let deleted = diesel::delete(
        login_throttles::table
            .filter(login_throttles::scope.eq(scope))
            .filter(login_throttles::key_hash.eq(key_hash)),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// Keys locked at `now`, the longest lock first.
pub fn locked_throttles(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> AppResult<Vec<Throttle>> {
    Ok(login_throttles::table
        .filter(login_throttles::locked_until.gt(now))
        .order((login_throttles::locked_until.desc(), login_throttles::id.asc()))
        .limit(limit)
        .select(Throttle::as_select())
        .load(conn)?)
}

/// How many login keys of each scope are locked at `now`, for `/metrics`.
pub fn locked_counts(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<Vec<(String, i64)>> {
    Ok(login_throttles::table
        .filter(login_throttles::locked_until.gt(now))
        .group_by(login_throttles::scope)
        .select((login_throttles::scope, diesel::dsl::count_star()))
        .load(conn)?)
}
