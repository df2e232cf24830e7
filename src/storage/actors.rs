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
    /// The Ed25519 key pair (FEP-521a): PKCS#8 PEM, and the public key as a Multikey
    /// `publicKeyMultibase`. Absent for actors made before there were any, until first used.
    pub ed25519_private_key_pem: Option<String>,
    pub ed25519_public_key_multibase: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct LocalRow {
    id: i64,
    kind: String,
    user_id: Option<i64>,
    private_key_pem: String,
    public_key_pem: String,
    ed25519_private_key_pem: Option<String>,
    ed25519_public_key_multibase: Option<String>,
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
            ed25519_private_key_pem: r.ed25519_private_key_pem,
            ed25519_public_key_multibase: r.ed25519_public_key_multibase,
            created_at: r.created_at,
        }
    }
}

const LOCAL: &str = "SELECT id, kind, user_id, private_key_pem, public_key_pem, \
                     ed25519_private_key_pem, ed25519_public_key_multibase, created_at FROM local_actors";

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

/// A new actor's key pairs: RSA (PEM) and Ed25519 (PEM, and the public key as multibase).
pub struct NewKeys<'a> {
    pub private_key_pem: &'a str,
    pub public_key_pem: &'a str,
    pub ed25519_private_key_pem: &'a str,
    pub ed25519_public_key_multibase: &'a str,
}

/// Stores a new actor with its keys. When another process created the same actor first,
/// that one is kept (keys are generated once) and nothing is inserted.
pub async fn insert_local_actor(
    db: &Db,
    kind: LocalKind,
    user_id: Option<i64>,
    keys: &NewKeys<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO local_actors (kind, user_id, private_key_pem, public_key_pem, \
               ed25519_private_key_pem, ed25519_public_key_multibase, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";
    with_db!(db, p => sqlx::query(sql)
        .bind(kind.as_str())
        .bind(user_id)
        .bind(keys.private_key_pem)
        .bind(keys.public_key_pem)
        .bind(keys.ed25519_private_key_pem)
        .bind(keys.ed25519_public_key_multibase)
        .bind(now)
        .execute(p)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Gives actor `id` its Ed25519 key pair unless it has one already (another process may have
/// given it first: that one is kept).
pub async fn set_ed25519_key(
    db: &Db,
    id: i64,
    private_key_pem: &str,
    public_key_multibase: &str,
) -> Result<()> {
    let sql = "UPDATE local_actors SET ed25519_private_key_pem = $1, ed25519_public_key_multibase = $2 \
               WHERE id = $3 AND ed25519_private_key_pem IS NULL";
    with_db!(db, p => sqlx::query(sql)
        .bind(private_key_pem)
        .bind(public_key_multibase)
        .bind(id)
        .execute(p)
        .await
        .map(|_| ()))?;
    Ok(())
}
