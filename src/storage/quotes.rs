//! The `quote_authorizations` table: the quotes of local posts asked for, one per post and
//! quoting object, so a repeated `QuoteRequest` gets the same answer: held for the author
//! (`pending`), `allowed` (the row's id names the authorization) or `refused`. A revoked
//! authorization stays (its id answers 410) and no longer counts.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::avatars::{PROFILE_COLUMNS, Profile};
use super::changes::Change;
use super::site::BUMP_GENERATION;
use super::{BeginWrite, Db, Result, with_db};
use crate::domain::quotes::QuoteState;

/// A quote this site allowed, with the quoted post and who quoted it.
#[derive(Debug, Clone, FromRow)]
pub struct Authorization {
    pub id: i64,
    pub post_id: i64,
    pub post_slug: String,
    pub post_title: String,
    pub author_id: i64,
    pub author_username: String,
    pub quote_uri: String,
    pub quote_url: Option<String>,
    pub request_id: String,
    state: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    pub quoter: Profile,
}

impl Authorization {
    pub fn state(&self) -> QuoteState {
        QuoteState::from_stored(&self.state)
    }

    /// Allowed and not taken back: the quote counts and its authorization is served.
    pub fn in_force(&self) -> bool {
        self.state() == QuoteState::Allowed && self.revoked_at.is_none()
    }
}

const SELECT: &str = "SELECT q.id, q.post_id, p.slug AS post_slug, p.title AS post_title, \
    p.author_id, u.username AS author_username, q.quote_uri, q.quote_url, q.request_id, \
    q.state, q.created_at, q.revoked_at, {PROFILE} \
    FROM quote_authorizations q JOIN posts p ON p.id = q.post_id JOIN users u ON u.id = p.author_id \
    JOIN remote_actors r ON r.id = q.remote_actor_id";

fn select(filter: &str) -> String {
    format!("{} {filter}", SELECT.replace("{PROFILE}", PROFILE_COLUMNS))
}

/// What a new authorization records.
#[derive(Debug, Clone)]
pub struct NewAuthorization<'a> {
    pub post_id: i64,
    pub remote_actor_id: i64,
    pub quote_uri: &'a str,
    pub quote_url: Option<&'a str>,
    pub request_id: &'a str,
    pub state: QuoteState,
    pub now: DateTime<Utc>,
}

/// Records the answer `n.state` to a request to quote post `n.post_id` with `n.quote_uri`, or
/// finds the row a previous request made, whatever it says (a quote refused or taken back is
/// not allowed again by asking again). The post's page lists its quotes, so it is marked
/// changed.
pub async fn record(db: &Db, n: &NewAuthorization<'_>) -> Result<Authorization> {
    let insert = "INSERT INTO quote_authorizations \
        (post_id, remote_actor_id, quote_uri, quote_url, request_id, created_at, state) \
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (post_id, quote_uri) DO NOTHING RETURNING id";
    let existing = "SELECT id FROM quote_authorizations WHERE post_id = $1 AND quote_uri = $2";
    let id = with_db!(db, p => async {
        let mut tx = p.begin_write().await?;
        let new: Option<i64> = sqlx::query_scalar(insert)
            .bind(n.post_id).bind(n.remote_actor_id).bind(n.quote_uri).bind(n.quote_url)
            .bind(n.request_id).bind(n.now).bind(n.state.as_str())
            .fetch_optional(&mut *tx).await?;
        let id = match new {
            Some(id) => {
                sqlx::query_scalar::<_, i64>(BUMP_GENERATION)
                    .bind(Change::PostPages(vec![n.post_id]).encode())
                    .fetch_one(&mut *tx).await?;
                id
            }
            None => sqlx::query_scalar(existing).bind(n.post_id).bind(n.quote_uri).fetch_one(&mut *tx).await?,
        };
        tx.commit().await?;
        Ok::<_, sqlx::Error>(id)
    }
    .await)?;
    Ok(find_authorization(db, id)
        .await?
        .expect("the authorization was just written"))
}

