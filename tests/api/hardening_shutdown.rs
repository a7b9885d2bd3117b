//! SIGTERM drains: the real binary, stopped while a request is half sent and a push batch is
//! being delivered, answers the request, finishes the batch (recorded as sent), refuses new
//! connections, and exits cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::fake_fcm::FakeFcm;

/// How long the fake FCM holds each push: the batch is in flight when SIGTERM comes.
const SEND_DELAY: Duration = Duration::from_secs(3);

/// Kills the server if the test fails before it could stop it.
struct KillOnPanic(u32);

impl Drop for KillOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = Command::new("kill").args(["-KILL", &self.0.to_string()]).status();
        }
    }
}

#[actix_rt::test]
async fn sigterm_drains_requests_and_push_batches_before_exit() {
    let fake = FakeFcm::start().await;
    fake.delay_each_send(SEND_DELAY);
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("zhitong.db");
    let mut command = Command::new(env!("CARGO_BIN_EXE_zhitong"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("ZHITONG_")) {
        command.env_remove(key);
    }
    let mut child = command
        .current_dir(dir.path())
        .env("ZHITONG_BIND", "127.0.0.1:0")
        .env("ZHITONG_DATABASE_URL", &database)
        .env("ZHITONG_FCM_CREDENTIALS", fake.credentials())
        .env("ZHITONG_FCM_ENDPOINT", &fake.address)
        .env("ZHITONG_PUSH_INTERVAL_MS", "50")
        .env("ZHITONG_LOG", "zhitong=debug,info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
        .spawn()
        .expect("start zhitong");
    let pid = child.id();
    let _guard = KillOnPanic(pid);
    let mut banner = Vec::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    while !banner.iter().any(|l: &String| l.contains("then send the header")) {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "no banner: {banner:?}");
        banner.push(line.trim_end().to_string());
    }
    let base = banner[0].trim_start_matches("zhitong is serving on ").to_string();
    let host = base.trim_start_matches("http://").to_string();
    let password = crate::process::field(&banner, "password:").unwrap().to_string();

    let client = reqwest::Client::new();
    let gql = |token: Option<String>, query: &'static str, variables: Value| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let mut request = client
                .post(format!("{base}/graphql"))
                .json(&json!({ "query": query, "variables": variables }));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response: Value = request.send().await.unwrap().json().await.unwrap();
            assert!(response.get("errors").is_none(), "{query}: {response:#}");
            response["data"].clone()
        }
    };
    let http = client.clone();
    let admin = crate::helpers::first_login(&http, &base, "13800000000", &password).await;
    let officer_id = gql(
        Some(admin.clone()),
        "mutation { createUser(input: { role: OFFICER, phone: \"13900000401\", name: \"专员\", password: \"officer-password-harbour\" }) { user { id } } }",
        json!({}),
    )
    .await["createUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let officer = crate::helpers::first_login(&http, &base, "13900000401", "officer-password-harbour").await;
    gql(
        Some(officer.clone()),
        "mutation { registerDevice(token: \"officer-phone\", platform: ANDROID, locale: \"zh-CN\") { device { id } } }",
        json!({}),
    )
    .await;
    // The binary runs on the real clock: no quiet hours holding the push back at night.
    gql(
        Some(officer),
        "mutation { setQuietHours(start: \"00:00\", end: \"00:00\") { user { id } } }",
        json!({}),
    )
    .await;
    let company = gql(
        Some(admin.clone()),
        "mutation($c: String!) { createCompany(input: { name: \"停机测试公司\", creditCode: $c, industry: \"制造业\" }) { company { id } } }",
        json!({ "c": crate::helpers::credit_code(401) }),
    )
    .await["createCompany"]["company"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    gql(
        Some(admin.clone()),
        "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"分工\") { assignment { id } } }",
        json!({ "c": company, "o": officer_id }),
    )
    .await;

    // The push is with the fake (held for SEND_DELAY) before SIGTERM.
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.attempts() == 0 {
        assert!(Instant::now() < deadline, "the push worker never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A request whose body is half sent when SIGTERM comes.
    let body = json!({ "query": "{ me { role } }" }).to_string();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAuthorization: Bearer {admin}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(&host).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body.as_bytes()[..10]).unwrap();
    stream.flush().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let signalled = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    tokio::time::sleep(Duration::from_millis(500)).await;

    // New connections are refused while draining.
    assert!(
        std::net::TcpStream::connect_timeout(&host.parse().unwrap(), Duration::from_secs(1)).is_err(),
        "a draining server must not accept new connections"
    );

    let rest = body.as_bytes()[10..].to_vec();
    let answer = tokio::task::spawn_blocking(move || {
        stream.write_all(&rest).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"role\":\"ADMIN\""), "{answer}");

    let status = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("zhitong did not exit within 40 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .unwrap();
    let took = signalled.elapsed();
    let log = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    assert!(status.success(), "exit status {status:?}\n{log}");
    assert!(log.contains("stopped"), "{log}");

    // The batch in flight was finished and recorded before exit.
    assert_eq!(fake.accepted().len(), 1);
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Status {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    let mut conn = diesel::SqliteConnection::establish(&database.to_string_lossy()).unwrap();
    let statuses: Vec<Status> = diesel::sql_query("SELECT status FROM push_deliveries")
        .load(&mut conn)
        .unwrap();
    let statuses: Vec<String> = statuses.into_iter().map(|s| s.status).collect();
    assert_eq!(statuses, vec!["SENT".to_string()], "{log}");
    assert!(took >= Duration::from_millis(500), "exited after {took:?}");

    // What the process logged holds no personal data either.
    let found = crate::hardening_logs::findings(
        &log,
        &[
            admin,
            "officer-password-harbour".into(),
            "officer-password-harbour renewed".into(),
            password,
        ],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}
