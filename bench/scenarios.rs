//! The scenarios, in rounds: each round restarts Chorus (timing its cold start), then runs
//! every page and JSON scenario against the reference and against Chorus back to back (the
//! order alternates between rounds), the cache-cold scenario and the inbox. The fan-out runs
//! last, once the extra followers are seeded.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use bytes::Bytes;
use chorus::federation::signatures::PrivateKey;
use chorus::federation::signatures::cavage::sign_request;
use http::Method;

use crate::load::{self, Sample};
use crate::peers::Peers;
use crate::report::Report;
use crate::server::{self, ChorusEnv, Process};
use crate::{Plan, seed};

const HTML: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";
const AP: &str = "application/activity+json";
const ENCODINGS: &str = "gzip, deflate, br";
/// The search queries of the `search` scenario, as they appear in the URL.
const SEARCHES: &[&str] = &[
    "federation",
    "parser",
    "borrow+lifetime",
    "%22async+runtime%22",
    "delivery+-queue",
    "HashMap",
    "notes+250",
    "release-notes",
    "signature+OR+socket",
    "zeppelin",
];
/// The longest the fan-out may take before the run fails.
const FANOUT_TIMEOUT: Duration = Duration::from_secs(120);

pub async fn run(plan: &Plan, chorus_binary: PathBuf, keep: bool) -> anyhow::Result<Report> {
    let work = tempfile::Builder::new().prefix("chorus-bench-").tempdir()?;
    // Removed at the end unless kept (then also after a failure, for its logs).
    let (dir, _work) = if keep {
        let dir = work.keep();
        eprintln!("working folder (kept): {}", dir.display());
        (dir, None)
    } else {
        (work.path().to_path_buf(), Some(work))
    };
    // A copy, so that a build finishing meanwhile cannot swap the binary under the run.
    let binary = dir.join("chorus");
    std::fs::copy(&chorus_binary, &binary)
        .with_context(|| format!("no chorus binary at {}", chorus_binary.display()))?;
    let mut env = ChorusEnv::new(binary.clone(), dir.clone())?;
    if let Some(url) = &plan.database_url {
        if !url.starts_with("postgres") {
            bail!("--database-url takes a PostgreSQL URL (postgres://...)");
        }
        env.database_url = url.clone();
    }
    let mut report = Report::default();
    report.add("binary:mb", std::fs::metadata(&binary)?.len() as f64 / 1e6);

    eprintln!(
        "starting {} loopback instances and a key server for {} actors",
        plan.instances, plan.likers
    );
    let peers = Peers::start(plan.likers, plan.instances)?;

    let t = Instant::now();
    eprintln!(
        "seeding: 3 authors and {} posts through the command line",
        plan.posts
    );
    let posts_dir = dir.join("posts");
    std::fs::create_dir_all(&posts_dir)?;
    seed::accounts_and_posts(&env, plan.posts, plan.sections, &posts_dir)?;
    let follower_key = PrivateKey::generate_rsa_2048().public_key_pem()?;
    let n = seed::followers(
        &env,
        "alice",
        &peers.instance_ports[..plan.realistic_instances],
        plan.followers_per_instance,
        &follower_key,
    )
    .await?;
    eprintln!(
        "seeded in {:.1} s ({n} remote followers)",
        t.elapsed().as_secs_f64()
    );

    let slugs: Vec<String> = (1..=plan.posts).map(|n| format!("post-{n:04}")).collect();
    let likes = if plan.runs("inbox") {
        let t = Instant::now();
        let likes = presign_likes(plan, &peers, &env, &slugs)?;
        eprintln!(
            "signed {} Like activities in {:.1} s",
            likes.len(),
            t.elapsed().as_secs_f64()
        );
        likes
    } else {
        Vec::new()
    };

    let reference = server::start_reference().await?;
    let host = env.host();
    let ref_host = reference.addr.to_string();
    let ref_page = Arc::new(vec![load::get(&ref_host, "/page", HTML, ENCODINGS)]);
    let ref_json = Arc::new(vec![load::get(&ref_host, "/doc.json", AP, ENCODINGS)]);
    let each = |path_of: &dyn Fn(&str) -> String, accept: &str| -> Arc<Vec<Bytes>> {
        Arc::new(
            slugs
                .iter()
                .map(|s| load::get(&host, &path_of(s), accept, ENCODINGS))
                .collect(),
        )
    };
    let one = |path: &str, accept: &str| Arc::new(vec![load::get(&host, path, accept, ENCODINGS)]);
    let webfinger = format!("/.well-known/webfinger?resource=acct:alice@{host}");
    let pages: Vec<(&str, Arc<Vec<Bytes>>, bool)> = vec![
        ("post", each(&|s| format!("/posts/{s}"), HTML), true),
        ("home", one("/", HTML), false),
        ("rss", one("/feed.xml", "application/rss+xml, */*"), false),
        ("atom", one("/atom.xml", "application/atom+xml, */*"), false),
        (
            "jsonfeed",
            one("/feed.json", "application/feed+json, */*"),
            false,
        ),
    ];
    // Searches of every kind, each a different URL: common words that match most posts (the
    // ranking and the count read many rows), two words, a phrase, an exclusion, a word of the
    // code blocks, a title, a tag, and a word no post has.
    let searches = Arc::new(
        SEARCHES
            .iter()
            .map(|q| load::get(&host, &format!("/search?q={q}"), HTML, ENCODINGS))
            .collect::<Vec<_>>(),
    );
    let jsons: Vec<(&str, Arc<Vec<Bytes>>, bool)> = vec![
        ("webfinger", one(&webfinger, "application/jrd+json"), false),
        ("actor", one("/@alice", AP), false),
        ("article", each(&|s| format!("/posts/{s}"), AP), true),
    ];

    for round in 0..plan.rounds {
        eprintln!("round {}/{}", round + 1, plan.rounds);
        let (chorus, first) = server::start_chorus(&env).await?;
        report.add("start:first_200_ms", first.as_secs_f64() * 1e3);
        tokio::time::sleep(Duration::from_secs(1)).await;
        report.add("memory:idle_mb", chorus.memory()?.rss_kb as f64 / 1024.0);
        if plan.runs("pages") {
            for (key, requests, prime) in &pages {
                let done = compare(
                    plan,
                    &mut report,
                    round,
                    key,
                    "page",
                    &ref_page,
                    &reference,
                    requests,
                    &chorus,
                    *prime,
                )
                .await;
                report.check(key, done);
            }
        }
        if plan.runs("search") {
            let done = compare(
                plan,
                &mut report,
                round,
                "search",
                "page",
                &ref_page,
                &reference,
                &searches,
                &chorus,
                false,
            )
            .await;
            report.check("search", done);
        }
        if plan.runs("json") {
            for (key, requests, prime) in &jsons {
                let done = compare(
                    plan,
                    &mut report,
                    round,
                    key,
                    "JSON",
                    &ref_json,
                    &reference,
                    requests,
                    &chorus,
                    *prime,
                )
                .await;
                report.check(key, done);
            }
        }
        if plan.runs("cold") {
            let done = cold(
                plan,
                &mut report,
                round,
                &env,
                &slugs,
                &ref_page,
                &reference,
                &chorus,
            )
            .await;
            report.check("cold", done);
        }
        if plan.runs("inbox") {
            let done = inbox(plan, &mut report, round, &env, &likes, &chorus).await;
            report.check("inbox", done);
        }
        let memory = chorus.memory()?;
        report.add("memory:peak_mb", memory.hwm_kb as f64 / 1024.0);
        report.add("memory:after_mb", memory.rss_kb as f64 / 1024.0);
        chorus.stop();
    }

    if plan.runs("fanout") {
        let done = fanout(plan, &mut report, &env, &peers, &slugs, &follower_key).await;
        report.check("fanout", done);
    }
    reference.stop();
    Ok(report)
}

