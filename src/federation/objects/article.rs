//! A post as an ActivityPub `Article`. Mastodon shows `name`, `summary` and `url` only,
//! so `summary` is a real excerpt, in plain text; `updated` moves on every edit (Mastodon ignores an Update
//! without a newer one); no `attachment` (Mastodon would drop the link card and byline).

use serde_json::{Value, json};

use super::{PUBLIC, collections};
use crate::app::App;
use crate::config::Config;
use crate::domain::comments::ReplyPolicy;
use crate::domain::quotes::QuotePolicy;
use crate::domain::{markdown, time};
use crate::storage::mentions::Mention;
use crate::storage::posts::Post;
use crate::storage::{StorageError, comments, site};
use crate::urls;

/// What the site says about every Article beyond its post: the community the posts belong to
/// and the reply policy of posts that choose none.
#[derive(Debug, Clone)]
pub struct Setting {
    /// The community `Group`'s id.
    pub community: url::Url,
    pub default_replies: ReplyPolicy,
    pub default_quotes: QuotePolicy,
}

impl Setting {
    /// This site's setting, read once for any number of Articles.
    pub async fn load(app: &App) -> Result<Setting, StorageError> {
        let site = site::get_site(&app.db).await?;
        Ok(Setting {
            community: urls::group(&app.config, &site.community_username),
            default_replies: comments::site_reply_policy(&app.db).await?,
            default_quotes: site::site_quote_policy(&app.db).await?,
        })
    }
}

/// The post as an `Article`. The reply policy is published as `interactionPolicy`, so that
/// servers that read it (GoToSocial, Mastodon) know who may reply before they try.
pub fn article(config: &Config, post: &Post, setting: &Setting) -> Value {
    let id = urls::article(config, post.slug.as_str());
    let author = urls::person(config, post.author.username.as_str());
    let published = post.published_at.unwrap_or(post.created_at);
    let tags: Vec<Value> = post
        .tags
        .iter()
        .map(|t| json!({"type": "Hashtag", "href": urls::tag(config, t.as_str()), "name": format!("#{}", t.hashtag())}))
        .collect();
    let mut doc = json!({
        "id": id,
        "type": "Article",
        "url": id,
        "name": post.title,
        // Plain text: Mastodon shows it after the title, Takahē as a content warning, which
        // takes no markup.
        "summary": post.summary,
        "content": markdown::absolutize(&post.content_html, &id),
        "mediaType": "text/html",
        "attributedTo": author,
        "published": time::iso(&published),
        // The community announces every public post: naming it (FEP-1b12 `audience`, and in
        // `cc`) lets group software place a post it looks up by URL.
        "to": [PUBLIC],
        "cc": [urls::under(&author, "followers"), setting.community],
        "audience": setting.community,
        "tag": tags,
        "sensitive": false,
        // A part of a series names the series, so software that groups by context shows
        // the parts (and their comments) together; any other post names its own thread.
        "context": match &post.series {
            Some(series) => urls::series_context(config, series.slug.as_str()),
            None => urls::context(config, post.slug.as_str()),
        },
    });
    // What is known without reading the comments: where they are, and an empty first page
    // (the served Article and the collection carry the comments themselves).
    let replies = urls::replies(config, post.slug.as_str());
    doc["replies"] = collections::replies(
        &replies,
        0,
        collections::replies_page(&replies, 1, 0, vec![]),
    );
    doc["interactionPolicy"] = interaction_policy(config, post, setting);
    if post.updated_at > published {
        doc["updated"] = json!(time::iso(&post.updated_at));
    }
    if let Some(cover) = &post.cover {
        // An `image`, not an `attachment`: Mastodon keeps the link card and the byline.
        let alt = if cover.alt.is_empty() {
            &cover.media.alt
        } else {
            &cover.alt
        };
        doc["image"] = json!({
            "type": "Image",
            "url": crate::media::url(config, &cover.media, u32::MAX),
            "mediaType": cover.media.mime,
            "name": alt,
        });
    }
    doc
}

/// A post's `replies` as they stand: the approved public comments' count and first page.
pub async fn replies(app: &App, post: &Post) -> Result<Value, StorageError> {
    let id = urls::replies(&app.config, post.slug.as_str());
    let total = comments::count_listed(&app.db, post.id).await?;
    Ok(collections::replies(
        &id,
        total,
        replies_page(app, post, 1).await?,
    ))
}

