//! The outgoing delivery queue and the HTTP client, against small fake inboxes on loopback:
//! every inbox gets each activity once and signed, failures are retried or given up as a
//! peer would expect, instances that keep failing are left alone, claims never overlap, and
//! nothing is lost when a process dies holding leases.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::support::{Backend, TestApp, backends, count_rows, eventually};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chorus::app::App;
use chorus::config::Config;
use chorus::federation::client::{ClientError, HttpClient, MAX_JSON_BYTES};
use chorus::federation::keys::{self, Signer};
use chorus::federation::signatures::{self, PublicKey, digest};
use chorus::queue::{self, OutgoingActivity, QueuePolicy, worker};
use chorus::storage::deliveries::{self, Delivery, DeliveryStatus, Outcome};
use chorus::storage::instances::{self, Health};
use chrono::Utc;
use serde_json::json;
use url::Url;

/// What a fake inbox received.
#[derive(Debug, Clone)]
struct Received {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

/// A fake remote server on `127.0.0.1:<port>`: records every request and answers each path
/// with its scripted statuses in turn, then with its standing answer (202 unless set).
#[derive(Clone, Default)]
struct Fake {
    state: Arc<Mutex<FakeState>>,
}

#[derive(Default)]
struct FakeState {
    received: Vec<Received>,
    script: HashMap<String, VecDeque<StatusCode>>,
    standing: HashMap<String, StatusCode>,
    documents: HashMap<String, Response>,
}

struct FakeServer {
    fake: Fake,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    async fn start() -> FakeServer {
        let fake = Fake::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let router = Router::new().fallback(answer).with_state(fake.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        FakeServer { fake, addr, task }
    }

    fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).expect("a valid URL")
    }

    fn script(&self, path: &str, statuses: &[u16]) {
        let statuses = statuses
            .iter()
            .map(|s| StatusCode::from_u16(*s).expect("a status"))
            .collect();
        self.fake
            .state
            .lock()
            .unwrap()
            .script
            .insert(path.to_owned(), statuses);
    }

    fn always(&self, path: &str, status: u16) {
        let status = StatusCode::from_u16(status).expect("a status");
        self.fake
            .state
            .lock()
            .unwrap()
            .standing
            .insert(path.to_owned(), status);
    }

    /// Answers the next request for `path` with `make()`.
    fn serve(&self, path: &str, make: impl Fn() -> Response) {
        self.fake
            .state
            .lock()
            .unwrap()
            .documents
            .insert(path.to_owned(), make());
    }

    fn received(&self, path: &str) -> Vec<Received> {
        self.fake
            .state
            .lock()
            .unwrap()
            .received
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    fn total(&self) -> usize {
        self.fake.state.lock().unwrap().received.len()
    }
}

async fn answer(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let mut state = fake.state.lock().unwrap();
    state.received.push(Received {
        method,
        path: path.clone(),
        headers,
        body,
    });
    if let Some(doc) = state.documents.remove(&path) {
        return doc;
    }
    let scripted = state.script.get_mut(&path).and_then(VecDeque::pop_front);
    let status = scripted
        .or_else(|| state.standing.get(&path).copied())
        .unwrap_or(StatusCode::ACCEPTED);
    status.into_response()
}

/// A site on a fresh database that may deliver to loopback.
async fn site(backend: Backend) -> TestApp {
    TestApp::with_config(backend, |c| c.allow_private_networks = true).await
}

/// The policy of the tests: the production rules with waits of milliseconds.
fn fast_policy() -> QueuePolicy {
    QueuePolicy {
        poll_interval: Duration::from_millis(50),
        retry_schedule: vec![
            Duration::from_millis(100),
            Duration::from_millis(200),
            Duration::from_millis(300),
        ],
        ..QueuePolicy::default()
    }
}

/// Runs the workers until dropped.
struct Workers(tokio::task::JoinHandle<()>);

impl Workers {
    fn start(app: &App, policy: QueuePolicy) -> Workers {
        Workers(queue::spawn_workers_with(app.clone(), policy))
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An activity by the instance actor, with a fresh id.
async fn activity(app: &App, kind: &str) -> OutgoingActivity {
    let actor = keys::instance_actor(app).await.expect("the instance actor");
    let actor_url = keys::actor_url(app, &actor).await.expect("its URL");
    let id = app
        .config
        .url(&format!("/activities/{}", uuid::Uuid::new_v4()));
    let payload = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id.as_str(),
        "type": kind,
        "actor": actor_url.as_str(),
        "object": "https://social.example/notes/1",
    });
    OutgoingActivity {
        id,
        local_actor_id: actor.id,
        kind: kind.to_owned(),
        payload,
        after: None,
    }
}

/// An activity as queued, without the integrity proof added when it was queued.
fn without_proof(activity: Option<serde_json::Value>) -> Option<serde_json::Value> {
    activity.map(|mut a| {
        a.as_object_mut().map(|o| o.remove("proof"));
        a
    })
}

async fn rows(app: &App, activity: &OutgoingActivity) -> Vec<Delivery> {
    deliveries::list_deliveries_of_activity(&app.db, activity.id.as_str())
        .await
        .expect("storage works")
}

/// Waits until every delivery of `activity` has left `pending`.
async fn settled(app: &App, activity: &OutgoingActivity) -> Vec<Delivery> {
    eventually("every delivery to finish", || async {
        let rows = rows(app, activity).await;
        rows.iter()
            .all(|r| r.status != DeliveryStatus::Pending)
            .then_some(rows)
    })
    .await
}

#[tokio::test]
async fn every_inbox_receives_the_activity_once_and_signed() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let one = FakeServer::start().await;
        let two = FakeServer::start().await;
        let activity = activity(app, "Create").await;
        let inboxes = [
            one.url("/inbox"),
            one.url("/users/bob/inbox"),
            two.url("/inbox"),
            one.url("/inbox"),
        ];

