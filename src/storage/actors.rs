//! The `local_actors` table (people, the community group, the instance application, with
//! their key pairs) and the `remote_actors` table (actors on other servers we know).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Db, Result, with_db};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalKind {
    Person,
    Group,
    Application,
}

impl LocalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LocalKind::Person => "person",
            LocalKind::Group => "group",
            LocalKind::Application => "application",
        }
    }

    fn parse(s: &str) -> LocalKind {
        match s {
            "person" => LocalKind::Person,
            "group" => LocalKind::Group,
            _ => LocalKind::Application,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LocalActor {
    pub id: i64,
    pub kind: LocalKind,
    pub user_id: Option<i64>,
    pub private_key_pem: String,
    pub public_key_pem: String,
    pub created_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct LocalRow {
    id: i64,
    kind: String,
    user_id: Option<i64>,
    private_key_pem: String,
    public_key_pem: String,
    created_at: DateTime<Utc>,
}

impl From<LocalRow> for LocalActor {
    fn from(r: LocalRow) -> LocalActor {
        LocalActor {
            id: r.id,
            kind: LocalKind::parse(&r.kind),
            user_id: r.user_id,
            private_key_pem: r.private_key_pem,
            public_key_pem: r.public_key_pem,
            created_at: r.created_at,
        }
    }
}

const LOCAL: &str =
    "SELECT id, kind, user_id, private_key_pem, public_key_pem, created_at FROM local_actors";

pub async fn find_local_actor(db: &Db, id: i64) -> Result<Option<LocalActor>> {
    let sql = format!("{LOCAL} WHERE id = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, LocalRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await)?;
    Ok(row.map(LocalActor::from))
}

pub async fn find_person_actor(db: &Db, user_id: i64) -> Result<Option<LocalActor>> {
    let sql = format!("{LOCAL} WHERE user_id = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, LocalRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(user_id).fetch_optional(p).await)?;
    Ok(row.map(LocalActor::from))
}

/// The community group or the instance application.
pub async fn find_singleton_actor(db: &Db, kind: LocalKind) -> Result<Option<LocalActor>> {
    let sql = format!("{LOCAL} WHERE kind = $1 AND user_id IS NULL");
    let row = with_db!(db, p => sqlx::query_as::<_, LocalRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(kind.as_str()).fetch_optional(p).await)?;
    Ok(row.map(LocalActor::from))
}

/// Stores a new actor with its keys. When another process created the same actor first,
/// that one is kept (keys are generated once) and nothing is inserted.
pub async fn insert_local_actor(
    db: &Db,
    kind: LocalKind,
    user_id: Option<i64>,
    private_key_pem: &str,
    public_key_pem: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO local_actors (kind, user_id, private_key_pem, public_key_pem, created_at) \
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
    with_db!(db, p => sqlx::query(sql)
        .bind(kind.as_str())
        .bind(user_id)
        .bind(private_key_pem)
        .bind(public_key_pem)
        .bind(now)
        .execute(p)
        .await
        .map(|_| ()))?;
    Ok(())
}
