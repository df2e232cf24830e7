//! Invite links (`/account/invites`): administrators invite people with any role and see and
//! revoke every invite; editors invite authors and contributors and manage their own.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::actions::accounts;
use crate::app::App;
use crate::domain::invite::{self, DEFAULT_EXPIRY_DAYS, EXPIRY_CHOICES};
use crate::domain::{Role, time};
use crate::error::AppError;
use crate::storage::invites::{self, InviteState};
use crate::storage::site;
use crate::templates::UiLayout;
use crate::templates::accounts::{InviteView, InvitesPage};
use crate::web::auth::Viewer;
use crate::web::auth::account::ui_viewer;

/// Whose invites the viewer sees and may revoke: everyone's (`None`) or their own.
fn scope(viewer: &Viewer) -> Result<Option<i64>, AppError> {
    match viewer.user.role {
        Role::Admin => Ok(None),
        Role::Editor => Ok(Some(viewer.user.id)),
        Role::Author | Role::Contributor => Err(AppError::Forbidden),
    }
}

struct Shown {
    role: Role,
    days: i64,
    created: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn page(
    app: &App,
    viewer: &Viewer,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, AppError> {
    let scope = scope(viewer)?;
    let site = site::get_site(&app.db).await?;
    let mut ui = UiLayout::new(&site, "Invites", Some(ui_viewer(viewer)));
    ui.notices.extend(shown.notice.map(str::to_owned));
    let now = time::now();
    let list = invites::list_invites(&app.db, scope).await?;
    let invites = list
        .into_iter()
        .map(|i| {
            let state = i.state(now);
            let status = match state {
                InviteState::Open => "open".to_owned(),
                InviteState::Expired => "expired".to_owned(),
                InviteState::Used => match &i.used_by_name {
                    Some(name) => format!("used by @{name}"),
                    None => "used".to_owned(),
                },
            };
            InviteView {
                code_hash: i.code_hash.clone(),
                role: i.role.to_string(),
                created_by: i
                    .created_by_name
                    .as_ref()
                    .map(|n| format!("@{n}"))
                    .unwrap_or_else(|| "a former account".into()),
                created: time::human_date(&i.created_at),
                expires: time::human_date(&i.expires_at),
                status,
                can_revoke: state != InviteState::Used,
            }
        })
        .collect();
    let roles = invite::invitable_roles(viewer.user.role)
        .into_iter()
        .map(|r| (r.to_string(), r.to_string(), r == shown.role))
        .collect();
    let expiries = EXPIRY_CHOICES
        .iter()
        .map(|(d, label)| (d.to_string(), (*label).to_owned(), *d == shown.days))
        .collect();
    let body = InvitesPage {
        ui,
        csrf: viewer.session.csrf_token.clone(),
        roles,
        expiries,
        created: shown.created,
        invites,
        all: scope.is_none(),
        copy_script: crate::templates::assets::copy_script_href(),
        error: shown.error,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

fn fresh(notice: Option<&'static str>) -> Shown {
    Shown {
        role: invite::SELF_REGISTERED_ROLE,
        days: DEFAULT_EXPIRY_DAYS,
        created: None,
        notice,
        error: None,
    }
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /account/invites`
pub async fn list(
    State(app): State<App>,
    viewer: Viewer,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, AppError> {
    let notice = (q.done.as_deref() == Some("revoked"))
        .then_some("The invite was revoked: its link no longer works.");
    page(&app, &viewer, StatusCode::OK, fresh(notice)).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    days: String,
}

/// `POST /account/invites`: creates an invite and shows its link, once.
pub async fn create(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    scope(&viewer)?;
    viewer.check_csrf(&f.csrf)?;
    let role: Option<Role> = f.role.parse().ok();
    let days: i64 = f.days.trim().parse().unwrap_or(0);
    let role = match role {
        Some(r) if invite::may_invite(viewer.user.role, r) => r,
        Some(_) => return Err(AppError::Forbidden),
        None => {
            let mut shown = fresh(None);
            shown.error = Some("Choose the role the invited person gets.".into());
            return page(&app, &viewer, StatusCode::UNPROCESSABLE_ENTITY, shown).await;
        }
    };
    let Some(valid_for) = invite::expiry(days) else {
        let mut shown = fresh(None);
        shown.role = role;
        shown.error = Some("Choose how long the link stays valid.".into());
        return page(&app, &viewer, StatusCode::UNPROCESSABLE_ENTITY, shown).await;
    };
    let code = accounts::create_invite(&app, &viewer.user, role, valid_for).await?;
    let mut link = app.config.url("/register");
    link.query_pairs_mut().append_pair("invite", &code);
    let shown = Shown {
        role,
        days,
        created: Some(link.to_string()),
        notice: None,
        error: None,
    };
    page(&app, &viewer, StatusCode::CREATED, shown).await
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// `POST /account/invites/revoke`
pub async fn revoke(
    State(app): State<App>,
    viewer: Viewer,
    Form(f): Form<RevokeForm>,
) -> Result<Response, AppError> {
    scope(&viewer)?;
    viewer.check_csrf(&f.csrf)?;
    if !accounts::revoke_invite(&app, &viewer.user, f.code.trim()).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/account/invites?done=revoked").into_response())
}
