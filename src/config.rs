//! Typed configuration, read once from flags and environment variables, validated at start and
//! passed around in the application state (never a global).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::db::DbUrl;

pub const DEFAULT_SQLITE_FILE: &str = "zhitong.db";
pub const JWT_SECRET_FILE: &str = "zhitong.jwt-secret";
pub const MIN_JWT_SECRET_LEN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Settings shared by every subcommand. Each flag has a matching `ZHITONG_*` variable.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Address and port to listen on.
    #[arg(long, env = "ZHITONG_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,

    /// `postgres://user:pass@host/db` for PostgreSQL, or a SQLite file path (default: zhitong.db
    /// in the working directory).
    #[arg(long, env = "ZHITONG_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Secret for signing access tokens (at least 32 bytes). Generated and kept beside the
    /// database when unset, except in production, where it is required.
    #[arg(long, env = "ZHITONG_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// `development` or `production`.
    #[arg(
        long = "env",
        env = "ZHITONG_ENV",
        value_enum,
        default_value = "development",
        global = true
    )]
    pub environment: Environment,

    /// Log filter, e.g. `info` or `zhitong=debug,actix_web=info` (default: `RUST_LOG`, else
    /// `info`). A filter that does not parse refuses to start.
    #[arg(long, env = "ZHITONG_LOG", global = true)]
    pub log: Option<String>,

    /// The conventional `RUST_LOG`, used when `ZHITONG_LOG` is unset.
    #[arg(long = "rust-log", env = "RUST_LOG", hide = true, global = true)]
    pub rust_log: Option<String>,

    /// `text` or `json`.
    #[arg(long, env = "ZHITONG_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// Database connections in the pool.
    #[arg(long, env = "ZHITONG_DB_POOL_SIZE", default_value_t = 10, global = true)]
    pub db_pool_size: u32,

    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "ZHITONG_ACCESS_TOKEN_TTL", default_value_t = 900, global = true)]
    pub access_token_ttl: u64,

    /// Lifetime of a refresh token, in days.
    #[arg(long, env = "ZHITONG_REFRESH_TOKEN_DAYS", default_value_t = 30, global = true)]
    pub refresh_token_days: u32,

    /// The zone's time zone (IANA name).
    #[arg(long, env = "ZHITONG_TIME_ZONE", default_value = "Asia/Shanghai", global = true)]
    pub time_zone: String,

    /// Phone number of the administrator created on first run.
    #[arg(long, env = "ZHITONG_ADMIN_PHONE", default_value = "13800000000", global = true)]
    pub admin_phone: String,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "ZHITONG_MAX_BODY_BYTES", default_value_t = 256 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Run the background workers (push delivery, …) in this instance.
    #[arg(long, env = "ZHITONG_WORKERS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub workers: bool,

    /// How often an idle push worker looks for due deliveries, in milliseconds.
    #[arg(long, env = "ZHITONG_PUSH_INTERVAL_MS", default_value_t = 1000, global = true)]
    pub push_interval_ms: u64,

    /// How long a push worker holds deliveries it took before another may retry them (seconds).
    #[arg(long, env = "ZHITONG_PUSH_LEASE_SECS", default_value_t = 120, global = true)]
    pub push_lease_secs: u64,

    /// How often the time-limit sweeper looks for reminders and overdue items (seconds).
    #[arg(long, env = "ZHITONG_SLA_SWEEP_SECS", default_value_t = 60, global = true)]
    pub sla_sweep_secs: u64,

    /// Hours without action between the steps of the supervision ladder after a limit passes:
    /// overdue → chasing (催办) → supervision (督办) → reprimand (通报).
    #[arg(long, env = "ZHITONG_SLA_ESCALATION_HOURS", default_value_t = 24, global = true)]
    pub sla_escalation_hours: u64,

    /// Directory for attachment files (default: `attachments` beside the SQLite file, or in the
    /// working directory with PostgreSQL).
    #[arg(long, env = "ZHITONG_ATTACHMENTS_DIR", global = true)]
    pub attachments_dir: Option<PathBuf>,

    /// Largest accepted attachment, in bytes.
    #[arg(long, env = "ZHITONG_MAX_ATTACHMENT_BYTES", default_value_t = 10 * 1024 * 1024, global = true)]
    pub max_attachment_bytes: usize,

    /// Attachments in an S3-compatible store instead of the directory: `s3://bucket/prefix`
    /// (MinIO, Alibaba Cloud OSS, Tencent Cloud COS, Huawei Cloud OBS, AWS S3). Endpoint,
    /// region and credentials come from the ZHITONG_S3_* settings.
    #[arg(long, env = "ZHITONG_ATTACHMENTS_URL", global = true)]
    pub attachments_url: Option<String>,

    /// How long a phone may keep a downloaded attachment in its private cache, in seconds.
    #[arg(long, env = "ZHITONG_ATTACHMENTS_CACHE_SECS", default_value_t = 7 * 24 * 3600, global = true)]
    pub attachments_cache_secs: u64,

    #[command(flatten)]
    pub s3: S3Args,

    /// Allow introspection for every caller (it is always allowed for admins).
    #[arg(long, env = "ZHITONG_OPEN_INTROSPECTION", default_value_t = false, global = true)]
    pub open_introspection: bool,

    /// Take the client's address from the last `X-Forwarded-For` hop, the one the reverse proxy
    /// added (only behind such a proxy); otherwise the peer address is used for per-address
    /// login limits.
    #[arg(long, env = "ZHITONG_TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub trust_forwarded_for: bool,

    /// SMS settings (provider, credentials, templates, daily cap).
    #[command(flatten)]
    pub sms: SmsArgs,

    /// How long personal data is kept (read notifications, sent pushes, throttle rows, sessions).
    #[command(flatten)]
    pub retention: RetentionArgs,

    #[command(flatten)]
    pub push: PushArgs,

    /// Metrics, trace export and CORS.
    #[command(flatten)]
    pub observe: ObserveArgs,
}

/// How traces are sent to the OTLP/HTTP endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OtlpProtocol {
    /// Protobuf bodies (`application/x-protobuf`), the OTLP default.
    #[value(name = "http/protobuf")]
    HttpProtobuf,
    /// JSON bodies (`application/json`).
    #[value(name = "http/json")]
    HttpJson,
}

