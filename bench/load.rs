//! A small HTTP/1.1 load generator: keep-alive connections on loopback, prepared request
//! bytes, responses parsed just enough to find their end (Content-Length or chunked).
//! Closed loop (each connection sends its next request when the answer arrives), every
//! request once, or open loop at a fixed rate with latency counted from the scheduled time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// No single request may take longer than this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// A GET request for `path`.
pub fn get(host: &str, path: &str, accept: &str, accept_encoding: &str) -> Bytes {
    Bytes::from(format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: chorus-bench\r\nAccept: {accept}\r\nAccept-Encoding: {accept_encoding}\r\n\r\n"
    ))
}

/// A POST request with the given extra headers (name, value) and body.
pub fn post(host: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Bytes {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nUser-Agent: chorus-bench\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {host}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = BytesMut::with_capacity(head.len() + body.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(body);
    out.freeze()
}

/// What a run measured.
#[derive(Debug, Default, Clone)]
pub struct Sample {
    /// Requests answered with the expected status.
    pub ok: u64,
    /// Requests answered with another status.
    pub bad_status: u64,
    /// The first unexpected status seen, for the report.
    pub first_bad: Option<u16>,
    /// Requests that failed (connection error or timeout).
    pub failed: u64,
    /// Body bytes received.
    pub body_bytes: u64,
    pub elapsed: Duration,
    /// Latency of every answered request, in microseconds.
    pub latencies_us: Vec<u32>,
}

impl Sample {
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn mean_body(&self) -> u64 {
        let n = self.ok + self.bad_status;
        if n == 0 { 0 } else { self.body_bytes / n }
    }

    /// The `p`-th percentile latency (0 < p ≤ 100), in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        let idx = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v[idx.clamp(1, v.len()) - 1] as f64 / 1000.0
    }

    /// Fails unless every request got the expected answer.
    pub fn check(&self, what: &str) -> anyhow::Result<()> {
        if self.ok == 0 {
            bail!(
                "{what}: no request succeeded ({} failed, {} bad status {:?})",
                self.failed,
                self.bad_status,
                self.first_bad
            );
        }
        if self.bad_status > 0 || self.failed > 0 {
            bail!(
                "{what}: {} bad status (first {:?}), {} failed, of {}",
                self.bad_status,
                self.first_bad,
                self.failed,
                self.ok + self.bad_status + self.failed
            );
        }
        Ok(())
    }

    fn merge(&mut self, other: Sample) {
        self.ok += other.ok;
        self.bad_status += other.bad_status;
        self.first_bad = self.first_bad.or(other.first_bad);
        self.failed += other.failed;
        self.body_bytes += other.body_bytes;
        self.latencies_us.extend(other.latencies_us);
    }

    fn record(&mut self, expect: u16, status: u16, body: usize, started: Instant) {
        let us = started.elapsed().as_micros().min(u32::MAX as u128) as u32;
        self.latencies_us.push(us);
        self.body_bytes += body as u64;
        if status == expect {
            self.ok += 1;
        } else {
            self.bad_status += 1;
            self.first_bad.get_or_insert(status);
        }
    }
}

/// One keep-alive connection.
pub struct Conn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: BytesMut,
    /// When set, the last body is kept in `body` (identity bodies only).
    keep_body: bool,
    body: Vec<u8>,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Conn {
        Conn {
            addr,
            stream: None,
            buf: BytesMut::with_capacity(64 * 1024),
            keep_body: false,
            body: Vec::new(),
        }
    }

    /// Sends `request` and reads the answer: (status, body length).
    pub async fn roundtrip(&mut self, request: &[u8]) -> anyhow::Result<(u16, usize)> {
        match tokio::time::timeout(REQUEST_TIMEOUT, self.exchange(request)).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => {
                self.stream = None;
                Err(e)
            }
            Err(_) => {
                self.stream = None;
                bail!("timed out")
            }
        }
    }

    async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<(u16, usize)> {
        if self.stream.is_none() {
            let s = TcpStream::connect(self.addr)
                .await
                .with_context(|| format!("connecting to {}", self.addr))?;
            s.set_nodelay(true)?;
            self.stream = Some(s);
            self.buf.clear();
        }
        self.body.clear();
        let stream = self.stream.as_mut().expect("connected above");
        stream.write_all(request).await?;
        // The head.
        let head_end = loop {
            if let Some(pos) = find(&self.buf, b"\r\n\r\n") {
                break pos + 4;
            }
            if self.buf.len() > MAX_HEAD {
                bail!("response head too large");
            }
            if stream.read_buf(&mut self.buf).await? == 0 {
                bail!("connection closed");
            }
        };
        let head =
            std::str::from_utf8(&self.buf[..head_end]).context("response head is not text")?;
        let status: u16 = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .context("no status code")?;
        let mut length = None;
        let mut chunked = false;
        let mut close = false;
        for line in head.split("\r\n").skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        self.buf.advance(head_end);
        let body = if chunked {
            self.read_chunked().await?
        } else {
            let n = length.unwrap_or(0);
            while self.buf.len() < n {
                let stream = self.stream.as_mut().expect("connected");
                if stream.read_buf(&mut self.buf).await? == 0 {
                    bail!("connection closed in the body");
                }
            }
            if self.keep_body {
                self.body.extend_from_slice(&self.buf[..n]);
            }
            self.buf.advance(n);
            n
        };
        if close {
            self.stream = None;
        }
        Ok((status, body))
    }

    async fn read_chunked(&mut self) -> anyhow::Result<usize> {
        let mut total = 0;
        for _ in 0..1_000_000 {
            let line_end = loop {
                if let Some(pos) = find(&self.buf, b"\r\n") {
                    break pos;
                }
                let stream = self.stream.as_mut().expect("connected");
                if stream.read_buf(&mut self.buf).await? == 0 {
                    bail!("connection closed in a chunk");
                }
            };
            let size_text = std::str::from_utf8(&self.buf[..line_end])?
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_owned();
            let size = usize::from_str_radix(&size_text, 16).context("bad chunk size")?;
            self.buf.advance(line_end + 2);
            // The chunk and its CRLF (the last chunk is followed by an empty trailer line).
            while self.buf.len() < size + 2 {
                let stream = self.stream.as_mut().expect("connected");
                if stream.read_buf(&mut self.buf).await? == 0 {
                    bail!("connection closed in a chunk");
                }
            }
            if self.keep_body {
                self.body.extend_from_slice(&self.buf[..size]);
            }
            self.buf.advance(size + 2);
            total += size;
            if size == 0 {
                return Ok(total);
            }
        }
        bail!("too many chunks")
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `connections` connections each send requests (taken in turn from `requests`) for
/// `duration`.
pub async fn closed_loop(
    addr: SocketAddr,
    requests: Arc<Vec<Bytes>>,
    connections: usize,
    duration: Duration,
    expect: u16,
) -> Sample {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..connections {
        let requests = requests.clone();
        tasks.spawn(async move {
            let mut conn = Conn::new(addr);
            let mut sample = Sample::default();
            let mut i = c;
            while Instant::now() < deadline {
                let req = &requests[i % requests.len()];
                i += 1;
                let t = Instant::now();
                match conn.roundtrip(req).await {
                    Ok((status, body)) => sample.record(expect, status, body, t),
                    Err(_) => {
                        sample.failed += 1;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            sample
        });
    }
    collect(tasks, start).await
}

/// Sends every request in `requests` exactly once over `connections` connections; the
/// elapsed time runs until the last answer.
pub async fn each_once(
    addr: SocketAddr,
    requests: Arc<Vec<Bytes>>,
    connections: usize,
    expect: u16,
) -> Sample {
    let start = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (requests, next) = (requests.clone(), next.clone());
        tasks.spawn(async move {
            let mut conn = Conn::new(addr);
            let mut sample = Sample::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(req) = requests.get(i) else { break };
                let t = Instant::now();
                match conn.roundtrip(req).await {
                    Ok((status, body)) => sample.record(expect, status, body, t),
                    Err(_) => sample.failed += 1,
                }
            }
            sample
        });
    }
    collect(tasks, start).await
}

/// Sends `rate` requests per second in total over `connections` connections until `stop`
/// says so (or `max` passes). Latency counts from when a request was due, so a stalled
/// server is not hidden by the generator waiting for it.
pub async fn open_loop(
    addr: SocketAddr,
    requests: Arc<Vec<Bytes>>,
    connections: usize,
    rate: f64,
    max: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
    expect: u16,
) -> Sample {
    let start = Instant::now();
    let interval = Duration::from_secs_f64(connections as f64 / rate);
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..connections {
        let requests = requests.clone();
        let stop = stop.clone();
        let offset = interval.mul_f64(c as f64 / connections as f64);
        tasks.spawn(async move {
            let mut conn = Conn::new(addr);
            let mut sample = Sample::default();
            let mut due = start + offset;
            let mut i = c;
            while due - start < max && !*stop.borrow() {
                tokio::time::sleep_until(due.into()).await;
                let req = &requests[i % requests.len()];
                i += 1;
                match conn.roundtrip(req).await {
                    Ok((status, body)) => sample.record(expect, status, body, due),
                    Err(_) => sample.failed += 1,
                }
                due += interval;
            }
            sample
        });
    }
    collect(tasks, start).await
}

async fn collect(mut tasks: tokio::task::JoinSet<Sample>, start: Instant) -> Sample {
    let mut total = Sample::default();
    while let Some(done) = tasks.join_next().await {
        if let Ok(s) = done {
            total.merge(s);
        }
    }
    total.elapsed = start.elapsed();
    total
}

/// One request on a fresh connection: the status and the body (ask for identity encoding).
pub async fn fetch(addr: SocketAddr, request: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut conn = Conn::new(addr);
    conn.keep_body = true;
    let (status, _) = conn.roundtrip(request).await?;
    Ok((status, std::mem::take(&mut conn.body)))
}
