//! Moving in and out: an author brings years of writing from WordPress, Ghost, WriteFreely
//! or a folder of Markdown with `chorus import`, keeps the old addresses working (301), and
//! can try it first with `--dry-run`; a second run changes nothing; a broken file is named
//! and a broken item skipped. `chorus export` writes everything out, and importing that into
//! a new site gives the same posts.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use chorus::domain::{PostStatus, Role, Tag};
use chorus::storage::posts::{self, Post};

use crate::support::peer::Peer;
use crate::support::{Output, TestApp, TestServer, add_remote_follower, backends, images};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

async fn post(site: &TestApp, slug: &str) -> Post {
    posts::find_post_by_slug(&site.app.db, slug)
        .await
        .expect("storage works")
        .unwrap_or_else(|| panic!("no post {slug:?}"))
}

fn tags(post: &Post) -> Vec<String> {
    post.tags.iter().map(Tag::to_string).collect()
}

/// The last line of standard output: the summary.
fn summary(out: &Output) -> &str {
    out.stdout.lines().last().unwrap_or_default()
}

/// Where `path` sends a reader, with which status.
async fn redirect_of(site: &TestApp, path: &str) -> (StatusCode, String) {
    let reply = site.get(path).await;
    (reply.status, reply.header("location").to_owned())
}

/// Rows a run may write, to check that another run wrote none.
async fn rows(site: &TestApp) -> [i64; 3] {
    [
        site.count("posts").await,
        site.count("users").await,
        site.count("redirects").await,
    ]
}

#[tokio::test]
async fn a_wordpress_export_comes_in_with_authors_dates_tags_and_old_addresses() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let file = fixture("wordpress.xml");

        // A dry run says what would happen and writes nothing.
        let dry = site
            .command_line(&["import", "wordpress", &file, "--dry-run"], None)
            .ok();
        assert_eq!(
            summary(&dry),
            "imported 3, skipped 1 (dry run: nothing was written)"
        );
        assert!(
            dry.stderr.contains("would create the author alice"),
            "{}",
            dry.stderr
        );
        assert_eq!(
            rows(&site).await,
            [0, 0, 0],
            "{backend:?}: the dry run wrote"
        );

        let out = site
            .command_line(&["import", "wordpress", &file], None)
            .ok();
        assert_eq!(summary(&out), "imported 3, skipped 1", "{}", out.stderr);
        // The bad item is named with where it is, and why.
        assert!(
            out.stderr.contains(
                "skipped item 5 (line 149): the date \"sometime in February\" is not a date"
            ),
            "{backend:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("left out 2 items that are not posts"),
            "{}",
            out.stderr
        );

        let hello = post(&site, "hello-world").await;
        assert_eq!(hello.title, "Hello, world");
        assert_eq!(hello.author.username.as_str(), "alice");
        assert_eq!(hello.author.display_name, "Alice Archer");
        assert_eq!(hello.status, PostStatus::Published);
        assert_eq!(
            hello.published_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2019-03-12T10:00:00+00:00"),
            "{backend:?}: the original date is kept"
        );
        assert_eq!(tags(&hello), ["News", "Rust"]);
        assert_eq!(hello.summary, "The first post of the field notes.");
        assert!(
            hello.content_html.contains("<strong>new</strong>"),
            "{}",
            hello.content_html
        );
        // The old site's image is not fetched: the page links it and the import says so.
        let photo = "https://old.example/wp-content/uploads/2019/03/field-photo.jpg";
        assert!(
            out.stderr.contains(&format!("image not copied (it shows as a link; upload it and edit the post to keep it): {photo}")),
            "{backend:?}: {}",
            out.stderr
        );
        assert!(
            !hello.content_html.contains("<img"),
            "{}",
            hello.content_html
        );
        assert!(
            hello.content_html.contains(&format!("href=\"{photo}\"")),
            "{}",
            hello.content_html
        );
        let tools = post(&site, "tools-and-habits").await;
        assert_eq!(tools.title, "Tools & habits");
        assert_eq!(tools.author.username.as_str(), "bob_builder");
        assert_eq!(tags(&tools), ["ReleaseNotes"]);
        let draft = post(&site, "half-written-thoughts").await;
        assert_eq!(draft.status, PostStatus::Draft);
        assert!(
            posts::find_post_by_slug(&site.app.db, "broken")
                .await
                .unwrap()
                .is_none(),
            "{backend:?}: the bad item was written"
        );

        // Old addresses, with or without their trailing slash, move permanently.
        for old in ["/2019/03/hello-world/", "/2019/03/hello-world"] {
            assert_eq!(
                redirect_of(&site, old).await,
                (
                    StatusCode::MOVED_PERMANENTLY,
                    "/posts/hello-world".to_owned()
                ),
                "{backend:?}: {old}"
            );
        }
        assert_eq!(
            site.get("/2019/03/nothing-here").await.status,
            StatusCode::NOT_FOUND
        );
        let page = site.get("/posts/hello-world").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");

        // Again: nothing changes.
        let before = rows(&site).await;
        let updated = hello.updated_at;
        let dry_again = site
            .command_line(&["import", "wordpress", &file, "--dry-run"], None)
            .ok();
        assert_eq!(
            summary(&dry_again),
            "imported 0, skipped 4 (dry run: nothing was written)",
            "{}",
            dry_again.stderr
        );
        let again = site
            .command_line(&["import", "wordpress", &file], None)
            .ok();
        assert_eq!(summary(&again), "imported 0, skipped 4", "{}", again.stderr);
        assert_eq!(rows(&site).await, before, "{backend:?}");
        assert_eq!(post(&site, "hello-world").await.updated_at, updated);
    }
}

