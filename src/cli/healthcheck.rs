//! `chorus healthcheck`: whether the configured server answers `GET /healthz` with 200, for
//! container healthchecks and scripts. It asks the `bind` address first (the unspecified
//! address `0.0.0.0` or `::` means this host's loopback), then `base_url` when nothing
//! listens there; a server that answers with another status is not healthy.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::bail;
use url::Url;

use crate::config::Config;

/// How long one request may take before the server counts as not answering.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Checks the server; `Ok` when it answered 200 (one line on standard output saying where).
pub async fn run(config: &Config, url: Option<Url>) -> anyhow::Result<()> {
    let targets = match url {
        Some(url) => vec![url],
        None => {
            let local = bind_url(config.bind);
            let mut list = vec![local.clone()];
            if config.base_url.origin() != local.origin() {
                list.push(config.base_url.clone());
            }
            list
        }
    };
    let client = client(TIMEOUT)?;
    let mut unreachable = Vec::new();
    for base in &targets {
        let url = base.join("healthz")?;
        match client.get(url.clone()).send().await {
            Ok(answer) if answer.status() == reqwest::StatusCode::OK => {
                println!("ok: {url} answered 200");
                return Ok(());
            }
            Ok(answer) => {
                let status = answer.status();
                let body = answer.text().await.unwrap_or_default();
                let reason = body.lines().next().unwrap_or_default().trim();
                bail!("{url} answered {status}{}", suffix(reason));
            }
            Err(e) => unreachable.push(format!("{url}: {}", describe(&e))),
        }
    }
    bail!("no server answered: {}", unreachable.join("; "))
}

/// The URL that reaches a server listening on `bind` from this host.
pub fn bind_url(bind: SocketAddr) -> Url {
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let addr = SocketAddr::new(ip, bind.port());
    Url::parse(&format!("http://{addr}/")).expect("a socket address makes a valid URL")
}

/// A plain HTTP client for the operator's checks, with a timeout per request.
pub fn client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!(
            "chorus/",
            env!("CARGO_PKG_VERSION"),
            " (operator check)"
        ))
        .build()?)
}

/// Why a request got no answer, in a few words.
pub fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        let mut source = std::error::Error::source(e);
        let mut last = None;
        while let Some(s) = source {
            last = Some(s.to_string());
            source = s.source();
        }
        format!("cannot connect ({})", last.unwrap_or_else(|| e.to_string()))
    } else {
        e.to_string()
    }
}

fn suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_bind_address_is_reached_on_loopback() {
        let url = |s: &str| bind_url(s.parse().unwrap()).to_string();
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080/");
        assert_eq!(url("[::]:9000"), "http://[::1]:9000/");
        assert_eq!(url("10.1.2.3:80"), "http://10.1.2.3/");
        assert_eq!(url("127.0.0.1:8080"), "http://127.0.0.1:8080/");
    }
}
