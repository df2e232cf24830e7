//! A fake fediverse server for tests: actors with real RSA keys (and PNG avatars) served on a
//! loopback port, WebFinger with an interaction template, objects the test publishes (notes a
//! Chorus site may fetch), inboxes that record what arrives, and helpers to sign requests the
//! way Mastodon does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_lc_rs::signature::Ed25519KeyPair;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use chorus::federation::integrity;
use chorus::federation::signatures::PrivateKey;
use chorus::federation::signatures::cavage::sign_request;
use serde_json::{Value, json};
use url::Url;

use super::TestApp;

/// One request that reached a peer inbox.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

/// Which HTTP signatures a verifying peer's inboxes take (see [`Peer::verifying`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepts {
    /// Only draft-cavage, as Mastodon before 4.5: an RFC 9421 signature gets 401.
    CavageOnly,
    /// RFC 9421 and draft-cavage, as Mastodon 4.5+ and Fedify.
    Both,
}

/// One POST to a verifying peer's inbox: how it was signed and what the peer answered.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// `"rfc9421"`, `"cavage"` or `"none"`.
    pub scheme: &'static str,
    pub status: StatusCode,
    pub body: Value,
}

/// Objects served at `/objects/{name}`, by name.
type Objects = Arc<Mutex<HashMap<String, Value>>>;

#[derive(Clone)]
struct PeerState {
    base: Url,
    keys: Arc<HashMap<String, Arc<PrivateKey>>>,
    received: Arc<Mutex<Vec<Received>>>,
    objects: Objects,
    fetches: Arc<Mutex<Vec<String>>>,
    inbox_delay: Duration,
    shared_inbox: bool,
    gotosocial: bool,
    /// Advertises Activity Intents in WebFinger (see [`Peer::with_intents`]).
    intents: bool,
    avatars: AvatarGate,
    /// Verifies the signature of every delivery (see [`Peer::verifying`]).
    accepts: Option<Accepts>,
    attempts: Arc<Mutex<Vec<Attempt>>>,
    /// Each actor's Ed25519 key, listed in its `assertionMethod` (FEP-521a).
    ed25519: Arc<HashMap<String, Arc<Ed25519KeyPair>>>,
    aliases: Aliases,
}

/// Each actor's `alsoKnownAs` (see [`Peer::set_aliases`]).
type Aliases = Arc<Mutex<HashMap<String, Vec<String>>>>;

/// Holds avatar requests until released, and counts them while they wait.
#[derive(Clone)]
struct AvatarGate {
    open: Arc<tokio::sync::watch::Sender<bool>>,
    waiting: Arc<std::sync::atomic::AtomicUsize>,
}

