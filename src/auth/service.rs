//! Sessions: login, refresh tokens, logout, password changes and the caller behind an access
//! token. The administration of accounts is in `users`.

use crate::auth::errors::AuthReason;
use chrono::{DateTime, Duration, Utc};

use super::model::{NewRecoveryCode, NewRefreshToken, NewSessionRow, SecondFactorAudit, SessionRow, User};
use super::throttle::{self, Key};
use super::{password, phone, repo, second_factor, tokens};
use crate::actor::{Actor, Role};
use crate::config::Environment;
use crate::db::{DbConnection, Tx};
use crate::error::{AppError, AppResult};
use crate::graphql::context::Restriction;
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
    /// The row of `sessions` the tokens belong to.
    pub session_id: i64,
    /// What the user must do before anything else, if anything.
    pub restriction: Option<AuthReason>,
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

/// Where a login comes from and what the phone says it is (shown in `mySessions`).
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub address: Option<String>,
    pub device: Option<String>,
    pub platform: Option<String>,
}

/// The fields a restricted caller may still call, by restriction.
const PASSWORD_CHANGE_FIELDS: &[&str] = &["me", "changePassword", "logout", "refreshToken", "login", "labels"];
const ENROLMENT_FIELDS: &[&str] = &[
    "me",
    "changePassword",
    "logout",
    "refreshToken",
    "login",
    "labels",
    "beginSecondFactorEnrolment",
    "confirmSecondFactorEnrolment",
];

/// What `user` must do before anything else: change a password an admin set, or (admins in
/// production) turn on the second factor.
pub fn restriction_of(state: &AppState, user: &User, factor_enabled: bool) -> Option<AuthReason> {
    if user.must_change_password {
        Some(AuthReason::PASSWORD_CHANGE_REQUIRED)
    } else if user.role == Role::Admin && state.config.environment == Environment::Production && !factor_enabled {
        Some(AuthReason::SECOND_FACTOR_ENROLMENT_REQUIRED)
    } else {
        None
    }
}

fn restriction(reason: AuthReason) -> Restriction {
    let allowed = if reason == AuthReason::PASSWORD_CHANGE_REQUIRED {
        PASSWORD_CHANGE_FIELDS
    } else {
        ENROLMENT_FIELDS
    };
    Restriction {
        error: AppError::forbidden(reason),
        allowed,
    }
}

fn factor_enabled(conn: &mut DbConnection, user_id: UserId) -> AppResult<bool> {
    Ok(repo::find_second_factor(conn, user_id)?.is_some_and(|f| f.enabled()))
}

/// The client address as `mySessions` shows it: the last part hidden (203.0.113.*, 2001:db8:1::*).
pub fn mask_address(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            let [a, b, c, _] = ip.octets();
            format!("{a}.{b}.{c}.*")
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            let s = ip.segments();
            format!("{:x}:{:x}:{:x}::*", s[0], s[1], s[2])
        }
        Err(_) => "*".into(),
    }
}

