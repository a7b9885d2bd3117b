//! Login, token rotation and reuse detection, and what makes a token unacceptable.

use chrono::Duration;
use serde_json::json;
use zhitong::clock::Clock;

use crate::backend_tests;
use crate::helpers::TestApp;

const REFRESH: &str =
    "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken user { id } } }";
const ME: &str = "{ me { id name phone role } }";

backend_tests!(
    login_gives_tokens_that_identify_the_user,
    wrong_password_and_unknown_phone_answer_alike,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_ends_the_session,
    change_password_ends_other_sessions,
    disabling_a_user_stops_access_and_refresh_at_once,
    bad_tokens_are_unauthenticated,
);

async fn login_gives_tokens_that_identify_the_user(app: TestApp) {
    let officer = app.create_user("OFFICER", "13900000001", "王专员", json!({})).await;
    let me = app.ok(&officer.token, ME, json!({})).await;
    assert_eq!(me["me"]["id"], officer.id.as_str());
    assert_eq!(me["me"]["role"], "OFFICER");
    assert_eq!(me["me"]["phone"], "13900000001");
    // The phone may be typed with the country code and spaces.
    let session = app.login("+86 139 0000 0001", &officer.password).await;
    assert_eq!(session["user"]["id"], officer.id.as_str());
    assert_eq!(app.error_code(None, ME, json!({})).await, "UNAUTHENTICATED");
}

async fn wrong_password_and_unknown_phone_answer_alike(app: TestApp) {
    app.create_user("OFFICER", "13900000002", "李专员", json!({})).await;
    let query = "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }";
    let wrong = app
        .post(None, query, json!({ "p": "13900000002", "w": "not-the-password" }))
        .await;
    let unknown = app
        .post(None, query, json!({ "p": "13900000099", "w": "not-the-password" }))
        .await;
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);
    assert_eq!(wrong["errors"][0]["extensions"], unknown["errors"][0]["extensions"]);
    let malformed = app
        .error_code(None, query, json!({ "p": "12345", "w": "whatever1" }))
        .await;
    assert_eq!(malformed, "BAD_USER_INPUT");
}

async fn refresh_rotates_and_reuse_revokes_the_family(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000003", "赵专员", json!({})).await;
    let first = app.post(None, REFRESH, json!({ "t": user.refresh_token })).await;
    let rotated = first["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .expect("a new refresh token")
        .to_string();
    assert_ne!(rotated, user.refresh_token);
    let access = first["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(&access, ME, json!({})).await;

    // A second login is a separate family that reuse elsewhere must not end.
    let other_session = app.login(&user.phone, &user.password).await;

    // The old token again, later than a retry would come: reuse. The whole family is revoked,
    // including the rotated token.
    app.clock.advance(Duration::seconds(31));
    assert_eq!(
        app.error_code(None, REFRESH, json!({ "t": user.refresh_token })).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.error_code(None, REFRESH, json!({ "t": rotated })).await,
        "UNAUTHENTICATED"
    );

    let other = other_session["refreshToken"].as_str().unwrap();
    let still = app.post(None, REFRESH, json!({ "t": other })).await;
    assert!(still["data"]["refreshToken"]["accessToken"].is_string(), "{still:#}");

    assert_eq!(
        app.error_code(None, REFRESH, json!({ "t": "zrt_made-up" })).await,
        "UNAUTHENTICATED"
    );
}

async fn logout_ends_the_session(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000004", "钱专员", json!({})).await;
    let out = app
        .post(
            None,
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": user.refresh_token }),
        )
        .await;
    assert_eq!(out["data"]["logout"], true);
    assert_eq!(
        app.error_code(None, REFRESH, json!({ "t": user.refresh_token })).await,
        "UNAUTHENTICATED"
    );
}

async fn change_password_ends_other_sessions(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000005", "孙专员", json!({})).await;
    let change = "mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) { accessToken refreshToken } }";
    assert_eq!(
        app.error_code(
            Some(&user.token),
            change,
            json!({ "o": "wrong-old-pass", "n": "a-new-password" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(Some(&user.token), change, json!({ "o": user.password, "n": "short" }))
            .await,
        "BAD_USER_INPUT"
    );
    let changed = app
        .ok(
            &user.token,
            change,
            json!({ "o": user.password, "n": "a-new-password" }),
        )
        .await;
    let fresh = changed["changePassword"]["refreshToken"].as_str().unwrap();
    assert_eq!(
        app.error_code(None, REFRESH, json!({ "t": user.refresh_token })).await,
        "UNAUTHENTICATED"
    );
    assert!(app.post(None, REFRESH, json!({ "t": fresh })).await["data"]["refreshToken"].is_object());
    let query = "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }";
    assert_eq!(
        app.error_code(None, query, json!({ "p": user.phone, "w": user.password }))
            .await,
        "UNAUTHENTICATED"
    );
    app.login(&user.phone, "a-new-password").await;
}

async fn disabling_a_user_stops_access_and_refresh_at_once(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000006", "周专员", json!({})).await;
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { disableUser(id: $id) { user { disabled } } }",
        json!({ "id": user.id }),
    )
    .await;
    assert_eq!(
        app.error_code(Some(&user.token), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.error_code(None, REFRESH, json!({ "t": user.refresh_token })).await,
        "UNAUTHENTICATED"
    );
    let query = "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }";
    assert_eq!(
        app.error_code(None, query, json!({ "p": user.phone, "w": user.password }))
            .await,
        "UNAUTHENTICATED"
    );

    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { enableUser(id: $id) { user { disabled } } }",
        json!({ "id": user.id }),
    )
    .await;
    app.login(&user.phone, &user.password).await;
    // An admin cannot lock themselves out.
    assert_eq!(
        app.error_code(
            Some(&app.admin_token),
            "mutation($id: ID!) { disableUser(id: $id) { user { id } } }",
            json!({ "id": app.admin_id })
        )
        .await,
        "BAD_USER_INPUT"
    );
}

async fn bad_tokens_are_unauthenticated(app: TestApp) {
    let user = app.create_user("OFFICER", "13900000007", "吴专员", json!({})).await;
    let user_id: i64 = user.id.trim_start_matches("usr_").parse().unwrap();

    let mut tampered = user.token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });

    let now = app.clock.now();
    let expired = app
        .state
        .jwt
        .issue_access_token(user_id.into(), 1, now - Duration::hours(2), now - Duration::hours(1))
        .unwrap();
    let foreign = zhitong::auth::tokens::JwtKeys::new(b"some-other-secret-some-other-secret!")
        .issue_access_token(user_id.into(), 1, now, now + Duration::minutes(10))
        .unwrap();
    // A token signed with "none" and the right claims.
    let unsigned = {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = engine.encode(
            json!({ "sub": user_id.to_string(), "iss": "zhitong", "aud": "zhitong-api", "typ": "access", "iat": now.timestamp(), "exp": now.timestamp() + 600 })
                .to_string(),
        );
        format!("{header}.{claims}.")
    };
    for token in [
        tampered.as_str(),
        expired.as_str(),
        foreign.as_str(),
        unsigned.as_str(),
        user.refresh_token.as_str(),
        "garbage",
    ] {
        assert_eq!(
            app.error_code(Some(token), ME, json!({})).await,
            "UNAUTHENTICATED",
            "{token}"
        );
    }
    // Login still works with a stale token in the header (a phone after a long sleep).
    let response = app
        .post(
            Some(&expired),
            "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
            json!({ "p": user.phone, "w": user.password }),
        )
        .await;
    assert!(response["data"]["login"]["accessToken"].is_string(), "{response:#}");
}