/// Page `n` of a post's `replies`, oldest first.
pub async fn replies_page(app: &App, post: &Post, n: u32) -> Result<Value, StorageError> {
    let id = urls::replies(&app.config, post.slug.as_str());
    let total = comments::count_listed(&app.db, post.id).await?;
    let (limit, offset) = (collections::PAGE_SIZE, collections::offset(n));
    let uris = comments::list_listed_uris(&app.db, post.id, limit, offset).await?;
    let items = uris.into_iter().map(Value::String).collect();
    Ok(collections::replies_page(&id, n, total, items))
}

/// Who may reply, quote, like and boost, in GoToSocial's vocabulary (which Mastodon reads
/// too): `automaticApproval` (older GoToSocial: `always`) and `manualApproval`
/// (`approvalRequired`) list the public, the author's and the community's followers, the
/// people the author follows, or the author alone, which means nobody else (an empty list
/// would be lost in JSON-LD). Without `canQuote` Mastodon 4.5 lets nobody quote. Likes and
/// boosts are open to anyone.
fn interaction_policy(config: &Config, post: &Post, setting: &Setting) -> Value {
    let author = urls::person(config, post.author.username.as_str());
    // Mastodon labels the button "Request to quote" for those under `manualApproval`.
    let (quotes, ask): (Vec<String>, Vec<String>) =
        match post.quote_policy.unwrap_or(setting.default_quotes) {
            QuotePolicy::Anyone => (vec![PUBLIC.to_owned()], vec![]),
            QuotePolicy::Followers => (
                vec![
                    urls::under(&author, "followers").to_string(),
                    urls::under(&setting.community, "followers").to_string(),
                ],
                vec![],
            ),
            QuotePolicy::Nobody => (vec![author.to_string()], vec![]),
            QuotePolicy::Ask => (vec![author.to_string()], vec![PUBLIC.to_owned()]),
        };
    let replies = post.reply_policy.unwrap_or(setting.default_replies);
    let (automatic, manual): (Vec<String>, Vec<String>) = match replies {
        ReplyPolicy::Anyone => (vec![PUBLIC.into()], vec![]),
        ReplyPolicy::Followers => (
            vec![
                urls::under(&author, "followers").to_string(),
                urls::under(&setting.community, "followers").to_string(),
            ],
            vec![PUBLIC.into()],
        ),
        ReplyPolicy::Following => (
            vec![urls::under(&author, "following").to_string()],
            vec![PUBLIC.into()],
        ),
        ReplyPolicy::Nobody => (vec![author.to_string()], vec![]),
    };
    let open = json!({"automaticApproval": [PUBLIC], "always": [PUBLIC]});
    json!({
        "canReply": {
            "automaticApproval": automatic, "manualApproval": manual,
            "always": automatic, "approvalRequired": manual,
        },
        "canQuote": {
            "automaticApproval": quotes, "manualApproval": ask,
            "always": quotes, "approvalRequired": ask,
        },
        "canLike": open,
        "canAnnounce": open,
    })
}

/// Adds the actors a post mentions: a `Mention` tag each, and their ids to `cc`.
pub fn add_mentions(doc: &mut Value, mentions: &[Mention]) {
    for m in mentions {
        if let Some(tags) = doc["tag"].as_array_mut() {
            tags.push(
                json!({"type": "Mention", "href": m.actor_uri, "name": format!("@{}", m.handle)}),
            );
        }
        if let Some(cc) = doc["cc"].as_array_mut() {
            cc.push(json!(m.actor_uri));
        }
    }
}

/// What a deleted post answers with (status 410).
pub fn tombstone(config: &Config, post: &Post) -> Value {
    let deleted = post.deleted_at.unwrap_or(post.updated_at);
    json!({
        "id": urls::article(config, post.slug.as_str()),
        "type": "Tombstone",
        "formerType": "Article",
        "deleted": time::iso(&deleted),
    })
}

/// The `Create` that introduced a post, addressed (and tagged) like the Article to the actors
/// it `mentions`. The outbox lists it under a stable id (`<post>/activity`); a delivered
/// Create gets a fresh activity id.
pub fn create(
    config: &Config,
    post: &Post,
    setting: &Setting,
    mentions: &[Mention],
    id: Option<&url::Url>,
) -> Value {
    let mut object = article(config, post, setting);
    add_mentions(&mut object, mentions);
    let id = id
        .map(|u| u.to_string())
        .unwrap_or_else(|| format!("{}/activity", object["id"].as_str().unwrap_or_default()));
    json!({
        "id": id,
        "type": "Create",
        "actor": object["attributedTo"],
        "published": object["published"],
        "to": object["to"],
        "cc": object["cc"],
        "audience": object["audience"],
        "object": object,
    })
}
