//! `GET /editor`: one's posts (everyone's for editors and admins), filtered by status.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::app::App;
use crate::domain::{PostStatus, time};
use crate::error::AppError;
use crate::storage::posts::{self, EditorFilter, Post};
use crate::storage::site;
use crate::templates::UiLayout;
use crate::templates::editor::{EditorListPage, FilterLink, PostRowView};
use crate::urls::post_path;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;

/// Posts per page of the list.
pub const PER_PAGE: i64 = 50;

const FILTERS: [(&str, EditorFilter, &str); 5] = [
    ("", EditorFilter::All, "All"),
    ("drafts", EditorFilter::Drafts, "Drafts"),
    ("review", EditorFilter::InReview, "In review"),
    ("scheduled", EditorFilter::Scheduled, "Scheduled"),
    ("published", EditorFilter::Published, "Published"),
];

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

fn status_label(p: &Post, zone: crate::domain::zone::Zone) -> String {
    match p.status {
        PostStatus::Draft if p.review_requested_at.is_some() => "In review".into(),
        PostStatus::Draft => "Draft".into(),
        PostStatus::Scheduled => match p.published_at {
            Some(t) => format!("Scheduled for {}", zone.show(&t)),
            None => "Scheduled".into(),
        },
        PostStatus::Published => "Published".into(),
        PostStatus::Deleted => "Deleted".into(),
    }
}

fn href(key: &str, page: u32) -> String {
    match (key, page) {
        ("", 1) => "/editor".to_owned(),
        ("", p) => format!("/editor?page={p}"),
        (k, 1) => format!("/editor?status={k}"),
        (k, p) => format!("/editor?status={k}&page={p}"),
    }
}

/// `GET /editor?status=drafts|review|scheduled|published`
pub async fn list(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let key = q.status.as_deref().unwrap_or("");
    let (key, filter, _) = FILTERS
        .iter()
        .copied()
        .find(|(k, _, _)| *k == key)
        .ok_or(AppError::NotFound)?;
    let page = q.page.unwrap_or(1).max(1);
    let everyone = viewer.user.role.can_edit_others();
    let author = (!everyone).then_some(viewer.user.id);
    let mut filters = Vec::with_capacity(FILTERS.len());
    let mut total = 0;
    for (k, f, label) in FILTERS {
        let count = posts::count_for_editor(&app.db, f, author).await?;
        if k == key {
            total = count;
        }
        filters.push(FilterLink {
            label,
            href: href(k, 1),
            count,
            current: k == key,
        });
    }
    let offset = (i64::from(page) - 1) * PER_PAGE;
    let list = posts::list_for_editor(&app.db, filter, author, PER_PAGE, offset).await?;
    let rows = list
        .iter()
        .map(|p| PostRowView {
            title: p.title.clone(),
            edit_url: format!("/editor/posts/{}", p.id),
            author: p.author.display_name.clone(),
            status: status_label(p, viewer.user.time_zone),
            changed_iso: time::iso(&p.updated_at),
            changed_human: time::human_date(&p.updated_at),
            public_url: (p.status == PostStatus::Published).then(|| post_path(p.slug.as_str())),
        })
        .collect();
    let site = site::get_site(&app.db).await?;
    let mut me = ui_viewer(&viewer);
    me.pending = crate::web::moderation::pending_for(&app, &viewer).await?;
    let mut ui = UiLayout::new(&site, "Posts", Some(me));
    if q.done.as_deref() == Some("deleted") {
        ui.notices.push(
            "Deleted. Its address now says so, and followers' servers were asked to remove it."
                .into(),
        );
    }
    let empty_message = match filter {
        EditorFilter::All => "No posts yet. Write your first one!",
        EditorFilter::Drafts => "No drafts.",
        EditorFilter::InReview => "Nothing is waiting for review.",
        EditorFilter::Scheduled => "Nothing is scheduled.",
        EditorFilter::Published => "Nothing published yet.",
    };
    let page_view = EditorListPage {
        ui,
        filters,
        rows,
        show_author: everyone,
        empty_message: empty_message.to_owned(),
        newer: (page > 1).then(|| href(key, page - 1)),
        older: (offset + PER_PAGE < total).then(|| href(key, page + 1)),
    };
    Ok(Html(page_view.render()?).into_response())
}
