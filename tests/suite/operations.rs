//! Running a site, as its operator does from a shell or a container: `chorus healthcheck`
//! says whether the server answers, `chorus doctor` checks everything a site needs and says
//! what is wrong, and a change made on the command line is served at once by the running
//! server (read-your-writes), on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use crate::support::{Backend, Binary, PATIENCE, TestDb, backends, free_port, select};
use axum::http::StatusCode;
use chorus::domain::Role;
use chorus::storage::changes::Listener;
use chorus::storage::site;

/// A server that answers `/healthz` with 503, as Chorus does when its database is gone.
async fn unhealthy_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/healthz",
        axum::routing::get(|| async {
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

// The unhealthy server answers while the command runs: it needs a thread of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_says_whether_the_server_answers() {
    let mut bin = Binary::new(Backend::Sqlite).await;
    let out = bin
        .run(&["healthcheck"], None)
        .fails_with("no server answered");
    assert!(
        out.stderr.contains(&bin.base_url),
        "the error names where it asked: {}",
        out.stderr
    );

    let server = bin.serve().await;
    let out = bin.run(&["healthcheck"], None).ok();
    assert!(out.stdout.contains("answered 200"), "{}", out.stdout);

    // A container listens on every address; the check asks this host's loopback.
    let port = bin.base_url.rsplit(':').next().unwrap().to_owned();
    bin.set_env("CHORUS_BIND", &format!("0.0.0.0:{port}"));
    let out = bin.run(&["healthcheck"], None).ok();
    assert!(
        out.stdout
            .contains(&format!("http://127.0.0.1:{port}/healthz")),
        "{}",
        out.stdout
    );

    // Nothing listens at `bind` (the check runs elsewhere): base_url is asked.
    let elsewhere = free_port();
    bin.set_env("CHORUS_BASE_URL", &format!("http://localhost:{port}"));
    bin.set_env("CHORUS_BIND", &format!("127.0.0.1:{elsewhere}"));
    let out = bin.run(&["healthcheck"], None).ok();
    assert!(
        out.stdout
            .contains(&format!("http://localhost:{port}/healthz")),
        "{}",
        out.stdout
    );

    // A server that answers, but not 200, is not healthy.
    let sick = unhealthy_server().await;
    bin.run(&["healthcheck", "--url", &sick], None)
        .fails_with("503 Service Unavailable: database unavailable");

    drop(server);
    let out = bin.run(&["healthcheck"], None).fails_with("cannot connect");
    assert!(out.code.is_some_and(|c| c != 0), "{:?}", out.code);
}

/// The lines of the doctor's report that start with `mark` (`ok`, `warn`, `FAIL`, `skip`),
/// as `check: detail`.
fn lines(stdout: &str, mark: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(mark))
        .filter(|rest| rest.starts_with(' '))
        .map(|rest| rest.trim().to_owned())
        .collect()
}

fn has(list: &[String], prefix: &str) -> bool {
    list.iter().any(|l| l.starts_with(prefix))
}

#[tokio::test]
async fn doctor_checks_a_running_site_as_a_peer_would() {
    for backend in backends() {
        let mut bin = Binary::new(backend).await;
        bin.set_env("CHORUS_ALLOW_PRIVATE_NETWORKS", "true");
        bin.seed_user("alice", Role::Author).await;
        let server = bin.serve().await;

        let out = bin.run(&["doctor"], None).ok();
        let ok = lines(&out.stdout, "ok");
        for check in [
            "configuration:",
            "database:",
            "media store:",
            "server:",
            "webfinger:",
            "actor:",
            "nodeinfo:",
            "delivery queue:",
            "running servers:",
        ] {
            assert!(
                has(&ok, check),
                "{backend:?}: no ok line for {check}\n{}",
                out.stdout
            );
        }
        assert!(lines(&out.stdout, "FAIL").is_empty(), "{}", out.stdout);
        let host = bin.base_url.trim_start_matches("http://");
        assert!(
            has(
                &ok,
                &format!("webfinger: acct:alice@{host} → {}/@alice", bin.base_url)
            ),
            "{}",
            out.stdout
        );
        assert!(has(&ok, "delivery queue: 0 pending"), "{}", out.stdout);
        // Plain http is allowed for development, and said.
        assert!(
            has(&lines(&out.stdout, "warn"), "base_url:"),
            "{}",
            out.stdout
        );

        // On a public site plain http is a failure.
        bin.unset_env("CHORUS_ALLOW_PRIVATE_NETWORKS");
        let out = bin.run(&["doctor"], None).fails_with("1 of");
        assert!(
            has(&lines(&out.stdout, "FAIL"), "base_url:"),
            "{}",
            out.stdout
        );
        bin.set_env("CHORUS_ALLOW_PRIVATE_NETWORKS", "true");

        // With the server down the doctor says so, and fails.
        drop(server);
        let out = bin.run(&["doctor"], None).fails_with("checks failed");
        let failed = lines(&out.stdout, "FAIL");
        assert!(has(&failed, "server:"), "{backend:?}: {}", out.stdout);
        assert!(
            failed.iter().any(|l| l.contains("cannot connect")),
            "{}",
            out.stdout
        );
        assert!(
            has(&lines(&out.stdout, "skip"), "webfinger:"),
            "{}",
            out.stdout
        );
        // What does not need the server is still checked.
        assert!(
            has(&lines(&out.stdout, "ok"), "database:"),
            "{}",
            out.stdout
        );
    }
}

