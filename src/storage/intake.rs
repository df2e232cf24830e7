//! Reactions from the inbox stored many at a time: one write transaction checks, records and
//! counts a whole batch of verified `Like` and `Announce` activities, so that a burst of them
//! (a post boosted far and wide) costs one commit per batch instead of several per activity.

use chrono::{DateTime, Utc};

use super::blocks::IS_BLOCKED;
use super::changes::Change;
use super::follows::COMMUNITY_HAS_FOLLOWERS;
use super::posts::TOUCH_CONVERSATION;
use super::reactions::ReactionKind;
use super::reactions::{INSERT_REACTION, UPDATE_REACTION};
use super::remote::RECORD_ACTIVITY;
use super::site::BUMP_GENERATION;
use super::{BeginWrite, Db, Result, with_db};

/// A verified reaction to a local post, waiting to be stored.
#[derive(Debug, Clone)]
pub struct IncomingReaction {
    pub activity_id: String,
    /// The signer, who is the activity's actor.
    pub actor_uri: String,
    pub kind: ReactionKind,
    /// The slug of the local post the activity names.
    pub slug: String,
}

/// What became of one reaction of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeOutcome {
    /// The actor's first reaction of its kind to the post: counted. `avatar_wanted`: the
    /// actor's icon was not tried yet (read with the actor, so that no query of its own
    /// asks it again for every reaction).
    Counted {
        remote_actor_id: i64,
        avatar_wanted: bool,
    },
    /// The actor had already reacted so: its latest activity id is kept (an Undo of either
    /// finds it), the count is unchanged.
    Repeated,
    /// This activity id was processed before: nothing changes.
    Replayed,
    /// No published post has that slug: ignored, and remembered as processed.
    NoSuchPost,
    /// The actor or its domain is blocked here: refused, not recorded.
    Blocked,
    /// No stored actor has that id (its key outlived it in a cache): not recorded.
    UnknownActor,
}

const FIND_ACTOR: &str = "SELECT id, domain, \
    CASE WHEN icon_url IS NOT NULL AND COALESCE(avatar_source, '') <> icon_url THEN 1 ELSE 0 END \
    FROM remote_actors WHERE uri = $1";
/// The activity type a reaction arrived as, as `inbox_activities` records it.
fn activity_type(kind: ReactionKind) -> &'static str {
    match kind {
        ReactionKind::Like => "Like",
        ReactionKind::Announce => "Announce",
    }
}

/// What one batch stored.
#[derive(Debug)]
pub struct StoredBatch {
    /// One outcome per reaction, in order.
    pub outcomes: Vec<IntakeOutcome>,
    /// The new content generation with what changed, when any count changed.
    pub generation: Option<(i64, Change)>,
    /// Whether the community had followers when a `Like` of the batch was counted (asked once
    /// per batch, and only then: the community relays the votes it counts, FEP-1b12).
    pub community_followed: bool,
}

/// Stores `batch` in one write transaction. Either all of it is stored or none.
pub async fn record_reactions(
    db: &Db,
    batch: &[IncomingReaction],
    now: DateTime<Utc>,
) -> Result<StoredBatch> {
    let stored = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut touched = Vec::new();
        for r in batch {
            let actor: Option<(i64, String, i32)> =
                sqlx::query_as(FIND_ACTOR).bind(r.actor_uri.as_str()).fetch_optional(&mut *tx).await?;
            let Some((actor_id, domain, avatar_wanted)) = actor else {
                outcomes.push(IntakeOutcome::UnknownActor);
                continue;
            };
            let blocks: i64 = sqlx::query_scalar(IS_BLOCKED)
                .bind(r.actor_uri.as_str())
                .bind(domain.to_ascii_lowercase())
                .fetch_one(&mut *tx)
                .await?;
            if blocks > 0 {
                outcomes.push(IntakeOutcome::Blocked);
                continue;
            }
            let first_time = sqlx::query(RECORD_ACTIVITY)
                .bind(r.activity_id.as_str())
                .bind(activity_type(r.kind))
                .bind(r.actor_uri.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if first_time == 0 {
                outcomes.push(IntakeOutcome::Replayed);
                continue;
            }
            let counted: Option<i64> = sqlx::query_scalar(INSERT_REACTION)
                .bind(r.slug.as_str())
                .bind(actor_id)
                .bind(r.kind.as_str())
                .bind(r.activity_id.as_str())
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(post_id) = counted {
                touched.push(post_id);
                outcomes.push(IntakeOutcome::Counted {
                    remote_actor_id: actor_id,
                    avatar_wanted: avatar_wanted != 0,
                });
                continue;
            }
            let kept = sqlx::query(UPDATE_REACTION)
                .bind(r.activity_id.as_str())
                .bind(r.slug.as_str())
                .bind(actor_id)
                .bind(r.kind.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            outcomes.push(if kept > 0 { IntakeOutcome::Repeated } else { IntakeOutcome::NoSuchPost });
        }
        // Each post's conversation changed once, however many reactions it got.
        touched.sort_unstable();
        touched.dedup();
        for post_id in &touched {
            sqlx::query(TOUCH_CONVERSATION).bind(now).bind(*post_id).execute(&mut *tx).await?;
        }
        let generation = if !touched.is_empty() {
            let change = Change::PostPages(touched.clone());
            let g = sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(change.encode()).fetch_one(&mut *tx).await?;
            Some((g, change))
        } else {
            None
        };
        let counted_like = batch.iter().zip(&outcomes).any(|(r, o)| {
            r.kind == ReactionKind::Like && matches!(o, IntakeOutcome::Counted { .. })
        });
        let community_followed = counted_like
            && sqlx::query_scalar::<_, bool>(COMMUNITY_HAS_FOLLOWERS).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(StoredBatch { outcomes, generation, community_followed })
    })?;
    Ok(stored)
}
