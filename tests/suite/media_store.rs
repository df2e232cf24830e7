//! Media on an S3-compatible store (`media_store = "s3://bucket/prefix"`), against a real S3
//! server (`CHORUS_TEST_S3_ENDPOINT`): uploads, their variants, proxied avatars and the images
//! `chorus post publish` brings land in the bucket and nowhere under `data_dir`; Chorus
//! streams them at the same URLs as from files; the export reads them back and the doctor
//! probes the bucket; a missing object is a 404; a `media_store`
//! that names no store stops the start with a message naming the key.

use crate::support::editor::{Writer, location, media_files};
use crate::support::forms::FilePart;
use crate::support::images::png;
use crate::support::peer::Peer;
use crate::support::s3::TestBucket;
use crate::support::{Binary, TestApp, TestServer, attr, backends, eventually, select};
use axum::http::StatusCode;
use chorus::domain::Role;

/// The keys of the bucket under `prefix/media/`.
async fn media_keys(bucket: &TestBucket) -> Vec<String> {
    let under = format!("{}/media/", bucket.prefix);
    bucket
        .keys()
        .await
        .into_iter()
        .filter(|k| k.starts_with(&under))
        .collect()
}

#[tokio::test]
async fn an_editor_upload_is_kept_in_the_bucket_and_served_by_chorus() {
    for backend in backends() {
        let Some(bucket) = TestBucket::create().await else {
            return;
        };
        let site = TestApp::with_config(backend, |c| c.media_store = bucket.media_store()).await;
        let alice = Writer::sign_up(&site, "alice", Role::Author).await;
        let picture = png(1200, 600);
        let file = FilePart {
            field: "file",
            file_name: "diagram.png",
            content_type: "image/png",
            bytes: &picture,
        };
        let reply = alice
            .post_multipart("/editor/media", &[("alt", "The flow")], &[file], &[])
            .await;
        let to = location(&reply);
        assert!(
            to.starts_with("/editor/media?uploaded="),
            "{backend:?}: {to}"
        );

        let keys = media_keys(&bucket).await;
        assert_eq!(
            keys.len(),
            3,
            "{backend:?}: three widths in the bucket: {keys:?}"
        );
        assert!(
            media_files(&site).is_empty(),
            "{backend:?}: nothing under data_dir/media"
        );
        assert!(!site.app.config.data_dir.join("media").exists());

        // Each variant is served by Chorus, as stored, with its type and a year's caching.
        for key in &keys {
            let name = key.rsplit('/').next().unwrap();
            let served = site.get(&format!("/media/{name}")).await;
            assert_eq!(served.status, StatusCode::OK, "{backend:?}: {name}");
            assert_eq!(served.content_type(), "image/png");
            assert_eq!(
                served.header("cache-control"),
                "public, max-age=31536000, immutable"
            );
            assert_eq!(served.body.as_ref(), bucket.read(key).await.as_slice());
            let img = image::load_from_memory(&served.body).expect("a PNG");
            let width: u32 = name.split(['-', '.']).nth(1).unwrap().parse().unwrap();
            assert_eq!(img.width(), width, "{name}");
        }

        // The image in a published post comes from the bucket, through Chorus.
        let snippet = attr(&alice.get(&to).await.html(), "#uploaded-markdown", "value")
            .expect("the Markdown to copy");
        let post = site
            .publish_post("alice", "Pictured", &format!("Look: {snippet}"))
            .await;
        let page = site.get(post.path()).await;
        let src = attr(&page.html(), "img[alt=\"The flow\"]", "src").expect("the image");
        let path = &src[src.find("/media/").expect("a media path")..];
        let image = site.get(path).await;
        assert_eq!(image.status, StatusCode::OK, "{backend:?}: {path}");
        assert_eq!(image.content_type(), "image/png");

        // An object gone from the bucket is a 404, not an error page.
        let name = path.trim_start_matches("/media/");
        bucket
            .delete(&format!("{}/media/{name}", bucket.prefix))
            .await;
        assert_eq!(
            site.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{backend:?}"
        );
        assert_eq!(
            site.get("/media/0123456789abcdef0123456789abcdef-960.jpg")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_proxied_avatar_is_kept_in_the_bucket() {
    for backend in backends() {
        let Some(bucket) = TestBucket::create().await else {
            return;
        };
        let chorus =
            TestServer::spawn_with(backend, |c| c.media_store = bucket.media_store()).await;
        chorus.create_user("alice", Role::Author).await;
        let peer = Peer::start(&["pat"]).await;
        let post = chorus.publish_post("alice", "Faces", "Who is there?").await;
        peer.reply(&chorus, "pat", "a1", post.as_str(), "<p>Hello</p>")
            .await;

        let avatar = eventually("pat's proxied avatar on the page", || async {
            let html = chorus.get(post.path()).await.html();
            select(&html, "li.comment img.avatar")
                .iter()
                .filter_map(|i| i.value().attr("src").map(str::to_owned))
                .find(|src| src.ends_with(".png"))
        })
        .await;
        let name = avatar.trim_start_matches("/avatars/");
        let key = format!("{}/avatars/{name}", bucket.prefix);
        assert!(
            bucket.keys().await.contains(&key),
            "{backend:?}: {key} in {:?}",
            bucket.keys().await
        );
        assert!(!chorus.app.config.data_dir.join("avatars").exists());
        let image = chorus.get(&avatar).await;
        assert_eq!(image.status, StatusCode::OK);
        assert_eq!(image.content_type(), "image/png");
        assert_eq!(image.body.as_ref(), bucket.read(&key).await.as_slice());
    }
}

#[tokio::test]
async fn publishing_a_file_uploads_its_images_to_the_bucket_once() {
    for backend in backends() {
        let Some(bucket) = TestBucket::create().await else {
            return;
        };
        let mut bin = Binary::new(backend).await;
        for (key, value) in bucket.env() {
            bin.set_env(&key, &value);
        }
        bin.seed_user("alice", Role::Author).await;
        let server = bin.serve().await;
        std::fs::create_dir_all(bin.dir().join("img")).unwrap();
        bin.write("img/diagram.png", png(640, 480));
        let md =
            "---\ntitle: With a picture\nslug: pictured\n---\nSee ![The flow](img/diagram.png).\n";
        let out = bin.publish("alice", md).ok();
        assert!(
            out.stderr.contains("image img/diagram.png: uploaded"),
            "{backend:?}: {}",
            out.stderr
        );
        let keys = media_keys(&bucket).await;
        assert!(!keys.is_empty(), "{backend:?}: the image is in the bucket");
        assert!(!bin.db.data_dir().join("media").exists());

        let page = server.get("/posts/pictured").await;
        let src = attr(&page.html(), "img[alt=\"The flow\"]", "src")
            .unwrap_or_else(|| panic!("{backend:?}: no image on the page\n{}", page.text()));
        let path = &src[src.find("/media/").expect("a media path")..];
        let image = server.get(path).await;
        assert_eq!(image.status, StatusCode::OK, "{backend:?}: {path}");
        assert_eq!(image.content_type(), "image/png");
        let name = path.trim_start_matches("/media/");
        assert_eq!(
            image.body.as_ref(),
            bucket
                .read(&format!("{}/media/{name}", bucket.prefix))
                .await
                .as_slice()
        );

        // The same image again: nothing new in the bucket.
        let out = bin.publish("alice", &md.replace("See", "Look at")).ok();
        assert!(
            out.stderr.contains("image img/diagram.png: unchanged"),
            "{backend:?}: {}",
            out.stderr
        );
        assert_eq!(media_keys(&bucket).await, keys, "{backend:?}");
        assert_eq!(bin.count("media").await, 1, "{backend:?}");

        // The export carries the images, read from the bucket.
        bin.run(&["export", "exported"], None).ok();
        let exported = std::fs::read(bin.dir().join("exported/media").join(name))
            .expect("the image in the export");
        assert_eq!(
            exported,
            bucket
                .read(&format!("{}/media/{name}", bucket.prefix))
                .await
        );

        // The doctor writes, reads back and deletes a probe object in the bucket.
        let doctor = bin.run(&["doctor"], None);
        let line = doctor
            .stdout
            .lines()
            .find(|l| l.contains("media store"))
            .unwrap_or_else(|| panic!("no media store line:\n{}", doctor.stdout))
            .to_owned();
        assert!(
            line.starts_with("ok") && line.contains(&bucket.media_store()),
            "{line}"
        );
        assert_eq!(media_keys(&bucket).await, keys, "the probe is gone again");
    }
}

#[tokio::test]
async fn a_media_store_that_names_no_store_stops_the_start() {
    for backend in backends() {
        let mut bin = Binary::new(backend).await;
        for (value, needle) in [
            ("s3://", "no usable S3 bucket"),
            ("s3:///media", "no usable S3 bucket"),
            ("ftp://files.example/media", "s3://BUCKET/PREFIX"),
            ("disk", "s3://BUCKET/PREFIX"),
        ] {
            bin.set_env("CHORUS_MEDIA_STORE", value);
            let out = bin.run(&["migrate"], None).fails_with("media_store");
            assert!(out.stderr.contains(needle), "{value}: {}", out.stderr);
        }
    }
}
