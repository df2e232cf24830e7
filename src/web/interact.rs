//! `GET /interact?post=<post URL>&action=reply|follow&handle=you@server`: the post page's
//! reply and follow form, without JavaScript. With `comment=<id>` it answers one reply under
//! the post (each reply links here; without a `handle` the page asks for it). Chorus finds the reader's server by WebFinger
//! and answers with a page linking to that server's interaction address. It is a link rather
//! than a redirect because the post page's CSP (`form-action 'self'`) also governs where a
//! form submission may be redirected, and Chromium enforces that.

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
use crate::federation::interaction::{self, InteractionError};
use crate::storage::comments::Comment;
use crate::storage::{comments, posts, site};
use crate::templates::Layout;
use crate::templates::conversation::{InteractAskPage, InteractPage};
use crate::urls::post_path;
use crate::urls::slug_from_url;

#[derive(Deserialize)]
pub struct InteractQuery {
    post: Option<String>,
    action: Option<String>,
    handle: Option<String>,
    comment: Option<String>,
}

pub async fn interact(
    State(app): State<App>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Query(q): Query<InteractQuery>,
) -> Result<Response, AppError> {
    let slug = q
        .post
        .as_deref()
        .and_then(|p| slug_from_url(&app.config.base_url, p))
        .ok_or(AppError::NotFound)?;
    let post = posts::find_post_by_slug(&app.db, &slug)
        .await?
        .filter(|p| p.status == PostStatus::Published)
        .ok_or(AppError::NotFound)?;
    let follow = match q.action.as_deref() {
        None | Some("reply") => false,
        Some("follow") => true,
        Some(_) => return Err(AppError::BadRequest("Choose Reply or Follow.".into())),
    };
    if !follow && comments::effective_reply_policy(&app.db, post.id).await? == ReplyPolicy::Nobody {
        return Err(AppError::BadRequest(
            "Replies are closed for this post.".into(),
        ));
    }
    let comment = match q.comment.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(_) if follow => {
            return Err(AppError::BadRequest(
                "Follow the author from the post, not from a reply.".into(),
            ));
        }
        Some(raw) => Some(shown_comment(&app, post.id, raw).await?),
    };
    let post_url = app.config.url(&post_path(post.slug.as_str())).to_string();
    let handle = q.handle.unwrap_or_default();
    if handle.trim().is_empty() {
        if let Some(c) = &comment {
            return ask_for_handle(&app, &post, &post_url, c).await;
        }
        return Err(AppError::BadRequest(
            "Write your fediverse address, like you@your.server.".into(),
        ));
    }
    let (user, host) = interaction::parse_handle(&handle).map_err(bad)?;
    let author = format!("{}@{}", post.author.username, app.config.domain());
    let uri = match (&comment, follow) {
        (_, true) => author.clone(),
        (Some(c), false) => c.uri.clone(),
        (None, false) => post_url.clone(),
    };
    let target = interaction::interaction_url(&app, client.ip(), &user, &host, &uri)
        .await
        .map_err(|e| match e {
            InteractionError::TooMany(_) => AppError::TooMany(
                "too many lookups of fediverse addresses from your address; try again in a minute"
                    .into(),
                crate::federation::limits::LOOKUP_WINDOW,
            ),
            e => bad(e),
        })?;
    let site = site::get_site(&app.db).await?;
    let (heading, explanation) = if follow {
        (
            format!("Follow {}", post.author.display_name),
            format!("Follow @{author} from your account @{user}@{host}."),
        )
    } else if let Some(c) = &comment {
        (
            format!("Reply to {}", c.author.name()),
            format!(
                "Write your answer to {}'s reply under “{}” from your account @{user}@{host}; it appears here once it arrives.",
                c.author.name(),
                post.title
            ),
        )
    } else {
        (
            format!("Reply to “{}”", post.title),
            format!(
                "Write your reply from your account @{user}@{host}; it appears here once it arrives."
            ),
        )
    };
    let layout = Layout::new(
        &site,
        &app.config,
        Some(&heading),
        &explanation,
        &post_path(post.slug.as_str()),
    );
    let page = InteractPage {
        layout,
        heading,
        explanation,
        target: target.to_string(),
        server: host,
        back: post_url,
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
