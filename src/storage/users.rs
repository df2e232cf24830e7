//! The `users` table: local accounts.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::changes::Change;
use super::{BeginWrite, Db, Result, StorageError, conflict_as, with_db};
use crate::domain::profile::{Profile, ProfileField};
use crate::domain::zone::Zone;
use crate::domain::{Role, Username};

/// Inserts an account: `$1` username, `$2` display name, `$3` role, `$4` password hash,
/// `$5` the time, `$6` the status.
pub(super) const INSERT_USER: &str = "INSERT INTO users (username, display_name, role, password_hash, status, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $6, $5, $5)";

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: Username,
    pub display_name: String,
    pub bio: String,
    pub role: Role,
    pub password_hash: String,
    /// The author's own fediverse handle (`@alice@mastodon.example`), for `fediverse:creator`.
    pub fediverse_creator: Option<String>,
    pub status: AccountStatus,
    /// Profile fields shown on the author page and in the actor's `attachment`.
    pub profile_fields: Vec<ProfileField>,
    pub avatar_media_id: Option<i64>,
    pub header_media_id: Option<i64>,
    /// The zone the editor reads and shows scheduling times in.
    pub time_zone: Zone,
    /// Accounts elsewhere this author says are also theirs (actor ids, `alsoKnownAs`).
    pub also_known_as: Vec<String>,
    /// The account this author moved to (an actor id, `movedTo`).
    pub moved_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether an account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    /// Registered, waiting for an admin's approval.
    Pending,
    Suspended,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Pending => "pending",
            AccountStatus::Suspended => "suspended",
        }
    }

    fn parse(s: &str) -> AccountStatus {
        match s {
            "pending" => AccountStatus::Pending,
            "suspended" => AccountStatus::Suspended,
            _ => AccountStatus::Active,
        }
    }
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    bio: String,
    role: String,
    password_hash: String,
    fediverse_creator: Option<String>,
    status: String,
    profile_fields: String,
    avatar_media_id: Option<i64>,
    header_media_id: Option<i64>,
    time_zone: String,
    also_known_as: String,
    moved_to: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            username: Username::from_stored(r.username),
            display_name: r.display_name,
            bio: r.bio,
            role: r
                .role
                .parse()
                .expect("the role column is constrained to known roles"),
            password_hash: r.password_hash,
            fediverse_creator: r.fediverse_creator,
            status: AccountStatus::parse(&r.status),
            profile_fields: serde_json::from_str(&r.profile_fields).unwrap_or_default(),
            avatar_media_id: r.avatar_media_id,
            header_media_id: r.header_media_id,
            time_zone: Zone::from_stored(&r.time_zone),
            also_known_as: serde_json::from_str(&r.also_known_as).unwrap_or_default(),
            moved_to: r.moved_to,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, username, display_name, bio, role, password_hash, fediverse_creator, status, \
                       profile_fields, avatar_media_id, header_media_id, time_zone, also_known_as, moved_to, \
                       created_at, updated_at";

pub struct NewUser<'a> {
    pub username: &'a Username,
    pub status: AccountStatus,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub now: DateTime<Utc>,
}

pub async fn insert_user(db: &Db, new: &NewUser<'_>) -> Result<User> {
    let sql = format!("{INSERT_USER} RETURNING {COLUMNS}");
    let row = with_db!(db, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(new.username.as_str())
        .bind(new.display_name)
        .bind(new.role.as_str())
        .bind(new.password_hash)
        .bind(new.now)
        .bind(new.status.as_str())
        .fetch_one(p)
        .await)
    .map_err(conflict_as("a user with that username"))?;
    Ok(row.into())
}

pub async fn find_user_by_username(db: &Db, username: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(username.to_ascii_lowercase())
        .fetch_optional(p)
        .await)?;
    Ok(row.map(User::from))
}

pub async fn find_user_by_id(db: &Db, id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = with_db!(db, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await)?;
    Ok(row.map(User::from))
}

pub async fn list_users(db: &Db) -> Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    let rows = with_db!(db, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(p).await)?;
    Ok(rows.into_iter().map(User::from).collect())
}

