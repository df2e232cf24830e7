//! The media store: where uploads, their variants and proxied avatars are kept, as objects
//! named `media/<file>` and `avatars/<file>` under `data_dir` or in an S3-compatible bucket
//! (`media_store`), both through the `object_store` crate.

use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{GetResult, ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::{Config, MediaLocation};

/// The folder (or key prefix) of uploaded images and their variants.
pub const MEDIA: &str = "media";
/// The folder (or key prefix) of proxied remote avatars.
pub const AVATARS: &str = "avatars";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot create {0}: {1}")]
    Folder(std::path::PathBuf, std::io::Error),
    #[error("media store {0}: {1}")]
    Object(String, object_store::Error),
}

/// A stored object, ready to be streamed (`found.into_stream()`).
pub struct Object {
    /// Its size in bytes.
    pub size: u64,
    pub found: GetResult,
}

/// The store, cheap to clone. One trait object: the local file system or S3.
#[derive(Clone, Debug)]
pub struct MediaStore {
    objects: Arc<dyn ObjectStore>,
    /// `data_dir` or `s3://bucket/prefix`, for messages.
    name: Arc<str>,
}

impl MediaStore {
    /// Opens the configured store; S3 endpoint, region and credentials come from the standard
    /// `AWS_*` variables (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, and the others the AWS tools read).
    pub fn open(config: &Config) -> Result<MediaStore, StoreError> {
        MediaStore::open_with(config, AmazonS3Builder::from_env())
    }

    /// Opens the configured store, reaching S3 (when `media_store` names a bucket) with the
    /// endpoint and credentials of `s3`. The folder of a file store is created when missing.
    pub fn open_with(config: &Config, s3: AmazonS3Builder) -> Result<MediaStore, StoreError> {
        match config.media_location()? {
            MediaLocation::File => {
                let dir = &config.data_dir;
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Folder(dir.clone(), e))?;
                let name: Arc<str> = dir.display().to_string().into();
                let local = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| StoreError::Object(name.to_string(), e))?;
                Ok(MediaStore {
                    objects: Arc::new(local),
                    name,
                })
            }
            MediaLocation::S3 { bucket, prefix } => {
                let name: Arc<str> = format!("s3://{bucket}/{prefix}").into();
                use object_store::aws::AmazonS3ConfigKey::{Endpoint, S3Endpoint};
                let plain_http = [Endpoint, S3Endpoint].iter().any(|key| {
                    s3.get_config_value(key)
                        .is_some_and(|url| url.starts_with("http://"))
                });
                // S3-compatible servers at a custom endpoint: path-style requests, and plain
                // http when that is what the endpoint says.
                let mut s3 = s3
                    .with_bucket_name(bucket)
                    .with_virtual_hosted_style_request(false);
                if plain_http {
                    s3 = s3.with_allow_http(true);
                }
                let s3 = s3
                    .build()
                    .map_err(|e| StoreError::Object(name.to_string(), e))?;
                let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix.as_str()))
                };
                Ok(MediaStore { objects, name })
            }
        }
    }

    /// `data_dir` or `s3://bucket/prefix`.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn error(&self, e: object_store::Error) -> StoreError {
        StoreError::Object(self.name.to_string(), e)
    }

    /// Writes (or replaces) `folder/file` in one piece: readers never see half an object.
    pub async fn put(&self, folder: &str, file: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.objects
            .put(&key(folder, file), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// `folder/file` to stream, or `None` when there is no such object.
    pub async fn open_object(
        &self,
        folder: &str,
        file: &str,
    ) -> Result<Option<Object>, StoreError> {
        match self.objects.get(&key(folder, file)).await {
            Ok(found) => Ok(Some(Object {
                size: found.meta.size,
                found,
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// The whole of `folder/file`, or `None` when there is no such object.
    pub async fn read(&self, folder: &str, file: &str) -> Result<Option<Bytes>, StoreError> {
        let Some(object) = self.open_object(folder, file).await? else {
            return Ok(None);
        };
        object
            .found
            .bytes()
            .await
            .map(Some)
            .map_err(|e| self.error(e))
    }

    /// The size of `folder/file` in bytes, or `None` when there is no such object.
    pub async fn size(&self, folder: &str, file: &str) -> Result<Option<u64>, StoreError> {
        match self.objects.head(&key(folder, file)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Removes `folder/file`; a missing object is not an error.
    pub async fn delete(&self, folder: &str, file: &str) -> Result<(), StoreError> {
        match self.objects.delete(&key(folder, file)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Writes, reads back and removes a small probe object (`chorus doctor`).
    pub async fn probe(&self) -> Result<(), String> {
        let file = format!(".doctor-{}", uuid::Uuid::new_v4().simple());
        let content = format!("chorus doctor {file}\n").into_bytes();
        self.put(MEDIA, &file, content.clone())
            .await
            .map_err(|e| format!("cannot write: {e}"))?;
        let back = self.read(MEDIA, &file).await;
        let removed = self.delete(MEDIA, &file).await;
        match back {
            Ok(Some(b)) if b.as_ref() == content.as_slice() => {}
            Ok(_) => return Err("an object written could not be read back".into()),
            Err(e) => return Err(format!("cannot read back: {e}")),
        }
        removed.map_err(|e| format!("cannot delete: {e}"))
    }
}

/// The object key of `file` in `folder`.
fn key(folder: &str, file: &str) -> Key {
    Key::from_iter([folder, file])
}