fn clean_client_text(input: Option<String>, max: usize) -> Option<String> {
    input
        .map(|t| t.chars().filter(|c| !c.is_control()).take(max).collect::<String>())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Opens a new session (a new refresh-token family, with its row in `sessions`) for `user`
/// inside the caller's transaction.
fn open_session(conn: &mut DbConnection, state: &AppState, user: User, client: ClientInfo) -> AppResult<Session> {
    let now = state.clock.now_naive();
    let row = repo::insert_session(
        conn,
        &NewSessionRow {
            user_id: user.id,
            family_id: new_family(),
            device: clean_client_text(client.device, 60),
            platform: clean_client_text(client.platform, 20).map(|p| p.to_uppercase()),
            address: client.address.as_deref().map(mask_address),
            created_at: now,
            last_used_at: now,
        },
    )?;
    issue_pair(conn, state, user, &row)
}

/// A new access token and refresh token of the session `row`.
fn issue_pair(conn: &mut DbConnection, state: &AppState, user: User, row: &SessionRow) -> AppResult<Session> {
    let now = state.clock.now();
    let (refresh_token, token_hash) = tokens::new_refresh_token();
    let refresh_expires_at = now + Duration::from_std(state.config.refresh_token_ttl).unwrap_or(Duration::days(30));
    repo::insert_refresh_token(
        conn,
        &NewRefreshToken {
            user_id: user.id,
            family_id: row.family_id.clone(),
            token_hash,
            created_at: state.clock.now_naive(),
            expires_at: refresh_expires_at.naive_utc(),
        },
    )?;
    let access_expires_at = now + Duration::from_std(state.config.access_token_ttl).unwrap_or(Duration::minutes(15));
    let access_token = state.jwt.issue_access_token(user.id, row.id, now, access_expires_at)?;
    let restriction = restriction_of(state, &user, factor_enabled(conn, user.id)?);
    Ok(Session {
        session_id: row.id,
        restriction,
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

/// How a login's second factor turned out.
enum FactorCheck {
    Passed(Box<Session>),
    /// The account has a second factor and the login gave none (the password was right).
    Missing,
    Wrong,
}

/// Logs in. Each attempt is charged to the phone number and to the client address before the
/// password is checked (see `throttle`); a locked phone or address gets `TOO_MANY_REQUESTS`,
/// whether or not an account has that number. An account with a second factor also needs
/// `second_factor` (a TOTP code or a recovery code): without it the answer is
/// `SECOND_FACTOR_REQUIRED` (and the attempt is given back), a wrong one counts as a failure
/// like a wrong password.
pub async fn login(
    state: &AppState,
    phone_input: &str,
    password_input: &str,
    second_factor_input: Option<&str>,
    client: ClientInfo,
) -> AppResult<Session> {
    let phone = clean_phone(phone_input)?;
    let mut keys = vec![Key::phone(&phone)];
    keys.extend(client.address.as_deref().map(Key::address));
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
    let state2 = state.clone();
    let code = second_factor_input
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    let user_id = user.id;
    let keys2 = keys.clone();
    let outcome = state
        .db
        .write(move |tx| {
            let now = state2.clock.now_naive();
            let factor = repo::find_second_factor(tx, user_id)?.filter(|f| f.enabled());
            if let Some(factor) = factor {
                let Some(code) = code else {
                    return Ok(FactorCheck::Missing);
                };
                let used = check_second_factor(tx, &state2, user_id, factor.secret.as_deref().unwrap_or(""), &code)?;
                match used {
                    None => return Ok(FactorCheck::Wrong),
                    Some(FactorUsed::RecoveryCode) => {
                        let audited = factor_audit(tx, user_id, true)?;
                        crate::audit::record(
                            tx,
                            user_id,
                            "useRecoveryCode",
                            None::<&SecondFactorAudit>,
                            Some(&audited),
                            now,
                        )?;
                    }
                    Some(FactorUsed::Code) => {}
                }
            }
            for key in &keys2 {
                throttle::record_success(tx, key, now)?;
            }
            repo::touch_last_login(tx, user_id, now)?;
            let user = repo::find_by_id(tx, user_id)?.ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
            open_session(tx, &state2, user, client).map(|s| FactorCheck::Passed(Box::new(s)))
        })
        .await?;
    match outcome {
        FactorCheck::Passed(session) => {
            tracing::info!(user_id = user.id.get(), phone = %phone::mask(&user.phone), "login");
            Ok(*session)
        }
        FactorCheck::Missing => {
            let clock = state.clock.clone();
            state
                .db
                .write(move |tx| {
                    let now = clock.now_naive();
                    keys.iter().try_for_each(|key| throttle::refund_attempt(tx, key, now))
                })
                .await?;
            Err(AppError::unauthenticated(AuthReason::SECOND_FACTOR_REQUIRED))
        }
        FactorCheck::Wrong => {
            tracing::info!(user_id = user.id.get(), "login refused: wrong second factor");
            Err(AppError::unauthenticated(AuthReason::SECOND_FACTOR_WRONG))
        }
    }
}

enum FactorUsed {
    Code,
    RecoveryCode,
}

/// Checks a TOTP code (accepted once: its step must be later than the last accepted) or a
/// recovery code (used up) of the user's confirmed `secret`.
fn check_second_factor(
    conn: &mut DbConnection,
    state: &AppState,
    user_id: UserId,
    secret: &str,
    code: &str,
) -> AppResult<Option<FactorUsed>> {
    let now = state.clock.now_naive();
    if second_factor::is_recovery_code(code) {
        let hash = second_factor::hash_recovery_code(code);
        return Ok(repo::use_recovery_code(conn, user_id, &hash, now)?.then_some(FactorUsed::RecoveryCode));
    }
    match second_factor::matching_step(secret, code, state.clock.now().timestamp())? {
        Some(step) if repo::claim_step(conn, user_id, step, now)? => Ok(Some(FactorUsed::Code)),
        _ => Ok(None),
    }
}

fn factor_audit(conn: &mut DbConnection, user_id: UserId, enabled: bool) -> AppResult<SecondFactorAudit> {
    Ok(SecondFactorAudit {
        user_id,
        enabled,
        recovery_codes_left: repo::unused_recovery_codes(conn, user_id)?,
    })
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
            let row = match repo::find_session_by_family(conn, &token.family_id)? {
                Some(row) if row.ended_at.is_some() => {
                    return Ok(RefreshOutcome::Refused(AuthReason::SESSION_ENDED));
                }
                Some(row) => row,
                // A family from before sessions had rows and that the migration did not see.
                None => repo::insert_session(
                    conn,
                    &NewSessionRow {
                        user_id: user.id,
                        family_id: token.family_id.clone(),
                        device: None,
                        platform: None,
                        address: None,
                        created_at: token.created_at,
                        last_used_at: now,
                    },
                )?,
            };
            repo::touch_session(conn, row.id, now)?;
            issue_pair(conn, &state2, user, &row).map(|s| RefreshOutcome::Rotated(Box::new(s)))
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
    client: ClientInfo,
) -> AppResult<Session> {
    if old_password == new_password {
        return Err(AppError::bad_field("newPassword", AuthReason::PASSWORD_UNCHANGED));
    }
    let user_id = actor.user_id;
    let user = state
        .db
        .read(move |conn| repo::find_by_id(conn, user_id))
        .await?
        .ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
    password::check_policy("newPassword", new_password, &[&user.phone, &user.name])?;
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
            let before =
                repo::find_by_id(conn, user_id)?.ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
            repo::set_password(conn, user_id, &new_hash, false, now)?;
            repo::revoke_all_for_user(conn, user_id, now)?;
            let user = repo::find_by_id(conn, user_id)?.ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
            crate::audit::record(conn, user_id, "changePassword", Some(&before), Some(&user), now)?;
            open_session(conn, &state2, user, client)
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

/// The caller behind an access token: who, which session, and what they must do first.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub session_id: i64,
    pub restriction: Option<Restriction>,
}

/// Loads the caller behind a verified access token; disabled accounts and ended sessions are
/// refused at once. The caller is remembered for the token's lifetime (`auth::cache`) and read
/// again as soon as its account or sessions change, on this instance or another.
pub async fn actor_for_token(state: &AppState, token: &str) -> AppResult<Caller> {
    let now = state.clock.now();
    let claim = state.jwt.verify_access_token(token, now)?;
    let accounts = state.db.live().accounts();
    if let Some(caller) = state.callers.get(claim.session_id, claim.user_id, accounts) {
        return Ok(caller);
    }
    // Taken before the read: a change committed while reading makes the entry stale at once.
    let generation = accounts.generation();
    let found = state
        .db
        .read(move |conn| {
            let Some(user) = repo::find_by_id(conn, claim.user_id)? else {
                return Ok(None);
            };
            let session = repo::find_session(conn, claim.session_id)?;
            let enabled = factor_enabled(conn, user.id)?;
            Ok(Some((user, session, enabled)))
        })
        .await?;
    let Some((user, session, enabled)) = found else {
        return Err(AppError::unauthenticated(AuthReason::ACCESS_TOKEN_INVALID));
    };
    if user.disabled_at.is_some() {
        return Err(AppError::unauthenticated(AuthReason::ACCOUNT_DISABLED));
    }
    match session {
        Some(session) if session.user_id == user.id && session.ended_at.is_none() => {}
        Some(session) if session.user_id == user.id => {
            return Err(AppError::unauthenticated(AuthReason::SESSION_ENDED))
        }
        _ => return Err(AppError::unauthenticated(AuthReason::ACCESS_TOKEN_INVALID)),
    }
    let caller = Caller {
        restriction: restriction_of(state, &user, enabled).map(restriction),
        actor: Actor::from_user(&user),
        session_id: claim.session_id,
    };
    state.callers.put(&caller, generation, claim.expires, now.timestamp());
    Ok(caller)
}

/// True while the session is open (a websocket checks when the user's sessions change).
pub async fn session_open(state: &AppState, session_id: i64) -> AppResult<bool> {
    state
        .db
        .read(move |conn| Ok(repo::find_session(conn, session_id)?.is_some_and(|s| s.ended_at.is_none())))
        .await
}

// Sessions: the caller's devices, ending one, and admins ending a user's.

/// The caller's open sessions, the most recently used first.
pub async fn my_sessions(state: &AppState, actor: &Actor) -> AppResult<Vec<SessionRow>> {
    let user_id = actor.user_id;
    state.db.read(move |conn| repo::open_sessions(conn, user_id)).await
}

/// Ends one of the caller's sessions (a lost phone): its refresh token, its access tokens and
/// its websockets stop at once. Another user's session is `NOT_FOUND`.
pub async fn end_session(state: &AppState, actor: &Actor, session_id: i64) -> AppResult<bool> {
    let user_id = actor.user_id;
    let clock = state.clock.clone();
    state
        .db
        .write(move |tx| {
            let session = repo::find_session(tx, session_id)?
                .filter(|s| s.user_id == user_id)
                .ok_or_else(|| AppError::not_found(AuthReason::SESSION_NOT_FOUND))?;
            if session.ended_at.is_some() {
                return Ok(false);
            }
            repo::revoke_family(tx, &session.family_id, clock.now_naive())?;
            Ok(true)
        })
        .await
}

/// Ends every session of a user without disabling the account (admins); audited. Returns how
/// many sessions were open.
pub async fn end_user_sessions(state: &AppState, actor: &Actor, user_id: UserId) -> AppResult<usize> {
    actor.require_admin()?;
    let (clock, by) = (state.clock.clone(), actor.user_id);
    state
        .db
        .write(move |tx| {
            let user = repo::find_by_id(tx, user_id)?.ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
            let now = clock.now_naive();
            let open = repo::open_sessions(tx, user_id)?;
            repo::revoke_all_for_user(tx, user_id, now)?;
            for session in &open {
                let mut ended = session.clone();
                ended.ended_at = Some(now);
                crate::audit::record(tx, by, "endUserSession", Some(session), Some(&ended), now)?;
            }
            tracing::info!(
                user_id = user.id.get(),
                by = by.get(),
                ended = open.len(),
                "sessions ended by an admin"
            );
            Ok(open.len())
        })
        .await
}

// The second factor: enrolment, removal and an admin's reset.

/// What enrolment shows once: the secret for the authenticator app.
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
}

/// Starts (or restarts) enrolling a TOTP second factor for the caller: a new secret, kept
/// pending until a code from it is confirmed.
pub async fn begin_second_factor_enrolment(state: &AppState, actor: &Actor) -> AppResult<Enrolment> {
    let user_id = actor.user_id;
    let clock = state.clock.clone();
    let secret = second_factor::new_secret();
    let pending = secret.clone();
    let user = state
        .db
        .write(move |tx| {
            if factor_enabled(tx, user_id)? {
                return Err(AppError::conflict(AuthReason::SECOND_FACTOR_ALREADY_ON));
            }
            repo::set_pending_second_factor(tx, user_id, &pending, clock.now_naive())?;
            repo::find_by_id(tx, user_id)?.ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))
        })
        .await?;
    let otpauth_url = second_factor::otpauth_url(&secret, &user.phone)?;
    Ok(Enrolment { secret, otpauth_url })
}

/// Confirms the pending second factor with a code from it; returns the recovery codes (shown
/// once). Audited.
pub async fn confirm_second_factor_enrolment(state: &AppState, actor: &Actor, code: &str) -> AppResult<Vec<String>> {
    let user_id = actor.user_id;
    let state2 = state.clone();
    let code = code.trim().to_string();
    let codes = second_factor::new_recovery_codes();
    let shown = codes.clone();
    state
        .db
        .write(move |tx| {
            let factor = repo::find_second_factor(tx, user_id)?;
            if factor.as_ref().is_some_and(|f| f.enabled()) {
                return Err(AppError::conflict(AuthReason::SECOND_FACTOR_ALREADY_ON));
            }
            let Some(pending) = factor.and_then(|f| f.pending_secret) else {
                return Err(AppError::bad_input(AuthReason::SECOND_FACTOR_NOT_STARTED));
            };
            let Some(step) = second_factor::matching_step(&pending, &code, state2.clock.now().timestamp())? else {
                return Err(AppError::bad_field("code", AuthReason::SECOND_FACTOR_WRONG));
            };
            let now = state2.clock.now_naive();
            repo::enable_second_factor(tx, user_id, step, now)?;
            let rows: Vec<NewRecoveryCode> = codes
                .iter()
                .map(|c| NewRecoveryCode {
                    user_id,
                    code_hash: second_factor::hash_recovery_code(c),
                    created_at: now,
                })
                .collect();
            repo::replace_recovery_codes(tx, user_id, &rows)?;
            let after = factor_audit(tx, user_id, true)?;
            let before = SecondFactorAudit {
                user_id,
                enabled: false,
                recovery_codes_left: 0,
            };
            crate::audit::record(tx, user_id, "enrolSecondFactor", Some(&before), Some(&after), now)?;
            Ok(())
        })
        .await?;
    tracing::info!(user_id = user_id.get(), "second factor enrolled");
    Ok(shown)
}

/// Turns the caller's second factor off, with a current code or a recovery code. Audited.
pub async fn remove_second_factor(state: &AppState, actor: &Actor, code: &str) -> AppResult<()> {
    let user_id = actor.user_id;
    let state2 = state.clone();
    let code = code.trim().to_string();
    state
        .db
        .write(move |tx| {
            let factor = repo::find_second_factor(tx, user_id)?
                .filter(|f| f.enabled())
                .ok_or_else(|| AppError::bad_input(AuthReason::SECOND_FACTOR_OFF))?;
            let secret = factor.secret.unwrap_or_default();
            if check_second_factor(tx, &state2, user_id, &secret, &code)?.is_none() {
                return Err(AppError::bad_field("code", AuthReason::SECOND_FACTOR_WRONG));
            }
            remove_factor(tx, user_id, user_id, "removeSecondFactor", state2.clock.now_naive())
        })
        .await
}

/// Removes another user's second factor (a lost phone; admins) and ends their sessions. Audited.
pub async fn reset_second_factor(state: &AppState, actor: &Actor, user_id: UserId) -> AppResult<User> {
    actor.require_admin()?;
    let (clock, by) = (state.clock.clone(), actor.user_id);
    state
        .db
        .write(move |tx| {
            let user = repo::find_by_id(tx, user_id)?.ok_or_else(|| AppError::not_found(AuthReason::ACCOUNT_GONE))?;
            if !factor_enabled(tx, user_id)? {
                return Err(AppError::bad_input(AuthReason::SECOND_FACTOR_OFF));
            }
            let now = clock.now_naive();
            remove_factor(tx, by, user_id, "resetSecondFactor", now)?;
            repo::revoke_all_for_user(tx, user_id, now)?;
            Ok(user)
        })
        .await
}

fn remove_factor(
    tx: &mut Tx<'_>,
    by: UserId,
    user_id: UserId,
    action: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    let before = factor_audit(tx, user_id, true)?;
    repo::delete_second_factor(tx, user_id)?;
    let after = SecondFactorAudit {
        user_id,
        enabled: false,
        recovery_codes_left: 0,
    };
    crate::audit::record(tx, by, action, Some(&before), Some(&after), now)?;
    tracing::info!(user_id = user_id.get(), by = by.get(), action, "second factor removed");
    Ok(())
}

/// Whether the user has a confirmed second factor.
pub async fn second_factor_enabled(state: &AppState, user_id: UserId) -> AppResult<bool> {
    state.db.read(move |conn| factor_enabled(conn, user_id)).await
}

/// How many login keys of each scope (`PHONE`, `ADDRESS`) are locked now (for `/metrics`).
pub async fn active_lock_counts(state: &AppState) -> AppResult<Vec<(String, i64)>> {
    let now = state.clock.now_naive();
    state.db.read(move |conn| repo::locked_counts(conn, now)).await
}
