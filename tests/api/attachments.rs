//! Photos and documents: uploaded by the GraphQL multipart request spec, checked by their bytes,
//! served only to those who may see the request, from the local directory or an S3 store (a
//! real S3 server started by the test), streamed with a strong ETag, ranges and a private cache
//! lifetime, and photos with a thumbnail made on upload.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::backend_tests;
use crate::fake_s3::FakeS3;
use crate::helpers::{Backend, TestApp};
use crate::requests::{dispatched, zone, Zone};

const ADD: &str = "mutation($r: ID!, $f: Upload!, $i: Boolean) { addAttachment(requestId: $r, file: $f, internal: $i) { attachment { id fileName contentType sizeBytes sha256 internal downloadPath thumbnailPath uploadedBy { id } } } }";
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

/// A SQLite and a PostgreSQL test for each `async fn(Backend)` (each starts its own store first).
macro_rules! store_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[actix_rt::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }

            #[actix_rt::test]
            #[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )+};
}

store_tests!(
    files_live_in_the_s3_store_and_download_as_a_phone_cache_wants,
    a_store_that_goes_down_mid_upload_keeps_nothing,
    the_local_directory_downloads_the_same_way
);

/// A real photo: a PNG of `width`×`height` pixels of noise (so that it stays large).
fn noise_png(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |x, y| {
        let v = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ seed).wrapping_mul(2_654_435_761);
        image::Rgb([(v >> 24) as u8, (v >> 16) as u8, (v >> 8) as u8])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(pixels)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

/// A real JPEG photo, taller than wide.
fn real_jpeg(width: u32, height: u32) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(&image::DynamicImage::ImageRgb8(pixels))
        .unwrap();
    bytes
}

async fn get(app: &TestApp, token: &str, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.http().get(app.url(path)).bearer_auth(token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_string())
}