#[tokio::test]
async fn doctor_on_a_site_never_set_up_changes_nothing() {
    let bin = Binary::new(Backend::Sqlite).await;
    let out = bin.run(&["doctor"], None).fails_with("checks failed");
    let failed = lines(&out.stdout, "FAIL");
    assert!(
        failed
            .iter()
            .any(|l| l.starts_with("database:") && l.contains("chorus migrate")),
        "{}",
        out.stdout
    );
    assert!(
        !bin.dir().join("chorus.db").exists(),
        "the doctor created the database"
    );

    // A bad configuration is the first line, and the only check.
    let mut bin = bin;
    bin.set_env("CHORUS_BASE_URL", "ftp://nowhere");
    let out = bin.run(&["doctor"], None).fails_with("configuration");
    assert!(
        has(&lines(&out.stdout, "FAIL"), "configuration:"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
}

#[tokio::test]
async fn a_change_on_the_command_line_is_served_at_once() {
    for backend in backends() {
        let bin = Binary::new(backend).await;
        bin.seed_user("alice", Role::Author).await;
        let server = bin.serve().await;
        let post = |version: usize| {
            format!(
                "---\ntitle: Release notes v{version}\nslug: notes\n---\nWhat changed in version {version}.\n"
            )
        };
        let url = bin.publish("alice", &post(1)).ok().stdout.trim().to_owned();
        // Each version is read at once after the command returns, with the old one cached.
        for version in 2..=4 {
            let page = server.get("/posts/notes").await;
            assert!(page.text().contains(&format!("version {}", version - 1)));
            assert!(
                server
                    .get("/")
                    .await
                    .text()
                    .contains(&format!("v{}", version - 1))
            );

            let started = Instant::now();
            bin.publish("alice", &post(version)).ok();
            let took = started.elapsed();

            let page = server.get("/posts/notes").await;
            assert!(
                page.text().contains(&format!("version {version}")),
                "{backend:?}: the page right after `post publish` is the old one (the command took {took:?})"
            );
            let home = server.get("/").await;
            assert!(
                home.text().contains(&format!("Release notes v{version}")),
                "{backend:?}: the home page right after `post publish` is the old one"
            );
        }

        let out = bin.run(&["post", "delete", &url], None).ok();
        assert!(!out.stderr.contains("warning"), "{}", out.stderr);
        assert_eq!(
            server.get("/posts/notes").await.status,
            StatusCode::GONE,
            "{backend:?}: the post right after `post delete`"
        );
        assert!(
            select(&server.get("/").await.html(), "li.h-entry").is_empty(),
            "{backend:?}: the home page right after `post delete`"
        );
    }
}

#[tokio::test]
async fn without_a_running_server_the_command_line_does_not_wait() {
    let bin = Binary::new(Backend::Sqlite).await;
    bin.seed_user("alice", Role::Author).await;
    let started = Instant::now();
    let out = bin
        .publish("alice", "---\ntitle: Alone\n---\nNobody serves this yet.\n")
        .ok();
    assert!(
        out.stderr.contains("no server is running"),
        "{}",
        out.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A server that was killed still looks alive for a few seconds: the command waits a
    // bounded time and says which server did not show the change.
    let server = bin.serve().await;
    drop(server);
    let out = bin
        .publish("alice", "---\ntitle: Alone\n---\nStill nobody.\n")
        .ok();
    assert!(
        out.stderr.contains("did not show the change") && out.stderr.contains("127.0.0.1"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn postgres_wakes_servers_when_a_change_commits() {
    for backend in backends() {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        db.migrate().await.expect("migrations apply");
        let listener = Listener::connect(&db).await.expect("listening starts");
        let Some(mut listener) = listener else {
            assert_eq!(
                backend,
                Backend::Sqlite,
                "only SQLite has nothing to listen to"
            );
            continue;
        };
        // A change committed by another process (the command line, another server).
        let other = test_db.connect().await;
        let before = site::content_generation(&other).await.unwrap();
        site::set_community_avatar(&other, None).await.unwrap();
        tokio::time::timeout(PATIENCE, listener.changed())
            .await
            .expect("the change is announced when it commits")
            .expect("the listener reads it");
        assert!(site::content_generation(&db).await.unwrap() > before);
        other.close().await;
    }
}
