//! The delivery workers: claim due rows with a lease, sign and send them concurrently,
//! record what happened, and now and then delete old rows.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use tokio::task::{JoinHandle, JoinSet};
use url::Url;

use super::policy::QueuePolicy;
use super::schemes;
use crate::app::App;
use crate::federation::client::ClientError;
use crate::federation::signatures::Scheme;
use crate::federation::{followers_sync, keys};
use crate::storage::deliveries::{self, ClaimedDelivery, Outcome};
use crate::storage::instances::{self, Health};
use crate::storage::{Db, blocks, federation_health};

/// Starts the workers with the production policy. Call once per process, from `chorus serve`.
pub fn spawn_workers(app: App) {
    spawn_workers_with(app, QueuePolicy::default());
}

/// Starts the workers with `policy`. On SQLite, where one process sends, leases left by a
/// previous process (killed while sending) are released first, so its rows go out at once.
/// Aborting the returned task stops every worker.
pub fn spawn_workers_with(app: App, policy: QueuePolicy) -> JoinHandle<()> {
    let policy = Arc::new(policy);
    tokio::spawn(async move {
        if let Db::Sqlite(_) = app.db {
            match deliveries::release_all_leases(&app.db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    deliveries = n,
                    "resuming deliveries interrupted by a restart"
                ),
                Err(e) => tracing::warn!(error = %e, "could not release delivery leases"),
            }
        }
        // Owned here, so that aborting this task aborts them all. A task that panics is
        // replaced, so that one bad row cannot stop delivery for good.
        let mut tasks = JoinSet::new();
        let mut roles = HashMap::new();
        let start = |tasks: &mut JoinSet<()>, roles: &mut HashMap<_, _>, role: Role| {
            let handle = match role {
                Role::Worker(n) => tasks.spawn(work(app.clone(), policy.clone(), n)),
                Role::CleanUp => tasks.spawn(clean_up(app.clone(), policy.clone())),
            };
            roles.insert(handle.id(), role);
        };
        for n in 0..policy.workers.max(1) {
            start(&mut tasks, &mut roles, Role::Worker(n));
        }
        start(&mut tasks, &mut roles, Role::CleanUp);
        while let Some(ended) = tasks.join_next_with_id().await {
            if let Err(e) = ended
                && e.is_panic()
            {
                tracing::error!(error = %e, "a delivery task panicked; restarting it");
                if let Some(role) = roles.remove(&e.id()) {
                    start(&mut tasks, &mut roles, role);
                }
            }
        }
    })
}

#[derive(Clone, Copy)]
enum Role {
    Worker(usize),
    CleanUp,
}

async fn work(app: App, policy: Arc<QueuePolicy>, worker: usize) {
    loop {
        // Registered before looking, so an enqueue that happens meanwhile still wakes us.
        let notified = app.fed.queue.notify().notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match run_batch(&app, &policy).await {
            Ok(0) => {}
            Ok(_) => continue,
            Err(e) => tracing::warn!(worker, error = %format!("{e:#}"), "delivery batch failed"),
        }
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(policy.poll_interval) => {}
        }
    }
}