/// What every store must do for a phone: the file whole with a strong, stable ETag and a
/// private cache lifetime; `304` for `If-None-Match`; `206` with the right bytes for a range;
/// `416` past the end; a thumbnail of the photo, cached the same way; nothing for strangers.
/// Answers the photo's attachment.
async fn downloads_work_for_a_phone(app: &TestApp, z: &Zone, request: &str, photo: &[u8]) -> Value {
    let added = upload(
        app,
        &z.staff_a.token,
        request,
        "厂房.png",
        "image/png",
        photo.to_vec(),
        false,
    )
    .await;
    let attachment = added["data"]["addAttachment"]["attachment"].clone();
    assert_eq!(attachment["contentType"], "image/png", "{added:#}");
    let path = attachment["downloadPath"].as_str().unwrap().to_string();
    let thumb_path = attachment["thumbnailPath"]
        .as_str()
        .expect("a photo has a thumbnail")
        .to_string();
    let sha256 = attachment["sha256"].as_str().unwrap();
    let size = photo.len();

    // Whole, with a strong ETag (the content's SHA-256) and a private lifetime.
    let response = get(app, &z.staff_a.token, &path, &[]).await;
    assert_eq!(response.status(), 200);
    let etag = header(&response, "etag").unwrap();
    assert_eq!(etag, format!("\"{sha256}\""), "strong (no W/), the content's digest");
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("private, max-age=604800")
    );
    assert_eq!(header(&response, "accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(header(&response, "content-length"), Some(size.to_string()));
    assert_eq!(header(&response, "content-type").as_deref(), Some("image/png"));
    assert_eq!(response.bytes().await.unwrap().as_ref(), photo);
    // Stable: the same tag for another reader and another time.
    let again = get(app, &z.officer_a.token, &path, &[]).await;
    assert_eq!(header(&again, "etag"), Some(etag.clone()));

    // The phone's cache revalidates: 304 without a body, for the tag in any list, weak or not.
    for sent in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_string(),
    ] {
        let response = get(app, &z.staff_a.token, &path, &[("If-None-Match", &sent)]).await;
        assert_eq!(response.status(), 304, "If-None-Match: {sent}");
        assert_eq!(header(&response, "etag"), Some(etag.clone()));
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("private, max-age=604800")
        );
        assert!(response.bytes().await.unwrap().is_empty());
    }
    let changed = get(app, &z.staff_a.token, &path, &[("If-None-Match", "\"something-else\"")]).await;
    assert_eq!(changed.status(), 200);
    assert_eq!(changed.bytes().await.unwrap().len(), size);

    // A broken download resumes: the exact bytes asked for.
    for (range, first, last) in [
        ("bytes=100-1123".to_string(), 100, 1123),
        ("bytes=-500".to_string(), size - 500, size - 1),
        (format!("bytes={}-", size - 10), size - 10, size - 1),
        (format!("bytes=0-{}", size + 1000), 0, size - 1),
    ] {
        let response = get(app, &z.staff_a.token, &path, &[("Range", &range)]).await;
        assert_eq!(response.status(), 206, "Range: {range}");
        assert_eq!(
            header(&response, "content-range"),
            Some(format!("bytes {first}-{last}/{size}")),
            "Range: {range}"
        );
        assert_eq!(header(&response, "etag"), Some(etag.clone()));
        assert_eq!(
            response.bytes().await.unwrap().as_ref(),
            &photo[first..=last],
            "Range: {range}"
        );
    }
    let resumed = get(
        app,
        &z.staff_a.token,
        &path,
        &[("Range", "bytes=2000-2999"), ("If-Range", &etag)],
    )
    .await;
    assert_eq!(resumed.status(), 206);
    assert_eq!(resumed.bytes().await.unwrap().as_ref(), &photo[2000..3000]);
    // The file changed since (another tag): the whole file, not a part of another one.
    let stale = get(
        app,
        &z.staff_a.token,
        &path,
        &[("Range", "bytes=2000-2999"), ("If-Range", "\"old\"")],
    )
    .await;
    assert_eq!(stale.status(), 200);
    assert_eq!(stale.bytes().await.unwrap().len(), size);
    let past_the_end = get(app, &z.staff_a.token, &path, &[("Range", &format!("bytes={size}-"))]).await;
    assert_eq!(past_the_end.status(), 416);
    assert_eq!(header(&past_the_end, "content-range"), Some(format!("bytes */{size}")));

    // The thumbnail: a real JPEG at most 320 pixels a side, same shape, cached the same way.
    let response = get(app, &z.staff_a.token, &thumb_path, &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type").as_deref(), Some("image/jpeg"));
    let thumb_etag = header(&response, "etag").unwrap();
    assert_eq!(thumb_etag, format!("\"{sha256}-thumb\""));
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("private, max-age=604800")
    );
    let thumb = response.bytes().await.unwrap();
    assert!(
        thumb.len() < size / 4,
        "a thumbnail is small: {} of {size} bytes",
        thumb.len()
    );
    let decoded = image::load_from_memory_with_format(&thumb, image::ImageFormat::Jpeg).unwrap();
    let original = image::load_from_memory(photo).unwrap();
    assert_eq!(decoded.width().max(decoded.height()), 320);
    let (ratio, thumb_ratio) = (
        original.width() as f64 / original.height() as f64,
        decoded.width() as f64 / decoded.height() as f64,
    );
    assert!((ratio - thumb_ratio).abs() < 0.02, "{ratio} vs {thumb_ratio}");
    let revalidated = get(app, &z.staff_a.token, &thumb_path, &[("If-None-Match", &thumb_etag)]).await;
    assert_eq!(revalidated.status(), 304);
    let bad_size = get(app, &z.staff_a.token, &format!("{path}?size=huge"), &[]).await;
    assert_eq!(bad_size.status(), 400);
    let body: Value = bad_size.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // The same rules as ever: those who may see the request, and nobody else, neither the
    // file nor its thumbnail nor a part of it.
    for token in [&z.officer_a.token, &z.dept_staff[0].token, &app.admin_token] {
        assert_eq!(get(app, token, &thumb_path, &[]).await.status(), 200);
        assert_eq!(get(app, token, &path, &[("Range", "bytes=0-9")]).await.status(), 206);
    }
    for token in [&z.staff_b.token, &z.officer_b.token, &z.dept_staff[1].token] {
        for p in [&path, &thumb_path] {
            let response = get(app, token, p, &[("If-None-Match", &etag), ("Range", "bytes=0-9")]).await;
            assert_eq!(response.status(), 404, "{p}");
            assert!(header(&response, "etag").is_none());
        }
    }

    // A document has no thumbnail.
    let pdf = upload(
        app,
        &z.officer_a.token,
        request,
        "纪要.pdf",
        "application/pdf",
        b"%PDF-1.7\n%memo".to_vec(),
        true,
    )
    .await;
    let pdf = pdf["data"]["addAttachment"]["attachment"].clone();
    assert!(pdf["thumbnailPath"].is_null(), "{pdf:#}");
    let no_thumb = get(
        app,
        &z.officer_a.token,
        &format!("{}?size=thumb", pdf["downloadPath"].as_str().unwrap()),
        &[],
    )
    .await;
    assert_eq!(no_thumb.status(), 404);
    // An internal file's thumbnail path stays hidden from the company like the file itself.
    assert_eq!(
        get(app, &z.staff_a.token, pdf["downloadPath"].as_str().unwrap(), &[])
            .await
            .status(),
        404
    );

    // A JPEG straight from a phone: its thumbnail too.
    let portrait = real_jpeg(600, 900);
    let jpeg = upload(
        app,
        &z.staff_a.token,
        request,
        "门牌.jpg",
        "image/jpeg",
        portrait,
        false,
    )
    .await;
    let thumb = jpeg["data"]["addAttachment"]["attachment"]["thumbnailPath"]
        .as_str()
        .unwrap()
        .to_string();
    let small = get(app, &z.staff_a.token, &thumb, &[]).await.bytes().await.unwrap();
    let small = image::load_from_memory(&small).unwrap();
    assert_eq!((small.width(), small.height()), (213, 320));
    attachment
}

