//! The one outgoing HTTP client: signed deliveries to inboxes and signed fetches of
//! ActivityPub documents, with timeouts, size limits and protection against server-side
//! request forgery.
//!
//! Unless `allow_private_networks` is on, only `https:` URLs are used, hosts that are literal
//! loopback, private, link-local or otherwise non-public addresses are refused, and names are
//! resolved by [`PublicResolver`], which drops such addresses. The check therefore holds for
//! every connection, including after a redirect or when a name's addresses change between
//! lookups (DNS rebinding).

use std::error::Error as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, redirect};
use url::{Host, Url};

mod addresses;
mod protocol;
mod web;

pub use addresses::{NoPublicAddress, PublicResolver, is_public_address};
pub use protocol::protocol_client;
pub use web::WebPage;

use super::keys::Signer;
use super::signatures::{Scheme, SignatureError, cavage, rfc9421};
use crate::config::Config;

/// How long establishing a connection (with TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest JSON document read from another server.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;
/// How much of an inbox's answer is read (and thrown away) so the connection can be reused.
pub const MAX_INBOX_ANSWER_BYTES: usize = 64 * 1024;
/// Redirects followed by [`HttpClient::fetch_json`]; deliveries follow none.
pub const MAX_REDIRECTS: usize = 3;
/// Idle connections kept per host.
pub const POOL_MAX_IDLE_PER_HOST: usize = 8;
/// How long an idle connection is kept.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// `Accept` for ActivityPub fetches.
pub const ACCEPT_ACTIVITY: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
/// `Content-Type` of deliveries.
pub const ACTIVITY_JSON: &str = "application/activity+json";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL points to a non-public address, or is not `https:`, and private networks
    /// are not allowed.
    #[error("refused: {0}")]
    Refused(String),
    /// The server answered with a status that is not a success.
    #[error("the server answered {0}")]
    Status(u16),
    /// The answer was larger than allowed.
    #[error("the answer is too large")]
    TooLarge,
    #[error("timed out")]
    Timeout,
    /// The server could not be reached or the connection broke.
    #[error("network error: {0}")]
    Network(String),
    /// The answer is not the JSON document expected, or the request could not be signed.
    #[error("cannot use the answer: {0}")]
    Decode(String),
}

impl ClientError {
    /// Whether trying again later may succeed: 5xx, timeouts and network errors.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Status(code) => *code >= 500,
            ClientError::Timeout | ClientError::Network(_) => true,
            ClientError::Refused(_) | ClientError::TooLarge | ClientError::Decode(_) => false,
        }
    }

    fn from_reqwest(e: reqwest::Error) -> ClientError {
        let mut source = e.source();
        while let Some(s) = source {
            if let Some(blocked) = s.downcast_ref::<NoPublicAddress>() {
                return ClientError::Refused(blocked.to_string());
            }
            source = s.source();
        }
        if e.is_timeout() {
            ClientError::Timeout
        } else {
            ClientError::Network(crate::telemetry::error_chain(&e))
        }
    }
}

/// The shared client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    allow_private_networks: bool,
}

impl HttpClient {
    pub fn new(config: &Config) -> Result<HttpClient, reqwest::Error> {
        let user_agent = format!(
            "Chorus/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            config.base_url
        );
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
            .redirect(redirect::Policy::none())
            .referer(false)
            .no_proxy();
        if !config.allow_private_networks {
            builder = builder
                .https_only(true)
                .dns_resolver(Arc::new(PublicResolver));
        }
        Ok(HttpClient {
            inner: builder.build()?,
            allow_private_networks: config.allow_private_networks,
        })
    }

