//! What pages show of a remote actor (name, handle, proxied avatar), and the record of which
//! icon each actor's avatar was made from (`remote_actors.avatar_source`/`avatar_file`), so
//! that every icon is fetched once.

use sqlx::FromRow;

use super::{Db, Result, with_db};

/// A remote actor as pages show it.
#[derive(Debug, Clone, FromRow)]
pub struct Profile {
    pub remote_actor_id: i64,
    pub uri: String,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    pub url: Option<String>,
    pub icon_url: Option<String>,
    pub avatar_source: Option<String>,
    /// The stored avatar's file name (under `data_dir/avatars`), when the icon could be used.
    pub avatar_file: Option<String>,
}

impl Profile {
    /// `@user@host`; for a person known from a web page (a Webmention), who has no
    /// username, the page's host.
    pub fn handle(&self) -> String {
        if self.username.is_empty() {
            return self.domain.clone();
        }
        format!("@{}@{}", self.username, self.domain)
    }

    /// The name to show: the display name, else the username.
    pub fn name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }

    /// The stored avatar, if it was made from the actor's current icon.
    pub fn current_avatar(&self) -> Option<&str> {
        match (&self.avatar_file, &self.avatar_source, &self.icon_url) {
            (Some(file), Some(source), Some(icon)) if source == icon => Some(file),
            _ => None,
        }
    }

    /// Whether the actor's icon has not been tried yet.
    pub fn avatar_wanted(&self) -> bool {
        self.icon_url.is_some() && self.avatar_source != self.icon_url
    }
}

/// The columns of [`Profile`] from `remote_actors r`.
pub(crate) const PROFILE_COLUMNS: &str = "r.id AS remote_actor_id, r.uri, r.username, r.domain, r.display_name, \
    r.url, r.icon_url, r.avatar_source, r.avatar_file";

pub async fn find_profile(db: &Db, remote_actor_id: i64) -> Result<Option<Profile>> {
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM remote_actors r WHERE r.id = $1");
    Ok(
        with_db!(db, p => sqlx::query_as::<_, Profile>(sqlx::AssertSqlSafe(sql.as_str())).bind(remote_actor_id).fetch_optional(p).await)?,
    )
}