/// A fake server with actors `names`.
pub struct Peer {
    pub base: Url,
    /// Behaves like GoToSocial (see [`Peer::gotosocial`]).
    gotosocial: bool,
    keys: Arc<HashMap<String, Arc<PrivateKey>>>,
    received: Arc<Mutex<Vec<Received>>>,
    objects: Objects,
    fetches: Arc<Mutex<Vec<String>>>,
    avatars: AvatarGate,
    attempts: Arc<Mutex<Vec<Attempt>>>,
    ed25519: Arc<HashMap<String, Arc<Ed25519KeyPair>>>,
    aliases: Aliases,
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
        Peer::launch(names, inbox_delay, shared_inbox, false, false, None).await
    }

    /// A peer whose inboxes verify each delivery's HTTP signature with the signer's key
    /// (fetched from the key id) and answer 401 when it does not hold; with
    /// [`Accepts::CavageOnly`] an RFC 9421 signature is refused with 401 unread, as servers
    /// that know only draft-cavage do. Every attempt is logged ([`Peer::attempts`]).
    pub async fn verifying(names: &[&str], accepts: Accepts) -> Peer {
        Peer::launch(names, Duration::ZERO, true, false, false, Some(accepts)).await
    }

    /// A peer whose WebFinger advertises Activity Intents (FEP-3b86) beside the subscribe
    /// template: Mastodon 4.6's `Create` (share text) and `Object`, and `Follow` and `Like`
    /// as other servers publish them.
    pub async fn with_intents(names: &[&str]) -> Peer {
        Peer::launch(names, Duration::ZERO, true, false, true, None).await
    }

    /// A peer that behaves like GoToSocial 0.20 where it is strict: its key ids are
    /// `<actor>/main-key`, which answer a reduced actor (no inbox; the owner in
    /// `publicKey.owner`); it checks the signer of every signed GET by looking it up with
    /// WebFinger (`acct:<preferredUsername>@<host>`) and answers 500 when it cannot; and, like
    /// every peer here, it answers WebFinger asked with the ActivityPub type with 406.
    pub async fn gotosocial(names: &[&str]) -> Peer {
        Peer::launch(names, Duration::ZERO, true, true, false, None).await
    }

    async fn launch(
        names: &[&str],
        inbox_delay: Duration,
        shared_inbox: bool,
        gotosocial: bool,
        intents: bool,
        accepts: Option<Accepts>,
    ) -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        // A host name, as servers have: the ActivityPub crate fetches only from domain names.
        let port = listener.local_addr().expect("bound").port();
        let base = Url::parse(&format!("http://localhost:{port}")).expect("a URL");
        let keys: HashMap<String, Arc<PrivateKey>> = names
            .iter()
            .map(|n| (n.to_string(), Arc::new(PrivateKey::generate_rsa_2048())))
            .collect();
        let keys = Arc::new(keys);
        let ed25519: HashMap<String, Arc<Ed25519KeyPair>> = names
            .iter()
            .map(|n| {
                let (pem, _) = integrity::generate().expect("an Ed25519 key");
                let pair = integrity::key_from_pem(&pem).expect("it reads back");
                (n.to_string(), Arc::new(pair))
            })
            .collect();
        let ed25519 = Arc::new(ed25519);
        let attempts: Arc<Mutex<Vec<Attempt>>> = Arc::default();
        let received = Arc::new(Mutex::new(Vec::new()));
        let objects: Objects = Arc::default();
        let fetches: Arc<Mutex<Vec<String>>> = Arc::default();
        let aliases: Aliases = Arc::default();
        let avatars = AvatarGate {
            open: Arc::new(tokio::sync::watch::channel(true).0),
            waiting: Arc::default(),
        };
        let state = PeerState {
            base: base.clone(),
            keys: keys.clone(),
            received: received.clone(),
            objects: objects.clone(),
            fetches: fetches.clone(),
            inbox_delay,
            shared_inbox,
            gotosocial,
            intents,
            avatars: avatars.clone(),
            accepts,
            attempts: attempts.clone(),
            ed25519: ed25519.clone(),
            aliases: aliases.clone(),
        };
        let router = Router::new()
            .route("/users/{name}", get(actor))
            .route("/users/{name}/main-key", get(reduced_actor))
            .route("/avatars/{file}", get(avatar))
            .route("/objects/{name}", get(object))
            .route("/.well-known/webfinger", get(webfinger))
            .route("/users/{name}/inbox", post(inbox))
            .route("/inbox", post(inbox_shared))
            .with_state(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Peer {
            base,
            gotosocial,
            keys,
            received,
            objects,
            fetches,
            avatars,
            attempts,
            ed25519,
            aliases,
            task,
        }
    }

    /// Makes actor `name` list `ids` in its `alsoKnownAs` (an account moving here or there).
    pub fn set_aliases(&self, name: &str, ids: &[&str]) {
        let ids = ids.iter().map(|s| s.to_string()).collect();
        self.aliases
            .lock()
            .expect("lock")
            .insert(name.to_owned(), ids);
    }

    /// What reached a verifying peer's inboxes, accepted or not, in order.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().expect("lock").clone()
    }

    /// The id of `name`'s Ed25519 Multikey.
    pub fn ed25519_key_id(&self, name: &str) -> String {
        format!("{}#ed25519-key", self.actor(name))
    }

    /// `activity` with an integrity proof (FEP-8b32) by `name`'s Ed25519 key.
    pub fn prove(&self, name: &str, activity: &Value) -> Value {
        integrity::attach(
            activity,
            &self.ed25519[name],
            &self.ed25519_key_id(name),
            chrono::Utc::now(),
        )
        .expect("a proof")
    }

    /// Holds every avatar request from now until [`Peer::release_avatars`].
    pub fn hold_avatars(&self) {
        self.avatars.open.send_replace(false);
    }

    pub fn release_avatars(&self) {
        self.avatars.open.send_replace(true);
    }

    /// Avatar requests being held now.
    pub fn avatars_held(&self) -> usize {
        self.avatars
            .waiting
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// `name@host:port`, the handle of actor `name`.
    pub fn handle(&self, name: &str) -> String {
        format!("{name}@{}", self.domain())
    }

    /// `host:port`, the domain of every actor here.
    pub fn domain(&self) -> String {
        format!(
            "{}:{}",
            self.base.host_str().expect("a host"),
            self.base.port().expect("a port")
        )
    }

    /// The URL `/objects/{name}` is served at.
    pub fn object_url(&self, name: &str) -> String {
        format!("{}objects/{name}", self.base)
    }

    /// Serves `doc` at [`Peer::object_url`]`(name)` (its `id` should be that URL).
    pub fn publish(&self, name: &str, doc: Value) {
        self.objects
            .lock()
            .expect("lock")
            .insert(name.to_owned(), doc);
    }

    /// The paths of every GET of an avatar or object so far.
    pub fn fetches(&self) -> Vec<String> {
        self.fetches.lock().expect("lock").clone()
    }

    /// A public Note by `who` answering `in_reply_to`, served at `/objects/{name}`.
    pub fn note(&self, who: &str, name: &str, in_reply_to: &str, content: &str) -> Value {
        json!({
            "id": self.object_url(name),
            "type": "Note",
            "attributedTo": self.actor(who),
            "inReplyTo": in_reply_to,
            "content": content,
            "url": format!("{}@{who}/{name}", self.base),
            "published": "2026-11-20T10:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{}/followers", self.actor(who))],
        })
    }

    /// A public Note by `who` that answers nothing and mentions the actors `mentioned` (a
    /// `Mention` tag each, and in `cc`, as Mastodon writes it), served at `/objects/{name}`.
    pub fn mentioning(&self, who: &str, name: &str, mentioned: &[&str], content: &str) -> Value {
        let tags: Vec<Value> = mentioned
            .iter()
            .map(|m| json!({"type": "Mention", "href": m, "name": format!("@{}", m.rsplit('/').next().unwrap_or(m).trim_start_matches('@'))}))
            .collect();
        let mut cc = vec![json!(format!("{}/followers", self.actor(who)))];
        cc.extend(mentioned.iter().map(|m| json!(m)));
        json!({
            "id": self.object_url(name),
            "type": "Note",
            "attributedTo": self.actor(who),
            "content": content,
            "url": format!("{}@{who}/{name}", self.base),
            "published": "2026-11-20T10:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": cc,
            "tag": tags,
        })
    }

    /// A `Create` of `object` by `who`.
    pub fn create(&self, who: &str, object: &Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activity", object["id"].as_str().expect("an id")),
            "type": "Create",
            "actor": self.actor(who),
            "to": object["to"],
            "cc": object["cc"],
            "object": object,
        })
    }

    /// A `Follow` of `object` (an actor's URL) by `who`, with a fresh id.
    pub fn follow(&self, who: &str, object: &str) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/follows/{}", self.actor(who), uuid::Uuid::new_v4()),
            "type": "Follow",
            "actor": self.actor(who),
            "object": object,
        })
    }

    /// An activity of `kind` by `who` about `object`, with a fresh id.
    pub fn activity(&self, who: &str, kind: &str, object: Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/{}/{}", self.actor(who), kind.to_lowercase(), uuid::Uuid::new_v4()),
            "type": kind,
            "actor": self.actor(who),
            "object": object,
        })
    }

    pub fn actor(&self, name: &str) -> String {
        format!("{}users/{name}", self.base)
    }

    pub fn key_id(&self, name: &str) -> String {
        key_id(&self.actor(name), self.gotosocial)
    }

    pub fn key(&self, name: &str) -> Arc<PrivateKey> {
        self.keys[name].clone()
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Activities of `kind` received so far.
    pub fn received_of(&self, kind: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.body["type"] == kind)
            .collect()
    }

    /// Signs a POST of `body` to `url` as actor `name`, returning the headers to send.
    pub fn sign(&self, name: &str, url: &Url, body: &[u8], at: SystemTime) -> HeaderMap {
        let signed = sign_request(
            &Method::POST,
            url,
            Some(body),
            &self.key_id(name),
            &self.key(name),
            at,
        )
        .expect("signing works");
        let mut headers = HeaderMap::new();
        signed.apply_to(&mut headers);
        headers.insert(
            "content-type",
            "application/activity+json".parse().expect("valid"),
        );
        headers
    }

    /// Signs a GET of `url` as actor `name`: the headers to send, as pairs.
    pub fn sign_get(&self, name: &str, url: &Url) -> Vec<(String, String)> {
        let signed = sign_request(
            &Method::GET,
            url,
            None,
            &self.key_id(name),
            &self.key(name),
            SystemTime::now(),
        )
        .expect("signing works");
        let mut headers = HeaderMap::new();
        signed.apply_to(&mut headers);
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().expect("ASCII").to_owned()))
            .collect()
    }

    /// Sends `activity` signed by `name` to `inbox`; gives the status.
    pub async fn deliver(&self, name: &str, inbox: &Url, activity: &Value) -> StatusCode {
        let body = serde_json::to_vec(activity).expect("serializable");
        let headers = self.sign(name, inbox, &body, SystemTime::now());
        send(inbox, headers, body).await
    }

    /// `who` answers `in_reply_to` with a public note `name` saying `content` (HTML): its
    /// `Create` goes to the shared inbox of `site`, which must take it (202). Gives the note.
    pub async fn reply(
        &self,
        site: &TestApp,
        who: &str,
        name: &str,
        in_reply_to: &str,
        content: &str,
    ) -> Value {
        let note = self.note(who, name, in_reply_to, content);
        assert_eq!(
            self.deliver(who, &site.inbox(), &self.create(who, &note))
                .await,
            StatusCode::ACCEPTED,
            "{who}'s reply {name}"
        );
        note
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

/// Mastodon's key ids are `<actor>#main-key`; GoToSocial's `<actor>/main-key`.
fn key_id(actor: &str, gotosocial: bool) -> String {
    if gotosocial {
        format!("{actor}/main-key")
    } else {
        format!("{actor}#main-key")
    }
}

/// GoToSocial's key document: the actor reduced to its name and key, without an inbox.
async fn reduced_actor(State(s): State<PeerState>, Path(name): Path<String>) -> impl IntoResponse {
    let (Some(key), true) = (s.keys.get(&name), s.gotosocial) else {
        return (StatusCode::NOT_FOUND, String::new()).into_response();
    };
    let id = format!("{}users/{name}", s.base);
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "publicKey": {"id": key_id(&id, true), "owner": id, "publicKeyPem": key.public_key_pem().expect("a PEM")},
    });
    (
        [("content-type", "application/activity+json")],
        doc.to_string(),
    )
        .into_response()
}