/// Settings for running the server as production software: Prometheus metrics, OpenTelemetry
/// traces and the browser origins allowed to call the API.
#[derive(Debug, Clone, Args)]
pub struct ObserveArgs {
    /// Address and port of a second listener serving `GET /metrics` (Prometheus); off when unset.
    #[arg(long, env = "ZHITONG_METRICS_BIND", global = true)]
    pub metrics_bind: Option<String>,

    /// Base URL of an OTLP/HTTP receiver (e.g. `http://127.0.0.1:4318`); traces go to
    /// `<url>/v1/traces`. Off when unset.
    #[arg(long, env = "ZHITONG_OTLP_ENDPOINT", global = true)]
    pub otlp_endpoint: Option<String>,

    /// `http/protobuf` or `http/json`.
    #[arg(
        long,
        env = "ZHITONG_OTLP_PROTOCOL",
        value_enum,
        default_value = "http/protobuf",
        global = true
    )]
    pub otlp_protocol: OtlpProtocol,

    /// Browser origins allowed to call the API cross-origin, comma-separated
    /// (`https://admin.zone.gov.cn,http://localhost:5173`); none when empty.
    #[arg(long, env = "ZHITONG_CORS_ORIGINS", default_value = "", global = true)]
    pub cors_origins: String,
}

/// The validated [`ObserveArgs`].
#[derive(Debug, Clone, Default)]
pub struct ObserveConfig {
    pub metrics_bind: Option<String>,
    /// The full URL traces are posted to (`…/v1/traces`), and how.
    pub otlp: Option<(String, OtlpProtocol)>,
    pub cors_origins: Vec<String>,
}

impl ObserveArgs {
    pub fn validate(self) -> Result<ObserveConfig, String> {
        let metrics_bind = self.metrics_bind.filter(|b| !b.trim().is_empty());
        let otlp = match self.otlp_endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(endpoint) => {
                if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                    return Err(format!(
                        "ZHITONG_OTLP_ENDPOINT must be an http:// or https:// URL, not {endpoint:?}"
                    ));
                }
                // OTLP/HTTP: the signal's path is appended to the base URL
                // (https://opentelemetry.io/docs/specs/otlp/#otlphttp-request).
                Some((
                    format!("{}/v1/traces", endpoint.trim_end_matches('/')),
                    self.otlp_protocol,
                ))
            }
        };
        let cors_origins = self
            .cors_origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|origin| valid_origin(origin).map(str::to_string))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ObserveConfig {
            metrics_bind,
            otlp,
            cors_origins,
        })
    }
}

/// An origin as browsers send it: `scheme://host[:port]`, without path or trailing slash
/// (https://www.rfc-editor.org/rfc/rfc6454#section-6.1).
fn valid_origin(origin: &str) -> Result<&str, String> {
    let refuse = || {
        format!(
            "ZHITONG_CORS_ORIGINS: {origin:?} is not an origin; give each as scheme://host[:port], e.g. https://admin.zone.gov.cn"
        )
    };
    let (scheme, rest) = origin.split_once("://").ok_or_else(refuse)?;
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !matches!(scheme, "http" | "https") || !host_ok {
        return Err(refuse());
    }
    Ok(origin)
}

/// The S3-compatible store's connection, used when ZHITONG_ATTACHMENTS_URL is an `s3://` URL.
#[derive(Debug, Clone, Args)]
pub struct S3Args {
    /// The store's endpoint, e.g. `https://oss-cn-hangzhou.aliyuncs.com`,
    /// `https://cos.ap-shanghai.myqcloud.com`, `https://obs.cn-east-3.myhuaweicloud.com` or
    /// `http://127.0.0.1:9000` (MinIO); without it, AWS S3 of the region.
    #[arg(long, env = "ZHITONG_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    /// The bucket's region, e.g. `cn-hangzhou`, `ap-shanghai`, `cn-east-3` (default `us-east-1`,
    /// which MinIO accepts).
    #[arg(long, env = "ZHITONG_S3_REGION", global = true)]
    pub s3_region: Option<String>,

    /// The access key id.
    #[arg(long, env = "ZHITONG_S3_ACCESS_KEY_ID", global = true)]
    pub s3_access_key_id: Option<String>,

    /// The secret access key.
    #[arg(long, env = "ZHITONG_S3_SECRET_ACCESS_KEY", hide_env_values = true, global = true)]
    pub s3_secret_access_key: Option<String>,

    /// Address the bucket as `https://bucket.endpoint/` (virtual-hosted style, which Alibaba
    /// Cloud OSS requires and Tencent Cloud COS and Huawei Cloud OBS prefer) instead of
    /// `https://endpoint/bucket/` (path style, MinIO's default).
    #[arg(long, env = "ZHITONG_S3_VIRTUAL_HOSTED", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub s3_virtual_hosted: bool,
}

/// A bucket of an S3-compatible store, with the prefix under which the files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub virtual_hosted: bool,
}

impl S3Config {
    /// The store named by `url` (`s3://bucket/prefix`), with the connection settings of `args`.
    pub fn parse(url: &str, args: S3Args) -> Result<S3Config, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("ZHITONG_ATTACHMENTS_URL must be s3://bucket/prefix, not {url:?}"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !valid_bucket {
            return Err(format!(
                "ZHITONG_ATTACHMENTS_URL: {bucket:?} is not a bucket name (3 to 63 lowercase letters, digits, '-' or '.')"
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|part| part == "." || part == "..") || prefix.contains("//") {
            return Err(format!("ZHITONG_ATTACHMENTS_URL: {prefix:?} is not a usable prefix"));
        }
        let blank = |value: Option<String>| value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let endpoint = blank(args.s3_endpoint).map(|e| e.trim_end_matches('/').to_string());
        if let Some(endpoint) = &endpoint {
            if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
                return Err(format!(
                    "ZHITONG_S3_ENDPOINT must start with https:// or http://, not {endpoint:?}"
                ));
            }
        }
        let access_key_id = blank(args.s3_access_key_id);
        let secret_access_key = blank(args.s3_secret_access_key).map(Secret::new);
        if access_key_id.is_some() != secret_access_key.is_some() {
            return Err("ZHITONG_S3_ACCESS_KEY_ID and ZHITONG_S3_SECRET_ACCESS_KEY go together".into());
        }
        Ok(S3Config {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
            endpoint,
            region: blank(args.s3_region),
            access_key_id,
            secret_access_key,
            virtual_hosted: args.s3_virtual_hosted,
        })
    }
}

/// A secret setting: kept out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The push providers' settings. A provider is on when its required settings are all given;
/// base URLs are overridable for tests and proxies.
#[derive(Debug, Clone, Args)]
pub struct PushArgs {
    /// Service-account JSON file for Firebase Cloud Messaging (HTTP v1).
    #[arg(long, env = "ZHITONG_FCM_CREDENTIALS", global = true)]
    pub fcm_credentials: Option<PathBuf>,

