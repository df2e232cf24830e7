//! Account moves, as Mastodon does them. Moving in: an author names the accounts elsewhere
//! that are also theirs (`alsoKnownAs`), so that those accounts can move their followers here;
//! the followers' servers then send Follows, which are accepted like any other. Moving out:
//! once the new account lists this one in its `alsoKnownAs`, the author sets `movedTo` and every
//! follower's server hears a `Move` and follows the new account instead.

use url::Url;

use crate::app::App;
use crate::domain::time;
use crate::federation::error::FederationError;
use crate::federation::{outbox, remote};
use crate::storage::StorageError;
use crate::storage::users::{self, User};
use crate::urls;

/// At most this many accounts an author may name as also theirs.
pub const MAX_ALIASES: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// What was asked cannot be done; the message says why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Federation(#[from] FederationError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl MoveError {
    /// Whether the fault is ours (a 500) rather than the request's or the other server's.
    pub fn is_internal(&self) -> bool {
        match self {
            MoveError::Storage(_) => true,
            MoveError::Federation(e) => e.is_internal(),
            MoveError::Refused(_) => false,
        }
    }
}

type Result<T, E = MoveError> = std::result::Result<T, E>;

fn refused(why: impl Into<String>) -> MoveError {
    MoveError::Refused(why.into())
}

/// The actor id behind `account`: an actor URL, or a handle `@user@host` (looked up with
/// WebFinger unless it is on this site).
pub async fn resolve_account(app: &App, account: &str) -> Result<Url> {
    let account = account.trim();
    if account.starts_with("https://") || account.starts_with("http://") {
        return Url::parse(account).map_err(|_| refused(format!("{account:?} is not a URL")));
    }
    let acct = account.trim_start_matches('@');
    match acct.split_once('@') {
        Some((name, host)) if host.eq_ignore_ascii_case(&app.config.domain()) => {
            let user = users::find_user_by_username(&app.db, name).await?;
            let user = user.ok_or_else(|| refused(format!("there is no author @{name} here")))?;
            Ok(urls::person(&app.config, user.username.as_str()))
        }
        Some(_) => Ok(remote::resolve_handle(&app.fed.data(), acct).await?),
        None => Err(refused(format!(
            "{account:?} is neither an account URL nor a handle like @name@server.example"
        ))),
    }
}

/// Adds `account` to the accounts `user` is also known as, after checking it is an actor.
pub async fn add_alias(app: &App, user: &User, account: &str) -> Result<User> {
    let uri = resolve_account(app, account).await?;
    let own = urls::person(&app.config, user.username.as_str());
    if uri == own {
        return Err(refused("an account cannot be an alias of itself"));
    }
    if user.also_known_as.iter().any(|a| a == uri.as_str()) {
        return Ok(user.clone());
    }
    if user.also_known_as.len() >= MAX_ALIASES {
        return Err(refused(format!(
            "at most {MAX_ALIASES} other accounts can be named"
        )));
    }
    if !is_local(app, &uri) {
        remote::fetch_actor(&app.fed.data(), &uri)
            .await
            .map_err(|e| refused(format!("{uri} could not be read as an account: {e}")))?;
    }
    let mut aliases = user.also_known_as.clone();
    aliases.push(uri.to_string());
    save(app, user, &aliases, user.moved_to.as_deref()).await
}

/// Removes `uri` from the accounts `user` is also known as.
pub async fn remove_alias(app: &App, user: &User, uri: &str) -> Result<User> {
    let aliases: Vec<String> = user
        .also_known_as
        .iter()
        .filter(|a| *a != uri)
        .cloned()
        .collect();
    if aliases.len() == user.also_known_as.len() {
        return Ok(user.clone());
    }
    save(app, user, &aliases, user.moved_to.as_deref()).await
}

/// Moves `user` to `account`: refused unless that account lists `user` in its
/// `alsoKnownAs`. Sets `movedTo` and sends `Move` to every follower.
pub async fn move_to(app: &App, user: &User, account: &str) -> Result<User> {
    if let Some(target) = &user.moved_to {
        return Err(refused(format!(
            "this account has already moved to {target}"
        )));
    }
    let target = resolve_account(app, account).await?;
    let own = urls::person(&app.config, user.username.as_str());
    if target == own {
        return Err(refused("an account cannot move to itself"));
    }
    let aliases = target_aliases(app, &target).await?;
    if !aliases.iter().any(|a| a == own.as_str()) {
        return Err(refused(format!(
            "{target} does not list {own} among its aliases (alsoKnownAs): add this account \
             there first, then move"
        )));
    }
    let moved = save(app, user, &user.also_known_as, Some(target.as_str())).await?;
    outbox::account_moved(app, &moved, &target).await?;
    tracing::warn!(user = %user.username, to = %target, "account moved");
    Ok(moved)
}

/// The `alsoKnownAs` of `target`, read afresh: from the database for a local author, from the
/// account's server otherwise.
async fn target_aliases(app: &App, target: &Url) -> Result<Vec<String>> {
    if is_local(app, target) {
        let name = urls::local_actor_name(&app.config, target).unwrap_or_default();
        let user = users::find_user_by_username(&app.db, &name).await?;
        let user = user.ok_or_else(|| refused(format!("there is no author at {target}")))?;
        return Ok(user.also_known_as);
    }
    let doc = remote::fetch_document(&app.fed.data(), target)
        .await
        .map_err(|e| refused(format!("{target} could not be read: {e}")))?;
    Ok(match doc.get("alsoKnownAs") {
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    })
}

fn is_local(app: &App, uri: &Url) -> bool {
    urls::local_actor_name(&app.config, uri).is_some()
}

async fn save(app: &App, user: &User, aliases: &[String], moved_to: Option<&str>) -> Result<User> {
    let saved = users::save_moving(&app.db, user.id, aliases, moved_to, time::now()).await?;
    app.content_changed().await;
    if let Err(e) = outbox::profile_updated(app, &saved).await {
        tracing::error!(user = %saved.username, error = %format!("{e:#}"), "could not queue the profile update");
    }
    Ok(saved)
}
