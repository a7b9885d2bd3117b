//! The TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, the form every
//! authenticator app reads from an `otpauth://` URL) and its single-use recovery codes.
//! TOTP with the `totp-rs` crate: <https://docs.rs/totp-rs/5.7.2/totp_rs/struct.TOTP.html>.

use rand::distr::{Distribution, Uniform};
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::{AppError, AppResult};

/// Seconds per step (RFC 6238's default).
pub const STEP_SECS: i64 = 30;
/// How many steps before and after now a code may come from (a phone's clock a little off).
pub const SKEW_STEPS: i64 = 1;
/// How many recovery codes an enrolment hands out.
pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "zhitong";

/// A new random 160-bit secret (RFC 4226 recommends 160 bits), base32 as the apps expect.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret_base32: &str, account: &str) -> AppResult<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|e| AppError::internal(format!("stored TOTP secret unreadable: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        SKEW_STEPS as u8,
        STEP_SECS as u64,
        bytes,
        Some(ISSUER.into()),
        account.to_string(),
    )
    .map_err(|e| AppError::internal(format!("TOTP parameters: {e}")))
}

/// The `otpauth://totp/…` URL an authenticator app imports (as a QR code or pasted).
pub fn otpauth_url(secret_base32: &str, account: &str) -> AppResult<String> {
    Ok(totp(secret_base32, account)?.get_url())
}

/// The code of `secret` at the Unix time `at` (what an authenticator app shows).
pub fn code_at(secret_base32: &str, at: i64) -> AppResult<String> {
    Ok(totp(secret_base32, "x")?.generate(at.max(0) as u64))
}

/// The step (Unix time / 30) whose code `code` is, within the allowed skew around `now`.
pub fn matching_step(secret_base32: &str, code: &str, now: i64) -> AppResult<Option<i64>> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret_base32, "x")?;
    let current = now.div_euclid(STEP_SECS);
    for step in (current - SKEW_STEPS)..=(current + SKEW_STEPS) {
        let expected = totp.generate((step.max(0) * STEP_SECS) as u64);
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// True when `input` looks like a recovery code rather than a TOTP code.
pub fn is_recovery_code(input: &str) -> bool {
    normalize_recovery_code(input).len() == 10
}

/// Recovery codes as shown: `xxxxx-xxxxx`, from an alphabet without look-alikes.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let pick = Uniform::new(0, ALPHABET.len()).expect("a non-empty alphabet");
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10).map(|_| ALPHABET[pick.sample(&mut rng)] as char).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

fn normalize_recovery_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The stored form of a recovery code (SHA-256: the codes carry 49 random bits each and are
/// single-use, so a slow hash buys nothing).
pub fn hash_recovery_code(input: &str) -> String {
    let digest = Sha256::digest(normalize_recovery_code(input).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", SHA-1, T = 59 → 94287082 (8
        // digits); its last 6 digits are the 6-digit code.
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
    }

    #[test]
    fn codes_match_within_the_skew_only() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&secret, &code, now).unwrap(), Some(now / 30));
        assert_eq!(matching_step(&secret, &code, now + 30).unwrap(), Some(now / 30));
        assert_eq!(matching_step(&secret, &code, now + 95).unwrap(), None);
        assert_eq!(matching_step(&secret, "12345", now).unwrap(), None);
        assert!(otpauth_url(&secret, "13800000000")
            .unwrap()
            .starts_with("otpauth://totp/zhitong:13800000000?"));
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| is_recovery_code(c)));
        assert_eq!(
            hash_recovery_code(&codes[0]),
            hash_recovery_code(&codes[0].to_uppercase().replace('-', " "))
        );
        assert!(!is_recovery_code("123456"));
    }
}
