//! An S3-compatible server for the media store tests: `CHORUS_TEST_S3_ENDPOINT` names it
//! (`tests/s3-server start` runs moto's server and prints the line to export; CI does that).
//! Each test gets a fresh bucket. Without the variable the tests that need it are skipped,
//! except in CI (`CI` set), where that is a failure, so that nothing is skipped silently.

use chorus::config::Config;
use chorus::media::store::MediaStore;
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};

/// The variable that points the tests at an S3-compatible server (`http://127.0.0.1:PORT`).
pub const S3_ENV: &str = "CHORUS_TEST_S3_ENDPOINT";

/// The region the tests name (moto accepts any).
const REGION: &str = "us-east-1";
/// Credentials the tests send: moto accepts any.
const KEY_ID: &str = "chorus-test";
const SECRET: &str = "chorus-test-secret";

/// The test server's endpoint, or `None` outside CI when it is not set (the caller skips).
pub fn endpoint() -> Option<String> {
    match std::env::var(S3_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().trim_end_matches('/').to_owned()),
        _ if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0") => {
            panic!(
                "CI is set but {S3_ENV} is not: the S3 media store tests would be skipped. \
                 Start one with `eval \"$(tests/s3-server start)\"` (see .ci/run)."
            )
        }
        _ => {
            eprintln!("{S3_ENV} is not set: skipping a test of the S3 media store");
            None
        }
    }
}

/// A fresh, empty bucket on the test server.
pub struct TestBucket {
    pub endpoint: String,
    pub name: String,
    /// The key prefix the site is configured with.
    pub prefix: String,
}

impl TestBucket {
    /// A new bucket, or `None` when the tests have no S3 server (outside CI).
    pub async fn create() -> Option<TestBucket> {
        let endpoint = endpoint()?;
        let name = format!("chorus-t-{}", uuid::Uuid::new_v4().simple());
        // moto takes requests without checking signatures: a plain PUT makes the bucket.
        let reply = reqwest::Client::new()
            .put(format!("{endpoint}/{name}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("cannot reach {S3_ENV}={endpoint}: {e}"));
        assert!(
            reply.status().is_success(),
            "creating bucket {name}: {}",
            reply.status()
        );
        Some(TestBucket {
            endpoint,
            name,
            prefix: "site".into(),
        })
    }

    /// The `media_store` value for this bucket.
    pub fn media_store(&self) -> String {
        format!("s3://{}/{}", self.name, self.prefix)
    }

    /// The variables a `chorus` process needs to reach the bucket, with `media_store`.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("CHORUS_MEDIA_STORE", self.media_store()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", REGION.into()),
            ("AWS_ACCESS_KEY_ID", KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET.into()),
        ]
        .map(|(k, v)| (k.to_owned(), v))
        .to_vec()
    }

    /// Every key in the bucket, sorted.
    pub async fn keys(&self) -> Vec<String> {
        let store = self.client();
        let mut keys: Vec<String> = store
            .list(None)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .expect("list the bucket");
        keys.sort();
        keys
    }

    /// The bytes of `key` (a full key, with the prefix).
    pub async fn read(&self, key: &str) -> Vec<u8> {
        let found = self.client().get(&Key::from(key)).await.expect("get");
        found.bytes().await.expect("read").to_vec()
    }

    /// Deletes `key` (a full key, with the prefix) behind the site's back.
    pub async fn delete(&self, key: &str) {
        self.client()
            .delete(&Key::from(key))
            .await
            .expect("delete an object");
    }

    fn client(&self) -> AmazonS3 {
        builder(&self.endpoint)
            .with_bucket_name(&self.name)
            .build()
            .expect("an S3 client")
    }
}

/// The S3 settings of the test server, as the `AWS_*` variables would give them.
fn builder(endpoint: &str) -> AmazonS3Builder {
    AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_region(REGION)
        .with_access_key_id(KEY_ID)
        .with_secret_access_key(SECRET)
        .with_allow_http(true)
}

/// The media store a test site configured with an `s3://` `media_store` uses.
pub fn open_store(config: &Config) -> MediaStore {
    let endpoint = endpoint().expect("a site configured for S3 has a test server");
    MediaStore::open_with(config, builder(&endpoint)).expect("the S3 media store opens")
}
