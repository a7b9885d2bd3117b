//! The binary's log and trace settings, as an operator sets them: `RUST_LOG` when `ZHITONG_LOG`
//! is unset, a filter that does not parse refusing to start, the request id on the JSON lines,
//! and traces exported over OTLP/HTTP to a receiver this test runs on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// `zhitong serve` on a free loopback port in a temporary directory, stderr kept in a file.
struct Server {
    child: Child,
    address: String,
    stderr: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(dir: &std::path::Path, envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zhitong"));
    command.current_dir(dir).stdin(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("ZHITONG_") || key.starts_with("OTEL_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command
        .env("ZHITONG_BIND", "127.0.0.1:0")
        .env("ZHITONG_WORKERS", "false");
    for (key, value) in envs {
        command.env(key, value);
    }
    command
}

impl Server {
    fn start(envs: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let stderr = dir.path().join("stderr.log");
        let mut child = command(dir.path(), envs)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("start zhitong");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, receiver) = std::sync::mpsc::channel();
        // Reads stdout to its end: a closed pipe would fail the server's next banner line.
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the banner's first line");
        let address = line
            .strip_prefix("zhitong is serving on ")
            .unwrap_or_else(|| panic!("not the banner: {line}"))
            .to_string();
        Server {
            child,
            address,
            stderr,
            _dir: dir,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap()
    }

    /// Stops the server as systemd does (SIGTERM) and waits for it to exit.
    fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("zhitong did not stop on SIGTERM");
    }
}

/// A GraphQL request with `X-Request-Id: id` (blocking, from the test thread).
fn post(address: &str, id: &str, body: &str) -> (u16, String) {
    let host = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-Request-Id: {id}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    (status, answer)
}

/// Waits until `done` holds for the server's stderr, for at most 10 s.
fn stderr_until(server: &Server, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = server.stderr();
        if done(&text) || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

const ME: &str = r#"{"query":"query WhoAmI { me { id } }"}"#;

#[test]
fn rust_log_is_honoured_when_zhitong_log_is_unset() {
    let server = Server::start(&[("RUST_LOG", "warn")]);
    post(&server.address, "rust-log-1", ME);
    std::thread::sleep(Duration::from_millis(300));
    let quiet = server.stderr();
    assert!(
        !quiet.contains(" INFO "),
        "RUST_LOG=warn keeps info lines out:\n{quiet}"
    );
    drop(server);

    let server = Server::start(&[("RUST_LOG", "warn"), ("ZHITONG_LOG", "info")]);
    post(&server.address, "rust-log-2", ME);
    let text = stderr_until(&server, |t| t.contains("request_id=rust-log-2"));
    assert!(
        text.contains(" INFO ") && text.contains("request_id=rust-log-2"),
        "ZHITONG_LOG wins over RUST_LOG:\n{text}"
    );
}

#[test]
fn an_invalid_log_filter_refuses_to_start() {
    for (variable, filter) in [("ZHITONG_LOG", "zhitong=loud"), ("RUST_LOG", "info,zhitong=[{")] {
        let dir = tempfile::tempdir().unwrap();
        let output = command(dir.path(), &[(variable, filter)])
            .output()
            .expect("run zhitong");
        assert!(!output.status.success(), "{variable}={filter} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{variable}={filter:?} is not a valid log filter")),
            "{stderr}"
        );
        assert!(!dir.path().join("zhitong.db").exists(), "nothing was started: {stderr}");
    }
}

#[test]
fn a_request_s_json_lines_carry_its_id() {
    let server = Server::start(&[("ZHITONG_LOG_FORMAT", "json")]);
    let (status, answer) = post(&server.address, "json-line-7f3a", ME);
    assert_eq!(status, 200);
    assert!(
        answer.to_ascii_lowercase().contains("x-request-id: json-line-7f3a"),
        "{answer}"
    );
    let text = stderr_until(&server, |t| t.contains("json-line-7f3a"));
    let line: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["span"]["request_id"] == "json-line-7f3a" && l["fields"]["message"] == "request")
        .unwrap_or_else(|| panic!("no JSON line of the request:\n{text}"));
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["span"]["graphql.operation.name"], "WhoAmI", "{line}");
    assert_eq!(line["fields"]["status"], 200);
    println!("JSON line: {line}");
}

/// What the OTLP receiver was sent: (path, content type, body) per request.
type Received = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