/// What GoToSocial does with a signed GET: finds the signer's actor and looks it up by
/// WebFinger at its host. `Err` is the 500 it answers when that fails.
async fn check_signer_by_webfinger(headers: &HeaderMap) -> Result<(), String> {
    let Some(signature) = headers.get("signature").and_then(|v| v.to_str().ok()) else {
        return Ok(()); // unsigned: nothing to check
    };
    let key_id = signature
        .split(',')
        .find_map(|p| p.trim().strip_prefix("keyId=\""))
        .and_then(|k| k.strip_suffix('"'))
        .ok_or("no keyId")?;
    let mut actor = Url::parse(key_id).map_err(|e| e.to_string())?;
    actor.set_fragment(None);
    let client = reqwest::Client::new();
    let doc: Value = client
        .get(actor.as_str())
        .header("accept", "application/activity+json")
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let name = doc["preferredUsername"]
        .as_str()
        .ok_or("no preferredUsername")?;
    let host = match actor.port() {
        Some(port) => format!("{}:{port}", actor.host_str().unwrap_or_default()),
        None => actor.host_str().unwrap_or_default().to_owned(),
    };
    let webfinger = format!(
        "{}://{host}/.well-known/webfinger?resource=acct:{name}@{host}",
        actor.scheme()
    );
    let answer = client
        .get(&webfinger)
        .header("accept", "application/jrd+json")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!(
            "WebFinger of the signer answered {}",
            answer.status()
        ));
    }
    let jrd: Value = answer.json().await.map_err(|e| e.to_string())?;
    let found = jrd["links"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|l| l["rel"] == "self" && l["href"] == doc["id"]);
    if found {
        Ok(())
    } else {
        Err("the signer's WebFinger names another actor".into())
    }
}

