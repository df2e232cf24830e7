//! What other servers told us: `remote_actors`, `remote_objects` (posts of followed actors),
//! and `inbox_activities` (ids already processed, so a replay changes nothing).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::changes::Change;
use super::site::BUMP_GENERATION;
use super::{BeginWrite, Db, Result, with_db};

/// Records an activity id as processed; a second time changes nothing.
pub(super) const RECORD_ACTIVITY: &str = "INSERT INTO inbox_activities (activity_id, kind, actor, received_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (activity_id) DO NOTHING";

#[derive(Debug, Clone, FromRow)]
pub struct RemoteActor {
    pub id: i64,
    pub uri: String,
    pub kind: String,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    pub url: Option<String>,
    pub icon_url: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub key_id: String,
    pub public_key_pem: String,
    pub fetched_at: DateTime<Utc>,
}

impl RemoteActor {
    /// Where to deliver to this actor: its server's shared inbox, else its own.
    pub fn delivery_inbox(&self) -> String {
        self.shared_inbox
            .clone()
            .unwrap_or_else(|| self.inbox.clone())
    }
}

/// A remote actor as parsed from its document, before it has a row id.
#[derive(Debug, Clone)]
pub struct RemoteActorData {
    pub uri: String,
    pub kind: String,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    pub url: Option<String>,
    pub icon_url: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub key_id: String,
    pub public_key_pem: String,
}

const ACTOR: &str = "SELECT id, uri, kind, username, domain, display_name, url, icon_url, inbox, shared_inbox, \
                     key_id, public_key_pem, fetched_at FROM remote_actors";

pub async fn upsert_remote_actor(
    db: &Db,
    a: &RemoteActorData,
    now: DateTime<Utc>,
) -> Result<RemoteActor> {
    let sql = format!(
        "INSERT INTO remote_actors (uri, kind, username, domain, display_name, url, icon_url, inbox, shared_inbox, \
         key_id, public_key_pem, fetched_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (uri) DO UPDATE SET kind = excluded.kind, username = excluded.username, \
         domain = excluded.domain, display_name = excluded.display_name, url = excluded.url, \
         icon_url = excluded.icon_url, inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, \
         key_id = excluded.key_id, public_key_pem = excluded.public_key_pem, fetched_at = excluded.fetched_at \
         RETURNING {}",
        &ACTOR["SELECT ".len()..ACTOR.find(" FROM").expect("constant")]
    );
    let row = with_db!(db, p => sqlx::query_as::<_, RemoteActor>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&a.uri).bind(&a.kind).bind(&a.username).bind(&a.domain).bind(&a.display_name)
        .bind(&a.url).bind(&a.icon_url).bind(&a.inbox).bind(&a.shared_inbox).bind(&a.key_id)
        .bind(&a.public_key_pem).bind(now)
        .fetch_one(p).await)?;
    Ok(row)
}

pub async fn find_remote_actor_by_uri(db: &Db, uri: &str) -> Result<Option<RemoteActor>> {
    let sql = format!("{ACTOR} WHERE uri = $1");
    Ok(
        with_db!(db, p => sqlx::query_as::<_, RemoteActor>(sqlx::AssertSqlSafe(sql.as_str())).bind(uri).fetch_optional(p).await)?,
    )
}

pub async fn find_remote_actor_by_key(db: &Db, key_id: &str) -> Result<Option<RemoteActor>> {
    let sql = format!("{ACTOR} WHERE key_id = $1");
    Ok(
        with_db!(db, p => sqlx::query_as::<_, RemoteActor>(sqlx::AssertSqlSafe(sql.as_str())).bind(key_id).fetch_optional(p).await)?,
    )
}

/// Forgets a remote actor (it was deleted): its follows and posts go with it.
pub async fn delete_remote_actor(db: &Db, id: i64) -> Result<()> {
    with_db!(db, p => sqlx::query("DELETE FROM remote_actors WHERE id = $1").bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Whether activity `id` was processed before.
pub async fn seen_activity(db: &Db, id: &str) -> Result<bool> {
    let sql = "SELECT COUNT(*) FROM inbox_activities WHERE activity_id = $1";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(p).await)? > 0)
}

