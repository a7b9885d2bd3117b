//! `zhitong backup` copies the live SQLite database while the server keeps committing requests;
//! `zhitong restore` refuses while a server holds the database, then brings the copy back; the
//! restored server has every request committed before the backup began, each whole (with its
//! timeline), and none of those raised after the copy was taken.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::credit_code;
use crate::process::{field, start, Running};

const SECRET: &str = "a-backup-test-secret-of-more-than-32-bytes";

/// Runs a `zhitong` subcommand on the test's database and waits for it.
fn zhitong(dir: &Path, database: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zhitong"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ZHITONG_") {
            command.env_remove(key);
        }
    }
    command
        .current_dir(dir)
        .env("ZHITONG_DATABASE_URL", database)
        .env("ZHITONG_LOG", "warn")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run zhitong")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

struct Http {
    address: String,
    client: reqwest::Client,
}

impl Http {
    async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(response.get("errors").is_none(), "{query}: {response:#}");
        response["data"].clone()
    }

    /// Logs in; an account whose password an admin set (or the first run generated) changes it
    /// to `"{password} renewed"` first, as it must before anything else.
    async fn token(&self, phone: &str, password: &str) -> String {
        crate::helpers::first_login(&self.client, &self.address, phone, password).await
    }
}

fn serve(dir: &Path, database: &Path) -> (Running, Http) {
    let running = start(
        dir,
        &[
            ("ZHITONG_DATABASE_URL", database.display().to_string()),
            ("ZHITONG_JWT_SECRET", SECRET.to_string()),
            ("ZHITONG_LOG", "warn".to_string()),
        ],
    );
    let address = field(&running.lines, "zhitong is serving on")
        .unwrap_or_else(|| panic!("a banner: {:?}", running.lines))
        .to_string();
    (
        running,
        Http {
            address,
            client: reqwest::Client::new(),
        },
    )
}

