//! Log lines carry ANSI colour only on a terminal: the binary's stderr is a pipe here, as under
//! systemd, a container runtime or `2> file`, so it must hold plain text.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The first log lines of `zhitong` started with its stderr on a pipe, up to the line saying
/// that it listens.
fn log_lines_on_a_pipe(extra: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_zhitong"));
    command
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .env_remove("NO_COLOR");
    for (key, _) in std::env::vars() {
        if key.starts_with("ZHITONG_") {
            command.env_remove(key);
        }
    }
    command
        .env("ZHITONG_BIND", "127.0.0.1:0")
        .env("ZHITONG_LOG", "info")
        .env("TERM", "xterm-256color");
    for (key, value) in extra {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start zhitong");
    let stderr = child.stderr.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match receiver.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let done = line.contains("background job started");
                lines.push(line);
                if done {
                    break;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
}

#[test]
fn log_lines_on_a_pipe_carry_no_colour() {
    let lines = log_lines_on_a_pipe(&[]);
    assert!(
        lines.iter().any(|l| l.contains("background job started")),
        "the server logged no startup lines: {lines:?}"
    );
    for line in &lines {
        assert!(
            !line.contains('\u{1b}'),
            "an ANSI escape in a log line written to a pipe: {line:?}"
        );
        assert!(
            line.contains(" INFO ") || line.contains(" WARN "),
            "not a plain log line: {line:?}"
        );
    }
}
