//! `Flag`: a report from another server (usually its instance actor) about content or accounts
//! here. Kept for the admins when it names something of ours: a post, an author, or a comment
//! shown under a post.

use serde_json::Value;
use url::Url;

use crate::app::App;
use crate::domain::time;
use crate::federation::inbox::{InboxError, Incoming};
use crate::federation::json_id;
use crate::storage::comments;
use crate::storage::remote::RemoteActor;
use crate::storage::reports;
use crate::urls;

/// Most objects kept from one report.
pub const MAX_REPORTED_OBJECTS: usize = 50;
/// Longest report text kept, in characters.
pub const MAX_REPORT_CHARS: usize = 5000;

pub async fn receive(
    app: &App,
    activity: &Incoming,
    signer: &RemoteActor,
) -> Result<(), InboxError> {
    let objects: Vec<String> = match activity.object() {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(json_id)
            .take(MAX_REPORTED_OBJECTS)
            .collect(),
        Some(v) => json_id(v).into_iter().collect(),
        None => return Err(InboxError::BadRequest("Flag without an object".into())),
    };
    let mut ours = false;
    for id in &objects {
        let local = Url::parse(id).is_ok_and(|u| urls::is_local(&app.config, &u));
        if local || comments::find_comment_by_uri(&app.db, id).await?.is_some() {
            ours = true;
            break;
        }
    }
    if !ours {
        tracing::debug!(id = %activity.id, "a report about nothing here was ignored");
        return Ok(());
    }
    let comment: String = activity
        .raw
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(MAX_REPORT_CHARS)
        .collect();
    if reports::insert_report(
        &app.db,
        &activity.id,
        &signer.uri,
        &comment,
        &objects,
        time::now(),
    )
    .await?
    {
        tracing::warn!(reporter = %signer.uri, objects = objects.len(), "a report arrived for the admins");
    }
    Ok(())
}
