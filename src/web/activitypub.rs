//! ActivityPub over HTTP: actor, article and collection documents (also reached by content
//! negotiation on the pages' own URLs), activities by id, and the discovery endpoints.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::actions::posts::MAX_PINS;
use crate::app::App;
use crate::cache::Rendered;
use crate::domain::PostStatus;
use crate::error::AppError;
use crate::federation::objects::{ACTIVITY_JSON, actor, article, collections, with_context};
use crate::federation::{group, keys};
use crate::storage::posts::{self, Listing};
use crate::storage::{follows, mentions, pins, site, users};
use crate::urls;

/// Whether the client asks for ActivityStreams JSON rather than HTML.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let ap = ["application/activity+json", "application/ld+json"]
        .iter()
        .filter_map(|t| find_ignore_case(accept, t))
        .min();
    match (ap, find_ignore_case(accept, "text/html")) {
        (Some(a), Some(h)) => a < h,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Where `needle` (lowercase) first occurs in `haystack`, ignoring ASCII case; no allocation,
/// as every page request asks.
fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// A JSON document that is not cached (collections change without a content change).
pub fn json_response(status: StatusCode, doc: Value) -> Response {
    let mut r = (status, doc.to_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ACTIVITY_JSON),
    );
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Encoding"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

fn rendered(status: StatusCode, doc: Value) -> Rendered {
    Rendered {
        status,
        content_type: ACTIVITY_JSON,
        body: doc.to_string(),
        last_modified: None,
        post_id: None,
    }
}

/// The actor document of a person or of the community (cached like a page).
pub async fn render_actor(app: &App, username: &str) -> Result<Rendered, AppError> {
    let site = site::get_site(&app.db).await?;
    if username == site.community_username {
        let local = keys::community_actor(app).await?;
        let pictures =
            actor::Pictures::load(app, site::community_avatar(&app.db).await?, None).await?;
        return Ok(rendered(
            StatusCode::OK,
            with_context(actor::group(&app.config, &site, &local, &pictures)),
        ));
    }
    let user = users::find_user_by_username(&app.db, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let local = keys::person_actor(app, user.id).await?;
    let pictures = actor::Pictures::load(app, user.avatar_media_id, user.header_media_id).await?;
    Ok(rendered(
        StatusCode::OK,
        with_context(actor::person(&app.config, &user, &local, &pictures)),
    ))
}

/// A post's `Article`, or its `Tombstone` with 410 once deleted.
pub async fn render_article(app: &App, slug: &str) -> Result<Rendered, AppError> {
    let post = posts::find_post_by_slug(&app.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    match post.status {
        PostStatus::Published => {
            let setting = article::Setting::load(app).await?;
            let mut doc = article::article(&app.config, &post, &setting);
            article::add_mentions(&mut doc, &mentions::post_mentions(&app.db, post.id).await?);
            doc["replies"] = replies_collection(app, &post).await?;
            Ok(rendered(StatusCode::OK, with_context(doc)).showing_post(post.id))
        }
        PostStatus::Deleted => Ok(rendered(
            StatusCode::GONE,
            with_context(article::tombstone(&app.config, &post)),
        )
        .showing_post(post.id)),
        PostStatus::Draft | PostStatus::Scheduled => Err(AppError::NotFound),
    }
}

pub async fn instance_actor(State(app): State<App>) -> Result<Response, AppError> {
    let local = keys::instance_actor(&app).await?;
    Ok(json_response(
        StatusCode::OK,
        with_context(actor::application(&app.config, &local)),
    ))
}

pub async fn instance_outbox(State(app): State<App>) -> Response {
    json_response(
        StatusCode::OK,
        with_context(collections::inline(
            &urls::under(&urls::instance(&app.config), "outbox"),
            vec![],
        )),
    )
}

/// `GET /activities/{id}`: an activity this server sent, as it was sent; once the post it
/// carries is deleted or unpublished, 410 with a `Tombstone`, so the text does not outlive it.
pub async fn activity(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let full = app.config.url(&format!("/activities/{id}"));
    let doc = crate::storage::deliveries::find_outgoing_activity(&app.db, full.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(slug) = carried_post(&app.config.base_url, &doc) {
        let post = posts::find_post_by_slug(&app.db, &slug).await?;
        if post
            .as_ref()
            .is_none_or(|p| p.status != PostStatus::Published)
        {
            let deleted = post.map_or_else(crate::domain::time::now, |p| {
                p.deleted_at.unwrap_or(p.updated_at)
            });
            let tombstone = json!({
                "id": full.as_str(),
                "type": "Tombstone",
                "formerType": doc.get("type").cloned().unwrap_or(Value::Null),
                "deleted": crate::domain::time::iso(&deleted),
            });
            return Ok(json_response(StatusCode::GONE, with_context(tombstone)));
        }
    }
    Ok(json_response(StatusCode::OK, doc))
}

/// The slug of the local post whose content an activity we sent carries: the object of a
/// `Create` or `Update`, or of what an `Announce` wraps (the post, or its `Create`). A
/// `Delete` carries only a tombstone, so it has none.
fn carried_post(base: &url::Url, activity: &Value) -> Option<String> {
    let mut current = activity;
    for _ in 0..3 {
        let kind = current.get("type").and_then(Value::as_str)?;
        if !matches!(kind, "Create" | "Update" | "Announce") {
            return None;
        }
        let object = current.get("object")?;
        let id = match object {
            Value::String(s) => s.as_str(),
            other => other.get("id").and_then(Value::as_str)?,
        };
        if let Some(slug) = urls::slug_from_url(base, id) {
            return Some(slug);
        }
        current = object;
    }
    None
}

pub async fn create_activity(
    State(app): State<App>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let post = posts::find_post_by_slug(&app.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if post.status != PostStatus::Published {
        return Err(AppError::NotFound);
    }
    let mentioned = mentions::post_mentions(&app.db, post.id).await?;
    Ok(json_response(
        StatusCode::OK,
        with_context(article::create(
            &app.config,
            &post,
            &article::Setting::load(&app).await?,
            &mentioned,
            None,
        )),
    ))
}

/// `GET /posts/{slug}/replies[?page=N]`: the approved public comments (Mastodon polls it to
/// fill a thread), oldest first.
pub async fn replies(
    State(app): State<App>,
    Path(slug): Path<String>,
    q: Query<CollectionQuery>,
) -> Result<Response, AppError> {
    let post = posts::find_post_by_slug(&app.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if post.status != PostStatus::Published {
        return Err(AppError::NotFound);
    }
    let doc = match q.page() {
        None => replies_collection(&app, &post).await?,
        Some(n) => replies_page(&app, &post, n).await?,
    };
    Ok(json_response(StatusCode::OK, with_context(doc)))
}

/// A post's `replies`: its size and its first page, embedded.
pub async fn replies_collection(app: &App, post: &posts::Post) -> Result<Value, AppError> {
    Ok(article::replies(app, post).await?)
}

async fn replies_page(app: &App, post: &posts::Post, n: u32) -> Result<Value, AppError> {
    Ok(article::replies_page(app, post, n).await?)
}

#[derive(Deserialize)]
pub struct CollectionQuery {
    page: Option<u32>,
}

impl CollectionQuery {
    /// The page asked for, when it is one a collection can have.
    pub fn page(&self) -> Option<u32> {
        self.page.filter(|p| *p >= 1 && *p <= 100_000)
    }
}

/// `GET /@name/{outbox,followers,following,featured,tags}`
pub async fn collection(
    app: &App,
    username: &str,
    leaf: &str,
    q: Query<CollectionQuery>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let (actor_id, local, listing) = if username == site.community_username {
        (
            urls::group(&app.config, username),
            keys::community_actor(app).await?,
            Listing::All,
        )
    } else {
        let user = users::find_user_by_username(&app.db, username)
            .await?
            .ok_or(AppError::NotFound)?;
        (
            urls::person(&app.config, username),
            keys::person_actor(app, user.id).await?,
            Listing::ByAuthor(user.id),
        )
    };
    let id = urls::under(&actor_id, leaf);
    let page = q.page();
    let doc = match leaf {
        "outbox" => {
            let total = posts::count_published(&app.db, listing).await?;
            let community = (username == site.community_username).then_some(&actor_id);
            match (page, community) {
                (None, None) => collections::collection(&id, total),
                // The community's first page also inline: group software reads only that.
                (None, Some(_)) => {
                    let mut doc = collections::collection(&id, total);
                    doc["orderedItems"] = json!(outbox_items(app, listing, 1, community).await?);
                    doc
                }
                (Some(n), _) => {
                    let items = outbox_items(app, listing, n, community).await?;
                    collections::page(&id, n, total, items)
                }
            }
        }
        "followers" | "following" => {
            let followers = leaf == "followers";
            let total = if followers {
                follows::count_followers(&app.db, local.id).await?
            } else {
                follows::count_following(&app.db, local.id).await?
            };
            match page {
                None => collections::collection(&id, total),
                Some(n) => {
                    let (limit, offset) = (collections::PAGE_SIZE, collections::offset(n));
                    let uris = if followers {
                        follows::list_followers(&app.db, local.id, limit, offset).await?
                    } else {
                        follows::list_following(&app.db, local.id, limit, offset).await?
                    };
                    collections::page(&id, n, total, uris.into_iter().map(Value::String).collect())
                }
            }
        }
        "featured" => {
            // What the author pinned (the community: what its authors pinned), newest pin
            // first; nothing pinned is an empty collection, never the latest posts, which
            // Mastodon, Takahē and Lemmy would show as pinned.
            let author = match listing {
                Listing::ByAuthor(id) => Some(id),
                _ => None,
            };
            let pinned = pins::pinned_posts(&app.db, author, MAX_PINS as i64).await?;
            let mut list = Vec::with_capacity(pinned.len());
            for id in pinned {
                list.push(posts::find_post_by_id(&app.db, id).await?);
            }
            let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
            let mentioned = mentions::mentions_of_posts(&app.db, &ids).await?;
            let setting = article::Setting::load(app).await?;
            let items = list
                .iter()
                .map(|p| {
                    let mut doc = article::article(&app.config, p, &setting);
                    article::add_mentions(
                        &mut doc,
                        mentioned.get(&p.id).map_or(&[], Vec::as_slice),
                    );
                    doc
                })
                .collect();
            collections::inline(&id, items)
        }
        "tags" => {
            let list = posts::list_published(&app.db, listing, 50, 0).await?;
            let mut tags: Vec<&crate::domain::Tag> =
                list.iter().flat_map(|p| p.tags.iter()).collect();
            tags.sort();
            tags.dedup();
            let items = tags
                .iter()
                .map(|t| json!({"type": "Hashtag", "href": urls::tag(&app.config, t.as_str()), "name": format!("#{}", t.hashtag())}))
                .collect();
            collections::inline(&id, items)
        }
        _ => return Err(AppError::NotFound),
    };
    Ok(json_response(StatusCode::OK, with_context(doc)))
}

/// Page `n` of an outbox: each post's `Create`, or for the community (`group`) its
/// `Announce` of that `Create`.
async fn outbox_items(
    app: &App,
    listing: Listing<'_>,
    n: u32,
    group: Option<&url::Url>,
) -> Result<Vec<Value>, AppError> {
    let offset = collections::offset(n);
    let list = posts::list_published(&app.db, listing, collections::PAGE_SIZE, offset).await?;
    let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
    let mentioned = mentions::mentions_of_posts(&app.db, &ids).await?;
    let setting = article::Setting::load(app).await?;
    Ok(list
        .iter()
        .map(|p| {
            let mentions = mentioned.get(&p.id).map_or(&[][..], Vec::as_slice);
            let create = article::create(&app.config, p, &setting, mentions, None);
            match group {
                Some(group) => group::outbox_announce(group, create),
                None => create,
            }
        })
        .collect())
}

/// `GET /posts/{slug}/announce`: the community's `Announce` of the post, as its outbox lists it.
pub async fn announce_activity(
    State(app): State<App>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let post = posts::find_post_by_slug(&app.db, &slug)
        .await?
        .filter(|p| p.status == PostStatus::Published)
        .ok_or(AppError::NotFound)?;
    let mentioned = mentions::post_mentions(&app.db, post.id).await?;
    let setting = article::Setting::load(&app).await?;
    let create = article::create(&app.config, &post, &setting, &mentioned, None);
    let doc = group::outbox_announce(&setting.community, create);
    Ok(json_response(StatusCode::OK, with_context(doc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_post_an_activity_carries_is_found_through_announces() {
        let base = url::Url::parse("https://community.example/").unwrap();
        let post = "https://community.example/posts/hello";
        let article = json!({"type": "Article", "id": post});
        for carrying in [
            json!({"type": "Create", "object": article}),
            json!({"type": "Update", "object": article}),
            json!({"type": "Announce", "object": post}),
            json!({"type": "Announce", "object": {"type": "Create", "id": "https://community.example/activities/1", "object": article}}),
        ] {
            assert_eq!(
                carried_post(&base, &carrying).as_deref(),
                Some("hello"),
                "{carrying}"
            );
        }
        for other in [
            json!({"type": "Delete", "object": {"type": "Tombstone", "id": post}}),
            json!({"type": "Update", "object": {"type": "Person", "id": "https://community.example/@alice"}}),
            json!({"type": "Announce", "object": "https://elsewhere.example/posts/hello"}),
            json!({"type": "Accept", "object": {"type": "Follow"}}),
        ] {
            assert_eq!(carried_post(&base, &other), None, "{other}");
        }
    }
}
