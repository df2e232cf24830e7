//! The `post_search` table: the full-text index of posts, an FTS5 table on SQLite and a
//! weighted `tsvector` on PostgreSQL. Its statements live here; `posts` and `users` run them
//! inside the transactions that change a post or its author's name, so the index never
//! disagrees with what it indexes.

use sqlx::FromRow;

use super::posts::{self, Post};
use super::{BeginWrite, Db, Result, with_db};
use crate::domain::search::{self, SearchQuery};

/// The statements that keep the index, in the dialect of one backend.
pub(super) struct IndexSql {
    /// Drops post `$1` from the index.
    pub remove: &'static str,
    /// Indexes post `$1`: title `$2`, summary `$3`, body text `$4`, tags `$5`, author id `$6`.
    pub insert: &'static str,
    /// Writes the name of author `$1` into the index rows of their posts.
    pub rename_author: &'static str,
}

const SQLITE: IndexSql = IndexSql {
    remove: "DELETE FROM post_search WHERE rowid = $1",
    insert: "INSERT INTO post_search (rowid, title, summary, body, tags, author) \
             SELECT $1, $2, $3, $4, $5, u.display_name || ' ' || u.username FROM users u WHERE u.id = $6",
    rename_author: "UPDATE post_search SET author = (SELECT display_name || ' ' || username FROM users WHERE id = $1) \
                    WHERE rowid IN (SELECT id FROM posts WHERE author_id = $1)",
};

const POSTGRES: IndexSql = IndexSql {
    remove: "DELETE FROM post_search WHERE post_id = $1",
    insert: "INSERT INTO post_search (post_id, title, summary, body, tags, author) \
             SELECT $1, $2, $3, $4, $5, u.display_name || ' ' || u.username FROM users u WHERE u.id = $6",
    rename_author: "UPDATE post_search SET author = (SELECT display_name || ' ' || username FROM users WHERE id = $1) \
                    WHERE post_id IN (SELECT id FROM posts WHERE author_id = $1)",
};

pub(super) fn sql(db: &Db) -> &'static IndexSql {
    match db {
        Db::Sqlite(_) => &SQLITE,
        Db::Postgres(_) => &POSTGRES,
    }
}

/// One post found: the post, its title and the best passage with the matches marked
/// ([`search::MARK_START`] .. [`search::MARK_END`]).
#[derive(Debug, Clone)]
pub struct Hit {
    pub post: Post,
    pub title: String,
    pub snippet: String,
}

/// A page of results and how many published posts match in all.
#[derive(Debug, Clone)]
pub struct Results {
    pub hits: Vec<Hit>,
    pub total: i64,
}

#[derive(FromRow)]
struct HitRow {
    id: i64,
    title: String,
    body: String,
    summary: String,
}

impl HitRow {
    /// The body passage with a match, else the summary's, else the body's beginning.
    fn snippet(self) -> (i64, String, String) {
        let snippet = if search::has_match(&self.body) || !search::has_match(&self.summary) {
            if self.body.is_empty() {
                self.summary
            } else {
                self.body
            }
        } else {
            self.summary
        };
        (self.id, self.title, snippet)
    }
}

/// Marks for `snippet()`/`highlight()` and `ts_headline`, as SQL expressions. Ranks first and
/// marks only the page's rows: in one `SELECT`, SQLite would compute the snippets of every
/// match before sorting them (hundreds of 20 KB texts for a common word). `CROSS JOIN` keeps
/// the full-text index as the outer loop: left to itself, the planner walks every published
/// post and asks the index about each (ten times slower for a common word).
const SQLITE_HITS: &str = "WITH page AS (SELECT post_search.rowid AS id, \
        bm25(post_search, 8.0, 4.0, 1.0, 4.0, 2.0) AS rank, p.published_at AS published_at \
        FROM post_search CROSS JOIN posts p ON p.id = post_search.rowid \
        WHERE post_search MATCH $1 AND p.status = 'published' \
        ORDER BY rank, p.published_at DESC, p.id DESC LIMIT $2 OFFSET $3) \
    SELECT post_search.rowid AS id, \
    highlight(post_search, 0, char(57344), char(57345)) AS title, \
    snippet(post_search, 2, char(57344), char(57345), '…', 24) AS body, \
    snippet(post_search, 1, char(57344), char(57345), '…', 24) AS summary \
    FROM page JOIN post_search ON post_search.rowid = page.id \
    WHERE post_search MATCH $1 \
    ORDER BY page.rank, page.published_at DESC, page.id DESC";

