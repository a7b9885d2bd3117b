//! The test harness: a real server on a loopback port per test, over its own fresh database
//! (a SQLite file in a temporary directory, or a PostgreSQL schema made for the test), a manual
//! clock, and clients for each role.

use std::net::TcpListener;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value};
use zhitong::clock::ManualClock;
use zhitong::config::Config;
use zhitong::db::DbUrl;
use zhitong::state::AppState;

pub const PG_URL_VAR: &str = "ZHITONG_TEST_DATABASE_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates a SQLite and a PostgreSQL test for each named `async fn(TestApp)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[actix_rt::test]
            async fn sqlite() {
                super::$name($crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await).await
            }

            #[actix_rt::test]
            #[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
            async fn postgres() {
                super::$name($crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await).await
            }
        }
    )+};
}

/// Where this test process writes every server log line (at debug level), so a test can scan
/// what the whole suite logged for personal data and secrets (see `hardening_logs`).
pub fn suite_log_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("suite-logs")
}

pub fn suite_log_file() -> std::path::PathBuf {
    suite_log_dir().join(format!("api-{}.log", std::process::id()))
}

/// Installs the process-wide log capture once. Server logs for debugging a test also go to the
/// test output with `ZHITONG_TEST_LOG=debug cargo test … -- --nocapture`.
pub fn capture_logs() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::fs::create_dir_all(suite_log_dir()).expect("the log directory");
        let file = std::fs::File::create(suite_log_file()).expect("the log file");
        let to_file = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .with_filter(tracing_subscriber::EnvFilter::new("zhitong=debug,info"));
        let to_output = std::env::var("ZHITONG_TEST_LOG").ok().map(|filter| {
            tracing_subscriber::fmt::layer()
                .with_test_writer()
                .with_filter(tracing_subscriber::EnvFilter::new(filter))
        });
        let _ = tracing_subscriber::registry().with(to_file).with(to_output).try_init();
    });
}

/// A PostgreSQL schema that exists for one test and is dropped after it.
struct PgSchema {
    base_url: String,
    name: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.base_url) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub clock: ManualClock,
    pub admin_token: String,
    pub admin_id: String,
    admin_password: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
    _pg: Option<PgSchema>,
}

/// A user created by a test, logged in.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub phone: String,
    pub password: String,
    pub token: String,
    pub refresh_token: String,
}

