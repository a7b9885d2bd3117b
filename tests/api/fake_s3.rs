//! A real S3 server on loopback for the attachment store's tests: s3s speaks the S3 protocol
//! (requests signed with AWS Signature V4 by one access key, checked), s3s-fs keeps each bucket
//! as a directory and each object as a file in a temporary directory. The app reaches it
//! through a small TCP relay that the test can cut after a number of bytes, so the store goes
//! down in the middle of an upload: open connections are closed and new ones refused.
//! (s3s: https://docs.rs/s3s/0.14.1/s3s/, s3s-fs: https://docs.rs/s3s-fs/0.14.1/s3s_fs/)

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use zhitong::blobs::{Blobs, BlobsConfig};
use zhitong::config::{S3Config, Secret};

pub const ACCESS_KEY: &str = "ZHITONGTESTKEY";
pub const SECRET_KEY: &str = "zhitong-test-secret-access-key-0123456789";
pub const BUCKET: &str = "zone-files";
pub const PREFIX: &str = "zhitong/attachments";

pub struct FakeS3 {
    /// Where the app sends its requests: the relay.
    pub endpoint: String,
    /// The S3 server itself, behind the relay.
    direct: String,
    root: tempfile::TempDir,
    relay: Arc<Relay>,
}

/// How many more bytes the relay passes towards the store before it goes down.
struct Relay {
    budget: Mutex<Option<u64>>,
    forwarded: Mutex<u64>,
    down: watch::Sender<bool>,
}

impl Relay {
    /// How much of `n` bytes may pass; the relay goes down when its budget is spent.
    fn take(&self, n: usize) -> usize {
        let mut budget = self.budget.lock().unwrap();
        let allowed = match *budget {
            None => n,
            Some(left) => {
                let allowed = n.min(left as usize);
                *budget = Some(left - allowed as u64);
                allowed
            }
        };
        *self.forwarded.lock().unwrap() += allowed as u64;
        if allowed < n {
            self.down.send_replace(true);
        }
        allowed
    }
}

impl FakeS3 {
    pub async fn start() -> FakeS3 {
        let root = tempfile::tempdir().expect("a directory for the store");
        std::fs::create_dir_all(root.path().join(BUCKET)).unwrap();
        let mut builder = S3ServiceBuilder::new(s3s_fs::FileSystem::new(root.path()).expect("the s3s-fs store"));
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let direct = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let service = service.clone();
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });

        let (down, _) = watch::channel(false);
        let relay = Arc::new(Relay {
            budget: Mutex::new(None),
            forwarded: Mutex::new(0),
            down,
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let (shared, upstream) = (relay.clone(), direct.clone());
        tokio::spawn(async move {
            let mut down = shared.down.subscribe();
            loop {
                let client = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((client, _)) => client,
                        Err(_) => continue,
                    },
                    _ = down.wait_for(|down| *down) => break,
                };
                tokio::spawn(relay_connection(client, upstream.clone(), shared.clone()));
            }
            // The listener is dropped here: new connections are refused.
        });
        FakeS3 {
            endpoint,
            direct: format!("http://{direct}"),
            root,
            relay,
        }
    }

    /// The store's settings for the app, as ZHITONG_ATTACHMENTS_URL=s3://zone-files/zhitong/attachments
    /// and the ZHITONG_S3_* variables would give them.
    pub fn config(&self) -> S3Config {
        S3Config {
            bucket: BUCKET.into(),
            prefix: PREFIX.into(),
            endpoint: Some(self.endpoint.clone()),
            region: Some("cn-east-3".into()),
            access_key_id: Some(ACCESS_KEY.into()),
            secret_access_key: Some(Secret::new(SECRET_KEY)),
            virtual_hosted: false,
        }
    }

    /// Every key in the bucket, listed by the S3 server itself (ListObjectsV2, past the relay).
    pub async fn keys(&self) -> Vec<String> {
        let client = Blobs::open(&BlobsConfig::S3(S3Config {
            prefix: String::new(),
            endpoint: Some(self.direct.clone()),
            ..self.config()
        }))
        .unwrap();
        client.keys().await.expect("listing the bucket")
    }

    /// The object's file on the store's disk.
    pub fn object_file(&self, key: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(key)
    }

    /// Every object's file in the bucket's directory (s3s-fs keeps each object's metadata
    /// beside, in the store's root).
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if entry.path().is_dir() {
                    walk(&entry.path(), out);
                } else {
                    out.push(entry.path());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root.path().join(BUCKET), &mut out);
        out.sort();
        out
    }

    /// The temporary parts of uploads still in the store's root (s3s-fs writes an object to
    /// `.tmp.N.internal.part` and renames it into place when the whole body has arrived).
    pub fn partial_uploads(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.root.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".part"))
            .collect()
    }

    /// The store goes down once `bytes` more have passed towards it.
    pub fn cut_after(&self, bytes: u64) {
        *self.relay.budget.lock().unwrap() = Some(bytes);
    }

    /// Whether the store went down, and how many bytes had reached it by then.
    pub fn went_down(&self) -> (bool, u64) {
        (*self.relay.down.borrow(), *self.relay.forwarded.lock().unwrap())
    }
}

/// Passes one connection's bytes both ways until either side closes or the relay goes down.
async fn relay_connection(client: TcpStream, upstream: String, relay: Arc<Relay>) {
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let mut down = relay.down.subscribe();
    let towards_store = async {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let allowed = relay.take(n);
            if server_write.write_all(&buffer[..allowed]).await.is_err() || allowed < n {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let towards_app = async {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::select! {
        _ = async { tokio::join!(towards_store, towards_app) } => {}
        _ = down.wait_for(|down| *down) => {}
    }
}
