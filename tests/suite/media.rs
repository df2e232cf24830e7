//! Images as authors upload them and readers and peers receive them: metadata stripped,
//! widths made, served for a year; wrong files refused with nothing kept; a cover image as
//! the page's Open Graph image and the Article's `image`.

use crate::support::editor::{Writer, check_ui_page, location, media_files};
use crate::support::forms::FilePart;
use crate::support::images::{jpeg_with_exif, png};
use crate::support::{AS_JSON, BASE_URL, TestApp, attr, backends, select, text_of};
use axum::http::StatusCode;
use chorus::domain::Role;
use chorus::storage::media as store;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn an_uploaded_photo_loses_its_exif_and_comes_in_several_widths() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let photo = jpeg_with_exif(2400, 1200);
        assert!(contains(&photo, b"Exif") && contains(&photo, b"SECRET-LOCATION"));

        let file = FilePart {
            field: "file",
            file_name: "holiday.jpg",
            content_type: "image/jpeg",
            bytes: &photo,
        };
        let reply = alice
            .post_multipart("/editor/media", &[("alt", "A beach at dusk")], &[file], &[])
            .await;
        let to = location(&reply);
        assert!(to.starts_with("/editor/media?uploaded="), "{to}");
        let page = alice.get(&to).await;
        check_ui_page(&page, "the image library");
        let snippet =
            attr(&page.html(), "#uploaded-markdown", "value").expect("the Markdown to copy");
        assert!(
            snippet.starts_with("![A beach at dusk](/media/") && snippet.ends_with("-960.jpg)"),
            "{snippet}"
        );

        let media = store::list_media_by_owner(&site.app.db, alice_id(&site).await, 10)
            .await
            .unwrap();
        assert_eq!(media.len(), 1);
        let m = &media[0];
        // The EXIF orientation turned the picture upright: 1200 wide, 2400 high.
        assert_eq!(
            (m.mime.as_str(), m.variants.clone()),
            ("image/jpeg", vec![480, 960, 1200])
        );
        assert_eq!((m.width, m.height), (1200, 2400));
        assert_eq!(m.alt, "A beach at dusk");

        let files = media_files(&site);
        assert_eq!(files.len(), 3, "{files:?}");
        for path in &files {
            let bytes = std::fs::read(path).unwrap();
            assert!(
                !contains(&bytes, b"Exif"),
                "{} keeps an EXIF block",
                path.display()
            );
            assert!(
                !contains(&bytes, b"SECRET-LOCATION"),
                "{} keeps the description",
                path.display()
            );
            let img = image::load_from_memory(&bytes).unwrap();
            let name = path.file_name().unwrap().to_str().unwrap();
            let width: u32 = name.split(['-', '.']).nth(1).unwrap().parse().unwrap();
            assert_eq!((img.width(), img.height()), (width, width * 2), "{name}");
        }

        let name = files[1].file_name().unwrap().to_str().unwrap().to_owned();
        let served = site.get(&format!("/media/{name}")).await;
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.content_type(), "image/jpeg");
        assert_eq!(
            served.header("cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            served.body.as_ref(),
            std::fs::read(&files[1]).unwrap().as_slice()
        );
        for missing in [
            "/media/0123456789abcdef0123456789abcdef-960.jpg",
            "/media/..%2Fchorus.db",
            "/media/x.jpg",
        ] {
            assert_eq!(
                site.get(missing).await.status,
                StatusCode::NOT_FOUND,
                "{missing}"
            );
        }
    }
}

async fn alice_id(site: &TestApp) -> i64 {
    site.user("alice").await.id
}

#[tokio::test]
async fn wrong_files_are_refused_and_nothing_is_kept() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;

        let text = FilePart {
            field: "file",
            file_name: "notes.jpg",
            content_type: "image/jpeg",
            bytes: b"just some text, named like a photo",
        };
        let reply = alice
            .post_multipart("/editor/media", &[("alt", "notes")], &[text], &[])
            .await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(
            text_of(&reply.html(), ".error")
                .unwrap()
                .contains("JPEG, PNG, WebP or GIF")
        );

        let huge = vec![0xAB; 20 * 1024 * 1024];
        let big = FilePart {
            field: "file",
            file_name: "huge.png",
            content_type: "image/png",
            bytes: &huge,
        };
        let reply = alice
            .post_multipart("/editor/media", &[("alt", "huge")], &[big], &[])
            .await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(reply.text().contains("10 MiB"), "{}", reply.text());

        // Just over the limit but within what the post form may carry: refused by the check.
        let mut over = png(64, 64);
        over.resize(10 * 1024 * 1024 + 1, 0);
        let cover = FilePart {
            field: "cover_file",
            file_name: "cover.png",
            content_type: "image/png",
            bytes: &over,
        };
        let fields = [
            ("title", "With a cover"),
            ("body", "Text."),
            ("action", "publish"),
        ];
        let reply = alice
            .post_multipart("/editor/new", &fields, &[cover], &[])
            .await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(text_of(&reply.html(), ".error").unwrap().contains("10 MiB"));
        assert_eq!(
            attr(&reply.html(), "#title", "value").as_deref(),
            Some("With a cover"),
            "the form is kept"
        );

        let none = FilePart {
            field: "file",
            file_name: "empty.png",
            content_type: "image/png",
            bytes: b"",
        };
        let reply = alice
            .post_multipart("/editor/media", &[("alt", "")], &[none], &[])
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);

        assert_eq!(site.count("media").await, 0);
        assert_eq!(site.count("posts").await, 0);
        assert!(media_files(&site).is_empty(), "{:?}", media_files(&site));
    }
}

