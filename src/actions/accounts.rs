//! Accounts: creating them (command line, first-run setup, admins), registering (with an
//! invite, or for an administrator's approval), passwords, and what administrators change
//! (role, status, invites). Passwords are hashed with Argon2id on a blocking thread.

use chrono::Duration;

use crate::app::App;
use crate::domain::secrets::{random_token, token_hash};
use crate::domain::{Role, Username, invite, time};
use crate::storage::StorageError;
use crate::storage::admin_log::{self, AdminAction};
use crate::storage::invites::{self, InviteProblem, InviteState};
use crate::storage::resets::{self, ResetProblem};
use crate::storage::sessions;
use crate::storage::users::{self, AccountStatus, NewUser, User};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (hashing cost grows with it).
pub const MAX_PASSWORD_CHARS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Username(#[from] crate::domain::username::UsernameError),
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("the password must have at most {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("the display name must have at most 100 characters")]
    DisplayNameTooLong,
    #[error("the username {0:?} is already taken")]
    Taken(String),
    #[error("you cannot change your own role or status here; ask another administrator")]
    OwnAccount,
    #[error("you cannot invite people with that role")]
    RoleNotInvitable,
    #[error(transparent)]
    Storage(StorageError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the server is checking too many passwords at once; try again in a moment")]
    Busy,
    #[error(transparent)]
    Invite(#[from] InviteProblem),
    #[error(transparent)]
    Reset(#[from] ResetProblem),
    #[error(transparent)]
    Zone(#[from] crate::domain::zone::ZoneError),
}

impl From<StorageError> for AccountError {
    fn from(e: StorageError) -> Self {
        AccountError::Storage(e)
    }
}

/// Sets the time zone `user` schedules posts in, by its IANA name. A name that is not a zone
/// changes nothing.
pub async fn set_time_zone(
    app: &App,
    user: &User,
    name: &str,
) -> Result<crate::domain::zone::Zone, AccountError> {
    let zone = crate::domain::zone::Zone::parse(name)?;
    users::set_time_zone(&app.db, user.id, zone, time::now()).await?;
    Ok(zone)
}

/// Creates an account that may sign in at once.
pub async fn create_user(
    app: &App,
    username: &str,
    role: Role,
    display_name: Option<&str>,
    password: &str,
) -> Result<User, AccountError> {
    create_account(
        app,
        username,
        role,
        display_name,
        password,
        AccountStatus::Active,
    )
    .await
}

/// Creates an account that can sign in once an administrator approves it (registration open
/// with approval); its role is [`invite::SELF_REGISTERED_ROLE`] until an admin changes it.
pub async fn register_for_approval(
    app: &App,
    username: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<User, AccountError> {
    create_account(
        app,
        username,
        invite::SELF_REGISTERED_ROLE,
        display_name,
        password,
        AccountStatus::Pending,
    )
    .await
}

/// Creates an account with an invite link's code: the role is the invite's, and the invite is
/// used up in the same transaction. A bad invite is refused before the password is hashed.
pub async fn register_with_invite(
    app: &App,
    code: &str,
    username: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<User, AccountError> {
    let (username, display_name) = check_account(app, username, display_name, password).await?;
    let code_hash = token_hash(code.trim());
    let now = time::now();
    match invites::find_invite(&app.db, &code_hash).await? {
        None => return Err(InviteProblem::Unknown.into()),
        Some(i) => match i.state(now) {
            InviteState::Open => {}
            InviteState::Used => return Err(InviteProblem::Used.into()),
            InviteState::Expired => return Err(InviteProblem::Expired.into()),
        },
    }
    let hash = hash_password(app, password).await?;
    let new = NewUser {
        username: &username,
        status: AccountStatus::Active,
        display_name: &display_name,
        role: Role::Contributor,
        password_hash: &hash,
        now,
    };
    let id = match invites::register_with_invite(&app.db, &code_hash, &new).await {
        Ok(Ok(id)) => id,
        Ok(Err(problem)) => return Err(problem.into()),
        Err(StorageError::Conflict(_)) => return Err(AccountError::Taken(username.to_string())),
        Err(e) => return Err(AccountError::Storage(e)),
    };
    users::find_user_by_id(&app.db, id)
        .await?
        .ok_or(AccountError::Storage(StorageError::NotFound))
}

async fn create_account(
    app: &App,
    username: &str,
    role: Role,
    display_name: Option<&str>,
    password: &str,
    status: AccountStatus,
) -> Result<User, AccountError> {
    let (username, display_name) = check_account(app, username, display_name, password).await?;
    let hash = hash_password(app, password).await?;
    let new = NewUser {
        username: &username,
        status,
        display_name: &display_name,
        role,
        password_hash: &hash,
        now: time::now(),
    };
    users::insert_user(&app.db, &new)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => AccountError::Taken(username.to_string()),
            other => AccountError::Storage(other),
        })
}

/// Checks a new account's username, password and display name; gives the username and the
/// display name to store (the username when none is given).
async fn check_account(
    app: &App,
    username: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<(Username, String), AccountError> {
    let username = Username::parse(username)?;
    check_password(password)?;
    let display_name = display_name
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(username.as_str())
        .to_owned();
    if display_name.chars().count() > 100 {
        return Err(AccountError::DisplayNameTooLong);
    }
    if users::find_user_by_username(&app.db, username.as_str())
        .await?
        .is_some()
    {
        return Err(AccountError::Taken(username.to_string()));
    }
    Ok((username, display_name))
}

fn check_password(password: &str) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AccountError::PasswordTooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AccountError::PasswordTooLong);
    }
    Ok(())
}

/// Passwords hashed or checked at the same time, at most: each Argon2id run holds about
/// 19 MiB and a core.
pub fn hash_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

/// Hashes waiting for a slot, at most; more are refused at once ([`AccountError::Busy`]),
/// so a flood of sign-ins neither fills memory nor delays the rest of the server.
pub fn hash_queue() -> usize {
    4 * hash_slots()
}

/// The slots of [`hash_slots`] and the places of [`hash_queue`], one set per server.
#[derive(Clone)]
pub struct HashBound {
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    places: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Default for HashBound {
    fn default() -> Self {
        HashBound {
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(hash_slots())),
            places: std::sync::Arc::new(tokio::sync::Semaphore::new(hash_slots() + hash_queue())),
        }
    }
}

/// Runs one Argon2id job on a blocking thread, within the bound; refuses at once when it is
/// full.
async fn bounded_hash<T: Send + 'static>(
    app: &App,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AccountError> {
    let _place = app
        .hashing
        .places
        .try_acquire()
        .map_err(|_| AccountError::Busy)?;
    let _slot = app
        .hashing
        .slots
        .acquire()
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))?;
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))
}

