//! The `post_mentions` table: who a post mentions (resolved when it was published).

use std::collections::HashMap;

use sqlx::FromRow;

use super::{BeginWrite, Db, Result, with_db};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Mention {
    /// The mentioned actor's id.
    pub actor_uri: String,
    /// `user@host` as resolved (host in lower case).
    pub handle: String,
    /// Their profile page, which the post's text links to.
    pub profile_url: String,
    /// Where activities about the post reach them (their server's shared inbox if it has one).
    pub inbox: String,
}

/// The actors post `post_id` mentions, in the order they were stored.
pub async fn post_mentions(db: &Db, post_id: i64) -> Result<Vec<Mention>> {
    let sql = "SELECT actor_uri, handle, profile_url, inbox FROM post_mentions WHERE post_id = $1 ORDER BY handle";
    Ok(with_db!(db, p => sqlx::query_as::<_, Mention>(sql).bind(post_id).fetch_all(p).await)?)
}

/// The actors each of `post_ids` mentions (posts that mention nobody are absent), for
/// collections that list several posts.
pub async fn mentions_of_posts(db: &Db, post_ids: &[i64]) -> Result<HashMap<i64, Vec<Mention>>> {
    if post_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let placeholders: Vec<String> = (1..=post_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT post_id, actor_uri, handle, profile_url, inbox FROM post_mentions WHERE post_id IN ({}) ORDER BY post_id, handle",
        placeholders.join(", ")
    );
    let rows: Vec<PostMention> = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, PostMention>(sqlx::AssertSqlSafe(sql.as_str()));
        for id in post_ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })?;
    let mut out: HashMap<i64, Vec<Mention>> = HashMap::new();
    for r in rows {
        out.entry(r.post_id).or_default().push(r.mention);
    }
    Ok(out)
}

#[derive(FromRow)]
struct PostMention {
    post_id: i64,
    #[sqlx(flatten)]
    mention: Mention,
}

/// Replaces the mentions of post `post_id`.
pub async fn set_post_mentions(db: &Db, post_id: i64, mentions: &[Mention]) -> Result<()> {
    let insert = "INSERT INTO post_mentions (post_id, actor_uri, handle, profile_url, inbox) VALUES ($1, $2, $3, $4, $5) \
                  ON CONFLICT (post_id, actor_uri) DO NOTHING";
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("DELETE FROM post_mentions WHERE post_id = $1").bind(post_id).execute(&mut *tx).await?;
        for m in mentions {
            sqlx::query(insert).bind(post_id).bind(&m.actor_uri).bind(&m.handle).bind(&m.profile_url).bind(&m.inbox)
                .execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}
