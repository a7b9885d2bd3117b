//! Running the real `zhitong` binary as a child process, as an operator would.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Running {
    pub child: Child,
    pub lines: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `zhitong` with only the given variables, and reads its banner.
pub fn start(dir: &std::path::Path, envs: &[(&str, String)]) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zhitong"));
    command
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("ZHITONG_") {
            command.env_remove(key);
        }
    }
    // Port 0: the test must not collide with anything on 8080; the banner tells the real port.
    command.env("ZHITONG_BIND", "127.0.0.1:0");
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start zhitong");
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
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
                let done = line.contains("then send the header") || line.starts_with("Log in with an administrator");
                lines.push(line);
                if done {
                    break;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(_) => break,
        }
    }
    Running { child, lines }
}

pub fn field<'a>(lines: &'a [String], label: &str) -> Option<&'a str> {
    lines
        .iter()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .map(str::trim)
}