        let queued = chorus::federation::enqueue::enqueue(app, &activity, &inboxes)
            .await
            .unwrap();
        assert_eq!(queued, 3, "duplicate inboxes are queued once");
        let _workers = Workers::start(app, fast_policy());
        let rows = settled(app, &activity).await;
        assert!(
            rows.iter()
                .all(|r| r.status == DeliveryStatus::Done && r.attempts == 1),
            "{rows:?}"
        );
        // Give a second (wrong) delivery a chance to show up before counting.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let actor = keys::instance_actor(app).await.unwrap();
        let public_key = PublicKey::from_pem(&actor.public_key_pem).unwrap();
        let signer = keys::signer(app, actor.id).await.unwrap();
        for (server, path) in [
            (&one, "/inbox"),
            (&one, "/users/bob/inbox"),
            (&two, "/inbox"),
        ] {
            let got = server.received(path);
            assert_eq!(got.len(), 1, "{path} gets exactly one request");
            let r = &got[0];
            assert_eq!(r.method, Method::POST);
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(
                body["proof"]["cryptosuite"], "eddsa-jcs-2022",
                "with a proof"
            );
            assert_eq!(without_proof(Some(body)), Some(activity.payload.clone()));
            assert_eq!(r.headers[header::CONTENT_TYPE], "application/activity+json");
            assert!(
                r.headers[header::USER_AGENT]
                    .to_str()
                    .unwrap()
                    .starts_with("Chorus/")
            );
            assert!(r.headers.contains_key(header::DATE));
            digest::verify_content_digest(r.headers["content-digest"].to_str().unwrap(), &r.body)
                .expect("Content-Digest matches the body");
            let input = r.headers["signature-input"].to_str().unwrap();
            assert!(
                input.contains(&format!("keyid=\"{}\"", signer.key_id)),
                "signed with RFC 9421 first: {input}"
            );
            let pending = signatures::parse_request_signature(
                &Method::POST,
                &server.url(path),
                &r.headers,
                Some(&r.body),
                SystemTime::now(),
            )
            .expect("a well-formed signature covering the digest");
            assert_eq!(pending.key_id, signer.key_id);
            pending
                .verify(&public_key)
                .expect("the signature verifies with the actor's key");
        }
        assert_eq!(one.total() + two.total(), 3);
    }
}