/// Remembers that activity `id` was processed.
pub async fn record_activity(
    db: &Db,
    id: &str,
    kind: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO inbox_activities (activity_id, kind, actor, received_at) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (activity_id) DO NOTHING";
    with_db!(db, p => sqlx::query(sql).bind(id).bind(kind).bind(actor).bind(now).execute(p).await.map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct RemoteObject {
    pub id: i64,
    pub uri: String,
    pub remote_actor_id: Option<i64>,
    pub kind: String,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub content: String,
    pub url: Option<String>,
    pub in_reply_to: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub announced_by: Option<String>,
}

pub struct RemoteObjectData<'a> {
    pub uri: &'a str,
    pub remote_actor_id: i64,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub content: &'a str,
    pub url: Option<&'a str>,
    pub in_reply_to: Option<&'a str>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub announced_by: Option<&'a str>,
}

/// Stores or refreshes a remote object. Deliveries arrive in any order, so a copy older than
/// the stored one (by `updated`, else `published`) changes nothing: a late `Create` never
/// undoes an `Update`. An announcer is remembered whatever the age of the copy it came with.
pub async fn upsert_remote_object(
    db: &Db,
    o: &RemoteObjectData<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO remote_objects (uri, remote_actor_id, kind, name, summary, content, url, in_reply_to, \
               published, updated, received_at, announced_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
               ON CONFLICT (uri) DO UPDATE SET kind = excluded.kind, name = excluded.name, summary = excluded.summary, \
               content = excluded.content, url = excluded.url, updated = excluded.updated, \
               announced_by = COALESCE(excluded.announced_by, remote_objects.announced_by) \
               WHERE remote_objects.remote_actor_id = excluded.remote_actor_id AND remote_objects.deleted_at IS NULL \
               AND (COALESCE(remote_objects.updated, remote_objects.published) IS NULL \
                    OR COALESCE(excluded.updated, excluded.published) IS NULL \
                    OR COALESCE(excluded.updated, excluded.published) >= COALESCE(remote_objects.updated, remote_objects.published))";
    let changed = with_db!(db, p => sqlx::query(sql)
        .bind(o.uri).bind(o.remote_actor_id).bind(o.kind).bind(o.name).bind(o.summary).bind(o.content)
        .bind(o.url).bind(o.in_reply_to).bind(o.published).bind(o.updated).bind(now).bind(o.announced_by)
        .execute(p).await.map(|r| r.rows_affected()))?;
    if let (0, Some(by)) = (changed, o.announced_by) {
        let sql = "UPDATE remote_objects SET announced_by = $1 \
                   WHERE uri = $2 AND remote_actor_id = $3 AND deleted_at IS NULL";
        with_db!(db, p => sqlx::query(sql).bind(by).bind(o.uri).bind(o.remote_actor_id)
            .execute(p).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn find_remote_object(db: &Db, uri: &str) -> Result<Option<RemoteObject>> {
    let sql = "SELECT id, uri, remote_actor_id, kind, name, summary, content, url, in_reply_to, published, updated, \
               deleted_at, received_at, announced_by FROM remote_objects WHERE uri = $1";
    Ok(with_db!(db, p => sqlx::query_as::<_, RemoteObject>(sql).bind(uri).fetch_optional(p).await)?)
}

/// Marks an object deleted if it belongs to `remote_actor_id`.
pub async fn delete_remote_object(
    db: &Db,
    uri: &str,
    remote_actor_id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE remote_objects SET deleted_at = $1, content = '' WHERE uri = $2 AND remote_actor_id = $3";
    let n = with_db!(db, p => sqlx::query(sql).bind(now).bind(uri).bind(remote_actor_id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// The posts whose pages show an actor: those it commented on or reacted to.
const SHOWN_ON: &str = "SELECT post_id FROM comments WHERE remote_actor_id = $1 \
                        UNION SELECT post_id FROM reactions WHERE remote_actor_id = $1";

/// Records that the avatar of actor `remote_actor_id` was made from `source` (`file` is
/// `None` when the icon could not be used). The pages of the posts the actor answered or
/// reacted to show it, so the content generation moves for those.
pub async fn set_avatar(
    db: &Db,
    remote_actor_id: i64,
    source: &str,
    file: Option<&str>,
) -> Result<()> {
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("UPDATE remote_actors SET avatar_source = $1, avatar_file = $2 WHERE id = $3")
            .bind(source).bind(file).bind(remote_actor_id).execute(&mut *tx).await?;
        let shown: Vec<i64> = sqlx::query_scalar(SHOWN_ON)
            .bind(remote_actor_id).fetch_all(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(BUMP_GENERATION).bind(Change::PostPages(shown).encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}

/// The `remote_actors.kind` of a person known from a web page's h-card (a Webmention's
/// author), not from ActivityPub: no inbox, no key.
pub const WEB_AUTHOR: &str = "WebAuthor";

/// A person as an h-card describes them.
pub struct WebAuthor<'a> {
    /// Their own page, or the source's origin when the h-card names none.
    pub uri: &'a str,
    /// The host of the page the webmention came from.
    pub domain: &'a str,
    pub name: &'a str,
    pub url: Option<&'a str>,
    pub photo: Option<&'a str>,
}

/// Stores or refreshes a web author; gives their `remote_actors` id. A URI already taken by
/// an ActivityPub actor is never overwritten: the web author is then kept beside it.
pub async fn upsert_web_author(db: &Db, a: &WebAuthor<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = "INSERT INTO remote_actors (uri, kind, username, domain, display_name, url, icon_url, \
               inbox, shared_inbox, key_id, public_key_pem, fetched_at) \
               VALUES ($1, $2, '', $3, $4, $5, $6, '', NULL, '', '', $7) \
               ON CONFLICT (uri) DO UPDATE SET domain = excluded.domain, \
               display_name = excluded.display_name, url = excluded.url, icon_url = excluded.icon_url, \
               fetched_at = excluded.fetched_at WHERE remote_actors.kind = $2 RETURNING id";
    for uri in [a.uri.to_owned(), format!("{}#webmention-author", a.uri)] {
        let id: Option<i64> = with_db!(db, p => sqlx::query_scalar(sql)
            .bind(&uri).bind(WEB_AUTHOR).bind(a.domain).bind(a.name).bind(a.url).bind(a.photo)
            .bind(now).fetch_optional(p).await)?;
        if let Some(id) = id {
            return Ok(id);
        }
    }
    Err(super::StorageError::NotFound)
}
