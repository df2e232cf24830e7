//! Public HTML pages: post, author and tag pages (the front page is in `front`). Handlers read the request and answer
//! from the page cache; the `render_*` functions build a page from storage on a cache miss.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::activitypub::{self as routes, CollectionQuery, wants_activity_json};
use super::{PageKey, respond};
use crate::app::App;
use crate::cache::Rendered;
use crate::domain::markdown;
use crate::domain::username::UsernameError;
use crate::domain::{PostStatus, Tag, Username};
use crate::error::AppError;
use crate::storage::posts::{self, Listing};
use crate::storage::{amplifications, comments, site, users};
use crate::templates::conversation::{AmplifiedView, CommunityPage};
use crate::templates::{
    AuthorPage, AuthorView, FeedLink, FieldView, Layout, ListingPage, MessagePage, Pager, PostPage,
    PostView,
};
use crate::urls::{author_path, post_path, tag_path};

/// Posts per page on listings.
pub const PER_PAGE: i64 = 10;
/// Amplified remote posts shown on the community page.
pub const AMPLIFIED_SHOWN: i64 = 20;
/// Pages beyond this are refused rather than queried.
const MAX_PAGE: u32 = 10_000;

pub const HTML: &str = "text/html; charset=utf-8";

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    pub fn number(&self) -> Result<u32, AppError> {
        match self.page.as_deref() {
            None | Some("") => Ok(1),
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or(AppError::NotFound),
        }
    }
}

pub async fn post(
    State(app): State<App>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if wants_activity_json(&headers) {
        return respond(&app, PageKey::ArticleJson { slug }, &headers).await;
    }
    let mut response = respond(&app, PageKey::Post { slug }, &headers).await?;
    super::webmention::advertise(&app, &mut response);
    Ok(response)
}

pub async fn author(
    State(app): State<App>,
    Path(handle): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let username = parse_handle(&handle)?;
    if wants_activity_json(&headers) {
        return respond(&app, PageKey::ActorJson { username }, &headers).await;
    }
    respond(
        &app,
        PageKey::Author {
            username,
            page: q.number()?,
        },
        &headers,
    )
    .await
}

/// `GET /@name/{leaf}`: the author's feeds and ActivityPub collections.
pub async fn author_leaf(
    State(app): State<App>,
    Path((handle, leaf)): Path<(String, String)>,
    q: Query<CollectionQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let username = parse_handle(&handle)?;
    match leaf.as_str() {
        "feed.xml" | "rss.xml" | "atom.xml" | "feed.json" => {
            super::feeds::author_feed(&app, username, &leaf, &headers).await
        }
        _ => routes::collection(&app, &username, &leaf, q).await,
    }
}

pub async fn tag(
    State(app): State<App>,
    Path(tag): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let tag = Tag::parse(&tag).map_err(|_| AppError::NotFound)?;
    respond(
        &app,
        PageKey::Tag {
            tag: tag.key(),
            page: q.number()?,
        },
        &headers,
    )
    .await
}

/// `@alice` in a path segment → `alice`; anything else is not an author page.
pub fn parse_handle(segment: &str) -> Result<String, AppError> {
    let name = segment.strip_prefix('@').ok_or(AppError::NotFound)?;
    match Username::parse(name) {
        Ok(username) => Ok(username.to_string()),
        // Reserved names are not people, but the community actor has one.
        Err(UsernameError::Reserved(name)) => Ok(name),
        Err(_) => Err(AppError::NotFound),
    }
}

pub fn offset(page: u32) -> i64 {
    (i64::from(page) - 1) * PER_PAGE
}