/// Claims one batch, sends it, and records the outcomes. Returns how many rows it handled.
pub async fn run_batch(app: &App, policy: &QueuePolicy) -> anyhow::Result<usize> {
    let now = Utc::now();
    let lease_until = now + chrono::Duration::from_std(policy.lease)?;
    let claimed = deliveries::claim_deliveries(
        &app.db,
        now,
        lease_until,
        policy.batch_size,
        policy.instance_failure_threshold,
    )
    .await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let mut ids: Vec<&str> = claimed.iter().map(|c| c.activity_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let activities: HashMap<String, Prepared> = deliveries::find_activities_to_send(&app.db, &ids)
        .await?
        .into_iter()
        .map(|a| {
            let prepared = Prepared {
                local_actor_id: a.local_actor_id,
                body: Bytes::from(a.payload),
            };
            (a.id, prepared)
        })
        .collect();

    // Rows for blocked domains are given up without contacting them.
    let blocked = blocked_domains(&app.db, &claimed).await?;
    let synchronization = synchronization_headers(app, &claimed, &activities).await;
    let domains: HashSet<&str> = claimed
        .iter()
        .map(|r| r.domain.as_str())
        .filter(|d| !blocked.contains(*d))
        .collect();
    let signing =
        schemes::for_domains(&app.db, &domains, now, policy.signature_reprobe_after).await?;
    let mut attempts = Vec::with_capacity(claimed.len());
    let mut sends = JoinSet::new();
    for row in claimed {
        if blocked.contains(&row.domain) {
            let result = Sent::Permanent("the domain is blocked here".into());
            attempts.push((
                row,
                Attempt {
                    result,
                    instance: None,
                    learned: None,
                },
            ));
            continue;
        }
        let scheme = signing
            .get(&row.domain)
            .copied()
            .unwrap_or((Scheme::Rfc9421, false));
        let activity = activities.get(&row.activity_id).cloned();
        let sync = activity
            .as_ref()
            .and_then(|a| synchronization.get(&(a.local_actor_id, row.domain.clone())))
            .cloned();
        let app = app.clone();
        sends.spawn(async move {
            let attempt = attempt(&app, &row, activity, sync.as_deref(), scheme).await;
            (row, attempt)
        });
    }
    while let Some(joined) = sends.join_next().await {
        match joined {
            Ok(done) => attempts.push(done),
            // The row's lease runs out and it is tried again.
            Err(e) => tracing::error!(error = %e, "a delivery task failed"),
        }
    }

    let finished = Utc::now();
    let mut outcomes = Vec::with_capacity(attempts.len());
    let mut health: BTreeMap<String, Health> = BTreeMap::new();
    let mut learned: HashMap<String, Scheme> = HashMap::new();
    for (row, attempt) in attempts {
        if let Some(scheme) = attempt.learned {
            learned.insert(row.domain.clone(), scheme);
        }
        let entry = health.entry(row.domain.clone()).or_default();
        match attempt.instance {
            Some(true) => entry.answered += 1,
            Some(false) => entry.failed += 1,
            None => {}
        }
        let outcome = decide(policy, &row, attempt.result, finished);
        log_outcome(&row, &outcome);
        outcomes.push((row.id, outcome));
    }
    // Instances first: a row released for a retry must not be claimed again before the
    // pause of its instance is stored.
    instances::record_instance_health(&app.db, &health, finished, |failures, since| {
        policy.instance_pause_until(failures, since, finished)
    })
    .await?;
    deliveries::record_outcomes(&app.db, &outcomes, finished).await?;
    schemes::record(&app.db, &learned, finished).await?;
    Ok(outcomes.len())
}

/// The followers synchronization header (FEP-8fcf) for each sender and instance of the batch
/// where the sender has followers. Without it a delivery still goes out.
async fn synchronization_headers(
    app: &App,
    rows: &[ClaimedDelivery],
    activities: &HashMap<String, Prepared>,
) -> HashMap<(i64, String), String> {
    let mut wanted: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for row in rows {
        if let Some(a) = activities.get(&row.activity_id) {
            let domains = wanted.entry(a.local_actor_id).or_default();
            if !domains.contains(&row.domain) {
                domains.push(row.domain.clone());
            }
        }
    }
    let mut out = HashMap::new();
    for (actor, domains) in wanted {
        match followers_sync::headers_for(app, actor, &domains).await {
            Ok(found) => out.extend(found.into_iter().map(|(d, h)| ((actor, d), h))),
            Err(e) => {
                tracing::warn!(error = %e, "could not compute the followers synchronization header")
            }
        }
    }
    out
}

/// The instances among `rows` that an administrator blocked (a block of `host` also covers
/// `host:port`).
async fn blocked_domains(db: &Db, rows: &[ClaimedDelivery]) -> anyhow::Result<HashSet<String>> {
    let mut blocked = HashSet::new();
    let domains: HashSet<&str> = rows.iter().map(|r| r.domain.as_str()).collect();
    for domain in domains {
        let host = match domain.rsplit_once(':') {
            Some((h, port))
                if !h.is_empty()
                    && !port.is_empty()
                    && port.bytes().all(|b| b.is_ascii_digit()) =>
            {
                h
            }
            _ => domain,
        };
        if blocks::is_blocked(db, "", domain).await?
            || (host != domain && blocks::is_blocked(db, "", host).await?)
        {
            blocked.insert(domain.to_owned());
        }
    }
    Ok(blocked)
}

fn log_outcome(row: &ClaimedDelivery, outcome: &Outcome) {
    let (inbox, activity) = (&row.inbox, &row.activity_id);
    crate::telemetry::metrics::delivery(match outcome {
        Outcome::Delivered => "delivered",
        Outcome::Retry { .. } => "retry",
        Outcome::Dead { .. } => "dead",
    });
    match outcome {
        Outcome::Delivered => tracing::debug!(%inbox, %activity, "delivered"),
        Outcome::Retry { at, error } => {
            tracing::info!(%inbox, %activity, %error, retry_at = %at, "delivery failed; will retry")
        }
        Outcome::Dead { error } => {
            tracing::warn!(%inbox, %activity, %error, attempts = row.attempts + 1, "delivery given up")
        }
    }
}

/// An activity ready to send: who signs it, and the exact bytes.
#[derive(Clone)]
struct Prepared {
    local_actor_id: i64,
    body: Bytes,
}

/// What one attempt came to.
struct Attempt {
    result: Sent,
    /// Whether the instance answered (`Some(true)`), failed (`Some(false)`), or was not
    /// contacted (`None`).
    instance: Option<bool>,
    /// The signature scheme the instance was found to accept, when that is news.
    learned: Option<Scheme>,
}

/// The result of one attempt, before the policy turns it into an [`Outcome`].
enum Sent {
    Delivered,
    /// Retrying may help.
    Transient(String),
    /// Retrying cannot help.
    Permanent(String),
}

async fn attempt(
    app: &App,
    row: &ClaimedDelivery,
    activity: Option<Prepared>,
    synchronization: Option<&str>,
    (chosen, known): (Scheme, bool),
) -> Attempt {
    let not_sent = |result| Attempt {
        result,
        instance: None,
        learned: None,
    };
    let Some(activity) = activity else {
        return not_sent(Sent::Permanent("the activity is no longer stored".into()));
    };
    let inbox = match Url::parse(&row.inbox) {
        Ok(url) => url,
        Err(e) => return not_sent(Sent::Permanent(format!("invalid inbox URL: {e}"))),
    };
    let signer = match keys::signer(app, activity.local_actor_id).await {
        Ok(s) => s,
        Err(e) => {
            return not_sent(Sent::Transient(format!(
                "cannot load the signing key: {e:#}"
            )));
        }
    };
    let send = |scheme| {
        app.fed.client.post_activity(
            &inbox,
            activity.body.clone(),
            signer.clone(),
            synchronization,
            scheme,
        )
    };
    let (scheme, answer) = match send(chosen).await {
        // An instance that does not read RFC 9421 yet gets the same delivery signed the old
        // way at once, and draft-cavage from then on.
        Ok(status) if chosen == Scheme::Rfc9421 && schemes::refused_signature(status) => {
            tracing::debug!(%inbox, %status, "RFC 9421 signature refused; sending with draft-cavage");
            (Scheme::Cavage, send(Scheme::Cavage).await)
        }
        answer => (chosen, answer),
    };
    match answer {
        Ok(status) => {
            let mut attempt = classify_status(status);
            // Stored when it is news: a first answer, a fallback, or a re-probe that worked.
            if status.is_success() && !(known && scheme == chosen) {
                attempt.learned = Some(scheme);
            }
            attempt
        }
        Err(e @ ClientError::Refused(_)) => not_sent(Sent::Permanent(e.to_string())),
        Err(e @ (ClientError::Timeout | ClientError::Network(_))) => Attempt {
            result: Sent::Transient(e.to_string()),
            instance: Some(false),
            learned: None,
        },
        Err(e) => Attempt {
            result: Sent::Transient(e.to_string()),
            instance: None,
            learned: None,
        },
    }
}

/// 2xx is delivered. 401 (perhaps our key is not fetchable yet), 408, 429 and 5xx may pass
/// later; every other answer (4xx such as 400, 403, 404, 410 Gone; redirects, which are not
/// followed for deliveries) will not change by retrying.
fn classify_status(status: StatusCode) -> Attempt {
    let code = status.as_u16();
    let error = || format!("the inbox answered {status}");
    if status.is_success() {
        Attempt {
            result: Sent::Delivered,
            instance: Some(true),
            learned: None,
        }
    } else if code == 401 {
        Attempt {
            result: Sent::Transient(error()),
            instance: Some(true),
            learned: None,
        }
    } else if code == 408 || code == 429 || status.is_server_error() {
        Attempt {
            result: Sent::Transient(error()),
            instance: Some(false),
            learned: None,
        }
    } else {
        Attempt {
            result: Sent::Permanent(error()),
            instance: Some(true),
            learned: None,
        }
    }
}

fn decide(policy: &QueuePolicy, row: &ClaimedDelivery, sent: Sent, now: DateTime<Utc>) -> Outcome {
    match sent {
        Sent::Delivered => Outcome::Delivered,
        Sent::Permanent(error) => Outcome::Dead { error },
        Sent::Transient(error) => {
            let failed_attempts = row.attempts + 1;
            let too_old =
                (now - row.created_at).to_std().unwrap_or_default() >= policy.give_up_after;
            match policy.retry_delay(failed_attempts, row.id) {
                Some(delay) if !too_old => Outcome::Retry {
                    at: now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX),
                    error,
                },
                _ => Outcome::Dead {
                    error: format!("gave up after {failed_attempts} attempts: {error}"),
                },
            }
        }
    }
}