    /// Base URL of the FCM API.
    #[arg(
        long,
        env = "ZHITONG_FCM_ENDPOINT",
        default_value = "https://fcm.googleapis.com",
        global = true
    )]
    pub fcm_endpoint: String,

    /// APNs token-signing key (the `.p8` file from the Apple developer account).
    #[arg(long, env = "ZHITONG_APNS_KEY_FILE", global = true)]
    pub apns_key_file: Option<PathBuf>,

    /// The 10-character id of the APNs key.
    #[arg(long, env = "ZHITONG_APNS_KEY_ID", global = true)]
    pub apns_key_id: Option<String>,

    /// The Apple developer team id.
    #[arg(long, env = "ZHITONG_APNS_TEAM_ID", global = true)]
    pub apns_team_id: Option<String>,

    /// The iOS app's bundle id (the `apns-topic`).
    #[arg(long, env = "ZHITONG_APNS_TOPIC", global = true)]
    pub apns_topic: Option<String>,

    /// Base URL of APNs (`https://api.sandbox.push.apple.com` for development builds).
    #[arg(
        long,
        env = "ZHITONG_APNS_ENDPOINT",
        default_value = "https://api.push.apple.com",
        global = true
    )]
    pub apns_endpoint: String,

    /// Huawei Push Kit: the app id (in the send URL).
    #[arg(long, env = "ZHITONG_HUAWEI_APP_ID", global = true)]
    pub huawei_app_id: Option<String>,

    /// Huawei OAuth client id (default: the app id).
    #[arg(long, env = "ZHITONG_HUAWEI_CLIENT_ID", global = true)]
    pub huawei_client_id: Option<String>,

    /// Huawei OAuth client secret (the app secret).
    #[arg(long, env = "ZHITONG_HUAWEI_CLIENT_SECRET", hide_env_values = true, global = true)]
    pub huawei_client_secret: Option<String>,

    /// Base URL of the Huawei push API.
    #[arg(
        long,
        env = "ZHITONG_HUAWEI_ENDPOINT",
        default_value = "https://push-api.cloud.huawei.com",
        global = true
    )]
    pub huawei_endpoint: String,

    /// Huawei's OAuth token endpoint.
    #[arg(
        long,
        env = "ZHITONG_HUAWEI_TOKEN_URL",
        default_value = "https://oauth-login.cloud.huawei.com/oauth2/v3/token",
        global = true
    )]
    pub huawei_token_url: String,

    /// The Android app's launcher activity, for the Huawei/Honor icon badge (unset: no badge).
    #[arg(long, env = "ZHITONG_ANDROID_BADGE_CLASS", global = true)]
    pub android_badge_class: Option<String>,

    /// Honor Push: the app id.
    #[arg(long, env = "ZHITONG_HONOR_APP_ID", global = true)]
    pub honor_app_id: Option<String>,

    /// Honor OAuth client id.
    #[arg(long, env = "ZHITONG_HONOR_CLIENT_ID", global = true)]
    pub honor_client_id: Option<String>,

    /// Honor OAuth client secret.
    #[arg(long, env = "ZHITONG_HONOR_CLIENT_SECRET", hide_env_values = true, global = true)]
    pub honor_client_secret: Option<String>,

    /// Base URL of the Honor push API.
    #[arg(
        long,
        env = "ZHITONG_HONOR_ENDPOINT",
        default_value = "https://push-api.cloud.honor.com",
        global = true
    )]
    pub honor_endpoint: String,

    /// Honor's OAuth token endpoint.
    #[arg(
        long,
        env = "ZHITONG_HONOR_TOKEN_URL",
        default_value = "https://iam.developer.honor.com/auth/realms/developer/protocol/openid-connect/token",
        global = true
    )]
    pub honor_token_url: String,

    /// Xiaomi MiPush: the app secret.
    #[arg(long, env = "ZHITONG_XIAOMI_APP_SECRET", hide_env_values = true, global = true)]
    pub xiaomi_app_secret: Option<String>,

    /// The Android app's package name (Xiaomi's `restricted_package_name`).
    #[arg(long, env = "ZHITONG_XIAOMI_PACKAGE", global = true)]
    pub xiaomi_package: Option<String>,

    /// The Xiaomi notification channel id registered for work notices.
    #[arg(long, env = "ZHITONG_XIAOMI_CHANNEL_ID", global = true)]
    pub xiaomi_channel_id: Option<String>,

    /// Base URL of the Xiaomi push API.
    #[arg(
        long,
        env = "ZHITONG_XIAOMI_ENDPOINT",
        default_value = "https://api.xmpush.xiaomi.com",
        global = true
    )]
    pub xiaomi_endpoint: String,

    /// OPPO PUSH: the app key.
    #[arg(long, env = "ZHITONG_OPPO_APP_KEY", global = true)]
    pub oppo_app_key: Option<String>,

    /// OPPO PUSH: the master secret.
    #[arg(long, env = "ZHITONG_OPPO_MASTER_SECRET", hide_env_values = true, global = true)]
    pub oppo_master_secret: Option<String>,

    /// The OPPO private-message (私信) channel id registered for work notices.
    #[arg(long, env = "ZHITONG_OPPO_CHANNEL_ID", global = true)]
    pub oppo_channel_id: Option<String>,

    /// Base URL of the OPPO push API.
    #[arg(
        long,
        env = "ZHITONG_OPPO_ENDPOINT",
        default_value = "https://api.push.oppomobile.com",
        global = true
    )]
    pub oppo_endpoint: String,

    /// vivo Push: the numeric app id.
    #[arg(long, env = "ZHITONG_VIVO_APP_ID", global = true)]
    pub vivo_app_id: Option<String>,

    /// vivo Push: the app key.
    #[arg(long, env = "ZHITONG_VIVO_APP_KEY", global = true)]
    pub vivo_app_key: Option<String>,

    /// vivo Push: the app secret.
    #[arg(long, env = "ZHITONG_VIVO_APP_SECRET", hide_env_values = true, global = true)]
    pub vivo_app_secret: Option<String>,

    /// Base URL of the vivo push API.
    #[arg(
        long,
        env = "ZHITONG_VIVO_ENDPOINT",
        default_value = "https://api-push.vivo.com.cn",
        global = true
    )]
    pub vivo_endpoint: String,
}

