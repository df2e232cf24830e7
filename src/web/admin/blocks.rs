//! `/admin/blocks`: domain blocks. A blocked domain's activities are refused by the inbox,
//! its comments hidden and reactions dropped (`storage::blocks`), and the delivery workers
//! give up rows addressed to it instead of sending them.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Admin;
use crate::actions::moderation;
use crate::app::App;
use crate::domain::time;
use crate::error::AppError;
use crate::storage::admin_log::{self, AdminAction};
use crate::storage::blocks::{self, BlockKind};
use crate::storage::site;
use crate::templates::admin::{AdminBlocksPage, BlockView};

/// Longest reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 500;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn render(
    app: &App,
    admin: &Admin,
    status: StatusCode,
    form: (&str, &str),
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = site::get_site(&app.db).await?;
    let mut ui = admin.layout(&site, "Domain blocks");
    ui.notices.extend(notice.map(str::to_owned));
    let reasons: std::collections::HashMap<String, String> =
        admin_log::latest_actions(&app.db, AdminAction::BlockDomain)
            .await?
            .into_iter()
            .map(|e| (e.target, e.reason))
            .collect();
    let blocks = blocks::list_blocks(&app.db)
        .await?
        .into_iter()
        .filter(|b| b.kind == BlockKind::Domain.as_str())
        .map(|b| BlockView {
            reason: reasons.get(&b.value).cloned().unwrap_or_default(),
            domain: b.value,
            since: time::human_date(&b.created_at),
        })
        .collect();
    let body = AdminBlocksPage {
        ui,
        csrf: admin.0.session.csrf_token.clone(),
        blocks,
        domain: form.0.to_owned(),
        reason: form.1.to_owned(),
        error,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

/// `GET /admin/blocks`
pub async fn list(
    State(app): State<App>,
    admin: Admin,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_deref() {
        Some("blocked") => Some("The domain is blocked."),
        Some("unblocked") => Some(
            "The domain is no longer blocked. Comments hidden by the block stay hidden until approved.",
        ),
        _ => None,
    };
    render(&app, &admin, StatusCode::OK, ("", ""), notice, None).await
}

/// The domain in what an admin typed: `spam.example`, `https://spam.example/@someone`,
/// `@someone@spam.example` or `spam.example:8443` all name `spam.example` (with the port).
pub fn parse_domain(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let host_part = if raw.contains("://") {
        let url = url::Url::parse(raw).ok()?;
        let host = url.host_str()?.to_owned();
        return Some(match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        })
        .filter(|h| !h.is_empty())
        .map(|h| h.to_ascii_lowercase());
    } else {
        raw.rsplit('@').next().unwrap_or(raw)
    };
    let (host, port) = match host_part.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p.parse::<u16>().ok()?)),
        _ => (host_part, None),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = match url::Host::parse(&host).ok()? {
        url::Host::Domain(d) => {
            (d.contains('.') || d == "localhost") && !d.contains(['/', ' ', '@'])
        }
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => true,
    };
    valid.then(|| match port {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

#[derive(Deserialize)]
pub struct BlockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    reason: String,
}

/// `POST /admin/blocks`
pub async fn add(
    State(app): State<App>,
    admin: Admin,
    Form(f): Form<BlockForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    let Some(domain) = parse_domain(&f.domain) else {
        let e = format!(
            "{:?} is not a domain such as spam.example.",
            f.domain.trim()
        );
        return render(
            &app,
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            (&f.domain, &f.reason),
            None,
            Some(e),
        )
        .await;
    };
    if domain == app.config.domain() {
        let e = "That is this site's own domain.".to_owned();
        return render(
            &app,
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            (&f.domain, &f.reason),
            None,
            Some(e),
        )
        .await;
    }
    let reason = f.reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        let e = format!("The reason must have at most {MAX_REASON_CHARS} characters.");
        return render(
            &app,
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            (&f.domain, &f.reason),
            None,
            Some(e),
        )
        .await;
    }
    moderation::block_domain(&app, &admin.0.user, &domain, reason).await?;
    Ok(Redirect::to("/admin/blocks?done=blocked").into_response())
}

#[derive(Deserialize)]
pub struct UnblockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    domain: String,
}

/// `POST /admin/blocks/remove`
pub async fn remove(
    State(app): State<App>,
    admin: Admin,
    Form(f): Form<UnblockForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    let domain = f.domain.trim().to_ascii_lowercase();
    if !moderation::unblock(&app, &admin.0.user, BlockKind::Domain, &domain).await? {
        return Err(AppError::NotFound);
    }
    tracing::warn!(admin = %admin.0.user.username, %domain, "domain unblocked");
    Ok(Redirect::to("/admin/blocks?done=unblocked").into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_domain;

    #[test]
    fn domains_are_found_in_what_admins_paste() {
        for (raw, want) in [
            ("spam.example", "spam.example"),
            (" Spam.Example. ", "spam.example"),
            ("https://spam.example/@someone", "spam.example"),
            ("@someone@spam.example", "spam.example"),
            ("spam.example:8443", "spam.example:8443"),
            ("http://127.0.0.1:4001/users/a", "127.0.0.1:4001"),
            ("http://localhost:4001/users/a", "localhost:4001"),
        ] {
            assert_eq!(parse_domain(raw).as_deref(), Some(want), "{raw}");
        }
        for bad in ["", "spam", "spam example", "spam.example:99999", "https://"] {
            assert_eq!(parse_domain(bad), None, "{bad}");
        }
    }
}
