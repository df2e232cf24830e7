//! The preview (rendered on the server exactly as the public page renders it) and the card
//! of what Mastodon shows; also the fragment the script fetches for live preview.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use super::card::card;
use super::form::{FormData, PostFields};
use super::load_editable;
use crate::actions::posts;
use crate::app::App;
use crate::error::AppError;
use crate::templates::editor::{PreviewFragment, PreviewView};
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

/// `POST /editor/preview`: the preview and the Mastodon card as an HTML fragment. The form's
/// `post` names the post being edited, whose author the card shows.
pub async fn preview(
    State(app): State<App>,
    viewer: Viewer,
    form: FormData,
) -> Result<Response, AppError> {
    viewer.check_csrf(form.text("csrf"))?;
    let fields = PostFields::from_form(&form);
    let post = match form.text("post").trim() {
        "" => None,
        id => {
            Some(load_editable(&app, &viewer, id.parse().map_err(|_| AppError::NotFound)?).await?)
        }
    };
    let fragment = PreviewFragment {
        preview: Some(preview_view(&app, &fields)),
        card: card(&app, &viewer.user, &fields, post.as_ref()).await?,
    };
    Ok(Html(fragment.render()?).into_response())
}
