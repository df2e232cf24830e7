//! Profiles: what an author says about themselves (from the profile page or `chorus user
//! update`) and what the community says about itself (the admin's site settings or `chorus
//! site set`). Every change is checked by the same domain rules, stored, and sent to
//! followers as an `Update` of the Person or the Group.

use crate::app::App;
use crate::domain::profile::{ProfileError, ProfileInput};
use crate::domain::site::{SettingsError, SettingsInput};
use crate::domain::time;
use crate::federation::outbox;
use crate::storage::users::{self, ProfileImage, User};
use crate::storage::{StorageError, site};

#[derive(Debug, thiserror::Error)]
pub enum ProfileChangeError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The profile form filled from what is stored.
pub fn current_profile(user: &User) -> ProfileInput {
    ProfileInput {
        display_name: user.display_name.clone(),
        bio: user.bio.clone(),
        fediverse_creator: user.fediverse_creator.clone().unwrap_or_default(),
        fields: user
            .profile_fields
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect(),
    }
}

/// Replaces `user`'s profile with `input` once it passes the checks.
pub async fn update_person(
    app: &App,
    user: &User,
    input: &ProfileInput,
) -> Result<User, ProfileChangeError> {
    let profile = input.check()?;
    let user = users::save_profile(&app.db, user.id, &profile, time::now()).await?;
    person_changed(app, &user).await;
    Ok(user)
}

/// Sets (or with `None` removes) `user`'s avatar or header picture.
pub async fn set_picture(
    app: &App,
    user: &User,
    which: ProfileImage,
    media_id: Option<i64>,
) -> Result<User, ProfileChangeError> {
    let user = users::set_profile_image(&app.db, user.id, which, media_id, time::now()).await?;
    person_changed(app, &user).await;
    Ok(user)
}

/// After a profile change: fresh pages, and an `Update` to the author's followers.
async fn person_changed(app: &App, user: &User) {
    app.content_changed().await;
    if let Err(e) = outbox::profile_updated(app, user).await {
        tracing::error!(user = %user.username, error = %format!("{e:#}"), "could not queue the profile update");
    }
}

/// The site settings form filled from what is stored.
pub async fn current_settings(app: &App) -> Result<SettingsInput, StorageError> {
    let s = site::get_site(&app.db).await?;
    Ok(SettingsInput {
        title: s.title,
        description: s.description,
        language: s.language,
        community_name: s.community_name,
        registration_mode: site::registration_mode(&app.db).await?,
    })
}

/// Saves the site's settings once they pass the checks; the community's followers hear of a
/// new name or description.
pub async fn update_site(app: &App, input: &SettingsInput) -> Result<(), ProfileChangeError> {
    let settings = input.check()?;
    let before = site::get_site(&app.db).await?;
    let after = site::update_settings(&app.db, &settings).await?;
    app.content_changed().await;
    tracing::info!(registration = %settings.registration_mode, "site settings saved");
    if before.community_name != after.community_name || before.description != after.description {
        community_changed(app).await;
    }
    Ok(())
}

/// Switches who may register (the admin overview's switch); the rest of the site settings
/// stay as they are.
pub async fn set_registration_mode(
    app: &App,
    mode: crate::domain::site::RegistrationMode,
) -> Result<(), ProfileChangeError> {
    site::set_registration_mode(&app.db, mode.as_str()).await?;
    tracing::info!(registration = %mode, "registration mode switched");
    Ok(())
}

/// Sets (or with `None` removes) the community's avatar.
pub async fn set_community_avatar(
    app: &App,
    media_id: Option<i64>,
) -> Result<(), ProfileChangeError> {
    site::set_community_avatar(&app.db, media_id).await?;
    app.content_changed().await;
    community_changed(app).await;
    Ok(())
}

async fn community_changed(app: &App) {
    if let Err(e) = outbox::community_updated(app).await {
        tracing::error!(error = %format!("{e:#}"), "could not queue the community's profile update");
    }
}
