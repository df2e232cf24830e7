//! RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, each author and each tag: full content
//! with absolute URLs, rendered into the page cache like any page. Summaries and descriptions
//! are plain text: escaped where a format reads them as HTML (RSS), marked as text elsewhere.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::app::App;
use crate::cache::{Format, Rendered, Scope};
use crate::domain::html::escape as escape_html;
use crate::domain::{Tag, markdown, time};
use crate::error::AppError;
use crate::media;
use crate::media::store::MEDIA;
use crate::storage::posts::{self, Cover, Listing, Post};
use crate::storage::{site, users};
use crate::urls::{author_path, post_path, tag_path};

/// Items in each feed.
pub const FEED_ITEMS: i64 = 20;

async fn feed(
    app: App,
    scope: Scope,
    format: Format,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    super::feed_page::answer(&app, scope, format, &headers).await
}

pub async fn site_rss(State(app): State<App>, headers: HeaderMap) -> Result<Response, AppError> {
    feed(app, Scope::Site, Format::Rss, headers).await
}

pub async fn site_atom(State(app): State<App>, headers: HeaderMap) -> Result<Response, AppError> {
    feed(app, Scope::Site, Format::Atom, headers).await
}

pub async fn site_json(State(app): State<App>, headers: HeaderMap) -> Result<Response, AppError> {
    feed(app, Scope::Site, Format::Json, headers).await
}

pub async fn author_feed(
    app: &App,
    username: String,
    file: &str,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let format = Format::from_file(file).ok_or(AppError::NotFound)?;
    super::feed_page::answer(app, Scope::Author(username), format, headers).await
}