#[derive(Debug, Clone)]
pub struct ApnsSettings {
    pub key_file: std::path::PathBuf,
    pub key_id: String,
    pub team_id: String,
    /// The app's bundle id.
    pub topic: String,
    /// `https://api.push.apple.com` (production) or `https://api.sandbox.push.apple.com`; an
    /// `http://` URL speaks prior-knowledge HTTP/2 without TLS (local fakes only).
    pub endpoint: String,
}

#[derive(Debug, Clone)]
pub struct OAuthAppSettings {
    /// Used in the send URL.
    pub app_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Base URL of the push API.
    pub endpoint: String,
    /// The OAuth token endpoint.
    pub token_url: String,
    /// The app's launcher activity, for the icon badge (omitted: no badge).
    pub badge_class: Option<String>,
}

#[derive(Debug, Clone)]
pub struct XiaomiSettings {
    pub app_secret: Secret,
    /// The app's package name.
    pub package: String,
    /// The notification channel registered in the Xiaomi push console for work notices.
    pub channel_id: String,
    pub endpoint: String,
}

#[derive(Debug, Clone)]
pub struct OppoSettings {
    pub app_key: String,
    pub master_secret: Secret,
    /// The 私信 channel registered in the OPPO push console for work notices.
    pub channel_id: String,
    pub endpoint: String,
}

#[derive(Debug, Clone)]
pub struct VivoSettings {
    pub app_id: String,
    pub app_key: String,
    pub app_secret: Secret,
    pub endpoint: String,
}

/// The push providers that are on, with their settings.
#[derive(Debug, Clone, Default)]
pub struct PushConfig {
    pub fcm_credentials: Option<PathBuf>,
    pub fcm_endpoint: String,
    pub apns: Option<ApnsSettings>,
    pub huawei: Option<OAuthAppSettings>,
    pub honor: Option<OAuthAppSettings>,
    pub xiaomi: Option<XiaomiSettings>,
    pub oppo: Option<OppoSettings>,
    pub vivo: Option<VivoSettings>,
}

fn given(value: &Option<String>) -> Option<String> {
    value.as_ref().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// All of a provider's required settings, none of them, or an error naming the missing ones.
fn all_or_none<const N: usize>(
    provider: &str,
    values: [(&str, Option<String>); N],
) -> Result<Option<[String; N]>, String> {
    let missing: Vec<&str> = values
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(name, _)| *name)
        .collect();
    if missing.len() == N {
        return Ok(None);
    }
    if !missing.is_empty() {
        return Err(format!(
            "{provider} push is half configured: set {}",
            missing.join(", ")
        ));
    }
    Ok(Some(values.map(|(_, v)| v.unwrap_or_default())))
}

