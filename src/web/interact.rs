//! `GET /interact?post=<post URL>&action=reply|like|follow&handle=you@server`: the post page's
//! reply, like and follow form, without JavaScript. With `comment=<id>` it answers one reply
//! under the post (each reply links here; without a `handle` the page asks for it).
//! `GET /interact?account=<name>&handle=...`: the follow forms of the front page and
//! `/subscribe` (an author, or the community). The handle may also be a server alone.
//!
//! Chorus finds the reader's server by WebFinger and answers with a page linking to that
//! server's address for the intent (FEP-3b86 Activity Intents where it advertises them, else
//! its interaction template). It is a link rather than a redirect because the post page's CSP
//! (`form-action 'self'`) also governs where a form submission may be redirected, and
//! Chromium enforces that.

use askama::Template;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::app::App;
use crate::domain::PostStatus;
use crate::domain::comments::{CommentState, ReplyPolicy};
use crate::error::AppError;
use crate::federation::interaction::{self, Intent, InteractionError};
use crate::storage::comments::Comment;
use crate::storage::{comments, posts, site, users};
use crate::templates::Layout;
use crate::templates::conversation::{InteractAskPage, InteractPage};
use crate::urls;
use crate::urls::slug_from_url;
use crate::urls::{author_path, post_path};

#[derive(Deserialize)]
pub struct InteractQuery {
    post: Option<String>,
    /// A local account to follow (an author or the community), instead of a post.
    account: Option<String>,
    action: Option<String>,
    handle: Option<String>,
    /// A reply under the post, to answer or like instead of the post.
    comment: Option<String>,
}

/// What the reader asked to do on their own server.
struct Asked {
    intent: Intent,
    /// The post or reply to act on, or the actor to follow (its id).
    object: String,
    /// The same for servers that offer only the subscribe template (a handle to follow).
    subscribe_uri: String,
    heading: String,
    /// What happens next; `{you}` stands for the reader's account.
    explanation: String,
    /// Where "Go back" leads, and the page's canonical path.
    back: String,
    path: String,
}

pub async fn interact(
    State(app): State<App>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Query(q): Query<InteractQuery>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let handle = q.handle.clone().unwrap_or_default();
    let asked = match q.account.as_deref() {
        Some(account) => follow_account(&app, &site, account, q.action.as_deref()).await?,
        None => match post_intent(&app, &q, handle.trim().is_empty()).await? {
            Ok(asked) => asked,
            Err(ask_for_handle) => return Ok(ask_for_handle),
        },
    };
    // Checked before anything is looked up elsewhere.
    if handle.trim().is_empty() {
        return Err(AppError::BadRequest(
            "Write your fediverse address, like you@your.server.".into(),
        ));
    }
    let (user, host) = interaction::parse_handle_or_server(&handle).map_err(bad)?;
    let you = if user == host {
        format!("your account on {host}")
    } else {
        format!("your account @{user}@{host}")
    };
    let explanation = asked.explanation.replace("{you}", &you);
    let reader = (user.as_str(), host.as_str());
    let target = interaction::intent_url(
        &app,
        client.ip(),
        reader,
        asked.intent,
        &asked.object,
        &asked.subscribe_uri,
    )
    .await
    .map_err(|e| match e {
        InteractionError::TooMany(_) => AppError::TooMany(
            "too many lookups of fediverse addresses from your address; try again in a minute"
                .into(),
            crate::federation::limits::LOOKUP_WINDOW,
        ),
        e => bad(e),
    })?;
    let layout = Layout::new(
        &site,
        &app.config,
        Some(&asked.heading),
        &explanation,
        &asked.path,
    );
    let page = InteractPage {
        layout,
        heading: asked.heading,
        explanation,
        target: target.to_string(),
        server: host,
        back: asked.back,
    }
    .render()?;
    let mut r = Html(page).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    Ok(r)
}

