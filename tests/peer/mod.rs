//! A fake fediverse server for tests: actors with real RSA keys served on a loopback port,
//! inboxes that record what arrives, and helpers to sign requests the way Mastodon does.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use chorus::federation::signatures::PrivateKey;
use chorus::federation::signatures::cavage::sign_request;
use serde_json::{Value, json};
use url::Url;

/// One request that reached a peer inbox.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Clone)]
struct PeerState {
    base: Url,
    keys: Arc<HashMap<String, Arc<PrivateKey>>>,
    received: Arc<Mutex<Vec<Received>>>,
    inbox_delay: Duration,
    shared_inbox: bool,
}

/// A fake server with actors `names`.
pub struct Peer {
    pub base: Url,
    keys: Arc<HashMap<String, Arc<PrivateKey>>>,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    pub async fn start(names: &[&str]) -> Peer {
        Peer::start_with(names, Duration::ZERO, true).await
    }

    /// `inbox_delay` slows every inbox answer; `shared_inbox` chooses whether actors
    /// advertise a shared inbox.
    pub async fn start_with(names: &[&str], inbox_delay: Duration, shared_inbox: bool) -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let base = Url::parse(&format!("http://{}", listener.local_addr().expect("bound"))).expect("a URL");
        let keys: HashMap<String, Arc<PrivateKey>> = names
            .iter()
            .map(|n| (n.to_string(), Arc::new(PrivateKey::generate_rsa_2048())))
            .collect();
        let keys = Arc::new(keys);
        let received = Arc::new(Mutex::new(Vec::new()));
        let state = PeerState { base: base.clone(), keys: keys.clone(), received: received.clone(), inbox_delay, shared_inbox };
        let router = Router::new()
            .route("/users/{name}", get(actor))
            .route("/users/{name}/inbox", post(inbox))
            .route("/inbox", post(inbox_shared))
            .with_state(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Peer { base, keys, received, task }
    }

    pub fn actor(&self, name: &str) -> String {
        format!("{}users/{name}", self.base)
    }

    pub fn key_id(&self, name: &str) -> String {
        format!("{}#main-key", self.actor(name))
    }

    pub fn key(&self, name: &str) -> Arc<PrivateKey> {
        self.keys[name].clone()
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Activities of `kind` received so far.
    pub fn received_of(&self, kind: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.body["type"] == kind).collect()
    }

    /// Signs a POST of `body` to `url` as actor `name`, returning the headers to send.
    pub fn sign(&self, name: &str, url: &Url, body: &[u8], at: SystemTime) -> HeaderMap {
        let signed = sign_request(&Method::POST, url, Some(body), &self.key_id(name), &self.key(name), at).expect("signing works");
        let mut headers = HeaderMap::new();
        signed.apply_to(&mut headers);
        headers.insert("content-type", "application/activity+json".parse().expect("valid"));
        headers
    }

    /// Sends `activity` signed by `name` to `inbox`; gives the status.
    pub async fn deliver(&self, name: &str, inbox: &Url, activity: &Value) -> StatusCode {
        let body = serde_json::to_vec(activity).expect("serializable");
        let headers = self.sign(name, inbox, &body, SystemTime::now());
        send(inbox, headers, body).await
    }
}

/// POSTs `body` with exactly `headers`.
pub async fn send(url: &Url, headers: HeaderMap, body: Vec<u8>) -> StatusCode {
    let client = reqwest::Client::new();
    let mut request = client.post(url.as_str()).body(body);
    for (k, v) in headers.iter() {
        if k != "host" {
            request = request.header(k.as_str(), v.as_bytes());
        }
    }
    let response = request.send().await.expect("the server answers");
    StatusCode::from_u16(response.status().as_u16()).expect("a status")
}

async fn actor(State(s): State<PeerState>, Path(name): Path<String>) -> impl IntoResponse {
    let Some(key) = s.keys.get(&name) else {
        return (StatusCode::NOT_FOUND, String::new()).into_response();
    };
    let id = format!("{}users/{name}", s.base);
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": format!("{name} (peer)"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key.public_key_pem().expect("a PEM")},
    });
    if s.shared_inbox {
        doc["endpoints"] = json!({"sharedInbox": format!("{}inbox", s.base)});
    }
    ([("content-type", "application/activity+json")], doc.to_string()).into_response()
}

async fn record(s: &PeerState, path: String, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !s.inbox_delay.is_zero() {
        tokio::time::sleep(s.inbox_delay).await;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    s.received.lock().expect("lock").push(Received { path, headers, body });
    StatusCode::ACCEPTED
}

async fn inbox(State(s): State<PeerState>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> StatusCode {
    record(&s, format!("/users/{name}/inbox"), headers, body).await
}

async fn inbox_shared(State(s): State<PeerState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    record(&s, "/inbox".into(), headers, body).await
}
