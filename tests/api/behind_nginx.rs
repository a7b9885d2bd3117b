//! Behind a real reverse proxy: Debian's nginx, on the configuration rendered from
//! `deploy/nginx/zhitong.conf.template`, terminates TLS (a certificate made here, verified by
//! the clients) in front of two `zhitong` processes on one PostgreSQL database. A phone
//! subscribed through the proxy on one instance hears a change made through the proxy on the
//! other; login throttling counts each client's own address, not the proxy's nor one the
//! client wrote into `X-Forwarded-For`; an upload over the limit is refused by nginx before it
//! reaches an instance; answers are compressed; plain HTTP is redirected to HTTPS.
//!
//! Without nginx (`/usr/sbin/nginx`) the test prints `SKIPPED: …` and passes, unless
//! `ZHITONG_REQUIRE_NGINX=1` (as CI sets it). PostgreSQL only: two instances share live changes
//! through PostgreSQL's NOTIFY.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::helpers::{credit_code, PG_URL_VAR};
use crate::process::{field, start, Running};

const NGINX: &str = "/usr/sbin/nginx";
const HOST: &str = "zhitong.test";
/// Small limits, so the oversized upload is quick to send.
const MAX_BODY_BYTES: usize = 64 * 1024;
const MAX_ATTACHMENT_BYTES: usize = 512 * 1024;
const SECRET: &str = "a-shared-secret-of-more-than-thirty-two-bytes";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The configuration from deploy/, with every `${VARIABLE}` replaced as envsubst would.
fn render(template: &str, values: &[(&str, String)]) -> String {
    let mut text = template.to_string();
    for (name, value) in values {
        text = text.replace(&format!("${{{name}}}"), value);
    }
    assert!(
        !text.contains("${"),
        "a variable of the template was left unrendered:\n{text}"
    );
    text
}

/// nginx, stopped (SIGTERM to the master, which stops its workers) when dropped.
struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    fn access_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("zhitong.access.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn error_log(&self) -> String {
        let mut text = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        text.push_str(&std::fs::read_to_string(self.dir.join("zhitong.error.log")).unwrap_or_default());
        text
    }

    /// `upstream=` of the access-log lines from `address`.
    fn upstreams_of(&self, address: &str) -> Vec<String> {
        self.access_log()
            .iter()
            .filter(|line| line.starts_with(&format!("{address} ")))
            .filter_map(|line| line.split(" upstream=").nth(1))
            .map(|rest| rest.split(' ').next().unwrap_or("").to_string())
            .collect()
    }
}

fn start_nginx(dir: &Path, config: &str, https: u16) -> Nginx {
    std::fs::write(dir.join("zhitong.conf"), config).unwrap();
    let d = dir.display();
    // The main file an nginx package would have, reduced to what an unprivileged run needs:
    // its own pid file, logs and temporary directories, one worker (so the test reads one
    // access log in order).
    let main = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
         uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  default_type application/octet-stream;\n  \
         include {d}/zhitong.conf;\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    let test = Command::new(NGINX)
        .args(["-t", "-p"])
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .output()
        .expect("run nginx -t");
    assert!(
        test.status.success(),
        "nginx refuses the configuration rendered from deploy/: {}",
        String::from_utf8_lossy(&test.stderr)
    );
    let child = Command::new(NGINX)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let nginx = Nginx {
        child,
        dir: dir.to_path_buf(),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", https)).is_err() {
        assert!(Instant::now() < deadline, "nginx did not listen: {}", nginx.error_log());
        std::thread::sleep(Duration::from_millis(50));
    }
    nginx
}