/// Saves what a person edits on their profile page, and marks public pages as changed.
pub async fn save_profile(db: &Db, id: i64, profile: &Profile, now: DateTime<Utc>) -> Result<User> {
    let fields = serde_json::to_string(&profile.fields).expect("profile fields serialize");
    let sql = format!(
        "UPDATE users SET display_name = $1, bio = $2, fediverse_creator = $3, profile_fields = $4, updated_at = $5 \
         WHERE id = $6 RETURNING {COLUMNS}"
    );
    let ix = super::search::sql(db);
    let row = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let row = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&profile.display_name)
            .bind(&profile.bio)
            .bind(profile.fediverse_creator.as_deref())
            .bind(&fields)
            .bind(now)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        // The author's name is searchable in their posts.
        sqlx::query(ix.rename_author).bind(id).execute(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(super::site::BUMP_GENERATION).bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(row)
    })?;
    row.map(User::from).ok_or(StorageError::NotFound)
}

/// The two pictures of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileImage {
    Avatar,
    Header,
}

/// Sets (or with `None` removes) the avatar or header image, and marks public pages as changed.
pub async fn set_profile_image(
    db: &Db,
    id: i64,
    which: ProfileImage,
    media_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<User> {
    let column = match which {
        ProfileImage::Avatar => "avatar_media_id",
        ProfileImage::Header => "header_media_id",
    };
    let sql = format!(
        "UPDATE users SET {column} = $1, updated_at = $2 WHERE id = $3 RETURNING {COLUMNS}"
    );
    let row = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let row = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(media_id)
            .bind(now)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query_scalar::<_, i64>(super::site::BUMP_GENERATION).bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(row)
    })?;
    row.map(User::from).ok_or(StorageError::NotFound)
}

/// Saves the accounts `id` is also known as and the account it moved to, and marks public
/// pages as changed (the author page says where the author went).
pub async fn save_moving(
    db: &Db,
    id: i64,
    also_known_as: &[String],
    moved_to: Option<&str>,
    now: DateTime<Utc>,
) -> Result<User> {
    let aliases = serde_json::to_string(also_known_as).expect("a list of strings serializes");
    let sql = format!(
        "UPDATE users SET also_known_as = $1, moved_to = $2, updated_at = $3 WHERE id = $4 \
         RETURNING {COLUMNS}"
    );
    let row = with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        let row = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&aliases).bind(moved_to).bind(now).bind(id)
            .fetch_optional(&mut *tx).await?;
        sqlx::query_scalar::<_, i64>(super::site::BUMP_GENERATION)
            .bind(Change::Everything.encode()).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(row)
    })?;
    row.map(User::from).ok_or(StorageError::NotFound)
}

pub async fn set_role(db: &Db, id: i64, role: Role, now: DateTime<Utc>) -> Result<()> {
    let sql = "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3";
    with_db!(db, p => sqlx::query(sql).bind(role.as_str()).bind(now).bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// How many administrators can sign in.
pub async fn count_active_admins(db: &Db) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)?)
}

/// Sets an account's password hash: `$1` the hash, `$2` now, `$3` the account.
pub(super) const SET_PASSWORD_HASH: &str =
    "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3";

/// Sets the zone user `id` schedules in.
pub async fn set_time_zone(db: &Db, id: i64, zone: Zone, now: DateTime<Utc>) -> Result<()> {
    let sql = "UPDATE users SET time_zone = $1, updated_at = $2 WHERE id = $3";
    with_db!(db, p => sqlx::query(sql).bind(zone.name()).bind(now).bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_password_hash(db: &Db, id: i64, hash: &str, now: DateTime<Utc>) -> Result<()> {
    let sql = SET_PASSWORD_HASH;
    with_db!(db, p => sqlx::query(sql).bind(hash).bind(now).bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_status(db: &Db, id: i64, status: AccountStatus, now: DateTime<Utc>) -> Result<()> {
    let sql = "UPDATE users SET status = $1, updated_at = $2 WHERE id = $3";
    with_db!(db, p => sqlx::query(sql).bind(status.as_str()).bind(now).bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Whether any active admin exists (the setup page is open until one does).
pub async fn admin_exists(db: &Db) -> Result<bool> {
    let sql = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'";
    Ok(with_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)? > 0)
}
