//! Quote consent: answering a `QuoteRequest` for one of our posts under its quote policy, and
//! taking an allowed quote back. Each answer is stored before it is sent, so a repeated request
//! gets the same authorization and a revoked quote is never allowed again.

use crate::actions::moderation::ModerationError;
use crate::app::App;
use crate::domain::quotes::{QuoteDecision, QuotePolicy, QuoteState};
use crate::domain::time;
use crate::federation::keys;
use crate::federation::quote_consent::{self, QuoteRequest};
use crate::storage::posts::Post;
use crate::storage::quotes::{self, Authorization, NewAuthorization};
use crate::storage::remote::RemoteActor;
use crate::storage::{follows, remote, site};
use crate::urls;

type Result<T, E = ModerationError> = std::result::Result<T, E>;

/// Answers `request` from `quoter` to quote `post` (published, ours) by the post's quote
/// policy: `Accept` with an authorization, `Reject`, or nothing yet when the author decides
/// (policy `ask`; see [`decide`]). A quote asked for again gets the answer it got before: a
/// quote refused or taken back stays so. `quote_url` is the quoting post's web address, when
/// it gave an http(s) one. Gives the decision.
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
    let state = match policy.decide(follows) {
        QuoteDecision::Accept => QuoteState::Allowed,
        QuoteDecision::Hold => QuoteState::Pending,
        QuoteDecision::Reject => {
            quote_consent::reject_quote(app, post.author.id, request, quoter).await?;
            tracing::info!(quote = %request.instrument, post = %post.slug, ?policy, "quote refused");
            return Ok(QuoteDecision::Reject);
        }
    };
    let row = quotes::record(
        &app.db,
        &NewAuthorization {
            post_id: post.id,
            remote_actor_id: quoter.id,
            quote_uri: request.instrument.as_str(),
            quote_url,
            request_id: request.id.as_str(),
            state,
            now: time::now(),
        },
    )
    .await?;
    app.content_changed().await;
    let decision = if row.in_force() {
        quote_consent::accept_quote(app, post.author.id, request, &row, quoter).await?;
        QuoteDecision::Accept
    } else if row.state() == QuoteState::Pending {
        QuoteDecision::Hold
    } else {
        quote_consent::reject_quote(app, post.author.id, request, quoter).await?;
        QuoteDecision::Reject
    };
    tracing::info!(quote = %request.instrument, post = %post.slug, ?decision, "quote request answered");
    Ok(decision)
}

/// The author's answer to a held request: `Accept` with the authorization, or `Reject`.
/// False when it was not waiting (answered already).
pub async fn decide(app: &App, held: &Authorization, allow: bool) -> Result<bool> {
    if !quotes::decide(&app.db, held.id, allow, time::now()).await? {
        return Ok(false);
    }
    app.content_changed().await;
    let Some(quoter) = remote::find_remote_actor_by_uri(&app.db, &held.quoter.uri).await? else {
        return Ok(true);
    };
    let (Ok(id), Ok(instrument)) = (
        url::Url::parse(&held.request_id),
        url::Url::parse(&held.quote_uri),
    ) else {
        return Ok(true);
    };
    let request = QuoteRequest {
        id,
        object: urls::article(&app.config, &held.post_slug),
        instrument,
    };
    if allow {
        quote_consent::accept_quote(app, held.author_id, &request, held, &quoter).await?;
    } else {
        quote_consent::reject_quote(app, held.author_id, &request, &quoter).await?;
    }
    Ok(true)
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

/// Sets who may quote new posts that do not choose.
pub async fn set_site_policy(app: &App, policy: QuotePolicy) -> Result<()> {
    site::set_site_quote_policy(&app.db, policy).await?;
    app.content_changed().await;
    Ok(())
}

/// The quoting post `quote_uri` of `quoter` was deleted: it no longer counts.
pub async fn quote_deleted(app: &App, quoter: &RemoteActor, quote_uri: &str) -> Result<()> {
    if quotes::forget_quote(&app.db, quoter.id, quote_uri).await? {
        app.content_changed().await;
    }
    Ok(())
}