const SQLITE_COUNT: &str = "SELECT COUNT(*) FROM post_search CROSS JOIN posts p ON p.id = post_search.rowid \
    WHERE post_search MATCH $1 AND p.status = 'published'";

/// Ranks first and marks only the page's rows: `ts_headline` reads the whole text.
const POSTGRES_HITS: &str = "WITH q AS (SELECT websearch_to_tsquery('english', $1) AS query, \
        'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) AS marks), \
    ranked AS (SELECT s.post_id, s.title, s.summary, s.body, ts_rank(s.document, q.query) AS rank, \
        p.published_at FROM post_search s JOIN posts p ON p.id = s.post_id, q \
        WHERE s.document @@ q.query AND p.status = 'published' \
        ORDER BY rank DESC, p.published_at DESC, p.id DESC LIMIT $2 OFFSET $3) \
    SELECT ranked.post_id AS id, \
        ts_headline('english', ranked.title, q.query, 'HighlightAll=true, ' || q.marks) AS title, \
        ts_headline('english', ranked.body, q.query, \
            'MaxFragments=2, MaxWords=24, MinWords=10, FragmentDelimiter=\" … \", ' || q.marks) AS body, \
        ts_headline('english', ranked.summary, q.query, 'HighlightAll=true, ' || q.marks) AS summary \
    FROM ranked, q ORDER BY ranked.rank DESC, ranked.published_at DESC, ranked.post_id DESC";

const POSTGRES_COUNT: &str = "SELECT COUNT(*) FROM post_search s JOIN posts p ON p.id = s.post_id \
    WHERE s.document @@ websearch_to_tsquery('english', $1) AND p.status = 'published'";

/// The published posts matching `query`, best first, `limit` from `offset`.
pub async fn search_posts(
    db: &Db,
    query: &SearchQuery,
    limit: i64,
    offset: i64,
) -> Result<Results> {
    let (text, hits, count) = match db {
        Db::Sqlite(_) => (query.fts5(), SQLITE_HITS, SQLITE_COUNT),
        Db::Postgres(_) => (query.websearch(), POSTGRES_HITS, POSTGRES_COUNT),
    };
    let total =
        with_db!(db, p => sqlx::query_scalar::<_, i64>(count).bind(&text).fetch_one(p).await)?;
    if total == 0 || offset >= total {
        return Ok(Results {
            hits: Vec::new(),
            total,
        });
    }
    let rows = with_db!(db, p => sqlx::query_as::<_, HitRow>(hits).bind(&text).bind(limit).bind(offset).fetch_all(p).await)?;
    let rows: Vec<(i64, String, String)> = rows.into_iter().map(HitRow::snippet).collect();
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut found = posts::find_posts_by_ids(db, &ids).await?;
    let hits = rows
        .into_iter()
        .filter_map(|(id, title, snippet)| {
            let at = found.iter().position(|p| p.id == id)?;
            Some(Hit {
                post: found.swap_remove(at),
                title,
                snippet,
            })
        })
        .collect();
    Ok(Results { hits, total })
}

/// Indexes every post that is not deleted, when the index is empty and such posts exist:
/// the posts stored before search came. Gives how many were indexed.
pub async fn index_existing_posts(db: &Db) -> Result<u64> {
    let indexed = with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM post_search").fetch_one(p).await)?;
    if indexed > 0 {
        return Ok(0);
    }
    let ix = sql(db);
    let list = "SELECT id, author_id, title, summary, content_html, tags FROM posts WHERE status <> 'deleted'";
    let n = with_db!(db, p => async {
        let mut tx = p.begin_write().await?;
        let rows: Vec<(i64, i64, String, String, String, String)> =
            sqlx::query_as(list).fetch_all(&mut *tx).await?;
        for (id, author, title, summary, html, tags) in &rows {
            sqlx::query(ix.insert)
                .bind(id)
                .bind(search::index_text(title))
                .bind(search::index_text(summary))
                .bind(search::body_text(html))
                .bind(search::index_text(tags))
                .bind(author)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(rows.len() as u64)
    }
    .await)?;
    Ok(n)
}