#[tokio::test]
async fn a_ghost_export_comes_in_under_one_chosen_author() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        site.create_user("zoe", Role::Author).await;
        let file = fixture("ghost.json");
        let out = site
            .command_line(&["import", "ghost", &file, "--author", "zoe"], None)
            .ok();
        assert_eq!(summary(&out), "imported 2, skipped 1", "{}", out.stderr);
        assert!(
            out.stderr.contains(
                "skipped posts[3]: published_at \"the second of December\" is not a date"
            ),
            "{backend:?}: {}",
            out.stderr
        );
        assert_eq!(
            site.count("users").await,
            1,
            "{backend:?}: no author is created with --author"
        );
        let welcome = post(&site, "welcome").await;
        assert_eq!(welcome.author.username.as_str(), "zoe");
        assert_eq!(welcome.title, "Welcome to our new home");
        assert_eq!(welcome.summary, "Why we moved our writing.");
        assert_eq!(tags(&welcome), ["Community"], "internal tags are not tags");
        assert_eq!(
            welcome.published_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2019-11-26T09:00:00+00:00")
        );
        let notes = post(&site, "notes-on-async").await;
        assert_eq!(notes.status, PostStatus::Draft);
        assert_eq!(tags(&notes), ["Rust"]);
        assert!(
            posts::find_post_by_slug(&site.app.db, "about")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            redirect_of(&site, "/welcome/").await,
            (StatusCode::MOVED_PERMANENTLY, "/posts/welcome".to_owned())
        );

        let again = site
            .command_line(&["import", "ghost", &file, "--author", "zoe"], None)
            .ok();
        assert_eq!(summary(&again), "imported 0, skipped 3", "{}", again.stderr);

        // Without --author, Ghost's authors become accounts here.
        let other = TestApp::new(backend).await;
        other.command_line(&["import", "ghost", &file], None).ok();
        assert_eq!(
            post(&other, "welcome").await.author.display_name,
            "Carol Writer"
        );
        assert_eq!(
            post(&other, "notes-on-async")
                .await
                .author
                .username
                .as_str(),
            "dan"
        );
    }
}

