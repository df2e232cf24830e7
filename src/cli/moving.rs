//! `chorus user alias` and `chorus user move`: account moves from the command line.

use anyhow::Context;

use crate::actions::moves;
use crate::app::App;
use crate::storage::users::{self, User};

async fn find_user(app: &App, username: &str) -> anyhow::Result<User> {
    users::find_user_by_username(&app.db, username)
        .await?
        .with_context(|| format!("no user named {username:?}"))
}

/// Names `account` as also `username`'s (or with `remove`, takes it back).
pub async fn alias(app: &App, username: &str, account: &str, remove: bool) -> anyhow::Result<()> {
    let user = find_user(app, username).await?;
    let user = if remove {
        let uri = moves::resolve_account(app, account).await?;
        moves::remove_alias(app, &user, uri.as_str()).await?
    } else {
        moves::add_alias(app, &user, account).await?
    };
    println!(
        "{} is also known as: {}",
        user.username,
        user.also_known_as.join(" ")
    );
    Ok(())
}

/// Moves `username`'s followers to `to`.
pub async fn move_to(app: &App, username: &str, to: &str) -> anyhow::Result<()> {
    let user = find_user(app, username).await?;
    let moved = moves::move_to(app, &user, to).await?;
    println!(
        "{} moved to {}",
        moved.username,
        moved.moved_to.unwrap_or_default()
    );
    Ok(())
}
