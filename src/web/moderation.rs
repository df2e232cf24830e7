//! `/moderation`: replies from the fediverse that wait for review, approved ones that can be
//! hidden, and hidden ones that can be approved again. Editors and admins see every post's; an author sees their own posts'.
//! Every action checks again, on each POST, that the viewer may moderate that comment's post.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::actions::moderation;
use crate::app::App;
use crate::domain::comments::{CommentState, Visibility};
use crate::domain::links::first_http_url;
use crate::domain::{Role, remote_html, time};
use crate::error::AppError;
use crate::storage::comments::{self, Comment};
use crate::storage::posts;
use crate::storage::site;
use crate::templates::UiLayout;
use crate::templates::conversation::PersonView;
use crate::templates::editor::FilterLink;
use crate::templates::moderation::{ModerationPage, PostLink, QueueEntryView};
use crate::urls::post_path;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;

/// Comments per page of the queue.
pub const PER_PAGE: i64 = 50;

/// Whose posts' comments the viewer looks after: everyone's (`None`) for editors and admins,
/// their own for authors. Contributors moderate nothing.
pub fn scope(viewer: &Viewer) -> Result<Option<i64>, AppError> {
    match viewer.user.role {
        Role::Admin | Role::Editor => Ok(None),
        Role::Author => Ok(Some(viewer.user.id)),
        Role::Contributor => Err(AppError::Forbidden),
    }
}

/// The number of comments waiting for `viewer`, for the navigation (none for contributors).
pub async fn pending_for(app: &App, viewer: &Viewer) -> Result<Option<i64>, AppError> {
    match scope(viewer) {
        Ok(author) => Ok(Some(
            moderation::count_in_state(app, CommentState::Pending, author).await?,
        )),
        Err(_) => Ok(None),
    }
}

#[derive(Deserialize)]
pub struct QueueQuery {
    show: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

fn href(show: &str, page: u32) -> String {
    match (show, page) {
        ("pending", 1) => "/moderation".to_owned(),
        (s, 1) => format!("/moderation?show={s}"),
        (s, p) => format!("/moderation?show={s}&page={p}"),
    }
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "approved" => {
            "Approved: the reply now appears under its post (unless it was addressed only to some people)."
        }
        "hidden" => "Hidden: the reply no longer appears under its post. It can be approved again.",
        "deleted" => "Deleted: the reply is gone, and a later copy of it will not be stored again.",
        "blocked-author" => {
            "Blocked: this person's activities are refused from now on, and their comments are hidden."
        }
        "blocked-domain" => {
            "Blocked the server: its activities are refused from now on, and its people's comments are hidden."
        }
        _ => return None,
    })
}

/// The post a comment answers, as a link (looked up once per post).
async fn post_link(
    app: &App,
    cache: &mut HashMap<i64, (String, String)>,
    post_id: i64,
) -> Result<PostLink, AppError> {
    let (title, url) = match cache.get(&post_id) {
        Some(known) => known.clone(),
        None => {
            let p = posts::find_post_by_id(&app.db, post_id).await?;
            let link = (p.title.clone(), post_path(p.slug.as_str()));
            cache.insert(post_id, link.clone());
            link
        }
    };
    Ok(PostLink { title, url })
}

fn entry(c: &Comment, post: PostLink) -> QueueEntryView {
    QueueEntryView {
        id: c.id,
        author: PersonView::new(&c.author),
        domain: c.author.domain.clone(),
        post,
        url: first_http_url([c.url.as_deref(), Some(c.uri.as_str())]),
        received_iso: time::iso(&c.received_at),
        received_human: time::human_date(&c.received_at),
        content_html: remote_html::sanitize(&c.content_html),
        private: c.visibility == Visibility::Private,
        followers_only: c.visibility == Visibility::Followers,
    }
}

/// The three lists of the page: (`show` value, label, state).
const LISTS: [(&str, &str, CommentState); 3] = [
    ("pending", "Waiting for review", CommentState::Pending),
    ("approved", "Approved", CommentState::Approved),
    ("hidden", "Hidden", CommentState::Hidden),
];

