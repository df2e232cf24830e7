//! Everything a site holds that its people would take with them: posts as Markdown files
//! with front matter (which `chorus import markdown` reads back into the same posts), one
//! folder per author; the images; comments and reactions as JSON; followers; and an
//! ActivityPub archive per author (`actor.json`, `outbox.json`) shaped like Mastodon's.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::actions::import::markdown::ExportedMedia;
use crate::app::App;
use crate::domain::front_matter::{Written, write_file};
use crate::domain::{PostStatus, time};
use crate::federation::objects::{actor, article, with_context};
use crate::federation::{FederationError, keys};
use crate::media::path as media_path;
use crate::media::store::MEDIA;
use crate::storage::posts::{self, Post};
use crate::storage::users::{self, User};
use crate::storage::{StorageError, comments, follows, media, mentions, pins, reactions, site};

/// A file of the export, by its path inside it (`/`-separated).
pub struct ExportFile {
    pub path: String,
    pub content: Content,
}

pub enum Content {
    Bytes(Vec<u8>),
    /// An image to copy as it is from the media store: its file name under `media/`.
    Media(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Federation(#[from] FederationError),
    #[error(transparent)]
    Media(#[from] crate::media::store::StoreError),
    #[error("the archive could not be written: {0}")]
    Archive(String),
}

fn json_file(path: String, value: &Value) -> ExportFile {
    let mut bytes = serde_json::to_vec_pretty(value).expect("JSON values serialize");
    bytes.push(b'\n');
    ExportFile {
        path,
        content: Content::Bytes(bytes),
    }
}

/// The whole site as files.
pub async fn export(app: &App) -> Result<Vec<ExportFile>, ExportError> {
    let users = users::list_users(&app.db).await?;
    let all = posts::list_all_posts(&app.db).await?;
    files_of(app, &users, &all).await
}

/// One author's part of the site as files, in the same shape: their posts, images, the
/// comments and reactions on their posts, their followers and their ActivityPub archive.
pub async fn export_author(app: &App, user: &User) -> Result<Vec<ExportFile>, ExportError> {
    let mut own = posts::list_all_posts(&app.db).await?;
    own.retain(|p| p.author.id == user.id);
    files_of(app, std::slice::from_ref(user), &own).await
}

/// The bytes of an export file; images are read from the media store.
pub async fn bytes<'a>(
    app: &App,
    content: &'a Content,
) -> Result<std::borrow::Cow<'a, [u8]>, ExportError> {
    Ok(match content {
        Content::Bytes(b) => std::borrow::Cow::Borrowed(b),
        Content::Media(name) => match app.media.read(MEDIA, name).await? {
            Some(b) => std::borrow::Cow::Owned(b.to_vec()),
            None => {
                return Err(ExportError::Archive(format!(
                    "media/{name} is missing from {}",
                    app.media.name()
                )));
            }
        },
    })
}

/// Writes `files` as one zip archive into `out` and gives it back; `written` is called after
/// each file (a progress bar).
pub async fn write_zip<W: std::io::Write + std::io::Seek>(
    app: &App,
    files: &[ExportFile],
    out: W,
    mut written: impl FnMut(),
) -> Result<W, ExportError> {
    use std::io::Write;
    let archive = |e: &dyn std::fmt::Display| ExportError::Archive(e.to_string());
    let mut zip = zip::ZipWriter::new(out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        let bytes = bytes(app, &file.content).await?;
        zip.start_file(file.path.as_str(), options)
            .map_err(|e| archive(&e))?;
        zip.write_all(&bytes).map_err(|e| archive(&e))?;
        written();
    }
    zip.finish().map_err(|e| archive(&e))
}

/// `files` as one zip archive, in memory (an author's download from the account page).
pub async fn zip(app: &App, files: &[ExportFile]) -> Result<Vec<u8>, ExportError> {
    let out = write_zip(app, files, std::io::Cursor::new(Vec::new()), || {}).await?;
    Ok(out.into_inner())
}

async fn files_of(app: &App, users: &[User], all: &[Post]) -> Result<Vec<ExportFile>, ExportError> {
    let mut files = Vec::new();
    let authors: Vec<Value> = users
        .iter()
        .map(|u| {
            json!({
                "username": u.username.as_str(),
                "display_name": u.display_name,
                "role": u.role.as_str(),
                "bio": u.bio,
            })
        })
        .collect();
    files.push(json_file("authors.json".into(), &json!(authors)));
    for post in all {
        let text = markdown_file(app, post).await?;
        files.push(ExportFile {
            path: format!("posts/{}/{}.md", post.author.username, post.slug),
            content: Content::Bytes(text.into_bytes()),
        });
    }
    files.extend(media_files(app, users).await?);
    let slugs: HashMap<i64, String> = all.iter().map(|p| (p.id, p.slug.to_string())).collect();
    files.push(json_file(
        "comments.json".into(),
        &comments_json(app, all).await?,
    ));
    files.push(json_file(
        "reactions.json".into(),
        &reactions_json(app, users, &slugs).await?,
    ));
    files.push(json_file(
        "followers.json".into(),
        &followers_json(app, users).await?,
    ));
    for user in users {
        files.extend(archive(app, user, all).await?);
    }
    Ok(files)
}

/// A post as the Markdown file that publishes it again.
async fn markdown_file(app: &App, post: &Post) -> Result<String, ExportError> {
    let fields = Written {
        title: post.title.clone(),
        slug: post.slug.to_string(),
        tags: post.tags.iter().map(ToString::to_string).collect(),
        summary: Some(post.summary.clone()).filter(|s| !s.is_empty()),
        published: post.published_at.as_ref().map(time::iso),
        draft: (post.status == PostStatus::Draft).then_some(true),
        replies: post.reply_policy.map(|p| p.as_str().to_owned()),
        quotes: post.quote_policy.map(|p| p.as_str().to_owned()),
        pinned: pins::is_pinned(&app.db, post.id).await?.then_some(true),
        series: post.series.as_ref().map(|s| s.name.clone()),
    };
    Ok(write_file(&fields, &post.markdown))
}

/// Every image of every account: its files under `media/`, and `media.json`.
async fn media_files(app: &App, users: &[User]) -> Result<Vec<ExportFile>, ExportError> {
    let mut files = Vec::new();
    let mut list = Vec::new();
    for user in users {
        let mut owned = media::list_media_by_owner(&app.db, user.id, i64::MAX).await?;
        owned.reverse();
        for m in owned {
            let mut names: Vec<String> = Vec::new();
            for w in &m.variants {
                let name = media_path(&m, *w).trim_start_matches("/media/").to_owned();
                if app.media.size(MEDIA, &name).await?.is_some() {
                    names.push(name);
                }
            }
            for name in &names {
                files.push(ExportFile {
                    path: format!("media/{name}"),
                    content: Content::Media(name.clone()),
                });
            }
            list.push(ExportedMedia {
                file_stem: m.file_stem.clone(),
                mime: m.mime.clone(),
                width: m.width,
                height: m.height,
                variants: m.variants.clone(),
                alt: m.alt.clone(),
                owner: Some(user.username.to_string()),
                files: names,
            });
        }
    }
    files.push(json_file(
        "media.json".into(),
        &serde_json::to_value(&list).expect("media entries serialize"),
    ));
    Ok(files)
}

async fn comments_json(app: &App, all: &[Post]) -> Result<Value, ExportError> {
    let mut out = Vec::new();
    for post in all {
        for c in comments::thread_of_post(&app.db, post.id).await? {
            out.push(json!({
                "post": post.slug.as_str(),
                "id": c.uri,
                "url": c.url,
                "in_reply_to": c.in_reply_to,
                "author": {"id": c.author.uri, "handle": c.author.handle(), "name": c.author.name()},
                "content": c.content_html,
                "published": time::iso(&c.published),
                "updated": c.updated.as_ref().map(time::iso),
                "state": c.state.as_str(),
                "visibility": c.visibility.as_str(),
                "deleted": c.deleted,
            }));
        }
    }
    Ok(json!(out))
}

async fn reactions_json(
    app: &App,
    users: &[User],
    slugs: &HashMap<i64, String>,
) -> Result<Value, ExportError> {
    let mut out = Vec::new();
    for user in users {
        for r in reactions::list_reactions_for_author(&app.db, user.id, i64::MAX).await? {
            out.push(json!({
                "post": slugs.get(&r.post_id),
                "kind": r.kind.as_str(),
                "actor": {"id": r.actor.uri, "handle": r.actor.handle(), "name": r.actor.name()},
                "at": time::iso(&r.at),
            }));
        }
    }
    Ok(json!(out))
}

/// Followers of each author and of the community, by username.
async fn followers_json(app: &App, users: &[User]) -> Result<Value, ExportError> {
    let mut out = serde_json::Map::new();
    let mut actors = Vec::new();
    for user in users {
        actors.push((
            user.username.to_string(),
            keys::person_actor(app, user.id).await?,
        ));
    }
    let community = site::get_site(&app.db).await?.community_username;
    actors.push((community, keys::community_actor(app).await?));
    for (name, actor) in actors {
        let list: Vec<Value> = follows::list_follower_details(&app.db, actor.id, i64::MAX, 0)
            .await?
            .into_iter()
            .map(|f| {
                json!({
                    "id": f.uri,
                    "handle": format!("@{}@{}", f.username, f.domain),
                    "name": f.display_name,
                    "since": time::iso(&f.since),
                })
            })
            .collect();
        out.insert(name, json!(list));
    }
    Ok(Value::Object(out))
}

/// `activitypub/<username>/actor.json` and `outbox.json`, as a Mastodon archive has them.
async fn archive(app: &App, user: &User, all: &[Post]) -> Result<Vec<ExportFile>, ExportError> {
    let local = keys::person_actor(app, user.id).await?;
    let pictures = actor::Pictures::load(app, user.avatar_media_id, user.header_media_id).await?;
    let person = with_context(actor::person(&app.config, user, &local, &pictures));
    let theirs: Vec<&Post> = all
        .iter()
        .filter(|p| p.author.id == user.id && p.status == PostStatus::Published)
        .collect();
    let ids: Vec<i64> = theirs.iter().map(|p| p.id).collect();
    let mentioned = mentions::mentions_of_posts(&app.db, &ids).await?;
    let setting = article::Setting::load(app).await?;
    // Oldest first, as Mastodon's archives list them.
    let items: Vec<Value> = theirs
        .iter()
        .map(|p| {
            let m = mentioned.get(&p.id).map_or(&[][..], Vec::as_slice);
            article::create(&app.config, p, &setting, m, None)
        })
        .collect();
    let outbox = with_context(json!({
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    }));
    let dir = format!("activitypub/{}", user.username);
    Ok(vec![
        json_file(format!("{dir}/actor.json"), &person),
        json_file(format!("{dir}/outbox.json"), &outbox),
    ])
}
