//! Handing activities to the delivery queue: one stored activity and one `deliveries` row per
//! inbox, written in one transaction, then the workers (`crate::queue`) are woken.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Notify;
use url::Url;

use super::{integrity, keys};
use crate::app::App;
use crate::storage::StorageError;
use crate::storage::deliveries::{self, NewActivity, NewDelivery};

/// Wakes this process's workers when something was queued. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct QueueHandle {
    wake: Arc<Notify>,
}

impl QueueHandle {
    pub fn new() -> QueueHandle {
        QueueHandle::default()
    }

    /// Wakes every idle worker; a busy one looks again when it finishes its batch.
    pub fn wake(&self) {
        self.wake.notify_waiters();
        self.wake.notify_one();
    }

    pub fn notify(&self) -> &Notify {
        &self.wake
    }
}

/// An activity to deliver.
#[derive(Debug, Clone)]
pub struct OutgoingActivity {
    /// Its id, where it is also served.
    pub id: Url,
    /// The local actor that signs it.
    pub local_actor_id: i64,
    /// The activity type (`Create`, `Announce`, ...), for logs.
    pub kind: String,
    pub payload: serde_json::Value,
    /// The activity that must reach (or be given up for) each inbox first.
    pub after: Option<Url>,
}

/// The activity with an integrity proof (FEP-8b32, `eddsa-jcs-2022`) by its actor's Ed25519
/// key, so that a server it is forwarded to can trust it without asking us. Without a key
/// (which should not happen) it goes without, as activities did before there were proofs.
async fn with_proof(app: &App, activity: &OutgoingActivity) -> serde_json::Value {
    let signed = match keys::proof_signer(app, activity.local_actor_id).await {
        Ok(signer) => integrity::attach(
            &activity.payload,
            &signer.key,
            &signer.verification_method,
            Utc::now(),
        )
        .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    signed.unwrap_or_else(|error| {
        tracing::warn!(activity = %activity.id, %error, "cannot sign the activity's proof; sent without");
        activity.payload.clone()
    })
}

/// Queues `activity` for every inbox in `inboxes` (duplicates are dropped, and an (activity,
/// inbox) pair already queued is not queued again), in one transaction, then wakes the
/// workers. Inboxes that are not http(s) URLs with a host are skipped. Returns the number of
/// deliveries queued.
pub async fn enqueue(
    app: &App,
    activity: &OutgoingActivity,
    inboxes: &[Url],
) -> Result<usize, StorageError> {
    let payload = with_proof(app, activity).await.to_string();
    let rows: Vec<NewDelivery> = inboxes
        .iter()
        .filter_map(|inbox| match crate::urls::instance_of(inbox) {
            Some(domain) => Some(NewDelivery {
                inbox: inbox.as_str().to_owned(),
                domain,
            }),
            None => {
                tracing::warn!(%inbox, activity = %activity.id, "not an inbox URL; skipped");
                None
            }
        })
        .collect();
    let new = NewActivity {
        id: activity.id.as_str(),
        local_actor_id: activity.local_actor_id,
        kind: &activity.kind,
        payload: &payload,
        after: activity.after.as_ref().map(Url::as_str),
    };
    let queued =
        deliveries::insert_activity_with_deliveries(&app.db, new, &rows, Utc::now()).await?;
    tracing::debug!(activity = %activity.id, kind = %activity.kind, queued, "activity queued");
    if queued > 0 {
        app.fed.queue.wake();
    }
    Ok(queued)
}