fn record(report: &mut Report, key: &str, side: &str, s: &Sample) {
    report.add(format!("{key}:{side}"), s.rate());
    report.add(format!("{key}:{side}:p50"), s.percentile_ms(50.0));
    report.add(format!("{key}:{side}:p99"), s.percentile_ms(99.0));
    report.add(format!("{key}:{side}:bytes"), s.mean_body() as f64);
}

/// One closed-loop run: warm-up, then the measured run.
async fn measure(
    plan: &Plan,
    addr: SocketAddr,
    requests: &Arc<Vec<Bytes>>,
    prime: bool,
    what: &str,
) -> anyhow::Result<Sample> {
    if prime {
        load::each_once(addr, requests.clone(), plan.connections, 200)
            .await
            .check(what)?;
    }
    load::closed_loop(addr, requests.clone(), plan.connections, plan.warmup, 200)
        .await
        .check(what)?;
    let s = load::closed_loop(addr, requests.clone(), plan.connections, plan.seconds, 200).await;
    s.check(what)?;
    Ok(s)
}

/// The reference and Chorus back to back; the order alternates between rounds.
#[allow(clippy::too_many_arguments)]
async fn compare(
    plan: &Plan,
    report: &mut Report,
    round: usize,
    key: &str,
    against: &str,
    reference_requests: &Arc<Vec<Bytes>>,
    reference: &Process,
    requests: &Arc<Vec<Bytes>>,
    chorus: &Process,
    prime: bool,
) -> anyhow::Result<()> {
    let mut rates = [0.0; 2];
    for step in 0..2 {
        let chorus_turn = (step + round) % 2 == 1;
        if chorus_turn {
            let s = measure(plan, chorus.addr, requests, prime, key).await?;
            record(report, key, "chorus", &s);
            rates[1] = s.rate();
        } else {
            let s = measure(plan, reference.addr, reference_requests, false, against).await?;
            record(report, key, "ref", &s);
            record(report, against, "ref", &s);
            rates[0] = s.rate();
        }
    }
    report.add(format!("{key}:ratio"), rates[1] / rates[0]);
    eprintln!(
        "  {key}: reference {:.0}/s, Chorus {:.0}/s ({:.0}%)",
        rates[0],
        rates[1],
        rates[1] / rates[0] * 100.0
    );
    Ok(())
}

