//! What the senders share: the HTTP client, `Retry-After`, a cached access token that is
//! refreshed once when the provider rejects it, and the reading of HTTP statuses every provider
//! documents the same way (429 and 5xx are temporary).

use std::future::Future;
use std::time::{Duration, Instant};

use super::{PushMessage, SendOutcome};

pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// Reads `Retry-After` as delay-seconds or as an HTTP-date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is RFC 2822 syntax.
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Every provider: 429 and 5xx are temporary, retried no earlier than `Retry-After`.
pub fn temporary(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

pub fn unreachable(provider: &str, error: reqwest::Error) -> SendOutcome {
    SendOutcome::Retry {
        after: None,
        error: format!("{provider} unreachable: {error}"),
    }
}

/// A provider's answer to one send: final, or "your credentials were rejected".
pub enum Answer {
    Final(SendOutcome),
    AuthRejected(String),
}

/// An access token obtained by exchanging credentials, kept until shortly before it expires.
#[derive(Default)]
pub struct TokenCache {
    slot: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl TokenCache {
    /// The cached token, or a fresh one from `fetch` (one exchange at a time; the others wait
    /// for it). `fetch` returns the token and its lifetime.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<String, String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(String, Duration), String>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((token, until)) = slot.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let (token, lifetime) = fetch().await?;
        // Renew a minute early (or halfway for short-lived tokens).
        let margin = Duration::from_secs(60).min(lifetime / 2);
        *slot = Some((token.clone(), Instant::now() + lifetime - margin));
        Ok(token)
    }

    /// Forgets `stale` (unless another send already replaced it).
    pub async fn invalidate(&self, stale: &str) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|(token, _)| token == stale) {
            *slot = None;
        }
    }
}

/// Sends with the cached token; when the provider rejects the token, refreshes it once and
/// sends again. A second rejection is retried later like an outage.
pub async fn send_with_refresh<T, TF, S, SF>(
    cache: &TokenCache,
    fetch: TF,
    send: S,
    message: &PushMessage,
) -> SendOutcome
where
    TF: Fn() -> T,
    T: Future<Output = Result<(String, Duration), String>>,
    S: Fn(String, PushMessage) -> SF,
    SF: Future<Output = Answer>,
{
    let mut refreshed = false;
    loop {
        let token = match cache.get(&fetch).await {
            Ok(token) => token,
            Err(error) => return SendOutcome::Retry { after: None, error },
        };
        match send(token.clone(), message.clone()).await {
            Answer::Final(outcome) => return outcome,
            Answer::AuthRejected(error) if refreshed => return SendOutcome::Retry { after: None, error },
            Answer::AuthRejected(_) => {
                cache.invalidate(&token).await;
                refreshed = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        let at = (chrono::Utc::now() + chrono::Duration::seconds(600))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&at).unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(590) && wait <= Duration::from_secs(600),
            "{wait:?}"
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(retry_after(&headers), Some(Duration::ZERO), "a past date: now");
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }
}
