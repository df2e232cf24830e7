//! `GET /posts/{slug}/context[?page=N]`: a post's conversation as FEP-7888 describes it, the
//! collection its Article names as `context`: the post first, then its approved public
//! comments, oldest first, paged like every collection (Mastodon reads the first page as an
//! ordinary `OrderedCollectionPage`).
//!
//! `GET /series/{slug}/context[?page=N]`: the context every part of a series names instead:
//! each published part in order, followed by its approved public comments, attributed to the
//! community the series is published in.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::activitypub::{CollectionQuery, json_response};
use crate::app::App;
use crate::domain::PostStatus;
use crate::domain::Slug;
use crate::error::AppError;
use crate::federation::objects::{collections, with_context};
use crate::storage::{comments, directory, posts, site};
use crate::urls;

pub async fn context(
    State(app): State<App>,
    Path(slug): Path<String>,
    q: Query<CollectionQuery>,
) -> Result<Response, AppError> {
    let post = posts::find_post_by_slug(&app.db, &slug)
        .await?
        .filter(|p| p.status == PostStatus::Published)
        .ok_or(AppError::NotFound)?;
    let id = urls::context(&app.config, post.slug.as_str());
    let total = 1 + comments::count_listed(&app.db, post.id).await?;
    let doc = match q.page() {
        None => {
            let mut doc = collections::collection(&id, total);
            doc["attributedTo"] = json!(urls::person(&app.config, post.author.username.as_str()));
            doc
        }
        Some(n) => {
            // The post is item 0; the comments follow it.
            let start = collections::offset(n);
            let (skip, take) = if start == 0 {
                (0, collections::PAGE_SIZE - 1)
            } else {
                (start - 1, collections::PAGE_SIZE)
            };
            let mut items = Vec::new();
            if start == 0 {
                items.push(json!(urls::article(&app.config, post.slug.as_str())));
            }
            let uris = comments::list_listed_uris(&app.db, post.id, take, skip).await?;
            items.extend(uris.into_iter().map(Value::String));
            collections::page(&id, n, total, items)
        }
    };
    Ok(json_response(StatusCode::OK, with_context(doc)))
}

/// `GET /series/{slug}/context[?page=N]`
pub async fn series(
    State(app): State<App>,
    Path(slug): Path<String>,
    q: Query<CollectionQuery>,
) -> Result<Response, AppError> {
    let slug = Slug::parse(&slug).map_err(|_| AppError::NotFound)?;
    directory::series_name(&app.db, slug.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let id = urls::series_context(&app.config, slug.as_str());
    let total = comments::count_series_thread(&app.db, slug.as_str()).await?;
    let doc = match q.page() {
        None => {
            let community = site::get_site(&app.db).await?.community_username;
            let mut doc = collections::collection(&id, total);
            doc["attributedTo"] = json!(urls::group(&app.config, &community));
            doc
        }
        Some(n) => {
            let items = comments::list_series_thread(
                &app.db,
                slug.as_str(),
                collections::PAGE_SIZE,
                collections::offset(n),
            )
            .await?
            .into_iter()
            .map(|(part, comment)| match comment {
                Some(uri) => Value::String(uri),
                None => json!(urls::article(&app.config, &part)),
            })
            .collect();
            collections::page(&id, n, total, items)
        }
    };
    Ok(json_response(StatusCode::OK, with_context(doc)))
}
