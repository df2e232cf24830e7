//! `/admin/federation`: how delivery to other servers is going. Per server: followers there,
//! deliveries waiting, last success, last failure with its error, the state (failing,
//! paused) and "retry now"; deliveries per hour over 24 hours and per day over 30 days, drawn
//! on the server; and signatures this site refused, by server and reason.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::Deserialize;

use super::Admin;
use crate::app::App;
use crate::domain::chart::{self, Bar};
use crate::domain::time;
use crate::error::AppError;
use crate::storage::federation_health::{self as health, HourCount, InstanceHealth};
use crate::storage::{deliveries, instances, site};
use crate::templates::Pager;
use crate::templates::admin::{AdminFederationPage, InstanceView, RefusalView};

/// Servers listed per page.
pub const PER_PAGE: i64 = 50;
/// Signature failures listed (the most frequent).
const REFUSALS_SHOWN: i64 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
    done: Option<String>,
    retried: Option<u64>,
}

/// `GET /admin/federation`
pub async fn show(
    State(app): State<App>,
    admin: Admin,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let mut notice = None;
    if q.done.as_deref() == Some("retried") {
        notice = Some(format!(
            "{} deliveries to that server are due now.",
            q.retried.unwrap_or(0)
        ));
    }
    render(&app, &admin, q.page.unwrap_or(1).max(1), notice).await
}

async fn render(
    app: &App,
    admin: &Admin,
    page: u32,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let now = time::now();
    let site = site::get_site(&app.db).await?;
    let mut ui = admin.layout(&site, "Federation health");
    ui.notices.extend(notice);
    let total = health::count_instances(&app.db).await?;
    let offset = (i64::from(page) - 1) * PER_PAGE;
    let rows = health::list_instances(&app.db, PER_PAGE, offset).await?;
    let since = now.duration_trunc(TimeDelta::days(1)).unwrap_or(now) - TimeDelta::days(29);
    let hours = health::delivery_counts_since(&app.db, since).await?;
    let (hourly, day_totals) = per_hour(&hours, now);
    let (daily, month_totals) = per_day(&hours, since);
    let refusals =
        health::list_signature_failures(&app.db, now - TimeDelta::days(30), REFUSALS_SHOWN)
            .await?
            .into_iter()
            .map(|r| RefusalView {
                domain: r.domain,
                reason: r.reason.replace('_', " "),
                failures: r.failures,
                last_seen: time::short_date_time(&r.last_at),
            })
            .collect();
    let body = AdminFederationPage {
        ui,
        csrf: admin.0.session.csrf_token.clone(),
        counts: instances::count_instances_by_state(&app.db, now).await?,
        pending: deliveries::queue_summary(&app.db).await?.pending,
        hourly_chart: chart::stacked_bars("Deliveries per hour, last 24 hours", &hourly, 3),
        daily_chart: chart::stacked_bars("Deliveries per day, last 30 days", &daily, 5),
        day_totals,
        month_totals,
        instances: rows.into_iter().map(|r| instance_view(r, now)).collect(),
        instance_total: total,
        pager: Pager::new("/admin/federation", page, total, PER_PAGE),
        refusals,
    };
    Ok(Html(body.render()?).into_response())
}

fn instance_view(r: InstanceHealth, now: DateTime<Utc>) -> InstanceView {
    let when = |t: Option<DateTime<Utc>>| {
        t.map(|t| time::short_date_time(&t))
            .unwrap_or_else(|| "never".into())
    };
    let (state, state_detail) = match (r.failing_since, r.retry_after) {
        (Some(_), Some(until)) if until > now => (
            "paused",
            format!(
                "until {}, after {} failures",
                time::short_date_time(&until),
                r.consecutive_failures
            ),
        ),
        (Some(since), _) => (
            "failing",
            format!("since {}", time::short_date_time(&since)),
        ),
        (None, _) => ("ok", String::new()),
    };
    InstanceView {
        can_retry: state != "ok" || r.dead > 0,
        domain: r.domain,
        followers: r.followers,
        pending: r.pending,
        dead: r.dead,
        last_success: when(r.last_success_at),
        last_failure: when(r.last_failure_at),
        last_error: r.last_error,
        state,
        state_detail,
    }
}

/// The last 24 hours, one bar per hour ending with the current one, and their totals.
fn per_hour(hours: &[HourCount], now: DateTime<Utc>) -> (Vec<Bar>, (i64, i64)) {
    let by_hour: BTreeMap<DateTime<Utc>, &HourCount> = hours.iter().map(|h| (h.hour, h)).collect();
    let current = now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now);
    let bars: Vec<Bar> = (0..24)
        .rev()
        .map(|back| {
            let hour = current - TimeDelta::hours(back);
            let c = by_hour.get(&hour);
            Bar {
                label: hour.format("%H:00").to_string(),
                ok: c.map_or(0, |c| c.delivered),
                bad: c.map_or(0, |c| c.retried + c.dead),
            }
        })
        .collect();
    let totals = bars
        .iter()
        .fold((0, 0), |(a, b), bar| (a + bar.ok, b + bar.bad));
    (bars, totals)
}

/// The 30 days from `first` (a day's start), one bar per day, and their totals.
fn per_day(hours: &[HourCount], first: DateTime<Utc>) -> (Vec<Bar>, (i64, i64)) {
    let mut bars: Vec<Bar> = (0..30)
        .map(|d| Bar {
            label: (first + TimeDelta::days(d)).format("%d %b").to_string(),
            ok: 0,
            bad: 0,
        })
        .collect();
    for h in hours {
        let day = (h.hour - first).num_days();
        if let Some(bar) = usize::try_from(day).ok().and_then(|d| bars.get_mut(d)) {
            bar.ok += h.delivered;
            bar.bad += h.retried + h.dead;
        }
    }
    let totals = bars
        .iter()
        .fold((0, 0), |(a, b), bar| (a + bar.ok, b + bar.bad));
    (bars, totals)
}

#[derive(Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    domain: String,
}

/// `POST /admin/federation/retry`: "retry now" for one server.
pub async fn retry(
    State(app): State<App>,
    admin: Admin,
    Form(f): Form<RetryForm>,
) -> Result<Response, AppError> {
    admin.0.check_csrf(&f.csrf)?;
    let domain = f.domain.trim().to_ascii_lowercase();
    if instances::find_instance(&app.db, &domain).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let due = deliveries::retry_instance(&app.db, &domain, time::now()).await?;
    app.fed.queue.wake();
    tracing::info!(by = %admin.0.user.username, %domain, due, "deliveries retried now");
    Ok(Redirect::to(&format!("/admin/federation?done=retried&retried={due}")).into_response())
}
