//! A post's text made ready to store: Markdown rendered, `@user@host` mentions resolved and
//! linked, inline hashtags found and merged with the chosen tags.

use std::collections::HashMap;

use crate::app::App;
use crate::domain::Tag;
use crate::domain::markdown;
use crate::domain::post::MAX_TAGS;
use crate::federation::{Data, remote};
use crate::storage::StorageError;
use crate::storage::mentions::{self, Mention};
use crate::storage::users;
use crate::urls;

/// Most mentions resolved in one post (each costs a WebFinger lookup and a fetch).
pub const MAX_MENTIONS: usize = 20;

/// A post body ready to store: rendered with its mentions resolved and linked, and its inline
/// hashtags found.
pub struct PreparedBody {
    pub rendered: markdown::Rendered,
    pub hashtags: Vec<Tag>,
    pub mentions: Vec<Mention>,
    pub warnings: Vec<String>,
}

/// Renders `body` without looking anything up: mentions stay text (drafts, previews). The
/// same rendering as [`prepare_body`], which only adds the links of resolved mentions.
pub fn render_offline(app: &App, body: &str) -> PreparedBody {
    let post = markdown::render_post(body, &app.config.base_url, &HashMap::new());
    PreparedBody {
        rendered: post.rendered,
        hashtags: post.hashtags,
        mentions: Vec::new(),
        warnings: Vec::new(),
    }
}

/// Renders `body` for publishing: `@user@host` mentions are resolved by WebFinger (those
/// already resolved for post `post_id` are reused) and linked; unresolvable ones stay text and
/// are reported in `warnings`.
pub async fn prepare_body(
    app: &App,
    body: &str,
    post_id: Option<i64>,
) -> Result<PreparedBody, StorageError> {
    let known = match post_id {
        Some(id) => mentions::post_mentions(&app.db, id).await?,
        None => Vec::new(),
    };
    let mut resolved: Vec<Mention> = Vec::new();
    let mut warnings = Vec::new();
    let handles = markdown::find_mentions(body);
    if handles.len() > MAX_MENTIONS {
        warnings.push(format!(
            "only the first {MAX_MENTIONS} mentions are linked and notified"
        ));
    }
    let data = app.fed.data();
    for handle in handles.into_iter().take(MAX_MENTIONS) {
        if let Some(m) = known.iter().find(|m| m.handle == handle) {
            resolved.push(m.clone());
            continue;
        }
        match resolve_mention(app, &data, &handle).await {
            Ok(m) => resolved.push(m),
            Err(e) => warnings.push(format!(
                "@{handle} could not be found ({e}); it stays plain text"
            )),
        }
    }
    let links: HashMap<String, String> = resolved
        .iter()
        .map(|m| (m.handle.clone(), m.profile_url.clone()))
        .collect();
    let post = markdown::render_post(body, &app.config.base_url, &links);
    Ok(PreparedBody {
        rendered: post.rendered,
        hashtags: post.hashtags,
        mentions: resolved,
        warnings,
    })
}

/// Renders again, from their unchanged text, the posts whose stored HTML an older version
/// highlighted with unprefixed classes (which met the page's own classes). The links of
/// resolved mentions are kept; nothing is sent to followers. Gives how many were rendered.
pub async fn render_old_html_again(app: &App) -> Result<usize, StorageError> {
    let marker = format!("<pre class=\"{}\">", markdown::highlight::OLD_BLOCK_CLASS);
    let ids = crate::storage::posts::ids_with_html_containing(&app.db, &marker).await?;
    for &id in &ids {
        let post = crate::storage::posts::find_post_by_id(&app.db, id).await?;
        let links: HashMap<String, String> = mentions::post_mentions(&app.db, id)
            .await?
            .into_iter()
            .map(|m| (m.handle, m.profile_url))
            .collect();
        let html = markdown::render_post(&post.markdown, &app.config.base_url, &links)
            .rendered
            .html;
        crate::storage::posts::replace_post_html(&app.db, id, &html).await?;
    }
    if !ids.is_empty() {
        app.content_changed().await;
    }
    Ok(ids.len())
}

/// Finds the actor behind `user@host`: a local author, or a remote actor by WebFinger.
async fn resolve_mention(app: &App, data: &Data, handle: &str) -> Result<Mention, String> {
    let (user, host) = handle.split_once('@').ok_or("not a handle")?;
    if host.eq_ignore_ascii_case(&app.config.domain()) {
        let local = users::find_user_by_username(&app.db, user)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no such author here")?;
        let url = app
            .config
            .url(&urls::author_path(local.username.as_str()))
            .to_string();
        return Ok(Mention {
            actor_uri: url.clone(),
            handle: handle.to_owned(),
            profile_url: url,
            inbox: String::new(),
        });
    }
    let actor_url = remote::resolve_handle(data, handle)
        .await
        .map_err(|e| e.to_string())?;
    let actor = remote::fetch_actor(data, &actor_url)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Mention {
        profile_url: actor.url.clone().unwrap_or_else(|| actor.uri.clone()),
        inbox: actor.delivery_inbox(),
        actor_uri: actor.uri,
        handle: handle.to_owned(),
    })
}

/// The author's tags followed by the inline hashtags, each once, at most [`MAX_TAGS`].
pub fn merged_tags(chosen: &[Tag], inline: &[Tag]) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::new();
    for t in chosen.iter().chain(inline) {
        if !tags.contains(t) && tags.len() < MAX_TAGS {
            tags.push(t.clone());
        }
    }
    tags
}
