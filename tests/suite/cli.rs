//! The command line, driven through the real `chorus` binary as a person or a script would:
//! accounts, publishing Markdown files, updating and deleting posts, and the errors for
//! everything that is wrong, which must change nothing.

use crate::support::{Backend, Binary, attr, backends, eventually, select, text_of};
use axum::http::StatusCode;
use chorus::domain::{PostStatus, Role};
use chorus::storage::posts;

/// The usernames `user list` prints, one per line.
fn listed_users(bin: &Binary) -> Vec<String> {
    let out = bin.run(&["user", "list"], None).ok();
    out.stdout
        .lines()
        .filter_map(|l| l.split('\t').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn creating_accounts_and_refusing_bad_ones() {
    for backend in backends() {
        let bin = Binary::new(backend).await;
        let out = bin.create_user("alice", "author").ok();
        assert!(out.stdout.contains("alice"), "{backend:?}: {}", out.stdout);
        assert_eq!(listed_users(&bin), ["alice"], "{backend:?}");

        let password = Some("a long enough password\n");
        let refused: &[(&[&str], Option<&str>, &str)] = &[
            (
                &["user", "create", "alice", "--role", "author"],
                password,
                "already taken",
            ),
            (
                &["user", "create", "Alice", "--role", "editor"],
                password,
                "already taken",
            ),
            (
                &["user", "create", "al-ice", "--role", "author"],
                password,
                "only letters a-z, digits and underscores",
            ),
            (
                &["user", "create", &"b".repeat(31), "--role", "author"],
                password,
                "at most 30 characters",
            ),
            (
                &["user", "create", "", "--role", "author"],
                password,
                "cannot be empty",
            ),
            (
                &["user", "create", "admin", "--role", "admin"],
                password,
                "reserved",
            ),
            (
                &["user", "create", "bob", "--role", "author"],
                Some("short\n"),
                "at least 8 characters",
            ),
            (
                &["user", "create", "bob", "--role", "author"],
                None,
                "no password on standard input",
            ),
            (
                &["user", "create", "bob", "--role", "overlord"],
                password,
                "unknown role",
            ),
        ];
        for (args, stdin, needle) in refused {
            bin.run(args, *stdin).fails_with(needle);
            assert_eq!(
                listed_users(&bin),
                ["alice"],
                "{backend:?}: `{}` wrote something",
                args.join(" ")
            );
        }
        assert_eq!(bin.count("users").await, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn publishing_updating_and_deleting_a_post_as_readers_see_it() {
    for backend in backends() {
        let bin = Binary::new(backend).await;
        let server = bin.serve().await;
        bin.create_user("alice", "author").ok();

        let first = "---\ntitle: Hello world\ntags: [rust]\n---\nThe first version of this post.\n";
        let out = bin.publish("alice", first).ok();
        let url = out.stdout.trim().to_owned();
        assert_eq!(
            url,
            format!("{}/posts/hello-world", bin.base_url),
            "{backend:?}: stdout is the URL"
        );
        let page = server.get("/posts/hello-world").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(page.text().contains("The first version"), "{backend:?}");
        let old_etag = page.header("etag").to_owned();

        // The same slug again with new text updates the post in place; the running server
        // notices the change made by another process.
        let second = first.replace("The first version", "The second version");
        let out = bin.publish("alice", &second).ok();
        assert_eq!(
            out.stdout.trim(),
            url,
            "{backend:?}: an update keeps the URL"
        );
        assert!(
            out.stderr.contains("updated"),
            "{backend:?}: {}",
            out.stderr
        );
        let page = eventually("the page to show the update", || async {
            let p = server.get("/posts/hello-world").await;
            p.text().contains("The second version").then_some(p)
        })
        .await;
        assert!(!page.text().contains("The first version"), "{backend:?}");
        assert_ne!(
            page.header("etag"),
            old_etag,
            "{backend:?}: the ETag must change with the content"
        );
        let home = server.get("/").await;
        assert_eq!(
            select(&home.html(), "li.h-entry").len(),
            1,
            "{backend:?}: still one post on the home page"
        );
        assert_eq!(bin.count("posts").await, 1, "{backend:?}");

        // Publishing identical text again changes nothing.
        let before = posts::find_post_by_slug(&bin.db.connect().await, "hello-world")
            .await
            .unwrap()
            .unwrap();
        let out = bin.publish("alice", &second).ok();
        assert_eq!(out.stdout.trim(), url);
        assert!(
            out.stderr.contains("unchanged"),
            "{backend:?}: {}",
            out.stderr
        );
        let after = posts::find_post_by_slug(&bin.db.connect().await, "hello-world")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            before.updated_at, after.updated_at,
            "{backend:?}: an identical republish is not an update"
        );

        // Deleting: the URL answers 410 Gone with a page saying so.
        bin.run(&["post", "delete", &url], None).ok();
        let gone = eventually("the deleted post to answer 410", || async {
            let p = server.get("/posts/hello-world").await;
            (p.status == StatusCode::GONE).then_some(p)
        })
        .await;
        assert!(
            gone.content_type().starts_with("text/html"),
            "{backend:?}: {}",
            gone.content_type()
        );
        assert!(
            text_of(&gone.html(), "h1").unwrap().contains("deleted"),
            "{backend:?}"
        );
        let home = eventually("the home page to drop the post", || async {
            let p = server.get("/").await;
            (!p.text().contains("Hello world</a>")).then_some(p)
        })
        .await;
        assert!(select(&home.html(), "li.h-entry").is_empty(), "{backend:?}");

        // Deleting twice, or something that is not a post here, is an error.
        bin.run(&["post", "delete", &url], None)
            .fails_with("no post");
        bin.run(
            &[
                "post",
                "delete",
                &format!("{}/posts/never-written", bin.base_url),
            ],
            None,
        )
        .fails_with("no post");
        bin.run(
            &[
                "post",
                "delete",
                "https://elsewhere.example/posts/hello-world",
            ],
            None,
        )
        .fails_with("not the URL of a post");
        // The deleted slug stays retired: republishing it does not resurrect the post.
        bin.publish("alice", &second).fails_with("deleted");
        assert_eq!(
            server.get("/posts/hello-world").await.status,
            StatusCode::GONE,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn bad_posts_are_refused_with_a_reason_and_change_nothing() {
    for backend in backends() {
        let bin = Binary::new(backend).await;
        bin.seed_user("alice", Role::Author).await;
        bin.seed_user("bob", Role::Author).await;
        bin.seed_user("carol", Role::Contributor).await;
        let original = "---\ntitle: Hello\nslug: hello\n---\nAlice's words.\n";
        bin.publish("alice", original).ok();

        let refused: &[(&str, &str, &str)] = &[
            (
                "alice",
                "---\ntitle: \"   \"\n---\nSome text.\n",
                "no title",
            ),
            (
                "alice",
                "Just text, no heading and no front matter.\n",
                "no title",
            ),
            (
                "alice",
                "---\ntitle: Typo\ntitel: Typo\n---\nText.\n",
                "titel",
            ),
            ("alice", "---\ntitle: [unclosed\n---\nText.\n", "YAML"),
            ("alice", "+++\ntitle = \n+++\nText.\n", "TOML"),
            ("alice", "---\ntitle: Never closed\nText.\n", "never closed"),
            (
                "alice",
                "---\ntitle: Bad date\npublished: next tuesday\n---\nText.\n",
                "published",
            ),
            (
                "alice",
                "---\ntitle: Bad slug\nslug: Not A Slug\n---\nText.\n",
                "slug",
            ),
            (
                "bob",
                "---\ntitle: Mine now\nslug: hello\n---\nBob's words.\n",
                "belongs to a post by alice",
            ),
            ("nobody", "---\ntitle: Ghost\n---\nText.\n", "no user named"),
            (
                "carol",
                "---\ntitle: Straight out\n---\nText.\n",
                "contributor",
            ),
        ];
        for (author, markdown, needle) in refused {
            bin.publish(author, markdown).fails_with(needle);
            assert_eq!(
                bin.count("posts").await,
                1,
                "{backend:?}: {markdown:?} wrote a post"
            );
        }

        let big = format!("---\ntitle: Big\n---\n{}", "word ".repeat(220_000));
        assert!(big.len() > 1024 * 1024);
        bin.publish("alice", &big).fails_with("1 MiB");
        let missing = bin.dir().join("missing.md");
        bin.run(
            &[
                "post",
                "publish",
                "--author",
                "alice",
                missing.to_str().unwrap(),
            ],
            None,
        )
        .fails_with("missing.md");
        assert_eq!(bin.count("posts").await, 1, "{backend:?}");

        let db = bin.db.connect().await;
        let post = posts::find_post_by_slug(&db, "hello")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(post.author.username.as_str(), "alice", "{backend:?}");
        assert!(
            post.markdown.contains("Alice's words"),
            "{backend:?}: bob's attempt changed alice's post"
        );

        // A contributor may save a draft.
        let out = bin
            .publish("carol", "---\ntitle: For review\ndraft: true\n---\nText.\n")
            .ok();
        assert!(out.stderr.contains("draft"), "{backend:?}: {}", out.stderr);
        let draft = posts::find_post_by_slug(&db, "for-review")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(draft.status, PostStatus::Draft, "{backend:?}");
    }
}

#[tokio::test]
async fn front_matter_in_yaml_and_toml() {
    for backend in backends() {
        let bin = Binary::new(backend).await;
        bin.seed_user("alice", Role::Author).await;
        let server = bin.serve().await;

        // A future date schedules a post; a draft stays private. Neither is public.
        let hidden = [
            (
                "---\ntitle: Next year\ntags: [rust]\npublished: 2999-01-01\n---\nLater.\n",
                "next-year",
                "scheduled",
            ),
            (
                "+++\ntitle = \"Unfinished\"\ntags = [\"rust\"]\ndraft = true\n+++\nNot yet.\n",
                "unfinished",
                "draft",
            ),
        ];
        for (markdown, _, note) in hidden {
            let out = bin.publish("alice", markdown).ok();
            assert!(out.stderr.contains(note), "{backend:?}: {}", out.stderr);
        }

        let yaml = "---\ntitle: Tuning Postgres\nslug: tuning-pg\ntags: [rust, Databases]\n\
                    summary: What we learned.\npublished: 2025-03-01T09:30:00Z\n---\nBody of the YAML post.\n";
        let toml = "+++\ntitle = \"Async in Practice\"\nslug = \"async-practice\"\ntags = \"rust, async\"\n\
                    summary = \"Futures, explained.\"\npublished = 2025-04-02T10:00:00Z\n+++\nBody of the TOML post.\n";
        for (markdown, slug, title, summary, date) in [
            (
                yaml,
                "tuning-pg",
                "Tuning Postgres",
                "What we learned.",
                "2025-03-01T09:30:00",
            ),
            (
                toml,
                "async-practice",
                "Async in Practice",
                "Futures, explained.",
                "2025-04-02T10:00:00",
            ),
        ] {
            let out = bin.publish("alice", markdown).ok();
            assert_eq!(
                out.stdout.trim(),
                format!("{}/posts/{slug}", bin.base_url),
                "{backend:?}"
            );
            let page = eventually("the post page", || async {
                let p = server.get(&format!("/posts/{slug}")).await;
                (p.status == StatusCode::OK).then_some(p)
            })
            .await;
            let html = page.html();
            assert_eq!(text_of(&html, "h1").as_deref(), Some(title), "{backend:?}");
            assert_eq!(
                attr(&html, "meta[property='og:description']", "content").as_deref(),
                Some(summary)
            );
            let published = attr(&html, ".h-entry .dt-published", "datetime").unwrap();
            assert!(published.starts_with(date), "{backend:?}: {published}");
        }
        let html = server.get("/posts/tuning-pg").await.html();
        let tags: Vec<String> = select(&html, ".h-entry a[rel=tag] .p-category")
            .iter()
            .map(|a| a.text().collect::<String>())
            .collect();
        assert_eq!(
            tags,
            ["#rust", "#Databases"],
            "{backend:?}: tags keep their order and are shown as written"
        );
        let html = server.get("/posts/async-practice").await.html();
        let tags: Vec<String> = select(&html, ".h-entry a[rel=tag] .p-category")
            .iter()
            .map(|a| a.text().collect::<String>())
            .collect();
        assert_eq!(
            tags,
            ["#rust", "#async"],
            "{backend:?}: a comma-separated TOML string is a tag list"
        );

        // The server has seen every change by now (the public posts came after the hidden ones).
        let tag_page = eventually("both posts on the tag page", || async {
            let p = server.get("/tags/rust").await;
            (p.text().contains("Tuning Postgres") && p.text().contains("Async in Practice"))
                .then_some(p)
        })
        .await;
        let home = server.get("/").await;
        for (_, slug, _) in hidden {
            assert_eq!(
                server.get(&format!("/posts/{slug}")).await.status,
                StatusCode::NOT_FOUND,
                "{backend:?}: {slug}"
            );
            for (name, page) in [("home", &home), ("tag", &tag_page)] {
                assert!(
                    !page.text().contains(&format!("/posts/{slug}")),
                    "{backend:?}: {slug} is on the {name} page"
                );
            }
            assert!(
                !server.get("/feed.xml").await.text().contains(slug),
                "{backend:?}: {slug} is in the feed"
            );
        }
        assert_eq!(select(&home.html(), "li.h-entry").len(), 2, "{backend:?}");
        // Back-dated posts keep their date and order: newest first.
        let titles: Vec<String> = select(&home.html(), "li.h-entry .p-name")
            .iter()
            .map(|e| e.text().collect())
            .collect();
        assert_eq!(
            titles,
            ["Async in Practice", "Tuning Postgres"],
            "{backend:?}"
        );

        let db = bin.db.connect().await;
        for (slug, status) in [
            ("next-year", PostStatus::Scheduled),
            ("unfinished", PostStatus::Draft),
        ] {
            let post = posts::find_post_by_slug(&db, slug).await.unwrap().unwrap();
            assert_eq!(post.status, status, "{backend:?}");
        }
    }
}

#[tokio::test]
async fn an_author_sets_a_fediverse_byline() {
    for backend in backends() {
        let bin = Binary::new(backend).await;
        bin.seed_user("alice", Role::Author).await;
        let server = bin.serve().await;
        bin.publish("alice", "---\ntitle: Byline\n---\nText.\n")
            .ok();
        let page = server.get("/posts/byline").await;
        assert!(
            select(&page.html(), "meta[name='fediverse:creator']").is_empty(),
            "{backend:?}: no handle set yet"
        );

        bin.run(
            &[
                "user",
                "update",
                "alice",
                "--fediverse-creator",
                "not a handle",
            ],
            None,
        )
        .fails_with("fediverse handle");
        bin.run(
            &[
                "user",
                "update",
                "alice",
                "--fediverse-creator",
                "@alice@mastodon.example",
            ],
            None,
        )
        .ok();
        let page = eventually("the byline to appear", || async {
            let p = server.get("/posts/byline").await;
            (!select(&p.html(), "meta[name='fediverse:creator']").is_empty()).then_some(p)
        })
        .await;
        let creator = attr(&page.html(), "meta[name='fediverse:creator']", "content");
        assert_eq!(
            creator.as_deref(),
            Some("@alice@mastodon.example"),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn migrate_and_help() {
    for backend in backends() {
        let bin = Binary::new(backend).await;
        bin.run(&["migrate"], None).ok();
        bin.run(&["migrate"], None).ok(); // a second run has nothing to do and still succeeds
        assert_eq!(bin.count("users").await, 0, "{backend:?}");
    }
    let bin = Binary::new(Backend::Sqlite).await;
    let help = bin.run(&["--help"], None).ok().stdout;
    for command in ["serve", "migrate", "user", "post"] {
        assert!(
            help.contains(command),
            "--help does not mention {command}:\n{help}"
        );
    }
    let help = bin.run(&["post", "--help"], None).ok().stdout;
    for command in ["publish", "delete"] {
        assert!(
            help.contains(command),
            "post --help does not mention {command}:\n{help}"
        );
    }
    let help = bin.run(&["user", "create", "--help"], None).ok().stdout;
    assert!(
        help.contains("--role") && help.contains("standard input"),
        "{help}"
    );
    bin.run(&["frobnicate"], None).fails_with("frobnicate");
}

#[tokio::test]
async fn a_configuration_file_is_read_and_the_environment_overrides_it() {
    let mut bin = Binary::new(Backend::Sqlite).await;
    bin.run(&["--config", "nowhere.toml", "migrate"], None)
        .fails_with("nowhere.toml");
    bin.set_env("CHORUS_CONFIG", "nowhere.toml");
    bin.run(&["migrate"], None).fails_with("nowhere.toml");

    let mut bin = Binary::unconfigured().await;
    bin.unset_env("CHORUS_BASE_URL");
    bin.write(
        "site.toml",
        "base_url = \"https://writers.example\"\ndatabase_url = \"sqlite://site.db\"\n",
    );
    bin.set_env("CHORUS_CONFIG", "site.toml");
    bin.create_user("alice", "author").ok();
    assert!(
        bin.dir().join("site.db").is_file(),
        "database_url from the file was not used"
    );
    let out = bin
        .publish("alice", "---\ntitle: From a file\n---\nText.\n")
        .ok();
    assert_eq!(
        out.stdout.trim(),
        "https://writers.example/posts/from-a-file"
    );
    bin.set_env("CHORUS_BASE_URL", "https://env.example");
    let out = bin.publish("alice", "---\ntitle: Again\n---\nText.\n").ok();
    assert_eq!(out.stdout.trim(), "https://env.example/posts/again");

    bin.write("bad.toml", "colour = \"red\"\n");
    bin.run(&["--config", "bad.toml", "migrate"], None)
        .fails_with("colour");
    bin.set_env("CHORUS_BASE_URL", "https://env.example/blog/");
    bin.run(&["migrate"], None).fails_with("base_url");
}

#[tokio::test]
async fn serve_with_no_configuration_creates_its_database() {
    let bin = Binary::unconfigured().await;
    assert!(!bin.dir().join("data").exists());
    let server = bin.serve().await;
    assert!(
        bin.dir().join("data/chorus.db").is_file(),
        "serve did not create data/chorus.db"
    );
    let health = server.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    let home = server.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.content_type().starts_with("text/html"));
}

/// Signs in through the login form with `password`; gives the answer to the POST.
async fn log_in_with(
    b: &mut crate::support::forms::Visitor<'_>,
    username: &str,
    password: &str,
) -> crate::support::Reply {
    let page = b.get("/login").await;
    let csrf = crate::support::forms::csrf_of(&page);
    b.post(
        "/login",
        &[
            ("csrf", &csrf),
            ("username", username),
            ("password", password),
        ],
    )
    .await
}

#[tokio::test]
async fn user_password_sets_a_new_password_read_from_a_pipe() {
    for backend in backends() {
        let site = crate::support::TestApp::with_author(backend, "alice").await;
        let out = site
            .command_line(
                &["user", "password", "alice"],
                Some("a brand new password\n"),
            )
            .ok();
        assert!(out.stdout.contains("alice"), "{backend:?}: {}", out.stdout);
        assert!(
            !out.stdout.contains("a brand new password") && !out.stderr.contains("a brand new"),
            "the password is never printed"
        );

        let mut b = crate::support::forms::Visitor::new(&site);
        let r = log_in_with(&mut b, "alice", "a brand new password").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.text());
        let mut old = crate::support::forms::Visitor::new(&site);
        let r = log_in_with(&mut old, "alice", crate::support::TEST_PASSWORD).await;
        assert_ne!(
            r.status,
            StatusCode::SEE_OTHER,
            "{backend:?}: the old password no longer works"
        );

        // Refusals change nothing.
        site.command_line(&["user", "password", "alice"], Some("short\n"))
            .fails_with("at least 8 characters");
        site.command_line(&["user", "password", "alice"], None)
            .fails_with("no password on standard input");
        site.command_line(&["user", "password", "nobody"], Some("whatever123\n"))
            .fails_with("no user named");
        let mut again = crate::support::forms::Visitor::new(&site);
        let r = log_in_with(&mut again, "alice", "a brand new password").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}");
    }
}

#[tokio::test]
async fn publishing_uploads_the_images_a_post_names_by_a_relative_path() {
    for backend in backends() {
        let bin = Binary::new(backend).await;
        bin.seed_user("alice", Role::Author).await;
        let server = bin.serve().await;
        std::fs::create_dir_all(bin.dir().join("img")).unwrap();
        bin.write("img/diagram.png", crate::support::images::png(640, 480));
        let md = "---\ntitle: With a picture\nslug: pictured\n---\n\
                  See ![The flow](img/diagram.png) and ![Again](img/diagram.png \"twice\").\n";
        let out = bin.publish("alice", md).ok();
        assert!(
            out.stderr.contains("image img/diagram.png: uploaded"),
            "{backend:?}: {}",
            out.stderr
        );
        assert_eq!(
            bin.count("media").await,
            1,
            "{backend:?}: one file, one upload"
        );

        let page = server.get("/posts/pictured").await;
        let src = attr(&page.html(), "img[alt=\"The flow\"]", "src")
            .unwrap_or_else(|| panic!("{backend:?}: no image on the page\n{}", page.text()));
        let path = &src[src
            .find("/media/")
            .expect("the image is served from the media store")..];
        assert_eq!(
            attr(&page.html(), "img[alt=\"Again\"]", "src").as_deref(),
            Some(src.as_str())
        );
        let image = server.get(path).await;
        assert_eq!(image.status, StatusCode::OK, "{backend:?}: {path}");
        assert_eq!(image.content_type(), "image/png", "{backend:?}");

        // Publishing again with the same image does not upload it again.
        let out = bin.publish("alice", &md.replace("See", "Look at")).ok();
        assert!(
            out.stderr.contains("image img/diagram.png: unchanged"),
            "{backend:?}: {}",
            out.stderr
        );
        assert_eq!(bin.count("media").await, 1, "{backend:?}");
        let page = server.get("/posts/pictured").await;
        assert!(page.text().contains("Look at"), "{backend:?}");
        assert_eq!(
            attr(&page.html(), "img[alt=\"The flow\"]", "src").as_deref(),
            Some(src.as_str())
        );

        // A missing file, or one that is not an image: an error naming it, nothing published.
        let broken = "---\ntitle: Broken\nslug: broken\n---\nText ![gone](img/missing.png)\n";
        bin.publish("alice", broken).fails_with("img/missing.png");
        bin.write("img/notes.png", "just some text, not a picture");
        bin.publish("alice", &broken.replace("missing", "notes"))
            .fails_with("img/notes.png is not an image");
        assert_eq!(
            server.get("/posts/broken").await.status,
            StatusCode::NOT_FOUND,
            "{backend:?}"
        );
        assert_eq!(bin.count("posts").await, 1, "{backend:?}");
        assert_eq!(bin.count("media").await, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn a_token_is_printed_once_and_stored_only_as_its_hash_with_its_scopes() {
    for backend in backends() {
        let bin = Binary::new(backend).await;
        bin.seed_user("alice", Role::Author).await;
        let out = bin
            .run(
                &[
                    "token",
                    "create",
                    "--user",
                    "alice",
                    "--scope",
                    "create,update,media",
                ],
                None,
            )
            .ok();
        let token = out.stdout.trim().to_owned();
        assert_eq!(token.len(), 43, "{backend:?}: {}", out.stdout);
        assert_eq!(
            out.stdout.lines().count(),
            1,
            "only the token on standard output"
        );

        let db = bin.db.connect().await;
        let hash = chorus::domain::secrets::token_hash(&token);
        let stored = chorus::storage::tokens::find_token(&db, &hash)
            .await
            .unwrap()
            .expect("the token's hash is stored");
        assert_eq!(stored.scope, "create update media");
        assert!(stored.revoked_at.is_none() && stored.expires_at.is_none());
        let plain: Option<(i64,)> = match &db {
            chorus::storage::Db::Sqlite(p) => {
                sqlx::query_as("SELECT id FROM access_tokens WHERE token_hash = $1")
                    .bind(&token)
                    .fetch_optional(p)
                    .await
                    .unwrap()
            }
            chorus::storage::Db::Postgres(p) => {
                sqlx::query_as("SELECT id FROM access_tokens WHERE token_hash = $1")
                    .bind(&token)
                    .fetch_optional(p)
                    .await
                    .unwrap()
            }
        };
        assert!(plain.is_none(), "the token itself is not stored");
        db.close().await;

        for (args, needle) in [
            (
                [
                    "token",
                    "create",
                    "--user",
                    "alice",
                    "--scope",
                    "create,admin",
                ],
                "unknown scope \"admin\"",
            ),
            (
                ["token", "create", "--user", "nobody", "--scope", "create"],
                "no user named \"nobody\"",
            ),
            (
                ["token", "create", "--user", "alice", "--scope", " "],
                "at least one scope",
            ),
        ] {
            bin.run(&args, None).fails_with(needle);
        }
        assert_eq!(bin.count("access_tokens").await, 1, "{backend:?}");
    }
}
