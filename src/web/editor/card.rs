//! What Mastodon 4.5 shows for a post from this server: the author's avatar, name and handle;
//! for an Article its title, summary and link (never the text); the link card Mastodon makes
//! from the page's Open Graph tags (the cover, the site's host, title, description) with the
//! `fediverse:creator` byline; and the hashtags. With warnings for what would look poor.

use super::form::PostFields;
use crate::actions::posts;
use crate::app::App;
use crate::domain::{Slug, markdown};
use crate::error::AppError;
use crate::media;
use crate::storage::media as media_store;
use crate::storage::posts::Post;
use crate::storage::users::{self, User};
use crate::templates::conversation::initials_path;
use crate::templates::editor::{ImageView, MastodonCard};
use crate::urls::{author_path, post_path};

/// Mastodon cuts a longer Article summary in its timelines.
pub const MASTODON_SUMMARY_CHARS: usize = 500;
/// How much of a link Mastodon shows before `…`.
const SHOWN_URL_CHARS: usize = 30;

/// The cover chosen in `fields`, if it exists and `writer` may use it for a post by `author`.
pub async fn chosen_cover(
    app: &App,
    writer: &User,
    author_id: i64,
    fields: &PostFields,
) -> Result<Option<ImageView>, AppError> {
    let Some(id) = fields.cover_media_id else {
        return Ok(None);
    };
    if posts::check_cover(app, writer, author_id, id)
        .await
        .is_err()
    {
        return Ok(None);
    }
    Ok(media_store::find_media(&app.db, id).await?.map(|m| {
        let alt = if fields.cover_alt.is_empty() {
            m.alt.clone()
        } else {
            fields.cover_alt.clone()
        };
        ImageView {
            src: media::path(&m, media::BODY_WIDTH),
            alt,
        }
    }))
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The card for `fields` written by `writer`; `post` is the stored post, if any (its author is
/// the one shown).
pub async fn card(
    app: &App,
    writer: &User,
    fields: &PostFields,
    post: Option<&Post>,
) -> Result<MastodonCard, AppError> {
    let author = match post {
        Some(p) if p.author.id != writer.id => users::find_user_by_id(&app.db, p.author.id)
            .await?
            .unwrap_or_else(|| writer.clone()),
        _ => writer.clone(),
    };
    let name = squash(&fields.title);
    let slug = Slug::parse(&fields.slug)
        .or_else(|_| Slug::from_title(&name))
        .ok()
        .or_else(|| post.map(|p| p.slug.clone()));
    let url = match slug {
        Some(s) => app.config.url(&post_path(s.as_str())).to_string(),
        None => app.config.url("/posts/").to_string(),
    };
    let mut warnings = Vec::new();
    let written = squash(&fields.summary);
    let summary = if !written.is_empty() {
        if written.chars().count() > MASTODON_SUMMARY_CHARS {
            warnings.push(format!(
                "The summary is {} characters long: Mastodon shows about {MASTODON_SUMMARY_CHARS} before it cuts the rest. Make it shorter.",
                written.chars().count()
            ));
        }
        written
    } else {
        let derived = markdown::render(&fields.body, &app.config.base_url).first_paragraph;
        warnings.push(if derived.is_empty() {
            "The summary is empty: Mastodon will show only the title and the link. Write a summary so that people know what the post is about.".to_owned()
        } else {
            "You have not written a summary, so Mastodon shows the start of the first paragraph. A summary written for it usually works better.".to_owned()
        });
        derived
    };
    let image = chosen_cover(app, writer, author.id, fields).await?;
    if image.as_ref().is_some_and(|i| i.alt.trim().is_empty()) {
        warnings.push("The cover image has no description (alt text): people who cannot see it will not know what it shows.".to_owned());
    }
    let creator = author
        .fediverse_creator
        .clone()
        .filter(|c| !c.trim().is_empty());
    if creator.is_none() {
        warnings.push("Your profile has no fediverse handle, so Mastodon shows the card without “More from” you. Add your handle on your profile page.".to_owned());
    }
    let avatar = avatar_of(app, &author).await?;
    let (scheme, rest) = url.split_once("://").unwrap_or(("", &url));
    let shown: String = rest.chars().take(SHOWN_URL_CHARS).collect();
    let url_rest = rest[shown.len()..].to_owned();
    let hashtags = fields
        .submission()
        .map(|s| s.tags.iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    Ok(MastodonCard {
        avatar,
        display_name: author.display_name.clone(),
        handle: format!("@{}@{}", author.username, app.config.domain()),
        name: if name.is_empty() {
            "(no title yet)".into()
        } else {
            name
        },
        summary,
        url_scheme: if scheme.is_empty() {
            String::new()
        } else {
            format!("{scheme}://")
        },
        url_shown: shown,
        url_rest,
        host: app.config.domain().to_string(),
        url,
        image,
        creator,
        hashtags,
        warnings,
    })
}

/// The author's avatar, or the initials drawn for people without one.
async fn avatar_of(app: &App, user: &User) -> Result<String, AppError> {
    if let Some(id) = user.avatar_media_id
        && let Some(m) = media_store::find_media(&app.db, id).await?
    {
        return Ok(media::path(&m, 96));
    }
    let actor = app.config.url(&author_path(user.username.as_str()));
    Ok(initials_path(&user.display_name, actor.as_str()))
}
