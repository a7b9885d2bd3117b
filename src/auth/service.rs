//! Sessions: login, refresh tokens, logout, password changes and the caller behind an access
//! token. The administration of accounts is in `users`.

use crate::auth::errors::AuthReason;
use chrono::{DateTime, Duration, Utc};

use super::model::{NewRefreshToken, User};
use super::throttle::{self, Key};
use super::{password, phone, repo, tokens};
use crate::actor::Actor;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::UserId;
use crate::state::AppState;
use crate::text::single_line;

pub const MAX_NAME_CHARS: usize = 50;
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
    single_line(MAX_NAME_CHARS).required(field, name)
}

pub fn clean_phone(input: &str) -> AppResult<String> {
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
        return Err(AppError::too_many_requests(AuthReason::LOGIN_LOCKED).arg("seconds", retry_after));
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
        return Err(AppError::unauthenticated(AuthReason::WRONG_CREDENTIALS));
    };
    if user.disabled_at.is_some() {
        return Err(AppError::unauthenticated(AuthReason::ACCOUNT_DISABLED));
    }
    tracing::info!(user_id = user.id.get(), phone = %phone::mask(&user.phone), "login");
    let state2 = state.clone();
    state
        .db
        .write(move |conn| {
            let now = state2.clock.now_naive();
            for key in &keys {
                throttle::record_success(conn, key, now)?;
            }
            repo::touch_last_login(conn, user.id, now)?;
            let user = repo::find_by_id(conn, user.id)?.ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
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
        return Err(AppError::bad_input(AuthReason::UNLOCK_NEEDS_KEY));
    }
    let labels: Vec<String> = keys.iter().map(|k| k.label.clone()).collect();
    let audited = labels.clone();
    let by = actor.user_id;
    let now = state.clock.now_naive();
    let lifted = state
        .db
        .write(move |conn| {
            let mut lifted = 0;
            for key in &keys {
                lifted += usize::from(throttle::lift(conn, key)?);
            }
            let entry = super::model::LockoutLift { keys: audited, lifted };
            crate::audit::record(conn, by, "liftLoginLockout", None, Some(&entry), now)?;
            Ok(lifted)
        })
        .await?;
    tracing::info!(by = actor.user_id.get(), keys = ?labels, lifted, "login lock lifted");
    Ok(lifted)
}

/// Phone numbers (masked) and addresses locked now (admins).
pub async fn login_lockouts(state: &AppState, actor: &Actor, limit: i64) -> AppResult<Vec<super::model::Throttle>> {
    actor.require_admin()?;
    let now = state.clock.now_naive();
    state.db.read(move |conn| throttle::list_locked(conn, now, limit)).await
}

enum RefreshOutcome {
    Rotated(Box<Session>),
    Refused(AuthReason),
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
                return Ok(RefreshOutcome::Refused(AuthReason::REFRESH_TOKEN_UNKNOWN));
            };
            if token.revoked_at.is_some() {
                return Ok(RefreshOutcome::Refused(AuthReason::SESSION_ENDED));
            }
            // Not yet exchanged (or exchanged by a concurrent request a moment ago): go on.
            let exchanged_at = match token.rotated_at {
                None if repo::mark_rotated(conn, token.id, now)? => None,
                None => Some(now),
                Some(at) => Some(at),
            };
            if exchanged_at.is_some_and(|at| now - at <= REFRESH_RETRY_WINDOW) {
                tracing::info!(
                    user_id = token.user_id.get(),
                    "refresh token presented again within the retry window"
                );
            }
            if exchanged_at.is_some_and(|at| now - at > REFRESH_RETRY_WINDOW) {
                let revoked = repo::revoke_family(conn, &token.family_id, now)?;
                tracing::warn!(
                    user_id = token.user_id.get(),
                    revoked,
                    "refresh token reused; session family revoked"
                );
                return Ok(RefreshOutcome::Refused(AuthReason::REFRESH_TOKEN_REUSED));
            }
            if token.expires_at <= now {
                return Ok(RefreshOutcome::Refused(AuthReason::SESSION_EXPIRED));
            }
            let user =
                repo::find_by_id(conn, token.user_id)?.ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
            if user.disabled_at.is_some() {
                repo::revoke_family(conn, &token.family_id, now)?;
                return Ok(RefreshOutcome::Refused(AuthReason::ACCOUNT_DISABLED));
            }
            open_session(conn, &state2, user, token.family_id).map(|s| RefreshOutcome::Rotated(Box::new(s)))
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated(session) => Ok(*session),
        RefreshOutcome::Refused(why) => Err(AppError::unauthenticated(why)),
    }
}

/// Ends the session the refresh token belongs to and returns its user. Unknown tokens are
/// accepted silently.
pub async fn logout(state: &AppState, presented: &str) -> AppResult<Option<UserId>> {
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
        return Err(AppError::bad_field("newPassword", AuthReason::PASSWORD_UNCHANGED));
    }
    let user_id = actor.user_id;
    let user = state
        .db
        .read(move |conn| repo::find_by_id(conn, user_id))
        .await?
        .ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
    let (old, new) = (old_password.to_string(), new_password.to_string());
    let stored = user.password_hash.clone();
    let new_hash = password::off_request_thread(move || {
        if !password::verify(&old, &stored) {
            return Err(AppError::bad_field("oldPassword", AuthReason::PASSWORD_WRONG));
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
            let user = repo::find_by_id(conn, user_id)?.ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
            open_session(conn, &state2, user, new_family())
        })
        .await
}

/// Loads the caller behind a verified access token; disabled accounts are refused at once.
/// Sets the language the server writes in for the caller (texts, errors, notifications).
pub async fn set_locale(state: &AppState, actor: &Actor, locale: crate::i18n::Locale) -> AppResult<User> {
    let user_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            repo::set_locale(conn, user_id, locale, now)?;
            repo::find_by_id(conn, user_id)?.ok_or_else(|| AppError::unauthenticated(AuthReason::ACCOUNT_GONE))
        })
        .await
}

pub async fn actor_for_token(state: &AppState, token: &str) -> AppResult<Actor> {
    let user_id = state.jwt.verify_access_token(token, state.clock.now())?;
    let user = state.db.read(move |conn| repo::find_by_id(conn, user_id)).await?;
    match user {
        Some(user) if user.disabled_at.is_none() => Ok(Actor::from_user(&user)),
        Some(_) => Err(AppError::unauthenticated(AuthReason::ACCOUNT_DISABLED)),
        None => Err(AppError::unauthenticated(AuthReason::ACCESS_TOKEN_INVALID)),
    }
}

/// How many login keys of each scope (`PHONE`, `ADDRESS`) are locked now (for `/metrics`).
pub async fn active_lock_counts(state: &AppState) -> AppResult<Vec<(String, i64)>> {
    let now = state.clock.now_naive();
    state.db.read(move |conn| repo::locked_counts(conn, now)).await
}