/// An HTTPS client of the proxy that trusts only the test's certificate, connecting from
/// `from` (an address of the loopback network, as a distinct phone would).
fn client(cert_pem: &str, https: u16, from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve(HOST, SocketAddr::from(([127, 0, 0, 1], https)))
        .local_address(from.parse::<IpAddr>().unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Proxy {
    https: u16,
    cert_pem: String,
}

impl Proxy {
    fn url(&self, path: &str) -> String {
        format!("https://{HOST}:{}{path}", self.https)
    }

    async fn post(&self, http: &reqwest::Client, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = http
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("nginx answers");
        response.json().await.expect("a JSON body")
    }

    async fn ok(&self, http: &reqwest::Client, token: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self.post(http, token, query, variables).await;
        assert!(response.get("errors").is_none(), "{query}: {response:#}");
        response["data"].clone()
    }

    async fn login(&self, http: &reqwest::Client, phone: &str, password: &str) -> Value {
        self.post(
            http,
            None,
            "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
            json!({ "p": phone, "w": password }),
        )
        .await
    }

    /// Logs in through the proxy; an account whose password an admin set (or the first run
    /// generated) changes it to `"{password} renewed"` first, as it must before anything else.
    async fn token(&self, http: &reqwest::Client, phone: &str, password: &str) -> String {
        crate::helpers::first_login(http, &self.url(""), phone, password).await
    }
}

/// A graphql-ws client over TLS to nginx (HTTP/1.1 upgrade, as the phone apps connect).
struct TlsWs {
    stream: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
}

const MASK: [u8; 4] = [0x37, 0x5a, 0x0c, 0x91];

impl TlsWs {
    fn connect(proxy: &Proxy, token: &str) -> TlsWs {
        let mut roots = rustls::RootCertStore::empty();
        let der = rustls::pki_types::pem::PemObject::from_pem_slice(proxy.cert_pem.as_bytes()).unwrap();
        roots.add(der).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connection = rustls::ClientConnection::new(Arc::new(config), HOST.try_into().unwrap()).unwrap();
        let socket = TcpStream::connect(("127.0.0.1", proxy.https)).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut ws = TlsWs {
            stream: rustls::StreamOwned::new(connection, socket),
        };
        let handshake = format!(
            "GET /graphql/ws HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        );
        ws.stream.write_all(handshake.as_bytes()).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            ws.stream.read_exact(&mut byte).expect("the handshake response");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(
            head.starts_with("HTTP/1.1 101"),
            "the proxy refused the websocket upgrade: {head}"
        );
        ws.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }));
        let ack = ws.next_message();
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    fn send(&mut self, message: Value) {
        let payload = message.to_string().into_bytes();
        let mut frame = vec![0x81];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        frame.extend_from_slice(&MASK);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
        self.stream.write_all(&frame).unwrap();
    }

    /// The next message that is not a keep-alive, within 10 seconds.
    fn next_message(&mut self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            assert!(Instant::now() < deadline, "no message within 10 s");
            let mut header = [0u8; 2];
            self.stream.read_exact(&mut header).expect("a frame");
            let len = match header[1] & 0x7f {
                126 => {
                    let mut n = [0u8; 2];
                    self.stream.read_exact(&mut n).unwrap();
                    u16::from_be_bytes(n) as usize
                }
                127 => {
                    let mut n = [0u8; 8];
                    self.stream.read_exact(&mut n).unwrap();
                    u64::from_be_bytes(n) as usize
                }
                n => n as usize,
            };
            let mut payload = vec![0u8; len];
            self.stream.read_exact(&mut payload).unwrap();
            match header[0] & 0x0f {
                0x1 => {
                    let message: Value = serde_json::from_slice(&payload).unwrap();
                    if !matches!(message["type"].as_str(), Some("ping") | Some("pong")) {
                        return message;
                    }
                }
                0x8 => panic!("the server closed the websocket"),
                _ => {}
            }
        }
    }
}

fn skip_without_nginx() -> bool {
    if Path::new(NGINX).is_file() {
        return false;
    }
    assert!(
        std::env::var("ZHITONG_REQUIRE_NGINX").ok().as_deref() != Some("1"),
        "ZHITONG_REQUIRE_NGINX=1 but {NGINX} is missing: apt-get install -y nginx"
    );
    println!("SKIPPED: the reverse-proxy test needs Debian's nginx ({NGINX}): apt-get install -y nginx");
    true
}

/// A PostgreSQL schema for the two instances, dropped afterwards.
struct Schema {
    base: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.base) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

const RAISE: &str = "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id version } } }";
const UPDATED: &str = "subscription($id: ID!) { requestUpdated(id: $id) { id status version } }";
const ACCEPT: &str =
    "mutation($id: ID!, $v: Int!) { acceptRequest(id: $id, version: $v) { request { status version } } }";
const ADD: &str =
    "mutation($r: ID!, $f: Upload!) { addAttachment(requestId: $r, file: $f) { attachment { id sizeBytes } } }";

