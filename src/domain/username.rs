//! `Username`: the local part of `@alice@community.example`, case-insensitive.

use std::fmt;

/// Longest username accepted, in characters.
pub const MAX_LEN: usize = 30;

/// Names no person may take: paths of the site, the community and instance actors,
/// and names people expect to belong to the operators.
const RESERVED: &[&str] = &[
    "abuse",
    "about",
    "account",
    "accounts",
    "actor",
    "admin",
    "administrator",
    "api",
    "app",
    "assets",
    "auth",
    "chorus",
    "community",
    "editor",
    "feed",
    "feeds",
    "help",
    "inbox",
    "instance",
    "login",
    "logout",
    "mail",
    "media",
    "moderator",
    "nodeinfo",
    "noreply",
    "null",
    "outbox",
    "postmaster",
    "posts",
    "register",
    "root",
    "security",
    "settings",
    "setup",
    "static",
    "support",
    "system",
    "tags",
    "undefined",
    "user",
    "users",
    "webmaster",
    "www",
];

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("a username cannot be empty")]
    Empty,
    #[error("a username has at most {MAX_LEN} characters")]
    TooLong,
    #[error("a username may contain only letters a-z, digits and underscores (got {0:?})")]
    InvalidCharacter(char),
    #[error("the username {0:?} is reserved")]
    Reserved(String),
}

impl Username {
    /// Parses a username typed by a person: case is folded, the rules are checked.
    pub fn parse(raw: &str) -> Result<Username, UsernameError> {
        let name = raw.trim().trim_start_matches('@').to_ascii_lowercase();
        if name.is_empty() {
            return Err(UsernameError::Empty);
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
        {
            return Err(UsernameError::InvalidCharacter(bad));
        }
        if name.len() > MAX_LEN {
            return Err(UsernameError::TooLong);
        }
        if RESERVED.contains(&name.as_str()) {
            return Err(UsernameError::Reserved(name));
        }
        Ok(Username(name))
    }

    /// Wraps a name read back from the database, where only valid names are stored.
    pub fn from_stored(name: String) -> Username {
        Username(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `name` is one of the reserved names (used for the community actor's handle).
    pub fn is_reserved(name: &str) -> bool {
        RESERVED.contains(&name.to_ascii_lowercase().as_str())
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a fediverse handle someone gives as their own (`@alice@mastodon.example` or
/// `alice@mastodon.example`) and returns it in the `@user@host` form.
pub fn parse_fediverse_handle(raw: &str) -> Result<String, HandleError> {
    let trimmed = raw.trim().trim_start_matches('@');
    let (user, host) = trimmed
        .split_once('@')
        .ok_or_else(|| HandleError(raw.to_owned()))?;
    let user_ok = !user.is_empty()
        && user.len() <= 64
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    let host_ok = url::Host::parse(host)
        .is_ok_and(|h| matches!(h, url::Host::Domain(d) if d.contains('.')))
        && !host.contains(['/', ':', '@', ' ']);
    if !user_ok || !host_ok {
        return Err(HandleError(raw.to_owned()));
    }
    Ok(format!("@{user}@{}", host.to_ascii_lowercase()))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a fediverse handle like @alice@mastodon.example")]
pub struct HandleError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fediverse_handles_are_normalized() {
        assert_eq!(
            parse_fediverse_handle("alice@Mastodon.Example").unwrap(),
            "@alice@mastodon.example"
        );
        assert_eq!(
            parse_fediverse_handle("@a.b-c@x.example").unwrap(),
            "@a.b-c@x.example"
        );
        assert!(parse_fediverse_handle("alice").is_err());
        assert!(parse_fediverse_handle("alice@localhost").is_err());
        assert!(parse_fediverse_handle("al ice@x.example").is_err());
        assert!(parse_fediverse_handle("alice@x.example/path").is_err());
    }

    #[test]
    fn folds_case_and_accepts_the_alphabet() {
        assert_eq!(Username::parse("Alice_42").unwrap().as_str(), "alice_42");
        assert_eq!(Username::parse("@bob").unwrap().as_str(), "bob");
        assert!(Username::parse(&"a".repeat(30)).is_ok());
    }

    #[test]
    fn refuses_what_breaks_the_rules() {
        assert_eq!(Username::parse(""), Err(UsernameError::Empty));
        assert_eq!(
            Username::parse(&"a".repeat(31)),
            Err(UsernameError::TooLong)
        );
        assert_eq!(
            Username::parse("al-ice"),
            Err(UsernameError::InvalidCharacter('-'))
        );
        assert_eq!(
            Username::parse("ålice"),
            Err(UsernameError::InvalidCharacter('å'))
        );
        assert_eq!(
            Username::parse("Admin"),
            Err(UsernameError::Reserved("admin".into()))
        );
    }
}
