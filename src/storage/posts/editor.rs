//! The editor's list of posts: every status, filtered, most recently changed first (reads only).

use super::{Post, PostRow, SELECT};
use crate::storage::{Db, Result, with_db};

/// The status filters of the editor's post list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorFilter {
    /// Everything not deleted.
    All,
    /// Drafts not submitted for review.
    Drafts,
    InReview,
    Scheduled,
    Published,
}

impl EditorFilter {
    fn condition(self) -> &'static str {
        match self {
            EditorFilter::All => "p.status <> 'deleted'",
            EditorFilter::Drafts => "p.status = 'draft' AND p.review_requested_at IS NULL",
            EditorFilter::InReview => "p.status = 'draft' AND p.review_requested_at IS NOT NULL",
            EditorFilter::Scheduled => "p.status = 'scheduled'",
            EditorFilter::Published => "p.status = 'published'",
        }
    }
}

/// Posts for the editor's list, most recently changed first; only `author_id`'s when given.
pub async fn list_for_editor(
    db: &Db,
    filter: EditorFilter,
    author_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Post>> {
    let by_author = if author_id.is_some() {
        " AND p.author_id = $3"
    } else {
        ""
    };
    let sql = format!(
        "{SELECT} WHERE {}{by_author} ORDER BY p.updated_at DESC, p.id DESC LIMIT $1 OFFSET $2",
        filter.condition()
    );
    let rows = with_db!(db, p => {
        let q = sqlx::query_as::<_, PostRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).bind(offset);
        let q = match author_id {
            Some(id) => q.bind(id),
            None => q,
        };
        q.fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Post::from).collect())
}

pub async fn count_for_editor(
    db: &Db,
    filter: EditorFilter,
    author_id: Option<i64>,
) -> Result<i64> {
    let by_author = if author_id.is_some() {
        " AND p.author_id = $1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT COUNT(*) FROM posts p WHERE {}{by_author}",
        filter.condition()
    );
    let n = with_db!(db, p => {
        let q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str()));
        let q = match author_id {
            Some(id) => q.bind(id),
            None => q,
        };
        q.fetch_one(p).await
    })?;
    Ok(n)
}