impl PushArgs {
    pub fn validate(self) -> Result<PushConfig, String> {
        let apns = all_or_none(
            "APNs",
            [
                (
                    "ZHITONG_APNS_KEY_FILE",
                    self.apns_key_file.as_ref().map(|p| p.display().to_string()),
                ),
                ("ZHITONG_APNS_KEY_ID", given(&self.apns_key_id)),
                ("ZHITONG_APNS_TEAM_ID", given(&self.apns_team_id)),
                ("ZHITONG_APNS_TOPIC", given(&self.apns_topic)),
            ],
        )?
        .map(|[key_file, key_id, team_id, topic]| ApnsSettings {
            key_file: PathBuf::from(key_file),
            key_id,
            team_id,
            topic,
            endpoint: self.apns_endpoint.clone(),
        });
        let huawei = all_or_none(
            "Huawei",
            [
                ("ZHITONG_HUAWEI_APP_ID", given(&self.huawei_app_id)),
                ("ZHITONG_HUAWEI_CLIENT_SECRET", given(&self.huawei_client_secret)),
            ],
        )?
        .map(|[app_id, secret]| OAuthAppSettings {
            client_id: given(&self.huawei_client_id).unwrap_or_else(|| app_id.clone()),
            app_id,
            client_secret: Secret::new(secret),
            endpoint: self.huawei_endpoint.clone(),
            token_url: self.huawei_token_url.clone(),
            badge_class: given(&self.android_badge_class),
        });
        let honor = all_or_none(
            "Honor",
            [
                ("ZHITONG_HONOR_APP_ID", given(&self.honor_app_id)),
                ("ZHITONG_HONOR_CLIENT_ID", given(&self.honor_client_id)),
                ("ZHITONG_HONOR_CLIENT_SECRET", given(&self.honor_client_secret)),
            ],
        )?
        .map(|[app_id, client_id, secret]| OAuthAppSettings {
            app_id,
            client_id,
            client_secret: Secret::new(secret),
            endpoint: self.honor_endpoint.clone(),
            token_url: self.honor_token_url.clone(),
            badge_class: given(&self.android_badge_class),
        });
        let xiaomi = all_or_none(
            "Xiaomi",
            [
                ("ZHITONG_XIAOMI_APP_SECRET", given(&self.xiaomi_app_secret)),
                ("ZHITONG_XIAOMI_PACKAGE", given(&self.xiaomi_package)),
                ("ZHITONG_XIAOMI_CHANNEL_ID", given(&self.xiaomi_channel_id)),
            ],
        )?
        .map(|[secret, package, channel_id]| XiaomiSettings {
            app_secret: Secret::new(secret),
            package,
            channel_id,
            endpoint: self.xiaomi_endpoint.clone(),
        });
        let oppo = all_or_none(
            "OPPO",
            [
                ("ZHITONG_OPPO_APP_KEY", given(&self.oppo_app_key)),
                ("ZHITONG_OPPO_MASTER_SECRET", given(&self.oppo_master_secret)),
                ("ZHITONG_OPPO_CHANNEL_ID", given(&self.oppo_channel_id)),
            ],
        )?
        .map(|[app_key, secret, channel_id]| OppoSettings {
            app_key,
            master_secret: Secret::new(secret),
            channel_id,
            endpoint: self.oppo_endpoint.clone(),
        });
        let vivo = all_or_none(
            "vivo",
            [
                ("ZHITONG_VIVO_APP_ID", given(&self.vivo_app_id)),
                ("ZHITONG_VIVO_APP_KEY", given(&self.vivo_app_key)),
                ("ZHITONG_VIVO_APP_SECRET", given(&self.vivo_app_secret)),
            ],
        )?
        .map(|[app_id, app_key, secret]| VivoSettings {
            app_id,
            app_key,
            app_secret: Secret::new(secret),
            endpoint: self.vivo_endpoint.clone(),
        });
        Ok(PushConfig {
            fcm_credentials: self.fcm_credentials,
            fcm_endpoint: self.fcm_endpoint,
            apns,
            huawei,
            honor,
            xiaomi,
            oppo,
            vivo,
        })
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub database: DbUrl,
    /// Explicitly configured secret, if any (see `auth::secret` for the generated one).
    pub jwt_secret: Option<String>,
    pub environment: Environment,
    /// The log filter in force (`ZHITONG_LOG`, else `RUST_LOG`, else `info`), checked.
    pub log: String,
    pub log_format: LogFormat,
    pub db_pool_size: u32,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub time_zone: chrono_tz::Tz,
    pub admin_phone: String,
    pub max_body_bytes: usize,
    pub open_introspection: bool,
    pub push: PushConfig,
    pub workers: bool,
    pub push_interval: Duration,
    pub push_lease: Duration,
    pub sla_sweep: Duration,
    pub sla_escalation: Duration,
    /// The directory of attachment files, when they are not in an S3 store.
    pub attachments_dir: PathBuf,
    /// The S3 store of attachment files (ZHITONG_ATTACHMENTS_URL), instead of the directory.
    pub attachments_s3: Option<S3Config>,
    /// How long a phone may keep a downloaded attachment (`Cache-Control: private, max-age`).
    pub attachments_cache: Duration,
    pub max_attachment_bytes: usize,
    pub trust_forwarded_for: bool,
    pub sms: SmsConfig,
    pub retention: RetentionConfig,
    pub observe: ObserveConfig,
}

impl ConfigArgs {
    pub fn validate(self) -> Result<Config, String> {
        let database = DbUrl::parse(self.database_url.as_deref().unwrap_or(DEFAULT_SQLITE_FILE))?;
        let jwt_secret = self.jwt_secret.filter(|s| !s.is_empty());
        match (&jwt_secret, self.environment) {
            (Some(secret), _) if secret.len() < MIN_JWT_SECRET_LEN => {
                return Err(format!(
                    "ZHITONG_JWT_SECRET must be at least {MIN_JWT_SECRET_LEN} bytes long"
                ));
            }
            (None, Environment::Production) => {
                return Err("ZHITONG_JWT_SECRET is required when ZHITONG_ENV=production".into());
            }
            _ => {}
        }
        let time_zone: chrono_tz::Tz = self
            .time_zone
            .parse()
            .map_err(|_| format!("unknown time zone {:?}", self.time_zone))?;
        if self.access_token_ttl < 30 || self.access_token_ttl > 24 * 3600 {
            return Err("ZHITONG_ACCESS_TOKEN_TTL must be between 30 and 86400 seconds".into());
        }
        if self.refresh_token_days == 0 || self.refresh_token_days > 365 {
            return Err("ZHITONG_REFRESH_TOKEN_DAYS must be between 1 and 365".into());
        }
        if self.db_pool_size == 0 {
            return Err("ZHITONG_DB_POOL_SIZE must be at least 1".into());
        }
        let admin_phone = crate::auth::phone::normalize(&self.admin_phone).map_err(|e| {
            format!(
                "ZHITONG_ADMIN_PHONE: {}",
                crate::i18n::Reason::template(e, crate::i18n::Locale::En)
            )
        })?;
        let log = log_filter(self.log, self.rust_log)?;
        Ok(Config {
            observe: self.observe.validate()?,
            bind: self.bind,
            jwt_secret,
            environment: self.environment,
            log,
            log_format: self.log_format,
            db_pool_size: self.db_pool_size,
            access_token_ttl: Duration::from_secs(self.access_token_ttl),
            refresh_token_ttl: Duration::from_secs(u64::from(self.refresh_token_days) * 24 * 3600),
            time_zone,
            admin_phone,
            max_body_bytes: self.max_body_bytes.max(4096),
            open_introspection: self.open_introspection,
            push: self.push.validate()?,
            workers: self.workers,
            push_interval: Duration::from_millis(self.push_interval_ms.max(10)),
            push_lease: Duration::from_secs(self.push_lease_secs.max(1)),
            sla_sweep: Duration::from_secs(self.sla_sweep_secs.max(1)),
            sla_escalation: Duration::from_secs(self.sla_escalation_hours.clamp(1, 24 * 365) * 3600),
            attachments_dir: self
                .attachments_dir
                .unwrap_or_else(|| default_attachments_dir(&database)),
            attachments_s3: match self.attachments_url.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(url) => Some(S3Config::parse(url, self.s3)?),
            },
            attachments_cache: Duration::from_secs(self.attachments_cache_secs.min(365 * 24 * 3600)),
            max_attachment_bytes: self.max_attachment_bytes.clamp(1024, 100 * 1024 * 1024),
            trust_forwarded_for: self.trust_forwarded_for,
            sms: self.sms.validate()?,
            retention: self.retention.validate(),
            database,
        })
    }
}

