//! `Flag`: a report from another server (usually its instance actor) about content or accounts
//! here. Kept for the admins when it names something of ours: a post, an author, or a comment
//! shown under a post.

use activitypub_federation::kinds::activity::FlagType;
use activitypub_federation::protocol::helpers::deserialize_skip_error;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::signer;
use crate::domain::links::is_http_id;
use crate::domain::time;
use crate::federation::objects::peer::PeerId;
use crate::federation::{Data, json_id};
use crate::inbox::InboxError;
use crate::storage::{comments, reports};
use crate::urls;

/// Most objects kept from one report.
pub const MAX_REPORTED_OBJECTS: usize = 50;
/// Longest report text kept, in characters.
pub const MAX_REPORT_CHARS: usize = 5000;

#[derive(Debug, Deserialize)]
pub struct Flag {
    id: Url,
    #[serde(rename = "type")]
    _kind: FlagType,
    actor: PeerId,
    /// What is reported: one id or object, or a list of them.
    object: Value,
    /// The reporter's words (anything but a string is ignored).
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    content: Option<String>,
}

impl Flag {
    /// The ids reported; only http(s) URLs are kept (anything else names nothing we could
    /// show or look up).
    fn objects(&self) -> Vec<String> {
        match &self.object {
            Value::Array(items) => items
                .iter()
                .filter_map(json_id)
                .filter(|id| is_http_id(id))
                .take(MAX_REPORTED_OBJECTS)
                .collect(),
            v => json_id(v).into_iter().filter(|id| is_http_id(id)).collect(),
        }
    }
}

activity!(Flag);

impl Flag {
    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        if self.objects().is_empty() {
            return Err(InboxError::BadRequest("Flag without an object".into()));
        }
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        let app = data.app();
        let objects = self.objects();
        let mut ours = false;
        for id in &objects {
            let local = Url::parse(id).is_ok_and(|u| urls::is_local(&app.config, &u));
            if local || comments::find_comment_by_uri(&app.db, id).await?.is_some() {
                ours = true;
                break;
            }
        }
        if !ours {
            tracing::debug!(id = %self.id, "a report about nothing here was ignored");
            return Ok(());
        }
        let reporter = signer(&self.actor, data).await?;
        let comment: String = self
            .content
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(MAX_REPORT_CHARS)
            .collect();
        if reports::insert_report(
            &app.db,
            self.id.as_str(),
            &reporter.uri,
            &comment,
            &objects,
            time::now(),
        )
        .await?
        {
            tracing::warn!(reporter = %reporter.uri, objects = objects.len(), "a report arrived for the admins");
        }
        Ok(())
    }
}
