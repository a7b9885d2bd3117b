//! Faults: the database goes away and comes back (a private PostgreSQL cluster this test starts
//! and stops itself, never the shared server), and SQLite's write lock is held longer than the
//! busy timeout.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use zhitong::db::DbUrl;

use crate::helpers::{Backend, TestApp};

/// Set in CI: a private cluster that cannot be started fails the test instead of skipping it.
const REQUIRE_VAR: &str = "ZHITONG_REQUIRE_PRIVATE_PG";

/// A throwaway PostgreSQL cluster in a temporary directory, on a free loopback port.
struct PrivateCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    /// initdb refuses to run as root: then every command runs as the `postgres` user.
    run_as: Option<&'static str>,
    port: u16,
}

impl PrivateCluster {
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(path);
                command
            }
            None => Command::new(path),
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Creates and starts a cluster, or says why it cannot.
    fn start() -> Result<PrivateCluster, String> {
        let bin = std::env::var("ZHITONG_PG_BIN")
            .map(PathBuf::from)
            .ok()
            .or_else(|| {
                let out = Command::new("pg_config").arg("--bindir").output().ok()?;
                Some(PathBuf::from(String::from_utf8(out.stdout).ok()?.trim()))
            })
            .filter(|b| b.join("initdb").exists())
            .or_else(|| Some(PathBuf::from("/usr/lib/postgresql/15/bin")).filter(|b| b.join("initdb").exists()))
            .ok_or("no initdb found (set ZHITONG_PG_BIN)")?;
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let dir = tempfile::Builder::new()
            .prefix("zt-private-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let run_as = if is_root {
            let chown = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !chown.success() {
                return Err("running as root and there is no `postgres` user to run initdb".into());
            }
            Some("postgres")
        } else {
            None
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let cluster = PrivateCluster { bin, dir, run_as, port };
        let init = cluster
            .command("initdb")
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "-D"])
            .arg(cluster.data())
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        if !init.status.success() {
            return Err(format!("initdb failed: {}", String::from_utf8_lossy(&init.stderr)));
        }
        cluster.pg_ctl_start()?;
        Ok(cluster)
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .args(["-w", "-t", "60", "start"])
            .output()
            .map_err(|e| format!("pg_ctl start: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
            Err(format!(
                "pg_ctl start failed: {}\n{log}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn stop(&self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"])
            .output();
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A query the app makes, with a given token; returns the code of the first error or "OK",
/// and how long the answer took.
async fn me(app: &TestApp) -> (String, Duration) {
    let started = Instant::now();
    let response = app.post(Some(&app.admin_token), "{ me { id role } }", json!({})).await;
    let code = response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or(if response["data"]["me"]["role"] == "ADMIN" {
            "OK"
        } else {
            "?"
        })
        .to_string();
    (code, started.elapsed())
}

async fn ready(app: &TestApp) -> u16 {
    app.http()
        .get(app.url("/readyz"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[actix_rt::test]
async fn a_stopped_database_answers_unavailable_quickly_and_service_resumes() {
    let cluster = match PrivateCluster::start() {
        Ok(cluster) => cluster,
        Err(why) if std::env::var(REQUIRE_VAR).is_err() => {
            eprintln!("SKIPPED a_stopped_database_answers_unavailable_quickly_and_service_resumes: {why}");
            return;
        }
        Err(why) => panic!("{REQUIRE_VAR} is set and the private cluster cannot start: {why}"),
    };
    let url = cluster.url();
    let app = TestApp::spawn_configured(Backend::Sqlite, |c| c.database = DbUrl::Postgres(url)).await;
    assert_eq!(me(&app).await.0, "OK");
    assert_eq!(ready(&app).await, 200);

    cluster.stop();
    let started = Instant::now();
    assert_eq!(ready(&app).await, 503);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    // Every request during the outage: a clear code, quickly (the first may meet a pooled
    // connection that just died).
    for _ in 0..5 {
        let (code, took) = me(&app).await;
        assert_eq!(code, "SERVICE_UNAVAILABLE");
        assert!(took < Duration::from_secs(3), "took {took:?}");
    }
    let login = app
        .post(
            None,
            "mutation { login(phone: \"13800000000\", password: \"whatever-it-is\") { accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(
        login["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{login:#}"
    );
    let text = login.to_string();
    assert!(!text.contains("127.0.0.1") && !text.contains("postgres"), "{text}");

    cluster.pg_ctl_start().expect("the cluster starts again");
    let deadline = Instant::now() + Duration::from_secs(30);
    while ready(&app).await != 200 {
        assert!(Instant::now() < deadline, "not ready 30 s after the database came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(me(&app).await.0, "OK");
    app.create_user("OFFICER", "13900000301", "恢复", json!({})).await;
}

/// Another process holds SQLite's write lock longer than the busy timeout: writes wait and
/// succeed, and no `database is locked` reaches a client.
#[actix_rt::test]
async fn sqlite_lock_contention_waits_instead_of_failing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let DbUrl::Sqlite(path) = app.state.config.database.clone() else {
        unreachable!()
    };
    let holder = hold_write_lock(&path, Duration::from_secs(11));
    let writes = (0..4).map(|i| {
        let app = &app;
        async move {
            app.post(
                Some(&app.admin_token),
                "mutation($n: String!) { createDepartment(name: $n) { department { id } } }",
                json!({ "n": format!("部门{i}") }),
            )
            .await
        }
    });
    let results = futures::future::join_all(writes).await;
    holder.join().unwrap();
    for result in results {
        assert!(result.get("errors").is_none(), "{result:#}");
    }
    assert_eq!(app.count("departments").await, 4);
}

fn hold_write_lock(path: &Path, how_long: Duration) -> std::thread::JoinHandle<()> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    conn.batch_execute("BEGIN IMMEDIATE").unwrap();
    std::thread::spawn(move || {
        std::thread::sleep(how_long);
        conn.batch_execute("COMMIT").unwrap();
    })
}