/// The log filter: `ZHITONG_LOG`, else `RUST_LOG`, else `info`; one that does not parse is
/// refused with the reason, rather than silently becoming `info`.
fn log_filter(zhitong_log: Option<String>, rust_log: Option<String>) -> Result<String, String> {
    let given = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let (name, filter) = match (given(zhitong_log), given(rust_log)) {
        (Some(filter), _) => ("ZHITONG_LOG", filter),
        (None, Some(filter)) => ("RUST_LOG", filter),
        (None, None) => return Ok("info".into()),
    };
    tracing_subscriber::EnvFilter::builder()
        .parse(&filter)
        .map_err(|e| format!("{name}={filter:?} is not a valid log filter ({e}); e.g. info or zhitong=debug,info"))?;
    Ok(filter)
}

fn default_attachments_dir(database: &DbUrl) -> PathBuf {
    match database.sqlite_dir() {
        Some(dir) => dir.join("attachments"),
        None => PathBuf::from("attachments"),
    }
}

impl Config {
    /// The store of attachment files: the S3 bucket when one is configured, else the directory.
    pub fn attachments_store(&self) -> crate::blobs::BlobsConfig {
        match &self.attachments_s3 {
            Some(s3) => crate::blobs::BlobsConfig::S3(s3.clone()),
            None => crate::blobs::BlobsConfig::Directory(self.attachments_dir.clone()),
        }
    }

    /// Where a generated JWT secret is kept: beside the SQLite file, or in the working directory.
    pub fn generated_secret_path(&self) -> PathBuf {
        match self.database.sqlite_dir() {
            Some(dir) => dir.join(JWT_SECRET_FILE),
            None => PathBuf::from(JWT_SECRET_FILE),
        }
    }

    /// A configuration for tests and tools: defaults plus the given database.
    pub fn for_database(database: DbUrl) -> Config {
        Config {
            bind: "127.0.0.1:0".into(),
            jwt_secret: Some("test-secret-test-secret-test-secret-0123".into()),
            environment: Environment::Development,
            log: "info".into(),
            log_format: LogFormat::Text,
            db_pool_size: 5,
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            time_zone: chrono_tz::Asia::Shanghai,
            admin_phone: "13800000000".into(),
            max_body_bytes: 256 * 1024,
            open_introspection: false,
            push: PushConfig {
                fcm_endpoint: "https://fcm.googleapis.com".into(),
                ..PushConfig::default()
            },
            workers: false,
            push_interval: Duration::from_secs(1),
            push_lease: Duration::from_secs(120),
            sla_sweep: Duration::from_secs(60),
            sla_escalation: Duration::from_secs(24 * 3600),
            attachments_dir: default_attachments_dir(&database),
            attachments_s3: None,
            attachments_cache: Duration::from_secs(7 * 24 * 3600),
            max_attachment_bytes: 10 * 1024 * 1024,
            trust_forwarded_for: false,
            sms: SmsConfig::default(),
            retention: RetentionConfig::default(),
            observe: ObserveConfig::default(),
            database,
        }
    }
}

/// Which SMS service sends the critical notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmsProviderName {
    /// Alibaba Cloud SMS (dysmsapi `SendSms`, 2017-05-25).
    Aliyun,
    /// Tencent Cloud SMS (`SendSms`, 2021-01-11).
    Tencent,
}

impl SmsProviderName {
    pub fn as_str(self) -> &'static str {
        match self {
            SmsProviderName::Aliyun => "aliyun",
            SmsProviderName::Tencent => "tencent",
        }
    }
}

/// SMS settings. Every flag has a matching `ZHITONG_*` variable; secrets are never printed.
#[derive(Debug, Clone, Args)]
pub struct SmsArgs {
    /// `aliyun` or `tencent`. Without it (or without that provider's credentials) SMS are kept
    /// in the outbox as HELD_UNCONFIGURED.
    #[arg(long, env = "ZHITONG_SMS_PROVIDER", value_enum, global = true)]
    pub sms_provider: Option<SmsProviderName>,

    /// The approved sign name (签名) put before every SMS.
    #[arg(long, env = "ZHITONG_SMS_SIGN_NAME", global = true)]
    pub sms_sign_name: Option<String>,

    /// The approved template of each notice kind, e.g. `OVERDUE=SMS_1234,SUPERVISED=SMS_5678`
    /// (Tencent: template ids). Each template has one variable, the request number.
    #[arg(long, env = "ZHITONG_SMS_TEMPLATES", default_value = "", global = true)]
    pub sms_templates: String,

    /// SMS sent to one phone number per day (the zone's day) at most; more are held.
    #[arg(long, env = "ZHITONG_SMS_DAILY_CAP", default_value_t = 20, global = true)]
    pub sms_daily_cap: i64,

    /// How often an idle SMS worker looks for due messages, in milliseconds.
    #[arg(long, env = "ZHITONG_SMS_INTERVAL_MS", default_value_t = 1000, global = true)]
    pub sms_interval_ms: u64,

    /// How long an SMS worker holds a message it took before another may send it (seconds).
    #[arg(long, env = "ZHITONG_SMS_LEASE_SECS", default_value_t = 60, global = true)]
    pub sms_lease_secs: u64,

    /// Alibaba Cloud AccessKey ID.
    #[arg(long, env = "ZHITONG_ALIYUN_SMS_ACCESS_KEY_ID", global = true)]
    pub aliyun_access_key_id: Option<String>,

    /// Alibaba Cloud AccessKey secret.
    #[arg(
        long,
        env = "ZHITONG_ALIYUN_SMS_ACCESS_KEY_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub aliyun_access_key_secret: Option<String>,

