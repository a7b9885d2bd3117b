//! What the fakes of the push vendors share: a record of accepted messages per device token,
//! scripted answers per token (each fake turns an answer class into its vendor's documented
//! code), an outage switch, and the access tokens each fake has issued.

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// A class of answer; each fake answers it with its vendor's own status and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// The token is invalid / unregistered.
    InvalidToken,
    /// Too many requests / flow control.
    Throttle,
    /// A server error.
    ServerError,
    /// The access token (or JWT) is rejected as expired: the sender must get a new one.
    AuthExpired,
    /// A code the sender does not know.
    Unknown,
}

#[derive(Default)]
pub struct State {
    /// Accepted messages: (device token, the message as the vendor received it).
    pub accepted: Vec<(String, Value)>,
    pub attempts: usize,
    pub scripts: HashMap<String, VecDeque<Reply>>,
    /// While true every send is answered with a server error (an outage).
    pub down: bool,
    /// Access tokens issued by the fake's auth endpoint; only the last is valid.
    pub issued: Vec<String>,
    /// Problems the fake found in requests (wrong auth, shape, headers); a test asserts none.
    pub violations: Vec<String>,
}

#[derive(Clone, Default)]
pub struct Shared(pub Arc<Mutex<State>>);

impl Shared {
    /// The scripted answer for this send (None: accept), counting the attempt.
    pub fn next(&self, token: &str) -> Option<Reply> {
        let mut state = self.0.lock().unwrap();
        state.attempts += 1;
        if state.down {
            return Some(Reply::ServerError);
        }
        state.scripts.get_mut(token).and_then(VecDeque::pop_front)
    }

    pub fn accept(&self, token: &str, message: Value) {
        self.0.lock().unwrap().accepted.push((token.to_string(), message));
    }

    pub fn violation(&self, problem: String) {
        self.0.lock().unwrap().violations.push(problem);
    }

    /// Issues a new access token (the previous ones stop being valid).
    pub fn issue(&self, prefix: &str) -> String {
        let mut state = self.0.lock().unwrap();
        let token = format!("{prefix}-{}", state.issued.len() + 1);
        state.issued.push(token.clone());
        token
    }

    pub fn valid(&self, token: &str) -> bool {
        self.0.lock().unwrap().issued.last().is_some_and(|t| t == token)
    }

    /// Expires the current access token (as the vendor's answer to `AuthExpired` implies).
    pub fn expire(&self) {
        self.0.lock().unwrap().issued.push("expired".into());
    }
}

/// The common controls every fake offers to the tests.
pub trait FakeVendor {
    fn shared(&self) -> &Shared;

    fn script(&self, token: &str, replies: Vec<Reply>) {
        self.shared()
            .0
            .lock()
            .unwrap()
            .scripts
            .insert(token.to_string(), replies.into());
    }

    fn set_down(&self, down: bool) {
        self.shared().0.lock().unwrap().down = down;
    }

    fn accepted_for(&self, token: &str) -> Vec<Value> {
        let state = self.shared().0.lock().unwrap();
        state
            .accepted
            .iter()
            .filter(|(t, _)| t == token)
            .map(|(_, m)| m.clone())
            .collect()
    }

    fn accepted_count(&self) -> usize {
        self.shared().0.lock().unwrap().accepted.len()
    }

    fn attempts(&self) -> usize {
        self.shared().0.lock().unwrap().attempts
    }

    fn auth_exchanges(&self) -> usize {
        self.shared()
            .0
            .lock()
            .unwrap()
            .issued
            .iter()
            .filter(|t| *t != "expired")
            .count()
    }

    fn violations(&self) -> Vec<String> {
        self.shared().0.lock().unwrap().violations.clone()
    }
}

/// Starts an actix server on a loopback port; returns its base URL.
pub fn serve<F>(routes: F) -> String
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let server = actix_web::HttpServer::new(move || actix_web::App::new().configure(routes.clone()))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    actix_web::rt::spawn(server);
    address
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that `value` at `path` equals `expected`, recording a violation otherwise.
pub fn expect(shared: &Shared, vendor: &str, what: &str, got: &Value, expected: &Value) {
    if got != expected {
        shared.violation(format!("{vendor}: {what} is {got}, expected {expected}"));
    }
}