#[tokio::test]
async fn an_inbox_that_fails_twice_gets_the_activity_on_the_third_try() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let peer = FakeServer::start().await;
        peer.script("/inbox", &[500, 503, 202]);
        let activity = activity(app, "Update").await;
        chorus::federation::enqueue::enqueue(app, &activity, &[peer.url("/inbox")])
            .await
            .unwrap();
        let _workers = Workers::start(app, fast_policy());

        let rows = settled(app, &activity).await;
        assert_eq!(rows[0].status, DeliveryStatus::Done);
        assert_eq!(rows[0].attempts, 3);
        assert_eq!(rows[0].last_error, None);
        assert_eq!(peer.received("/inbox").len(), 3);
        let instance = instances::find_instance(&app.db, &rows[0].domain)
            .await
            .unwrap()
            .expect("the instance is tracked");
        assert_eq!(
            instance.consecutive_failures, 0,
            "a success resets the instance"
        );
        assert!(instance.last_success_at.is_some() && instance.retry_after.is_none());
    }
}

#[tokio::test]
async fn retries_run_out_and_the_delivery_is_marked_dead() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let peer = FakeServer::start().await;
        peer.always("/inbox", 502);
        let activity = activity(app, "Create").await;
        chorus::federation::enqueue::enqueue(app, &activity, &[peer.url("/inbox")])
            .await
            .unwrap();
        let policy = fast_policy();
        let attempts = policy.retry_schedule.len() + 1;
        let _workers = Workers::start(app, policy);

        let rows = settled(app, &activity).await;
        assert_eq!(rows[0].status, DeliveryStatus::Dead);
        assert_eq!(rows[0].attempts, attempts as i64);
        assert!(
            rows[0].last_error.as_deref().unwrap().contains("502"),
            "{:?}",
            rows[0].last_error
        );
        assert_eq!(peer.received("/inbox").len(), attempts);
    }
}

#[tokio::test]
async fn an_inbox_that_is_gone_or_missing_is_given_up_after_one_try() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let peer = FakeServer::start().await;
        peer.always("/missing", 404);
        peer.always("/gone", 410);
        peer.always("/busy", 429);
        let activity = activity(app, "Delete").await;
        chorus::federation::enqueue::enqueue(
            app,
            &activity,
            &[peer.url("/missing"), peer.url("/gone"), peer.url("/busy")],
        )
        .await
        .unwrap();
        let _workers = Workers::start(app, fast_policy());

        let rows = settled(app, &activity).await;
        let by_inbox: BTreeMap<String, &Delivery> = rows
            .iter()
            .map(|r| (Url::parse(&r.inbox).unwrap().path().to_owned(), r))
            .collect();
        for (path, code) in [("/missing", "404"), ("/gone", "410")] {
            let row = by_inbox[path];
            assert_eq!(row.status, DeliveryStatus::Dead, "{path}");
            assert_eq!(row.attempts, 1, "{path}");
            assert!(
                row.last_error.as_deref().unwrap().contains(code),
                "{:?}",
                row.last_error
            );
            assert_eq!(peer.received(path).len(), 1, "{path} is not tried again");
        }
        assert!(by_inbox["/busy"].attempts > 1, "429 is retried");
    }
}

#[tokio::test]
async fn the_same_activity_is_queued_once_per_inbox() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let activity = activity(app, "Create").await;
        let inbox = Url::parse("https://social.example/inbox").unwrap();
        assert_eq!(
            chorus::federation::enqueue::enqueue(app, &activity, std::slice::from_ref(&inbox))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            chorus::federation::enqueue::enqueue(app, &activity, &[inbox.clone(), inbox.clone()])
                .await
                .unwrap(),
            0
        );
        let other = Url::parse("https://other.example/inbox").unwrap();
        assert_eq!(
            chorus::federation::enqueue::enqueue(app, &activity, &[inbox, other])
                .await
                .unwrap(),
            1
        );
        assert_eq!(rows(app, &activity).await.len(), 2);
        assert_eq!(count_rows(&app.db, "outgoing_activities").await, 1);
        let stored = deliveries::find_outgoing_activity(&app.db, activity.id.as_str())
            .await
            .unwrap();
        assert_eq!(
            without_proof(stored),
            Some(activity.payload.clone()),
            "the activity is served as queued"
        );
        assert_eq!(
            deliveries::find_outgoing_activity(&app.db, "https://community.example/nothing")
                .await
                .unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn ten_thousand_inboxes_are_queued_in_one_call() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let activity = activity(app, "Announce").await;
        let inboxes: Vec<Url> = (0..10_000)
            .map(|n| Url::parse(&format!("https://i{n}.example/inbox")).unwrap())
            .collect();
        assert_eq!(
            chorus::federation::enqueue::enqueue(app, &activity, &inboxes)
                .await
                .unwrap(),
            10_000
        );
        assert_eq!(count_rows(&app.db, "deliveries").await, 10_000);
        let counts = deliveries::count_deliveries_by_status(&app.db)
            .await
            .unwrap();
        assert_eq!(counts.get("pending"), Some(&10_000));
    }
}

