//! What each kind of account may do.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Site settings, users, invites, domain blocks, and everything an editor does.
    Admin,
    /// Edits and publishes any post, reviews contributions, moderates.
    Editor,
    /// Writes and publishes their own posts.
    Author,
    /// Writes drafts and submits them for review.
    Contributor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Editor, Role::Author, Role::Contributor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Author => "author",
            Role::Contributor => "contributor",
        }
    }

    /// Whether this role may publish its own posts without review.
    pub fn can_publish(self) -> bool {
        !matches!(self, Role::Contributor)
    }

    /// Whether this role may edit and publish posts of other people.
    pub fn can_edit_others(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?}: use admin, editor, author or contributor")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}