pub fn html(
    page: impl Template,
    last_modified: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Rendered, AppError> {
    Ok(Rendered::ok(HTML, page.render()?, last_modified))
}

pub async fn render_post(app: &App, slug: &str) -> Result<Rendered, AppError> {
    let post = posts::find_post_by_slug(&app.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let site = site::get_site(&app.db).await?;
    match post.status {
        PostStatus::Published => {}
        PostStatus::Deleted => {
            let layout = Layout::new(
                &site,
                &app.config,
                Some("Post deleted"),
                "This post was deleted.",
                &post_path(slug),
            );
            let body = MessagePage {
                layout,
                heading: "This post was deleted".into(),
                message: "Its author removed it. Other posts are on the home page.".into(),
            }
            .render()?;
            return Ok(Rendered {
                status: StatusCode::GONE,
                content_type: HTML,
                body,
                last_modified: post.deleted_at,
                post_id: Some(post.id),
            });
        }
        // Drafts and scheduled posts are not public yet.
        PostStatus::Draft | PostStatus::Scheduled => return Err(AppError::NotFound),
    }
    let mut view = PostView::new(&post, &app.config);
    // Sanitized when stored; again here, so that today's policy applies to older posts.
    view.content_html = markdown::sanitize(&post.content_html, &app.config.base_url);
    let conversation = super::conversation::load(app, &post).await?;
    let mut layout = Layout::new(
        &site,
        &app.config,
        Some(&post.title),
        &post.summary,
        &post_path(slug),
    );
    layout.og_type = "article";
    layout.og_title = post.title.clone();
    layout
        .extra_meta
        .push(("article:published_time", view.published_iso.clone()));
    layout.extra_meta.push((
        "article:modified_time",
        crate::domain::time::iso(&post.updated_at),
    ));
    for t in &post.tags {
        layout.extra_meta.push(("article:tag", t.to_string()));
    }
    layout.fediverse_creator = post.author.fediverse_creator.clone();
    if let Some(cover) = &post.cover {
        // The link card's picture: JPEG or PNG, absolute, the widest variant stored.
        layout.og_image = Some(crate::media::url(&app.config, &cover.media, u32::MAX).to_string());
        let alt = if cover.alt.is_empty() {
            &cover.media.alt
        } else {
            &cover.alt
        };
        if !alt.is_empty() {
            layout.extra_meta.push(("og:image:alt", alt.clone()));
        }
    }
    layout.activity_json = Some(app.config.url(&post_path(slug)).to_string());
    layout.webmention = Some(app.config.url(crate::urls::WEBMENTION_PATH).to_string());
    let author_prefix = author_path(post.author.username.as_str());
    layout.feeds = FeedLink::all(&app.config, &author_prefix, &post.author.display_name);
    layout
        .feeds
        .extend(FeedLink::all(&app.config, "", &site.title));
    let last_modified = conversation
        .changed_at
        .map_or(post.updated_at, |c| c.max(post.updated_at));
    layout
        .scripts
        .push(crate::templates::assets::edit_link_script_href());
    let series = super::series::nav(app, &post).await?;
    let author_photo = author_photo(app, &post.author).await?;
    let page = PostPage {
        author_photo,
        series,
        layout,
        post: view,
        can_edit_url: format!("/account/can-edit?post={}", post.id),
        comments: conversation.comments,
        reactions: conversation.reactions,
        replies: conversation.replies,
        script: crate::templates::assets::post_script_href(),
    };
    Ok(html(page, Some(last_modified))?.showing_post(post.id))
}

/// The author's avatar, or the initials picture that stands for it, as an absolute URL.
async fn author_photo(
    app: &App,
    author: &crate::storage::posts::Author,
) -> Result<String, AppError> {
    let avatar = match crate::storage::users::find_user_by_id(&app.db, author.id).await? {
        Some(user) => super::profile::picture_views(app, &user).await?.0,
        None => None,
    };
    let path = match avatar {
        Some(a) => a.url,
        None => {
            let seed = crate::urls::person(&app.config, author.username.as_str()).to_string();
            crate::templates::conversation::initials_path(&author.display_name, &seed)
        }
    };
    Ok(app.config.url(&path).to_string())
}

pub async fn render_author(app: &App, username: &str, page: u32) -> Result<Rendered, AppError> {
    let site = site::get_site(&app.db).await?;
    if username == site.community_username {
        return render_community(app, &site, page).await;
    }
    let user = users::find_user_by_username(&app.db, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let listing = Listing::ByAuthor(user.id);
    let total = posts::count_published(&app.db, listing).await?;
    let list = posts::list_published(&app.db, listing, PER_PAGE, offset(page)).await?;
    if list.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let path = author_path(username);
    let author = posts::Author {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        fediverse_creator: user.fediverse_creator.clone(),
    };
    let bio_html = if user.bio.trim().is_empty() {
        String::new()
    } else {
        markdown::render(&user.bio, &app.config.base_url).html
    };
    let description = if user.bio.trim().is_empty() {
        format!("Posts by {} on {}", user.display_name, site.title)
    } else {
        markdown::shorten(
            &user.bio.split_whitespace().collect::<Vec<_>>().join(" "),
            200,
        )
    };
    let (avatar, header) = super::profile::picture_views(app, &user).await?;
    let mut layout = Layout::new(
        &site,
        &app.config,
        Some(&user.display_name),
        &description,
        &path,
    );
    layout.og_type = "profile";
    layout.fediverse_creator = user.fediverse_creator.clone();
    layout.feeds = FeedLink::all(&app.config, &path, &user.display_name);
    layout.auth_endpoints = Some((
        app.config.url(crate::urls::AUTHORIZE_PATH).to_string(),
        app.config.url(crate::urls::TOKEN_PATH).to_string(),
    ));
    layout.activity_json = Some(app.config.url(&path).to_string());
    let last_modified = list
        .iter()
        .map(|p| p.updated_at)
        .chain([user.updated_at])
        .max();
    html(
        AuthorPage {
            layout,
            author: AuthorView::new(&author, &app.config),
            bio_html,
            fields: user
                .profile_fields
                .iter()
                .map(|f| FieldView {
                    name: f.name.clone(),
                    value: f.value.clone(),
                    href: f.link().map(String::from),
                })
                .collect(),
            avatar,
            header,
            moved_to: user.moved_to.clone(),
            posts: post_views(app, &list).await?,
            pager: Pager::new(&path, page, total, PER_PAGE),
        },
        last_modified,
    )
}

pub async fn render_tag(app: &App, key: &str, page: u32) -> Result<Rendered, AppError> {
    let site = site::get_site(&app.db).await?;
    let listing = Listing::ByTag(key);
    let total = posts::count_published(&app.db, listing).await?;
    if total == 0 {
        return Err(AppError::NotFound);
    }
    let list = posts::list_published(&app.db, listing, PER_PAGE, offset(page)).await?;
    if list.is_empty() {
        return Err(AppError::NotFound);
    }
    let newest = if page == 1 {
        list[..1].to_vec()
    } else {
        posts::list_published(&app.db, listing, 1, 0).await?
    };
    // `key` is how the tag is matched; the page shows it as its newest post writes it.
    let tag = shown_tag(&newest, key);
    let path = tag_path(&tag);
    let heading = format!("#{tag}");
    let intro = format!(
        "{total} post{} tagged #{tag}.",
        if total == 1 { "" } else { "s" }
    );
    let mut layout = Layout::new(&site, &app.config, Some(&heading), &intro, &path);
    layout.feeds = FeedLink::all(&app.config, &path, &format!("{} #{tag}", site.title));
    let last_modified = list.iter().map(|p| p.updated_at).max();
    html(
        ListingPage {
            layout,
            heading,
            intro,
            posts: post_views(app, &list).await?,
            pager: Pager::new(&path, page, total, PER_PAGE),
        },
        last_modified,
    )
}

/// The tag matched by `key` as the first of `posts` writing it spells it.
pub(super) fn shown_tag(posts: &[posts::Post], key: &str) -> String {
    posts
        .iter()
        .flat_map(|p| &p.tags)
        .find(|t| t.key() == key)
        .map_or_else(|| key.to_owned(), |t| t.as_str().to_owned())
}

/// Views of listed posts, with how many comments each shows.
pub async fn post_views(app: &App, list: &[posts::Post]) -> Result<Vec<PostView>, AppError> {
    let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
    let counts = comments::count_shown(&app.db, &ids).await?;
    Ok(list
        .iter()
        .map(|p| {
            let mut view = PostView::new(p, &app.config);
            view.comment_count = counts.get(&p.id).copied().unwrap_or(0);
            view
        })
        .collect())
}

/// The community's page: every post on the site, the remote posts it amplified (on the first
/// page), and how to follow them all at once.
async fn render_community(app: &App, site: &site::Site, page: u32) -> Result<Rendered, AppError> {
    let total = posts::count_published(&app.db, Listing::All).await?;
    let list = posts::list_published(&app.db, Listing::All, PER_PAGE, offset(page)).await?;
    if list.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let path = author_path(&site.community_username);
    let handle = format!("@{}@{}", site.community_username, app.config.domain());
    let intro = format!(
        "Follow {handle} from Mastodon or any fediverse app to see every post published here."
    );
    let mut layout = Layout::new(site, &app.config, Some(&site.community_name), &intro, &path);
    layout.og_type = "profile";
    layout.feeds = FeedLink::all(&app.config, "", &site.title);
    layout.activity_json = Some(app.config.url(&path).to_string());
    let amplified = if page == 1 {
        amplifications::list_amplified(&app.db, AMPLIFIED_SHOWN, 0).await?
    } else {
        Vec::new()
    };
    let last_modified = list
        .iter()
        .map(|p| p.updated_at)
        .chain(amplified.iter().map(|a| a.amplified_at))
        .max();
    html(
        CommunityPage {
            layout,
            heading: site.community_name.clone(),
            intro,
            amplified: amplified.iter().map(AmplifiedView::new).collect(),
            posts: post_views(app, &list).await?,
            pager: Pager::new(&path, page, total, PER_PAGE),
        },
        last_modified,
    )
}
