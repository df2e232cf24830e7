//! The inbox's lane for reactions. A `Like` or `Announce` of a local post, signed with a key
//! already in the cache, is verified by the request's own task and then handed to one writer
//! task, which stores whatever has queued up meanwhile in a single transaction
//! (`storage::intake`). Each request still waits for its own outcome, so `202 Accepted` means
//! stored; under load the batches grow by themselves, and SQLite commits once per batch
//! instead of several times per activity.

use tokio::sync::{mpsc, oneshot};

use super::{Envelope, InboxError};
use crate::app::App;
use crate::cache::PageCache;
use crate::domain::time;
use crate::federation::avatars;
use crate::storage::Db;
use crate::storage::intake::{self, IncomingReaction, IntakeOutcome};
use crate::storage::reactions::ReactionKind;
use crate::urls;
use crate::urls::slug_from_url;

/// Most reactions stored in one transaction.
pub const BATCH_MAX: usize = 256;
/// Reactions waiting for the writer before senders wait to hand theirs over.
const QUEUE_LENGTH: usize = 4 * BATCH_MAX;

/// A reaction's outcome, and whether the community relays it (a counted `Like` while the
/// community has followers).
type Reply = oneshot::Sender<Result<(IntakeOutcome, bool), String>>;

/// The handle requests use; cloning it shares the one writer.
#[derive(Clone)]
pub struct Intake {
    jobs: mpsc::Sender<(IncomingReaction, Reply)>,
}

impl Intake {
    /// Starts the writer. It ends when the last handle is dropped.
    pub fn start(db: Db, pages: PageCache) -> Intake {
        let (jobs, queue) = mpsc::channel(QUEUE_LENGTH);
        tokio::spawn(writer(db, pages, queue));
        Intake { jobs }
    }

    /// Stores `reaction` with whatever else is waiting, and gives its outcome.
    async fn submit(
        &self,
        reaction: IncomingReaction,
    ) -> Result<(IntakeOutcome, bool), InboxError> {
        let (reply, outcome) = oneshot::channel();
        let stopped = || InboxError::Unavailable("the server is shutting down".into());
        self.jobs
            .send((reaction, reply))
            .await
            .map_err(|_| stopped())?;
        outcome
            .await
            .map_err(|_| stopped())?
            .map_err(InboxError::Internal)
    }
}

async fn writer(db: Db, pages: PageCache, mut queue: mpsc::Receiver<(IncomingReaction, Reply)>) {
    let mut batch = Vec::with_capacity(BATCH_MAX);
    loop {
        if queue.recv_many(&mut batch, BATCH_MAX).await == 0 {
            return; // every handle is gone
        }
        let (reactions, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        match intake::record_reactions(&db, &reactions, time::now()).await {
            Ok(stored) => {
                if let Some((g, change)) = stored.generation {
                    pages.apply_own(&db, g, change).await;
                }
                for ((reply, outcome), reaction) in
                    replies.into_iter().zip(stored.outcomes).zip(&reactions)
                {
                    let relayed = stored.community_followed
                        && reaction.kind == ReactionKind::Like
                        && matches!(outcome, IntakeOutcome::Counted { .. });
                    let _ = reply.send(Ok((outcome, relayed)));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, reactions = reactions.len(), "storing a batch of reactions failed");
                for reply in replies {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// The reaction `activity` is, when it is a `Like` or `Announce` of a post of this server
/// (anything else takes the general path).
pub fn as_reaction(app: &App, activity: &Envelope) -> Option<IncomingReaction> {
    let kind = match activity.kind.as_str() {
        "Like" => ReactionKind::Like,
        "Announce" => ReactionKind::Announce,
        _ => return None,
    };
    reaction(
        app,
        kind,
        &activity.id,
        &activity.actor,
        &activity.object_id()?,
    )
}

/// A `kind` reaction with id `id` by `actor` to `object`, when `object` is a post here.
pub fn reaction(
    app: &App,
    kind: ReactionKind,
    id: &str,
    actor: &str,
    object: &str,
) -> Option<IncomingReaction> {
    let url = url::Url::parse(object).ok()?;
    if !urls::is_local(&app.config, &url) {
        return None;
    }
    let slug = slug_from_url(&app.config.base_url, object)?;
    Some(IncomingReaction {
        activity_id: id.to_owned(),
        actor_uri: actor.to_owned(),
        kind,
        slug,
    })
}

/// Stores a reaction whose signature was verified as its actor's; `Ok(true)` when it is a
/// vote the community relays to its followers. `None` when the actor is not stored here,
/// for the general path to resolve.
pub async fn receive(app: &App, reaction: IncomingReaction) -> Option<Result<bool, InboxError>> {
    let actor = reaction.actor_uri.clone();
    let (outcome, relayed) = match app.intake.submit(reaction).await {
        Ok(taken) => taken,
        Err(e) => return Some(Err(e)),
    };
    Some(match outcome {
        IntakeOutcome::Counted {
            remote_actor_id,
            avatar_wanted,
        } => {
            if avatar_wanted {
                avatars::ensure(app, remote_actor_id);
            }
            Ok(relayed)
        }
        IntakeOutcome::Repeated | IntakeOutcome::Replayed | IntakeOutcome::NoSuchPost => Ok(false),
        IntakeOutcome::Blocked => Err(InboxError::Forbidden(format!("{actor} is blocked here"))),
        IntakeOutcome::UnknownActor => return None,
    })
}