    /// Base URL of the Alibaba Cloud SMS API (a local fake in tests).
    #[arg(
        long,
        env = "ZHITONG_ALIYUN_SMS_ENDPOINT",
        default_value = "https://dysmsapi.aliyuncs.com",
        global = true
    )]
    pub aliyun_endpoint: String,

    /// Tencent Cloud SecretId.
    #[arg(long, env = "ZHITONG_TENCENT_SMS_SECRET_ID", global = true)]
    pub tencent_secret_id: Option<String>,

    /// Tencent Cloud SecretKey.
    #[arg(long, env = "ZHITONG_TENCENT_SMS_SECRET_KEY", hide_env_values = true, global = true)]
    pub tencent_secret_key: Option<String>,

    /// Tencent Cloud SMS application id (SmsSdkAppId, e.g. 1400006666).
    #[arg(long, env = "ZHITONG_TENCENT_SMS_SDK_APP_ID", global = true)]
    pub tencent_sdk_app_id: Option<String>,

    /// Tencent Cloud region of the SMS API.
    #[arg(
        long,
        env = "ZHITONG_TENCENT_SMS_REGION",
        default_value = "ap-guangzhou",
        global = true
    )]
    pub tencent_region: String,

    /// Base URL of the Tencent Cloud SMS API (a local fake in tests).
    #[arg(
        long,
        env = "ZHITONG_TENCENT_SMS_ENDPOINT",
        default_value = "https://sms.tencentcloudapi.com",
        global = true
    )]
    pub tencent_endpoint: String,
}

/// Alibaba Cloud credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct AliyunSms {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub endpoint: String,
}

/// Tencent Cloud credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct TencentSms {
    pub secret_id: String,
    pub secret_key: String,
    pub sdk_app_id: String,
    pub region: String,
    pub endpoint: String,
}

impl std::fmt::Debug for AliyunSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AliyunSms")
            .field("access_key_id", &self.access_key_id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for TencentSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TencentSms")
            .field("secret_id", &self.secret_id)
            .field("sdk_app_id", &self.sdk_app_id)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// The validated SMS settings.
#[derive(Debug, Clone)]
pub struct SmsConfig {
    pub provider: Option<SmsProviderName>,
    pub sign_name: Option<String>,
    /// Notice kind → template code (or id).
    pub templates: std::collections::BTreeMap<String, String>,
    pub daily_cap: i64,
    pub interval: Duration,
    pub lease: Duration,
    pub aliyun: Option<AliyunSms>,
    pub tencent: Option<TencentSms>,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            provider: None,
            sign_name: None,
            templates: Default::default(),
            daily_cap: 20,
            interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            aliyun: None,
            tencent: None,
        }
    }
}

impl SmsArgs {
    pub fn validate(self) -> Result<SmsConfig, String> {
        let mut templates = std::collections::BTreeMap::new();
        for pair in self.sms_templates.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (kind, code) = pair
                .split_once('=')
                .map(|(k, c)| (k.trim(), c.trim()))
                .filter(|(k, c)| !k.is_empty() && !c.is_empty())
                .ok_or_else(|| format!("ZHITONG_SMS_TEMPLATES: {pair:?} is not KIND=TEMPLATE"))?;
            templates.insert(kind.to_ascii_uppercase(), code.to_string());
        }
        if self.sms_daily_cap < 1 {
            return Err("ZHITONG_SMS_DAILY_CAP must be at least 1".into());
        }
        let aliyun = match (given(&self.aliyun_access_key_id), given(&self.aliyun_access_key_secret)) {
            (Some(access_key_id), Some(access_key_secret)) => Some(AliyunSms {
                access_key_id,
                access_key_secret,
                endpoint: self.aliyun_endpoint.trim_end_matches('/').to_string(),
            }),
            _ => None,
        };
        let tencent = match (
            given(&self.tencent_secret_id),
            given(&self.tencent_secret_key),
            given(&self.tencent_sdk_app_id),
        ) {
            (Some(secret_id), Some(secret_key), Some(sdk_app_id)) => Some(TencentSms {
                secret_id,
                secret_key,
                sdk_app_id,
                region: self.tencent_region,
                endpoint: self.tencent_endpoint.trim_end_matches('/').to_string(),
            }),
            _ => None,
        };
        Ok(SmsConfig {
            provider: self.sms_provider,
            sign_name: given(&self.sms_sign_name),
            templates,
            daily_cap: self.sms_daily_cap,
            interval: Duration::from_millis(self.sms_interval_ms.max(10)),
            lease: Duration::from_secs(self.sms_lease_secs.max(1)),
            aliyun,
            tencent,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn the_log_filter_comes_from_zhitong_log_then_rust_log_and_must_parse() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(super::log_filter(None, None).unwrap(), "info");
        assert_eq!(super::log_filter(None, some("zhitong=debug")).unwrap(), "zhitong=debug");
        assert_eq!(super::log_filter(some("warn"), some("debug")).unwrap(), "warn");
        assert_eq!(super::log_filter(some(" "), some("debug")).unwrap(), "debug");
        let error = super::log_filter(some("zhitong=loud"), None).unwrap_err();
        assert!(
            error.starts_with("ZHITONG_LOG=\"zhitong=loud\" is not a valid log filter"),
            "{error}"
        );
        let error = super::log_filter(None, some("info,[{")).unwrap_err();
        assert!(error.starts_with("RUST_LOG="), "{error}");
    }

    #[test]
    fn cors_origins_are_origins() {
        let parse = |origins: &str| {
            super::ObserveArgs {
                metrics_bind: None,
                otlp_endpoint: None,
                otlp_protocol: super::OtlpProtocol::HttpJson,
                cors_origins: origins.into(),
            }
            .validate()
            .map(|c| c.cors_origins)
        };
        assert_eq!(parse("").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse("https://admin.zone.gov.cn, http://localhost:5173").unwrap(),
            ["https://admin.zone.gov.cn", "http://localhost:5173"]
        );
        for bad in [
            "*",
            "admin.zone.gov.cn",
            "https://admin.zone.gov.cn/",
            "ftp://x",
            "https://a/b",
        ] {
            assert!(parse(bad).unwrap_err().contains("is not an origin"), "{bad}");
        }
    }

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        push: super::PushArgs,
    }

    #[derive(Parser)]
    struct StoreArgs {
        #[command(flatten)]
        s3: super::S3Args,
    }