/// A post by carol (who has no followers, so an edit sends nothing that would compete).
fn carols_post(plan: &Plan) -> usize {
    (1..=plan.posts)
        .find(|n| seed::author_of(*n) == "carol")
        .expect("carol writes some posts")
}

/// Two phases, each after a change made through the command line, each asking for every
/// post page once (all of them were cached before):
/// - `cold`: one post is edited; the server must drop that post's page and the listings, and
///   may keep the rest — what readers get right after an edit;
/// - `rebuild`: the site title changes, which is on every page, so every request is a cache
///   miss: the page is rendered and compressed while the client waits.
#[allow(clippy::too_many_arguments)]
async fn cold(
    plan: &Plan,
    report: &mut Report,
    round: usize,
    env: &ChorusEnv,
    slugs: &[String],
    reference_requests: &Arc<Vec<Bytes>>,
    reference: &Process,
    chorus: &Process,
) -> anyhow::Result<()> {
    let reference_sample = measure(plan, reference.addr, reference_requests, false, "page").await?;
    record(report, "cold", "ref", &reference_sample);
    record(report, "rebuild", "ref", &reference_sample);
    let all_posts = |except: &str| -> Arc<Vec<Bytes>> {
        Arc::new(
            slugs
                .iter()
                .map(|s| format!("/posts/{s}"))
                .filter(|p| p != except)
                .map(|p| load::get(&env.host(), &p, HTML, ENCODINGS))
                .collect(),
        )
    };

    let n = carols_post(plan);
    let marker = format!(" Edited in round {}.", round + 1);
    let file = env.dir.join("posts").join(format!("edit-{n:04}.md"));
    std::fs::write(&file, crate::text::post_markdown(n, plan.sections, &marker))?;
    let path = file.to_str().context("path is text")?.to_owned();
    let (_, took) = seed::cli(env, &["post", "publish", "--author", "carol", &path], None)?;
    report.add("cold:edit_ms", took.as_secs_f64() * 1e3);
    let edited = format!("/posts/post-{n:04}");
    wait_for(chorus, env, &edited, marker.trim()).await?;
    let phase = |key, what| (key, what, &reference_sample);
    each_post_once(
        plan,
        report,
        chorus,
        all_posts(&edited),
        phase("cold", "after an edit"),
    )
    .await?;

    let title = format!("Chorus bench, round {}", round + 1);
    seed::cli(env, &["site", "set", "--title", &title], None)?;
    let probe = format!("/posts/{}", slugs[0]);
    wait_for(chorus, env, &probe, &title).await?;
    let after = phase("rebuild", "after a site-wide change");
    each_post_once(plan, report, chorus, all_posts(&probe), after).await
}

