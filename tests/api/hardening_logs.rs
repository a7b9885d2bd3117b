//! Personal data stays out of the logs: phone numbers appear only masked (138****0000), and
//! tokens, passwords and password hashes never. Every server log line of this test process is
//! captured at debug level (`helpers::capture_logs`); the tests scan it.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{suite_log_dir, suite_log_file, TestApp};

backend_tests!(sensitive_flows_log_no_personal_data);

/// What in a log text must not be there: unmasked mobile numbers, refresh tokens, JWTs,
/// password hashes and the given literal secrets.
pub fn findings(text: &str, secrets: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut what = Vec::new();
        // Words of letters and digits; an 11-digit word 1[3-9]… is a mobile number.
        for word in line.split(|c: char| !c.is_ascii_alphanumeric()) {
            let bytes = word.as_bytes();
            if bytes.len() == 11 && bytes.iter().all(u8::is_ascii_digit) && bytes[0] == b'1' && bytes[1] >= b'3' {
                what.push(format!("phone number {word}"));
            }
        }
        for marker in ["zrt_", "eyJ", "$argon2", "Bearer "] {
            if line.contains(marker) {
                what.push(format!("secret marker {marker:?}"));
            }
        }
        for secret in secrets.iter().filter(|s| s.len() >= 8) {
            if line.contains(secret.as_str()) {
                what.push(format!("secret {secret:?}"));
            }
        }
        if !what.is_empty() {
            let excerpt: String = line.chars().take(300).collect();
            found.push(format!("{} in: {excerpt}", what.join(", ")));
        }
    }
    found
}

async fn sensitive_flows_log_no_personal_data(app: TestApp) {
    let mut secrets = vec![app.admin_token.clone()];
    let company = app
        .create_company("日志测试公司", &crate::helpers::credit_code(901))
        .await;
    let staff = app
        .create_user(
            "COMPANY",
            "13900000901",
            "甲",
            json!({ "companyId": company, "principal": true }),
        )
        .await;
    secrets.extend([staff.password.clone(), staff.token.clone(), staff.refresh_token.clone()]);
    // Wrong passwords until locked, an unknown phone, a malformed one.
    for i in 0..6 {
        app.post(
            None,
            "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
            json!({ "p": staff.phone, "w": format!("wrong-password-{i}") }),
        )
        .await;
        secrets.push(format!("wrong-password-{i}"));
    }
    app.post(
        None,
        "mutation { login(phone: \"13900000999\", password: \"unknown-phone-pw\") { accessToken } }",
        json!({}),
    )
    .await;
    secrets.push("unknown-phone-pw".into());
    // A generated password, a reset, a refresh, a reuse, a password change.
    let created = app
        .ok(
            &app.admin_token,
            "mutation { createUser(input: { role: OFFICER, phone: \"13900000902\", name: \"乙\" }) { user { id } initialPassword } }",
            json!({}),
        )
        .await;
    secrets.push(created["createUser"]["initialPassword"].as_str().unwrap().to_string());
    let reset = app
        .ok(
            &app.admin_token,
            "mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword } }",
            json!({ "id": created["createUser"]["user"]["id"] }),
        )
        .await;
    secrets.push(
        reset["resetUserPassword"]["temporaryPassword"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let officer = app.create_user("OFFICER", "13900000903", "丙", json!({})).await;
    let refresh = "mutation($t: String!) { refreshToken(refreshToken: $t) { refreshToken } }";
    let rotated = app.post(None, refresh, json!({ "t": officer.refresh_token })).await;
    secrets.push(
        rotated["data"]["refreshToken"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    app.clock.advance(chrono::Duration::seconds(40));
    app.post(None, refresh, json!({ "t": officer.refresh_token })).await;
    // The reuse ended the session, access token included: log in again.
    let mut officer = officer;
    app.relogin(&mut officer).await;
    app.ok(
        &officer.token,
        "mutation($o: String!) { changePassword(oldPassword: $o, newPassword: \"a-secret-new-pass-8812\") { accessToken } }",
        json!({ "o": officer.password }),
    )
    .await;
    secrets.extend([
        officer.password.clone(),
        "a-secret-new-pass-8812".into(),
        officer.token.clone(),
    ]);
    // Conflicts and bad input that name a phone number.
    app.post(
        Some(&app.admin_token),
        "mutation { createUser(input: { role: OFFICER, phone: \"13900000903\", name: \"重复\" }) { user { id } } }",
        json!({}),
    )
    .await;
    app.post(
        Some(&app.admin_token),
        "mutation($id: ID!) { updateUser(id: $id, input: { phone: \"13900000901\" }) { user { id } } }",
        json!({ "id": officer.id }),
    )
    .await;
    // The pushes logged instead of sent, and a device token.
    app.register_device(&staff.token, "device-token-of-a-phone-0001", "zh-CN")
        .await;
    secrets.push("device-token-of-a-phone-0001".into());

    let text = std::fs::read_to_string(suite_log_file()).expect("the captured log");
    assert!(text.contains("login"), "the capture works: {} bytes", text.len());
    assert!(text.contains("139****0901"), "masked phones are logged where useful");
    let found = findings(&text, &secrets);
    assert!(
        found.is_empty(),
        "the logs hold personal data or secrets:\n{}",
        found.join("\n")
    );
}

/// Scans what the whole suite logged. CI runs it after the suite:
/// `cargo test --test api hardening_logs::the_whole_suite -- --ignored`.
#[test]
#[ignore = "scans the logs a previous `cargo test` run left; run after the suite"]
fn the_whole_suite_logged_no_personal_data() {
    let mut scanned = 0;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(suite_log_dir()).expect("the suite's logs: run the suite first") {
        let path = entry.unwrap().path();
        if path == suite_log_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        scanned += text.len();
        found.extend(
            findings(&text, &[])
                .into_iter()
                .map(|f| format!("{}: {f}", path.display())),
        );
    }
    assert!(scanned > 10_000, "only {scanned} bytes of logs found");
    assert!(found.is_empty(), "{}", found.join("\n"));
    println!("scanned {scanned} bytes of server logs");
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    let secrets = ["hunter2-password".to_string()];
    assert!(!findings("user 13812345678 logged in", &[]).is_empty());
    assert!(!findings("token=zrt_abc", &[]).is_empty());
    assert!(!findings("pw hunter2-password", &secrets).is_empty());
    assert!(!findings("hash $argon2id$v=19$m=19456", &[]).is_empty());
    assert!(findings("phone=138****5678 id=a13812345678b ts=2026-03-02", &[]).is_empty());
}