/// Replying to, liking or following the author of the post the query names (or replying
/// to or liking one of its replies). `Err` holds the page that asks a reply's reader for
/// their address, when `no_handle`.
async fn post_intent(
    app: &App,
    q: &InteractQuery,
    no_handle: bool,
) -> Result<Result<Asked, Response>, AppError> {
    let slug = q
        .post
        .as_deref()
        .and_then(|p| slug_from_url(&app.config.base_url, p))
        .ok_or(AppError::NotFound)?;
    let post = posts::find_post_by_slug(&app.db, &slug)
        .await?
        .filter(|p| p.status == PostStatus::Published)
        .ok_or(AppError::NotFound)?;
    let intent = match q.action.as_deref() {
        None | Some("reply") => Intent::Reply,
        Some("like") => Intent::Like,
        Some("follow") => Intent::Follow,
        Some(_) => return Err(AppError::BadRequest("Choose Reply, Like or Follow.".into())),
    };
    if intent == Intent::Reply
        && comments::effective_reply_policy(&app.db, post.id).await? == ReplyPolicy::Nobody
    {
        return Err(AppError::BadRequest(
            "Replies are closed for this post.".into(),
        ));
    }
    let comment = match q.comment.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(_) if intent == Intent::Follow => {
            return Err(AppError::BadRequest(
                "Follow the author from the post, not from a reply.".into(),
            ));
        }
        Some(raw) => Some(shown_comment(app, post.id, raw).await?),
    };
    let path = post_path(post.slug.as_str());
    let post_url = app.config.url(&path).to_string();
    if no_handle && let Some(c) = &comment {
        return Ok(Err(ask_for_handle(app, &post, &post_url, c).await?));
    }
    let author = format!("{}@{}", post.author.username, app.config.domain());
    let on = comment.as_ref().map_or(post_url.clone(), |c| c.uri.clone());
    let (object, subscribe_uri, heading, explanation) = match (intent, &comment) {
        (Intent::Follow, _) => (
            urls::person(&app.config, post.author.username.as_str()).to_string(),
            author.clone(),
            format!("Follow {}", post.author.display_name),
            format!("Follow @{author} from {{you}}."),
        ),
        (Intent::Like, Some(c)) => (
            on.clone(),
            on,
            format!("Like {}'s reply", c.author.name()),
            format!(
                "Like {}'s reply under “{}” from {{you}}.",
                c.author.name(),
                post.title
            ),
        ),
        (Intent::Like, None) => (
            on.clone(),
            on,
            format!("Like “{}”", post.title),
            "Like it from {you}; the like shows here once it arrives.".into(),
        ),
        (_, Some(c)) => (
            on.clone(),
            on,
            format!("Reply to {}", c.author.name()),
            format!(
                "Write your answer to {}'s reply under “{}” from {{you}}; it appears here once it arrives.",
                c.author.name(),
                post.title
            ),
        ),
        (_, None) => (
            on.clone(),
            on,
            format!("Reply to “{}”", post.title),
            "Write your reply from {you}; it appears here once it arrives.".into(),
        ),
    };
    Ok(Ok(Asked {
        intent,
        object,
        subscribe_uri,
        heading,
        explanation,
        back: post_url,
        path,
    }))
}

/// Following a local author, or the community (every post of the site).
async fn follow_account(
    app: &App,
    site: &site::Site,
    account: &str,
    action: Option<&str>,
) -> Result<Asked, AppError> {
    if !matches!(action, None | Some("follow")) {
        return Err(AppError::BadRequest(
            "An account can only be followed.".into(),
        ));
    }
    let account = account.trim().trim_start_matches('@');
    let (name, display) = if account == site.community_username {
        (site.community_username.clone(), site.community_name.clone())
    } else {
        let user = users::find_user_by_username(&app.db, account)
            .await?
            .ok_or(AppError::NotFound)?;
        (user.username.to_string(), user.display_name)
    };
    let handle = format!("{name}@{}", app.config.domain());
    let path = author_path(&name);
    let explanation = if name == site.community_username {
        format!(
            "Follow @{handle} from {{you}} to see every post published on {}.",
            site.title
        )
    } else {
        format!("Follow @{handle} from {{you}}.")
    };
    Ok(Asked {
        intent: Intent::Follow,
        object: app.config.url(&path).to_string(),
        subscribe_uri: handle,
        heading: format!("Follow {display}"),
        explanation,
        back: app.config.url(&path).to_string(),
        path,
    })
}

/// The reply `raw` (an id) under post `post_id`, if the post page shows it.
async fn shown_comment(app: &App, post_id: i64, raw: &str) -> Result<Comment, AppError> {
    let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
    comments::find_comment(&app.db, id)
        .await?
        .filter(|c| {
            c.post_id == post_id
                && !c.deleted
                && c.state == CommentState::Approved
                && c.visibility.may_be_shown()
        })
        .ok_or(AppError::NotFound)
}

/// The page a reply's "Reply from your server" link opens: it asks for the reader's address.
async fn ask_for_handle(
    app: &App,
    post: &posts::Post,
    post_url: &str,
    c: &Comment,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let heading = format!("Reply to {}", c.author.name());
    let explanation = format!(
        "Answer {} ({}) under “{}” from your own fediverse account: write your address and continue on your server.",
        c.author.name(),
        c.author.handle(),
        post.title
    );
    let layout = Layout::new(
        &site,
        &app.config,
        Some(&heading),
        &explanation,
        &post_path(post.slug.as_str()),
    );
    let page = InteractAskPage {
        layout,
        heading,
        explanation,
        post: post_url.to_owned(),
        comment: c.id,
        back: format!("{post_url}#comment-{}", c.id),
    }
    .render()?;
    let mut r = Html(page).into_response();
    r.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    Ok(r)
}

fn bad(e: InteractionError) -> AppError {
    AppError::BadRequest(e.to_string())
}