async fn actor(
    State(s): State<PeerState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> impl IntoResponse {
    let Some(key) = s.keys.get(&name) else {
        return (StatusCode::NOT_FOUND, String::new()).into_response();
    };
    if s.gotosocial
        && let Err(why) = check_signer_by_webfinger(&headers).await
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, why).into_response();
    }
    let id = format!("{}users/{name}", s.base);
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": format!("{name} (peer)"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "publicKey": {"id": key_id(&id, s.gotosocial), "owner": id, "publicKeyPem": key.public_key_pem().expect("a PEM")},
        "url": format!("{}@{name}", s.base),
        "icon": {"type": "Image", "mediaType": "image/png", "url": format!("{}avatars/{name}.png", s.base)},
    });
    if s.shared_inbox {
        doc["endpoints"] = json!({"sharedInbox": format!("{}inbox", s.base)});
    }
    if let Some(ids) = s.aliases.lock().expect("lock").get(&name) {
        doc["alsoKnownAs"] = json!(ids);
    }
    if let Some(pair) = s.ed25519.get(&name) {
        let key_id = format!("{id}#ed25519-key");
        doc["assertionMethod"] = json!([integrity::multikey(
            &key_id,
            &id,
            &integrity::public_multibase(pair)
        )]);
    }
    (
        [("content-type", "application/activity+json")],
        doc.to_string(),
    )
        .into_response()
}

