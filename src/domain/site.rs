//! Site settings an administrator edits: title, description, language, the community actor's
//! name, and how people may join.

use std::fmt;
use std::str::FromStr;

/// Longest site title and community name, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
/// Longest site description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// How people may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    /// Only administrators create accounts (the default).
    Closed,
    /// Anyone with a valid invite link; the role comes from the invite.
    Invite,
    /// Anyone may register; an administrator approves each account before it can sign in.
    /// An invite link skips the approval.
    Approval,
}

impl RegistrationMode {
    pub const ALL: [RegistrationMode; 3] = [
        RegistrationMode::Closed,
        RegistrationMode::Invite,
        RegistrationMode::Approval,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationMode::Closed => "closed",
            RegistrationMode::Invite => "invite",
            RegistrationMode::Approval => "approval",
        }
    }

    /// How the mode is named for people.
    pub fn label(self) -> &'static str {
        match self {
            RegistrationMode::Closed => "Closed: only administrators create accounts",
            RegistrationMode::Invite => "Invite only: people join with an invite link",
            RegistrationMode::Approval => {
                "Open with approval: anyone may register, an administrator approves"
            }
        }
    }

    /// Whether anyone may ask for an account without an invite (NodeInfo's
    /// `openRegistrations`, and the login page's link to the registration form).
    pub fn is_open(self) -> bool {
        matches!(self, RegistrationMode::Approval)
    }
}

impl fmt::Display for RegistrationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown registration mode {0:?}: use closed, invite or approval")]
pub struct UnknownMode(pub String);

impl FromStr for RegistrationMode {
    type Err = UnknownMode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegistrationMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| UnknownMode(s.to_owned()))
    }
}

/// Site settings as submitted, before they are checked.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub title: String,
    pub description: String,
    pub language: String,
    pub community_name: String,
    pub registration_mode: String,
}

/// Checked site settings, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub title: String,
    pub description: String,
    pub language: String,
    pub community_name: String,
    pub registration_mode: RegistrationMode,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("the site title must have 1 to {MAX_TITLE_CHARS} characters")]
    Title,
    #[error("the description must have at most {MAX_DESCRIPTION_CHARS} characters")]
    Description,
    #[error("the language must be a language tag such as en or pt-BR")]
    Language,
    #[error("the community's name must have 1 to {MAX_TITLE_CHARS} characters")]
    CommunityName,
    #[error(transparent)]
    Mode(#[from] UnknownMode),
}

/// Whether `tag` looks like a BCP 47 language tag (`en`, `pt-BR`, `zh-Hant-TW`).
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && tag.len() <= 35
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

impl SettingsInput {
    pub fn check(&self) -> Result<Settings, SettingsError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(SettingsError::Title);
        }
        let description = self.description.trim();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(SettingsError::Description);
        }
        let language = self.language.trim();
        if !is_language_tag(language) {
            return Err(SettingsError::Language);
        }
        let community_name = self.community_name.trim();
        if community_name.is_empty() || community_name.chars().count() > MAX_TITLE_CHARS {
            return Err(SettingsError::CommunityName);
        }
        Ok(Settings {
            title: title.to_owned(),
            description: description.to_owned(),
            language: language.to_owned(),
            community_name: community_name.to_owned(),
            registration_mode: self.registration_mode.parse()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SettingsInput {
        SettingsInput {
            title: " Our site ".into(),
            description: "About".into(),
            language: "pt-BR".into(),
            community_name: "Everyone".into(),
            registration_mode: "invite".into(),
        }
    }

    #[test]
    fn good_settings_are_trimmed_and_bad_ones_named() {
        let s = input().check().unwrap();
        assert_eq!(
            (s.title.as_str(), s.registration_mode),
            ("Our site", RegistrationMode::Invite)
        );
        let mut i = input();
        i.title = String::new();
        assert_eq!(i.check(), Err(SettingsError::Title));
        let mut i = input();
        i.language = "english please".into();
        assert_eq!(i.check(), Err(SettingsError::Language));
        let mut i = input();
        i.registration_mode = "open".into();
        assert!(matches!(i.check(), Err(SettingsError::Mode(_))));
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "de", "pt-BR", "zh-Hant-TW"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["", "e", "en-", "-en", "en_US", "12"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