/// A minimal OTLP/HTTP receiver on loopback: accepts each POST, keeps it, answers 200 with an
/// empty `ExportTraceServiceResponse` in the request's encoding
/// (https://opentelemetry.io/docs/specs/otlp/#otlphttp-response).
fn otlp_receiver() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let keep = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let keep = keep.clone();
            std::thread::spawn(move || serve_otlp(stream, keep));
        }
    });
    (address, received)
}

fn serve_otlp(stream: TcpStream, keep: Received) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("").to_string();
        let (mut length, mut content_type) = (0usize, String::new());
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "content-type" => content_type = value.trim().to_string(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer: &[u8] = if content_type == "application/json" { b"{}" } else { b"" };
        keep.lock().unwrap().push((path, content_type.clone(), body));
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        if writer
            .write_all(head.as_bytes())
            .and_then(|_| writer.write_all(answer))
            .is_err()
        {
            return;
        }
    }
}

/// The value of attribute `key` of an OTLP/JSON span, as text.
fn attribute(span: &Value, key: &str) -> Option<String> {
    span["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| {
            let value = &a["value"];
            value["stringValue"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| value["intValue"].to_string().trim_matches('"').to_string())
        })
}

/// Starts the server exporting to a fresh receiver, sends one request with `id`, stops the
/// server (which flushes the last batch) and returns what the receiver got.
fn export_one_request(protocol: &str, id: &str) -> Vec<(String, String, Vec<u8>)> {
    let (endpoint, received) = otlp_receiver();
    let mut server = Server::start(&[
        ("ZHITONG_OTLP_ENDPOINT", &endpoint),
        ("ZHITONG_OTLP_PROTOCOL", protocol),
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
    ]);
    let (status, _) = post(&server.address, id, ME);
    assert_eq!(status, 200);
    server.terminate();
    let text = server.stderr();
    assert!(text.contains("traces are exported over OTLP/HTTP"), "{text}");
    let got = received.lock().unwrap().clone();
    assert!(!got.is_empty(), "the receiver got no export:\n{text}");
    got
}

#[test]
fn traces_are_exported_over_otlp_http_json() {
    let id = "otlp-json-51c9";
    let got = export_one_request("http/json", id);
    let mut found = None;
    for (path, content_type, body) in &got {
        assert_eq!(path, "/v1/traces");
        assert_eq!(content_type, "application/json");
        let export: Value = serde_json::from_slice(body).expect("an OTLP/JSON body");
        for resource in export["resourceSpans"].as_array().unwrap() {
            let service = resource["resource"]["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["key"] == "service.name")
                .map(|a| a["value"]["stringValue"].clone());
            for scope in resource["scopeSpans"].as_array().unwrap() {
                for span in scope["spans"].as_array().unwrap() {
                    if attribute(span, "request_id").as_deref() == Some(id) {
                        found = Some((service.clone(), span.clone()));
                    }
                }
            }
        }
    }
    let (service, span) = found.unwrap_or_else(|| panic!("no span with request_id {id}: {got:?}"));
    assert_eq!(service, Some(Value::from("zhitong")));
    assert_eq!(span["name"], "POST /graphql", "{span:#}");
    // SPAN_KIND_SERVER (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding: enums as integers).
    assert_eq!(span["kind"], 2, "{span:#}");
    assert_eq!(attribute(&span, "route").as_deref(), Some("/graphql"));
    assert_eq!(attribute(&span, "status").as_deref(), Some("200"));
    assert_eq!(attribute(&span, "graphql.operation.name").as_deref(), Some("WhoAmI"));
    assert_eq!(span["traceId"].as_str().unwrap().len(), 32, "{span:#}");
}

#[test]
fn traces_are_exported_over_otlp_http_protobuf() {
    let id = "otlp-proto-a2d4";
    let got = export_one_request("http/protobuf", id);
    assert!(got.iter().all(|(path, _, _)| path == "/v1/traces"), "{got:?}");
    assert!(
        got.iter()
            .all(|(_, content_type, _)| content_type == "application/x-protobuf"),
        "{got:?}"
    );
    // Protobuf keeps strings as they are: the span's attribute key and value are in the body.
    let has = |needle: &[u8]| {
        got.iter()
            .any(|(_, _, body)| body.windows(needle.len()).any(|w| w == needle))
    };
    assert!(has(id.as_bytes()), "the request's span was exported");
    assert!(has(b"request_id") && has(b"POST /graphql") && has(b"zhitong"));
}
