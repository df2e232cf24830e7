//! Configuration: built-in defaults, then `chorus.toml` (or `--config` / `CHORUS_CONFIG`),
//! then `CHORUS_<KEY>` environment variables. Every subcommand loads it the same way.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use url::Url;

/// The file read when no other is named.
pub const DEFAULT_FILE: &str = "chorus.toml";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The public URL of the site; its scheme and host (with port) make every ActivityPub id.
    pub base_url: Url,
    /// The socket address to listen on.
    pub bind: SocketAddr,
    /// `sqlite://PATH` (embedded, the default) or `postgres://...`.
    pub database_url: String,
    /// Media and other files.
    pub data_dir: PathBuf,
    /// Fetch from and deliver to loopback/private addresses and plain-http peers.
    /// For local development and tests only.
    pub allow_private_networks: bool,
    /// Seconds a client has to send a request's headers; then its connection is closed.
    pub header_read_timeout_seconds: u64,
    /// Connections served at once, at most; more wait in the listen queue until one closes.
    pub max_connections: usize,
    /// A socket address that serves `GET /metrics` (Prometheus text format) to operators;
    /// empty: no metrics are kept or served.
    pub metrics_bind: String,
    /// Where uploads, their variants and proxied avatars live: `file` (under `data_dir`) or
    /// `s3://BUCKET/PREFIX` (endpoint, region and credentials from the `AWS_*` variables).
    pub media_store: String,
}

/// The default of [`Config::header_read_timeout_seconds`].
pub const DEFAULT_HEADER_READ_TIMEOUT_SECONDS: u64 = 30;
/// The default of [`Config::max_connections`]: room under a 1,024 file limit for the database,
/// outgoing requests and files.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: Url::parse("http://localhost:8080").expect("a valid literal URL"),
            bind: "127.0.0.1:8080".parse().expect("a valid literal address"),
            database_url: "sqlite://data/chorus.db".into(),
            data_dir: PathBuf::from("./data"),
            allow_private_networks: false,
            header_read_timeout_seconds: DEFAULT_HEADER_READ_TIMEOUT_SECONDS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            metrics_bind: String::new(),
            media_store: "file".into(),
        }
    }
}

/// Where uploads, their variants and proxied avatars live (the `media_store` key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaLocation {
    /// Files under `data_dir`.
    File,
    /// Objects in an S3-compatible bucket, under `prefix` (empty: at the top of the bucket).
    S3 { bucket: String, prefix: String },
}