#[tokio::test]
async fn a_writefreely_export_comes_in_with_its_blog_addresses() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let file = fixture("writefreely.json");
        let out = site
            .command_line(&["import", "writefreely", &file], None)
            .ok();
        assert_eq!(summary(&out), "imported 3, skipped 1", "{}", out.stderr);
        assert!(
            out.stderr
                .contains("skipped collections[0].posts[2]: the post has no `body`"),
            "{backend:?}: {}",
            out.stderr
        );
        let first = post(&site, "first-light").await;
        assert_eq!(first.author.username.as_str(), "dave");
        assert_eq!(first.title, "First light");
        assert_eq!(tags(&first), ["writing", "mornings"]);
        assert_eq!(
            first.published_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2019-04-01T10:00:00+00:00")
        );
        // WriteFreely posts may have no title: the first line becomes one.
        assert_eq!(
            post(&site, "untitled-thoughts").await.title,
            "Untitled thoughts about rain"
        );
        assert_eq!(
            redirect_of(&site, "/dave/first-light").await,
            (
                StatusCode::MOVED_PERMANENTLY,
                "/posts/first-light".to_owned()
            )
        );
        assert_eq!(
            redirect_of(&site, "/a1b2c3d4e5").await,
            (
                StatusCode::MOVED_PERMANENTLY,
                "/posts/a-note-outside-any-blog".to_owned()
            ),
            "{backend:?}: a post outside a blog had only its id"
        );
        let again = site
            .command_line(&["import", "writefreely", &file], None)
            .ok();
        assert_eq!(summary(&again), "imported 0, skipped 4", "{}", again.stderr);
    }
}

#[tokio::test]
async fn malformed_files_are_named_and_nothing_is_written() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let dir = site.db.dir.path();
        let write = |name: &str, text: &str| -> String {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        };
        let xml = std::fs::read_to_string(fixture("wordpress.xml")).unwrap();
        let cut = write("cut.xml", &xml[..xml.len() / 2]);
        site.command_line(&["import", "wordpress", &cut], None)
            .fails_with("is not a readable WordPress export (WXR)");
        let rss = write(
            "feed.xml",
            "<rss><channel><title>A feed</title></channel></rss>",
        );
        site.command_line(&["import", "wordpress", &rss], None)
            .fails_with("no <channel> with a <wp:wxr_version>");
        let ghost = write("ghost.json", "{\"db\": [{\"data\": {\"posts\": [");
        site.command_line(&["import", "ghost", &ghost], None)
            .fails_with("is not a readable Ghost export (JSON)");
        let not_ghost = write("other.json", "{\"posts\": []}");
        site.command_line(&["import", "ghost", &not_ghost], None)
            .fails_with("no `db[0].data`");
        site.command_line(&["import", "writefreely", &not_ghost], None)
            .fails_with("is not a readable WriteFreely export (JSON): no `username`");
        site.command_line(
            &[
                "import",
                "wordpress",
                &fixture("wordpress.xml"),
                "--author",
                "nobody",
            ],
            None,
        )
        .fails_with("no user named \"nobody\"");
        site.command_line(&["import", "markdown", "no-such-folder"], None)
            .fails_with("cannot read the folder");
        assert_eq!(rows(&site).await, [0, 0, 0], "{backend:?}");
    }
}

/// A site with two authors, posts in every state and with every setting front matter has,
/// an image, a series, a pin and a reply policy; a reply from the fediverse and a follower.
async fn a_site_with_history(backend: crate::support::Backend, peer: &Peer) -> TestServer {
    let site = TestServer::with_workers(backend).await;
    let alice = site.create_user("alice", Role::Author).await;
    site.create_user("bob", Role::Editor).await;
    let image =
        chorus::media::store_upload(&site.app, alice.id, &images::png(1200, 800), "A field")
            .await
            .expect("the image is stored");
    let picture = chorus::media::markdown(&image, "A field at dawn");
    let files = [
        ("alice", format!("---\ntitle: \"Field notes: part one\"\nslug: field-notes-1\ntags: [Rust, release-notes]\nsummary: Where it starts.\npublished: 2021-05-04T08:30:00Z\nseries: Field notes\nreplies: followers\nquotes: nobody\npinned: true\n---\nThe first part, with a picture.\n\n{picture}\n\nAnd a #hashtag inline.\n")),
        ("alice", "---\ntitle: Field notes, part two\npublished: 2021-06-01\nseries: Field notes\n---\n## Second\n\nCode:\n\n```rust\nfn main() {}\n```\n".to_owned()),
        ("alice", "---\ntitle: Not yet\ndraft: true\n---\nA draft that stays a draft.\n".to_owned()),
        ("bob", "# A heading title\n\nBob's post with *emphasis* and a [link](https://example.org).\n".to_owned()),
    ];
    for (author, text) in files {
        site.publish(author, &text)
            .await
            .unwrap_or_else(|e| panic!("{author} cannot publish: {e}\n{text}"));
    }
    let first = site.url("/posts/field-notes-1");
    peer.reply(&site, "pat", "r1", &first, "<p>Great notes!</p>")
        .await;
    add_remote_follower(&site, "alice", "reader").await;
    site
}