#[tokio::test]
async fn concurrent_claimers_never_get_the_same_row_and_leases_hold() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let activity = activity(app, "Create").await;
        let inboxes: Vec<Url> = (0..300)
            .map(|n| Url::parse(&format!("https://i{}.example/inbox/{n}", n % 7)).unwrap())
            .collect();
        chorus::federation::enqueue::enqueue(app, &activity, &inboxes)
            .await
            .unwrap();
        // Two pools, as two processes would have.
        let (a, b) = (site.db.connect().await, site.db.connect().await);
        let now = Utc::now();
        let lease = now + chrono::Duration::seconds(30);
        let claim_all = |db: chorus::storage::Db| async move {
            let mut mine = Vec::new();
            loop {
                let batch = deliveries::claim_deliveries(&db, now, lease, 16, 5)
                    .await
                    .expect("claim");
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|c| c.id));
                tokio::task::yield_now().await;
            }
        };
        let (mine_a, mine_b) = tokio::join!(tokio::spawn(claim_all(a)), tokio::spawn(claim_all(b)));
        let (mine_a, mine_b) = (mine_a.unwrap(), mine_b.unwrap());
        let set_a: HashSet<i64> = mine_a.iter().copied().collect();
        let set_b: HashSet<i64> = mine_b.iter().copied().collect();
        assert_eq!(set_a.len(), mine_a.len(), "no row twice to one claimer");
        assert!(set_a.is_disjoint(&set_b), "no row to both claimers");
        assert_eq!(set_a.len() + set_b.len(), 300, "every row claimed");

        // While the leases last nobody else gets the rows; once they run out, they are due again.
        let db = &app.db;
        assert!(
            deliveries::claim_deliveries(db, now + chrono::Duration::seconds(29), lease, 16, 5)
                .await
                .unwrap()
                .is_empty()
        );
        let later = now + chrono::Duration::seconds(31);
        let again =
            deliveries::claim_deliveries(db, later, later + chrono::Duration::seconds(30), 16, 5)
                .await
                .unwrap();
        assert_eq!(again.len(), 16);
    }
}

#[tokio::test]
async fn a_failing_instance_is_paused_then_probed_one_delivery_at_a_time() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let db = &app.db;
        let policy = QueuePolicy::default();
        let activity = activity(app, "Create").await;
        let down = [
            "https://down.example/a",
            "https://down.example/b",
            "https://down.example/c",
        ];
        let inboxes: Vec<Url> = down
            .iter()
            .chain(&["https://up.example/inbox"])
            .map(|u| Url::parse(u).unwrap())
            .collect();
        chorus::federation::enqueue::enqueue(app, &activity, &inboxes)
            .await
            .unwrap();

        let now = Utc::now();
        let fail = |n: u32| {
            BTreeMap::from([(
                "down.example".to_owned(),
                Health {
                    answered: 0,
                    failed: n,
                },
            )])
        };
        let pause = |failures, since| policy.instance_pause_until(failures, since, now);
        instances::record_instance_health(
            db,
            &fail(policy.instance_failure_threshold as u32 - 1),
            now,
            pause,
        )
        .await
        .unwrap();
        let instance = instances::find_instance(db, "down.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            instance.retry_after, None,
            "below the threshold the instance is not paused"
        );
        instances::record_instance_health(db, &fail(1), now, pause)
            .await
            .unwrap();
        let instance = instances::find_instance(db, "down.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            instance.consecutive_failures,
            policy.instance_failure_threshold
        );
        let until = instance.retry_after.expect("paused at the threshold");
        assert!(
            until
                >= now + chrono::Duration::from_std(policy.instance_pause_min).unwrap()
                    - chrono::Duration::seconds(1)
        );

        let lease = |t: chrono::DateTime<Utc>| t + chrono::Duration::seconds(30);
        let threshold = policy.instance_failure_threshold;
        let claimed = deliveries::claim_deliveries(db, now, lease(now), 16, threshold)
            .await
            .unwrap();
        assert_eq!(
            claimed
                .iter()
                .map(|c| c.domain.as_str())
                .collect::<Vec<_>>(),
            ["up.example"],
            "paused instances wait"
        );

        let after = until + chrono::Duration::seconds(1);
        let probe = deliveries::claim_deliveries(db, after, lease(after), 16, threshold)
            .await
            .unwrap();
        let to_down: Vec<_> = probe
            .iter()
            .filter(|c| c.domain == "down.example")
            .collect();
        assert_eq!(to_down.len(), 1, "one probe: {probe:?}");
        let more = deliveries::claim_deliveries(db, after, lease(after), 16, threshold)
            .await
            .unwrap();
        assert!(
            more.iter().all(|c| c.domain != "down.example"),
            "nothing more while the probe is out: {more:?}"
        );

        let ok = BTreeMap::from([(
            "down.example".to_owned(),
            Health {
                answered: 1,
                failed: 0,
            },
        )]);
        instances::record_instance_health(db, &ok, after, pause)
            .await
            .unwrap();
        let instance = instances::find_instance(db, "down.example")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                instance.consecutive_failures,
                instance.retry_after,
                instance.failing_since
            ),
            (0, None, None)
        );
        let rest = deliveries::claim_deliveries(db, after, lease(after), 16, threshold)
            .await
            .unwrap();
        assert_eq!(
            rest.iter().filter(|c| c.domain == "down.example").count(),
            2,
            "a success lets the rest through"
        );
    }
}