    /// Refuses URLs the client must not connect to (see the module documentation). Names are
    /// checked again when they are resolved.
    pub fn check_url(&self, url: &Url) -> Result<(), ClientError> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private_networks => {}
            other => {
                return Err(ClientError::Refused(format!(
                    "{other}: URLs are not fetched"
                )));
            }
        }
        let host = url
            .host()
            .ok_or_else(|| ClientError::Refused("the URL has no host".into()))?;
        if self.allow_private_networks {
            return Ok(());
        }
        let ip = match host {
            Host::Ipv4(ip) => IpAddr::V4(ip),
            Host::Ipv6(ip) => IpAddr::V6(ip),
            Host::Domain(_) => return Ok(()),
        };
        if is_public_address(ip) {
            Ok(())
        } else {
            Err(ClientError::Refused(format!(
                "{ip} is not a public address"
            )))
        }
    }

    /// POSTs an activity to an inbox, signed by `signer` with `scheme` (RFC 9421 with
    /// `Content-Digest`, or draft-cavage with `Digest`), with the followers synchronization
    /// header when one is given (FEP-8fcf). Returns the status the inbox answered; redirects
    /// are not followed.
    pub async fn post_activity(
        &self,
        inbox: &Url,
        body: Bytes,
        signer: Arc<Signer>,
        synchronization: Option<&str>,
        scheme: Scheme,
    ) -> Result<StatusCode, ClientError> {
        self.check_url(inbox)?;
        // An RSA signature takes a third of a millisecond: off the request threads, so that
        // a fan-out to thousands of inboxes does not hold up the pages being served meanwhile.
        // At most one signature per core at a time, so a burst does not start a thread each.
        let _turn = signing_turns()
            .acquire()
            .await
            .map_err(|e| ClientError::Decode(e.to_string()))?;
        let (target, signed_body) = (inbox.clone(), body.clone());
        let signed = tokio::task::spawn_blocking(move || {
            sign_post(scheme, &target, &signed_body, &signer, SystemTime::now())
        })
        .await
        .map_err(|e| ClientError::Decode(format!("cannot sign the delivery: {e}")))?
        .map_err(|e| ClientError::Decode(format!("cannot sign the delivery: {e}")))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(ACTIVITY_JSON),
        );
        headers.insert(header::ACCEPT, HeaderValue::from_static(ACTIVITY_JSON));
        if let Some(value) = synchronization.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(crate::federation::followers_sync::HEADER, value);
        }
        for (name, value) in signed {
            headers.insert(name, value);
        }
        let mut response = self
            .inner
            .post(inbox.clone())
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        let status = response.status();
        // Read a bounded part of the answer so that the connection can go back to the pool.
        let mut read = 0usize;
        while read <= MAX_INBOX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        Ok(status)
    }

    /// GETs an ActivityPub document, signed by `signer` when one is given (servers in
    /// authorized-fetch mode require it). Follows up to [`MAX_REDIRECTS`] redirects,
    /// checking every hop; the answer must be JSON of at most [`MAX_JSON_BYTES`].
    pub async fn fetch_json(
        &self,
        url: &Url,
        signer: Option<&Signer>,
    ) -> Result<serde_json::Value, ClientError> {
        self.fetch_with(url, ACCEPT_ACTIVITY, signer).await
    }

    /// GETs a WebFinger (or other plain JSON) document, unsigned, asking for `accept`.
    pub async fn fetch_jrd(
        &self,
        url: &Url,
        accept: &'static str,
    ) -> Result<serde_json::Value, ClientError> {
        self.fetch_with(url, accept, None).await
    }

    async fn fetch_with(
        &self,
        url: &Url,
        accept: &'static str,
        signer: Option<&Signer>,
    ) -> Result<serde_json::Value, ClientError> {
        let response = self
            .get_following(url, |url| {
                let mut headers = HeaderMap::new();
                headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
                if let Some(signer) = signer {
                    cavage::sign_request(
                        &Method::GET,
                        url,
                        None,
                        &signer.key_id,
                        &signer.key,
                        SystemTime::now(),
                    )
                    .map_err(|e| ClientError::Decode(format!("cannot sign the request: {e}")))?
                    .apply_to(&mut headers);
                }
                Ok(headers)
            })
            .await?;
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !is_json_type(content_type) {
            return Err(ClientError::Decode(format!(
                "expected JSON, got {content_type:?}"
            )));
        }
        let body = read_limited(response, MAX_JSON_BYTES).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// GETs an image (or other media) of at most `limit` bytes, unsigned, following up to
    /// [`MAX_REDIRECTS`] redirects with every hop checked. Gives the `Content-Type` and the body.
    pub async fn fetch_media(
        &self,
        url: &Url,
        limit: usize,
    ) -> Result<(String, Vec<u8>), ClientError> {
        let response = self
            .get_following(url, |_| {
                let mut headers = HeaderMap::new();
                headers.insert(
                    header::ACCEPT,
                    HeaderValue::from_static("image/png, image/jpeg, image/webp, image/gif"),
                );
                Ok(headers)
            })
            .await?;
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = read_limited(response, limit).await?;
        Ok((content_type, body))
    }

    /// GETs `url` with the headers `headers_for` gives each hop, following up to
    /// [`MAX_REDIRECTS`] redirects and checking every address; gives the successful answer.
    async fn get_following(
        &self,
        url: &Url,
        headers_for: impl Fn(&Url) -> Result<HeaderMap, ClientError>,
    ) -> Result<reqwest::Response, ClientError> {
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            self.check_url(&url)?;
            let response = self
                .inner
                .get(url.clone())
                .headers(headers_for(&url)?)
                .send()
                .await
                .map_err(ClientError::from_reqwest)?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or(ClientError::Status(status.as_u16()))?;
                url = url
                    .join(location)
                    .map_err(|e| ClientError::Decode(format!("bad redirect location: {e}")))?;
                continue;
            }
            if !status.is_success() {
                return Err(ClientError::Status(status.as_u16()));
            }
            return Ok(response);
        }
        Err(ClientError::Network(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }
}

