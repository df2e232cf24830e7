//! `GET /interact?post=<post URL>&action=reply|like|follow&handle=you@server`: the post page's
//! reply, like and follow form, without JavaScript. Chorus finds the reader's server by
//! WebFinger and answers with a page linking to that server's address for the intent
//! (FEP-3b86 Activity Intents where it advertises them, else its interaction template). It is a link rather
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
use crate::domain::comments::ReplyPolicy;
use crate::error::AppError;
use crate::federation::interaction::{self, Intent, InteractionError};
use crate::storage::{comments, posts, site};
use crate::templates::Layout;
use crate::templates::conversation::InteractPage;
use crate::urls;
use crate::urls::post_path;
use crate::urls::slug_from_url;

#[derive(Deserialize)]
pub struct InteractQuery {
    post: Option<String>,
    action: Option<String>,
    handle: Option<String>,
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
    let handle = q.handle.unwrap_or_default();
    if handle.trim().is_empty() {
        return Err(AppError::BadRequest(
            "Write your fediverse address, like you@your.server.".into(),
        ));
    }
    let (user, host) = interaction::parse_handle(&handle).map_err(bad)?;
    let post_url = app.config.url(&post_path(post.slug.as_str())).to_string();
    let author = format!("{}@{}", post.author.username, app.config.domain());
    let (object, subscribe_uri) = if intent == Intent::Follow {
        let actor = urls::person(&app.config, post.author.username.as_str()).to_string();
        (actor, author.clone())
    } else {
        (post_url.clone(), post_url.clone())
    };
    let reader = (user.as_str(), host.as_str());
    let target =
        interaction::intent_url(&app, client.ip(), reader, intent, &object, &subscribe_uri)
            .await
            .map_err(|e| {
                match e {
            InteractionError::TooMany(_) => AppError::TooMany(
                "too many lookups of fediverse addresses from your address; try again in a minute"
                    .into(),
                crate::federation::limits::LOOKUP_WINDOW,
            ),
            e => bad(e),
        }
            })?;
    let site = site::get_site(&app.db).await?;
    let (heading, explanation) = match intent {
        Intent::Follow => (
            format!("Follow {}", post.author.display_name),
            format!("Follow @{author} from your account @{user}@{host}."),
        ),
        Intent::Like => (
            format!("Like “{}”", post.title),
            format!(
                "Like it from your account @{user}@{host}; the like shows here once it arrives."
            ),
        ),
        _ => (
            format!("Reply to “{}”", post.title),
            format!(
                "Write your reply from your account @{user}@{host}; it appears here once it arrives."
            ),
        ),
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

fn bad(e: InteractionError) -> AppError {
    AppError::BadRequest(e.to_string())
}