/// `GET /moderation?show=pending|approved|hidden`
pub async fn queue(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let author = scope(&viewer)?;
    let wanted = match q.show.as_deref() {
        None | Some("") => "pending",
        Some(other) => other,
    };
    let (show, _, state) = *LISTS
        .iter()
        .find(|(s, _, _)| *s == wanted)
        .ok_or(AppError::NotFound)?;
    let page = q.page.unwrap_or(1).max(1);
    let mut filters = Vec::with_capacity(LISTS.len());
    let mut total = 0;
    let mut pending = 0;
    for (s, label, st) in LISTS {
        let count = moderation::count_in_state(&app, st, author).await?;
        if st == state {
            total = count;
        }
        if st == CommentState::Pending {
            pending = count;
        }
        filters.push(FilterLink {
            label,
            href: href(s, 1),
            count,
            current: s == show,
        });
    }
    let offset = (i64::from(page) - 1) * PER_PAGE;
    let list = moderation::comments_in_state(&app, state, author, PER_PAGE, offset).await?;
    let mut titles = HashMap::new();
    let mut entries = Vec::with_capacity(list.len());
    for c in &list {
        let post = post_link(&app, &mut titles, c.post_id).await?;
        entries.push(entry(c, post));
    }
    let site = site::get_site(&app.db).await?;
    let mut viewer_ui = ui_viewer(&viewer);
    viewer_ui.pending = Some(pending);
    let mut ui = UiLayout::new(&site, "Moderation", Some(viewer_ui));
    ui.notices
        .extend(notice(q.done.as_deref()).map(str::to_owned));
    let body = ModerationPage {
        ui,
        csrf: viewer.session.csrf_token.clone(),
        filters,
        show,
        hidden: state == CommentState::Hidden,
        approved: state == CommentState::Approved,
        entries,
        everyone: author.is_none(),
        can_block_domain: author.is_none(),
        newer: (page > 1).then(|| href(show, page - 1)),
        older: (offset + PER_PAGE < total).then(|| href(show, page + 1)),
    }
    .render()?;
    Ok(Html(body).into_response())
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    show: String,
}

/// `POST /moderation/comments/{id}` with `action` approve, hide, delete, block-author or
/// block-domain; back to the queue with a message.
pub async fn act(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, AppError> {
    viewer.check_csrf(&f.csrf)?;
    let author = scope(&viewer)?;
    let comment = match comments::find_comment(&app.db, id).await? {
        Some(c) if !c.deleted => c,
        _ => return Err(AppError::NotFound),
    };
    if let Some(user) = author {
        let post = posts::find_post_by_id(&app.db, comment.post_id).await?;
        if post.author.id != user {
            return Err(AppError::Forbidden);
        }
    }
    let done = match f.action.as_str() {
        "approve" => {
            moderation::approve_comment(&app, id).await?;
            "approved"
        }
        "hide" => {
            moderation::hide_comment(&app, id).await?;
            "hidden"
        }
        "delete" => {
            moderation::delete_comment(&app, id).await?;
            "deleted"
        }
        "block-author" => {
            moderation::block_comment_author(&app, id).await?;
            tracing::warn!(moderator = %viewer.user.username, actor = %comment.author.uri, "actor blocked");
            "blocked-author"
        }
        "block-domain" => {
            // A domain block reaches everyone on the site: editors and admins only.
            if author.is_some() {
                return Err(AppError::Forbidden);
            }
            moderation::block_comment_domain(&app, &viewer.user, id).await?;
            tracing::warn!(moderator = %viewer.user.username, domain = %comment.author.domain, "domain blocked");
            "blocked-domain"
        }
        other => {
            return Err(AppError::BadRequest(format!(
                "{other:?} is not something a moderator can do to a comment."
            )));
        }
    };
    let back = match f.show.as_str() {
        // Hidden from the notifications page: back there.
        "notifications" => format!("/notifications?done={done}"),
        show @ ("hidden" | "approved") => format!("/moderation?show={show}&done={done}"),
        _ => format!("/moderation?done={done}"),
    };
    Ok(Redirect::to(&back).into_response())
}
