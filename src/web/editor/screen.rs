//! What the post form shows: the fields filled from a stored post, the buttons a person may
//! press, the status line, the cover menu, the preview and the Mastodon card, and the notice
//! after a save.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::card::card;
use super::form::{PostFields, datetime_local};
use super::preview::preview_view;
use crate::actions::posts::{self, may_edit};
use crate::app::App;
use crate::domain::comments::ReplyPolicy;
use crate::domain::quotes::QuotePolicy;
use crate::domain::zone::Zone;
use crate::domain::{PostStatus, time};
use crate::error::AppError;
use crate::media::{self, Media};
use crate::storage::posts::Post;
use crate::storage::users::User;
use crate::storage::{media as media_store, site};
use crate::templates::UiLayout;
use crate::templates::editor::{
    Buttons, EditorFormPage, FormValues, MediaChoice, ReplyOption, UploadedView,
};
use crate::urls::post_path;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;

/// How many of one's images the cover menu offers.
const COVER_CHOICES: i64 = 100;

#[derive(Deserialize)]
pub struct Done {
    pub done: Option<String>,
    pub uploaded: Option<i64>,
}

/// Everything the form page shows besides the post itself.
#[derive(Default)]
pub struct Screen {
    pub errors: Vec<String>,
    pub notices: Vec<String>,
    pub preview: bool,
    pub uploaded: Option<Media>,
}

/// The form's fields filled from a stored post, times in `zone`.
pub fn fields_of(app: &App, post: &Post, zone: Zone) -> PostFields {
    let derived =
        crate::domain::markdown::render(&post.markdown, &app.config.base_url).first_paragraph;
    PostFields {
        title: post.title.clone(),
        slug: post.slug.to_string(),
        tags: post
            .tags
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        series: post
            .series
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        // A summary the author did not write is derived again on every save; show it empty.
        summary: if post.summary == derived {
            String::new()
        } else {
            post.summary.clone()
        },
        body: post.markdown.clone(),
        cover_media_id: post.cover.as_ref().map(|c| c.media.id),
        cover_alt: post
            .cover
            .as_ref()
            .map(|c| c.alt.clone())
            .unwrap_or_default(),
        publish_at: match post.status {
            PostStatus::Scheduled => post
                .published_at
                .as_ref()
                .map(|t| datetime_local(t, zone))
                .unwrap_or_default(),
            _ => String::new(),
        },
        image_alt: String::new(),
        replies: post
            .reply_policy
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        quotes: post
            .quote_policy
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    }
}

/// The buttons the form shows to `user` for `post` (`None`: a new post).
pub fn buttons(user: &User, post: Option<&Post>) -> Buttons {
    if post.is_some_and(|p| !may_edit(user, p)) {
        return Buttons::default();
    }
    let can_publish = user.role.can_publish();
    let submission =
        post.is_some_and(|p| p.review_requested_at.is_some() && p.author.id != user.id);
    let publish_label = if submission {
        "Approve and publish"
    } else {
        "Publish now"
    };
    match post.map(|p| p.status) {
        None | Some(PostStatus::Draft) => Buttons {
            save_draft: true,
            submit: !can_publish,
            publish: can_publish.then_some(publish_label),
            schedule: can_publish,
            delete: post.is_some(),
            ..Buttons::default()
        },
        Some(PostStatus::Scheduled) => Buttons {
            save_draft: true,
            publish: Some("Publish now"),
            schedule: true,
            update: true,
            delete: true,
            ..Buttons::default()
        },
        Some(PostStatus::Published) => Buttons {
            update: true,
            unpublish: can_publish,
            delete: true,
            ..Buttons::default()
        },
        Some(PostStatus::Deleted) => Buttons::default(),
    }
}

/// Why `user` may read `post` in the editor but not change it, if so.
fn read_only(user: &User, post: &Post) -> Option<String> {
    if may_edit(user, post) {
        return None;
    }
    let state = match post.status {
        PostStatus::Scheduled => "scheduled",
        _ => "published",
    };
    Some(format!(
        "This post is {state}, so it is the editors' now: contributors do not change \
         published or scheduled posts. To change something, ask an editor."
    ))
}

