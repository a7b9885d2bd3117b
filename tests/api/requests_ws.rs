//! A minimal graphql-ws client over a plain socket (enough for text frames), so subscriptions
//! are tested through the real `/graphql/ws` endpoint without another dependency.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};

pub struct WsClient {
    stream: TcpStream,
}

const MASK: [u8; 4] = [0x1f, 0x2e, 0x3d, 0x4c];

impl WsClient {
    /// Opens the socket and completes the websocket handshake for `graphql-transport-ws`.
    pub fn connect(address: &str) -> WsClient {
        let host = address.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).expect("connect to the test server");
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let handshake = format!(
            "GET /graphql/ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        );
        stream.write_all(handshake.as_bytes()).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).expect("the handshake response");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "websocket handshake refused: {head}");
        WsClient { stream }
    }

    fn send_frame(&mut self, opcode: u8, payload: &[u8]) {
        let mut frame = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65_536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&MASK);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
        self.stream.write_all(&frame).unwrap();
    }

    pub fn send(&mut self, message: Value) {
        self.send_frame(0x1, message.to_string().as_bytes());
    }

    /// The next graphql-ws message; None when the server closed the connection.
    pub fn receive(&mut self) -> Option<Value> {
        loop {
            let mut header = [0u8; 2];
            self.stream.read_exact(&mut header).ok()?;
            let opcode = header[0] & 0x0f;
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
            match opcode {
                0x1 => return Some(serde_json::from_slice(&payload).expect("a JSON message")),
                0x8 => return None,
                0x9 => {
                    self.send_frame(0xA, &payload);
                    return Some(json!({ "type": "ping" }));
                }
                _ => {}
            }
        }
    }

    /// True when no message arrives within `wait` (keep-alive pings and pongs aside).
    pub fn stays_quiet(&mut self, wait: Duration) -> bool {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let quiet = loop {
            let mut peek = [0u8; 1];
            match self.stream.peek(&mut peek) {
                Err(_) => break true,
                Ok(0) => break true,
                Ok(_) => match self.receive() {
                    Some(message) if matches!(message["type"].as_str(), Some("ping") | Some("pong")) => continue,
                    _ => break false,
                },
            }
        };
        self.stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        quiet
    }

    /// The next message that is not a keep-alive ping or pong, waiting at most 10 seconds in
    /// all (keep-alives must not keep a failing test waiting forever).
    pub fn next_message(&mut self) -> Option<Value> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.checked_duration_since(std::time::Instant::now())?;
            self.stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            let message = self.receive()?;
            if !matches!(message["type"].as_str(), Some("ping") | Some("pong")) {
                return Some(message);
            }
        }
    }

    /// Sends `connection_init` with the token and waits for the acknowledgement.
    pub fn init(address: &str, token: &str) -> WsClient {
        let mut client = WsClient::connect(address);
        client.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }));
        let ack = client.next_message().expect("an acknowledgement");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        client
    }

    pub fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }));
    }
}
