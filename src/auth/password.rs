//! Password hashing with argon2id (OWASP parameters: m = 19 MiB, t = 2, p = 1). Hashing takes
//! tens of milliseconds and 19 MiB, so callers run it through `off_request_thread`: on the
//! blocking pool, never on the async runtime, and only a few at once.

use crate::auth::errors::AuthReason;
use std::sync::OnceLock;
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::distr::{Alphanumeric, SampleString};

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The least zxcvbn score a new password needs: 3 of 4 ("safely unguessable", more than 10^8
/// guesses), as the zxcvbn paper and OWASP ASVS 2.1.8 suggest for a strength meter.
/// <https://docs.rs/zxcvbn/3.1.1/zxcvbn/struct.Entropy.html>
pub const MIN_STRENGTH: u8 = 3;

/// Checks a new password: its length, and its strength estimated by zxcvbn against common
/// passwords, names, keyboard patterns, sequences, dates and the account's own details
/// (`personal`: the phone number and the name), with a reason the user can act on.
pub fn check_policy(field: &str, password: &str, personal: &[&str]) -> AppResult<()> {
    check_length(field, password)?;
    let entropy = zxcvbn::zxcvbn(password, personal);
    let score = u8::from(entropy.score());
    if score >= MIN_STRENGTH {
        return Ok(());
    }
    let lowered = password.to_lowercase();
    let personal_hit = personal
        .iter()
        .map(|p| p.trim().to_lowercase())
        .any(|p| p.chars().count() >= 3 && lowered.contains(&p));
    use zxcvbn::feedback::Warning;
    let reason = if personal_hit {
        AuthReason::PASSWORD_PERSONAL
    } else {
        match entropy.feedback().and_then(|f| f.warning()) {
            Some(Warning::ThisIsATop10Password | Warning::ThisIsATop100Password | Warning::ThisIsACommonPassword) => {
                AuthReason::PASSWORD_COMMON
            }
            Some(Warning::ThisIsSimilarToACommonlyUsedPassword) => AuthReason::PASSWORD_LIKE_COMMON,
            Some(
                Warning::StraightRowsOfKeysAreEasyToGuess
                | Warning::ShortKeyboardPatternsAreEasyToGuess
                | Warning::SequencesLikeAbcAreEasyToGuess,
            ) => AuthReason::PASSWORD_PATTERN,
            Some(Warning::RepeatsLikeAaaAreEasyToGuess | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess) => {
                AuthReason::PASSWORD_REPEATS
            }
            Some(Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess) => AuthReason::PASSWORD_DATE,
            Some(
                Warning::AWordByItselfIsEasyToGuess
                | Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
                | Warning::CommonNamesAndSurnamesAreEasyToGuess,
            ) => AuthReason::PASSWORD_WORD,
            _ => AuthReason::PASSWORD_WEAK,
        }
    };
    Err(AppError::bad_field(field, reason)
        .arg("score", score)
        .arg("min", MIN_STRENGTH))
}

fn check_length(field: &str, password: &str) -> AppResult<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::bad_field(field, AuthReason::PASSWORD_TOO_SHORT).arg("min", MIN_PASSWORD_CHARS));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::bad_field(field, AuthReason::PASSWORD_TOO_LONG).arg("max", MAX_PASSWORD_CHARS));
    }
    if password.trim().is_empty() {
        return Err(AppError::bad_field(field, AuthReason::PASSWORD_BLANK));
    }
    Ok(())
}

/// How long a login waits for a hashing slot before the server calls itself busy.
const HASHING_QUEUE_WAIT: Duration = Duration::from_secs(10);

fn hashing_slots() -> &'static tokio::sync::Semaphore {
    // One process-wide bound: the resource it protects (CPU and memory) is the machine's.
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        tokio::sync::Semaphore::new(cores.max(2))
    })
}

/// Runs password work (`hash`, `verify`) on the blocking pool with at most as many at once as
/// there are cores, so a flood of logins queues instead of exhausting memory and threads.
pub async fn off_request_thread<T, F>(f: F) -> AppResult<T>
where
    F: FnOnce() -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let permit = tokio::time::timeout(HASHING_QUEUE_WAIT, hashing_slots().acquire())
        .await
        .map_err(|_| AppError::Unavailable("password hashing queue is full".into()))?
        .map_err(|_| AppError::internal("password hashing semaphore closed"))?;
    let result = crate::db::run_blocking(f).await;
    drop(permit);
    result
}

pub fn hash(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
}

pub fn verify(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Spends the same work as a real check when the phone number is unknown, so the answer's
/// timing does not tell whether an account exists.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("dummy password for timing").expect("hashing a constant"));
    let _ = verify(password, dummy);
}

/// A password for first runs and accounts created without one: 16 letters and digits.
pub fn generate() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let a = hash("correct horse").unwrap();
        let b = hash("correct horse").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("correct horse", &a));
        assert!(!verify("wrong horse", &a));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[test]
    fn policy_counts_characters_not_bytes() {
        assert!(check_length("password", "短密码").is_err());
        assert!(check_length("password", "八个汉字的密码啊").is_ok());
        assert!(check_policy("password", &"x".repeat(129), &[]).is_err());
        assert!(check_policy("password", "        ", &[]).is_err());
    }

    fn refusal(password: &str, personal: &[&str]) -> &'static str {
        check_policy("password", password, personal)
            .map(|_| "accepted")
            .unwrap_or_else(|e| e.reason())
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert_eq!(refusal("password", &[]), "PASSWORD_COMMON");
        assert_eq!(refusal("12345678", &[]), "PASSWORD_COMMON");
        assert_eq!(refusal("qwertyuiop", &[]), "PASSWORD_COMMON");
        assert_eq!(refusal("aaaaaaaaaaaa", &[]), "PASSWORD_REPEATS");
        assert_eq!(
            refusal("zhang13812345678", &["13812345678", "张三"]),
            "PASSWORD_PERSONAL"
        );
        assert_eq!(refusal("P@ssw0rd2024", &[]), "PASSWORD_LIKE_COMMON");
        assert_eq!(refusal("correct horse battery staple", &[]), "accepted");
        assert_eq!(refusal(&generate(), &[]), "accepted");
    }

    #[test]
    fn parameters_are_owasps_argon2id() {
        let stored = hash("correct horse").unwrap();
        let parsed = PasswordHash::new(&stored).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = argon2::Params::try_from(&parsed).unwrap();
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (19_456, 2, 1));
    }
}