/// Whether a `Content-Type` is JSON: `application/json`, `application/activity+json`,
/// `application/ld+json` and any other `+json` type, with or without parameters.
pub fn is_json_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", sub)) => sub == "json" || sub.ends_with("+json"),
        _ => false,
    }
}

/// Reads a response body by chunks, failing as soon as it exceeds `limit` bytes.
async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ClientError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ClientError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ClientError::from_reqwest)? {
        if body.len() + chunk.len() > limit {
            return Err(ClientError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The signature headers of a POST of `body` to `target` by `signer` under `scheme`. RFC 9421
/// covers `@method`, `@target-uri` and `content-digest` (with `created` and the key id), never
/// `Accept`; a `Date` goes along unsigned for servers that log or check it.
fn sign_post(
    scheme: Scheme,
    target: &Url,
    body: &[u8],
    signer: &Signer,
    now: SystemTime,
) -> Result<Vec<(header::HeaderName, HeaderValue)>, SignatureError> {
    let (key_id, key) = (&signer.key_id, &signer.key);
    Ok(match scheme {
        Scheme::Cavage => {
            let mut headers = HeaderMap::new();
            cavage::sign_request(&Method::POST, target, Some(body), key_id, key, now)?
                .apply_to(&mut headers);
            headers
                .into_iter()
                .filter_map(|(name, value)| Some((name?, value)))
                .collect()
        }
        Scheme::Rfc9421 => {
            let mut pairs =
                rfc9421::sign_request(&Method::POST, target, Some(body), key_id, key, now)?.pairs();
            let date = httpdate::fmt_http_date(now);
            if let Ok(date) = HeaderValue::from_str(&date) {
                pairs.push((header::DATE, date));
            }
            pairs
        }
    })
}

/// Signatures computed at once: one per core.
fn signing_turns() -> &'static tokio::sync::Semaphore {
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    TURNS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

#[cfg(test)]
mod tests;