#[tokio::test]
async fn workers_stop_sending_to_an_instance_that_keeps_failing() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let peer = FakeServer::start().await;
        peer.always("/inbox", 503);
        let policy = QueuePolicy {
            instance_failure_threshold: 2,
            retry_schedule: vec![Duration::from_millis(50); 8],
            ..fast_policy()
        };
        let activity = activity(app, "Create").await;
        chorus::federation::enqueue::enqueue(app, &activity, &[peer.url("/inbox")])
            .await
            .unwrap();
        let _workers = Workers::start(app, policy);

        let domain = chorus::urls::instance_of(&peer.url("/inbox")).unwrap();
        eventually("the instance to be paused", || async {
            let i = instances::find_instance(&app.db, &domain).await.unwrap()?;
            i.retry_after
                .filter(|t| *t > Utc::now() + chrono::Duration::seconds(30))
        })
        .await;
        let tried = peer.received("/inbox").len();
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(
            peer.received("/inbox").len(),
            tried,
            "nothing is sent while the instance is paused"
        );
        assert_eq!(tried, 2);
        assert_eq!(
            rows(app, &activity).await[0].status,
            DeliveryStatus::Pending,
            "the delivery waits, it is not lost"
        );
    }
}

#[tokio::test]
async fn deliveries_held_by_a_dead_process_are_sent_after_a_restart() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let peer = FakeServer::start().await;
        let activity = activity(app, "Create").await;
        let inboxes: Vec<Url> = (0..40).map(|n| peer.url(&format!("/inbox/{n}"))).collect();
        chorus::federation::enqueue::enqueue(app, &activity, &inboxes)
            .await
            .unwrap();
        // A process claims everything, then dies without a word.
        let now = Utc::now();
        let lease = match backend {
            // On SQLite the next process releases all leases at start.
            Backend::Sqlite => now + chrono::Duration::seconds(3600),
            // On PostgreSQL other processes wait for the lease to run out.
            Backend::Postgres => now + chrono::Duration::seconds(1),
        };
        let held = deliveries::claim_deliveries(&site.db.connect().await, now, lease, 100, 5)
            .await
            .unwrap();
        assert_eq!(held.len(), 40);

        let _workers = Workers::start(app, fast_policy());
        let rows = settled(app, &activity).await;
        assert!(
            rows.iter().all(|r| r.status == DeliveryStatus::Done),
            "{rows:?}"
        );
        assert_eq!(peer.total(), 40);
    }
}

