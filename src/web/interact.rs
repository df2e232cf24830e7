//! `GET /interact?post=<post URL>&action=reply|follow&handle=you@server`: the post page's
//! reply and follow form, without JavaScript; `GET /interact?account=<name>&handle=...`: the
//! follow forms of the front page and `/subscribe` (an author, or the community). The handle
//! may also be a server alone. Chorus finds the reader's server by WebFinger
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
use crate::domain::comments::ReplyPolicy;
use crate::error::AppError;
use crate::federation::interaction::{self, InteractionError};
use crate::storage::{comments, posts, site, users};
use crate::templates::Layout;
use crate::templates::conversation::InteractPage;
use crate::urls::slug_from_url;
use crate::urls::{author_path, post_path};

#[derive(Deserialize)]
pub struct InteractQuery {
    post: Option<String>,
    /// A local account to follow (an author or the community), instead of a post.
    account: Option<String>,
    action: Option<String>,
    handle: Option<String>,
}

/// What the reader asked to do on their own server.
struct Intent {
    /// The post URL to reply to, or the handle to follow.
    uri: String,
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
    // Checked first, so that a bad address never costs a look-up.
    let handle = q.handle.clone().unwrap_or_default();
    if handle.trim().is_empty() {
        return Err(AppError::BadRequest(
            "Write your fediverse address, like you@your.server.".into(),
        ));
    }
    let intent = match q.account.as_deref() {
        Some(account) => follow_account(&app, &site, account, q.action.as_deref()).await?,
        None => post_intent(&app, &q).await?,
    };
    let (user, host) = interaction::parse_handle_or_server(&handle).map_err(bad)?;
    let you = if user == host {
        format!("your account on {host}")
    } else {
        format!("your account @{user}@{host}")
    };
    let explanation = intent.explanation.replace("{you}", &you);
    let target = interaction::interaction_url(&app, client.ip(), &user, &host, &intent.uri)
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
        Some(&intent.heading),
        &explanation,
        &intent.path,
    );
    let page = InteractPage {
        layout,
        heading: intent.heading,
        explanation,
        target: target.to_string(),
        server: host,
        back: intent.back,
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

/// Replying to or following the author of the post the query names.
async fn post_intent(app: &App, q: &InteractQuery) -> Result<Intent, AppError> {
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
    let path = post_path(post.slug.as_str());
    let post_url = app.config.url(&path).to_string();
    let author = format!("{}@{}", post.author.username, app.config.domain());
    Ok(if follow {
        Intent {
            uri: author.clone(),
            heading: format!("Follow {}", post.author.display_name),
            explanation: format!("Follow @{author} from {{you}}."),
            back: post_url,
            path,
        }
    } else {
        Intent {
            uri: post_url.clone(),
            heading: format!("Reply to “{}”", post.title),
            explanation: "Write your reply from {you}; it appears here once it arrives.".into(),
            back: post_url,
            path,
        }
    })
}

/// Following a local author, or the community (every post of the site).
async fn follow_account(
    app: &App,
    site: &site::Site,
    account: &str,
    action: Option<&str>,
) -> Result<Intent, AppError> {
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
    Ok(Intent {
        uri: handle,
        heading: format!("Follow {display}"),
        explanation,
        back: app.config.url(&path).to_string(),
        path,
    })
}

fn bad(e: InteractionError) -> AppError {
    AppError::BadRequest(e.to_string())
}
