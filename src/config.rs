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

    /// Log filter, e.g. `info` or `zhitong=debug,actix_web=info`.
    #[arg(long, env = "ZHITONG_LOG", default_value = "info", global = true)]
    pub log: String,

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

    /// Service-account JSON file for Firebase Cloud Messaging (HTTP v1). Without it pushes are
    /// logged instead of sent.
    #[arg(long, env = "ZHITONG_FCM_CREDENTIALS", global = true)]
    pub fcm_credentials: Option<PathBuf>,

    /// Base URL of the FCM API (a local fake in tests).
    #[arg(
        long,
        env = "ZHITONG_FCM_ENDPOINT",
        default_value = "https://fcm.googleapis.com",
        global = true
    )]
    pub fcm_endpoint: String,

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
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub database: DbUrl,
    /// Explicitly configured secret, if any (see `auth::secret` for the generated one).
    pub jwt_secret: Option<String>,
    pub environment: Environment,
    pub log: String,
    pub log_format: LogFormat,
    pub db_pool_size: u32,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub time_zone: chrono_tz::Tz,
    pub admin_phone: String,
    pub max_body_bytes: usize,
    pub open_introspection: bool,
    pub fcm_credentials: Option<PathBuf>,
    pub fcm_endpoint: String,
    pub workers: bool,
    pub push_interval: Duration,
    pub push_lease: Duration,
    pub sla_sweep: Duration,
    pub sla_escalation: Duration,
    pub attachments_dir: PathBuf,
    pub max_attachment_bytes: usize,
    pub trust_forwarded_for: bool,
    pub sms: SmsConfig,
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
        Ok(Config {
            bind: self.bind,
            jwt_secret,
            environment: self.environment,
            log: self.log,
            log_format: self.log_format,
            db_pool_size: self.db_pool_size,
            access_token_ttl: Duration::from_secs(self.access_token_ttl),
            refresh_token_ttl: Duration::from_secs(u64::from(self.refresh_token_days) * 24 * 3600),
            time_zone,
            admin_phone,
            max_body_bytes: self.max_body_bytes.max(4096),
            open_introspection: self.open_introspection,
            fcm_credentials: self.fcm_credentials,
            fcm_endpoint: self.fcm_endpoint,
            workers: self.workers,
            push_interval: Duration::from_millis(self.push_interval_ms.max(10)),
            push_lease: Duration::from_secs(self.push_lease_secs.max(1)),
            sla_sweep: Duration::from_secs(self.sla_sweep_secs.max(1)),
            sla_escalation: Duration::from_secs(self.sla_escalation_hours.clamp(1, 24 * 365) * 3600),
            attachments_dir: self
                .attachments_dir
                .unwrap_or_else(|| default_attachments_dir(&database)),
            max_attachment_bytes: self.max_attachment_bytes.clamp(1024, 100 * 1024 * 1024),
            trust_forwarded_for: self.trust_forwarded_for,
            sms: self.sms.validate()?,
            database,
        })
    }
}

fn default_attachments_dir(database: &DbUrl) -> PathBuf {
    match database.sqlite_dir() {
        Some(dir) => dir.join("attachments"),
        None => PathBuf::from("attachments"),
    }
}

impl Config {
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
            fcm_credentials: None,
            fcm_endpoint: "https://fcm.googleapis.com".into(),
            workers: false,
            push_interval: Duration::from_secs(1),
            push_lease: Duration::from_secs(120),
            sla_sweep: Duration::from_secs(60),
            sla_escalation: Duration::from_secs(24 * 3600),
            attachments_dir: default_attachments_dir(&database),
            max_attachment_bytes: 10 * 1024 * 1024,
            trust_forwarded_for: false,
            sms: SmsConfig::default(),
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

fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
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
        let aliyun = match (given(self.aliyun_access_key_id), given(self.aliyun_access_key_secret)) {
            (Some(access_key_id), Some(access_key_secret)) => Some(AliyunSms {
                access_key_id,
                access_key_secret,
                endpoint: self.aliyun_endpoint.trim_end_matches('/').to_string(),
            }),
            _ => None,
        };
        let tencent = match (
            given(self.tencent_secret_id),
            given(self.tencent_secret_key),
            given(self.tencent_sdk_app_id),
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
            sign_name: given(self.sms_sign_name),
            templates,
            daily_cap: self.sms_daily_cap,
            interval: Duration::from_millis(self.sms_interval_ms.max(10)),
            lease: Duration::from_secs(self.sms_lease_secs.max(1)),
            aliyun,
            tencent,
        })
    }
}
