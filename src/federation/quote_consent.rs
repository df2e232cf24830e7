//! Quote consent out (FEP-044f, the shapes Mastodon 4.5 sends and reads): the answer to a
//! `QuoteRequest` — `Accept` whose `result` is our `QuoteAuthorization`, or `Reject` — and the
//! public `Delete` of an authorization the author revoked.

use serde_json::{Value, json};
use url::Url;

use super::error::Result;
use super::keys;
use super::objects::PUBLIC;
use super::objects::quote::authorization;
use super::outbox::send;
use crate::app::App;
use crate::storage::follows;
use crate::storage::quotes::Authorization;
use crate::storage::remote::RemoteActor;
use crate::urls;

/// A `QuoteRequest` as it arrived: echoed back as the object of the answer.
#[derive(Debug, Clone)]
pub struct QuoteRequest {
    pub id: Url,
    /// The post asked for: ours.
    pub object: Url,
    /// The quoting post.
    pub instrument: Url,
}

impl QuoteRequest {
    fn echo(&self, quoter: &RemoteActor) -> Value {
        json!({
            "id": self.id, "type": "QuoteRequest", "actor": quoter.uri,
            "object": self.object, "instrument": self.instrument,
        })
    }
}

/// Allows the quote: `Accept` from the post's author (`author_id`), `result` the authorization's id (on
/// this host, as Mastodon requires).
pub async fn accept_quote(
    app: &App,
    author_id: i64,
    request: &QuoteRequest,
    allowed: &Authorization,
    quoter: &RemoteActor,
) -> Result<()> {
    let author = keys::person_actor(app, author_id).await?;
    let actor_id = keys::actor_url(app, &author).await?;
    let id = urls::new_activity(&app.config);
    let result = urls::quote_authorization(&app.config, &allowed.author_username, allowed.id);
    let payload = json!({
        "id": id, "type": "Accept", "actor": actor_id, "to": [quoter.uri],
        "object": request.echo(quoter), "result": result,
    });
    send(
        app,
        &author,
        "Accept",
        id,
        payload,
        vec![quoter.delivery_inbox()],
    )
    .await
}

/// Refuses the quote: `Reject` of the request, from the post's author (`author_id`).
pub async fn reject_quote(
    app: &App,
    author_id: i64,
    request: &QuoteRequest,
    quoter: &RemoteActor,
) -> Result<()> {
    let author = keys::person_actor(app, author_id).await?;
    let actor_id = keys::actor_url(app, &author).await?;
    let id = urls::new_activity(&app.config);
    let payload = json!({
        "id": id, "type": "Reject", "actor": actor_id, "to": [quoter.uri],
        "object": request.echo(quoter),
    });
    send(
        app,
        &author,
        "Reject",
        id,
        payload,
        vec![quoter.delivery_inbox()],
    )
    .await
}

/// Takes an allowed quote back: a public `Delete` of the authorization, to the quoter and to
/// the author's and the community's followers (who may have seen the quote).
pub async fn revoke_quote(app: &App, revoked: &Authorization) -> Result<()> {
    let author = keys::person_actor(app, revoked.author_id).await?;
    let community = keys::community_actor(app).await?;
    let actor_id = keys::actor_url(app, &author).await?;
    let stamp = authorization(&app.config, revoked);
    let id = Url::parse(&format!(
        "{}#delete",
        stamp["id"].as_str().unwrap_or_default()
    ))
    .unwrap_or_else(|_| urls::new_activity(&app.config));
    let mut inboxes = follows::follower_inboxes(&app.db, &[author.id, community.id]).await?;
    if let Some(quoter) =
        crate::storage::remote::find_remote_actor_by_uri(&app.db, &revoked.quoter.uri).await?
    {
        inboxes.push(quoter.delivery_inbox());
    }
    inboxes.sort();
    inboxes.dedup();
    let payload = json!({
        "id": id, "type": "Delete", "actor": actor_id, "to": [PUBLIC],
        "object": stamp,
    });
    send(app, &author, "Delete", id, payload, inboxes).await
}
