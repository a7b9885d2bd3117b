//! Access tokens (short-lived JWTs, HS256 pinned) and refresh tokens (random, opaque, stored only
//! as a SHA-256 hash). A refresh token is never a JWT, and an access token carries `typ: access`,
//! so neither can stand in for the other.

use crate::auth::errors::AuthReason;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, MIN_JWT_SECRET_LEN};
use crate::error::{AppError, AppResult};
use crate::ids::UserId;

const ISSUER: &str = "zhitong";
const AUDIENCE: &str = "zhitong-api";
const ACCESS_TYPE: &str = "access";
const REFRESH_PREFIX: &str = "zrt_";
/// Tolerance for clocks of several instances that disagree slightly.
const CLOCK_LEEWAY_SECS: i64 = 5;

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    sub: String,
    iss: String,
    aud: String,
    typ: String,
    iat: i64,
    exp: i64,
    /// The session (row of `sessions`) the token was issued for: ending the session refuses
    /// the token at once. Tokens issued before sessions existed have none and must be refreshed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<i64>,
}

/// Whom a valid access token names: the user and the session it was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessClaim {
    pub user_id: UserId,
    pub session_id: i64,
    /// When the token expires (seconds since the epoch).
    pub expires: i64,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked against the application clock below (so tests can move time).
        validation.validate_exp = false;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue_access_token(
        &self,
        user_id: UserId,
        session_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> AppResult<String> {
        let claims = AccessClaims {
            sid: Some(session_id),
            sub: user_id.to_string(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            typ: ACCESS_TYPE.into(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("signing an access token: {e}")))
    }

    /// The user and session of a valid access token that has not expired at `now`.
    pub fn verify_access_token(&self, token: &str, now: DateTime<Utc>) -> AppResult<AccessClaim> {
        let invalid = || AppError::unauthenticated(AuthReason::ACCESS_TOKEN_INVALID);
        let data = decode::<AccessClaims>(token, &self.decoding, &self.validation).map_err(|_| invalid())?;
        if data.claims.typ != ACCESS_TYPE {
            return Err(invalid());
        }
        if data.claims.exp <= now.timestamp() - CLOCK_LEEWAY_SECS {
            return Err(AppError::unauthenticated(AuthReason::ACCESS_TOKEN_EXPIRED));
        }
        // A token from before sessions were named: the phone refreshes it, as after expiry.
        let session_id = data
            .claims
            .sid
            .ok_or_else(|| AppError::unauthenticated(AuthReason::ACCESS_TOKEN_EXPIRED))?;
        let user_id = data
            .claims
            .sub
            .parse()
            .map_err(|_| AppError::unauthenticated(AuthReason::ACCESS_TOKEN_INVALID))?;
        Ok(AccessClaim {
            user_id,
            session_id,
            expires: data.claims.exp,
        })
    }
}

/// A new refresh token: what the client keeps, and the hash the database keeps.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{REFRESH_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signing secret: the configured one, or one generated on first start and kept in a file
/// (mode 0600) so tokens survive restarts. Returns the secret and whether it was generated now.
pub fn load_or_generate_secret(config: &Config) -> Result<(Vec<u8>, Option<std::path::PathBuf>), String> {
    if let Some(secret) = &config.jwt_secret {
        return Ok((secret.as_bytes().to_vec(), None));
    }
    let path = config.generated_secret_path();
    if path.exists() {
        let secret = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let secret = secret.trim();
        if secret.len() < MIN_JWT_SECRET_LEN {
            return Err(format!(
                "{} holds a secret shorter than {MIN_JWT_SECRET_LEN} bytes",
                path.display()
            ));
        }
        return Ok((secret.as_bytes().to_vec(), None));
    }
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    write_private_file(&path, &secret).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok((secret.into_bytes(), Some(path)))
}

fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn access_tokens_round_trip_and_reject_tampering() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let token = keys
            .issue_access_token(UserId(42), 7, now, now + Duration::minutes(15))
            .unwrap();
        assert_eq!(
            keys.verify_access_token(&token, now).unwrap(),
            AccessClaim {
                user_id: UserId(42),
                session_id: 7,
                expires: (now + Duration::minutes(15)).timestamp(),
            }
        );

        let other = JwtKeys::new(b"another secret another secret 00");
        assert!(other.verify_access_token(&token, now).is_err());

        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        parts[1] = URL_SAFE_NO_PAD
            .encode(br#"{"sub":"1","iss":"zhitong","aud":"zhitong-api","typ":"access","iat":0,"exp":99999999999}"#);
        assert!(keys.verify_access_token(&parts.join("."), now).is_err());

        let expired = keys
            .issue_access_token(UserId(42), 7, now - Duration::hours(1), now - Duration::minutes(5))
            .unwrap();
        assert!(keys.verify_access_token(&expired, now).is_err());
        assert!(keys.verify_access_token(&token, now + Duration::minutes(16)).is_err());
    }

    #[test]
    fn refresh_tokens_are_opaque_and_hashed() {
        let (token, hash) = new_refresh_token();
        assert!(token.starts_with(REFRESH_PREFIX));
        assert_eq!(hash, hash_refresh_token(&token));
        assert_eq!(hash.len(), 64);
        assert!(JwtKeys::new(b"0123456789abcdef0123456789abcdef")
            .verify_access_token(&token, Utc::now())
            .is_err());
    }
}
