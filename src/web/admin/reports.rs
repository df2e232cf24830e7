//! `/admin/reports`: reports (`Flag`) from other servers with what they name, resolving them,
//! and forwarding a report about a remote account to that account's server.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Admin;
use crate::actions::moderation::{self, ForwardError, Reported};
use crate::app::App;
use crate::domain::links::{first_http_url, http_url};
use crate::domain::time;
use crate::error::AppError;
use crate::storage::remote as stored;
use crate::storage::{StorageError, posts, reports, site};
use crate::templates::conversation::PersonView;
use crate::templates::editor::FilterLink;
use crate::templates::moderation::{
    AccountView, AdminReportsPage, PostLink, ReportView, ReportedCommentView,
};
use crate::urls::post_path;
use crate::web::auth::login::CsrfForm;
use crate::web::editor::sentence;

/// The most reports the page lists.
pub const SHOWN: i64 = 100;

#[derive(Deserialize)]
pub struct ReportsQuery {
    show: Option<String>,
    done: Option<String>,
}

async fn post_of(app: &App, id: i64) -> Result<Option<PostLink>, AppError> {
    match posts::find_post_by_id(&app.db, id).await {
        Ok(p) => Ok(Some(PostLink {
            title: p.title.clone(),
            url: post_path(p.slug.as_str()),
        })),
        Err(StorageError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn render(
    app: &App,
    admin: &Admin,
    status: StatusCode,
    show_all: bool,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let details = moderation::reports(app, !show_all, SHOWN, 0).await?;
    let mut views = Vec::with_capacity(details.len());
    for d in details {
        let r = &d.report;
        let (reporter, reporter_url) =
            match stored::find_remote_actor_by_uri(&app.db, &r.reporter_uri).await? {
                Some(a) => (
                    format!("@{}@{}", a.username, a.domain),
                    first_http_url([a.url.as_deref(), Some(a.uri.as_str())]),
                ),
                None => (r.reporter_uri.clone(), http_url(&r.reporter_uri)),
            };
        let mut comments = Vec::new();
        let mut posts = Vec::new();
        let mut known: Vec<&str> = Vec::new();
        for item in &d.reported {
            match item {
                Reported::Comment(c) => {
                    known.push(&c.uri);
                    comments.push(ReportedCommentView {
                        author: PersonView::new(&c.author),
                        url: first_http_url([c.url.as_deref(), Some(c.uri.as_str())]),
                        content_html: crate::domain::remote_html::sanitize(&c.content_html),
                        post: post_of(app, c.post_id).await?,
                    });
                }
                Reported::Post { title, url, .. } => {
                    known.push(url);
                    posts.push(PostLink {
                        title: title.clone(),
                        url: url.clone(),
                    });
                }
            }
        }
        known.extend(d.accounts.iter().map(|a| a.uri.as_str()));
        let others = r
            .object_ids
            .iter()
            .filter(|id| !known.contains(&id.as_str()))
            .filter_map(|id| http_url(id))
            .collect();
        views.push(ReportView {
            id: r.id,
            reporter,
            reporter_url,
            comment: r.comment.clone(),
            received_iso: time::iso(&r.created_at),
            received_human: time::human_date(&r.created_at),
            resolved: r.resolved_at.as_ref().map(time::human_date),
            forwarded: match (&r.forwarded_to, &r.forwarded_at) {
                (Some(to), Some(at)) => Some(format!("{to} on {}", time::human_date(at))),
                _ => None,
            },
            comments,
            posts,
            others,
            accounts: d
                .accounts
                .iter()
                .map(|a| AccountView {
                    uri: a.uri.clone(),
                    handle: format!("@{}@{}", a.username, a.domain),
                    domain: a.domain.clone(),
                })
                .collect(),
        });
    }
    let site = site::get_site(&app.db).await?;
    let mut ui = admin.layout(&site, "Reports");
    ui.notices.extend(notice.map(str::to_owned));
    let filters = vec![
        FilterLink {
            label: "Open",
            href: "/admin/reports".into(),
            count: 0,
            current: !show_all,
        },
        FilterLink {
            label: "All",
            href: "/admin/reports?show=all".into(),
            count: 0,
            current: show_all,
        },
    ];
    let body = AdminReportsPage {
        ui,
        csrf: admin.0.session.csrf_token.clone(),
        filters,
        show_all,
        reports: views,
        error,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

/// `GET /admin/reports` (open ones) or `?show=all`
pub async fn list(
    State(app): State<App>,
    admin: Admin,
    Query(q): Query<ReportsQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("resolved") => Some("The report is resolved."),
        Some("forwarded") => Some(
            "The report was forwarded: a report from this site is on its way to the account's server.",
        ),
        _ => None,
    };
    let show_all = q.show.as_deref() == Some("all");
    render(&app, &admin, StatusCode::OK, show_all, notice, None).await
}

/// `POST /admin/reports/{id}/resolve`
pub async fn resolve(
    State(app): State<App>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    if reports::find_report(&app.db, id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    moderation::resolve_report(&app, id).await?;
    tracing::info!(admin = %admin.0.user.username, report = id, "report resolved");
    Ok(Redirect::to("/admin/reports?done=resolved").into_response())
}

#[derive(Deserialize)]
pub struct ForwardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    comment: String,
}

/// `POST /admin/reports/{id}/forward`
pub async fn forward(
    State(app): State<App>,
    admin: Admin,
    Path(id): Path<i64>,
    Form(f): Form<ForwardForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    match moderation::forward_report(&app, id, f.account.trim(), &f.comment).await {
        Ok(_) => Ok(Redirect::to("/admin/reports?done=forwarded").into_response()),
        Err(ForwardError::NoReport) => Err(AppError::NotFound),
        Err(ForwardError::Failed(e)) if e.is_internal() => Err(e.into()),
        Err(e) => {
            let status = match e {
                ForwardError::Blocked(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            render(
                &app,
                &admin,
                status,
                false,
                None,
                Some(sentence(&e.to_string())),
            )
            .await
        }
    }
}
