//! The `review_notices` table: what local people are told about the review of a post (a
//! contributor submitted it; an editor approved it, or sent it back with a note), and the
//! review fields of `posts` that sending back changes.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Db, Result, with_db};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKind {
    /// A contributor submitted the post (told to editors and admins).
    Submitted,
    /// An editor published it (told to its author).
    Approved,
    /// An editor sent it back to its author with a note.
    SentBack,
}

impl ReviewKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::Submitted => "submitted",
            ReviewKind::Approved => "approved",
            ReviewKind::SentBack => "sent_back",
        }
    }

    fn from_stored(s: &str) -> ReviewKind {
        match s {
            "approved" => ReviewKind::Approved,
            "sent_back" => ReviewKind::SentBack,
            _ => ReviewKind::Submitted,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReviewNotice {
    pub kind: ReviewKind,
    pub post_id: i64,
    pub post_title: String,
    /// Whether the post still waits for review.
    pub in_review: bool,
    /// Who did it (none when that account is gone).
    pub by: Option<String>,
    pub note: String,
    pub at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    post_id: i64,
    title: String,
    review_requested_at: Option<DateTime<Utc>>,
    by_name: Option<String>,
    note: String,
    created_at: DateTime<Utc>,
}

/// Tells each of `users` about post `post_id`.
pub async fn insert_notices(
    db: &Db,
    users: &[i64],
    post_id: i64,
    kind: ReviewKind,
    by: Option<i64>,
    note: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO review_notices (user_id, post_id, kind, by_user, note, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    with_db!(db, p => {
        let mut tx = p.begin_write().await?;
        for user in users {
            sqlx::query(sql).bind(*user).bind(post_id).bind(kind.as_str()).bind(by).bind(note)
                .bind(now).execute(&mut *tx).await?;
        }
        tx.commit().await
    })?;
    Ok(())
}

/// What `user_id` was told, newest first, at most `limit`.
pub async fn list_notices(db: &Db, user_id: i64, limit: i64) -> Result<Vec<ReviewNotice>> {
    let sql = "SELECT n.kind, n.post_id, p.title, p.review_requested_at, u.username AS by_name, n.note, n.created_at \
               FROM review_notices n JOIN posts p ON p.id = n.post_id LEFT JOIN users u ON u.id = n.by_user \
               WHERE n.user_id = $1 AND p.status <> 'deleted' ORDER BY n.created_at DESC, n.id DESC LIMIT $2";
    let rows = with_db!(db, p => sqlx::query_as::<_, Row>(sql).bind(user_id).bind(limit).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| ReviewNotice {
            kind: ReviewKind::from_stored(&r.kind),
            post_id: r.post_id,
            post_title: r.title,
            in_review: r.review_requested_at.is_some(),
            by: r.by_name,
            note: r.note,
            at: r.created_at,
        })
        .collect())
}
