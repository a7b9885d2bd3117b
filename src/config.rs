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
            database,
        }
    }
}