#[tokio::test]
async fn old_rows_are_cleaned_up() {
    for backend in backends() {
        let site = site(backend).await;
        let app = &site.app;
        let db = &app.db;
        let policy = QueuePolicy::default();
        let activity = activity(app, "Create").await;
        let inboxes: Vec<Url> = [
            "https://a.example/i",
            "https://b.example/i",
            "https://c.example/i",
        ]
        .iter()
        .map(|u| Url::parse(u).unwrap())
        .collect();
        chorus::federation::enqueue::enqueue(app, &activity, &inboxes)
            .await
            .unwrap();
        let now = Utc::now();
        let claimed =
            deliveries::claim_deliveries(db, now, now + chrono::Duration::seconds(30), 16, 5)
                .await
                .unwrap();
        let id_of = |domain: &str| claimed.iter().find(|c| c.domain == domain).unwrap().id;
        let outcomes = [
            (id_of("a.example"), Outcome::Delivered),
            (
                id_of("b.example"),
                Outcome::Dead {
                    error: "the inbox answered 404 Not Found".into(),
                },
            ),
            (
                id_of("c.example"),
                Outcome::Retry {
                    at: now + chrono::Duration::days(30),
                    error: "timed out".into(),
                },
            ),
        ];
        deliveries::record_outcomes(db, &outcomes, now)
            .await
            .unwrap();

        let day = chrono::Duration::days(1);
        worker::clean_up_once(db, &policy, now + day).await.unwrap();
        assert_eq!(rows(app, &activity).await.len(), 3, "nothing is old yet");

        let in_four_days = now + day * 4;
        worker::clean_up_once(db, &policy, in_four_days)
            .await
            .unwrap();
        let left = rows(app, &activity).await;
        let status: BTreeMap<&str, DeliveryStatus> =
            left.iter().map(|r| (r.domain.as_str(), r.status)).collect();
        assert_eq!(
            status,
            BTreeMap::from([
                ("b.example", DeliveryStatus::Dead),
                ("c.example", DeliveryStatus::Dead)
            ]),
            "delivered rows go after a few days; rows pending too long are given up"
        );
        let given_up = left.iter().find(|r| r.domain == "c.example").unwrap();
        assert!(
            given_up
                .last_error
                .as_deref()
                .unwrap()
                .contains("timed out")
        );

        worker::clean_up_once(db, &policy, now + day * 15)
            .await
            .unwrap();
        let left: Vec<String> = rows(app, &activity)
            .await
            .into_iter()
            .map(|r| r.domain)
            .collect();
        assert_eq!(left, ["c.example"], "dead rows go after two weeks");
        assert_eq!(
            without_proof(
                deliveries::find_outgoing_activity(db, activity.id.as_str())
                    .await
                    .unwrap()
            ),
            Some(activity.payload.clone())
        );
    }
}

#[tokio::test]
async fn without_private_networks_nothing_is_sent_to_loopback() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let app = &site.app;
        assert!(!app.config.allow_private_networks);
        let peer = FakeServer::start().await;
        let port = peer.addr.port();
        let inboxes: Vec<Url> = [
            format!("http://127.0.0.1:{port}/inbox"),
            format!("https://127.0.0.1:{port}/inbox"),
            format!("https://[::1]:{port}/inbox"),
            format!("https://localhost:{port}/inbox"),
        ]
        .iter()
        .map(|u| Url::parse(u).unwrap())
        .collect();
        let activity = activity(app, "Create").await;
        chorus::federation::enqueue::enqueue(app, &activity, &inboxes)
            .await
            .unwrap();
        let _workers = Workers::start(app, fast_policy());

        let rows = settled(app, &activity).await;
        for row in &rows {
            assert_eq!(row.status, DeliveryStatus::Dead, "{}", row.inbox);
            assert_eq!(row.attempts, 1, "refusals are not retried");
            assert!(
                row.last_error.as_deref().unwrap().starts_with("refused"),
                "{:?}",
                row.last_error
            );
        }
        assert_eq!(peer.total(), 0);
    }
}

// The client on its own.

fn open_client() -> HttpClient {
    HttpClient::new(&Config {
        allow_private_networks: true,
        ..Config::default()
    })
    .unwrap()
}

fn json_doc(body: serde_json::Value, content_type: &'static str) -> impl Fn() -> Response {
    move || ([(header::CONTENT_TYPE, content_type)], body.to_string()).into_response()
}