/// Deletes finished rows past their keeping time and gives up rows queued too long ago.
async fn clean_up(app: App, policy: Arc<QueuePolicy>) {
    let mut tick = tokio::time::interval(policy.cleanup_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = clean_up_once(&app.db, &policy, Utc::now()).await {
            tracing::warn!(error = %format!("{e:#}"), "delivery clean-up failed");
        }
    }
}

/// One round of [`clean_up`]; public for tests and maintenance commands.
pub async fn clean_up_once(
    db: &Db,
    policy: &QueuePolicy,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let ago =
        |d: Duration| -> anyhow::Result<DateTime<Utc>> { Ok(now - chrono::Duration::from_std(d)?) };
    let given_up = deliveries::give_up_old_deliveries(db, ago(policy.give_up_after)?, now).await?;
    let deleted =
        deliveries::delete_finished_deliveries(db, ago(policy.keep_done)?, ago(policy.keep_dead)?)
            .await?;
    if given_up > 0 || deleted > 0 {
        tracing::info!(given_up, deleted, "delivery queue cleaned up");
    }
    // The health page charts 30 days and lists recent signature failures.
    let forget = ago(super::policy::KEEP_HEALTH_HISTORY)?;
    federation_health::delete_delivery_counts_before(db, forget).await?;
    federation_health::delete_signature_failures_before(db, forget).await?;
    Ok(())
}

#[cfg(test)]
mod tests;
