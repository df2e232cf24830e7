//! `GET /admin`: how the site is doing, from storage: posts by state, the people who write,
//! followers of the community and of authors, replies waiting, the registration mode with a
//! switch (`POST /admin/registration`), and the delivery queue in one line.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Admin;
use crate::actions::profiles;
use crate::app::App;
use crate::domain::comments::CommentState;
use crate::domain::site::RegistrationMode;
use crate::domain::time;
use crate::error::AppError;
use crate::storage::invites::{self, InviteState};
use crate::storage::posts::{self, EditorFilter};
use crate::storage::users::AccountStatus;
use crate::storage::{
    blocks as block_store, comments, deliveries, follows, site, users as user_store,
};
use crate::templates::admin::{AdminIndexPage, ModeChoice};

#[derive(Deserialize)]
pub struct OverviewQuery {
    done: Option<String>,
}

/// `GET /admin`
pub async fn index(
    State(app): State<App>,
    admin: Admin,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let mut ui_notice = None;
    if q.done.as_deref() == Some("registration") {
        ui_notice = Some("Registration switched.".to_owned());
    }
    render(&app, &admin, StatusCode::OK, ui_notice, None).await
}

async fn render(
    app: &App,
    admin: &Admin,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let db = &app.db;
    let site = site::get_site(db).await?;
    let all = user_store::list_users(db).await?;
    let now = time::now();
    let open_invites = invites::list_invites(db, None)
        .await?
        .iter()
        .filter(|i| i.state(now) == InviteState::Open)
        .count();
    let blocks = block_store::list_blocks(db)
        .await?
        .iter()
        .filter(|b| b.kind == "domain")
        .count();
    let mode = site::registration_mode(db).await?;
    let current = mode.parse::<RegistrationMode>().ok();
    let (community_followers, author_followers) = follows::count_site_followers(db).await?;
    let queue = deliveries::queue_summary(db).await?;
    let count = move |f| posts::count_for_editor(db, f, None);
    let active = |u: &&user_store::User| u.status == AccountStatus::Active;
    let mut ui = admin.layout(&site, "Administration");
    ui.notices.extend(notice);
    let page = AdminIndexPage {
        ui,
        csrf: admin.0.session.csrf_token.clone(),
        error,
        published: count(EditorFilter::Published).await?,
        drafts: count(EditorFilter::Drafts).await?,
        in_review: count(EditorFilter::InReview).await?,
        scheduled: count(EditorFilter::Scheduled).await?,
        writers: all.iter().filter(active).count(),
        publishers: all
            .iter()
            .filter(active)
            .filter(|u| u.role.can_publish())
            .count(),
        pending: all
            .iter()
            .filter(|u| u.status == AccountStatus::Pending)
            .count(),
        community_followers,
        author_followers,
        community_handle: format!("@{}@{}", site.community_username, app.config.domain()),
        replies_waiting: comments::count_comments_in_state(db, CommentState::Pending, None).await?,
        registration: current.map_or(mode.clone(), |m| m.label().to_owned()),
        modes: RegistrationMode::ALL
            .into_iter()
            .map(|m| ModeChoice {
                value: m.as_str(),
                label: m.label(),
                current: Some(m) == current,
            })
            .collect(),
        open_invites,
        blocks,
        queue_line: queue_line(&queue, now),
        queue_failing: queue.failing > 0,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `3 waiting · 1 failing · oldest queued 2 hours ago`, or that nothing waits.
fn queue_line(q: &deliveries::QueueSummary, now: chrono::DateTime<chrono::Utc>) -> String {
    if q.pending == 0 {
        return "Nothing waiting: every delivery is done or given up".to_owned();
    }
    let oldest = q
        .oldest
        .map(|t| format!(" · oldest queued {} ago", time::human_age(now - t)))
        .unwrap_or_default();
    format!("{} waiting · {} failing{oldest}", q.pending, q.failing)
}

#[derive(Deserialize)]
pub struct RegistrationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mode: String,
}

/// `POST /admin/registration`: the overview's switch of who may register.
pub async fn switch_registration(
    State(app): State<App>,
    admin: Admin,
    Form(f): Form<RegistrationForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    match f.mode.parse::<RegistrationMode>() {
        Ok(mode) => {
            profiles::set_registration_mode(&app, mode).await?;
            tracing::info!(admin = %admin.0.user.username, %mode, "registration switched");
            Ok(Redirect::to("/admin?done=registration").into_response())
        }
        Err(_) => {
            let e = "Choose closed, invite only or open with approval.".to_owned();
            render(
                &app,
                &admin,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(e),
            )
            .await
        }
    }
}