/// An S3 bucket name as the S3 rules allow it.
fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads the configuration. `explicit` is the `--config` path; when it is given (or
    /// `CHORUS_CONFIG` is set) the file must exist, otherwise `chorus.toml` is optional.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let env_path = std::env::var_os("CHORUS_CONFIG").map(PathBuf::from);
        let named = explicit.map(Path::to_path_buf).or(env_path);
        let file = match &named {
            Some(p) if !p.exists() => return Err(ConfigError::MissingFile(p.clone())),
            Some(p) => Some(p.clone()),
            None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.exists()),
        };
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = &file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::prefixed("CHORUS_").only(&Config::KEYS));
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// The keys of the file and of `CHORUS_<KEY>`.
    pub const KEYS: [&'static str; 9] = [
        "base_url",
        "bind",
        "database_url",
        "data_dir",
        "allow_private_networks",
        "header_read_timeout_seconds",
        "max_connections",
        "metrics_bind",
        "media_store",
    ];

    fn validate(&self) -> Result<(), ConfigError> {
        if self.header_read_timeout_seconds == 0 || self.max_connections == 0 {
            return Err(ConfigError::Invalid(
                "header_read_timeout_seconds and max_connections must be at least 1".into(),
            ));
        }
        if !matches!(self.base_url.scheme(), "http" | "https") || self.base_url.host_str().is_none()
        {
            return Err(ConfigError::Invalid(format!(
                "base_url must be an http(s) URL with a host, got {}",
                self.base_url
            )));
        }
        if self.base_url.path() != "/" || self.base_url.query().is_some() {
            return Err(ConfigError::Invalid(format!(
                "base_url must be the root of a host (Chorus does not run under a sub-path), got {}",
                self.base_url
            )));
        }
        self.check_media_store()?;
        if !self.metrics_bind.trim().is_empty() && self.metrics_address().is_none() {
            return Err(ConfigError::Invalid(format!(
                "metrics_bind must be a socket address such as 127.0.0.1:9090 (or empty), got {:?}",
                self.metrics_bind
            )));
        }
        Ok(())
    }

    /// Refuses a `media_store` that names no store Chorus has, before anything starts.
    fn check_media_store(&self) -> Result<(), ConfigError> {
        self.media_location().map(|_| ())
    }

    /// Where media live, read from `media_store`.
    pub fn media_location(&self) -> Result<MediaLocation, ConfigError> {
        let value = self.media_store.trim();
        if value == "file" {
            return Ok(MediaLocation::File);
        }
        let Some(rest) = value.strip_prefix("s3://") else {
            return Err(ConfigError::Invalid(format!(
                "media_store must be \"file\" or \"s3://BUCKET/PREFIX\", got {value:?}"
            )));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if !valid_bucket(bucket) {
            return Err(ConfigError::Invalid(format!(
                "media_store {value:?} names no usable S3 bucket: write s3://BUCKET/PREFIX, where \
                 BUCKET has 3 to 63 lower-case letters, digits, dots and hyphens"
            )));
        }
        let prefix = prefix.trim_end_matches('/');
        if !prefix.is_empty()
            && prefix.split('/').any(|part| {
                part.is_empty() || part == "." || part == ".." || part.chars().any(char::is_control)
            })
        {
            return Err(ConfigError::Invalid(format!(
                "media_store {value:?} has an unusable prefix: folder names separated by single slashes"
            )));
        }
        Ok(MediaLocation::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_bind.trim().parse().ok()
    }

    /// `host` or `host:port` as it appears in handles (`@alice@host`) and WebFinger.
    pub fn domain(&self) -> String {
        let host = self.base_url.host_str().unwrap_or("localhost");
        match self.base_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// An absolute URL on this site for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> Url {
        self.base_url
            .join(path)
            .expect("paths built by Chorus are valid URL paths")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_must_be_a_site_root() {
        let mut c = Config::default();
        assert!(c.validate().is_ok());
        c.base_url = Url::parse("https://example.org/blog/").unwrap();
        assert!(c.validate().is_err());
        c.base_url = Url::parse("ftp://example.org/").unwrap();
        assert!(c.validate().is_err());
    }

    #[test]
    fn metrics_bind_is_an_address_or_empty() {
        let mut c = Config::default();
        assert_eq!(c.metrics_address(), None);
        c.metrics_bind = "127.0.0.1:9090".into();
        assert_eq!(c.metrics_address(), Some("127.0.0.1:9090".parse().unwrap()));
        assert!(c.validate().is_ok());
        c.metrics_bind = "localhost".into();
        assert!(c.validate().is_err());
    }

    #[test]
    fn media_store_is_a_folder_or_a_bucket() {
        let mut c = Config::default();
        assert_eq!(c.media_location().unwrap(), MediaLocation::File);
        c.media_store = "s3://chorus-media/site/one/".into();
        assert_eq!(
            c.media_location().unwrap(),
            MediaLocation::S3 {
                bucket: "chorus-media".into(),
                prefix: "site/one".into()
            }
        );
        c.media_store = "s3://chorus-media".into();
        assert!(c.validate().is_ok());
        for bad in [
            "ftp",
            "s3://",
            "s3:///prefix",
            "s3://Upper/x",
            "s3://b/x",
            "s3://ok-bucket/a//b",
            "S3",
        ] {
            c.media_store = bad.into();
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains("media_store"), "{bad}: {e}");
        }
    }

    #[test]
    fn domain_keeps_a_non_default_port() {
        let mut c = Config::default();
        assert_eq!(c.domain(), "localhost:8080");
        c.base_url = Url::parse("https://community.example").unwrap();
        assert_eq!(c.domain(), "community.example");
    }
}
