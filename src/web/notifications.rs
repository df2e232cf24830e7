//! `/notifications`: what a signed-in person is told about their posts and their actor: new
//! followers, replies (private ones included, marked so), likes, boosts, and mentions in posts
//! elsewhere, newest first.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use crate::actions::moderation::{self, NoticeKind};
use crate::app::App;
use crate::domain::comments::CommentState;
use crate::domain::links::http_url;
use crate::domain::time;
use crate::error::AppError;
use crate::storage::{StorageError, posts, site};
use crate::templates::UiLayout;
use crate::templates::conversation::PersonView;
use crate::templates::moderation::{NoticeView, NotificationsPage, PostLink};
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
        NoticeKind::Like => ("like", "liked"),
        NoticeKind::Boost => ("boost", "boosted"),
        NoticeKind::Mention => ("mention", "mentioned you"),
        NoticeKind::PrivateMention => ("private-mention", "mentioned you privately"),
    }
}

/// `GET /notifications`
pub async fn page(State(app): State<App>, viewer: Viewer) -> Result<Response, AppError> {
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
                _ => None,
            },
            actor: PersonView::new(&n.actor),
            post,
            original: n.original.as_deref().and_then(http_url),
            excerpt: n.excerpt,
            pending: n.state == Some(CommentState::Pending),
            hidden: n.state == Some(CommentState::Hidden),
            at_iso: time::iso(&n.at),
            at_human: time::human_date(&n.at),
        });
    }
    let site = site::get_site(&app.db).await?;
    let mut me = ui_viewer(&viewer);
    me.pending = super::moderation::pending_for(&app, &viewer).await?;
    let body = NotificationsPage {
        ui: UiLayout::new(&site, "Notifications", Some(me)),
        notices,
        limit: SHOWN,
        can_moderate: super::moderation::scope(&viewer).is_ok(),
    }
    .render()?;
    Ok(Html(body).into_response())
}
