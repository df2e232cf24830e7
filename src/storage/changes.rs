//! What a change to public content touched. Every statement that moves the content
//! generation names its scope ([`BUMP_GENERATION`](super::site::BUMP_GENERATION) binds it);
//! the database keeps the recent ones (`content_changes`, filled by a trigger), so that every
//! process — this one, another server process on the same database, the command line —
//! drops only the cached pages a change affects.

use super::{Db, Result, with_db};

/// The pages one change makes stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Anything may have changed: site settings, a profile, a block, an avatar.
    Everything,
    /// These posts' text, status, tags or comments: their own pages and documents, and every
    /// listing (home, author, tag pages and feeds list posts and count comments).
    Posts(Vec<i64>),
    /// Only what these posts' own pages show beside the text: likes, boosts, avatars.
    PostPages(Vec<i64>),
}

impl Change {
    pub fn post(id: i64) -> Change {
        Change::Posts(vec![id])
    }

    /// The form stored in `site.change_scope` and `content_changes.scope`.
    pub fn encode(&self) -> String {
        let list = |word: &str, ids: &[i64]| {
            let mut s = String::from(word);
            for id in ids {
                s.push(' ');
                s.push_str(&id.to_string());
            }
            s
        };
        match self {
            Change::Everything => "all".into(),
            Change::Posts(ids) => list("posts", ids),
            Change::PostPages(ids) => list("pages", ids),
        }
    }

    /// Reads a stored scope; anything not understood counts as [`Change::Everything`].
    pub fn parse(s: &str) -> Change {
        let mut words = s.split_ascii_whitespace();
        let kind = words.next().unwrap_or_default();
        let ids: Option<Vec<i64>> = words.map(|w| w.parse().ok()).collect();
        match (kind, ids) {
            ("posts", Some(ids)) => Change::Posts(ids),
            ("pages", Some(ids)) => Change::PostPages(ids),
            _ => Change::Everything,
        }
    }
}

/// The changes after generation `after`, oldest first.
pub async fn since(db: &Db, after: i64) -> Result<Vec<(i64, Change)>> {
    let sql =
        "SELECT generation, scope FROM content_changes WHERE generation > $1 ORDER BY generation";
    let rows =
        with_db!(db, p => sqlx::query_as::<_, (i64, String)>(sql).bind(after).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|(g, scope)| (g, Change::parse(&scope)))
        .collect())
}

/// The PostgreSQL channel on which every change to public content is announced when it
/// commits (see migration 0020).
pub const CHANNEL: &str = "chorus_content";

/// Wakes a server as soon as another process commits a change to public content: LISTEN on
/// PostgreSQL. SQLite has no such signal; there the server polls.
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// Starts listening; `None` on SQLite.
    pub async fn connect(db: &Db) -> Result<Option<Listener>> {
        match db {
            Db::Sqlite(_) => Ok(None),
            Db::Postgres(pool) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(Listener(listener)))
            }
        }
    }

    /// Waits for the next announced change. A lost connection is made again on the next
    /// call; what was announced meanwhile is missed, so after an error read the changes from
    /// the database anyway.
    pub async fn changed(&mut self) -> Result<()> {
        self.0.recv().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_back_as_written() {
        for change in [
            Change::Everything,
            Change::post(7),
            Change::Posts(vec![1, 2, 30]),
            Change::PostPages(vec![4]),
            Change::PostPages(vec![]),
        ] {
            assert_eq!(Change::parse(&change.encode()), change);
        }
    }

    #[test]
    fn an_unreadable_scope_means_everything() {
        for s in ["", "posts x", "pages 1 y", "reactions 3", "all"] {
            assert_eq!(Change::parse(s), Change::Everything, "{s:?}");
        }
    }
}