pub async fn find_authorization(db: &Db, id: i64) -> Result<Option<Authorization>> {
    let sql = select("WHERE q.id = $1");
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Authorization>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(p).await)?,
    )
}

/// The quotes of post `post_id` still allowed, oldest first.
pub async fn post_quotes(db: &Db, post_id: i64, limit: i64) -> Result<Vec<Authorization>> {
    let sql = select(
        "WHERE q.post_id = $1 AND q.state = 'allowed' AND q.revoked_at IS NULL \
         ORDER BY q.created_at, q.id LIMIT $2",
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Authorization>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post_id).bind(limit).fetch_all(p).await)?,
    )
}

/// How many quotes of post `post_id` are allowed.
pub async fn count_post_quotes(db: &Db, post_id: i64) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM quote_authorizations \
               WHERE post_id = $1 AND state = 'allowed' AND revoked_at IS NULL";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(post_id).fetch_one(p).await)?)
}

/// The quotes of the posts of author `author_id` (every author's with `None`), newest first,
/// revoked ones included.
pub async fn list_quotes(
    db: &Db,
    author_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Authorization>> {
    let sql = select(
        "WHERE ($1 IS NULL OR p.author_id = $1) ORDER BY q.created_at DESC, q.id DESC LIMIT $2",
    );
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Authorization>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(author_id).bind(limit).fetch_all(p).await)?,
    )
}

/// Revokes authorization `id`; false when it was not in force.
pub async fn revoke(db: &Db, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE quote_authorizations SET revoked_at = $1 \
               WHERE id = $2 AND state = 'allowed' AND revoked_at IS NULL RETURNING post_id";
    changed(db, sql, now, id).await
}

/// The author's answer to held request `id`: allowed (at `now`) or refused; false when it
/// was not waiting.
pub async fn decide(db: &Db, id: i64, allow: bool, now: DateTime<Utc>) -> Result<bool> {
    let sql = if allow {
        "UPDATE quote_authorizations SET state = 'allowed', created_at = $1 \
         WHERE id = $2 AND state = 'pending' RETURNING post_id"
    } else {
        "UPDATE quote_authorizations SET state = 'refused', created_at = $1 \
         WHERE id = $2 AND state = 'pending' RETURNING post_id"
    };
    changed(db, sql, now, id).await
}

/// How many requests to quote posts of `author_id` (every author's with `None`) wait.
pub async fn count_pending(db: &Db, author_id: Option<i64>) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM quote_authorizations q JOIN posts p ON p.id = q.post_id \
               WHERE q.state = 'pending' AND ($1 IS NULL OR p.author_id = $1)";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(author_id).fetch_one(p).await)?)
}

/// Forgets the quotes made by object `quote_uri` of actor `remote_actor_id` (the quoting post
/// was deleted); true when one was forgotten.
pub async fn forget_quote(db: &Db, remote_actor_id: i64, quote_uri: &str) -> Result<bool> {
    let sql = "DELETE FROM quote_authorizations WHERE remote_actor_id = $1 AND quote_uri = $2 \
               RETURNING post_id";
    Ok(with_db!(db, p => async {
        let mut tx = p.begin_write().await?;
        let posts: Vec<i64> = sqlx::query_scalar(sql).bind(remote_actor_id).bind(quote_uri)
            .fetch_all(&mut *tx).await?;
        if !posts.is_empty() {
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION)
                .bind(Change::PostPages(posts.clone()).encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(!posts.is_empty())
    }
    .await)?)
}

async fn changed(db: &Db, sql: &'static str, now: DateTime<Utc>, id: i64) -> Result<bool> {
    Ok(with_db!(db, p => async {
        let mut tx = p.begin_write().await?;
        let posts: Vec<i64> = sqlx::query_scalar(sql).bind(now).bind(id).fetch_all(&mut *tx).await?;
        if !posts.is_empty() {
            sqlx::query_scalar::<_, i64>(BUMP_GENERATION)
                .bind(Change::PostPages(posts.clone()).encode()).fetch_one(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(!posts.is_empty())
    }
    .await)?)
}