fn upload_form(request: &str, bytes: Vec<u8>) -> Form {
    let operations = json!({ "query": ADD, "variables": { "r": request, "f": null } });
    Form::new()
        .text("operations", operations.to_string())
        .text("map", r#"{"0": ["variables.f"]}"#)
        .part(
            "0",
            Part::bytes(bytes)
                .file_name("现场照片.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        )
}

fn jpeg(len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    bytes.resize(len, 0x5A);
    bytes
}

#[actix_rt::test]
#[cfg_attr(not(zhitong_pg_tests), ignore = "PostgreSQL: set ZHITONG_TEST_DATABASE_URL to run")]
async fn two_instances_behind_nginx() {
    if skip_without_nginx() {
        return;
    }
    // The database both instances use.
    let base = std::env::var(PG_URL_VAR).expect("ZHITONG_TEST_DATABASE_URL");
    let schema = Schema {
        base: base.clone(),
        name: format!("zt_nginx_{}", uuid::Uuid::new_v4().simple()),
    };
    diesel::PgConnection::establish(&base)
        .unwrap()
        .batch_execute(&format!("CREATE SCHEMA {}", schema.name))
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-csearch_path%3D{}", schema.name);

    let dir = tempfile::tempdir().unwrap();
    let attachments = dir.path().join("attachments");
    let envs = vec![
        ("ZHITONG_DATABASE_URL", url),
        ("ZHITONG_JWT_SECRET", SECRET.to_string()),
        ("ZHITONG_TRUST_FORWARDED_FOR", "true".to_string()),
        ("ZHITONG_MAX_BODY_BYTES", MAX_BODY_BYTES.to_string()),
        ("ZHITONG_MAX_ATTACHMENT_BYTES", MAX_ATTACHMENT_BYTES.to_string()),
        ("ZHITONG_ATTACHMENTS_DIR", attachments.display().to_string()),
        ("ZHITONG_LOG", "warn".to_string()),
    ];
    let first: Running = start(dir.path(), &envs);
    let admin_password = field(&first.lines, "password:")
        .unwrap_or_else(|| panic!("the first instance's banner: {:?}", first.lines))
        .to_string();
    let second: Running = start(dir.path(), &envs);
    let upstream = |running: &Running| {
        field(&running.lines, "zhitong is serving on")
            .unwrap_or_else(|| panic!("a banner: {:?}", running.lines))
            .trim_start_matches("http://")
            .to_string()
    };
    let (upstream_a, upstream_b) = (upstream(&first), upstream(&second));

    // The proxy: a certificate for its name, the template rendered, nginx started.
    let nginx_dir = tempfile::tempdir().unwrap();
    // Debian's nginx run as root hands the work to `nobody` workers, which must reach the
    // temporary directories inside this one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(nginx_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let certified = rcgen::generate_simple_self_signed(vec![HOST.to_string()]).unwrap();
    let cert_pem = certified.cert.pem();
    std::fs::write(nginx_dir.path().join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(nginx_dir.path().join("key.pem"), certified.signing_key.serialize_pem()).unwrap();
    let (https, http_port) = (free_port(), free_port());
    let template =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx/zhitong.conf.template"))
            .unwrap();
    let d = nginx_dir.path().display();
    let config = render(
        &template,
        &[
            ("ZHITONG_UPSTREAM_A", upstream_a.clone()),
            ("ZHITONG_UPSTREAM_B", upstream_b.clone()),
            ("ZHITONG_SERVER_NAME", HOST.to_string()),
            ("ZHITONG_HTTP_LISTEN", format!("127.0.0.1:{http_port}")),
            ("ZHITONG_HTTPS_LISTEN", format!("127.0.0.1:{https}")),
            ("ZHITONG_TLS_CERTIFICATE", format!("{d}/cert.pem")),
            ("ZHITONG_TLS_CERTIFICATE_KEY", format!("{d}/key.pem")),
            ("ZHITONG_NGINX_LOG_DIR", d.to_string()),
            ("ZHITONG_MAX_BODY_BYTES", MAX_BODY_BYTES.to_string()),
            (
                "ZHITONG_MAX_UPLOAD_BYTES",
                (MAX_BODY_BYTES + MAX_ATTACHMENT_BYTES).to_string(),
            ),
        ],
    );
    let nginx = start_nginx(nginx_dir.path(), &config, https);
    let proxy = Proxy { https, cert_pem };

    // TLS is verified: a client that does not trust the test's certificate is refused.
    let untrusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .resolve(HOST, SocketAddr::from(([127, 0, 0, 1], https)))
        .build()
        .unwrap();
    assert!(untrusting.get(proxy.url("/healthz")).send().await.is_err());
    // Plain HTTP is sent to HTTPS.
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{http_port}/graphql"))
        .header("host", HOST)
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 301);
    assert_eq!(
        redirect.headers()["location"],
        format!("https://{HOST}/graphql").as_str()
    );

    // A zone through the proxy.
    let http = client(&proxy.cert_pem, https, "127.0.0.1");
    let admin = proxy.token(&http, "13800000000", &admin_password).await;
    let create_user = "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }";
    let officer = proxy
        .ok(
            &http,
            Some(&admin),
            create_user,
            json!({ "i": { "role": "OFFICER", "phone": "13900000001", "name": "甲专员", "password": "tern-0001-quill-marsh" } }),
        )
        .await["createUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let company = proxy
        .ok(
            &http,
            Some(&admin),
            "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { company { id } } }",
            json!({ "i": { "name": "甲公司", "creditCode": credit_code(101), "industry": "制造业" } }),
        )
        .await["createCompany"]["company"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    proxy
        .ok(
            &http,
            Some(&admin),
            "mutation($c: ID!, $o: ID!) { assignOfficer(companyId: $c, officerId: $o, reason: \"coverage\") { assignment { id } } }",
            json!({ "c": company, "o": officer }),
        )
        .await;
    proxy
        .ok(
            &http,
            Some(&admin),
            create_user,
            json!({ "i": { "role": "COMPANY", "phone": "13900000011", "name": "甲员工", "password": "tern-0011-quill-marsh", "companyId": company } }),
        )
        .await;
    let staff = proxy.token(&http, "13900000011", "tern-0011-quill-marsh").await;
    let officer_token = proxy.token(&http, "13900000001", "tern-0001-quill-marsh").await;
    let categories = proxy
        .ok(&http, Some(&staff), "{ categories { id code } }", json!({}))
        .await;
    let category = categories["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "power")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let raised = proxy
        .ok(
            &http,
            Some(&staff),
            RAISE,
            json!({ "input": { "kind": "PROBLEM", "categoryId": category, "title": "厂区停电", "description": "10 kV 线路故障" } }),
        )
        .await;
    let id = raised["raiseRequest"]["request"]["id"].as_str().unwrap().to_string();
    let version = raised["raiseRequest"]["request"]["version"].as_i64().unwrap();

    // 1. The phone subscribes through the proxy (upgrade over TLS) and holds that connection on
    //    one instance; least_conn sends the officer's change to the other.
    let (proxy_ref, staff_token, request_id) = (Arc::new(proxy), staff.clone(), id.clone());
    let ws_proxy = proxy_ref.clone();
    let mut phone = tokio::task::spawn_blocking(move || {
        let mut ws = TlsWs::connect(&ws_proxy, &staff_token);
        ws.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": UPDATED, "variables": { "id": request_id } } }));
        let snapshot = ws.next_message();
        assert_eq!(snapshot["payload"]["data"]["requestUpdated"]["status"], "SUBMITTED", "{snapshot}");
        ws
    })
    .await
    .unwrap();
    let proxy = proxy_ref;
    let officer_http = client(&proxy.cert_pem, https, "127.0.0.5");
    let accepted = proxy
        .ok(
            &officer_http,
            Some(&officer_token),
            ACCEPT,
            json!({ "id": id, "v": version }),
        )
        .await;
    assert_eq!(accepted["acceptRequest"]["request"]["status"], "ACCEPTED");
    let (phone, heard) = tokio::task::spawn_blocking(move || {
        let heard = phone.next_message();
        (phone, heard)
    })
    .await
    .unwrap();
    assert_eq!(
        heard["payload"]["data"]["requestUpdated"]["status"], "ACCEPTED",
        "{heard}"
    );
    assert_eq!(heard["payload"]["data"]["requestUpdated"]["version"], version + 1);
    drop(phone);

    // 2. Login throttling counts the real client: a guesser at 127.0.0.2 who writes a new
    //    X-Forwarded-For on every try is locked after 20 failures, as its own address.
    let guesser = client(&proxy.cert_pem, https, "127.0.0.2");
    let guess = |n: u32| {
        guesser
            .post(proxy.url("/graphql"))
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .json(&json!({
                "query": "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
                "variables": { "p": format!("137{n:08}"), "w": "guess" },
            }))
            .send()
    };
    for n in 0..20 {
        let answer: Value = guess(n).await.unwrap().json().await.unwrap();
        assert_ne!(
            answer["errors"][0]["extensions"]["code"], "TOO_MANY_REQUESTS",
            "locked before 20 failures: {answer}"
        );
    }
    let locked: Value = guess(20).await.unwrap().json().await.unwrap();
    assert_eq!(
        locked["errors"][0]["extensions"]["code"], "TOO_MANY_REQUESTS",
        "{locked}"
    );
    // Another phone behind the same proxy is not locked with it.
    let other = client(&proxy.cert_pem, https, "127.0.0.3");
    let fine = proxy
        .login(&other, "13900000001", "tern-0001-quill-marsh renewed")
        .await;
    assert!(fine["data"]["login"]["accessToken"].is_string(), "{fine}");
    let lockouts = proxy
        .ok(&http, Some(&admin), "{ loginLockouts { kind label } }", json!({}))
        .await;
    let addresses: Vec<&str> = lockouts["loginLockouts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "ADDRESS")
        .map(|l| l["label"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["127.0.0.2"], "{lockouts}");

    // 3. Uploads: one within the limit passes; one over it is refused by nginx itself, with
    //    the server's error shape, and never reaches an instance.
    let uploader = client(&proxy.cert_pem, https, "127.0.0.6");
    let small: Value = uploader
        .post(proxy.url("/graphql"))
        .bearer_auth(&staff)
        .multipart(upload_form(&id, jpeg(MAX_ATTACHMENT_BYTES - 1024)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        small["data"]["addAttachment"]["attachment"]["sizeBytes"],
        MAX_ATTACHMENT_BYTES - 1024,
        "{small}"
    );
    let large = uploader
        .post(proxy.url("/graphql"))
        .bearer_auth(&staff)
        .multipart(upload_form(&id, jpeg(2 * MAX_ATTACHMENT_BYTES)))
        .send()
        .await
        .unwrap();
    assert_eq!(large.status(), 413);
    let refused: Value = large.json().await.unwrap();
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
        "{refused}"
    );
    let listed = proxy
        .ok(
            &http,
            Some(&staff),
            "query($r: ID!) { requestAttachments(requestId: $r) { id } }",
            json!({ "r": id }),
        )
        .await;
    assert_eq!(listed["requestAttachments"].as_array().unwrap().len(), 1, "{listed}");

    // 4. Compression: the explorer page and a large JSON answer come gzipped.
    for response in [
        http.get(proxy.url("/graphql"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap(),
        http.post(proxy.url("/graphql"))
            .bearer_auth(&admin)
            .header("accept-encoding", "gzip")
            .json(&json!({ "query": "{ __schema { types { name description } } }" }))
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers().get("content-encoding").map(|v| v.to_str().unwrap()),
            Some("gzip"),
            "{:?}",
            response.headers()
        );
    }

    // What nginx logged: the websocket (logged when it closed) and the officer's change were
    // served by different instances; the oversized upload by none.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !nginx.access_log().iter().any(|l| l.contains("/graphql/ws")) {
        assert!(Instant::now() < deadline, "the websocket never reached the access log");
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = nginx.access_log();
    let ws_upstream = log
        .iter()
        .find(|l| l.contains("/graphql/ws"))
        .and_then(|l| l.split(" upstream=").nth(1))
        .map(|rest| rest.split(' ').next().unwrap().to_string())
        .unwrap();
    assert!(
        log.iter().any(|l| l.contains("/graphql/ws") && l.contains("\" 101 ")),
        "{log:#?}"
    );
    let change_upstreams = nginx.upstreams_of("127.0.0.5");
    assert_eq!(change_upstreams.len(), 1, "{log:#?}");
    assert!(
        [&upstream_a, &upstream_b].contains(&&ws_upstream)
            && [&upstream_a, &upstream_b].contains(&&change_upstreams[0]),
        "{log:#?}"
    );
    assert_ne!(
        ws_upstream, change_upstreams[0],
        "the subscription and the change went to the same instance: {log:#?}"
    );
    let uploads: Vec<&String> = log.iter().filter(|l| l.starts_with("127.0.0.6 ")).collect();
    assert_eq!(uploads.len(), 2, "{log:#?}");
    assert!(
        uploads[1].contains("\" 413 ") && uploads[1].contains("upstream=- "),
        "{log:#?}"
    );
    println!("nginx access log:\n{}", log.join("\n"));
    drop(nginx);
    drop((first, second, schema));
}