fn redirect_to(location: &'static str) -> impl Fn() -> Response {
    move || (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

#[tokio::test]
async fn fetching_follows_a_few_redirects_and_reads_json() {
    let peer = FakeServer::start().await;
    let doc = json!({"id": "https://social.example/users/alice", "type": "Person"});
    peer.serve("/r1", redirect_to("/r2"));
    peer.serve("/r2", redirect_to("/r3"));
    peer.serve("/r3", redirect_to("/doc"));
    peer.serve(
        "/doc",
        json_doc(
            doc.clone(),
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
        ),
    );
    let fetched = open_client()
        .fetch_json(&peer.url("/r1"), None)
        .await
        .unwrap();
    assert_eq!(fetched, doc);
    let accept = peer.received("/doc")[0].headers[header::ACCEPT]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        accept.contains("application/activity+json") && accept.contains("application/ld+json"),
        "{accept}"
    );

    for (n, next) in ["/l2", "/l3", "/l4", "/l5"].iter().enumerate() {
        peer.serve(&format!("/l{}", n + 1), redirect_to(next));
    }
    peer.serve("/l5", json_doc(doc, "application/activity+json"));
    let err = open_client()
        .fetch_json(&peer.url("/l1"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Network(_)), "{err:?}");
    assert!(
        peer.received("/l5").is_empty(),
        "the fourth redirect is not followed"
    );
}

#[tokio::test]
async fn fetching_refuses_what_is_not_small_json() {
    let peer = FakeServer::start().await;
    let client = open_client();
    peer.serve("/page", || {
        ([(header::CONTENT_TYPE, "text/html")], "<html></html>").into_response()
    });
    assert!(matches!(
        client.fetch_json(&peer.url("/page"), None).await,
        Err(ClientError::Decode(_))
    ));

    let big = format!("{{\"padding\": \"{}\"}}", "x".repeat(MAX_JSON_BYTES));
    peer.serve("/big", move || {
        (
            [(header::CONTENT_TYPE, "application/activity+json")],
            big.clone(),
        )
            .into_response()
    });
    assert!(matches!(
        client.fetch_json(&peer.url("/big"), None).await,
        Err(ClientError::TooLarge)
    ));

    peer.serve("/broken", || {
        ([(header::CONTENT_TYPE, "application/json")], "{\"id\": ").into_response()
    });
    assert!(matches!(
        client.fetch_json(&peer.url("/broken"), None).await,
        Err(ClientError::Decode(_))
    ));

    peer.always("/missing", 404);
    let err = client
        .fetch_json(&peer.url("/missing"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Status(404)) && !err.is_transient(),
        "{err:?}"
    );
    peer.always("/down", 503);
    let err = client
        .fetch_json(&peer.url("/down"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Status(503)) && err.is_transient(),
        "{err:?}"
    );

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = client
        .fetch_json(
            &Url::parse(&format!("http://127.0.0.1:{closed}/x")).unwrap(),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Network(_)) && err.is_transient(),
        "{err:?}"
    );
}

#[tokio::test]
async fn signed_fetches_carry_a_verifiable_signature() {
    let peer = FakeServer::start().await;
    peer.serve(
        "/actor",
        json_doc(json!({"type": "Person"}), "application/activity+json"),
    );
    let key = signatures::PrivateKey::generate_rsa_2048();
    let public_key = key.public_key().unwrap();
    let signer = Signer {
        key_id: "https://community.example/actor#main-key".into(),
        key,
    };
    open_client()
        .fetch_json(&peer.url("/actor"), Some(&signer))
        .await
        .unwrap();
    let r = &peer.received("/actor")[0];
    assert!(!r.headers.contains_key("digest"));
    let pending = signatures::parse_request_signature(
        &Method::GET,
        &peer.url("/actor"),
        &r.headers,
        None,
        SystemTime::now(),
    )
    .expect("a well-formed signature");
    assert_eq!(pending.key_id, signer.key_id);
    pending.verify(&public_key).expect("it verifies");
}

#[tokio::test]
async fn the_strict_client_refuses_private_and_plain_http_peers() {
    let peer = FakeServer::start().await;
    peer.serve("/doc", json_doc(json!({}), "application/activity+json"));
    let strict = HttpClient::new(&Config::default()).unwrap();
    let port = peer.addr.port();
    for url in [
        format!("http://127.0.0.1:{port}/doc"),
        format!("https://127.0.0.1:{port}/doc"),
        format!("https://localhost:{port}/doc"),
        format!("https://[::ffff:127.0.0.1]:{port}/doc"),
    ] {
        let err = strict
            .fetch_json(&Url::parse(&url).unwrap(), None)
            .await
            .unwrap_err();
        assert!(matches!(err, ClientError::Refused(_)), "{url}: {err:?}");
    }
    assert_eq!(peer.total(), 0);
}