pub fn status_line(post: &Post, viewer: &User) -> String {
    let by = if post.author.id == viewer.id {
        String::new()
    } else {
        format!(
            " · by {} (@{})",
            post.author.display_name, post.author.username
        )
    };
    let state = match (post.status, post.review_requested_at, post.published_at) {
        (PostStatus::Draft, Some(t), _) => {
            format!("Draft, submitted for review on {}", time::human_date(&t))
        }
        (PostStatus::Draft, None, _) => "Draft: only you and the editors can see it".to_owned(),
        (PostStatus::Scheduled, _, Some(t)) => {
            format!("Scheduled for {}", viewer.time_zone.show(&t))
        }
        (PostStatus::Published, _, Some(t)) => format!("Published on {}", time::human_date(&t)),
        (status, _, _) => status.to_string(),
    };
    format!("{state}{by}")
}

pub fn uploaded_view(m: &Media) -> UploadedView {
    UploadedView {
        markdown: media::markdown(m, &m.alt),
        src: media::path(m, 480),
        alt: m.alt.clone(),
    }
}

pub fn media_label(m: &Media) -> String {
    let name = if m.alt.is_empty() {
        "Image without description".to_owned()
    } else {
        crate::domain::markdown::shorten(&m.alt, 60)
    };
    format!(
        "{name} ({}×{}, {})",
        m.width,
        m.height,
        time::human_date(&m.created_at)
    )
}