/// A 64×64 PNG in a colour of the name's; `broken.png` is not an image at all; `huge*.png`
/// claims to be 12000×12000 pixels.
async fn avatar(State(s): State<PeerState>, Path(file): Path<String>) -> impl IntoResponse {
    s.fetches
        .lock()
        .expect("lock")
        .push(format!("/avatars/{file}"));
    let mut open = s.avatars.open.subscribe();
    if !*open.borrow() {
        s.avatars
            .waiting
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let _ = open.wait_for(|o| *o).await;
        s.avatars
            .waiting
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
    if file.starts_with("broken") {
        return ([("content-type", "image/png")], b"not a picture".to_vec()).into_response();
    }
    if file.starts_with("huge") {
        let png = super::images::png_claiming(12_000, 12_000);
        return ([("content-type", "image/png")], png).into_response();
    }
    let shade = file.bytes().fold(0u8, |a, b| a.wrapping_add(b));
    let img = image::RgbImage::from_pixel(64, 64, image::Rgb([shade, 120, 200]));
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("encode a PNG");
    ([("content-type", "image/png")], png.into_inner()).into_response()
}

async fn object(State(s): State<PeerState>, Path(name): Path<String>) -> impl IntoResponse {
    s.fetches
        .lock()
        .expect("lock")
        .push(format!("/objects/{name}"));
    match s.objects.lock().expect("lock").get(&name) {
        Some(doc) => (
            [("content-type", "application/activity+json")],
            doc.to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(serde::Deserialize)]
struct WebfingerQuery {
    resource: String,
}

/// WebFinger for `acct:name@host:port`: the actor, and Mastodon's interaction template.
/// Asked with the ActivityPub type rather than the JRD's, it answers 406, as GoToSocial does.
async fn webfinger(
    State(s): State<PeerState>,
    axum::extract::Query(q): axum::extract::Query<WebfingerQuery>,
    headers: HeaderMap,
) -> impl IntoResponse {
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    if !["jrd+json", "application/json", "*/*"]
        .iter()
        .any(|t| accept.contains(t))
    {
        return StatusCode::NOT_ACCEPTABLE.into_response();
    }
    s.fetches
        .lock()
        .expect("lock")
        .push(format!("/.well-known/webfinger?resource={}", q.resource));
    let name = q
        .resource
        .trim_start_matches("acct:")
        .split('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    if !s.keys.contains_key(&name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut links = vec![
        json!({"rel": "self", "type": "application/activity+json", "href": format!("{}users/{name}", s.base)}),
        json!({"rel": "http://ostatus.org/schema/1.0/subscribe", "template": format!("{}authorize_interaction?uri={{uri}}", s.base)}),
    ];
    if s.intents {
        for (intent, template) in [
            ("Create", "share?text={content}"),
            ("Object", "authorize_interaction?uri={object}"),
            ("Follow", "intents/follow?object={object}"),
            ("Like", "intents/like?object={object}"),
        ] {
            links.push(json!({"rel": format!("https://w3id.org/fep/3b86/{intent}"), "template": format!("{}{template}", s.base)}));
        }
    }
    let doc = json!({"subject": q.resource, "links": links});
    ([("content-type", "application/jrd+json")], doc.to_string()).into_response()
}

/// How a verifying peer answers a delivery: 202 when its signature holds with the signer's
/// key, 401 otherwise (and to RFC 9421 at all when it takes only draft-cavage).
async fn check_signature(
    s: &PeerState,
    accepts: Accepts,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (&'static str, StatusCode) {
    let scheme = if headers.contains_key("signature-input") {
        "rfc9421"
    } else if headers.contains_key("signature") {
        "cavage"
    } else {
        "none"
    };
    if scheme == "none" || (scheme == "rfc9421" && accepts == Accepts::CavageOnly) {
        return (scheme, StatusCode::UNAUTHORIZED);
    }
    let target = s.base.join(path).expect("a URL");
    let Ok(pending) = chorus::federation::signatures::parse_request_signature(
        &Method::POST,
        &target,
        headers,
        Some(body),
        SystemTime::now(),
    ) else {
        return (scheme, StatusCode::UNAUTHORIZED);
    };
    let mut key_url = Url::parse(&pending.key_id).expect("a key id URL");
    key_url.set_fragment(None);
    let Ok(answer) = reqwest::Client::new()
        .get(key_url.as_str())
        .header("accept", "application/activity+json")
        .send()
        .await
    else {
        return (scheme, StatusCode::UNAUTHORIZED);
    };
    let doc: Value = answer.json().await.unwrap_or(Value::Null);
    let verified = doc["publicKey"]["publicKeyPem"]
        .as_str()
        .and_then(|pem| chorus::federation::signatures::PublicKey::from_pem(pem).ok())
        .is_some_and(|key| pending.verify(&key).is_ok());
    if verified {
        (scheme, StatusCode::ACCEPTED)
    } else {
        (scheme, StatusCode::UNAUTHORIZED)
    }
}

async fn record(s: &PeerState, path: String, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !s.inbox_delay.is_zero() {
        tokio::time::sleep(s.inbox_delay).await;
    }
    if let Some(accepts) = s.accepts {
        let (scheme, status) = check_signature(s, accepts, &path, &headers, &body).await;
        s.attempts.lock().expect("lock").push(Attempt {
            scheme,
            status,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
        if status != StatusCode::ACCEPTED {
            return status;
        }
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    s.received.lock().expect("lock").push(Received {
        path,
        headers,
        body,
    });
    StatusCode::ACCEPTED
}

async fn inbox(
    State(s): State<PeerState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    record(&s, format!("/users/{name}/inbox"), headers, body).await
}

async fn inbox_shared(State(s): State<PeerState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    record(&s, "/inbox".into(), headers, body).await
}
