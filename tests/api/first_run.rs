//! The newcomer's path: start the real binary in an empty directory and log in with the printed
//! administrator credentials.

use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value};

use crate::helpers::PG_URL_VAR;
use crate::process::{field, start};

async fn login(address: &str, phone: &str, password: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .json(&json!({
            "query": "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken user { role mustChangePassword } } }",
            "variables": { "p": phone, "w": password }
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn first_run_prints_credentials_that_log_in(envs: Vec<(&str, String)>, expect_sqlite_file: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (address, token) = {
        let first = start(dir.path(), &envs);
        let address = field(&first.lines, "zhitong is serving on")
            .unwrap_or_else(|| panic!("no address in {:?}", first.lines))
            .to_string();
        assert!(
            field(&first.lines, "GraphiQL explorer:").is_some_and(|g| g.ends_with("/graphql")),
            "{:?}",
            first.lines
        );
        let phone = field(&first.lines, "phone:")
            .expect("the admin phone is printed")
            .to_string();
        let password = field(&first.lines, "password:")
            .expect("the admin password is printed")
            .to_string();
        let response = login(&address, &phone, &password).await;
        assert_eq!(response["data"]["login"]["user"]["role"], "ADMIN", "{response:#}");
        assert_eq!(response["data"]["login"]["user"]["mustChangePassword"], true);
        (
            address,
            response["data"]["login"]["accessToken"].as_str().unwrap().to_string(),
        )
    };
    if expect_sqlite_file {
        assert!(
            dir.path().join("zhitong.db").exists(),
            "the default SQLite file is created in the working directory"
        );
    }
    assert!(
        dir.path().join("zhitong.jwt-secret").exists(),
        "a generated secret is kept"
    );

    // A restart creates no second admin and keeps the signing secret: the old token still works.
    let second = start(dir.path(), &envs);
    assert!(
        field(&second.lines, "password:").is_none(),
        "no new admin on restart: {:?}",
        second.lines
    );
    let address2 = field(&second.lines, "zhitong is serving on").unwrap().to_string();
    assert_ne!(address, "");
    let me: Value = reqwest::Client::new()
        .post(format!("{address2}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ me { role } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["me"]["role"], "ADMIN", "{me:#}");
}

#[actix_rt::test]
async fn sqlite_first_run_with_no_configuration() {
    first_run_prints_credentials_that_log_in(vec![], true).await;
}

#[actix_rt::test]
#[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
async fn postgres_first_run() {
    let base = std::env::var(PG_URL_VAR).unwrap();
    let schema = format!("zt_first_{}", uuid::Uuid::new_v4().simple());
    let mut conn = diesel::PgConnection::establish(&base).expect("PostgreSQL reachable");
    conn.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
    first_run_prints_credentials_that_log_in(vec![("ZHITONG_DATABASE_URL", url)], false).await;
    conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();
}

#[test]
fn production_refuses_to_start_without_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_zhitong"))
        .current_dir(dir.path())
        .env_remove("ZHITONG_JWT_SECRET")
        .env("ZHITONG_ENV", "production")
        .env("ZHITONG_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ZHITONG_JWT_SECRET is required"), "{stderr}");
    assert!(
        !dir.path().join("zhitong.db").exists(),
        "nothing is created when refusing to start"
    );
}
