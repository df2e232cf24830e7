//! The preview (rendered on the server exactly as the public page renders it) and the card
//! of what Mastodon shows; also the fragment the script fetches for live preview.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use super::form::{FormData, PostFields};
use crate::actions::posts;
use crate::app::App;
use crate::domain::{Slug, markdown};
use crate::error::AppError;
use crate::storage::posts::Post;
use crate::templates::editor::{MastodonCard, PreviewFragment, PreviewView};
use crate::urls::post_path;
use crate::web::auth::Viewer;

/// The post body as the public page will show it, highlighting included: rendered by the
/// write path's own function, so that what an editor reviews is what gets published (only
/// mentions, looked up when the post goes public, become links later).
pub fn preview_view(app: &App, fields: &PostFields) -> PreviewView {
    let title = fields
        .title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    PreviewView {
        title,
        html: posts::render_offline(app, &fields.body).rendered.html,
    }
}

/// The name, summary and link Mastodon will show (its `linkify(name, summary, url)`), with a
/// warning when the summary is missing.
pub fn card(app: &App, fields: &PostFields, post: Option<&Post>) -> MastodonCard {
    let name = fields
        .title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let slug = Slug::parse(&fields.slug)
        .or_else(|_| Slug::from_title(&name))
        .ok()
        .or_else(|| post.map(|p| p.slug.clone()));
    let url = match slug {
        Some(s) => app.config.url(&post_path(s.as_str())).to_string(),
        None => app.config.url("/posts/").to_string(),
    };
    let written = fields
        .summary
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let (summary, warning) = if !written.is_empty() {
        (written, None)
    } else {
        let derived = markdown::render(&fields.body, &app.config.base_url).first_paragraph;
        if derived.is_empty() {
            let w = "The summary is empty: Mastodon will show only the title and the link. Write a summary so that people know what the post is about.";
            (derived, Some(w.to_owned()))
        } else {
            let w = "You have not written a summary, so Mastodon shows the start of the first paragraph. A summary written for it usually works better.";
            (derived, Some(w.to_owned()))
        }
    };
    MastodonCard {
        name: if name.is_empty() {
            "(no title yet)".into()
        } else {
            name
        },
        summary,
        url,
        warning,
    }
}

/// `POST /editor/preview`: the preview and the Mastodon card as an HTML fragment.
pub async fn preview(
    State(app): State<App>,
    viewer: Viewer,
    form: FormData,
) -> Result<Response, AppError> {
    viewer.check_csrf(form.text("csrf"))?;
    let fields = PostFields::from_form(&form);
    let fragment = PreviewFragment {
        preview: Some(preview_view(&app, &fields)),
        card: card(&app, &fields, None),
    };
    Ok(Html(fragment.render()?).into_response())
}
