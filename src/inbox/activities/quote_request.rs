//! `QuoteRequest` (FEP-044f): someone's post quotes one of ours and asks for consent, as
//! Mastodon 4.5 does before it shows the quote. The quoting post (`instrument`, an id or the
//! embedded post) must be the requester's own; the answer follows the post's quote policy.

use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::{local_post, signer};
use crate::actions::quotes;
use crate::domain::links::http_url;
use crate::federation::Data;
use crate::federation::objects::peer::PeerId;
use crate::federation::quote_consent::QuoteRequest as Request;
use crate::inbox::InboxError;
use crate::inbox::wire::{id_of, same_host, text};

#[derive(Debug, Deserialize)]
pub struct QuoteRequest {
    id: Url,
    actor: PeerId,
    /// The post to be quoted: ours or not.
    #[serde(deserialize_with = "id_of")]
    object: Url,
    /// The quoting post: its id, or the post itself.
    instrument: Value,
}

activity!(QuoteRequest);

impl QuoteRequest {
    /// The quoting post's id.
    fn quote(&self) -> Result<Url, InboxError> {
        let id = crate::federation::json_id(&self.instrument).ok_or_else(|| {
            InboxError::BadRequest("the quote request names no quoting post".into())
        })?;
        Url::parse(&id)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                InboxError::BadRequest("the quoting post's id is not an http(s) URL".into())
            })
    }

    async fn check(&self, _data: &Data) -> Result<(), InboxError> {
        let actor = self.actor.inner().as_str();
        let quote = self.quote()?;
        if !same_host(quote.as_str(), actor) {
            return Err(InboxError::BadRequest(
                "the quoting post is not on the requester's server".into(),
            ));
        }
        if let Some(author) = self
            .instrument
            .get("attributedTo")
            .map(crate::federation::json_id)
            && author.as_deref() != Some(actor)
        {
            return Err(InboxError::BadRequest(
                "the quoting post is not the requester's".into(),
            ));
        }
        Ok(())
    }

    async fn apply(self, data: &Data) -> Result<(), InboxError> {
        let app = data.app();
        let Some(post) = local_post(&app, self.object.as_str()).await? else {
            tracing::debug!(object = %self.object, "a quote request for a post not published here was ignored");
            return Ok(());
        };
        let quoter = signer(&self.actor, data).await?;
        let quote_url = text(&self.instrument, "url").and_then(http_url);
        let request = Request {
            id: self.id.clone(),
            object: self.object.clone(),
            instrument: self.quote()?,
        };
        quotes::answer_request(&app, &post, &request, quote_url.as_deref(), &quoter).await?;
        Ok(())
    }
}