fn read_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// What makes two posts the same post to a reader and to their author.
fn essence(p: &Post) -> impl PartialEq + std::fmt::Debug {
    (
        p.author.username.to_string(),
        p.slug.to_string(),
        p.title.clone(),
        p.summary.clone(),
        p.markdown.clone(),
        p.content_html.clone(),
        tags(p),
        p.status,
        p.published_at,
        p.series.as_ref().map(|s| s.name.clone()),
        p.reply_policy.map(|r| r.as_str()),
        p.quote_policy.map(|q| q.as_str()),
    )
}

#[tokio::test]
async fn an_export_imports_back_into_a_new_site_as_the_same_posts() {
    for backend in backends() {
        let peer = Peer::start(&["pat"]).await;
        let old = a_site_with_history(backend, &peer).await;
        let folder = old.db.dir.path().join("export");
        let out = old
            .command_line(&["export", &folder.display().to_string()], None)
            .ok();
        assert!(out.stdout.starts_with("exported "), "{}", out.stdout);

        let files = read_tree(&folder);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        for expected in [
            "posts/alice/field-notes-1.md",
            "posts/alice/not-yet.md",
            "posts/bob/a-heading-title.md",
            "comments.json",
            "reactions.json",
            "followers.json",
            "media.json",
            "activitypub/alice/actor.json",
            "activitypub/alice/outbox.json",
        ] {
            assert!(
                names.contains(&expected),
                "{backend:?}: no {expected} in {names:?}"
            );
        }
        assert!(names.iter().any(|n| n.starts_with("media/")), "{names:?}");
        let file = |name: &str| {
            String::from_utf8(files.iter().find(|(n, _)| n == name).unwrap().1.clone()).unwrap()
        };
        let first = file("posts/alice/field-notes-1.md");
        assert!(first.starts_with("---\ntitle: "), "{first}");
        assert!(first.contains("\nslug: field-notes-1\n"), "{first}");
        assert!(first.contains("\nseries: Field notes\n"), "{first}");
        assert!(first.contains("pinned: true"), "{first}");
        let actor: serde_json::Value =
            serde_json::from_str(&file("activitypub/alice/actor.json")).unwrap();
        assert_eq!(actor["type"], "Person");
        assert_eq!(actor["preferredUsername"], "alice");
        let outbox: serde_json::Value =
            serde_json::from_str(&file("activitypub/alice/outbox.json")).unwrap();
        assert_eq!(outbox["type"], "OrderedCollection");
        assert_eq!(outbox["totalItems"], 2, "published posts only");
        assert_eq!(outbox["orderedItems"][0]["type"], "Create");
        assert_eq!(
            outbox["orderedItems"][0]["object"]["name"],
            "Field notes: part one"
        );

        let comments: serde_json::Value = serde_json::from_str(&file("comments.json")).unwrap();
        assert_eq!(comments[0]["post"], "field-notes-1", "{comments}");
        assert_eq!(comments[0]["content"], "<p>Great notes!</p>", "{comments}");
        assert_eq!(
            comments[0]["author"]["handle"],
            format!("@{}", peer.handle("pat"))
        );
        let followers: serde_json::Value = serde_json::from_str(&file("followers.json")).unwrap();
        assert_eq!(
            followers["alice"][0]["handle"], "@reader@social.example",
            "{followers}"
        );

        // Into a site that has never seen these people.
        let new = TestApp::new(backend).await;
        let dir = folder.display().to_string();
        let dry = new
            .command_line(&["import", "markdown", &dir, "--dry-run"], None)
            .ok();
        assert_eq!(
            summary(&dry),
            "imported 4, skipped 0 (dry run: nothing was written)"
        );
        assert_eq!(rows(&new).await, [0, 0, 0]);
        let out = new.command_line(&["import", "markdown", &dir], None).ok();
        assert_eq!(summary(&out), "imported 4, skipped 0", "{}", out.stderr);
        assert!(out.stderr.contains("images: 1 copied"), "{}", out.stderr);
        let before = posts::list_all_posts(&old.app.db).await.unwrap();
        assert_eq!(before.len(), 4);
        for p in &before {
            let q = post(&new, p.slug.as_str()).await;
            assert_eq!(essence(&q), essence(p), "{backend:?}: {} differs", p.slug);
        }
        assert!(
            chorus::actions::posts::is_pinned(&new.app, post(&new, "field-notes-1").await.id)
                .await
                .unwrap(),
            "{backend:?}: the pin came along"
        );
        // The picture the post shows is here too, at the same address.
        let alice = old.user("alice").await;
        let image = &chorus::storage::media::list_media_by_owner(&old.app.db, alice.id, 1)
            .await
            .unwrap()[0];
        let brought = chorus::storage::media::find_media_by_stem(&new.app.db, &image.file_stem)
            .await
            .unwrap()
            .expect("the image came along");
        assert_eq!(brought.variants, image.variants);
        let src = chorus::media::path(&brought, 960);
        assert_eq!(
            new.get(&src).await.status,
            StatusCode::OK,
            "{backend:?}: {src}"
        );

        let again = new.command_line(&["import", "markdown", &dir], None).ok();
        assert_eq!(summary(&again), "imported 0, skipped 4", "{}", again.stderr);

        // The same as one zip file.
        let zip_path = old.db.dir.path().join("site.zip");
        old.command_line(&["export", &zip_path.display().to_string()], None)
            .ok();
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
        let mut inside = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("posts/alice/field-notes-1.md").unwrap(),
            &mut inside,
        )
        .unwrap();
        assert_eq!(inside, first);
        old.command_line(&["export", &zip_path.display().to_string()], None)
            .fails_with("already exists");
        // The zip imports as the folder does.
        let third = TestApp::new(backend).await;
        let out = third
            .command_line(
                &["import", "markdown", &zip_path.display().to_string()],
                None,
            )
            .ok();
        assert_eq!(summary(&out), "imported 4, skipped 0", "{}", out.stderr);
        for p in &before {
            let q = post(&third, p.slug.as_str()).await;
            assert_eq!(essence(&q), essence(p), "{backend:?}: {} differs", p.slug);
        }
    }
}

