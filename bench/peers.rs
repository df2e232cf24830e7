//! The fake fediverse on loopback, on its own runtime in the driver process:
//!
//! * a key server publishing the actor documents (with RSA-2048 public keys) of the remote
//!   actors whose signed `Like`s the inbox scenario sends;
//! * `instances` servers, one port each, each with a shared inbox that counts the `Create`
//!   activities it receives (the fan-out scenario's followers live there).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use chorus::federation::signatures::PrivateKey;
use serde_json::json;

/// Counts of what arrived at the instances.
pub struct Stats {
    epoch: Instant,
    /// Every POST to an inbox.
    pub posts: AtomicU64,
    /// POSTs carrying a `Create`.
    pub creates: AtomicU64,
    /// When the last `Create` arrived, in microseconds since `epoch`.
    last_create_us: AtomicU64,
    /// `Create`s per instance.
    per_instance: Vec<AtomicU64>,
}

impl Stats {
    /// When the last `Create` arrived.
    pub fn last_create(&self) -> Instant {
        self.epoch + Duration::from_micros(self.last_create_us.load(Ordering::Acquire))
    }

    /// How many instances received at least `n` `Create`s.
    pub fn instances_with(&self, n: u64) -> usize {
        self.per_instance
            .iter()
            .filter(|c| c.load(Ordering::Acquire) >= n)
            .count()
    }
}

pub struct Peers {
    /// `localhost:PORT` of the key server: a host name, as servers have (Chorus fetches actors
    /// by host name only).
    pub key_host: String,
    /// The liking actors' names and keys (`liker0`, `liker1`, ...).
    pub likers: Vec<(String, Arc<PrivateKey>)>,
    /// The port of every instance.
    pub instance_ports: Vec<u16>,
    pub stats: Arc<Stats>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Peers {
    fn drop(&mut self) {
        // Dropped from inside the driver's runtime, where waiting is not allowed.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

#[derive(Clone)]
struct KeyState {
    base: String,
    pems: Arc<HashMap<String, String>>,
}

#[derive(Clone)]
struct InstanceState {
    index: usize,
    stats: Arc<Stats>,
}

impl Peers {
    /// Starts the key server for `likers` actors and `instances` inbox servers.
    pub fn start(likers: usize, instances: usize) -> anyhow::Result<Peers> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("peers")
            .enable_all()
            .build()?;
        let keys: Vec<(String, Arc<PrivateKey>)> = generate_keys(likers);
        let stats = Arc::new(Stats {
            epoch: Instant::now(),
            posts: AtomicU64::new(0),
            creates: AtomicU64::new(0),
            last_create_us: AtomicU64::new(0),
            per_instance: (0..instances).map(|_| AtomicU64::new(0)).collect(),
        });
        // Bound from a plain thread: the caller may itself be inside a runtime.
        let bind = || {
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let key_host = format!("localhost:{}", listener.local_addr()?.port());
                let mut pems = HashMap::new();
                for (name, key) in &keys {
                    pems.insert(name.clone(), key.public_key_pem()?);
                }
                let state = KeyState {
                    base: format!("http://{key_host}"),
                    pems: Arc::new(pems),
                };
                let router = Router::new()
                    .route("/users/{name}", get(actor))
                    .with_state(state);
                tokio::spawn(async move { axum::serve(listener, router).await });

                let mut ports = Vec::with_capacity(instances);
                for index in 0..instances {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                    ports.push(listener.local_addr()?.port());
                    let router = Router::new()
                        .route("/inbox", post(inbox))
                        .route("/users/{name}/inbox", post(inbox))
                        .with_state(InstanceState {
                            index,
                            stats: stats.clone(),
                        });
                    tokio::spawn(async move { axum::serve(listener, router).await });
                }
                Ok::<_, anyhow::Error>((key_host, ports))
            })
        };
        let (key_host, instance_ports) =
            std::thread::scope(|s| s.spawn(bind).join().expect("binding does not panic"))?;
        Ok(Peers {
            key_host,
            likers: keys,
            instance_ports,
            stats,
            runtime: Some(runtime),
        })
    }

    pub fn liker_uri(&self, i: usize) -> String {
        format!("http://{}/users/{}", self.key_host, self.likers[i].0)
    }

    pub fn liker_key_id(&self, i: usize) -> String {
        format!("{}#main-key", self.liker_uri(i))
    }
}

/// RSA-2048 keys for `n` actors, generated on every core.
fn generate_keys(n: usize) -> Vec<(String, Arc<PrivateKey>)> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .max(1);
    let per = n.div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (t * per..((t + 1) * per).min(n))
                        .map(|i| {
                            (
                                format!("liker{i}"),
                                Arc::new(PrivateKey::generate_rsa_2048()),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("key generation does not panic"))
            .collect()
    })
}

async fn actor(State(s): State<KeyState>, Path(name): Path<String>) -> impl IntoResponse {
    let Some(pem) = s.pems.get(&name) else {
        return (StatusCode::NOT_FOUND, String::new()).into_response();
    };
    let id = format!("{}/users/{name}", s.base);
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": name,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "endpoints": {"sharedInbox": format!("{}/inbox", s.base)},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem},
    });
    (
        [("content-type", "application/activity+json")],
        doc.to_string(),
    )
        .into_response()
}

async fn inbox(State(s): State<InstanceState>, body: Bytes) -> StatusCode {
    s.stats.posts.fetch_add(1, Ordering::AcqRel);
    if find(&body, b"\"type\":\"Create\"") {
        let now = s.stats.epoch.elapsed().as_micros() as u64;
        s.stats.per_instance[s.index].fetch_add(1, Ordering::AcqRel);
        s.stats.last_create_us.fetch_max(now, Ordering::AcqRel);
        s.stats.creates.fetch_add(1, Ordering::AcqRel);
    }
    StatusCode::ACCEPTED
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