#[tokio::test]
async fn an_image_without_a_description_is_flagged_and_the_script_gets_json() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let image = png(300, 200);
        let file = FilePart {
            field: "file",
            file_name: "diagram.png",
            content_type: "image/png",
            bytes: &image,
        };
        let to = location(
            &alice
                .post_multipart("/editor/media", &[("alt", "")], &[file], &[])
                .await,
        );
        let page = alice.get(&to).await;
        assert!(
            text_of(&page.html(), ".uploaded .warning")
                .unwrap()
                .contains("no description")
        );

        // The description can be added afterwards, by its owner only.
        let id = to.trim_start_matches("/editor/media?uploaded=");
        let bob = Writer::sign_up(&site, "bob", Role::Author).await;
        let theirs = bob
            .post(&format!("/editor/media/{id}"), &[("alt", "Bob's words")])
            .await;
        assert_eq!(theirs.status, StatusCode::FORBIDDEN);
        let described = alice
            .post(
                &format!("/editor/media/{id}"),
                &[("alt", "A sequence diagram")],
            )
            .await;
        assert_eq!(location(&described), "/editor/media");
        let library = alice.get("/editor/media").await;
        check_ui_page(&library, "the image library with descriptions");
        assert!(
            library.text().contains("![A sequence diagram](/media/"),
            "{}",
            library.text()
        );

        let file = FilePart {
            field: "file",
            file_name: "diagram.png",
            content_type: "image/png",
            bytes: &image,
        };
        let json = alice
            .post_multipart(
                "/editor/media",
                &[("alt", "A flow chart")],
                &[file],
                &[("accept", "application/json")],
            )
            .await;
        assert_eq!(json.status, StatusCode::CREATED);
        let answer = json.json();
        let markdown = answer["markdown"].as_str().unwrap();
        assert!(
            markdown.starts_with("![A flow chart](/media/") && markdown.ends_with("-300.png)"),
            "{markdown}"
        );

        // Without the script, the post form uploads too and keeps the text.
        let file = FilePart {
            field: "image_file",
            file_name: "d.png",
            content_type: "image/png",
            bytes: &image,
        };
        let fields = [
            ("title", "Diagrams"),
            ("body", "Unsaved text."),
            ("image_alt", "Boxes and arrows"),
            ("action", "upload"),
        ];
        let reply = alice
            .post_multipart("/editor/new", &fields, &[file], &[])
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let html = reply.html();
        let snippet = attr(&html, "#uploaded-markdown", "value").unwrap();
        assert!(
            snippet.starts_with("![Boxes and arrows](/media/"),
            "{snippet}"
        );
        assert_eq!(
            select(&html, "#body")[0].text().collect::<String>(),
            "Unsaved text."
        );
        assert_eq!(
            site.count("posts").await,
            0,
            "uploading does not save the post"
        );
        assert_eq!(site.count("media").await, 3);
    }
}

#[tokio::test]
async fn a_cover_image_is_the_open_graph_image_and_the_articles_image() {
    for backend in backends() {
        let site = TestApp::new(backend).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let image = png(1800, 900);
        let cover = FilePart {
            field: "cover_file",
            file_name: "cover.png",
            content_type: "image/png",
            bytes: &image,
        };
        let fields = [
            ("title", "Covered"),
            ("summary", "A post with a picture."),
            ("body", "Text."),
            ("cover_alt", "A mountain ridge"),
            ("action", "publish"),
        ];
        let reply = alice
            .post_multipart("/editor/new", &fields, &[cover], &[])
            .await;
        assert!(location(&reply).ends_with("?done=published"));

        let page = site.get("/posts/covered").await;
        let html = page.html();
        let og = attr(&html, "meta[property='og:image']", "content").expect("og:image");
        assert!(
            og.starts_with(&format!("{BASE_URL}/media/")) && og.ends_with("-1600.png"),
            "{og}"
        );
        assert_eq!(
            attr(&html, "meta[name='twitter:card']", "content").as_deref(),
            Some("summary_large_image")
        );
        assert_eq!(
            attr(&html, "meta[property='og:image:alt']", "content").as_deref(),
            Some("A mountain ridge")
        );
        let path = og.trim_start_matches(BASE_URL);
        let picture = site.get(path).await;
        assert_eq!(
            (picture.status, picture.content_type()),
            (StatusCode::OK, "image/png")
        );

        let article = site.get_with("/posts/covered", &[AS_JSON]).await.json();
        assert_eq!(article["image"]["type"], "Image");
        assert_eq!(article["image"]["url"], og.as_str());
        assert_eq!(article["image"]["mediaType"], "image/png");
        assert_eq!(article["image"]["name"], "A mountain ridge");
        assert!(
            article.get("attachment").is_none(),
            "no attachment: Mastodon would drop the link card"
        );

        // The editor shows the cover chosen, and it can be removed again.
        let id = location(&reply)
            .trim_start_matches("/editor/posts/")
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let edit = alice.get(&format!("/editor/posts/{id}")).await;
        let edit_html = edit.html();
        let chosen = select(&edit_html, "#cover_media_id option[selected]");
        assert_eq!(chosen.len(), 1);
        assert!(
            chosen[0]
                .text()
                .collect::<String>()
                .contains("A mountain ridge")
        );
        let removed = alice
            .submit(
                &format!("/editor/posts/{id}"),
                "#editor-form",
                &[("cover_media_id", "")],
                "update",
            )
            .await;
        assert!(location(&removed).ends_with("?done=updated"));
        let page = site.get("/posts/covered").await;
        assert!(attr(&page.html(), "meta[property='og:image']", "content").is_none());
    }
}
