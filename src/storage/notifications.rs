//! What an author's notifications read besides comments and reactions: who followed them.

use chrono::{DateTime, Utc};

use super::avatars::{PROFILE_COLUMNS, Profile};
use super::{Db, Result, with_db};

#[derive(sqlx::FromRow)]
struct FollowRow {
    followed_at: DateTime<Utc>,
    #[sqlx(flatten)]
    actor: Profile,
}

/// The latest followers of local actor `local_actor_id`, newest first, with when they followed.
pub async fn recent_followers(
    db: &Db,
    local_actor_id: i64,
    limit: i64,
) -> Result<Vec<(Profile, DateTime<Utc>)>> {
    let sql = format!(
        "SELECT f.created_at AS followed_at, {PROFILE_COLUMNS} FROM followers f JOIN remote_actors r ON r.id = f.remote_actor_id \
         WHERE f.local_actor_id = $1 ORDER BY f.created_at DESC, r.id DESC LIMIT $2"
    );
    let rows = with_db!(db, p => sqlx::query_as::<_, FollowRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(local_actor_id).bind(limit).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| (r.actor, r.followed_at)).collect())
}
