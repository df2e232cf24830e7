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
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, redirect};
use url::{Host, Url};

use super::keys::Signer;
use super::signatures::cavage;
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
            ClientError::Network(error_chain(&e))
        }
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
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

    /// POSTs an activity to an inbox, signed by `signer` (draft-cavage with `Digest`).
    /// Returns the status the inbox answered; redirects are not followed.
    pub async fn post_activity(
        &self,
        inbox: &Url,
        body: Bytes,
        signer: Arc<Signer>,
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
            cavage::sign_request(
                &Method::POST,
                &target,
                Some(&signed_body),
                &signer.key_id,
                &signer.key,
                SystemTime::now(),
            )
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
        signed.apply_to(&mut headers);
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
        let mut url = url.clone();
        let mut redirects = 0;
        loop {
            self.check_url(&url)?;
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT_ACTIVITY));
            if let Some(signer) = signer {
                cavage::sign_request(
                    &Method::GET,
                    &url,
                    None,
                    &signer.key_id,
                    &signer.key,
                    SystemTime::now(),
                )
                .map_err(|e| ClientError::Decode(format!("cannot sign the request: {e}")))?
                .apply_to(&mut headers);
            }
            let response = self
                .inner
                .get(url.clone())
                .headers(headers)
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
                if redirects == MAX_REDIRECTS {
                    return Err(ClientError::Network(format!(
                        "more than {MAX_REDIRECTS} redirects"
                    )));
                }
                redirects += 1;
                url = url
                    .join(location)
                    .map_err(|e| ClientError::Decode(format!("bad redirect location: {e}")))?;
                continue;
            }
            if !status.is_success() {
                return Err(ClientError::Status(status.as_u16()));
            }
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
            return serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()));
        }
    }
}

impl HttpClient {
    /// GETs an image (or other media) of at most `limit` bytes, unsigned, following up to
    /// [`MAX_REDIRECTS`] redirects with every hop checked. Gives the `Content-Type` and the body.
    pub async fn fetch_media(
        &self,
        url: &Url,
        limit: usize,
    ) -> Result<(String, Vec<u8>), ClientError> {
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            self.check_url(&url)?;
            let response = self
                .inner
                .get(url.clone())
                .header(
                    header::ACCEPT,
                    "image/png, image/jpeg, image/webp, image/gif",
                )
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
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body = read_limited(response, limit).await?;
            return Ok((content_type, body));
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

/// A name resolved only to non-public addresses.
#[derive(Debug, thiserror::Error)]
#[error("{0} has no public address")]
pub struct NoPublicAddress(String);

/// Resolves names with the system resolver and keeps only public addresses.
#[derive(Debug, Clone, Copy)]
pub struct PublicResolver;

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| is_public_address(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(
                    Box::new(NoPublicAddress(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Whether `ip` is a public unicast address another server may have: not unspecified,
/// loopback, private, shared (CGNAT), link-local, unique-local, multicast, documentation,
/// benchmarking or reserved. IPv4-mapped, IPv4-compatible, NAT64 and 6to4 IPv6 addresses are
/// judged by the IPv4 address they carry.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let blocked = a == 0 // "this network", including 0.0.0.0
        || a == 10 // private
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254) // link-local
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation (TEST-NET-1)
        || (a == 192 && b == 88 && c == 99) // deprecated 6to4 relay anycast
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation (TEST-NET-2)
        || (a == 203 && b == 0 && c == 113) // documentation (TEST-NET-3)
        || a >= 224; // multicast, reserved and broadcast
    !blocked
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // ::/96: unspecified, loopback and the deprecated IPv4-compatible addresses.
    if s[..6] == [0; 6] {
        return false;
    }
    // 64:ff9b::/96, NAT64: the IPv4 address is in the last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    // 2002::/16, 6to4: the IPv4 address follows the prefix.
    if s[0] == 0x2002 {
        return is_public_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    let blocked = (s[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10 deprecated site-local
        || (s[0] & 0xff00) == 0xff00 // ff00::/8 multicast
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // 100::/64 discard
        || (s[0] == 0x2001 && s[1] == 0) // 2001::/32 Teredo
        || (s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0) // 2001:2::/48 benchmarking
        || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010) // 2001:10::/28 deprecated ORCHID
        || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0020) // 2001:20::/28 ORCHIDv2
        || (s[0] == 0x2001 && s[1] == 0x0db8) // 2001:db8::/32 documentation
        || (s[0] & 0xfff0) == 0x3ff0; // 3fff::/20 documentation
    !blocked
}

/// Signatures computed at once: one per core.
fn signing_turns() -> &'static tokio::sync::Semaphore {
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    TURNS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public_address(s.parse().unwrap())
    }

    #[test]
    fn ipv4_non_public_ranges_are_refused() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn ipv4_public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "192.169.0.1",
            "223.255.255.255",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn ipv6_non_public_ranges_are_refused() {
        for ip in [
            "::",
            "::1",
            "::127.0.0.1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "2001:db8::1",
            "3fff::1",
            "2001::1",
            "2001:2::1",
            "2001:20::1",
            "100::1",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn ipv6_public_addresses_pass() {
        for ip in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a01:4f8::1",
            "2001:db9::1",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn embedded_ipv4_addresses_are_judged_by_their_ipv4_part() {
        for ip in [
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "64:ff9b::10.0.0.1",
            "2002:c0a8:0101::1",
            "2002:7f00:1::1",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
        for ip in ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:0808:0808::1"] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn json_content_types() {
        assert!(is_json_type("application/activity+json"));
        assert!(is_json_type(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        ));
        assert!(is_json_type("Application/JSON; charset=utf-8"));
        assert!(!is_json_type("text/html; charset=utf-8"));
        assert!(!is_json_type(""));
    }

    fn client(allow_private_networks: bool) -> HttpClient {
        let config = Config {
            allow_private_networks,
            ..Config::default()
        };
        HttpClient::new(&config).unwrap()
    }

    #[test]
    fn urls_are_checked_before_connecting() {
        let strict = client(false);
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(strict.check_url(&u("https://social.example/inbox")).is_ok());
        assert!(strict.check_url(&u("https://8.8.8.8/inbox")).is_ok());
        for refused in [
            "http://social.example/inbox",
            "https://127.0.0.1/inbox",
            "https://[::1]/inbox",
            "https://[::ffff:192.168.0.1]/x",
            "https://10.0.0.1:8443/x",
            "ftp://social.example/x",
        ] {
            assert!(
                matches!(strict.check_url(&u(refused)), Err(ClientError::Refused(_))),
                "{refused}"
            );
        }
        let open = client(true);
        assert!(open.check_url(&u("http://127.0.0.1:4000/inbox")).is_ok());
        assert!(open.check_url(&u("ftp://127.0.0.1/x")).is_err());
    }

    #[tokio::test]
    async fn names_resolving_only_to_private_addresses_are_refused() {
        let strict = client(false);
        let err = strict
            .fetch_json(&Url::parse("https://localhost:9/actor").unwrap(), None)
            .await
            .unwrap_err();
        assert!(matches!(err, ClientError::Refused(_)), "{err:?}");
        assert!(!err.is_transient());
    }
}