    #[test]
    fn an_s3_url_names_a_bucket_and_a_prefix() {
        let args = |extra: &[&str]| {
            let mut all = vec!["t"];
            all.extend_from_slice(extra);
            StoreArgs::try_parse_from(all).unwrap().s3
        };
        let s3 = super::S3Config::parse(
            "s3://zone-files/zhitong/attachments/",
            args(&[
                "--s3-endpoint",
                "https://oss-cn-hangzhou.aliyuncs.com/",
                "--s3-access-key-id",
                "id",
                "--s3-secret-access-key",
                "secret",
                "--s3-virtual-hosted",
                "true",
            ]),
        )
        .unwrap();
        assert_eq!(
            (s3.bucket.as_str(), s3.prefix.as_str()),
            ("zone-files", "zhitong/attachments")
        );
        assert_eq!(s3.endpoint.as_deref(), Some("https://oss-cn-hangzhou.aliyuncs.com"));
        assert!(s3.virtual_hosted);
        assert!(!format!("{s3:?}").contains("secret\""), "the secret stays out of Debug");
        assert_eq!(super::S3Config::parse("s3://bucket", args(&[])).unwrap().prefix, "");
        for bad in ["/var/files", "s3://", "s3://Bad_Bucket/x", "s3://bucket/../x"] {
            assert!(super::S3Config::parse(bad, args(&[])).is_err(), "{bad}");
        }
        let half = super::S3Config::parse("s3://bucket", args(&["--s3-access-key-id", "id"]));
        assert!(half.unwrap_err().contains("go together"));
        let no_scheme = super::S3Config::parse("s3://bucket", args(&["--s3-endpoint", "oss.example.com"]));
        assert!(no_scheme.is_err());
    }

    #[test]
    fn a_provider_is_on_with_all_its_settings_and_refused_with_half() {
        let half = Args::try_parse_from(["t", "--oppo-app-key", "k"]).unwrap();
        let error = half.push.validate().unwrap_err();
        assert!(
            error.contains("ZHITONG_OPPO_MASTER_SECRET") && error.contains("ZHITONG_OPPO_CHANNEL_ID"),
            "{error}"
        );
        let vivo = Args::try_parse_from([
            "t",
            "--vivo-app-id",
            "1",
            "--vivo-app-key",
            "k",
            "--vivo-app-secret",
            "s3cr3t",
        ])
        .unwrap()
        .push
        .validate()
        .unwrap();
        assert!(vivo.vivo.is_some() && vivo.oppo.is_none() && vivo.apns.is_none());
        assert!(!format!("{vivo:?}").contains("s3cr3t"), "secrets stay out of Debug");
    }
}

/// Retention periods (PIPL: personal data is kept no longer than its purpose needs). Each has a
/// `ZHITONG_RETAIN_*` variable; the purge runs in the background jobs. See `docs/privacy.md`.
#[derive(Debug, Clone, Args)]
pub struct RetentionArgs {
    /// Days a read notification stays in the inbox (with its push and SMS records).
    #[arg(
        long,
        env = "ZHITONG_RETAIN_READ_NOTIFICATIONS_DAYS",
        default_value_t = 180,
        global = true
    )]
    pub retain_read_notifications_days: u32,

    /// Days a sent or abandoned push or SMS (its payload, token, phone number) is kept.
    #[arg(long, env = "ZHITONG_RETAIN_DELIVERIES_DAYS", default_value_t = 30, global = true)]
    pub retain_deliveries_days: u32,

    /// Days a login-throttle row (masked phone or client address) is kept after its last attempt.
    #[arg(
        long,
        env = "ZHITONG_RETAIN_LOGIN_THROTTLES_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub retain_login_throttles_days: u32,

    /// Days an expired or revoked session (refresh token) is kept.
    #[arg(long, env = "ZHITONG_RETAIN_SESSIONS_DAYS", default_value_t = 30, global = true)]
    pub retain_sessions_days: u32,

    /// How often the retention purge runs (seconds).
    #[arg(long, env = "ZHITONG_RETENTION_PURGE_SECS", default_value_t = 3600, global = true)]
    pub retention_purge_secs: u64,
}

impl RetentionArgs {
    pub fn validate(self) -> RetentionConfig {
        let days = |d: u32| chrono::Duration::days(i64::from(d.clamp(1, 3650)));
        RetentionConfig {
            read_notifications: days(self.retain_read_notifications_days),
            deliveries: days(self.retain_deliveries_days),
            login_throttles: days(self.retain_login_throttles_days),
            sessions: days(self.retain_sessions_days),
            interval: Duration::from_secs(self.retention_purge_secs.max(1)),
        }
    }
}

/// The retention periods in effect (at least one day each).
#[derive(Debug, Clone)]
pub struct RetentionConfig {
    pub read_notifications: chrono::Duration,
    pub deliveries: chrono::Duration,
    pub login_throttles: chrono::Duration,
    pub sessions: chrono::Duration,
    pub interval: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            read_notifications: chrono::Duration::days(180),
            deliveries: chrono::Duration::days(30),
            login_throttles: chrono::Duration::days(30),
            sessions: chrono::Duration::days(30),
            interval: Duration::from_secs(3600),
        }
    }
}

#[cfg(test)]
mod retention_tests {
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        retention: super::RetentionArgs,
    }

    #[test]
    fn retention_has_defaults_and_takes_its_settings() {
        let defaults = Args::try_parse_from(["t"]).unwrap().retention.validate();
        assert_eq!(defaults.read_notifications, chrono::Duration::days(180));
        assert_eq!(defaults.deliveries, chrono::Duration::days(30));
        assert_eq!(defaults.login_throttles, chrono::Duration::days(30));
        assert_eq!(defaults.sessions, chrono::Duration::days(30));
        let set = Args::try_parse_from([
            "t",
            "--retain-read-notifications-days",
            "7",
            "--retain-sessions-days",
            "0",
        ])
        .unwrap()
        .retention
        .validate();
        assert_eq!(set.read_notifications, chrono::Duration::days(7));
        assert_eq!(set.sessions, chrono::Duration::days(1), "at least one day");
    }
}