fn request_ids(database: &Path) -> BTreeSet<i64> {
    let mut conn = diesel::SqliteConnection::establish(&database.display().to_string()).unwrap();
    diesel::sql_query("SELECT id FROM requests")
        .load::<Id>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect()
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

const RAISE: &str = "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id } } }";

#[actix_rt::test]
async fn a_backup_taken_under_writes_restores_every_request_committed_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("zhitong.db");
    let (server, http) = serve(dir.path(), &database);
    let admin_password = field(&server.lines, "password:").unwrap().to_string();
    let admin = http.token("13800000000", &admin_password).await;

    let create_user = "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }";
    let company = http
        .ok(
            Some(&admin),
            "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { company { id } } }",
            json!({ "i": { "name": "甲公司", "creditCode": credit_code(201), "industry": "制造业" } }),
        )
        .await["createCompany"]["company"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let officer = http
        .ok(
            Some(&admin),
            create_user,
            json!({ "i": { "role": "OFFICER", "phone": "13900000001", "name": "甲专员", "password": "tern-0001-quill-marsh" } }),
        )
        .await["createUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    http.ok(
        Some(&admin),
        "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"coverage\") { assignment { id } } }",
        json!({ "c": company, "o": officer }),
    )
    .await;
    http.ok(
        Some(&admin),
        create_user,
        json!({ "i": { "role": "COMPANY", "phone": "13900000011", "name": "甲员工", "password": "tern-0011-quill-marsh", "companyId": company } }),
    )
    .await;
    let staff = http.token("13900000011", "tern-0011-quill-marsh").await;
    let categories = http.ok(Some(&staff), "{ categories { id code } }", json!({})).await;
    let category = categories["categories"][0]["id"].as_str().unwrap().to_string();

    // Weight, so the copy takes long enough for requests to commit while it runs: 48 MiB in a
    // table of its own, written beside the server as any other connection would.
    diesel::SqliteConnection::establish(&database.display().to_string())
        .unwrap()
        .batch_execute(
            "PRAGMA busy_timeout = 10000; CREATE TABLE backup_test_ballast (b BLOB); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 48) \
             INSERT INTO backup_test_ballast SELECT zeroblob(1048576) FROM n;",
        )
        .unwrap();

    // Four phones raise requests without pause; each id is noted when its answer arrives,
    // that is after its transaction committed.
    let committed: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let http = Arc::new(http);
    let mut writers = Vec::new();
    for phone in 0..4 {
        let (http, staff, category) = (http.clone(), staff.clone(), category.clone());
        let (committed, stop) = (committed.clone(), stop.clone());
        writers.push(actix_rt::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let data = http
                    .ok(
                        Some(&staff),
                        RAISE,
                        json!({ "input": { "kind": "PROBLEM", "categoryId": category, "title": format!("第{phone}台设备故障 {n}"), "description": "备份期间提交" } }),
                    )
                    .await;
                let id: i64 = data["raiseRequest"]["request"]["id"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("req_")
                    .parse()
                    .unwrap();
                committed.lock().unwrap().push((id, Instant::now()));
            }
        }));
    }
    while committed.lock().unwrap().len() < 40 {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }

    // The backup, while the writers go on.
    let before: BTreeSet<i64> = committed.lock().unwrap().iter().map(|(id, _)| *id).collect();
    let backup_file = dir.path().join("backups").join("zhitong-backup.db");
    std::fs::create_dir_all(backup_file.parent().unwrap()).unwrap();
    let began = Instant::now();
    let output = {
        let (dir, database, backup_file) = (dir.path().to_path_buf(), database.clone(), backup_file.clone());
        tokio::task::spawn_blocking(move || {
            zhitong(&dir, &database, &["backup", "--output", backup_file.to_str().unwrap()])
        })
        .await
        .unwrap()
    };
    let ended = Instant::now();
    assert!(output.status.success(), "backup failed: {}", text(&output));
    println!("{}", text(&output).trim());
    let during = committed
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, at)| *at > began && *at < ended)
        .count();
    assert!(
        during > 0,
        "no request committed while the backup ran ({:?})",
        ended - began
    );
    // A few more after it, then the phones stop.
    let count_after = committed.lock().unwrap().len() + 10;
    while committed.lock().unwrap().len() < count_after {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let all: BTreeSet<i64> = committed.lock().unwrap().iter().map(|(id, _)| *id).collect();

    // No file is overwritten by a backup.
    let again = zhitong(
        dir.path(),
        &database,
        &["backup", "--output", backup_file.to_str().unwrap()],
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("exists already"), "{}", text(&again));

    // The running server holds the database: restore refuses and changes nothing.
    let refused = zhitong(
        dir.path(),
        &database,
        &["restore", "--input", backup_file.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("a running zhitong server holds"),
        "{}",
        text(&refused)
    );
    assert_eq!(request_ids(&database), all, "a refused restore changed the database");

    // Stopped hard (as a crash would), then restored.
    drop(server);
    let restored = zhitong(
        dir.path(),
        &database,
        &["restore", "--input", backup_file.to_str().unwrap()],
    );
    assert!(restored.status.success(), "restore failed: {}", text(&restored));
    println!("{}", text(&restored).trim());
    let kept = dir.path().join("zhitong.db.before-restore");
    assert_eq!(request_ids(&kept), all, "the replaced database is kept whole");

    let in_backup = request_ids(&database);
    println!(
        "requests: {} committed before the backup began, {during} while it ran, {} in all; {} in the backup",
        before.len(),
        all.len(),
        in_backup.len()
    );
    let missing: Vec<&i64> = before.difference(&in_backup).collect();
    assert!(
        missing.is_empty(),
        "requests committed before the backup are missing: {missing:?}"
    );
    assert!(
        in_backup.is_subset(&all),
        "the restored database has requests nobody raised"
    );
    assert!(
        in_backup.len() < all.len(),
        "the requests raised after the backup must not be in it"
    );
    // Consistent: every request in the copy has its timeline and its number.
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = diesel::SqliteConnection::establish(&database.display().to_string()).unwrap();
    let torn: Count = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM requests r WHERE NOT EXISTS \
         (SELECT 1 FROM request_events e WHERE e.request_id = r.id)",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(torn.n, 0, "requests without their timeline in the copy");
    drop(conn);

    // The restored server answers for them through the API.
    let (_server, http) = serve(dir.path(), &database);
    let admin = http.token("13800000000", &format!("{admin_password} renewed")).await;
    let data = http
        .ok(Some(&admin), "{ requests(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["requests"]["totalCount"], in_backup.len(), "{data}");
    let last_before = before.iter().next_back().unwrap();
    let read = http
        .ok(
            Some(&admin),
            "query($id: ID!) { request(id: $id) { id status timeline { kind } } }",
            json!({ "id": format!("req_{last_before}") }),
        )
        .await;
    assert_eq!(read["request"]["status"], "SUBMITTED", "{read}");
    assert!(!read["request"]["timeline"].as_array().unwrap().is_empty(), "{read}");
}

/// A restore checks what it is given: a file that is not a zhitong database, or a PostgreSQL
/// URL (backed up with PostgreSQL's own tools), is refused and nothing is written.
#[test]
fn restore_refuses_what_is_not_a_zhitong_backup() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("zhitong.db");
    let stranger = dir.path().join("other.db");
    diesel::SqliteConnection::establish(&stranger.display().to_string())
        .unwrap()
        .batch_execute("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('not ours');")
        .unwrap();
    let refused = zhitong(
        dir.path(),
        &database,
        &["restore", "--input", stranger.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("is not a zhitong database"),
        "{}",
        text(&refused)
    );
    assert!(!database.exists(), "a refused restore wrote the database");

    let missing = zhitong(dir.path(), &database, &["restore", "--input", "no-such-backup.db"]);
    assert!(!missing.status.success());
    assert!(text(&missing).contains("no backup file at"), "{}", text(&missing));

    let postgres = zhitong(
        dir.path(),
        Path::new("postgres://zhitong@127.0.0.1:1/zhitong"),
        &["backup", "--output", "x.db"],
    );
    assert!(!postgres.status.success());
    assert!(text(&postgres).contains("docs/operations.md"), "{}", text(&postgres));
}
