//! Seeding: accounts and posts go in through the `chorus` command line, as a user would put
//! them in; remote followers (which in real life arrive as `Follow` activities) are written
//! with the library's storage functions.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chorus::app::App;
use chorus::config::Config;
use chorus::federation::keys;
use chorus::storage::remote::RemoteActorData;
use chorus::storage::{follows, remote, users};

use crate::server::ChorusEnv;

pub const AUTHORS: [(&str, &str); 3] = [
    ("alice", "Alice Example"),
    ("bob", "Bob Example"),
    ("carol", "Carol Example"),
];

/// The author of post `n`: alice writes 40%, bob and carol 30% each.
pub fn author_of(n: usize) -> &'static str {
    match n % 10 {
        0..=3 => "alice",
        4..=6 => "bob",
        _ => "carol",
    }
}

/// Runs `chorus ARGS` with the benchmark's configuration and `stdin`; fails on a non-zero exit.
pub fn cli(
    env: &ChorusEnv,
    args: &[&str],
    stdin: Option<&str>,
) -> anyhow::Result<(String, Duration)> {
    let mut cmd = env.command();
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let started = Instant::now();
    let mut child = cmd.spawn().context("starting chorus")?;
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .context("stdin")?
            .write_all(input.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let took = started.elapsed();
    if !out.status.success() {
        bail!(
            "chorus {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), took))
}

/// Creates the three authors and publishes `posts` posts with `sections` code sections each.
pub fn accounts_and_posts(
    env: &ChorusEnv,
    posts: usize,
    sections: usize,
    dir: &Path,
) -> anyhow::Result<()> {
    for (name, display) in AUTHORS {
        cli(
            env,
            &[
                "user",
                "create",
                name,
                "--role",
                "author",
                "--display-name",
                display,
            ],
            Some("bench-password-1\n"),
        )?;
    }
    let progress_every = (posts / 10).max(1);
    for n in 1..=posts {
        let file = dir.join(format!("post-{n:04}.md"));
        std::fs::write(&file, crate::text::post_markdown(n, sections, ""))?;
        cli(
            env,
            &[
                "post",
                "publish",
                "--author",
                author_of(n),
                file.to_str().context("path is text")?,
            ],
            None,
        )?;
        if n % progress_every == 0 {
            eprintln!("  published {n}/{posts} posts");
        }
    }
    Ok(())
}

/// Adds `per_instance` followers of `author` on each instance in `ports`, every one with the
/// instance's shared inbox. Names are `f{instance}_{j}`, so calling again with more
/// instances adds only the new ones.
pub async fn followers(
    env: &ChorusEnv,
    author: &str,
    ports: &[u16],
    per_instance: usize,
    public_key_pem: &str,
) -> anyhow::Result<usize> {
    let config = Config {
        base_url: env.base_url.clone(),
        bind: env.bind,
        database_url: env.database_url.clone(),
        data_dir: env.data_dir.clone(),
        allow_private_networks: true,
        ..Config::default()
    };
    let app = App::start(config).await?;
    let user = users::find_user_by_username(&app.db, author)
        .await?
        .context("no such author")?;
    let local = keys::person_actor(&app, user.id).await?;
    let now = chrono::Utc::now();
    let mut added = 0;
    for port in ports {
        let base = format!("http://127.0.0.1:{port}");
        for j in 0..per_instance {
            let name = format!("f{port}_{j}");
            let uri = format!("{base}/users/{name}");
            let data = RemoteActorData {
                uri: uri.clone(),
                kind: "Person".into(),
                username: name.clone(),
                domain: format!("127.0.0.1:{port}"),
                display_name: name.clone(),
                url: None,
                icon_url: None,
                inbox: format!("{uri}/inbox"),
                shared_inbox: Some(format!("{base}/inbox")),
                key_id: format!("{uri}#main-key"),
                public_key_pem: public_key_pem.to_owned(),
            };
            let actor = remote::upsert_remote_actor(&app.db, &data, now).await?;
            follows::add_follower(
                &app.db,
                local.id,
                actor.id,
                &format!("{uri}/follows/{}", local.id),
                now,
            )
            .await?;
            added += 1;
        }
    }
    app.db.close().await;
    Ok(added)
}
