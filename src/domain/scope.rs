//! What a bearer token may do: the IndieAuth and Micropub scopes Chorus grants, parsed from the
//! space- or comma-separated lists clients and the command line send.

use std::collections::BTreeSet;
use std::fmt;

/// One permission a token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The profile URL and name (IndieAuth `profile`).
    Profile,
    /// Micropub: make new posts.
    Create,
    /// Micropub: make new posts as drafts only.
    Draft,
    /// Micropub: change existing posts.
    Update,
    /// Micropub: delete posts.
    Delete,
    /// Micropub: bring deleted posts back.
    Undelete,
    /// Micropub: upload to the media endpoint.
    Media,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::Profile,
        Scope::Create,
        Scope::Draft,
        Scope::Update,
        Scope::Delete,
        Scope::Undelete,
        Scope::Media,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Profile => "profile",
            Scope::Create => "create",
            Scope::Draft => "draft",
            Scope::Update => "update",
            Scope::Delete => "delete",
            Scope::Undelete => "undelete",
            Scope::Media => "media",
        }
    }

    /// What the consent page and the account page say this scope allows.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::Profile => "see your name and profile address",
            Scope::Create => "publish new posts as you",
            Scope::Draft => "save new posts as drafts",
            Scope::Update => "change your posts",
            Scope::Delete => "delete your posts",
            Scope::Undelete => "restore your deleted posts",
            Scope::Media => "upload images",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

/// A set of scopes, written space-separated in a fixed order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(BTreeSet<Scope>);

/// A scope name Chorus does not grant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope {0:?}; scopes are {known}", known = Scope::ALL.map(Scope::as_str).join(", "))]
pub struct UnknownScope(pub String);

impl Scopes {
    /// Every name in a space- or comma-separated list; an unknown name is an error.
    pub fn parse_strict(list: &str) -> Result<Scopes, UnknownScope> {
        names(list)
            .map(|name| Scope::parse(name).ok_or_else(|| UnknownScope(name.to_owned())))
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Scopes)
    }

    /// The names Chorus knows in a list a client asked for; others are left out, as
    /// OAuth 2.0 lets a server grant less than was asked.
    pub fn parse_known(list: &str) -> Scopes {
        Scopes(names(list).filter_map(Scope::parse).collect())
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// The scopes both sets hold.
    pub fn intersection(&self, other: &Scopes) -> Scopes {
        Scopes(self.0.intersection(&other.0).copied().collect())
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Scopes(iter.into_iter().collect())
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Scope::as_str).collect();
        f.write_str(&names.join(" "))
    }
}

fn names(list: &str) -> impl Iterator<Item = &str> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_from_commas_or_spaces_into_one_order() {
        let a = Scopes::parse_strict("update,create media").unwrap();
        assert_eq!(a.to_string(), "create update media");
        assert!(a.contains(Scope::Media) && !a.contains(Scope::Delete));
        assert_eq!(Scopes::parse_strict(" ").unwrap(), Scopes::default());
    }

    #[test]
    fn an_unknown_scope_is_named_strictly_and_dropped_leniently() {
        let err = Scopes::parse_strict("create,admin").unwrap_err();
        assert_eq!(err, UnknownScope("admin".into()));
        assert!(err.to_string().contains("\"admin\""), "{err}");
        assert_eq!(
            Scopes::parse_known("create admin email").to_string(),
            "create"
        );
    }
}