/// Asks for each of `requests` once and records the rate as scenario `key`, against the
/// reference sample taken for it.
async fn each_post_once(
    plan: &Plan,
    report: &mut Report,
    chorus: &Process,
    requests: Arc<Vec<Bytes>>,
    (key, what, reference): (&str, &str, &Sample),
) -> anyhow::Result<()> {
    let s = load::each_once(chorus.addr, requests, plan.connections, 200).await;
    s.check(&format!("post pages {what}"))?;
    record(report, key, "chorus", &s);
    let ratio = s.rate() / reference.rate();
    report.add(format!("{key}:ratio"), ratio);
    eprintln!(
        "  {what}: reference {:.0}/s, Chorus {:.0}/s ({:.0}%) over {} requests",
        reference.rate(),
        s.rate(),
        ratio * 100.0,
        s.ok
    );
    Ok(())
}

/// Waits until `path` answers 200 with `text` in it.
async fn wait_for(chorus: &Process, env: &ChorusEnv, path: &str, text: &str) -> anyhow::Result<()> {
    let probe = load::get(&env.host(), path, HTML, "identity");
    let waited = Instant::now();
    loop {
        let (status, body) = load::fetch(chorus.addr, &probe).await?;
        if status == 200 && String::from_utf8_lossy(&body).contains(text) {
            return Ok(());
        }
        if waited.elapsed() > Duration::from_secs(10) {
            bail!("{path} did not show {text:?} within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Signs every `Like` the rounds will send: per round one from each actor (first contact:
/// Chorus fetches or loads the key), then `likes_per_round` each liking a different
/// (actor, post) pair, so every one is new and is stored.
fn presign_likes(
    plan: &Plan,
    peers: &Peers,
    env: &ChorusEnv,
    slugs: &[String],
) -> anyhow::Result<Vec<Bytes>> {
    let inbox = env.base_url.join("/inbox")?;
    let mut jobs: Vec<(usize, String, String)> = Vec::new();
    for round in 0..plan.rounds {
        for actor in 0..plan.likers {
            jobs.push((actor, slugs[0].clone(), format!("warm-{round}-{actor}")));
        }
        for k in round * plan.likes_per_round..(round + 1) * plan.likes_per_round {
            let actor = k % plan.likers;
            let post = 1 + (k / plan.likers) % (slugs.len() - 1);
            jobs.push((actor, slugs[post].clone(), format!("like-{k}")));
        }
    }
    if plan.rounds * plan.likes_per_round > plan.likers * (slugs.len() - 1) {
        bail!("more Likes than distinct (actor, post) pairs");
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .max(1);
    let per = jobs.len().div_ceil(threads);
    let now = SystemTime::now();
    let host = env.host();
    let signed: Vec<anyhow::Result<Vec<Bytes>>> = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(per.max(1))
            .map(|chunk| {
                let (inbox, host) = (&inbox, &host);
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(actor, slug, id)| {
                            let actor_uri = peers.liker_uri(*actor);
                            let body = serde_json::json!({
                                "@context": "https://www.w3.org/ns/activitystreams",
                                "id": format!("{actor_uri}/likes/{id}"),
                                "type": "Like",
                                "actor": actor_uri,
                                "object": format!("http://{host}/posts/{slug}"),
                            })
                            .to_string();
                            let signed = sign_request(
                                &Method::POST,
                                inbox,
                                Some(body.as_bytes()),
                                &peers.liker_key_id(*actor),
                                &peers.likers[*actor].1,
                                now,
                            )?;
                            let mut headers: Vec<(String, String)> = signed
                                .pairs()
                                .into_iter()
                                .map(|(k, v)| {
                                    (k.to_string(), v.to_str().unwrap_or_default().to_owned())
                                })
                                .collect();
                            headers.push(("Content-Type".into(), AP.into()));
                            Ok(load::post(host, "/inbox", &headers, body.as_bytes()))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("signing does not panic"))
            .collect()
    });
    let mut out = Vec::with_capacity(jobs.len());
    for part in signed {
        out.extend(part?);
    }
    Ok(out)
}

async fn count_likes(env: &ChorusEnv) -> anyhow::Result<i64> {
    let db = chorus::storage::Db::connect(&env.database_url).await?;
    let sql = "SELECT COUNT(*) FROM reactions WHERE kind = 'like'";
    let n = match &db {
        chorus::storage::Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await?,
        chorus::storage::Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await?,
    };
    db.close().await;
    Ok(n)
}

async fn inbox(
    plan: &Plan,
    report: &mut Report,
    round: usize,
    env: &ChorusEnv,
    likes: &[Bytes],
    chorus: &Process,
) -> anyhow::Result<()> {
    let per_round = plan.likers + plan.likes_per_round;
    let batch = &likes[round * per_round..(round + 1) * per_round];
    let (warm, measured) = batch.split_at(plan.likers);
    load::each_once(
        chorus.addr,
        Arc::new(warm.to_vec()),
        plan.connections.min(plan.likers),
        202,
    )
    .await
    .check("inbox first contact")?;
    let cpu = cpu_seconds(chorus)?;
    let s = load::each_once(
        chorus.addr,
        Arc::new(measured.to_vec()),
        plan.connections,
        202,
    )
    .await;
    let cpu = cpu_seconds(chorus)? - cpu;
    report.add("inbox:errors", (s.bad_status + s.failed) as f64);
    report.add("inbox:rate", s.rate());
    report.add("inbox:p50", s.percentile_ms(50.0));
    report.add("inbox:p99", s.percentile_ms(99.0));
    report.add("inbox:cpu_us", cpu * 1e6 / s.ok as f64);
    s.check("inbox")?;
    let stored = count_likes(env).await?;
    let expected = (plan.likers + (round + 1) * plan.likes_per_round) as i64;
    if stored != expected {
        bail!("the inbox answered 202 to every Like but {stored} are stored, not {expected}");
    }
    eprintln!(
        "  inbox: {:.0} Likes/s, p99 {:.1} ms, {stored} stored",
        s.rate(),
        s.percentile_ms(99.0)
    );
    Ok(())
}

/// User plus system CPU time of a process, in seconds.
fn cpu_seconds(p: &Process) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", p.pid()))?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').context("malformed stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11).context("utime")?.parse()?;
    let stime: f64 = fields.get(12).context("stime")?.parse()?;
    Ok((utime + stime) / 100.0)
}

/// The time one thread of this machine takes for `n` RSA-2048 signatures of a draft-cavage
/// signing string, with the same code Chorus signs with.
fn signing_floor(n: usize) -> Duration {
    let key = PrivateKey::generate_rsa_2048();
    let message = b"(request-target): post /inbox\nhost: 127.0.0.1:40000\ndate: Tue, 24 Nov 2026 10:00:00 GMT\n\
                    digest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let started = Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            key.sign_rsa_sha256(std::hint::black_box(message))
                .expect("signing works"),
        );
    }
    started.elapsed()
}

async fn fanout(
    plan: &Plan,
    report: &mut Report,
    env: &ChorusEnv,
    peers: &Peers,
    slugs: &[String],
    follower_key: &str,
) -> anyhow::Result<()> {
    eprintln!("fan-out");
    let (chorus, _) = server::start_chorus(env).await?;
    let ports = &peers.instance_ports[plan.realistic_instances..plan.instances];
    seed::followers(
        env,
        "alice",
        ports,
        plan.followers_per_instance,
        follower_key,
    )
    .await?;
    let host = env.host();
    let readers: Arc<Vec<Bytes>> = Arc::new(
        slugs
            .iter()
            .map(|s| load::get(&host, &format!("/posts/{s}"), HTML, ENCODINGS))
            .collect(),
    );
    load::each_once(chorus.addr, readers.clone(), plan.connections, 200)
        .await
        .check("post pages")?;

    for round in 0..plan.fanout_rounds {
        let floor = signing_floor(plan.instances);
        report.add("fanout:floor_s", floor.as_secs_f64());
        let baseline = peers
            .stats
            .creates
            .load(std::sync::atomic::Ordering::Acquire);
        let cpu = cpu_seconds(&chorus)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let reader_task = tokio::spawn(load::open_loop(
            chorus.addr,
            readers.clone(),
            8,
            plan.reader_rate,
            FANOUT_TIMEOUT,
            stopped,
            200,
        ));
        // Let the readers settle before publishing.
        tokio::time::sleep(Duration::from_millis(200)).await;

        let file = env.dir.join("posts").join(format!("fanout-{round}.md"));
        let markdown = crate::text::post_markdown(10_000 + round, plan.sections, "").replace(
            &format!("slug: post-{:04}", 10_000 + round),
            &format!("slug: fanout-{round}"),
        );
        std::fs::write(&file, markdown)?;
        let path = file.to_str().context("path is text")?.to_owned();
        let cli_env = env.clone();
        let started = Instant::now();
        let (_, took) = tokio::task::spawn_blocking(move || {
            seed::cli(
                &cli_env,
                &["post", "publish", "--author", "alice", &path],
                None,
            )
        })
        .await??;
        report.add("fanout:publish_ms", took.as_secs_f64() * 1e3);

        let expected = baseline + plan.instances as u64;
        loop {
            if peers
                .stats
                .creates
                .load(std::sync::atomic::Ordering::Acquire)
                >= expected
            {
                break;
            }
            if started.elapsed() > FANOUT_TIMEOUT {
                bail!("the fan-out did not finish within {FANOUT_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let delivered = peers.stats.last_create().saturating_duration_since(started);
        let cpu = cpu_seconds(&chorus)? - cpu;
        let _ = stop.send(true);
        let readers_sample = reader_task.await?;
        readers_sample.check("post pages during the fan-out")?;
        if peers.stats.instances_with(round as u64 + 1) != plan.instances {
            bail!("some instances did not receive the post");
        }
        report.add("fanout:delivered_s", delivered.as_secs_f64());
        report.add(
            "fanout:times_floor",
            delivered.as_secs_f64() / floor.as_secs_f64(),
        );
        report.add("fanout:cpu_s", cpu);
        report.add("fanout:reader_p99_ms", readers_sample.percentile_ms(99.0));
        report.add("fanout:reader_p50_ms", readers_sample.percentile_ms(50.0));
        eprintln!(
            "  fan-out: publish {:.0} ms, delivered to {} instances in {:.2} s (floor {:.2} s), reader p99 {:.1} ms",
            took.as_secs_f64() * 1e3,
            plan.instances,
            delivered.as_secs_f64(),
            floor.as_secs_f64(),
            readers_sample.percentile_ms(99.0)
        );
        // The queue is idle again before the next round.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let memory = chorus.memory()?;
    report.add("memory:peak_mb", memory.hwm_kb as f64 / 1024.0);
    chorus.stop();
    Ok(())
}
