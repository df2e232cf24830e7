//! `/notifications`: what a signed-in person is told about their posts and their actor: new
//! followers, replies (private ones included, marked so), likes, boosts, and mentions in posts
//! elsewhere, newest first.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::actions::moderation::{self, NoticeKind};
use crate::actions::review;
use crate::app::App;
use crate::domain::comments::CommentState;
use crate::domain::links::http_url;
use crate::domain::time;
use crate::error::AppError;
use crate::storage::review_notices::ReviewKind;
use crate::storage::{StorageError, posts, site};
use crate::templates::UiLayout;
use crate::templates::conversation::PersonView;
use crate::templates::moderation::{NoticeView, NotificationsPage, PostLink, ReviewNoticeView};
use crate::urls::post_path;
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;

/// The most notifications the page shows.
pub const SHOWN: i64 = 100;

fn describe(kind: NoticeKind) -> (&'static str, &'static str) {
    match kind {
        NoticeKind::Follow => ("follow", "followed you"),
        NoticeKind::Reply => ("reply", "replied to"),
        NoticeKind::PrivateReply => ("private-reply", "replied privately to"),
        NoticeKind::FollowersReply => ("followers-reply", "replied to their followers about"),
        NoticeKind::Like => ("like", "liked"),
        NoticeKind::Boost => ("boost", "boosted"),
        NoticeKind::Mention => ("mention", "mentioned you"),
        NoticeKind::PrivateMention => ("private-mention", "mentioned you privately"),
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /notifications`
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let can_moderate = super::moderation::scope(&viewer).is_ok();
    let list = moderation::notifications(&app, viewer.user.id, SHOWN).await?;
    let mut titles: HashMap<i64, Option<(String, String)>> = HashMap::new();
    let mut notices = Vec::with_capacity(list.len());
    for n in list {
        let post = match n.post_id {
            None => None,
            Some(id) => {
                let link = match titles.get(&id) {
                    Some(known) => known.clone(),
                    None => {
                        let found = match posts::find_post_by_id(&app.db, id).await {
                            Ok(p) => Some((p.title.clone(), post_path(p.slug.as_str()))),
                            Err(StorageError::NotFound) => None,
                            Err(e) => return Err(e.into()),
                        };
                        titles.insert(id, found.clone());
                        found
                    }
                };
                link.map(|(title, url)| PostLink { title, url })
            }
        };
        let (kind, action) = describe(n.kind);
        notices.push(NoticeView {
            kind,
            action,
            private: match n.kind {
                NoticeKind::PrivateReply => Some("Private reply"),
                NoticeKind::PrivateMention => Some("Private mention"),
                NoticeKind::FollowersReply => Some("Followers-only reply"),
                _ => None,
            },
            actor: PersonView::new(&n.actor),
            post,
            original: n.original.as_deref().and_then(http_url),
            excerpt: n.excerpt,
            pending: n.state == Some(CommentState::Pending),
            hidden: n.state == Some(CommentState::Hidden),
            // Only a public reply is shown under the post, so only it can be hidden from it.
            hideable: n.comment_id.filter(|_| {
                can_moderate
                    && n.kind == NoticeKind::Reply
                    && n.state == Some(CommentState::Approved)
            }),
            at_iso: time::iso(&n.at),
            at_human: time::human_date(&n.at),
        });
    }
    let site = site::get_site(&app.db).await?;
    let mut me = ui_viewer(&viewer);
    me.pending = super::moderation::pending_for(&app, &viewer).await?;
    let mut ui = UiLayout::new(&site, "Notifications", Some(me));
    match q.done.as_deref() {
        Some("hidden") => ui
            .notices
            .push("Hidden: the reply no longer appears under its post.".to_owned()),
        Some("sent-back") => ui.notices.push(
            "Sent back: the post is a draft again, and its author sees your note.".to_owned(),
        ),
        _ => {}
    }
    let reviews = review_views(&app, &viewer).await?;
    let body = NotificationsPage {
        ui,
        notices,
        limit: SHOWN,
        can_moderate,
        csrf: viewer.session.csrf_token.clone(),
        reviews,
    }
    .render()?;
    Ok(Html(body).into_response())
}

/// What the viewer was told about reviews: submissions (editors and admins), approvals and
/// posts sent back (contributors).
async fn review_views(app: &App, viewer: &Viewer) -> Result<Vec<ReviewNoticeView>, AppError> {
    let editor = viewer.user.role.can_edit_others();
    let list = review::notices_for(app, &viewer.user, SHOWN).await?;
    Ok(list
        .into_iter()
        .map(|n| {
            let by =
                n.by.map(|b| format!("@{b}"))
                    .unwrap_or_else(|| "A former account".to_owned());
            let (kind, what) = match n.kind {
                ReviewKind::Submitted => ("submitted", format!("{by} submitted for review")),
                ReviewKind::Approved => ("approved", format!("{by} approved and published")),
                ReviewKind::SentBack => ("sent-back", format!("{by} sent back")),
            };
            ReviewNoticeView {
                kind,
                what,
                post_title: n.post_title,
                edit_url: format!("/editor/posts/{}", n.post_id),
                note: n.note,
                send_back: (editor && n.kind == ReviewKind::Submitted && n.in_review)
                    .then_some(n.post_id),
                at_iso: time::iso(&n.at),
                at_human: time::human_date(&n.at),
            }
        })
        .collect())
}