#[tokio::test]
async fn an_author_downloads_their_own_part_of_the_site_from_the_account_page() {
    for backend in backends() {
        let site = TestServer::spawn(backend).await;
        let alice = site.create_user("alice", Role::Author).await;
        site.create_user("bob", Role::Author).await;
        site.publish_post("alice", "Alice writes", "Her words.")
            .await;
        site.publish_post("bob", "Bob writes", "His words.").await;

        let mut browser = crate::support::forms::Visitor::signed_in(&site, &alice).await;
        let account = browser.get("/account").await;
        assert!(account.text().contains("href=\"/account/export\""));
        let download = browser.get("/account/export").await;
        assert_eq!(download.status, StatusCode::OK, "{backend:?}");
        assert_eq!(download.header("content-type"), "application/zip");
        let disposition = download.header("content-disposition");
        assert!(
            disposition.starts_with("attachment; filename=") && disposition.contains("alice"),
            "{disposition}"
        );
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(download.body.to_vec()))
            .expect("a zip archive");
        let names: Vec<String> = zip
            .file_names()
            .map(|n| n.expect("a file name").into_owned())
            .collect();
        assert!(
            names.contains(&"posts/alice/alice-writes.md".to_owned()),
            "{names:?}"
        );
        assert!(names.iter().all(|n| !n.contains("bob")), "{names:?}");
        assert!(
            names.contains(&"activitypub/alice/outbox.json".to_owned()),
            "{names:?}"
        );
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("posts/alice/alice-writes.md").unwrap(),
            &mut text,
        )
        .unwrap();
        assert!(
            text.contains("title: Alice writes") && text.contains("Her words."),
            "{text}"
        );

        // Only for the signed in.
        let anonymous = site.get("/account/export").await;
        assert!(anonymous.status.is_redirection(), "{:?}", anonymous.status);
    }
}