/// Argon2id, on a blocking thread.
async fn hash_password(app: &App, password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    bounded_hash(app, move || password_auth::generate_hash(password)).await
}

/// Whether `password` is the one hashed in `hash` (Argon2id, on a blocking thread); `Busy`
/// when too many are being checked already.
pub async fn password_matches(app: &App, password: &str, hash: &str) -> Result<bool, AccountError> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    bounded_hash(app, move || {
        password_auth::verify_password(password, &hash).is_ok()
    })
    .await
}

/// Changes `user`'s password after checking the current one; every other session of the
/// account ends (`keep_session` stays signed in).
pub async fn change_password(
    app: &App,
    user: &User,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<(), AccountError> {
    if !password_matches(app, current, &user.password_hash).await? {
        return Err(AccountError::WrongPassword);
    }
    check_password(new)?;
    let hash = hash_password(app, new).await?;
    users::set_password_hash(&app.db, user.id, &hash, time::now()).await?;
    sessions::delete_user_sessions(&app.db, user.id, keep_session).await?;
    Ok(())
}

/// Sets `user`'s password without the current one (the server's operator on the command
/// line, or a one-time reset link an administrator issued); every session of the account ends.
pub async fn set_password(app: &App, user: &User, new: &str) -> Result<(), AccountError> {
    check_password(new)?;
    let hash = hash_password(app, new).await?;
    users::set_password_hash(&app.db, user.id, &hash, time::now()).await?;
    sessions::delete_user_sessions(&app.db, user.id, None).await?;
    Ok(())
}

/// Gives `user` another role: an administrator on the web (`by`, recorded in the admin log;
/// never their own account), or the server's operator on the command line (`None`).
pub async fn set_role(
    app: &App,
    by: Option<&User>,
    user: &User,
    role: Role,
) -> Result<(), AccountError> {
    if by.is_some_and(|admin| admin.id == user.id) {
        return Err(AccountError::OwnAccount);
    }
    let now = time::now();
    users::set_role(&app.db, user.id, role, now).await?;
    if let Some(admin) = by {
        admin_log::record_action(
            &app.db,
            admin.id,
            AdminAction::ChangeRole,
            user.username.as_str(),
            role.as_str(),
            now,
        )
        .await?;
    }
    tracing::info!(by = by.map(|a| a.username.as_str()).unwrap_or("the command line"), user = %user.username, from = %user.role, to = %role, "role changed");
    Ok(())
}

/// An administrator approves, suspends or unsuspends `user` (`action` says which, for the
/// admin log). Suspending ends the account's sessions.
pub async fn set_status(
    app: &App,
    admin: &User,
    user: &User,
    status: AccountStatus,
    action: AdminAction,
) -> Result<(), AccountError> {
    if user.id == admin.id {
        return Err(AccountError::OwnAccount);
    }
    let now = time::now();
    users::set_status(&app.db, user.id, status, now).await?;
    admin_log::record_action(&app.db, admin.id, action, user.username.as_str(), "", now).await?;
    if status == AccountStatus::Suspended {
        let ended = sessions::delete_user_sessions(&app.db, user.id, None).await?;
        tracing::info!(admin = %admin.username, user = %user.username, sessions = ended, "account suspended");
    } else {
        tracing::info!(admin = %admin.username, user = %user.username, ?action, "account may sign in");
    }
    Ok(())
}

/// Creates an invite for `role`, valid for `valid_for`; gives the code, which is shown once
/// (only its hash is stored).
pub async fn create_invite(
    app: &App,
    by: &User,
    role: Role,
    valid_for: Duration,
) -> Result<String, AccountError> {
    if !invite::may_invite(by.role, role) {
        return Err(AccountError::RoleNotInvitable);
    }
    let code = random_token();
    let now = time::now();
    invites::insert_invite(
        &app.db,
        &token_hash(&code),
        role,
        by.id,
        now,
        now + valid_for,
    )
    .await?;
    tracing::info!(by = %by.username, %role, "invite created");
    Ok(code)
}

/// How long a password reset link works.
pub const RESET_VALID_HOURS: i64 = 24;

/// An administrator (`by`) issues a one-time link with which `user` sets a new password;
/// gives the link's token (only its hash is stored). Recorded in the log.
pub async fn issue_password_reset(
    app: &App,
    by: &User,
    user: &User,
) -> Result<String, AccountError> {
    let token = random_token();
    let now = time::now();
    resets::insert_reset(
        &app.db,
        &token_hash(&token),
        user.id,
        by.id,
        now,
        now + Duration::hours(RESET_VALID_HOURS),
    )
    .await?;
    tracing::warn!(by = %by.username, user = %user.username, "password reset link issued");
    Ok(token)
}

/// Sets a new password with a reset link's `token`: once, within its time; every session of
/// the account ends. Nothing changes when the password or the link is refused.
pub async fn reset_password(app: &App, token: &str, new: &str) -> Result<i64, AccountError> {
    let hash = token_hash(token);
    resets::open_reset(&app.db, &hash, time::now()).await??;
    check_password(new)?;
    let password_hash = hash_password(app, new).await?;
    let user = resets::use_reset(&app.db, &hash, &password_hash, time::now()).await??;
    tracing::info!(user, "password set with a reset link");
    Ok(user)
}

/// Revokes an unused invite: any invite for an admin, only their own for an editor.
pub async fn revoke_invite(app: &App, by: &User, code_hash: &str) -> Result<bool, AccountError> {
    let scope = match by.role {
        Role::Admin => None,
        Role::Editor => Some(by.id),
        Role::Author | Role::Contributor => return Err(AccountError::RoleNotInvitable),
    };
    let revoked = invites::revoke_invite(&app.db, code_hash, scope).await?;
    if revoked {
        tracing::info!(by = %by.username, "invite revoked");
    }
    Ok(revoked)
}
