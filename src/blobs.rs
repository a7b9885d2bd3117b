//! Where file contents live: a local directory (the default, for one instance) or a bucket of
//! an S3-compatible store (MinIO, Alibaba Cloud OSS, Tencent Cloud COS, Huawei Cloud OBS, AWS
//! S3), which every instance shares. Both go through the Apache Arrow project's `object_store`
//! (https://docs.rs/object_store/0.13.2/object_store/), so writes are atomic on both (a file
//! renamed into place, one S3 `PutObject`) and reads are ranged and streamed.
//!
//! The handle is part of the application state, like the database's; attachments are its only
//! user today.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};

use crate::config::{S3Config, Secret};

/// Which store holds the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobsConfig {
    /// A directory on this machine.
    Directory(PathBuf),
    /// A bucket (and a prefix in it) of an S3-compatible store.
    S3(S3Config),
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No object under that key.
    #[error("no object under that key")]
    NotFound,
    /// The store did not answer, or refused (down, unreachable, wrong credentials, full disk).
    #[error("the file store failed: {0}")]
    Unavailable(String),
}

impl From<object_store::Error> for BlobError {
    fn from(error: object_store::Error) -> BlobError {
        match error {
            object_store::Error::NotFound { .. } => BlobError::NotFound,
            other => BlobError::Unavailable(other.to_string()),
        }
    }
}

/// Part of an object, as a stream of chunks: never the whole file in memory.
pub struct Blob {
    /// The bytes this stream carries, within the object.
    pub range: Range<u64>,
    /// The object's whole size.
    pub size: u64,
    pub stream: BoxStream<'static, Result<Bytes, BlobError>>,
}

/// The file store: cheap to clone, shared by every request handler.
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

/// How long one request to the store may take, and how often a failed one is tried again: an
/// upload waits for a store that is down for seconds, not minutes, before it is refused.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const RETRY: RetryConfig = RetryConfig {
    backoff: BackoffConfig {
        init_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(2),
        base: 2.0,
    },
    max_retries: 3,
    retry_timeout: Duration::from_secs(15),
};

impl Blobs {
    /// Opens the configured store (creating the local directory when needed). Nothing is sent
    /// to an S3 store yet: a store that is down shows on the first upload or download.
    pub fn open(config: &BlobsConfig) -> Result<Blobs, String> {
        match config {
            BlobsConfig::Directory(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create the attachments directory {}: {e}", dir.display()))?;
                let store = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| format!("cannot use the attachments directory {}: {e}", dir.display()))?;
                Ok(Blobs {
                    store: Arc::new(store),
                    description: format!("directory {}", dir.display()),
                })
            }
            BlobsConfig::S3(s3) => {
                // The builder's settings: https://docs.rs/object_store/0.13.2/object_store/aws/struct.AmazonS3Builder.html
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(s3.region.as_deref().unwrap_or("us-east-1"))
                    .with_virtual_hosted_style_request(s3.virtual_hosted)
                    .with_retry(RETRY)
                    .with_client_options(
                        ClientOptions::new()
                            .with_connect_timeout(CONNECT_TIMEOUT)
                            .with_timeout(REQUEST_TIMEOUT)
                            .with_allow_http(s3.endpoint.as_deref().is_some_and(|e| e.starts_with("http://"))),
                    );
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(key) = &s3.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &s3.secret_access_key {
                    builder = builder.with_secret_access_key(Secret::expose(secret));
                }
                let store = builder
                    .build()
                    .map_err(|e| format!("ZHITONG_ATTACHMENTS_URL: cannot use the S3 store: {e}"))?;
                let description = format!(
                    "s3://{}/{} at {}",
                    s3.bucket,
                    s3.prefix,
                    s3.endpoint.as_deref().unwrap_or("the AWS endpoint of the region")
                );
                let store: Arc<dyn ObjectStore> = if s3.prefix.is_empty() {
                    Arc::new(store)
                } else {
                    Arc::new(PrefixStore::new(store, s3.prefix.as_str()))
                };
                Ok(Blobs { store, description })
            }
        }
    }

    /// Where the files are, for the start-up log (no credentials).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Stores `bytes` under `key`, all or nothing.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), BlobError> {
        self.store.put(&ObjectPath::from(key), PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// Removes the object under `key` (no error when there is none).
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(other) => Err(other.into()),
        }
    }

    /// Streams the object under `key`, or the part `range` of it.
    pub async fn get(&self, key: &str, range: Option<Range<u64>>) -> Result<Blob, BlobError> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self.store.get_opts(&ObjectPath::from(key), options).await?;
        let (range, size) = (result.range.clone(), result.meta.size);
        let stream = result.into_stream().map_err(BlobError::from).boxed();
        Ok(Blob { range, size, stream })
    }

    /// Every key in the store (for tests and operators' checks).
    pub async fn keys(&self) -> Result<Vec<String>, BlobError> {
        let mut keys: Vec<String> = self
            .store
            .list(None)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await?;
        keys.sort();
        Ok(keys)
    }
}