pub async fn tag_feed(
    State(app): State<App>,
    Path((tag, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let tag = Tag::parse(&tag).map_err(|_| AppError::NotFound)?;
    let format = Format::from_file(&file).ok_or(AppError::NotFound)?;
    feed(app, Scope::Tag(tag.key()), format, headers).await
}

/// What a feed is about, resolved from storage.
pub(super) struct FeedMeta {
    pub(super) title: String,
    pub(super) description: String,
    language: String,
    /// The HTML page the feed belongs to.
    pub(super) home: Url,
    /// The feed's own URL.
    pub(super) this: Url,
    author: Option<(String, Url)>,
}

pub async fn render(app: &App, scope: &Scope, format: Format) -> Result<Rendered, AppError> {
    let (meta, items) = source(app, scope, format).await?;
    let updated = items.iter().map(|p| p.updated_at).max();
    let mut entries: Vec<Entry> = Vec::with_capacity(items.len());
    for post in &items {
        entries.push(Entry::new(post, app).await);
    }
    let body = match format {
        Format::Rss => rss_feed(&meta, &entries, updated),
        Format::Atom => atom_feed(&meta, &entries, updated),
        Format::Json => json_feed(&meta, &entries),
    };
    Ok(Rendered::ok(format.content_type(), body, updated))
}

/// What the feed of `scope` in `format` is about, and the posts it lists.
pub(super) async fn source(
    app: &App,
    scope: &Scope,
    format: Format,
) -> Result<(FeedMeta, Vec<Post>), AppError> {
    let site = site::get_site(&app.db).await?;
    let cfg = &app.config;
    let (meta, listing) = match scope {
        Scope::Site => (
            FeedMeta {
                title: site.title.clone(),
                description: site.description.clone(),
                language: site.language.clone(),
                home: cfg.url("/"),
                this: cfg.url(&format!("/{}", format.file())),
                author: None,
            },
            Listing::All,
        ),
        Scope::Author(name) => {
            let user = users::find_user_by_username(&app.db, name)
                .await?
                .ok_or(AppError::NotFound)?;
            let home = cfg.url(&author_path(name));
            (
                FeedMeta {
                    title: format!("{} · {}", user.display_name, site.title),
                    description: format!("Posts by {} on {}", user.display_name, site.title),
                    language: site.language.clone(),
                    this: cfg.url(&format!("{}/{}", author_path(name), format.file())),
                    author: Some((user.display_name.clone(), home.clone())),
                    home,
                },
                Listing::ByAuthor(user.id),
            )
        }
        Scope::Tag(key) => {
            let newest = posts::list_published(&app.db, Listing::ByTag(key), 1, 0).await?;
            let tag = super::pages::shown_tag(&newest, key);
            (
                FeedMeta {
                    title: format!("#{tag} · {}", site.title),
                    description: format!("Posts tagged #{tag} on {}", site.title),
                    language: site.language.clone(),
                    home: cfg.url(&tag_path(&tag)),
                    this: cfg.url(&format!("{}/{}", tag_path(&tag), format.file())),
                    author: None,
                },
                Listing::ByTag(key),
            )
        }
        Scope::Series(slug) => {
            let name = crate::storage::directory::series_name(&app.db, slug)
                .await?
                .ok_or(AppError::NotFound)?;
            let path = crate::urls::series_path(slug);
            (
                FeedMeta {
                    title: format!("{name} · {}", site.title),
                    description: format!("The series {name} on {}", site.title),
                    language: site.language.clone(),
                    home: cfg.url(&path),
                    this: cfg.url(&format!("{path}/{}", format.file())),
                    author: None,
                },
                Listing::BySeries(slug),
            )
        }
    };
    let items = posts::list_published(&app.db, listing, FEED_ITEMS, 0).await?;
    if items.is_empty() && matches!(scope, Scope::Tag(_)) {
        return Err(AppError::NotFound);
    }
    Ok((meta, items))
}

/// One post, prepared for any of the three formats.
struct Entry {
    url: Url,
    title: String,
    summary: String,
    content_html: String,
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
    author_name: String,
    author_url: Url,
    tags: Vec<(String, Url)>,
    cover: Option<Enclosure>,
}

/// A post's cover image as a feed carries it: its largest width.
struct Enclosure {
    url: Url,
    mime: String,
    /// The file's size in bytes (RSS asks for it).
    length: u64,
    alt: String,
}

impl Enclosure {
    async fn new(cover: &Cover, app: &App) -> Enclosure {
        let path = media::path(&cover.media, u32::MAX);
        let length = match path.strip_prefix("/media/") {
            Some(name) => app.media.size(MEDIA, name).await.ok().flatten(),
            None => None,
        }
        .unwrap_or(0);
        Enclosure {
            url: app.config.url(&path),
            mime: cover.media.mime.clone(),
            length,
            alt: if cover.alt.is_empty() {
                cover.media.alt.clone()
            } else {
                cover.alt.clone()
            },
        }
    }
}

impl Entry {
    async fn new(post: &Post, app: &App) -> Entry {
        let url = app.config.url(&post_path(post.slug.as_str()));
        let cover = match &post.cover {
            Some(c) => Some(Enclosure::new(c, app).await),
            None => None,
        };
        Entry {
            // Feed readers show code as plain text: no highlighting spans.
            content_html: markdown::highlight::without_highlighting(&markdown::absolutize(
                &post.content_html,
                &url,
            )),
            url,
            title: post.title.clone(),
            summary: post.summary.clone(),
            published: post.published_at.unwrap_or(post.created_at),
            updated: post.updated_at,
            author_name: post.author.display_name.clone(),
            author_url: app.config.url(&author_path(post.author.username.as_str())),
            tags: post
                .tags
                .iter()
                .map(|t| (t.to_string(), app.config.url(&tag_path(t.as_str()))))
                .collect(),
            cover,
        }
    }
}

fn rss_feed(meta: &FeedMeta, entries: &[Entry], updated: Option<DateTime<Utc>>) -> String {
    use rss::extension::atom::{AtomExtension, Link};
    use rss::extension::dublincore::DublinCoreExtension;
    let items = entries
        .iter()
        .map(|e| rss::Item {
            title: Some(e.title.clone()),
            link: Some(e.url.to_string()),
            // RSS readers take a description as HTML: the plain-text summary is escaped.
            description: Some(escape_html(&e.summary)).filter(|s| !s.is_empty()),
            content: Some(e.content_html.clone()),
            guid: Some(rss::Guid {
                value: e.url.to_string(),
                permalink: true,
            }),
            pub_date: Some(e.published.to_rfc2822()),
            categories: e
                .tags
                .iter()
                .map(|(name, url)| rss::Category {
                    name: name.clone(),
                    domain: Some(url.to_string()),
                })
                .collect(),
            dublin_core_ext: Some(DublinCoreExtension {
                creators: vec![e.author_name.clone()],
                ..Default::default()
            }),
            enclosure: e.cover.as_ref().map(|c| rss::Enclosure {
                url: c.url.to_string(),
                length: c.length.to_string(),
                mime_type: c.mime.clone(),
            }),
            ..Default::default()
        })
        .collect();
    let channel = rss::Channel {
        title: meta.title.clone(),
        link: meta.home.to_string(),
        description: escape_html(&meta.description),
        language: Some(meta.language.clone()),
        generator: Some(format!("Chorus {}", env!("CARGO_PKG_VERSION"))),
        last_build_date: updated.map(|t| t.to_rfc2822()),
        atom_ext: Some(AtomExtension {
            links: vec![Link {
                href: meta.this.to_string(),
                rel: "self".into(),
                mime_type: Some("application/rss+xml".into()),
                ..Default::default()
            }],
        }),
        items,
        ..Default::default()
    };
    channel.to_string()
}

fn atom_feed(meta: &FeedMeta, entries: &[Entry], updated: Option<DateTime<Utc>>) -> String {
    use atom_syndication as atom;
    let link = |href: &Url, rel: &str, mime: &str| atom::Link {
        href: href.to_string(),
        rel: rel.into(),
        mime_type: Some(mime.into()),
        ..Default::default()
    };
    let fixed = |t: DateTime<Utc>| t.fixed_offset();
    let atom_entries = entries
        .iter()
        .map(|e| {
            let mut content = atom::Content::default();
            content.set_content_type(Some("html".to_owned()));
            content.set_value(Some(e.content_html.clone()));
            content.set_base(Some(e.url.to_string()));
            atom::Entry {
                id: e.url.to_string(),
                title: atom::Text::plain(e.title.clone()),
                updated: fixed(e.updated),
                published: Some(fixed(e.published)),
                authors: vec![atom::Person {
                    name: e.author_name.clone(),
                    uri: Some(e.author_url.to_string()),
                    email: None,
                    extensions: Default::default(),
                }],
                links: std::iter::once(link(&e.url, "alternate", "text/html"))
                    .chain(e.cover.iter().map(|c| atom::Link {
                        href: c.url.to_string(),
                        rel: "enclosure".into(),
                        mime_type: Some(c.mime.clone()),
                        title: Some(c.alt.clone()).filter(|a| !a.is_empty()),
                        length: Some(c.length.to_string()),
                        ..Default::default()
                    }))
                    .collect(),
                summary: Some(atom::Text::plain(e.summary.clone()))
                    .filter(|_| !e.summary.is_empty()),
                content: Some(content),
                categories: e
                    .tags
                    .iter()
                    .map(|(name, url)| atom::Category {
                        term: name.clone(),
                        scheme: Some(url.to_string()),
                        label: Some(format!("#{name}")),
                    })
                    .collect(),
                ..Default::default()
            }
        })
        .collect();
    let feed = atom::Feed {
        id: meta.this.to_string(),
        title: atom::Text::plain(meta.title.clone()),
        subtitle: Some(atom::Text::plain(meta.description.clone()))
            .filter(|_| !meta.description.is_empty()),
        updated: fixed(updated.unwrap_or(DateTime::<Utc>::UNIX_EPOCH)),
        links: vec![
            link(&meta.this, "self", "application/atom+xml"),
            link(&meta.home, "alternate", "text/html"),
        ],
        authors: meta
            .author
            .iter()
            .map(|(name, url)| atom::Person {
                name: name.clone(),
                uri: Some(url.to_string()),
                email: None,
                extensions: Default::default(),
            })
            .collect(),
        generator: Some(atom::Generator {
            value: "Chorus".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        lang: Some(meta.language.clone()),
        entries: atom_entries,
        ..Default::default()
    };
    feed.to_string()
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    language: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor<'a>>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    content_html: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    summary: &'a str,
    date_published: String,
    date_modified: String,
    authors: Vec<JsonAuthor<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
}

fn json_feed(meta: &FeedMeta, entries: &[Entry]) -> String {
    let home = meta.home.to_string();
    let this = meta.this.to_string();
    let author_url = meta
        .author
        .as_ref()
        .map(|(_, u)| u.to_string())
        .unwrap_or_default();
    let urls: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.url.to_string(), e.author_url.to_string()))
        .collect();
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &meta.title,
        home_page_url: &home,
        feed_url: &this,
        description: &meta.description,
        language: &meta.language,
        authors: meta
            .author
            .iter()
            .map(|(name, _)| JsonAuthor {
                name,
                url: &author_url,
            })
            .collect(),
        items: entries
            .iter()
            .zip(&urls)
            .map(|(e, (url, author_url))| JsonItem {
                id: url,
                url,
                title: &e.title,
                content_html: &e.content_html,
                summary: &e.summary,
                date_published: time::iso(&e.published),
                date_modified: time::iso(&e.updated),
                authors: vec![JsonAuthor {
                    name: &e.author_name,
                    url: author_url,
                }],
                tags: e.tags.iter().map(|(t, _)| t.as_str()).collect(),
                image: e.cover.as_ref().map(|c| c.url.to_string()),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&feed).expect("feed structs serialize")
}