pub async fn render(
    app: &App,
    viewer: &Viewer,
    post: Option<&Post>,
    fields: &PostFields,
    screen: Screen,
    status: StatusCode,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let site_policy = crate::storage::comments::site_reply_policy(&app.db).await?;
    let site_quotes = crate::storage::site::site_quote_policy(&app.db).await?;
    let heading = match post {
        Some(p) => format!("Editing: {}", p.title),
        None => "New post".to_owned(),
    };
    let mut ui = UiLayout::new(&site, &heading, Some(ui_viewer(viewer)));
    ui.scripts
        .push(crate::templates::assets::editor_script_href());
    ui.scripts
        .push(crate::templates::assets::editor_images_script_href());
    ui.notices = screen.notices;
    let mut library =
        media_store::list_media_by_owner(&app.db, viewer.user.id, COVER_CHOICES).await?;
    let selected = match fields.cover_media_id {
        Some(id) => match library.iter().find(|m| m.id == id) {
            Some(m) => Some(m.clone()),
            None => {
                // Someone else's image (an editor looking at an author's post): offer it too.
                let found = media_store::find_media(&app.db, id).await?;
                library.extend(found.clone());
                found
            }
        },
        None => None,
    };
    let choices = library
        .iter()
        .map(|m| MediaChoice {
            id: m.id,
            label: media_label(m),
            selected: Some(m.id) == fields.cover_media_id,
        })
        .collect();
    let id = post.map(|p| p.id);
    let review_note = match post {
        Some(p) if p.review_requested_at.is_none() && p.status == PostStatus::Draft => {
            Some(crate::storage::posts::find_review_note(&app.db, p.id).await?)
                .filter(|n| !n.is_empty())
        }
        _ => None,
    };
    let page = EditorFormPage {
        ui,
        heading,
        action: id.map_or("/editor/new".to_owned(), |id| format!("/editor/posts/{id}")),
        csrf: viewer.session.csrf_token.clone(),
        post_id: id,
        words: words_line(&fields.body),
        reply_options: reply_options(site_policy),
        quote_options: quote_options(site_quotes),
        status_line: post.map(|p| status_line(p, &viewer.user)),
        errors: screen.errors,
        values: FormValues {
            title: fields.title.clone(),
            slug: fields.slug.clone(),
            tags: fields.tags.clone(),
            series: fields.series.clone(),
            summary: fields.summary.clone(),
            body: fields.body.clone(),
            cover_alt: fields.cover_alt.clone(),
            publish_at: fields.publish_at.clone(),
            image_alt: fields.image_alt.clone(),
            replies: fields.replies.clone(),
            quotes: fields.quotes.clone(),
        },
        slug_locked: post.is_some_and(|p| p.status == PostStatus::Published),
        media: choices,
        cover_src: selected.as_ref().map(|m| media::path(m, 480)),
        cover_alt_missing: selected.is_some() && fields.cover_alt.is_empty(),
        buttons: buttons(&viewer.user, post),
        public_url: post
            .filter(|p| p.status == PostStatus::Published)
            .map(|p| post_path(p.slug.as_str())),
        pinned: pin_state(app, &viewer.user, post).await?,
        unpublish_url: id
            .map(|id| format!("/editor/posts/{id}/unpublish"))
            .unwrap_or_default(),
        delete_url: id
            .map(|id| format!("/editor/posts/{id}/delete"))
            .unwrap_or_default(),
        uploaded: screen.uploaded.as_ref().map(uploaded_view),
        accept: media::ACCEPT,
        max_bytes: media::MAX_UPLOAD_BYTES,
        time_zone: viewer.user.time_zone.name(),
        now_local: viewer.user.time_zone.show(&time::now()),
        autosave: post.is_none_or(|p| p.status == PostStatus::Draft),
        preview: Some(preview_view(app, fields)),
        card: card(app, &viewer.user, fields, post).await?,
        read_only: post.and_then(|p| read_only(&viewer.user, p)),
        review_note,
        send_back_url: post
            .filter(|p| {
                viewer.user.role.can_edit_others()
                    && p.status == PostStatus::Draft
                    && p.review_requested_at.is_some()
                    && p.author.id != viewer.user.id
            })
            .map(|p| format!("/review/posts/{}/send-back", p.id)),
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// Whether a published `post` is pinned, when `user` may pin or unpin it.
async fn pin_state(app: &App, user: &User, post: Option<&Post>) -> Result<Option<bool>, AppError> {
    let Some(post) = post.filter(|p| p.status == PostStatus::Published) else {
        return Ok(None);
    };
    if post.author.id != user.id && !user.role.can_edit_others() {
        return Ok(None);
    }
    Ok(Some(posts::is_pinned(app, post.id).await?))
}

/// `312 words · about 2 minutes to read` (at 230 words a minute).
pub fn words_line(body: &str) -> String {
    let words = body.split_whitespace().count();
    let minutes = words.div_ceil(230).max(1);
    let w = if words == 1 { "word" } else { "words" };
    let m = if minutes == 1 { "minute" } else { "minutes" };
    format!("{words} {w} · about {minutes} {m} to read")
}

/// The reply policies a post may choose, the site's default first.
fn reply_options(site: ReplyPolicy) -> Vec<ReplyOption> {
    let label = |p: ReplyPolicy| match p {
        ReplyPolicy::Anyone => "Anyone",
        ReplyPolicy::Followers => "Followers (others after review)",
        ReplyPolicy::Following => "People the author follows (others after review)",
        ReplyPolicy::Nobody => "Nobody: replies closed",
    };
    let mut out = vec![ReplyOption {
        value: "",
        label: format!("The site's default ({})", label(site).to_lowercase()),
    }];
    for p in [
        ReplyPolicy::Anyone,
        ReplyPolicy::Followers,
        ReplyPolicy::Following,
        ReplyPolicy::Nobody,
    ] {
        out.push(ReplyOption {
            value: p.as_str(),
            label: label(p).to_owned(),
        });
    }
    out
}

/// The quote policies a post may choose, the site's default first.
fn quote_options(site: QuotePolicy) -> Vec<ReplyOption> {
    let default = ReplyOption {
        value: "",
        label: format!("The site's default ({})", site.as_str()),
    };
    std::iter::once(default)
        .chain(QuotePolicy::ALL.into_iter().map(|p| ReplyOption {
            value: p.as_str(),
            label: p.label().to_owned(),
        }))
        .collect()
}

/// What to tell after a save, by the `done` of the redirect (times in `zone`).
pub fn done_notice(done: Option<&str>, post: &Post, zone: Zone) -> Option<String> {
    match done {
        Some("saved") => Some("Draft saved.".to_owned()),
        Some("submitted") => {
            Some("Submitted for review: an editor will look at it and publish it.".to_owned())
        }
        Some("published") => Some(
            "Published: it is on the site, in the feeds, and on its way to followers.".to_owned(),
        ),
        Some("scheduled") => post
            .published_at
            .map(|t| format!("Scheduled: it will be published at {}.", zone.show(&t))),
        Some("updated") => Some("Saved.".to_owned()),
        Some("sent-back") => Some(format!(
            "Sent back to @{} with your note. It is a draft again until they submit it.",
            post.author.username
        )),
        Some("unpublished") => Some(
            "Unpublished: it is a draft again, and followers' servers were asked to remove it."
                .to_owned(),
        ),
        Some("pinned") => Some(
            "Pinned: it is on your profile's pinned posts, and followers' servers were told."
                .to_owned(),
        ),
        Some("unpinned") => Some("Unpinned from your profile.".to_owned()),
        _ => None,
    }
}
