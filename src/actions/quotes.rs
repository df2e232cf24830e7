//! Quote consent: answering a `QuoteRequest` for one of our posts under its quote policy, and
//! taking an allowed quote back. Each answer is stored before it is sent, so a repeated request
//! gets the same authorization and a revoked quote is never allowed again.

use crate::actions::moderation::ModerationError;
use crate::app::App;
use crate::domain::quotes::QuoteDecision;
use crate::domain::time;
use crate::federation::keys;
use crate::federation::quote_consent::{self, QuoteRequest};
use crate::storage::posts::Post;
use crate::storage::quotes::{self, Authorization, NewAuthorization};
use crate::storage::remote::RemoteActor;
use crate::storage::{follows, site};

type Result<T, E = ModerationError> = std::result::Result<T, E>;

/// Answers `request` from `quoter` to quote `post` (published, ours): `Accept` with an
/// authorization when the policy allows it, else `Reject`. `quote_url` is the quoting post's
/// web address, when it gave an http(s) one. Gives the decision.
pub async fn answer_request(
    app: &App,
    post: &Post,
    request: &QuoteRequest,
    quote_url: Option<&str>,
    quoter: &RemoteActor,
) -> Result<QuoteDecision> {
    let policy = match post.quote_policy {
        Some(p) => p,
        None => site::site_quote_policy(&app.db).await?,
    };
    let author = keys::person_actor(app, post.author.id).await?;
    let community = keys::community_actor(app).await?;
    let follows = follows::is_follower(&app.db, author.id, quoter.id).await?
        || follows::is_follower(&app.db, community.id, quoter.id).await?;
    let allowed = match policy.decide(follows) {
        QuoteDecision::Accept => {
            let row = quotes::authorize(
                &app.db,
                &NewAuthorization {
                    post_id: post.id,
                    remote_actor_id: quoter.id,
                    quote_uri: request.instrument.as_str(),
                    quote_url,
                    request_id: request.id.as_str(),
                    now: time::now(),
                },
            )
            .await?;
            // The author took this quote back once: it stays taken back.
            row.revoked_at.is_none().then_some(row)
        }
        QuoteDecision::Reject => None,
    };
    app.content_changed().await;
    match allowed {
        Some(row) => {
            quote_consent::accept_quote(app, post, request, &row, quoter).await?;
            tracing::info!(quote = %request.instrument, post = %post.slug, "quote allowed");
            Ok(QuoteDecision::Accept)
        }
        None => {
            quote_consent::reject_quote(app, post, request, quoter).await?;
            tracing::info!(quote = %request.instrument, post = %post.slug, ?policy, "quote refused");
            Ok(QuoteDecision::Reject)
        }
    }
}

/// Takes back allowed quote `id`: it no longer counts, its authorization answers 410, and a
/// public `Delete` of it goes to the quoter and the followers. False when it was already
/// taken back.
pub async fn revoke(app: &App, allowed: &Authorization) -> Result<bool> {
    if !quotes::revoke(&app.db, allowed.id, time::now()).await? {
        return Ok(false);
    }
    app.content_changed().await;
    quote_consent::revoke_quote(app, allowed).await?;
    Ok(true)
}

/// The quoting post `quote_uri` of `quoter` was deleted: it no longer counts.
pub async fn quote_deleted(app: &App, quoter: &RemoteActor, quote_uri: &str) -> Result<()> {
    if quotes::forget_quote(&app.db, quoter.id, quote_uri).await? {
        app.content_changed().await;
    }
    Ok(())
}