fn pg_url_with_schema(base: &str, schema: &str) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-csearch_path%3D{schema}")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_configured(backend, |_| {}).await
    }

    /// Like `spawn`, with the configuration adjusted first.
    pub async fn spawn_configured(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestApp {
        capture_logs();
        let dir = tempfile::tempdir().expect("temporary directory");
        let (url, pg) = match backend {
            Backend::Sqlite => (DbUrl::Sqlite(dir.path().join("test.db")), None),
            Backend::Postgres => {
                let base = std::env::var(PG_URL_VAR)
                    .unwrap_or_else(|_| panic!("{PG_URL_VAR} must point at a PostgreSQL server for this test"));
                let name = format!("zt_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&base)
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {PG_URL_VAR}: {e}"));
                conn.batch_execute(&format!("CREATE SCHEMA {name}"))
                    .expect("create the test schema");
                let url = pg_url_with_schema(&base, &name);
                (DbUrl::Postgres(url), Some(PgSchema { base_url: base, name }))
            }
        };
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 1, 30, 0).unwrap());
        let mut config = Config::for_database(url);
        config.attachments_dir = dir.path().join("attachments");
        configure(&mut config);
        Self::spawn_with(config, clock, dir, pg).await
    }

    async fn spawn_with(config: Config, clock: ManualClock, dir: tempfile::TempDir, pg: Option<PgSchema>) -> TestApp {
        let state = zhitong::app::build_state(config, Arc::new(clock.clone())).expect("application state");
        let startup = zhitong::app::prepare(&state).await.expect("migrations and first admin");
        let admin_password = startup
            .first_admin_password
            .expect("a first administrator on an empty database");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let server = zhitong::app::start(listener, state.clone(), 1).expect("server");
        actix_rt::spawn(server);
        let mut app = TestApp {
            address,
            admin_token: String::new(),
            admin_id: String::new(),
            admin_password: admin_password.clone(),
            state,
            clock,
            client: reqwest::Client::new(),
            _dir: dir,
            _pg: pg,
        };
        let session = app.login(&app.state.config.admin_phone.clone(), &admin_password).await;
        // The first administrator's password is generated and must be changed before anything.
        let token = session["accessToken"].as_str().unwrap().to_string();
        let session = app.change_password(&token, &admin_password, ADMIN_PASSWORD).await;
        app.admin_password = ADMIN_PASSWORD.to_string();
        app.admin_token = session["accessToken"].as_str().unwrap().to_string();
        app.admin_id = session["user"]["id"].as_str().unwrap().to_string();
        app
    }

    /// The first administrator's password the helpers choose, and its first generated one.
    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    /// Changes a password through `changePassword`; returns the new session.
    pub async fn change_password(&self, token: &str, old: &str, new: &str) -> Value {
        let response = self
            .post(
                Some(token),
                "mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) { accessToken refreshToken expiresAt sessionId user { id role name } } }",
                json!({ "o": old, "n": new }),
            )
            .await;
        assert!(response.get("errors").is_none(), "changePassword failed: {response:#}");
        response["data"]["changePassword"].clone()
    }

    /// Logs the admin in again (after the clock moved past the access token's lifetime).
    pub async fn relogin_admin(&mut self) {
        let phone = self.state.config.admin_phone.clone();
        let session = self.login(&phone, &self.admin_password.clone()).await;
        self.admin_token = session["accessToken"].as_str().unwrap().to_string();
    }

    /// A fresh access token for a test user.
    pub async fn relogin(&self, user: &mut TestUser) {
        let session = self.login(&user.phone, &user.password).await;
        user.token = session["accessToken"].as_str().unwrap().to_string();
        user.refresh_token = session["refreshToken"].as_str().unwrap().to_string();
    }

    /// A push worker sending to `fake` through the real FCM HTTP v1 client.
    pub fn push_worker(&self, fake: &crate::fake_fcm::FakeFcm) -> zhitong::notifications::worker::PushWorker {
        let sender = zhitong::notifications::push::FcmSender::from_credentials_file(fake.credentials(), &fake.address)
            .expect("FCM sender");
        self.push_worker_with(zhitong::notifications::push::PushRouter::new().with(Arc::new(sender)))
    }

    /// A push worker sending through `router`'s senders (fakes of several providers).
    pub fn push_worker_with(
        &self,
        router: zhitong::notifications::push::PushRouter,
    ) -> zhitong::notifications::worker::PushWorker {
        zhitong::notifications::worker::PushWorker::new(
            self.state.clone(),
            router,
            zhitong::notifications::worker::PushOptions::default(),
        )
    }

    /// Registers a push token issued by `provider` for a user.
    pub async fn register_provider_device(
        &self,
        user_token: &str,
        device_token: &str,
        platform: &str,
        provider: &str,
    ) -> Value {
        self.ok(
            user_token,
            "mutation($t: String!, $p: Platform!, $v: PushProvider) { registerDevice(token: $t, platform: $p, provider: $v, locale: \"zh-CN\", appVersion: \"2.0.0\") { device { id platform provider } } }",
            json!({ "t": device_token, "p": platform, "v": provider }),
        )
        .await
    }

    /// Registers a push token for a user.
    /// Sets the user's own language (`ZH_CN` or `EN`), which their inbox and pushes speak.
    pub async fn set_locale(&self, user_token: &str, locale: &str) {
        self.ok(
            user_token,
            "mutation($l: Locale!) { setMyLocale(locale: $l) { id } }",
            json!({ "l": locale }),
        )
        .await;
    }

    pub async fn register_device(&self, user_token: &str, device_token: &str, locale: &str) {
        self.ok(
            user_token,
            "mutation($t: String!, $l: String) { registerDevice(token: $t, platform: ANDROID, locale: $l, appVersion: \"1.0.0\") { device { id } } }",
            json!({ "t": device_token, "l": locale }),
        )
        .await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.client
    }

    /// Posts a GraphQL document and returns the whole JSON response.
    pub async fn post(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        response.json().await.expect("a JSON body")
    }

    /// Runs a document that must succeed and returns its `data`.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let response = self.post(Some(token), query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors for {query}: {response:#}"
        );
        response["data"].clone()
    }

    /// Runs a document that must fail and returns the first error's `extensions.code`.
    pub async fn error_code(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let response = self.post(token, query, variables).await;
        let errors = response["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("expected an error for {query}: {response:#}"));
        errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("an error without a code: {response:#}"))
            .to_string()
    }

    pub async fn login(&self, phone: &str, password: &str) -> Value {
        let response = self
            .post(
                None,
                "mutation($phone: String!, $password: String!) { login(phone: $phone, password: $password) { accessToken refreshToken expiresAt user { id role name } } }",
                json!({ "phone": phone, "password": password }),
            )
            .await;
        assert!(response.get("errors").is_none(), "login failed: {response:#}");
        response["data"]["login"].clone()
    }

    pub async fn create_company(&self, name: &str, credit_code: &str) -> String {
        let data = self
            .ok(
                &self.admin_token,
                "mutation($input: CreateCompanyInput!) { createCompany(input: $input) { company { id } } }",
                json!({ "input": { "name": name, "creditCode": credit_code, "industry": "制造业" } }),
            )
            .await;
        data["createCompany"]["company"]["id"].as_str().unwrap().to_string()
    }

    pub async fn create_department(&self, name: &str) -> String {
        let data = self
            .ok(
                &self.admin_token,
                "mutation($name: String!) { createDepartment(name: $name) { department { id } } }",
                json!({ "name": name }),
            )
            .await;
        data["createDepartment"]["department"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Creates a user with a known password and logs them in (changing the password the admin
    /// set, as every account an admin creates must at first login).
    pub async fn create_user(&self, role: &str, phone: &str, name: &str, extra: Value) -> TestUser {
        let password = initial_password(phone);
        let mut input = json!({ "role": role, "phone": phone, "name": name, "password": password });
        if let Value::Object(extra) = extra {
            input.as_object_mut().unwrap().extend(extra);
        }
        let data = self
            .ok(
                &self.admin_token,
                "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
                json!({ "input": input }),
            )
            .await;
        let id = data["createUser"]["user"]["id"].as_str().unwrap().to_string();
        let session = self.login(phone, &password).await;
        let token = session["accessToken"].as_str().unwrap().to_string();
        let own = own_password(phone);
        let session = self.change_password(&token, &password, &own).await;
        TestUser {
            id,
            phone: phone.to_string(),
            password: own,
            token: session["accessToken"].as_str().unwrap().to_string(),
            refresh_token: session["refreshToken"].as_str().unwrap().to_string(),
        }
    }

    pub async fn assign_officer(&self, company_id: &str, officer_id: &str) {
        self.ok(
            &self.admin_token,
            "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"coverage\") { assignment { id } } }",
            json!({ "c": company_id, "o": officer_id }),
        )
        .await;
    }

    /// Counts rows straight from the database, to check that a refused change wrote nothing.
    /// The categories' ids by code (`power`, `labour`, …), as the admin reads them.
    pub async fn category_ids(&self) -> std::collections::HashMap<String, String> {
        let data = self
            .ok(&self.admin_token, "{ categories { id code } }", json!({}))
            .await;
        data["categories"]
            .as_array()
            .expect("categories")
            .iter()
            .map(|c| {
                (
                    c["code"].as_str().unwrap().to_string(),
                    c["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    pub async fn count(&self, table: &'static str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.state
            .db
            .read(move |conn| {
                let row: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(conn)?;
                Ok(row.n)
            })
            .await
            .expect("count")
    }
}

/// Valid unified social credit codes for fixtures: the 17 given characters plus their check.
/// The password the test admin chooses for itself after the first login.
pub const ADMIN_PASSWORD: &str = "harbour lantern quietly 1729";

/// The password an admin gives a test user (strong enough for the zxcvbn check).
pub fn initial_password(phone: &str) -> String {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    let tail = &digits[digits.len().saturating_sub(4)..];
    format!("tern-{tail}-quill-marsh")
}

/// The password a test user chooses at first login.
pub fn own_password(phone: &str) -> String {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    let tail = &digits[digits.len().saturating_sub(4)..];
    format!("heron-{tail}-maple-drift")
}

pub fn credit_code(seed: u32) -> String {
    let first17 = format!("91110000{seed:09}");
    let check = zhitong::companies::credit_code::check_char(&first17).unwrap();
    format!("{first17}{check}")
}

/// Logs in to a server started as a process and, when the password was set by an admin (or
/// generated at first run), changes it to `"{password} renewed"` as the account must before
/// anything else. Returns the usable access token.
pub async fn first_login(http: &reqwest::Client, address: &str, phone: &str, password: &str) -> String {
    let post = |token: Option<String>, query: &'static str, variables: Value| {
        let mut request = http
            .post(format!("{address}/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let login = post(
        None,
        "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken requiredAction } }",
        json!({ "p": phone, "w": password }),
    )
    .await;
    assert!(login.get("errors").is_none(), "login failed: {login:#}");
    let token = login["data"]["login"]["accessToken"].as_str().unwrap().to_string();
    if login["data"]["login"]["requiredAction"] != "PASSWORD_CHANGE_REQUIRED" {
        return token;
    }
    let changed = post(
        Some(token),
        "mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) { accessToken } }",
        json!({ "o": password, "n": format!("{password} renewed") }),
    )
    .await;
    assert!(changed.get("errors").is_none(), "changePassword failed: {changed:#}");
    changed["data"]["changePassword"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The server's count of read transactions (its `/metrics` figures, read in process).
pub fn reads(app: &TestApp) -> f64 {
    let text = app.state.metrics.render();
    text.lines()
        .find_map(|line| {
            line.strip_prefix("zhitong_db_query_duration_seconds_count{kind=\"read\"} ")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}