async fn s3_app(backend: Backend, store: &FakeS3) -> TestApp {
    let config = store.config();
    TestApp::spawn_configured(backend, move |c| c.attachments_s3 = Some(config)).await
}

async fn files_live_in_the_s3_store_and_download_as_a_phone_cache_wants(backend: Backend) {
    let store = FakeS3::start().await;
    let app = s3_app(backend, &store).await;
    let z = zone(&app).await;
    let (id, _, _) = dispatched(&app, &z, &[0]).await;
    let photo = noise_png(640, 480, 1);
    downloads_work_for_a_phone(&app, &z, &id, &photo).await;

    // Every file is an object in the bucket, under the prefix, with the uploaded bytes; none is
    // in the local directory.
    let keys = store.keys().await;
    assert_eq!(keys.len(), 3, "the PNG, the PDF and the JPEG: {keys:?}");
    assert!(
        keys.iter().all(|k| k.starts_with("zhitong/attachments/2026/03/")),
        "{keys:?}"
    );
    let stored: Vec<Vec<u8>> = keys
        .iter()
        .map(|k| std::fs::read(store.object_file(k)).unwrap())
        .collect();
    assert!(stored.contains(&photo), "the photo's bytes are in the store");
    assert_eq!(store.files().len(), 3, "nothing else in the store: {:?}", store.files());
    assert_eq!(walk(&app.state.config.attachments_dir), 0);
    assert_eq!(app.count("attachments").await, 3);
}

async fn a_store_that_goes_down_mid_upload_keeps_nothing(backend: Backend) {
    let store = FakeS3::start().await;
    let app = s3_app(backend, &store).await;
    let z = zone(&app).await;
    let (id, _) = z.raise(&app, "PROBLEM").await;
    let kept = upload(
        &app,
        &z.staff_a.token,
        &id,
        "first.png",
        "image/png",
        noise_png(320, 240, 2),
        false,
    )
    .await;
    let kept = kept["data"]["addAttachment"]["attachment"].clone();
    let kept_keys = store.keys().await;
    assert_eq!(kept_keys.len(), 1);

    // The store dies 20 KB into the next photo's 600 KB.
    let photo = noise_png(480, 400, 3);
    assert!(photo.len() > 400_000);
    store.cut_after(20_000);
    let started = std::time::Instant::now();
    let refused = upload(&app, &z.staff_a.token, &id, "second.png", "image/png", photo, false).await;
    let (down, reached) = store.went_down();
    assert!(down && reached > 0, "the store went down during the upload");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{refused:#}"
    );
    assert!(refused["data"]["addAttachment"].is_null(), "{refused:#}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "refused in seconds"
    );
    // No row, no object, no half-written part.
    assert_eq!(app.count("attachments").await, 1);
    assert_eq!(store.keys().await, kept_keys);
    assert_eq!(store.files().len(), 1, "{:?}", store.files());
    assert_eq!(store.partial_uploads(), Vec::<std::path::PathBuf>::new());
    let listed = app.ok(&z.staff_a.token, LIST, json!({ "r": id })).await;
    assert_eq!(listed["requestAttachments"].as_array().unwrap().len(), 1);

    // While the store is down a download says so; the thumbnail, kept with the row, still comes.
    let response = get(&app, &z.staff_a.token, kept["downloadPath"].as_str().unwrap(), &[]).await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE");
    let thumb = get(&app, &z.staff_a.token, kept["thumbnailPath"].as_str().unwrap(), &[]).await;
    assert_eq!(thumb.status(), 200);
}

async fn the_local_directory_downloads_the_same_way(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let z = zone(&app).await;
    let (id, _, _) = dispatched(&app, &z, &[0]).await;
    let photo = noise_png(500, 500, 4);
    downloads_work_for_a_phone(&app, &z, &id, &photo).await;
    let dir = &app.state.config.attachments_dir;
    assert_eq!(walk(dir), 3, "the PNG, the PDF and the JPEG as files");
    let keys = app.state.blobs.keys().await.unwrap();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().any(|k| std::fs::read(dir.join(k)).unwrap() == photo));
}
