//! `GET /posts/{slug}/context[?page=N]`: a post's conversation as FEP-7888 describes it, the
//! collection its Article names as `context`: the post first, then its approved public
//! comments, oldest first, paged like every collection (Mastodon reads the first page as an
//! ordinary `OrderedCollectionPage`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::activitypub::{CollectionQuery, json_response};
use crate::app::App;
use crate::domain::PostStatus;
use crate::error::AppError;
use crate::federation::objects::{collections, with_context};
use crate::storage::{comments, posts};
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
