//! Photos and documents: uploaded by the GraphQL multipart request spec, checked by their bytes,
//! served only to those who may see the request.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::TestApp;
use crate::requests::{dispatched, zone};

const ADD: &str = "mutation($r: ID!, $f: Upload!, $i: Boolean) { addAttachment(requestId: $r, file: $f, internal: $i) { attachment { id fileName contentType sizeBytes sha256 internal downloadPath uploadedBy { id } } } }";
const LIST: &str = "query($r: ID!) { requestAttachments(requestId: $r) { id fileName internal } }";

fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    bytes.extend(std::iter::repeat_n(0x5Au8, 2048));
    bytes
}

async fn upload(
    app: &TestApp,
    token: &str,
    request: &str,
    name: &str,
    declared: &str,
    bytes: Vec<u8>,
    internal: bool,
) -> Value {
    let operations = json!({ "query": ADD, "variables": { "r": request, "f": null, "i": internal } });
    let form = Form::new()
        .text("operations", operations.to_string())
        .text("map", r#"{"0": ["variables.f"]}"#)
        .part(
            "0",
            Part::bytes(bytes)
                .file_name(name.to_string())
                .mime_str(declared)
                .unwrap(),
        );
    let response = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    response.json().await.unwrap_or(Value::Null)
}

async fn download(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Option<String>, Vec<u8>) {
    let mut request = app.http().get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    (status, content_type, response.bytes().await.unwrap().to_vec())
}

backend_tests!(
    files_reach_exactly_those_who_may_see_the_request,
    bad_files_are_refused_and_nothing_is_kept
);

async fn files_reach_exactly_those_who_may_see_the_request(app: TestApp) {
    let z = zone(&app).await;
    let (id, _, _) = dispatched(&app, &z, &[0]).await;

    let photo = jpeg();
    let added = upload(
        &app,
        &z.staff_a.token,
        &id,
        "C:\\Users\\王经理\\现场照片.jpg",
        "image/jpeg",
        photo.clone(),
        false,
    )
    .await;
    let attachment = added["data"]["addAttachment"]["attachment"].clone();
    assert_eq!(attachment["fileName"], "现场照片.jpg", "{added:#}");
    assert_eq!(attachment["contentType"], "image/jpeg");
    assert_eq!(attachment["sizeBytes"], photo.len());
    assert_eq!(attachment["uploadedBy"]["id"], z.staff_a.id.as_str());
    let path = attachment["downloadPath"].as_str().unwrap().to_string();

    let memo = upload(
        &app,
        &z.officer_a.token,
        &id,
        "协调纪要.pdf",
        "application/pdf",
        b"%PDF-1.7\n%internal memo".to_vec(),
        true,
    )
    .await;
    let memo = memo["data"]["addAttachment"]["attachment"].clone();
    assert_eq!(memo["internal"], true);
    let memo_path = memo["downloadPath"].as_str().unwrap().to_string();

    // Who sees what.
    let (status, content_type, bytes) = download(&app, Some(&z.staff_a.token), &path).await;
    assert_eq!((status, content_type.as_deref()), (200, Some("image/jpeg")));
    assert_eq!(bytes, photo);
    for token in [&z.officer_a.token, &z.dept_staff[0].token, &app.admin_token] {
        assert_eq!(download(&app, Some(token), &path).await.0, 200);
        assert_eq!(download(&app, Some(token), &memo_path).await.0, 200);
        assert_eq!(
            app.ok(token, LIST, json!({ "r": id })).await["requestAttachments"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
    let company_view = app.ok(&z.staff_a.token, LIST, json!({ "r": id })).await;
    assert_eq!(
        company_view["requestAttachments"].as_array().unwrap().len(),
        1,
        "internal files stay internal"
    );
    assert_eq!(download(&app, Some(&z.staff_a.token), &memo_path).await.0, 404);
    for token in [&z.staff_b.token, &z.officer_b.token, &z.dept_staff[1].token] {
        assert_eq!(download(&app, Some(token), &path).await.0, 404);
        assert_eq!(app.error_code(Some(token), LIST, json!({ "r": id })).await, "NOT_FOUND");
    }
    assert_eq!(download(&app, None, &path).await.0, 401);
    assert_eq!(
        download(&app, Some(&z.staff_a.token), "/attachments/att_999999")
            .await
            .0,
        404
    );
    assert_eq!(
        download(&app, Some(&z.staff_a.token), "/attachments/nonsense").await.0,
        404
    );

    // Others cannot add to a request they cannot see.
    let foreign = upload(&app, &z.staff_b.token, &id, "x.jpg", "image/jpeg", jpeg(), false).await;
    assert_eq!(foreign["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

async fn bad_files_are_refused_and_nothing_is_kept(app: TestApp) {
    let z = zone(&app).await;
    let (id, _) = z.raise(&app, "PROBLEM").await;
    let cases: Vec<(&str, &str, Vec<u8>, bool, &str)> = vec![
        (
            "photo.jpg",
            "image/jpeg",
            b"MZ\x90\x00 an executable".to_vec(),
            false,
            "BAD_USER_INPUT",
        ),
        (
            "page.pdf",
            "application/pdf",
            b"<html><script>alert(1)</script>".to_vec(),
            false,
            "BAD_USER_INPUT",
        ),
        ("empty.png", "image/png", Vec::new(), false, "BAD_USER_INPUT"),
        (
            "archive.zip",
            "application/zip",
            b"PK\x03\x04 zipped".to_vec(),
            false,
            "BAD_USER_INPUT",
        ),
        ("secret.jpg", "image/jpeg", jpeg(), true, "FORBIDDEN"),
    ];
    for (name, declared, bytes, internal, expected) in cases {
        let response = upload(&app, &z.staff_a.token, &id, name, declared, bytes, internal).await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], expected,
            "{name}: {response:#}"
        );
    }
    // Larger than the limit: refused before it is stored.
    let mut huge = jpeg();
    huge.resize(app.state.config.max_attachment_bytes + 1, 0);
    let response = upload(&app, &z.staff_a.token, &id, "huge.jpg", "image/jpeg", huge, false).await;
    assert!(response["errors"][0]["extensions"]["code"].is_string(), "{response:#}");
    assert_eq!(app.count("attachments").await, 0);
    let stored = walk(&app.state.config.attachments_dir);
    assert_eq!(stored, 0, "no file is left behind");
    // A plain JSON request cannot carry a file.
    let response = app
        .post(Some(&z.staff_a.token), ADD, json!({ "r": id, "f": "not a file" }))
        .await;
    assert!(response["errors"][0]["extensions"]["code"].is_string(), "{response:#}");
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
        .sum()
}
